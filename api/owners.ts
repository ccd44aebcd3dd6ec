/**
 * Owner references, as apimachinery's metav1 helpers: GetControllerOf, NewControllerRef and the
 * "is this object controlled by that owner" check the controllers' claim step and the garbage
 * collector use.
 */
import type { ObjectMeta, OwnerReference } from './types/index.js';

/** Any object with metadata (only the owner references and identity are read). */
export interface OwnedObject {
  metadata?: Pick<ObjectMeta, 'name' | 'uid' | 'ownerReferences'>;
}

/** metav1.GetControllerOf: the owner reference with controller: true, if any. */
export function getControllerOf(obj: OwnedObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** metav1.NewControllerRef: the reference a controller puts on what it creates (controller and blockOwnerDeletion set). */
export function newControllerRef(owner: OwnedObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The object's controller reference points at the owner with this uid (metav1.IsControlledBy). */
export function isControlledBy(obj: OwnedObject, ownerUid: string | undefined): boolean {
  return !!ownerUid && getControllerOf(obj)?.uid === ownerUid;
}
