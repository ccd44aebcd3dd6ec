import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { buildKubeconfig, parseKubeconfig } from '../../../api/tls/kubeconfig.js';

const CA = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN RSA PRIVATE KEY-----\nKEY\n-----END RSA PRIVATE KEY-----\n';

describe('kubeconfig', () => {
  it('round-trips a client-certificate kubeconfig', () => {
    const text = buildKubeconfig({ clusterName: 'kubelab', server: 'https://192.168.56.11:6443', caPem: CA, user: 'admin', certPem: CERT, keyPem: KEY });
    const doc = YAML.parse(text);
    expect(doc).toMatchObject({ apiVersion: 'v1', kind: 'Config', 'current-context': 'admin@kubelab' });
    expect(doc.clusters[0].cluster['certificate-authority-data']).toBe(Buffer.from(CA).toString('base64'));
    const kc = parseKubeconfig(text, '/nowhere');
    expect(kc).toEqual({
      contextName: 'admin@kubelab',
      clusterName: 'kubelab',
      userName: 'admin',
      server: 'https://192.168.56.11:6443',
      caData: CA,
      certData: CERT,
      keyData: KEY,
    });
  });

  it('round-trips a token kubeconfig with a namespace', () => {
    const text = buildKubeconfig({ clusterName: 'c', server: 'https://10.0.0.1:6443', caPem: CA, user: 'system:kube-scheduler', token: 's3cret', namespace: 'kube-system', contextName: 'default' });
    expect(parseKubeconfig(text, '/')).toMatchObject({ contextName: 'default', token: 's3cret', namespace: 'kube-system', userName: 'system:kube-scheduler' });
  });

  it('needs a token or a cert + key', () => {
    expect(() => buildKubeconfig({ clusterName: 'c', server: 's', caPem: CA, user: 'u' })).toThrow(/token/);
  });

  it('selects a context, honours insecure-skip-tls-verify, reports missing contexts as kubectl does', () => {
    const text = YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'a',
      clusters: [
        { name: 'ca', cluster: { server: 'https://a:6443' } },
        { name: 'cb', cluster: { server: 'https://b:6443', 'insecure-skip-tls-verify': true } },
      ],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [
        { name: 'a', context: { cluster: 'ca', user: 'u' } },
        { name: 'b', context: { cluster: 'cb', user: 'u' } },
      ],
    });
    expect(parseKubeconfig(text, '/').server).toBe('https://a:6443');
    expect(parseKubeconfig(text, '/', 'b')).toMatchObject({ server: 'https://b:6443', insecureSkipTLSVerify: true, token: 't' });
    expect(() => parseKubeconfig(text, '/', 'zz')).toThrow('context was not found for specified context: zz');
  });

  it('reports an unreadable referenced file with its resolved path', () => {
    const text = YAML.stringify({
      'current-context': 'x',
      clusters: [{ name: 'c', cluster: { server: 'https://s', 'certificate-authority': 'pki/ca.crt' } }],
      users: [{ name: 'u', user: {} }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    });
    expect(() => parseKubeconfig(text, '/definitely/missing')).toThrow('/definitely/missing/pki/ca.crt');
  });
});
