/**
 * The certificate controllers' decisions from tables (upstream's signer_test, sarapprove_test and cleaner_test
 * cases): which requests the signer signs, refuses (Failed, with upstream's messages) or leaves alone; the
 * certificate's lifetime; what the approver recognizes; when the cleaner deletes.
 */
import { describe, expect, it } from 'vitest';
import type { CSR } from '../../../api/strategies/certificates.js';
import { parseCSR, signCSR, certificateNotAfter } from '../../../api/tls/csr.js';
import {
  RECOGNIZERS,
  certificateTTL,
  decideApproval,
  decideCleanup,
  decideSigning,
  kubeletClientError,
  kubeletServingError,
  apiServerClientError,
} from '../../../control-plane/controllers/certificates/decide.js';
import { signerFiles } from '../../../control-plane/controllers/certificates/descriptor.js';
import { parseFlags } from '../../../control-plane/controllers/flags.js';
import { b64, csrPem, parsed, TEST_CA, type Subject } from './csr-fixtures.js';

const ALL = new Set(['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']);
const YEAR = 365 * 24 * 3_600_000;
const approved = [{ type: 'Approved', status: 'True' }];

function csr(signerName: string, usages: string[], subject: Subject, conditions: Array<Record<string, string>> = approved, extra: Partial<NonNullable<CSR['spec']>> = {}): CSR {
  return { metadata: { name: 'r' }, spec: { request: b64(csrPem(subject)), signerName, usages, ...extra }, status: { conditions } } as CSR;
}
const decide = (c: CSR) => decideSigning(c, ALL, parseCSR(Buffer.from(c.spec!.request!, 'base64').toString('latin1')), YEAR);

describe('the signer', () => {
  const cases: Array<[string, CSR, ReturnType<typeof decide>['action'], string?]> = [
    ['client cert with client auth', csr('kubernetes.io/kube-apiserver-client', ['client auth'], { cn: 'jane' }), 'sign'],
    ['client cert with the optional usages', csr('kubernetes.io/kube-apiserver-client', ['digital signature', 'key encipherment', 'client auth'], { cn: 'jane', o: ['devs'] }), 'sign'],
    ['client cert with server auth', csr('kubernetes.io/kube-apiserver-client', ['server auth', 'client auth'], { cn: 'jane' }), 'fail', 'invalid usage for client certificate: server auth'],
    ['client cert without client auth', csr('kubernetes.io/kube-apiserver-client', ['digital signature'], { cn: 'jane' }), 'fail', 'missing required usage for client certificate: client auth'],
    ['kubelet client', csr('kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'key encipherment', 'client auth'], { cn: 'system:node:n1', o: ['system:nodes'] }), 'sign'],
    ['kubelet client without key encipherment (non-RSA usages)', csr('kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth'], { cn: 'system:node:n1', o: ['system:nodes'] }), 'sign'],
    ['kubelet client, other O', csr('kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'key encipherment', 'client auth'], { cn: 'system:node:n1', o: ['devs'] }), 'fail', 'subject organization is not system:nodes'],
    ['kubelet client, CN not a node', csr('kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'key encipherment', 'client auth'], { cn: 'jane', o: ['system:nodes'] }), 'fail', 'subject common name does not begin with system:node:'],
    ['kubelet client with a DNS SAN', csr('kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'key encipherment', 'client auth'], { cn: 'system:node:n1', o: ['system:nodes'], dns: ['n1'] }), 'fail', 'DNS subjectAltNames are not allowed'],
    ['kubelet client, wrong usages', csr('kubernetes.io/kube-apiserver-client-kubelet', ['client auth'], { cn: 'system:node:n1', o: ['system:nodes'] }), 'fail', 'usages did not match [client auth digital signature key encipherment]'],
    ['kubelet serving', csr('kubernetes.io/kubelet-serving', ['digital signature', 'key encipherment', 'server auth'], { cn: 'system:node:n1', o: ['system:nodes'], ips: ['192.168.56.21'] }), 'sign'],
    ['kubelet serving without a SAN', csr('kubernetes.io/kubelet-serving', ['digital signature', 'key encipherment', 'server auth'], { cn: 'system:node:n1', o: ['system:nodes'] }), 'fail', 'DNS or IP subjectAltName is required'],
    ['kubelet serving with an email SAN', csr('kubernetes.io/kubelet-serving', ['digital signature', 'key encipherment', 'server auth'], { cn: 'system:node:n1', o: ['system:nodes'], dns: ['n1'], emails: ['a@b.c'] }), 'fail', 'Email subjectAltNames are not allowed'],
    ['kubelet serving, client usages', csr('kubernetes.io/kubelet-serving', ['digital signature', 'key encipherment', 'client auth'], { cn: 'system:node:n1', o: ['system:nodes'], dns: ['n1'] }), 'fail', 'usages did not match [digital signature key encipherment server auth]'],
    ['pending', csr('kubernetes.io/kube-apiserver-client', ['client auth'], { cn: 'jane' }, []), 'none'],
    ['denied', csr('kubernetes.io/kube-apiserver-client', ['client auth'], { cn: 'jane' }, [{ type: 'Denied', status: 'True' }]), 'none'],
    ['approved and failed', csr('kubernetes.io/kube-apiserver-client', ['client auth'], { cn: 'jane' }, [...approved, { type: 'Failed', status: 'True' }]), 'none'],
    ['another signer', csr('example.com/signer', ['client auth'], { cn: 'jane' }), 'none'],
    ['legacy-unknown is never signed', csr('kubernetes.io/legacy-unknown', ['client auth'], { cn: 'jane' }), 'none'],
  ];
  it.each(cases)('%s', (_what, c, action, message) => {
    const d = decide(c);
    expect(d.action).toBe(action);
    if (message) expect(d).toMatchObject({ message });
  });

  it('only for the signers it has a CA for', () => {
    const c = csr('kubernetes.io/kubelet-serving', ['digital signature', 'key encipherment', 'server auth'], { cn: 'system:node:n1', o: ['system:nodes'], dns: ['n1'] });
    expect(decideSigning(c, new Set(['kubernetes.io/kube-apiserver-client']), parseCSR(csrPem({ cn: 'x' })), YEAR).action).toBe('none');
  });

  it('an issued request is left alone', () => {
    const c = csr('kubernetes.io/kube-apiserver-client', ['client auth'], { cn: 'jane' });
    c.status!.certificate = 'Zm9v';
    expect(decide(c).action).toBe('none');
  });

  it('lifetime: the signer duration, or expirationSeconds when shorter, never under 10 minutes', () => {
    expect(certificateTTL(undefined, YEAR)).toBe(YEAR);
    expect(certificateTTL(86400, YEAR)).toBe(86_400_000);
    expect(certificateTTL(10 * 365 * 86400, YEAR)).toBe(YEAR);
    expect(certificateTTL(60, YEAR)).toBe(600_000);
    const c = csr('kubernetes.io/kube-apiserver-client', ['client auth'], { cn: 'jane' }, approved, { expirationSeconds: 3600 });
    expect(decide(c)).toEqual({ action: 'sign', ttlMs: 3_600_000, usages: ['client auth'] });
  });

  it('signs with the CA: subject, usages, backdated NotBefore, NotAfter by the TTL (short certificates not backdated at the end)', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    const long = signCSR(TEST_CA, parsed({ cn: 'jane', o: ['devs'] }), { ttlMs: 24 * 3_600_000, usages: ['client auth'], now });
    expect(long.ok).toBe(true);
    if (!long.ok) return;
    expect(long.notBefore.getTime()).toBe(now - 300_000);
    expect(long.notAfter.getTime()).toBe(now + 24 * 3_600_000 - 300_000);
    expect(certificateNotAfter(long.certPem)).toBe(long.notAfter.getTime());
    const short = signCSR(TEST_CA, parsed({ cn: 'jane' }), { ttlMs: 3_600_000, usages: ['client auth'], now });
    expect(short.ok && short.notAfter.getTime()).toBe(now + 3_600_000);
    expect(signCSR(TEST_CA, parsed({ cn: 'jane' }), { ttlMs: 3_600_000, usages: ['bogus'], now })).toEqual({ ok: false, error: 'unrecognized usage values: ["bogus"]' });
  });

  it('never past the CA, and not at all once the CA expired', () => {
    const caEnd = Date.now() + 3650 * 86_400_000;
    const late = signCSR(TEST_CA, parsed({ cn: 'jane' }), { ttlMs: 10 * YEAR, usages: ['client auth'], now: caEnd - YEAR });
    expect(late.ok && Math.abs(late.notAfter.getTime() - caEnd) < 120_000).toBe(true);
    const after = signCSR(TEST_CA, parsed({ cn: 'jane' }), { ttlMs: YEAR, usages: ['client auth'], now: caEnd + 86_400_000 });
    expect(after.ok).toBe(false);
  });

  it('the usage checks on their own', () => {
    expect(apiServerClientError(['client auth', 'digital signature'])).toBeUndefined();
    expect(kubeletClientError(parsed({ cn: 'system:node:a', o: ['system:nodes', 'x'] }), ['client auth'])).toBe('subject organization is not system:nodes');
    expect(kubeletServingError(parsed({ cn: 'a', o: ['system:nodes'], dns: ['a'] }), ['digital signature', 'server auth'])).toBe('subject common name does not begin with system:node:');
  });
});

describe('the approver', () => {
  const node = (username: string, cn: string) =>
    csr('kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'key encipherment', 'client auth'], { cn, o: ['system:nodes'] }, [], { username });
  const tried = (c: CSR) => {
    const p = parseCSR(Buffer.from(c.spec!.request!, 'base64').toString('latin1'));
    if (!p.ok) throw new Error(p.error);
    const d = decideApproval(c, p.csr);
    return d.action === 'check' ? d.tries.map((r) => r.subresource) : [];
  };
  const mk = (username: string, cn: string, signer = 'kubernetes.io/kube-apiserver-client-kubelet', usages = ['digital signature', 'key encipherment', 'client auth']) =>
    csr(signer, usages, { cn, o: ['system:nodes'] }, [], { username });

  it.each([
    ['a node renewing its own certificate: selfnodeclient, then nodeclient', mk('system:node:n1', 'system:node:n1'), ['selfnodeclient', 'nodeclient']],
    ['a bootstrapper asking for a node: nodeclient', mk('system:bootstrap:abc', 'system:node:n1'), ['nodeclient']],
    ['another signer: nothing', mk('system:node:n1', 'system:node:n1', 'kubernetes.io/kube-apiserver-client'), []],
    ['not kubelet client usages: nothing', mk('system:node:n1', 'system:node:n1', undefined, ['client auth']), []],
  ])('%s', (_what, c, want) => {
    expect(tried(c)).toEqual(want);
  });

  it('a decided or issued request is not looked at again', () => {
    const c = node('system:node:n1', 'system:node:n1');
    c.status = { conditions: [{ type: 'Denied', status: 'True' }] };
    expect(decideApproval(c, parsed({ cn: 'system:node:n1', o: ['system:nodes'] }))).toEqual({ action: 'none' });
    c.status = { certificate: 'Zm9v' };
    expect(decideApproval(c, parsed({ cn: 'system:node:n1', o: ['system:nodes'] }))).toEqual({ action: 'none' });
  });

  it('upstream’s approval messages', () => {
    expect(RECOGNIZERS.map((r) => r.successMessage)).toEqual([
      'Auto approving self kubelet client certificate after SubjectAccessReview.',
      'Auto approving kubelet client certificate after SubjectAccessReview.',
    ]);
  });
});

describe('the cleaner', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  const ago = (ms: number) => new Date(now - ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const H = 3_600_000;
  const obj = (created: number, conditions: Array<Record<string, string>>, certificate?: string): CSR =>
    ({ metadata: { name: 'r', creationTimestamp: ago(created) }, spec: {}, status: { conditions, ...(certificate ? { certificate } : {}) } }) as CSR;
  it.each([
    ['pending for 25h', obj(25 * H, []), undefined, 'delete'],
    ['pending for 23h', obj(23 * H, []), undefined, 'keep'],
    ['denied 2h ago', obj(3 * H, [{ type: 'Denied', status: 'True', lastUpdateTime: ago(2 * H) }]), undefined, 'delete'],
    ['denied 30m ago', obj(3 * H, [{ type: 'Denied', status: 'True', lastUpdateTime: ago(H / 2) }]), undefined, 'keep'],
    ['failed 2h ago', obj(3 * H, [{ type: 'Approved', status: 'True', lastUpdateTime: ago(2 * H) }, { type: 'Failed', status: 'True', lastUpdateTime: ago(2 * H) }]), undefined, 'delete'],
    ['issued, approved 2h ago', obj(3 * H, [{ type: 'Approved', status: 'True', lastUpdateTime: ago(2 * H) }], 'Zm9v'), now + 10 * H, 'delete'],
    ['issued, approved 10m ago', obj(3 * H, [{ type: 'Approved', status: 'True', lastUpdateTime: ago(600_000) }], 'Zm9v'), now + 10 * H, 'keep'],
    ['issued, certificate expired', obj(3 * H, [{ type: 'Approved', status: 'True', lastUpdateTime: ago(600_000) }], 'Zm9v'), now - 1000, 'delete'],
    ['approved, never issued, 2h ago', obj(3 * H, [{ type: 'Approved', status: 'True', lastUpdateTime: ago(2 * H) }]), undefined, 'keep'],
  ])('%s -> %s', (_what, c, notAfter, action) => {
    expect(decideCleanup(c, now, notAfter as number | undefined).action).toBe(action);
  });

  it('a kept request is looked at again at its next deadline (at most an hour later)', () => {
    expect(decideCleanup(obj(3 * H, [{ type: 'Denied', status: 'True', lastUpdateTime: ago(H / 2) }]), now, undefined)).toEqual({ action: 'keep', recheckAfterMs: H / 2 + 1 });
    expect(decideCleanup(obj(H, []), now, undefined)).toEqual({ action: 'keep', recheckAfterMs: H });
  });
});

describe('which CA each signer uses (--cluster-signing-*)', () => {
  const none = { perSigner: {}, clusterSigningDurationMs: YEAR };
  it('none: the signing controller does not run', () => expect(signerFiles(none).size).toBe(0));
  it('the cluster pair signs for every signer', () => {
    const f = signerFiles({ ...none, clusterSigningCertFile: 'ca.crt', clusterSigningKeyFile: 'ca.key' });
    expect([...f.keys()]).toEqual(['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']);
    expect(f.get('kubernetes.io/kubelet-serving')).toEqual({ certFile: 'ca.crt', keyFile: 'ca.key' });
  });
  it('a per-signer pair signs for that signer only', () => {
    const f = signerFiles({ ...none, perSigner: { 'kubernetes.io/kube-apiserver-client': { certFile: 'c.crt', keyFile: 'c.key' } } });
    expect([...f.keys()]).toEqual(['kubernetes.io/kube-apiserver-client']);
  });
  it('both kinds at once, or half a pair, is a configuration error', () => {
    expect(() => signerFiles({ ...none, clusterSigningCertFile: 'a', clusterSigningKeyFile: 'b', perSigner: { 'kubernetes.io/kubelet-serving': { certFile: 'c' } } })).toThrow(
      'cannot specify default and per controller certs at the same time',
    );
    expect(() => signerFiles({ ...none, perSigner: { 'kubernetes.io/kubelet-serving': { certFile: 'c' } } })).toThrow(/both the cert file and the key file/);
  });
  it('the flags reach the options', () => {
    const o = parseFlags(['--cluster-signing-kubelet-client-cert-file=k.crt', '--cluster-signing-kubelet-client-key-file=k.key', '--cluster-signing-duration=2h']);
    expect(o.signing.clusterSigningDurationMs).toBe(2 * 3_600_000);
    expect(signerFiles(o.signing).get('kubernetes.io/kube-apiserver-client-kubelet')).toEqual({ certFile: 'k.crt', keyFile: 'k.key' });
    expect(parseFlags([]).signing.clusterSigningDurationMs).toBe(YEAR);
  });
});
