/**
 * The pure policy -> ruleset builder: from the pods, namespaces and NetworkPolicies (and the previous sync's
 * state) to one `iptables-restore --noflush` input for the filter table, with kube-router's layout
 * (pkg/controllers/netpol: a top chain jumped from FORWARD, a firewall chain per isolated pod and direction,
 * a chain per policy and direction, a set per rule's peers) and the sets' `ipset restore -exist` input.
 *
 *   FORWARD -> KUBE-NWPLCY-FORWARD
 *     -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN         established connections kept
 *     -s <pod> -j KUBE-POD-FW-<hash(ns/pod:egress)>                 per local pod isolated for egress
 *     -d <pod> -j KUBE-POD-FW-<hash(ns/pod:ingress)>                per local pod isolated for ingress
 *   KUBE-POD-FW-*: clear the allow mark; jump to each selecting policy's chain, RETURN once marked;
 *                  at the end REJECT (no policy allowed it)
 *   KUBE-NWPLCY-<hash(ns/name:dir)>: one rule per (peer set, port) that sets the allow mark 0x10000:
 *     -m set --match-set KL-NP-<hash(ns/name:dir:rule:pods)> src|dst    hash:ip, the rule's pod peers
 *     -m set --match-set KL-NP-<hash(ns/name:dir:rule:nets)> src|dst    hash:net, its ipBlocks, excepts `nomatch`
 *     ... -m set --match-set KL-NP-<hash(ns/name:dir:rule:port<i>:<n>)> dst --dport <n>   a named port's pods
 *   (a rule whose blocks overlap another block's except gets a hash:net set per block: `nomatch` is per set)
 *
 * Traffic from the node to its own pods leaves through OUTPUT, never FORWARD: it is always allowed.
 */
import { hash16 } from '../proxy/model.js';
import { joinArgs } from '../proxy/iptables-text.js';
import { cidrContains } from '../proxy/tracer.js';
import { IPSET_PREFIX, type IpsetSpec, type Ipsets, buildIpsetDestroy, buildIpsetRestore, isNetpolSet, sameSpec, tempSetName } from './ipset.js';
import {
  type Direction,
  type NetpolNamespace,
  type NetpolPod,
  type NetpolProtocol,
  type Policy,
  groupByNamespace,
  hasPodNetworkIP,
  peerPods,
  policyKey,
  policySelects,
  resolveNamedPort,
} from './model.js';

export const NETPOL_FORWARD_CHAIN = 'KUBE-NWPLCY-FORWARD';
export const POLICY_CHAIN_PREFIX = 'KUBE-NWPLCY-';
export const POD_CHAIN_PREFIX = 'KUBE-POD-FW-';
/** The allow mark (kube-router's bit), apart from kube-proxy's masquerade bit 0x4000. */
export const ALLOW_MARK = '0x10000/0x10000';
const CLEAR_MARK = '0x0/0x10000';

/** Is this one of the chains the agent owns (and may flush or delete)? */
export function isNetpolChain(name: string): boolean {
  return name.startsWith(POLICY_CHAIN_PREFIX) || name.startsWith(POD_CHAIN_PREFIX);
}

/** The jump the agent keeps at the top of FORWARD (inserted once, removed on stop). */
export const FORWARD_JUMP: readonly string[] = ['-m', 'comment', '--comment', 'kubelab network policies', '-j', NETPOL_FORWARD_CHAIN];

export function podChainName(pod: Pick<NetpolPod, 'namespace' | 'name'>, dir: Direction): string {
  return POD_CHAIN_PREFIX + hash16(`${pod.namespace}/${pod.name}:${dir}`);
}

export function policyChainName(key: string, dir: Direction): string {
  return POLICY_CHAIN_PREFIX + hash16(`${key}:${dir}`);
}

/** A rule's set: `pods` (hash:ip), `nets` (hash:net, every ipBlock), `net<i>` (hash:net, the i-th peer's block) or `port<i>:<n>` (hash:ip, the pods the i-th port's name resolves to n on). */
export function peerSetName(key: string, dir: Direction, rule: number, what: string): string {
  return IPSET_PREFIX + hash16(`${key}:${dir}:${rule}:${what}`);
}

/** What was last written: chain name -> its rules (each the words after `-A <chain>`, joined), and the sets. */
export interface NetpolState {
  chains: ReadonlyMap<string, readonly string[]>;
  sets: Ipsets;
}

export interface NetpolInput {
  nodeName: string;
  pods: readonly NetpolPod[];
  namespaces: readonly NetpolNamespace[];
  policies: readonly Policy[];
  /** The previous sync's state (undefined: none, write everything). */
  previous?: NetpolState;
  /** Write only the chains that changed since `previous`. */
  partial?: boolean;
  /** Chains of ours found in the kernel (a killed run's leftovers): deleted unless wanted. */
  existing?: Iterable<string>;
  /** Sets found in the kernel (`ipset list -n`): ours (KL-NP-*) are destroyed unless wanted. */
  existingSets?: Iterable<string>;
}

export interface NetpolRuleset {
  /** iptables-restore --noflush input (filter table), or '' when nothing needs writing. */
  text: string;
  /** `ipset restore -exist` input run BEFORE `text` (the sets its rules reference), or ''. */
  ipsetText: string;
  /** `ipset restore -exist` input run AFTER `text` (sets no rule references any more), or ''. */
  ipsetDestroyText: string;
  state: NetpolState;
  /** Chains written and deleted by this restore. */
  written: string[];
  deleted: string[];
  /** Sets (re)filled before and destroyed after the restore. */
  setsWritten: string[];
  setsDeleted: string[];
  /** Counts for metrics and logs. */
  isolatedPods: number;
  ruleCount: number;
}

const protoArg = (p: NetpolProtocol): string => p.toLowerCase();

/** One port item as matches: [] = any port; a named port one per number it resolves to. */
interface PortMatch {
  args: string[];
  /** A named port: the pods it resolves to this number on (a hash:ip set matched as the destination). */
  dests?: { what: string; ips: string[] };
}

type PortItem = { protocol?: string | null; port?: number | string | null; endPort?: number | null };

/** A rule's ports: empty = every port; numbers (ranges with endPort); named ports resolved on `namedPortPods`. */
function rulePortMatches(ports: readonly (PortItem | null)[] | null | undefined, namedPortPods: readonly NetpolPod[]): PortMatch[] {
  if (!ports || ports.length === 0) return [{ args: [] }];
  const out: PortMatch[] = [];
  ports.forEach((p, pi) => {
    const proto = String(p?.protocol ?? 'TCP') as NetpolProtocol;
    const port = p?.port;
    if (port === undefined || port === null) out.push({ args: ['-p', protoArg(proto)] });
    else if (typeof port === 'number') {
      const range = typeof p?.endPort === 'number' && p.endPort > port ? `${port}:${p.endPort}` : String(port);
      out.push({ args: ['-p', protoArg(proto), '-m', protoArg(proto), '--dport', range] });
    } else {
      // kube-router's named-port sets: per number the name resolves to, the pods it resolves on.
      const byNumber = new Map<number, string[]>();
      for (const pod of namedPortPods) {
        const n = resolveNamedPort(pod, port, proto);
        if (n === undefined || !pod.ip) continue;
        let l = byNumber.get(n);
        if (!l) byNumber.set(n, (l = []));
        l.push(pod.ip);
      }
      for (const [n, ips] of [...byNumber].sort((a, b) => a[0] - b[0])) {
        out.push({ args: ['-p', protoArg(proto), '-m', protoArg(proto), '--dport', String(n)], dests: { what: `port${pi}:${n}`, ips } });
      }
    }
  });
  return out;
}

const isIPv4Cidr = (c: string): boolean => /^[0-9.]+\/[0-9]+$/.test(c);

interface Chains {
  map: Map<string, string[]>;
  sets: Map<string, IpsetSpec>;
  add(chain: string, args: readonly string[]): void;
}

function newChains(): Chains {
  const map = new Map<string, string[]>();
  return {
    map,
    sets: new Map(),
    add(chain, args) {
      let l = map.get(chain);
      if (!l) map.set(chain, (l = []));
      l.push(joinArgs(args));
    },
  };
}

interface Block {
  peer: number;
  cidr: string;
  except: string[];
}

const overlap = (a: string, b: string): boolean => cidrContains(a, b.split('/')[0]!) || cidrContains(b, a.split('/')[0]!);

/**
 * A rule's ipBlocks as hash:net sets. One set holds them all unless an except of one block overlaps another
 * block (then `nomatch` would cut into the other block: each block gets its own set, the rule a match per set).
 */
function blockSets(blocks: readonly Block[]): Array<{ what: string; spec: IpsetSpec }> {
  const clash = blocks.some((b) => b.except.some((e) => blocks.some((o) => o !== b && overlap(e, o.cidr))));
  const groups = clash ? blocks.map((b) => ({ what: `net${b.peer}`, blocks: [b] })) : [{ what: 'nets', blocks }];
  return groups.map(({ what, blocks: bs }) => {
    const nets = new Map<string, boolean>();
    // hash:net takes no /0: two /1 halves.
    const split = (c: string): string[] => (c.endsWith('/0') ? ['0.0.0.0/1', '128.0.0.0/1'] : [c]);
    for (const b of bs) for (const c of split(b.cidr)) nets.set(c, nets.get(c) ?? false);
    for (const b of bs) for (const e of b.except) nets.set(e, true);
    return { what, spec: { type: 'hash:net', entries: [...nets].map(([n, nomatch]) => (nomatch ? `${n} nomatch` : n)).sort() } };
  });
}

/**
 * A policy's chain for one direction. Ingress: peers match the source (`src` of the set), named ports resolve
 * on the pods the policy selects here. Egress: peers match the destination (`dst`), named ports resolve on
 * every pod. Each rule's pod peers are one hash:ip set, its ipBlocks one hash:net set, and a named port the
 * set of pods it resolves to a number on (kube-router's named-port sets): a pod coming or going changes set
 * members, not rules.
 */
function buildPolicyChain(np: Policy, dir: Direction, chains: Chains, targets: readonly NetpolPod[], pods: Cluster, namespaces: ReadonlyMap<string, NetpolNamespace>): string {
  const key = policyKey(np);
  const ns = np.metadata?.namespace ?? 'default';
  const chain = policyChainName(key, dir);
  chains.map.set(chain, chains.map.get(chain) ?? []);
  const setDir = dir === 'ingress' ? 'src' : 'dst';
  const mark = ['-j', 'MARK', '--set-xmark', ALLOW_MARK];
  const rules = dir === 'ingress' ? (np.spec?.ingress ?? []) : (np.spec?.egress ?? []);
  rules.forEach((rule, ri) => {
    const peers = (rule && 'from' in rule ? rule.from : rule && 'to' in rule ? rule.to : undefined) ?? [];
    const ports = rulePortMatches(rule?.ports, dir === 'ingress' ? targets : pods.withIP);
    const addSet = (what: string, spec: IpsetSpec): string => {
      const name = peerSetName(key, dir, ri, what);
      chains.sets.set(name, spec);
      return name;
    };
    // This rule's matches for one peer set (none: any address); a named port adds its destination set.
    const emit = (peerSet?: string): void => {
      const peerArgs = peerSet ? ['-m', 'set', '--match-set', peerSet, setDir] : [];
      for (const pm of ports) {
        const destArgs = pm.dests ? ['-m', 'set', '--match-set', addSet(pm.dests.what, { type: 'hash:ip', entries: [...new Set(pm.dests.ips)].sort() }), 'dst'] : [];
        chains.add(chain, [...peerArgs, ...destArgs, ...pm.args, ...mark]);
      }
    };
    if (peers.length === 0) {
      emit();
      return;
    }
    const set = (what: string, spec: IpsetSpec): void => emit(addSet(what, spec));
    const podPeers = peers.filter((p) => p && !p.ipBlock);
    if (podPeers.length > 0) {
      const ips = new Set<string>();
      for (const peer of podPeers) for (const p of peerPods(peer!, ns, pods.all, namespaces, pods.byNamespace)) ips.add(p.ip!);
      set('pods', { type: 'hash:ip', entries: [...ips].sort() });
    }
    const blocks: Block[] = [];
    peers.forEach((peer, pi) => {
      const cidr = String(peer?.ipBlock?.cidr ?? '');
      // IPv6 blocks (and excepts): this agent programs IPv4 only.
      if (peer?.ipBlock && isIPv4Cidr(cidr)) blocks.push({ peer: pi, cidr, except: (peer.ipBlock.except ?? []).map(String).filter(isIPv4Cidr) });
    });
    if (blocks.length > 0) for (const { what, spec } of blockSets(blocks)) set(what, spec);
  });
  return chain;
}

/** The cluster's pods, also grouped by namespace (a policy selects and a podSelector peer names pods of one namespace). */
interface Cluster {
  all: readonly NetpolPod[];
  withIP: readonly NetpolPod[];
  byNamespace: ReadonlyMap<string, readonly NetpolPod[]>;
}

/** Every chain the ruleset wants, with its rules (the desired state). */
export function desiredChains(input: Omit<NetpolInput, 'previous' | 'partial' | 'existing' | 'existingSets'>): { chains: Map<string, string[]>; ipsets: Map<string, IpsetSpec>; isolatedPods: number } {
  const chains = newChains();
  const nsMap = new Map(input.namespaces.map((n) => [n.name, n]));
  const local = input.pods.filter((p) => p.node === input.nodeName && hasPodNetworkIP(p));
  const localByNs = groupByNamespace(local);
  const cluster: Cluster = { all: input.pods, withIP: input.pods.filter(hasPodNetworkIP), byNamespace: groupByNamespace(input.pods) };
  const forward: string[][] = [['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'RETURN']];
  const policyChains = new Map<string, string>();
  let isolated = 0;
  const sorted = groupByNamespace([...input.policies].sort((a, b) => policyKey(a).localeCompare(policyKey(b))).map((np) => ({ namespace: np.metadata?.namespace ?? 'default', np })));
  const ingressJumps: string[][] = [];
  const egressJumps: string[][] = [];
  for (const pod of [...local].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))) {
    let isolatedHere = false;
    for (const dir of ['egress', 'ingress'] as const) {
      const selecting = (sorted.get(pod.namespace) ?? []).map((x) => x.np).filter((np) => policySelects(np, pod, dir));
      if (selecting.length === 0) continue;
      isolatedHere = true;
      const podChain = podChainName(pod, dir);
      chains.map.set(podChain, []);
      chains.add(podChain, ['-j', 'MARK', '--set-xmark', CLEAR_MARK]);
      for (const np of selecting) {
        const pk = `${policyKey(np)}:${dir}`;
        let pc = policyChains.get(pk);
        if (!pc) {
          const targets = (localByNs.get(pod.namespace) ?? []).filter((p) => policySelects(np, p, 'ingress'));
          pc = buildPolicyChain(np, dir, chains, targets, cluster, nsMap);
          policyChains.set(pk, pc);
        }
        chains.add(podChain, ['-m', 'comment', '--comment', `policy ${policyKey(np)}`, '-j', pc]);
        chains.add(podChain, ['-m', 'mark', '--mark', ALLOW_MARK, '-j', 'RETURN']);
      }
      chains.add(podChain, ['-m', 'comment', '--comment', `${pod.namespace}/${pod.name} ${dir} not allowed by any policy`, '-j', 'REJECT']);
      const jump = [dir === 'ingress' ? '-d' : '-s', `${pod.ip}/32`, '-m', 'comment', '--comment', `${pod.namespace}/${pod.name} ${dir}`, '-j', podChain];
      (dir === 'ingress' ? ingressJumps : egressJumps).push(jump);
    }
    if (isolatedHere) isolated++;
  }
  const top = new Map<string, string[]>([[NETPOL_FORWARD_CHAIN, [...forward, ...egressJumps, ...ingressJumps].map((a) => joinArgs(a))]]);
  for (const [k, v] of chains.map) top.set(k, v);
  return { chains: top, ipsets: chains.sets, isolatedPods: isolated };
}

const sameRules = (a: readonly string[] | undefined, b: readonly string[]): boolean => !!a && a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The restore inputs: the chains to write (all on a full sync; those whose rules changed on a partial one)
 * and the chains to delete (in the previous state or found in the kernel, and no longer wanted); the same for
 * the sets: those to fill before the iptables restore (it may reference new sets) and those to destroy after it
 * (no rule references them any more). Declaring a chain flushes it under --noflush; chains not named keep their
 * rules. Other programs' chains and sets are never named.
 */
export function buildNetpolRuleset(input: NetpolInput): NetpolRuleset {
  const { chains, ipsets, isolatedPods } = desiredChains(input);
  const partial = input.partial === true && input.previous !== undefined;
  const prev = input.previous;
  const written = [...chains.keys()].filter((c) => !partial || !sameRules(prev!.chains.get(c), chains.get(c)!));
  const known = new Set<string>([...(prev?.chains.keys() ?? []), ...[...(input.existing ?? [])].filter((c) => isNetpolChain(c) || c === NETPOL_FORWARD_CHAIN)]);
  const deleted = [...known].filter((c) => !chains.has(c)).sort();
  const setsWritten = [...ipsets.keys()].filter((n) => !partial || !sameSpec(prev!.sets.get(n), ipsets.get(n)!));
  // A written set's temporary set is destroyed by the fill itself.
  const temps = new Set(setsWritten.map(tempSetName));
  const knownSets = new Set<string>([...(prev?.sets.keys() ?? []), ...[...(input.existingSets ?? [])].filter(isNetpolSet)]);
  const setsDeleted = [...knownSets].filter((n) => !ipsets.has(n) && !temps.has(n)).sort();
  let ruleCount = 0;
  for (const r of chains.values()) ruleCount += r.length;
  const state: NetpolState = { chains, sets: ipsets };
  const ipsetText = buildIpsetRestore(setsWritten.map((n) => [n, ipsets.get(n)!] as const));
  const ipsetDestroyText = buildIpsetDestroy(setsDeleted);
  const base = { ipsetText, ipsetDestroyText, state, written, deleted, setsWritten, setsDeleted, isolatedPods, ruleCount };
  if (written.length === 0 && deleted.length === 0) return { text: '', ...base };
  const lines = ['*filter'];
  for (const c of [...written, ...deleted]) lines.push(`:${c} - [0:0]`);
  for (const c of written) for (const r of chains.get(c)!) lines.push(`-A ${c} ${r}`);
  for (const c of deleted) lines.push(`-X ${c}`);
  lines.push('COMMIT', '');
  return { text: lines.join('\n'), ...base };
}

/** The restore input that removes every chain of ours (stop, --cleanup); the FORWARD jump is deleted first by the caller. */
export function buildNetpolCleanup(existing: Iterable<string>): string {
  const ours = [...existing].filter((c) => isNetpolChain(c) || c === NETPOL_FORWARD_CHAIN).sort();
  if (ours.length === 0) return '';
  return ['*filter', ...ours.map((c) => `:${c} - [0:0]`), ...ours.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
}
