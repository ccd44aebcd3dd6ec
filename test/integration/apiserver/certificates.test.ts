/**
 * CertificateSigningRequests end to end (issue 14, the CKA task), with the real kubectl and openssl against the API
 * server over a real etcd, and the controller manager's certificate controllers running in process as
 * system:kube-controller-manager with --cluster-signing-cert-file/--cluster-signing-key-file: a key and a CSR for
 * jane, `kubectl certificate approve`, the issued certificate in a kubeconfig, a Role bound to jane: she lists pods
 * in her namespace and gets upstream's 403 elsewhere; `kubectl certificate deny`; a request for another signer
 * stays unsigned; wrong usages for the client signer fail; the requester's identity is the server's; approval needs
 * `approve` on the signer; a node's own client certificate is auto-approved; bad requests are 422 and not stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../../../api/client/api-client.js';
import { silentLogger } from '../../../api/client/log.js';
import { createCA } from '../../../api/tls/certs.js';
import { buildKubeconfig } from '../../../api/tls/kubeconfig.js';
import { parseFlags, runControllers } from '../../../control-plane/controllers/main.js';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, kubectl, kubectlOk, startApiServer, type ApiHandle } from '../../support/apiserver.js';

const KCM_TOKEN = 'kcmtoken-csr';
const BOB = 'bobtoken-csr';
const NODE = 'nodetoken-csr';
const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
let etcd: EtcdHandle | undefined;
let h: ApiHandle;
let dir: string;
const ac = new AbortController();
let running: Promise<void> | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), `kubelab-csr-${process.pid}-`));
  // The cluster CA: it signs what the signer issues and the API server trusts client certificates it signed.
  const ca = createCA('kubelab-signing-ca');
  writeFileSync(join(dir, 'ca.crt'), ca.certPem);
  writeFileSync(join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
  etcd = await startEtcd();
  h = await startApiServer(etcd, {
    extraTokens: [`${KCM_TOKEN},system:kube-controller-manager,kcm`, `${BOB},bob,bob`, `${NODE},system:node:node07,node07,"system:nodes"`],
    extra: { clientCA: ca.certPem },
  });
  const client = new KubeClient({ server: h.url, caData: h.caPem, token: KCM_TOKEN, logger: silentLogger });
  const o = parseFlags([
    '--controllers=csrsigning,csrapproving,csrcleaner',
    `--cluster-signing-cert-file=${join(dir, 'ca.crt')}`,
    `--cluster-signing-key-file=${join(dir, 'ca.key')}`,
    '--cluster-signing-duration=48h',
  ]);
  running = runControllers(client, o, ac.signal);
});
afterAll(async () => {
  ac.abort();
  await running?.catch(() => undefined);
  await h?.stop();
  await etcd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** openssl: a new RSA key and a CSR with this subject; returns the key and the CSR's PEM. */
function keyAndCsr(name: string, subject: string): { key: string; csr: string } {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  execFileSync('openssl', ['genrsa', '-out', key, '2048'], { stdio: 'ignore' });
  execFileSync('openssl', ['req', '-new', '-key', key, '-subj', subject, '-out', csr], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), csr: readFileSync(csr, 'utf8') };
}

function csrManifest(name: string, pem: string, spec: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request: Buffer.from(pem).toString('base64'), ...spec },
  });
}

async function getCSR(name: string): Promise<any> {
  const r = await api(h, 'GET', `${CSRS}/${name}`);
  return r.status === 200 ? r.json() : undefined;
}

const conditionTypes = (csr: any): string[] => (csr?.status?.conditions ?? []).map((c: any) => c.type);

describe('the CKA flow: a user from a CSR', () => {
  it('jane gets a certificate through kubectl certificate approve and can use it as far as her Role goes', async () => {
    const { key, csr } = keyAndCsr('jane', '/CN=jane/O=devs');
    const manifest = csrManifest('jane', csr, {
      signerName: 'kubernetes.io/kube-apiserver-client',
      expirationSeconds: 86400,
      usages: ['client auth'],
      // What a client says of its identity is replaced by who sent the request.
      username: 'mallory',
      groups: ['system:masters'],
    });
    expect(await kubectlOk(h, ['create', '-f', '-'], manifest)).toContain('certificatesigningrequest.certificates.k8s.io/jane created');
    const created = await getCSR('jane');
    expect(created.spec.username).toBe('admin');
    expect(created.spec.groups).toEqual(['system:masters', 'system:authenticated']);
    const pending = await kubectlOk(h, ['get', 'csr', 'jane']);
    expect(pending).toMatch(/NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION/);
    expect(pending).toMatch(/jane\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+admin\s+24h\s+Pending/);

    expect(await kubectlOk(h, ['certificate', 'approve', 'jane'])).toContain('certificatesigningrequest.certificates.k8s.io/jane approved');
    const issued = await until('jane issued', async () => ((await getCSR('jane'))?.status?.certificate ? getCSR('jane') : undefined));
    const approved = issued.status.conditions.find((c: any) => c.type === 'Approved');
    expect(approved).toMatchObject({ status: 'True', reason: 'KubectlApprove' });
    expect(approved.lastUpdateTime).toBeTruthy();
    expect(await kubectlOk(h, ['get', 'csr', 'jane'])).toMatch(/Approved,Issued/);
    const described = await kubectlOk(h, ['describe', 'csr', 'jane']);
    expect(described).toMatch(/Requesting User:\s+admin/);
    expect(described).toMatch(/Signer:\s+kubernetes\.io\/kube-apiserver-client/);
    expect(described).toMatch(/Status:\s+Approved,Issued/);
    expect(described).toMatch(/Common Name:\s+jane/);
    expect(await kubectlOk(h, ['explain', 'csr.spec.expirationSeconds'])).toContain('expirationSeconds is the requested duration of validity');

    const certPem = Buffer.from(issued.status.certificate, 'base64').toString();
    writeFileSync(join(dir, 'jane.crt'), certPem);
    const text = execFileSync('openssl', ['x509', '-in', join(dir, 'jane.crt'), '-noout', '-subject', '-issuer', '-startdate', '-enddate', '-ext', 'extendedKeyUsage,basicConstraints']).toString();
    expect(text).toMatch(/subject=CN ?= ?jane, O ?= ?devs/);
    expect(text).toMatch(/issuer=CN ?= ?kubelab-signing-ca/);
    expect(text).toContain('TLS Web Client Authentication');
    expect(text).toContain('CA:FALSE');
    // expirationSeconds (24h) is under --cluster-signing-duration (48h): 24h, NotBefore backdated 5 minutes.
    const start = Date.parse(/notBefore=(.*)/.exec(text)![1]!);
    const end = Date.parse(/notAfter=(.*)/.exec(text)![1]!);
    expect(Math.abs(end - start - (86400_000 - 0))).toBeLessThan(2000);
    execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'jane.crt')]);

    await kubectlOk(h, ['create', 'namespace', 'dev']);
    await kubectlOk(h, ['create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods', '-n', 'dev']);
    await kubectlOk(h, ['create', 'rolebinding', 'jane-reads', '--role=pod-reader', '--user=jane', '-n', 'dev']);
    const janeConf = join(dir, 'jane.kubeconfig');
    writeFileSync(janeConf, buildKubeconfig({ clusterName: 'kubelab', server: h.url, caPem: h.caPem, user: 'jane', certPem, keyPem: key }));
    const as = (args: string[]) => kubectl(h, ['--kubeconfig', janeConf, ...args]);
    const whoami = await as(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username} {.status.userInfo.groups}']);
    expect(whoami.stdout).toContain('jane');
    const mine = await as(['get', 'pods', '-n', 'dev']);
    expect(mine.code, mine.stderr).toBe(0);
    expect(mine.stderr).toContain('No resources found in dev namespace.');
    const elsewhere = await as(['get', 'pods', '-n', 'default']);
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toContain('pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"');
  });

  it('kubectl certificate deny: Denied, never issued; Approved and Denied together is 422', async () => {
    const { csr } = keyAndCsr('denied', '/CN=eve');
    await kubectlOk(h, ['create', '-f', '-'], csrManifest('eve', csr, { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }));
    expect(await kubectlOk(h, ['certificate', 'deny', 'eve'])).toContain('certificatesigningrequest.certificates.k8s.io/eve denied');
    const denied = await getCSR('eve');
    expect(conditionTypes(denied)).toEqual(['Denied']);
    expect(denied.status.conditions[0]).toMatchObject({ status: 'True', reason: 'KubectlDeny' });
    expect(await kubectlOk(h, ['get', 'csr', 'eve'])).toMatch(/eve\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+admin\s+<none>\s+Denied/);
    const both = { ...denied, status: { conditions: [...denied.status.conditions, { type: 'Approved', status: 'True', reason: 'x' }] } };
    const r = await api(h, 'PUT', `${CSRS}/eve/approval`, both);
    expect(r.status).toBe(422);
    expect(r.json().details.causes).toContainEqual({ reason: 'FieldValueInvalid', field: 'status.conditions[1].type', message: 'Invalid value: "Approved": Approved and Denied conditions are mutually exclusive' });
    await new Promise((res) => setTimeout(res, 1000));
    expect((await getCSR('eve')).status.certificate).toBeUndefined();
  });

  it('a request for a signer this manager does not run is approved but stays unsigned', async () => {
    const { csr } = keyAndCsr('other', '/CN=other');
    // kubectl apply, as the CKA material writes it.
    expect(await kubectlOk(h, ['apply', '-f', '-'], csrManifest('other', csr, { signerName: 'example.com/my-signer', usages: ['client auth'] }))).toContain('created');
    await kubectlOk(h, ['certificate', 'approve', 'other']);
    await new Promise((res) => setTimeout(res, 1500));
    const o = await getCSR('other');
    expect(conditionTypes(o)).toEqual(['Approved']);
    expect(o.status.certificate).toBeUndefined();
  });

  it('wrong usages for the client signer: the signer adds Failed (SignerValidationFailure) and issues nothing', async () => {
    const { csr } = keyAndCsr('serving', '/CN=web');
    await kubectlOk(h, ['create', '-f', '-'], csrManifest('web', csr, { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['digital signature', 'server auth'] }));
    await kubectlOk(h, ['certificate', 'approve', 'web']);
    const failed = await until('web failed', async () => {
      const c = await getCSR('web');
      return conditionTypes(c).includes('Failed') ? c : undefined;
    });
    expect(failed.status.conditions.find((c: any) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'SignerValidationFailure',
      message: 'invalid usage for client certificate: server auth',
    });
    expect(failed.status.certificate).toBeUndefined();
    expect(await kubectlOk(h, ['get', 'csr', 'web'])).toMatch(/Approved,Failed/);
  });
});

describe('who may approve, sign and create', () => {
  it('approval needs approve on the signer besides update on certificatesigningrequests/approval', async () => {
    const { csr } = keyAndCsr('bobs', '/CN=carol');
    await kubectlOk(h, ['create', '-f', '-'], csrManifest('carol', csr, { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }));
    await kubectlOk(h, ['create', 'clusterrole', 'csr-approver', '--verb=get,list,update', '--resource=certificatesigningrequests,certificatesigningrequests/approval']);
    await kubectlOk(h, ['create', 'clusterrolebinding', 'bob-approves', '--clusterrole=csr-approver', '--user=bob']);
    const refused = await kubectl(h, ['--token', BOB, 'certificate', 'approve', 'carol']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('certificatesigningrequests.certificates.k8s.io "carol" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"');
    expect(conditionTypes(await getCSR('carol'))).toEqual([]);
    // The domain wildcard grants every signer of kubernetes.io (upstream's IsAuthorizedForSignerName).
    // signers is not a served resource (kubectl create clusterrole --resource refuses it): a manifest, as upstream's docs.
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'signer-approver' },
      rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['kubernetes.io/*'], verbs: ['approve'] }],
    };
    await kubectlOk(h, ['apply', '-f', '-'], JSON.stringify(role));
    await kubectlOk(h, ['create', 'clusterrolebinding', 'bob-approves-signers', '--clusterrole=signer-approver', '--user=bob']);
    expect((await kubectl(h, ['--token', BOB, 'certificate', 'approve', 'carol'])).code).toBe(0);
    await until('carol issued', async () => (await getCSR('carol'))?.status?.certificate);
  });

  it('only a signer may set the certificate through status', async () => {
    const { csr } = keyAndCsr('dave', '/CN=dave');
    await kubectlOk(h, ['create', '-f', '-'], csrManifest('dave', csr, { signerName: 'example.com/nobody', usages: ['client auth'] }));
    await kubectlOk(h, ['create', 'clusterrole', 'csr-status', '--verb=get,update', '--resource=certificatesigningrequests/status']);
    await kubectlOk(h, ['create', 'clusterrolebinding', 'bob-status', '--clusterrole=csr-status', '--user=bob']);
    const cur = await getCSR('dave');
    const fake = { ...cur, status: { certificate: Buffer.from(readFileSync(join(dir, 'jane.crt'))).toString('base64') } };
    const r = await api(h, 'PUT', `${CSRS}/dave/status`, fake, { token: BOB });
    expect(r.status).toBe(403);
    expect(r.json().message).toBe('certificatesigningrequests.certificates.k8s.io "dave" is forbidden: user not permitted to sign requests with signerName "example.com/nobody"');
  });

  it('a request for the client signer naming system:masters is refused (CertificateSubjectRestriction)', async () => {
    const { csr } = keyAndCsr('masters', '/CN=root/O=system:masters');
    const r = await api(h, 'POST', CSRS, JSON.parse(csrManifest('root', csr, { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] })));
    expect(r.status).toBe(403);
    expect(r.json().message).toBe('certificatesigningrequests.certificates.k8s.io "root" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
    expect(await getCSR('root')).toBeUndefined();
  });

  it('a node’s own client certificate is auto-approved and signed when it may create selfnodeclient', async () => {
    await kubectlOk(h, ['create', 'clusterrolebinding', 'nodes-csr', '--clusterrole=system:node-bootstrapper', '--group=system:nodes']);
    await kubectlOk(h, ['create', 'clusterrolebinding', 'nodes-renew', '--clusterrole=system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', '--group=system:nodes']);
    const { csr } = keyAndCsr('node07', '/CN=system:node:node07/O=system:nodes');
    const body = JSON.parse(csrManifest('node-csr-07', csr, { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'key encipherment', 'client auth'] }));
    const r = await api(h, 'POST', CSRS, body, { token: NODE });
    expect(r.status, r.body).toBe(201);
    const done = await until('node-csr-07 issued', async () => {
      const c = await getCSR('node-csr-07');
      return c?.status?.certificate ? c : undefined;
    });
    expect(done.status.conditions[0]).toMatchObject({ type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving self kubelet client certificate after SubjectAccessReview.' });
    // Another node's name is not "self": without nodeclient it stays pending.
    const other = keyAndCsr('node08', '/CN=system:node:node08/O=system:nodes');
    const r2 = await api(h, 'POST', CSRS, JSON.parse(csrManifest('node-csr-08', other.csr, { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'key encipherment', 'client auth'] })), { token: NODE });
    expect(r2.status).toBe(201);
    await new Promise((res) => setTimeout(res, 1500));
    expect(conditionTypes(await getCSR('node-csr-08'))).toEqual([]);
  });
});

describe('bad requests: 422 naming the field, nothing stored', () => {
  const good = (): string => keyAndCsr('bad', '/CN=bad').csr;
  const cases: Array<[string, (pem: string) => Record<string, unknown>, { field: string; message: string }]> = [
    ['no request', () => ({ signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }), { field: 'spec.request', message: 'PEM block type must be CERTIFICATE REQUEST' }],
    ['not a CSR', () => ({ request: Buffer.from('hello').toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }), { field: 'spec.request', message: 'PEM block type must be CERTIFICATE REQUEST' }],
    ['a certificate, not a request', () => ({ request: Buffer.from(readFileSync(join(dir, 'ca.crt'))).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }), { field: 'spec.request', message: 'PEM block type must be CERTIFICATE REQUEST' }],
    ['a tampered request', (pem) => ({ request: Buffer.from(tamper(pem)).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }), { field: 'spec.request', message: 'verification error' }],
    ['an unknown usage', (pem) => ({ request: Buffer.from(pem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client authentication'] }), { field: 'spec.usages[0]', message: 'Unsupported value: "client authentication": supported values: "any", "cert sign"' }],
    ['no usages', (pem) => ({ request: Buffer.from(pem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client' }), { field: 'spec.usages', message: 'Required value' }],
    ['no signerName', (pem) => ({ request: Buffer.from(pem).toString('base64'), usages: ['client auth'] }), { field: 'spec.signerName', message: 'Required value' }],
    ['a signerName without a domain', (pem) => ({ request: Buffer.from(pem).toString('base64'), signerName: 'my-signer', usages: ['client auth'] }), { field: 'spec.signerName', message: "must be a fully qualified domain and path of the form 'example.com/signer-name'" }],
    ['the legacy signer', (pem) => ({ request: Buffer.from(pem).toString('base64'), signerName: 'kubernetes.io/legacy-unknown', usages: ['client auth'] }), { field: 'spec.signerName', message: 'the legacy signerName is not allowed via this API version' }],
    ['expirationSeconds under 600', (pem) => ({ request: Buffer.from(pem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 300 }), { field: 'spec.expirationSeconds', message: 'Invalid value: 300: may not specify a duration less than 600 seconds (10 minutes)' }],
  ];
  for (const [what, spec, want] of cases) {
    it(what, async () => {
      const pem = good();
      const r = await api(h, 'POST', CSRS, { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'bad' }, spec: spec(pem) });
      expect(r.status, r.body).toBe(422);
      const cause = r.json().details.causes.find((c: { field: string }) => c.field === want.field);
      expect(cause?.message, r.body).toContain(want.message);
      expect(await getCSR('bad')).toBeUndefined();
    });
  }

  it('kubectl create of a malformed request prints upstream’s 422', async () => {
    const out = await kubectl(h, ['create', '-f', '-'], { input: csrManifest('garbage', 'not pem', { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }) });
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('The CertificateSigningRequest "garbage" is invalid: spec.request: Invalid value:');
    expect(out.stderr).toContain('PEM block type must be CERTIFICATE REQUEST');
    expect(await getCSR('garbage')).toBeUndefined();
  });
});

/** The same request with one byte of its signed body changed: it parses, its signature does not verify. */
function tamper(pem: string): string {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const der = Buffer.from(b64, 'base64');
  // The subject's CN value "bad" sits inside the CertificationRequestInfo; flip its last letter.
  const at = der.indexOf(Buffer.from('bad'));
  der[at + 2] = 'x'.charCodeAt(0);
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${body}\n-----END CERTIFICATE REQUEST-----\n`;
}
