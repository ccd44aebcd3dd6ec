/**
 * The certificates admission plugins (upstream plugin/pkg/admission/certificates, 1.32):
 * - CertificateApproval: an update of `certificatesigningrequests/approval` needs the `approve` verb on the
 *   `signers` resource of certificates.k8s.io, named the request's signerName or `<domain>/*`;
 * - CertificateSigning: a `status` update that changes status.certificate needs `sign` on the signer, likewise;
 * - CertificateSubjectRestriction: a request for kubernetes.io/kube-apiserver-client whose subject names the
 *   system:masters group is refused on create.
 * Each refusal is upstream's admission.NewForbidden with upstream's message.
 */
import type { KubeError } from '../../api/errors.js';
import type { Relaxed, CertificateSigningRequest } from '../../api/types/index.js';
import { KUBE_APISERVER_CLIENT_SIGNER, requestPem } from '../../api/strategies/certificates.js';
import { parseCSR } from '../../api/tls/csr.js';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin, type AdmissionState } from './admission.js';
import type { ApiObject } from './object-meta.js';

const GROUP = 'certificates.k8s.io';
const CSRS = 'certificatesigningrequests';

type CSR = Relaxed<CertificateSigningRequest>;
/* The server decodes a request's body as the kind its resource names and checks its structure before admission. */
const asCSR = (o: ApiObject | undefined): CSR => (o ?? {}) as CSR;

/**
 * IsAuthorizedForSignerName: the verb on signers named the signerName, else on `<domain>/*` (the wildcard that
 * grants every signer of a domain).
 */
export function isAuthorizedForSignerName(a: AdmissionAttributes, state: AdmissionState, verb: string, signerName: string): boolean {
  const can = (name: string): boolean => state.authorize?.(a.user, { verb, group: GROUP, resource: 'signers', name }) === true;
  if (can(signerName)) return true;
  const slash = signerName.indexOf('/');
  return slash >= 0 && can(signerName.slice(0, slash) + '/*');
}

const isCSR = (a: AdmissionAttributes): boolean => a.group === GROUP && a.resource === CSRS;

export const certificateApproval: AdmissionPlugin = {
  name: 'CertificateApproval',
  operations: ['UPDATE'],
  validate(a: AdmissionAttributes, state: AdmissionState): KubeError | undefined {
    if (!isCSR(a) || a.subresource !== 'approval') return undefined;
    const signer = asCSR(a.object).spec?.signerName ?? '';
    if (isAuthorizedForSignerName(a, state, 'approve', signer)) return undefined;
    return admissionForbidden(a, `user not permitted to approve requests with signerName "${signer}"`);
  },
};

export const certificateSigning: AdmissionPlugin = {
  name: 'CertificateSigning',
  operations: ['UPDATE'],
  validate(a: AdmissionAttributes, state: AdmissionState): KubeError | undefined {
    if (!isCSR(a) || a.subresource !== 'status') return undefined;
    const csr = asCSR(a.object);
    // Only a change of the certificate needs the signer's permission (conditions such as Failed do not).
    if ((csr.status?.certificate ?? '') === (asCSR(a.oldObject).status?.certificate ?? '')) return undefined;
    const signer = csr.spec?.signerName ?? '';
    if (isAuthorizedForSignerName(a, state, 'sign', signer)) return undefined;
    return admissionForbidden(a, `user not permitted to sign requests with signerName "${signer}"`);
  },
};

export const certificateSubjectRestriction: AdmissionPlugin = {
  name: 'CertificateSubjectRestriction',
  operations: ['CREATE'],
  validate(a: AdmissionAttributes): KubeError | undefined {
    if (!isCSR(a) || a.subresource !== '') return undefined;
    const csr = asCSR(a.object);
    if (csr.spec?.signerName !== KUBE_APISERVER_CLIENT_SIGNER) return undefined;
    const pem = requestPem(csr);
    const parsed = pem === undefined ? undefined : parseCSR(pem);
    if (!parsed?.ok) return admissionForbidden(a, `failed to parse CSR: ${parsed?.error ?? 'PEM block type must be CERTIFICATE REQUEST'}`);
    if (parsed.csr.organizations.includes('system:masters')) {
      return admissionForbidden(a, `use of ${KUBE_APISERVER_CLIENT_SIGNER} signer with system:masters group is not allowed`);
    }
    return undefined;
  },
};
