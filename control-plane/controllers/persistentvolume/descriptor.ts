/** The storage controllers' rows in the controller manager's table (upstream 1.32 names and aliases). */
import { num } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import {
  PV_BINDER_CONTROLLER, PV_PROTECTION_CONTROLLER, PVC_PROTECTION_CONTROLLER,
  PersistentVolumeBinderController, PvProtectionController, PvcProtectionController,
} from './controller.js';

export const persistentVolumeBinderDescriptor: ControllerDescriptor<{ pvClaimBinderSyncPeriodMs: number }> = {
  name: PV_BINDER_CONTROLLER,
  aliases: ['persistentvolume-binder'],
  flags: [{ name: 'pvclaimbinder-sync-period', type: 'duration', default: '15s', help: 'The period for syncing persistent volumes and persistent volume claims.' }],
  options: (v) => ({ pvClaimBinderSyncPeriodMs: num(v, 'pvclaimbinder-sync-period') }),
  build: (ctx, o) => new PersistentVolumeBinderController(ctx, { syncPeriodMs: o.pvClaimBinderSyncPeriodMs }),
};

export const pvcProtectionDescriptor: ControllerDescriptor = {
  name: PVC_PROTECTION_CONTROLLER,
  aliases: ['pvc-protection'],
  flags: [],
  options: () => ({}),
  build: (ctx) => new PvcProtectionController(ctx),
};

export const pvProtectionDescriptor: ControllerDescriptor = {
  name: PV_PROTECTION_CONTROLLER,
  aliases: ['pv-protection'],
  flags: [],
  options: () => ({}),
  build: (ctx) => new PvProtectionController(ctx),
};
