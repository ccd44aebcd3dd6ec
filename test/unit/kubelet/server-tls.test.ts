/**
 * The kubelet API serves TLS as the API server does (api/tls/serving.ts): forward-secret suites by
 * default, --tls-cipher-suites / --tls-min-version, and Go's 400 for plain HTTP. Loopback only.
 */
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, createCertificate } from '../../../api/tls/certs.js';
import { PLAIN_HTTP_RESPONSE, tlsSettings } from '../../../api/tls/serving.js';
import { consoleLogger } from '../../../api/client/log.js';
import { KubeletServer } from '../../../node-agent/kubelet/server.js';
import { kubeletConfig } from '../../../node-agent/kubelet/config.js';
import { FakeRuntime } from './fake-runtime.js';

const ca = createCA('test-ca');
const cert = createCertificate({ ca, commonName: 'node01', ipAddresses: ['127.0.0.1'], serverAuth: true });
const servers: KubeletServer[] = [];

async function start(tls?: ReturnType<typeof tlsSettings>): Promise<number> {
  const s = new KubeletServer({
    address: '127.0.0.1',
    port: 0,
    certPem: cert.certPem,
    keyPem: cert.keyPem,
    ...(tls ? { tls } : {}),
    runtime: new FakeRuntime(),
    pod: () => undefined,
    pods: () => [],
    log: consoleLogger('kubelet-test'),
  });
  await s.start();
  servers.push(s);
  return s.address!.port;
}

function handshake(port: number, opts: ConnectionOptions): Promise<{ ok: boolean; cipher?: string }> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca: ca.certPem, ...opts }, () => {
      resolve({ ok: true, cipher: s.getCipher().standardName });
      s.destroy();
    });
    s.on('error', () => resolve({ ok: false }));
  });
}

let port: number;
beforeAll(async () => {
  port = await start();
});
afterAll(async () => {
  for (const s of servers) await s.stop();
});

describe('kubelet server TLS', () => {
  it('refuses RSA key exchange by default and accepts ECDHE', async () => {
    expect((await handshake(port, { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' })).ok).toBe(false);
    expect(await handshake(port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' })).toEqual({ ok: true, cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' });
  });

  it('answers plain HTTP with Go\'s 400', async () => {
    const text = await new Promise<string>((resolve) => {
      let out = '';
      const s = netConnect(port, '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
      s.on('data', (c: Buffer) => (out += c.toString('latin1')));
      s.on('close', () => resolve(out));
    });
    expect(text).toBe(PLAIN_HTTP_RESPONSE);
  });

  it('takes --tls-min-version and --tls-cipher-suites', async () => {
    const { config } = kubeletConfig(['--tls-min-version=VersionTLS13']);
    expect(config.tls.minVersion).toBe('TLSv1.3');
    const p13 = await start(config.tls);
    expect((await handshake(p13, { maxVersion: 'TLSv1.2' })).ok).toBe(false);
    expect((await handshake(p13, {})).ok).toBe(true);
    expect(() => kubeletConfig(['--tls-cipher-suites=TLS_NOPE'])).toThrow("Cipher suite TLS_NOPE not supported or doesn't exist");
  });
});
