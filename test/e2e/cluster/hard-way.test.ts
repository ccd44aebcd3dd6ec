/**
 * Kubernetes the Hard Way's smoke test on the one-machine lab (issues 6 and 17), three times: namespace hosts with
 * containerd, namespace hosts with dockerd, and machine hosts (`--hosts machine`: systemd-nspawn machines with systemd
 * as PID 1, provisioned by vagrant/provision/install.sh, containerd inside), through the real kubectl: `scripts/lab up`,
 * a Secret encrypted in etcd, a Deployment Available, pods Running with IPs in their node's podCIDR, logs, exec (and
 * its exit code), port-forward (loopback), a NodePort on every node's address and the ClusterIP from every host; then
 * node loss (issues 6, 4, 17): the node is frozen the way a dead host looks (namespace hosts: SIGSTOP on the kubelet's
 * PID from the lab's PID file; machine hosts: the whole machine frozen with the cgroup freezer, as a hung VM), its node
 * goes NotReady, its pods re-appear on the other node, and after the thaw the node is Ready again; then `scripts/lab
 * down` leaves nothing.
 * Machine hosts only (what was test/e2e/lab/machines.test.ts): systemd is PID 1 with the host's hostname, `systemctl
 * status kubelet` is active, `journalctl -u kubelab-apiserver` has lines, `scripts/lab ssh` is a shell inside the
 * machine, and `systemctl restart kubelab-kubelet` keeps the pods (same UIDs, containerd tasks RUNNING).
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down` (and thaws a
 * frozen host first, also when a test failed). KUBELAB_E2E_LAB_DIR is the lab directory (its cache/ keeps the machine
 * image across runs). Needs root, etcd, containerd/dockerd, runc, CNI plugins, iptables, kubectl, systemd-nspawn and
 * debootstrap (see scripts/README.md).
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
  labScript,
  leftovers,
  portForward,
  repo,
  run,
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
/** The tasks of a machine's containerd (the kubelet's namespace is kubelab-<host>). */
const TASKS = 'for n in $(ctr namespaces ls -q); do ctr -n "$n" tasks ls; done';

/** [runtime, hosts] (tuples: `%s` names them unquoted, so `-t 'machine hosts'` selects the machine variant). */
const VARIANTS: readonly (readonly ['containerd' | 'docker', 'namespace' | 'machine'])[] = [
  ['containerd', 'namespace'],
  ['docker', 'namespace'],
  ['containerd', 'machine'],
];

describe.each(VARIANTS)('Kubernetes the Hard Way smoke test and node loss, runtime %s, %s hosts', (runtime, hosts) => {
  let lab: Lab;
  let thaw: (() => void) | undefined;
  const labDir = E2E_LAB_DIR;
  const machine = hosts === 'machine';
  const tag = `${runtime}/${hosts}`;

  beforeAll(async () => {
    await assertNoLab(labDir);
    lab = new Lab(labDir, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (!lab) return;
    thaw?.();
    await lab.down();
  }, 180_000);

  it('scripts/lab up brings the cluster up: every node Ready, nothing missing', async () => {
    const r = await lab.up(runtime, machine ? ['--hosts', 'machine'] : []);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('done: nodes Ready');
    expect(r.stdout).not.toContain('PARTIAL');
    if (machine) expect(r.stdout).toMatch(/machine controlplane01 booted/);
    console.log(`[${tag}] ${r.stdout.slice(r.stdout.indexOf('Step times:')).split('\n\n')[0]}`);
    const nodes = await lab.kc('get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.nodeInfo.containerRuntimeVersion}{"\\n"}{end}');
    for (const h of HOSTS) expect(nodes).toMatch(new RegExp(`${h}=${runtime}://`));
    for (const h of HOSTS) expect(await lab.nodeReady(h)).toBe('True');
  }, 450_000);

  if (machine) {
    it('machine hosts: systemd is PID 1 with the host\'s hostname, inside every machine', async () => {
      for (const h of HOSTS) {
        const id = await lab.exec(h, ['sh', '-c', 'hostname; cat /proc/1/comm']);
        expect(id.code, show(id)).toBe(0);
        expect(id.stdout.split('\n').slice(0, 2)).toEqual([h, 'systemd']);
      }
    });

    it('machine hosts: systemctl status kubelet is active in node01; journalctl -u kubelab-apiserver has lines; scripts/lab ssh', async () => {
      const st = await lab.exec('node01', ['systemctl', 'status', 'kubelet', '--no-pager']);
      expect(st.code, show(st)).toBe(0);
      expect(st.stdout).toMatch(/Active: active \(running\)/);
      expect(st.stdout).toMatch(/kubelab-kubelet\.service/);
      const j = await lab.exec('controlplane01', ['journalctl', '-u', 'kubelab-apiserver', '--no-pager']);
      expect(j.code, show(j)).toBe(0);
      expect(j.stdout.split('\n').filter((l) => l.includes('kubelab')).length).toBeGreaterThan(1);
      // `scripts/lab ssh` is a login shell inside the machine (here its commands come on stdin).
      const ssh = await run(labScript, ['ssh', 'controlplane01'], { env: lab.env, input: 'hostname; systemctl is-active kubelab-apiserver\n', timeoutMs: 30_000 });
      expect(ssh.code, show(ssh)).toBe(0);
      expect(ssh.stdout.split('\n').slice(0, 2)).toEqual(['controlplane01', 'active']);
    }, 60_000);
  }

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
    console.log(`[${tag}] deployment nginx Available after ${Date.now() - t0} ms`);
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

  if (machine) {
    it('machine hosts: systemctl restart kubelab-kubelet keeps the pods running', async () => {
      const pods = (await lab.pods(NS, 'app=nginx')).filter(running);
      const node = pods[0]!.spec.nodeName as Host;
      const mine = pods.filter((p) => p.spec.nodeName === node);
      // The containers are processes inside the machine: its containerd lists them.
      const tasks = await lab.sh(node, TASKS);
      expect(tasks.code, show(tasks)).toBe(0);
      expect(tasks.stdout).toMatch(/RUNNING/);
      const before = await lab.exec(node, ['systemctl', 'show', '-p', 'MainPID', '--value', 'kubelab-kubelet']);
      const r = await lab.exec(node, ['systemctl', 'restart', 'kubelab-kubelet']);
      expect(r.code, show(r)).toBe(0);
      const after = await lab.exec(node, ['systemctl', 'show', '-p', 'MainPID', '--value', 'kubelab-kubelet']);
      expect(after.stdout.trim()).not.toBe(before.stdout.trim());
      await waitFor(`${node} Ready after the kubelet restart`, 60_000, async () => (await lab.nodeReady(node)) === 'True', 1000);
      const now = (await lab.pods(NS, 'app=nginx')).filter((p) => p.spec.nodeName === node);
      expect(now.map((p) => p.metadata.uid).sort()).toEqual(mine.map((p) => p.metadata.uid).sort());
      for (const p of now) expect(running(p)).toBe(true);
      const still = await lab.sh(node, TASKS);
      expect(still.stdout).toMatch(/RUNNING/);
    }, 120_000);
  }

  it('node loss: a frozen node goes NotReady, its pods re-appear on the other node, it comes back Ready', async () => {
    const before = (await lab.pods(NS, 'app=nginx')).filter(running);
    // Freeze a worker that runs at least one of the pods.
    const frozen = (WORKERS.find((w) => before.some((p) => p.spec.nodeName === w)) ?? 'node01') as Host;
    const other = WORKERS.find((w) => w !== frozen)!;
    const moved = before.filter((p) => p.spec.nodeName === frozen).map((p) => p.metadata.name);
    expect(moved.length).toBeGreaterThan(0);

    const t0 = Date.now();
    const freeze = await lab.freeze(frozen);
    thaw = freeze.thaw;

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

    freeze.thaw();
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
      `[${tag}] node loss of ${frozen} (${freeze.what}): NotReady after ${notReadyMs} ms (seen ${notReady.ms} ms), ` +
        `pods ${moved.join(',')} replaced on ${other} after ${movedMs} ms; after the thaw Ready in ${readyMs} ms, untainted in ${untaintedMs} ms, evicted pods gone in ${goneMs} ms`,
    );
  }, 200_000);

  it('scripts/lab down leaves nothing behind (namespaces, bridge, routes, iptables, processes, mounts, cgroups)', async () => {
    const r = await lab.down();
    expect(r.code, show(r)).toBe(0);
    if (machine) expect(r.stdout).toMatch(/machine node01 powered off/);
    expect(await leftovers(labDir)).toEqual([]);
    const s = await lab.lab(['status']);
    expect(s.code).not.toBe(0);
  }, 180_000);
});
