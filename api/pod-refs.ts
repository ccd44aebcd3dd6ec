/**
 * The API objects a pod references by name, as upstream's pkg/api/pod visitors (VisitPodSecretNames,
 * VisitPodConfigmapNames with AllContainers) and the Node authorizer's graph read them: the kubelet
 * reads these objects for the pod, and the API server lets a node read exactly these.
 */

import { objectsOf as list, valueAt as at } from './values.js';

// A stored pod is read as a document no schema has checked: it may be malformed, and may carry volume
// plugins the schema does not (cephfs, rbd, ...). `at` and `list` read a missing or wrong-typed field as absent.

function containersOf(pod: unknown): Record<string, unknown>[] {
  const s = at(pod, 'spec');
  return [...list(at(s, 'initContainers')), ...list(at(s, 'containers')), ...list(at(s, 'ephemeralContainers'))];
}

function volumesOf(pod: unknown): Record<string, unknown>[] {
  return list(at(pod, 'spec', 'volumes'));
}

function add(set: Set<string>, name: unknown): void {
  if (typeof name === 'string' && name !== '') set.add(name);
}

/**
 * Secrets: those the containers read (podContainerSecretNames), image pull secrets, and the
 * credentials of volume plugins.
 */
export function podSecretNames(pod: unknown): Set<string> {
  const out = podContainerSecretNames(pod);
  for (const r of list(at(pod, 'spec', 'imagePullSecrets'))) add(out, r.name);
  for (const v of volumesOf(pod)) {
    add(out, at(v, 'azureFile', 'secretName'));
    for (const plugin of ['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos']) add(out, at(v, plugin, 'secretRef', 'name'));
    add(out, at(v, 'csi', 'nodePublishSecretRef', 'name'));
  }
  return out;
}

/** Secrets a pod's containers read (env, envFrom, secret and projected volumes): what the kubelet loads. */
export function podContainerSecretNames(pod: unknown): Set<string> {
  const out = new Set<string>();
  for (const c of containersOf(pod)) {
    for (const f of list(c.envFrom)) add(out, at(f, 'secretRef', 'name'));
    for (const e of list(c.env)) add(out, at(e, 'valueFrom', 'secretKeyRef', 'name'));
  }
  for (const v of volumesOf(pod)) {
    add(out, at(v, 'secret', 'secretName'));
    for (const s of list(at(v, 'projected', 'sources'))) add(out, at(s, 'secret', 'name'));
  }
  return out;
}

/** ConfigMaps: env and envFrom of every container, configMap and projected volumes. */
export function podConfigMapNames(pod: unknown): Set<string> {
  const out = new Set<string>();
  for (const c of containersOf(pod)) {
    for (const f of list(c.envFrom)) add(out, at(f, 'configMapRef', 'name'));
    for (const e of list(c.env)) add(out, at(e, 'valueFrom', 'configMapKeyRef', 'name'));
  }
  for (const v of volumesOf(pod)) {
    add(out, at(v, 'configMap', 'name'));
    for (const s of list(at(v, 'projected', 'sources'))) add(out, at(s, 'configMap', 'name'));
  }
  return out;
}

/** PersistentVolumeClaims: claims named by volumes, and the `<pod>-<volume>` claims of ephemeral volumes. */
export function podPVCNames(pod: unknown): Set<string> {
  const out = new Set<string>();
  for (const v of volumesOf(pod)) {
    add(out, at(v, 'persistentVolumeClaim', 'claimName'));
    if (v.ephemeral && typeof v.name === 'string') add(out, `${String(at(pod, 'metadata', 'name') ?? '')}-${v.name}`);
  }
  return out;
}
