/**
 * The whole kube-proxy iptables ruleset as a pure function of (Services, EndpointSlices, node),
 * in upstream's layout (pkg/proxy/iptables/proxier.go, syncProxyRules): one iptables-restore input
 * for the filter and nat tables, applied with `--noflush`.
 *
 * Partial syncs (upstream's MinimizeIPTablesRestore): the top-level chains (KUBE-SERVICES,
 * KUBE-NODEPORTS, KUBE-POSTROUTING, KUBE-MARK-MASQ and the filter table) are written in full every
 * time; a per-service chain (KUBE-SVC-, KUBE-SVL-, KUBE-EXT-, KUBE-SEP-) is written only when its
 * rules differ from what the previous sync wrote. A chain left out of the input is left alone by
 * `iptables-restore --noflush`, so it keeps its rules (and its counters).
 */
import {
  type EndpointInfo,
  type ProxyEndpointSlice,
  type ProxyService,
  type ServicePortInfo,
  computeProbability,
  endpointsKey,
  endpointsOf,
  extChainName,
  LABEL_SERVICE_NAME,
  serviceKey,
  isServiceChainName,
  sepChainName,
  servicePortsOf,
  svcChainName,
  svlChainName,
} from './model.js';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
/** Upstream's default --iptables-masquerade-bit 14 -> 0x4000 (fmt "%#08x" of 1<<14 prints "0x004000"; upstream's own tests use 0x4000). */
export const DEFAULT_MASQUERADE_MARK = '0x4000';
/** Upstream's largeClusterEndpointsThreshold. */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

export const FILTER_TOP_CHAINS = [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL] as const;
export const NAT_TOP_CHAINS = [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ] as const;

/** A jump from a built-in chain into ours, added once with `iptables -I` (never in the restore input). */
export interface JumpRule {
  table: 'filter' | 'nat';
  from: string;
  to: string;
  comment: string;
  extra: string[];
}

const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'];
/** Upstream's iptablesJumpChains, in order. */
export const JUMP_RULES: readonly JumpRule[] = [
  { table: 'filter', to: KUBE_EXTERNAL_SERVICES, from: 'INPUT', comment: 'kubernetes externally-visible service portals', extra: NEW },
  { table: 'filter', to: KUBE_EXTERNAL_SERVICES, from: 'FORWARD', comment: 'kubernetes externally-visible service portals', extra: NEW },
  { table: 'filter', to: KUBE_NODEPORTS, from: 'INPUT', comment: 'kubernetes health check service ports', extra: [] },
  { table: 'filter', to: KUBE_SERVICES, from: 'FORWARD', comment: 'kubernetes service portals', extra: NEW },
  { table: 'filter', to: KUBE_SERVICES, from: 'OUTPUT', comment: 'kubernetes service portals', extra: NEW },
  { table: 'filter', to: KUBE_FORWARD, from: 'FORWARD', comment: 'kubernetes forwarding rules', extra: [] },
  { table: 'filter', to: KUBE_PROXY_FIREWALL, from: 'INPUT', comment: 'kubernetes load balancer firewall', extra: NEW },
  { table: 'filter', to: KUBE_PROXY_FIREWALL, from: 'OUTPUT', comment: 'kubernetes load balancer firewall', extra: NEW },
  { table: 'filter', to: KUBE_PROXY_FIREWALL, from: 'FORWARD', comment: 'kubernetes load balancer firewall', extra: NEW },
  { table: 'nat', to: KUBE_SERVICES, from: 'OUTPUT', comment: 'kubernetes service portals', extra: [] },
  { table: 'nat', to: KUBE_SERVICES, from: 'PREROUTING', comment: 'kubernetes service portals', extra: [] },
  { table: 'nat', to: KUBE_POSTROUTING, from: 'POSTROUTING', comment: 'kubernetes postrouting rules', extra: [] },
];

/** The argument list of a jump rule (what `iptables -C/-I/-D <chain>` takes). */
export function jumpRuleArgs(j: JumpRule): string[] {
  return [...j.extra, '-m', 'comment', '--comment', j.comment, '-j', j.to];
}

/** What one service port looked like when last written: enough to find stale UDP conntrack entries. */
export interface ServicePortRecord {
  name: string;
  protocol: string;
  clusterIP: string;
  nodePort: number;
  externalIPs: string[];
  /** IPs of the endpoints traffic was sent to. */
  endpointIPs: string[];
}

/** What a sync leaves for the next one. Treat as read-only. */
export interface RulesetState {
  /** Every per-service nat chain now in the kernel, with its rules text. */
  natChains: ReadonlyMap<string, string>;
  /** Service ports by `endpointsKey(name, protocol)`. */
  servicePorts: ReadonlyMap<string, ServicePortRecord>;
  /** Rules text of the top-level nat chains (KUBE-SERVICES, KUBE-NODEPORTS, ...). */
  topChains?: ReadonlyMap<string, string>;
  /** Rules text of the filter table. */
  filterText?: string;
  /** What each service port generated, in order (reused by partial syncs given `changedServices`). */
  ports?: ReadonlyMap<string, PortArtifacts>;
  largeCluster?: boolean;
  /** The options the artifacts were generated with. */
  optionsKey?: string;
  /** The options the top-level chains were generated with (mark, nodePortAddresses, --random-fully). */
  topKey?: string;
  /** Counts of the last ruleset (carried by partial syncs that reuse the top-level chains). */
  counts?: { chains: number; chainRules: number; natTopRules: number; filterRules: number };
}

export interface RulesetInput {
  services: readonly ProxyService[];
  endpointSlices: readonly ProxyEndpointSlice[];
  node: { name: string; ips?: readonly string[] };
  /** The pod network; traffic to a ClusterIP from outside it is masqueraded (upstream's LocalTrafficDetector). */
  clusterCIDR?: string;
  /** --masquerade-all: masquerade every packet sent to a ClusterIP. */
  masqueradeAll?: boolean;
  /** Mark for SNAT (default 0x4000). */
  masqueradeMark?: string;
  /** Add `--random-fully` to the MASQUERADE rule (iptables >= 1.6.2). */
  randomFully?: boolean;
  /** --nodeport-addresses: when set, NodePorts only on these IPs (else every local address but 127/8). */
  nodePortAddresses?: readonly string[];
  /**
   * Leave out the per-endpoint comments once there are more endpoints than this (upstream's
   * largeClusterEndpointsThreshold, 1000: it shrinks the ruleset by ~40%). Infinity keeps them.
   */
  largeClusterEndpointsThreshold?: number;
  /** Fall back to serving-and-terminating endpoints when none is ready (upstream default: on). */
  terminatingFallback?: boolean;
  /** State returned by the previous successful sync. */
  previous?: RulesetState;
  /** Names of the nat chains in the kernel now (from iptables-save); stale service chains among them are deleted. */
  existingNatChains?: Iterable<string>;
  /** Write only the per-service chains that changed since `previous`. */
  partial: boolean;
  /**
   * In a partial sync, also leave out top-level chains (and the filter table) whose rules did not
   * change. Default true; false writes them every time, as upstream does.
   */
  skipUnchangedTopLevelChains?: boolean;
  /**
   * In a partial sync: the Services ("namespace/name") whose Service or EndpointSlices changed
   * since `previous`. Every other Service's rules are taken from `previous` without regenerating
   * them. Without it, a partial sync regenerates everything and writes what differs.
   */
  changedServices?: ReadonlySet<string>;
}

export interface RulesetStats {
  partial: boolean;
  servicePorts: number;
  /** Service ports whose rules were generated (the others were reused from the previous state). */
  servicePortsGenerated: number;
  endpoints: number;
  filterRules: number;
  natRules: number;
  /** The filter table is in `text` (a partial sync leaves it out when unchanged). */
  filterWritten: boolean;
  /** Top-level nat chains left out of a partial sync (unchanged). */
  topChainsSkipped: string[];
  /** nat rules in `text` (less than natRules in a partial sync). */
  natRulesWritten: number;
  natChainsWritten: number;
  natChainsSkipped: number;
  natChainsDeleted: number;
  /** Lines in `text`. */
  lines: number;
  /** Comments on endpoint rules left out (more endpoints than the large-cluster threshold). */
  largeClusterMode: boolean;
  /**
   * A partial sync whose changed Services left the top-level chains and the filter table as they were:
   * it touched only their per-service chains (no pass over every Service).
   */
  topLevelReused: boolean;
}

export interface Ruleset {
  /** iptables-restore input (filter then nat), for `iptables-restore --noflush`; '' when nothing changed. */
  text: string;
  /** State for the next sync, valid once `text` is applied. */
  state: RulesetState;
  /** Per-service nat chains in use (name -> rules text). Same map as state.natChains. */
  chains: ReadonlyMap<string, string>;
  /** Chains deleted by `text`. */
  deletedChains: string[];
  /** Per-service chains written by `text` (all in a full sync; the changed ones in a partial one). */
  writtenChains: string[];
  stats: RulesetStats;
}

/** Quote a comment as upstream does (`"..."` when it holds a space). */
function comment(c: string): string {
  return c.includes(' ') ? `"${c}"` : c;
}

function chainLine(chain: string): string {
  return `:${chain} - [0:0]`;
}

/** Options that shape every service port's rules. */
interface PortContext {
  clusterCIDR?: string;
  masqueradeAll?: boolean;
  largeCluster: boolean;
}

/** What one service port contributes to the ruleset (kept in the state to reuse in partial syncs). */
export interface PortArtifacts {
  /** endpointsKey(name, protocol) */
  key: string;
  serviceKey: string;
  name: string;
  protocol: string;
  /** Rules in KUBE-SERVICES / KUBE-NODEPORTS (nat). */
  natTop: string[];
  /** Rules in the filter table. */
  filter: string[];
  /** Per-service chains: [name, rules text, rule count]. */
  chains: Array<[string, string, number]>;
  record: ServicePortRecord;
  endpoints: number;
}

function genPort(svc: ServicePortInfo, pol: Policy, cat: Categorized, ctx: PortContext): PortArtifacts {
  const { protocol, name } = svc;
  const a: PortArtifacts = {
    key: endpointsKey(name, protocol),
    serviceKey: svc.serviceKey,
    name,
    protocol,
    natTop: [],
    filter: [],
    chains: [],
    record: {
      name,
      protocol,
      clusterIP: svc.clusterIP,
      nodePort: svc.nodePort,
      externalIPs: [...svc.externalIPs, ...svc.loadBalancerIPs],
      endpointIPs: cat.reachable.map((e) => e.ip),
    },
    endpoints: cat.reachable.length,
  };
  const emit = (chain: string, rules: string[]): void => {
    a.chains.push([chain, rules.join('\n'), rules.length]);
  };

  const svcChain = svcChainName(name, protocol);
  const svlChain = svlChainName(name, protocol);
  const extChain = extChainName(name, protocol);
  const usesClusterChain = cat.cluster.length > 0 && pol.usesClusterEndpoints;
  const usesLocalChain = cat.local.length > 0 && pol.usesLocalEndpoints;

  let internalChain = svcChain;
  let hasInternal = cat.hasAny;
  if (pol.internalPolicyLocal) {
    internalChain = svlChain;
    if (cat.local.length === 0) hasInternal = false;
  }
  let externalPolicyChain = svcChain;
  let hasExternal = cat.hasAny;
  if (pol.externalPolicyLocal) {
    externalPolicyChain = svlChain;
    if (cat.local.length === 0) hasExternal = false;
  }
  const usesExtChain = cat.hasAny && pol.externallyAccessible;

  let internalFilterTarget = '';
  let internalFilterComment = '';
  let externalFilterTarget = '';
  let externalFilterComment = '';
  if (!cat.hasAny) {
    internalFilterTarget = externalFilterTarget = 'REJECT';
    internalFilterComment = externalFilterComment = comment(`${name} has no endpoints`);
  } else {
    if (!hasInternal) {
      internalFilterTarget = 'DROP';
      internalFilterComment = comment(`${name} has no local endpoints`);
    }
    if (!hasExternal) {
      externalFilterTarget = 'DROP';
      externalFilterComment = comment(`${name} has no local endpoints`);
    }
  }

  const match = `-m ${protocol} -p ${protocol}`;
  const dport = `--dport ${svc.port}`;
  const clusterIPMatch = `-m comment --comment ${comment(`${name} cluster IP`)} ${match} -d ${svc.clusterIP} ${dport}`;

  // Capture the cluster IP.
  if (hasInternal) {
    a.natTop.push(`-A ${KUBE_SERVICES} ${clusterIPMatch} -j ${internalChain}`);
  } else {
    a.filter.push(
      `-A ${KUBE_SERVICES} -m comment --comment ${internalFilterComment} ${match} -d ${svc.clusterIP} ${dport} -j ${internalFilterTarget}`,
    );
  }
  // Capture external IPs and load-balancer IPs.
  for (const [ip, what] of [
    ...svc.externalIPs.map((ip) => [ip, 'external IP'] as const),
    ...svc.loadBalancerIPs.map((ip) => [ip, 'loadbalancer IP'] as const),
  ]) {
    if (cat.hasAny) {
      a.natTop.push(`-A ${KUBE_SERVICES} -m comment --comment ${comment(`${name} ${what}`)} ${match} -d ${ip} ${dport} -j ${extChain}`);
    }
    if (!hasExternal) {
      a.filter.push(
        `-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${externalFilterComment} ${match} -d ${ip} ${dport} -j ${externalFilterTarget}`,
      );
    }
  }
  // Capture node ports.
  if (svc.nodePort) {
    if (cat.hasAny) {
      a.natTop.push(`-A ${KUBE_NODEPORTS} -m comment --comment ${comment(name)} ${match} --dport ${svc.nodePort} -j ${extChain}`);
    }
    if (!hasExternal) {
      a.filter.push(
        `-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${externalFilterComment} -m addrtype --dst-type LOCAL ${match} --dport ${svc.nodePort} -j ${externalFilterTarget}`,
      );
    }
  }

  // Internal traffic: masquerade what does not come from the pod network (or everything).
  const masqRule = hasInternal
    ? ctx.masqueradeAll
      ? `-A ${internalChain} ${clusterIPMatch} -j ${KUBE_MARK_MASQ}`
      : ctx.clusterCIDR
        ? `-A ${internalChain} ${clusterIPMatch} ! -s ${ctx.clusterCIDR} -j ${KUBE_MARK_MASQ}`
        : undefined
    : undefined;

  // External traffic chain.
  if (usesExtChain) {
    const rules: string[] = [];
    if (!pol.externalPolicyLocal) {
      rules.push(`-A ${extChain} -m comment --comment ${comment(`masquerade traffic for ${name} external destinations`)} -j ${KUBE_MARK_MASQ}`);
    } else {
      if (ctx.clusterCIDR) {
        rules.push(
          `-A ${extChain} -m comment --comment ${comment(`pod traffic for ${name} external destinations`)} -s ${ctx.clusterCIDR} -j ${svcChain}`,
        );
      }
      rules.push(
        `-A ${extChain} -m comment --comment ${comment(`masquerade LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${KUBE_MARK_MASQ}`,
      );
      rules.push(
        `-A ${extChain} -m comment --comment ${comment(`route LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${svcChain}`,
      );
    }
    if (hasExternal) rules.push(`-A ${extChain} -j ${externalPolicyChain}`);
    emit(extChain, rules);
  }

  if (usesClusterChain) {
    const rules: string[] = [];
    if (masqRule && internalChain === svcChain) rules.push(masqRule);
    writeServiceToEndpointRules(rules, svc, svcChain, cat.cluster, ctx.largeCluster);
    emit(svcChain, rules);
  }
  if (usesLocalChain) {
    const rules: string[] = [];
    if (masqRule && internalChain === svlChain) rules.push(masqRule);
    writeServiceToEndpointRules(rules, svc, svlChain, cat.local, ctx.largeCluster);
    emit(svlChain, rules);
  }

  // Endpoint chains.
  for (const ep of cat.reachable) {
    const sep = sepChainName(name, protocol, ep.endpoint);
    const head = ctx.largeCluster ? `-A ${sep}` : `-A ${sep} -m comment --comment ${comment(name)}`;
    const affinity = svc.sessionAffinityClientIP ? ` -m recent --name ${sep} --set` : '';
    emit(sep, [
      `${head} -s ${ep.ip} -j ${KUBE_MARK_MASQ}`,
      `${head}${affinity} ${match} -j DNAT --to-destination ${ep.endpoint}`,
    ]);
  }
  return a;
}

function comparePorts(a: { name: string; protocol: string }, b: { name: string; protocol: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0;
}

function mergeSorted(a: readonly PortArtifacts[], b: readonly PortArtifacts[]): PortArtifacts[] {
  const out: PortArtifacts[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(comparePorts(a[i], b[j]) <= 0 ? a[i++] : b[j++]);
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

/** Build the ruleset. Pure: same input, same output. */
export function buildRuleset(input: RulesetInput): Ruleset {
  const mark = input.masqueradeMark ?? DEFAULT_MASQUERADE_MARK;
  const nodeName = input.node.name;
  const fallback = input.terminatingFallback ?? true;
  const previous = input.partial ? input.previous : undefined;
  const partial = !!previous;
  const threshold = input.largeClusterEndpointsThreshold ?? LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
  const optionsKey = JSON.stringify([input.clusterCIDR ?? '', !!input.masqueradeAll, nodeName, fallback]);

  // Which service ports to generate. A partial sync with `changedServices` reuses what the previous
  // sync generated for every other Service (upstream's change trackers, in pure form).
  const changed = input.changedServices;
  let reuse = !!(partial && changed && previous!.ports && previous!.optionsKey === optionsKey);
  const categorizeAll = (services: readonly ProxyService[], slices: readonly ProxyEndpointSlice[]) => {
    const em = endpointsOf(slices);
    return servicePortsOf(services).map((svc) => {
      const pol = policyOf(svc);
      return { svc, pol, cat: categorize(em.get(endpointsKey(svc.name, svc.protocol)) ?? [], pol, nodeName, fallback) };
    });
  };
  let fresh: Array<{ svc: ServicePortInfo; pol: Policy; cat: Categorized }>;
  let kept: PortArtifacts[] = [];
  /** The previous artifacts of the changed Services (reuse only), in order. */
  const replaced: PortArtifacts[] = [];
  if (reuse) {
    const keyOfSlice = (sl: ProxyEndpointSlice) => serviceKey(sl.metadata.namespace, sl.metadata.labels?.[LABEL_SERVICE_NAME]);
    fresh = categorizeAll(
      input.services.filter((s) => changed!.has(serviceKey(s.metadata.namespace, s.metadata.name))),
      input.endpointSlices.filter((sl) => changed!.has(keyOfSlice(sl))),
    );
    for (const p of previous!.ports!.values()) (changed!.has(p.serviceKey) ? replaced : kept).push(p);
    let total = 0;
    for (const p of kept) total += p.endpoints;
    for (const f of fresh) total += f.cat.reachable.length;
    if (total > threshold !== previous!.largeCluster) {
      reuse = false;
      kept = [];
    }
  }
  if (!reuse) fresh = categorizeAll(input.services, input.endpointSlices);
  let totalEndpoints = 0;
  for (const p of kept) totalEndpoints += p.endpoints;
  for (const f of fresh!) totalEndpoints += f.cat.reachable.length;
  const largeCluster = totalEndpoints > threshold;
  const ctx: PortContext = { clusterCIDR: input.clusterCIDR, masqueradeAll: input.masqueradeAll, largeCluster };

  // Both lists are sorted (kept: in the previous order; fresh: by servicePortsOf): merge them.
  const generated = fresh!.map((f) => genPort(f.svc, f.pol, f.cat, ctx));
  const topKey = JSON.stringify([mark, input.nodePortAddresses ?? [], !!input.randomFully]);
  if (reuse && (input.skipUnchangedTopLevelChains ?? true) && previous!.topKey === topKey) {
    const quick = partialOfChangedChains(previous!, replaced, generated, { totalEndpoints, largeCluster, optionsKey, topKey });
    if (quick) return quick;
  }
  const ports = kept.length === 0 ? generated : mergeSorted(kept, generated);

  const filterRules: string[] = [];
  const natTop: string[] = []; // KUBE-SERVICES / KUBE-NODEPORTS rules
  const natChainLines: string[] = [];
  /** Per-service chain rules, one string (several lines) per written chain. */
  const natChainBlocks: string[] = [];
  let natChainRuleLines = 0;
  const activeChains = new Map<string, string>();
  const records = new Map<string, ServicePortRecord>();
  const portsState = new Map<string, PortArtifacts>();
  const written: string[] = [];
  let skipped = 0;
  let natRuleCount = 0;

  for (const p of ports) {
    portsState.set(p.key, p);
    records.set(p.key, p.record);
    for (const l of p.natTop) natTop.push(l);
    for (const l of p.filter) filterRules.push(l);
    for (const [chain, text, n] of p.chains) {
      activeChains.set(chain, text);
      natRuleCount += n;
      if (partial && previous!.natChains.get(chain) === text) {
        skipped++;
        continue;
      }
      written.push(chain);
      natChainLines.push(chainLine(chain));
      natChainBlocks.push(text);
      natChainRuleLines += n;
    }
  }

  // Stale per-service chains: flushed (chain line) then deleted, in the same restore.
  const stale = new Set<string>();
  for (const c of input.previous?.natChains.keys() ?? []) if (!activeChains.has(c)) stale.add(c);
  for (const c of input.existingNatChains ?? []) if (isServiceChainName(c) && !activeChains.has(c)) stale.add(c);
  const deleted = [...stale].sort();
  for (const c of deleted) natChainLines.push(chainLine(c));

  // NodePorts: the last rule of KUBE-SERVICES.
  const nodePortsComment = comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain');
  if (!input.nodePortAddresses || input.nodePortAddresses.length === 0) {
    natTop.push(`-A ${KUBE_SERVICES} -m comment --comment ${nodePortsComment} -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j ${KUBE_NODEPORTS}`);
  } else {
    for (const ip of input.nodePortAddresses) {
      natTop.push(`-A ${KUBE_SERVICES} -m comment --comment ${nodePortsComment} -d ${ip} -j ${KUBE_NODEPORTS}`);
    }
  }

  filterRules.push(
    `-A ${KUBE_FORWARD} -m conntrack --ctstate INVALID -j DROP`,
    `-A ${KUBE_FORWARD} -m comment --comment ${comment('kubernetes forwarding rules')} -m mark --mark ${mark}/${mark} -j ACCEPT`,
    `-A ${KUBE_FORWARD} -m comment --comment ${comment('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  );

  const natFixed = [
    `-A ${KUBE_POSTROUTING} -m mark ! --mark ${mark}/${mark} -j RETURN`,
    `-A ${KUBE_POSTROUTING} -j MARK --xor-mark ${mark}`,
    `-A ${KUBE_POSTROUTING} -m comment --comment ${comment('kubernetes service traffic requiring SNAT')} -j MASQUERADE${input.randomFully ? ' --random-fully' : ''}`,
    `-A ${KUBE_MARK_MASQ} -j MARK --or-mark ${mark}`,
  ];

  // Top-level chains. Upstream rewrites them on every sync; with `skipUnchangedTopLevelChains`
  // a partial sync leaves out those whose rules are the same as last time (and the whole filter
  // table when it did not change), so one endpoint change writes a handful of lines.
  const minimize = partial && (input.skipUnchangedTopLevelChains ?? true);
  const topRules = new Map<string, string[]>(NAT_TOP_CHAINS.map((c) => [c, []]));
  const natTopAll = [...natFixed, ...natTop];
  const natTopChainOf = natTopAll.map((l) => l.slice(3, l.indexOf(' ', 3)));
  natTopAll.forEach((l, i) => topRules.get(natTopChainOf[i])!.push(l));
  const topTexts = new Map<string, string>([...topRules].map(([c, rs]) => [c, rs.join('\n')]));
  const skipTop = new Set<string>();
  if (minimize) for (const [c, t] of topTexts) if (previous!.topChains?.get(c) === t) skipTop.add(c);
  const filterText = filterRules.join('\n');
  const writeFilter = !(minimize && previous!.filterText === filterText);

  const lines: string[] = [];
  if (writeFilter) {
    lines.push('*filter', ...FILTER_TOP_CHAINS.map(chainLine));
    for (const l of filterRules) lines.push(l);
    lines.push('COMMIT');
  }
  const natLines: string[] = [];
  let natTopWritten = 0;
  for (const c of NAT_TOP_CHAINS) if (!skipTop.has(c)) natLines.push(chainLine(c));
  for (const l of natChainLines) natLines.push(l);
  natTopAll.forEach((l, i) => {
    if (skipTop.has(natTopChainOf[i])) return;
    natLines.push(l);
    natTopWritten++;
  });
  for (const b of natChainBlocks) natLines.push(b);
  for (const c of deleted) natLines.push(`-X ${c}`);
  if (natLines.length > 0) {
    // (no spread: tens of thousands of arguments can overflow the stack)
    lines.push('*nat');
    for (const l of natLines) lines.push(l);
    lines.push('COMMIT');
  }

  const state: RulesetState = {
    natChains: activeChains,
    servicePorts: records,
    topChains: topTexts,
    filterText,
    ports: portsState,
    largeCluster,
    optionsKey,
    topKey,
    counts: { chains: activeChains.size, chainRules: natRuleCount, natTopRules: natTop.length + natFixed.length, filterRules: filterRules.length },
  };
  return {
    text: lines.length ? lines.join('\n') + '\n' : '',
    state,
    chains: activeChains,
    deletedChains: deleted,
    writtenChains: written,
    stats: {
      partial,
      servicePorts: ports.length,
      servicePortsGenerated: fresh!.length,
      endpoints: totalEndpoints,
      filterRules: filterRules.length,
      filterWritten: writeFilter,
      topChainsSkipped: [...skipTop],
      natRules: natRuleCount + natTop.length + natFixed.length,
      natRulesWritten: natChainRuleLines + natTopWritten,
      natChainsWritten: written.length,
      natChainsSkipped: skipped,
      natChainsDeleted: deleted.length,
      lines: lines.length - natChainBlocks.length + natChainRuleLines,
      largeClusterMode: largeCluster,
      topLevelReused: false,
    },
  };
}

const sameLines = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((l, i) => l === b[i]);

/**
 * The partial sync of a few changed Services when their top-level rules (KUBE-SERVICES, KUBE-NODEPORTS,
 * filter) are what they were, the common case of an endpoint change: only their per-service chains are
 * compared, written or deleted, and the state shares everything else with the previous one (the ports'
 * order is unchanged, the chain map is built only if someone reads it). Answers undefined when the
 * top-level rules changed (a Service added or removed, its first or last endpoint): the caller then
 * assembles the whole ruleset. Same text, state and stats as that assembly would give.
 */
function partialOfChangedChains(
  previous: RulesetState,
  replaced: readonly PortArtifacts[],
  generated: readonly PortArtifacts[],
  o: { totalEndpoints: number; largeCluster: boolean; optionsKey: string; topKey: string },
): Ruleset | undefined {
  const counts = previous.counts;
  if (!counts || !previous.topChains || previous.filterText === undefined || replaced.length !== generated.length) return undefined;
  for (let i = 0; i < generated.length; i++) {
    const [g, r] = [generated[i]!, replaced[i]!];
    if (g.key !== r.key || !sameLines(g.natTop, r.natTop) || !sameLines(g.filter, r.filter)) return undefined;
  }
  const written: string[] = [];
  const blocks: string[] = [];
  const stale = new Set<string>();
  let writtenRules = 0;
  let chains = counts.chains;
  let chainRules = counts.chainRules;
  for (let i = 0; i < generated.length; i++) {
    const [g, r] = [generated[i]!, replaced[i]!];
    const before = new Map(r.chains.map(([c, t]) => [c, t]));
    for (const [c, , n] of r.chains) {
      stale.add(c);
      chains--;
      chainRules -= n;
    }
    for (const [c, t, n] of g.chains) {
      stale.delete(c);
      chains++;
      chainRules += n;
      if (before.get(c) === t) continue;
      written.push(c);
      blocks.push(t);
      writtenRules += n;
    }
  }
  const deleted = [...stale].sort();
  const natLines = [...written.map(chainLine), ...deleted.map(chainLine), ...blocks, ...deleted.map((c) => `-X ${c}`)];
  const lines = natLines.length > 0 ? ['*nat', ...natLines, 'COMMIT'] : [];

  const ports = new Map(previous.ports);
  const servicePorts = new Map(previous.servicePorts);
  for (const g of generated) {
    ports.set(g.key, g);
    servicePorts.set(g.key, g.record);
  }
  let natChains: Map<string, string> | undefined;
  const chainMap = () => {
    if (!natChains) {
      natChains = new Map();
      for (const p of ports.values()) for (const [c, t] of p.chains) natChains.set(c, t);
    }
    return natChains;
  };
  const state: RulesetState = {
    get natChains() {
      return chainMap();
    },
    servicePorts,
    topChains: previous.topChains,
    filterText: previous.filterText,
    ports,
    largeCluster: o.largeCluster,
    optionsKey: o.optionsKey,
    topKey: o.topKey,
    counts: { ...counts, chains, chainRules },
  };
  const skipped = chains - written.length;
  return {
    text: lines.length ? lines.join('\n') + '\n' : '',
    state,
    get chains() {
      return chainMap();
    },
    deletedChains: deleted,
    writtenChains: written,
    stats: {
      partial: true,
      servicePorts: ports.size,
      servicePortsGenerated: generated.length,
      endpoints: o.totalEndpoints,
      filterRules: counts.filterRules,
      filterWritten: false,
      topChainsSkipped: [...NAT_TOP_CHAINS],
      natRules: chainRules + counts.natTopRules,
      natRulesWritten: writtenRules,
      natChainsWritten: written.length,
      natChainsSkipped: skipped,
      natChainsDeleted: deleted.length,
      lines: lines.length - blocks.length + writtenRules,
      largeClusterMode: o.largeCluster,
      topLevelReused: true,
    },
  };
}

interface Categorized {
  cluster: EndpointInfo[];
  local: EndpointInfo[];
  reachable: EndpointInfo[];
  hasAny: boolean;
}

/** Upstream's derived traffic-policy flags of a service port. */
interface Policy {
  externallyAccessible: boolean;
  /** externalTrafficPolicy Local, on an externally accessible service. */
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  usesClusterEndpoints: boolean;
  usesLocalEndpoints: boolean;
}

function policyOf(svc: ServicePortInfo): Policy {
  const externallyAccessible = svc.nodePort !== 0 || svc.externalIPs.length > 0 || svc.loadBalancerIPs.length > 0;
  const externalPolicyLocal = externallyAccessible && svc.externalPolicyLocal;
  const internalPolicyLocal = svc.internalPolicyLocal;
  return {
    externallyAccessible,
    externalPolicyLocal,
    internalPolicyLocal,
    usesClusterEndpoints: !internalPolicyLocal || (externallyAccessible && !externalPolicyLocal),
    usesLocalEndpoints: internalPolicyLocal || externalPolicyLocal,
  };
}

/** Upstream's CategorizeEndpoints (no topology hints). */
function categorize(all: readonly EndpointInfo[], svc: Policy, nodeName: string, fallback: boolean): Categorized {
  let cluster: EndpointInfo[] = [];
  let hasAny = false;
  if (svc.usesClusterEndpoints) {
    cluster = all.filter((e) => e.ready);
    if (cluster.length === 0 && fallback) cluster = all.filter((e) => e.serving && e.terminating);
    hasAny = cluster.length > 0;
  }
  if (!svc.usesLocalEndpoints) return { cluster, local: [], reachable: cluster, hasAny };

  let localReady = false;
  let localTerm = false;
  for (const e of all) {
    const isLocal = e.nodeName === nodeName;
    if (e.ready) {
      hasAny = true;
      if (isLocal) localReady = true;
    } else if (fallback && e.serving && e.terminating) {
      hasAny = true;
      if (isLocal) localTerm = true;
    }
  }
  let local: EndpointInfo[] = [];
  if (localReady) local = all.filter((e) => e.nodeName === nodeName && e.ready);
  else if (localTerm) local = all.filter((e) => e.nodeName === nodeName && e.serving && e.terminating);
  if (!svc.usesClusterEndpoints) return { cluster, local, reachable: local, hasAny };
  const seen = new Set(cluster.map((e) => e.endpoint));
  const reachable = [...cluster, ...local.filter((e) => !seen.has(e.endpoint))];
  return { cluster, local, reachable, hasAny };
}

/** Session-affinity rules, then the probability spread 1/(n-i), the last rule unconditional. */
function writeServiceToEndpointRules(
  out: string[],
  svc: ServicePortInfo,
  chain: string,
  endpoints: readonly EndpointInfo[],
  largeCluster: boolean,
): void {
  const c = (ep: EndpointInfo) => (largeCluster ? '' : ` -m comment --comment ${comment(`${svc.name} -> ${ep.endpoint}`)}`);
  if (svc.sessionAffinityClientIP) {
    for (const ep of endpoints) {
      const sep = sepChainName(svc.name, svc.protocol, ep.endpoint);
      out.push(
        `-A ${chain}${c(ep)} -m recent --name ${sep} --rcheck --seconds ${svc.stickySeconds} --reap -j ${sep}`,
      );
    }
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const sep = sepChainName(svc.name, svc.protocol, ep.endpoint);
    const prob = i < n - 1 ? ` -m statistic --mode random --probability ${computeProbability(n - i)}` : '';
    out.push(`-A ${chain}${c(ep)}${prob} -j ${sep}`);
  });
}

/**
 * iptables-restore input that removes everything the proxy made (upstream's CleanupLeftovers),
 * given `iptables-save` output of the nat and filter tables. Jumps from built-in chains must be
 * deleted first (see JUMP_RULES).
 */
export function buildCleanup(natSave: string, filterSave: string): string {
  const natChains = chainsInSave(natSave);
  const filterChains = chainsInSave(filterSave);
  const lines: string[] = [];
  const section = (table: string, ours: string[]): void => {
    if (ours.length === 0) return;
    lines.push(`*${table}`, ...ours.map(chainLine), ...ours.map((c) => `-X ${c}`), 'COMMIT');
  };
  const natOwned = [...NAT_TOP_CHAINS, ...[...natChains].filter(isServiceChainName).sort()].filter((c) => natChains.has(c));
  section('nat', natOwned);
  section('filter', FILTER_TOP_CHAINS.filter((c) => filterChains.has(c)));
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** Chain names declared in iptables-save output (`:NAME POLICY [p:b]`). */
export function chainsInSave(save: string): Set<string> {
  const out = new Set<string>();
  for (const line of save.split('\n')) {
    if (line.startsWith(':')) {
      const sp = line.indexOf(' ');
      out.add(sp < 0 ? line.slice(1) : line.slice(1, sp));
    }
  }
  return out;
}

/** A UDP conntrack flush the proxy must run after applying rules. */
export type ConntrackAction =
  | { kind: 'service-ip'; ip: string; protocol: string }
  | { kind: 'nat'; origDst: string; dstNat: string; protocol: string }
  | { kind: 'port-nat'; port: number; dstNat: string; protocol: string };

/**
 * Stale UDP conntrack entries after a sync (upstream's conntrack.CleanStaleEntries):
 * for a removed UDP endpoint, flows to the service IPs (cluster, external) and node port that
 * were NATed to it; for a UDP service port that just got its first endpoint, flows to its IPs
 * (they may have been cached while it rejected).
 */
export function staleConntrack(prev: RulesetState | undefined, next: RulesetState): ConntrackAction[] {
  const out: ConntrackAction[] = [];
  if (!prev) return out;
  for (const [key, old] of prev.servicePorts) {
    if (old.protocol !== 'udp') continue;
    const cur = next.servicePorts.get(key);
    const still = new Set(cur?.endpointIPs ?? []);
    for (const ip of old.endpointIPs) {
      if (still.has(ip)) continue;
      for (const vip of [old.clusterIP, ...old.externalIPs]) out.push({ kind: 'nat', origDst: vip, dstNat: ip, protocol: 'udp' });
      if (old.nodePort) out.push({ kind: 'port-nat', port: old.nodePort, dstNat: ip, protocol: 'udp' });
    }
  }
  for (const [key, cur] of next.servicePorts) {
    if (cur.protocol !== 'udp' || cur.endpointIPs.length === 0) continue;
    const old = prev.servicePorts.get(key);
    if (old && old.endpointIPs.length > 0) continue;
    for (const vip of [cur.clusterIP, ...cur.externalIPs]) out.push({ kind: 'service-ip', ip: vip, protocol: 'udp' });
  }
  return out;
}
