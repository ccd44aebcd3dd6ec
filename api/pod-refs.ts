/**
 * The API objects a pod references by name, as upstream's pkg/api/pod visitors (VisitPodSecretNames,
 * VisitPodConfigmapNames with AllContainers) and the Node authorizer's graph read them: the kubelet
 * reads these objects for the pod, and the API server lets a node read exactly these.
 */

// Boundary: a stored pod as JSON, possibly malformed and with volume plugins the schema does not carry
// (cephfs, rbd, ...): every read below checks what it finds.
type Obj = Record<string, any>;

/** The objects of a list field (anything else, as in a malformed stored object, is empty). */
function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter((x): x is Obj => !!x && typeof x === 'object') : [];
}

function containersOf(pod: Obj): Obj[] {
  const s = pod?.spec ?? {};
  return [...list(s.initContainers), ...list(s.containers), ...list(s.ephemeralContainers)];
}

function volumesOf(pod: Obj): Obj[] {
  return list(pod?.spec?.volumes);
}

function add(set: Set<string>, name: unknown): void {
  if (typeof name === 'string' && name !== '') set.add(name);
}

/**
 * Secrets: those the containers read (podContainerSecretNames), image pull secrets, and the
 * credentials of volume plugins.
 */
export function podSecretNames(pod: Obj): Set<string> {
  const out = podContainerSecretNames(pod);
  for (const r of list(pod?.spec?.imagePullSecrets)) add(out, r?.name);
  for (const v of volumesOf(pod)) {
    add(out, v.azureFile?.secretName);
    for (const plugin of ['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos']) add(out, v[plugin]?.secretRef?.name);
    add(out, v.csi?.nodePublishSecretRef?.name);
  }
  return out;
}

/** Secrets a pod's containers read (env, envFrom, secret and projected volumes): what the kubelet loads. */
export function podContainerSecretNames(pod: Obj): Set<string> {
  const out = new Set<string>();
  for (const c of containersOf(pod)) {
    for (const f of list(c.envFrom)) add(out, f?.secretRef?.name);
    for (const e of list(c.env)) add(out, e?.valueFrom?.secretKeyRef?.name);
  }
  for (const v of volumesOf(pod)) {
    add(out, v.secret?.secretName);
    for (const s of list(v.projected?.sources)) add(out, s?.secret?.name);
  }
  return out;
}

/** ConfigMaps: env and envFrom of every container, configMap and projected volumes. */
export function podConfigMapNames(pod: Obj): Set<string> {
  const out = new Set<string>();
  for (const c of containersOf(pod)) {
    for (const f of list(c.envFrom)) add(out, f?.configMapRef?.name);
    for (const e of list(c.env)) add(out, e?.valueFrom?.configMapKeyRef?.name);
  }
  for (const v of volumesOf(pod)) {
    add(out, v.configMap?.name);
    for (const s of list(v.projected?.sources)) add(out, s?.configMap?.name);
  }
  return out;
}

/** PersistentVolumeClaims: claims named by volumes, and the `<pod>-<volume>` claims of ephemeral volumes. */
export function podPVCNames(pod: Obj): Set<string> {
  const out = new Set<string>();
  for (const v of volumesOf(pod)) {
    add(out, v.persistentVolumeClaim?.claimName);
    if (v.ephemeral && typeof v.name === 'string') add(out, `${pod?.metadata?.name ?? ''}-${v.name}`);
  }
  return out;
}
