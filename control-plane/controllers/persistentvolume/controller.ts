/**
 * The PersistentVolume binder and the pv-/pvc-protection controllers' adapters (upstream's
 * pkg/controller/volume/persistentvolume, pvcprotection, pvprotection). Keys: `claim:<ns>/<name>`,
 * `volume:<name>`; decisions in decide.ts. A write that conflicts throws: the queue retries with backoff.
 */
import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { R, ignoreNotFound, type ControllerContext } from '../util/context.js';
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from '../../../api/strategies/storage.js';
import {
  claimsOfPod, decideClaim, decidePvProtection, decidePvcProtection, decideVolume,
  type PodUsingClaims, type PV, type PVC, type PvPlan, type SC,
} from './decide.js';

export const PV_BINDER_CONTROLLER = 'persistentvolume-binder-controller';
export const PVC_PROTECTION_CONTROLLER = 'persistentvolumeclaim-protection-controller';
export const PV_PROTECTION_CONTROLLER = 'persistentvolume-protection-controller';
/** The event source upstream's PV controller records with. */
const EVENT_COMPONENT = 'persistentvolume-controller';

const CLAIM = 'claim:';
const VOLUME = 'volume:';
const claimKey = (pvc: PVC) => `${CLAIM}${pvc.metadata?.namespace ?? ''}/${pvc.metadata?.name ?? ''}`;

export class PersistentVolumeBinderController extends Controller {
  private readonly pvs: Informer<PV>;
  private readonly pvcs: Informer<PVC>;
  private readonly classes: Informer<SC>;

  constructor(private readonly ctx: ControllerContext, private readonly opts: { syncPeriodMs: number }) {
    super({ name: PV_BINDER_CONTROLLER, workers: 1, logger: ctx.logger(PV_BINDER_CONTROLLER) });
    this.pvs = ctx.informers.informerFor<PV>(R.persistentVolumes);
    this.pvcs = ctx.informers.informerFor<PVC>(R.persistentVolumeClaims);
    this.classes = ctx.informers.informerFor<SC>(R.storageClasses);
    // A claim's change syncs it and the volume it names (a deleted claim releases its volume, as upstream's deleteClaim).
    this.watchInformer(this.pvcs, { keysOf: (c) => [claimKey(c), ...(c.spec?.volumeName ? [`${VOLUME}${c.spec.volumeName}`] : [])] });
    // A volume's change syncs it, and the claims still waiting for one (upstream waits for its 15 s resync).
    this.watchInformer(this.pvs, {
      keysOf: (v) => [`${VOLUME}${v.metadata?.name ?? ''}`, ...this.pvcs.store.list().filter((c) => !c.spec?.volumeName).map(claimKey)],
    });
    this.watchInformer(this.classes, { keysOf: () => this.pvcs.store.list().filter((c) => !c.spec?.volumeName).map(claimKey) });
  }

  protected async sync(key: string): Promise<void> {
    if (key.startsWith(CLAIM)) return this.syncClaim(key.slice(CLAIM.length));
    if (key.startsWith(VOLUME)) return this.syncVolume(key.slice(VOLUME.length));
  }

  private async syncClaim(nsName: string): Promise<void> {
    const pvc = this.pvcs.store.get(nsName);
    if (!pvc) return;
    const plan = decideClaim(pvc, {
      volumes: this.pvs.store.list(),
      volume: (name) => this.pvs.store.get(name),
      storageClass: (name) => this.classes.store.get(name),
    });
    await this.apply(plan, pvc, undefined);
    if (plan.retry) this.enqueueAfter(`${CLAIM}${nsName}`, this.opts.syncPeriodMs);
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.pvs.store.get(name);
    if (!pv) return;
    const plan = decideVolume(pv, { claim: (ns, n) => this.pvcs.store.get(`${ns}/${n}`) });
    const ref = pv.spec?.claimRef;
    const pvc = ref ? this.pvcs.store.get(`${ref.namespace ?? ''}/${ref.name ?? ''}`) : undefined;
    await this.apply(plan, pvc, pv);
    for (const k of plan.syncClaims ?? []) this.enqueue(`${CLAIM}${k}`);
  }

  /** The plan's writes in upstream's order: volume, volume status, claim, claim status; then events. */
  private async apply(plan: PvPlan, pvc: PVC | undefined, pv: PV | undefined): Promise<void> {
    const rec = this.ctx.recorder(EVENT_COMPONENT);
    let volume = plan.volume;
    if (plan.volume) volume = await this.ctx.client.update<PV>(R.persistentVolumes, plan.volume);
    if (plan.volumeStatus) {
      // The volume just written, else the one bound (a claim's sync), else the one synced.
      const base = volume ?? plan.claimStatus?.volume ?? pv;
      if (base) {
        const status = { ...base.status, phase: plan.volumeStatus.phase, message: plan.volumeStatus.message ?? '' };
        volume = await this.ctx.client.updateStatus<PV>(R.persistentVolumes, { ...base, status });
      }
    }
    if (plan.deleteVolume && pv?.metadata?.name) await ignoreNotFound(() => this.ctx.client.delete(R.persistentVolumes, undefined, pv.metadata!.name!));
    let claim = pvc;
    if (plan.claim) claim = await this.ctx.client.update<PVC>(R.persistentVolumeClaims, plan.claim);
    if (plan.claimStatus && claim) {
      const v = plan.claimStatus.volume;
      const status = v
        ? { ...claim.status, phase: plan.claimStatus.phase, accessModes: v.spec?.accessModes ?? [], capacity: v.spec?.capacity ?? {} }
        : { phase: plan.claimStatus.phase, ...(claim.status?.conditions ? { conditions: claim.status.conditions } : {}) };
      await this.ctx.client.updateStatus<PVC>(R.persistentVolumeClaims, { ...claim, status });
    }
    for (const ev of plan.events) {
      const target = ev.on === 'claim' ? (claim ?? pvc) : (volume ?? pv);
      if (target) rec.event(target, ev.type, ev.reason, ev.message);
    }
  }
}

/** Update the object with the finalizer added or removed. */
function withFinalizer<T extends { metadata?: { finalizers?: string[] } }>(o: T, f: string, add: boolean): T {
  const list = (o.metadata?.finalizers ?? []).filter((x) => x !== f);
  return { ...o, metadata: { ...o.metadata, finalizers: add ? [...list, f] : list } };
}

export class PvcProtectionController extends Controller {
  private readonly pvcs: Informer<PVC>;
  private readonly pods: Informer<PodUsingClaims>;

  constructor(private readonly ctx: ControllerContext) {
    super({ name: PVC_PROTECTION_CONTROLLER, workers: 1, logger: ctx.logger(PVC_PROTECTION_CONTROLLER) });
    this.pvcs = ctx.informers.informerFor<PVC>(R.persistentVolumeClaims);
    this.pods = ctx.informers.informerFor<PodUsingClaims>(R.pods);
    this.watchInformer(this.pvcs);
    this.watchInformer(this.pods, { keysOf: (p) => claimsOfPod(p).map((c) => `${p.metadata?.namespace ?? ''}/${c}`) });
  }

  protected async sync(key: string): Promise<void> {
    const pvc = this.pvcs.store.get(key);
    if (!pvc) return;
    const action = decidePvcProtection(pvc, this.pods.store.listByNamespace(pvc.metadata?.namespace ?? ''));
    if (!action) return;
    await ignoreNotFound(() => this.ctx.client.update(R.persistentVolumeClaims, withFinalizer(pvc, PVC_PROTECTION_FINALIZER, action === 'add')));
  }
}

export class PvProtectionController extends Controller {
  private readonly pvs: Informer<PV>;

  constructor(private readonly ctx: ControllerContext) {
    super({ name: PV_PROTECTION_CONTROLLER, workers: 1, logger: ctx.logger(PV_PROTECTION_CONTROLLER) });
    this.pvs = ctx.informers.informerFor<PV>(R.persistentVolumes);
    this.watchInformer(this.pvs);
  }

  protected async sync(key: string): Promise<void> {
    const pv = this.pvs.store.get(key);
    if (!pv) return;
    const action = decidePvProtection(pv);
    if (!action) return;
    await ignoreNotFound(() => this.ctx.client.update(R.persistentVolumes, withFinalizer(pv, PV_PROTECTION_FINALIZER, action === 'add')));
  }
}
