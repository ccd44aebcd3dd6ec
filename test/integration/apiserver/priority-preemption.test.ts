/**
 * Pod priority and preemption (issue 11), as upstream's docs (concepts/scheduling-eviction/pod-priority-preemption)
 * show them, driven by the real kubectl against the API server over a real etcd: the system PriorityClasses made at
 * start, `kubectl create priorityclass` and `kubectl get pc`, the Priority admission plugin's refusals with their
 * exact messages, and the real scheduler (its process logic in this process, as system:kube-scheduler over HTTPS)
 * preempting a lower-priority pod on a full node, the preemptor bound once the victim is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../api/client/api-client.js';
import { silentLogger } from '../../../api/client/log.js';
import { runSchedulerProcess } from '../../../control-plane/scheduler/scheduler.js';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, kubectl, kubectlOk, startApiServer, type ApiHandle } from '../../support/apiserver.js';

const SCHED_TOKEN = 'schedtoken-priority';
let etcd: EtcdHandle | undefined;
let h: ApiHandle;

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd, { extraTokens: [`${SCHED_TOKEN},system:kube-scheduler,system:kube-scheduler`] });
});
afterAll(async () => {
  await h?.stop();
  await etcd?.stop();
});

async function get(path: string): Promise<any> {
  const r = await api(h, 'GET', path);
  return r.status === 200 ? r.json() : undefined;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const podYaml = (name: string, o: { cls?: string; priority?: number; cpu?: string } = {}): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      containers: [{ name: 'c', image: 'nginx', ...(o.cpu ? { resources: { requests: { cpu: o.cpu } } } : {}) }],
      ...(o.cls ? { priorityClassName: o.cls } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
    },
  });

describe('PriorityClass', () => {
  it('the system classes exist from the start, listed by kubectl get pc with upstream columns', async () => {
    const out = await kubectlOk(h, ['get', 'pc']);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).filter((_, i) => i !== 3).join(' '))).toEqual([
      'system-cluster-critical 2000000000 false PreemptLowerPriority',
      'system-node-critical 2000001000 false PreemptLowerPriority',
    ]);
    const node = await get('/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical');
    expect(node).toMatchObject({ value: 2000001000, description: 'Used for system critical pods that must not be moved from their current node.', preemptionPolicy: 'PreemptLowerPriority' });
    const readyz = await api(h, 'GET', '/readyz?verbose');
    expect(readyz.body).toContain('[+]poststarthook/scheduling/bootstrap-system-priority-classes ok\n');
  });

  it('kubectl create priorityclass (a protobuf body), the docs\' high-priority and non-preempting classes', async () => {
    expect(await kubectlOk(h, ['create', 'priorityclass', 'high-priority', '--value=1000000', '--description=This priority class should be used for XYZ service pods only.'])).toBe(
      'priorityclass.scheduling.k8s.io/high-priority created\n',
    );
    await kubectlOk(h, ['create', 'priorityclass', 'high-priority-nonpreempting', '--value=1000000', '--preemption-policy=Never', '--description=This priority class will not cause other pods to be preempted.']);
    await kubectlOk(h, ['create', 'priorityclass', 'low-priority', '--value=10']);
    const pc = JSON.parse(await kubectlOk(h, ['get', 'priorityclass', 'high-priority', '-o', 'json']));
    expect(pc).toMatchObject({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', value: 1000000, preemptionPolicy: 'PreemptLowerPriority', metadata: { generation: 1 } });
    expect(pc.globalDefault).toBeUndefined();
    const np = JSON.parse(await kubectlOk(h, ['get', 'pc', 'high-priority-nonpreempting', '-o', 'json']));
    expect(np.preemptionPolicy).toBe('Never');
    const described = await kubectlOk(h, ['describe', 'pc', 'high-priority']);
    expect(described).toMatch(/^Name:\s+high-priority$/m);
    expect(described).toMatch(/^Value:\s+1000000$/m);
    expect(described).toMatch(/^PreemptionPolicy:\s+PreemptLowerPriority$/m);
    expect(described).toMatch(/^Description:\s+This priority class should be used for XYZ service pods only\.$/m);
    expect(await kubectlOk(h, ['api-resources', '--api-group=scheduling.k8s.io', '--no-headers'])).toMatch(/^priorityclasses\s+pc\s+scheduling\.k8s\.io\/v1\s+false\s+PriorityClass$/m);
  });

  it('bad classes are refused with upstream\'s messages and nothing is stored', async () => {
    const cases: [string[], string][] = [
      // kubectl create <generator> wraps the server's Status message as `error: failed to create priorityclass: ...`
      [
        ['create', 'priorityclass', 'too-high', '--value=1000000001'],
        'error: failed to create priorityclass: PriorityClass.scheduling.k8s.io "too-high" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000',
      ],
      [
        ['create', 'priorityclass', 'system-mine', '--value=5'],
        'PriorityClass.scheduling.k8s.io "system-mine" is invalid: metadata.name: Forbidden: priority class names with \'system-\' prefix are reserved for system use only. error: system-mine is not a known system priority class',
      ],
      [['patch', 'pc', 'high-priority', '-p', '{"value":5}'], 'The PriorityClass "high-priority" is invalid: value: Forbidden: may not be changed in an update.'],
      [['delete', 'pc', 'system-node-critical'], 'Error from server (Forbidden): priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted'],
    ];
    for (const [args, want] of cases) {
      const r = await kubectl(h, args);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 1]);
      expect(r.stderr).toContain(want);
    }
    expect((await api(h, 'GET', '/apis/scheduling.k8s.io/v1/priorityclasses/too-high')).status).toBe(404);
    expect((await api(h, 'GET', '/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical')).status).toBe(200);
  });

  it('only one class may be the global default; pods naming no class get it', async () => {
    await kubectlOk(h, ['create', 'priorityclass', 'default-prio', '--value=100', '--global-default']);
    const second = await kubectl(h, ['create', 'priorityclass', 'another-default', '--value=200', '--global-default']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('error: failed to create priorityclass: priorityclasses.scheduling.k8s.io "another-default" is forbidden: PriorityClass default-prio is already marked as default. Only one default can exist');
    await kubectlOk(h, ['create', '-f', '-'], podYaml('defaulted'));
    const p = await get('/api/v1/namespaces/default/pods/defaulted');
    expect(p.spec).toMatchObject({ priorityClassName: 'default-prio', priority: 100, preemptionPolicy: 'PreemptLowerPriority' });
    // Deleting a class in use is allowed (upstream's plugin does not look at deletes); later pods get 0 again.
    await kubectlOk(h, ['delete', 'pc', 'default-prio']);
    await kubectlOk(h, ['delete', 'pod', 'defaulted', '--wait=false']);
  });
});

describe('Priority admission on pods', () => {
  it('a pod naming a class gets its value and policy; a system class works in any namespace', async () => {
    await kubectlOk(h, ['create', '-f', '-'], podYaml('prio', { cls: 'high-priority' }));
    expect((await get('/api/v1/namespaces/default/pods/prio')).spec).toMatchObject({ priority: 1000000, preemptionPolicy: 'PreemptLowerPriority' });
    await kubectlOk(h, ['create', '-f', '-'], podYaml('critical', { cls: 'system-node-critical' }));
    expect((await get('/api/v1/namespaces/default/pods/critical')).spec.priority).toBe(2000001000);
    await until('no default class left in the cache', async () => {
      await kubectlOk(h, ['create', '-f', '-'], podYaml('plain'));
      const p = await get('/api/v1/namespaces/default/pods/plain');
      if (p.spec.priority === 0) return p;
      await kubectlOk(h, ['delete', 'pod', 'plain', '--wait=false']);
      return undefined;
    });
    for (const n of ['prio', 'critical', 'plain']) await kubectlOk(h, ['delete', 'pod', n, '--wait=false']);
  });

  it('an unknown class and a mismatching priority are refused (403) with upstream\'s messages; nothing is stored', async () => {
    const unknown = await kubectl(h, ['create', '-f', '-'], { input: podYaml('p1', { cls: 'nope' }) });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Error from server (Forbidden): error when creating "STDIN": pods "p1" is forbidden: no PriorityClass with name nope was found');
    const mismatch = await kubectl(h, ['create', '-f', '-'], { input: podYaml('p2', { cls: 'low-priority', priority: 5 }) });
    expect(mismatch.stderr).toContain(
      'pods "p2" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 10 from the given PriorityClass name',
    );
    for (const n of ['p1', 'p2']) expect((await api(h, 'GET', `/api/v1/namespaces/default/pods/${n}`)).status).toBe(404);
  });
});

describe('preemption by the scheduler', () => {
  const ac = new AbortController();
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'w1', labels: { 'kubernetes.io/hostname': 'w1' } },
      status: {
        capacity: { cpu: '2', memory: '8Gi', pods: '110' },
        allocatable: { cpu: '2', memory: '8Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
      },
    };
    expect((await api(h, 'POST', '/api/v1/nodes', node)).status).toBe(201);
    const client = new KubeClient({ server: h.url, caData: h.caPem, token: SCHED_TOKEN, logger: silentLogger });
    running = runSchedulerProcess({ client, leaderElect: false, logger: silentLogger, initialBackoffMs: 200, maxBackoffMs: 1000 }, ac.signal);
  });
  afterAll(async () => {
    ac.abort();
    await running?.catch(() => undefined);
  });

  it('a high-priority pod preempts a low-priority one on a full node and is bound once the victim is gone', async () => {
    await kubectlOk(h, ['create', '-f', '-'], podYaml('low', { cls: 'low-priority', cpu: '1500m' }));
    await until('low bound', async () => (await get('/api/v1/namespaces/default/pods/low'))?.spec.nodeName === 'w1');
    await kubectlOk(h, ['create', '-f', '-'], podYaml('high', { cls: 'high-priority', cpu: '1500m' }));
    const lowUid = (await get('/api/v1/namespaces/default/pods/low')).metadata.uid;

    // The victim: DisruptionTarget, then a graceful delete (bound to a node, it waits for its kubelet).
    const victim = await until('low being deleted', async () => {
      const p = await get('/api/v1/namespaces/default/pods/low');
      return p?.metadata.deletionTimestamp ? p : undefined;
    });
    expect(victim.status.conditions.find((c: any) => c.type === 'DisruptionTarget')).toMatchObject({
      status: 'True',
      reason: 'PreemptionByScheduler',
      message: 'default-scheduler: preempting to accommodate a higher priority pod',
    });
    const high = await until('high nominated', async () => {
      const p = await get('/api/v1/namespaces/default/pods/high');
      return p?.status?.nominatedNodeName ? p : undefined;
    });
    expect(high.status.nominatedNodeName).toBe('w1');
    expect(high.spec.nodeName).toBeUndefined();
    const ev = await until('the Preempted event', async () => {
      const l = await get('/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dlow');
      return l.items.find((e: any) => e.reason === 'Preempted');
    });
    expect(ev).toMatchObject({ type: 'Normal', message: `Preempted by pod ${high.metadata.uid} on node w1`, involvedObject: { kind: 'Pod', name: 'low', uid: lowUid } });
    const failed = await until('a FailedScheduling for high', async () => {
      const l = await get('/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dhigh');
      return l.items.find((e: any) => e.reason === 'FailedScheduling');
    });
    expect(failed.message).toBe('0/1 nodes are available: 1 Insufficient cpu.');

    // The kubelet's part: the victim's containers are gone, its pod goes. Then the preemptor is bound there.
    await kubectlOk(h, ['delete', 'pod', 'low', '--grace-period=0', '--force']);
    const bound = await until('high bound', async () => {
      const p = await get('/api/v1/namespaces/default/pods/high');
      return p?.spec.nodeName ? p : undefined;
    });
    expect(bound.spec.nodeName).toBe('w1');
  }, 60_000);

  it('a non-preempting pod waits on a full node: nothing is evicted, upstream\'s message', async () => {
    await kubectlOk(h, ['create', '-f', '-'], podYaml('np', { cls: 'high-priority-nonpreempting', cpu: '1500m' }));
    const cond = await until('np unschedulable', async () => {
      const p = await get('/api/v1/namespaces/default/pods/np');
      return p?.status?.conditions?.find((c: any) => c.type === 'PodScheduled' && c.status === 'False');
    });
    // The full node's pod (high) has the same priority: not a victim anyway; Never stops preemption first.
    expect(cond.message).toBe('0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..');
    expect((await get('/api/v1/namespaces/default/pods/high')).metadata.deletionTimestamp).toBeUndefined();
  }, 30_000);

  it('no lower-priority pod to evict: upstream\'s preemption message', async () => {
    await kubectlOk(h, ['create', '-f', '-'], podYaml('low2', { cls: 'low-priority', cpu: '1500m' }));
    const cond = await until('low2 unschedulable', async () => {
      const p = await get('/api/v1/namespaces/default/pods/low2');
      return p?.status?.conditions?.find((c: any) => c.type === 'PodScheduled' && c.status === 'False');
    });
    expect(cond.message).toBe('0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..');
  }, 30_000);
});
