import { describe, expect, it } from 'vitest';
import {
  decideDeployment,
  deploymentComplete,
  findActiveOrLatest,
  getProportion,
  newRSNewReplicas,
  type DeploymentAction,
} from '../../../control-plane/controllers/deployment/decide.js';
import { computeHash, fnv32a, safeEncodeString } from '../../../control-plane/controllers/deployment/hash.js';
import {
  equalIgnoreHash,
  maxSurge,
  maxUnavailable,
  resolveFenceposts,
  scaledValue,
  setNewReplicaSetAnnotations,
} from '../../../control-plane/controllers/deployment/util.js';
import type { Deployment, ReplicaSet } from '../../../control-plane/controllers/util/types.js';

const T0 = Date.parse('2026-01-01T12:00:00Z');

function deploy(spec: Partial<NonNullable<Deployment['spec']>> = {}, image = 'nginx:1'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 1 },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      ...spec,
    },
    status: {},
  };
}

describe('surge and unavailable arithmetic', () => {
  it.each([
    // maxSurge, maxUnavailable, replicas -> surge, unavailable
    ['25%', '25%', 10, 3, 2],
    ['25%', '25%', 4, 1, 1],
    ['25%', '25%', 1, 1, 0],
    [0, '25%', 3, 0, 0 + 1 - 1 + 0],
    [0, 0, 5, 0, 1],
    [2, 1, 5, 2, 1],
    ['50%', '10%', 3, 2, 0],
  ])('surge %s unavailable %s of %i -> %i / %i', (s, u, n, surge, unav) => {
    const r = resolveFenceposts(s as string, u as string, n as number);
    expect(r.surge).toBe(surge);
    expect(r.unavailable).toBe(unav === 0 && surge === 0 ? 1 : unav);
  });

  it('rounds percentages: surge up, unavailable down', () => {
    expect(scaledValue('33%', 10, true)).toBe(4);
    expect(scaledValue('33%', 10, false)).toBe(3);
    expect(scaledValue(7, 10, false)).toBe(7);
    expect(() => scaledValue('abc', 10, false)).toThrow();
  });

  it('Recreate has no surge and no unavailability budget; 0 replicas has none', () => {
    expect(maxSurge(deploy({ strategy: { type: 'Recreate' } }))).toBe(0);
    expect(maxUnavailable(deploy({ strategy: { type: 'Recreate' } }))).toBe(0);
    expect(maxUnavailable(deploy({ replicas: 0 }))).toBe(0);
  });
});

describe('pod-template-hash', () => {
  it('is FNV-32a + SafeEncodeString, stable, and changes with the template and collisionCount', () => {
    expect(fnv32a(new TextEncoder().encode(''))).toBe(0x811c9dc5);
    expect(fnv32a(new TextEncoder().encode('a'))).toBe(0xe40c292c);
    expect(safeEncodeString('0123456789')).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
    const t = deploy().spec!.template;
    const h = computeHash(t);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(computeHash(JSON.parse(JSON.stringify(t)))).toBe(h);
    expect(computeHash(deploy({}, 'nginx:2').spec!.template)).not.toBe(h);
    expect(computeHash(t, 1)).not.toBe(h);
  });

  it('templates compare equal ignoring the hash label and empty values', () => {
    const a = deploy().spec!.template!;
    const b = JSON.parse(JSON.stringify(a));
    b.metadata.labels['pod-template-hash'] = 'abc';
    b.metadata.creationTimestamp = null;
    expect(equalIgnoreHash(a, b)).toBe(true);
    b.spec.containers[0].image = 'other';
    expect(equalIgnoreHash(a, b)).toBe(false);
  });
});

/** Apply a decision's ReplicaSet writes to a list (what the API would hold afterwards). */
function applyActions(list: ReplicaSet[], actions: DeploymentAction[], now: number): ReplicaSet[] {
  let out = [...list];
  for (const a of actions) {
    if (a.type === 'event') continue;
    out = out.filter((r) => r.metadata?.name !== a.rs.metadata?.name);
    if (a.type === 'createReplicaSet') {
      out.push({
        ...a.rs,
        metadata: { ...a.rs.metadata, uid: `uid-${a.rs.metadata?.name}`, creationTimestamp: new Date(now).toISOString(), generation: 1 },
        status: { replicas: 0, availableReplicas: 0, readyReplicas: 0, observedGeneration: 1 },
      });
    } else if (a.type === 'updateReplicaSet') out.push(a.rs);
  }
  return out;
}

/**
 * A toy cluster: the ReplicaSet controller makes pods at once (status.replicas = spec), new pods
 * become available one step later; scale-down removes pods at once.
 */
function stepReplicaSets(list: ReplicaSet[]): ReplicaSet[] {
  return list.map((r) => {
    const spec = r.spec?.replicas ?? 0;
    const prevReplicas = r.status?.replicas ?? 0;
    const avail = Math.min(spec, prevReplicas);
    return { ...r, status: { ...r.status, replicas: spec, readyReplicas: avail, availableReplicas: avail, observedGeneration: r.metadata?.generation } };
  });
}

function rollout(d: Deployment, rsList: ReplicaSet[], maxSteps = 50) {
  let list = rsList;
  let dep = d;
  const seen: { total: number; available: number }[] = [];
  for (let i = 0; i < maxSteps; i++) {
    const now = T0 + i * 1000;
    const dec = decideDeployment({ deployment: dep, replicaSets: list, now });
    list = applyActions(list, dec.actions, now);
    if (dec.annotations) dep = { ...dep, metadata: { ...dep.metadata, annotations: { ...dep.metadata?.annotations, ...dec.annotations } } };
    if (dec.status) dep = { ...dep, status: dec.status };
    // pods exist now: the upper bound is checked right after the controller's writes
    const total = list.reduce((n, r) => n + (r.spec?.replicas ?? 0), 0);
    list = stepReplicaSets(list);
    const available = list.reduce((n, r) => n + (r.status?.availableReplicas ?? 0), 0);
    seen.push({ total, available });
    if (dec.actions.length === 0 && !dec.status && !dec.annotations) break;
  }
  return { list, dep, seen };
}

describe('decideDeployment: a new Deployment', () => {
  it('creates the ReplicaSet <name>-<hash> with labels, selector, revision and replica annotations', () => {
    const d = deploy();
    const dec = decideDeployment({ deployment: d, replicaSets: [], now: T0 });
    const create = dec.actions.find((a) => a.type === 'createReplicaSet');
    expect(create?.type).toBe('createReplicaSet');
    const rs = (create as { rs: ReplicaSet }).rs;
    const hash = computeHash(d.spec!.template);
    expect(rs.metadata?.name).toBe(`web-${hash}`);
    expect(rs.metadata?.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.spec?.selector?.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.spec?.template?.metadata?.labels?.['pod-template-hash']).toBe(hash);
    expect(rs.spec?.replicas).toBe(4);
    expect(rs.metadata?.annotations).toEqual({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '4',
      'deployment.kubernetes.io/max-replicas': '5',
    });
    expect(rs.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true, blockOwnerDeletion: true });
    expect(dec.annotations).toEqual({ 'deployment.kubernetes.io/revision': '1' });
    expect(dec.actions).toContainEqual({ type: 'event', eventType: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set web-${hash} from 0 to 4` });
    const progressing = dec.status?.conditions?.find((c) => c.type === 'Progressing');
    expect(progressing).toMatchObject({ status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "web-${hash}"` });
    expect(dec.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
  });

  it('converges to Available and NewReplicaSetAvailable, as kubectl rollout status reads it', () => {
    const { dep, list } = rollout(deploy(), []);
    expect(list).toHaveLength(1);
    expect(dep.status).toMatchObject({ observedGeneration: 1, replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4, unavailableReplicas: 0 });
    expect(deploymentComplete(dep, dep.status!)).toBe(true);
    const cond = (t: string) => dep.status?.conditions?.find((c) => c.type === t);
    expect(cond('Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    expect(cond('Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${list[0]!.metadata?.name}" has successfully progressed.` });
  });
});

describe('decideDeployment: rolling update', () => {
  const strategies: [number | string, number | string, number][] = [
    ['25%', '25%', 4],
    [1, 0, 3],
    [0, 1, 3],
    ['50%', '50%', 6],
    [3, 2, 10],
  ];
  for (const [surge, unav, replicas] of strategies) {
    it(`maxSurge ${surge} maxUnavailable ${unav} replicas ${replicas}: stays within bounds and finishes`, () => {
      const spec = { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unav } } };
      const first = rollout(deploy(spec, 'nginx:1'), []);
      const v2 = { ...deploy(spec, 'nginx:2'), metadata: { ...first.dep.metadata, generation: 2 }, status: first.dep.status };
      const { list, dep, seen } = rollout(v2, first.list, 80);
      const { surge: s, unavailable: u } = resolveFenceposts(surge, unav, replicas);
      for (const x of seen) {
        expect(x.total).toBeLessThanOrEqual(replicas + s);
        expect(x.available).toBeGreaterThanOrEqual(replicas - u);
      }
      const newRS = list.find((r) => r.spec?.template?.spec?.containers?.[0]?.image === 'nginx:2')!;
      const oldRS = list.find((r) => r.spec?.template?.spec?.containers?.[0]?.image === 'nginx:1')!;
      expect(newRS.spec?.replicas).toBe(replicas);
      expect(oldRS.spec?.replicas).toBe(0);
      expect(newRS.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
      expect(dep.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
      expect(dep.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
    });
  }

  it('a stale ReplicaSet status (more available than its spec) never lets the scale-down break minAvailable', () => {
    const d0 = deploy({ replicas: 6, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } } });
    const first = rollout(d0, []);
    const v2 = { ...deploy({ replicas: 6, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } } }, 'nginx:2'), metadata: { ...first.dep.metadata, generation: 2 }, status: first.dep.status };
    let list = applyActions(first.list, decideDeployment({ deployment: v2, replicaSets: first.list, now: T0 }).actions, T0);
    const oldName = first.list[0]!.metadata!.name;
    // The moment seen in a real run: old RS lowered to 5 but its status still counts 6 available; new RS 3 with 2 available.
    list = list.map((r) =>
      r.metadata?.name === oldName
        ? { ...r, spec: { ...r.spec, replicas: 5 }, status: { ...r.status, replicas: 6, availableReplicas: 6, readyReplicas: 6 } }
        : { ...r, spec: { ...r.spec, replicas: 3 }, status: { ...r.status, replicas: 3, availableReplicas: 2, readyReplicas: 2 } },
    );
    const d = decideDeployment({ deployment: v2, replicaSets: list, now: T0 + 1000 });
    const old = (d.actions.filter((a) => a.type === 'updateReplicaSet') as { rs: ReplicaSet }[]).find((a) => a.rs.metadata?.name === oldName);
    // minAvailable = 6 - 1 = 5; available that can be trusted = min(6, 5) + 2 = 7: at most 2 may go.
    expect(old?.rs.spec?.replicas ?? 5).toBeGreaterThanOrEqual(3);
  });

  it('the first step of 25%/25% on 4: new RS to 1 (surge), then old RS down by the availability budget', () => {
    const first = rollout(deploy(), []);
    const v2 = { ...deploy({}, 'nginx:2'), metadata: { ...first.dep.metadata, generation: 2 }, status: first.dep.status };
    const d1 = decideDeployment({ deployment: v2, replicaSets: first.list, now: T0 });
    const creates = d1.actions.filter((a) => a.type === 'createReplicaSet') as { rs: ReplicaSet }[];
    expect(creates[0]!.rs.spec?.replicas).toBe(1);
    // old scaled from 4 to 3 in the same sync: 5 pods, 1 unavailable new -> may remove 4+1-3-1 = 1
    const updates = d1.actions.filter((a) => a.type === 'updateReplicaSet') as { rs: ReplicaSet }[];
    expect(updates.map((u) => u.rs.spec?.replicas)).toEqual([3]);
    expect(d1.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetCreated');
  });

  it('rollback: the old ReplicaSet becomes the new one with the next revision and revision-history', () => {
    const first = rollout(deploy(), []);
    const v2dep = { ...deploy({}, 'nginx:2'), metadata: { ...first.dep.metadata, generation: 2 }, status: first.dep.status };
    const second = rollout(v2dep, first.list, 80);
    // kubectl rollout undo: the template goes back to nginx:1
    const back = { ...deploy({}, 'nginx:1'), metadata: { ...second.dep.metadata, generation: 3 }, status: second.dep.status };
    const third = rollout(back, second.list, 80);
    expect(third.list).toHaveLength(2);
    const v1 = third.list.find((r) => r.spec?.template?.spec?.containers?.[0]?.image === 'nginx:1')!;
    expect(v1.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(v1.metadata?.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(v1.spec?.replicas).toBe(4);
    expect(third.dep.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
  });

  it('copies the change-cause annotation to the new ReplicaSet but never the revision', () => {
    const d = deploy();
    d.metadata!.annotations = { 'kubernetes.io/change-cause': 'kubectl set image', 'deployment.kubernetes.io/revision': '7' };
    const rs: ReplicaSet = { metadata: { name: 'x' } };
    expect(setNewReplicaSetAnnotations(d, rs, 2, true)).toBe(true);
    expect(rs.metadata?.annotations).toEqual({ 'kubernetes.io/change-cause': 'kubectl set image', 'deployment.kubernetes.io/revision': '2' });
  });
});

describe('decideDeployment: Recreate', () => {
  it('scales old to 0, waits for its pods to go, then creates the new one at full size', () => {
    const spec = { strategy: { type: 'Recreate' } };
    const first = rollout(deploy(spec, 'nginx:1'), []);
    const v2 = { ...deploy(spec, 'nginx:2'), metadata: { ...first.dep.metadata, generation: 2 }, status: first.dep.status };
    const s1 = decideDeployment({ deployment: v2, replicaSets: first.list, now: T0 });
    expect(s1.actions.filter((a) => a.type === 'createReplicaSet')).toHaveLength(0);
    expect((s1.actions.find((a) => a.type === 'updateReplicaSet') as { rs: ReplicaSet }).rs.spec?.replicas).toBe(0);
    // old ReplicaSet at 0 but its pods still report running: still wait
    const oldAtZero = applyActions(first.list, s1.actions, T0);
    const s2 = decideDeployment({ deployment: v2, replicaSets: oldAtZero, now: T0 + 1000 });
    expect(s2.actions.filter((a) => a.type === 'createReplicaSet')).toHaveLength(0);
    // pods gone
    const gone = stepReplicaSets(oldAtZero);
    const s3 = decideDeployment({ deployment: v2, replicaSets: gone, now: T0 + 2000, podsByReplicaSet: new Map() });
    const create = s3.actions.find((a) => a.type === 'createReplicaSet') as { rs: ReplicaSet };
    expect(create.rs.spec?.replicas).toBe(4);
  });
});

describe('decideDeployment: scaling, pause, clean-up, deadline', () => {
  it('scales the only active ReplicaSet on a scale event', () => {
    const first = rollout(deploy(), []);
    const d = { ...deploy({ replicas: 7 }), metadata: { ...first.dep.metadata, generation: 2 }, status: first.dep.status };
    const dec = decideDeployment({ deployment: d, replicaSets: first.list, now: T0 });
    const u = dec.actions.find((a) => a.type === 'updateReplicaSet') as { rs: ReplicaSet };
    expect(u.rs.spec?.replicas).toBe(7);
    expect(u.rs.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe('7');
    expect(u.rs.metadata?.annotations?.['deployment.kubernetes.io/max-replicas']).toBe('9');
    expect(dec.actions).toContainEqual(expect.objectContaining({ reason: 'ScalingReplicaSet', message: expect.stringMatching(/^Scaled up replica set web-\w+ from 4 to 7$/) }));
  });

  it('scales proportionally mid-rollout (larger ReplicaSet gets the leftover)', () => {
    const d = deploy({ replicas: 20, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } });
    const mk = (name: string, n: number, created: string): ReplicaSet => ({
      metadata: { name, creationTimestamp: created, annotations: { 'deployment.kubernetes.io/max-replicas': '13', 'deployment.kubernetes.io/desired-replicas': '10' } },
      spec: { replicas: n },
    });
    const a = mk('a', 8, '2026-01-01T00:00:00Z');
    const b = mk('b', 5, '2026-01-01T00:01:00Z');
    // deployment went from 10 to 20: allowed 23, has 13, add 10 split 8:5
    expect(getProportion(a, d, 10, 0)).toBe(Math.round((8 * 23) / 13) - 8);
    expect(getProportion(b, d, 10, 6)).toBe(Math.min(Math.round((5 * 23) / 13) - 5, 4));
  });

  it('finds the active or latest ReplicaSet', () => {
    const r = (name: string, n: number, t: string): ReplicaSet => ({ metadata: { name, creationTimestamp: t }, spec: { replicas: n } });
    const old1 = r('o1', 0, '2026-01-01T00:00:00Z');
    const old2 = r('o2', 0, '2026-01-01T00:05:00Z');
    expect(findActiveOrLatest(undefined, [old1, old2])?.metadata?.name).toBe('o2');
    expect(findActiveOrLatest(r('n', 0, '2026-01-02T00:00:00Z'), [old1])?.metadata?.name).toBe('n');
    expect(findActiveOrLatest(r('n', 2, '2026-01-02T00:00:00Z'), [r('o', 1, '2026-01-01T00:00:00Z')])).toBeUndefined();
  });

  it('newRSNewReplicas never exceeds replicas + maxSurge', () => {
    const d = deploy({ replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } } });
    const old: ReplicaSet = { metadata: { name: 'o' }, spec: { replicas: 10 } };
    const nw: ReplicaSet = { metadata: { name: 'n' }, spec: { replicas: 0 } };
    expect(newRSNewReplicas(d, [old, nw], nw)).toBe(2);
    expect(newRSNewReplicas(d, [{ ...old, spec: { replicas: 9 } }, { ...nw, spec: { replicas: 2 } }], { ...nw, spec: { replicas: 2 } })).toBe(3);
    expect(newRSNewReplicas(deploy({ strategy: { type: 'Recreate' } }), [old, nw], nw)).toBe(4);
  });

  it('a paused deployment does not roll out, and gets Progressing Unknown DeploymentPaused', () => {
    const first = rollout(deploy(), []);
    const d = { ...deploy({ paused: true }, 'nginx:2'), metadata: { ...first.dep.metadata, generation: 2 }, status: first.dep.status };
    const dec = decideDeployment({ deployment: d, replicaSets: first.list, now: T0 });
    expect(dec.actions.filter((a) => a.type === 'createReplicaSet')).toHaveLength(0);
    expect(dec.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    const resumed = { ...d, spec: { ...d.spec, paused: false }, status: dec.status };
    const dec2 = decideDeployment({ deployment: resumed, replicaSets: first.list, now: T0 });
    expect(dec2.actions.some((a) => a.type === 'createReplicaSet')).toBe(true);
  });

  it('deletes the oldest zero-replica ReplicaSets beyond revisionHistoryLimit', () => {
    const cur = rollout(deploy({ revisionHistoryLimit: 1 }), []);
    const olds: ReplicaSet[] = [1, 2, 3].map((i) => ({
      metadata: { name: `web-old${i}`, uid: `old${i}`, generation: 1, creationTimestamp: `2025-01-0${i}T00:00:00Z`, annotations: { 'deployment.kubernetes.io/revision': String(i) } },
      spec: { replicas: 0, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: `old:${i}` }] } } },
      status: { replicas: 0, observedGeneration: 1 },
    }));
    const dec = decideDeployment({ deployment: cur.dep, replicaSets: [...cur.list, ...olds], now: T0 });
    expect(dec.actions.filter((a) => a.type === 'deleteReplicaSet').map((a) => (a as { rs: ReplicaSet }).rs.metadata?.name)).toEqual(['web-old1', 'web-old2']);
  });

  it('reports ProgressDeadlineExceeded when no progress is made within the deadline', () => {
    const d = deploy({ progressDeadlineSeconds: 60 });
    const s1 = decideDeployment({ deployment: d, replicaSets: [], now: T0 });
    const list = applyActions([], s1.actions, T0); // pods never become available
    const d1 = { ...d, status: s1.status };
    const s2 = decideDeployment({ deployment: d1, replicaSets: list, now: T0 + 30_000 });
    expect(s2.requeueAfterMs).toBeGreaterThan(0);
    const s3 = decideDeployment({ deployment: { ...d1, status: s2.status ?? d1.status }, replicaSets: list, now: T0 + 61_000 });
    expect(s3.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: expect.stringMatching(/^ReplicaSet "web-\w+" has timed out progressing\.$/),
    });
  });

  it('warns about a selector that selects everything', () => {
    const dec = decideDeployment({ deployment: deploy({ selector: {} }), replicaSets: [], now: T0 });
    expect(dec.actions).toEqual([{ type: 'event', eventType: 'Warning', reason: 'SelectingAll', message: 'This deployment is selecting all pods. A non-empty selector is required.' }]);
  });
});
