/**
 * Issue 3 acceptance: SIGKILL the controller manager, then the scheduler, in the middle of a
 * rollout and start them again: the rollout converges with no extra and no missing pods, within
 * the rolling-update bounds all along. Then two of each with leader election on (short lease
 * flags): killing the leaders hands over within the lease duration and the new leaders act.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startComponent, type ComponentHandle } from '../../support/components.js';
import { CM_FAST, SCHED_FAST, deploymentDone, getJson, isReady, listPods, live, ok, startCluster, until, watchPods, type Cluster } from './setup.js';

let c: Cluster;

beforeAll(async () => {
  c = await startCluster({ nodes: ['node-a', 'node-b', 'node-c'].map((name) => ({ name })), controllerManager: false, scheduler: false });
});
afterAll(async () => {
  await c?.stop();
});

const REPLICAS = 10;
const deployment = (image: string) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'roll', namespace: 'default' },
    spec: {
      replicas: REPLICAS,
      minReadySeconds: 1, // slows each step down, so the kill lands mid-rollout
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } },
      selector: { matchLabels: { app: 'roll' } },
      template: { metadata: { labels: { app: 'roll' } }, spec: { containers: [{ name: 'app', image }] } },
    },
  });

const getDeploy = () => getJson(c.h, '/apis/apps/v1/namespaces/default/deployments/roll');

/** After convergence: exactly REPLICAS pods, all live, Ready, bound, of the image, owned by the newest ReplicaSet. */
async function assertConverged(image: string): Promise<void> {
  const d = await until('the rollout to finish', () => deploymentDone(c.h, 'default', 'roll'), 60_000, c);
  await until(`${REPLICAS} pods, none terminating`, async () => (await listPods(c.h, 'default', 'app=roll')).length === REPLICAS, 30_000, c);
  const pods = await listPods(c.h, 'default', 'app=roll');
  expect(pods).toHaveLength(REPLICAS);
  const rsList = (await getJson(c.h, '/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Droll')).items;
  const newRS = rsList.find((r: any) => r.metadata.annotations['deployment.kubernetes.io/revision'] === d.metadata.annotations['deployment.kubernetes.io/revision']);
  expect(newRS.spec.replicas).toBe(REPLICAS);
  for (const r of rsList) if (r !== newRS) expect(r.spec.replicas).toBe(0);
  for (const p of pods) {
    expect(live(p) && isReady(p)).toBe(true);
    expect(p.spec.nodeName).toMatch(/^node-[abc]$/);
    expect(p.spec.containers[0].image).toBe(image);
    expect(p.metadata.ownerReferences[0].uid).toBe(newRS.metadata.uid);
  }
  expect(new Set(pods.map((p) => p.metadata.name)).size).toBe(REPLICAS);
}

describe('components killed mid-rollout', () => {
  let cm: ComponentHandle | undefined;
  let sched: ComponentHandle | undefined;

  it('SIGKILL the controller manager mid-rollout, start it again: converges, no extra, no missing pods', async () => {
    cm = await startComponent('controller-manager', c.h.kubeconfig, CM_FAST);
    sched = await startComponent('scheduler', c.h.kubeconfig, SCHED_FAST);
    await ok(c.h, ['apply', '-f', '-'], deployment('app:v1'));
    await until('v1 available', () => deploymentDone(c.h, 'default', 'roll'), 40_000, c);

    const w = await watchPods(c, 'default', 'app=roll');
    try {
      await ok(c.h, ['apply', '-f', '-'], deployment('app:v2'));
      await until('the rollout under way', async () => {
        const d = await getDeploy();
        return (d.status?.updatedReplicas ?? 0) >= 2 && (d.status?.updatedReplicas ?? 0) < REPLICAS - 2;
      }, 30_000, c, 50);
      await cm.kill('SIGKILL');
      expect(cm.child.signalCode).toBe('SIGKILL');
      // Dead: nothing scales while it is down.
      const rsBefore = JSON.stringify((await getJson(c.h, '/apis/apps/v1/namespaces/default/replicasets')).items.map((r: any) => r.spec.replicas));
      const midway = await getDeploy();
      expect(midway.status.updatedReplicas).toBeLessThan(REPLICAS);
      await new Promise((r) => setTimeout(r, 1500));
      expect(JSON.stringify((await getJson(c.h, '/apis/apps/v1/namespaces/default/replicasets')).items.map((r: any) => r.spec.replicas))).toBe(rsBefore);

      cm = await startComponent('controller-manager', c.h.kubeconfig, CM_FAST);
      await assertConverged('app:v2');
    } finally {
      w.stop();
    }
    // The surge bound holds on the ReplicaSets' specs; in pods, a restarted ReplicaSet controller works on the new
    // and the old ReplicaSet independently (as upstream's), so one create may land just before the matching delete.
    expect(w.maxLive, w.trace.join('\n')).toBeLessThanOrEqual(REPLICAS + 2 + 1);
    expect(w.minReady, w.trace.join('\n')).toBeGreaterThanOrEqual(REPLICAS - 1);
  }, 120_000);

  it('SIGKILL the scheduler mid-rollout, start it again: the pending pods are placed, none twice', async () => {
    const w = await watchPods(c, 'default', 'app=roll');
    try {
      await ok(c.h, ['apply', '-f', '-'], deployment('app:v3'));
      await until('some v3 pods bound', async () => {
        const p = (await listPods(c.h, 'default', 'app=roll')).filter((x) => x.spec.containers[0].image === 'app:v3' && x.spec.nodeName);
        return p.length >= 2;
      }, 30_000, c, 50);
      await sched!.kill('SIGKILL');
      expect(sched!.child.signalCode).toBe('SIGKILL');
      // With no scheduler, the next new pods wait unbound.
      const pending = await until('a v3 pod waiting without a node', async () => {
        const p = (await listPods(c.h, 'default', 'app=roll')).filter((x) => live(x) && !x.spec.nodeName);
        return p.length > 0 ? p : undefined;
      }, 30_000, c);
      await new Promise((r) => setTimeout(r, 1000));
      const still = await getJson(c.h, `/api/v1/namespaces/default/pods/${pending[0].metadata.name}`);
      expect(still.spec.nodeName).toBeUndefined();

      sched = await startComponent('scheduler', c.h.kubeconfig, SCHED_FAST);
      await assertConverged('app:v3');
    } finally {
      w.stop();
    }
    expect(w.maxLive, w.trace.join('\n')).toBeLessThanOrEqual(REPLICAS + 2);
    expect(w.minReady, w.trace.join('\n')).toBeGreaterThanOrEqual(REPLICAS - 1);
    // Every pod the watch saw was bound at most once: its nodeName never changed.
    expect(w.rebound).toEqual([]);
  }, 120_000);

  it('two of each with leader election: only the leaders act; killing them hands over within the lease duration', async () => {
    await cm?.kill('SIGTERM');
    await sched?.kill('SIGTERM');
    const LEASE_MS = 4000;
    const le = ['--leader-elect=true', '--leader-elect-lease-duration=4s', '--leader-elect-renew-deadline=3s', '--leader-elect-retry-period=500ms'];
    const cmFlags = [...CM_FAST.filter((f) => !f.startsWith('--leader-elect')), ...le];
    const schedFlags = [...SCHED_FAST.filter((f) => !f.startsWith('--leader-elect')), ...le];
    const cms = await Promise.all([startComponent('controller-manager', c.h.kubeconfig, cmFlags), startComponent('controller-manager', c.h.kubeconfig, cmFlags)]);
    const scheds = await Promise.all([startComponent('scheduler', c.h.kubeconfig, schedFlags), startComponent('scheduler', c.h.kubeconfig, schedFlags)]);
    const lease = (name: string) => getJson(c.h, `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`);

    /** The handle holding the Lease now (its identity, from its log, is the holder). */
    const leaderOf = (name: string, pair: ComponentHandle[]) =>
      until(`a leader for ${name}`, async () => {
        const l = await lease(name);
        const holder = l.spec?.holderIdentity;
        return pair.find((p) => p.alive() && p.identities.includes(holder));
      }, 30_000, c);

    const cmLeader = await leaderOf('kube-controller-manager', cms);
    const schedLeader = await leaderOf('kube-scheduler', scheds);
    // Settle, then: exactly one of each pair ever acquired.
    await new Promise((r) => setTimeout(r, 1500));
    expect(cms.filter((x) => x.identities.length > 0)).toEqual([cmLeader]);
    expect(scheds.filter((x) => x.identities.length > 0)).toEqual([schedLeader]);
    const transitions = {
      cm: (await lease('kube-controller-manager')).spec.leaseTransitions ?? 0,
      sched: (await lease('kube-scheduler')).spec.leaseTransitions ?? 0,
    };

    // The leaders work: scale up.
    await ok(c.h, ['scale', 'deployment/roll', '--replicas=12']);
    await until('12 ready', async () => {
      const p = (await listPods(c.h, 'default', 'app=roll')).filter(live);
      return p.length === 12 && p.every(isReady) && p.every((x) => x.spec.nodeName);
    }, 30_000, c);

    const killedAt = Date.now();
    await Promise.all([cmLeader.kill('SIGKILL'), schedLeader.kill('SIGKILL')]);
    const cmStandby = cms.find((x) => x !== cmLeader)!;
    const schedStandby = scheds.find((x) => x !== schedLeader)!;
    const handover = async (name: string, standby: ComponentHandle) => {
      await until(`${name} handed over`, async () => {
        const l = await lease(name);
        return standby.identities.includes(l.spec?.holderIdentity);
      }, 20_000, c, 100);
      return Date.now() - killedAt;
    };
    const [cmMs, schedMs] = await Promise.all([handover('kube-controller-manager', cmStandby), handover('kube-scheduler', schedStandby)]);
    // Not stolen early (a SIGKILLed leader does not release its Lease), and taken within the lease
    // duration of the last renewal the standby saw: the leader renewed at most one retry period
    // (0.5 s) before the kill, the standby polls every 0.5-1.1 s (jittered), so <= 4 + 1.1 + 1.1 s.
    for (const ms of [cmMs, schedMs]) {
      expect(ms).toBeGreaterThanOrEqual(LEASE_MS - 1500);
      expect(ms).toBeLessThanOrEqual(LEASE_MS + 3000);
    }
    expect((await lease('kube-controller-manager')).spec.leaseTransitions).toBe(transitions.cm + 1);
    expect((await lease('kube-scheduler')).spec.leaseTransitions).toBe(transitions.sched + 1);

    // The new leaders act: a rollout with both.
    await ok(c.h, ['apply', '-f', '-'], deployment('app:v4'));
    await assertConverged('app:v4');
    expect(cmStandby.alive() && schedStandby.alive()).toBe(true);
  }, 150_000);
});
