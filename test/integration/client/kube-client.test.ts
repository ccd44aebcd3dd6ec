/**
 * KubeClient over real HTTP(S), against an in-process server on 127.0.0.1 started by this test:
 * a thin HTTP adapter around InProcessApi, with TLS and client-certificate auth from api/tls.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type PatchType, type WatchEvent } from '../../../api/client/api-client.js';
import { InProcessApi } from '../../support/in-process-api.js';
import { Informer } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { KubeError } from '../../../api/errors.js';
import { findResource } from '../../../api/resources.js';
import { createCA, createCertificate } from '../../../api/tls/certs.js';

/** Objects as these tests read them off the wire: loosely, field by field. */
type Loose = Record<string, any>;

const pods = findResource('', 'pods')!;
const namespaces = findResource('', 'namespaces')!;
const POD_SPEC = { containers: [{ name: 'c', image: 'nginx' }] };

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: any;
  clientCN?: string;
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

function makeHandler(fake: InProcessApi, seen: Seen[], special: Map<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>) {
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text ? JSON.parse(text) : undefined;
    const cert = (req.socket as TLSSocket).getPeerCertificate?.();
    seen.push({ method: req.method!, path: url.pathname, query: url.searchParams, headers: req.headers, body, clientCN: cert?.subject?.CN === undefined ? undefined : String(cert.subject.CN) });
    const sp = special.get(`${req.method} ${url.pathname}`);
    if (sp) return sp(req, res);
    const send = (code: number, obj: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    try {
      const m = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(url.pathname);
      const info = m && findResource(m[1] ?? '', m[4]!);
      if (!m || !info) return send(404, new KubeError('NotFound', 'the server could not find the requested resource').toStatus());
      const [ns, name, sub] = [m[3], m[5], m[6]];
      const q = (k: string) => url.searchParams.get(k) ?? undefined;
      switch (req.method) {
        case 'GET':
          if (!name && q('watch') === 'true') {
            res.writeHead(200, { 'Content-Type': 'application/json' });
            const h = fake.watch(info, ns, { resourceVersion: q('resourceVersion'), labelSelector: q('labelSelector'), allowWatchBookmarks: q('allowWatchBookmarks') === 'true' }, (ev) => res.write(JSON.stringify(ev) + '\n'));
            h.done.then(() => res.end(), () => res.destroy());
            res.on('close', () => h.stop());
            return;
          }
          if (name && sub) return send(200, await fake.getSubresource(info, ns, name, sub));
          if (name) return send(200, await fake.get(info, ns, name));
          return send(200, await fake.list(info, ns, { labelSelector: q('labelSelector'), limit: q('limit') ? Number(q('limit')) : undefined, continue: q('continue') }));
        case 'POST':
          if (sub === 'binding') {
            await fake.bind(ns!, name!, body.target.name, body.metadata.uid);
            return send(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
          }
          if (sub === 'eviction') {
            await fake.evict(ns!, name!);
            return send(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
          }
          return send(201, await fake.create(info, ns, body));
        case 'PUT':
          if (sub === 'status') return send(200, await fake.updateStatus(info, body));
          if (sub) return send(200, await fake.updateSubresource(info, ns, name!, sub, body));
          return send(200, await fake.update(info, body));
        case 'PATCH':
          return send(200, await fake.patch(info, ns, name!, body, PATCH_TYPES[req.headers['content-type'] ?? '']!, { subresource: sub }));
        case 'DELETE':
          return send(200, await fake.delete(info, ns, name!, body));
      }
      send(405, new KubeError('MethodNotAllowed', 'no').toStatus());
    } catch (e) {
      if (e instanceof KubeError) return send(e.httpStatus, e.toStatus());
      send(500, { message: String(e) });
    }
  };
}

describe('KubeClient over HTTPS with client certificates (kubeconfig with relative paths)', () => {
  const fake = new InProcessApi();
  const seen: Seen[] = [];
  const special = new Map<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>();
  let server: https.Server;
  let dir: string;
  let url: string;
  let ca: ReturnType<typeof createCA>;

  beforeAll(async () => {
    ca = createCA('kubelab-ca');
    const serving = createCertificate({ ca, commonName: 'kube-apiserver', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], serverAuth: true });
    server = https.createServer(
      { cert: serving.certPem, key: serving.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true },
      makeHandler(fake, seen, special),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'kubelab-client-'));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with a kubeconfig whose cert files are relative to it; the server sees CN', async () => {
    const admin = createCertificate({ ca, commonName: 'admin', organizations: ['system:masters'] });
    writeFileSync(join(dir, 'ca.crt'), ca.certPem);
    writeFileSync(join(dir, 'admin.crt'), admin.certPem);
    writeFileSync(join(dir, 'admin.key'), admin.keyPem);
    writeFileSync(
      join(dir, 'admin.kubeconfig'),
      YAML.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'admin',
        clusters: [{ name: 'kubelab', cluster: { server: url, 'certificate-authority': 'ca.crt' } }],
        users: [{ name: 'admin', user: { 'client-certificate': 'admin.crt', 'client-key': 'admin.key' } }],
        contexts: [{ name: 'admin', context: { cluster: 'kubelab', user: 'admin' } }],
      }),
    );
    const client = KubeClient.fromKubeconfig(join(dir, 'admin.kubeconfig'), undefined, { userAgent: 'kubelab-test/1' });
    await client.create(pods, 'default', { metadata: { name: 'p1' }, spec: POD_SPEC });
    const list = await client.list(pods, 'default');
    expect(list.items.map((p: any) => p.metadata.name)).toEqual(['p1']);
    const last = seen[seen.length - 1]!;
    expect(last.clientCN).toBe('admin');
    expect(last.headers['user-agent']).toBe('kubelab-test/1');
    client.close();
  });

  it('a client without a certificate is refused (ERR_UNAVAILABLE), one with a wrong CA too', async () => {
    const noCert = new KubeClient({ server: url, caData: ca.certPem, timeoutMs: 5000 });
    await expect(noCert.list(pods, 'default')).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE', reason: 'ServiceUnavailable' });
    const other = createCA('other');
    const wrongCa = new KubeClient({ server: url, caData: other.certPem });
    await expect(wrongCa.list(pods, 'default')).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' });
    noCert.close();
    wrongCa.close();
  });
});

describe('KubeClient over plain HTTP', () => {
  const fake = new InProcessApi();
  const seen: Seen[] = [];
  const special = new Map<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>();
  let server: http.Server;
  let client: KubeClient;
  let url: string;

  beforeAll(async () => {
    server = http.createServer(makeHandler(fake, seen, special));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new KubeClient({ server: url, token: 'abc', logger: silentLogger });
  });
  afterAll(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('CRUD with bearer token, upstream content types and Status errors', async () => {
    const p = await client.create<Loose>(pods, 'default', { metadata: { name: 'a', labels: { app: 'x' } }, spec: POD_SPEC });
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer abc');
    expect(seen.at(-1)!.body).toMatchObject({ apiVersion: 'v1', kind: 'Pod' });
    expect((await client.get<Loose>(pods, 'default', 'a')).metadata.uid).toBe(p.metadata.uid);
    const err = await client.get(pods, 'default', 'zzz').catch((e) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect(err).toMatchObject({ reason: 'NotFound', httpStatus: 404, code: 'ERR_NOT_FOUND', message: 'pods "zzz" not found' });
    for (const [type, patch] of [
      ['merge', { metadata: { labels: { m: '1' } } }],
      ['strategic', { metadata: { labels: { s: '1' } } }],
      ['json', [{ op: 'add', path: '/metadata/labels/j', value: '1' }]],
    ] as const) {
      await client.patch(pods, 'default', 'a', patch, type, { fieldManager: 'test' });
    }
    const patches = seen.filter((s) => s.method === 'PATCH');
    expect(patches.map((s) => s.headers['content-type'])).toEqual([
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
      'application/json-patch+json',
    ]);
    expect(patches[0]!.query.get('fieldManager')).toBe('test');
    expect((await client.get<Loose>(pods, 'default', 'a')).metadata.labels).toEqual({ app: 'x', m: '1', s: '1', j: '1' });
    const cur = await client.get<Loose>(pods, 'default', 'a');
    await client.updateStatus(pods, { ...cur, status: { ...cur.status, phase: 'Running' } });
    const stale = await client.update(pods, { ...cur, metadata: { ...cur.metadata, labels: {} } }).catch((e) => e);
    expect(stale).toMatchObject({ reason: 'Conflict', httpStatus: 409 });
    await client.bind('default', 'a', 'node01', cur.metadata.uid);
    const bindReq = seen.at(-1)!;
    expect(bindReq.path).toBe('/api/v1/namespaces/default/pods/a/binding');
    expect(bindReq.body).toEqual({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a', namespace: 'default', uid: cur.metadata.uid }, target: { apiVersion: 'v1', kind: 'Node', name: 'node01' } });
    expect((await client.get<Loose>(pods, 'default', 'a')).spec.nodeName).toBe('node01');
    await client.evict('default', 'a');
    expect(seen.at(-1)!.body).toMatchObject({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'a', namespace: 'default' } });
    // Bound and running: the eviction deletes it gracefully (it terminates until its kubelet confirms).
    expect(fake.peek(pods, 'default', 'a')?.metadata.deletionTimestamp).toBeDefined();
    await client.create(pods, 'default', { metadata: { name: 'b' }, spec: POD_SPEC });
    await client.delete(pods, 'default', 'b', { gracePeriodSeconds: 0, propagationPolicy: 'Background' });
    expect(seen.at(-1)!.body).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Background' });
  });

  it('listAll follows continue tokens', async () => {
    await client.create(namespaces, undefined, { metadata: { name: 'paged' } });
    for (let i = 0; i < 7; i++) await client.create(pods, 'paged', { metadata: { name: `p${i}` }, spec: POD_SPEC });
    const all = await client.listAll(pods, 'paged', { limit: 3 });
    expect(all.items).toHaveLength(7);
    expect(seen.filter((s) => s.path === '/api/v1/namespaces/paged/pods' && s.method === 'GET')).toHaveLength(3);
  });

  it('a non-Status error body still becomes a KubeError by HTTP code', async () => {
    special.set('GET /api/v1/namespaces/default/pods/teapot', (_req, res) => {
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end('upstream connect error');
    });
    await expect(client.get(pods, 'default', 'teapot')).rejects.toMatchObject({ reason: 'ServiceUnavailable', httpStatus: 503, message: 'upstream connect error' });
  });

  it('retries a 429 with Retry-After', async () => {
    let n = 0;
    special.set('GET /api/v1/namespaces/default/pods/busy', (_req, res) => {
      if (n++ === 0) {
        res.writeHead(429, { 'Retry-After': '0', 'Content-Type': 'application/json' });
        res.end(JSON.stringify(new KubeError('TooManyRequests', 'slow down').toStatus()));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"metadata":{"name":"busy"}}');
    });
    expect((await client.get<Loose>(pods, 'default', 'busy')).metadata.name).toBe('busy');
    expect(n).toBe(2);
  });

  it('a refused connection is ERR_UNAVAILABLE', async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const c = new KubeClient({ server: `http://127.0.0.1:${port}` });
    await expect(c.list(pods, undefined)).rejects.toMatchObject({ reason: 'ServiceUnavailable', code: 'ERR_UNAVAILABLE' });
    c.close();
  });

  it('client-side rate limiting spaces requests (qps 10, burst 1)', async () => {
    const slow = new KubeClient({ server: url, qps: 10, burst: 1 });
    const t0 = Date.now();
    await Promise.all([1, 2, 3, 4].map(() => slow.list(pods, 'default')));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    slow.close();
  });

  it('watch parses events split across chunks and ends on stop()', async () => {
    special.set('GET /api/v1/namespaces/chunky/pods', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const a = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'x', resourceVersion: '5' }, note: 'héllo wörld' } }) + '\n';
      const b = JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } }) + '\n';
      const buf = Buffer.from(a + b);
      const cut = a.indexOf('ö') + 1; // split inside a multi-byte character
      res.write(buf.subarray(0, cut));
      setTimeout(() => res.write(buf.subarray(cut)), 20);
    });
    const evs: WatchEvent<Loose>[] = [];
    const h = client.watch<Loose>(pods, 'chunky', { resourceVersion: '1', allowWatchBookmarks: true }, (e) => evs.push(e));
    await new Promise((r) => setTimeout(r, 100));
    expect(evs.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    expect(evs[0]!.object.note).toBe('héllo wörld');
    const req = seen.filter((s) => s.path === '/api/v1/namespaces/chunky/pods').at(-1)!;
    expect(req.query.get('watch')).toBe('true');
    expect(req.query.get('allowWatchBookmarks')).toBe('true');
    h.stop();
    await h.done;
  });

  it('a watch whose connection drops rejects done with ERR_UNAVAILABLE after delivering what came', async () => {
    special.set('GET /api/v1/namespaces/drop/pods', (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'x', resourceVersion: '5' } } }) + '\n');
      setTimeout(() => req.socket.destroy(), 30);
    });
    const evs: WatchEvent<Loose>[] = [];
    const h = client.watch<Loose>(pods, 'drop', {}, (e) => evs.push(e));
    await expect(h.done).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' });
    expect(evs).toHaveLength(1);
  });

  it('a watch refused with 410 rejects done with Expired', async () => {
    special.set('GET /api/v1/namespaces/old/pods', (_req, res) => {
      res.writeHead(410, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(new KubeError('Expired', 'too old resource version: 1 (50)', { httpStatus: 410 }).toStatus()));
    });
    const h = client.watch(pods, 'old', { resourceVersion: '1' }, () => {});
    await expect(h.done).rejects.toMatchObject({ reason: 'Expired', httpStatus: 410 });
  });

  it('an Informer over HTTP syncs and follows changes', async () => {
    await client.create(namespaces, undefined, { metadata: { name: 'inf' } });
    const inf = new Informer<any>({ client, resource: pods, namespace: 'inf', logger: silentLogger });
    await client.create(pods, 'inf', { metadata: { name: 'one' }, spec: POD_SPEC });
    const added: string[] = [];
    inf.on('add', (p) => added.push(p.metadata.name));
    inf.start();
    await inf.waitForSync();
    expect(inf.store.get('inf/one').kind).toBe('Pod');
    for (let i = 0; i < 100 && fake.watcherCount(pods) === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await client.create(pods, 'inf', { metadata: { name: 'two' }, spec: POD_SPEC });
    for (let i = 0; i < 100 && !added.includes('two'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(added).toEqual(['one', 'two']);
    await inf.stop();
  });
});
