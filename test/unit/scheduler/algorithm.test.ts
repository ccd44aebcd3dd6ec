import { describe, expect, it } from 'vitest';
import { fitErrorMessage, numFeasibleNodesToFind, schedulePod } from '../../../control-plane/scheduler/algorithm.js';
import { newPodInfo, newSnapshot, nodeInfoOf, unresolvable, unschedulable } from '../../../control-plane/scheduler/framework.js';
import { defaultProfile } from '../../../control-plane/scheduler/profile.js';
import type { SchedNode, SchedPod } from '../../../control-plane/scheduler/types.js';
import { CONTROL_PLANE_TAINT, makeNode, makePod } from './fixtures.js';

function lab(): SchedNode[] {
  return [
    makeNode('controlplane01', { cpu: '2', taints: [CONTROL_PLANE_TAINT] }),
    makeNode('node01', { cpu: '2', labels: { disk: 'ssd' } }),
    makeNode('node02', { cpu: '2', labels: { disk: 'hdd' } }),
  ];
}

function run(pod: SchedPod, nodes: SchedNode[], placed: SchedPod[] = []) {
  const infos = nodes.map((n) => nodeInfoOf(n, placed.filter((p) => p.spec.nodeName === n.metadata.name)));
  return schedulePod(pod, newSnapshot(infos), defaultProfile(), { random: () => 0 });
}

describe('schedulePod', () => {
  const cases: Array<{ name: string; pod: SchedPod; nodes?: SchedNode[]; placed?: SchedPod[]; node?: string | string[]; message?: string }> = [
    {
      name: 'too much cpu everywhere: one taint, two Insufficient cpu, upstream order',
      pod: makePod('big', { cpu: '3' }),
      message:
        '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.' +
        // 3 cpu is more than any node has at all: evicting cannot help there either (NodeResourcesFit's unresolvable)
        ' preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..',
    },
    {
      name: 'a plain pod avoids the tainted control plane',
      pod: makePod('web', { cpu: '100m' }),
      node: ['node01', 'node02'],
    },
    {
      name: 'nodeSelector',
      pod: makePod('web', { nodeSelector: { disk: 'hdd' } }),
      node: 'node02',
    },
    {
      name: 'nodeSelector matching nothing',
      pod: makePod('web', { nodeSelector: { disk: 'nvme' } }),
      message:
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector." +
        ' preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..',
    },
    {
      name: 'toleration + nodeSelector onto the control plane',
      pod: makePod('cp', {
        nodeSelector: { 'kubernetes.io/hostname': 'controlplane01' },
        tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
      }),
      node: 'controlplane01',
    },
    {
      name: 'required node affinity NotIn',
      pod: makePod('web', {
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['ssd'] }] }] } } },
      }),
      node: 'node02',
    },
    {
      name: 'matchFields metadata.name narrows in PreFilter; other nodes are counted as absent',
      pod: makePod('ds', {
        cpu: '3',
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node01'] }] }] } } },
      }),
      message:
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]." +
        ' preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..',
    },
    {
      name: 'last free cpu taken by placed pods',
      pod: makePod('p', { cpu: '1' }),
      placed: [makePod('a', { cpu: '1500m', nodeName: 'node01' }), makePod('b', { cpu: '1', nodeName: 'node02' })],
      node: 'node02',
    },
    {
      name: 'hostPort clash',
      pod: makePod('p', { hostPort: 8080 }),
      placed: [makePod('a', { hostPort: 8080, nodeName: 'node01' })],
      node: 'node02',
    },
    {
      name: 'pods limit and cordon',
      pod: makePod('p'),
      nodes: [makeNode('n1', { pods: '1' }), makeNode('n2', { unschedulable: true }), makeNode('n3', { taints: [{ key: 'a', value: 'b', effect: 'NoExecute' }] })],
      placed: [makePod('a', { nodeName: 'n1' })],
      message:
        '0/3 nodes are available: 1 Too many pods, 1 node(s) had untolerated taint {a: b}, 1 node(s) were unschedulable.' +
        ' preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling..',
    },
    {
      name: 'spec.nodeName set to a node the pod does not fit',
      pod: makePod('p', { nodeName: 'node01', cpu: '100m' }),
      node: 'node01',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = run(c.pod, c.nodes ?? lab(), c.placed ?? []);
      if (c.message !== undefined) {
        expect('unschedulable' in r && r.message).toBe(c.message);
      } else {
        expect('nodeName' in r).toBe(true);
        const want = Array.isArray(c.node) ? c.node : [c.node];
        expect(want).toContain((r as { nodeName: string }).nodeName);
      }
    });
  }

  it('every node is accounted for in the diagnosis', () => {
    const r = run(makePod('big', { cpu: '3' }), lab());
    if (!('unschedulable' in r)) throw new Error('expected unschedulable');
    expect([...r.diagnosis.nodeToStatus.keys()].sort()).toEqual(['controlplane01', 'node01', 'node02']);
    expect(r.diagnosis.nodeToStatus.get('controlplane01')!.plugin).toBe('TaintToleration');
    expect(r.diagnosis.nodeToStatus.get('node01')!.plugin).toBe('NodeResourcesFit');
  });

  it("spreads a ReplicaSet's 6 pods 2/2/2 over 3 equal nodes", () => {
    const nodes = [makeNode('n1'), makeNode('n2'), makeNode('n3')];
    const infos = nodes.map((n) => nodeInfoOf(n));
    const rs = { metadata: { name: 'web-abc', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } } } };
    const snap = newSnapshot(infos, { controllers: new Map([['ReplicaSet/default/web-abc', rs]]) });
    const profile = defaultProfile();
    let start = 0;
    for (let i = 0; i < 6; i++) {
      const pod = makePod(`web-abc-${i}`, { labels: { app: 'web' }, owner: { kind: 'ReplicaSet', name: 'web-abc' } });
      const r = schedulePod(pod, snap, profile, { startNodeIndex: start, random: () => 0.99 });
      if (!('nodeName' in r)) throw new Error('expected a node');
      start = r.nextStartNodeIndex;
      snap.get(r.nodeName)!.addPod(newPodInfo({ ...pod, spec: { ...pod.spec, nodeName: r.nodeName } }));
    }
    expect(infos.map((i) => i.pods.length)).toEqual([2, 2, 2]);
  });

  it('spreading follows the selector and outweighs LeastAllocated', () => {
    // n2 and n3 are big and nearly empty but each runs one pod of the Service; n1 is small and half full
    // with an unrelated pod. LeastAllocated prefers n2/n3; spreading (weight 2) picks n1.
    const nodes = [makeNode('n1'), makeNode('n2', { cpu: '64', memory: '256Gi' }), makeNode('n3', { cpu: '64', memory: '256Gi' })];
    const infos = nodes.map((n) => nodeInfoOf(n));
    infos[0]!.addPod(newPodInfo(makePod('other', { cpu: '2', memory: '4Gi', labels: { app: 'db' }, nodeName: 'n1' })));
    infos[1]!.addPod(newPodInfo(makePod('x1', { labels: { app: 'web' }, nodeName: 'n2' })));
    infos[2]!.addPod(newPodInfo(makePod('x2', { labels: { app: 'web' }, nodeName: 'n3' })));
    const svc = { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' } } };
    const withSvc = schedulePod(makePod('p', { labels: { app: 'web' } }), newSnapshot(infos, { services: [svc] }), defaultProfile(), { random: () => 0 });
    expect('nodeName' in withSvc && withSvc.nodeName).toBe('n1');
    // Without the Service the pod has no siblings: no spreading, LeastAllocated wins.
    const without = schedulePod(makePod('p', { labels: { app: 'web' } }), newSnapshot(infos), defaultProfile(), { random: () => 0 });
    expect('nodeName' in without && without.nodeName).not.toBe('n1');
  });

  it('no nodes at all is an error, as upstream', () => {
    expect(schedulePod(makePod('p'), newSnapshot([]), defaultProfile())).toEqual({ error: 'no nodes available to schedule pods', nextStartNodeIndex: 0 });
  });

  it('stops filtering after numFeasibleNodesToFind and advances the start index', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => nodeInfoOf(makeNode(`n${i}`)));
    const r = schedulePod(makePod('p'), newSnapshot(nodes), defaultProfile(), { startNodeIndex: 990 });
    if (!('nodeName' in r)) throw new Error('expected a node');
    expect(r.feasibleNodes).toBe(420);
    expect(r.nextStartNodeIndex).toBe((990 + 420) % 1000);
  });
});

describe('numFeasibleNodesToFind (upstream adaptive percentage)', () => {
  it.each([
    [0, 50, 50],
    [0, 100, 100],
    [0, 1000, 420],
    [0, 5000, 500],
    [0, 6000, 300],
    [10, 500, 100],
    [100, 5000, 5000],
  ])('percentage %i of %i nodes -> %i', (pct, n, want) => {
    expect(numFeasibleNodesToFind(pct, n)).toBe(want);
  });
});

describe('fitErrorMessage', () => {
  it('sorts "<count> <reason>" as strings, like Go sort.Strings', () => {
    const m = new Map([
      ...Array.from({ length: 10 }, (_, i) => [`a${i}`, unschedulable('Insufficient cpu')] as const),
      ['b', unresolvable("node(s) didn't match Pod's node affinity/selector")] as const,
      ['c', unschedulable('Insufficient cpu', 'Insufficient memory')] as const,
    ]);
    const msg = fitErrorMessage(12, { nodeToStatus: new Map(m), unschedulablePlugins: new Set(), preFilterMsg: '', postFilterMsg: '' });
    expect(msg).toBe("0/12 nodes are available: 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector, 11 Insufficient cpu.");
  });
  it('a PreFilter rejection is printed once', () => {
    const msg = fitErrorMessage(3, { nodeToStatus: new Map(), unschedulablePlugins: new Set(), preFilterMsg: 'pod affinity terms conflict', postFilterMsg: '' });
    expect(msg).toBe('0/3 nodes are available: pod affinity terms conflict.');
  });
});
