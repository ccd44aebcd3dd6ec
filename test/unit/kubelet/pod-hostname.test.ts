/**
 * A pod's hostname, domain, UTS hostname and /etc/hosts (node-agent/kubelet/pod-hostname.ts), with
 * upstream's cases (kubelet_pods_test.go: TestManagedHostsFileContent, TestNodeHostsFileContent,
 * TestTruncatePodHostname, TestGeneratePodHostNameAndDomain; util_test.go: TestGetNodenameForKernel).
 */
import { describe, expect, it } from 'vitest';
import {
  hostNetworkHostsFile, kernelHostname, managedHostsFile, podHostnameAndDomain, podHostsFile, podNames, truncatePodHostname,
} from '../../../node-agent/kubelet/pod-hostname.js';
import type { Pod } from '../../../node-agent/kubelet/types.js';

function pod(spec: Partial<Pod['spec']> = {}, name = 'web-0'): Pod {
  return { metadata: { name, namespace: 'prod', uid: 'u' }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } };
}

const LOCAL = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';

describe('managedHostsFile (upstream TestManagedHostsFileContent)', () => {
  it.each([
    ['hostname only', ['123.45.67.89'], 'podFoo', '', undefined, `# Kubernetes-managed hosts file.\n${LOCAL}123.45.67.89\tpodFoo\n`],
    ['with a domain', ['203.0.113.1'], 'podFoo', 'domainFoo', undefined, `# Kubernetes-managed hosts file.\n${LOCAL}203.0.113.1\tpodFoo.domainFoo\tpodFoo\n`],
    ['hostAliases, one line per IP', ['203.0.113.1'], 'podFoo', 'domainFoo', [{ ip: '123.45.67.89', hostnames: ['foo', 'bar', 'baz'] }, { ip: '456.78.90.123', hostnames: ['park', 'doo', 'boo'] }],
      `# Kubernetes-managed hosts file.\n${LOCAL}203.0.113.1\tpodFoo.domainFoo\tpodFoo\n\n# Entries added by HostAliases.\n123.45.67.89\tfoo\tbar\tbaz\n456.78.90.123\tpark\tdoo\tboo\n`],
    ['two pod IPs (dual stack)', ['203.0.113.1', 'fd00::6'], 'podFoo', 'domainFoo', undefined,
      `# Kubernetes-managed hosts file.\n${LOCAL}203.0.113.1\tpodFoo.domainFoo\tpodFoo\nfd00::6\tpodFoo.domainFoo\tpodFoo\n`],
  ])('%s', (_n, ips, hostname, domain, aliases, want) => {
    expect(managedHostsFile(ips, hostname, domain, aliases)).toBe(want);
  });
});

describe('hostNetworkHostsFile (upstream TestNodeHostsFileContent)', () => {
  it('the node\'s file under its own header, then hostAliases', () => {
    const node = '# hosts file for testing.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n123.45.67.89\tsome.domain\n';
    expect(hostNetworkHostsFile(node, undefined)).toBe(`# Kubernetes-managed hosts file (host network).\n${node}`);
    expect(hostNetworkHostsFile(node, [{ ip: '1.2.3.4', hostnames: ['a', 'b'] }])).toBe(`# Kubernetes-managed hosts file (host network).\n${node}\n# Entries added by HostAliases.\n1.2.3.4\ta\tb\n`);
  });

  it('podHostsFile picks the node\'s file for a host-network pod, the managed one otherwise', () => {
    const x = { podIPs: ['10.244.1.5'], hostname: 'web-0', domain: 'db.prod.svc.cluster.local', nodeHosts: '127.0.0.1\tlocalhost\n' };
    expect(podHostsFile(pod({ hostNetwork: true }), x)).toBe('# Kubernetes-managed hosts file (host network).\n127.0.0.1\tlocalhost\n');
    expect(podHostsFile(pod(), x)).toBe(`# Kubernetes-managed hosts file.\n${LOCAL}10.244.1.5\tweb-0.db.prod.svc.cluster.local\tweb-0\n`);
  });
});

describe('hostname and domain (upstream GeneratePodHostNameAndDomain, truncatePodHostnameIfNeeded)', () => {
  it.each<[string, Partial<Pod['spec']>, string, { hostname: string; domain: string } | string]>([
    ['the pod name', {}, 'web-0', { hostname: 'web-0', domain: '' }],
    ['spec.hostname', { hostname: 'h1' }, 'web-0', { hostname: 'h1', domain: '' }],
    ['spec.subdomain: <subdomain>.<ns>.svc.<domain>', { hostname: 'h1', subdomain: 'db' }, 'web-0', { hostname: 'h1', domain: 'db.prod.svc.cluster.local' }],
    ['a name over 63 characters is cut, no trailing - or .', {}, `${'a'.repeat(61)}-.-b`, { hostname: 'a'.repeat(61), domain: '' }],
    ['63 characters are kept', {}, 'a'.repeat(63), { hostname: 'a'.repeat(63), domain: '' }],
    ['an invalid spec.hostname (the API refuses it; the kubelet checks again)', { hostname: 'Bad_Name' }, 'web-0', 'pod Hostname "Bad_Name" is not a valid DNS label: '],
    ['an invalid spec.subdomain', { subdomain: 'a.b' }, 'web-0', 'pod Subdomain "a.b" is not a valid DNS label: '],
  ])('%s', (_n, spec, name, want) => {
    const r = podHostnameAndDomain(pod(spec, name), 'cluster.local');
    if (typeof want === 'string') {
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error.startsWith(want)).toBe(true);
    } else expect(r).toEqual({ ok: true, value: want });
  });

  it('truncation that leaves nothing is an error', () => {
    expect(truncatePodHostname('p', '-'.repeat(70))).toEqual({ ok: false, error: `hostname for pod "p" was invalid: "${'-'.repeat(70)}"` });
  });
});

describe('kernelHostname (upstream GetNodenameForKernel)', () => {
  it.each<[string, string, string, boolean | undefined, string | RegExp]>([
    ['no domain', 'test.pod.hostname', '', true, 'test.pod.hostname'],
    ['setHostnameAsFQDN unset', 'test.pod.hostname', 'test.pod.domain', undefined, 'test.pod.hostname'],
    ['setHostnameAsFQDN false', 'test.pod.hostname', 'test.pod.domain', false, 'test.pod.hostname'],
    ['setHostnameAsFQDN true', 'test.pod.hostname', 'test.pod.domain', true, 'test.pod.hostname.test.pod.domain'],
    ['an FQDN of 64 characters fits', 'a'.repeat(20), 'b'.repeat(43), true, `${'a'.repeat(20)}.${'b'.repeat(43)}`],
    ['an FQDN over 64 characters is an error', 'a'.repeat(20), 'b'.repeat(44), true,
      /^failed to construct FQDN from pod hostname and cluster domain, FQDN a+\.b+ is too long \(64 characters is the max, 65 characters requested\)$/],
  ])('%s', (_n, hostname, domain, fqdn, want) => {
    const r = kernelHostname(hostname, domain, fqdn);
    if (typeof want === 'string') expect(r).toEqual({ ok: true, value: want });
    else expect(!r.ok && r.error).toMatch(want);
  });
});

describe('podNames: the UTS hostname of the sandbox', () => {
  it.each<[string, Partial<Pod['spec']>, string | { error: RegExp }]>([
    ['the hostname', { hostname: 'h1', subdomain: 'db' }, 'h1'],
    ['the FQDN with setHostnameAsFQDN', { hostname: 'h1', subdomain: 'db', setHostnameAsFQDN: true }, 'h1.db.prod.svc.cluster.local'],
    ['a host-network pod: the node\'s name', { hostNetwork: true, hostname: 'h1' }, 'node01'],
    ['a too long FQDN fails the sandbox', { subdomain: 's'.repeat(40), setHostnameAsFQDN: true }, { error: /FQDN .* is too long/ }],
  ])('%s', (_n, spec, want) => {
    const r = podNames(pod(spec), 'cluster.local', 'node01');
    if (typeof want === 'string') expect(r.ok && r.value.uts).toBe(want);
    else expect(!r.ok && r.error).toMatch(want.error);
  });
});
