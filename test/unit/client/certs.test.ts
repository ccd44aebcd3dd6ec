import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCA, createCertificate } from '../../../api/tls/certs.js';

describe('certs', () => {
  const ca = createCA('kubelab-ca');
  const caX = new X509Certificate(ca.certPem);

  it('makes a self-signed CA', () => {
    expect(caX.ca).toBe(true);
    expect(caX.subject).toContain('CN=kubelab-ca');
    expect(caX.verify(caX.publicKey)).toBe(true);
    expect(caX.checkIssued(caX)).toBe(true);
  });

  it('signs a serving certificate with SANs that chains to the CA', () => {
    const c = createCertificate({
      ca,
      commonName: 'kube-apiserver',
      dnsNames: ['kubernetes', 'kubernetes.default.svc'],
      ipAddresses: ['10.96.0.1', '192.168.56.11'],
      serverAuth: true,
    });
    const x = new X509Certificate(c.certPem);
    expect(x.ca).toBe(false);
    expect(x.verify(caX.publicKey)).toBe(true);
    expect(x.checkIssued(caX)).toBe(true);
    expect(x.checkIP('10.96.0.1')).toBe('10.96.0.1');
    expect(x.checkIP('10.96.0.2')).toBeUndefined();
    expect(x.checkHost('kubernetes.default.svc')).toBe('kubernetes.default.svc');
    expect(x.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    expect(x.keyUsage).not.toContain('1.3.6.1.5.5.7.3.2');
    // the key matches the certificate
    const pub = createPublicKey(createPrivateKey(c.keyPem)).export({ type: 'spki', format: 'pem' });
    expect(x.publicKey.export({ type: 'spki', format: 'pem' })).toBe(pub);
  });

  it('signs a client certificate with CN = user and O = groups', () => {
    const c = createCertificate({ ca, commonName: 'system:node:node01', organizations: ['system:nodes'] });
    const x = new X509Certificate(c.certPem);
    expect(x.subject).toContain('CN=system:node:node01');
    expect(x.subject).toContain('O=system:nodes');
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(x.verify(caX.publicKey)).toBe(true);
  });

  it('a certificate from another CA does not verify', () => {
    const other = createCA('other');
    const c = createCertificate({ ca: other, commonName: 'x', clientAuth: true });
    expect(new X509Certificate(c.certPem).verify(caX.publicKey)).toBe(false);
  });

  it('rejects a bad IP SAN', () => {
    expect(() => createCertificate({ ca, commonName: 'x', ipAddresses: ['not-an-ip'] })).toThrow(/not an IP/);
  });
});
