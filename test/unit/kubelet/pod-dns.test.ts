/**
 * A pod's /etc/resolv.conf (node-agent/kubelet/pod-dns.ts), table by table, with upstream's cases
 * (pkg/kubelet/network/dns/dns_test.go): parsing the host's file, the policy each pod gets, the cluster
 * search path, dnsConfig merging, the limits and their events, MissingClusterDNS, the rendered file.
 */
import { describe, expect, it } from 'vitest';
import {
  formatPod, MAX_DNS_SEARCH_LIST_CHARS, mergeDnsOptions, parseClusterDNS, parseResolvConf, podDnsConfig, podDnsType, podResolvConf, renderResolvConf,
  type KubeletDnsSettings,
} from '../../../node-agent/kubelet/pod-dns.js';
import type { Pod } from '../../../node-agent/kubelet/types.js';

const UID = '11111111-2222-3333-4444-555555555555';

function pod(spec: Partial<Pod['spec']> = {}, ns = 'prod'): Pod {
  return { metadata: { name: 'web', namespace: ns, uid: UID }, spec: { containers: [{ name: 'c', image: 'busybox' }], dnsPolicy: 'ClusterFirst', ...spec } };
}

const KUBELET: KubeletDnsSettings = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', resolvConf: '/etc/resolv.conf', nodeIPs: ['192.168.56.21'] };
const HOST = { text: 'nameserver 192.168.56.1\nnameserver 192.168.56.2\nsearch lab.example corp.example\noptions timeout:2\n' };

describe('parseResolvConf (upstream TestParseResolvConf)', () => {
  it.each([
    ['', [], [], [], false],
    [' ', [], [], [], false],
    ['\t\n\t', [], [], [], false],
    ['#comment\n', [], [], [], false],
    [' #comment\n', [], [], [], false],
    ['#comment\nnameserver', [], [], [], true],
    ['#comment\nnameserver 1.2.3.4\nsearch', ['1.2.3.4'], [], [], false],
    ['\tnameserver 1.2.3.4', ['1.2.3.4'], [], [], false],
    ['nameserver \t 1.2.3.4', ['1.2.3.4'], [], [], false],
    ['nameserver 1.2.3.4\nnameserver 5.6.7.8', ['1.2.3.4', '5.6.7.8'], [], [], false],
    ['nameserver 1.2.3.4 #comment', ['1.2.3.4'], [], [], false],
    ['search foo bar bat\n', [], ['foo', 'bar', 'bat'], [], false],
    ['search foo\nsearch bar', [], ['bar'], [], false],
    ['search foo. bar.', [], ['foo', 'bar'], [], false],
    ['nameserver 1.2.3.4\nsearch foo\nnameserver 5.6.7.8\nsearch bar', ['1.2.3.4', '5.6.7.8'], ['bar'], [], false],
    ['options ndots:5 attempts:2', [], [], ['ndots:5', 'attempts:2'], false],
    ['options ndots:1\noptions ndots:5 attempts:3', [], [], ['ndots:5', 'attempts:3'], false],
  ])('%j', (text, nameservers, searches, options, isErr) => {
    const r = parseResolvConf(text);
    expect(r.errors.length > 0).toBe(isErr);
    if (!isErr) expect({ nameservers: r.nameservers, searches: r.searches, options: r.options }).toEqual({ nameservers, searches, options });
  });
});

describe('parseClusterDNS (upstream NewMainKubelet)', () => {
  it('keeps the IPs, sets the others aside to be logged', () => {
    expect(parseClusterDNS(['10.96.0.10', 'fd00::a', 'dns.example', '10.96.0.10\nnameserver 8.8.8.8', ''])).toEqual({ ips: ['10.96.0.10', 'fd00::a'], invalid: ['dns.example', '10.96.0.10\nnameserver 8.8.8.8', ''] });
  });
});

describe('podDnsType (upstream TestGetPodDNSType)', () => {
  it.each([
    ['ClusterFirst', false, 'cluster'],
    ['ClusterFirstWithHostNet', true, 'cluster'],
    ['ClusterFirstWithHostNet', false, 'cluster'],
    ['Default', false, 'host'],
    ['Default', true, 'host'],
    ['ClusterFirst', true, 'host'],
    ['None', false, 'none'],
  ])('%s, hostNetwork %s -> %s', (dnsPolicy, hostNetwork, want) => {
    expect(podDnsType(pod({ dnsPolicy, hostNetwork }))).toBe(want);
  });
});

describe('mergeDnsOptions (upstream TestMergeDNSOptions)', () => {
  it.each([
    ['no pod options', ['ndots:5', 'debug'], [], ['ndots:5', 'debug']],
    ['no duplicates', ['ndots:5', 'debug'], [{ name: 'single-request' }, { name: 'attempts', value: '3' }], ['ndots:5', 'debug', 'single-request', 'attempts:3']],
    ['the pod overwrites duplicates', ['ndots:5', 'debug'], [{ name: 'ndots', value: '3' }, { name: 'debug' }, { name: 'single-request' }, { name: 'attempts', value: '3' }], ['ndots:3', 'debug', 'single-request', 'attempts:3']],
  ])('%s', (_n, existing, podOpts, want) => {
    expect(mergeDnsOptions(existing, podOpts)).toEqual(want);
  });
});

describe('podResolvConf', () => {
  it.each<[string, Partial<Pod['spec']>, Partial<KubeletDnsSettings>, string]>([
    ['ClusterFirst: cluster DNS only, the cluster search path before the host\'s, ndots:5', {}, {},
      'search prod.svc.cluster.local svc.cluster.local cluster.local lab.example corp.example\nnameserver 10.96.0.10\noptions ndots:5\n'],
    ['ClusterFirstWithHostNet on the host network: as ClusterFirst', { dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true }, {},
      'search prod.svc.cluster.local svc.cluster.local cluster.local lab.example corp.example\nnameserver 10.96.0.10\noptions ndots:5\n'],
    ['ClusterFirst on the host network falls back to Default: the host\'s file', { hostNetwork: true }, {},
      'search lab.example corp.example\nnameserver 192.168.56.1\nnameserver 192.168.56.2\noptions timeout:2\n'],
    ['Default: the host\'s file', { dnsPolicy: 'Default' }, {},
      'search lab.example corp.example\nnameserver 192.168.56.1\nnameserver 192.168.56.2\noptions timeout:2\n'],
    ['Default with --resolv-conf="": the local nameserver and search .', { dnsPolicy: 'Default' }, { resolvConf: '' },
      'search .\nnameserver 127.0.0.1\n'],
    ['Default with --resolv-conf="" on an IPv6 node: ::1', { dnsPolicy: 'Default' }, { resolvConf: '', nodeIPs: ['fd00::21'] },
      'search .\nnameserver ::1\n'],
    ['ClusterFirst without a cluster domain: the host\'s search only', {}, { clusterDomain: '' },
      'search lab.example corp.example\nnameserver 10.96.0.10\noptions ndots:5\n'],
    ['ClusterFirst with several cluster DNS servers', {}, { clusterDNS: ['10.96.0.10', '10.96.0.11'] },
      'search prod.svc.cluster.local svc.cluster.local cluster.local lab.example corp.example\nnameserver 10.96.0.10\nnameserver 10.96.0.11\noptions ndots:5\n'],
    ['None: dnsConfig only', { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['ns1.svc.cluster-domain.example', 'my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }, {},
      'search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 1.2.3.4\noptions ndots:2 edns0\n'],
    ['ClusterFirst + dnsConfig: appended, duplicates dropped, ndots overridden', { dnsConfig: { nameservers: ['10.96.0.10', '9.9.9.9'], searches: ['cluster.local', 'extra.example'], options: [{ name: 'ndots', value: '1' }, { name: 'single-request-reopen' }] } }, {},
      'search prod.svc.cluster.local svc.cluster.local cluster.local lab.example corp.example extra.example\nnameserver 10.96.0.10\nnameserver 9.9.9.9\noptions ndots:1 single-request-reopen\n'],
    ['Default + dnsConfig', { dnsPolicy: 'Default', dnsConfig: { searches: ['x.example'] } }, {},
      'search lab.example corp.example x.example\nnameserver 192.168.56.1\nnameserver 192.168.56.2\noptions timeout:2\n'],
  ])('%s', (_n, spec, kubelet, want) => {
    const r = podResolvConf(pod(spec), { ...KUBELET, ...kubelet }, HOST);
    expect(r).toMatchObject({ ok: true, resolvConf: want, events: [] });
  });

  it('a host search domain equal to a cluster one is not repeated, trailing dot or not', () => {
    const r = podResolvConf(pod(), KUBELET, { text: 'nameserver 1.1.1.1\nsearch cluster.local. lab.example.\n' });
    expect(r.ok && r.resolvConf).toBe('search prod.svc.cluster.local svc.cluster.local cluster.local lab.example\nnameserver 10.96.0.10\noptions ndots:5\n');
  });

  it('no clusterDNS: MissingClusterDNS on the node and the pod, and the Default policy', () => {
    const r = podResolvConf(pod(), { ...KUBELET, clusterDNS: [] }, HOST);
    const msg = 'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.';
    expect(r).toEqual({
      ok: true,
      config: { servers: ['192.168.56.1', '192.168.56.2'], searches: ['lab.example', 'corp.example'], options: ['timeout:2'] },
      resolvConf: 'search lab.example corp.example\nnameserver 192.168.56.1\nnameserver 192.168.56.2\noptions timeout:2\n',
      events: [
        { on: 'node', type: 'Warning', reason: 'MissingClusterDNS', message: msg },
        { on: 'pod', type: 'Warning', reason: 'MissingClusterDNS', message: `pod: "web_prod(${UID})". ${msg}` },
      ],
    });
    expect(formatPod(pod())).toBe(`web_prod(${UID})`);
  });

  it('no clusterDNS and no --resolv-conf: 127.0.0.1 (upstream TestGetPodDNS)', () => {
    const r = podResolvConf(pod(), { ...KUBELET, clusterDNS: [], resolvConf: '' }, undefined);
    expect(r.ok && r.resolvConf).toBe('search .\nnameserver 127.0.0.1\n');
    expect(r.events.map((e) => `${e.on} ${e.reason}`)).toEqual(['node MissingClusterDNS', 'pod MissingClusterDNS']);
  });

  it('more than 3 nameservers: the first 3 and a DNSConfigForming event', () => {
    const r = podResolvConf(pod({ dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3'] } }), KUBELET, HOST);
    expect(r.ok && r.config.servers).toEqual(['10.96.0.10', '1.1.1.1', '2.2.2.2']);
    expect(r.events).toEqual([{ on: 'pod', type: 'Warning', reason: 'DNSConfigForming', message: 'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.96.0.10 1.1.1.1 2.2.2.2' }]);
  });

  it('a search domain over 253 characters is omitted, with the event (upstream TestFormDNSSearchFitsLimits)', () => {
    const long = 'B'.repeat(256);
    const r = podResolvConf(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['testNS.svc.TEST', 'svc.TEST', 'TEST', 'AAA', long, 'BBB'] } }), KUBELET, HOST);
    expect(r.ok && r.config.searches).toEqual(['testNS.svc.TEST', 'svc.TEST', 'TEST', 'AAA', 'BBB']);
    expect(r.events[0]?.message).toBe('Search Line limits were exceeded, some search paths have been omitted, the applied search line is: testNS.svc.TEST svc.TEST TEST AAA BBB');
  });

  it('more than 32 search domains: the first 32 and the event', () => {
    const host = { text: `nameserver 1.1.1.1\nsearch ${Array.from({ length: 40 }, (_, i) => `d${i}.example`).join(' ')}\n` };
    const r = podResolvConf(pod(), KUBELET, host);
    expect(r.ok && r.config.searches).toHaveLength(32);
    expect(r.ok && r.config.searches.slice(0, 4)).toEqual(['prod.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'd0.example']);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]!.message).toMatch(/^Search Line limits were exceeded, some search paths have been omitted, the applied search line is: prod\.svc\.cluster\.local .* d28\.example$/);
  });

  it('a search line over 2048 characters: domains cut from the end until it fits', () => {
    const d = (i: number) => `${String(i).padStart(2, '0')}${'x'.repeat(98)}.example`; // 108 characters each
    const r = podResolvConf(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: Array.from({ length: 25 }, (_, i) => d(i)) } }), KUBELET, HOST);
    const kept = r.ok ? r.config.searches : [];
    expect(kept.join(' ').length).toBeLessThanOrEqual(MAX_DNS_SEARCH_LIST_CHARS);
    expect(kept).toEqual(Array.from({ length: 18 }, (_, i) => d(i))); // 18 * 109 - 1 = 1961; 19 would be 2070
    expect(r.events.map((e) => e.reason)).toEqual(['DNSConfigForming']);
  });

  it.each([
    ['an unreadable --resolv-conf', { error: 'open /etc/resolv.conf: no such file or directory' }, 'open /etc/resolv.conf: no such file or directory'],
    ['a nameserver line without an address', { text: 'nameserver\n' }, 'nameserver list is empty '],
  ])('%s fails the sandbox, whatever the policy', (_n, host, error) => {
    for (const dnsPolicy of ['ClusterFirst', 'Default', 'None']) {
      expect(podResolvConf(pod({ dnsPolicy, dnsConfig: { nameservers: ['1.1.1.1'] } }), KUBELET, host)).toEqual({ ok: false, error, events: [] });
    }
  });

  it('containerd\'s rendering: search, nameservers, options; an empty config keeps the host\'s file', () => {
    expect(renderResolvConf({ servers: ['1.1.1.1', '2.2.2.2'], searches: ['a', 'b'], options: ['ndots:5', 'edns0'] }, 'x')).toBe('search a b\nnameserver 1.1.1.1\nnameserver 2.2.2.2\noptions ndots:5 edns0\n');
    expect(renderResolvConf({ servers: [], searches: [], options: [] }, '# host\nnameserver 9.9.9.9\n')).toBe('# host\nnameserver 9.9.9.9\n');
    const empty = podDnsConfig(pod({ dnsPolicy: 'Default' }), KUBELET, { text: '# nothing\n' });
    expect(empty).toEqual({ config: { servers: [], searches: [], options: [] }, events: [] });
  });
});
