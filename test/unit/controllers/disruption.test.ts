/**
 * The disruption controller (pkg/controller/disruption): its pure decision (counts, budget, condition, failSafe,
 * disruptedPods expiry, stale DisruptionTarget conditions) as tables, then the adapter on the in-process API.
 */
import { setMaxListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  DELETION_TIMEOUT_MS,
  STALE_POD_DISRUPTION_TIMEOUT_MS,
  decideDisruption,
  staleDisruptionCondition,
  type DisruptionInputs,
  type PDB,
} from '../../../control-plane/controllers/disruption/decide.js';
import { DisruptionController } from '../../../control-plane/controllers/disruption/controller.js';
import { R, newControllerContext } from '../../../control-plane/controllers/util/context.js';
import { InformerFactory } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { InProcessApi } from '../../support/in-process-api.js';
import type { Deployment, Pod, ReplicaSet, ReplicationController, StatefulSet } from '../../../control-plane/controllers/util/types.js';
import { rfc3339 } from '../../../api/time.js';

const T0 = Date.parse('2026-01-01T12:00:00Z');

const deploy: Deployment = { metadata: { name: 'web', namespace: 'default', uid: 'd-uid' }, spec: { replicas: 4, selector: {}, template: {} } };
const rs: ReplicaSet = {
  metadata: { name: 'web-abc', namespace: 'default', uid: 'rs-uid', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true }] },
  spec: { replicas: 4, selector: {} },
};
const bareRs: ReplicaSet = { metadata: { name: 'solo', namespace: 'default', uid: 'solo-uid' }, spec: { replicas: 3, selector: {} } };
const rc: ReplicationController = { metadata: { name: 'legacy', namespace: 'default', uid: 'rc-uid' }, spec: { replicas: 5, selector: { app: 'web' } } };
const sts: StatefulSet = { metadata: { name: 'db', namespace: 'default', uid: 'sts-uid' }, spec: { replicas: 3, selector: {}, serviceName: 'db', template: {} } };

const OWNERS = {
  rs: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-uid', controller: true },
  solo: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'solo', uid: 'solo-uid', controller: true },
  rc: { apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy', uid: 'rc-uid', controller: true },
  sts: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'sts-uid', controller: true },
  staleSts: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'old-uid', controller: true },
};

function pod(name: string, o: { ready?: boolean; deleting?: boolean; owner?: keyof typeof OWNERS | 'none'; labels?: Record<string, string>; ns?: string } = {}): Pod {
  const owner = o.owner ?? 'rs';
  const ref = owner === 'none' ? undefined : [OWNERS[owner]];
  return {
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      labels: o.labels ?? { app: 'web' },
      ...(ref ? { ownerReferences: ref } : {}),
      ...(o.deleting ? { deletionTimestamp: rfc3339(T0) } : {}),
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

function pdb(spec: PDB['spec'], status: PDB['status'] = {}, generation = 1): PDB {
  return { metadata: { name: 'web-pdb', namespace: 'default', generation }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, status };
}

function inputs(pods: Pod[], now = T0): DisruptionInputs {
  const rss = new Map([rs, bareRs].map((r) => [r.metadata!.name!, r]));
  return {
    pods, now,
    replicaSet: (n) => rss.get(n),
    deployment: (n) => (n === 'web' ? deploy : undefined),
    replicationController: (n) => (n === 'legacy' ? rc : undefined),
    statefulSet: (n) => (n === 'db' ? sts : undefined),
  };
}

const counts = (s: PDB['status']) => s && { expectedPods: s.expectedPods, desiredHealthy: s.desiredHealthy, currentHealthy: s.currentHealthy, disruptionsAllowed: s.disruptionsAllowed };

describe('decideDisruption: the budget', () => {
  const four = [pod('a'), pod('b'), pod('c'), pod('d', { ready: false })];
  it.each([
    ['minAvailable integer: expected = pods, desired = minAvailable', { minAvailable: 2 }, four, { expectedPods: 4, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 }],
    ['minAvailable integer equal to the healthy pods: none allowed', { minAvailable: 3 }, four, { expectedPods: 4, desiredHealthy: 3, currentHealthy: 3, disruptionsAllowed: 0 }],
    ['minAvailable above the healthy pods: none allowed, never negative', { minAvailable: 5 }, four, { expectedPods: 4, desiredHealthy: 5, currentHealthy: 3, disruptionsAllowed: 0 }],
    ['minAvailable percent: of the Deployment scale (4), rounded up', { minAvailable: '50%' }, four, { expectedPods: 4, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 }],
    ['minAvailable 30% of 4 rounds up to 2', { minAvailable: '30%' }, four, { expectedPods: 4, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 }],
    ['maxUnavailable integer: desired = scale - 1', { maxUnavailable: 1 }, four, { expectedPods: 4, desiredHealthy: 3, currentHealthy: 3, disruptionsAllowed: 0 }],
    ['maxUnavailable 25% of 4 = 1 (rounded up)', { maxUnavailable: '25%' }, four, { expectedPods: 4, desiredHealthy: 3, currentHealthy: 3, disruptionsAllowed: 0 }],
    ['maxUnavailable above the scale: desired floors at 0', { maxUnavailable: 10 }, four, { expectedPods: 4, desiredHealthy: 0, currentHealthy: 3, disruptionsAllowed: 3 }],
    ['a ReplicaSet no Deployment controls counts its own replicas', { maxUnavailable: 1 }, [pod('x', { owner: 'solo' }), pod('y', { owner: 'solo' })], { expectedPods: 3, desiredHealthy: 2, currentHealthy: 2, disruptionsAllowed: 0 }],
    // upstream's getPodReplicationController and getPodStatefulSet finders
    ['a ReplicationController counts its replicas (5)', { maxUnavailable: 1 }, [pod('x', { owner: 'rc' }), pod('y', { owner: 'rc' })], { expectedPods: 5, desiredHealthy: 4, currentHealthy: 2, disruptionsAllowed: 0 }],
    ['a StatefulSet counts its replicas (3): 50% rounds up to 2', { minAvailable: '50%' }, [pod('db-0', { owner: 'sts' }), pod('db-1', { owner: 'sts' }), pod('db-2', { owner: 'sts' })], { expectedPods: 3, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 }],
    ['no pods: expected 0, nothing allowed', { minAvailable: 0 }, [], { expectedPods: 0, desiredHealthy: 0, currentHealthy: 0, disruptionsAllowed: 0 }],
    ['deleting pods are not healthy', { minAvailable: 1 }, [pod('a'), pod('b', { deleting: true })], { expectedPods: 2, desiredHealthy: 1, currentHealthy: 1, disruptionsAllowed: 0 }],
    ['pods of other labels or namespaces are not counted', { minAvailable: 1 }, [pod('a'), pod('b'), pod('c', { labels: { app: 'db' } }), pod('d', { ns: 'other' })], { expectedPods: 2, desiredHealthy: 1, currentHealthy: 2, disruptionsAllowed: 1 }],
  ] as const)('%s', (_name, spec, pods, want) => {
    const d = decideDisruption(pdb(spec), inputs([...pods]));
    expect(d.error).toBeUndefined();
    expect(counts(d.status)).toEqual(want);
    expect(d.status?.observedGeneration).toBe(1);
  });

  it('an empty selector selects every pod of the namespace, a null one none', () => {
    const all = decideDisruption({ ...pdb({ minAvailable: 1 }), spec: { minAvailable: 1, selector: {} } }, inputs([pod('a'), pod('b', { labels: { x: 'y' } })]));
    expect(all.status?.expectedPods).toBe(2);
    const none = decideDisruption({ ...pdb({ minAvailable: 1 }), spec: { minAvailable: 1 } }, inputs([pod('a')]));
    expect(none.status?.expectedPods).toBe(0);
    expect(none.events).toContainEqual({ on: 'pdb', type: 'Normal', reason: 'NoPods', message: 'No matching pods found' });
  });

  it('sets DisruptionAllowed: True/SufficientPods or False/InsufficientPods, with the observed generation', () => {
    const yes = decideDisruption(pdb({ minAvailable: 1 }, {}, 3), inputs([pod('a'), pod('b')]));
    expect(yes.status?.conditions).toEqual([
      { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 3, lastTransitionTime: rfc3339(T0) },
    ]);
    const no = decideDisruption(pdb({ minAvailable: 2 }), inputs([pod('a'), pod('b')]));
    expect(no.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'InsufficientPods', observedGeneration: 1 });
  });

  it('writes nothing when the stored status already says it all; keeps lastTransitionTime while the status stays', () => {
    const first = decideDisruption(pdb({ minAvailable: 1 }), inputs([pod('a'), pod('b')]));
    const stored = pdb({ minAvailable: 1 }, first.status);
    expect(decideDisruption(stored, inputs([pod('a'), pod('b')], T0 + 60_000)).status).toBeUndefined();
    // One pod more: the counts change, the condition's status (True) does not.
    const later = decideDisruption(stored, inputs([pod('a'), pod('b'), pod('c')], T0 + 60_000));
    expect(later.status?.disruptionsAllowed).toBe(2);
    expect(later.status?.conditions?.[0]?.lastTransitionTime).toBe(rfc3339(T0));
    // A new generation must be observed even when the counts are the same.
    expect(decideDisruption({ ...stored, metadata: { ...stored.metadata, generation: 2 } }, inputs([pod('a'), pod('b')])).status?.observedGeneration).toBe(2);
  });
});

describe('decideDisruption: failSafe', () => {
  it('a percentage with a pod of no known controller: SyncFailed, nothing allowed, the rest of the status kept', () => {
    const stored = { expectedPods: 2, desiredHealthy: 1, currentHealthy: 2, disruptionsAllowed: 1, observedGeneration: 1 };
    const d = decideDisruption(pdb({ minAvailable: '50%' }, stored), inputs([pod('a'), pod('b', { owner: 'none' }), pod('c', { labels: { app: 'web' } })].map((p, i) => (i === 2 ? { ...p, metadata: { ...p.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'ss', controller: true }] } } : p))));
    expect(d.error).toBe('found no controllers for pod "c"');
    expect(d.status).toMatchObject({ ...stored, disruptionsAllowed: 0 });
    expect(d.status?.conditions).toEqual([
      { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: 'found no controllers for pod "c"', observedGeneration: 1, lastTransitionTime: rfc3339(T0) },
    ]);
    expect(d.events.map((e) => e.reason)).toEqual(['CalculateExpectedPodCountFailed']);
  });

  it('a StatefulSet reference whose uid is not the StatefulSet\'s is no controller', () => {
    const d = decideDisruption(pdb({ minAvailable: '50%' }), inputs([pod('db-0', { owner: 'staleSts' })]));
    expect(d.error).toBe('found no controllers for pod "db-0"');
  });

  it('unmanaged pods are only warned about (an integer minAvailable needs no controllers)', () => {
    const d = decideDisruption(pdb({ maxUnavailable: 1 }), inputs([pod('a'), pod('b', { owner: 'none' })]));
    expect(d.error).toBeUndefined();
    expect(d.events.map((e) => e.reason)).toEqual(['UnmanagedPods']);
    expect(d.events[0]?.message).toContain('To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.');
  });

  it('a selector that cannot be parsed fails safe too', () => {
    const bad = { ...pdb({ minAvailable: 1 }), spec: { minAvailable: 1, selector: { matchExpressions: [{ key: 'app', operator: 'Near', values: ['x'] }] } } };
    const d = decideDisruption(bad, inputs([pod('a')]));
    expect(d.error).toMatch(/not a valid label selector operator/);
    expect(d.status?.disruptionsAllowed).toBe(0);
  });
});

describe('decideDisruption: disruptedPods', () => {
  const at = (msAgo: number) => rfc3339(T0 - msAgo);

  it('an approved eviction not yet deleting is not healthy; the PDB is looked at again when it expires', () => {
    const d = decideDisruption(pdb({ minAvailable: 1 }, { disruptedPods: { a: at(30_000) } }), inputs([pod('a'), pod('b'), pod('c')]));
    expect(d.status).toMatchObject({ currentHealthy: 2, disruptionsAllowed: 1, disruptedPods: { a: at(30_000) } });
    expect(d.recheckAfterMs).toBe(DELETION_TIMEOUT_MS - 30_000);
  });

  it('drops pods that are deleting or gone, and entries older than the timeout (with a NotDeleted event on the pod)', () => {
    const d = decideDisruption(
      pdb({ minAvailable: 1 }, { disruptedPods: { a: at(DELETION_TIMEOUT_MS + 1000), b: at(1000), gone: at(1000) } }),
      inputs([pod('a'), pod('b', { deleting: true }), pod('c')]),
    );
    expect(d.status?.disruptedPods).toBeUndefined();
    expect(d.status).toMatchObject({ currentHealthy: 2, disruptionsAllowed: 1 });
    expect(d.recheckAfterMs).toBeUndefined();
    expect(d.events).toContainEqual({ on: { pod: 'a' }, type: 'Warning', reason: 'NotDeleted', message: "Pod was expected by PDB default/default to be deleted but it wasn't" });
  });
});

describe('staleDisruptionCondition', () => {
  const withTarget = (o: { reason?: string; status?: string; phase?: string; deleting?: boolean; ago?: number } = {}): Pod => {
    const p = pod('a', { deleting: o.deleting });
    p.status = {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'DisruptionTarget', status: o.status ?? 'True', reason: o.reason ?? 'EvictionByEvictionAPI', lastTransitionTime: rfc3339(T0 - (o.ago ?? 30_000)) }],
    };
    return p;
  };
  it.each([
    ['set 30 s ago: stale in 90 s', withTarget(), { has: true, waitMs: STALE_POD_DISRUPTION_TIMEOUT_MS - 30_000 }],
    ['set 5 min ago: stale now', withTarget({ ago: 300_000 }), { has: true, waitMs: 0 }],
    ['a pod being deleted is not stale', withTarget({ deleting: true }), { has: false, waitMs: 0 }],
    ['a terminal pod keeps it', withTarget({ phase: 'Failed' }), { has: false, waitMs: 0 }],
    ["the kubelet's condition never goes stale", withTarget({ reason: 'TerminationByKubelet' }), { has: false, waitMs: 0 }],
    ['False already', withTarget({ status: 'False' }), { has: false, waitMs: 0 }],
    ['no condition', pod('a'), { has: false, waitMs: 0 }],
  ] as const)('%s', (_n, p, want) => {
    expect(staleDisruptionCondition(p, T0)).toEqual(want);
  });
});

describe('the disruption controller on the in-process API', () => {
  async function run<T>(api: InProcessApi, opts: { stalePodDisruptionTimeoutMs?: number }, body: () => Promise<T>): Promise<T> {
    const informers = new InformerFactory(api, { logger: silentLogger });
    const ctx = newControllerContext(api, informers, { logger: () => silentLogger });
    const ctl = new DisruptionController(ctx, opts);
    const abort = new AbortController();
    setMaxListeners(50, abort.signal);
    informers.start();
    const running = ctl.run(abort.signal);
    try {
      return await body();
    } finally {
      abort.abort();
      await running;
      await informers.stop();
    }
  }
  const until = async <T>(what: string, f: () => T | undefined, ms = 8000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = f();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const ready = (name: string, extra: Pod['status'] = {}): Pod => ({
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], ...extra },
  });

  it('writes the status of a new PDB and follows a pod turning unready', async () => {
    const api = new InProcessApi();
    await api.seed(R.pods, ready('a'), ready('b'), ready('c'));
    await run(api, {}, async () => {
      await api.create(R.podDisruptionBudgets, 'default', { metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } });
      const st = await until('the status', () => {
        const x = api.peek<PDB>(R.podDisruptionBudgets, 'default', 'web')?.status;
        return x?.observedGeneration === 1 ? x : undefined;
      });
      expect(st).toMatchObject({ expectedPods: 3, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 });
      const c = api.peek<Pod>(R.pods, 'default', 'c')!;
      await api.updateStatus(R.pods, { ...c, status: { ...c.status, conditions: [{ type: 'Ready', status: 'False' }] } });
      await until('the budget spent', () => (api.peek<PDB>(R.podDisruptionBudgets, 'default', 'web')?.status?.disruptionsAllowed === 0 ? true : undefined));
    });
  });

  it('a percentage over a StatefulSet\'s pods reads the StatefulSet\'s scale from its cache', async () => {
    const api = new InProcessApi();
    await api.seed(R.statefulSets, { metadata: { name: 'db', namespace: 'default', uid: 'sts-uid' }, spec: { replicas: 4, serviceName: 'db', selector: { matchLabels: { app: 'web' } }, template: {} } });
    const uid = api.peek<StatefulSet>(R.statefulSets, 'default', 'db')!.metadata!.uid!;
    const owned = (name: string): Pod => ({ ...ready(name), metadata: { ...ready(name).metadata, ownerReferences: [{ ...OWNERS.sts, uid }] } });
    await api.seed(R.pods, owned('db-0'), owned('db-1'), owned('db-2'));
    await run(api, {}, async () => {
      await api.create(R.podDisruptionBudgets, 'default', { metadata: { name: 'db' }, spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } } });
      const st = await until('the status', () => {
        const x = api.peek<PDB>(R.podDisruptionBudgets, 'default', 'db')?.status;
        return x?.observedGeneration === 1 ? x : undefined;
      });
      expect(st).toMatchObject({ expectedPods: 4, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 });
    });
  });

  it('resets a stale DisruptionTarget condition to False (status and reason of the eviction kept otherwise)', async () => {
    const api = new InProcessApi();
    const since = new Date(Date.now() - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await api.seed(R.pods, ready('a', { conditions: [{ type: 'Ready', status: 'True' }, { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: since }] }));
    await run(api, { stalePodDisruptionTimeoutMs: 1500 }, async () => {
      const cond = await until('the condition reset', () => {
        const c = api.peek<Pod>(R.pods, 'default', 'a')?.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
        return c?.status === 'False' ? c : undefined;
      });
      expect(cond).toMatchObject({ status: 'False', reason: 'EvictionByEvictionAPI' });
      expect(cond.lastTransitionTime).not.toBe(since);
    });
  });
});
