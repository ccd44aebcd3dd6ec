/**
 * The disruption controller's adapter: keyed by PodDisruptionBudget (ns/name); a pod's changes enqueue the
 * PDBs of its namespace that select it, and a pod with a DisruptionTarget=True condition but no deletion
 * enqueues `pod:<ns>/<name>` for when that condition turns stale (upstream's stale pod disruption queue: the
 * condition is reset to False by a status patch guarded by the pod's resourceVersion). sync reads the PDB, the namespace's pods, ReplicaSets, Deployments, ReplicationControllers and StatefulSets
 * from the caches, asks decideDisruption for the status and writes it with `PUT .../status` (the cached
 * resourceVersion: a conflict retries with backoff, never the failSafe, as upstream). An approved eviction
 * that may expire enqueues the PDB again when it does.
 */

import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { labelSelectorToSelector } from '../../../api/labels.js';
import { R, type ControllerContext } from '../util/context.js';
import type { Deployment, Pod, ReplicaSet, ReplicationController, StatefulSet } from '../util/types.js';
import { decideDisruption, staleDisruptionCondition, staleDisruptionReset, STALE_POD_DISRUPTION_TIMEOUT_MS, type PDB } from './decide.js';

export const DISRUPTION_CONTROLLER = 'disruption-controller';
/** The key prefix of the stale DisruptionTarget checks (a PDB key never holds a ':'). */
const POD_KEY = 'pod:';

export class DisruptionController extends Controller {
  private readonly pdbInformer: Informer<PDB>;
  private readonly podInformer: Informer<Pod>;
  private readonly rsInformer: Informer<ReplicaSet>;
  private readonly dInformer: Informer<Deployment>;
  private readonly rcInformer: Informer<ReplicationController>;
  private readonly ssInformer: Informer<StatefulSet>;

  private readonly staleTimeoutMs: number;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { stalePodDisruptionTimeoutMs?: number } = {},
  ) {
    super({ name: DISRUPTION_CONTROLLER, workers: 1, logger: ctx.logger(DISRUPTION_CONTROLLER) });
    this.pdbInformer = ctx.informers.informerFor<PDB>(R.podDisruptionBudgets);
    this.podInformer = ctx.informers.informerFor<Pod>(R.pods);
    this.rsInformer = ctx.informers.informerFor<ReplicaSet>(R.replicaSets);
    this.dInformer = ctx.informers.informerFor<Deployment>(R.deployments);
    this.rcInformer = ctx.informers.informerFor<ReplicationController>(R.replicationControllers);
    this.ssInformer = ctx.informers.informerFor<StatefulSet>(R.statefulSets);
    this.watchInformer(this.pdbInformer);
    this.staleTimeoutMs = opts.stalePodDisruptionTimeoutMs ?? STALE_POD_DISRUPTION_TIMEOUT_MS;
    this.watchInformer(this.podInformer, { keysOf: (p) => this.pdbKeysForPod(p) });
    this.podInformer.on('add', (p) => this.checkStaleDisruption(p));
    this.podInformer.on('update', (_old, p) => this.checkStaleDisruption(p));
    // Listers only, as upstream: a controller's scale is read when its pods or the PDB change.
    this.useInformer(this.rsInformer);
    this.useInformer(this.dInformer);
    this.useInformer(this.rcInformer);
    this.useInformer(this.ssInformer);
  }

  /** getPdbForPod: the PDBs of the pod's namespace whose selector picks it. */
  private pdbKeysForPod(pod: Pod): string[] {
    const ns = pod.metadata?.namespace ?? '';
    const keys: string[] = [];
    for (const pdb of this.pdbInformer.store.listByNamespace(ns)) {
      let matches = false;
      try {
        matches = labelSelectorToSelector(pdb.spec?.selector ?? null).matches(pod.metadata?.labels ?? {});
      } catch {
        matches = false;
      }
      if (matches) keys.push(`${ns}/${pdb.metadata?.name ?? ''}`);
    }
    return keys;
  }

  private checkStaleDisruption(pod: Pod): void {
    const { has, waitMs } = staleDisruptionCondition(pod, this.ctx.now(), this.staleTimeoutMs);
    if (has) this.enqueueAfter(`${POD_KEY}${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`, waitMs);
  }

  /** syncStalePodDisruption: reset the pod's DisruptionTarget condition once it is stale. */
  private async syncStalePod(key: string): Promise<void> {
    const pod = this.podInformer.store.get(key);
    if (!pod) return;
    const { has, waitMs } = staleDisruptionCondition(pod, this.ctx.now(), this.staleTimeoutMs);
    if (!has) return;
    if (waitMs > 0) {
      this.enqueueAfter(`${POD_KEY}${key}`, waitMs);
      return;
    }
    const [ns, name] = [pod.metadata?.namespace, pod.metadata?.name ?? ''];
    await this.ctx.client.patch(R.pods, ns, name, staleDisruptionReset(pod, this.ctx.now()), 'strategic', { subresource: 'status' });
  }

  protected async sync(key: string): Promise<void> {
    if (key.startsWith(POD_KEY)) return this.syncStalePod(key.slice(POD_KEY.length));
    const pdb = this.pdbInformer.store.get(key);
    if (!pdb) return;
    const ns = pdb.metadata?.namespace ?? '';
    const decision = decideDisruption(pdb, {
      pods: this.podInformer.store.listByNamespace(ns),
      replicaSet: (name) => this.rsInformer.store.get(`${ns}/${name}`),
      deployment: (name) => this.dInformer.store.get(`${ns}/${name}`),
      replicationController: (name) => this.rcInformer.store.get(`${ns}/${name}`),
      statefulSet: (name) => this.ssInformer.store.get(`${ns}/${name}`),
      now: this.ctx.now(),
    });
    const rec = this.ctx.recorder(DISRUPTION_CONTROLLER);
    for (const ev of decision.events) {
      const target = ev.on === 'pdb' ? pdb : this.podInformer.store.get(`${ns}/${ev.on.pod}`);
      if (target) rec.event(target, ev.type, ev.reason, ev.message);
    }
    if (decision.error) this.log.warn('failed to sync PDB', { pdb: key, error: decision.error });
    if (decision.status) {
      await this.ctx.client.updateStatus(R.podDisruptionBudgets, { ...pdb, status: decision.status });
    }
    if (decision.recheckAfterMs !== undefined) this.enqueueAfter(key, decision.recheckAfterMs);
  }
}
