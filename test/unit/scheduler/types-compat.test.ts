import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../../api/types/index.js';
import { schedulePod } from '../../../control-plane/scheduler/algorithm.js';
import { newSnapshot, nodeInfoOf } from '../../../control-plane/scheduler/framework.js';
import { defaultProfile } from '../../../control-plane/scheduler/profile.js';

// The shared API types go into the scheduler's pure code as they are (a stored Pod always has a spec).
type StoredPod = Pod & { spec: NonNullable<Pod['spec']> };

describe('api/types compatibility', () => {
  it('schedules a Pod and Nodes typed with api/types', () => {
    const nodes: Node[] = ['a', 'b'].map((name) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      spec: name === 'a' ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {},
      status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' } },
    }));
    const pod: StoredPod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '500m' } } }] },
    };
    const r = schedulePod(pod, newSnapshot(nodes.map((n) => nodeInfoOf(n))), defaultProfile());
    expect('nodeName' in r && r.nodeName).toBe('b');
  });
});
