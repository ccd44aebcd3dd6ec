/**
 * The proxy on the one-machine lab (issue 5), with real iptables and real pods (containerd): a 3-replica
 * Deployment whose pods answer with their own names (busybox httpd serving the name from the downward API)
 * behind a ClusterIP Service and a NodePort Service: 40 requests from every host and from a pod reach all 3
 * pods; the NodePort answers on every node's address; a pod made unready stops getting traffic; scale to 1
 * and back to 3 and the traffic follows within 2 s; deleting the Service removes its KUBE-SVC/KUBE-SEP
 * chains on every host; `iptables -t nat -F` by hand on a node is repaired by the next full sync
 * (--iptables-sync-period of the lab's proxy flags, default 30 s), with no duplicate jump.
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertNoLab,
  E2E_LAB_DIR,
  durationMs,
  HOST_IP,
  HOSTS,
  Lab,
  kubelabBin,
  leftovers,
  repo,
  show,
  tally,
  waitFor,
  type Host,
  type Pod,
} from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');
const NS = 'proxy';
const N = 40;

const WHOAMI = `
apiVersion: v1
kind: Namespace
metadata: {name: ${NS}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: whoami, namespace: ${NS}}
spec:
  replicas: 3
  selector: {matchLabels: {app: whoami}}
  template:
    metadata: {labels: {app: whoami}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: httpd
          image: busybox
          command: ["sh", "-c", "mkdir -p /www && echo \\"$POD_NAME\\" >/www/index.html && echo ok >/www/ready.txt && exec httpd -f -p 8080 -h /www"]
          env:
            - name: POD_NAME
              valueFrom: {fieldRef: {fieldPath: metadata.name}}
          ports: [{containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /ready.txt, port: 8080}
            periodSeconds: 1
            failureThreshold: 1
---
apiVersion: v1
kind: Service
metadata: {name: whoami, namespace: ${NS}}
spec:
  selector: {app: whoami}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: whoami-np, namespace: ${NS}}
spec:
  type: NodePort
  selector: {app: whoami}
  ports: [{port: 80, targetPort: 8080}]
`;

describe('the proxy on the lab (containerd): Services through real iptables', () => {
  let lab: Lab;
  const labDir = E2E_LAB_DIR;
  let cip = '';
  let npCip = '';
  let nodePort = 0;

  const live = async () => (await lab.pods(NS, 'app=whoami')).filter((p: Pod) => !p.metadata.deletionTimestamp);
  /** n requests from a host to url, one answer (a pod name, or "FAIL") per line. */
  const hits = async (from: Host, url: string, n = N) => {
    const r = await lab.sh(from, `for i in $(seq ${n}); do curl -s --max-time 2 ${url} || echo FAIL; done`);
    expect(r.code, show(r)).toBe(0);
    return tally(r.stdout);
  };
  const readyAddresses = async (svc: string) =>
    (await lab.kc('-n', NS, 'get', 'endpoints', svc, '-o', 'jsonpath={.subsets[*].addresses[*].ip}')).split(/\s+/).filter(Boolean);
  /** The KUBE-SVC chain of a ClusterIP and the KUBE-SEP chains it jumps to, in an iptables-save of the nat table. */
  const chainsOf = (save: string, ip: string) => {
    const svc = new Set<string>();
    const re = ip.replaceAll('.', '\\.');
    for (const m of save.matchAll(new RegExp(`^-A KUBE-SERVICES .*-d ${re}(?:/32)? .*-j (KUBE-SVC-\\S+)`, 'gm'))) svc.add(m[1]!);
    const sep = new Set<string>();
    for (const c of svc) for (const m of save.matchAll(new RegExp(`^-A ${c} .*-j (KUBE-SEP-\\S+)`, 'gm'))) sep.add(m[1]!);
    return [...svc, ...sep];
  };
  /**
   * Waits until every host's proxy has programmed the Service at ip with `endpoints` endpoints. Ready
   * Endpoints reach the rules up to --iptables-min-sync-period (1 s) later, on each host on its own
   * schedule, so traffic is only asserted after this.
   */
  const programmedEverywhere = async (ip: string, endpoints: number) => {
    const saves = new Map<Host, string>();
    for (const h of HOSTS) {
      const { value } = await waitFor(`${endpoints} KUBE-SEP chains of ${ip} on ${h}`, 10_000, async () => {
        const text = (await lab.exec(h, ['iptables-save', '-t', 'nat'])).stdout;
        return chainsOf(text, ip).length === endpoints + 1 ? text : undefined;
      }, 100);
      saves.set(h, value);
    }
    return saves;
  };

  beforeAll(async () => {
    await assertNoLab(labDir);
    lab = new Lab(labDir, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  it('scripts/lab up, and a 3-replica Deployment of pods answering with their names', async () => {
    const r = await lab.up('containerd');
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).not.toContain('PARTIAL');
    await lab.apply(WHOAMI);
    const w = await lab.kubectl(['-n', NS, 'wait', '--for', 'condition=Available', 'deployment/whoami', '--timeout=90s'], { timeoutMs: 100_000 });
    expect(w.code, show(w)).toBe(0);
    await waitFor('3 ready endpoints', 20_000, async () => (await readyAddresses('whoami')).length === 3);
    cip = (await lab.kc('-n', NS, 'get', 'svc', 'whoami', '-o', 'jsonpath={.spec.clusterIP}')).trim();
    npCip = (await lab.kc('-n', NS, 'get', 'svc', 'whoami-np', '-o', 'jsonpath={.spec.clusterIP}')).trim();
    nodePort = Number(await lab.kc('-n', NS, 'get', 'svc', 'whoami-np', '-o', 'jsonpath={.spec.ports[0].nodePort}'));
    expect(cip).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    await programmedEverywhere(cip, 3);
    await programmedEverywhere(npCip, 3);
  }, 450_000);

  it(`${N} requests to the ClusterIP from every host reach all 3 pods`, async () => {
    const names = (await live()).map((p) => p.metadata.name).sort();
    expect(names).toHaveLength(3);
    for (const from of HOSTS) {
      const t = await hits(from, `http://${cip}/`);
      expect([...t.keys()].sort(), `answers from ${from}: ${JSON.stringify([...t])}`).toEqual(names);
    }
  }, 60_000);

  it(`${N} requests to the ClusterIP from a pod reach all 3 pods (itself included, hairpin)`, async () => {
    const pods = await live();
    const names = pods.map((p) => p.metadata.name).sort();
    const r = await lab.kubectl(['-n', NS, 'exec', pods[0]!.metadata.name, '--', 'sh', '-c', `for i in $(seq ${N}); do timeout 3 wget -qO- http://${cip}/ || echo FAIL; done`]);
    expect(r.code, show(r)).toBe(0);
    expect([...tally(r.stdout).keys()].sort(), r.stdout).toEqual(names);
  }, 60_000);

  it('the NodePort answers on every node\'s address, from every host', async () => {
    const names = new Set((await live()).map((p) => p.metadata.name));
    for (const from of HOSTS) {
      for (const to of HOSTS) {
        const r = await lab.exec(from, ['curl', '-s', '--max-time', '3', `http://${HOST_IP[to]}:${nodePort}/`]);
        expect(names.has(r.stdout.trim()), show(r, `${from} -> ${HOST_IP[to]}:${nodePort}: `)).toBe(true);
      }
    }
  }, 60_000);

  it('a pod made unready gets no traffic; ready again, it does', async () => {
    const pods = await live();
    const victim = pods[0]!.metadata.name;
    const t0 = Date.now();
    await lab.kc('-n', NS, 'exec', victim, '--', 'rm', '/www/ready.txt');
    await waitFor(`${victim} out of the endpoints`, 15_000, async () => (await readyAddresses('whoami')).length === 2);
    const outMs = Date.now() - t0;
    // Once every host's rules have the 2 ready endpoints left, no request reaches the unready pod
    // (how fast rules follow the endpoints is the scale test's measure).
    await programmedEverywhere(cip, 2);
    for (const from of ['node01', 'node02'] as Host[]) {
      const t = await hits(from, `http://${cip}/`);
      expect(t.has(victim), `answers from ${from}: ${JSON.stringify([...t])}`).toBe(false);
      expect(t.size, JSON.stringify([...t])).toBe(2);
      expect(t.has('FAIL')).toBe(false);
    }
    await lab.kc('-n', NS, 'exec', victim, '--', 'sh', '-c', 'echo ok >/www/ready.txt');
    await waitFor(`${victim} back in the endpoints`, 15_000, async () => (await readyAddresses('whoami')).length === 3);
    const back = await waitFor(`${victim} answering again`, 5_000, async () => ((await hits('node01', `http://${cip}/`, 20)).has(victim) ? true : undefined), 100);
    console.log(`[proxy] unready pod out of the endpoints after ${outMs} ms; ready again, traffic after ${back.ms} ms`);
  }, 90_000);

  it('scale to 1 and back to 3: the traffic follows the endpoints within 2 s', async () => {
    // Endpoints and traffic are polled side by side; "follows" is measured from the Endpoints change
    // (what the proxy sees) to the traffic matching it, as the network programming latency is.
    const endpointsAt = async (want: number) => {
      await waitFor(`${want} ready endpoints`, 60_000, async () => (await readyAddresses('whoami')).length === want, 50);
      return Date.now();
    };
    const trafficAt = async (what: string, from: Host, n: number, ok: (t: Map<string, number>) => boolean) => {
      await waitFor(what, 60_000, async () => ok(await hits(from, `http://${cip}/`, n)), 20);
      return Date.now();
    };
    try {
      const t0 = Date.now();
      await lab.kc('-n', NS, 'scale', 'deployment/whoami', '--replicas=1');
      const [epDown, trafficDown] = await Promise.all([
        endpointsAt(1),
        trafficAt('traffic on one pod', 'node01', 20, (t) => t.size === 1 && !t.has('FAIL')),
      ]);
      const left = (await live()).map((p) => p.metadata.name);
      expect(left).toHaveLength(1);
      const t = await hits('node02', `http://${cip}/`, 20);
      expect([...t.keys()], JSON.stringify([...t])).toEqual(left);

      const t1 = Date.now();
      await lab.kc('-n', NS, 'scale', 'deployment/whoami', '--replicas=3');
      const [epUp, trafficUp] = await Promise.all([
        endpointsAt(3),
        trafficAt('traffic on 3 pods', 'node02', N, (t) => t.size === 3 && !t.has('FAIL')),
      ]);
      const names = (await live()).map((p) => p.metadata.name).sort();
      const t3 = await hits('node01', `http://${cip}/`, N);
      expect([...t3.keys()].sort(), JSON.stringify([...t3])).toEqual(names);

      const downMs = trafficDown - epDown;
      const upMs = trafficUp - epUp;
      console.log(
        `[proxy] scale to 1: endpoints after ${epDown - t0} ms, traffic after ${trafficDown - t0} ms (follows in ${downMs} ms); ` +
          `scale to 3: endpoints after ${epUp - t1} ms, traffic after ${trafficUp - t1} ms (follows in ${upMs} ms)`,
      );
      expect(downMs, `scale to 1: traffic followed the endpoints after ${downMs} ms`).toBeLessThanOrEqual(2000);
      expect(upMs, `scale to 3: traffic followed the endpoints after ${upMs} ms`).toBeLessThanOrEqual(2000);
    } finally {
      await lab.kubectl(['-n', NS, 'scale', 'deployment/whoami', '--replicas=3']);
    }
  }, 150_000);

  it('deleting the Service removes its KUBE-SVC and KUBE-SEP chains on every host', async () => {
    await waitFor('3 ready endpoints', 60_000, async () => (await readyAddresses('whoami')).length === 3);
    const chains = new Map<Host, string[]>();
    for (const [h, save] of await programmedEverywhere(cip, 3)) {
      const c = chainsOf(save, cip);
      expect(c.filter((x) => x.startsWith('KUBE-SVC-')), `KUBE-SVC chain of ${cip} on ${h}`).toHaveLength(1);
      expect(c.filter((x) => x.startsWith('KUBE-SEP-')), `KUBE-SEP chains on ${h}`).toHaveLength(3);
      chains.set(h, c);
    }
    const t0 = Date.now();
    await lab.kc('-n', NS, 'delete', 'service', 'whoami');
    for (const h of HOSTS) {
      await waitFor(`the chains of ${NS}/whoami gone on ${h}`, 10_000, async () => {
        const save = (await lab.exec(h, ['iptables-save', '-t', 'nat'])).stdout;
        return chains.get(h)!.every((c) => !save.includes(c)) && !save.includes(`-d ${cip}/32`) ? true : undefined;
      }, 200);
    }
    console.log(`[proxy] Service deleted: its chains gone on every host after ${Date.now() - t0} ms`);
    // The other Service is untouched.
    const t = await hits('node01', `http://${npCip}/`, 10);
    expect(t.has('FAIL')).toBe(false);
  }, 60_000);

  it('restarting the proxy (stopped, then started again by scripts/lab up) rewrites the same rules, no duplicate', async () => {
    const host: Host = 'node01';
    /** The proxy's rules (nat and filter), one per line, sorted. */
    const kubeRules = async () =>
      (await lab.exec(host, ['iptables-save'])).stdout
        .split('\n')
        .filter((l) => l.startsWith('-A ') && l.includes('KUBE-'))
        .sort();
    const before = await kubeRules();
    expect(before.length).toBeGreaterThan(10);
    expect(new Set(before).size, 'duplicate rules before the restart').toBe(before.length);

    const pid = lab.pidOf(host, 'proxy');
    process.kill(pid, 'SIGTERM');
    await waitFor(`proxy pid ${pid} to exit`, 10_000, async () => {
      try {
        return !/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')) ? undefined : true;
      } catch {
        return true;
      }
    }, 100);
    const t0 = Date.now();
    const r = await lab.up('containerd');
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/proxy on node01 ready \(pid \d+/);
    expect(r.stdout).toContain('proxy on node02 already running');
    expect(lab.pidOf(host, 'proxy')).not.toBe(pid);
    const after = await waitFor('the same rules after the restart', 20_000, async () => {
      const now = await kubeRules();
      return now.join('\n') === before.join('\n') ? now : undefined;
    }, 500);
    expect(new Set(after.value).size, 'duplicate rules after the restart').toBe(after.value.length);
    const t = await hits(host, `http://${npCip}/`, 10);
    expect(t.has('FAIL')).toBe(false);
    console.log(`[proxy] proxy on ${host} restarted through scripts/lab up: ${before.length} rules, identical, after ${Date.now() - t0} ms`);
  }, 120_000);

  it('iptables -t nat -F by hand on a node is repaired by the next full sync, with no duplicate jump', async () => {
    const period = durationMs(lab.flag('node02', 'proxy', 'iptables-sync-period') ?? '30s');
    const f = await lab.exec('node02', ['iptables', '-t', 'nat', '-F']);
    expect(f.code, show(f)).toBe(0);
    const after = (await lab.exec('node02', ['iptables-save', '-t', 'nat'])).stdout;
    expect(after).not.toMatch(/^-A KUBE-SERVICES /m);
    const t0 = Date.now();
    await waitFor('the nat rules back on node02', period + 10_000, async () => {
      const save = (await lab.exec('node02', ['iptables-save', '-t', 'nat'])).stdout;
      return /^-A OUTPUT .*-j KUBE-SERVICES/m.test(save) && /^-A PREROUTING .*-j KUBE-SERVICES/m.test(save) && save.includes(`-d ${npCip}/32`) ? true : undefined;
    }, 500);
    const ms = Date.now() - t0;
    const save = (await lab.exec('node02', ['iptables-save', '-t', 'nat'])).stdout;
    for (const chain of ['OUTPUT', 'PREROUTING']) {
      expect(save.match(new RegExp(`^-A ${chain} .*-j KUBE-SERVICES`, 'gm')), `jumps ${chain} -> KUBE-SERVICES`).toHaveLength(1);
    }
    expect(save.match(/^-A POSTROUTING .*-j KUBE-POSTROUTING/gm), 'jumps POSTROUTING -> KUBE-POSTROUTING').toHaveLength(1);
    const t = await hits('node02', `http://${npCip}/`, 10);
    expect(t.has('FAIL'), JSON.stringify([...t])).toBe(false);
    console.log(`[proxy] nat table flushed on node02: repaired after ${ms} ms (--iptables-sync-period ${period} ms)`);
  }, 90_000);

  it('scripts/lab down leaves nothing behind', async () => {
    const r = await lab.down();
    expect(r.code, show(r)).toBe(0);
    expect(await leftovers(labDir)).toEqual([]);
  }, 180_000);
});
