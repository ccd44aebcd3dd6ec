/**
 * The local-path provisioner's decisions (after rancher's local-path-provisioner v0.0.30, provisioner.go, on
 * sig-storage-lib-external-provisioner's controller), pure:
 *
 *   claim of a class whose provisioner is ours, with `volume.kubernetes.io/storage-provisioner` set by the PV controller
 *     ├─ bound, being deleted, or its PV exists      -> nothing
 *     ├─ WaitForFirstConsumer, no selected node      -> wait (the scheduler's VolumeBinding sets it)
 *     └─ otherwise                                   -> create PV `pvc-<claim uid>`: hostPath
 *                                                       <node's folder>/<pv>_<ns>_<claim> (DirectoryOrCreate; the node's
 *                                                       folder from the node path map, default /opt/local-path-provisioner),
 *                                                       node affinity to the node, the class's reclaim policy, claimRef
 *   bound claim of ours asking more than its volume (class allowVolumeExpansion) -> the CSI external-resizer's steps for a
 *                                                       driver without node expansion: PV capacity, then claim status
 *   volume provisioned by us, Released, reclaim Delete -> helper pod on its node `rm -rf <path>`; once it Succeeded:
 *                                                       delete the helper pod and the PV
 */
import type { Pod } from '../../api/types/index.js';
import type { PV, PVC, SC } from '../../control-plane/controllers/persistentvolume/decide.js';
import {
  ANN_DYNAMICALLY_PROVISIONED, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, ANN_BETA_STORAGE_PROVISIONER,
} from '../../control-plane/controllers/persistentvolume/decide.js';
import { persistentVolumeClaimClass } from '../../api/strategies/storage.js';
import type { Relaxed } from '../../api/types/index.js';
import { compare, tryParseQuantity } from '../../api/quantity.js';

export const PROVISIONER_NAME = 'rancher.io/local-path';
export const DEFAULT_BASE_PATH = '/opt/local-path-provisioner';
export const DEFAULT_HELPER_IMAGE = 'busybox';
export const NODE_LABEL = 'kubernetes.io/hostname';

export interface ProvisionerConfig {
  name: string;
  /** The folder of nodes not listed in nodePaths (rancher's DEFAULT_PATH_FOR_NON_LISTED_NODES); '' when none. */
  basePath: string;
  /** rancher's nodePathMap: a node's own folder (first of its `paths`). */
  nodePaths?: Record<string, string>;
  helperImage: string;
  /** Where helper pods run (the provisioner's own namespace). */
  namespace: string;
}

export const defaultConfig = (namespace = 'local-path-storage'): ProvisionerConfig => ({
  name: PROVISIONER_NAME, basePath: DEFAULT_BASE_PATH, helperImage: DEFAULT_HELPER_IMAGE, namespace,
});

/** The lib's default volume name: `pvc-<claim uid>`. */
export const volumeNameFor = (pvc: PVC): string => `pvc-${pvc.metadata?.uid ?? ''}`;

export const DEFAULT_NODE = 'DEFAULT_PATH_FOR_NON_LISTED_NODES';

/** rancher's getPathOnNode: the node's own folder from the node path map, else the default one, else none. */
export const basePathFor = (cfg: ProvisionerConfig, node: string): string | undefined =>
  cfg.nodePaths?.[node] ?? (cfg.basePath || undefined);

/** rancher's folder: `<pv name>_<namespace>_<claim name>` under the base path (of the node). */
export const volumePathFor = (cfg: ProvisionerConfig, pvName: string, pvc: PVC, node = ''): string =>
  `${basePathFor(cfg, node) ?? cfg.basePath}/${pvName}_${pvc.metadata?.namespace ?? ''}_${pvc.metadata?.name ?? ''}`;

export type ClaimDecision =
  | { action: 'none'; why: string }
  | { action: 'wait'; why: string }
  /** Cannot provision (no folder for the node): a ProvisioningFailed event with this message. */
  | { action: 'fail'; message: string }
  | { action: 'provision'; volume: PV };

/** shouldProvision + provision: what to do with one claim. */
export function decideClaim(
  pvc: PVC, cfg: ProvisionerConfig, s: { storageClass(name: string): SC | undefined; volume(name: string): PV | undefined },
): ClaimDecision {
  if (pvc.spec?.volumeName) return { action: 'none', why: 'bound' };
  if (pvc.metadata?.deletionTimestamp) return { action: 'none', why: 'being deleted' };
  const ann = pvc.metadata?.annotations ?? {};
  if ((ann[ANN_STORAGE_PROVISIONER] ?? ann[ANN_BETA_STORAGE_PROVISIONER]) !== cfg.name) return { action: 'none', why: 'not ours' };
  const cls = persistentVolumeClaimClass(pvc);
  const sc = s.storageClass(cls);
  if (!sc || sc.provisioner !== cfg.name) return { action: 'none', why: 'not ours' };
  const name = volumeNameFor(pvc);
  if (s.volume(name)) return { action: 'none', why: 'provisioned' };
  const node = ann[ANN_SELECTED_NODE];
  if (!node) {
    // rancher: "configuration error, no node was specified" for Immediate classes; it needs a node to put the folder on.
    return { action: 'wait', why: sc.volumeBindingMode === 'WaitForFirstConsumer' ? 'waiting for a selected node' : 'configuration error, no node was specified' };
  }
  if (basePathFor(cfg, node) === undefined) {
    return { action: 'fail', message: `config doesn't contain node ${node}, and no ${DEFAULT_NODE} available` };
  }
  const storage = pvc.spec?.resources?.requests?.storage ?? '0';
  const volume: PV = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { [ANN_DYNAMICALLY_PROVISIONED]: cfg.name, 'local.path.provisioner/selected-node': node } },
    spec: {
      capacity: { storage },
      accessModes: [...(pvc.spec?.accessModes ?? ['ReadWriteOnce'])],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: cls,
      volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
      hostPath: { path: volumePathFor(cfg, name, pvc, node), type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_LABEL, operator: 'In', values: [node] }] }] } },
      claimRef: {
        kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: pvc.metadata?.namespace ?? '', name: pvc.metadata?.name ?? '',
        uid: pvc.metadata?.uid ?? '', resourceVersion: pvc.metadata?.resourceVersion ?? '',
      },
    },
  };
  return { action: 'provision', volume };
}

/** The node a volume of ours lives on (its node affinity's single hostname), or undefined. */
export function volumeNode(pv: PV): string | undefined {
  for (const t of pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const e of t.matchExpressions ?? []) if (e.key === NODE_LABEL && e.operator === 'In' && e.values?.length === 1) return e.values[0];
  }
  return undefined;
}

export const helperPodName = (pv: PV): string => `helper-pod-delete-${pv.metadata?.name ?? ''}`;

export type VolumeDecision =
  | { action: 'none' }
  | { action: 'createHelper'; pod: Relaxed<Pod> }
  | { action: 'waitHelper' }
  /** The helper failed: delete it (and try again), with the reason for an event. */
  | { action: 'retryHelper'; message: string }
  | { action: 'delete' };

/** shouldDelete + Delete: a Released volume of ours with reclaim Delete is removed, its folder first. */
export function decideVolume(pv: PV, cfg: ProvisionerConfig, helper: Relaxed<Pod> | undefined): VolumeDecision {
  if (pv.metadata?.annotations?.[ANN_DYNAMICALLY_PROVISIONED] !== cfg.name) return { action: 'none' };
  if (pv.status?.phase !== 'Released' || (pv.spec?.persistentVolumeReclaimPolicy ?? 'Delete') !== 'Delete') return { action: 'none' };
  if (pv.metadata?.deletionTimestamp) return { action: 'none' };
  const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
  const node = volumeNode(pv);
  const base = node ? basePathFor(cfg, node) : undefined;
  // Not a folder we can find: nothing on disk to clean, delete the object only (rancher logs and deletes).
  if (!path || !node || !base || !path.startsWith(`${base}/`) || path.includes('/../')) return { action: 'delete' };
  if (!helper) return { action: 'createHelper', pod: helperPod(pv, cfg, path, node) };
  if (helper.status?.phase === 'Succeeded') return { action: 'delete' };
  if (helper.status?.phase === 'Failed') return { action: 'retryHelper', message: `failed to delete volume ${pv.metadata?.name ?? ''}: helper pod failed` };
  return { action: 'waitHelper' };
}

/** rancher's helper pod: on the volume's node, the base folder mounted at the same path, `rm -rf` of the volume's folder. */
export function helperPod(pv: PV, cfg: ProvisionerConfig, path: string, node: string): Relaxed<Pod> {
  const base = basePathFor(cfg, node) ?? cfg.basePath;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: helperPodName(pv), namespace: cfg.namespace, labels: { app: 'local-path-provisioner-helper' } },
    spec: {
      nodeName: node,
      restartPolicy: 'Never',
      tolerations: [{ operator: 'Exists' }],
      containers: [{
        name: 'helper-pod', image: cfg.helperImage, imagePullPolicy: 'IfNotPresent',
        command: ['rm', '-rf', path],
        volumeMounts: [{ name: 'data', mountPath: base }],
      }],
      volumes: [{ name: 'data', hostPath: { path: base, type: 'DirectoryOrCreate' } }],
    },
  };
}

export interface NodePathMapEntry { node?: unknown; paths?: unknown }

/**
 * rancher's config.json (ConfigMap `local-path-config`): `{"nodePathMap": [{"node": "DEFAULT_PATH_FOR_NON_LISTED_NODES" |
 * <node>, "paths": ["/opt/local-path-provisioner"]}, ...]}`, checked as its canonicalizeConfig. A node's first path is
 * its folder (rancher picks one of several at random). Returns the default folder ('' when none) and the node map.
 */
export function parseNodePathMap(json: string): { basePath: string; nodePaths: Record<string, string> } {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    throw new Error(`unable to parse config: ${(e as Error).message}`);
  }
  const list = (data as { nodePathMap?: unknown } | null)?.nodePathMap;
  if (!Array.isArray(list)) throw new Error('config: nodePathMap must be a list of {node, paths}');
  const nodePaths: Record<string, string> = {};
  let basePath = '';
  const seen = new Set<string>();
  for (const raw of list as NodePathMapEntry[]) {
    const node = raw?.node;
    if (typeof node !== 'string' || node === '') throw new Error('config: every nodePathMap entry needs a node');
    if (seen.has(node)) throw new Error(`duplicate node ${node}`);
    seen.add(node);
    const paths = raw.paths;
    if (!Array.isArray(paths) || paths.length === 0) throw new Error(`config: no paths for node ${node}`);
    const clean: string[] = [];
    for (const p of paths) {
      if (typeof p !== 'string' || !p.startsWith('/')) throw new Error(`path must start with / for path ${String(p)} on node ${node}`);
      if (p.split('/').includes('..')) throw new Error(`path must not contain ".." for path ${p} on node ${node}`);
      const path = p.replace(/\/+$/, '').replace(/\/{2,}/g, '/');
      if (path === '') throw new Error(`cannot use root ('/') as path on node ${node}`);
      if (clean.includes(path)) throw new Error(`duplicate path ${p} on node ${node}`);
      clean.push(path);
    }
    if (node === DEFAULT_NODE) basePath = clean[0];
    else nodePaths[node] = clean[0];
  }
  return { basePath, nodePaths };
}

export type ResizeDecision =
  | { action: 'none' }
  /** ControllerExpandVolume: the PV's capacity becomes the request (event Resizing). */
  | { action: 'expandVolume'; size: string }
  /** markPVCResizeFinished: the claim's status capacity (and allocatedResources) becomes the PV's (VolumeResizeSuccessful). */
  | { action: 'finish'; size: string };

const storageOf = (l: unknown): string | undefined => {
  const v = (l as Record<string, unknown> | undefined)?.storage;
  return (typeof v === 'string' || typeof v === 'number') && tryParseQuantity(v) ? String(v) : undefined;
};

/**
 * The external-resizer's decision for a claim of ours (kubelab's: rancher's provisioner does not resize; a folder has
 * no size limit, so the volume "grows" by its capacity): a Bound claim of a class with allowVolumeExpansion whose
 * request exceeds its volume's capacity expands the volume; a volume already grown past the claim's status capacity
 * finishes the claim (no node expansion: nothing to resize in the filesystem).
 */
export function decideResize(pvc: PVC, pv: PV | undefined, cfg: ProvisionerConfig, storageClass: (name: string) => SC | undefined): ResizeDecision {
  if (!pv || pvc.status?.phase !== 'Bound' || pvc.spec?.volumeName !== pv.metadata?.name || pvc.metadata?.deletionTimestamp) return { action: 'none' };
  if (pv.metadata?.annotations?.[ANN_DYNAMICALLY_PROVISIONED] !== cfg.name) return { action: 'none' };
  if (storageClass(persistentVolumeClaimClass(pvc))?.allowVolumeExpansion !== true) return { action: 'none' };
  const want = storageOf(pvc.spec?.resources?.requests);
  const has = storageOf(pv.spec?.capacity);
  if (!want || !has) return { action: 'none' };
  if (compare(want, has) > 0) return { action: 'expandVolume', size: want };
  const status = storageOf(pvc.status?.capacity);
  if (!status || compare(has, status) > 0) return { action: 'finish', size: has };
  return { action: 'none' };
}
