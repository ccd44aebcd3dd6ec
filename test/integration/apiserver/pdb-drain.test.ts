/**
 * PodDisruptionBudgets end to end, with the real API server over etcd, the real kubectl and the real controllers
 * (replicaset, deployment, disruption) in this process. No kubelet runs: hollow nodes (test/support/hollow-nodes.ts)
 * play it (pods bound to them turn Ready, graceful deletions finish) and a tiny binder plays the scheduler (an
 * unbound pod goes to the first node that is not cordoned).
 *
 *   kubectl create pdb ──► disruption controller computes the status ──► kubectl get pdb
 *   kubectl drain n1 (2 replicas, minAvailable=2) ──► 429s, drain retries every 5 s until --timeout
 *   kubectl scale --replicas=3 (the third pod lands on n2) ──► drain evicts one pod at a time ──► node/n1 drained
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setMaxListeners } from 'node:events';
import { KubeClient } from '../../../api/client/api-client.js';
import { InformerFactory } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { findResource } from '../../../api/resources.js';
import { buildControllers, parseFlags } from '../../../control-plane/controllers/main.js';
import { newControllerContext } from '../../../control-plane/controllers/util/context.js';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl, kubectlOk } from '../../support/apiserver.js';
import { HollowNodes } from '../../support/hollow-nodes.js';
import { poll } from '../../support/net.js';

const PODS = findResource('', 'pods')!;
const NODES = findResource('', 'nodes')!;
const PDBS = findResource('policy', 'poddisruptionbudgets')!;

let s: ApiOverEtcd;
useApiServerOverEtcd((x) => (s = x));

let client: KubeClient;
let nodes: HollowNodes | undefined;
const stop = new AbortController();
setMaxListeners(100, stop.signal);
let running: Promise<unknown> | undefined;
let informers: InformerFactory | undefined;
let binder: ReturnType<typeof setInterval> | undefined;

/** The scheduler's part: bind pending pods to the first node that is not cordoned. */
async function bindPending(): Promise<void> {
  const ns = (await client.list<any>(NODES, undefined)).items.filter((n) => !n.spec?.unschedulable).map((n) => n.metadata.name).sort();
  if (ns.length === 0) return;
  for (const p of (await client.list<any>(PODS, 'default')).items) {
    if (p.spec?.nodeName || p.metadata?.deletionTimestamp) continue;
    await client.bind('default', p.metadata.name, ns[0], p.metadata.uid).catch(() => undefined);
  }
}

beforeAll(async () => {
  client = KubeClient.fromKubeconfig(s.h.kubeconfig, undefined, { qps: 200, burst: 400 });
  nodes = new HollowNodes({ kubeconfig: s.h.kubeconfig, leaseRenewMs: 500 });
  await nodes.start([{ name: 'n1' }, { name: 'n2' }]);
  // Pod CIDRs (the node-ipam controller's job) give the hollow kubelets pod IPs; n2 starts cordoned, so the
  // Deployment's two pods land on n1.
  await client.patch(NODES, undefined, 'n1', { spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } }, 'merge');
  await client.patch(NODES, undefined, 'n2', { spec: { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'], unschedulable: true } }, 'merge');
  informers = new InformerFactory(client, { resyncPeriodMs: 60_000 });
  const ctx = newControllerContext(client, informers, { logger: () => silentLogger });
  const controllers = buildControllers(ctx, parseFlags(['--controllers=replicaset-controller,deployment-controller,disruption-controller']));
  expect(controllers.map((c) => c.name)).toEqual(['replicaset-controller', 'deployment-controller', 'disruption-controller']);
  informers.start();
  running = Promise.all(controllers.map((c) => c.run(stop.signal)));
  binder = setInterval(() => void bindPending().catch(() => undefined), 300);
}, 60_000);

afterAll(async () => {
  if (binder) clearInterval(binder);
  stop.abort();
  await running;
  await informers?.stop();
  await nodes?.stop();
});

const pdbStatus = async () => (await client.get<any>(PDBS, 'default', 'web-pdb')).status ?? {};
const ready = (p: any): boolean => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
/** The web pods on a node that are not going; with `readyOnly`, only the Ready ones. */
const podsOn = async (node: string, readyOnly = false) =>
  (await client.list<any>(PODS, 'default', { labelSelector: 'app=web' })).items
    .filter((p) => p.spec?.nodeName === node && !p.metadata?.deletionTimestamp && (!readyOnly || ready(p)))
    .map((p) => p.metadata.name as string);

describe('PodDisruptionBudget and kubectl drain', () => {
  it('kubectl create pdb: the disruption controller fills in the status; kubectl get pdb prints upstream columns', async () => {
    await kubectlOk(s.h, ['create', 'deployment', 'web', '--image=nginx', '--replicas=2']);
    await poll('two Ready pods on n1', 30_000, async () => ((await podsOn('n1', true)).length === 2 ? true : undefined));
    expect(await kubectlOk(s.h, ['create', 'pdb', 'web-pdb', '--selector=app=web', '--min-available=2'])).toBe('poddisruptionbudget.policy/web-pdb created\n');
    const { value: st } = await poll('the PDB status', 30_000, async () => {
      const x = await pdbStatus();
      return x.currentHealthy === 2 ? x : undefined;
    });
    expect(st).toMatchObject({ observedGeneration: 1, expectedPods: 2, desiredHealthy: 2, currentHealthy: 2, disruptionsAllowed: 0 });
    expect(st.conditions).toEqual([expect.objectContaining({ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', observedGeneration: 1 })]);
    const out = await kubectlOk(s.h, ['get', 'pdb']);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$/);
    expect(out.split('\n')[1]).toMatch(/^web-pdb\s+2\s+N\/A\s+0\s+\S+$/);
    const described = await kubectlOk(s.h, ['describe', 'pdb', 'web-pdb']);
    expect(described).toMatch(/Min available:\s+2\n/);
    expect(described).toMatch(/Selector:\s+app=web\n/);
    expect(described).toMatch(/Allowed disruptions:\s+0\n\s+Current:\s+2\n\s+Desired:\s+2\n\s+Total:\s+2\n/);
    // The short name and the kind's validation (kubectl refuses both flags itself, so the API is asked directly).
    expect(await kubectlOk(s.h, ['get', 'poddisruptionbudgets.policy', '-o', 'name'])).toBe('poddisruptionbudget.policy/web-pdb\n');
    const bad = await kubectl(s.h, ['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'bad' }, spec: { minAvailable: '120%', selector: { matchLabels: { app: 'web' } } } }),
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('The PodDisruptionBudget "bad" is invalid: spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%');
  }, 90_000);

  it('kubectl drain keeps retrying while the budget allows no disruption, and gives up at --timeout', async () => {
    const r = await kubectl(s.h, ['drain', 'n1', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=8s'], { timeoutMs: 60_000 });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('node/n1 cordoned');
    const pods = await podsOn('n1');
    expect(pods).toHaveLength(2);
    expect(r.stderr).toMatch(
      new RegExp(`error when evicting pods/"(${pods.join('|')})" -n "default" \\(will retry after 5s\\): Cannot evict pod as it would violate the pod's disruption budget\\.`),
    );
    // The answer itself, as upstream's: a 429 Status with the DisruptionBudget cause and no Retry-After (client-go
    // would wait and retry by itself on one); a dry run is refused the same way.
    for (const q of ['', '?dryRun=All']) {
      const ev = await api(s.h, 'POST', `/api/v1/namespaces/default/pods/${pods[0]}/eviction${q}`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pods[0] } });
      expect(ev.status).toBe(429);
      expect(ev.headers['retry-after']).toBeUndefined();
      expect(ev.json()).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: "Cannot evict pod as it would violate the pod's disruption budget.",
        reason: 'TooManyRequests',
        details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently' }] },
        code: 429,
      });
    }
    // Nothing was taken from the budget, and the pods carry no DisruptionTarget condition.
    expect((await pdbStatus()).disruptionsAllowed).toBe(0);
    for (const p of (await client.list<any>(PODS, 'default')).items) {
      expect((p.status?.conditions ?? []).map((c: any) => c.type)).not.toContain('DisruptionTarget');
    }
  }, 90_000);

  it('once the budget allows, drain evicts one pod at a time and the node is drained', async () => {
    // n1 is cordoned by the first drain; n2 takes the new pods.
    await client.patch(NODES, undefined, 'n2', { spec: { unschedulable: false } }, 'merge');
    await kubectlOk(s.h, ['scale', 'deployment', 'web', '--replicas=3']);
    await poll('one disruption allowed', 30_000, async () => ((await pdbStatus()).disruptionsAllowed === 1 ? true : undefined));
    const r = await kubectl(s.h, ['drain', 'n1', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=90s'], { timeoutMs: 120_000 });
    expect(r.stderr + r.stdout).toContain('node/n1 drained');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/pod\/web-\S+ evicted/);
    // Both evictions start at once; the budget (1) lets one through, the other waits for its replacement.
    expect(r.stderr).toContain("(will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.");
    expect(await podsOn('n1')).toEqual([]);
    await poll('three Ready pods on n2 and the budget back', 30_000, async () => {
      const st = await pdbStatus();
      return (await podsOn('n2', true)).length === 3 && st.currentHealthy === 3 && st.disruptionsAllowed === 1 && !st.disruptedPods ? true : undefined;
    });
  }, 150_000);

  it('a pod two PDBs select cannot be evicted: upstream 500 Status', async () => {
    await kubectlOk(s.h, ['create', 'pdb', 'web-pdb-2', '--selector=app=web', '--max-unavailable=1']);
    await poll('the second PDB observed', 30_000, async () => ((await client.get<any>(PDBS, 'default', 'web-pdb-2')).status?.observedGeneration === 1 ? true : undefined));
    const [name] = await podsOn('n2');
    const ev = await api(s.h, 'POST', `/api/v1/namespaces/default/pods/${name}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name } });
    expect(ev.status).toBe(500);
    expect(ev.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      code: 500,
    });
    expect(await podsOn('n2')).toContain(name);
  }, 60_000);
});
