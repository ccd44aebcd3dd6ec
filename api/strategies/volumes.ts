/**
 * Pod volume validation (pkg/apis/core/validation: validateVolumes, validateVolumeSource and the
 * per-source validators). The paths a kubelet writes files to (configMap/secret items, downwardAPI
 * files, projected sources) must stay inside the volume: relative, no `..` element, not starting with
 * `..`; file modes must be 0-0777 (no setuid/setgid/sticky bits). Pure; messages are upstream's.
 */
import type { StatusCause } from '../errors.js';
import type {
  ConfigMapVolumeSource,
  DownwardAPIVolumeFile,
  DownwardAPIVolumeSource,
  HostPathVolumeSource,
  KeyToPath,
  ProjectedVolumeSource,
  SecretVolumeSource,
  Volume,
} from '../types/core.js';
import type { Relaxed } from '../types/views.js';
import { child, fieldErr, index, isDNS1123Label } from './validation.js';

export const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

/** upstream's fileModeErrorMsg */
export const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

const present = <T>(v: T): v is NonNullable<T> => v !== undefined && v !== null;

/** A file mode (`mode`, `defaultMode`) is valid when it is an integer in 0..0777. */
export function isValidFileMode(mode: unknown): boolean {
  return typeof mode === 'number' && Number.isInteger(mode) && mode >= 0 && mode <= 0o777;
}

function validateFileMode(mode: unknown, field: string): StatusCause[] {
  return present(mode) && !isValidFileMode(mode) ? [fieldErr.invalid(field, mode, FILE_MODE_ERROR)] : [];
}

/** validatePathNoBacksteps: no `..` element (one error is enough, even for `../../..`). */
export function validatePathNoBacksteps(path: string, field: string): StatusCause[] {
  return path.split('/').includes('..') ? [fieldErr.invalid(field, path, "must not contain '..'")] : [];
}

/** validateLocalDescendingPath: not absolute, no `..` element. */
export function validateLocalDescendingPath(path: string, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (path.startsWith('/')) errs.push(fieldErr.invalid(field, path, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(path, field));
  return errs;
}

/** ValidateLocalNonReservedPath: a local descending path that also does not start with `..` (`..data` is the kubelet's). */
export function validateLocalNonReservedPath(path: string, field: string): StatusCause[] {
  const errs = validateLocalDescendingPath(path, field);
  if (path.startsWith('..') && !path.startsWith('../')) errs.push(fieldErr.invalid(field, path, "must not start with '..'"));
  return errs;
}

/** validateKeyToPath: configMap / secret items (also in projected sources). */
export function validateKeyToPath(kp: Relaxed<KeyToPath> | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const path = typeof kp?.path === 'string' ? kp.path : '';
  if (!kp?.key) errs.push(fieldErr.required(child(field, 'key'), ''));
  if (!path) errs.push(fieldErr.required(child(field, 'path'), ''));
  errs.push(...validateLocalNonReservedPath(path, child(field, 'path')));
  errs.push(...validateFileMode(kp?.mode, child(field, 'mode')));
  return errs;
}

function validateItems(items: Relaxed<KeyToPath>[] | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (Array.isArray(items)) items.forEach((kp, i) => errs.push(...validateKeyToPath(kp, index(field, i))));
  return errs;
}

function validateSecretVolumeSource(src: Relaxed<SecretVolumeSource> | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!src?.secretName) errs.push(fieldErr.required(child(field, 'secretName'), ''));
  errs.push(...validateFileMode(src?.defaultMode, child(field, 'defaultMode')));
  errs.push(...validateItems(src?.items, child(field, 'items')));
  return errs;
}

function validateConfigMapVolumeSource(src: Relaxed<ConfigMapVolumeSource> | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!src?.name) errs.push(fieldErr.required(child(field, 'name'), ''));
  errs.push(...validateFileMode(src?.defaultMode, child(field, 'defaultMode')));
  errs.push(...validateItems(src?.items, child(field, 'items')));
  return errs;
}

/**
 * validateDownwardAPIVolumeFile. As upstream, the errors name the source (`...downwardAPI.path`),
 * not the item's index.
 */
function validateDownwardAPIVolumeFile(file: Relaxed<DownwardAPIVolumeFile> | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const path = typeof file?.path === 'string' ? file.path : '';
  if (!path) errs.push(fieldErr.required(child(field, 'path'), ''));
  errs.push(...validateLocalNonReservedPath(path, child(field, 'path')));
  if (present(file?.fieldRef)) {
    if (!file.fieldRef.fieldPath) errs.push(fieldErr.required(child(field, 'fieldRef', 'fieldPath'), ''));
    if (present(file?.resourceFieldRef)) {
      errs.push(fieldErr.invalid(field, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    }
  } else if (present(file?.resourceFieldRef)) {
    if (!file.resourceFieldRef.resource) errs.push(fieldErr.required(child(field, 'resourceFieldRef', 'resource'), ''));
  } else {
    errs.push(fieldErr.required(field, 'one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...validateFileMode(file?.mode, child(field, 'mode')));
  return errs;
}

function validateDownwardAPIVolumeSource(src: Relaxed<DownwardAPIVolumeSource> | undefined, field: string): StatusCause[] {
  const errs = validateFileMode(src?.defaultMode, child(field, 'defaultMode'));
  for (const file of Array.isArray(src?.items) ? src.items : []) errs.push(...validateDownwardAPIVolumeFile(file, field));
  return errs;
}

/**
 * validateProjectedVolumeSource + validateProjectionSources: one kind per source, no path twice. The
 * sources are the schema's: `clusterTrustBundle` is not served (upstream 1.32 drops it: alpha, feature
 * gate off by default), so the structural check prunes it before validation.
 */
function validateProjectedVolumeSource(src: Relaxed<ProjectedVolumeSource> | undefined, field: string): StatusCause[] {
  const errs = validateFileMode(src?.defaultMode, child(field, 'defaultMode'));
  const allPaths = new Set<string>();
  const claim = (path: string, value: unknown): void => {
    if (!path) return;
    if (allPaths.has(path)) errs.push(fieldErr.invalid(field, value, 'conflicting duplicate paths'));
    allPaths.add(path);
  };
  const sources = Array.isArray(src?.sources) ? src.sources : [];
  sources.forEach((s, i) => {
    const srcPath = index(child(field, 'sources'), i);
    let kinds = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      const ref = s?.[kind];
      if (!present(ref)) continue;
      kinds++;
      const projPath = child(srcPath, kind);
      if (!ref.name) errs.push(fieldErr.required(child(projPath, 'name'), ''));
      const items = Array.isArray(ref.items) ? ref.items : [];
      items.forEach((kp, j) => {
        errs.push(...validateKeyToPath(kp, index(child(projPath, 'items'), j)));
        claim(typeof kp?.path === 'string' ? kp.path : '', ref.name ?? '');
      });
    }
    if (present(s?.downwardAPI)) {
      kinds++;
      const projPath = child(srcPath, 'downwardAPI');
      for (const file of Array.isArray(s.downwardAPI.items) ? s.downwardAPI.items : []) {
        errs.push(...validateDownwardAPIVolumeFile(file, projPath));
        const p = typeof file?.path === 'string' ? file.path : '';
        claim(p, p);
      }
    }
    if (present(s?.serviceAccountToken)) {
      kinds++;
      const tok = s.serviceAccountToken;
      const projPath = child(srcPath, 'serviceAccountToken');
      const exp = tok.expirationSeconds;
      if (typeof exp === 'number' && exp < 10 * 60) {
        errs.push(fieldErr.invalid(child(projPath, 'expirationSeconds'), exp, 'may not specify a duration less than 10 minutes'));
      }
      if (typeof exp === 'number' && exp > 2 ** 32) {
        errs.push(fieldErr.invalid(child(projPath, 'expirationSeconds'), exp, 'may not specify a duration larger than 2^32 seconds'));
      }
      const path = typeof tok.path === 'string' ? tok.path : '';
      if (!path) errs.push(fieldErr.required(child(field, 'path'), ''));
      else errs.push(...validateLocalNonReservedPath(path, child(field, 'path')));
    }
    if (kinds > 1) errs.push(fieldErr.forbidden(srcPath, 'may not specify more than 1 volume type'));
  });
  return errs;
}

export function validateHostPathVolumeSource(src: Relaxed<HostPathVolumeSource> | undefined, field: string): StatusCause[] {
  const path = typeof src?.path === 'string' ? src.path : '';
  if (!path) return [fieldErr.required(child(field, 'path'), '')];
  const errs = validatePathNoBacksteps(path, child(field, 'path'));
  if (present(src?.type) && !HOST_PATH_TYPES.includes(src.type)) errs.push(fieldErr.notSupported(child(field, 'type'), src.type, HOST_PATH_TYPES));
  return errs;
}

function validateVolumeSource(v: Relaxed<Volume> | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  // Upstream's whole list of sources, also those the schema does not carry (the structural check prunes them).
  const fields = new Map<string, unknown>(Object.entries(v ?? {}));
  const srcs = VOLUME_SOURCES.filter((s) => present(fields.get(s)));
  if (!v || srcs.length === 0) return [fieldErr.required(field, 'must specify a volume type')];
  for (const s of srcs.slice(1)) errs.push(fieldErr.forbidden(child(field, s), 'may not specify more than 1 volume type'));
  const kind = srcs[0]!;
  const at = child(field, kind);
  switch (kind) {
    case 'hostPath':
      errs.push(...validateHostPathVolumeSource(v.hostPath, at));
      break;
    case 'secret':
      errs.push(...validateSecretVolumeSource(v.secret, at));
      break;
    case 'configMap':
      errs.push(...validateConfigMapVolumeSource(v.configMap, at));
      break;
    case 'downwardAPI':
      errs.push(...validateDownwardAPIVolumeSource(v.downwardAPI, at));
      break;
    case 'projected':
      errs.push(...validateProjectedVolumeSource(v.projected, at));
      break;
    case 'persistentVolumeClaim':
      if (!v.persistentVolumeClaim?.claimName) errs.push(fieldErr.required(child(at, 'claimName'), ''));
      break;
    case 'emptyDir': {
      const medium = v.emptyDir?.medium;
      if (medium && !['Memory', 'HugePages'].includes(medium) && !String(medium).startsWith('HugePages-')) {
        errs.push(fieldErr.notSupported(child(at, 'medium'), medium, ['', 'Memory', 'HugePages']));
      }
      break;
    }
  }
  return errs;
}

/** validateVolumes: unique DNS-1123 names, exactly one source each, every source's own rules. */
export function validateVolumes(volumes: Relaxed<Volume>[] | undefined, field: string): { errs: StatusCause[]; names: Set<string> } {
  const errs: StatusCause[] = [];
  const names = new Set<string>();
  (Array.isArray(volumes) ? volumes : []).forEach((v, i) => {
    const p = index(field, i);
    if (!v?.name) errs.push(fieldErr.required(child(p, 'name'), ''));
    else {
      for (const m of isDNS1123Label(String(v.name))) errs.push(fieldErr.invalid(child(p, 'name'), v.name, m));
      if (names.has(v.name)) errs.push(fieldErr.duplicate(child(p, 'name'), v.name));
      names.add(v.name);
    }
    errs.push(...validateVolumeSource(v, p));
  });
  return { errs, names };
}
