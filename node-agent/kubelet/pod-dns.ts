/**
 * A pod's /etc/resolv.conf, as upstream's kubelet decides it (pkg/kubelet/network/dns/dns.go, GetPodDNS)
 * and containerd's CRI writes it (sandbox_run.go, parseDNSOptions). Pure: the host's resolv.conf comes in
 * as text, the events to record go out as data; pod-workers.ts reads the file and writes the result.
 *
 *   dnsPolicy                  base
 *   ClusterFirst ............. nameserver = clusterDNS, search <ns>.svc.<domain> svc.<domain> <domain> + host's,
 *                              options ndots:5; a hostNetwork pod falls back to Default (as upstream);
 *                              no clusterDNS: MissingClusterDNS events and Default
 *   ClusterFirstWithHostNet .. as ClusterFirst, also for hostNetwork pods
 *   Default .................. the host's resolv.conf (--resolv-conf); `--resolv-conf=""`: 127.0.0.1, search .
 *   None ..................... nothing but spec.dnsConfig (the API server requires it)
 * then spec.dnsConfig is appended (duplicates dropped, options by name: the pod's win), then cut to
 * upstream's limits (3 nameservers; 32 search domains, 2048 characters, none over 253) with a
 * DNSConfigForming event naming what was applied.
 */
import { MAX_DNS_NAMESERVERS, MAX_DNS_SEARCH_LIST_CHARS, MAX_DNS_SEARCH_PATHS } from '../../api/strategies/pod.js';
import { ipFamilyOf } from '../../api/strategies/validation.js';
import type { Pod } from './types.js';

// Upstream's limits are the API's validation constants (MaxDNSNameservers, MaxDNSSearchPaths, MaxDNSSearchListChars).
export { MAX_DNS_NAMESERVERS, MAX_DNS_SEARCH_LIST_CHARS, MAX_DNS_SEARCH_PATHS };
/** A search domain longer than a DNS-1123 subdomain is dropped (glibc aborts on one over 255). */
const DNS1123_SUBDOMAIN_MAX = 253;
const DEFAULT_DNS_OPTIONS = ['ndots:5'];

/** The kubelet's DNS settings: --cluster-dns, --cluster-domain, --resolv-conf (a path; '' = none). */
export interface KubeletDnsSettings {
  clusterDNS: string[];
  clusterDomain: string;
  resolvConf: string;
  /** The node's IPs (--node-ip): with `--resolv-conf=""` a Default pod gets the loopback of their family. */
  nodeIPs: string[];
}

/** --cluster-dns as upstream's NewMainKubelet takes it: the entries that are IPs; the others are logged (`Invalid clusterDNS IP`) and skipped. */
export function parseClusterDNS(entries: string[]): { ips: string[]; invalid: string[] } {
  const ips: string[] = [];
  const invalid: string[] = [];
  for (const e of entries) (ipFamilyOf(e) ? ips : invalid).push(e);
  return { ips, invalid };
}

/** What the runtime's DNSConfig holds (CRI runtime.v1.DNSConfig). */
export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface DnsEvent {
  /** `pod`: the pod's event; `node`: the node's. */
  on: 'pod' | 'node';
  type: 'Warning';
  reason: 'MissingClusterDNS' | 'DNSConfigForming';
  message: string;
}

/** The host's resolv.conf as read from --resolv-conf: its text, or the error reading it (`open ...: no such file or directory`). */
export type HostResolvConf = { text: string } | { error: string };

export type PodDnsResult = { ok: true; config: DnsConfig; resolvConf: string; events: DnsEvent[] } | { ok: false; error: string; events: DnsEvent[] };

/**
 * resolv.conf's lines as upstream's parseResolvConf reads them: `nameserver` lines accumulate, the last
 * `search` and `options` lines win, comments are skipped, a search domain's trailing dot is dropped; a
 * `nameserver` line without an address is an error.
 */
export function parseResolvConf(text: string): { nameservers: string[]; searches: string[]; options: string[]; errors: string[] } {
  const nameservers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  const errors: string[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/).filter((f) => f !== '');
    if (fields.length === 0) continue;
    if (fields[0] === 'nameserver') {
      if (fields.length >= 2) nameservers.push(fields[1]!);
      else errors.push('nameserver list is empty ');
    }
    if (fields[0] === 'search') searches = fields.slice(1).map((s) => (s.endsWith('.') ? s.slice(0, -1) : s));
    if (fields[0] === 'options') options = fields.slice(1);
  }
  return { nameservers, searches, options, errors };
}

function omitDuplicates(list: string[]): string[] {
  return [...new Set(list)];
}

/** spec.dnsConfig.options over the base's, by name (`name` or `name:value`); first-seen order kept. */
export function mergeDnsOptions(existing: string[], podOptions: { name?: string; value?: string }[]): string[] {
  const byName = new Map<string, string>();
  for (const op of existing) {
    const i = op.indexOf(':');
    if (i === -1) byName.set(op, '');
    else byName.set(op.slice(0, i), op.slice(i + 1));
  }
  for (const op of podOptions) byName.set(op.name ?? '', op.value ?? '');
  return [...byName].map(([name, value]) => (value !== '' ? `${name}:${value}` : name));
}

/** `name_namespace(uid)`: upstream's format.Pod, as its events print a pod. */
export function formatPod(pod: Pod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
}

type PodDnsType = 'cluster' | 'host' | 'none';

/** getPodDNSType: ClusterFirst on the host network is Default; an unknown policy is ClusterFirst (the API refuses one). */
export function podDnsType(pod: Pod): PodDnsType {
  switch (pod.spec.dnsPolicy) {
    case 'None':
      return 'none';
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    case 'Default':
      return 'host';
    case 'ClusterFirst':
    case undefined:
      return pod.spec.hostNetwork === true ? 'host' : 'cluster';
    default:
      return 'cluster';
  }
}

function fitNameservers(servers: string[], events: DnsEvent[]): string[] {
  if (servers.length <= MAX_DNS_NAMESERVERS) return servers;
  const applied = servers.slice(0, MAX_DNS_NAMESERVERS);
  events.push({ on: 'pod', type: 'Warning', reason: 'DNSConfigForming', message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${applied.join(' ')}` });
  return applied;
}

function fitSearches(searches: string[], events: DnsEvent[]): string[] {
  let exceeded = false;
  let s = searches;
  if (s.length > MAX_DNS_SEARCH_PATHS) {
    s = s.slice(0, MAX_DNS_SEARCH_PATHS);
    exceeded = true;
  }
  const kept = s.filter((d) => d.length <= DNS1123_SUBDOMAIN_MAX);
  if (kept.length !== s.length) exceeded = true;
  s = kept;
  const lineLen = s.join(' ').length;
  if (lineLen > MAX_DNS_SEARCH_LIST_CHARS) {
    // Drop domains from the end until the line fits (upstream's loop, which cuts at least one).
    let cutNum = 0;
    let cutLen = 0;
    for (let i = s.length - 1; i >= 0; i--) {
      cutLen += s[i]!.length + 1;
      cutNum++;
      if (lineLen - cutLen <= MAX_DNS_SEARCH_LIST_CHARS) break;
    }
    s = s.slice(0, s.length - cutNum);
    exceeded = true;
  }
  if (exceeded) {
    events.push({ on: 'pod', type: 'Warning', reason: 'DNSConfigForming', message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${s.join(' ')}` });
  }
  return s;
}

/** The pod's DNSConfig (upstream's GetPodDNS). An error is the sandbox's: the pod does not start. */
export function podDnsConfig(pod: Pod, kubelet: KubeletDnsSettings, host: HostResolvConf | undefined): { config: DnsConfig; events: DnsEvent[] } | { error: string; events: DnsEvent[] } {
  const events: DnsEvent[] = [];
  let config: DnsConfig = { servers: [], searches: [], options: [] };
  // The host's resolv.conf is read (and must parse) whatever the policy, as upstream's getHostDNSConfig.
  if (kubelet.resolvConf !== '') {
    if (!host) return { error: `open ${kubelet.resolvConf}: no such file or directory`, events };
    if ('error' in host) return { error: host.error, events };
    const parsed = parseResolvConf(host.text);
    if (parsed.errors.length) return { error: parsed.errors.length === 1 ? parsed.errors[0]! : `[${parsed.errors.join(', ')}]`, events };
    config = { servers: parsed.nameservers, searches: parsed.searches, options: parsed.options };
  }
  let type = podDnsType(pod);
  if (type === 'none') config = { servers: [], searches: [], options: [] };
  if (type === 'cluster') {
    if (kubelet.clusterDNS.length) {
      config.servers = [...kubelet.clusterDNS];
      if (kubelet.clusterDomain !== '') {
        const d = kubelet.clusterDomain;
        config.searches = omitDuplicates([`${pod.metadata.namespace}.svc.${d}`, `svc.${d}`, d, ...config.searches]);
      }
      config.options = [...DEFAULT_DNS_OPTIONS];
    } else {
      const msg = 'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.';
      events.push({ on: 'node', type: 'Warning', reason: 'MissingClusterDNS', message: msg });
      events.push({ on: 'pod', type: 'Warning', reason: 'MissingClusterDNS', message: `pod: "${formatPod(pod)}". ${msg}` });
      type = 'host';
    }
  }
  if (type === 'host' && kubelet.resolvConf === '') {
    // No resolv.conf to start from: the local machine's nameserver, and no search (bind's behaviour).
    const servers = kubelet.nodeIPs.map((ip) => (ip.includes(':') ? '::1' : '127.0.0.1'));
    config.servers = [...config.servers, ...(servers.length ? servers : ['127.0.0.1'])];
    config.searches = ['.'];
  }
  const dc = pod.spec.dnsConfig;
  if (dc) {
    config = {
      servers: omitDuplicates([...config.servers, ...(dc.nameservers ?? [])]),
      searches: omitDuplicates([...config.searches, ...(dc.searches ?? [])]),
      options: mergeDnsOptions(config.options, dc.options ?? []),
    };
  }
  config.servers = fitNameservers(config.servers, events);
  config.searches = fitSearches(config.searches, events);
  return { config, events };
}

/**
 * The file containerd's CRI writes from a DNSConfig (parseDNSOptions): `search`, `nameserver` lines,
 * `options`; an empty DNSConfig leaves the host's resolv.conf (containerd copies the host's file).
 */
export function renderResolvConf(config: DnsConfig, hostText: string | undefined): string {
  let out = '';
  if (config.searches.length) out += `search ${config.searches.join(' ')}\n`;
  for (const s of config.servers) out += `nameserver ${s}\n`;
  if (config.options.length) out += `options ${config.options.join(' ')}\n`;
  return out === '' ? (hostText ?? '') : out;
}

/** podDnsConfig, rendered: the pod's /etc/resolv.conf text, or why its sandbox cannot be made. */
export function podResolvConf(pod: Pod, kubelet: KubeletDnsSettings, host: HostResolvConf | undefined): PodDnsResult {
  const r = podDnsConfig(pod, kubelet, host);
  if ('error' in r) return { ok: false, error: r.error, events: r.events };
  return { ok: true, config: r.config, resolvConf: renderResolvConf(r.config, host && 'text' in host ? host.text : undefined), events: r.events };
}
