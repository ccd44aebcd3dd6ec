import { describe, expect, it } from 'vitest';
import { decideReplicaSet, podFromTemplate, replicaSetStatus } from '../../../control-plane/controllers/replicaset/decide.js';
import { REPLICATION_CONTROLLERS, REPLICA_SETS, replicationControllerAsReplicaSet } from '../../../control-plane/controllers/replicaset/kinds.js';
import type { OwnerReference, Pod, ReplicationController } from '../../../control-plane/controllers/util/types.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function rc(over: Partial<NonNullable<ReplicationController['spec']>> = {}): ReplicationController {
  return {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'web', namespace: 'default', uid: 'rc-uid', generation: 3 },
    spec: {
      replicas: 2,
      selector: { app: 'web' },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      ...over,
    },
  };
}

const RC_REF = (uid = 'rc-uid'): OwnerReference => ({ apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid, controller: true, blockOwnerDeletion: true });

function pod(name: string, labels: Record<string, string>, owner?: OwnerReference): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels, ...(owner ? { ownerReferences: [owner] } : {}) },
    spec: { nodeName: 'n1' },
    status: { phase: 'Running' },
  };
}

describe('replicationControllerAsReplicaSet (upstream conversion)', () => {
  it('turns the map selector into matchLabels and keeps metadata, replicas, template and status', () => {
    const r = rc({ minReadySeconds: 5 });
    r.status = { replicas: 1, readyReplicas: 1, observedGeneration: 2 };
    const rs = replicationControllerAsReplicaSet(r);
    expect(rs.spec?.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(rs.metadata).toBe(r.metadata);
    expect(rs.spec?.replicas).toBe(2);
    expect(rs.spec?.minReadySeconds).toBe(5);
    expect(rs.spec?.template).toEqual(r.spec?.template);
    expect(rs.status).toEqual({ replicas: 1, readyReplicas: 1, observedGeneration: 2 });
  });

  it('no selector selects nothing (a nil LabelSelector), not everything', () => {
    const r = rc({ selector: undefined });
    const d = decideReplicaSet({ rs: replicationControllerAsReplicaSet(r), pods: [pod('orphan', { app: 'web' })], expectationsSatisfied: true, now: NOW, owner: REPLICATION_CONTROLLERS.owner });
    expect(d.claims.adopt).toEqual([]);
  });
});

describe('decideReplicaSet for a ReplicationController', () => {
  const cases: { name: string; spec?: Partial<NonNullable<ReplicationController['spec']>>; pods: Pod[]; create: number; del: string[]; adopt: string[]; release: string[] }[] = [
    { name: 'creates the missing replicas', pods: [pod('a', { app: 'web' }, RC_REF())], create: 1, del: [], adopt: [], release: [] },
    { name: 'adopts a matching orphan', pods: [pod('a', { app: 'web' }, RC_REF()), pod('b', { app: 'web' })], create: 0, del: [], adopt: ['b'], release: [] },
    { name: 'releases an owned pod that no longer matches', pods: [pod('a', { app: 'web' }, RC_REF()), pod('b', { app: 'x' }, RC_REF())], create: 1, del: [], adopt: [], release: ['b'] },
    {
      name: 'a pod of a ReplicaSet with the same labels is not ours',
      pods: [pod('a', { app: 'web' }, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', controller: true })],
      create: 2,
      del: [],
      adopt: [],
      release: [],
    },
    { name: 'scales down', spec: { replicas: 1 }, pods: [pod('a', { app: 'web' }, RC_REF()), pod('b', { app: 'web' }, RC_REF())], create: 0, del: ['a'], adopt: [], release: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decideReplicaSet({ rs: replicationControllerAsReplicaSet(rc(c.spec)), pods: c.pods, expectationsSatisfied: true, now: NOW, owner: REPLICATION_CONTROLLERS.owner });
      expect(d.create).toBe(c.create);
      expect(d.delete.map((p) => p.metadata?.name)).toHaveLength(c.del.length);
      expect(d.claims.adopt.map((a) => a.obj.metadata?.name)).toEqual(c.adopt);
      expect(d.claims.release.map((a) => a.obj.metadata?.name)).toEqual(c.release);
      for (const a of d.claims.adopt) expect(a.patch.metadata.ownerReferences).toEqual([RC_REF()]);
    });
  }

  it('the pods it creates name the RC as their controller (v1 ReplicationController, controller: true)', () => {
    const p = podFromTemplate(replicationControllerAsReplicaSet(rc()), REPLICATION_CONTROLLERS.owner);
    expect(p.metadata?.generateName).toBe('web-');
    expect(p.metadata?.ownerReferences).toEqual([RC_REF()]);
    expect(p.metadata?.labels).toEqual({ app: 'web' });
  });

  it('its status has the ReplicationControllerStatus fields and observedGeneration', () => {
    const rs = replicationControllerAsReplicaSet(rc());
    const st = replicaSetStatus(rs, [pod('a', { app: 'web' }, RC_REF())], NOW);
    expect(st).toEqual({ replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 0, availableReplicas: 0, observedGeneration: 3 });
  });

  it('the ReplicaSet row is unchanged: apps/v1 ReplicaSet owner, the object itself', () => {
    expect(REPLICA_SETS.owner).toEqual({ apiVersion: 'apps/v1', kind: 'ReplicaSet' });
    expect(REPLICATION_CONTROLLERS.controllerName).toBe('replicationcontroller-controller');
  });
});
