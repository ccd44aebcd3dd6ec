/** DefaultPreemption (pure): eligibility, victims on one node, the choice of node, and the whole plan with upstream's messages. */
import { describe, expect, it } from 'vitest';
import { schedulePod } from '../../../control-plane/scheduler/algorithm.js';
import { CycleState, newSnapshot, nodeInfoOf, type FrameworkHandle, type NodeInfo } from '../../../control-plane/scheduler/framework.js';
import {
  MSG_PREEMPTION_POLICY_NEVER,
  MSG_TERMINATING_ON_NOMINATED,
  moreImportantPod,
  numCandidates,
  pickOneNodeForPreemption,
  podIneligibleToPreempt,
  selectVictimsOnNode,
  type Candidate,
} from '../../../control-plane/scheduler/plugins/default-preemption.js';
import { NodeResourcesFit } from '../../../control-plane/scheduler/plugins/node-resources-fit.js';
import { defaultProfile } from '../../../control-plane/scheduler/profile.js';
import type { SchedNode, SchedPod } from '../../../control-plane/scheduler/types.js';
import { CONTROL_PLANE_TAINT, makeNode, makePod } from './fixtures.js';

const NOW = Date.parse('2026-12-04T12:00:00Z');

function pod(name: string, o: { cpu?: string; prio?: number; node?: string; started?: string; policy?: string; nominated?: string; terminatingByPreemption?: boolean } = {}): SchedPod {
  const p = makePod(name, { cpu: o.cpu, nodeName: o.node });
  if (o.prio !== undefined) p.spec.priority = o.prio;
  if (o.policy) p.spec.preemptionPolicy = o.policy;
  p.status = {
    ...(o.started ? { startTime: o.started } : {}),
    ...(o.nominated ? { nominatedNodeName: o.nominated } : {}),
    ...(o.terminatingByPreemption ? { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] } : {}),
  };
  if (o.terminatingByPreemption) p.metadata.deletionTimestamp = '2026-12-04T11:59:00Z';
  return p;
}

/** The cluster as the scheduler's snapshot: nodes and the pods bound to them. */
function infos(nodes: SchedNode[], placed: SchedPod[]): NodeInfo[] {
  return nodes.map((n) => nodeInfoOf(n, placed.filter((p) => p.spec.nodeName === n.metadata.name)));
}

/** A handle running NodeResourcesFit alone (PreFilter first, as a cycle would). */
function fitHandle(p: SchedPod): { state: CycleState; handle: FrameworkHandle } {
  const fit = new NodeResourcesFit();
  const state = new CycleState();
  fit.preFilter(state, p);
  return {
    state,
    handle: {
      runFilterPlugins: (st, pp, ni) => {
        const s = fit.filter(st, pp, ni);
        return s.code === 'Success' ? null : s;
      },
    },
  };
}

const names = (ps: readonly SchedPod[]) => ps.map((p) => p.metadata.name);

describe('moreImportantPod', () => {
  it.each([
    [pod('a', { prio: 10 }), pod('b', { prio: 5 }), true],
    [pod('a', { prio: 5 }), pod('b', { prio: 10 }), false],
    [pod('a', { started: '2026-12-04T10:00:00Z' }), pod('b', { started: '2026-12-04T11:00:00Z' }), true],
    // not started yet counts as starting now: later than any started pod
    [pod('a'), pod('b', { started: '2026-12-04T11:00:00Z' }), false],
  ])('#%#', (a, b, want) => {
    expect(moreImportantPod(a, b, NOW)).toBe(want);
  });
});

describe('podIneligibleToPreempt', () => {
  const n1 = makeNode('n1', { cpu: '2' });
  const cases: [string, SchedPod, SchedPod[], string | undefined][] = [
    ['an ordinary pod may preempt', pod('p', { prio: 100 }), [], undefined],
    ['preemptionPolicy Never', pod('p', { prio: 100, policy: 'Never' }), [], MSG_PREEMPTION_POLICY_NEVER],
    [
      'a victim of its earlier preemption is still terminating on the nominated node',
      pod('p', { prio: 100, nominated: 'n1' }),
      [pod('v', { prio: 1, node: 'n1', terminatingByPreemption: true })],
      MSG_TERMINATING_ON_NOMINATED,
    ],
    ['a terminating pod not deleted by preemption does not count', pod('p', { prio: 100, nominated: 'n1' }), [pod('v', { prio: 1, node: 'n1' })], undefined],
    [
      'a terminating pod of higher priority does not count',
      pod('p', { prio: 100, nominated: 'n1' }),
      [pod('v', { prio: 200, node: 'n1', terminatingByPreemption: true })],
      undefined,
    ],
  ];
  for (const [name, p, placed, want] of cases) {
    it(name, () => {
      expect(podIneligibleToPreempt(p, newSnapshot(infos([n1], placed)), undefined)).toBe(want);
    });
  }
  it('a nominated node that no eviction can help makes the pod eligible again', () => {
    const placed = [pod('v', { prio: 1, node: 'n1', terminatingByPreemption: true })];
    const p = pod('p', { prio: 100, nominated: 'n1' });
    expect(podIneligibleToPreempt(p, newSnapshot(infos([n1], placed)), { code: 'UnschedulableAndUnresolvable', reasons: ['x'] })).toBeUndefined();
  });
});

describe('selectVictimsOnNode', () => {
  const n = makeNode('n1', { cpu: '4' });
  const cases: { name: string; preemptor: SchedPod; placed: SchedPod[]; victims?: string[]; reason?: string }[] = [
    {
      name: 'the one lower-priority pod in the way',
      preemptor: pod('p', { prio: 100, cpu: '2' }),
      placed: [pod('low', { prio: 1, cpu: '3', node: 'n1' })],
      victims: ['low'],
    },
    {
      name: 'reprieves the more important pods first: only what must go goes',
      preemptor: pod('p', { prio: 100, cpu: '2' }),
      placed: [pod('a', { prio: 10, cpu: '1', node: 'n1' }), pod('b', { prio: 5, cpu: '1', node: 'n1' }), pod('c', { prio: 1, cpu: '1', node: 'n1' }), pod('d', { prio: 7, cpu: '1', node: 'n1' })],
      victims: ['b', 'c'],
    },
    {
      name: 'equal priorities: the later-started pod is the victim',
      preemptor: pod('p', { prio: 100, cpu: '2' }),
      placed: [
        pod('old', { prio: 1, cpu: '2', node: 'n1', started: '2026-12-04T08:00:00Z' }),
        pod('new', { prio: 1, cpu: '2', node: 'n1', started: '2026-12-04T09:00:00Z' }),
      ],
      victims: ['new'],
    },
    {
      name: 'pods of equal or higher priority are never victims',
      preemptor: pod('p', { prio: 100, cpu: '2' }),
      placed: [pod('same', { prio: 100, cpu: '2', node: 'n1' }), pod('higher', { prio: 200, cpu: '2', node: 'n1' })],
      reason: 'No preemption victims found for incoming pod',
    },
    {
      name: 'evicting every lower-priority pod is still not enough',
      preemptor: pod('p', { prio: 100, cpu: '3' }),
      placed: [pod('higher', { prio: 200, cpu: '2', node: 'n1' }), pod('low', { prio: 1, cpu: '1', node: 'n1' })],
      reason: 'Insufficient cpu',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { state, handle } = fitHandle(c.preemptor);
      const ni = nodeInfoOf(n, c.placed);
      const r = selectVictimsOnNode(state, c.preemptor, ni, handle, NOW);
      if (c.victims) {
        expect(r.status.code).toBe('Success');
        expect(names(r.victims).sort()).toEqual(c.victims);
      } else {
        expect(r.victims).toEqual([]);
        expect(r.status.reasons).toEqual([c.reason]);
      }
      // the snapshot's NodeInfo is left as it was
      expect(ni.pods.length).toBe(c.placed.length);
    });
  }
  it('PDB-violating pods are reprieved first and counted when they must go', () => {
    const preemptor = pod('p', { prio: 100, cpu: '3' });
    const placed = [pod('guarded', { prio: 1, cpu: '1', node: 'n1' }), pod('free', { prio: 1, cpu: '1', node: 'n1' }), pod('x', { prio: 1, cpu: '2', node: 'n1' })];
    const { state, handle } = fitHandle(preemptor);
    const r = selectVictimsOnNode(state, preemptor, nodeInfoOf(n, placed), handle, NOW, (v) => v.metadata.name === 'guarded');
    expect(names(r.victims).sort()).toEqual(['free', 'x']);
    expect(r.numPDBViolations).toBe(0);
    const all = pod('q', { prio: 100, cpu: '4' });
    const h = fitHandle(all);
    const r2 = selectVictimsOnNode(h.state, all, nodeInfoOf(n, placed), h.handle, NOW, (v) => v.metadata.name === 'guarded');
    expect(names(r2.victims).sort()).toEqual(['free', 'guarded', 'x']);
    expect(r2.numPDBViolations).toBe(1);
  });
});

describe('pickOneNodeForPreemption', () => {
  const c = (name: string, victims: SchedPod[], numPDBViolations = 0): Candidate => ({ name, victims, numPDBViolations });
  const cases: [string, Candidate[], string | undefined][] = [
    ['no candidates', [], undefined],
    ['fewest PDB violations first', [c('a', [pod('x', { prio: 1 })], 1), c('b', [pod('y', { prio: 50 }), pod('z', { prio: 50 })], 0)], 'b'],
    ['then the lowest highest-priority victim', [c('a', [pod('x', { prio: 10 })]), c('b', [pod('y', { prio: 5 }), pod('z', { prio: 5 })])], 'b'],
    ['then the lowest sum of priorities', [c('a', [pod('x', { prio: 5 }), pod('w', { prio: 4 })]), c('b', [pod('y', { prio: 5 }), pod('z', { prio: 3 })])], 'b'],
    ['negative priorities: more victims still cost more', [c('a', [pod('x', { prio: -5 }), pod('w', { prio: -5 })]), c('b', [pod('y', { prio: -5 })])], 'b'],
    ['then the fewest victims', [c('a', [pod('x', { prio: 0 }), pod('w', { prio: 0 })]), c('b', [pod('y', { prio: 0 })])], 'b'],
    [
      'then the latest start among the most important victims',
      [c('a', [pod('x', { prio: 5, started: '2026-12-04T08:00:00Z' })]), c('b', [pod('y', { prio: 5, started: '2026-12-04T09:00:00Z' })])],
      'b',
    ],
    ['a full tie: the first', [c('a', [pod('x', { prio: 5 })]), c('b', [pod('y', { prio: 5 })])], 'a'],
  ];
  for (const [name, candidates, want] of cases) {
    it(name, () => {
      expect(pickOneNodeForPreemption(candidates, NOW)?.name).toBe(want);
    });
  }
});

describe('numCandidates (10% of the nodes, at least 100, at most all)', () => {
  it.each([
    [3, 3],
    [100, 100],
    [500, 100],
    [5000, 500],
  ])('%i nodes -> %i', (n, want) => expect(numCandidates(n)).toBe(want));
});

describe('preemption through schedulePod (the default profile)', () => {
  const run = (p: SchedPod, nodes: SchedNode[], placed: SchedPod[]) =>
    schedulePod(p, newSnapshot(infos(nodes, placed)), defaultProfile({ preemption: { now: () => NOW, random: () => 0 } }), { random: () => 0 });

  it('nominates the node whose victims matter least and names them', () => {
    const nodes = [makeNode('cp', { cpu: '4', taints: [CONTROL_PLANE_TAINT] }), makeNode('n1', { cpu: '2' }), makeNode('n2', { cpu: '2' })];
    const placed = [pod('mid', { prio: 50, cpu: '2', node: 'n1' }), pod('low', { prio: 10, cpu: '2', node: 'n2' })];
    const r = run(pod('p', { prio: 100, cpu: '2' }), nodes, placed);
    expect('unschedulable' in r && r.preemption).toBeTruthy();
    if (!('unschedulable' in r)) return;
    expect(r.preemption!.nominatedNodeName).toBe('n2');
    expect(names(r.preemption!.victims)).toEqual(['low']);
    // The FailedScheduling of this cycle: a successful PostFilter adds nothing to it.
    expect(r.message).toBe('0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.');
  });

  it('no lower-priority pods anywhere: the reasons per node, with the prefix', () => {
    const nodes = [makeNode('cp', { cpu: '4', taints: [CONTROL_PLANE_TAINT] }), makeNode('n1', { cpu: '2' }), makeNode('n2', { cpu: '2' })];
    const placed = [pod('a', { prio: 100, cpu: '2', node: 'n1' }), pod('b', { prio: 100, cpu: '2', node: 'n2' })];
    const r = run(pod('p', { prio: 100, cpu: '2' }), nodes, placed);
    if (!('unschedulable' in r)) throw new Error('expected unschedulable');
    expect(r.message).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.' +
        ' preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..',
    );
    // a plan that clears any nomination the pod had
    expect(r.preemption).toEqual({ nominatedNodeName: '', victims: [] });
  });

  it('preemptionPolicy Never: no plan, upstream message', () => {
    const r = run(pod('p', { prio: 100, cpu: '2', policy: 'Never' }), [makeNode('n1', { cpu: '2' })], [pod('low', { prio: 1, cpu: '2', node: 'n1' })]);
    if (!('unschedulable' in r)) throw new Error('expected unschedulable');
    expect(r.preemption).toBeUndefined();
    expect(r.message).toBe('0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..');
  });

  it('without the plugin the message has no preemption part (upstream with PostFilter disabled)', () => {
    const r = schedulePod(pod('p', { prio: 100, cpu: '2' }), newSnapshot(infos([makeNode('n1', { cpu: '2' })], [pod('low', { prio: 1, cpu: '2', node: 'n1' })])), defaultProfile({ preemption: false }));
    if (!('unschedulable' in r)) throw new Error('expected unschedulable');
    expect(r.message).toBe('0/1 nodes are available: 1 Insufficient cpu.');
    expect(r.preemption).toBeUndefined();
  });
});

describe('nominated pods (upstream RunFilterPluginsWithNominatedPods)', () => {
  const nodes = [makeNode('n1', { cpu: '2' })];
  const nominee = pod('nominee', { prio: 1000, cpu: '1500m', nominated: 'n1' });
  const run = (p: SchedPod) =>
    schedulePod(p, newSnapshot(infos(nodes, []), { nominated: new Map([['n1', [nominee]]]) }), defaultProfile({ preemption: { now: () => NOW, random: () => 0 } }), { random: () => 0 });

  it('a pod of lower priority leaves the room kept for a nominated pod', () => {
    const r = run(pod('later', { prio: 10, cpu: '1' }));
    if (!('unschedulable' in r)) throw new Error(`expected unschedulable, got ${JSON.stringify(r)}`);
    expect(r.message).toBe('0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..');
  });
  it('a pod of higher priority does not wait for it', () => {
    expect(run(pod('urgent', { prio: 5000, cpu: '1' }))).toMatchObject({ nodeName: 'n1' });
  });
  it('the nominated pod itself fits its node', () => {
    expect(run(nominee)).toMatchObject({ nodeName: 'n1' });
  });
  it('a small pod fits next to it', () => {
    expect(run(pod('small', { prio: 10, cpu: '500m' }))).toMatchObject({ nodeName: 'n1' });
  });
});

