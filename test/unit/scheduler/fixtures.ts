import type { SchedNode, SchedPod, SchedTaint, SchedToleration } from '../../../control-plane/scheduler/types.js';

export function makeNode(
  name: string,
  opts: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: SchedTaint[]; unschedulable?: boolean; extra?: Record<string, string> } = {},
): SchedNode {
  const alloc = { cpu: opts.cpu ?? '4', memory: opts.memory ?? '8Gi', pods: opts.pods ?? '110', 'ephemeral-storage': '100Gi', ...(opts.extra ?? {}) };
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: { taints: opts.taints, unschedulable: opts.unschedulable },
    status: { capacity: alloc, allocatable: alloc },
  };
}

export function makePod(
  name: string,
  opts: {
    ns?: string;
    cpu?: string;
    memory?: string;
    labels?: Record<string, string>;
    nodeName?: string;
    nodeSelector?: Record<string, string>;
    tolerations?: SchedToleration[];
    hostPort?: number;
    owner?: { kind: string; name: string; apiVersion?: string };
    affinity?: SchedPod['spec']['affinity'];
    requests?: Record<string, string>;
  } = {},
): SchedPod {
  const requests: Record<string, string> = { ...(opts.requests ?? {}) };
  if (opts.cpu) requests.cpu = opts.cpu;
  if (opts.memory) requests.memory = opts.memory;
  // The scheduler's view has no image; the API server requires one.
  const container = {
    name: 'c',
    image: 'nginx',
    resources: Object.keys(requests).length ? { requests } : undefined,
    ports: opts.hostPort ? [{ containerPort: 80, hostPort: opts.hostPort }] : undefined,
  };
  return {
    metadata: {
      name,
      namespace: opts.ns ?? 'default',
      uid: `uid-${name}`,
      labels: opts.labels,
      ownerReferences: opts.owner
        ? [{ apiVersion: opts.owner.apiVersion ?? 'apps/v1', kind: opts.owner.kind, name: opts.owner.name, uid: `uid-${opts.owner.name}`, controller: true }]
        : undefined,
    },
    spec: {
      nodeName: opts.nodeName,
      schedulerName: 'default-scheduler',
      nodeSelector: opts.nodeSelector,
      tolerations: opts.tolerations,
      affinity: opts.affinity,
      containers: [container],
    },
  };
}

export const CONTROL_PLANE_TAINT: SchedTaint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
