/**
 * PKCS#10 certificate signing requests and the certificates a signer issues from them, as upstream's
 * certificates helpers (pkg/apis/certificates/helpers.go ParseCSR, x509's CheckSignature) and the local
 * CA signer (pkg/controller/certificates/authority: PermissiveSigningPolicy, CertificateAuthority.Sign).
 * node-forge reads and writes the X.509; nothing here does I/O. forge reads RSA keys only: a request with
 * another key type is refused as one that does not parse.
 */
import { randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** What a signer and the approver look at in a request. */
export interface ParsedCSR {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  /** The request as forge reads it (its public key and subject are copied into the certificate). */
  request: forge.pki.CertificateSigningRequest;
}

export type CSRParse = { ok: true; csr: ParsedCSR } | { ok: false; error: string };

/** The text of a []byte field as JSON carries it (base64), or undefined when it is not base64. */
export function decodeBase64Field(v: unknown): Buffer | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.replace(/[\r\n]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  return Buffer.from(s, 'base64');
}

/** The PEM blocks of a text, in order (Go's pem.Decode, one block after another). */
export function pemBlocks(text: string): Array<{ type: string; headers: boolean; body: string }> {
  const out: Array<{ type: string; headers: boolean; body: string }> = [];
  const re = /-----BEGIN ([^-\r\n]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
  for (const m of text.matchAll(re)) {
    const inner = m[2] ?? '';
    const headers = /^[A-Za-z-]+:/m.test(inner);
    out.push({ type: m[1]!, headers, body: inner.replace(/^[A-Za-z-]+:.*$/gm, '').replace(/\s+/g, '') });
  }
  return out;
}

function subjectValues(attrs: forge.pki.CertificateField[], shortName: string): string[] {
  return attrs.filter((a) => a.shortName === shortName).map((a) => String(a.value ?? ''));
}

interface AltName {
  type: number;
  value?: string;
  ip?: string;
}

function altNamesOf(req: forge.pki.CertificateSigningRequest): AltName[] {
  const ext = req.getAttribute({ name: 'extensionRequest' }) as { extensions?: Array<{ name?: string; altNames?: AltName[] }> } | null;
  const san = ext?.extensions?.find((e) => e.name === 'subjectAltName');
  return san?.altNames ?? [];
}

/**
 * ParseCSR + CheckSignature: the first PEM block must be a CERTIFICATE REQUEST whose DER parses and whose
 * signature verifies with its own key; the errors are upstream's (Go's) messages.
 */
export function parseCSR(pem: string): CSRParse {
  const block = pemBlocks(pem)[0];
  if (!block || block.type !== 'CERTIFICATE REQUEST') return { ok: false, error: 'PEM block type must be CERTIFICATE REQUEST' };
  let req: forge.pki.CertificateSigningRequest;
  try {
    const der = forge.util.decode64(block.body);
    req = forge.pki.certificationRequestFromAsn1(forge.asn1.fromDer(der));
  } catch {
    return { ok: false, error: 'x509: malformed certificate request' };
  }
  let verified = false;
  try {
    verified = req.verify();
  } catch {
    verified = false;
  }
  if (!verified) return { ok: false, error: 'crypto/rsa: verification error' };
  const attrs = req.subject.attributes;
  const alt = altNamesOf(req);
  return {
    ok: true,
    csr: {
      commonName: subjectValues(attrs, 'CN')[0] ?? '',
      organizations: subjectValues(attrs, 'O'),
      dnsNames: alt.filter((a) => a.type === 2).map((a) => a.value ?? ''),
      ipAddresses: alt.filter((a) => a.type === 7).map((a) => a.ip ?? ''),
      emailAddresses: alt.filter((a) => a.type === 1).map((a) => a.value ?? ''),
      uris: alt.filter((a) => a.type === 6).map((a) => a.value ?? ''),
      request: req,
    },
  };
}

/** The key usages of the certificates API and the X.509 bits they stand for (authority's keyUsageDict). */
const KEY_USAGE_BITS: Readonly<Record<string, string>> = {
  signing: 'digitalSignature',
  'digital signature': 'digitalSignature',
  'content commitment': 'nonRepudiation',
  'key encipherment': 'keyEncipherment',
  'key agreement': 'keyAgreement',
  'data encipherment': 'dataEncipherment',
  'cert sign': 'keyCertSign',
  'crl sign': 'cRLSign',
  'encipher only': 'encipherOnly',
  'decipher only': 'decipherOnly',
};

/** The extended key usages (extKeyUsageDict), as OIDs. */
const EXT_KEY_USAGE_OIDS: Readonly<Record<string, string>> = {
  any: '2.5.29.37.0',
  'server auth': '1.3.6.1.5.5.7.3.1',
  'client auth': '1.3.6.1.5.5.7.3.2',
  'code signing': '1.3.6.1.5.5.7.3.3',
  'email protection': '1.3.6.1.5.5.7.3.4',
  's/mime': '1.3.6.1.5.5.7.3.4',
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  'ocsp signing': '1.3.6.1.5.5.7.3.9',
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

/** Every usage value the API accepts (validation's allValidUsages), sorted as Go's sets.List. */
export const ALL_KEY_USAGES: readonly string[] = [...Object.keys(KEY_USAGE_BITS), ...Object.keys(EXT_KEY_USAGE_OIDS)].sort();

export interface SigningCA {
  certPem: string;
  keyPem: string;
}

export interface SignOptions {
  /** The certificate's lifetime (the signer's duration, already bounded by the request's expirationSeconds). */
  ttlMs: number;
  usages: readonly string[];
  now: number;
  /** NotBefore is this much before now (upstream: 5 minutes). */
  backdateMs?: number;
  /** Below this lifetime NotAfter is not backdated (upstream: 8 hours). */
  shortMs?: number;
}

export type SignResult = { ok: true; certPem: string; notBefore: Date; notAfter: Date } | { ok: false; error: string };

function extensionObjects(usages: readonly string[], caCert: forge.pki.Certificate, csr: ParsedCSR): Record<string, unknown>[] {
  const exts: Record<string, unknown>[] = [{ name: 'basicConstraints', cA: false, critical: true }];
  const bits: Record<string, unknown> = { name: 'keyUsage', critical: true };
  let anyBit = false;
  const ekus = new Set<string>();
  for (const u of usages) {
    const bit = KEY_USAGE_BITS[u];
    if (bit) {
      bits[bit] = true;
      anyBit = true;
    }
    const oid = EXT_KEY_USAGE_OIDS[u];
    if (oid) ekus.add(oid);
  }
  if (anyBit) exts.push(bits);
  if (ekus.size > 0) {
    const eku: Record<string, unknown> = { name: 'extKeyUsage' };
    // forge looks a key up in its OID table first (which maps OIDs to names too): a known OID goes by its name.
    const known = forge.pki.oids as Record<string, string | undefined>;
    for (const oid of [...ekus].sort()) eku[known[oid] ?? oid] = true;
    exts.push(eku);
  }
  exts.push({ name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() });
  const altNames: AltName[] = [
    ...csr.dnsNames.map((value) => ({ type: 2, value })),
    ...csr.emailAddresses.map((value) => ({ type: 1, value })),
    ...csr.ipAddresses.map((ip) => ({ type: 7, ip })),
    ...csr.uris.map((value) => ({ type: 6, value })),
  ];
  if (altNames.length > 0) exts.push({ name: 'subjectAltName', altNames });
  return exts;
}

/**
 * CertificateAuthority.Sign with PermissiveSigningPolicy: the request's subject, key and SANs; the usages
 * asked for; not a CA; NotBefore backdated, NotAfter = now + ttl (minus the backdate for long-lived ones),
 * never past the CA's own NotAfter; a CA that has expired refuses.
 */
export function signCSR(ca: SigningCA, csr: ParsedCSR, o: SignOptions): SignResult {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  for (const u of o.usages) {
    if (!KEY_USAGE_BITS[u] && !EXT_KEY_USAGE_OIDS[u]) return { ok: false, error: `unrecognized usage values: ["${u}"]` };
  }
  const backdate = o.backdateMs ?? 5 * 60_000;
  const short = o.shortMs ?? 8 * 3_600_000;
  const caNotAfter = caCert.validity.notAfter.getTime();
  const notBefore = o.now - backdate;
  let notAfter = o.ttlMs < short ? o.now + o.ttlMs : o.now + o.ttlMs - backdate;
  if (notAfter >= caNotAfter) notAfter = caNotAfter;
  if (notBefore >= caNotAfter) return { ok: false, error: `the signer has expired: NotAfter=${caCert.validity.notAfter.toISOString()}` };
  if (o.now >= caNotAfter) return { ok: false, error: `refusing to sign a certificate that expired in the past: NotAfter=${caCert.validity.notAfter.toISOString()}` };
  const cert = forge.pki.createCertificate();
  cert.publicKey = csr.request.publicKey as forge.pki.PublicKey;
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  cert.serialNumber = b.toString('hex');
  cert.validity.notBefore = new Date(notBefore);
  cert.validity.notAfter = new Date(notAfter);
  cert.setSubject(csr.request.subject.attributes);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions(extensionObjects(o.usages, caCert, csr));
  cert.sign(caKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { ok: true, certPem: forge.pki.certificateToPem(cert), notBefore: new Date(notBefore), notAfter: new Date(notAfter) };
}

/** NotAfter of the first certificate of a PEM text, or undefined when there is none that parses. */
export function certificateNotAfter(pem: string): number | undefined {
  const block = pemBlocks(pem).find((b) => b.type === 'CERTIFICATE');
  if (!block) return undefined;
  try {
    return forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.decode64(block.body))).validity.notAfter.getTime();
  } catch {
    return undefined;
  }
}

/** validateCertificate: status.certificate holds one or more CERTIFICATE PEM blocks without headers that parse. */
export function certificateContentError(pem: string): string | undefined {
  if (pem.length === 0) return undefined;
  const blocks = pemBlocks(pem);
  if (blocks.length === 0) return 'must contain at least one CERTIFICATE PEM block';
  for (const b of blocks) {
    if (b.type !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found "${b.type}"`;
    if (b.headers) return 'no PEM block headers are permitted';
    try {
      forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.decode64(b.body)));
    } catch {
      return 'x509: malformed certificate';
    }
  }
  return undefined;
}
