/**
 * The ServiceAccount admission plugin (upstream plugin/pkg/admission/serviceaccount, 1.32), for pod creates:
 * - mutating: a mirror pod is left alone; else `spec.serviceAccountName` defaults to `default`, the service
 *   account must exist (403 `error looking up service account <ns>/<name>: serviceaccount "<name>" not found`),
 *   and unless automountServiceAccountToken is false (the pod's, else the service account's) every container and
 *   init container without a mount at /var/run/secrets/kubernetes.io/serviceaccount gets a read-only one of the
 *   projected volume `kube-api-access-<5 random>` (token for 3607 s, ca.crt from the kube-root-ca.crt ConfigMap,
 *   the namespace from the downward API); the service account's imagePullSecrets are copied when the pod has none.
 * - validating: a mirror pod may not reference a service account, secrets or a token projection; any other pod
 *   names a service account that exists.
 */
import { podSecretNames } from '../../api/pod-refs.js';
import type { KubeError } from '../../api/errors.js';
import type { Pod, Relaxed, ServiceAccount, Volume, VolumeMount } from '../../api/types/index.js';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin, type AdmissionState } from './admission.js';
import { MIRROR_POD_ANNOTATION } from './node-graph.js';
import { randomSuffix, type ApiObject } from './object-meta.js';
import { WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS } from './serviceaccount-token.js';

export const SERVICE_ACCOUNT = 'ServiceAccount';
export const DEFAULT_SERVICE_ACCOUNT_NAME = 'default';
export const SERVICE_ACCOUNT_VOLUME_NAME = 'kube-api-access';
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

type P = Relaxed<Pod>;
type SA = Relaxed<ServiceAccount>;

const isMirrorPod = (pod: P): boolean => pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined;

/** upstream's TokenVolumeSource (defaultMode 0644 set explicitly, as upstream does since #104464). */
export function tokenVolume(name: string): Relaxed<Volume> {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** upstream's shouldAutomount: the pod's automountServiceAccountToken, else the service account's, else true. */
export function shouldAutomount(sa: SA, pod: P): boolean {
  if (typeof pod.spec?.automountServiceAccountToken === 'boolean') return pod.spec.automountServiceAccountToken;
  if (typeof sa.automountServiceAccountToken === 'boolean') return sa.automountServiceAccountToken;
  return true;
}

/**
 * upstream's mountServiceAccountToken, in place: an existing `kube-api-access-*` volume is reused, else one is
 * named `kube-api-access-<suffix>`; every (init) container without a mount at the default path gets one; the
 * volume is added when a container needed it. Pure but for `suffix`.
 */
export function mountServiceAccountToken(pod: P, suffix: () => string = () => randomSuffix(5)): void {
  const spec = (pod.spec ??= {});
  const existing = (spec.volumes ?? []).find((v) => typeof v?.name === 'string' && v.name.startsWith(`${SERVICE_ACCOUNT_VOLUME_NAME}-`));
  const volumeName = existing?.name ?? `${SERVICE_ACCOUNT_VOLUME_NAME}-${suffix()}`;
  const mount: Relaxed<VolumeMount> = { name: volumeName, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH };
  let needed = false;
  for (const containers of [spec.initContainers, spec.containers]) {
    for (const c of containers ?? []) {
      if (!c || typeof c !== 'object') continue;
      if ((c.volumeMounts ?? []).some((m) => m?.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
      c.volumeMounts = [...(c.volumeMounts ?? []), { ...mount }];
      needed = true;
    }
  }
  if (!existing && needed) spec.volumes = [...(spec.volumes ?? []), tokenVolume(volumeName)];
}

/** The service account from the cache, else from storage (upstream's getServiceAccount: the lister, then a live read). */
async function lookup(state: AdmissionState, namespace: string, name: string): Promise<SA | undefined> {
  return (state.get('', 'serviceaccounts', namespace, name) ?? (await state.read('', 'serviceaccounts', namespace, name))) as SA | undefined;
}

function lookupError(a: AdmissionAttributes, namespace: string, name: string): KubeError {
  return admissionForbidden(a, `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`);
}

const handles = (a: AdmissionAttributes): boolean => a.group === '' && a.resource === 'pods' && a.subresource === '' && a.operation === 'CREATE' && a.object !== undefined;

export const serviceAccount = {
  name: SERVICE_ACCOUNT,
  operations: ['CREATE'],
  async admit(a: AdmissionAttributes, state: AdmissionState): Promise<KubeError | undefined> {
    if (!handles(a)) return undefined;
    const pod = a.object as ApiObject & P;
    if (isMirrorPod(pod)) return undefined;
    const spec = (pod.spec ??= {});
    if (!spec.serviceAccountName) spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT_NAME;
    spec.serviceAccount = spec.serviceAccountName; // v1's deprecated mirror
    const sa = await lookup(state, a.namespace, spec.serviceAccountName);
    if (!sa) return lookupError(a, a.namespace, spec.serviceAccountName);
    if (shouldAutomount(sa, pod)) mountServiceAccountToken(pod);
    if ((spec.imagePullSecrets ?? []).length === 0 && (sa.imagePullSecrets ?? []).length > 0) {
      spec.imagePullSecrets = (sa.imagePullSecrets ?? []).map((r) => ({ name: r?.name ?? '' }));
    }
    return undefined;
  },
  async validate(a: AdmissionAttributes, state: AdmissionState): Promise<KubeError | undefined> {
    if (!handles(a)) return undefined;
    const pod = a.object as ApiObject & P;
    if (isMirrorPod(pod)) {
      if (pod.spec?.serviceAccountName) return admissionForbidden(a, 'a mirror pod may not reference service accounts');
      if (podSecretNames(pod).size > 0) return admissionForbidden(a, 'a mirror pod may not reference secrets');
      for (const v of pod.spec?.volumes ?? []) {
        if ((v?.projected?.sources ?? []).some((s) => s?.serviceAccountToken)) {
          return admissionForbidden(a, 'a mirror pod may not use ServiceAccountToken volume projections');
        }
      }
      return undefined;
    }
    const name = pod.spec?.serviceAccountName;
    const podName = pod.metadata?.name || pod.metadata?.generateName || '';
    if (!name) return admissionForbidden(a, `no service account specified for pod ${a.namespace}/${podName}`);
    if (!(await lookup(state, a.namespace, name))) return lookupError(a, a.namespace, name);
    return undefined;
  },
} satisfies AdmissionPlugin;
