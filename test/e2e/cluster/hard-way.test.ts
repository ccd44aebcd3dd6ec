/**
 * Kubernetes the Hard Way's smoke test on the one-machine lab (issue 6), once with containerd and once with
 * dockerd, through the real kubectl: `scripts/lab up`, a Secret encrypted in etcd, a Deployment Available,
 * pods Running with IPs in their node's podCIDR, logs, exec (and its exit code), port-forward (loopback),
 * a NodePort on every node's address and the ClusterIP from every host; then node loss (issue 6 / 4): a
 * frozen kubelet (SIGSTOP on the PID in the lab's PID file) makes its node NotReady, its pods re-appear on
 * the other node, and after SIGCONT the node is Ready again; then `scripts/lab down` leaves nothing.
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down`.
 * Needs root, etcd, containerd/dockerd, runc, CNI plugins, iptables, kubectl (see scripts/README.md).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertNoLab,
  E2E_LAB_DIR,
  HOST_IP,
  HOSTS,
  hexdumpAscii,
  ipInCidr,
  Lab,
  kubelabBin,
  leftovers,
  portForward,
  repo,
  show,
  waitFor,
  WORKERS,
  type Host,
  type Pod,
} from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');
const NS = 'smoke';

const running = (p: Pod) => !p.metadata.deletionTimestamp && p.status.phase === 'Running';
const ready = (p: Pod) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe.each(['containerd', 'docker'] as const)('Kubernetes the Hard Way smoke test and node loss, runtime %s', (runtime) => {
  let lab: Lab;
  let frozenPid = 0;
  const labDir = E2E_LAB_DIR;

  beforeAll(async () => {
    await assertNoLab(labDir);
    lab = new Lab(labDir, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (!lab) return;
    if (frozenPid) {
      try {
        process.kill(frozenPid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    await lab.down();
  }, 180_000);

  it('scripts/lab up brings the cluster up: every node Ready, nothing missing', async () => {
    const r = await lab.up(runtime);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('done: nodes Ready');
    expect(r.stdout).not.toContain('PARTIAL');
    console.log(`[${runtime}] ${r.stdout.slice(r.stdout.indexOf('Step times:')).split('\n\n')[0]}`);
    const nodes = await lab.kc('get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.nodeInfo.containerRuntimeVersion}{"\\n"}{end}');
    for (const h of HOSTS) expect(nodes).toMatch(new RegExp(`${h}=${runtime}://`));
    for (const h of HOSTS) expect(await lab.nodeReady(h)).toBe('True');
  }, 450_000);

  it('a Secret is stored encrypted in etcd (k8s:enc:aescbc:v1:key1)', async () => {
    await lab.kc('create', 'secret', 'generic', 'kubernetes-the-hard-way', '--from-literal=mykey=mydata');
    const r = await lab.sh('controlplane01', 'etcdctl get /registry/secrets/default/kubernetes-the-hard-way | hexdump -C');
    expect(r.code, show(r)).toBe(0);
    const ascii = hexdumpAscii(r.stdout);
    expect(ascii).toContain('/registry/secrets/default/kubernetes-the-hard-way');
    expect(ascii).toContain('k8s:enc:aescbc:v1:key1:');
    expect(ascii).not.toContain('mydata');
  });

  it('kubectl create deployment nginx --replicas=3 becomes Available', async () => {
    await lab.kc('create', 'namespace', NS);
    await lab.kc('-n', NS, 'create', 'deployment', 'nginx', '--image=nginx', '--replicas=3');
    const t0 = Date.now();
    const r = await lab.kubectl(['-n', NS, 'wait', '--for', 'condition=Available', 'deployment/nginx', '--timeout=120s'], { timeoutMs: 130_000 });
    expect(r.code, show(r)).toBe(0);
    console.log(`[${runtime}] deployment nginx Available after ${Date.now() - t0} ms`);
  }, 140_000);

  it('the pods run on the workers with IPs in their node\'s podCIDR', async () => {
    const cidrs = await lab.podCidrs();
    const { value: pods } = await waitFor('3 Running nginx pods', 60_000, async () => {
      const p = (await lab.pods(NS, 'app=nginx')).filter(running);
      return p.length === 3 && p.every((x) => x.status.podIP) ? p : undefined;
    });
    for (const p of pods) {
      expect(WORKERS).toContain(p.spec.nodeName);
      expect(cidrs[p.spec.nodeName!], `podCIDR of ${p.spec.nodeName}`).toMatch(/^10\.244\.\d+\.0\/24$/);
      expect(ipInCidr(p.status.podIP!, cidrs[p.spec.nodeName!]!), `${p.metadata.name} ${p.status.podIP} in ${cidrs[p.spec.nodeName!]}`).toBe(true);
    }
  }, 70_000);

  it('kubectl logs shows a request made to the pod from another host', async () => {
    const pod = (await lab.pods(NS, 'app=nginx')).filter(running)[0]!;
    const from: Host = pod.spec.nodeName === 'node01' ? 'node02' : 'node01';
    const path = `/smoke-${randomBytes(4).toString('hex')}`;
    const c = await lab.exec(from, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', `http://${pod.status.podIP}${path}`]);
    expect(c.stdout, show(c)).toBe('404');
    const { value: logs } = await waitFor('the request in kubectl logs', 10_000, async () => {
      const l = await lab.kc('-n', NS, 'logs', pod.metadata.name);
      return l.includes(`"GET ${path} HTTP/1.1" 404`) ? l : undefined;
    });
    expect(logs).toContain(HOST_IP[from]);
  });

  it('kubectl exec runs a command in the container and returns its exit code', async () => {
    const pod = (await lab.pods(NS, 'app=nginx')).filter(running)[0]!.metadata.name;
    const v = await lab.kubectl(['-n', NS, 'exec', pod, '--', 'nginx', '-v']);
    expect(v.code, show(v)).toBe(0);
    expect(v.stdout + v.stderr).toMatch(/nginx version: nginx\/\d+\.\d+/);
    const e = await lab.kubectl(['-n', NS, 'exec', pod, '--', 'sh', '-c', 'exit 7']);
    expect(e.code, show(e)).toBe(7);
  });

  it('kubectl port-forward serves the pod on a loopback port', async () => {
    const pod = (await lab.pods(NS, 'app=nginx')).filter(running)[0]!.metadata.name;
    const pf = await portForward(lab, NS, pod, 80);
    try {
      const res = await fetch(`http://127.0.0.1:${pf.localPort}/`, { signal: AbortSignal.timeout(5000) });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Welcome to nginx!');
      expect(res.headers.get('server') ?? '').toMatch(/^nginx/);
    } finally {
      pf.stop();
    }
  });

  it('a NodePort answers on every node\'s address, from every host', async () => {
    await lab.kc('-n', NS, 'expose', 'deployment', 'nginx', '--port', '80', '--type', 'NodePort');
    const np = Number(await lab.kc('-n', NS, 'get', 'svc', 'nginx', '-o', 'jsonpath={.spec.ports[0].nodePort}'));
    expect(np).toBeGreaterThanOrEqual(30000);
    expect(np).toBeLessThanOrEqual(32767);
    for (const from of HOSTS) {
      for (const to of HOSTS) {
        const url = `http://${HOST_IP[to]}:${np}/`;
        await waitFor(`${url} from ${from}`, 10_000, async () => {
          const r = await lab.exec(from, ['curl', '-s', '--max-time', '3', url]);
          return r.code === 0 && r.stdout.includes('Welcome to nginx!');
        });
      }
    }
  }, 60_000);

  it('the ClusterIP answers from every host', async () => {
    const cip = (await lab.kc('-n', NS, 'get', 'svc', 'nginx', '-o', 'jsonpath={.spec.clusterIP}')).trim();
    expect(ipInCidr(cip, '10.96.0.0/16')).toBe(true);
    for (const from of HOSTS) {
      const r = await lab.exec(from, ['curl', '-s', '--max-time', '3', `http://${cip}/`]);
      expect(r.stdout, show(r, `curl http://${cip}/ from ${from}: `)).toContain('Welcome to nginx!');
    }
  });

  it('node loss: a frozen node goes NotReady, its pods re-appear on the other node, it comes back Ready', async () => {
    const before = (await lab.pods(NS, 'app=nginx')).filter(running);
    // Freeze a worker that runs at least one of the pods.
    const frozen = (WORKERS.find((w) => before.some((p) => p.spec.nodeName === w)) ?? 'node01') as Host;
    const other = WORKERS.find((w) => w !== frozen)!;
    const moved = before.filter((p) => p.spec.nodeName === frozen).map((p) => p.metadata.name);
    expect(moved.length).toBeGreaterThan(0);

    const pid = lab.pidOf(frozen, 'kubelet');
    const t0 = Date.now();
    process.kill(pid, 'SIGSTOP');
    frozenPid = pid;

    // --node-monitor-grace-period=20s: NotReady (Unknown) after ~20 s.
    const notReady = await waitFor(`${frozen} NotReady`, 45_000, async () => ((await lab.nodeReady(frozen)) !== 'True' ? true : undefined), 500);
    const notReadyMs = Date.now() - t0;
    // Default not-ready/unreachable tolerations 30 s: the pods are evicted and replaced on the other node.
    const replaced = await waitFor(`3 Ready pods on ${other}`, 100_000, async () => {
      const now = (await lab.pods(NS, 'app=nginx')).filter((p) => !p.metadata.deletionTimestamp);
      return now.length === 3 && now.every((p) => p.spec.nodeName === other && running(p) && ready(p)) ? now : undefined;
    }, 1000);
    const movedMs = Date.now() - t0;
    for (const p of replaced.value) expect(moved).not.toContain(p.metadata.name);
    const taints = await lab.kc('get', 'node', frozen, '-o', 'jsonpath={.spec.taints[*].key}');
    expect(taints).toContain('node.kubernetes.io/unreachable');

    process.kill(pid, 'SIGCONT');
    frozenPid = 0;
    const t1 = Date.now();
    await waitFor(`${frozen} Ready again`, 40_000, async () => ((await lab.nodeReady(frozen)) === 'True' ? true : undefined), 250);
    const readyMs = Date.now() - t1;
    await waitFor(`${frozen}'s unreachable/not-ready taints removed`, 30_000, async () => {
      const t = await lab.kc('get', 'node', frozen, '-o', 'jsonpath={.spec.taints[*].key}');
      return !/node\.kubernetes\.io\/(unreachable|not-ready)/.test(t);
    }, 500);
    const untaintedMs = Date.now() - t1;
    // The thawed kubelet finishes the evicted pods (they were Terminating on the frozen node).
    await waitFor(`the evicted pods ${moved.join(',')} gone`, 45_000, async () => {
      const names = (await lab.pods(NS, 'app=nginx')).map((p) => p.metadata.name);
      return moved.every((m) => !names.includes(m)) ? true : undefined;
    }, 500);
    const goneMs = Date.now() - t1;
    // The Service still answers from every host (endpoints on the surviving node only).
    const cip = (await lab.kc('-n', NS, 'get', 'svc', 'nginx', '-o', 'jsonpath={.spec.clusterIP}')).trim();
    for (const from of HOSTS) {
      const r = await lab.exec(from, ['curl', '-s', '--max-time', '3', `http://${cip}/`]);
      expect(r.stdout, show(r, `curl ${cip} from ${from}: `)).toContain('Welcome to nginx!');
    }
    console.log(
      `[${runtime}] node loss of ${frozen}: NotReady after ${notReadyMs} ms (seen ${notReady.ms} ms), ` +
        `pods ${moved.join(',')} replaced on ${other} after ${movedMs} ms; after SIGCONT Ready in ${readyMs} ms, untainted in ${untaintedMs} ms, evicted pods gone in ${goneMs} ms`,
    );
  }, 200_000);

  it('scripts/lab down leaves nothing behind (namespaces, bridge, routes, iptables, processes, mounts, cgroups)', async () => {
    const r = await lab.down();
    expect(r.code, show(r)).toBe(0);
    expect(await leftovers(labDir)).toEqual([]);
    const s = await lab.lab(['status']);
    expect(s.code).not.toBe(0);
  }, 180_000);
});
