/**
 * networking.k8s.io/v1 NetworkPolicy: upstream's defaults (pkg/apis/networking/v1/defaults.go), strategy
 * (pkg/registry/networking/networkpolicy) and validation (pkg/apis/networking/validation); the printer is in printers.ts.
 */
import type { StatusCause } from '../errors.js';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, IPBlock, Relaxed } from '../types/index.js';
import { bumpGenerationOnSpecChange } from './strategy.js';
import {
  child,
  fieldErr,
  index,
  isValidPortName,
  isValidPortNum,
  nameIsDNSSubdomain,
  parseIPv4,
  ipFamilyOf,
  validateCIDR,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './validation.js';

type NP = Relaxed<NetworkPolicy>;

export const NETWORK_POLICY_PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export const POLICY_TYPES = ['Ingress', 'Egress'] as const;

/**
 * SetDefaults_NetworkPolicyPort (protocol TCP) and SetDefaults_NetworkPolicy (no policyTypes: Ingress, and
 * Egress when there are egress rules); the spec and its podSelector are always written (no omitempty in Go).
 */
export function defaultNetworkPolicy(np: NP): void {
  const spec = (np.spec ??= {});
  spec.podSelector ??= {};
  const rules = [...(spec.ingress ?? []), ...(spec.egress ?? [])];
  for (const r of rules) for (const p of (r && 'ports' in r ? r.ports : undefined) ?? []) if (p && (p.protocol === undefined || p.protocol === null)) p.protocol = 'TCP';
  if (!spec.policyTypes || spec.policyTypes.length === 0) {
    spec.policyTypes = (spec.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

/** A CIDR as its family, its first address as a number and its prefix length (undefined: not a CIDR). */
export interface ParsedCidr {
  family: 'IPv4' | 'IPv6';
  base: bigint;
  prefix: number;
}

function ipv6ToBigInt(ip: string): bigint | undefined {
  const halves = ip.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const g = parts[i]!;
      if (i === parts.length - 1 && g.includes('.')) {
        const o = parseIPv4(g);
        if (!o) return undefined;
        out.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else return undefined;
    }
    return out;
  };
  const a = groups(halves[0]!);
  const b = halves.length === 2 ? groups(halves[1]!) : [];
  if (!a || !b) return undefined;
  const fill = 8 - a.length - b.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  return [...a, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...b].reduce((n, g) => (n << 16n) | BigInt(g), 0n);
}

/** Parse `ip/prefix` (the network address is the ip with the host bits cleared, as Go's net.ParseCIDR). */
export function parseCidr(value: string): ParsedCidr | undefined {
  const slash = value.indexOf('/');
  if (slash < 0) return undefined;
  const ip = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  const family = ipFamilyOf(ip);
  if (!family || !/^[0-9]{1,3}$/.test(bits)) return undefined;
  const width = family === 'IPv4' ? 32 : 128;
  const prefix = Number(bits);
  if (prefix > width) return undefined;
  let addr: bigint | undefined;
  if (family === 'IPv4') addr = parseIPv4(ip)!.reduce((n, o) => (n << 8n) | BigInt(o), 0n);
  else addr = ipv6ToBigInt(ip);
  if (addr === undefined) return undefined;
  const host = (1n << BigInt(width - prefix)) - 1n;
  return { family, base: addr & ~host, prefix };
}

/** Whether `inner` lies inside `outer` (same family, at least as long a prefix, same network bits). */
export function cidrInside(inner: ParsedCidr, outer: ParsedCidr): boolean {
  if (inner.family !== outer.family || inner.prefix < outer.prefix) return false;
  const width = outer.family === 'IPv4' ? 32 : 128;
  const shift = BigInt(width - outer.prefix);
  return inner.base >> shift === outer.base >> shift;
}

/** ValidateIPBlock: cidr required and a CIDR; each except a CIDR strictly inside it. CIDRs of the old object pass unchecked. */
export function validateIPBlock(ipb: Relaxed<IPBlock>, field: string, allowed: ReadonlySet<string>): StatusCause[] {
  const cidr = typeof ipb.cidr === 'string' ? ipb.cidr : '';
  if (cidr === '') return [fieldErr.required(child(field, 'cidr'))];
  const errs: StatusCause[] = allowed.has(cidr) ? [] : validateCIDR(child(field, 'cidr'), cidr);
  const outer = parseCidr(cidr);
  if (!outer) return errs;
  (ipb.except ?? []).forEach((ex, i) => {
    const p = index(child(field, 'except'), i);
    const s = String(ex ?? '');
    if (!allowed.has(s)) errs.push(...validateCIDR(p, s));
    const inner = parseCidr(s);
    if (!inner) return;
    if (!cidrInside(inner, outer) || inner.prefix <= outer.prefix) errs.push(fieldErr.invalid(p, s, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

/** ValidateNetworkPolicyPort: protocol TCP/UDP/SCTP; port a number in range or a port name; endPort only after a numeric port, not below it. */
export function validateNetworkPolicyPort(port: Relaxed<NetworkPolicyPort>, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const has = (v: unknown): boolean => v !== undefined && v !== null;
  if (has(port.protocol) && !(NETWORK_POLICY_PROTOCOLS as readonly string[]).includes(String(port.protocol))) {
    errs.push(fieldErr.notSupported(child(field, 'protocol'), port.protocol, NETWORK_POLICY_PROTOCOLS));
  }
  const endPath = child(field, 'endPort');
  if (has(port.port)) {
    if (typeof port.port === 'number') {
      for (const m of isValidPortNum(port.port)) errs.push(fieldErr.invalid(child(field, 'port'), port.port, m));
      if (typeof port.endPort === 'number') {
        if (port.endPort < port.port) errs.push(fieldErr.invalid(endPath, port.endPort, 'must be greater than or equal to `port`'));
        for (const m of isValidPortNum(port.endPort)) errs.push(fieldErr.invalid(endPath, port.endPort, m));
      }
    } else {
      if (has(port.endPort)) errs.push(fieldErr.invalid(endPath, port.endPort, 'may not be specified when `port` is non-numeric'));
      for (const m of isValidPortName(String(port.port))) errs.push(fieldErr.invalid(child(field, 'port'), port.port, m));
    }
  } else if (has(port.endPort)) {
    errs.push(fieldErr.invalid(endPath, port.endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

/** ValidateNetworkPolicyPeer: at least one of podSelector/namespaceSelector/ipBlock; ipBlock alone. */
export function validateNetworkPolicyPeer(peer: Relaxed<NetworkPolicyPeer>, field: string, allowed: ReadonlySet<string>): StatusCause[] {
  const errs: StatusCause[] = [];
  let peers = 0;
  if (peer.podSelector) {
    peers++;
    errs.push(...validateLabelSelector(peer.podSelector, child(field, 'podSelector')));
  }
  if (peer.namespaceSelector) {
    peers++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, child(field, 'namespaceSelector')));
  }
  if (peer.ipBlock) {
    peers++;
    errs.push(...validateIPBlock(peer.ipBlock, child(field, 'ipBlock'), allowed));
  }
  if (peers === 0) errs.push(fieldErr.required(field, 'must specify a peer'));
  else if (peers > 1 && peer.ipBlock) errs.push(fieldErr.forbidden(field, 'may not specify both ipBlock and another peer'));
  return errs;
}

/** ValidateNetworkPolicySpec. */
export function validateNetworkPolicySpec(spec: NP['spec'], allowed: ReadonlySet<string> = new Set(), field = 'spec'): StatusCause[] {
  const s = spec ?? {};
  const errs = validateLabelSelector(s.podSelector ?? undefined, child(field, 'podSelector'));
  (s.ingress ?? []).forEach((rule, i) => {
    const p = index(child(field, 'ingress'), i);
    (rule?.ports ?? []).forEach((port, j) => errs.push(...validateNetworkPolicyPort(port ?? {}, index(child(p, 'ports'), j))));
    (rule?.from ?? []).forEach((peer, j) => errs.push(...validateNetworkPolicyPeer(peer ?? {}, index(child(p, 'from'), j), allowed)));
  });
  (s.egress ?? []).forEach((rule, i) => {
    const p = index(child(field, 'egress'), i);
    (rule?.ports ?? []).forEach((port, j) => errs.push(...validateNetworkPolicyPort(port ?? {}, index(child(p, 'ports'), j))));
    (rule?.to ?? []).forEach((peer, j) => errs.push(...validateNetworkPolicyPeer(peer ?? {}, index(child(p, 'to'), j), allowed)));
  });
  const types = s.policyTypes ?? [];
  if (types.length > POLICY_TYPES.length) {
    errs.push(fieldErr.invalid(child(field, 'policyTypes'), types, 'may not specify more than two policyTypes'));
    return errs;
  }
  types.forEach((t, i) => {
    if (!(POLICY_TYPES as readonly string[]).includes(String(t))) errs.push(fieldErr.notSupported(index(child(field, 'policyTypes'), i), t, POLICY_TYPES));
  });
  return errs;
}

export function validateNetworkPolicy(np: NP): StatusCause[] {
  return [...validateObjectMeta(np.metadata, true, nameIsDNSSubdomain), ...validateNetworkPolicySpec(np.spec)];
}

/** Every CIDR (and except) of a policy's ipBlocks: upstream lets an update keep CIDRs it would refuse now. */
function existingCidrs(np: NP): Set<string> {
  const out = new Set<string>();
  const peers = [...(np.spec?.ingress ?? []).flatMap((r) => r?.from ?? []), ...(np.spec?.egress ?? []).flatMap((r) => r?.to ?? [])];
  for (const p of peers) {
    if (!p?.ipBlock) continue;
    if (typeof p.ipBlock.cidr === 'string') out.add(p.ipBlock.cidr);
    for (const e of p.ipBlock.except ?? []) out.add(String(e));
  }
  return out;
}

export function validateNetworkPolicyUpdate(np: NP, old: NP): StatusCause[] {
  return [...validateObjectMetaUpdate(np.metadata, old.metadata), ...validateNetworkPolicySpec(np.spec, existingCidrs(old))];
}

/** PrepareForCreate: generation 1. */
export function prepareForCreateNetworkPolicy(np: NP): void {
  (np.metadata ??= {}).generation = 1;
}

/** PrepareForUpdate: the generation moves when the spec changed. */
export function prepareForUpdateNetworkPolicy(np: NP, old: NP): void {
  bumpGenerationOnSpecChange(np, old);
}
