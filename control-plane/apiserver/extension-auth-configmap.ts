/**
 * kube-system/extension-apiserver-authentication: how extension API servers authenticate the callers this API
 * server sends them (upstream's pkg/controlplane/controller/clusterauthenticationtrust). They read it (the Role
 * `extension-apiserver-authentication-reader` lets them) to trust --client-ca-file for users' certificates and the
 * front proxy CA with its allowed names and headers for requests the aggregator proxies.
 */
import type { Store } from './store.js';
import { KubeError } from '../../api/errors.js';
import { deepEqual } from '../../api/values.js';
import type { RequestHeaderConfig } from './requestheader.js';

export const EXTENSION_AUTH_NAMESPACE = 'kube-system';
export const EXTENSION_AUTH_CONFIGMAP = 'extension-apiserver-authentication';

/** The ConfigMap's data: the CA bundles as PEM, the lists as JSON arrays (as upstream's json.Marshal writes them). */
export function extensionAuthenticationData(clientCAPem: string | undefined, rh: RequestHeaderConfig | undefined): Record<string, string> {
  const data: Record<string, string> = {};
  if (clientCAPem) data['client-ca-file'] = clientCAPem;
  if (rh) {
    data['requestheader-client-ca-file'] = rh.clientCAPem;
    data['requestheader-allowed-names'] = JSON.stringify(rh.allowedNames);
    data['requestheader-username-headers'] = JSON.stringify(rh.usernameHeaders);
    data['requestheader-group-headers'] = JSON.stringify(rh.groupHeaders);
    data['requestheader-extra-headers-prefix'] = JSON.stringify(rh.extraHeaderPrefixes);
  }
  return data;
}

/** Create the ConfigMap, or set its data back to what this server says (a no-op when it already is). */
export async function ensureExtensionAuthConfigMap(configMaps: Store, data: Record<string, string>): Promise<void> {
  const cur = await configMaps.tryGet(EXTENSION_AUTH_NAMESPACE, EXTENSION_AUTH_CONFIGMAP);
  if (!cur) {
    try {
      await configMaps.create(EXTENSION_AUTH_NAMESPACE, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: EXTENSION_AUTH_CONFIGMAP, namespace: EXTENSION_AUTH_NAMESPACE }, data });
    } catch (e) {
      if (!(e instanceof KubeError && e.reason === 'AlreadyExists')) throw e;
    }
    return;
  }
  if (deepEqual((cur as { data?: unknown }).data, data)) return;
  await configMaps.guaranteedUpdate(EXTENSION_AUTH_NAMESPACE, EXTENSION_AUTH_CONFIGMAP, (latest) => ({ ...latest, data }));
}
