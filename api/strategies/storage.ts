/**
 * Storage kinds: core/v1 PersistentVolume and PersistentVolumeClaim (upstream's pkg/apis/core/validation
 * ValidatePersistentVolume*, ValidatePersistentVolumeClaim*, v1 defaults, pkg/registry/core/persistentvolume{,claim}
 * strategies) and storage.k8s.io/v1 StorageClass (pkg/apis/storage/validation, v1 defaults). Pure; messages are upstream's.
 */
import type { StatusCause } from '../errors.js';
import type { PersistentVolume, PersistentVolumeClaim, Relaxed, StorageClass } from '../types/index.js';
import { clone } from '../values.js';
import {
  child, compareQuantities, diffPaths, fieldErr, isQualifiedName, key, nameIsDNSSubdomain, isDNS1123Subdomain,
  isValidLabelValue, semanticEqual, validateImmutableField, validateLabelSelector, validateObjectMeta,
  validateObjectMetaUpdate, validateResourceQuantityValue, index,
} from './validation.js';
import { validateHostPathVolumeSource, validatePathNoBacksteps } from './volumes.js';
import { keepAllButStatus, keepOldStatus } from './strategy.js';

type PV = Relaxed<PersistentVolume>;
type PVC = Relaxed<PersistentVolumeClaim>;
type SC = Relaxed<StorageClass>;

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const PV_RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const SC_RECLAIM_POLICIES = ['Delete', 'Retain'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
/** The PV's volume sources upstream counts (PersistentVolumeSource); the schema carries hostPath, local, nfs, csi. */
const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'quobyte', 'cephfs', 'iscsi',
  'cinder', 'fc', 'flexVolume', 'azureFile', 'vsphereVolume', 'azureDisk', 'photonPersistentDisk', 'portworxVolume',
  'scaleIO', 'local', 'storageos', 'csi',
];

/** storageclass.kubernetes.io/is-default-class (and its beta twin): the class claims without one get. */
export const IS_DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const BETA_IS_DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
/** The finalizers StorageObjectInUseProtection adds and the pv-/pvc-protection controllers remove. */
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
/** The deprecated class annotation on PVs and claims, still read before spec.storageClassName. */
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

const present = <T>(v: T): v is NonNullable<T> => v !== undefined && v !== null;

/** storageutil.IsDefaultAnnotation. */
export function isDefaultStorageClass(sc: SC | undefined): boolean {
  const a = sc?.metadata?.annotations ?? {};
  return a[IS_DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true' || a[BETA_IS_DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true';
}

/** helper.GetPersistentVolumeClass: the beta annotation, else spec.storageClassName. */
export function persistentVolumeClass(pv: PV | undefined): string {
  const beta = pv?.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (beta !== undefined) return beta;
  return pv?.spec?.storageClassName ?? '';
}

/** helper.GetPersistentVolumeClaimClass. */
export function persistentVolumeClaimClass(pvc: PVC | undefined): string {
  const beta = pvc?.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (beta !== undefined) return beta;
  return pvc?.spec?.storageClassName ?? '';
}

/** helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, duplicates once. */
export function accessModesAsString(modes: readonly unknown[] | undefined): string {
  const has = (m: string) => Array.isArray(modes) && modes.includes(m);
  const out: string[] = [];
  if (has('ReadWriteOnce')) out.push('RWO');
  if (has('ReadOnlyMany')) out.push('ROX');
  if (has('ReadWriteMany')) out.push('RWX');
  if (has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

// ---------------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------------

function validateAccessModes(modes: unknown, field: string, requiredDetail: string): StatusCause[] {
  const list = Array.isArray(modes) ? modes : [];
  if (list.length === 0) return [fieldErr.required(field, requiredDetail)];
  const errs: StatusCause[] = [];
  for (const m of list) if (!ACCESS_MODES.includes(m as string)) errs.push(fieldErr.notSupported(field, m, ACCESS_MODES));
  if (list.includes('ReadWriteOncePod') && list.length > 1) errs.push(fieldErr.forbidden(field, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validateVolumeMode(mode: unknown, field: string): StatusCause[] {
  if (!present(mode) || VOLUME_MODES.includes(mode as string)) return [];
  return [fieldErr.notSupported(field, mode, VOLUME_MODES)];
}

function validateClassName(name: unknown, field: string): StatusCause[] {
  if (typeof name !== 'string' || name === '') return [];
  return isDNS1123Subdomain(name).map((m) => fieldErr.invalid(field, name, m));
}

// ---------------------------------------------------------------------------------------------
// PersistentVolume
// ---------------------------------------------------------------------------------------------

/** v1 SetDefaults_PersistentVolume: phase Pending, reclaim policy Retain, volume mode Filesystem; hostPath type "". */
export function defaultPersistentVolume(pv: PV): void {
  if (!pv || typeof pv !== 'object') return;
  const spec = (pv.spec ??= {});
  if (!spec.persistentVolumeReclaimPolicy) spec.persistentVolumeReclaimPolicy = 'Retain';
  if (!present(spec.volumeMode)) spec.volumeMode = 'Filesystem';
  if (spec.hostPath && typeof spec.hostPath === 'object' && spec.hostPath.type === undefined) spec.hostPath.type = '';
  const status = (pv.status ??= {});
  if (!status.phase) status.phase = 'Pending';
}

/** The PV strategy's PrepareForCreate: status reset to phase Pending, the transition time now. */
export function prepareForCreatePersistentVolume(pv: PV, now: Date = new Date()): void {
  pv.status = { phase: 'Pending', lastPhaseTransitionTime: rfc3339(now) };
}

export function prepareForUpdatePersistentVolume(pv: PV, old: PV): void {
  keepOldStatus(pv as never, old as never);
}

/** PrepareForUpdate of the status: spec kept; a phase change stamps lastPhaseTransitionTime. */
export function prepareForStatusUpdatePersistentVolume(pv: PV, old: PV, now: Date = new Date()): void {
  keepAllButStatus(pv as never, old as never);
  const status = (pv.status ??= {});
  if (status.phase !== old?.status?.phase && status.lastPhaseTransitionTime === old?.status?.lastPhaseTransitionTime) {
    status.lastPhaseTransitionTime = rfc3339(now);
  }
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** upstream validateVolumeNodeAffinity (required node constraints, at least one term). */
function validateVolumeNodeAffinity(na: unknown, field: string): StatusCause[] {
  if (!present(na)) return [];
  const required = (na as { required?: { nodeSelectorTerms?: unknown } }).required;
  if (!present(required)) return [fieldErr.required(child(field, 'required'), 'must specify required node constraints')];
  const terms = required.nodeSelectorTerms;
  if (!Array.isArray(terms) || terms.length === 0) {
    return [fieldErr.required(child(field, 'required', 'nodeSelectorTerms'), 'must have at least one node selector term')];
  }
  return [];
}

/** ValidatePersistentVolumeSpec (not an inline spec). */
export function validatePersistentVolumeSpec(spec: PV['spec'], field = 'spec'): StatusCause[] {
  const s = (spec ?? {}) as NonNullable<PV['spec']> & Record<string, unknown>;
  const errs = validateAccessModes(s.accessModes, child(field, 'accessModes'), '');
  const cap = s.capacity;
  const capField = child(field, 'capacity');
  if (!present(cap) || Object.keys(cap).length === 0) errs.push(fieldErr.required(capField, ''));
  else {
    if (!('storage' in cap) || Object.keys(cap).length > 1) errs.push(fieldErr.notSupported(capField, cap, ['storage']));
    for (const [k, q] of Object.entries(cap)) errs.push(...validateResourceQuantityValue(key(capField, k), q));
  }
  const policy = s.persistentVolumeReclaimPolicy;
  if (present(policy) && policy !== '' && !PV_RECLAIM_POLICIES.includes(policy)) {
    errs.push(fieldErr.notSupported(child(field, 'persistentVolumeReclaimPolicy'), policy, PV_RECLAIM_POLICIES));
  }
  errs.push(...validateClassName(s.storageClassName, child(field, 'storageClassName')));
  errs.push(...validateVolumeNodeAffinity(s.nodeAffinity, child(field, 'nodeAffinity')));
  const sources = PV_SOURCES.filter((src) => present(s[src]));
  for (const src of sources.slice(1)) errs.push(fieldErr.forbidden(child(field, src), 'may not specify more than 1 volume type'));
  if (sources.length === 0) errs.push(fieldErr.required(field, 'must specify a volume type'));
  if (present(s.hostPath)) {
    errs.push(...validateHostPathVolumeSource(s.hostPath, child(field, 'hostPath')));
    if (policy === 'Recycle' && s.hostPath.path === '/') {
      errs.push(fieldErr.forbidden(child(field, 'persistentVolumeReclaimPolicy'), "may not be 'recycle' for a hostPath mount of '/'"));
    }
  }
  if (present(s.local)) {
    const path = typeof s.local.path === 'string' ? s.local.path : '';
    if (!path) errs.push(fieldErr.required(child(field, 'local', 'path'), ''));
    else errs.push(...validatePathNoBacksteps(path, child(field, 'local', 'path')));
    if (!present(s.nodeAffinity)) errs.push(fieldErr.required(child(field, 'nodeAffinity'), 'Local volume requires node affinity'));
  }
  if (present(s.nfs)) {
    if (!s.nfs.server) errs.push(fieldErr.required(child(field, 'nfs', 'server'), ''));
    if (!s.nfs.path) errs.push(fieldErr.required(child(field, 'nfs', 'path'), ''));
    else if (!s.nfs.path.startsWith('/')) errs.push(fieldErr.invalid(child(field, 'nfs', 'path'), s.nfs.path, 'must be an absolute path'));
  }
  if (present(s.csi)) {
    if (!s.csi.driver) errs.push(fieldErr.required(child(field, 'csi', 'driver'), ''));
    if (!s.csi.volumeHandle) errs.push(fieldErr.required(child(field, 'csi', 'volumeHandle'), ''));
  }
  errs.push(...validateVolumeMode(s.volumeMode, child(field, 'volumeMode')));
  if (present(s.volumeAttributesClassName) && s.volumeAttributesClassName === '') {
    errs.push(fieldErr.required(child(field, 'volumeAttributesClassName'), 'an empty string is disallowed'));
  }
  return errs;
}

/** ValidatePersistentVolume. */
export function validatePersistentVolume(pv: PV): StatusCause[] {
  const errs = validateObjectMeta(pv?.metadata, false, nameIsDNSSubdomain);
  errs.push(...validatePersistentVolumeSpec(pv?.spec));
  return errs;
}

const PV_SOURCE_FIELDS = PV_SOURCES;

/** ValidatePersistentVolumeUpdate: the volume source, volumeMode and nodeAffinity are immutable. */
export function validatePersistentVolumeUpdate(pv: PV, old: PV): StatusCause[] {
  const errs = validateObjectMetaUpdate(pv?.metadata, old?.metadata);
  errs.push(...validatePersistentVolumeSpec(pv?.spec));
  const pick = (p: PV) => Object.fromEntries(PV_SOURCE_FIELDS.map((k) => [k, (p?.spec as Record<string, unknown> | undefined)?.[k]]).filter(([, v]) => present(v)));
  const newSrc = pick(pv);
  const oldSrc = pick(old);
  if (!semanticEqual(newSrc, oldSrc)) {
    errs.push(fieldErr.forbidden('spec.persistentvolumesource', `spec.persistentvolumesource is immutable after creation\n${describeDiff(oldSrc, newSrc)}`));
  }
  errs.push(...validateImmutableField(pv?.spec?.volumeMode, old?.spec?.volumeMode, 'volumeMode'));
  if (present(old?.spec?.nodeAffinity)) errs.push(...validateImmutableField(pv?.spec?.nodeAffinity, old.spec.nodeAffinity, 'nodeAffinity'));
  return errs;
}

export function validatePersistentVolumeStatusUpdate(pv: PV, old: PV): StatusCause[] {
  const errs = validateObjectMetaUpdate(pv?.metadata, old?.metadata);
  const phase = pv?.status?.phase;
  const phases = ['Available', 'Bound', 'Failed', 'Pending', 'Released'];
  if (present(phase) && phase !== '' && !phases.includes(phase)) errs.push(fieldErr.notSupported('status.phase', phase, phases));
  return errs;
}

/** The changed paths of an immutable part, one a line (upstream prints a cmp.Diff here). */
function describeDiff(oldV: unknown, newV: unknown): string {
  return diffPaths(oldV, newV).map((p) => `  ${p}: ${JSON.stringify(valueAtPath(oldV, p)) ?? 'null'} -> ${JSON.stringify(valueAtPath(newV, p)) ?? 'null'}`).join('\n');
}

function valueAtPath(v: unknown, path: string): unknown {
  let cur: unknown = v;
  for (const part of path.split('.').filter(Boolean)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------
// PersistentVolumeClaim
// ---------------------------------------------------------------------------------------------

/** v1 SetDefaults_PersistentVolumeClaim(Spec): volume mode Filesystem, phase Pending. */
export function defaultPersistentVolumeClaim(pvc: PVC): void {
  if (!pvc || typeof pvc !== 'object') return;
  const spec = (pvc.spec ??= {});
  if (!present(spec.volumeMode)) spec.volumeMode = 'Filesystem';
  const status = (pvc.status ??= {});
  if (!status.phase) status.phase = 'Pending';
}

/** PrepareForCreate: the status cleared (read back with its defaulted phase Pending). */
export function prepareForCreatePersistentVolumeClaim(pvc: PVC): void {
  pvc.status = { phase: 'Pending' };
}

export function prepareForUpdatePersistentVolumeClaim(pvc: PVC, old: PVC): void {
  keepOldStatus(pvc as never, old as never);
}

/** ValidatePersistentVolumeClaimSpec. */
export function validatePersistentVolumeClaimSpec(spec: PVC['spec'], field = 'spec'): StatusCause[] {
  const s = spec ?? {};
  const errs = validateAccessModes(s.accessModes, child(field, 'accessModes'), 'at least 1 access mode is required');
  if (present(s.selector)) errs.push(...validateLabelSelector(s.selector, child(field, 'selector')));
  const requests = s.resources?.requests;
  const storageField = key(child(field, 'resources'), 'storage');
  if (!present(requests) || !present(requests.storage)) errs.push(fieldErr.required(storageField, ''));
  else {
    const qErrs = validateResourceQuantityValue(key(child(field, 'resources', 'requests'), 'storage'), requests.storage);
    if (qErrs.length) errs.push(...qErrs);
    else if (compareQuantities(requests.storage, '0') !== 1) errs.push(fieldErr.invalid(storageField, String(requests.storage), 'must be greater than zero'));
  }
  errs.push(...validateClassName(s.storageClassName, child(field, 'storageClassName')));
  errs.push(...validateVolumeMode(s.volumeMode, child(field, 'volumeMode')));
  if (present(s.dataSource) && !s.dataSource.name) errs.push(fieldErr.required(child(field, 'dataSource', 'name'), ''));
  if (present(s.dataSource) && !s.dataSource.kind) errs.push(fieldErr.required(child(field, 'dataSource', 'kind'), ''));
  return errs;
}

/** ValidatePersistentVolumeClaim. */
export function validatePersistentVolumeClaim(pvc: PVC): StatusCause[] {
  const errs = validateObjectMeta(pvc?.metadata, true, nameIsDNSSubdomain);
  errs.push(...validatePersistentVolumeClaimSpec(pvc?.spec));
  return errs;
}

const storageOf = (r: Record<string, unknown> | undefined): unknown => r?.storage;

/**
 * ValidatePersistentVolumeClaimUpdate (RecoverVolumeExpansionFailure on, as in 1.32): the spec is immutable but
 * for volumeName (set once, by the binder), storageClassName (set once while unset), and resources.requests of a
 * bound claim; a request may shrink, but not to status.capacity or below.
 */
export function validatePersistentVolumeClaimUpdate(pvc: PVC, old: PVC): StatusCause[] {
  const errs = validateObjectMetaUpdate(pvc?.metadata, old?.metadata);
  errs.push(...validatePersistentVolumeClaimSpec(pvc?.spec));
  const newSpec = clone(pvc?.spec ?? {});
  const oldSpec = clone(old?.spec ?? {});
  if (!oldSpec.volumeName) oldSpec.volumeName = newSpec.volumeName;
  const betaAnno = (p: PVC) => p?.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (betaAnno(old) === undefined && !present(oldSpec.storageClassName) && newSpec.storageClassName && (betaAnno(pvc) === undefined || betaAnno(pvc) === newSpec.storageClassName)) {
    oldSpec.storageClassName = newSpec.storageClassName;
  }
  if (pvc?.status?.phase === 'Bound' && present(newSpec.resources?.requests)) {
    const oldStorage = storageOf(old?.spec?.resources?.requests);
    if (oldStorage === undefined) delete newSpec.resources.requests.storage;
    else newSpec.resources.requests.storage = oldStorage as string;
  }
  if (!semanticEqual(newSpec, oldSpec)) {
    errs.push(fieldErr.forbidden('spec', `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${describeDiff(oldSpec, newSpec)}`));
  }
  const newSize = storageOf(pvc?.spec?.resources?.requests);
  const oldSize = storageOf(old?.spec?.resources?.requests);
  const statusSize = storageOf(old?.status?.capacity) ?? '0';
  if (present(newSize) && present(oldSize) && compareQuantities(newSize, oldSize) === -1) {
    const c = compareQuantities(newSize, statusSize);
    if (c !== undefined && c <= 0) errs.push(fieldErr.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  }
  errs.push(...validateImmutableField(pvc?.spec?.volumeMode, old?.spec?.volumeMode, 'volumeMode'));
  return errs;
}

export function validatePersistentVolumeClaimStatusUpdate(pvc: PVC, old: PVC): StatusCause[] {
  const errs = validateObjectMetaUpdate(pvc?.metadata, old?.metadata);
  const capacity = pvc?.status?.capacity;
  if (present(capacity)) for (const [k, q] of Object.entries(capacity)) errs.push(...validateResourceQuantityValue(key('status.capacity', k), q));
  const phase = pvc?.status?.phase;
  const phases = ['Bound', 'Lost', 'Pending'];
  if (present(phase) && phase !== '' && !phases.includes(phase)) errs.push(fieldErr.notSupported('status.phase', phase, phases));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// StorageClass
// ---------------------------------------------------------------------------------------------

/** v1 SetDefaults_StorageClass: reclaimPolicy Delete, volumeBindingMode Immediate. */
export function defaultStorageClass(sc: SC): void {
  if (!sc || typeof sc !== 'object') return;
  if (!present(sc.reclaimPolicy)) sc.reclaimPolicy = 'Delete';
  if (!present(sc.volumeBindingMode)) sc.volumeBindingMode = 'Immediate';
}

const MAX_PROVISIONER_PARAMETER_SIZE = 256 * 1024;
const MAX_PROVISIONER_PARAMETER_LEN = 512;

/** ValidateStorageClass. */
export function validateStorageClass(sc: SC): StatusCause[] {
  const errs = validateObjectMeta(sc?.metadata, false, nameIsDNSSubdomain);
  const provisioner = typeof sc?.provisioner === 'string' ? sc.provisioner : '';
  if (provisioner === '') errs.push(fieldErr.required('provisioner', provisioner));
  else for (const m of isQualifiedName(provisioner.toLowerCase())) errs.push(fieldErr.invalid('provisioner', provisioner, m));
  const params = sc?.parameters ?? {};
  if (Object.keys(params).length > MAX_PROVISIONER_PARAMETER_LEN) {
    errs.push(fieldErr.tooLong('parameters', MAX_PROVISIONER_PARAMETER_LEN));
  }
  let total = 0;
  for (const [k, v] of Object.entries(params)) {
    if (k.length < 1) errs.push(fieldErr.invalid('parameters', k, 'field can not be empty.'));
    total += k.length + String(v).length;
  }
  if (total > MAX_PROVISIONER_PARAMETER_SIZE) errs.push(fieldErr.tooLong('parameters', MAX_PROVISIONER_PARAMETER_SIZE));
  const policy = sc?.reclaimPolicy;
  if (present(policy) && policy !== '' && !SC_RECLAIM_POLICIES.includes(policy)) errs.push(fieldErr.notSupported('reclaimPolicy', policy, SC_RECLAIM_POLICIES));
  const mode = sc?.volumeBindingMode;
  if (!present(mode)) errs.push(fieldErr.required('volumeBindingMode', ''));
  else if (!BINDING_MODES.includes(mode)) errs.push(fieldErr.notSupported('volumeBindingMode', mode, BINDING_MODES));
  errs.push(...validateAllowedTopologies(sc?.allowedTopologies, 'allowedTopologies'));
  return errs;
}

/** validateAllowedTopologies / ValidateTopologySelectorTerm. */
function validateAllowedTopologies(terms: SC['allowedTopologies'], field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!Array.isArray(terms)) return errs;
  const seen: string[] = [];
  terms.forEach((term, i) => {
    const at = index(field, i);
    const exprs = term?.matchLabelExpressions ?? [];
    const keys = new Set<string>();
    exprs.forEach((req, j) => {
      const rf = index(child(at, 'matchLabelExpressions'), j);
      const values = req?.values ?? [];
      if (values.length === 0) errs.push(fieldErr.required(child(rf, 'values'), ''));
      values.forEach((v, k) => { for (const m of isValidLabelValue(v)) errs.push(fieldErr.invalid(index(child(rf, 'values'), k), v, m)); });
      for (const m of isQualifiedName(req?.key ?? '')) errs.push(fieldErr.invalid(child(rf, 'key'), req?.key ?? '', m));
      if (keys.has(req?.key ?? '')) errs.push(fieldErr.duplicate(child(rf, 'key'), req?.key ?? ''));
      keys.add(req?.key ?? '');
    });
    const canon = JSON.stringify(exprs);
    if (seen.includes(canon)) errs.push(fieldErr.duplicate(at, term));
    seen.push(canon);
  });
  return errs;
}

/** ValidateStorageClassUpdate: parameters, provisioner, reclaimPolicy and volumeBindingMode are immutable. */
export function validateStorageClassUpdate(sc: SC, old: SC): StatusCause[] {
  const errs = validateObjectMetaUpdate(sc?.metadata, old?.metadata);
  if (!semanticEqual(sc?.parameters ?? {}, old?.parameters ?? {})) errs.push(fieldErr.forbidden('parameters', 'updates to parameters are forbidden.'));
  if ((sc?.provisioner ?? '') !== (old?.provisioner ?? '')) errs.push(fieldErr.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if ((sc?.reclaimPolicy ?? '') !== (old?.reclaimPolicy ?? '')) errs.push(fieldErr.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...validateImmutableField(sc?.volumeBindingMode, old?.volumeBindingMode, 'volumeBindingMode'));
  return errs;
}
