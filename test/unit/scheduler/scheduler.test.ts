import { afterEach, describe, expect, it } from 'vitest';
import { InProcessApi } from '../../support/in-process-api.js';
import { silentLogger } from '../../../api/client/log.js';
import { EventRecorder } from '../../../api/client/event-recorder.js';
import { findResource } from '../../../api/resources.js';
import { defaultProfile } from '../../../control-plane/scheduler/profile.js';
import { VolumeBinding } from '../../../control-plane/scheduler/plugins/volume-binding.js';
import {
  DefaultBinder,
  Scheduler,
  isResponsible,
  nodeSchedulingPropertiesChanged,
  runSchedulerProcess,
  truncateMessage,
  withPodScheduledCondition,
} from '../../../control-plane/scheduler/scheduler.js';
import type { SchedPod } from '../../../control-plane/scheduler/types.js';
import { CONTROL_PLANE_TAINT, makeNode, makePod } from './fixtures.js';

const PODS = findResource('', 'pods')!;
const NODES = findResource('', 'nodes')!;
const EVENTS = findResource('', 'events')!;
const LEASES = findResource('coordination.k8s.io', 'leases')!;
const PRIORITY_CLASSES = findResource('scheduling.k8s.io', 'priorityclasses')!;

async function until<T>(f: () => T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('pure helpers', () => {
  it.each([
    { pod: makePod('p'), want: true },
    { pod: makePod('p', { nodeName: 'n' }), want: false },
    { pod: { ...makePod('p'), spec: { ...makePod('p').spec, schedulerName: 'other' } }, want: false },
    { pod: { ...makePod('p'), spec: { ...makePod('p').spec, schedulerName: undefined } }, want: true },
    { pod: { ...makePod('p'), metadata: { ...makePod('p').metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }, want: false },
  ])('isResponsible #%#', ({ pod, want }) => {
    expect(isResponsible(pod, 'default-scheduler')).toBe(want);
  });

  it('withPodScheduledCondition sets, keeps transition time, and reports no-ops', () => {
    const pod = makePod('p');
    const c1 = withPodScheduledCondition(pod, { status: 'False', reason: 'Unschedulable', message: 'm1' }, 'T1')!;
    expect(c1).toEqual([{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'm1', lastProbeTime: null, lastTransitionTime: 'T1' }]);
    const withC1: SchedPod = { ...pod, status: { conditions: c1 } };
    expect(withPodScheduledCondition(withC1, { status: 'False', reason: 'Unschedulable', message: 'm1' }, 'T2')).toBeNull();
    const c2 = withPodScheduledCondition(withC1, { status: 'False', reason: 'Unschedulable', message: 'm2' }, 'T2')!;
    expect(c2[0]!.lastTransitionTime).toBe('T1');
    expect(c2[0]!.message).toBe('m2');
  });

  it('nodeSchedulingPropertiesChanged ignores heartbeats', () => {
    const a = makeNode('n');
    const hb = { ...a, status: { ...a.status, conditions: [{ type: 'Ready', status: 'True' }] } };
    expect(nodeSchedulingPropertiesChanged(a, hb)).toBe(false);
    expect(nodeSchedulingPropertiesChanged(a, makeNode('n', { cpu: '8' }))).toBe(true);
    expect(nodeSchedulingPropertiesChanged(a, makeNode('n', { unschedulable: true }))).toBe(true);
    expect(nodeSchedulingPropertiesChanged(a, makeNode('n', { taints: [CONTROL_PLANE_TAINT] }))).toBe(true);
  });

  it('truncateMessage', () => {
    expect(truncateMessage('x'.repeat(2000)).length).toBe(1024);
    expect(truncateMessage('short')).toBe('short');
  });
});

describe('Scheduler with InProcessApi', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
  });

  async function start(client: InProcessApi) {
    const recorder = new EventRecorder(client, { component: 'default-scheduler', logger: silentLogger });
    const sched = new Scheduler({ client, logger: silentLogger, recorder, random: () => 0 });
    const ac = new AbortController();
    expect(await sched.startInformers(ac.signal)).toBe(true);
    const running = sched.run(ac.signal);
    stops.push(async () => {
      ac.abort();
      await running;
      await sched.stop();
    });
    return sched;
  }

  async function lab(client: InProcessApi) {
    await client.seed(NODES, makeNode('controlplane01', { cpu: '2', taints: [CONTROL_PLANE_TAINT] }), makeNode('node01', { cpu: '2' }), makeNode('node02', { cpu: '2' }));
  }

  const pod = (client: InProcessApi, name: string) => client.peek<SchedPod>(PODS, 'default', name);
  const events = (client: InProcessApi) => client.objects<{ reason: string; message: string; type: string; involvedObject: { name: string } }>(EVENTS, 'default');

  it('binds a pod through pods/binding and records Scheduled', async () => {
    const client = new InProcessApi();
    await lab(client);
    await start(client);
    await client.create(PODS, 'default', makePod('nginx-abc', { cpu: '100m' }));
    const bound = await until(() => pod(client, 'nginx-abc')?.spec.nodeName);
    expect(['node01', 'node02']).toContain(bound);
    expect(client.actionsFor('create', 'pods', 'binding').length).toBe(1);
    const ev = await until(() => events(client).find((e) => e.reason === 'Scheduled'));
    expect(ev.type).toBe('Normal');
    expect(ev.message).toBe(`Successfully assigned default/nginx-abc to ${bound}`);
  });

  it('leaves a pod that fits nowhere Pending with the upstream message, condition and event', async () => {
    const client = new InProcessApi();
    await lab(client);
    await start(client);
    await client.create(PODS, 'default', makePod('big', { cpu: '3' }));
    const msg =
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.' +
      ' preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..';
    const cond = await until(() => pod(client, 'big')?.status?.conditions?.find((c) => c.type === 'PodScheduled'));
    expect(cond).toMatchObject({ status: 'False', reason: 'Unschedulable', message: msg });
    const ev = await until(() => events(client).find((e) => e.reason === 'FailedScheduling'));
    expect([ev.type, ev.message, ev.involvedObject.name]).toEqual(['Warning', msg, 'big']);
    expect(pod(client, 'big')!.spec.nodeName).toBeUndefined();
  });

  it('a failing PreBind (VolumeBinding) binds nothing, undoes Reserve and reports the upstream-shaped error', async () => {
    const client = new InProcessApi();
    await lab(client);
    await client.seed(findResource('storage.k8s.io', 'storageclasses')!, { metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' });
    await client.seed(findResource('', 'persistentvolumes')!, {
      metadata: { name: 'pv1' },
      spec: {
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'local', local: { path: '/mnt/pv1' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node02'] }] }] } },
      },
      status: { phase: 'Available' },
    });
    await client.seed(findResource('', 'persistentvolumeclaims')!, {
      metadata: { name: 'data', namespace: 'default', uid: 'c1' },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local', resources: { requests: { storage: '1Gi' } } },
    });
    const refuse = async () => { throw new Error('persistentvolumes "pv1" is forbidden'); };
    const profile = defaultProfile({
      bind: [new DefaultBinder(client)], preemption: false,
      volumeBinding: { binder: { updateVolume: refuse, updateClaim: refuse, getClaim: async () => undefined, getVolume: async () => undefined } },
    });
    const vb = profile.reserve![0] as VolumeBinding;
    const recorder = new EventRecorder(client, { component: 'default-scheduler', logger: silentLogger });
    const sched = new Scheduler({ client, logger: silentLogger, recorder, random: () => 0, profile, initialBackoffMs: 60_000, maxBackoffMs: 60_000 });
    const ac = new AbortController();
    expect(await sched.startInformers(ac.signal)).toBe(true);
    const running = sched.run(ac.signal);
    stops.push(async () => {
      ac.abort();
      await running;
      await sched.stop();
    });
    const p = makePod('db');
    p.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }];
    await client.create(PODS, 'default', p);
    const ev = await until(() => events(client).find((e) => e.reason === 'FailedScheduling'));
    expect(ev.message).toBe('binding rejected: running PreBind plugin "VolumeBinding": binding volumes: persistentvolumes "pv1" is forbidden');
    expect(client.actionsFor('create', 'pods', 'binding').length).toBe(0);
    expect(pod(client, 'db')!.spec.nodeName).toBeUndefined();
    expect(vb.assumed.size).toBe(0);
  });

  it('preempts a lower-priority pod on a full node: DisruptionTarget, graceful delete, Preempted event, nomination, then binds', async () => {
    const client = new InProcessApi();
    await client.seed(NODES, makeNode('node01', { cpu: '2' }));
    await client.create(PRIORITY_CLASSES, undefined, { metadata: { name: 'low' }, value: 10 });
    await client.create(PRIORITY_CLASSES, undefined, { metadata: { name: 'high' }, value: 1000 });
    await start(client);
    const low = makePod('low', { cpu: '1500m' });
    low.spec.priorityClassName = 'low';
    await client.create(PODS, 'default', low);
    await until(() => pod(client, 'low')?.spec.nodeName);
    const high = makePod('high', { cpu: '1500m' });
    high.spec.priorityClassName = 'high';
    await client.create(PODS, 'default', high);
    // The victim is marked, then deleted gracefully: bound to a node, it waits for its kubelet.
    const victim = await until(() => {
      const p = pod(client, 'low');
      return p?.metadata.deletionTimestamp ? p : undefined;
    });
    expect(victim.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({
      status: 'True',
      reason: 'PreemptionByScheduler',
      message: 'default-scheduler: preempting to accommodate a higher priority pod',
    });
    expect(await until(() => pod(client, 'high')?.status?.nominatedNodeName)).toBe('node01');
    const preempted = await until(() => events(client).find((e) => e.reason === 'Preempted'));
    expect([preempted.type, preempted.involvedObject.name, preempted.message]).toEqual(['Normal', 'low', `Preempted by pod ${pod(client, 'high')!.metadata.uid} on node node01`]);
    // The preemptor waits while the victim terminates, and preempts nothing more.
    await new Promise((r) => setTimeout(r, 300));
    expect(pod(client, 'high')!.spec.nodeName).toBeUndefined();
    expect(client.actionsFor('delete', 'pods')).toHaveLength(1);
    // The kubelet's part: the victim's containers stopped, its pod goes; its ReplicaSet makes a replacement at once.
    await client.delete(PODS, 'default', 'low', { gracePeriodSeconds: 0 });
    const replacement = makePod('low-replacement', { cpu: '1500m' });
    replacement.spec.priorityClassName = 'low';
    await client.create(PODS, 'default', replacement);
    // The room is kept for the nominated preemptor: the replacement does not take it.
    expect(await until(() => pod(client, 'high')?.spec.nodeName, 8000)).toBe('node01');
    expect(pod(client, 'low-replacement')!.spec.nodeName).toBeUndefined();
  });

  it('a pod with preemptionPolicy Never waits instead of preempting', async () => {
    const client = new InProcessApi();
    await client.seed(NODES, makeNode('node01', { cpu: '2' }));
    await client.create(PRIORITY_CLASSES, undefined, { metadata: { name: 'low' }, value: 10 });
    await client.create(PRIORITY_CLASSES, undefined, { metadata: { name: 'high-nonpreempting' }, value: 1000, preemptionPolicy: 'Never' });
    await start(client);
    const low = makePod('low', { cpu: '1500m' });
    low.spec.priorityClassName = 'low';
    await client.create(PODS, 'default', low);
    await until(() => pod(client, 'low')?.spec.nodeName);
    const high = makePod('high', { cpu: '1500m' });
    high.spec.priorityClassName = 'high-nonpreempting';
    await client.create(PODS, 'default', high);
    const cond = await until(() => pod(client, 'high')?.status?.conditions?.find((c) => c.type === 'PodScheduled'));
    expect(cond.message).toBe('0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..');
    expect(pod(client, 'low')!.metadata.deletionTimestamp).toBeUndefined();
    expect(pod(client, 'high')!.status?.nominatedNodeName).toBeUndefined();
  });

  it('never gives the same last free CPU to two pods', async () => {
    const client = new InProcessApi();
    await client.seed(NODES, makeNode('node01', { cpu: '2' }), makeNode('node02', { cpu: '2' }));
    await start(client);
    await Promise.all(['a', 'b', 'c'].map((n) => client.create(PODS, 'default', makePod(n, { cpu: '1500m' }))));
    await until(() => client.objects<SchedPod>(PODS).filter((p) => p.spec.nodeName).length === 2);
    await until(() => client.objects<SchedPod>(PODS).some((p) => p.status?.conditions?.some((c) => c.reason === 'Unschedulable')));
    const placed = client.objects<SchedPod>(PODS).map((p) => p.spec.nodeName).filter(Boolean).sort();
    expect(placed).toEqual(['node01', 'node02']);
  });

  it('retries an unschedulable pod when a node is added', async () => {
    const client = new InProcessApi();
    await client.seed(NODES, makeNode('node01', { cpu: '1' }));
    await start(client);
    await client.create(PODS, 'default', makePod('p', { cpu: '2' }));
    await until(() => pod(client, 'p')?.status?.conditions?.some((c) => c.reason === 'Unschedulable'));
    await client.create(NODES, undefined, makeNode('node02', { cpu: '4' }));
    expect(await until(() => pod(client, 'p')?.spec.nodeName, 8000)).toBe('node02');
  });

  it('spreads a ReplicaSet 2/2/2 over three equal nodes', async () => {
    const client = new InProcessApi();
    await client.seed(NODES, makeNode('n1'), makeNode('n2'), makeNode('n3'));
    const RS = findResource('apps', 'replicasets')!;
    await client.seed(RS, { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 6, selector: { matchLabels: { app: 'web' } }, template: {} } });
    await start(client);
    for (let i = 0; i < 6; i++) {
      await client.create(PODS, 'default', makePod(`web-${i}`, { labels: { app: 'web' }, owner: { kind: 'ReplicaSet', name: 'web' } }));
    }
    await until(() => client.objects<SchedPod>(PODS).every((p) => p.spec.nodeName));
    const per: Record<string, number> = {};
    for (const p of client.objects<SchedPod>(PODS)) per[p.spec.nodeName!] = (per[p.spec.nodeName!] ?? 0) + 1;
    expect(per).toEqual({ n1: 2, n2: 2, n3: 2 });
  });

  it('with leader election, only the lease holder schedules', async () => {
    const client = new InProcessApi();
    await lab(client);
    const ac = new AbortController();
    const opts = { client, logger: silentLogger, leaderElect: true, leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };
    const a = runSchedulerProcess({ ...opts, identity: 'a' }, ac.signal);
    const lease = await until(() => client.peek<{ spec: { holderIdentity: string } }>(LEASES, 'kube-system', 'kube-scheduler'));
    expect(lease.spec.holderIdentity).toBe('a');
    const b = runSchedulerProcess({ ...opts, identity: 'b' }, ac.signal);
    await client.create(PODS, 'default', makePod('p', { cpu: '100m' }));
    await until(() => pod(client, 'p')?.spec.nodeName);
    expect(client.peek<{ spec: { holderIdentity: string } }>(LEASES, 'kube-system', 'kube-scheduler')!.spec.holderIdentity).toBe('a');
    ac.abort();
    await Promise.all([a, b]);
  });
});
