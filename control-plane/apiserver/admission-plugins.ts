/**
 * The admission chain, in order (upstream's --enable-admission-plugins, in its fixed order: NamespaceLifecycle (a
 * store hook here, resource-hooks.ts), LimitRanger, ServiceAccount, NodeRestriction, TaintNodesByCondition, Priority,
 * DefaultTolerationSeconds, ..., DefaultStorageClass, StorageObjectInUseProtection, PersistentVolumeClaimResize, ..., CertificateApproval, CertificateSigning, CertificateSubjectRestriction, DefaultIngressClass, ResourceQuota last among the validating ones). Mutating and validating webhooks and
 * policies will join this list; each entry implements AdmissionPlugin.
 */
import type { AdmissionPlugin } from './admission.js';
import { limitRanger } from './admission-limitranger.js';
import { nodeRestriction } from './admission-noderestriction.js';
import { priority } from './admission-priority.js';
import { resourceQuota } from './admission-resourcequota.js';
import { certificateApproval, certificateSigning, certificateSubjectRestriction } from './admission-certificates.js';
import { serviceAccount } from './admission-serviceaccount.js';
import { defaultIngressClass } from './admission-ingress.js';
import { defaultStorageClass, persistentVolumeClaimResize, storageObjectInUseProtection } from './admission-storage.js';

export const ADMISSION_PLUGINS: readonly AdmissionPlugin[] = [
  limitRanger,
  serviceAccount,
  nodeRestriction,
  priority,
  defaultStorageClass,
  storageObjectInUseProtection,
  persistentVolumeClaimResize,
  certificateApproval,
  certificateSigning,
  certificateSubjectRestriction,
  defaultIngressClass,
  resourceQuota,
];
