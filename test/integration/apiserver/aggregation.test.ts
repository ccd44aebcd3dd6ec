/**
 * The aggregation layer against a real API server over etcd and a tiny TLS extension server on loopback
 * (test/support/extension-server.ts): APIService, the proxy (front proxy certificate, X-Remote-* headers, no caller
 * credentials), discovery and api-resources, availability and 503, the requestheader authenticator, the
 * extension-apiserver-authentication ConfigMap and the bootstrap roles extension servers use.
 */
import { connect as netConnect } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, createCertificate, type KeyPairPem } from '../../../api/tls/certs.js';
import { requestHeaderConfig } from '../../../control-plane/apiserver/requestheader.js';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, kubectl, kubectlOk, startApiServer, type ApiHandle } from '../../support/apiserver.js';
import { poll } from '../../support/net.js';
import { EXT_GROUP, EXT_VERSION, startExtensionServer, type ExtensionServer } from '../../support/extension-server.js';

let etcd: EtcdHandle | undefined;
let h: ApiHandle;
let ext: ExtensionServer | undefined;
let frontProxyCA: KeyPairPem;
let frontProxyClient: KeyPairPem;
let clientCA: KeyPairPem;

const NAME = `${EXT_VERSION}.${EXT_GROUP}`;

/** Wait until `check` answers true. */
async function until(check: () => Promise<boolean | undefined>, ms: number, what: string): Promise<void> {
  await poll(what, ms, check);
}

beforeAll(async () => {
  frontProxyCA = createCA('front-proxy-ca');
  frontProxyClient = createCertificate({ ca: frontProxyCA, commonName: 'front-proxy-client', clientAuth: true });
  clientCA = createCA('test-client-ca');
  ext = await startExtensionServer(frontProxyCA, 'ext.kube-system.svc');
  const extPort = ext.port;
  etcd = await startEtcd();
  h = await startApiServer(etcd, {
    authn: {
      clientCAPem: clientCA.certPem,
      requestHeader: requestHeaderConfig({
        clientCAPem: frontProxyCA.certPem,
        allowedNames: ['front-proxy-client'],
        usernameHeaders: ['X-Remote-User'],
        groupHeaders: ['X-Remote-Group'],
        extraHeaderPrefixes: ['X-Remote-Extra-'],
      })!,
    },
    extra: {
      clientCA: clientCA.certPem,
      // every address the aggregator dials is the extension server on loopback
      proxyDialer: () => netConnect({ host: '127.0.0.1', port: extPort }),
      aggregator: { proxyClientCertPem: frontProxyClient.certPem, proxyClientKeyPem: frontProxyClient.keyPem, enableAggregatorRouting: true, resyncMs: 1000, probeTimeoutMs: 2000 },
    },
  });
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await etcd?.stop();
  await ext?.close();
});

const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'kube-system' }, spec: { ports: [{ port: 443, targetPort: 8443 }] } };
const eps = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext', namespace: 'kube-system' }, subsets: [{ addresses: [{ ip: '10.244.1.10' }], ports: [{ port: 8443 }] }] };

function apiService(): Record<string, unknown> {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: NAME },
    spec: {
      group: EXT_GROUP,
      version: EXT_VERSION,
      service: { namespace: 'kube-system', name: 'ext' },
      caBundle: Buffer.from(ext!.ca.certPem).toString('base64'),
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  };
}

async function available(): Promise<Record<string, unknown>> {
  const r = await api(h, 'GET', `/apis/apiregistration.k8s.io/v1/apiservices/${NAME}`);
  const c = (r.json().status?.conditions ?? []).find((x: { type: string }) => x.type === 'Available');
  return c ?? {};
}

/** A request to the API server presenting a client certificate. */
function withCert(cert: KeyPairPem, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, h.url);
    const req = httpsRequest({ host: u.hostname, port: u.port, path: u.pathname, method, ca: h.caPem, cert: cert.certPem, key: cert.keyPem, agent: false, headers: { ...headers, ...(body ? { 'Content-Type': 'application/json' } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const WHOAMI = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
const whoamiPath = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

describe('APIService and the built-in group versions', () => {
  it('every group version served here is a Local, Available APIService (autoregister), as `kubectl get apiservices` prints them', async () => {
    await until(async () => (await kubectlOk(h, ['get', 'apiservices'])).includes('v1.apps'), 10_000, 'the Local APIServices');
    const out = await kubectlOk(h, ['get', 'apiservices']);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+SERVICE\s+AVAILABLE\s+AGE$/);
    for (const n of ['v1.', 'v1.apps', 'v1.apiregistration.k8s.io', 'v1.rbac.authorization.k8s.io']) {
      await until(async () => new RegExp(`^${n.replace(/\./g, '\\.')}\\s+Local\\s+True\\s`, 'm').test(await kubectlOk(h, ['get', 'apiservices'])), 10_000, `${n} Local True`);
    }
    const core = (await api(h, 'GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1.')).json();
    expect(core.spec).toMatchObject({ version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 });
    expect(core.metadata.labels['kube-aggregator.kubernetes.io/automanaged']).toBe('onstart');
  });

  it('a name that is not <version>.<group>, or priorities out of range, are 422 with upstream\'s messages', async () => {
    const bad = apiService();
    (bad.metadata as Record<string, unknown>).name = 'metrics';
    (bad.spec as Record<string, unknown>).groupPriorityMinimum = 0;
    (bad.spec as Record<string, unknown>).insecureSkipTLSVerify = true;
    const r = await api(h, 'POST', '/apis/apiregistration.k8s.io/v1/apiservices', bad);
    expect(r.status).toBe(422);
    const msg = r.json().message as string;
    expect(msg).toContain(`metadata.name: Invalid value: "metrics": must be \`spec.version+"."+spec.group\`: "${NAME}"`);
    expect(msg).toContain('spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000');
    expect(msg).toContain('spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present');
  });
});

describe('a remote APIService', () => {
  beforeAll(async () => {
    expect((await api(h, 'POST', '/api/v1/namespaces/kube-system/services', svc)).status).toBe(201);
    expect((await api(h, 'POST', '/apis/apiregistration.k8s.io/v1/apiservices', apiService())).status).toBe(201);
  }, 30_000);

  it('is not Available while its Service has no endpoints (EndpointsNotFound, MissingEndpoints), and its requests are 503 `service unavailable`', async () => {
    await until(async () => (await available()).reason === 'EndpointsNotFound' || undefined, 10_000, 'EndpointsNotFound');
    expect(await available()).toMatchObject({ status: 'False', message: 'cannot find endpoints for service/ext in "kube-system"' });
    expect((await api(h, 'POST', '/api/v1/namespaces/kube-system/endpoints', { ...eps, subsets: [] })).status).toBe(201);
    await until(async () => (await available()).reason === 'MissingEndpoints' || undefined, 10_000, 'MissingEndpoints');
    expect((await available()).message).toBe('endpoints for service/ext in "kube-system" have no addresses with port name ""');
    const r = await api(h, 'GET', `/apis/${EXT_GROUP}/${EXT_VERSION}/namespaces/default/widgets`);
    expect(r.status).toBe(503);
    expect(r.body).toBe('service unavailable\n');
    const k = await kubectl(h, ['get', '--raw', `/apis/${EXT_GROUP}/${EXT_VERSION}/namespaces/default/widgets`]);
    expect(k.code).not.toBe(0);
    expect(k.stderr).toContain('the server is currently unable to handle the request');
    // the rest of the API is unaffected
    expect(await kubectlOk(h, ['get', 'namespaces', '-o', 'name'])).toContain('namespace/default');
  });

  it('becomes Available (Passed) once the discovery probe reaches it through its endpoint', async () => {
    const cur = (await api(h, 'GET', '/api/v1/namespaces/kube-system/endpoints/ext')).json();
    expect((await api(h, 'PUT', '/api/v1/namespaces/kube-system/endpoints/ext', { ...eps, metadata: cur.metadata })).status).toBe(200);
    await until(async () => (await available()).status === 'True' || undefined, 15_000, 'Available');
    expect(await available()).toMatchObject({ status: 'True', reason: 'Passed', message: 'all checks passed' });
    expect(await kubectlOk(h, ['get', 'apiservices', NAME])).toMatch(new RegExp(`${NAME.replace(/\./g, '\\.')}\\s+kube-system/ext\\s+True\\s`));
    // the probe was made as the aggregator, with the front proxy's certificate
    const probe = ext!.seen.find((s) => s.url === `/apis/${EXT_GROUP}/${EXT_VERSION}`);
    expect(probe).toMatchObject({ remoteUser: 'system:kube-aggregator', remoteGroups: ['system:masters'], clientCN: 'front-proxy-client' });
  });

  it('proxies kubectl to the extension server with the user in X-Remote-* and none of the caller\'s credentials', async () => {
    ext!.seen.length = 0;
    const out = await kubectlOk(h, ['get', '--raw', `/apis/${EXT_GROUP}/${EXT_VERSION}/namespaces/default/widgets`]);
    expect(JSON.parse(out).items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['w1', 'w2']);
    const got = ext!.seen.find((s) => s.url.startsWith(`/apis/${EXT_GROUP}/${EXT_VERSION}/namespaces/default/widgets`));
    expect(got).toBeDefined();
    expect(got!.clientCN).toBe('front-proxy-client');
    expect(got!.remoteUser).toBe('admin');
    expect(got!.remoteGroups.sort()).toEqual(['system:authenticated', 'system:masters']);
    expect(got!.authorization).toBeUndefined();
    // names from `kubectl get` (resources discovered through the aggregated discovery document)
    expect(await kubectlOk(h, ['get', 'widgets', '-n', 'default', '-o', 'name'])).toContain('w1');
  });

  it('a caller cannot pass its own X-Remote-User through: the proxy sends the authenticated user only', async () => {
    ext!.seen.length = 0;
    const r = await api(h, 'GET', `/apis/${EXT_GROUP}/${EXT_VERSION}/namespaces/default/widgets/w1`, undefined, { headers: { 'X-Remote-User': 'mallory', 'X-Remote-Group': 'evil' } });
    expect(r.status).toBe(200);
    expect(ext!.seen[0]).toMatchObject({ remoteUser: 'admin' });
    expect(ext!.seen[0]!.remoteGroups).not.toContain('evil');
  });

  it('streams a watch through', async () => {
    const r = await api(h, 'GET', `/apis/${EXT_GROUP}/${EXT_VERSION}/namespaces/default/widgets?watch=true`);
    expect(r.status).toBe(200);
    expect(r.body.trim().split('\n').map((l) => JSON.parse(l).type)).toEqual(['ADDED', 'MODIFIED']);
  });

  it('authorizes the caller here first: a user without RBAC on the aggregated resource is 403, never proxied', async () => {
    ext!.seen.length = 0;
    const r = await api(h, 'GET', `/apis/${EXT_GROUP}/${EXT_VERSION}/namespaces/default/widgets`, undefined, { token: 'usertoken' });
    expect(r.status).toBe(403);
    expect(r.json().message).toBe(`widgets.${EXT_GROUP} is forbidden: User "jane" cannot list resource "widgets" in API group "${EXT_GROUP}" in the namespace "default"`);
    expect(ext!.seen).toHaveLength(0);
  });

  it('is in discovery (/apis, the aggregated document, /apis/<group>) and `kubectl api-resources`', async () => {
    const legacy = (await api(h, 'GET', '/apis')).json();
    expect(legacy.groups.find((g: { name: string }) => g.name === EXT_GROUP)?.preferredVersion).toEqual({ groupVersion: `${EXT_GROUP}/${EXT_VERSION}`, version: EXT_VERSION });
    const group = (await api(h, 'GET', `/apis/${EXT_GROUP}`)).json();
    expect(group).toMatchObject({ kind: 'APIGroup', name: EXT_GROUP });
    await until(async () => {
      const agg = (await api(h, 'GET', '/apis', undefined, { headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } })).json();
      return agg.items.find((g: { metadata: { name: string } }) => g.metadata.name === EXT_GROUP)?.versions[0]?.freshness === 'Current' || undefined;
    }, 10_000, 'the aggregated group');
    const out = await kubectlOk(h, ['api-resources', `--api-group=${EXT_GROUP}`]);
    expect(out).toMatch(new RegExp(`widgets\\s+wdg\\s+${EXT_GROUP.replace(/\./g, '\\.')}/${EXT_VERSION}\\s+true\\s+Widget`));
  });

  it('a down extension server: FailedDiscoveryCheck, 503, and kubectl still discovers (and uses) the rest', async () => {
    // the endpoint moves to an address nothing answers on
    const cur = (await api(h, 'GET', '/api/v1/namespaces/kube-system/endpoints/ext')).json();
    await api(h, 'PUT', '/api/v1/namespaces/kube-system/endpoints/ext', { ...eps, metadata: cur.metadata, subsets: [{ addresses: [{ ip: '10.244.1.11' }], ports: [{ port: 1 }] }] });
    const saved = h.server!.opts.proxyDialer;
    h.server!.aggregator['opts'].dial = (host: string, port: number) => netConnect({ host: '127.0.0.1', port: port === 1 ? 1 : ext!.port });
    try {
      await until(async () => (await available()).reason === 'FailedDiscoveryCheck' || undefined, 20_000, 'FailedDiscoveryCheck');
      expect(String((await available()).message)).toMatch(/^failing or missing response from https:\/\/10\.244\.1\.11:1\/apis\/metrics\.kubelab\.io\/v1beta1: /);
      expect(await kubectlOk(h, ['get', 'apiservices', NAME])).toContain('False (FailedDiscoveryCheck)');
      expect((await api(h, 'GET', `/apis/${EXT_GROUP}/${EXT_VERSION}/namespaces/default/widgets`)).status).toBe(503);
      // discovery keeps the group's last document, marked Stale; the rest is Current and kubectl lists and uses it
      const agg = (await api(h, 'GET', '/apis', undefined, { headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } })).json();
      expect(agg.items.find((g: { metadata: { name: string } }) => g.metadata.name === EXT_GROUP)?.versions[0]?.freshness).toBe('Stale');
      expect(agg.items.find((g: { metadata: { name: string } }) => g.metadata.name === 'apps')?.versions[0]?.freshness).toBe('Current');
      const k = await kubectl(h, ['api-resources']);
      expect(k.stdout).toContain('deployments');
      expect(await kubectlOk(h, ['get', 'deployments', '-A'])).toBeDefined();
    } finally {
      h.server!.aggregator['opts'].dial = saved;
    }
  });
});

describe('the requestheader authenticator', () => {
  it('a front proxy certificate with an allowed CN is the user its headers name', async () => {
    const r = await withCert(frontProxyClient, 'POST', whoamiPath, { 'X-Remote-User': 'bob', 'X-Remote-Group': 'team-a', 'X-Remote-Extra-Scopes': 'read' }, WHOAMI);
    expect(r.status).toBe(201);
    const ui = JSON.parse(r.body).status.userInfo;
    expect(ui.username).toBe('bob');
    expect(ui.groups).toEqual(['team-a', 'system:authenticated']);
    expect(ui.extra).toEqual({ scopes: ['read'] });
  });

  it('the front proxy CA with a CN not in --requestheader-allowed-names is 401', async () => {
    const other = createCertificate({ ca: frontProxyCA, commonName: 'not-the-proxy', clientAuth: true });
    const r = await withCert(other, 'POST', whoamiPath, { 'X-Remote-User': 'bob' }, WHOAMI);
    expect(r.status).toBe(401);
  });

  it('the allowed CN from another CA is 401: the headers are believed only from the front proxy CA', async () => {
    const rogueCA = createCA('rogue-ca');
    const rogue = createCertificate({ ca: rogueCA, commonName: 'front-proxy-client', clientAuth: true });
    const r = await withCert(rogue, 'POST', whoamiPath, { 'X-Remote-User': 'bob', 'X-Remote-Group': 'system:masters' }, WHOAMI);
    expect(r.status).toBe(401);
  });

  it("a user's certificate from --client-ca-file is that user; its X-Remote-User header is ignored", async () => {
    const alice = createCertificate({ ca: clientCA, commonName: 'alice', organizations: ['devs'], clientAuth: true });
    const r = await withCert(alice, 'POST', whoamiPath, { 'X-Remote-User': 'bob', 'X-Remote-Group': 'system:masters' }, WHOAMI);
    expect(r.status).toBe(201);
    expect(JSON.parse(r.body).status.userInfo).toMatchObject({ username: 'alice', groups: ['devs', 'system:authenticated'] });
  });

  it('a front proxy certificate cannot act as a user by itself: no username header is no credential of a user (401)', async () => {
    const r = await withCert(frontProxyClient, 'POST', whoamiPath, {}, WHOAMI);
    expect(r.status).toBe(401);
  });
});

describe('what extension API servers read', () => {
  it('kube-system/extension-apiserver-authentication holds the client CA and the front proxy configuration', async () => {
    const cm = (await api(h, 'GET', '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication')).json();
    expect(cm.data['client-ca-file']).toBe(clientCA.certPem);
    expect(cm.data['requestheader-client-ca-file']).toBe(frontProxyCA.certPem);
    expect(cm.data['requestheader-allowed-names']).toBe('["front-proxy-client"]');
    expect(cm.data['requestheader-username-headers']).toBe('["X-Remote-User"]');
    expect(cm.data['requestheader-group-headers']).toBe('["X-Remote-Group"]');
    expect(cm.data['requestheader-extra-headers-prefix']).toBe('["X-Remote-Extra-"]');
  });

  it('the bootstrap Role extension-apiserver-authentication-reader and ClusterRole system:auth-delegator are upstream\'s', async () => {
    const role = (await api(h, 'GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles/extension-apiserver-authentication-reader')).json();
    expect(role.rules).toEqual([{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['extension-apiserver-authentication'] }]);
    const rb = (await api(h, 'GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings/system::extension-apiserver-authentication-reader')).json();
    expect(rb.subjects.map((s: { name: string }) => s.name)).toEqual(['system:kube-controller-manager', 'system:kube-scheduler']);
    const cr = (await api(h, 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:auth-delegator')).json();
    expect(cr.rules).toEqual([
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'] },
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'] },
    ]);
  });
});
