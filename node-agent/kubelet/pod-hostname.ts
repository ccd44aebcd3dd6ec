/**
 * A pod's hostname, domain and /etc/hosts, as upstream's kubelet makes them (pkg/kubelet/kubelet_pods.go:
 * GeneratePodHostNameAndDomain, truncatePodHostnameIfNeeded, managedHostsFileContent, nodeHostsFileContent,
 * hostsEntriesFromHostAliases; pkg/kubelet/util: GetNodenameForKernel). Pure: no I/O.
 *
 *   hostname  spec.hostname, else the pod's name, cut to 63 characters (no trailing '-' or '.')
 *   domain    <subdomain>.<namespace>.svc.<cluster domain> when spec.subdomain is set
 *   kernel    the UTS hostname: <hostname>.<domain> with setHostnameAsFQDN (at most 64 characters), else hostname
 *   hosts     managed: localhost lines, `<podIP>\t<hostname>.<domain>\t<hostname>` (or `<podIP>\t<hostname>`),
 *             hostAliases; host network: the node's /etc/hosts under its own header, then hostAliases
 */
import { isDNS1123Label } from '../../api/strategies/validation.js';
import type { Pod } from './types.js';

export const MANAGED_HOSTS_HEADER = '# Kubernetes-managed hosts file.\n';
export const MANAGED_HOSTS_HEADER_HOST_NETWORK = '# Kubernetes-managed hosts file (host network).\n';
const HOSTNAME_MAX = 63;
const FQDN_MAX = 64;

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

/** truncatePodHostnameIfNeeded: at most 63 characters, not ending in '-' or '.'. */
export function truncatePodHostname(podName: string, hostname: string): Result<string> {
  if (hostname.length <= HOSTNAME_MAX) return { ok: true, value: hostname };
  const truncated = hostname.slice(0, HOSTNAME_MAX).replace(/[-.]+$/, '');
  if (truncated === '') return { ok: false, error: `hostname for pod "${podName}" was invalid: "${hostname}"` };
  return { ok: true, value: truncated };
}

/** GeneratePodHostNameAndDomain: the pod's hostname and its domain (empty without a subdomain). */
export function podHostnameAndDomain(pod: Pod, clusterDomain: string): Result<{ hostname: string; domain: string }> {
  let hostname = pod.metadata.name;
  const specHostname = pod.spec.hostname ?? '';
  if (specHostname !== '') {
    const msgs = isDNS1123Label(specHostname);
    if (msgs.length) return { ok: false, error: `pod Hostname "${specHostname}" is not a valid DNS label: ${msgs.join(';')}` };
    hostname = specHostname;
  }
  const t = truncatePodHostname(pod.metadata.name, hostname);
  if (!t.ok) return t;
  let domain = '';
  const subdomain = pod.spec.subdomain ?? '';
  if (subdomain !== '') {
    const msgs = isDNS1123Label(subdomain);
    if (msgs.length) return { ok: false, error: `pod Subdomain "${subdomain}" is not a valid DNS label: ${msgs.join(';')}` };
    domain = `${subdomain}.${pod.metadata.namespace}.svc.${clusterDomain}`;
  }
  return { ok: true, value: { hostname: t.value, domain } };
}

/** GetNodenameForKernel: the UTS hostname, the FQDN with setHostnameAsFQDN (and a domain). */
export function kernelHostname(hostname: string, domain: string, setHostnameAsFQDN: boolean | undefined): Result<string> {
  if (domain === '' || setHostnameAsFQDN !== true) return { ok: true, value: hostname };
  const fqdn = `${hostname}.${domain}`;
  if (fqdn.length > FQDN_MAX) {
    return { ok: false, error: `failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (${FQDN_MAX} characters is the max, ${fqdn.length} characters requested)` };
  }
  return { ok: true, value: fqdn };
}

type HostAliases = NonNullable<Pod['spec']['hostAliases']>;

/** hostsEntriesFromHostAliases: a blank line, a comment, then one line per alias (`ip\tname1\tname2`). */
export function hostAliasEntries(aliases: HostAliases | undefined): string {
  if (!aliases?.length) return '';
  let out = '\n# Entries added by HostAliases.\n';
  for (const a of aliases) out += `${a.ip ?? ''}\t${(a.hostnames ?? []).join('\t')}\n`;
  return out;
}

/** managedHostsFileContent: the hosts file of a pod on the pod network. */
export function managedHostsFile(podIPs: string[], hostname: string, domain: string, aliases: HostAliases | undefined): string {
  let out = MANAGED_HOSTS_HEADER;
  out += '127.0.0.1\tlocalhost\n';
  out += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  out += 'fe00::0\tip6-localnet\n';
  out += 'fe00::0\tip6-mcastprefix\n';
  out += 'fe00::1\tip6-allnodes\n';
  out += 'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) out += domain !== '' ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  return out + hostAliasEntries(aliases);
}

/** nodeHostsFileContent: the node's own /etc/hosts for a host-network pod, under a header, plus hostAliases. */
export function hostNetworkHostsFile(nodeHosts: string, aliases: HostAliases | undefined): string {
  return MANAGED_HOSTS_HEADER_HOST_NETWORK + nodeHosts + hostAliasEntries(aliases);
}

/** The pod's /etc/hosts: the node's (host network) or a managed one. */
export function podHostsFile(pod: Pod, x: { podIPs: string[]; hostname: string; domain: string; nodeHosts: string }): string {
  return pod.spec.hostNetwork === true ? hostNetworkHostsFile(x.nodeHosts, pod.spec.hostAliases) : managedHostsFile(x.podIPs, x.hostname, x.domain, pod.spec.hostAliases);
}

/**
 * Everything about a pod's names the kubelet needs before its containers start: the hostname and
 * domain (for /etc/hosts) and the UTS hostname its sandbox gets. A host-network pod shares the node's
 * network, so its UTS hostname is the node's name (see the README: kubelab gives it a UTS namespace
 * of its own set to that name, since the lab's nodes share the machine's).
 */
export function podNames(pod: Pod, clusterDomain: string, nodeName: string): Result<{ hostname: string; domain: string; uts: string }> {
  const hd = podHostnameAndDomain(pod, clusterDomain);
  if (!hd.ok) return hd;
  if (pod.spec.hostNetwork === true) return { ok: true, value: { ...hd.value, uts: nodeName } };
  const k = kernelHostname(hd.value.hostname, hd.value.domain, pod.spec.setHostnameAsFQDN);
  if (!k.ok) return k;
  return { ok: true, value: { ...hd.value, uts: k.value } };
}
