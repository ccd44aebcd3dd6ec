import { describe, expect, it } from 'vitest';
import {
  BURST_REPLICAS,
  decideReplicaSet,
  podFromTemplate,
  replicaSetRequeueAfterMs,
  replicaSetStatus,
  replicaSetStatusChanged,
} from '../../../control-plane/controllers/replicaset/decide.js';
import { ControllerExpectations, EXPECTATIONS_TIMEOUT_MS } from '../../../control-plane/controllers/util/expectations.js';
import { activePodLess, podsToDelete, rankPods } from '../../../control-plane/controllers/util/ranking.js';
import { slowStartBatch, slowStartBatchSizes } from '../../../control-plane/controllers/util/slowstart.js';
import type { Pod, ReplicaSet } from '../../../control-plane/controllers/util/types.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const iso = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function rs(over: Partial<ReplicaSet['spec']> = {}, meta: Partial<NonNullable<ReplicaSet['metadata']>> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'default', uid: 'rs-uid', generation: 2, ...meta },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      ...over,
    },
  };
}

interface PodOpts {
  name: string;
  owner?: string | null;
  labels?: Record<string, string>;
  node?: string;
  phase?: string;
  ready?: boolean;
  readySecondsAgo?: number;
  createdSecondsAgo?: number;
  deleting?: boolean;
  restarts?: number;
  cost?: number;
}

function pod(o: PodOpts): Pod {
  const p: Pod = {
    metadata: {
      name: o.name,
      namespace: 'default',
      uid: `uid-${o.name}`,
      labels: o.labels ?? { app: 'web', tier: 'fe' },
      creationTimestamp: iso(o.createdSecondsAgo ?? 100),
    },
    spec: { nodeName: o.node },
    status: { phase: o.phase ?? 'Running', containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0 }] },
  };
  if (o.owner !== null) p.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: o.owner ?? 'rs-uid', controller: true }];
  if (o.deleting) p.metadata!.deletionTimestamp = iso(1);
  if (o.cost !== undefined) p.metadata!.annotations = { 'controller.kubernetes.io/pod-deletion-cost': String(o.cost) };
  if (o.ready !== undefined) p.status!.conditions = [{ type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: iso(o.readySecondsAgo ?? 50) }];
  return p;
}

describe('decideReplicaSet', () => {
  const cases: { name: string; rs: ReplicaSet; pods: Pod[]; satisfied?: boolean; create: number; del: string[]; adopt?: string[]; release?: string[] }[] = [
    { name: 'creates the missing replicas', rs: rs(), pods: [pod({ name: 'a', node: 'n1', ready: true })], create: 2, del: [] },
    { name: 'nothing to do at the right size', rs: rs({ replicas: 1 }), pods: [pod({ name: 'a', node: 'n1', ready: true })], create: 0, del: [] },
    {
      name: 'deletes the unscheduled pod first',
      rs: rs({ replicas: 1 }),
      pods: [pod({ name: 'a', node: 'n1', ready: true }), pod({ name: 'b', phase: 'Pending' })],
      create: 0,
      del: ['b'],
    },
    {
      name: 'terminating and terminated pods do not count',
      rs: rs({ replicas: 2 }),
      pods: [pod({ name: 'a', node: 'n1' }), pod({ name: 'b', node: 'n1', deleting: true }), pod({ name: 'c', node: 'n1', phase: 'Failed' })],
      create: 1,
      del: [],
    },
    {
      name: 'adopts a matching orphan instead of creating',
      rs: rs({ replicas: 2 }),
      pods: [pod({ name: 'a', node: 'n1' }), pod({ name: 'o', owner: null, node: 'n2' })],
      create: 0,
      del: [],
      adopt: ['o'],
    },
    {
      name: 'ignores orphans that do not match and pods of other owners',
      rs: rs({ replicas: 2 }),
      pods: [pod({ name: 'x', owner: null, labels: { app: 'db' } }), pod({ name: 'y', owner: 'other-uid' })],
      create: 2,
      del: [],
    },
    {
      name: 'releases an owned pod whose labels stopped matching',
      rs: rs({ replicas: 1 }),
      pods: [pod({ name: 'a' }), pod({ name: 'b', labels: { app: 'debug' } })],
      create: 0,
      del: [],
      release: ['b'],
    },
    { name: 'waits while expectations are pending', rs: rs(), pods: [], satisfied: false, create: 0, del: [] },
    { name: 'does nothing when being deleted', rs: rs({}, { deletionTimestamp: iso(1) }), pods: [], create: 0, del: [] },
    { name: 'caps creates at the burst', rs: rs({ replicas: 2000 }), pods: [], create: BURST_REPLICAS, del: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decideReplicaSet({ rs: c.rs, pods: c.pods, expectationsSatisfied: c.satisfied ?? true, now: NOW });
      expect(d.create).toBe(c.create);
      expect(d.delete.map((p) => p.metadata?.name)).toEqual(c.del);
      expect(d.claims.adopt.map((a) => a.obj.metadata?.name)).toEqual(c.adopt ?? []);
      expect(d.claims.release.map((r) => r.obj.metadata?.name)).toEqual(c.release ?? []);
    });
  }
});

describe('deletion order (ActivePodsWithRanks)', () => {
  const cases: { name: string; first: PodOpts; second: PodOpts }[] = [
    { name: 'unscheduled before scheduled', first: { name: 'a' }, second: { name: 'b', node: 'n1' } },
    { name: 'pending before unknown', first: { name: 'a', node: 'n', phase: 'Pending' }, second: { name: 'b', node: 'n', phase: 'Unknown' } },
    { name: 'unknown before running', first: { name: 'a', node: 'n', phase: 'Unknown' }, second: { name: 'b', node: 'n', phase: 'Running' } },
    { name: 'not ready before ready', first: { name: 'a', node: 'n', ready: false }, second: { name: 'b', node: 'n', ready: true } },
    { name: 'lower deletion cost first', first: { name: 'a', node: 'n', ready: true, cost: -5 }, second: { name: 'b', node: 'n', ready: true, cost: 10 } },
    {
      name: 'ready for less time first (log scale)',
      first: { name: 'a', node: 'n', ready: true, readySecondsAgo: 10 },
      second: { name: 'b', node: 'n', ready: true, readySecondsAgo: 1000 },
    },
    { name: 'more restarts first', first: { name: 'a', node: 'n', restarts: 5 }, second: { name: 'b', node: 'n', restarts: 0 } },
    { name: 'newer first', first: { name: 'a', node: 'n', createdSecondsAgo: 5 }, second: { name: 'b', node: 'n', createdSecondsAgo: 5000 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const a = { pod: pod(c.first), rank: 0 };
      const b = { pod: pod(c.second), rank: 0 };
      expect(activePodLess(a, b, NOW)).toBe(true);
      expect(activePodLess(b, a, NOW)).toBe(false);
    });
  }

  it('prefers a pod doubled up with related pods on its node', () => {
    const p1 = pod({ name: 'a', node: 'n1', ready: true, readySecondsAgo: 100 });
    const p2 = pod({ name: 'b', node: 'n2', ready: true, readySecondsAgo: 100 });
    const related = [p1, pod({ name: 'r1', node: 'n1' }), p2];
    const ranked = rankPods([p1, p2], related);
    expect(ranked.map((r) => r.rank)).toEqual([2, 1]);
    expect(podsToDelete([p2, p1], related, 1, NOW).map((p) => p.metadata?.name)).toEqual(['a']);
  });

  it('picks the scale-down victims in upstream order', () => {
    const pods = [
      pod({ name: 'ready-old', node: 'n', ready: true, readySecondsAgo: 5000, createdSecondsAgo: 6000 }),
      pod({ name: 'pending', node: 'n', phase: 'Pending' }),
      pod({ name: 'unscheduled', phase: 'Pending' }),
      pod({ name: 'notready', node: 'n', ready: false }),
      pod({ name: 'ready-new', node: 'n', ready: true, readySecondsAgo: 5, createdSecondsAgo: 10 }),
    ];
    expect(podsToDelete(pods, [], 4, NOW).map((p) => p.metadata?.name)).toEqual(['unscheduled', 'pending', 'notready', 'ready-new']);
  });
});

describe('slow start', () => {
  it.each([
    [0, []],
    [1, [1]],
    [3, [1, 2]],
    [10, [1, 2, 4, 3]],
    [16, [1, 2, 4, 8, 1]],
  ])('%i calls run in batches %j', (n, sizes) => {
    expect(slowStartBatchSizes(n as number, 1)).toEqual(sizes);
  });

  it('stops after the first failing batch', async () => {
    let calls = 0;
    const r = await slowStartBatch(10, 1, async (i) => {
      calls++;
      if (i === 2) throw new Error('quota');
    });
    // batches 1 (ok), 2 (one fails): 3 calls, 2 successes, the rest never tried
    expect(calls).toBe(3);
    expect(r.successes).toBe(2);
    expect((r.error as Error).message).toBe('quota');
  });
});

describe('expectations', () => {
  it('blocks until every expected creation is observed, then expires', () => {
    let now = 0;
    const e = new ControllerExpectations(() => now);
    expect(e.satisfied('ns/rs')).toBe(true);
    e.expectCreations('ns/rs', 2);
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(true);
    e.expectCreations('ns/rs', 1);
    now = EXPECTATIONS_TIMEOUT_MS + 1;
    expect(e.satisfied('ns/rs')).toBe(true);
  });

  it('counts only the deletions it asked for', () => {
    const e = new ControllerExpectations(() => 0);
    e.expectDeletions('ns/rs', ['ns/a']);
    e.deletionObserved('ns/rs', 'ns/other');
    expect(e.satisfied('ns/rs')).toBe(false);
    e.deletionObserved('ns/rs', 'ns/a');
    expect(e.satisfied('ns/rs')).toBe(true);
  });
});

describe('replicaSetStatus', () => {
  it('counts replicas, fully labeled, ready and available (minReadySeconds)', () => {
    const r = rs({ minReadySeconds: 30 });
    const owned = [
      pod({ name: 'a', ready: true, readySecondsAgo: 60 }),
      pod({ name: 'b', ready: true, readySecondsAgo: 10 }),
      pod({ name: 'c', ready: false, labels: { app: 'web' } }),
    ];
    const st = replicaSetStatus(r, owned, NOW);
    expect(st).toEqual({ replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 2 });
    expect(replicaSetStatusChanged(r, st)).toBe(true);
    expect(replicaSetStatusChanged({ ...r, status: st }, st)).toBe(false);
    expect(replicaSetRequeueAfterMs(r, st)).toBe(30_000);
  });

  it('sets and clears the ReplicaFailure condition', () => {
    const st = replicaSetStatus(rs(), [], NOW, { op: 'create', message: 'pods "web-" is forbidden: exceeded quota' });
    expect(st.conditions).toEqual([
      expect.objectContaining({ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "web-" is forbidden: exceeded quota' }),
    ]);
    const cleared = replicaSetStatus({ ...rs(), status: st }, [], NOW);
    expect(cleared.conditions).toBeUndefined();
  });
});

describe('podFromTemplate', () => {
  it('makes a pod with generateName and a blocking controller reference', () => {
    const p = podFromTemplate(rs());
    expect(p.metadata?.generateName).toBe('web-');
    expect(p.metadata?.name).toBeUndefined();
    expect(p.metadata?.labels).toEqual({ app: 'web', tier: 'fe' });
    expect(p.metadata?.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true },
    ]);
    expect(p.spec?.containers?.[0]?.image).toBe('nginx');
  });
});
