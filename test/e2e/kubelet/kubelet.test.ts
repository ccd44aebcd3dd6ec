/**
 * The kubelet across the one-machine lab (scripts/lab: controlplane01, node01, node02 as network
 * namespaces), once with containerd and once with Docker, through the real kubectl: a 4-replica nginx
 * Deployment runs with pod IPs from each node's podCIDR, a pod on node02 answers from node01 by its IP
 * (host-gw routes, no masquerade), `kubectl logs` shows that request, `kubectl exec` prints and returns
 * exit codes, `kubectl delete pod` finishes within the grace period.
 *
 * The lab's names are fixed: the test refuses to run while a lab is up, keeps its state in a temporary
 * KUBELAB_LAB_DIR, runs the lab with its own build of this checkout, and always runs `down` at the end.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../../..');
const lab = join(repo, 'scripts/lab');
const STATE = join(repo, '.test-state', 'kubelet-e2e');

function labUp(): boolean {
  return existsSync('/run/netns/kubelab-node01') || existsSync('/run/netns/kubelab-controlplane01');
}

/** This checkout compiled into the test's own dist, behind a KUBELAB_BIN wrapper. */
function build(): string {
  const out = join(STATE, 'dist');
  mkdirSync(STATE, { recursive: true });
  spawnSync(join(repo, 'node_modules/.bin/tsc'), ['-p', join(repo, 'tsconfig.json'), '--outDir', out], { cwd: repo, stdio: 'ignore' });
  if (!existsSync(join(out, 'cli/main.js'))) throw new Error('the build did not produce cli/main.js');
  const bin = join(STATE, 'kubelab');
  writeFileSync(bin, `#!/bin/sh\nexec ${process.execPath} --enable-source-maps ${join(out, 'cli/main.js')} "$@"\n`);
  chmodSync(bin, 0o755);
  return bin;
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, len] = cidr.split('/');
  const n = (s: string) => s.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const mask = (~0 << (32 - Number(len))) >>> 0;
  return ((n(ip) & mask) >>> 0) === ((n(base!) & mask) >>> 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['containerd', 'docker'])('the kubelet in the lab, runtime %s', (runtime) => {
  let labDir = '';
  let env: NodeJS.ProcessEnv = {};
  let kubeconfig = '';
  const run = (args: string[], timeoutMs = 600_000): SpawnSyncReturns<string> => spawnSync(lab, args, { env, encoding: 'utf8', timeout: timeoutMs });
  const kc = (...args: string[]): SpawnSyncReturns<string> => spawnSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', timeout: 120_000 });
  const json = (...args: string[]) => JSON.parse(kc(...args, '-o', 'json').stdout);

  beforeAll(async () => {
    if (labUp()) throw new Error('a lab is up (kubelab-* namespaces exist): this test needs the lab names for itself; run `scripts/lab down` first');
    const bin = build();
    labDir = mkdtempSync(join(tmpdir(), 'kubelab-e2e-kubelet-'));
    env = { ...process.env, KUBELAB_LAB_DIR: labDir, KUBELAB_BIN: bin };
    kubeconfig = join(labDir, 'kubeconfig');
    const up = run(['up', '--skip-deps', '--skip-build', '--runtime', runtime]);
    if (up.status !== 0) throw new Error(`scripts/lab up failed: exit ${up.status}\n${up.stdout.slice(-4000)}\n${up.stderr.slice(-4000)}`);
    if (!existsSync(kubeconfig)) {
      const e = run(['env']);
      const m = /KUBECONFIG=(\S+)/.exec(e.stdout);
      if (m) kubeconfig = m[1]!.replace(/^['"]|['"]$/g, '');
    }
  }, 900_000);

  afterAll(() => {
    if (labDir) {
      run(['down']);
      rmSync(labDir, { recursive: true, force: true });
    }
  }, 300_000);

  it('runs 4 nginx replicas with pod IPs from their nodes\' pod CIDRs', async () => {
    expect(kc('create', 'deployment', 'nginx-e2e', '--image=nginx', '--replicas=4').status).toBe(0);
    let pods: any[] = [];
    for (let i = 0; i < 240; i++) {
      pods = json('get', 'pods', '-l', 'app=nginx-e2e').items;
      if (pods.length === 4 && pods.every((p: any) => p.status.phase === 'Running' && p.status.podIP)) break;
      await sleep(500);
    }
    expect(pods.map((p: any) => p.status.phase)).toEqual(['Running', 'Running', 'Running', 'Running']);
    const nodes = new Map<string, string>(json('get', 'nodes').items.map((n: any) => [n.metadata.name, n.spec.podCIDR]));
    for (const p of pods) expect(ipInCidr(p.status.podIP, nodes.get(p.spec.nodeName)!), `${p.metadata.name} ${p.status.podIP} on ${p.spec.nodeName}`).toBe(true);
    expect(new Set(pods.map((p: any) => p.status.containerStatuses[0].containerID.split('://')[0]))).toEqual(new Set([runtime]));
  });

  it('a pod on another node answers from node01 by its IP, and kubectl logs shows the request', () => {
    const pods = json('get', 'pods', '-l', 'app=nginx-e2e').items;
    const target = pods.find((p: any) => p.spec.nodeName !== 'node01') ?? pods[0];
    const r = run(['exec', 'node01', '--', 'curl', '-s', '--max-time', '5', `http://${target.status.podIP}/`], 30_000);
    expect(r.stdout, r.stderr).toMatch(/nginx/i);
    const logs = kc('logs', target.metadata.name);
    expect(logs.stdout).toContain('GET / HTTP/1.1');
  });

  it('kubectl exec prints and returns exit codes', () => {
    const name = json('get', 'pods', '-l', 'app=nginx-e2e').items[0].metadata.name;
    const v = kc('exec', name, '--', 'nginx', '-v');
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout + v.stderr).toMatch(/nginx version/);
    expect(kc('exec', name, '--', 'sh', '-c', 'exit 7').status).toBe(7);
  });

  it('kubectl delete pod finishes within the grace period', () => {
    const name = json('get', 'pods', '-l', 'app=nginx-e2e').items[0].metadata.name;
    const t0 = Date.now();
    const d = kc('delete', 'pod', name, '--timeout=60s');
    expect(d.status, d.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(execFileSync('ls', ['/run/netns'], { encoding: 'utf8' })).not.toContain(json('get', 'pods', '-l', 'app=nginx-e2e').items.find((p: any) => p.metadata.name === name)?.metadata.uid ?? 'never');
  });
});
