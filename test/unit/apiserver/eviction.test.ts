/**
 * Evictions that honour PodDisruptionBudgets (upstream 1.32's EvictionREST): the pure decisions as tables, then
 * the whole path on the in-process registry (the same stores, compare-and-swap and graceful deletion as the server).
 */
import { describe, expect, it } from 'vitest';
import {
  canIgnorePDB,
  checkAndDecrement,
  MULTIPLE_PDBS_MESSAGE,
  planEviction,
  podDisruptionBudgetsFor,
  shouldEnforceResourceVersion,
  withDisruptionTarget,
} from '../../../control-plane/apiserver/eviction.js';
import { InProcessClient } from '../../../control-plane/apiserver/in-process-client.js';
import { KubeError } from '../../../api/errors.js';
import { findResource } from '../../../api/resources.js';
import type { Pod, PodDisruptionBudget, Relaxed } from '../../../api/types/index.js';

type Loose = Record<string, any>;
type PDB = Relaxed<PodDisruptionBudget>;

const NOW = new Date('2026-01-01T12:00:00Z');

const pod = (o: { phase?: string; ready?: boolean; deleting?: boolean; labels?: Record<string, string>; ns?: string } = {}): Relaxed<Pod> => ({
  metadata: { name: 'p', namespace: o.ns ?? 'default', labels: o.labels ?? { app: 'web' }, ...(o.deleting ? { deletionTimestamp: '2026-01-01T11:00:00Z' } : {}) },
  status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
});
const pdb = (name: string, o: { selector?: Loose | null; status?: PDB['status']; policy?: string; ns?: string; generation?: number } = {}): PDB => ({
  metadata: { name, namespace: o.ns ?? 'default', generation: o.generation ?? 1 },
  // A stored PDB may hold a null selector (JSON null), which the Relaxed view does not name.
  spec: { minAvailable: 1, selector: o.selector === undefined ? { matchLabels: { app: 'web' } } : o.selector, ...(o.policy ? { unhealthyPodEvictionPolicy: o.policy } : {}) } as PDB['spec'],
  status: { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, ...(o.status ?? {}) },
});

describe('which pods skip the budget', () => {
  it.each([
    ['Running', false, false, true],
    ['Pending', false, true, true],
    ['Succeeded', false, true, false],
    ['Failed', false, true, false],
    ['Running (deleting)', true, true, false],
  ] as const)('%s: ignore PDBs %s, enforce resourceVersion %s', (phase, deleting, ignore, enforce) => {
    const p = pod({ phase: phase.split(' ')[0]!, deleting });
    expect(canIgnorePDB(p)).toBe(ignore);
    expect(shouldEnforceResourceVersion(p)).toBe(enforce);
  });
});

describe('podDisruptionBudgetsFor', () => {
  it('keeps PDBs of the pod namespace whose selector matches; an empty, null or invalid selector matches nothing', () => {
    const found = podDisruptionBudgetsFor(pod(), [
      pdb('match'),
      pdb('other-labels', { selector: { matchLabels: { app: 'db' } } }),
      pdb('other-ns', { ns: 'kube-system' }),
      pdb('empty', { selector: {} }),
      pdb('null', { selector: null }),
      pdb('invalid', { selector: { matchExpressions: [{ key: 'app', operator: 'Near', values: ['x'] }] } }),
      pdb('expr', { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] } }),
    ]);
    expect(found.map((p) => p.metadata?.name)).toEqual(['match', 'expr']);
  });
});

describe('planEviction', () => {
  it.each([
    ['no PDB: delete', pod(), [], { kind: 'delete' }],
    ['two PDBs: the 500 answer', pod(), [pdb('a'), pdb('b')], { kind: 'multiple-pdbs' }],
    ['a ready pod takes one disruption', pod(), [pdb('a')], { kind: 'decrement', pdb: 'a' }],
    ['unready, AlwaysAllow: deleted without counting', pod({ ready: false }), [pdb('a', { policy: 'AlwaysAllow', status: { currentHealthy: 0, desiredHealthy: 5 } })], { kind: 'delete-unhealthy', pdb: 'a' }],
    ['unready, IfHealthyBudget, budget healthy: deleted without counting', pod({ ready: false }), [pdb('a', { policy: 'IfHealthyBudget', status: { currentHealthy: 2, desiredHealthy: 2 } })], { kind: 'delete-unhealthy', pdb: 'a' }],
    ['unready, no policy (IfHealthyBudget), budget healthy', pod({ ready: false }), [pdb('a', { status: { currentHealthy: 3, desiredHealthy: 2 } })], { kind: 'delete-unhealthy', pdb: 'a' }],
    ['unready, budget not healthy: must take a disruption', pod({ ready: false }), [pdb('a', { status: { currentHealthy: 1, desiredHealthy: 2 } })], { kind: 'decrement', pdb: 'a' }],
    ['unready, desiredHealthy 0: must take a disruption', pod({ ready: false }), [pdb('a', { status: { currentHealthy: 0, desiredHealthy: 0 } })], { kind: 'decrement', pdb: 'a' }],
  ] as const)('%s', (_n, p, pdbs, want) => {
    expect(planEviction(p, pdbs)).toEqual(want);
  });
});

describe('checkAndDecrement', () => {
  it('takes one disruption and records the pod; at 0 the condition says InsufficientPods', () => {
    const before = pdb('web', { status: { disruptionsAllowed: 1 } });
    const after = checkAndDecrement(before, 'p1', NOW);
    expect(after.status).toMatchObject({ disruptionsAllowed: 0, disruptedPods: { p1: '2026-01-01T12:00:00Z' } });
    expect(after.status?.conditions).toEqual([
      { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: 1, lastTransitionTime: '2026-01-01T12:00:00Z' },
    ]);
    expect(before.status?.disruptionsAllowed).toBe(1); // pure
    expect(checkAndDecrement(pdb('web', { status: { disruptionsAllowed: 3 } }), 'p1', NOW).status?.conditions).toBeUndefined();
  });

  it.each([
    [
      'no disruption allowed: 429 with the DisruptionBudget cause',
      pdb('web', { status: { disruptionsAllowed: 0, desiredHealthy: 2, currentHealthy: 2 } }),
      429,
      "Cannot evict pod as it would violate the pod's disruption budget.",
      { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }] },
    ],
    [
      'a generation the controller has not observed: 429, retry after 10 s',
      pdb('web', { generation: 2 }),
      429,
      "Cannot evict pod as it would violate the pod's disruption budget.",
      { retryAfterSeconds: 10, causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }] },
    ],
    ['a negative budget: 403', pdb('web', { status: { disruptionsAllowed: -1 } }), 403, 'poddisruptionbudget.policy "web" is forbidden: pdb disruptions allowed is negative', undefined],
    [
      'too many unconfirmed evictions: 403',
      pdb('web', { status: { disruptedPods: Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`p${i}`, '2026-01-01T12:00:00Z'])) } }),
      403,
      'poddisruptionbudget.policy "web" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller',
      undefined,
    ],
  ] as const)('%s', (_n, p, code, message, details) => {
    let err: unknown;
    try {
      checkAndDecrement(p, 'p1', NOW);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KubeError);
    const st = (err as KubeError).toStatus();
    expect(st).toMatchObject({ code, message });
    if (details) expect(st.details).toEqual(details);
  });
});

describe('withDisruptionTarget', () => {
  it('adds upstream 1.32 condition once', () => {
    const p = withDisruptionTarget(pod(), NOW)!;
    expect(p.status?.conditions?.[1]).toEqual({
      type: 'DisruptionTarget',
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: '2026-01-01T12:00:00Z',
      reason: 'EvictionByEvictionAPI',
      message: 'Eviction API: evicting',
    });
    expect(withDisruptionTarget(p, NOW)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------- the whole path

const PODS = findResource('', 'pods')!;
const PDBS = findResource('policy', 'poddisruptionbudgets')!;

async function runningPod(c: InProcessClient, name: string, o: { ready?: boolean; node?: string } = {}): Promise<void> {
  await c.create(PODS, 'default', { metadata: { name, labels: { app: 'web' } }, spec: { ...(o.node ? { nodeName: o.node } : {}), containers: [{ name: 'c', image: 'nginx' }] } });
  const cur = await c.get<Loose>(PODS, 'default', name);
  cur.status = { ...cur.status, phase: 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] };
  await c.updateStatus(PODS, cur);
}

async function budget(c: InProcessClient, name: string, status: Loose, spec: Loose = { minAvailable: 1 }): Promise<void> {
  await c.create(PDBS, 'default', { metadata: { name }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } });
  const cur = await c.get<Loose>(PDBS, 'default', name);
  cur.status = { observedGeneration: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 0, ...status };
  await c.updateStatus(PDBS, cur);
}

const gone = async (c: InProcessClient, name: string) => c.get(PODS, 'default', name).then(() => false, (e: KubeError) => e.reason === 'NotFound');

describe('evictions on the registry', () => {
  it('a budget with no disruption left: 429, nothing changes', async () => {
    const c = new InProcessClient();
    await runningPod(c, 'a');
    await budget(c, 'web', { disruptionsAllowed: 0, desiredHealthy: 2, currentHealthy: 2 });
    const pdbBefore = await c.get<Loose>(PDBS, 'default', 'web');
    await expect(c.evict('default', 'a')).rejects.toMatchObject({
      httpStatus: 429,
      reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }] },
    });
    expect(await gone(c, 'a')).toBe(false);
    expect((await c.get<Loose>(PODS, 'default', 'a')).status.conditions.map((x: Loose) => x.type)).toEqual(['Ready']);
    expect((await c.get<Loose>(PDBS, 'default', 'web')).metadata.resourceVersion).toBe(pdbBefore.metadata.resourceVersion);
  });

  it('a dry run decides but writes nothing; the real one takes the disruption, records the pod and deletes it', async () => {
    const c = new InProcessClient();
    await runningPod(c, 'a');
    await budget(c, 'web', { disruptionsAllowed: 1 });
    await c.evict('default', 'a', { dryRun: true });
    expect(await gone(c, 'a')).toBe(false);
    expect((await c.get<Loose>(PDBS, 'default', 'web')).status).not.toHaveProperty('disruptedPods');
    expect((await c.get<Loose>(PDBS, 'default', 'web')).status.disruptionsAllowed).toBe(1);

    await c.evict('default', 'a');
    expect(await gone(c, 'a')).toBe(true);
    const st = (await c.get<Loose>(PDBS, 'default', 'web')).status;
    expect(st.disruptionsAllowed).toBe(0);
    expect(Object.keys(st.disruptedPods)).toEqual(['a']);
    expect(st.conditions[0]).toMatchObject({ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' });
    // The budget is spent: the next pod is refused.
    await runningPod(c, 'b');
    await expect(c.evict('default', 'b')).rejects.toMatchObject({ httpStatus: 429 });
  });

  it('a pod on a node keeps going gracefully, with the DisruptionTarget condition', async () => {
    const c = new InProcessClient();
    await runningPod(c, 'a', { node: 'n1' });
    await budget(c, 'web', { disruptionsAllowed: 1 });
    await c.evict('default', 'a');
    const p = await c.get<Loose>(PODS, 'default', 'a');
    expect(p.metadata.deletionTimestamp).toBeTruthy();
    expect(p.status.conditions).toContainEqual(expect.objectContaining({ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' }));
  });

  it('two PDBs over one pod: 500 with upstream message, the pod stays', async () => {
    const c = new InProcessClient();
    await runningPod(c, 'a');
    await budget(c, 'one', { disruptionsAllowed: 5 });
    await budget(c, 'two', { disruptionsAllowed: 5 });
    await expect(c.evict('default', 'a')).rejects.toMatchObject({ httpStatus: 500, message: MULTIPLE_PDBS_MESSAGE });
    expect(await gone(c, 'a')).toBe(false);
  });

  it('a Pending pod and a terminal pod go whatever the budget says', async () => {
    const c = new InProcessClient();
    await c.create(PODS, 'default', { metadata: { name: 'pending', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    await runningPod(c, 'done');
    const done = await c.get<Loose>(PODS, 'default', 'done');
    done.status.phase = 'Succeeded';
    await c.updateStatus(PODS, done);
    await budget(c, 'web', { disruptionsAllowed: 0 });
    await c.evict('default', 'pending');
    await c.evict('default', 'done');
    expect(await gone(c, 'pending')).toBe(true);
    expect(await gone(c, 'done')).toBe(true);
    expect((await c.get<Loose>(PDBS, 'default', 'web')).status.disruptionsAllowed).toBe(0);
  });

  it('an unready pod: AlwaysAllow lets it go without spending the budget; IfHealthyBudget only while the budget is healthy', async () => {
    const c = new InProcessClient();
    await runningPod(c, 'a', { ready: false });
    await budget(c, 'web', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 }, { minAvailable: 2, unhealthyPodEvictionPolicy: 'IfHealthyBudget' });
    await expect(c.evict('default', 'a')).rejects.toMatchObject({ httpStatus: 429 });
    const cur = await c.get<Loose>(PDBS, 'default', 'web');
    cur.spec.unhealthyPodEvictionPolicy = 'AlwaysAllow';
    const updated = await c.update<Loose>(PDBS, cur);
    // A spec change moves the generation: the controller must observe it first.
    expect(updated.metadata.generation).toBe(2);
    updated.status.observedGeneration = 2;
    await c.updateStatus(PDBS, updated);
    await c.evict('default', 'a');
    expect(await gone(c, 'a')).toBe(true);
    expect((await c.get<Loose>(PDBS, 'default', 'web')).status).not.toHaveProperty('disruptedPods');
  });
});
