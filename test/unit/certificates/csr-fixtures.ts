/** PKCS#10 requests for the certificate tests, made with node-forge from a subject and SANs. */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { createCA } from '../../../api/tls/certs.js';
import { parseCSR, type ParsedCSR } from '../../../api/tls/csr.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
const pub = forge.pki.setRsaPublicKey(key.n, key.e);

export interface Subject {
  cn?: string;
  o?: string[];
  dns?: string[];
  ips?: string[];
  emails?: string[];
}

/** A CSR's PEM, signed with the fixture key. */
export function csrPem(s: Subject): string {
  const req = forge.pki.createCertificationRequest();
  req.publicKey = pub;
  const attrs: forge.pki.CertificateField[] = [];
  if (s.cn !== undefined) attrs.push({ shortName: 'CN', value: s.cn });
  for (const o of s.o ?? []) attrs.push({ shortName: 'O', value: o });
  req.setSubject(attrs);
  const altNames = [...(s.dns ?? []).map((value) => ({ type: 2, value })), ...(s.ips ?? []).map((ip) => ({ type: 7, ip })), ...(s.emails ?? []).map((value) => ({ type: 1, value }))];
  if (altNames.length > 0) req.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames }] }]);
  req.sign(key, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(req);
}

export function parsed(s: Subject): ParsedCSR {
  const r = parseCSR(csrPem(s));
  if (!r.ok) throw new Error(r.error);
  return r.csr;
}

export const b64 = (text: string): string => Buffer.from(text, 'latin1').toString('base64');

/** One CA for the signing tests. */
export const TEST_CA = createCA('test-signing-ca', { keyBits: 1024 });
