/**
 * ServiceAccount tokens with the real kubectl over a real etcd: `kubectl create token` (TokenRequest, protobuf
 * body), the token authenticating as the service account (`kubectl auth whoami`), a pod-bound token dying with
 * its pod, audiences, the ServiceAccount admission plugin (default account, 403 for a missing one, the
 * kube-api-access volume) and the issuer discovery documents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { kubectl, kubectlOk, rawRequest, startApiServer, TEST_SERVICE_ACCOUNT_ISSUER, type ApiHandle } from '../../support/apiserver.js';

let etcd: EtcdHandle | undefined;
let h: ApiHandle;

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd, { serviceAccountAdmission: true });
  // No controller manager here: make the service accounts the serviceaccount controller would.
  await kubectlOk(h, ['create', 'serviceaccount', 'default']);
  await kubectlOk(h, ['create', 'serviceaccount', 'robot']);
}, 60_000);
afterAll(async () => {
  await h?.stop();
  await etcd?.stop();
});

const whoami = (token: string) => kubectl(h, ['--token', token, 'auth', 'whoami', '-o', 'json']);
const createToken = async (...args: string[]) => (await kubectlOk(h, ['create', 'token', ...args])).trim();

describe('kubectl create token', () => {
  it('makes a token that authenticates as the service account', async () => {
    const token = await createToken('default');
    const claims = decodeJwt(token);
    expect(claims.iss).toBe(TEST_SERVICE_ACCOUNT_ISSUER);
    expect(claims.sub).toBe('system:serviceaccount:default:default');
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
    const r = await whoami(token);
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as { status: { userInfo: { username: string; uid: string; groups: string[]; extra: Record<string, string[]> } } };
    expect(status.status.userInfo.username).toBe('system:serviceaccount:default:default');
    expect(status.status.userInfo.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
    expect(status.status.userInfo.extra['authentication.kubernetes.io/credential-id']).toEqual([`JTI=${claims.jti}`]);
  });

  it('--duration and --audience: a token for another audience is no API credential (401)', async () => {
    const token = await createToken('robot', '--duration', '10m', '--audience', 'vault');
    const claims = decodeJwt(token);
    expect(claims.aud).toEqual(['vault']);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(600);
    const r = await whoami(token);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Unauthorized');
  });

  it('a duration under 10 minutes is upstream’s 422; a missing service account 404', async () => {
    const short = await kubectl(h, ['create', 'token', 'default', '--duration', '5m']);
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain('spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes');
    const ghost = await kubectl(h, ['create', 'token', 'ghost']);
    expect(ghost.stderr).toContain('serviceaccounts "ghost" not found');
  });

  it('a pod-bound token works while the pod lives and fails once it is deleted', async () => {
    await kubectlOk(h, ['run', 'bound', '--image=busybox', '--overrides', JSON.stringify({ spec: { serviceAccountName: 'robot' } })]);
    const token = await createToken('robot', '--bound-object-kind', 'Pod', '--bound-object-name', 'bound');
    const claims = decodeJwt(token) as { 'kubernetes.io': { pod: { name: string } } };
    expect(claims['kubernetes.io'].pod.name).toBe('bound');
    const before = await whoami(token);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toContain('"authentication.kubernetes.io/pod-name"');
    await kubectlOk(h, ['delete', 'pod', 'bound', '--grace-period=0', '--force']);
    const after = await whoami(token);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toContain('Unauthorized');
    // a token cannot be bound to a pod running as another service account
    await kubectlOk(h, ['run', 'plain', '--image=busybox']);
    const wrong = await kubectl(h, ['create', 'token', 'robot', '--bound-object-kind', 'Pod', '--bound-object-name', 'plain']);
    expect(wrong.stderr).toContain('cannot bind token for serviceaccount "robot" to pod running with different serviceaccount name.');
  });

  it('a token dies with its service account (deleted and recreated: a new uid)', async () => {
    await kubectlOk(h, ['create', 'serviceaccount', 'temp']);
    const token = await createToken('temp');
    expect((await whoami(token)).code).toBe(0);
    await kubectlOk(h, ['delete', 'serviceaccount', 'temp']);
    await kubectlOk(h, ['create', 'serviceaccount', 'temp']);
    expect((await whoami(token)).stderr).toContain('Unauthorized');
  });

  it('a malformed bearer token is 401, nothing else', async () => {
    for (const bad of ['x.y.z', 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2t1YmVybmV0ZXMuZGVmYXVsdC5zdmMuY2x1c3Rlci5sb2NhbCJ9.']) {
      const r = await rawRequest(h.url, h.caPem, 'GET', '/api', undefined, { Authorization: `Bearer ${bad}` });
      expect(r.status).toBe(401);
    }
  });
});

describe('TokenRequest bodies and node requests', () => {
  const TOKEN = '/api/v1/namespaces/default/serviceaccounts/robot/token';
  const post = (body: unknown, who = h.adminToken, path = TOKEN) =>
    rawRequest(h.url, h.caPem, 'POST', path, JSON.stringify(body), { Authorization: `Bearer ${who}`, 'Content-Type': 'application/json' });
  const tr = (spec: Record<string, unknown>) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });

  it('bad bodies are clear 4xx errors', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ apiVersion: 'v1', kind: 'Pod' }, 400, ''],
      [tr({ expirationSeconds: 'soon' }), 400, ''],
      [tr({ expirationSeconds: 1e30 }), 400, ''],
      [tr({ boundObjectRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' } }), 400, 'cannot bind token to object of type apps/v1, Kind=Deployment'],
      [{ ...tr({}), metadata: { name: 'default' } }, 422, 'metadata.name: Invalid value: "default": must match the service account name if specified'],
    ];
    for (const [body, code, message] of cases) {
      const r = await post(body);
      expect(r.status, r.body).toBe(code);
      if (message) expect(r.json().message).toContain(message);
    }
    expect((await post(tr({}), h.adminToken, '/api/v1/namespaces/default/serviceaccounts/robot/token?dryRun=Bogus')).status).toBe(422);
  });

  it('a node may get a token for the service account of a pod bound to it, bound to that pod, and nothing else', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'on-node01' }, spec: { nodeName: 'node01', serviceAccountName: 'robot', containers: [{ name: 'c', image: 'busybox' }] } };
    const made = await rawRequest(h.url, h.caPem, 'POST', '/api/v1/namespaces/default/pods', JSON.stringify(pod), { Authorization: `Bearer ${h.adminToken}`, 'Content-Type': 'application/json' });
    expect(made.status, made.body).toBe(201);
    const uid = made.json().metadata.uid as string;
    const ok = await post(tr({ audiences: [TEST_SERVICE_ACCOUNT_ISSUER], expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'on-node01', uid } }), 'nodetoken-node01');
    expect(ok.status, ok.body).toBe(201);
    const claims = decodeJwt(ok.json().status.token as string) as { exp: number; iat: number; 'kubernetes.io': { warnafter: number; node: { name: string } } };
    // the kubelet's 3607 s token is extended to a year, warnafter at 3607 s; the status says 3607 s
    expect(claims.exp - claims.iat).toBe(31_536_000);
    expect(claims['kubernetes.io'].warnafter - claims.iat).toBe(3607);
    expect(claims['kubernetes.io'].node.name).toBe('node01');
    const unbound = await post(tr({}), 'nodetoken-node01');
    expect(unbound.status).toBe(403);
    expect(unbound.json().message).toBe('serviceaccounts "robot" is forbidden: node requested token not bound to a pod');
    const other = await post(tr({}), 'nodetoken-node01', '/api/v1/namespaces/default/serviceaccounts/default/token');
    expect(other.status).toBe(403);
    expect(other.json().message).toContain('no relationship found between node \'node01\' and this object');
  });
});

describe('ServiceAccount admission', () => {
  it('a pod gets the default service account and the kube-api-access volume mounted read-only', async () => {
    await kubectlOk(h, ['run', 'mounted', '--image=busybox']);
    const pod = JSON.parse(await kubectlOk(h, ['get', 'pod', 'mounted', '-o', 'json'])) as {
      spec: { serviceAccountName: string; volumes: Array<{ name: string; projected: { sources: unknown[] } }>; containers: Array<{ volumeMounts: unknown[] }> };
    };
    expect(pod.spec.serviceAccountName).toBe('default');
    expect(pod.spec.volumes[0]!.name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
    expect(pod.spec.volumes[0]!.projected.sources).toHaveLength(3);
    expect(pod.spec.containers[0]!.volumeMounts).toEqual([{ name: pod.spec.volumes[0]!.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  });

  it('a pod naming a missing service account is refused with upstream’s message, and nothing is stored', async () => {
    const r = await kubectl(h, ['run', 'orphan', '--image=busybox', '--overrides', JSON.stringify({ spec: { serviceAccountName: 'ghost' } })]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('pods "orphan" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
    expect((await kubectl(h, ['get', 'pod', 'orphan'])).stderr).toContain('not found');
  });
});

describe('issuer discovery', () => {
  it('serves the OpenID configuration and the JWKS to service accounts, not to anonymous users', async () => {
    const token = await createToken('default');
    const auth = { Authorization: `Bearer ${token}` };
    const conf = await rawRequest(h.url, h.caPem, 'GET', '/.well-known/openid-configuration', undefined, auth);
    expect(conf.status).toBe(200);
    expect(conf.headers['content-type']).toBe('application/json');
    expect(conf.json()).toMatchObject({ issuer: TEST_SERVICE_ACCOUNT_ISSUER, jwks_uri: `https://127.0.0.1:${h.port}/openid/v1/jwks`, id_token_signing_alg_values_supported: ['ES256'] });
    const jwks = await rawRequest(h.url, h.caPem, 'GET', '/openid/v1/jwks', undefined, auth);
    expect(jwks.headers['content-type']).toBe('application/jwk-set+json');
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string };
    expect((jwks.json() as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid)).toEqual([header.kid]);
    const anon = await rawRequest(h.url, h.caPem, 'GET', '/openid/v1/jwks');
    expect(anon.status).toBe(403);
  });
});
