/**
 * `kubelab apiserver` with the aggregation flags as the lab passes them (kubeadm's names and values):
 * --requestheader-*, --proxy-client-cert-file/--proxy-client-key-file, --enable-aggregator-routing. The binary
 * reads them into the front proxy's authenticator and the extension-apiserver-authentication ConfigMap.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, createCertificate, type KeyPairPem } from '../../../api/tls/certs.js';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, startApiServer, type ApiHandle } from '../../support/apiserver.js';

let etcd: EtcdHandle | undefined;
let h: ApiHandle | undefined;
let frontProxyCA: KeyPairPem;
let frontProxyClient: KeyPairPem;
let dir: string | undefined;

beforeAll(async () => {
  frontProxyCA = createCA('front-proxy-ca');
  frontProxyClient = createCertificate({ ca: frontProxyCA, commonName: 'front-proxy-client', clientAuth: true });
  etcd = await startEtcd();
  dir = mkdtempSync(join(tmpdir(), 'kubelab-aggregation-flags-'));
  const files = { ca: join(dir, `fp-ca-${process.pid}.crt`), crt: join(dir, `fp-client-${process.pid}.crt`), key: join(dir, `fp-client-${process.pid}.key`) };
  writeFileSync(files.ca, frontProxyCA.certPem);
  writeFileSync(files.crt, frontProxyClient.certPem);
  writeFileSync(files.key, frontProxyClient.keyPem, { mode: 0o600 });
  h = await startApiServer(etcd, {
    mode: 'child',
    args: [
      `--requestheader-client-ca-file=${files.ca}`, '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User', '--requestheader-group-headers=X-Remote-Group', '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${files.crt}`, `--proxy-client-key-file=${files.key}`, '--enable-aggregator-routing=true',
    ],
  });
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await etcd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the aggregation flags', () => {
  it('publish the front proxy configuration in kube-system/extension-apiserver-authentication', async () => {
    const cm = (await api(h!, 'GET', '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication')).json();
    expect(cm.data['requestheader-client-ca-file']).toBe(frontProxyCA.certPem);
    expect(cm.data['requestheader-allowed-names']).toBe('["front-proxy-client"]');
    expect(cm.data['requestheader-extra-headers-prefix']).toBe('["X-Remote-Extra-"]');
    expect(cm.data['client-ca-file']).toBe(h!.caPem);
  });

  it('make the front proxy certificate authenticate the user its headers name', async () => {
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL('/apis/authentication.k8s.io/v1/selfsubjectreviews', h!.url);
      const req = httpsRequest(
        { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', ca: h!.caPem, cert: frontProxyClient.certPem, key: frontProxyClient.keyPem, agent: false, headers: { 'Content-Type': 'application/json', 'X-Remote-User': 'carol', 'X-Remote-Group': 'ops' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
    });
    expect(r.status).toBe(201);
    expect(JSON.parse(r.body).status.userInfo).toMatchObject({ username: 'carol', groups: ['ops', 'system:authenticated'] });
  });

  it('list the APIServices of every served group version', async () => {
    const list = (await api(h!, 'GET', '/apis/apiregistration.k8s.io/v1/apiservices')).json();
    expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(expect.arrayContaining(['v1.', 'v1.apps', 'v1.apiregistration.k8s.io']));
  });
});
