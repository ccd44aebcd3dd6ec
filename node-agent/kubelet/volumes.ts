/**
 * Pod volumes (pure plan + a small writer): emptyDir, configMap, secret, hostPath, downwardAPI and
 * projected (configMap / secret / downwardAPI sources) become directories under
 * `<root-dir>/pods/<uid>/volumes/<plugin>/<name>`, bind-mounted into containers per volumeMount.
 * A missing ConfigMap / Secret (not optional) fails the plan with upstream's FailedMount message; the
 * pod waits and is retried.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { KubeError } from '../../api/errors.js';
import type { Mount } from '../runtime/runtime.js';
import { podFieldValue, resourceFieldValue, type EnvContext, type EnvSources } from './env.js';

type Obj = Record<string, any>;

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
}

export class VolumeError extends KubeError {
  constructor(readonly volume: string, message: string) {
    super('BadRequest', `MountVolume.SetUp failed for volume "${volume}" : ${message}`, { code: 'ERR_VOLUME' });
    this.name = 'VolumeError';
  }
}

function keyFiles(data: Record<string, Buffer>, items: Obj[] | undefined, defaultMode: number, volume: string, what: string): VolumeFile[] {
  if (!items?.length) return Object.entries(data).map(([k, v]) => ({ path: k, content: v, mode: defaultMode }));
  const out: VolumeFile[] = [];
  for (const it of items) {
    const v = data[it.key];
    if (v === undefined) {
      if (it.optional) continue;
      throw new VolumeError(volume, `configmap references non-existent config key: ${it.key}`.replace('configmap', what));
    }
    out.push({ path: it.path, content: v, mode: it.mode ?? defaultMode });
  }
  return out;
}

function cmData(cm: Obj): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries((cm.data ?? {}) as Record<string, string>)) out[k] = Buffer.from(v, 'utf8');
  for (const [k, v] of Object.entries((cm.binaryData ?? {}) as Record<string, string>)) out[k] = Buffer.from(v, 'base64');
  return out;
}

function secretBytes(s: Obj): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries((s.data ?? {}) as Record<string, string>)) out[k] = Buffer.from(v, 'base64');
  return out;
}

function downwardFiles(pod: Obj, items: Obj[], defaultMode: number, ctx: EnvContext): VolumeFile[] {
  return items.map((it) => {
    let value = '';
    if (it.fieldRef) value = podFieldValue(pod, it.fieldRef.fieldPath, ctx);
    else if (it.resourceFieldRef) {
      const c = (pod.spec.containers as Obj[]).find((x) => x.name === it.resourceFieldRef.containerName) ?? pod.spec.containers[0];
      value = resourceFieldValue(c, it.resourceFieldRef.resource, it.resourceFieldRef.divisor);
    }
    return { path: it.path, content: Buffer.from(value), mode: it.mode ?? defaultMode };
  });
}

function configMapFiles(ns: string, src: Obj, sources: EnvSources, volume: string): VolumeFile[] {
  const cm = sources.configMap(src.name);
  if (!cm) {
    if (src.optional) return [];
    throw new VolumeError(volume, `configmap "${src.name}" not found`);
  }
  void ns;
  return keyFiles(cmData(cm), src.items, src.defaultMode ?? 0o644, volume, 'configmap');
}

function secretFiles(src: Obj, sources: EnvSources, volume: string): VolumeFile[] {
  const name = src.secretName ?? src.name;
  const s = sources.secret(name);
  if (!s) {
    if (src.optional) return [];
    throw new VolumeError(volume, `secret "${name}" not found`);
  }
  return keyFiles(secretBytes(s), src.items, src.defaultMode ?? 0o644, volume, 'secret');
}

/** Plan every volume of the pod (pure). Throws VolumeError for a missing source. */
export function planVolumes(pod: Obj, podDir: string, sources: EnvSources, ctx: EnvContext): VolumePlan[] {
  const plans: VolumePlan[] = [];
  for (const v of (pod.spec.volumes ?? []) as Obj[]) {
    const dir = (plugin: string) => join(podDir, 'volumes', plugin, v.name);
    if (v.emptyDir) plans.push({ name: v.name, hostPath: dir('kubernetes.io~empty-dir'), managed: true, files: [] });
    else if (v.hostPath) {
      const t = v.hostPath.type as string | undefined;
      plans.push({ name: v.name, hostPath: v.hostPath.path, managed: false, files: [], ...(t === 'DirectoryOrCreate' ? { create: 'dir' as const } : t === 'FileOrCreate' ? { create: 'file' as const } : {}) });
    } else if (v.configMap) plans.push({ name: v.name, hostPath: dir('kubernetes.io~configmap'), managed: true, files: configMapFiles(pod.metadata.namespace, v.configMap, sources, v.name) });
    else if (v.secret) plans.push({ name: v.name, hostPath: dir('kubernetes.io~secret'), managed: true, files: secretFiles(v.secret, sources, v.name) });
    else if (v.downwardAPI) plans.push({ name: v.name, hostPath: dir('kubernetes.io~downward-api'), managed: true, files: downwardFiles(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? 0o644, ctx) });
    else if (v.projected) {
      const files: VolumeFile[] = [];
      const mode = v.projected.defaultMode ?? 0o644;
      for (const s of (v.projected.sources ?? []) as Obj[]) {
        if (s.configMap) files.push(...configMapFiles(pod.metadata.namespace, { defaultMode: mode, ...s.configMap }, sources, v.name));
        else if (s.secret) files.push(...secretFiles({ defaultMode: mode, ...s.secret }, sources, v.name));
        else if (s.downwardAPI) files.push(...downwardFiles(pod, s.downwardAPI.items ?? [], mode, ctx));
      }
      plans.push({ name: v.name, hostPath: dir('kubernetes.io~projected'), managed: true, files });
    } else {
      throw new VolumeError(v.name, 'volume type not supported by kubelab');
    }
  }
  return plans;
}

/** A container's bind mounts from its volumeMounts (pure). */
export function containerMounts(container: Obj, plans: VolumePlan[]): Mount[] {
  const byName = new Map(plans.map((p) => [p.name, p]));
  const mounts: Mount[] = [];
  for (const m of (container.volumeMounts ?? []) as Obj[]) {
    const p = byName.get(m.name);
    if (!p) throw new VolumeError(m.name, `unable to find volume "${m.name}"`);
    const sub = m.subPath ? normalize(m.subPath) : '';
    if (sub.startsWith('..')) throw new VolumeError(m.name, `subPath "${m.subPath}" must not escape the volume`);
    mounts.push({ hostPath: sub ? join(p.hostPath, sub) : p.hostPath, containerPath: m.mountPath, readOnly: !!m.readOnly });
  }
  return mounts;
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
    for (const f of p.files) {
      const path = join(p.hostPath, f.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.content);
      chmodSync(path, f.mode);
    }
  }
}
