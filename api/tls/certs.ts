/**
 * A small PKI for the lab, as "Kubernetes the hard way" builds it: one CA, then a certificate per
 * component (apiserver serving cert with its IP/DNS SANs, admin / scheduler / controller-manager /
 * kubelet client certs with CN = user and O = groups). node-forge builds and signs the X.509;
 * keys come from Node's crypto.generateKeyPairSync (much faster than forge's pure-JS RSA).
 */

import { KubeError } from '../errors.js';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

export interface CertificateOptions {
  ca: KeyPairPem;
  /** CN: the user name for client certs (`system:kube-scheduler`, `system:node:node01`). */
  commonName: string;
  /** O: the groups for client certs (`system:masters`, `system:nodes`). */
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  serverAuth?: boolean;
  clientAuth?: boolean;
  /** Validity; default 365 days. */
  days?: number;
  /** RSA modulus length; default 2048. */
  keyBits?: number;
}

function newRsaKeys(bits: number): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    keyPem: privateKey,
  };
}

/** A positive serial number (the top bit cleared so DER does not read it as negative). */
function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

function validity(cert: forge.pki.Certificate, days: number): void {
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 5 * 60_000); // tolerate small clock skew
  cert.validity.notAfter = new Date(now + days * 86_400_000);
}

/** A self-signed CA (basicConstraints CA:TRUE, keyCertSign). Default 10 years. */
export function createCA(commonName: string, opts: { days?: number; keyBits?: number; organizations?: string[] } = {}): KeyPairPem {
  const { privateKey, publicKey, keyPem } = newRsaKeys(opts.keyBits ?? 2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  validity(cert, opts.days ?? 3650);
  const attrs: forge.pki.CertificateField[] = [{ shortName: 'CN', value: commonName }];
  for (const o of opts.organizations ?? []) attrs.push({ shortName: 'O', value: o });
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** A certificate signed by `ca`. With neither serverAuth nor clientAuth given, it is a client cert. */
export function createCertificate(o: CertificateOptions): KeyPairPem {
  const caCert = forge.pki.certificateFromPem(o.ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(o.ca.keyPem);
  const { publicKey, keyPem } = newRsaKeys(o.keyBits ?? 2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  validity(cert, o.days ?? 365);
  const subject: forge.pki.CertificateField[] = [];
  for (const org of o.organizations ?? []) subject.push({ shortName: 'O', value: org });
  subject.push({ shortName: 'CN', value: o.commonName });
  cert.setSubject(subject);
  cert.setIssuer(caCert.subject.attributes);
  const serverAuth = o.serverAuth ?? false;
  const clientAuth = o.clientAuth ?? !serverAuth;
  const altNames: { type: number; value?: string; ip?: string }[] = [];
  for (const d of o.dnsNames ?? []) altNames.push({ type: 2, value: d });
  for (const ip of o.ipAddresses ?? []) {
    if (!isIP(ip)) throw new KubeError('BadRequest', `not an IP address: ${ip}`, { code: 'ERR_CONFIG' });
    altNames.push({ type: 7, ip });
  }
  const exts: Record<string, unknown>[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth, clientAuth },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ];
  if (altNames.length) exts.push({ name: 'subjectAltName', altNames });
  cert.setExtensions(exts);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/**
 * A serving certificate signed by a fresh CA of its own, as upstream's GenerateSelfSignedCertKey makes one for a
 * component started without --tls-cert-file: CA `<host>-ca@<unix>`, certificate `<host>@<unix>` for `host` (a DNS
 * name or an IP) and the alternates. Nothing is written to disk.
 */
export function selfSignedServingCertificate(host: string, alternateIPs: readonly string[] = [], alternateDNS: readonly string[] = []): KeyPairPem {
  const now = Math.floor(Date.now() / 1000);
  const ca = createCA(`${host}-ca@${now}`);
  const ips = isIP(host) ? [host, ...alternateIPs] : [...alternateIPs];
  const dns = isIP(host) ? [...alternateDNS] : [host, ...alternateDNS];
  return createCertificate({ ca, commonName: `${host}@${now}`, dnsNames: [...new Set(dns)], ipAddresses: [...new Set(ips)], serverAuth: true });
}
