/**
 * pods/proxy and services/proxy over a real API server and etcd. Pod IPs (10.244.x.y) are mapped by the
 * server's proxyDialer onto a loopback HTTP server that echoes what it got, so nothing leaves loopback;
 * the dialer records every address the server asked for. `kubectl get --raw` and `kubectl proxy` are the
 * real kubectl v1.32.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { Duplex } from 'node:stream';
import { createCA, createCertificate } from '../../../api/tls/certs.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { WebSocket, WebSocketServer } from 'ws';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, kubectl, KUBECTL, startApiServer, type ApiHandle } from '../../support/apiserver.js';
import { freePort } from '../../support/net.js';

let etcd: EtcdHandle | undefined;
let h: ApiHandle;
let backend: Server;
let backendPort = 0;
let closedPort = 0;
let tlsBackend: Server;
let tlsPort = 0;
const dialed: string[] = [];
const NS = '/api/v1/namespaces/default';

/** The echo backend: method, path with query, the headers and body it received, as JSON. */
function startBackend(): Promise<void> {
  backend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/page.html' || req.url === '/page.gz') {
        const html = '<html><head><link href="/site.css" rel="stylesheet"></head><body><a href="/docs/">docs</a> <a href="rel.html">r</a></body></html>';
        const gz = req.url === '/page.gz';
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...(gz ? { 'Content-Encoding': 'gzip' } : {}) });
        res.end(gz ? gzipSync(html) : html);
        return;
      }
      if (req.url === '/big.html') {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.write('<a href="/first">');
        res.end('x'.repeat(17 * 1024 * 1024));
        return;
      }
      if (req.url === '/redirect') {
        res.writeHead(302, { Location: '/landing?x=1' });
        res.end();
        return;
      }
      const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Backend': 'echo', 'Access-Control-Allow-Origin': '*' });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  const wss = new WebSocketServer({ server: backend });
  wss.on('connection', (ws, req) => ws.on('message', (m) => ws.send(`echo ${req.url} ${String(m)}`)));
  return new Promise((r) => backend.listen(0, '127.0.0.1', () => {
    backendPort = (backend.address() as { port: number }).port;
    r();
  }));
}

/** An HTTPS backend with a certificate no one can verify by IP (as a pod's). */
function startTlsBackend(): Promise<void> {
  const ca = createCA('pod-ca');
  const cert = createCertificate({ ca, commonName: 'pod', serverAuth: true, dnsNames: ['pod.local'] });
  tlsBackend = createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`tls ${req.method} ${req.url}`);
  });
  return new Promise((r) => tlsBackend.listen(0, '127.0.0.1', () => {
    tlsPort = (tlsBackend.address() as { port: number }).port;
    r();
  }));
}

/**
 * 10.244.1.x answers through the echo server, 10.244.2.x through the HTTPS one; 10.244.9.x refuses (a closed
 * loopback port); 10.244.8.x never connects; anything else is a test failure.
 */
function dialer(host: string, port: number): Socket | Duplex {
  dialed.push(`${host}:${port}`);
  if (host.startsWith('10.244.1.')) return connect(backendPort, '127.0.0.1');
  if (host.startsWith('10.244.2.')) return connect(tlsPort, '127.0.0.1');
  if (host.startsWith('10.244.9.')) return connect(closedPort, '127.0.0.1');
  // A connection that never completes: writes go nowhere, nothing is ever read.
  if (host.startsWith('10.244.8.')) return new Duplex({ read() {}, write(_c, _e, done) { done(); } });
  throw new Error(`the test dialer was asked for ${host}:${port}`);
}

async function setPodIP(name: string, ip: string | undefined): Promise<void> {
  const status = ip ? { podIP: ip, podIPs: [{ ip }] } : {};
  const r = await api(h, 'PATCH', `${NS}/pods/${name}/status`, { status }, { contentType: 'application/merge-patch+json' });
  expect(r.status, r.body).toBe(200);
}

async function createPod(name: string, ports: number[], ip: string | undefined): Promise<void> {
  const r = await api(h, 'POST', `${NS}/pods`, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } },
    spec: { containers: [{ name: 'c', image: 'nginx', ports: ports.map((containerPort) => ({ containerPort })) }] },
  });
  expect(r.status, r.body).toBe(201);
  await setPodIP(name, ip);
}

async function createService(name: string, ports: { name?: string; port: number }[], endpoints?: { ip: string; pod?: string; ns?: string }[], epPorts?: { name?: string; port: number }[]): Promise<void> {
  const r = await api(h, 'POST', `${NS}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports } });
  expect(r.status, r.body).toBe(201);
  if (!endpoints) return;
  const subsets = endpoints.length === 0 ? [] : [{
    addresses: endpoints.map((e) => ({ ip: e.ip, ...(e.pod ? { targetRef: { kind: 'Pod', namespace: e.ns ?? 'default', name: e.pod } } : {}) })),
    ports: epPorts ?? [],
  }];
  const e = await api(h, 'POST', `${NS}/endpoints`, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name }, subsets });
  expect(e.status, e.body).toBe(201);
}

beforeAll(async () => {
  await startBackend();
  await startTlsBackend();
  closedPort = await freePort();
  etcd = await startEtcd();
  h = await startApiServer(etcd, { extra: { proxyDialer: dialer, proxyDialTimeoutMs: 500 } });
  await createPod('secure', [8443], '10.244.2.9');
  await createPod('blackhole', [80], '10.244.8.8');
  await createPod('web', [80], '10.244.1.5');
  await createPod('noip', [80], undefined);
  await createPod('loopback', [80], '127.0.0.1');
  await createPod('refuses', [80], '10.244.9.9');
  await createService('nginx', [{ name: 'web', port: 80 }, { name: 'alt', port: 8081 }], [{ ip: '10.244.1.5', pod: 'web' }], [{ name: 'web', port: 8080 }, { name: 'alt', port: 9090 }]);
  await createService('empty', [{ port: 80 }], []);
  await createService('noendpoints', [{ port: 80 }]);
  // Endpoints written by hand (loopback ones are refused by validation): no pod, another pod's name, another namespace.
  await createService('sneaky', [{ port: 80 }], [{ ip: '10.244.1.77' }, { ip: '10.244.1.78', pod: 'web' }, { ip: '10.244.1.5', pod: 'web', ns: 'kube-system' }], [{ port: 2379 }]);
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await etcd?.stop();
  await new Promise<void>((r) => (backend ? backend.close(() => r()) : r()));
  await new Promise<void>((r) => (tlsBackend ? tlsBackend.close(() => r()) : r()));
});

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

describe('pods/proxy', () => {
  it('GET goes to the pod IP and its first container port, with the path and query as sent, without the caller credentials', async () => {
    dialed.length = 0;
    const r = await api(h, 'GET', `${NS}/pods/web/proxy/hello/there?a=1&b=x%20y`, undefined, { headers: { 'X-Custom': 'kept', Origin: 'https://x' } });
    expect(r.status, r.body).toBe(200);
    const echo = r.json() as Echo;
    expect(echo.method).toBe('GET');
    expect(echo.url).toBe('/hello/there?a=1&b=x%20y');
    expect(echo.headers['x-custom']).toBe('kept');
    expect(echo.headers.authorization).toBeUndefined();
    expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(r.headers['x-backend']).toBe('echo');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(dialed).toEqual(['10.244.1.5:80']);
  });

  it('every proxy method passes with its body', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const r = await api(h, method, `${NS}/pods/web:8080/proxy/m`, `payload-${method}`, { contentType: 'text/plain' });
      expect(r.status, `${method} ${r.body}`).toBe(200);
      expect(r.json()).toMatchObject({ method, url: '/m', body: `payload-${method}` });
    }
    const head = await api(h, 'HEAD', `${NS}/pods/web/proxy/`);
    expect(head.status).toBe(200);
    expect(head.headers['x-backend']).toBe('echo');
  });

  it('name:port and http:name:port pick the port', async () => {
    dialed.length = 0;
    expect((await api(h, 'GET', `${NS}/pods/web:8080/proxy/`)).status).toBe(200);
    expect((await api(h, 'GET', `${NS}/pods/http:web:8081/proxy/`)).status).toBe(200);
    expect(dialed).toEqual(['10.244.1.5:8080', '10.244.1.5:8081']);
  });

  it('nothing after proxy: a GET is redirected to proxy/ (upstream 301)', async () => {
    const r = await api(h, 'GET', `${NS}/pods/web/proxy?q=1`);
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`${NS}/pods/web/proxy/?q=1`);
  });

  it("a backend's redirect to itself is rewritten to go through the proxy", async () => {
    const r = await api(h, 'GET', `${NS}/pods/web:80/proxy/redirect`);
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe(`${NS}/pods/web:80/proxy/landing?x=1`);
  });

  it('links in an HTML answer go through the proxy again (also gzip-encoded), as upstream', async () => {
    const P = `${NS}/pods/web/proxy`;
    const want = `<html><head><link href="${P}/site.css" rel="stylesheet"></head><body><a href="${P}/docs/">docs</a> <a href="rel.html">r</a></body></html>`;
    const r = await api(h, 'GET', `${P}/page.html`);
    expect(r.status).toBe(200);
    expect(r.body).toBe(want);
    expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(want));
    const gz = await new Promise<Buffer>((resolve, reject) => {
      const u = new URL(`${P}/page.gz`, h.url);
      httpsRequest({ host: u.hostname, port: u.port, path: u.pathname, ca: h.caPem, headers: { Authorization: `Bearer ${h.adminToken}`, 'Accept-Encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      }).on('error', reject).end();
    });
    expect(gunzipSync(gz).toString('utf8')).toBe(want);
  });

  it('an HTML answer over 16 MiB passes unchanged, whole', async () => {
    const r = await api(h, 'GET', `${NS}/pods/web/proxy/big.html`);
    expect(r.status).toBe(200);
    expect(r.body.length).toBe('<a href="/first">'.length + 17 * 1024 * 1024);
    expect(r.body.startsWith('<a href="/first">')).toBe(true);
  });

  it('kubectl get --raw through the pod proxy', async () => {
    const r = await kubectl(h, ['get', '--raw', `${NS}/pods/web:80/proxy/raw`]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ method: 'GET', url: '/raw' });
  });

  it('errors as upstream: no IP or a loopback IP is 400 address not allowed; a missing pod 404; a bad id 400; a refused dial 503', async () => {
    dialed.length = 0;
    const noip = await api(h, 'GET', `${NS}/pods/noip/proxy/`);
    expect([noip.status, noip.json().message]).toEqual([400, 'address not allowed']);
    const lo = await api(h, 'GET', `${NS}/pods/loopback/proxy/`);
    expect([lo.status, lo.json().message]).toEqual([400, 'address not allowed']);
    const missing = await api(h, 'GET', `${NS}/pods/nope/proxy/`);
    expect([missing.status, missing.json().message]).toEqual([404, 'pods "nope" not found']);
    const bad = await api(h, 'GET', `${NS}/pods/a:b:c:d/proxy/`);
    expect([bad.status, bad.json().message]).toEqual([400, 'invalid pod request "a:b:c:d"']);
    const refused = await api(h, 'GET', `${NS}/pods/refuses/proxy/`);
    expect(refused.status).toBe(503);
    expect(refused.json()).toMatchObject({ reason: 'ServiceUnavailable', message: 'error trying to reach service: dial tcp 10.244.9.9:80: connect: connection refused' });
    expect(dialed).toEqual(['10.244.9.9:80']);
    const method = await api(h, 'TRACE', `${NS}/pods/web/proxy/`);
    expect(method.status).toBe(405);
  });

  it('https:name:port speaks TLS to the pod without verifying its certificate', async () => {
    const r = await api(h, 'GET', `${NS}/pods/https:secure:8443/proxy/x?y=1`);
    expect([r.status, r.body]).toEqual([200, 'tls GET /x?y=1']);
  });

  it('a dial that does not connect in time is 503 i/o timeout', async () => {
    const r = await api(h, 'GET', `${NS}/pods/blackhole/proxy/`);
    expect(r.status).toBe(503);
    expect(r.json().message).toBe('error trying to reach service: dial tcp 10.244.8.8:80: i/o timeout');
  });

  it('authorization is by verb on pods/proxy, as upstream', async () => {
    const get = await api(h, 'GET', `${NS}/pods/web/proxy/`, undefined, { token: 'usertoken' });
    expect(get.status).toBe(403);
    expect(get.json().message).toContain('User "jane" cannot get resource "pods/proxy" in API group "" in the namespace "default"');
    const post = await api(h, 'POST', `${NS}/pods/web/proxy/`, 'x', { token: 'usertoken', contentType: 'text/plain' });
    expect(post.json().message).toContain('cannot create resource "pods/proxy"');
    const node = await api(h, 'GET', `${NS}/pods/web/proxy/`, undefined, { token: 'nodetoken-node01' });
    expect(node.status).toBe(403);
  });

  it('a WebSocket through pods/proxy reaches the pod', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${h.port}${NS}/pods/web/proxy/ws?x=1`, { ca: h.caPem, headers: { Authorization: `Bearer ${h.adminToken}` } });
    const answer = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('hi'));
      ws.on('message', (m) => resolve(String(m)));
      ws.on('error', reject);
    });
    ws.close();
    expect(answer).toBe('echo /ws?x=1 hi');
  });
});

describe('services/proxy', () => {
  it('by port number or name: a ready endpoint of that port', async () => {
    dialed.length = 0;
    const byNumber = await api(h, 'GET', `${NS}/services/nginx:80/proxy/index.html?x=1`);
    expect(byNumber.status, byNumber.body).toBe(200);
    expect(byNumber.json()).toMatchObject({ url: '/index.html?x=1' });
    expect((await api(h, 'GET', `${NS}/services/nginx:alt/proxy/`)).status).toBe(200);
    expect((await api(h, 'GET', `${NS}/services/http:nginx:8081/proxy/`)).status).toBe(200);
    expect(dialed).toEqual(['10.244.1.5:8080', '10.244.1.5:9090', '10.244.1.5:9090']);
  });

  it('errors as upstream', async () => {
    const none = await api(h, 'GET', `${NS}/services/empty/proxy/`);
    expect(none.status).toBe(503);
    expect(none.json()).toMatchObject({ reason: 'ServiceUnavailable', message: 'no endpoints available for service "empty"' });
    const noEp = await api(h, 'GET', `${NS}/services/noendpoints/proxy/`);
    expect([noEp.status, noEp.json().message]).toEqual([404, 'endpoints "noendpoints" not found']);
    const port = await api(h, 'GET', `${NS}/services/nginx:81/proxy/`);
    expect([port.status, port.json().message]).toEqual([503, 'no service port 81 found for service "nginx"']);
    const missing = await api(h, 'GET', `${NS}/services/missing:80/proxy/`);
    expect([missing.status, missing.json().message]).toEqual([404, 'services "missing" not found']);
  });

  it('endpoint addresses that are not the IP of a pod of the namespace they name are never dialled (503)', async () => {
    dialed.length = 0;
    const r = await api(h, 'GET', `${NS}/services/sneaky/proxy/`);
    expect([r.status, r.json().message]).toEqual([503, 'no endpoints available for service "sneaky"']);
    expect(dialed).toEqual([]);
  });

  it('kubectl proxy, then plain HTTP to /api/v1/namespaces/default/services/nginx:80/proxy/', async () => {
    const child: ChildProcess = spawn(KUBECTL, ['--kubeconfig', h.kubeconfig, 'proxy', '--port=0'], { env: { ...process.env, HOME: h.dir } });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        const t = setTimeout(() => reject(new Error(`kubectl proxy did not start: ${out}`)), 15_000);
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(Number(m[1]));
          }
        });
        child.on('exit', () => reject(new Error(`kubectl proxy exited: ${out}`)));
      });
      const body = await new Promise<string>((resolve, reject) => {
        httpRequest({ host: '127.0.0.1', port, path: `${NS}/services/nginx:80/proxy/` }, (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${b}`));
        }).on('error', reject).end();
      });
      expect(body).toMatch(/^200 /);
      expect(JSON.parse(body.slice(4))).toMatchObject({ method: 'GET', url: '/' });
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
  });
});
