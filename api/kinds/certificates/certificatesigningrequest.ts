/**
 * certificates.k8s.io/v1 CertificateSigningRequest: upstream's pkg/registry/certificates/certificates (the main
 * strategy, `status` for the signer's certificate and Failed condition, `approval` for Approved / Denied) and
 * printer. Cluster-scoped; the requester's identity is recorded on create.
 */
import type { Relaxed, CertificateSigningRequest } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import {
  prepareCSRForApprovalUpdate,
  prepareCSRForCreate,
  prepareCSRForStatusUpdate,
  prepareCSRForUpdate,
  validateCSRApprovalUpdate,
  validateCSRCreate,
  validateCSRStatusUpdate,
  validateCSRUpdate,
} from '../../strategies/certificates.js';
import { csrCells, csrColumns } from '../../strategies/printers.js';

export const certificateSigningRequests = defineKind<Relaxed<CertificateSigningRequest>>({
  group: 'certificates.k8s.io',
  version: 'v1',
  kind: 'CertificateSigningRequest',
  plural: 'certificatesigningrequests',
  namespaced: false,
  shortNames: ['csr'],
  subresources: ['approval', 'status'],
  schema: 'io.k8s.api.certificates.v1.CertificateSigningRequest',
  protobufMessage: 'k8s.io.api.certificates.v1.CertificateSigningRequest',
  strategy: {
    prepareForCreate: prepareCSRForCreate,
    prepareForUpdate: prepareCSRForUpdate,
    validate: validateCSRCreate,
    validateUpdate: validateCSRUpdate,
    validateStatusUpdate: validateCSRStatusUpdate,
    subresourceUpdates: {
      status: { prepareForUpdate: prepareCSRForStatusUpdate, validateUpdate: validateCSRStatusUpdate },
      approval: { prepareForUpdate: prepareCSRForApprovalUpdate, validateUpdate: validateCSRApprovalUpdate },
    },
  },
  fieldSelectors: { 'spec.signerName': (csr) => csr.spec?.signerName ?? '' },
  table: { columns: csrColumns, cells: csrCells },
});
