/**
 * CertificateSigningRequest validation and strategies from tables (upstream's pkg/apis/certificates/validation
 * tests and pkg/registry/certificates strategy tests): what a create may hold, what each update path may change,
 * the requester recorded on create, the printer's CONDITION column, and the certificates admission plugins.
 */
import { describe, expect, it } from 'vitest';
import {
  csrConditionSummary,
  prepareCSRForApprovalUpdate,
  prepareCSRForCreate,
  prepareCSRForUpdate,
  validateCSRApprovalUpdate,
  validateCSRCreate,
  validateCSRStatusUpdate,
  validateCSRUpdate,
  validateSignerName,
  type CSR,
} from '../../../api/strategies/certificates.js';
import { certificateApproval, certificateSigning, certificateSubjectRestriction } from '../../../control-plane/apiserver/admission-certificates.js';
import type { AdmissionAttributes, AdmissionState } from '../../../control-plane/apiserver/admission.js';
import { signCSR } from '../../../api/tls/csr.js';
import { b64, csrPem, parsed, TEST_CA } from './csr-fixtures.js';

const REQUEST = b64(csrPem({ cn: 'jane' }));
const CERT = b64((signCSR(TEST_CA, parsed({ cn: 'jane' }), { ttlMs: 3_600_000, usages: ['client auth'], now: Date.now() }) as { certPem: string }).certPem);

function base(over: Partial<NonNullable<CSR['spec']>> = {}, status?: CSR['status']): CSR {
  return {
    metadata: { name: 'r', resourceVersion: '1' },
    spec: { request: REQUEST, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], ...over },
    ...(status ? { status } : {}),
  } as CSR;
}
const fields = (causes: ReadonlyArray<{ field?: string; message?: string }>) => causes.map((c) => `${c.field}: ${c.message}`);

describe('validation on create', () => {
  it('a good request passes', () => expect(validateCSRCreate(base())).toEqual([]));
  it.each([
    ['not PEM', base({ request: b64('hello') }), 'spec.request: Invalid value: "aGVsbG8=": PEM block type must be CERTIFICATE REQUEST'],
    ['not base64', base({ request: '***' }), 'spec.request: Invalid value: "***": illegal base64 data'],
    ['no usages', base({ usages: [] }), 'spec.usages: Required value'],
    ['a duplicate usage', base({ usages: ['client auth', 'client auth'] }), 'spec.usages[1]: Duplicate value: "client auth"'],
    ['no signer', base({ signerName: '' }), 'spec.signerName: Required value'],
    ['signer with two slashes', base({ signerName: 'a.io/b/c' }), "spec.signerName: Invalid value: \"a.io/b/c\": must be a fully qualified domain and path of the form 'example.com/signer-name'"],
    ['one-label domain', base({ signerName: 'example/signer' }), 'spec.signerName: Invalid value: "example": should be a domain with at least two segments separated by dots'],
    ['legacy signer', base({ signerName: 'kubernetes.io/legacy-unknown' }), 'spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version'],
    ['expirationSeconds 599', base({ expirationSeconds: 599 }), 'spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)'],
    ['a False Approved condition', base({}, { conditions: [{ type: 'Approved', status: 'False' }] }), 'status.conditions[0].status: Unsupported value: "False": supported values: "True"'],
    ['Approved and Denied', base({}, { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] }), 'status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive'],
    ['a duplicate condition', base({}, { conditions: [{ type: 'Custom', status: 'True' }, { type: 'Custom', status: 'False' }] }), 'status.conditions[1].type: Duplicate value: "Custom"'],
    ['a certificate that is not one', base({}, { certificate: b64('junk') }), 'status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block'],
  ])('%s', (_what, csr, want) => {
    expect(fields(validateCSRCreate(csr))).toContain(want);
  });
  it('an unknown usage lists the supported ones', () => {
    expect(fields(validateCSRCreate(base({ usages: ['client authentication'] })))[0]).toMatch(/^spec\.usages\[0\]: Unsupported value: "client authentication": supported values: "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign"/);
  });
  it('signer names', () => {
    expect(validateSignerName('f', 'example.com/a.b-c')).toEqual([]);
    expect(validateSignerName('f', 'Example.com/x')[0]?.message).toContain('validating label "Example"');
  });
});

describe('the update paths', () => {
  const old = base({ username: 'admin', groups: ['system:masters'] }, {});
  it('the main resource keeps spec and status', () => {
    const next = base({ signerName: 'example.com/x' }, { conditions: [{ type: 'Approved', status: 'True' }] });
    prepareCSRForUpdate(next, old);
    expect(next.spec).toEqual(old.spec);
    expect(next.status).toEqual({});
  });
  it('approval adds Approved (with timestamps) and keeps the certificate; status may not', () => {
    const next = base({ signerName: 'example.com/x' }, { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove' }] });
    prepareCSRForApprovalUpdate(next, old);
    expect(next.spec).toEqual(old.spec);
    expect(next.status?.conditions?.[0]?.lastUpdateTime).toBeTruthy();
    expect(next.status?.conditions?.[0]?.lastTransitionTime).toBeTruthy();
    expect(validateCSRApprovalUpdate(next, old)).toEqual([]);
    expect(fields(validateCSRStatusUpdate(next, old))).toEqual(['status.conditions: Forbidden: updates may not add a condition of type "Approved"']);
    expect(fields(validateCSRUpdate(next, old))).toEqual(['status.conditions: Forbidden: updates may not add a condition of type "Approved"']);
  });
  it('a condition of type Approved, Denied or Failed cannot be removed', () => {
    const approved = base({}, { conditions: [{ type: 'Approved', status: 'True' }] });
    expect(fields(validateCSRApprovalUpdate(base({}, { conditions: [] }), approved))).toContain('status.conditions: Forbidden: updates may not remove a condition of type "Approved"');
  });
  it('status may set the certificate once; approval and the main resource may not', () => {
    const issued = base({}, { certificate: CERT });
    expect(validateCSRStatusUpdate(issued, old)).toEqual([]);
    expect(fields(validateCSRApprovalUpdate(issued, old))).toContain('status.certificate: Forbidden: updates may not set certificate content');
    const again = base({}, { certificate: b64(Buffer.from(CERT, 'base64').toString('latin1') + '\n') });
    expect(fields(validateCSRStatusUpdate(again, issued))).toContain('status.certificate: Forbidden: updates may not modify existing certificate content');
  });
});

describe('create records the requester', () => {
  it('what the client sent of its identity is replaced', () => {
    const c = base({ username: 'mallory', uid: 'x', groups: ['system:masters'], extra: { a: ['b'] } }, { conditions: [{ type: 'Approved', status: 'True' }] });
    prepareCSRForCreate(c, { name: 'jane', uid: 'u1', groups: ['devs', 'system:authenticated'] });
    expect(c.spec).toMatchObject({ username: 'jane', uid: 'u1', groups: ['devs', 'system:authenticated'] });
    expect(c.spec?.extra).toBeUndefined();
    expect(c.status).toEqual({});
  });
});

describe('the CONDITION column', () => {
  it.each([
    [[], undefined, 'Pending'],
    [[{ type: 'Approved', status: 'True' }], undefined, 'Approved'],
    [[{ type: 'Approved', status: 'True' }], 'Zm9v', 'Approved,Issued'],
    [[{ type: 'Approved', status: 'True' }, { type: 'Failed', status: 'True' }], undefined, 'Approved,Failed'],
    [[{ type: 'Denied', status: 'True' }], undefined, 'Denied'],
  ])('%j %s -> %s', (conditions, certificate, want) => {
    expect(csrConditionSummary(base({}, { conditions, ...(certificate ? { certificate } : {}) }))).toBe(want);
  });
});

describe('the certificates admission plugins', () => {
  const attrs = (over: Partial<AdmissionAttributes>): AdmissionAttributes => ({
    operation: 'UPDATE',
    group: 'certificates.k8s.io',
    resource: 'certificatesigningrequests',
    subresource: 'approval',
    namespace: '',
    name: 'r',
    object: base() as never,
    oldObject: base() as never,
    user: { name: 'bob', groups: ['system:authenticated'] },
    dryRun: false,
    ...over,
  });
  const state = (allowed: string[]): AdmissionState => ({
    node: () => undefined,
    pod: () => undefined,
    get: () => undefined,
    list: () => [],
    read: async () => undefined,
    updateStatus: async (_g, _r, o) => o,
    authorize: (_u, r) => allowed.includes(`${r.verb} ${r.resource}/${r.name}`),
  });
  it('approve on the signer, or on its domain wildcard', () => {
    expect(certificateApproval.validate!(attrs({}), state([]))).toMatchObject({ message: 'certificatesigningrequests.certificates.k8s.io "r" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"' });
    expect(certificateApproval.validate!(attrs({}), state(['approve signers/kubernetes.io/kube-apiserver-client']))).toBeUndefined();
    expect(certificateApproval.validate!(attrs({}), state(['approve signers/kubernetes.io/*']))).toBeUndefined();
    expect(certificateApproval.validate!(attrs({ subresource: 'status' }), state([]))).toBeUndefined();
  });
  it('sign is needed only to change the certificate', () => {
    const issued = base({}, { certificate: CERT });
    expect(certificateSigning.validate!(attrs({ subresource: 'status', object: issued as never }), state([]))).toMatchObject({ message: expect.stringContaining('user not permitted to sign requests with signerName "kubernetes.io/kube-apiserver-client"') });
    expect(certificateSigning.validate!(attrs({ subresource: 'status', object: issued as never }), state(['sign signers/kubernetes.io/kube-apiserver-client']))).toBeUndefined();
    expect(certificateSigning.validate!(attrs({ subresource: 'status', object: base({}, { conditions: [{ type: 'Failed', status: 'True' }] }) as never }), state([]))).toBeUndefined();
  });
  it('no system:masters through the client signer', () => {
    const masters = base({ request: b64(csrPem({ cn: 'root', o: ['system:masters'] })) });
    expect(certificateSubjectRestriction.validate!(attrs({ operation: 'CREATE', subresource: '', object: masters as never }), state([]))).toMatchObject({
      message: 'certificatesigningrequests.certificates.k8s.io "r" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
    });
    expect(certificateSubjectRestriction.validate!(attrs({ operation: 'CREATE', subresource: '', object: { ...masters, spec: { ...masters.spec, signerName: 'example.com/x' } } as never }), state([]))).toBeUndefined();
  });
});
