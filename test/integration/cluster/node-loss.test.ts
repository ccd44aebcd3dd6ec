/**
 * Issue 3 acceptance: a hollow node stops renewing its Lease. After --node-monitor-grace-period
 * (shortened to 5 s) it is NotReady (Ready Unknown) and tainted node.kubernetes.io/unreachable
 * NoSchedule + NoExecute; its pods (tolerating unreachable for 5 s) are evicted and re-created
 * on the other nodes; when it renews again the taints go.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, isReady, listPods, live, ok, spread, startCluster, until, type Cluster } from './setup.js';

let c: Cluster;
const GRACE_S = 5;
const TOLERATION_S = 5;

beforeAll(async () => {
  c = await startCluster({
    nodes: ['node-a', 'node-b', 'node-c'].map((name) => ({ name })),
    controllerManager: [`--node-monitor-grace-period=${GRACE_S}s`],
  });
});
afterAll(async () => {
  await c?.stop();
});

const web = JSON.stringify({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 6,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'web', image: 'nginx' }],
        tolerations: [
          { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_S },
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_S },
        ],
      },
    },
  },
});

const node = (name: string) => getJson(c.h, `/api/v1/nodes/${name}`);
const readyOf = (n: any) => (n.status?.conditions ?? []).find((x: any) => x.type === 'Ready');
const taintsOf = (n: any) => (n.spec?.taints ?? []).map((t: any) => `${t.key}:${t.effect}`).sort();

describe('losing a hollow node', () => {
  it('Lease silence -> Ready Unknown + unreachable taints -> pods re-created elsewhere -> back: taints go', async () => {
    await ok(c.h, ['apply', '-f', '-'], web);
    const before = await until('6 ready web pods', async () => {
      const p = (await listPods(c.h, 'default', 'app=web')).filter(live);
      return p.length === 6 && p.every(isReady) ? p : undefined;
    }, 30_000, c);
    expect(spread(before)).toEqual({ 'node-a': 2, 'node-b': 2, 'node-c': 2 });
    const onA = new Set(before.filter((p) => p.spec.nodeName === 'node-a').map((p) => p.metadata.uid));

    const frozenAt = Date.now();
    c.nodes.freeze('node-a');
    await new Promise((r) => setTimeout(r, 1000));
    expect(readyOf(await node('node-a')).status).toBe('True'); // not before the grace period

    const lost = await until('node-a Ready Unknown with the unreachable taints', async () => {
      const n = await node('node-a');
      return readyOf(n)?.status === 'Unknown' && taintsOf(n).length === 2 ? n : undefined;
    }, 20_000, c);
    const unknownAfter = Date.now() - frozenAt;
    expect(unknownAfter).toBeGreaterThanOrEqual(GRACE_S * 1000 - 2100); // the last renewal was up to 2 s before the freeze
    expect(readyOf(lost)).toMatchObject({ reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(taintsOf(lost)).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    expect(await ok(c.h, ['get', 'node', 'node-a'])).toMatch(/node-a\s+NotReady/);
    for (const other of ['node-b', 'node-c']) expect(taintsOf(await node(other))).toEqual([]);

    // The two pods on node-a: evicted once their 5 s toleration ran out, replaced on node-b / node-c.
    const after = await until('6 ready web pods on node-b and node-c', async () => {
      const p = (await listPods(c.h, 'default', 'app=web')).filter(live);
      const s = spread(p);
      return p.length === 6 && p.every(isReady) && !s['node-a'] ? p : undefined;
    }, 40_000, c);
    expect(Object.values(spread(after)).sort()).toEqual([3, 3]);
    for (const p of after) expect(onA.has(p.metadata.uid)).toBe(false);
    const evicted = (await listPods(c.h, 'default', 'app=web')).filter((p) => onA.has(p.metadata.uid));
    // The dead kubelet cannot finish them: they wait Terminating, as upstream.
    for (const p of evicted) expect(p.metadata.deletionTimestamp).toBeTruthy();
    const ev = await getJson(c.h, '/api/v1/namespaces/default/events?fieldSelector=reason%3DTaintManagerEviction');
    expect(ev.items.length).toBeGreaterThanOrEqual(2);

    // node-a comes back: Ready again, taints gone, the Terminating pods finished by its kubelet.
    await c.nodes.resume('node-a');
    const back = await until('node-a Ready without taints', async () => {
      const n = await node('node-a');
      return readyOf(n)?.status === 'True' && taintsOf(n).length === 0 ? n : undefined;
    }, 20_000, c);
    expect(back.spec.taints ?? []).toEqual([]);
    await until('no pod left on node-a', async () => (await listPods(c.h, 'default', 'app=web')).every((p) => p.spec.nodeName !== 'node-a'), 15_000, c);
    const final = await listPods(c.h, 'default', 'app=web');
    expect(final).toHaveLength(6);
    expect(final.every(isReady)).toBe(true);

    // And it takes pods again.
    await ok(c.h, ['scale', 'deployment/web', '--replicas=9']);
    const nine = await until('9 ready', async () => {
      const p = (await listPods(c.h, 'default', 'app=web')).filter(live);
      return p.length === 9 && p.every(isReady) ? p : undefined;
    }, 30_000, c);
    expect(spread(nine)['node-a']).toBeGreaterThan(0);
  }, 120_000);
});
