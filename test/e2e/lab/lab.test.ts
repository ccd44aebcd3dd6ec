/**
 * scripts/lab on this machine: up / status / exec / down of the network and the control plane
 * (etcd + apiserver + scheduler + controller-manager + proxies, containerd per host), through the real
 * kubectl and etcdctl, then `down` must leave nothing behind. A killed `up` is cleaned by `down`
 * and by the next `up`.
 *
 * The lab's names are fixed (bridge kubelab0, namespaces kubelab-<host>, 192.168.56.0/24): the test
 * refuses to run while a lab is up, keeps its state in a temporary KUBELAB_LAB_DIR, and always runs
 * `down` at the end. Needs root, a build (dist/cli/main.js, or KUBELAB_BIN), etcd, kubectl, iptables.
 */
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { need } from '../../support/deps.js';

const repo = resolve(import.meta.dirname, '../../..');
const lab = join(repo, 'scripts/lab');

const labDir = mkdtempSync(join(tmpdir(), 'kubelab-e2e-lab-'));
const env = {
  ...process.env,
  KUBELAB_LAB_DIR: labDir,
  ...(process.env.KUBELAB_BIN ? {} : { KUBELAB_BIN: join(repo, 'bin/kubelab') }),
};
const kubeconfig = join(labDir, 'kubeconfig');

function labRun(args: string[], timeoutMs = 240_000): SpawnSyncReturns<string> {
  return spawnSync(lab, args, { env, encoding: 'utf8', timeout: timeoutMs });
}
function out(r: SpawnSyncReturns<string>): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
function kubectl(...args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}
const UP = ['up', '--skip-deps', '--skip-build'];

/** Everything the lab left on the host: `scripts/lab leftovers` (by the lab's own names and directory). */
function leftovers(): string[] {
  const r = spawnSync(lab, ['leftovers'], { env, encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(out(r));
  return r.stdout.split('\n').filter(Boolean);
}

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('the lab test needs root');
  need('ip', 'iptables-save', 'nsenter', 'etcd', 'etcdctl', 'containerd', 'ctr', 'dockerd', 'docker', 'curl', '/bin/busybox');
  if (!process.env.KUBELAB_BIN && !existsSync(join(repo, 'dist/cli/main.js'))) throw new Error('build first: npm run build');
  const before = leftovers().filter((l) => !l.startsWith('state left'));
  if (before.length) throw new Error(`a lab (or its leftovers) is on this machine; run scripts/lab down first: ${before.join('; ')}`);
});

afterAll(() => {
  labRun(['down']);
  rmSync(labDir, { recursive: true, force: true });
}, 120_000);

describe('scripts/lab', () => {
  it('up brings the network and the control plane up, each step timed', () => {
    const r = labRun(UP);
    expect(r.status, out(r)).toBe(0);
    for (const s of ['configuration', 'network', 'etcd', 'image registry', 'apiserver', 'scheduler', 'controller-manager', 'proxies']) {
      expect(r.stdout).toMatch(new RegExp(`done: ${s}.* \\(\\d+\\.\\ds\\)`));
    }
    expect(r.stdout).toContain(`export KUBECONFIG=${kubeconfig}`);
    console.log(r.stdout.slice(r.stdout.indexOf('Step times:')));
  }, 300_000);

  it('status reports the lab up', () => {
    const r = labRun(['status']);
    expect(r.status, out(r)).toBe(0);
    expect(r.stdout).toContain('controlplane01-etcd');
    expect(r.stdout).toContain('apiserver: ready');
  });

  it('kubectl works through the admin kubeconfig', () => {
    const ns = kubectl('get', 'ns', '-o', 'name');
    expect(ns).toContain('namespace/default');
    expect(ns).toContain('namespace/kube-system');
  });

  it('exec runs on a host, in its network namespace, and returns the exit code', () => {
    const ip = labRun(['exec', 'node01', '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    expect(ip.status, out(ip)).toBe(0);
    expect(ip.stdout).toContain('192.168.56.21/24');
    const routes = labRun(['exec', 'node02', '--', 'ip', 'route']);
    expect(routes.stdout).not.toContain('default');
    const code = labRun(['exec', 'node01', '--', 'sh', '-c', 'exit 7']);
    expect(code.status).toBe(7);
    const bad = labRun(['exec', 'node09', '--', 'true']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown host');
  });

  it('etcdctl on controlplane01 works as written, and Secrets are encrypted at rest', () => {
    const yaml = kubectl('create', 'secret', 'generic', 'lab-e2e', '--from-literal=password=hunter2', '--dry-run=client', '-o', 'yaml');
    execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'apply', '-f', '-'], { input: yaml, encoding: 'utf8' });
    const r = labRun(['exec', 'controlplane01', '--', 'etcdctl', 'get', '/registry/secrets/default/lab-e2e']);
    expect(r.status, out(r)).toBe(0);
    expect(r.stdout).toContain('k8s:enc:aescbc:v1:key1:');
    expect(r.stdout).not.toContain('hunter2');
  });

  it("etcd refuses a worker's kubelet certificate and kube-proxy's: they are not signed by etcd's own CA", () => {
    // From node01, with the node's own credentials (and the server not even checked): before etcd had its own
    // CA, this `put` succeeded: full read and write of all cluster state from any worker.
    const pki = join(labDir, 'config/pki');
    const etcdctl = (cert: string, ...args: string[]) => labRun(['exec', 'node01', '--', 'env', '-u', 'ETCDCTL_CACERT', 'etcdctl',
      '--endpoints=https://192.168.56.11:2379', '--insecure-skip-tls-verify', `--cert=${pki}/${cert}.crt`, `--key=${pki}/${cert}.key`,
      '--dial-timeout=2s', '--command-timeout=3s', ...args]);
    for (const cert of ['kubelet-node01', 'kube-proxy']) {
      const put = etcdctl(cert, 'put', '/registry/secrets/kube-system/stolen', 'y');
      expect(put.status, `${cert}: ${out(put)}`).not.toBe(0);
      const get = etcdctl(cert, 'get', '/registry/secrets/', '--prefix', '--keys-only');
      expect(get.status, `${cert}: ${out(get)}`).not.toBe(0);
      expect(get.stdout).not.toContain('/registry/secrets/default/lab-e2e');
    }
    // The documented etcdctl (the profile: etcd's CA, etcd/healthcheck-client) works, and nothing was written.
    const r = labRun(['exec', 'controlplane01', '--', 'etcdctl', 'get', '/registry/secrets/kube-system/stolen', '--print-value-only']);
    expect(r.status, out(r)).toBe(0);
    expect(r.stdout.trim()).toBe('');
    const health = labRun(['exec', 'controlplane01', '--', 'etcdctl', 'endpoint', 'health']);
    expect(health.status, out(health)).toBe(0);
  });

  it('the kubernetes Service (10.96.0.1) answers from a node through the proxy, and from the host', () => {
    const r = labRun(['exec', 'node01', '--', 'curl', '-sk', '--max-time', '5', 'https://10.96.0.1/version']);
    expect(r.status, out(r)).toBe(0);
    expect(r.stdout).toContain('gitVersion');
    const h = spawnSync('curl', ['-sk', '--max-time', '5', 'https://10.96.0.1/version'], { encoding: 'utf8' });
    expect(h.stdout).toContain('gitVersion');
  });

  it('up again does no harm: everything is reused', () => {
    const pid = readFileSync(join(labDir, 'run/controlplane01-apiserver.pid'), 'utf8').trim();
    const r = labRun(UP);
    expect(r.status, out(r)).toBe(0);
    expect(r.stdout).toContain('apiserver on controlplane01 already running');
    expect(readFileSync(join(labDir, 'run/controlplane01-apiserver.pid'), 'utf8').trim()).toBe(pid);
  }, 300_000);

  it('down leaves nothing behind', () => {
    const r = labRun(['down']);
    expect(r.status, out(r)).toBe(0);
    expect(leftovers()).toEqual([]);
    const s = labRun(['status']);
    expect(s.status).not.toBe(0);
  }, 120_000);

  it('containers started through a host\'s runtime (containerd, then dockerd) are removed by down', () => {
    // A one-binary rootfs (busybox-static) stands in for an image; the container lives in the lab's cgroup.
    const rootfs = join(labDir, 'rootfs');
    execFileSync('mkdir', ['-p', join(rootfs, 'bin')]);
    execFileSync('cp', ['/bin/busybox', join(rootfs, 'bin/busybox')]);
    execFileSync('ln', ['-sf', 'busybox', join(rootfs, 'bin/sleep')]);

    let r = labRun([...UP, '--skip-images']);
    expect(r.status, out(r)).toBe(0);
    const sock = join(labDir, 'run/node01/containerd/containerd.sock');
    execFileSync('ctr', ['--address', sock, '-n', 'lab-e2e', 'run', '-d', '--cgroup', '/kubelab-node01/lab-e2e', '--rootfs', rootfs, 'c1', '/bin/sleep', '600']);
    expect(execFileSync('ctr', ['--address', sock, '-n', 'lab-e2e', 'tasks', 'ls'], { encoding: 'utf8' })).toMatch(/c1\s+\d+\s+RUNNING/);
    r = labRun(['down', '--keep-data']);
    expect(r.status, out(r)).toBe(0);
    expect(r.stdout).toContain('removed container lab-e2e/c1 (node01)');
    expect(leftovers().filter((l) => !l.startsWith('state left'))).toEqual([]);

    r = labRun([...UP, '--skip-images', '--runtime', 'docker']);
    expect(r.status, out(r)).toBe(0);
    const docker = `unix://${join(labDir, 'run/node01/docker.sock')}`;
    execFileSync('sh', ['-c', `tar -C "${rootfs}" -c . | docker -H "${docker}" import - lab-e2e:1`]);
    const id = execFileSync('docker', ['-H', docker, 'run', '-d', '--network', 'none', 'lab-e2e:1', '/bin/sleep', '600'], { encoding: 'utf8' }).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    r = labRun(['down']);
    expect(r.status, out(r)).toBe(0);
    expect(r.stdout).toContain(`removed docker container ${id.slice(0, 12)} (node01)`);
    expect(leftovers()).toEqual([]);
  }, 400_000);

  it('a killed up is cleared by down, and by the next up', async () => {
    // Kill `up` (and only it) once etcd runs: the lab is half made.
    const child = spawn(lab, UP, { env, stdio: 'ignore', detached: true });
    const pidfile = join(labDir, 'run/controlplane01-etcd.pid');
    const deadline = Date.now() + 120_000;
    while (!existsSync(pidfile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(pidfile)).toBe(true);
    process.kill(child.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));

    const again = labRun(UP);
    expect(again.status, out(again)).toBe(0);
    expect(labRun(['status']).status).toBe(0);

    // Kill it again half-way, then down.
    const down1 = labRun(['down', '--keep-data']);
    expect(down1.status, out(down1)).toBe(0);
    const child2 = spawn(lab, UP, { env, stdio: 'ignore', detached: true });
    const apiPid = join(labDir, 'run/controlplane01-apiserver.pid');
    const deadline2 = Date.now() + 120_000;
    while (!existsSync(apiPid) && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 100));
    process.kill(child2.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const down = labRun(['down']);
    expect(down.status, out(down)).toBe(0);
    expect(leftovers()).toEqual([]);
  }, 400_000);
});
