/**
 * The storage admission plugins (upstream 1.32, all three enabled by default):
 * - DefaultStorageClass (plugin/pkg/admission/storage/storageclass/setdefault), mutating, claim create: a claim
 *   with no class at all (no spec.storageClassName, not even "", and no beta annotation) gets the default class,
 *   the one annotated `storageclass.kubernetes.io/is-default-class: "true"`, the newest if several (then by name).
 * - StorageObjectInUseProtection (plugin/pkg/admission/storage/storageobjectinuseprotection), mutating, create of a
 *   PV or claim: adds the `kubernetes.io/pv-protection` / `kubernetes.io/pvc-protection` finalizer, which the
 *   pv-/pvc-protection controllers take away once the object is no longer in use.
 * - PersistentVolumeClaimResize (plugin/pkg/admission/storage/persistentvolume/resize), validating, claim update:
 *   a larger storage request only for a bound claim whose class allows volume expansion.
 * Subresources (status) are not their business. The classes come from the API server's watch cache (upstream's lister).
 */
import type { PersistentVolumeClaim, Relaxed, StorageClass } from '../../api/types/index.js';
import {
  isDefaultStorageClass, persistentVolumeClaimClass, BETA_STORAGE_CLASS_ANNOTATION, PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER,
} from '../../api/strategies/storage.js';
import { compareQuantities } from '../../api/strategies/validation.js';
import { admissionForbidden, type AdmissionPlugin } from './admission.js';
import type { ApiObject } from './object-meta.js';

export const DEFAULT_STORAGE_CLASS = 'DefaultStorageClass';
export const STORAGE_OBJECT_IN_USE_PROTECTION = 'StorageObjectInUseProtection';
export const PERSISTENT_VOLUME_CLAIM_RESIZE = 'PersistentVolumeClaimResize';


const STORAGE_GROUP = 'storage.k8s.io';
type SC = Relaxed<StorageClass>;
type PVC = Relaxed<PersistentVolumeClaim>;
const asClaim = (o: ApiObject | undefined): PVC => (o ?? {}) as PVC;

/** upstream util.GetDefaultClass: of the classes annotated default, the newest (ties: the first name). */
export function defaultStorageClassOf(classes: readonly SC[]): SC | undefined {
  const defaults = classes.filter(isDefaultStorageClass);
  const created = (c: SC) => Date.parse(c.metadata?.creationTimestamp ?? '') || 0;
  defaults.sort((a, b) => created(b) - created(a) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  return defaults[0];
}

/** helper.PersistentVolumeClaimHasClass: the beta annotation, or spec.storageClassName set (even to ""). */
export function claimHasClass(pvc: PVC): boolean {
  if (pvc.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] !== undefined) return true;
  return pvc.spec?.storageClassName !== undefined && pvc.spec?.storageClassName !== null;
}

export const defaultStorageClass: AdmissionPlugin = {
  name: DEFAULT_STORAGE_CLASS,
  operations: ['CREATE'],
  admit(a, state) {
    if (a.group !== '' || a.resource !== 'persistentvolumeclaims' || a.subresource !== '') return undefined;
    const pvc = asClaim(a.object);
    if (claimHasClass(pvc)) return undefined;
    const def = defaultStorageClassOf(state.list(STORAGE_GROUP, 'storageclasses') as SC[]);
    if (!def?.metadata?.name) return undefined;
    (pvc.spec ??= {}).storageClassName = def.metadata.name;
    return undefined;
  },
};

export const storageObjectInUseProtection: AdmissionPlugin = {
  name: STORAGE_OBJECT_IN_USE_PROTECTION,
  operations: ['CREATE'],
  admit(a) {
    if (a.group !== '' || a.subresource !== '' || !a.object) return undefined;
    const finalizer = a.resource === 'persistentvolumes' ? PV_PROTECTION_FINALIZER : a.resource === 'persistentvolumeclaims' ? PVC_PROTECTION_FINALIZER : undefined;
    if (!finalizer) return undefined;
    const meta = (a.object.metadata ??= {} as NonNullable<ApiObject['metadata']>);
    const finalizers = Array.isArray(meta.finalizers) ? meta.finalizers : [];
    if (!finalizers.includes(finalizer)) meta.finalizers = [...finalizers, finalizer];
    return undefined;
  },
};

/** upstream allowResize: both claims name the same class, and it sets allowVolumeExpansion: true. */
export function resizeAllowed(pvc: PVC, old: PVC, lookup: (name: string) => SC | undefined): boolean {
  const cls = persistentVolumeClaimClass(pvc);
  if (cls === '' || cls !== persistentVolumeClaimClass(old)) return false;
  return lookup(cls)?.allowVolumeExpansion === true;
}

export const persistentVolumeClaimResize: AdmissionPlugin = {
  name: PERSISTENT_VOLUME_CLAIM_RESIZE,
  operations: ['UPDATE'],
  validate(a, state) {
    if (a.group !== '' || a.resource !== 'persistentvolumeclaims' || a.subresource !== '') return undefined;
    const pvc = asClaim(a.object);
    const old = asClaim(a.oldObject);
    const grows = compareQuantities(pvc.spec?.resources?.requests?.storage ?? '0', old.spec?.resources?.requests?.storage ?? '0') === 1;
    if (!grows) return undefined;
    if (old.status?.phase !== 'Bound') return admissionForbidden(a, 'Only bound persistent volume claims can be expanded');
    const lookup = (name: string) => state.get(STORAGE_GROUP, 'storageclasses', undefined, name) as SC | undefined;
    if (!resizeAllowed(pvc, old, lookup)) {
      return admissionForbidden(a, 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    }
    return undefined;
  },
};
