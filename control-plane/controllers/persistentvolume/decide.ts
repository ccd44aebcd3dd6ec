/**
 * The PersistentVolume controller's decisions (upstream's pkg/controller/volume/persistentvolume, 1.32: pv_controller.go
 * syncClaim / syncVolume / reclaimVolume, index.go findByClaim, component-helpers' FindMatchingVolume and
 * CheckNodeAffinity), pure: a claim or a volume and the caches in, the writes and events out.
 *
 * Matching (findBestMatchForClaim): the volumes whose access modes include all of the claim's, the smallest mode set
 * first; within it a volume pre-bound to this claim wins at once, else the smallest Available, unclaimed volume of
 * the claim's class, at least the requested size, of the same volume mode, whose labels match the claim's selector
 * (and, on the scheduler's path, whose node affinity matches the node). WaitForFirstConsumer claims only take
 * pre-bound volumes here.
 */
import type { PersistentVolume, PersistentVolumeClaim, Relaxed, StorageClass, Node } from '../../../api/types/index.js';
import { compare, tryParseQuantity } from '../../../api/quantity.js';
import {
  persistentVolumeClaimClass, persistentVolumeClass, PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER,
} from '../../../api/strategies/storage.js';
import { labelSelectorMatcher } from '../util/meta.js';
import { compileNodeSelectorTerm, nodeSelectorTermsMatch } from '../../scheduler/selectors.js';
import type { SchedNode } from '../../scheduler/types.js';

export type PV = Relaxed<PersistentVolume>;
export type PVC = Relaxed<PersistentVolumeClaim>;
export type SC = Relaxed<StorageClass>;

export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_DYNAMICALLY_PROVISIONED = 'pv.kubernetes.io/provisioned-by';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';

export interface PvEvent {
  on: 'claim' | 'volume';
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

const storageOf = (m: Record<string, unknown> | undefined): string | number => {
  const v = m?.storage;
  return typeof v === 'string' || typeof v === 'number' ? v : 0;
};
const qty = (v: string | number) => tryParseQuantity(v) ?? tryParseQuantity(0)!;
const has = (o: { metadata?: { annotations?: Record<string, string> } } | undefined, k: string) => o?.metadata?.annotations?.[k] !== undefined;
const volumeMode = (m: string | null | undefined) => m || 'Filesystem';

/** IsVolumeBoundToClaim: the volume's claimRef names this claim (and its uid, when set). */
export function isVolumeBoundToClaim(pv: PV, pvc: PVC): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== pvc.metadata?.name || ref.namespace !== pvc.metadata?.namespace) return false;
  return !ref.uid || ref.uid === pvc.metadata?.uid;
}

/** CheckAccessModes: every mode the claim asks for is among the volume's. */
export function volumeHasAccessModes(pv: PV, pvc: PVC): boolean {
  const modes = pv.spec?.accessModes ?? [];
  return (pvc.spec?.accessModes ?? []).every((m) => modes.includes(m));
}

/** CheckNodeAffinity: a volume without node affinity fits every node; else one of its required terms must match. */
export function volumeFitsNode(pv: PV, node: Relaxed<Node> | SchedNode | undefined): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!node || !pv.spec?.nodeAffinity) return true;
  if (!terms) return true;
  return nodeSelectorTermsMatch(terms.map((t) => compileNodeSelectorTerm(t as never)), node as unknown as SchedNode);
}

export interface MatchOptions {
  /** The node the claim's pod goes to (the scheduler's path); undefined: the controller's. */
  node?: Relaxed<Node> | SchedNode;
  /** The claim's class binds WaitForFirstConsumer. */
  delayBinding?: boolean;
}

/** FindMatchingVolume over one set of volumes (upstream's order of checks). */
export function findMatchingVolume(pvc: PVC, volumes: readonly PV[], o: MatchOptions = {}): PV | undefined {
  const requested = qty(storageOf(pvc.spec?.resources?.requests));
  const requestedClass = persistentVolumeClaimClass(pvc);
  const selector = pvc.spec?.selector ? labelSelectorMatcher(pvc.spec.selector) : undefined;
  let smallest: PV | undefined;
  for (const pv of volumes) {
    const size = qty(storageOf(pv.spec?.capacity));
    if (compare(size, requested) < 0) continue;
    if (volumeMode(pv.spec?.volumeMode) !== volumeMode(pvc.spec?.volumeMode)) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    const fits = volumeFitsNode(pv, o.node);
    if (isVolumeBoundToClaim(pv, pvc)) return fits ? pv : undefined;
    if (!o.node && o.delayBinding) continue;
    if (pv.status?.phase !== 'Available') continue;
    if (pv.spec?.claimRef) continue;
    if (selector && !selector(pv.metadata?.labels)) continue;
    if (persistentVolumeClass(pv) !== requestedClass) continue;
    if (!fits) continue;
    if (o.node && !volumeHasAccessModes(pv, pvc)) continue;
    if (!smallest || compare(qty(storageOf(smallest.spec?.capacity)), size) > 0) smallest = pv;
  }
  return smallest;
}

/** persistentVolumeOrderedIndex.findByClaim: by access-mode sets that include the claim's, fewest modes first. */
export function findBestMatchForClaim(pvc: PVC, volumes: readonly PV[], o: MatchOptions = {}): PV | undefined {
  const groups = new Map<string, PV[]>();
  for (const pv of volumes) {
    if (!volumeHasAccessModes(pv, pvc)) continue;
    const k = [...new Set(pv.spec?.accessModes ?? [])].sort().join(',');
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(pv);
  }
  const ordered = [...groups.entries()].sort((a, b) => a[0].split(',').length - b[0].split(',').length);
  for (const [, vols] of ordered) {
    const best = findMatchingVolume(pvc, vols, o);
    if (best) return best;
  }
  return undefined;
}

/** checkVolumeSatisfyClaim: why a volume the claim names cannot be its (undefined: it can). */
export function volumeSatisfiesClaim(pv: PV, pvc: PVC): string | undefined {
  if (compare(qty(storageOf(pv.spec?.capacity)), qty(storageOf(pvc.spec?.resources?.requests))) < 0) return 'requested PV is too small';
  if (persistentVolumeClass(pv) !== persistentVolumeClaimClass(pvc)) return 'storageClassName does not match';
  if (volumeMode(pv.spec?.volumeMode) !== volumeMode(pvc.spec?.volumeMode)) return 'incompatible volumeMode';
  if (!volumeHasAccessModes(pv, pvc)) return 'incompatible accessMode';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The writes
// ---------------------------------------------------------------------------------------------

/** What one sync writes, in order: the volume (spec, then status), the claim (spec, then status). */
export interface PvPlan {
  volume?: PV;
  volumeStatus?: { phase: string; message?: string };
  claim?: PVC;
  claimStatus?: { phase: string; volume?: PV };
  /** Delete the volume object (reclaim Delete that needs no plugin). */
  deleteVolume?: boolean;
  events: PvEvent[];
  /** Sync again later (an unbound claim: upstream's periodic resync). */
  retry?: boolean;
  /** Claims to sync soon (a volume bound to a claim that does not know it yet). */
  syncClaims?: string[];
}

const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

function setAnn<T extends { metadata?: { annotations?: Record<string, string> } }>(o: T, k: string, v: string): void {
  const m = (o.metadata ??= {});
  (m.annotations ??= {})[k] = v;
}

/** GetBindVolumeToClaim: the volume with claimRef -> this claim (and bound-by-controller when we made the link), or undefined if unchanged. */
export function bindVolumeToClaim(pv: PV, pvc: PVC): PV | undefined {
  const byController = !isVolumeBoundToClaim(pv, pvc);
  const out = clone(pv);
  let dirty = false;
  const ref = pv.spec?.claimRef;
  if (!ref || ref.name !== pvc.metadata?.name || ref.namespace !== pvc.metadata?.namespace || ref.uid !== pvc.metadata?.uid) {
    (out.spec ??= {}).claimRef = {
      kind: 'PersistentVolumeClaim', namespace: pvc.metadata?.namespace ?? '', name: pvc.metadata?.name ?? '',
      uid: pvc.metadata?.uid ?? '', apiVersion: 'v1', resourceVersion: pvc.metadata?.resourceVersion ?? '',
    };
    dirty = true;
  }
  if (byController && !has(out, ANN_BOUND_BY_CONTROLLER)) {
    setAnn(out, ANN_BOUND_BY_CONTROLLER, 'yes');
    dirty = true;
  }
  return dirty ? out : undefined;
}

/** getBindClaimToVolume: the claim with volumeName and the bind-completed annotation, or undefined if unchanged. */
export function bindClaimToVolume(pvc: PVC, pv: PV): PVC | undefined {
  const out = clone(pvc);
  let dirty = false;
  if (pvc.spec?.volumeName !== pv.metadata?.name) {
    (out.spec ??= {}).volumeName = pv.metadata?.name ?? '';
    if (!has(out, ANN_BOUND_BY_CONTROLLER)) setAnn(out, ANN_BOUND_BY_CONTROLLER, 'yes');
    dirty = true;
  }
  if (!has(out, ANN_BIND_COMPLETED)) {
    setAnn(out, ANN_BIND_COMPLETED, 'yes');
    dirty = true;
  }
  return dirty ? out : undefined;
}

/** bind(): volume -> claim, volume Bound, claim -> volume, claim Bound with the volume's modes and capacity. */
function bind(pv: PV, pvc: PVC, events: PvEvent[] = []): PvPlan {
  const volume = bindVolumeToClaim(pv, pvc);
  const claim = bindClaimToVolume(pvc, pv);
  const plan: PvPlan = { events };
  if (volume) plan.volume = volume;
  if (pv.status?.phase !== 'Bound' || pv.status?.message) plan.volumeStatus = { phase: 'Bound' };
  if (claim) plan.claim = claim;
  const st = pvc.status;
  const sameModes = JSON.stringify(st?.accessModes ?? []) === JSON.stringify(pv.spec?.accessModes ?? []);
  const sameCap = JSON.stringify(st?.capacity ?? {}) === JSON.stringify(pv.spec?.capacity ?? {});
  if (st?.phase !== 'Bound' || !sameModes || !sameCap) plan.claimStatus = { phase: 'Bound', volume: pv };
  return plan;
}

function claimPhase(pvc: PVC, phase: string, events: PvEvent[], retry = false): PvPlan {
  const plan: PvPlan = { events, retry };
  const st = pvc.status;
  if (st?.phase !== phase || (phase !== 'Bound' && (st?.accessModes || st?.capacity))) plan.claimStatus = { phase };
  return plan;
}

export interface ClaimState {
  volumes: readonly PV[];
  volume(name: string): PV | undefined;
  storageClass(name: string): SC | undefined;
}

/** IsDelayBindingMode: the claim's class exists and binds WaitForFirstConsumer. */
export function isDelayBinding(pvc: PVC, s: Pick<ClaimState, 'storageClass'>): boolean {
  const cls = persistentVolumeClaimClass(pvc);
  return cls !== '' && s.storageClass(cls)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** provisionClaim for an external provisioner: the provisioner annotations on the claim, and upstream's event. */
function provisionClaim(pvc: PVC, s: ClaimState): PvPlan {
  const cls = persistentVolumeClaimClass(pvc);
  const sc = s.storageClass(cls);
  if (!sc) return { events: [{ on: 'claim', type: 'Warning', reason: 'ProvisioningFailed', message: `storageclass.storage.k8s.io "${cls}" not found` }], retry: true };
  const provisioner = sc.provisioner ?? '';
  if (provisioner.startsWith('kubernetes.io/')) {
    // kubelab has no in-tree provisioning plugin (upstream: FindProvisionablePluginByName fails the same way for one it lacks).
    return { events: [{ on: 'claim', type: 'Warning', reason: 'ProvisioningFailed', message: `no volume plugin matched name: ${provisioner}` }], retry: true };
  }
  const plan: PvPlan = { events: [], retry: true };
  const a = pvc.metadata?.annotations ?? {};
  if (a[ANN_STORAGE_PROVISIONER] !== provisioner || a[ANN_BETA_STORAGE_PROVISIONER] !== provisioner) {
    const claim = clone(pvc);
    setAnn(claim, ANN_STORAGE_PROVISIONER, provisioner);
    setAnn(claim, ANN_BETA_STORAGE_PROVISIONER, provisioner);
    plan.claim = claim;
  }
  plan.events.push({
    on: 'claim', type: 'Normal', reason: 'ExternalProvisioning',
    message: `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
  });
  return plan;
}

/** syncClaim: syncUnboundClaim or syncBoundClaim. */
export function decideClaim(pvc: PVC, s: ClaimState): PvPlan {
  if (pvc.metadata?.deletionTimestamp && !(pvc.metadata.finalizers ?? []).length) return { events: [] };
  return has(pvc, ANN_BIND_COMPLETED) ? syncBoundClaim(pvc, s) : syncUnboundClaim(pvc, s);
}

function syncUnboundClaim(pvc: PVC, s: ClaimState): PvPlan {
  const volumeName = pvc.spec?.volumeName ?? '';
  if (volumeName === '') {
    const delay = isDelayBinding(pvc, s);
    const pv = findBestMatchForClaim(pvc, s.volumes, { delayBinding: delay });
    if (pv) return bind(pv, pvc);
    if (delay && !has(pvc, ANN_SELECTED_NODE)) {
      return claimPhase(pvc, 'Pending', [{ on: 'claim', type: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' }], true);
    }
    if (persistentVolumeClaimClass(pvc) !== '') return provisionClaim(pvc, s);
    return claimPhase(pvc, 'Pending', [{ on: 'claim', type: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' }], true);
  }
  const pv = s.volume(volumeName);
  if (!pv) return claimPhase(pvc, 'Pending', [], true);
  if (!pv.spec?.claimRef) {
    const why = volumeSatisfiesClaim(pv, pvc);
    if (why) {
      return claimPhase(pvc, 'Pending', [{ on: 'claim', type: 'Warning', reason: 'VolumeMismatch', message: `Cannot bind to requested volume "${volumeName}": ${why}` }], true);
    }
    return bind(pv, pvc);
  }
  if (isVolumeBoundToClaim(pv, pvc)) return bind(pv, pvc);
  // Claimed by someone else: a user's pre-binding waits; the controller's own would be an invalid binding.
  return claimPhase(pvc, 'Pending', [], true);
}

function syncBoundClaim(pvc: PVC, s: ClaimState): PvPlan {
  const volumeName = pvc.spec?.volumeName ?? '';
  if (volumeName === '') {
    return claimPhase(pvc, 'Lost', pvc.status?.phase === 'Lost' ? [] : [{ on: 'claim', type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!' }]);
  }
  const pv = s.volume(volumeName);
  if (!pv) {
    return claimPhase(pvc, 'Lost', pvc.status?.phase === 'Lost' ? [] : [{ on: 'claim', type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' }]);
  }
  if (!pv.spec?.claimRef || pv.spec.claimRef.uid === pvc.metadata?.uid) return bind(pv, pvc);
  return claimPhase(pvc, 'Lost', pvc.status?.phase === 'Lost' ? [] : [{ on: 'claim', type: 'Warning', reason: 'ClaimMisbound', message: 'Two claims are bound to the same volume, this one is bound incorrectly' }]);
}

// ---------------------------------------------------------------------------------------------
// Volumes
// ---------------------------------------------------------------------------------------------

export interface VolumeState {
  /** The claim the volume's claimRef names, by namespace and name (undefined: none in the cache). */
  claim(namespace: string, name: string): PVC | undefined;
}

function volumePhase(pv: PV, phase: string, message = ''): PvPlan['volumeStatus'] | undefined {
  if (pv.status?.phase === phase && (pv.status?.message ?? '') === message) return undefined;
  return message ? { phase, message } : { phase };
}

/**
 * reclaimVolume: Retain keeps the volume Released; Delete of a dynamically provisioned volume waits for its external
 * provisioner; Delete of any other volume fails as upstream's in-tree deleters do (kubelab deletes no files from the
 * controller manager; a hostPath under /tmp/ is deleted as an object only); Recycle has no recycler.
 */
export function decideReclaim(pv: PV): Pick<PvPlan, 'volumeStatus' | 'deleteVolume' | 'events'> {
  const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
  if (policy === 'Retain') return { events: [] };
  const fail = (reason: string, message: string) => {
    const volumeStatus = volumePhase(pv, 'Failed', message);
    return { events: volumeStatus ? [{ on: 'volume' as const, type: 'Warning' as const, reason, message }] : [], ...(volumeStatus ? { volumeStatus } : {}) };
  };
  if (policy === 'Recycle') return fail('VolumeFailedRecycle', 'No recycler plugin found for the volume!');
  const provisionedBy = pv.metadata?.annotations?.[ANN_DYNAMICALLY_PROVISIONED];
  if (provisionedBy && !provisionedBy.startsWith('kubernetes.io/')) return { events: [] }; // the external provisioner deletes it
  const path = pv.spec?.hostPath?.path;
  if (typeof path === 'string') {
    if (/\/tmp\/.+/.test(path)) return { deleteVolume: true, events: [] };
    return fail('VolumeFailedDelete', `host_path deleter only supports /tmp/.+ but received provided ${path}`);
  }
  return fail('VolumeFailedDelete', `error getting deleter volume plugin for volume "${pv.metadata?.name ?? ''}": no deletable volume plugin matched`);
}

/** syncVolume. */
export function decideVolume(pv: PV, s: VolumeState): PvPlan {
  const ref = pv.spec?.claimRef;
  if (!ref) return withStatus({ events: [] }, volumePhase(pv, 'Available'));
  if (!ref.uid) return withStatus({ events: [] }, volumePhase(pv, 'Available'));
  let pvc = s.claim(ref.namespace ?? '', ref.name ?? '');
  if (pvc && pvc.metadata?.uid !== ref.uid) pvc = undefined;
  if (!pvc) {
    const released = pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed' ? volumePhase(pv, 'Released') : undefined;
    const reclaim = decideReclaim(released ? { ...pv, status: { ...pv.status, phase: 'Released' } } : pv);
    return { events: reclaim.events, ...(reclaim.volumeStatus ?? released ? { volumeStatus: reclaim.volumeStatus ?? released } : {}), ...(reclaim.deleteVolume ? { deleteVolume: true } : {}) };
  }
  const claimVolume = pvc.spec?.volumeName ?? '';
  if (claimVolume === '') {
    if (volumeMode(pvc.spec?.volumeMode) !== volumeMode(pv.spec?.volumeMode)) {
      return {
        events: [
          { on: 'volume', type: 'Warning', reason: 'VolumeMismatch', message: `Cannot bind PersistentVolume to requested PersistentVolumeClaim "${pvc.metadata?.name ?? ''}" due to incompatible volumeMode.` },
          { on: 'claim', type: 'Warning', reason: 'VolumeMismatch', message: `Cannot bind PersistentVolume "${pv.metadata?.name ?? ''}" to requested PersistentVolumeClaim due to incompatible volumeMode.` },
        ],
      };
    }
    return { events: [], syncClaims: [`${pvc.metadata?.namespace ?? ''}/${pvc.metadata?.name ?? ''}`] };
  }
  if (claimVolume === pv.metadata?.name) return withStatus({ events: [] }, volumePhase(pv, 'Bound'));
  // Bound to a claim that is bound elsewhere.
  if (has(pv, ANN_DYNAMICALLY_PROVISIONED) && pv.spec?.persistentVolumeReclaimPolicy === 'Delete') {
    const reclaim = decideReclaim(pv);
    const released = pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed' ? volumePhase(pv, 'Released') : undefined;
    return { events: reclaim.events, ...(reclaim.volumeStatus ?? released ? { volumeStatus: reclaim.volumeStatus ?? released } : {}), ...(reclaim.deleteVolume ? { deleteVolume: true } : {}) };
  }
  return { ...unbindVolume(pv), events: [] };
}

/** unbindVolume: a controller's binding is undone; a user's pre-binding keeps the claim's name and loses the uid. */
export function unbindVolume(pv: PV): Pick<PvPlan, 'volume' | 'volumeStatus'> {
  const out = clone(pv);
  if (has(pv, ANN_BOUND_BY_CONTROLLER)) {
    if (out.spec) delete out.spec.claimRef;
    delete out.metadata!.annotations![ANN_BOUND_BY_CONTROLLER];
    if (Object.keys(out.metadata!.annotations!).length === 0) delete out.metadata!.annotations;
  } else if (out.spec?.claimRef) out.spec.claimRef.uid = '';
  const st = volumePhase(pv, 'Available');
  return { volume: out, ...(st ? { volumeStatus: st } : {}) };
}

function withStatus(plan: PvPlan, st: PvPlan['volumeStatus'] | undefined): PvPlan {
  return st ? { ...plan, volumeStatus: st } : plan;
}

// ---------------------------------------------------------------------------------------------
// Protection
// ---------------------------------------------------------------------------------------------


export interface PodUsingClaims {
  metadata?: { name?: string; namespace?: string };
  spec?: { nodeName?: string; volumes?: { name?: string; persistentVolumeClaim?: { claimName?: string } | null; ephemeral?: unknown }[] };
}

/** The claims a pod's volumes name (its own namespace); ephemeral volumes name `<pod>-<volume>`. */
export function claimsOfPod(pod: PodUsingClaims): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) out.push(`${pod.metadata?.name ?? ''}-${v.name ?? ''}`);
  }
  return out;
}

/** podUsesPVC: only a scheduled pod holds a claim (the kubelet starts no pod on a deleting claim). */
export function podUsesClaim(pod: PodUsingClaims, claimName: string): boolean {
  return !!pod.spec?.nodeName && claimsOfPod(pod).includes(claimName);
}

export type FinalizerAction = 'add' | 'remove' | undefined;

/** pvc-protection: add the finalizer to a live claim lacking it; remove it from a deleting claim no pod uses. */
export function decidePvcProtection(pvc: PVC, pods: readonly PodUsingClaims[]): FinalizerAction {
  const has = (pvc.metadata?.finalizers ?? []).includes(PVC_PROTECTION_FINALIZER);
  if (!pvc.metadata?.deletionTimestamp) return has ? undefined : 'add';
  if (!has) return undefined;
  return pods.some((p) => podUsesClaim(p, pvc.metadata?.name ?? '')) ? undefined : 'remove';
}

/** pv-protection: add the finalizer to a live volume lacking it; remove it from a deleting volume not Bound. */
export function decidePvProtection(pv: PV): FinalizerAction {
  const has = (pv.metadata?.finalizers ?? []).includes(PV_PROTECTION_FINALIZER);
  if (!pv.metadata?.deletionTimestamp) return has ? undefined : 'add';
  if (!has) return undefined;
  return pv.status?.phase === 'Bound' ? undefined : 'remove';
}
