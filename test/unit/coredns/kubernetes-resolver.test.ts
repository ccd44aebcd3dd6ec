/**
 * The kubernetes plugin as a table: names in, records or rcodes out (kubernetes/dns docs/specification.md, as CoreDNS's
 * plugin/kubernetes answers), from Services, EndpointSlices and Pods, no I/O.
 */
import { describe, expect, it } from 'vitest';
import { resolveKubernetes } from '../../../addons/coredns/kubernetes.js';
import { isReply } from '../../../addons/coredns/records.js';
import type { KubernetesConfig } from '../../../addons/coredns/config.js';
import { cluster, fmt, kubeConfig } from './fixtures.js';

const state = cluster();

function ask(name: string, type: string, over: Partial<KubernetesConfig> = {}) {
  const r = resolveKubernetes({ state, config: kubeConfig(over), nsAddresses: ['10.96.0.10'] }, { name, type });
  if (!isReply(r.result)) return { rcode: 'NEXT', answers: [] as string[], extra: [] as string[], authority: [] as string[], chase: r.chase };
  return { rcode: r.result.rcode, answers: r.result.answers.map(fmt), extra: r.result.additionals.map(fmt), authority: r.result.authorities.map((x) => x.type), chase: r.chase };
}

describe('kubernetes plugin: records (spec section 2)', () => {
  const table: [string, string, string, string[], Partial<KubernetesConfig>?][] = [
    // name, type, rcode, answers
    ['dns-version.cluster.local.', 'TXT', 'NOERROR', ['dns-version.cluster.local. 28800 TXT "1.1.0"']],
    ['kubernetes.default.svc.cluster.local.', 'A', 'NOERROR', ['kubernetes.default.svc.cluster.local. 5 A 10.96.0.1']],
    ['web.prod.svc.cluster.local.', 'A', 'NOERROR', ['web.prod.svc.cluster.local. 5 A 10.96.0.20']],
    ['WEB.Prod.svc.Cluster.Local.'.toLowerCase(), 'A', 'NOERROR', ['web.prod.svc.cluster.local. 5 A 10.96.0.20']],
    ['web.prod.svc.cluster.local.', 'A', 'NOERROR', ['web.prod.svc.cluster.local. 30 A 10.96.0.20'], { ttl: 30 }],
    // AAAA of an IPv4 Service: the name exists, no data.
    ['web.prod.svc.cluster.local.', 'AAAA', 'NOERROR', []],
    ['v6.prod.svc.cluster.local.', 'AAAA', 'NOERROR', ['v6.prod.svc.cluster.local. 5 AAAA fd00::10']],
    ['v6.prod.svc.cluster.local.', 'A', 'NOERROR', []],
    // A Service with no endpoints still has its ClusterIP.
    ['lonely.prod.svc.cluster.local.', 'A', 'NOERROR', ['lonely.prod.svc.cluster.local. 5 A 10.96.0.30']],
    ['lonely.prod.svc.cluster.local.', 'A', 'NXDOMAIN', [], { ignoreEmptyService: true }],
    // Headless: ready endpoints only; none ready -> NXDOMAIN (2.4.1).
    ['db.prod.svc.cluster.local.', 'A', 'NOERROR', ['db.prod.svc.cluster.local. 5 A 10.244.1.5', 'db.prod.svc.cluster.local. 5 A 10.244.2.6', 'db.prod.svc.cluster.local. 5 A 10.244.2.7']],
    ['empty.prod.svc.cluster.local.', 'A', 'NXDOMAIN', []],
    ['db-0.db.prod.svc.cluster.local.', 'A', 'NOERROR', ['db-0.db.prod.svc.cluster.local. 5 A 10.244.1.5']],
    // An endpoint without hostname is named by its IP with dashes; with endpoint_pod_names by its pod.
    ['10-244-2-7.db.prod.svc.cluster.local.', 'A', 'NOERROR', ['10-244-2-7.db.prod.svc.cluster.local. 5 A 10.244.2.7']],
    ['db-x.db.prod.svc.cluster.local.', 'A', 'NOERROR', ['db-x.db.prod.svc.cluster.local. 5 A 10.244.2.7'], { endpointPodNames: true }],
    // Not ready: no record.
    ['db-2.db.prod.svc.cluster.local.', 'A', 'NXDOMAIN', []],
    ['db-9.db.prod.svc.cluster.local.', 'A', 'NXDOMAIN', []],
    // SRV (2.3.2): ClusterIP Service -> the Service name; unnamed ports have none.
    ['_http._tcp.web.prod.svc.cluster.local.', 'SRV', 'NOERROR', ['_http._tcp.web.prod.svc.cluster.local. 5 SRV 0 100 80 web.prod.svc.cluster.local.']],
    ['_http._udp.web.prod.svc.cluster.local.', 'SRV', 'NXDOMAIN', []],
    ['_nope._tcp.web.prod.svc.cluster.local.', 'SRV', 'NXDOMAIN', []],
    // SRV for a headless Service (2.4.2): one per ready endpoint, target its hostname record.
    [
      '_mysql._tcp.db.prod.svc.cluster.local.',
      'SRV',
      'NOERROR',
      [
        '_mysql._tcp.db.prod.svc.cluster.local. 5 SRV 0 33 3306 db-0.db.prod.svc.cluster.local.',
        '_mysql._tcp.db.prod.svc.cluster.local. 5 SRV 0 33 3306 db-1.db.prod.svc.cluster.local.',
        '_mysql._tcp.db.prod.svc.cluster.local. 5 SRV 0 33 3306 10-244-2-7.db.prod.svc.cluster.local.',
      ],
    ],
    // ExternalName (2.5): a CNAME; its target is left to the server to chase.
    ['ext.prod.svc.cluster.local.', 'A', 'NOERROR', ['ext.prod.svc.cluster.local. 5 CNAME www.example.com.']],
    ['ext.prod.svc.cluster.local.', 'CNAME', 'NOERROR', ['ext.prod.svc.cluster.local. 5 CNAME www.example.com.']],
    ['ext.prod.svc.cluster.local.', 'SRV', 'NOERROR', []],
    // An in-zone target is followed here.
    ['alias.prod.svc.cluster.local.', 'A', 'NOERROR', ['alias.prod.svc.cluster.local. 5 CNAME web.prod.svc.cluster.local.', 'web.prod.svc.cluster.local. 5 A 10.96.0.20']],
    // PTR (2.3.3 and 2.4.3).
    ['1.0.96.10.in-addr.arpa.', 'PTR', 'NOERROR', ['1.0.96.10.in-addr.arpa. 5 PTR kubernetes.default.svc.cluster.local.']],
    ['5.1.244.10.in-addr.arpa.', 'PTR', 'NOERROR', ['5.1.244.10.in-addr.arpa. 5 PTR db-0.db.prod.svc.cluster.local.']],
    ['8.1.244.10.in-addr.arpa.', 'PTR', 'NOERROR', ['8.1.244.10.in-addr.arpa. 5 PTR 10-244-1-8.web.prod.svc.cluster.local.']],
    ['0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.', 'PTR', 'NOERROR', ['0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa. 5 PTR v6.prod.svc.cluster.local.']],
    ['9.9.9.10.in-addr.arpa.', 'PTR', 'NXDOMAIN', []],
    ['9.9.9.10.in-addr.arpa.', 'PTR', 'NEXT', [], { fallthrough: ['in-addr.arpa.', 'ip6.arpa.'] }],
    // Pods (2.6): insecure answers any IP, verified only a pod's, disabled none.
    ['10-244-9-9.prod.pod.cluster.local.', 'A', 'NOERROR', ['10-244-9-9.prod.pod.cluster.local. 5 A 10.244.9.9']],
    ['10-244-9-9.prod.pod.cluster.local.', 'A', 'NXDOMAIN', [], { pods: 'verified' }],
    ['10-244-1-5.prod.pod.cluster.local.', 'A', 'NOERROR', ['10-244-1-5.prod.pod.cluster.local. 5 A 10.244.1.5'], { pods: 'verified' }],
    ['10-244-1-5.default.pod.cluster.local.', 'A', 'NXDOMAIN', [], { pods: 'verified' }],
    ['10-244-1-5.prod.pod.cluster.local.', 'A', 'NXDOMAIN', [], { pods: 'disabled' }],
    ['not-an-ip.prod.pod.cluster.local.', 'A', 'NXDOMAIN', []],
    ['10-244-1-5.nope.pod.cluster.local.', 'A', 'NXDOMAIN', []],
    // NXDOMAIN vs NODATA.
    ['cluster.local.', 'A', 'NOERROR', []],
    ['svc.cluster.local.', 'A', 'NOERROR', []],
    ['pod.cluster.local.', 'A', 'NOERROR', []],
    ['prod.svc.cluster.local.', 'A', 'NOERROR', []],
    ['nope.svc.cluster.local.', 'A', 'NXDOMAIN', []],
    ['nope.prod.svc.cluster.local.', 'A', 'NXDOMAIN', []],
    ['web.nope.svc.cluster.local.', 'A', 'NXDOMAIN', []],
    ['foo.cluster.local.', 'A', 'NXDOMAIN', []],
    ['a.b.c.web.prod.svc.cluster.local.', 'A', 'NXDOMAIN', []],
    ['web.prod.svc.cluster.local.', 'MX', 'NOERROR', []],
    ['nope.prod.svc.cluster.local.', 'MX', 'NXDOMAIN', []],
    // `namespaces`: only those are exposed.
    ['web.prod.svc.cluster.local.', 'A', 'NXDOMAIN', [], { namespaces: ['default'] }],
    // fallthrough: NXDOMAIN goes to the next plugin; answers and NODATA do not.
    ['nope.prod.svc.cluster.local.', 'A', 'NEXT', [], { fallthrough: [] }],
    ['web.prod.svc.cluster.local.', 'AAAA', 'NOERROR', [], { fallthrough: [] }],
    // Other zones are not this plugin's.
    ['example.com.', 'A', 'NEXT', []],
    // Zone apex: SOA and NS (ns.dns.<zone> at the kube-dns address).
    ['ns.dns.cluster.local.', 'A', 'NOERROR', ['ns.dns.cluster.local. 5 A 10.96.0.10']],
    ['cluster.local.', 'NS', 'NOERROR', ['cluster.local. 5 NS ns.dns.cluster.local.']],
  ];
  for (const [name, type, rcode, answers, over] of table) {
    it(`${type} ${name}${over ? ` ${JSON.stringify(over)}` : ''} -> ${rcode} ${answers.length}`, () => {
      const r = ask(name, type, over);
      expect(r.rcode).toBe(rcode);
      expect([...r.answers].sort()).toEqual([...answers].sort());
    });
  }

  it('negative answers carry the zone SOA in Authority, CoreDNS values', () => {
    const nx = resolveKubernetes({ state, config: kubeConfig({ ttl: 30 }), nsAddresses: [] }, { name: 'nope.prod.svc.cluster.local.', type: 'A' }).result;
    if (!isReply(nx)) throw new Error('no reply');
    expect(nx.rcode).toBe('NXDOMAIN');
    expect(nx.authoritative).toBe(true);
    expect(nx.authorities.map(fmt)).toEqual(['cluster.local. 30 SOA ns.dns.cluster.local. hostmaster.cluster.local. 7200 1800 86400 30']);
    expect(ask('web.prod.svc.cluster.local.', 'AAAA').authority).toEqual(['SOA']);
    expect(ask('cluster.local.', 'SOA').answers[0]).toMatch(/^cluster\.local\. 5 SOA ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. /);
  });

  it('SRV answers list the targets A records in Additional', () => {
    expect(ask('_http._tcp.web.prod.svc.cluster.local.', 'SRV').extra).toEqual(['web.prod.svc.cluster.local. 5 A 10.96.0.20']);
    expect(ask('_mysql._tcp.db.prod.svc.cluster.local.', 'SRV').extra).toContain('db-1.db.prod.svc.cluster.local. 5 A 10.244.2.6');
  });

  it('an ExternalName outside the zones is chased by the server', () => {
    expect(ask('ext.prod.svc.cluster.local.', 'A').chase).toBe('www.example.com.');
    expect(ask('alias.prod.svc.cluster.local.', 'A').chase).toBeUndefined();
  });

  it('state changes show at once: a deleted Service is NXDOMAIN, a new slice answers', () => {
    const s = cluster();
    const k = { state: s, config: kubeConfig(), nsAddresses: [] };
    s.deleteService('prod', 'web');
    const r1 = resolveKubernetes(k, { name: 'web.prod.svc.cluster.local.', type: 'A' }).result;
    expect(isReply(r1) && r1.rcode).toBe('NXDOMAIN');
    s.upsertSlice({ metadata: { namespace: 'prod', name: 'empty-1', labels: { 'kubernetes.io/service-name': 'empty' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.244.4.4'] }], ports: [] });
    const r2 = resolveKubernetes(k, { name: 'empty.prod.svc.cluster.local.', type: 'A' }).result;
    expect(isReply(r2) && r2.answers.map(fmt)).toEqual(['empty.prod.svc.cluster.local. 5 A 10.244.4.4']);
    s.deleteSlice('prod', 'empty-1');
    const r3 = resolveKubernetes(k, { name: 'empty.prod.svc.cluster.local.', type: 'A' }).result;
    expect(isReply(r3) && r3.rcode).toBe('NXDOMAIN');
    const r4 = resolveKubernetes(k, { name: '4.4.244.10.in-addr.arpa.', type: 'PTR' }).result;
    expect(isReply(r4) && r4.rcode).toBe('NXDOMAIN');
  });
});
