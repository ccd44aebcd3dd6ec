import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProbe } from '../../../node-agent/kubelet/probes.js';
import { createCA, createCertificate } from '../../../api/tls/certs.js';
import { FakeRuntime } from './fake-runtime.js';

// metrics-server's probes are httpGet with scheme HTTPS on a self-signed certificate: the prober speaks TLS and
// does not verify it (upstream's InsecureSkipVerify).
describe('httpGet probe, scheme HTTPS', () => {
  const cert = createCertificate({ ca: createCA('self'), commonName: 'localhost', ipAddresses: ['127.0.0.1'], serverAuth: true });
  const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    res.writeHead(req.url === '/livez' ? 200 : 500);
    res.end();
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });
  const target = { podIP: '127.0.0.1', containerId: 'c', container: { name: 'c', ports: [{ name: 'https', containerPort: 0 }] } };

  it.each([
    ['/livez', 'HTTPS', true, ''],
    ['/readyz', 'HTTPS', false, 'HTTP probe failed with statuscode: 500'],
  ])('%s over %s', async (path, scheme, ok, message) => {
    const r = await runProbe({ httpGet: { path, port, scheme } }, target as never, new FakeRuntime(), 2000);
    expect(r.ok).toBe(ok);
    if (!ok) expect(r.message).toBe(message);
  });

  it('plain HTTP to a TLS port fails', async () => {
    const r = await runProbe({ httpGet: { path: '/livez', port } }, target as never, new FakeRuntime(), 2000);
    expect(r.ok).toBe(false);
  });
});
