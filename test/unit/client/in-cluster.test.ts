/**
 * rest.InClusterConfig (api/client/in-cluster.ts) from tables: the service-link variables, the token and CA
 * files, client-go's messages; the token file re-read about every minute; KubeClient sending the current token.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../api/client/api-client.js';
import {
  IN_CLUSTER_CA_FILE,
  IN_CLUSTER_NAMESPACE_FILE,
  IN_CLUSTER_TOKEN_FILE,
  inClusterConfig,
  NOT_IN_CLUSTER_MESSAGE,
  TOKEN_FILE_REREAD_MS,
  TokenFileSource,
} from '../../../api/client/in-cluster.js';
import { KubeError } from '../../../api/errors.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const enoent = (p: string) => Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
const files = (m: Record<string, string>) => (p: string) => {
  const v = m[p];
  if (v === undefined) throw enoent(p);
  return v;
};
const ALL = { [IN_CLUSTER_TOKEN_FILE]: 'tok-1\n', [IN_CLUSTER_CA_FILE]: CA, [IN_CLUSTER_NAMESPACE_FILE]: 'kube-system' };

describe('inClusterConfig', () => {
  const cases: {
    name: string;
    env: Record<string, string>;
    files: Record<string, string>;
    want?: { server: string; token: string; caData?: string; namespace?: string };
    error?: string;
    warning?: string;
  }[] = [
    { name: 'in a pod', env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, files: ALL, want: { server: 'https://10.96.0.1:443', token: 'tok-1', caData: CA, namespace: 'kube-system' } },
    { name: 'an IPv6 service IP is bracketed (net.JoinHostPort)', env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, files: ALL, want: { server: 'https://[fd00::1]:443', token: 'tok-1', caData: CA, namespace: 'kube-system' } },
    { name: 'no host', env: { KUBERNETES_SERVICE_PORT: '443' }, files: ALL, error: NOT_IN_CLUSTER_MESSAGE },
    { name: 'no port', env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, files: ALL, error: NOT_IN_CLUSTER_MESSAGE },
    { name: 'empty host', env: { KUBERNETES_SERVICE_HOST: '', KUBERNETES_SERVICE_PORT: '443' }, files: ALL, error: NOT_IN_CLUSTER_MESSAGE },
    { name: 'no token (automountServiceAccountToken: false)', env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, files: {}, error: `open ${IN_CLUSTER_TOKEN_FILE}: no such file or directory` },
    {
      name: 'no ca.crt: logged, system roots',
      env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '6443' },
      files: { [IN_CLUSTER_TOKEN_FILE]: 'tok-1' },
      want: { server: 'https://10.96.0.1:6443', token: 'tok-1' },
      warning: `Expected to load root CA config from ${IN_CLUSTER_CA_FILE}, but got err: open ${IN_CLUSTER_CA_FILE}: no such file or directory`,
    },
    {
      name: 'a ca.crt without certificates: logged',
      env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
      files: { [IN_CLUSTER_TOKEN_FILE]: 'tok-1', [IN_CLUSTER_CA_FILE]: 'junk' },
      want: { server: 'https://10.96.0.1:443', token: 'tok-1' },
      warning: `Expected to load root CA config from ${IN_CLUSTER_CA_FILE}, but got err: error reading ${IN_CLUSTER_CA_FILE}: data does not contain any valid RSA or ECDSA certificates`,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const warnings: string[] = [];
      const run = () => inClusterConfig({ env: c.env, readFile: files(c.files), warn: (m) => warnings.push(m) });
      if (c.error) {
        expect(run).toThrow(KubeError);
        expect(run).toThrow(c.error);
        return;
      }
      const got = run();
      expect(got).toEqual({ ...c.want, tokenFile: IN_CLUSTER_TOKEN_FILE });
      expect(warnings).toEqual(c.warning ? [c.warning] : []);
    });
  }
});

describe('TokenFileSource (client-go cachingTokenSource over the token file)', () => {
  it('re-reads the file once the token is a minute old (minus the leeway), keeps the last one when a read fails', () => {
    let now = 0;
    const m: Record<string, string> = { '/t': 'one\n' };
    let reads = 0;
    const src = new TokenFileSource('/t', (p) => { reads++; return files(m)(p); }, () => now);
    expect(src.current()).toBe('one');
    m['/t'] = 'two';
    now = TOKEN_FILE_REREAD_MS - 1;
    expect(src.current()).toBe('one');
    expect(reads).toBe(1);
    now = TOKEN_FILE_REREAD_MS;
    expect(src.current()).toBe('two');
    delete m['/t'];
    now = 2 * TOKEN_FILE_REREAD_MS;
    expect(src.current()).toBe('two');
    m['/t'] = '';
    now = 3 * TOKEN_FILE_REREAD_MS;
    expect(src.current()).toBe('two');
  });
});

describe('KubeClient.fromKubeconfigOrInCluster', () => {
  let dir: string | undefined;
  let server: http.Server | undefined;
  afterEach(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (server) await new Promise((r) => server!.close(r));
    dir = server = undefined;
  });

  it('outside a pod and without --kubeconfig: client-go\'s message', () => {
    expect(() => KubeClient.fromKubeconfigOrInCluster(undefined, {}, {})).toThrow(NOT_IN_CLUSTER_MESSAGE);
  });

  it('a client with a token file sends what the file holds now (the kubelet rotates it)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelab-unit-incluster-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'first');
    const seen: string[] = [];
    server = http.createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [] }));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const client = new KubeClient({ server: `http://127.0.0.1:${port}`, tokenFile });
    try {
      await client.request('GET', '/api/v1/namespaces');
      writeFileSync(tokenFile, 'second');
      await client.request('GET', '/api/v1/namespaces'); // within the minute: the cached token
      expect(seen).toEqual(['Bearer first', 'Bearer first']);
    } finally {
      client.close();
    }
  });
});
