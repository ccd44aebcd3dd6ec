/**
 * A packet tracer over the agent's filter chains (the generated restore text, or an iptables-save dump):
 * follows one packet from KUBE-NWPLCY-FORWARD (or from FORWARD when the text has it) with its mark, and says
 * what happens to it. A test helper kept in the package so the e2e checks can use it on a node's dump too.
 *
 * Matches understood: -s, -d (CIDR or address, with !), -p, -m tcp/udp/sctp --dport (and ranges),
 * -m conntrack --ctstate, -m mark --mark value/mask (with !), -m set --match-set <name> src|dst (with !; the
 * sets given: hash:ip members, hash:net's most specific entry deciding, `nomatch` excluding), -m comment.
 * Targets: MARK --set-xmark, RETURN, ACCEPT, DROP, REJECT and jumps to chains.
 */
import { KubeError } from '../../api/errors.js';
import { type ParsedTable, argValue, parseRestore } from '../proxy/iptables-text.js';
import { cidrContains } from '../proxy/tracer.js';
import { NETPOL_FORWARD_CHAIN } from './ruleset.js';
import { type Ipsets, ipsetHas } from './ipset.js';

export interface NetpolPacket {
  source: string;
  destination: string;
  port: number;
  protocol?: 'tcp' | 'udp' | 'sctp';
  /** Conntrack state of the packet (NEW: a connection's first packet). */
  state?: 'NEW' | 'ESTABLISHED' | 'RELATED';
}

export interface NetpolTrace {
  /** ACCEPT: an ACCEPT rule or the chains ran out (FORWARD's policy and other rules decide; ours let it be). */
  verdict: 'ACCEPT' | 'DROP' | 'REJECT';
  /** Chains entered, in order. */
  path: string[];
}

const MAX_DEPTH = 32;

function matchAddr(args: readonly string[], flag: string, ip: string): boolean {
  const i = args.indexOf(flag);
  if (i < 0) return true;
  const neg = args[i - 1] === '!';
  const v = args[i + 1]!;
  const hit = cidrContains(v.includes('/') ? v : `${v}/32`, ip);
  return neg ? !hit : hit;
}

function matchPort(args: readonly string[], port: number): boolean {
  const v = argValue(args, '--dport');
  if (v === undefined) return true;
  const [lo, hi] = v.split(':').map(Number);
  return hi === undefined ? port === lo : port >= lo! && port <= hi;
}

function parseMark(v: string): [number, number] {
  const [val, mask] = v.split('/');
  return [Number(val), mask === undefined ? 0xffffffff : Number(mask)];
}

/** Every `-m set --match-set <name> src|dst` of the rule (a rule may have two: peers and a named port's pods). */
function matchSet(args: readonly string[], pkt: Required<NetpolPacket>, sets: Ipsets | undefined): boolean {
  for (let i = args.indexOf('--match-set'); i >= 0; i = args.indexOf('--match-set', i + 1)) {
    const name = args[i + 1]!;
    const spec = sets?.get(name);
    if (!spec) throw new KubeError('BadRequest', `rule matches set ${name}, which is not among the sets given`, { code: 'ERR_IPTABLES_PARSE' });
    const hit = ipsetHas(spec, args[i + 2] === 'dst' ? pkt.destination : pkt.source);
    if (hit === (args[i - 1] === '!')) return false;
  }
  return true;
}

function matches(args: readonly string[], pkt: Required<NetpolPacket>, mark: number, sets: Ipsets | undefined): boolean {
  if (!matchAddr(args, '-s', pkt.source) || !matchAddr(args, '-d', pkt.destination)) return false;
  if (!matchSet(args, pkt, sets)) return false;
  const p = argValue(args, '-p');
  if (p !== undefined && p !== pkt.protocol) return false;
  if (!matchPort(args, pkt.port)) return false;
  const ct = argValue(args, '--ctstate');
  if (ct !== undefined && !ct.split(',').includes(pkt.state)) return false;
  const m = argValue(args, '--mark');
  if (m !== undefined) {
    const [val, mask] = parseMark(m);
    const hit = ((mark & mask) >>> 0) === ((val & mask) >>> 0);
    const neg = args[args.indexOf('--mark') - 1] === '!';
    if (hit === neg) return false;
  }
  return true;
}

/** Trace `pkt` through the filter table of `rules`, with the sets its `--match-set` rules name. */
export function traceNetpol(rules: string | Map<string, ParsedTable>, packet: NetpolPacket, sets?: Ipsets): NetpolTrace {
  const tables = typeof rules === 'string' ? parseRestore(rules) : rules;
  const filter = tables.get('filter');
  if (!filter) throw new KubeError('BadRequest', 'no filter table in the rules', { code: 'ERR_IPTABLES_PARSE' });
  const byChain = new Map<string, string[][]>();
  for (const r of filter.rules) {
    let l = byChain.get(r.chain);
    if (!l) byChain.set(r.chain, (l = []));
    l.push(r.args);
  }
  const pkt: Required<NetpolPacket> = { protocol: 'tcp', state: 'NEW', ...packet };
  const path: string[] = [];
  let mark = 0;
  const run = (chain: string, depth: number): 'ACCEPT' | 'DROP' | 'REJECT' | undefined => {
    if (depth > MAX_DEPTH) throw new KubeError('BadRequest', `chain loop through ${chain}`, { code: 'ERR_IPTABLES_PARSE' });
    path.push(chain);
    for (const args of byChain.get(chain) ?? []) {
      if (!matches(args, pkt, mark, sets)) continue;
      const target = argValue(args, '-j');
      if (target === undefined) continue;
      if (target === 'MARK') {
        const [val, mask] = parseMark(argValue(args, '--set-xmark') ?? '0x0/0x0');
        mark = ((mark & ~mask) ^ val) >>> 0;
        continue;
      }
      if (target === 'RETURN') return undefined;
      if (target === 'ACCEPT' || target === 'DROP' || target === 'REJECT') return target;
      const v = run(target, depth + 1);
      if (v) return v;
    }
    return undefined;
  };
  const start = byChain.has('FORWARD') ? 'FORWARD' : NETPOL_FORWARD_CHAIN;
  return { verdict: run(start, 0) ?? 'ACCEPT', path };
}
