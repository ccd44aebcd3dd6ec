/**
 * Where the HPA reads resource metrics: metrics.k8s.io/v1beta1 PodMetrics through the API server (the aggregation
 * layer sends them to metrics-server), as upstream's resource metrics client. Tests may give the controller another
 * PodMetricsSource (a fixed table of usages).
 */
import { resourceInfoOf } from '../../../api/kinds/registry.js';
import type { ApiClient } from '../../../api/client/api-client.js';
import type { PodMetricsItem } from './decide.js';

export interface PodMetricsSource {
  /** The PodMetrics of a namespace's pods matching a label selector (its string form). */
  list(namespace: string, labelSelector: string): Promise<PodMetricsItem[]>;
}

/** metrics.k8s.io/v1beta1 pods: only its names matter to the client (its URLs). */
export const POD_METRICS = resourceInfoOf({ group: 'metrics.k8s.io', version: 'v1beta1', kind: 'PodMetrics', plural: 'pods', namespaced: true, schema: '' });

/** The resource metrics API, read through the API server. */
export function restPodMetrics(client: ApiClient): PodMetricsSource {
  return {
    async list(namespace, labelSelector) {
      return (await client.list<PodMetricsItem>(POD_METRICS, namespace, { labelSelector })).items;
    },
  };
}
