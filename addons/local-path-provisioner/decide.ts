/**
 * The local-path provisioner's decisions (after rancher's local-path-provisioner v0.0.30, provisioner.go, on
 * sig-storage-lib-external-provisioner's controller), pure:
 *
 *   claim of a class whose provisioner is ours, with `volume.kubernetes.io/storage-provisioner` set by the PV controller
 *     ├─ bound, being deleted, or its PV exists      -> nothing
 *     ├─ WaitForFirstConsumer, no selected node      -> wait (the scheduler's VolumeBinding sets it)
 *     └─ otherwise                                   -> create PV `pvc-<claim uid>`: hostPath
 *                                                       /opt/local-path-provisioner/<pv>_<ns>_<claim> (DirectoryOrCreate),
 *                                                       node affinity to the node, the class's reclaim policy, claimRef
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

export const PROVISIONER_NAME = 'rancher.io/local-path';
export const DEFAULT_BASE_PATH = '/opt/local-path-provisioner';
export const DEFAULT_HELPER_IMAGE = 'busybox';
export const NODE_LABEL = 'kubernetes.io/hostname';

export interface ProvisionerConfig {
  name: string;
  basePath: string;
  helperImage: string;
  /** Where helper pods run (the provisioner's own namespace). */
  namespace: string;
}

export const defaultConfig = (namespace = 'local-path-storage'): ProvisionerConfig => ({
  name: PROVISIONER_NAME, basePath: DEFAULT_BASE_PATH, helperImage: DEFAULT_HELPER_IMAGE, namespace,
});

/** The lib's default volume name: `pvc-<claim uid>`. */
export const volumeNameFor = (pvc: PVC): string => `pvc-${pvc.metadata?.uid ?? ''}`;

/** rancher's folder: `<pv name>_<namespace>_<claim name>` under the base path. */
export const volumePathFor = (cfg: ProvisionerConfig, pvName: string, pvc: PVC): string =>
  `${cfg.basePath}/${pvName}_${pvc.metadata?.namespace ?? ''}_${pvc.metadata?.name ?? ''}`;

export type ClaimDecision =
  | { action: 'none'; why: string }
  | { action: 'wait'; why: string }
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
      hostPath: { path: volumePathFor(cfg, name, pvc), type: 'DirectoryOrCreate' },
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
  // Not a folder we can find: nothing on disk to clean, delete the object only (rancher logs and deletes).
  if (!path || !node || !path.startsWith(`${cfg.basePath}/`) || path.includes('/../')) return { action: 'delete' };
  if (!helper) return { action: 'createHelper', pod: helperPod(pv, cfg, path, node) };
  if (helper.status?.phase === 'Succeeded') return { action: 'delete' };
  if (helper.status?.phase === 'Failed') return { action: 'retryHelper', message: `failed to delete volume ${pv.metadata?.name ?? ''}: helper pod failed` };
  return { action: 'waitHelper' };
}

/** rancher's helper pod: on the volume's node, the base folder mounted at the same path, `rm -rf` of the volume's folder. */
export function helperPod(pv: PV, cfg: ProvisionerConfig, path: string, node: string): Relaxed<Pod> {
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
        volumeMounts: [{ name: 'data', mountPath: cfg.basePath }],
      }],
      volumes: [{ name: 'data', hostPath: { path: cfg.basePath, type: 'DirectoryOrCreate' } }],
    },
  };
}
