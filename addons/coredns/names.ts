/** Domain name helpers (lower-case FQDNs with the trailing dot, as CoreDNS compares them). */

/** `Web.Default` -> `web.default.`; `.` stays `.`. */
export function fqdn(name: string): string {
  const n = name.toLowerCase();
  if (n === '' || n === '.') return '.';
  return n.endsWith('.') ? n : `${n}.`;
}

/** Whether `name` is `zone` or below it (both FQDNs). */
export function inZone(name: string, zone: string): boolean {
  return zone === '.' || name === zone || name.endsWith(`.${zone}`);
}

/** The longest of `zones` that holds `name` (plugin.Zones.Matches), or undefined. */
export function matchZone(zones: readonly string[], name: string): string | undefined {
  let best: string | undefined;
  for (const z of zones) if (inZone(name, z) && (best === undefined || z.length > best.length)) best = z;
  return best;
}

/** The labels of `name` left of `zone` (`a.b.cluster.local.` in `cluster.local.` -> ['a', 'b']). */
export function labelsBelow(name: string, zone: string): string[] {
  if (name === zone) return [];
  const base = zone === '.' ? name.slice(0, -1) : name.slice(0, name.length - zone.length - 1);
  return base === '' ? [] : base.split('.');
}

/** `10.0.3.1` -> `1.3.0.10.in-addr.arpa.` */
export function reverseName(ip: string): string {
  if (ip.includes(':')) {
    const full = expandIPv6(ip);
    return `${full.replace(/:/g, '').split('').reverse().join('.')}.ip6.arpa.`;
  }
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa.`;
}

/** The address a full reverse name stands for (`1.3.0.10.in-addr.arpa.` -> `10.0.3.1`), or undefined. */
export function addressFromReverse(name: string): string | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa\.$/.exec(name);
  if (v4) {
    const o = [v4[4], v4[3], v4[2], v4[1]].map(Number);
    if (o.some((x) => x > 255)) return undefined;
    return o.join('.');
  }
  const v6 = /^((?:[0-9a-f]\.){32})ip6\.arpa\.$/.exec(name);
  if (v6) {
    const hex = v6[1]!.split('.').filter(Boolean).reverse().join('');
    const groups = hex.match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, ''));
    return compressIPv6(groups.join(':'));
  }
  return undefined;
}

export function isReverse(name: string): boolean {
  return name.endsWith('.in-addr.arpa.') || name.endsWith('.ip6.arpa.') || name === 'in-addr.arpa.' || name === 'ip6.arpa.';
}

export function expandIPv6(ip: string): string {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => g.padStart(4, '0')).join(':');
}

/** Canonical short form of a full or partial IPv6 (lower-case, longest zero run as ::). */
export function compressIPv6(ip: string): string {
  const groups = expandIPv6(ip).split(':').map((g) => g.replace(/^0+(?=.)/, ''));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
