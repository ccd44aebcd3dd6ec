/**
 * Issue 3 acceptance: the scheduler's filters seen through kubectl — an unschedulable pod's
 * upstream-form FailedScheduling message, the control-plane NoSchedule taint, nodeSelector and
 * required node affinity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../support/apiserver.js';
import { getJson, isReady, listPods, live, ok, spread, startCluster, until, type Cluster } from './setup.js';

let c: Cluster;

beforeAll(async () => {
  c = await startCluster({
    nodes: [
      { name: 'cp', cpu: '4', labels: { 'node-role.kubernetes.io/control-plane': '' }, taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
      { name: 'worker-1', cpu: '4', labels: { disktype: 'ssd', 'topology.kubernetes.io/zone': 'z1' } },
      { name: 'worker-2', cpu: '4', labels: { disktype: 'hdd', 'topology.kubernetes.io/zone': 'z2' } },
    ],
  });
});
afterAll(async () => {
  await c?.stop();
});

function deployment(name: string, replicas: number, podSpec: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...podSpec } },
    },
  });
}

async function settled(name: string, n: number): Promise<Record<string, number>> {
  const pods = await until(`${n} ready pods of ${name}`, async () => {
    const p = (await listPods(c.h, 'default', `app=${name}`)).filter(live);
    return p.length === n && p.every(isReady) ? p : undefined;
  }, 30_000, c);
  return spread(pods);
}

describe('scheduling on hollow nodes', () => {
  it('a pod asking for more CPU than any node has stays Pending with the upstream FailedScheduling message', async () => {
    await ok(c.h, ['run', 'big', '--image=nginx', '--overrides', JSON.stringify({ spec: { containers: [{ name: 'big', image: 'nginx', resources: { requests: { cpu: '8' } } }] } })]);
    // 8 cpu is more than any node has at all: DefaultPreemption finds no node where eviction helps.
    const want =
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.' +
      ' preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..';
    const pod = await until('PodScheduled=False', async () => {
      const p = await getJson(c.h, '/api/v1/namespaces/default/pods/big');
      return (p.status?.conditions ?? []).some((x: any) => x.type === 'PodScheduled' && x.status === 'False') ? p : undefined;
    }, 20_000, c);
    expect(pod.spec.nodeName).toBeUndefined();
    expect(pod.status.phase).toBe('Pending');
    expect(pod.status.conditions.find((x: any) => x.type === 'PodScheduled')).toMatchObject({ reason: 'Unschedulable', message: want });
    const describe = await until('the FailedScheduling event', async () => {
      const out = await ok(c.h, ['describe', 'pod', 'big']);
      return out.includes('FailedScheduling') ? out : undefined;
    }, 20_000, c);
    expect(describe).toMatch(/Status:\s+Pending/);
    expect(describe).toMatch(/Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/3 nodes are available: 1 node\(s\) had untolerated taint \{node-role\.kubernetes\.io\/control-plane: \}, 2 Insufficient cpu\./);
    // Still not placed a while later (retried with backoff, never bound).
    await new Promise((r) => setTimeout(r, 2500));
    expect((await getJson(c.h, '/api/v1/namespaces/default/pods/big')).spec.nodeName).toBeUndefined();
  }, 60_000);

  it('the pending pod is placed once a node that fits joins, with a Scheduled event', async () => {
    await c.nodes.addNode({ name: 'big-node', cpu: '16' });
    const p = await until('big bound', async () => {
      const x = await getJson(c.h, '/api/v1/namespaces/default/pods/big');
      return x.spec.nodeName ? x : undefined;
    }, 30_000, c);
    expect(p.spec.nodeName).toBe('big-node');
    const ev = await until('a Scheduled event', async () => {
      const l = await getJson(c.h, '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dbig');
      return l.items.find((e: any) => e.reason === 'Scheduled');
    }, 10_000, c);
    expect(ev.message).toBe('Successfully assigned default/big to big-node');
    // Leave three nodes for the tests below.
    await ok(c.h, ['delete', 'pod', 'big', '--wait=true']);
    await ok(c.h, ['cordon', 'big-node']);
  }, 60_000);

  it('the control-plane NoSchedule taint keeps pods off unless they tolerate it', async () => {
    await ok(c.h, ['apply', '-f', '-'], deployment('plain', 6, {}));
    const s1 = await settled('plain', 6);
    expect(s1.cp ?? 0).toBe(0);
    expect(s1['big-node'] ?? 0).toBe(0); // cordoned
    expect((s1['worker-1'] ?? 0) + (s1['worker-2'] ?? 0)).toBe(6);

    await ok(c.h, ['apply', '-f', '-'], deployment('tolerant', 6, { tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] }));
    const s2 = await settled('tolerant', 6);
    expect(s2.cp ?? 0).toBeGreaterThan(0);
    expect(s2['big-node'] ?? 0).toBe(0);
    await ok(c.h, ['delete', 'deployment', 'plain', 'tolerant']);
  }, 60_000);

  it('nodeSelector and required node affinity are honoured', async () => {
    await ok(c.h, ['apply', '-f', '-'], deployment('ssd', 4, { nodeSelector: { disktype: 'ssd' } }));
    expect(await settled('ssd', 4)).toEqual({ 'worker-1': 4 });

    await ok(c.h, ['apply', '-f', '-'], deployment('zoned', 4, {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['z2'] }] }] } } },
    }));
    expect(await settled('zoned', 4)).toEqual({ 'worker-2': 4 });

    // Nothing matches: Pending with the affinity reason counted over every node.
    await ok(c.h, ['apply', '-f', '-'], deployment('nowhere', 1, { nodeSelector: { disktype: 'nvme' } }));
    const p = await until('nowhere pending with a message', async () => {
      const [x] = await listPods(c.h, 'default', 'app=nowhere');
      const cond = (x?.status?.conditions ?? []).find((y: any) => y.type === 'PodScheduled' && y.status === 'False');
      return cond ? { x, cond } : undefined;
    }, 20_000, c);
    expect(p.x.spec.nodeName).toBeUndefined();
    expect(p.cond.message).toBe(
      "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector." +
        ' preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling..',
    );
    const r = await api(c.h, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/nowhere');
    expect(r.status).toBe(200);
  }, 60_000);
});
