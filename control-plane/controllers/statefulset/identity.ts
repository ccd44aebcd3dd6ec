/**
 * A StatefulSet's stable identities (pkg/controller/statefulset/stateful_set_utils.go), pure: pod names
 * `<set>-<ordinal>`, the identity labels, hostname and subdomain, the claims `<template>-<set>-<ordinal>`
 * and the pod volumes that mount them, and the owner references the PVC retention policy asks for.
 */

import { clone } from '../../../api/values.js';
import { newControllerRef } from '../../../api/owners.js';
import type { OwnerReference, PersistentVolumeClaim, Pod, PodTemplateSpec, StatefulSet } from '../util/types.js';

/** apps.StatefulSetPodNameLabel. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** apps.PodIndexLabel (PodIndexLabel is on in 1.32). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
/** apps.StatefulSetRevisionLabel (= apps.ControllerRevisionHashLabelKey): the revision's name on each pod. */
export const REVISION_LABEL = 'controller-revision-hash';

const ORDINAL_RE = /^(.*)-([0-9]+)$/;

/** getParentNameAndOrdinal: `web-3` -> ['web', 3]; ['', -1] for a name without an ordinal. */
export function parentNameAndOrdinal(podName: string | undefined): [string, number] {
  const m = ORDINAL_RE.exec(podName ?? '');
  if (!m) return ['', -1];
  const n = Number(m[2]);
  return Number.isSafeInteger(n) && n <= 2 ** 31 - 1 ? [m[1]!, n] : ['', -1];
}

export const ordinalOf = (pod: Pod): number => parentNameAndOrdinal(pod.metadata?.name)[1];

/** isMemberOf: the pod's name is `<set>-<ordinal>`. */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parentNameAndOrdinal(pod.metadata?.name)[0] === set.metadata?.name;
}

export const startOrdinal = (set: StatefulSet): number => set.spec?.ordinals?.start ?? 0;
export const replicaCount = (set: StatefulSet): number => set.spec?.replicas ?? 1;
/** podInOrdinalRange: start <= ordinal < start + replicas. */
export function inOrdinalRange(set: StatefulSet, ordinal: number): boolean {
  return ordinal >= startOrdinal(set) && ordinal < startOrdinal(set) + replicaCount(set);
}

export const podName = (set: StatefulSet, ordinal: number): string => `${set.metadata?.name}-${ordinal}`;
/** getPersistentVolumeClaimName. */
export const claimName = (set: StatefulSet, template: string, ordinal: number): string => `${template}-${set.metadata?.name}-${ordinal}`;

/**
 * getPersistentVolumeClaims: the claims of the pod at `ordinal`, keyed by their template's name: the template
 * with its name, the set's namespace and the set's selector matchLabels added to its labels.
 */
export function claimsFor(set: StatefulSet, ordinal: number): Map<string, PersistentVolumeClaim> {
  const out = new Map<string, PersistentVolumeClaim>();
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const name = t.metadata?.name ?? '';
    const claim: PersistentVolumeClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: {}, spec: clone(t.spec ?? {}) };
    const meta = claim.metadata!;
    meta.name = claimName(set, name, ordinal);
    meta.namespace = set.metadata?.namespace;
    meta.labels = { ...(t.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) };
    if (t.metadata?.annotations) meta.annotations = { ...t.metadata.annotations };
    out.set(name, claim);
  }
  return out;
}

/** updateStorage: a volume per claim (replacing a template volume of the same name), then the template's other volumes. */
function withClaimVolumes(set: StatefulSet, ordinal: number, volumes: NonNullable<Pod['spec']>['volumes']): NonNullable<Pod['spec']>['volumes'] {
  const claims = claimsFor(set, ordinal);
  const out: NonNullable<NonNullable<Pod['spec']>['volumes']> = [];
  for (const [name, claim] of claims) out.push({ name, persistentVolumeClaim: { claimName: claim.metadata!.name! } });
  for (const v of volumes ?? []) if (!claims.has(v.name)) out.push(v);
  return out;
}

/**
 * newVersionedStatefulSetPod's pod: the template (of the revision it runs) with the controller reference, name
 * `<set>-<ordinal>`, the identity labels and the revision label, hostname = its name, subdomain = serviceName, and a
 * volume per claim template.
 */
export function newStatefulSetPod(set: StatefulSet, template: PodTemplateSpec | undefined, ordinal: number, revision: string): Pod {
  const t = template ?? {};
  const name = podName(set, ordinal);
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata?.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revision },
      ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')],
    },
    spec: clone(t.spec ?? {}),
  };
  if (t.metadata?.annotations && Object.keys(t.metadata.annotations).length) pod.metadata!.annotations = { ...t.metadata.annotations };
  if (t.metadata?.finalizers?.length) pod.metadata!.finalizers = [...t.metadata.finalizers];
  const spec = pod.spec!;
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  const volumes = withClaimVolumes(set, ordinal, spec.volumes);
  if (volumes?.length) spec.volumes = volumes;
  else delete spec.volumes;
  return pod;
}

/** identityMatches: named for its ordinal in this set's namespace, with the pod-name label. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const [parent, ordinal] = parentNameAndOrdinal(pod.metadata?.name);
  return (
    ordinal >= 0 &&
    parent === set.metadata?.name &&
    pod.metadata?.namespace === set.metadata?.namespace &&
    pod.metadata?.labels?.[POD_NAME_LABEL] === pod.metadata?.name
  );
}

/** The labels updateIdentity puts back (pod-name and pod-index), or undefined when they are right. */
export function identityLabelFix(pod: Pod): Record<string, string> | undefined {
  const name = pod.metadata?.name ?? '';
  const want = { [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinalOf(pod)) };
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(want).some(([k, v]) => labels[k] !== v) ? want : undefined;
}

/** storageMatches: each claim template is mounted from its `<template>-<set>-<ordinal>` claim. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const v = volumes.get(t.metadata?.name ?? '');
    if (v?.persistentVolumeClaim?.claimName !== claimName(set, t.metadata?.name ?? '', ordinal)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// PVC retention (persistentVolumeClaimRetentionPolicy, StatefulSetAutoDeletePVC: GA in 1.32)

/** The API group of an apiVersion (`apps/v1` -> `apps`, `v1` -> ''). */
const groupOf = (apiVersion: string | undefined): string => ((apiVersion ?? '').includes('/') ? apiVersion!.slice(0, apiVersion!.indexOf('/')) : '');

/** matchesRef: a reference to this kind and name in this group, whatever its uid. */
function matchesRef(r: OwnerReference, group: string, kind: string, name: string | undefined): boolean {
  return groupOf(r.apiVersion) === group && r.kind === kind && r.name === name;
}

/**
 * updateClaimOwnerRefForSetAndPod (with isClaimOwnerUpToDate's guards): the claim's owner references the retention
 * policy asks for, as controller references.
 *  - whenDeleted Retain, whenScaled Retain: neither the set nor the pod owns it;
 *  - whenDeleted Delete: the set owns it (so deleting the set deletes it), unless its pod is scaled down and
 *    whenScaled is Delete, when the pod owns it instead;
 *  - whenScaled Delete: a claim whose pod is out of the ordinal range is owned by that pod, so deleting the pod
 *    for the scale-down deletes the claim.
 * A claim with a reference to an earlier set or pod of the same name (another uid) is left alone; one controlled by
 * something else only loses our references. References to anything else are kept. Returns the references, or
 * undefined when they are right already.
 */
export function retentionOwnerRefs(set: StatefulSet, pod: Pod, claim: PersistentVolumeClaim): OwnerReference[] | undefined {
  const refs = claim.metadata?.ownerReferences ?? [];
  const setUid = set.metadata?.uid ?? '';
  const podUid = pod.metadata?.uid ?? '';
  const isSetRef = (r: OwnerReference) => matchesRef(r, 'apps', 'StatefulSet', set.metadata?.name);
  const isPodRef = (r: OwnerReference) => matchesRef(r, '', 'Pod', pod.metadata?.name);
  // hasStaleOwnerRef: managed by a previous set or pod of this name.
  if (refs.some((r) => (isSetRef(r) && r.uid !== setUid) || (isPodRef(r) && r.uid !== podUid))) return undefined;
  const unexpectedController = refs.some((r) => r.controller === true && r.uid !== setUid && r.uid !== podUid);
  const next = refs.filter((r) => !isSetRef(r) && !isPodRef(r));
  if (!unexpectedController) {
    const policy = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
    const deleteOnScale = policy.whenScaled === 'Delete';
    const scaledDown = !inOrdinalRange(set, ordinalOf(pod));
    if (deleteOnScale && scaledDown && podUid) next.push(newControllerRef(pod, 'v1', 'Pod'));
    else if (policy.whenDeleted === 'Delete' && !(deleteOnScale && scaledDown)) next.push(newControllerRef(set, 'apps/v1', 'StatefulSet'));
  }
  const key = (rs: OwnerReference[]) => rs.map((r) => `${r.uid}:${r.controller === true}`).sort().join(',');
  return key(next) === key(refs) ? undefined : next;
}

/**
 * PodClaimIsStale: with whenScaled Delete, a claim still owned by an earlier pod of the same name (one being
 * deleted, or gone) must be collected before a new pod may use it; a claim being deleted blocks too.
 */
export function claimIsStale(set: StatefulSet, pod: Pod, claim: PersistentVolumeClaim | undefined): boolean {
  if (!claim) return false;
  if (claim.metadata?.deletionTimestamp) return true;
  if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return false;
  // hasStaleOwnerRef: a reference to a pod of this name whose uid is not this pod's (a pod not created yet has none).
  return (claim.metadata?.ownerReferences ?? []).some((r) => matchesRef(r, '', 'Pod', pod.metadata?.name) && r.uid !== (pod.metadata?.uid ?? ''));
}
