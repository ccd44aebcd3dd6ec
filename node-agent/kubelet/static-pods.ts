/**
 * Static pods (pure): manifests in the kubelet's staticPodPath, run without the API server, with a
 * mirror pod in the API for everyone to see (upstream's pkg/kubelet/config/file.go, common.go and
 * pkg/kubelet/pod/mirror_client.go, read for the behaviour).
 *
 *   manifest file ──parseStaticPodManifest──> Pod named <name>-<node>, uid = config hash,
 *                                             annotations config.source=file, config.hash, config.seen
 *   previous set + new set ──diffStaticPods──> add / update (new hash) / remove keys
 *   static pod + mirror pod in the API ──decideMirrorPod──> nothing / create / delete (then create)
 *   a mirror pod without a static pod (file removed) ──> delete it (orphaned mirror pod)
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { defaultPod } from '../../api/strategies/defaults.js';
import { validatePod } from '../../api/strategies/pod.js';
import { isPlainObject } from '../../api/values.js';
import type { Pod } from './types.js';

export const CONFIG_SOURCE_ANNOTATION = 'kubernetes.io/config.source';
export const CONFIG_HASH_ANNOTATION = 'kubernetes.io/config.hash';
export const CONFIG_MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
export const CONFIG_SEEN_ANNOTATION = 'kubernetes.io/config.seen';

/** Upstream's generatePodName: `<name>-<lowercased node name>`. */
export function staticPodName(name: string, nodeName: string): string {
  return `${name}-${nodeName.toLowerCase()}`;
}

/** Hidden files (a leading dot) are skipped, as upstream's file source does (editors' swap files). */
export function isManifestFileName(name: string): boolean {
  return !name.startsWith('.');
}

/** JSON with sorted keys: the same object always hashes the same. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isPlainObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

export type ManifestResult = { pod: Pod; error?: undefined } | { pod?: undefined; error: string };

/**
 * One manifest file (YAML or JSON, one Pod) into the static pod it describes, or an error naming why.
 * As upstream's applyDefaults: the uid is the md5 of the pod, the node and the file's path (unless the
 * manifest has one); name `<name>-<node>`; namespace `default` when empty; spec.nodeName the node; the
 * config.hash annotation the uid; a toleration of every NoExecute taint; phase Pending. `seen` is the
 * time the kubelet first saw this version (the config.seen annotation, RFC 3339 with nanoseconds).
 */
export function parseStaticPodManifest(text: string, path: string, nodeName: string, seen: string): ManifestResult {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return { error: `${path}: couldn't parse as pod(${(e as Error).message.split('\n')[0]})` };
  }
  if (!isPlainObject(doc)) return { error: `${path}: couldn't parse as pod(Object 'Kind' is missing in '${text.trim().slice(0, 60)}')` };
  if (doc.kind === undefined || doc.kind === '') return { error: `${path}: couldn't parse as pod(Object 'Kind' is missing in '${text.trim().replace(/\s+/g, ' ').slice(0, 60)}')` };
  if (doc.kind !== 'Pod' || doc.apiVersion !== 'v1') {
    return { error: `${path}: couldn't parse as pod(invalid pod: no kind "${String(doc.kind)}" is registered for version "${String(doc.apiVersion ?? '')}")` };
  }
  const pod = structuredClone(doc) as unknown as Pod;
  const meta = (pod.metadata ??= {} as Pod['metadata']);
  if (!meta.name) return { error: `${path}: invalid pod: [metadata.name: Required value: name or generateName is required]` };
  const spec = (pod.spec ??= {} as Pod['spec']);
  defaultPod(pod as never);
  let uid: string = meta.uid ?? '';
  if (!uid) {
    const h = createHash('md5');
    h.update(canonical(doc));
    h.update(`host:${nodeName}`);
    h.update(`file:${path}`);
    uid = h.digest('hex');
  }
  meta.uid = uid;
  meta.name = staticPodName(meta.name, nodeName);
  if (!meta.namespace) meta.namespace = 'default';
  spec.nodeName = nodeName;
  meta.annotations = { ...(meta.annotations ?? {}), [CONFIG_HASH_ANNOTATION]: uid, [CONFIG_SOURCE_ANNOTATION]: 'file', [CONFIG_SEEN_ANNOTATION]: seen };
  const tolerations = spec.tolerations ?? [];
  if (!tolerations.some((t) => t.operator === 'Exists' && t.effect === 'NoExecute' && !t.key)) spec.tolerations = [...tolerations, { operator: 'Exists', effect: 'NoExecute' }];
  pod.status = { phase: 'Pending' } as Pod['status'];
  const causes = validatePod(pod as never);
  if (causes.length) return { error: `${path}: invalid pod: [${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}]` };
  return { pod };
}

export const podKey = (p: Pod): string => `${p.metadata.namespace}/${p.metadata.name}`;

export interface StaticPodDiff {
  add: string[];
  update: string[];
  remove: string[];
}

/** What changed between two sets of static pods by key: new keys, keys whose hash changed, keys gone. */
export function diffStaticPods(before: ReadonlyMap<string, Pod>, after: ReadonlyMap<string, Pod>): StaticPodDiff {
  const d: StaticPodDiff = { add: [], update: [], remove: [] };
  for (const [k, p] of after) {
    const old = before.get(k);
    if (!old) d.add.push(k);
    else if (old.metadata.uid !== p.metadata.uid) d.update.push(k);
  }
  for (const k of before.keys()) if (!after.has(k)) d.remove.push(k);
  return d;
}

/**
 * The static pods of one directory listing: file name -> manifest result. Two files naming the same pod:
 * the first (by file name) wins and the other is an error, as upstream reports duplicates.
 */
export function collectStaticPods(results: { file: string; result: ManifestResult }[]): { pods: Map<string, Pod>; errors: { file: string; error: string }[] } {
  const pods = new Map<string, Pod>();
  const errors: { file: string; error: string }[] = [];
  for (const { file, result } of [...results].sort((a, b) => a.file.localeCompare(b.file))) {
    if (result.error !== undefined) {
      errors.push({ file, error: result.error });
      continue;
    }
    const k = podKey(result.pod);
    if (pods.has(k)) {
      errors.push({ file, error: `${file}: pod ${k} is already defined by another manifest: skipped` });
      continue;
    }
    pods.set(k, result.pod);
  }
  return { pods, errors };
}

/** Keep the config.seen of a pod whose hash did not change (a re-read must not look like a new version). */
export function keepSeen(before: ReadonlyMap<string, Pod>, after: Map<string, Pod>): Map<string, Pod> {
  for (const [k, p] of after) {
    const old = before.get(k);
    if (old && old.metadata.uid === p.metadata.uid) after.set(k, old);
  }
  return after;
}

export const isMirrorPod = (p: Pod | undefined): boolean => p?.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION] !== undefined;

export type MirrorDecision =
  | { action: 'none' }
  | { action: 'create' }
  /** Delete the stale mirror pod (uid precondition, grace 0), then create the current one. */
  | { action: 'recreate'; deleteUid: string; reason: string }
  /** A mirror pod with no static pod behind it: delete it. */
  | { action: 'delete'; deleteUid: string };

/**
 * What to do with the mirror pod of a static pod (upstream's syncPod: a mirror pod being deleted or with
 * another hash is deleted and made again; a missing one is made once the Node exists).
 */
export function decideMirrorPod(staticPod: Pod | undefined, mirror: Pod | undefined, nodeKnown: boolean): MirrorDecision {
  if (!staticPod) return mirror && isMirrorPod(mirror) ? { action: 'delete', deleteUid: mirror.metadata.uid } : { action: 'none' };
  const hash = staticPod.metadata.uid;
  if (mirror) {
    if (!isMirrorPod(mirror)) return { action: 'none' }; // an API pod of the same name, not ours: leave it
    if (mirror.metadata.deletionTimestamp) return { action: 'recreate', deleteUid: mirror.metadata.uid, reason: 'mirror pod is being deleted' };
    if (mirror.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION] !== hash) return { action: 'recreate', deleteUid: mirror.metadata.uid, reason: 'static pod changed' };
    return { action: 'none' };
  }
  return nodeKnown ? { action: 'create' } : { action: 'none' };
}

/**
 * The mirror pod to create for a static pod (upstream's CreateMirrorPod): the static pod with the
 * config.mirror annotation set to its hash, no uid / status, and a controller owner reference to its Node.
 */
/** A pod to create: the server gives it its uid. */
export type NewPod = Omit<Pod, 'metadata'> & { metadata: Omit<Pod['metadata'], 'uid'> };

export function mirrorPodFor(staticPod: Pod, node: { name: string; uid: string }): NewPod {
  const p = structuredClone(staticPod);
  const { uid: _uid, resourceVersion: _rv, ...meta } = p.metadata as Pod['metadata'] & { resourceVersion?: string };
  void _uid;
  void _rv;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...meta,
      annotations: { ...(meta.annotations ?? {}), [CONFIG_MIRROR_ANNOTATION]: staticPod.metadata.uid },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }],
    },
    spec: p.spec,
  };
}
