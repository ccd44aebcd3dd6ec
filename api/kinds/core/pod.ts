/** core/v1 Pod: upstream's pkg/registry/core/pod (strategy, GetAttrs) and the pod printer. */
import type { Pod, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { isPodTerminal } from '../../pods.js';
import { admitPod, defaultPod, defaultPodStatusIPs } from '../../strategies/defaults.js';
import { podQOSClass, validatePod, validatePodStatusUpdate, validatePodUpdate } from '../../strategies/pod.js';
import { podCells, podColumns } from '../../strategies/printers.js';
import { keepAllButStatus, keepOldStatus } from '../../strategies/strategy.js';

type P = Relaxed<Pod>;

/** A negative grace period is 1 s (upstream: "set to 1 to avoid immediately killing"). */
function clampNegativeGrace(pod: P, oldGrace?: number): void {
  const spec = pod.spec;
  if (spec && typeof spec.terminationGracePeriodSeconds === 'number' && spec.terminationGracePeriodSeconds < 0 && !(typeof oldGrace === 'number' && oldGrace < 0)) {
    spec.terminationGracePeriodSeconds = 1;
  }
}

/**
 * Pods bound to a node and not terminated wait for the kubelet: graceful deletion (upstream's
 * CheckGracefulDelete). The request's period wins over the pod's; a negative one counts as 1 s, as upstream's
 * delete path treats it.
 */
export function podGracePeriod(pod: P, requested: number | undefined): number | undefined {
  if (!pod.spec?.nodeName || isPodTerminal(pod)) return 0;
  const g = pod.spec?.terminationGracePeriodSeconds;
  const period = requested ?? (typeof g === 'number' ? g : 30);
  return period < 0 ? 1 : period;
}

export const pods = defineKind<P>({
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  subresources: ['status', 'binding', 'eviction', 'log', 'exec', 'portforward', 'proxy'],
  schema: 'io.k8s.api.core.v1.Pod',
  protobufMessage: 'k8s.io.api.core.v1.Pod',
  returnDeletedObject: true,
  kubeletProxyTarget: 'pod',
  resourceProxy: 'pod',
  strategy: {
    applyDefaults: defaultPod,
    prepareForCreate(pod) {
      admitPod(pod);
      const spec = (pod.spec ??= {});
      clampNegativeGrace(pod);
      pod.status = { phase: 'Pending', qosClass: podQOSClass(spec) };
    },
    prepareForUpdate(pod, old) {
      keepOldStatus(pod, old);
      clampNegativeGrace(pod, old?.spec?.terminationGracePeriodSeconds);
    },
    prepareForStatusUpdate(pod, old) {
      keepAllButStatus(pod, old);
      defaultPodStatusIPs(pod.status);
    },
    validate: validatePod,
    validateUpdate: validatePodUpdate,
    validateStatusUpdate: validatePodStatusUpdate,
    gracePeriod: podGracePeriod,
  },
  fieldSelectors: {
    'spec.nodeName': (p) => p.spec?.nodeName ?? '',
    'spec.restartPolicy': (p) => p.spec?.restartPolicy ?? '',
    'spec.schedulerName': (p) => p.spec?.schedulerName ?? '',
    'spec.serviceAccountName': (p) => p.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (p) => String(p.spec?.hostNetwork === true),
    'status.phase': (p) => p.status?.phase ?? '',
    'status.podIP': (p) => (p.status?.podIPs ?? [])[0]?.ip ?? p.status?.podIP ?? '',
    'status.nominatedNodeName': (p) => p.status?.nominatedNodeName ?? '',
  },
  table: { columns: podColumns, cells: podCells },
});
