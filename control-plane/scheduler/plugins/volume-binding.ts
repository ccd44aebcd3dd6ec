/**
 * VolumeBinding, after upstream's pkg/scheduler/framework/plugins/volumebinding (v1.32, volume_binding.go +
 * binder.go): a pod with PersistentVolumeClaims goes only where its volumes can be.
 *
 *   PreFilter  every claim exists and is not being deleted; no unbound claim of an Immediate class (the PV
 *              controller binds those); the rest split into bound claims and WaitForFirstConsumer claims to bind
 *   Filter     bound claims: their volume's node affinity matches the node; claims to bind: a matching Available
 *              volume whose node affinity fits the node (findBestMatchForClaim, the PV controller's matcher), else
 *              the class has a provisioner (not kubernetes.io/no-provisioner) whose allowedTopologies fit
 *   Reserve    the chosen volumes are assumed (the next cycle does not give them to another claim)
 *   PreBind    API writes: each static volume gets claimRef (+ bound-by-controller), each claim to provision gets
 *              `volume.kubernetes.io/selected-node`; then wait until the PV controller (and the provisioner) bound them
 *
 * The decisions are the exported pure functions; the plugin keeps the assumed volumes and talks to a `VolumeBinder`.
 */
import {
  ANN_BIND_COMPLETED, ANN_SELECTED_NODE, bindVolumeToClaim, findBestMatchForClaim, volumeFitsNode,
} from '../../controllers/persistentvolume/decide.js';
import { persistentVolumeClaimClass } from '../../../api/strategies/storage.js';
import { compileNodeSelectorTerm, nodeSelectorTermsMatch } from '../selectors.js';
import {
  type CycleState, type FilterPlugin, type NodeInfo, type PreBindPlugin, type PreFilterPlugin, type PreFilterResult,
  type ReservePlugin, type Snapshot, type Status, type VolumeLister, errorStatus, skip, success, unresolvable,
} from '../framework.js';
import type { SchedNode, SchedPod, SchedPV, SchedPVC, SchedStorageClass } from '../types.js';
import { VOLUME_BINDING } from './names.js';

export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
export const NOT_SUPPORTED_PROVISIONER = 'kubernetes.io/no-provisioner';
/** upstream's default bindTimeoutSeconds. */
export const DEFAULT_BIND_TIMEOUT_MS = 600_000;

const STATE_KEY = 'PreFilter' + VOLUME_BINDING;

const EMPTY_LISTER: VolumeLister = { claim: () => undefined, volume: () => undefined, volumes: () => [], storageClass: () => undefined };

/** The pod's claims, after PreFilter. */
export interface PodClaims {
  bound: SchedPVC[];
  /** Unbound claims of WaitForFirstConsumer classes: bound by the scheduler on the chosen node. */
  toBind: SchedPVC[];
}

/** What binding the pod's volumes on one node takes (upstream PodVolumes). */
export interface PodVolumes {
  staticBindings: { pvc: SchedPVC; pv: SchedPV }[];
  dynamicProvisions: SchedPVC[];
}

interface CycleData {
  claims: PodClaims;
  /** Filter's answer per feasible node, with the node it was made for. */
  podVolumesByNode: Map<string, PodVolumes & { node: SchedNode }>;
}

const claimNames = (pod: SchedPod): string[] =>
  (pod.spec.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : []));

export const claimKeyOf = (pvc: SchedPVC): string => `${pvc.metadata?.namespace ?? ''}/${pvc.metadata?.name ?? ''}`;

const isBound = (pvc: SchedPVC): boolean => !!pvc.spec?.volumeName;

/** IsDelayBindingMode: the claim's class binds WaitForFirstConsumer. */
function isDelayBinding(pvc: SchedPVC, lister: VolumeLister): boolean {
  const cls = persistentVolumeClaimClass(pvc);
  return cls !== '' && lister.storageClass(cls)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/**
 * PreFilter's decision (upstream PreFilter + GetPodVolumeClaims): Skip without claims; a missing or deleted claim or an
 * unbound Immediate one makes the pod unschedulable everywhere (UnschedulableAndUnresolvable).
 */
export function volumeBindingPreFilter(pod: SchedPod, lister: VolumeLister): { status: Status; claims?: PodClaims } {
  const names = claimNames(pod);
  if (names.length === 0) return { status: skip() };
  const ns = pod.metadata.namespace ?? 'default';
  const claims: PodClaims = { bound: [], toBind: [] };
  let unboundImmediate = false;
  for (const name of names) {
    const pvc = lister.claim(ns, name);
    if (!pvc) return { status: unresolvable(`persistentvolumeclaim "${name}" not found`) };
    if (pvc.metadata?.deletionTimestamp) return { status: unresolvable(`persistentvolumeclaim "${name}" is being deleted`) };
    if (isBound(pvc)) claims.bound.push(pvc);
    else if (isDelayBinding(pvc, lister)) claims.toBind.push(pvc);
    else unboundImmediate = true;
  }
  if (unboundImmediate) return { status: unresolvable(ERR_UNBOUND_IMMEDIATE) };
  return { status: success(), claims };
}

/** upstream checkVolumeProvisions' topology part: a class's allowedTopologies must match the node (none: every node). */
function classAllowsNode(sc: SchedStorageClass, node: SchedNode): boolean {
  const topo = sc.allowedTopologies ?? [];
  if (topo.length === 0) return true;
  const terms = topo.map((t) => compileNodeSelectorTerm({
    matchExpressions: (t.matchLabelExpressions ?? []).map((e) => ({ key: e.key, operator: 'In', values: e.values })),
  }));
  return nodeSelectorTermsMatch(terms, node);
}

/**
 * Filter's decision on one node (upstream FindPodVolumes): the reasons it cannot go there (none: it can), and the
 * bindings it would take. `assumed` maps a volume the scheduler already promised to the claim it promised it to.
 */
export function findPodVolumes(
  claims: PodClaims, node: SchedNode, lister: VolumeLister, assumed: ReadonlyMap<string, string> = new Map(),
): { reasons: string[]; podVolumes: PodVolumes } {
  const reasons = new Set<string>();
  const podVolumes: PodVolumes = { staticBindings: [], dynamicProvisions: [] };
  for (const pvc of claims.bound) {
    const pv = lister.volume(pvc.spec?.volumeName ?? '');
    if (!pv) reasons.add(ERR_REASON_PV_NOT_EXIST);
    else if (!volumeFitsNode(pv, node)) reasons.add(ERR_REASON_NODE_CONFLICT);
  }
  const taken = new Set<string>();
  for (const pvc of claims.toBind) {
    const key = claimKeyOf(pvc);
    const candidates = lister.volumes().filter((pv) => {
      const name = pv.metadata?.name ?? '';
      if (taken.has(name)) return false;
      const owner = assumed.get(name);
      return owner === undefined || owner === key;
    });
    const pv = findBestMatchForClaim(pvc, candidates, { node, delayBinding: true });
    if (pv) {
      taken.add(pv.metadata?.name ?? '');
      podVolumes.staticBindings.push({ pvc, pv });
      continue;
    }
    const sc = lister.storageClass(persistentVolumeClaimClass(pvc));
    const provisioner = sc?.provisioner ?? '';
    if (!sc || provisioner === '' || provisioner === NOT_SUPPORTED_PROVISIONER || !classAllowsNode(sc, node)) {
      reasons.add(ERR_REASON_BIND_CONFLICT);
      continue;
    }
    podVolumes.dynamicProvisions.push(pvc);
  }
  return { reasons: [...reasons], podVolumes };
}

/** The claim with `volume.kubernetes.io/selected-node` set to the node (upstream bindAPIUpdate, dynamic part). */
export function withSelectedNode(pvc: SchedPVC, nodeName: string): SchedPVC {
  const out = structuredClone(pvc);
  out.metadata = { ...(out.metadata ?? {}), annotations: { ...(out.metadata?.annotations ?? {}), [ANN_SELECTED_NODE]: nodeName } };
  return out;
}

/**
 * upstream checkBindings: true when every claim is bound as planned; false: keep waiting; a string: give up (the
 * provisioner dropped the selected node, or the volume it made does not fit the node).
 */
export function bindingsDone(
  current: { pvc: SchedPVC | undefined; pv: (name: string) => SchedPV | undefined }[], node: SchedNode,
): boolean | string {
  for (const { pvc, pv } of current) {
    if (!pvc) return 'a PersistentVolumeClaim was deleted while its pod was being scheduled';
    const name = pvc.metadata?.name ?? '';
    const volumeName = pvc.spec?.volumeName ?? '';
    if (!volumeName) return false;
    if (pvc.metadata?.annotations?.[ANN_BIND_COMPLETED] === undefined) return false;
    const vol = pv(volumeName);
    if (!vol) return false;
    if (!volumeFitsNode(vol, node)) return `pv "${volumeName}" node affinity doesn't match node "${node.metadata.name ?? ''}": claim "${name}"`;
  }
  return true;
}

/** The API writes PreBind makes, and the reads it waits with: the scheduler's adapter implements it. */
export interface VolumeBinder {
  updateVolume(pv: SchedPV): Promise<void>;
  updateClaim(pvc: SchedPVC): Promise<void>;
  getClaim(namespace: string, name: string): Promise<SchedPVC | undefined>;
  getVolume(name: string): Promise<SchedPV | undefined>;
}

export interface VolumeBindingOptions {
  binder?: VolumeBinder;
  bindTimeoutMs?: number;
  pollIntervalMs?: number;
}

export class VolumeBinding implements PreFilterPlugin, FilterPlugin, ReservePlugin, PreBindPlugin {
  readonly name = VOLUME_BINDING;
  /** Volumes promised to a claim (pv name -> claim key) between Reserve and the end of PreBind (upstream's assume cache). */
  readonly assumed = new Map<string, string>();
  private lister: VolumeLister = EMPTY_LISTER;

  constructor(private readonly opts: VolumeBindingOptions = {}) {}

  preFilter(state: CycleState, pod: SchedPod, snapshot: Snapshot): PreFilterResult {
    this.lister = snapshot.volumes ?? EMPTY_LISTER;
    const r = volumeBindingPreFilter(pod, this.lister);
    if (r.claims) state.write(STATE_KEY, { claims: r.claims, podVolumesByNode: new Map() } satisfies CycleData);
    return { status: r.status };
  }

  filter(state: CycleState, _pod: SchedPod, nodeInfo: NodeInfo): Status {
    const data = state.read<CycleData>(STATE_KEY);
    if (!data) return success();
    const { reasons, podVolumes } = findPodVolumes(data.claims, nodeInfo.node, this.lister, this.assumed);
    if (reasons.length > 0) return unresolvable(...reasons);
    data.podVolumesByNode.set(nodeInfo.name, { ...podVolumes, node: nodeInfo.node });
    return success();
  }

  reserve(state: CycleState, _pod: SchedPod, nodeName: string): Status {
    const pv = state.read<CycleData>(STATE_KEY)?.podVolumesByNode.get(nodeName);
    for (const b of pv?.staticBindings ?? []) this.assumed.set(b.pv.metadata?.name ?? '', claimKeyOf(b.pvc));
    return success();
  }

  unreserve(state: CycleState, _pod: SchedPod, nodeName: string): void {
    const pv = state.read<CycleData>(STATE_KEY)?.podVolumesByNode.get(nodeName);
    for (const b of pv?.staticBindings ?? []) this.assumed.delete(b.pv.metadata?.name ?? '');
  }

  async preBind(state: CycleState, pod: SchedPod, nodeName: string): Promise<Status> {
    const data = state.read<CycleData>(STATE_KEY);
    const plan = data?.podVolumesByNode.get(nodeName);
    // Nothing to bind (every claim was bound already): upstream's AllBound short cut.
    if (!data || !plan || (plan.staticBindings.length === 0 && plan.dynamicProvisions.length === 0)) return success();
    const binder = this.opts.binder;
    if (!binder) return errorStatus('no volume binder configured');
    try {
      for (const { pvc, pv } of plan.staticBindings) {
        const next = bindVolumeToClaim(pv, pvc);
        if (next) await binder.updateVolume(next);
      }
      for (const pvc of plan.dynamicProvisions) await binder.updateClaim(withSelectedNode(pvc, nodeName));
      const deadline = Date.now() + (this.opts.bindTimeoutMs ?? DEFAULT_BIND_TIMEOUT_MS);
      const claims = [...plan.staticBindings.map((b) => b.pvc), ...plan.dynamicProvisions];
      for (;;) {
        const current = await Promise.all(claims.map(async (c) => {
          const pvc = await binder.getClaim(c.metadata?.namespace ?? '', c.metadata?.name ?? '');
          const pv = pvc?.spec?.volumeName ? await binder.getVolume(pvc.spec.volumeName) : undefined;
          return { pvc, pv: (name: string) => (pv?.metadata?.name === name ? pv : undefined) };
        }));
        const done = bindingsDone(current, plan.node);
        if (done === true) return success();
        if (typeof done === 'string') return errorStatus(done);
        if (Date.now() >= deadline) return errorStatus('binding volumes: timed out waiting for the condition');
        await new Promise((r) => setTimeout(r, this.opts.pollIntervalMs ?? 1000));
      }
    } catch (e) {
      return errorStatus(`binding volumes: ${(e as Error).message}`);
    } finally {
      this.unreserve(state, pod, nodeName);
    }
  }

}
