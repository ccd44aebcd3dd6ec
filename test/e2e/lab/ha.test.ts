/**
 * The HA control plane (issue 17): `scripts/lab up --ha` makes kubeadm's stacked-etcd topology
 * (scripts/lab-config/hosts-ha): controlplane01..03, each an etcd member, an API server, a scheduler and a
 * controller manager (--leader-elect=true); node01, node02; and a loadbalancer host whose haproxy (TCP :6443,
 * /readyz health checks) every client dials. Then the host that leads is lost: every control-plane process
 * of the host holding the leader-election Leases is SIGKILLed (by the PIDs the lab recorded), and
 *   - `kubectl get nodes` and creating a Deployment work again through the load balancer within 10 s,
 *   - the Leases of kube-scheduler and kube-controller-manager move to another host within their duration
 *     (plus one retry period: a candidate takes over once the lease went unrenewed for leaseDurationSeconds),
 *   - the new Deployment gets its pods (scheduled, and the ReplicaSet made, by the new leaders),
 *   - the kubernetes Service's Endpoints, which listed the three API servers, list only the two survivors once
 *     the lost one's lease (/registry/masterleases/<ip>, 15 s) expired and a survivor reconciled (10 s),
 * and `down` leaves nothing, the extra hosts' names included.
 *
 * One lab at a time on the machine (KUBELAB_E2E_LAB_DIR=/work/.lab-e2e-ha for this file; run under the host
 * lock): the file refuses to start when a lab is up and always runs `down`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLab, E2E_LAB_DIR, Lab, type AnyHost, kubelabBin, leftovers, repo, run, show, waitFor } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');
const CPS = ['controlplane01', 'controlplane02', 'controlplane03'] as const;
type Cp = (typeof CPS)[number];
const LB = 'https://192.168.56.30:6443';
/** Upstream's default --leader-elect-retry-period (2 s). */
const RETRY_PERIOD_MS = 2_000;
/** wait.JitterUntil's factor in client-go's leader election (and ours, api/client/leader-election.ts). */
const JITTER_FACTOR = 1.2;
/** Upstream's master lease TTL and endpoint reconcile interval (control-plane/apiserver/endpoint-reconciler.ts). */
const MASTER_LEASE_TTL_MS = 15_000;
const ENDPOINT_RECONCILE_INTERVAL_MS = 10_000;
const cpIP = (cp: Cp): string => `192.168.56.1${CPS.indexOf(cp) + 1}`;

/** Is the process running (not gone, not a zombie)? */
function alive(pid: number): boolean {
  try {
    return !/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

interface LeaseView { holder: string; host: string; durationS: number; transitions: number }

describe('HA control plane: scripts/lab up --ha, then the leading host is lost', () => {
  let lab: Lab;
  let lost: Cp;
  let killedAt = 0;
  /** Milliseconds from the kill until the kubernetes endpoints listed only the survivors (polled from the kill on). */
  let endpointsSettled: Promise<number> | undefined;
  const before: Record<string, LeaseView> = {};

  beforeAll(async () => {
    await assertNoLab(E2E_LAB_DIR);
    lab = new Lab(E2E_LAB_DIR, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 240_000);

  /** A leader-election Lease; its holder identity is <hostname>_<uuid>, the hostname the host's own (--ha). */
  async function lease(name: string): Promise<LeaseView> {
    const out = await lab.kc('-n', 'kube-system', 'get', 'lease', name, '-o',
      'jsonpath={.spec.holderIdentity}|{.spec.leaseDurationSeconds}|{.spec.leaseTransitions}');
    const [holder = '', d = '0', t = '0'] = out.trim().split('|');
    return { holder, host: holder.split('_')[0] ?? '', durationS: Number(d), transitions: Number(t) };
  }

  it('scripts/lab up --ha: 3 control planes, 2 workers, a load balancer', async () => {
    const r = await lab.up('containerd', ['--ha']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/==> load balancer \(haproxy\)/);
    expect(readFileSync(join(E2E_LAB_DIR, 'hosts'), 'utf8')).toMatch(/^loadbalancer\s+192\.168\.56\.30\s+loadbalancer$/m);
  }, 900_000);

  it('kubectl get nodes goes through the load balancer: 5 nodes Ready, control planes labelled', async () => {
    expect(readFileSync(lab.kubeconfig, 'utf8')).toContain(`server: ${LB}`);
    const out = await lab.kc('get', 'nodes', '-o',
      'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}');
    const rows = out.trim().split('\n').map((l) => l.trim());
    expect(rows.map((r) => r.split(' ')[0]).sort()).toEqual([...CPS, 'node01', 'node02'].sort());
    for (const r of rows) expect(r, r).toMatch(/ True$/);
    const cps = await lab.kc('get', 'nodes', '-l', 'node-role.kubernetes.io/control-plane', '-o', 'name');
    expect(cps.trim().split('\n').sort()).toEqual(CPS.map((c) => `node/${c}`));
    // Each API server answers on its own address too (its certificate names it), and the LB is not a node.
    for (const [i, cp] of CPS.entries()) {
      const r = await lab.kubectl(['--server', `https://192.168.56.1${i + 1}:6443`, 'get', '--raw=/readyz']);
      expect(r.code, `${cp}: ${show(r)}`).toBe(0);
    }
  }, 60_000);

  /** The addresses of Endpoints default/kubernetes and of its EndpointSlice. */
  async function apiEndpoints(): Promise<{ endpoints: string; slice: string }> {
    const ep = await lab.kc('get', 'endpoints', 'kubernetes', '-o', 'jsonpath={.subsets[*].addresses[*].ip}');
    const slice = await lab.kc('-n', 'default', 'get', 'endpointslices.discovery.k8s.io', 'kubernetes', '-o', 'jsonpath={.endpoints[*].addresses[*]}');
    return { endpoints: ep.trim(), slice: slice.trim() };
  }

  it('the kubernetes Service lists every API server: its Endpoints and EndpointSlice hold the three addresses', async () => {
    const all = CPS.map(cpIP).join(' ');
    await waitFor('the three API servers in the kubernetes endpoints', 20_000, async () => {
      const e = await apiEndpoints();
      return e.endpoints === all && e.slice === all;
    }, 500);
    expect(await lab.kc('get', 'endpoints', 'kubernetes')).toMatch(/^kubernetes\s+192\.168\.56\.11:6443,192\.168\.56\.12:6443,192\.168\.56\.13:6443\s/m);
  }, 60_000);

  it('etcdctl member list: 3 members, all started, one per control plane', async () => {
    const r = await lab.exec('controlplane02', ['etcdctl', 'member', 'list']);
    expect(r.code, show(r)).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split(', '));
    expect(rows).toHaveLength(3);
    expect(rows.map((c) => c[1])).toEqual(['started', 'started', 'started']);
    expect(rows.map((c) => c[2]).sort()).toEqual([...CPS]);
    expect(rows.map((c) => c[3]).sort()).toEqual(CPS.map((_, i) => `https://192.168.56.1${i + 1}:2380`));
  }, 60_000);

  it('the Leases of kube-scheduler and kube-controller-manager are held by a control plane', async () => {
    for (const name of ['kube-scheduler', 'kube-controller-manager']) {
      const l = await lease(name);
      expect(CPS as readonly string[], `${name} held by ${l.holder}`).toContain(l.host);
      expect(l.durationS).toBeGreaterThan(0);
      before[name] = l;
    }
    // Every control plane runs a candidate of each (PIDs the lab recorded).
    for (const cp of CPS) for (const c of ['scheduler', 'controller-manager']) expect(lab.pidOf(cp, c)).toBeGreaterThan(0);
  }, 60_000);

  it('SIGKILL of etcd, the API server, the scheduler and the controller manager of the leading host: the API answers again within 10 s', async () => {
    lost = before['kube-controller-manager']!.host as Cp;
    const pids = ['etcd', 'apiserver', 'scheduler', 'controller-manager'].map((c) => lab.pidOf(lost as AnyHost, c));
    killedAt = Date.now();
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    const survivors = CPS.filter((c) => c !== lost).map(cpIP).join(' ');
    endpointsSettled = waitFor('only the surviving API servers in the kubernetes endpoints', 60_000, async () => {
      const e = await apiEndpoints().catch(() => undefined);
      return e && e.endpoints === survivors && e.slice === survivors;
    }, 500).then(() => Date.now() - killedAt);
    endpointsSettled.catch(() => undefined);
    const { ms } = await waitFor('kubectl get nodes and a new Deployment through the load balancer', 30_000, async () => {
      const nodes = await lab.kubectl(['get', 'nodes', '--request-timeout=3s'], { timeoutMs: 5_000 });
      if (nodes.code !== 0 || !/node01/.test(nodes.stdout)) return false;
      const dep = await lab.kubectl(['create', 'deployment', 'after-failover', '--image=nginx', '--replicas=2', '--request-timeout=3s'], { timeoutMs: 5_000 });
      return dep.code === 0 || /AlreadyExists/.test(dep.stderr) ? true : false;
    }, 200);
    const tookMs = Date.now() - killedAt;
    console.log(`API through the load balancer answered ${tookMs} ms after ${lost} was lost (wait ${ms} ms)`);
    expect(tookMs).toBeLessThan(10_000);
    // Gone, or a zombie nobody reaped yet (the lab's daemons are not this process's children).
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
  }, 60_000);

  it('the Leases move to another control plane within their duration plus two jittered retry periods', async () => {
    for (const name of ['kube-scheduler', 'kube-controller-manager']) {
      const was = before[name]!;
      // Upstream's bound: a candidate sees the last renewal up to one jittered retry period late (it polls every
      // retryPeriod x (1..2.2)), waits leaseDuration from what it saw, then takes the lease at its next poll, up
      // to one more jittered period. A CI run measured 17.9 s against the old "duration + one period" (17 s).
      const limit = was.durationS * 1000 + 2 * RETRY_PERIOD_MS * (1 + JITTER_FACTOR);
      await waitFor(`${name} Lease taken over`, limit + 20_000, async () => {
        const l = await lease(name).catch(() => undefined);
        return l && l.host !== lost && (CPS as readonly string[]).includes(l.host) ? l : undefined;
      }, 250);
      const tookMs = Date.now() - killedAt;
      const now = await lease(name);
      console.log(`${name}: ${was.holder} -> ${now.holder} within ${tookMs} ms of the kill (limit ${limit} ms)`);
      if (was.host === lost) {
        expect(tookMs).toBeLessThanOrEqual(limit);
        expect(now.transitions).toBeGreaterThan(was.transitions);
      }
      expect(now.host).not.toBe(lost);
    }
  }, 120_000);

  it('the lost API server leaves the kubernetes endpoints within its lease TTL plus one reconcile interval', async () => {
    const tookMs = await endpointsSettled!;
    console.log(`kubernetes endpoints without ${lost} (${cpIP(lost)}) ${tookMs} ms after the kill`);
    expect(tookMs).toBeLessThanOrEqual(MASTER_LEASE_TTL_MS + ENDPOINT_RECONCILE_INTERVAL_MS + 3_000);
  }, 90_000);

  it('etcd keeps a quorum of 2 of 3; the new Deployment gets its pods on the workers', async () => {
    const survivor = CPS.find((c) => c !== lost)!;
    const h = await lab.exec(survivor, ['etcdctl', 'endpoint', 'health']);
    expect(h.code, show(h)).toBe(0);
    await waitFor('deployment after-failover Available', 150_000, async () => {
      const r = await lab.kubectl(['get', 'deployment', 'after-failover', '-o', 'jsonpath={.status.availableReplicas}']);
      return r.code === 0 && r.stdout.trim() === '2';
    }, 1000);
    const nodes = (await lab.kc('get', 'pods', '-l', 'app=after-failover', '-o', 'jsonpath={.items[*].spec.nodeName}')).trim().split(' ');
    expect(nodes).toHaveLength(2);
    for (const n of nodes) expect(['node01', 'node02']).toContain(n);
  }, 180_000);

  it('down leaves nothing behind: no namespace, veth or process of any of the six hosts', async () => {
    const r = await lab.down();
    expect(r.code, show(r)).toBe(0);
    for (const n of ['kubelab-loadbalancer', 'kubelab-controlplane02', 'kubelab-controlplane03']) expect(r.stdout).toContain(`deleted namespace ${n}`);
    expect(r.stdout).toMatch(/stopped haproxy on loadbalancer/);
    expect(await leftovers(E2E_LAB_DIR)).toEqual([]);
    // (a veth goes with its namespace's end: none is left either way)
    for (const l of ['kl-cp01', 'kl-cp02', 'kl-cp03', 'kl-loadbalancer', 'kl-node01', 'kl-node02', 'kubelab0']) {
      expect((await run('ip', ['link', 'show', l])).code, l).not.toBe(0);
    }
  }, 240_000);
});
