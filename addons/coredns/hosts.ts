/**
 * The hosts plugin: names from a hosts file and inline `IP NAME...` lines (CoreDNS plugin/hosts). Pure lookup over a
 * table built once per configuration. A name it does not know falls through with `fallthrough`, else SERVFAIL (CoreDNS
 * has no SOA to write an NXDOMAIN with); a known name without records of the type is NODATA.
 */
import { isIP } from 'node:net';
import type { HostsConfig } from './config.js';
import { fallsThrough } from './kubernetes.js';
import { addressFromReverse, compressIPv6, fqdn, matchZone } from './names.js';
import { NEXT, a, ptr, reply, type DnsQuestion, type PluginResult } from './records.js';

export interface HostsTable {
  byName: Map<string, string[]>;
  byAddr: Map<string, string[]>;
}

/** Parse hosts-file text (`IP NAME [ALIAS...]`, `#` comments) into `into`. */
export function parseHostsText(text: string, into: HostsTable = { byName: new Map(), byAddr: new Map() }): HostsTable {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [ip, ...names] = line.split(/\s+/);
    if (!ip || !names.length) continue;
    addEntry(into, ip, names);
  }
  return into;
}

function addEntry(t: HostsTable, rawIp: string, names: string[]): void {
  const ip = rawIp.split('%')[0]!;
  if (!isIP(ip)) return;
  const norm = ip.includes(':') ? compressIPv6(ip) : ip;
  for (const n of names) {
    const name = fqdn(n);
    const l = t.byName.get(name) ?? [];
    if (!l.includes(norm)) l.push(norm);
    t.byName.set(name, l);
    const r = t.byAddr.get(norm) ?? [];
    if (!r.includes(name)) r.push(name);
    t.byAddr.set(norm, r);
  }
}

/** The table of a configuration: the file's entries (if it could be read), then the inline ones. */
export function hostsTable(c: HostsConfig, fileText: string | undefined): HostsTable {
  const t = parseHostsText(fileText ?? '');
  for (const e of c.inline) addEntry(t, e.ip, e.names);
  return t;
}

export function resolveHosts(c: HostsConfig, t: HostsTable, q: DnsQuestion): PluginResult {
  const zone = matchZone(c.zones, q.name);
  if (!zone && q.type !== 'PTR') return NEXT;
  let answers;
  if (q.type === 'PTR') {
    if (c.noReverse) return NEXT;
    const ip = addressFromReverse(q.name);
    const names = ip ? t.byAddr.get(ip) : undefined;
    if (!names?.length) return NEXT;
    answers = names.map((n) => ptr(q.name, n, c.ttl));
  } else {
    const ips = t.byName.get(q.name) ?? [];
    const fam = q.type === 'A' ? 4 : q.type === 'AAAA' ? 6 : 0;
    answers = ips.filter((ip) => isIP(ip) === fam).map((ip) => a(q.name, ip, c.ttl));
    if (answers.length === 0 && ips.length === 0) {
      if (fallsThrough(c.fallthrough, q.name)) return NEXT;
      return reply('hosts', 'SERVFAIL', [], { authoritative: false });
    }
  }
  return reply('hosts', 'NOERROR', answers);
}
