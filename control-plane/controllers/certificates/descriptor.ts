/**
 * The certificate controllers' rows in the controller manager's table (upstream's
 * `certificatesigningrequest-signing-controller`, `-approving-controller`, `-cleaner-controller`) and the signing
 * flags: --cluster-signing-cert-file / --cluster-signing-key-file for every signer, or one pair per signer
 * (never both), and --cluster-signing-duration. Without any CA the signing controller is not started, as upstream.
 */
import { readFileSync } from 'node:fs';
import { FlagError, num, str } from '../../../api/cli/flags.js';
import type { SigningCA } from '../../../api/tls/csr.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { CSR_APPROVING_CONTROLLER, CSRApprovingController } from './approving.js';
import { CSR_CLEANER_CONTROLLER, CSRCleanerController } from './cleaner.js';
import { CSR_SIGNING_CONTROLLER, CSRSigningController } from './signing.js';
import { SIGNERS } from './decide.js';

/** The per-signer flag prefix of each signer this manager runs (`--cluster-signing-<prefix>-cert-file`). */
const PER_SIGNER: Readonly<Record<(typeof SIGNERS)[number], string>> = {
  'kubernetes.io/kube-apiserver-client': 'kube-apiserver-client',
  'kubernetes.io/kube-apiserver-client-kubelet': 'kubelet-client',
  'kubernetes.io/kubelet-serving': 'kubelet-serving',
};

export interface SigningFlags {
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  /** Per signer name: its own cert and key files. */
  perSigner: Record<string, { certFile?: string; keyFile?: string }>;
  clusterSigningDurationMs: number;
}

/**
 * Which CA files each signer uses (upstream's startCSRSigningController and get*SignerFiles): the per-signer pair
 * when given, else the cluster pair; none at all skips the controller; both kinds is a configuration error.
 */
export function signerFiles(f: SigningFlags): Map<string, { certFile: string; keyFile: string }> {
  const missingSingle = !f.clusterSigningCertFile || !f.clusterSigningKeyFile;
  const anySpecific = Object.values(f.perSigner).some((p) => p.certFile || p.keyFile);
  const out = new Map<string, { certFile: string; keyFile: string }>();
  if (missingSingle && !anySpecific) return out;
  if (!missingSingle && anySpecific) throw new FlagError('cannot specify default and per controller certs at the same time');
  for (const signer of SIGNERS) {
    const p = f.perSigner[signer] ?? {};
    if (p.certFile || p.keyFile) {
      if (!p.certFile || !p.keyFile) throw new FlagError(`${signer}: both the cert file and the key file of its signer must be set`);
      out.set(signer, { certFile: p.certFile, keyFile: p.keyFile });
    } else if (!missingSingle) {
      out.set(signer, { certFile: f.clusterSigningCertFile!, keyFile: f.clusterSigningKeyFile! });
    }
  }
  return out;
}

export const csrSigningDescriptor: ControllerDescriptor<{ signing: SigningFlags }> = {
  name: CSR_SIGNING_CONTROLLER,
  aliases: ['csrsigning'],
  flags: [
    { name: 'cluster-signing-cert-file', type: 'string', default: '', help: 'Filename containing a PEM-encoded X509 CA certificate used to issue cluster-scoped certificates.  If specified, no more specific --cluster-signing-* flag may be specified.' },
    { name: 'cluster-signing-key-file', type: 'string', default: '', help: 'Filename containing a PEM-encoded RSA or ECDSA private key used to sign cluster-scoped certificates.  If specified, no more specific --cluster-signing-* flag may be specified.' },
    { name: 'cluster-signing-duration', type: 'duration', default: '8760h0m0s', help: 'The max length of duration signed certificates will be given.  Individual CSRs may request shorter certs by setting spec.expirationSeconds.' },
    ...Object.entries(PER_SIGNER).flatMap(([signer, prefix]) => [
      { name: `cluster-signing-${prefix}-cert-file`, type: 'string' as const, default: '', help: `Filename containing a PEM-encoded X509 CA certificate used to issue certificates for the ${signer} signer.  If specified, --cluster-signing-{cert,key}-file must not be set.` },
      { name: `cluster-signing-${prefix}-key-file`, type: 'string' as const, default: '', help: `Filename containing a PEM-encoded RSA or ECDSA private key used to sign certificates for the ${signer} signer.  If specified, --cluster-signing-{cert,key}-file must not be set.` },
    ]),
  ],
  options: (v) => ({
    signing: {
      clusterSigningCertFile: str(v, 'cluster-signing-cert-file'),
      clusterSigningKeyFile: str(v, 'cluster-signing-key-file'),
      clusterSigningDurationMs: num(v, 'cluster-signing-duration'),
      perSigner: Object.fromEntries(
        Object.entries(PER_SIGNER).map(([signer, prefix]) => [signer, { certFile: str(v, `cluster-signing-${prefix}-cert-file`), keyFile: str(v, `cluster-signing-${prefix}-key-file`) }]),
      ),
    },
  }),
  build: (ctx, o) => {
    const files = signerFiles(o.signing);
    if (files.size === 0) {
      ctx.logger(CSR_SIGNING_CONTROLLER).info('Skipping CSR signer controller because no csr cert/key was specified');
      return undefined;
    }
    const cas = new Map<string, SigningCA>();
    for (const [signer, f] of files) cas.set(signer, { certPem: readFileSync(f.certFile, 'utf8'), keyPem: readFileSync(f.keyFile, 'utf8') });
    return new CSRSigningController(ctx, { cas, durationMs: o.signing.clusterSigningDurationMs });
  },
};

export const csrApprovingDescriptor: ControllerDescriptor = {
  name: CSR_APPROVING_CONTROLLER,
  aliases: ['csrapproving'],
  flags: [],
  options: () => ({}),
  build: (ctx) => new CSRApprovingController(ctx),
};

export const csrCleanerDescriptor: ControllerDescriptor = {
  name: CSR_CLEANER_CONTROLLER,
  aliases: ['csrcleaner'],
  flags: [],
  options: () => ({}),
  build: (ctx) => new CSRCleanerController(ctx),
};
