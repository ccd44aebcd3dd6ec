/**
 * The API server's TLS and timeouts (issue 18): forward-secret suites by default (a client offering
 * only RSA key exchange is refused), --tls-min-version / --tls-cipher-suites, plain HTTP on the TLS
 * port answered with Go's 400, --request-timeout (504 with upstream's Status; watches exempt), the
 * header timeout, and the --cert-dir self-signed certificate's file modes.
 */
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { startApiServer, startApiServerOn, api, kubectl, type ApiHandle } from '../../support/apiserver.js';
import { ensureServingCerts } from '../../../control-plane/apiserver/main.js';
import { REQUEST_TIMEOUT_STATUS } from '../../../control-plane/apiserver/server.js';
import { PLAIN_HTTP_RESPONSE } from '../../../api/tls/serving.js';
import { EtcdBackend } from '../../../control-plane/storage/etcd-backend.js';

let etcd: EtcdHandle;
let h: ApiHandle;
let strict: ApiHandle;
let tls13: ApiHandle;
let dir: string;
let backend: EtcdBackend;

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd);
  backend = new EtcdBackend({ endpoints: [etcd.endpoint] });
  dir = mkdtempSync(join(tmpdir(), 'kubelab-tls-'));
  const pki = ensureServingCerts(join(dir, 'pki'), { ips: ['127.0.0.1'], dns: ['localhost'] });
  const base = {
    bindAddress: '127.0.0.1',
    caPem: readFileSync(pki.caFile, 'utf8'),
    cert: { certPem: readFileSync(pki.certFile, 'utf8'), keyPem: readFileSync(pki.keyFile, 'utf8') },
    tokenFile: join(dir, 'tokens.csv'),
    adminToken: 'admintoken',
  };
  writeFileSync(base.tokenFile, 'admintoken,admin,admin,"system:masters"\n');
  for (const d of ['strict', 'tls13']) mkdirSync(join(dir, d));
  strict = await startApiServerOn(etcd, {
    ...base,
    dir: join(dir, 'strict'),
    extra: { requestTimeoutMs: 700, readHeaderTimeoutMs: 1500, tlsCipherSuites: ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'] },
  });
  tls13 = await startApiServerOn(etcd, { ...base, dir: join(dir, 'tls13'), extra: { tlsMinVersion: 'VersionTLS13' } });
}, 60_000);
afterAll(async () => {
  await tls13?.stop();
  await strict?.stop();
  await backend?.close();
  await h?.stop();
  await etcd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A TLS handshake with the client options given: the protocol and cipher, or the error. */
function handshake(a: ApiHandle, opts: ConnectionOptions): Promise<{ ok: true; protocol: string; cipher: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port: a.port, ca: a.caPem, ...opts }, () => {
      resolve({ ok: true, protocol: s.getProtocol() ?? '', cipher: s.getCipher().standardName });
      s.destroy();
    });
    s.on('error', (e) => resolve({ ok: false, error: e.message }));
  });
}

/** Raw bytes to the port; everything the server answers until it closes (or 5 s pass). */
function rawExchange(port: number, data: string): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const chunks: Buffer[] = [];
    const s = netConnect(port, '127.0.0.1', () => {
      if (data) s.write(data);
    });
    const done = () => resolve({ text: Buffer.concat(chunks).toString('latin1'), closedAfterMs: Date.now() - t0 });
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('close', done);
    s.on('error', () => undefined);
    setTimeout(() => s.destroy(), 5000);
  });
}

describe('TLS', () => {
  it('refuses a client offering only RSA key exchange; forward-secret suites work', async () => {
    const rsa = await handshake(h, { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' });
    expect(rsa.ok).toBe(false);
    const ecdhe = await handshake(h, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
    expect(ecdhe).toMatchObject({ ok: true, protocol: 'TLSv1.2', cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' });
    expect(await handshake(h, {})).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
    expect((await handshake(h, { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).ok).toBe(false);
  });

  it('--tls-cipher-suites limits TLS 1.2 to the suites named; --tls-min-version VersionTLS13 refuses TLS 1.2', async () => {
    expect((await handshake(strict, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' })).ok).toBe(false);
    expect(await handshake(strict, { maxVersion: 'TLSv1.2' })).toMatchObject({ ok: true, cipher: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384' });
    expect((await handshake(tls13, { maxVersion: 'TLSv1.2' })).ok).toBe(false);
    expect(await handshake(tls13, {})).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
  });

  it('plain HTTP to the TLS port gets Go\'s 400, and the real kubectl still works', async () => {
    const r = await rawExchange(h.port, 'GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(r.text).toBe(PLAIN_HTTP_RESPONSE);
    expect(PLAIN_HTTP_RESPONSE).toBe('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
    const k = await kubectl(h, ['get', 'namespaces', '-o', 'name']);
    expect(k.stderr).toBe('');
    expect(k.stdout).toContain('namespace/default');
  });
});

describe('timeouts', () => {
  it('a request that does not complete within --request-timeout is a 504 with upstream\'s Status; nothing is stored', async () => {
    const t0 = Date.now();
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: strict.port,
          method: 'POST',
          path: '/api/v1/namespaces/default/configmaps',
          ca: strict.caPem,
          agent: false,
          headers: { Authorization: 'Bearer admintoken', 'Content-Type': 'application/json', 'Content-Length': '1000' },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.write('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"slow"'); // and never the rest
    });
    expect(r.status).toBe(504);
    expect(JSON.parse(r.body)).toEqual(REQUEST_TIMEOUT_STATUS);
    expect(REQUEST_TIMEOUT_STATUS).toMatchObject({ code: 504, reason: 'Timeout', message: 'Timeout: request did not complete within the allotted timeout' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
    expect((await backend.get('/registry/configmaps/default/slow'))).toBeNull();
    // Quick requests are not affected.
    expect((await api(strict, 'GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200);
  });

  it('a watch is long-running: it outlives --request-timeout', async () => {
    const t0 = Date.now();
    const w = await api(strict, 'GET', '/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=2');
    expect(w.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    expect(w.body).not.toContain('Timeout');
  });

  it('a client that does not finish its headers (or sends nothing) is disconnected after the header timeout', async () => {
    const silent = await rawExchange(strict.port, '');
    expect(silent.closedAfterMs).toBeGreaterThanOrEqual(1400);
    expect(silent.closedAfterMs).toBeLessThan(4900);
    const slow = await new Promise<number>((resolve) => {
      const t0 = Date.now();
      const s = tlsConnect({ host: '127.0.0.1', port: strict.port, ca: strict.caPem }, () => s.write('GET /version HTTP/1.1\r\nHost: x\r\n'));
      s.on('data', () => undefined);
      s.on('error', () => undefined);
      s.on('close', () => resolve(Date.now() - t0));
      setTimeout(() => s.destroy(), 8000);
    });
    expect(slow).toBeGreaterThanOrEqual(1400);
    expect(slow).toBeLessThan(4900);
  });
});

describe('--cert-dir', () => {
  it('is 0700 even when it exists; keys 0600 and certificates 0644 whatever the umask; no CA key is kept', () => {
    const certDir = join(dir, 'certdir');
    mkdirSync(certDir, { mode: 0o755 });
    chmodSync(certDir, 0o755);
    writeFileSync(join(certDir, 'ca.key'), 'a CA key an older version left here');
    const old = process.umask(0o000);
    try {
      const r = ensureServingCerts(certDir, { ips: ['127.0.0.1'], dns: ['localhost'] });
      const mode = (p: string) => statSync(p).mode & 0o777;
      expect(mode(certDir)).toBe(0o700);
      expect(mode(r.keyFile)).toBe(0o600);
      expect(mode(r.certFile)).toBe(0o644);
      expect(mode(r.caFile)).toBe(0o644);
      expect(existsSync(join(certDir, 'ca.key'))).toBe(false);
      expect(readFileSync(r.certFile, 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
      // A second start reuses the files and fixes modes loosened meanwhile.
      const before = readFileSync(r.certFile, 'utf8');
      chmodSync(certDir, 0o777);
      chmodSync(r.keyFile, 0o644);
      ensureServingCerts(certDir, { ips: ['127.0.0.1'], dns: ['localhost'] });
      expect(readFileSync(r.certFile, 'utf8')).toBe(before);
      expect(mode(certDir)).toBe(0o700);
      expect(mode(r.keyFile)).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });
});
