/**
 * The local-path provisioner's adapter, on the one controller skeleton: claims and volumes in (informers), PVs and
 * helper pods out. Keys: `claim:<ns>/<name>`, `volume:<name>`. Decisions in decide.ts.
 */
import { Controller } from '../../api/client/controller.js';
import type { Informer } from '../../api/client/informer.js';
import { isKubeError } from '../../api/errors.js';
import type { Pod, Relaxed } from '../../api/types/index.js';
import { R, type ControllerContext } from '../../control-plane/controllers/util/context.js';
import type { PV, PVC, SC } from '../../control-plane/controllers/persistentvolume/decide.js';
import { type ProvisionerConfig, decideClaim, decideResize, decideVolume, helperPodName } from './decide.js';

export const LOCAL_PATH_PROVISIONER = 'local-path-provisioner';
const CLAIM = 'claim:';
const VOLUME = 'volume:';
/** How often a waiting helper pod is looked at again. */
const HELPER_POLL_MS = 1000;

export class LocalPathProvisioner extends Controller {
  private readonly pvs: Informer<PV>;
  private readonly pvcs: Informer<PVC>;
  private readonly classes: Informer<SC>;

  constructor(private readonly ctx: ControllerContext, private readonly cfg: ProvisionerConfig) {
    super({ name: LOCAL_PATH_PROVISIONER, workers: 2, logger: ctx.logger(LOCAL_PATH_PROVISIONER) });
    this.pvs = ctx.informers.informerFor<PV>(R.persistentVolumes);
    this.pvcs = ctx.informers.informerFor<PVC>(R.persistentVolumeClaims);
    this.classes = ctx.informers.informerFor<SC>(R.storageClasses);
    this.watchInformer(this.pvcs, { keysOf: (c) => [`${CLAIM}${c.metadata?.namespace ?? ''}/${c.metadata?.name ?? ''}`] });
    // A volume's change also wakes its claim (a resize finishes once the volume has grown).
    this.watchInformer(this.pvs, { keysOf: (v) => [`${VOLUME}${v.metadata?.name ?? ''}`, ...(v.spec?.claimRef ? [`${CLAIM}${v.spec.claimRef.namespace ?? ''}/${v.spec.claimRef.name ?? ''}`] : [])] });
    this.useInformer(this.classes);
  }

  protected async sync(key: string): Promise<void> {
    if (key.startsWith(CLAIM)) return this.syncClaim(key.slice(CLAIM.length));
    if (key.startsWith(VOLUME)) return this.syncVolume(key.slice(VOLUME.length));
  }

  private async syncClaim(nsName: string): Promise<void> {
    const pvc = this.pvcs.store.get(nsName);
    if (!pvc) return;
    const d = decideClaim(pvc, this.cfg, { storageClass: (n) => this.classes.store.get(n), volume: (n) => this.pvs.store.get(n) });
    const rec = this.ctx.recorder(this.cfg.name);
    if (d.action === 'none' && d.why === 'bound') return this.syncResize(pvc);
    if (d.action === 'fail') {
      rec.event(pvc, 'Warning', 'ProvisioningFailed', `failed to provision volume for claim "${nsName}": ${d.message}`);
      return;
    }
    if (d.action !== 'provision') return;
    rec.event(pvc, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${nsName}"`);
    try {
      await this.ctx.client.create<PV>(R.persistentVolumes, undefined, d.volume);
    } catch (e) {
      if (isKubeError(e, 'AlreadyExists')) return;
      rec.event(pvc, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${d.volume.spec?.storageClassName ?? ''}": ${(e as Error).message}`);
      throw e;
    }
    rec.event(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${d.volume.metadata?.name ?? ''}`);
  }

  /** The external-resizer's steps for a claim of ours (decideResize). */
  private async syncResize(pvc: PVC): Promise<void> {
    const pv = this.pvs.store.get(pvc.spec?.volumeName ?? '');
    const d = decideResize(pvc, pv, this.cfg, (n) => this.classes.store.get(n));
    if (d.action === 'none' || !pv) return;
    const rec = this.ctx.recorder(this.cfg.name);
    const ns = pvc.metadata?.namespace ?? '';
    const name = pvc.metadata?.name ?? '';
    if (d.action === 'expandVolume') {
      rec.event(pvc, 'Normal', 'Resizing', `External resizer is resizing volume ${pv.metadata?.name ?? ''}`);
      await this.ctx.client.patch(R.persistentVolumes, undefined, pv.metadata?.name ?? '', { spec: { capacity: { storage: d.size } } }, 'merge');
      return; // the volume's update wakes the claim again: finish
    }
    await this.ctx.client.patch(R.persistentVolumeClaims, ns, name, {
      status: { capacity: { storage: d.size }, allocatedResources: { storage: d.size }, conditions: null },
    }, 'merge', { subresource: 'status' });
    rec.event(pvc, 'Normal', 'VolumeResizeSuccessful', 'Resize volume succeeded');
  }

  private async getHelper(pv: PV): Promise<Relaxed<Pod> | undefined> {
    try {
      return await this.ctx.client.get<Relaxed<Pod>>(R.pods, this.cfg.namespace, helperPodName(pv));
    } catch (e) {
      if (isKubeError(e, 'NotFound')) return undefined;
      throw e;
    }
  }

  private async deleteHelper(pv: PV): Promise<void> {
    try {
      await this.ctx.client.delete(R.pods, this.cfg.namespace, helperPodName(pv));
    } catch (e) {
      if (!isKubeError(e, 'NotFound')) throw e;
    }
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.pvs.store.get(name);
    if (!pv) return;
    if (decideVolume(pv, this.cfg, undefined).action === 'none') return;
    const d = decideVolume(pv, this.cfg, await this.getHelper(pv));
    switch (d.action) {
      case 'none':
        return;
      case 'createHelper':
        try {
          await this.ctx.client.create(R.pods, this.cfg.namespace, d.pod);
        } catch (e) {
          if (!isKubeError(e, 'AlreadyExists')) throw e;
        }
        this.enqueueAfter(`${VOLUME}${name}`, HELPER_POLL_MS);
        return;
      case 'waitHelper':
        this.enqueueAfter(`${VOLUME}${name}`, HELPER_POLL_MS);
        return;
      case 'retryHelper':
        this.ctx.recorder(this.cfg.name).event(pv, 'Warning', 'VolumeFailedDelete', d.message);
        await this.deleteHelper(pv);
        this.enqueueAfter(`${VOLUME}${name}`, HELPER_POLL_MS * 5);
        return;
      case 'delete':
        await this.deleteHelper(pv);
        try {
          await this.ctx.client.delete(R.persistentVolumes, undefined, name);
        } catch (e) {
          if (!isKubeError(e, 'NotFound')) throw e;
        }
        this.log.info('deleted volume', { volume: name });
    }
  }
}
