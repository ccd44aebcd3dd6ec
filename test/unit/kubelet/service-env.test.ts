/**
 * Service links (node-agent/kubelet/service-env.ts) from tables, as upstream's envvars.FromServices and
 * getServiceEnvVarMap, and buildEnv's use of them ($(VAR) expansion, container env wins).
 */
import { describe, expect, it } from 'vitest';
import { buildEnv } from '../../../node-agent/kubelet/env.js';
import { envVarsFromServices, serviceEnvForPod, type Service } from '../../../node-agent/kubelet/service-env.js';

const svc = (namespace: string, name: string, clusterIP: string, ports: { name?: string; port: number; protocol?: string }[]): Service => ({
  metadata: { namespace, name },
  spec: { clusterIP, ports },
});
const KUBERNETES = svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]);

describe('envVarsFromServices (upstream envvars.FromServices)', () => {
  it('the kubernetes Service', () => {
    expect(envVarsFromServices([KUBERNETES])).toEqual([
      { name: 'KUBERNETES_SERVICE_HOST', value: '10.96.0.1' },
      { name: 'KUBERNETES_SERVICE_PORT', value: '443' },
      { name: 'KUBERNETES_SERVICE_PORT_HTTPS', value: '443' },
      { name: 'KUBERNETES_PORT', value: 'tcp://10.96.0.1:443' },
      { name: 'KUBERNETES_PORT_443_TCP', value: 'tcp://10.96.0.1:443' },
      { name: 'KUBERNETES_PORT_443_TCP_PROTO', value: 'tcp' },
      { name: 'KUBERNETES_PORT_443_TCP_PORT', value: '443' },
      { name: 'KUBERNETES_PORT_443_TCP_ADDR', value: '10.96.0.1' },
    ]);
  });
  it('dashes become underscores; an unnamed first port, UDP, IPv6', () => {
    const env = Object.fromEntries(
      envVarsFromServices([svc('ns', 'kube-dns', 'fd00::a', [{ port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }])]).map((e) => [e.name, e.value]),
    );
    expect(env).toEqual({
      KUBE_DNS_SERVICE_HOST: 'fd00::a',
      KUBE_DNS_SERVICE_PORT: '53',
      KUBE_DNS_SERVICE_PORT_DNS_TCP: '53',
      KUBE_DNS_PORT: 'udp://[fd00::a]:53',
      KUBE_DNS_PORT_53_UDP: 'udp://[fd00::a]:53',
      KUBE_DNS_PORT_53_UDP_PROTO: 'udp',
      KUBE_DNS_PORT_53_UDP_PORT: '53',
      KUBE_DNS_PORT_53_UDP_ADDR: 'fd00::a',
      KUBE_DNS_PORT_53_TCP: 'tcp://[fd00::a]:53',
      KUBE_DNS_PORT_53_TCP_PROTO: 'tcp',
      KUBE_DNS_PORT_53_TCP_PORT: '53',
      KUBE_DNS_PORT_53_TCP_ADDR: 'fd00::a',
    });
  });
  it.each([['headless', 'None'], ['ExternalName (no cluster IP)', '']])('%s: nothing', (_n, ip) => {
    expect(envVarsFromServices([svc('ns', 'h', ip, [{ port: 80 }])])).toEqual([]);
  });
});

describe('serviceEnvForPod (upstream getServiceEnvVarMap)', () => {
  const services = [KUBERNETES, svc('web', 'api', '10.96.0.20', [{ port: 80 }]), svc('other', 'db', '10.96.0.30', [{ port: 5432 }]), svc('web', 'kubernetes', '10.96.0.40', [{ port: 8443 }])];
  const cases: { name: string; ns: string; links: boolean; want: Record<string, string | undefined> }[] = [
    { name: 'own namespace and the master service', ns: 'web', links: true, want: { KUBERNETES_SERVICE_HOST: '10.96.0.40', API_SERVICE_HOST: '10.96.0.20', DB_SERVICE_HOST: undefined } },
    { name: 'enableServiceLinks false: only the master service', ns: 'web', links: false, want: { KUBERNETES_SERVICE_HOST: '10.96.0.1', API_SERVICE_HOST: undefined } },
    { name: 'another namespace', ns: 'other', links: true, want: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', DB_SERVICE_PORT: '5432', API_SERVICE_HOST: undefined } },
    { name: 'the default namespace', ns: 'default', links: true, want: { KUBERNETES_SERVICE_HOST: '10.96.0.1', API_SERVICE_HOST: undefined } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const env = serviceEnvForPod(services, c.ns, c.links);
      for (const [k, v] of Object.entries(c.want)) expect(env.get(k), k).toBe(v);
    });
  }
});

describe('buildEnv with service links', () => {
  const sources = { configMap: () => undefined, secret: () => undefined };
  const pod = { metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: [] } };
  it('$(VAR) may name a service variable; the container\'s own variable wins', () => {
    const serviceEnv = serviceEnvForPod([KUBERNETES], 'default', true);
    const c = { name: 'c', image: 'x', env: [{ name: 'API', value: 'https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)' }, { name: 'KUBERNETES_SERVICE_PORT', value: '6443' }] };
    const env = Object.fromEntries(buildEnv(pod, c, sources, { nodeName: 'n', serviceEnv }).map((e) => [e.name, e.value]));
    expect(env.API).toBe('https://10.96.0.1:443');
    expect(env.KUBERNETES_SERVICE_PORT).toBe('6443');
    expect(env.KUBERNETES_SERVICE_HOST).toBe('10.96.0.1');
    expect(env.KUBERNETES_PORT_443_TCP_ADDR).toBe('10.96.0.1');
  });
});
