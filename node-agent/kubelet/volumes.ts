/**
 * Pod volumes (pure plan + small adapters): emptyDir (on disk, or `medium: Memory` as a tmpfs), configMap,
 * secret, downwardAPI and projected (configMap / secret / downwardAPI / serviceAccountToken sources) become
 * directories under `<root-dir>/pods/<uid>/volumes/<plugin>/<name>`; hostPath, `local` and the
 * PersistentVolume of a `persistentVolumeClaim` are the host's own paths (hostPath types checked as
 * upstream's hostPath plugin does). Containers bind-mount them per volumeMount (subPath, subPathExpr,
 * readOnly). A missing ConfigMap / Secret (not optional), an unbound claim or a failed type check fails
 * the plan with upstream's FailedMount message; the pod waits and is retried.
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
  fchmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeSync,
  chmodSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { KubeError } from '../../api/errors.js';
import { tryParseQuantity, valueBig } from '../../api/quantity.js';
import type { Mount } from '../runtime/runtime.js';
import { expandVars, podFieldValue, resourceFieldValue, type EnvContext, type EnvSources } from './env.js';

import type { ConfigMap, Container, DownwardAPIVolumeFile, KeyToPath, PersistentVolume, PersistentVolumeClaim, Pod, Secret } from './types.js';

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

/** The hostPath types of upstream's HostPathType ("" = no check). */
export type HostPathType = '' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';

export interface VolumePlan {
  name: string;
  /** The directory (or file) containers bind-mount. */
  hostPath: string;
  /** emptyDir / configMap ...: a directory the kubelet makes and fills. hostPath: the host's own path. */
  managed: boolean;
  files: VolumeFile[];
  /** A host path checked (and made, for the *OrCreate types) as upstream's hostPath plugin does. */
  hostPathType?: HostPathType;
  /** A `local` PersistentVolume: its path must exist. */
  mustExist?: boolean;
  /** emptyDir `medium: Memory`: a tmpfs mounted on hostPath, of this size in bytes (none: the kernel's default). */
  tmpfs?: { sizeBytes?: bigint };
  /** The name upstream's mount messages give (the PersistentVolume's name for a claim). */
  displayName?: string;
  /** API data volumes (configMap, secret, downwardAPI, projected) always; a claim mounted readOnly. */
  readOnly?: boolean;
}

export class VolumeError extends KubeError {
  /** `message` is the whole message when `raw` (upstream's wording is not a SetUp failure). */
  constructor(readonly volume: string, message: string, raw = false) {
    super('BadRequest', raw ? message : `MountVolume.SetUp failed for volume "${volume}" : ${message}`, { code: 'ERR_VOLUME' });
    this.name = 'VolumeError';
  }
}

/** An API read that failed for another reason than NotFound: its message. */
export interface FetchError {
  fetchError: string;
}

/** What planVolumes reads besides ConfigMaps and Secrets (absent: not found). */
export interface VolumeSources extends EnvSources {
  /** A claim, or why it could not be read (a Forbidden, say). */
  claim?(name: string): PersistentVolumeClaim | FetchError | undefined;
  persistentVolume?(name: string): PersistentVolume | FetchError | undefined;
  /** The token of a serviceAccountToken projection (fetched before planning by the token manager), or why not. */
  token?(t: TokenProjection): { token: string } | { error: string } | undefined;
}

/** A projected serviceAccountToken source, as the kubelet requests it (TokenRequest spec). */
export interface TokenProjection {
  audience: string;
  expirationSeconds: number;
}

/** upstream's default expirationSeconds of a serviceAccountToken projection (API defaulting sets it too). */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;

/** The serviceAccountToken projections of a pod, each once (pure; the adapter fetches their tokens). */
export function tokenProjections(pod: Pod): TokenProjection[] {
  const out = new Map<string, TokenProjection>();
  for (const v of pod.spec.volumes ?? []) {
    for (const s of v.projected?.sources ?? []) {
      const t = s.serviceAccountToken;
      if (!t) continue;
      const p = { audience: t.audience ?? '', expirationSeconds: Number(t.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS) };
      out.set(tokenProjectionKey(p), p);
    }
  }
  return [...out.values()];
}

export function tokenProjectionKey(t: TokenProjection): string {
  return `${t.audience}/${t.expirationSeconds}`;
}

/** The PersistentVolume a claim is bound to, which the kubelet may then read (upstream reads it only then). */
export function boundVolumeName(claim: PersistentVolumeClaim): string | undefined {
  if (claim.metadata?.deletionTimestamp || claim.status?.phase !== 'Bound') return undefined;
  return claim.spec?.volumeName || undefined;
}

/** The claim names of a pod's persistentVolumeClaim volumes (pure; the adapter reads them). */
export function claimNames(pod: Pod): string[] {
  return [...new Set((pod.spec.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : [])))];
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

/**
 * The PersistentVolume behind a claim, or upstream's reason the pod cannot use it yet (the volume
 * manager's desired-state populator: "error processing PVC ns/name: ...").
 */
export function resolveClaim(ns: string, claimName: string, sources: VolumeSources): { pv: PersistentVolume } | { error: string } {
  const fail = (why: string) => ({ error: `error processing PVC ${ns}/${claimName}: ${why}` });
  const claim = sources.claim?.(claimName);
  if (!claim) return fail(`failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`);
  if ('fetchError' in claim) return fail(`failed to fetch PVC from API server: ${claim.fetchError}`);
  if (claim.metadata?.deletionTimestamp) return fail(`can't start pod because PVC ${ns}/${claimName} is being deleted`);
  const pvName = claim.spec?.volumeName ?? '';
  if (claim.status?.phase !== 'Bound' || pvName === '') return fail('PVC is not bound');
  const pv = sources.persistentVolume?.(pvName);
  if (!pv) return fail(`failed to fetch PV ${pvName} from API server: persistentvolumes "${pvName}" not found`);
  if ('fetchError' in pv) return fail(`failed to fetch PV ${pvName} from API server: ${pv.fetchError}`);
  const ref = pv.spec?.claimRef;
  if (!ref) return fail(`found PV object ${pvName} but it has a nil pv.Spec.ClaimRef indicating it is not yet bound to the claim`);
  if (ref.uid !== claim.metadata?.uid) {
    return fail(`found PV object ${pvName} but its pv.Spec.ClaimRef.UID ${ref.uid ?? ''} does not point to claim.UID ${claim.metadata?.uid ?? ''}`);
  }
  return { pv };
}

/** The plan of a claim's bound PersistentVolume: its hostPath (type-checked) or local path (must exist). */
function claimPlan(name: string, pv: PersistentVolume, readOnly: boolean): VolumePlan {
  const pvName = pv.metadata?.name ?? name;
  const ro = readOnly ? { readOnly: true } : {};
  if (pv.spec?.hostPath) {
    return { name, displayName: pvName, hostPath: pv.spec.hostPath.path, managed: false, files: [], hostPathType: (pv.spec.hostPath.type ?? '') as HostPathType, ...ro };
  }
  if (pv.spec?.local) return { name, displayName: pvName, hostPath: pv.spec.local.path, managed: false, files: [], mustExist: true, ...ro };
  throw new VolumeError(pvName, `volume plugin of persistentvolume "${pvName}" not supported by kubelab (hostPath and local are)`);
}

/**
 * The size of a memory-backed emptyDir as upstream's calculateEmptyDirMemorySize: the node's memory, or
 * the pod's memory limit when it has one (every container limited) and it is smaller, or the volume's
 * sizeLimit when set and smaller still. Undefined: nothing known, the kernel's default (half the RAM).
 */
export function emptyDirMemorySize(pod: Pod, sizeLimit: unknown, nodeMemoryBytes?: bigint): bigint | undefined {
  let size = nodeMemoryBytes;
  const limit = (c: Container): bigint | undefined => {
    const q = c.resources?.limits?.memory;
    return q === undefined ? undefined : valueBig(String(q));
  };
  const limits = pod.spec.containers.map(limit);
  if (limits.length && limits.every((l) => l !== undefined && l > 0n)) {
    let podLimit = (limits as bigint[]).reduce((a, b) => a + b, 0n);
    for (const c of pod.spec.initContainers ?? []) {
      const l = limit(c);
      if (l !== undefined && l > podLimit) podLimit = l;
    }
    if (size === undefined || podLimit <= size) size = podLimit;
  }
  const q = sizeLimit === undefined || sizeLimit === null ? undefined : tryParseQuantity(String(sizeLimit));
  if (q) {
    const v = valueBig(q);
    if (v > 0n && (size === undefined || v <= size)) size = v;
  }
  return size;
}

/** Plan every volume of the pod (pure). Throws VolumeError for a missing source, an unbound claim, a failed token. */
export function planVolumes(pod: Pod, podDir: string, sources: VolumeSources, ctx: EnvContext & { nodeMemoryBytes?: bigint }): VolumePlan[] {
  const plans: VolumePlan[] = [];
  const claimErrors: { volume: string; error: string }[] = [];
  for (const v of pod.spec.volumes ?? []) {
    const dir = (plugin: string) => join(podDir, 'volumes', plugin, v.name);
    if (v.emptyDir) {
      const plan: VolumePlan = { name: v.name, hostPath: dir('kubernetes.io~empty-dir'), managed: true, files: [] };
      if (v.emptyDir.medium === 'Memory') {
        const size = emptyDirMemorySize(pod, v.emptyDir.sizeLimit, ctx.nodeMemoryBytes);
        plan.tmpfs = size === undefined ? {} : { sizeBytes: size };
      }
      plans.push(plan);
    } else if (v.hostPath) {
      plans.push({ name: v.name, hostPath: v.hostPath.path, managed: false, files: [], hostPathType: (v.hostPath.type ?? '') as HostPathType });
    } else if (v.persistentVolumeClaim) {
      const r = resolveClaim(pod.metadata.namespace, v.persistentVolumeClaim.claimName ?? '', sources);
      if ('error' in r) claimErrors.push({ volume: v.name, error: r.error });
      else plans.push(claimPlan(v.name, r.pv, !!v.persistentVolumeClaim.readOnly));
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
        else if (s.serviceAccountToken) files.push(tokenFile(s.serviceAccountToken, mode, sources, v.name));
      }
      plans.push(dataVolume(v.name, dir('kubernetes.io~projected'), files));
    } else {
      throw new VolumeError(v.name, 'volume type not supported by kubelab');
    }
  }
  if (claimErrors.length) {
    // upstream's volume manager: the pod waits, every volume is still unmounted.
    const all = `[${(pod.spec.volumes ?? []).map((v) => v.name).join(' ')}]`;
    const failed = `[${claimErrors.map((c) => c.volume).join(' ')}]`;
    throw new VolumeError(claimErrors[0]!.volume, `Unable to attach or mount volumes: unmounted volumes=${all}, unattached volumes=${all}, failed to process volumes=${failed}: ${claimErrors.map((c) => c.error).join('; ')}`, true);
  }
  return plans;
}

/**
 * upstream's eviction manager emptyDirLimitEviction (pure): the message of the first emptyDir whose usage
 * exceeds its sizeLimit (`Usage of EmptyDir volume "x" exceeds the limit "1Mi". `), or undefined.
 */
export function emptyDirLimitExceeded(pod: Pod, usedBytes: (volume: string) => bigint | undefined): string | undefined {
  for (const v of pod.spec.volumes ?? []) {
    const limit = v.emptyDir?.sizeLimit;
    if (limit === undefined || limit === null) continue;
    const q = tryParseQuantity(String(limit));
    const used = usedBytes(v.name);
    if (!q || used === undefined) continue;
    const size = valueBig(q);
    if (size > 0n && used > size) return `Usage of EmptyDir volume "${v.name}" exceeds the limit "${String(limit)}". `;
  }
  return undefined;
}

/** The emptyDir volumes of a pod that have a sizeLimit (the ones whose usage the kubelet measures). */
export function limitedEmptyDirs(pod: Pod): string[] {
  return (pod.spec.volumes ?? []).filter((v) => v.emptyDir?.sizeLimit !== undefined && v.emptyDir.sizeLimit !== null).map((v) => v.name);
}

/** Disk usage of a directory as `du` counts it (allocated blocks, symlinks not followed, hard links once). Adapter. */
export function diskUsageBytes(dir: string): bigint {
  let total = 0n;
  const seen = new Set<string>();
  const walk = (p: string): void => {
    const st = lstatSync(p, { bigint: true, throwIfNoEntry: false });
    if (!st) return;
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) return;
    seen.add(id);
    total += st.blocks * 512n;
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  walk(dir);
  return total;
}

/** A serviceAccountToken projection's file (the token fetched by the adapter); upstream's "failed to fetch token". */
function tokenFile(t: { audience?: string; expirationSeconds?: number | bigint; path: string }, mode: number, sources: VolumeSources, volume: string): VolumeFile {
  const key = { audience: t.audience ?? '', expirationSeconds: Number(t.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS) };
  const got = sources.token?.(key);
  if (!got) throw new VolumeError(volume, 'failed to fetch token: no token was requested');
  if ('error' in got) throw new VolumeError(volume, `failed to fetch token: ${got.error}`);
  return { path: String(t.path), content: Buffer.from(got.token), mode: fileMode(mode) };
}

/** The I/O containerMounts may do (the adapter's): real paths, and making a missing subPath directory. */
export interface MountIO {
  realpath(p: string): string;
  mkdirp?(p: string): void;
}

/**
 * The subPath of a volumeMount, subPathExpr expanded with the container's environment, checked as
 * upstream's makeMounts does (pure). Returns '' for none, or throws upstream's message.
 */
export function mountSubPath(m: { name: string; subPath?: string; subPathExpr?: string }, env: { name: string; value: string }[] = []): string {
  let sub = String(m.subPath ?? '');
  if (m.subPathExpr) {
    const vars = new Map(env.map((e) => [e.name, e.value]));
    const missing = new Set<string>();
    sub = expandVars(String(m.subPathExpr), (k) => {
      const v = vars.get(k);
      if (v === undefined || v === '') missing.add(k);
      return v ?? '';
    });
    if (missing.size) throw new VolumeError(m.name, `missing value for ${[...missing].sort().join(', ')}`, true);
  }
  if (sub === '') return '';
  if (isAbsolute(sub)) throw new VolumeError(m.name, `error SubPath \`${sub}\` must not be an absolute path`, true);
  if (sub.split('/').includes('..')) throw new VolumeError(m.name, `unable to provision SubPath \`${sub}\`: must not contain '..'`, true);
  return sub;
}

/**
 * A container's bind mounts from its volumeMounts. Pure unless `io` is given: the adapter passes one so
 * that a subPath whose real path (symlinks followed) leaves the volume is refused, and a missing subPath
 * directory of a writable volume is made first (as upstream's makeMounts with SafeMakeDir).
 * readOnly: the mount's, the volume's (API data volumes, a claim's readOnly).
 */
export function containerMounts(
  container: Pick<Container, 'volumeMounts'> & { name?: string },
  plans: VolumePlan[],
  io?: MountIO | ((p: string) => string),
  env: { name: string; value: string }[] = [],
): Mount[] {
  const fs: MountIO | undefined = typeof io === 'function' ? { realpath: io } : io;
  const byName = new Map(plans.map((p) => [p.name, p]));
  const mounts: Mount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const p = byName.get(m.name);
    if (!p) throw new VolumeError(m.name, `unable to find volume "${m.name}"`);
    const sub = mountSubPath(m, env);
    const hostPath = sub ? join(p.hostPath, normalize(sub)) : p.hostPath;
    if (sub && hostPath !== p.hostPath && !isInside(p.hostPath, hostPath)) throw new VolumeError(m.name, `unable to provision SubPath \`${sub}\`: must not escape the volume`, true);
    if (sub && fs) {
      const prepareFailed = () => new VolumeError(m.name, `failed to prepare subPath for volumeMount "${m.name}" of container "${container.name ?? ''}"`, true);
      const root = fs.realpath(p.hostPath);
      const within = () => {
        const real = fs.realpath(hostPath);
        return real === root || isInside(root, real);
      };
      if (!within()) throw prepareFailed();
      if (fs.mkdirp && !p.readOnly) {
        try {
          fs.mkdirp(hostPath);
        } catch {
          throw new VolumeError(m.name, `failed to create subPath directory for volumeMount "${m.name}" of container "${container.name ?? ''}"`, true);
        }
        if (!within()) throw prepareFailed();
      }
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

// ---------------------------------------------------------------- hostPath types (adapter)

/** What a host path is, as upstream's GetFileType sees it (symlinks followed). */
export type HostFileType = 'Directory' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice' | 'Other';

export function hostFileType(path: string): HostFileType | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (st.isDirectory()) return 'Directory';
  if (st.isFile()) return 'File';
  if (st.isSocket()) return 'Socket';
  if (st.isCharacterDevice()) return 'CharDevice';
  if (st.isBlockDevice()) return 'BlockDevice';
  return 'Other';
}

/**
 * upstream's hostPath checkType (pure): what to do for a path of `found` type (undefined: absent) when
 * the volume asks for `want`: nothing, make a directory or a file, or fail with upstream's message.
 */
export function hostPathCheck(path: string, want: HostPathType | undefined, found: HostFileType | undefined): { make?: 'dir' | 'file'; error?: string } {
  const fail = (what: string) => ({ error: `hostPath type check failed: ${path} is not a ${what}` });
  switch (want ?? '') {
    case '':
      return {};
    case 'DirectoryOrCreate':
      if (found === undefined) return { make: 'dir' };
      return found === 'Directory' ? {} : fail('directory');
    case 'Directory':
      return found === 'Directory' ? {} : fail('directory');
    case 'FileOrCreate':
      if (found === undefined) return { make: 'file' };
      return found === 'File' ? {} : fail('file');
    case 'File':
      return found === 'File' ? {} : fail('file');
    case 'Socket':
      return found === 'Socket' ? {} : fail('socket file');
    case 'CharDevice':
      return found === 'CharDevice' ? {} : fail('character device');
    case 'BlockDevice':
      return found === 'BlockDevice' ? {} : fail('block device');
    default:
      return { error: `${want} is an invalid volume type` };
  }
}

/** Check (and make) a host path of a plan (adapter): upstream's makeDir (0755) / makeFile (0644). */
function ensureHostPath(p: VolumePlan): void {
  const volume = p.displayName ?? p.name;
  if (p.mustExist && hostFileType(p.hostPath) === undefined) {
    throw new VolumeError(volume, `MountVolume.NewMounter initialization failed for volume "${volume}" : path "${p.hostPath}" does not exist`, true);
  }
  const d = hostPathCheck(p.hostPath, p.hostPathType, hostFileType(p.hostPath));
  if (d.error) throw new VolumeError(volume, d.error);
  try {
    if (d.make === 'dir') mkdirSync(p.hostPath, { recursive: true, mode: 0o755 });
    else if (d.make === 'file') {
      mkdirSync(dirname(p.hostPath), { recursive: true, mode: 0o755 });
      closeSync(openSync(p.hostPath, constants.O_RDONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o644));
    }
  } catch (e) {
    throw new VolumeError(volume, (e as Error).message);
  }
}

// ---------------------------------------------------------------- tmpfs (adapter)

/** One line of /proc/self/mountinfo: where, and what filesystem. */
export interface MountInfo {
  mountPoint: string;
  fsType: string;
}

/** Parse /proc/self/mountinfo (pure): mount points unescaped (\040 is a space). */
export function parseMountInfo(text: string): MountInfo[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (f.length < 5 || dash < 0 || dash + 1 >= f.length) continue;
    out.push({ mountPoint: unescape(f[4]!), fsType: f[dash + 1]! });
  }
  return out;
}

/** The mount points at or under `dir`, deepest first (the order to unmount them in). Pure. */
export function mountsUnder(mounts: MountInfo[], dir: string): string[] {
  const pts = mounts.map((m) => m.mountPoint).filter((mp) => mp === dir || isInside(dir, mp));
  return [...new Set(pts)].sort((a, b) => b.length - a.length);
}

/** The mount options of a memory-backed emptyDir (upstream's setupTmpfs: size in bytes, when known). */
export function tmpfsOptions(t: { sizeBytes?: bigint }): string[] {
  return t.sizeBytes !== undefined && t.sizeBytes > 0n ? ['-o', `size=${t.sizeBytes}`] : [];
}

/** Mounting and unmounting, injectable for tests (the kubelet runs `mount` / `umount` as root). */
export interface Mounter {
  mountInfo(): MountInfo[];
  mountTmpfs(dir: string, args: string[]): void;
  unmount(dir: string): void;
}

// ---------------------------------------------------------------- AtomicWriter (adapter)

const DATA_DIR = '..data';
const DATA_TMP = '..data_tmp';

/** upstream's AtomicWriter timestamped directory prefix (`..2006_01_02_15_04_05.`). */
export function timestampDirPrefix(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

/** Every regular file under dir (relative paths), not following symlinks. */
function listFiles(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of listFiles(join(dir, e.name), rel)) out.set(k, v);
    else out.set(rel, join(dir, e.name));
  }
  return out;
}

/** The payload in `tsDir` is exactly `files` (same paths, bytes and modes): nothing to write. */
function samePayload(tsDir: string, files: { rel: string; f: VolumeFile }[]): boolean {
  let present: Map<string, string>;
  try {
    present = listFiles(tsDir);
  } catch {
    return false;
  }
  if (present.size !== files.length) return false;
  for (const { rel, f } of files) {
    const at = present.get(rel);
    if (!at) return false;
    const st = lstatSync(at);
    if (!st.isFile() || (st.mode & 0o777) !== fileMode(f.mode) || !readFileSync(at).equals(f.content)) return false;
  }
  return true;
}

/**
 * upstream's AtomicWriter: the payload goes into a new `..<timestamp>.<random>` directory, the `..data`
 * symlink is swapped to it with one rename (readers see the old set or the new one, never half a file),
 * each top-level name is a symlink `name -> ..data/name`, and what the old payload had and the new one has
 * not is removed, with the old timestamped directory. An unchanged payload writes nothing.
 */
export function writeAtomic(volumeDir: string, volume: string, files: VolumeFile[], now = new Date()): void {
  const payload = files.map((f) => {
    const r = resolveVolumeFile(volumeDir, f.path);
    if ('error' in r) throw new VolumeError(volume, r.error);
    return { rel: relative(volumeDir, r.path), f };
  });
  const root = realpathSync(volumeDir);
  const dataLink = join(root, DATA_DIR);
  const old = lstatSync(dataLink, { throwIfNoEntry: false })?.isSymbolicLink() ? readlinkSync(dataLink) : undefined;
  // Only a real timestamped directory of this volume counts as the current payload (never a symlink out).
  const oldDir = old && !old.includes('/') && old.startsWith('..') && lstatSync(join(root, old), { throwIfNoEntry: false })?.isDirectory() ? old : undefined;
  let current = oldDir;
  if (!oldDir || !samePayload(join(root, oldDir), payload)) {
    const tsDir = mkdtempSync(join(root, timestampDirPrefix(now)));
    chmodSync(tsDir, 0o755);
    for (const { f } of payload) writeVolumeFile(tsDir, volume, f);
    rmSync(join(root, DATA_TMP), { force: true });
    symlinkSync(basename(tsDir), join(root, DATA_TMP));
    renameSync(join(root, DATA_TMP), dataLink);
    current = basename(tsDir);
  }
  const top = new Set(payload.map((x) => x.rel.split(sep)[0]!));
  for (const name of top) {
    const link = join(root, name);
    const want = join(DATA_DIR, name);
    const st = lstatSync(link, { throwIfNoEntry: false });
    if (st?.isSymbolicLink() && readlinkSync(link) === want) continue;
    if (st) rmSync(link, { recursive: true, force: true });
    symlinkSync(want, link);
  }
  for (const e of readdirSync(root)) {
    if (e === DATA_DIR || e === current || top.has(e)) continue;
    rmSync(join(root, e), { recursive: true, force: true });
  }
}

/**
 * Set up every volume (adapter): host paths checked or made, memory-backed emptyDirs mounted as tmpfs
 * (once: an existing mount is kept), API data volumes written by the AtomicWriter.
 */
export function applyVolumes(plans: VolumePlan[], mounter?: Mounter, now = new Date()): void {
  for (const p of plans) {
    if (!p.managed) {
      ensureHostPath(p);
      continue;
    }
    mkdirSync(p.hostPath, { recursive: true, mode: 0o777 });
    if (p.tmpfs) {
      if (!mounter) throw new VolumeError(p.name, 'medium Memory needs a mounter');
      // mountinfo shows real paths: compare with the directory's (a --root-dir through a symlink must not stack mounts).
      const real = realpathSync(p.hostPath);
      const mounted = mounter.mountInfo().some((m) => m.mountPoint === real && m.fsType === 'tmpfs');
      if (!mounted) {
        try {
          mounter.mountTmpfs(p.hostPath, tmpfsOptions(p.tmpfs));
        } catch (e) {
          throw new VolumeError(p.name, `mount failed: ${(e as Error).message}`);
        }
      }
    }
    if (p.readOnly) writeAtomic(p.hostPath, p.name, p.files, now);
  }
}
