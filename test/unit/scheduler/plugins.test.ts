import { describe, expect, it } from 'vitest';
import { CycleState, newPodInfo, newSnapshot, nodeInfoOf, type NodeScore, type Status } from '../../../control-plane/scheduler/framework.js';
import { BalancedAllocation, balancedResourceScore, balancedScoreOf } from '../../../control-plane/scheduler/plugins/balanced-allocation.js';
import { NodeAffinity, affinityNodeNames } from '../../../control-plane/scheduler/plugins/node-affinity.js';
import { NodeName } from '../../../control-plane/scheduler/plugins/node-name.js';
import { NodePorts } from '../../../control-plane/scheduler/plugins/node-ports.js';
import { NodeResourcesFit, allocationScore, leastRequestedScore } from '../../../control-plane/scheduler/plugins/node-resources-fit.js';
import { NodeUnschedulable } from '../../../control-plane/scheduler/plugins/node-unschedulable.js';
import { defaultNormalizeScore } from '../../../control-plane/scheduler/plugins/normalize.js';
import { PodTopologySpread, defaultSelector, getConstraints } from '../../../control-plane/scheduler/plugins/pod-topology-spread.js';
import { TaintToleration } from '../../../control-plane/scheduler/plugins/taint-toleration.js';
import { podRequests } from '../../../control-plane/scheduler/resources.js';
import { selectorMatches } from '../../../control-plane/scheduler/selectors.js';
import type { SchedNode, SchedNodeSelectorTerm, SchedPod } from '../../../control-plane/scheduler/types.js';
import { makeNode, makePod } from './fixtures.js';

const brief = (s: Status) => ({ code: s.code, reasons: [...s.reasons] });
const OK = { code: 'Success', reasons: [] };

describe('NodeUnschedulable', () => {
  const pl = new NodeUnschedulable();
  it.each([
    { name: 'schedulable node', node: makeNode('n'), pod: makePod('p'), want: OK },
    { name: 'cordoned node', node: makeNode('n', { unschedulable: true }), pod: makePod('p'), want: { code: 'UnschedulableAndUnresolvable', reasons: ['node(s) were unschedulable'] } },
    {
      name: 'cordoned node, pod tolerates node.kubernetes.io/unschedulable',
      node: makeNode('n', { unschedulable: true }),
      pod: makePod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }),
      want: OK,
    },
    {
      name: 'cordoned node, toleration for another effect',
      node: makeNode('n', { unschedulable: true }),
      pod: makePod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }] }),
      want: { code: 'UnschedulableAndUnresolvable', reasons: ['node(s) were unschedulable'] },
    },
  ])('$name', ({ node, pod, want }) => {
    expect(brief(pl.filter(new CycleState(), pod, nodeInfoOf(node)))).toEqual(want);
  });
});

describe('NodeName', () => {
  const pl = new NodeName();
  it.each([
    { name: 'no nodeName', pod: makePod('p'), want: OK },
    { name: 'same node', pod: makePod('p', { nodeName: 'n1' }), want: OK },
    { name: 'other node', pod: makePod('p', { nodeName: 'n2' }), want: { code: 'UnschedulableAndUnresolvable', reasons: ["node(s) didn't match the requested node name"] } },
  ])('$name', ({ pod, want }) => {
    expect(brief(pl.filter(new CycleState(), pod, nodeInfoOf(makeNode('n1'))))).toEqual(want);
  });
});

describe('NodeResourcesFit filter', () => {
  const pl = new NodeResourcesFit();
  const run = (pod: SchedPod, node: SchedNode, placed: SchedPod[] = []) => {
    const st = new CycleState();
    pl.preFilter(st, pod);
    return brief(pl.filter(st, pod, nodeInfoOf(node, placed)));
  };
  it.each([
    { name: 'fits', pod: makePod('p', { cpu: '1', memory: '1Gi' }), node: makeNode('n', { cpu: '2', memory: '2Gi' }), placed: [], want: OK },
    { name: 'exactly the last cpu', pod: makePod('p', { cpu: '500m' }), node: makeNode('n', { cpu: '2' }), placed: [makePod('a', { cpu: '1500m' })], want: OK },
    {
      name: 'insufficient cpu against placed requests',
      pod: makePod('p', { cpu: '501m' }), node: makeNode('n', { cpu: '2' }), placed: [makePod('a', { cpu: '1500m' })],
      want: { code: 'Unschedulable', reasons: ['Insufficient cpu'] },
    },
    {
      name: 'more than the whole node: unresolvable',
      pod: makePod('p', { cpu: '3', memory: '3Gi' }), node: makeNode('n', { cpu: '2', memory: '2Gi' }), placed: [],
      want: { code: 'UnschedulableAndUnresolvable', reasons: ['Insufficient cpu', 'Insufficient memory'] },
    },
    { name: 'too many pods', pod: makePod('p'), node: makeNode('n', { pods: '1' }), placed: [makePod('a')], want: { code: 'Unschedulable', reasons: ['Too many pods'] } },
    {
      name: 'extended resource',
      pod: makePod('p', { requests: { 'example.com/gpu': '2' } }), node: makeNode('n', { extra: { 'example.com/gpu': '1' } }), placed: [],
      want: { code: 'UnschedulableAndUnresolvable', reasons: ['Insufficient example.com/gpu'] },
    },
    {
      name: 'ephemeral-storage',
      pod: makePod('p', { requests: { 'ephemeral-storage': '60Gi' } }), node: makeNode('n'), placed: [makePod('a', { requests: { 'ephemeral-storage': '50Gi' } })],
      want: { code: 'Unschedulable', reasons: ['Insufficient ephemeral-storage'] },
    },
    { name: 'best-effort pod on a full node still fits', pod: makePod('p'), node: makeNode('n', { cpu: '1' }), placed: [makePod('a', { cpu: '1' })], want: OK },
  ])('$name', ({ pod, node, placed, want }) => {
    expect(run(pod, node, placed)).toEqual(want);
  });
});

describe('podRequests', () => {
  it.each([
    { name: 'sum of app containers', spec: { containers: [{ name: 'a', resources: { requests: { cpu: '100m' } } }, { name: 'b', resources: { requests: { cpu: '0.2' } } }] }, cpu: 300 },
    {
      name: 'max(sum, largest init container)',
      spec: { containers: [{ name: 'a', resources: { requests: { cpu: '100m' } } }], initContainers: [{ name: 'i', resources: { requests: { cpu: '1' } } }] },
      cpu: 1000,
    },
    {
      name: 'plus overhead',
      spec: { containers: [{ name: 'a', resources: { requests: { cpu: '100m' } } }], overhead: { cpu: '250m' } },
      cpu: 350,
    },
    {
      name: 'sidecar init containers add to the sum',
      spec: {
        containers: [{ name: 'a', resources: { requests: { cpu: '100m' } } }],
        initContainers: [{ name: 's', restartPolicy: 'Always', resources: { requests: { cpu: '200m' } } }, { name: 'i', resources: { requests: { cpu: '250m' } } }],
      },
      cpu: 450,
    },
  ])('$name', ({ spec, cpu }) => {
    expect(podRequests({ metadata: { name: 'p' }, spec } as SchedPod).milliCPU).toBe(cpu);
  });
  it('non-zero defaults for scoring', () => {
    const r = podRequests(makePod('p'), true);
    expect([r.milliCPU, r.memory]).toEqual([100, 200 * 1024 * 1024]);
  });
});

describe('NodeResourcesFit scoring', () => {
  it.each([
    [0, 4000, 100],
    [1000, 4000, 75],
    [4000, 4000, 0],
    [5000, 4000, 0],
    [1, 3, 66],
  ])('leastRequestedScore(%i, %i) = %i', (req, cap, want) => {
    expect(leastRequestedScore(req, cap)).toBe(want);
  });
  it('LeastAllocated averages cpu and memory with the pod included', () => {
    const pod = podRequests(makePod('p', { cpu: '1', memory: '2Gi' }), true);
    const node = nodeInfoOf(makeNode('n', { cpu: '4', memory: '8Gi' }));
    // cpu (4000-1000)*100/4000 = 75, memory (8-2)*100/8 = 75
    expect(allocationScore('LeastAllocated', [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }], pod, node.nonZeroRequested, node.allocatable)).toBe(75);
    expect(allocationScore('MostAllocated', [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }], pod, node.nonZeroRequested, node.allocatable)).toBe(25);
  });
  it('prefers the emptier node', () => {
    const pl = new NodeResourcesFit();
    const st = new CycleState();
    const pod = makePod('p', { cpu: '500m' });
    pl.preScore(st, pod);
    const empty = pl.score(st, pod, nodeInfoOf(makeNode('a')));
    const busy = pl.score(st, pod, nodeInfoOf(makeNode('b'), [makePod('x', { cpu: '2', memory: '4Gi' })]));
    expect(empty).toBeGreaterThan(busy);
  });
});

describe('NodeResourcesBalancedAllocation', () => {
  it.each([
    { req: [2000, 4], alloc: [4000, 8], want: 100 },
    { req: [4000, 0], alloc: [4000, 8], want: 50 },
    { req: [1000, 3], alloc: [4000, 4], want: 75 },
    { req: [8000, 4], alloc: [4000, 8], want: 75 }, // fraction capped at 1
    { req: [1000, 2, 1], alloc: [4000, 4, 4], want: 88 }, // three resources: the standard deviation
    { req: [1000, 5], alloc: [4000, 0], want: 100 }, // a resource the node has none of is left out
    { req: [], alloc: [], want: 100 },
  ])('balancedResourceScore($req / $alloc) = $want', ({ req, alloc, want }) => {
    expect(balancedResourceScore(req, alloc)).toBe(want);
  });
  const GPU = 'example.com/gpu';
  const resource = (v: number[]) => ({ milliCPU: v[0] ?? 0, memory: v[1] ?? 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: { [GPU]: v[2] ?? 0 } });
  it.each([
    { node: [1000, 2, 1], pod: [0, 0, 0], alloc: [4000, 4, 4] },
    { node: [1000, 1, 0], pod: [500, 1, 1], alloc: [4000, 4, 4] },
    { node: [3000, 0, 2], pod: [2000, 3, 1], alloc: [4000, 4, 4] },
    { node: [100, 7, 1], pod: [0, 0, 0], alloc: [4000, 8, 0] },
    { node: [2000, 4, 0], pod: [0, 0, 0], alloc: [4000, 8, 0] },
  ])('the per-node path (balancedScoreOf) scores as balancedResourceScore: node $node + pod $pod of $alloc', ({ node, pod, alloc }) => {
    const scored = [
      { name: 'cpu', weight: 1, podAmount: pod[0]! },
      { name: 'memory', weight: 1, podAmount: pod[1]! },
      { name: GPU, weight: 1, podAmount: pod[2]! },
    ];
    const want = balancedResourceScore(node.map((n, i) => n + pod[i]!), alloc);
    expect(balancedScoreOf(scored, resource(node), resource(alloc))).toBe(want);
  });
  it('skips best-effort pods and scores real requests', () => {
    const pl = new BalancedAllocation();
    expect(pl.preScore(new CycleState(), makePod('p')).code).toBe('Skip');
    const st = new CycleState();
    const pod = makePod('p', { cpu: '2', memory: '1Gi' });
    expect(pl.preScore(st, pod).code).toBe('Success');
    const cpuHeavy = nodeInfoOf(makeNode('a', { cpu: '4', memory: '8Gi' }), [makePod('x', { cpu: '2' })]);
    const balanced = nodeInfoOf(makeNode('b', { cpu: '4', memory: '8Gi' }), [makePod('y', { memory: '7Gi' })]);
    expect(pl.score(st, pod, balanced)).toBeGreaterThan(pl.score(st, pod, cpuHeavy));
  });
});

const affinity = (terms: SchedNodeSelectorTerm[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });

describe('NodeAffinity filter', () => {
  const pl = new NodeAffinity();
  const node = makeNode('n1', { labels: { zone: 'a', gen: '5', disk: 'ssd' } });
  const MISMATCH = { code: 'UnschedulableAndUnresolvable', reasons: ["node(s) didn't match Pod's node affinity/selector"] };
  it.each([
    { name: 'no constraints', pod: makePod('p'), want: OK },
    { name: 'nodeSelector match', pod: makePod('p', { nodeSelector: { zone: 'a' } }), want: OK },
    { name: 'nodeSelector mismatch', pod: makePod('p', { nodeSelector: { zone: 'b' } }), want: MISMATCH },
    { name: 'In', pod: makePod('p', { affinity: affinity([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }]) }), want: OK },
    { name: 'NotIn', pod: makePod('p', { affinity: affinity([{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }]) }), want: MISMATCH },
    { name: 'Exists', pod: makePod('p', { affinity: affinity([{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }]) }), want: OK },
    { name: 'DoesNotExist', pod: makePod('p', { affinity: affinity([{ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }]) }), want: MISMATCH },
    { name: 'Gt', pod: makePod('p', { affinity: affinity([{ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }]) }), want: OK },
    { name: 'Lt', pod: makePod('p', { affinity: affinity([{ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['5'] }] }]) }), want: MISMATCH },
    {
      name: 'terms are ORed',
      pod: makePod('p', { affinity: affinity([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] }, { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }]) }),
      want: OK,
    },
    {
      name: 'requirements in a term are ANDed',
      pod: makePod('p', { affinity: affinity([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'In', values: ['hdd'] }] }]) }),
      want: MISMATCH,
    },
    { name: 'matchFields metadata.name', pod: makePod('p', { affinity: affinity([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]) }), want: OK },
    { name: 'matchFields other name', pod: makePod('p', { affinity: affinity([{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }]) }), want: MISMATCH },
    { name: 'empty term matches nothing', pod: makePod('p', { affinity: affinity([{}]) }), want: MISMATCH },
    {
      name: 'nodeSelector AND affinity',
      pod: makePod('p', { nodeSelector: { zone: 'b' }, affinity: affinity([{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }]) }),
      want: MISMATCH,
    },
  ])('$name', ({ pod, want }) => {
    const st = new CycleState();
    const pre = pl.preFilter(st, pod);
    if (pre.status.code === 'Skip') {
      expect(want).toEqual(OK);
      return;
    }
    expect(brief(pl.filter(st, pod, nodeInfoOf(node)))).toEqual(want);
  });

  it('PreFilter narrows to matchFields node names, unions terms, detects conflicts', () => {
    expect(affinityNodeNames(makePod('p', { affinity: affinity([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a', 'b'] }] }]) }))).toEqual(new Set(['a', 'b']));
    expect(
      affinityNodeNames(makePod('p', { affinity: affinity([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] }, { matchExpressions: [{ key: 'x', operator: 'Exists' }] }]) })),
    ).toBeUndefined();
    expect(
      affinityNodeNames(makePod('p', { affinity: affinity([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }, { key: 'metadata.name', operator: 'In', values: ['b'] }] }]) })),
    ).toBe('conflict');
  });

  it('scores preferred terms by weight', () => {
    const pod = makePod('p', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
            { weight: 5, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
          ],
        },
      },
    });
    const st = new CycleState();
    expect(pl.preScore(st, pod).code).toBe('Success');
    const scores: NodeScore[] = [
      { name: 'both', score: pl.score(st, pod, nodeInfoOf(makeNode('both', { labels: { disk: 'ssd', zone: 'a' } }))) },
      { name: 'zone', score: pl.score(st, pod, nodeInfoOf(makeNode('zone', { labels: { zone: 'a' } }))) },
      { name: 'none', score: pl.score(st, pod, nodeInfoOf(makeNode('none'))) },
    ];
    expect(scores.map((s) => s.score)).toEqual([15, 5, 0]);
    pl.normalize(st, pod, scores);
    expect(scores.map((s) => s.score)).toEqual([100, 33, 0]);
    expect(pl.preScore(new CycleState(), makePod('q')).code).toBe('Skip');
  });
});

describe('TaintToleration', () => {
  const pl = new TaintToleration();
  it.each([
    { name: 'no taints', taints: [], tol: undefined, want: OK },
    {
      name: 'control-plane NoSchedule, no toleration',
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }], tol: undefined,
      want: { code: 'UnschedulableAndUnresolvable', reasons: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'] },
    },
    { name: 'Exists toleration', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], tol: [{ key: 'k', operator: 'Exists' }], want: OK },
    { name: 'Equal toleration', taints: [{ key: 'k', value: 'v', effect: 'NoExecute' }], tol: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute' }], want: OK },
    {
      name: 'Equal toleration, other value',
      taints: [{ key: 'k', value: 'v', effect: 'NoExecute' }], tol: [{ key: 'k', value: 'w' }],
      want: { code: 'UnschedulableAndUnresolvable', reasons: ['node(s) had untolerated taint {k: v}'] },
    },
    { name: 'empty key + Exists tolerates everything', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], tol: [{ operator: 'Exists' }], want: OK },
    { name: 'PreferNoSchedule does not filter', taints: [{ key: 'k', effect: 'PreferNoSchedule' }], tol: undefined, want: OK },
    {
      name: 'first untolerated taint is named',
      taints: [{ key: 'a', value: '1', effect: 'NoSchedule' }, { key: 'b', value: '2', effect: 'NoSchedule' }], tol: [{ key: 'a', operator: 'Exists' }],
      want: { code: 'UnschedulableAndUnresolvable', reasons: ['node(s) had untolerated taint {b: 2}'] },
    },
  ])('$name', ({ taints, tol, want }) => {
    expect(brief(pl.filter(new CycleState(), makePod('p', { tolerations: tol }), nodeInfoOf(makeNode('n', { taints }))))).toEqual(want);
  });

  it('scores fewer untolerated PreferNoSchedule taints higher', () => {
    const pod = makePod('p', { tolerations: [{ key: 'ok', operator: 'Exists', effect: 'PreferNoSchedule' }] });
    const st = new CycleState();
    pl.preScore(st, pod);
    const nodes = [
      makeNode('clean'),
      makeNode('tolerated', { taints: [{ key: 'ok', effect: 'PreferNoSchedule' }] }),
      makeNode('one', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }),
      makeNode('two', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }, { key: 'y', effect: 'PreferNoSchedule' }] }),
    ];
    const scores = nodes.map((n) => ({ name: n.metadata.name!, score: pl.score(st, pod, nodeInfoOf(n)) }));
    expect(scores.map((s) => s.score)).toEqual([0, 0, 1, 2]);
    pl.normalize(st, pod, scores);
    expect(scores.map((s) => s.score)).toEqual([100, 100, 50, 0]);
  });
});

describe('NodePorts', () => {
  const pl = new NodePorts();
  const FAIL = { code: 'Unschedulable', reasons: ["node(s) didn't have free ports for the requested pod ports"] };
  const withPort = (name: string, port: number, hostIP?: string, protocol?: string): SchedPod => ({
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: port, hostIP, protocol }] }] },
  });
  it.each([
    { name: 'free port', pod: withPort('p', 80), placed: [withPort('a', 81)], want: OK },
    { name: 'same port', pod: withPort('p', 80), placed: [withPort('a', 80)], want: FAIL },
    { name: 'same port, other protocol', pod: withPort('p', 53, undefined, 'UDP'), placed: [withPort('a', 53)], want: OK },
    { name: 'different IPs', pod: withPort('p', 80, '10.0.0.1'), placed: [withPort('a', 80, '10.0.0.2')], want: OK },
    { name: '0.0.0.0 clashes with a specific IP', pod: withPort('p', 80), placed: [withPort('a', 80, '10.0.0.2')], want: FAIL },
    { name: 'specific IP clashes with 0.0.0.0', pod: withPort('p', 80, '10.0.0.1'), placed: [withPort('a', 80)], want: FAIL },
  ])('$name', ({ pod, placed, want }) => {
    const st = new CycleState();
    expect(pl.preFilter(st, pod).status.code).toBe('Success');
    expect(brief(pl.filter(st, pod, nodeInfoOf(makeNode('n'), placed)))).toEqual(want);
  });
  it('skips pods without host ports', () => {
    expect(pl.preFilter(new CycleState(), makePod('p')).status.code).toBe('Skip');
  });
  it('frees the port when the pod goes', () => {
    const ni = nodeInfoOf(makeNode('n'), [withPort('a', 80)]);
    ni.removePod('default/a');
    expect(ni.usedPorts.conflicts({ ip: '0.0.0.0', protocol: 'TCP', port: 80 })).toBe(false);
  });
});

describe('PodTopologySpread', () => {
  const rs = { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } } } };
  const controllers = new Map([['ReplicaSet/default/web', rs]]);
  const rsPod = (name: string, nodeName?: string) => makePod(name, { labels: { app: 'web', pod: name }, nodeName, owner: { kind: 'ReplicaSet', name: 'web' } });

  it.each([
    { name: 'no siblings: no constraints', pod: makePod('p', { labels: { app: 'web' } }), services: [], want: 0 },
    { name: 'owned by a known ReplicaSet: system defaults', pod: rsPod('p'), services: [], want: 2 },
    { name: 'selected by a Service', pod: makePod('p', { labels: { app: 'web' } }), services: [{ metadata: { name: 's', namespace: 'default' }, spec: { selector: { app: 'web' } } }], want: 2 },
    { name: 'Service in another namespace', pod: makePod('p', { labels: { app: 'web' } }), services: [{ metadata: { name: 's', namespace: 'other' }, spec: { selector: { app: 'web' } } }], want: 0 },
  ])('$name', ({ pod, services, want }) => {
    const cs = getConstraints(pod, 'ScheduleAnyway', { services, controllers });
    expect(cs.length).toBe(want);
    if (want) {
      expect(cs.map((c) => [c.topologyKey, c.maxSkew])).toEqual([['kubernetes.io/hostname', 3], ['topology.kubernetes.io/zone', 5]]);
      expect(selectorMatches(cs[0]!.selector, { app: 'web' })).toBe(true);
      expect(selectorMatches(cs[0]!.selector, { app: 'db' })).toBe(false);
    }
  });

  it('default selector merges Service and ReplicaSet selectors', () => {
    const sel = defaultSelector(rsPod('p'), { services: [{ metadata: { name: 's', namespace: 'default' }, spec: { selector: { pod: 'p' } } }], controllers });
    expect(selectorMatches(sel, { app: 'web', pod: 'p' })).toBe(true);
    expect(selectorMatches(sel, { app: 'web', pod: 'q' })).toBe(false);
  });

  it('scores nodes with fewer matching pods higher', () => {
    const pl = new PodTopologySpread();
    const infos = [nodeInfoOf(makeNode('a'), [rsPod('x1', 'a'), rsPod('x2', 'a')]), nodeInfoOf(makeNode('b'), [rsPod('x3', 'b')]), nodeInfoOf(makeNode('c'))];
    const snap = newSnapshot(infos, { controllers });
    const st = new CycleState();
    const pod = rsPod('new');
    expect(pl.preScore(st, pod, infos, snap).code).toBe('Success');
    const scores = infos.map((ni) => ({ name: ni.name, score: pl.score(st, pod, ni) }));
    // raw: count*ln(3+2) + (3-1), rounded: 2 pods -> 5, 1 pod -> 4, 0 -> 2
    expect(scores.map((s) => s.score)).toEqual([5, 4, 2]);
    pl.normalize(st, pod, scores);
    // 100 * (max + min - s) / max
    expect(scores.map((s) => s.score)).toEqual([40, 60, 100]);
  });

  it('filters DoNotSchedule constraints by skew', () => {
    const pl = new PodTopologySpread();
    const pod: SchedPod = {
      ...makePod('p', { labels: { app: 'web' } }),
    };
    pod.spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }];
    const infos = [
      nodeInfoOf(makeNode('a', { labels: { zone: 'z1' } }), [makePod('w1', { labels: { app: 'web' } })]),
      nodeInfoOf(makeNode('b', { labels: { zone: 'z2' } })),
      nodeInfoOf(makeNode('nolabel')),
    ];
    const st = new CycleState();
    expect(pl.preFilter(st, pod, newSnapshot(infos)).status.code).toBe('Success');
    expect(brief(pl.filter(st, pod, infos[0]!))).toEqual({ code: 'Unschedulable', reasons: ["node(s) didn't match pod topology spread constraints"] });
    expect(brief(pl.filter(st, pod, infos[1]!))).toEqual(OK);
    expect(brief(pl.filter(st, pod, infos[2]!))).toEqual({
      code: 'UnschedulableAndUnresolvable',
      reasons: ["node(s) didn't match pod topology spread constraints (missing required label)"],
    });
  });
});

describe('defaultNormalizeScore', () => {
  it.each([
    { scores: [0, 0], reverse: false, want: [0, 0] },
    { scores: [0, 0], reverse: true, want: [100, 100] },
    { scores: [1, 2, 3], reverse: false, want: [33, 66, 100] },
    { scores: [1, 2, 3], reverse: true, want: [67, 34, 0] },
  ])('$scores reverse=$reverse', ({ scores, reverse, want }) => {
    const s = scores.map((score, i) => ({ name: String(i), score }));
    defaultNormalizeScore(s, reverse);
    expect(s.map((x) => x.score)).toEqual(want);
  });
});

describe('NodeInfo accounting', () => {
  it('adds and removes requests', () => {
    const ni = nodeInfoOf(makeNode('n'));
    ni.addPod(newPodInfo(makePod('a', { cpu: '250m', memory: '1Gi' })));
    ni.addPod(newPodInfo(makePod('b')));
    expect([ni.requested.milliCPU, ni.nonZeroRequested.milliCPU, ni.pods.length]).toEqual([250, 350, 2]);
    expect(ni.removePod('default/a')).toBe(true);
    expect([ni.requested.milliCPU, ni.requested.memory, ni.pods.length]).toEqual([0, 0, 1]);
    expect(ni.removePod('default/a')).toBe(false);
  });
});
