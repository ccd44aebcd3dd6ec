/**
 * Issue 17: the scheduler's and the controller manager's health endpoints (the built CLI as child processes on
 * ports of the test's own) and core/v1 ComponentStatus with the real kubectl: real etcd, the API server pointed at
 * those ports (upstream's are fixed at 127.0.0.1:10259/10257).
 */
import { request } from 'node:https';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { kubectl, startApiServer, type ApiHandle } from '../../support/apiserver.js';
import { freePort } from '../../support/net.js';
import { componentLogs, startComponent, stopAllComponents, type ComponentHandle } from '../../support/components.js';

let etcd: EtcdHandle | undefined;
let h: ApiHandle | undefined;
let sched: ComponentHandle | undefined;
let schedPort = 0;
let cmPort = 0;

beforeAll(async () => {
  schedPort = await freePort();
  cmPort = await freePort();
  etcd = await startEtcd();
  h = await startApiServer(etcd, {
    extra: { componentStatus: { schedulerHealthz: `https://127.0.0.1:${schedPort}/healthz`, controllerManagerHealthz: `https://127.0.0.1:${cmPort}/healthz` } },
  });
  sched = await startComponent('scheduler', h.kubeconfig, ['--bind-address=127.0.0.1', `--secure-port=${schedPort}`]);
}, 120_000);

afterAll(async () => {
  await stopAllComponents();
  await h?.stop();
  await etcd?.stop();
});

/** GET over HTTPS without verifying the self-signed certificate; also the certificate's subject. */
function get(port: number, path: string): Promise<{ status: number; body: string; subject: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate?.();
        resolve({ status: res.statusCode ?? 0, body, subject: String(cert?.subject?.CN ?? ''), type: String(res.headers['content-type'] ?? '') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('kube-scheduler secure serving', () => {
  it('/healthz, /livez and /readyz answer ok without credentials, verbose lists the checks', async () => {
    const logs = () => componentLogs(sched!);
    for (const p of ['/healthz', '/livez', '/readyz']) expect((await get(schedPort, p)).body, logs()).toBe('ok');
    expect((await get(schedPort, '/healthz?verbose')).body).toBe('[+]leaderElection ok\nhealthz check passed\n');
    expect((await get(schedPort, '/livez?verbose')).body).toBe('[+]ping ok\nlivez check passed\n');
    expect((await get(schedPort, '/readyz?verbose')).body).toBe('[+]leaderElection ok\n[+]sched-handler-sync ok\nreadyz check passed\n');
    // the self-signed certificate made in memory, as upstream's for localhost
    expect((await get(schedPort, '/healthz')).subject).toMatch(/^localhost@\d+$/);
  });

  it('anything else is 403 for an anonymous caller, a Status', async () => {
    const r = await get(schedPort, '/metrics');
    expect(r.status).toBe(403);
    expect(r.type).toBe('application/json');
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403, message: 'forbidden: User "system:anonymous" cannot get path "/metrics"' });
  });

  it('plain HTTP to the TLS port gets Go\'s 400', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect(schedPort, '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
      let out = '';
      s.on('data', (d) => (out += d.toString()));
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
    expect(answer).toContain('400 Bad Request');
  });
});

describe('kubectl get componentstatuses', () => {
  it('lists scheduler (healthy), controller-manager (not running: the refused connection) and etcd-0, with the deprecation warning', async () => {
    const r = await kubectl(h!, ['get', 'componentstatuses']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Warning: v1 ComponentStatus is deprecated in v1.19+');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+MESSAGE\s+ERROR$/);
    expect(lines.find((l) => l.startsWith('scheduler '))).toMatch(/^scheduler\s+Healthy\s+ok\s*$/);
    expect(lines.find((l) => l.startsWith('etcd-0 '))).toMatch(/^etcd-0\s+Healthy\s+ok\s*$/);
    expect(lines.find((l) => l.startsWith('controller-manager '))).toMatch(
      new RegExp(`^controller-manager\\s+Unhealthy\\s+Get "https://127\\.0\\.0\\.1:${cmPort}/healthz": dial tcp 127\\.0\\.0\\.1:${cmPort}: connect: connection refused\\s*$`),
    );
  });

  it('`cs` is its short name; -o json is a v1 ComponentStatus; an unknown name is an internal error, as upstream', async () => {
    const one = await kubectl(h!, ['get', 'cs', 'scheduler', '-o', 'json']);
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'scheduler' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] });
    const bad = await kubectl(h!, ['get', 'cs', 'nope']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Error from server (InternalError): Internal error occurred: Component not found: nope');
  });

  it('is read-only and not for every user: create is 405, a plain user is forbidden', async () => {
    const create = await kubectl(h!, ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ComponentStatus', metadata: { name: 'x' } }) });
    expect(create.code).not.toBe(0);
    expect(create.stderr).toMatch(/MethodNotAllowed|not allow/);
    const jane = await kubectl(h!, ['get', 'cs', '--token', 'usertoken']);
    expect(jane.code).not.toBe(0);
    expect(jane.stderr).toContain('componentstatuses is forbidden: User "jane" cannot list resource "componentstatuses" in API group "" at the cluster scope');
  });

  it('a controller manager on its port turns its row Healthy; its /healthz names each started controller (in the table order)', async () => {
    const cm = await startComponent('controller-manager', h!.kubeconfig, [
      '--leader-elect=false',
      '--controllers=deployment-controller,replicaset-controller',
      '--bind-address=127.0.0.1',
      `--secure-port=${cmPort}`,
    ]);
    expect((await get(cmPort, '/healthz?verbose')).body, componentLogs(cm)).toBe('[+]replicaset-controller ok\n[+]deployment-controller ok\nhealthz check passed\n');
    const r = await kubectl(h!, ['get', 'cs', 'controller-manager']);
    expect(r.stdout).toMatch(/controller-manager\s+Healthy\s+ok/);
  }, 60_000);
});
