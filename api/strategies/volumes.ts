/**
 * Pod volume validation (pkg/apis/core/validation: validateVolumes, validateVolumeSource and the
 * per-source validators). The paths a kubelet writes files to (configMap/secret items, downwardAPI
 * files, projected sources) must stay inside the volume: relative, no `..` element, not starting with
 * `..`; file modes must be 0-0777 (no setuid/setgid/sticky bits). Pure; messages are upstream's.
 */
import type { StatusCause } from '../errors.js';
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

const present = (v: unknown): boolean => v !== undefined && v !== null;

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
export function validateKeyToPath(kp: any, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const path = typeof kp?.path === 'string' ? kp.path : '';
  if (!kp?.key) errs.push(fieldErr.required(child(field, 'key'), ''));
  if (!path) errs.push(fieldErr.required(child(field, 'path'), ''));
  errs.push(...validateLocalNonReservedPath(path, child(field, 'path')));
  errs.push(...validateFileMode(kp?.mode, child(field, 'mode')));
  return errs;
}

function validateItems(items: unknown, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (Array.isArray(items)) items.forEach((kp, i) => errs.push(...validateKeyToPath(kp, index(field, i))));
  return errs;
}

function validateSecretVolumeSource(src: any, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!src?.secretName) errs.push(fieldErr.required(child(field, 'secretName'), ''));
  errs.push(...validateFileMode(src?.defaultMode, child(field, 'defaultMode')));
  errs.push(...validateItems(src?.items, child(field, 'items')));
  return errs;
}

function validateConfigMapVolumeSource(src: any, field: string): StatusCause[] {
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
function validateDownwardAPIVolumeFile(file: any, field: string): StatusCause[] {
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

function validateDownwardAPIVolumeSource(src: any, field: string): StatusCause[] {
  const errs = validateFileMode(src?.defaultMode, child(field, 'defaultMode'));
  for (const file of Array.isArray(src?.items) ? src.items : []) errs.push(...validateDownwardAPIVolumeFile(file, field));
  return errs;
}

/** validateProjectedVolumeSource + validateProjectionSources: one kind per source, no path twice. */
function validateProjectedVolumeSource(src: any, field: string): StatusCause[] {
  const errs = validateFileMode(src?.defaultMode, child(field, 'defaultMode'));
  const allPaths = new Set<string>();
  const claim = (path: string, value: unknown): void => {
    if (!path) return;
    if (allPaths.has(path)) errs.push(fieldErr.invalid(field, value, 'conflicting duplicate paths'));
    allPaths.add(path);
  };
  const sources: any[] = Array.isArray(src?.sources) ? src.sources : [];
  sources.forEach((s, i) => {
    const srcPath = index(child(field, 'sources'), i);
    let kinds = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      const ref = s?.[kind];
      if (!present(ref)) continue;
      kinds++;
      const projPath = child(srcPath, kind);
      if (!ref.name) errs.push(fieldErr.required(child(projPath, 'name'), ''));
      const items: any[] = Array.isArray(ref.items) ? ref.items : [];
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
    if (present(s?.clusterTrustBundle)) {
      kinds++;
      const projPath = child(srcPath, 'clusterTrustBundlePEM');
      const path = typeof s.clusterTrustBundle.path === 'string' ? s.clusterTrustBundle.path : '';
      if (!path) errs.push(fieldErr.required(child(projPath, 'path'), ''));
      errs.push(...validateLocalNonReservedPath(path, child(projPath, 'path')));
      claim(path, path);
    }
    if (kinds > 1) errs.push(fieldErr.forbidden(srcPath, 'may not specify more than 1 volume type'));
  });
  return errs;
}

function validateHostPathVolumeSource(src: any, field: string): StatusCause[] {
  const path = typeof src?.path === 'string' ? src.path : '';
  if (!path) return [fieldErr.required(child(field, 'path'), '')];
  const errs = validatePathNoBacksteps(path, child(field, 'path'));
  if (present(src?.type) && !HOST_PATH_TYPES.includes(src.type)) errs.push(fieldErr.notSupported(child(field, 'type'), src.type, HOST_PATH_TYPES));
  return errs;
}

function validateVolumeSource(v: any, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const srcs = VOLUME_SOURCES.filter((s) => present(v?.[s]));
  if (srcs.length === 0) return [fieldErr.required(field, 'must specify a volume type')];
  for (const s of srcs.slice(1)) errs.push(fieldErr.forbidden(child(field, s), 'may not specify more than 1 volume type'));
  const kind = srcs[0]!;
  const src = v[kind];
  const at = child(field, kind);
  switch (kind) {
    case 'hostPath':
      errs.push(...validateHostPathVolumeSource(src, at));
      break;
    case 'secret':
      errs.push(...validateSecretVolumeSource(src, at));
      break;
    case 'configMap':
      errs.push(...validateConfigMapVolumeSource(src, at));
      break;
    case 'downwardAPI':
      errs.push(...validateDownwardAPIVolumeSource(src, at));
      break;
    case 'projected':
      errs.push(...validateProjectedVolumeSource(src, at));
      break;
    case 'persistentVolumeClaim':
      if (!src.claimName) errs.push(fieldErr.required(child(at, 'claimName'), ''));
      break;
    case 'emptyDir':
      if (src.medium && !['Memory', 'HugePages'].includes(src.medium) && !String(src.medium).startsWith('HugePages-')) {
        errs.push(fieldErr.notSupported(child(at, 'medium'), src.medium, ['', 'Memory', 'HugePages']));
      }
      break;
  }
  return errs;
}

/** validateVolumes: unique DNS-1123 names, exactly one source each, every source's own rules. */
export function validateVolumes(volumes: any[] | undefined, field: string): { errs: StatusCause[]; names: Set<string> } {
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
