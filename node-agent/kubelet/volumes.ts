/**
 * Pod volumes (pure plan + a small writer): emptyDir, configMap, secret, hostPath, downwardAPI and
 * projected (configMap / secret / downwardAPI sources) become directories under
 * `<root-dir>/pods/<uid>/volumes/<plugin>/<name>`, bind-mounted into containers per volumeMount.
 * A missing ConfigMap / Secret (not optional) fails the plan with upstream's FailedMount message; the
 * pod waits and is retried.
 *
 * Defence in depth (the API server validates item paths and modes too): every file path is checked
 * here as upstream's AtomicWriter does (relative, no `..` element, ...), the writer refuses symlinks
 * and checks the real path of every directory it writes into, modes are masked to 0777 (no setuid),
 * and configMap / secret / downwardAPI / projected volumes are mounted read-only (upstream's
 * ReadOnlyAPIDataVolumes), so a container cannot plant a symlink for the kubelet to follow.
 */
import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  realpathSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { KubeError } from '../../api/errors.js';
import type { Mount } from '../runtime/runtime.js';
import { podFieldValue, resourceFieldValue, type EnvContext, type EnvSources } from './env.js';

import type { ConfigMap, Container, DownwardAPIVolumeFile, KeyToPath, Pod, Secret } from './types.js';

/** A key of a ConfigMap or Secret to project; kubelab also honours a per-item `optional`. */
type KeyItem = KeyToPath & { optional?: boolean };
/** What configMapFiles and secretFiles read of a volume source or a projection (both shapes). */
interface DataSource {
  name?: string;
  secretName?: string;
  items?: KeyItem[];
  defaultMode?: number;
  optional?: boolean;
}

export interface VolumeFile {
  path: string;
  content: Buffer;
  mode: number;
}

export interface VolumePlan {
  name: string;
  /** The directory (or file) containers bind-mount. */
  hostPath: string;
  /** emptyDir / configMap ...: a directory the kubelet makes and fills. hostPath: the host's own path. */
  managed: boolean;
  files: VolumeFile[];
  /** hostPath type DirectoryOrCreate / FileOrCreate. */
  create?: 'dir' | 'file';
  /** API data volumes (configMap, secret, downwardAPI, projected): always mounted read-only. */
  readOnly?: boolean;
}

export class VolumeError extends KubeError {
  constructor(readonly volume: string, message: string) {
    super('BadRequest', `MountVolume.SetUp failed for volume "${volume}" : ${message}`, { code: 'ERR_VOLUME' });
    this.name = 'VolumeError';
  }
}

// upstream's AtomicWriter limits
const MAX_PATH_LENGTH = 4096;
const MAX_FILE_NAME_LENGTH = 255;
const DEFAULT_MODE = 0o644;

/**
 * upstream's AtomicWriter validatePath: the path of a file inside a volume, or why it is refused.
 * Returns undefined when the path is fine.
 */
export function volumeFilePathError(target: string): string | undefined {
  if (target === '') return 'invalid path: must not be empty: ""';
  if (target.includes('\0')) return `invalid path: must not contain NUL: ${JSON.stringify(target)}`;
  if (isAbsolute(target)) return `invalid path: must be relative path: ${target}`;
  if (target.length > MAX_PATH_LENGTH) return `invalid path: must be less than or equal to ${MAX_PATH_LENGTH} characters`;
  const items = target.split('/');
  for (const item of items) {
    if (item === '..') return `invalid path: must not contain '..': ${target}`;
    if (item.length > MAX_FILE_NAME_LENGTH) return `invalid path: filenames must be less than or equal to ${MAX_FILE_NAME_LENGTH} characters`;
  }
  if (items[0]!.startsWith('..') && items[0]!.length > 2) return `invalid path: must not start with '..': ${target}`;
  return undefined;
}

/** `child` lies strictly inside `dir` (both absolute and normalized). */
export function isInside(dir: string, child: string): boolean {
  const rel = relative(dir, child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * The pure decision for one volume file: the absolute path to write, or why it is refused. The
 * path must pass validatePath and, joined to the volume directory, still lie strictly inside it.
 */
export function resolveVolumeFile(volumeDir: string, target: string): { path: string } | { error: string } {
  const err = volumeFilePathError(target);
  if (err) return { error: err };
  const path = join(volumeDir, target);
  if (!isInside(volumeDir, path)) return { error: `invalid path: ${target} is not within the volume directory` };
  return { path };
}

/** A file's permission bits: mode masked to 0777 (no setuid, setgid or sticky bit); nonsense becomes 0644. */
export function fileMode(mode: unknown): number {
  return typeof mode === 'number' && Number.isInteger(mode) && mode >= 0 ? mode & 0o777 : DEFAULT_MODE;
}

function keyFiles(data: Record<string, Buffer>, items: KeyItem[] | undefined, defaultMode: number, volume: string, what: string): VolumeFile[] {
  if (!items?.length) return Object.entries(data).map(([k, v]) => ({ path: k, content: v, mode: fileMode(defaultMode) }));
  const out: VolumeFile[] = [];
  for (const it of items) {
    const v = data[it.key];
    if (v === undefined) {
      if (it.optional) continue;
      throw new VolumeError(volume, `configmap references non-existent config key: ${it.key}`.replace('configmap', what));
    }
    out.push({ path: String(it.path ?? ''), content: v, mode: fileMode(it.mode ?? defaultMode) });
  }
  return out;
}

function cmData(cm: ConfigMap): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries((cm.data ?? {}) as Record<string, string>)) out[k] = Buffer.from(v, 'utf8');
  for (const [k, v] of Object.entries((cm.binaryData ?? {}) as Record<string, string>)) out[k] = Buffer.from(v, 'base64');
  return out;
}

function secretBytes(s: Secret): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries((s.data ?? {}) as Record<string, string>)) out[k] = Buffer.from(v, 'base64');
  return out;
}

function downwardFiles(pod: Pod, items: DownwardAPIVolumeFile[], defaultMode: number, ctx: EnvContext): VolumeFile[] {
  return items.map((it) => {
    let value = '';
    if (it.fieldRef) value = podFieldValue(pod, it.fieldRef.fieldPath ?? '', ctx); // fieldPath: required by validation
    else if (it.resourceFieldRef) {
      const ref = it.resourceFieldRef;
      const c: Container = pod.spec.containers.find((x) => x.name === ref.containerName) ?? pod.spec.containers[0]!;
      value = resourceFieldValue(c, ref.resource ?? '', ref.divisor ? String(ref.divisor) : undefined);
    }
    return { path: String(it.path ?? ''), content: Buffer.from(value), mode: fileMode(it.mode ?? defaultMode) };
  });
}

function configMapFiles(ns: string, src: DataSource, sources: EnvSources, volume: string): VolumeFile[] {
  const cm = sources.configMap(src.name ?? '');
  if (!cm) {
    if (src.optional) return [];
    throw new VolumeError(volume, `configmap "${src.name}" not found`);
  }
  void ns;
  return keyFiles(cmData(cm), src.items, src.defaultMode ?? 0o644, volume, 'configmap');
}

function secretFiles(src: DataSource, sources: EnvSources, volume: string): VolumeFile[] {
  const name = src.secretName ?? src.name;
  const s = sources.secret(name ?? '');
  if (!s) {
    if (src.optional) return [];
    throw new VolumeError(volume, `secret "${name}" not found`);
  }
  return keyFiles(secretBytes(s), src.items, src.defaultMode ?? 0o644, volume, 'secret');
}

/** An API data volume's plan; every file path is checked against the volume directory (pure). */
function dataVolume(name: string, hostPath: string, files: VolumeFile[]): VolumePlan {
  for (const f of files) {
    const r = resolveVolumeFile(hostPath, f.path);
    if ('error' in r) throw new VolumeError(name, r.error);
  }
  return { name, hostPath, managed: true, files, readOnly: true };
}

/** Plan every volume of the pod (pure). Throws VolumeError for a missing source. */
export function planVolumes(pod: Pod, podDir: string, sources: EnvSources, ctx: EnvContext): VolumePlan[] {
  const plans: VolumePlan[] = [];
  for (const v of pod.spec.volumes ?? []) {
    const dir = (plugin: string) => join(podDir, 'volumes', plugin, v.name);
    if (v.emptyDir) plans.push({ name: v.name, hostPath: dir('kubernetes.io~empty-dir'), managed: true, files: [] });
    else if (v.hostPath) {
      const t = v.hostPath.type;
      plans.push({ name: v.name, hostPath: v.hostPath.path, managed: false, files: [], ...(t === 'DirectoryOrCreate' ? { create: 'dir' as const } : t === 'FileOrCreate' ? { create: 'file' as const } : {}) });
    } else if (v.configMap) plans.push(dataVolume(v.name, dir('kubernetes.io~configmap'), configMapFiles(pod.metadata.namespace, v.configMap, sources, v.name)));
    else if (v.secret) plans.push(dataVolume(v.name, dir('kubernetes.io~secret'), secretFiles(v.secret, sources, v.name)));
    else if (v.downwardAPI) plans.push(dataVolume(v.name, dir('kubernetes.io~downward-api'), downwardFiles(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? DEFAULT_MODE, ctx)));
    else if (v.projected) {
      const files: VolumeFile[] = [];
      const mode = v.projected.defaultMode ?? DEFAULT_MODE;
      for (const s of v.projected.sources ?? []) {
        if (s.configMap) files.push(...configMapFiles(pod.metadata.namespace, { defaultMode: mode, ...s.configMap }, sources, v.name));
        else if (s.secret) files.push(...secretFiles({ defaultMode: mode, ...s.secret }, sources, v.name));
        else if (s.downwardAPI) files.push(...downwardFiles(pod, s.downwardAPI.items ?? [], mode, ctx));
      }
      plans.push(dataVolume(v.name, dir('kubernetes.io~projected'), files));
    } else {
      throw new VolumeError(v.name, 'volume type not supported by kubelab');
    }
  }
  return plans;
}

/**
 * A container's bind mounts from its volumeMounts. Pure unless `realpath` is given: the adapter passes
 * one so that a subPath whose real path (symlinks followed) leaves the volume is refused.
 */
export function containerMounts(container: Pick<Container, 'volumeMounts'>, plans: VolumePlan[], realpath?: (p: string) => string): Mount[] {
  const byName = new Map(plans.map((p) => [p.name, p]));
  const mounts: Mount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const p = byName.get(m.name);
    if (!p) throw new VolumeError(m.name, `unable to find volume "${m.name}"`);
    const sub = m.subPath ? normalize(String(m.subPath)) : '';
    if (sub === '..' || sub.startsWith(`..${sep}`) || isAbsolute(sub)) throw new VolumeError(m.name, `subPath "${m.subPath}" must not escape the volume`);
    const hostPath = sub ? join(p.hostPath, sub) : p.hostPath;
    if (sub && realpath) {
      const root = realpath(p.hostPath);
      const real = realpath(hostPath);
      if (real !== root && !isInside(root, real)) throw new VolumeError(m.name, `subpath "${real}" not within volume path "${root}"`);
    }
    mounts.push({ hostPath, containerPath: m.mountPath, readOnly: !!m.readOnly || !!p.readOnly });
  }
  return mounts;
}

/** realpath of `p`, or of its deepest existing ancestor joined with the rest (adapter for containerMounts). */
export function realpathOfExisting(p: string): string {
  const rest: string[] = [];
  let cur = p;
  for (;;) {
    try {
      return join(realpathSync(cur), ...rest.reverse());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      const parent = dirname(cur);
      if (parent === cur) return p;
      rest.push(cur.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
      cur = parent;
    }
  }
}

/**
 * Write one file of a managed volume without ever leaving it: each directory on the way is created
 * or must be a real directory (not a symlink) whose real path is inside the volume's real path; a
 * symlink at the file's own place is removed, and the file is opened with O_NOFOLLOW.
 */
export function writeVolumeFile(volumeDir: string, volume: string, f: VolumeFile): void {
  const r = resolveVolumeFile(volumeDir, f.path);
  if ('error' in r) throw new VolumeError(volume, r.error);
  const root = realpathSync(volumeDir);
  const parts = relative(volumeDir, r.path).split(sep);
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    if (!lstatSync(dir, { throwIfNoEntry: false })) mkdirSync(dir, { mode: 0o755 });
    const st = lstatSync(dir);
    if (st.isSymbolicLink() || !st.isDirectory() || !isInside(root, realpathSync(dir))) {
      throw new VolumeError(volume, `invalid path: ${f.path}: ${dir} is not a directory inside the volume`);
    }
  }
  const target = join(dir, parts[parts.length - 1]!);
  const st = lstatSync(target, { throwIfNoEntry: false });
  if (st?.isSymbolicLink()) unlinkSync(target);
  else if (st?.isDirectory()) throw new VolumeError(volume, `invalid path: ${f.path}: is a directory`);
  let fd: number;
  try {
    fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    throw new VolumeError(volume, `invalid path: ${f.path}: ${(e as Error).message}`);
  }
  try {
    for (let off = 0; off < f.content.length; ) off += writeSync(fd, f.content, off);
    fchmodSync(fd, fileMode(f.mode));
  } finally {
    closeSync(fd);
  }
}

/** Make the directories and write the files (adapter); stale files of managed volumes are removed. */
export function applyVolumes(plans: VolumePlan[]): void {
  for (const p of plans) {
    if (!p.managed) {
      if (p.create === 'dir') mkdirSync(p.hostPath, { recursive: true });
      else if (p.create === 'file' && !existsSync(p.hostPath)) {
        mkdirSync(dirname(p.hostPath), { recursive: true });
        writeFileSync(p.hostPath, '');
      }
      continue;
    }
    mkdirSync(p.hostPath, { recursive: true, mode: 0o777 });
    if (p.files.length === 0) continue;
    const wanted = new Set(p.files.map((f) => f.path.split('/')[0]!));
    for (const e of readdirSync(p.hostPath)) if (!wanted.has(e)) rmSync(join(p.hostPath, e), { recursive: true, force: true });
    for (const f of p.files) writeVolumeFile(p.hostPath, p.name, f);
  }
}
