/**
 * The root CA certificate publisher (pkg/controller/certificates/rootcacertpublisher): every namespace has the
 * ConfigMap `kube-root-ca.crt` whose `ca.crt` is the API server's CA bundle (what the ServiceAccount admission's
 * `kube-api-access-*` volume projects), with upstream's description annotation.
 */

import type { ConfigMap, Namespace } from '../util/types.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.';

export type RootCAAction = { op: 'none' } | { op: 'create'; body: ConfigMap } | { op: 'update'; body: ConfigMap };

/** What upstream's syncNamespace does for one namespace (pure): create the ConfigMap, fix its data/annotation, or nothing. */
export function decideRootCA(ns: Namespace | undefined, cm: ConfigMap | undefined, rootCA: string): RootCAAction {
  const name = ns?.metadata?.name;
  if (!name || ns?.metadata?.deletionTimestamp || ns?.status?.phase === 'Terminating') return { op: 'none' };
  const data = { 'ca.crt': rootCA };
  if (!cm) {
    return {
      op: 'create',
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace: name, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data },
    };
  }
  const sameData = Object.keys(cm.data ?? {}).length === 1 && cm.data?.['ca.crt'] === rootCA;
  if (sameData && (cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION] ?? '') !== '') return { op: 'none' };
  return {
    op: 'update',
    body: { ...cm, metadata: { ...cm.metadata, annotations: { ...(cm.metadata?.annotations ?? {}), [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data },
  };
}
