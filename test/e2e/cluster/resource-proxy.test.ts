/**
 * pods/proxy and services/proxy on the one-machine lab (issue 11): the API server (in controlplane01's
 * network namespace) reaches pod IPs on every node through the routes the control plane's kubelet keeps.
 * `scripts/lab up` deploys the nginx demo (Deployment nginx, Service nginx:80 in default); then, from the
 * host, `kubectl proxy` and plain HTTP to `/api/v1/namespaces/default/services/nginx:80/proxy/` answer
 * nginx's page, and `kubectl get --raw /api/v1/namespaces/default/pods/<pod>:80/proxy/` does for every pod.
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLab, E2E_LAB_DIR, KUBECTL, Lab, kubelabBin, leftovers, repo, show, waitFor, type Pod } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');
const WELCOME = /<title>Welcome to nginx!<\/title>/;

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

describe('pods/proxy and services/proxy on the lab (containerd)', () => {
  let lab: Lab;
  let proxy: ChildProcess | undefined;

  beforeAll(async () => {
    await assertNoLab(E2E_LAB_DIR);
    lab = new Lab(E2E_LAB_DIR, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (proxy && proxy.exitCode === null) proxy.kill('SIGTERM');
    if (lab) await lab.down();
  }, 180_000);

  it('scripts/lab up (with the nginx demo)', async () => {
    const r = await lab.up('containerd');
    expect(r.code, show(r)).toBe(0);
    const w = await lab.kubectl(['wait', '--for', 'condition=Available', 'deployment/nginx', '--timeout=90s'], { timeoutMs: 100_000 });
    expect(w.code, show(w)).toBe(0);
    await waitFor('ready endpoints of nginx', 20_000, async () => (await lab.kc('get', 'endpoints', 'nginx', '-o', 'jsonpath={.subsets[*].addresses[*].ip}')).trim() !== '');
  }, 450_000);

  it('kubectl proxy, then /api/v1/namespaces/default/services/nginx:80/proxy/ answers nginx\'s page', async () => {
    proxy = spawn(KUBECTL, ['--kubeconfig', lab.kubeconfig, 'proxy', '--port=0'], { env: lab.env });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error(`kubectl proxy did not start: ${out}`)), 15_000);
      proxy!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(Number(m[1]));
        }
      });
      proxy!.on('exit', () => reject(new Error(`kubectl proxy exited: ${out}`)));
    });
    for (let i = 0; i < 6; i++) {
      const r = await httpGet(port, '/api/v1/namespaces/default/services/nginx:80/proxy/');
      expect(r.status, r.body).toBe(200);
      expect(r.body).toMatch(WELCOME);
    }
    const byName = await httpGet(port, '/api/v1/namespaces/default/services/nginx/proxy/');
    expect(byName.body).toMatch(WELCOME);
    const missing = await httpGet(port, '/api/v1/namespaces/default/services/nginx:80/proxy/no-such-page');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('nginx');
  }, 60_000);

  it('kubectl get --raw /api/v1/namespaces/default/pods/<pod>:80/proxy/ for every nginx pod (pods on every node)', async () => {
    const pods = (await lab.pods('default', 'app=nginx')).filter((p: Pod) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp);
    expect(pods.length).toBeGreaterThan(0);
    for (const p of pods) {
      const r = await lab.kubectl(['get', '--raw', `/api/v1/namespaces/default/pods/${p.metadata.name}:80/proxy/`]);
      expect(r.code, show(r, `${p.metadata.name} on ${p.spec.nodeName}: `)).toBe(0);
      expect(r.stdout).toMatch(WELCOME);
    }
  }, 60_000);

  it('down leaves nothing', async () => {
    if (proxy && proxy.exitCode === null) proxy.kill('SIGTERM');
    const r = await lab.down();
    expect(r.code, show(r)).toBe(0);
    expect(await leftovers(E2E_LAB_DIR)).toEqual([]);
  }, 180_000);
});
