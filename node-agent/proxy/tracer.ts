/**
 * A small packet tracer over iptables rules (the generated ruleset, or an iptables-save dump):
 * follows a new connection's first packet through the nat table from PREROUTING or OUTPUT (or from
 * KUBE-SERVICES when the text has no built-in chain jumps), enumerating every branch of
 * `-m statistic` rules, then through the proxy's filter chains. A test helper, kept in the package
 * so the e2e checks and the CLI can use it too.
 *
 * Matches understood: -p, -s, -d (CIDR, with !), --dport (and ranges), -m addrtype --src-type /
 * --dst-type LOCAL, -m statistic (both branches), -m recent --rcheck (never matches: no history),
 * -m conntrack --ctstate (the packet is NEW), -m mark (never matches: no mark yet).
 */
import { KubeError } from '../../api/errors.js';
import { type ParsedTable, argValue, parseRestore } from './iptables-text.js';

export interface TracePacket {
  source: string;
  destination: string;
  port: number;
  protocol?: 'tcp' | 'udp' | 'sctp';
  /** Where the packet enters nat: PREROUTING (from another host or a pod) or OUTPUT (from this host). */
  hook: 'PREROUTING' | 'OUTPUT';
  /** This node's addresses (for `-m addrtype LOCAL`); 127.0.0.0/8 is always local. */
  localIPs?: readonly string[];
}

export interface TraceOutcome {
  /** The KUBE-SEP chain that did the DNAT, if any. */
  sepChain?: string;
  /** "ip:port" after DNAT, if any. */
  dnat?: string;
  /** Marked for masquerade (KUBE-MARK-MASQ was hit). */
  masquerade: boolean;
  /** REJECT / DROP / ACCEPT from the filter chains, if any matched. */
  verdict?: 'REJECT' | 'DROP' | 'ACCEPT';
  /** Chains walked, in order. */
  path: string[];
}

export interface TraceResult {
  outcomes: TraceOutcome[];
  /** Distinct DNAT destinations reachable. */
  endpoints: string[];
  /** Distinct KUBE-SEP chains reachable. */
  sepChains: string[];
  /** Every outcome is rejected. */
  rejected: boolean;
  /** Every outcome is dropped. */
  dropped: boolean;
  /** Any outcome is masqueraded. */
  masquerade: boolean;
}

interface State {
  masq: boolean;
  path: string[];
  dnat?: string;
  sep?: string;
  verdict?: 'REJECT' | 'DROP' | 'ACCEPT';
}

interface Step {
  st: State;
  terminal: boolean;
}

function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

export function cidrContains(cidr: string, ip: string): boolean {
  const [base, lenS] = cidr.split('/');
  const len = lenS === undefined ? 32 : Number(lenS);
  if (len === 0) return true;
  const mask = len === 32 ? 0xffffffff : (~((1 << (32 - len)) - 1)) >>> 0;
  return ((ipToInt(base) & mask) >>> 0) === ((ipToInt(ip) & mask) >>> 0);
}

class Tracer {
  private readonly local: Set<string>;
  private depth = 0;

  constructor(
    private readonly tables: Map<string, ParsedTable>,
    private readonly pkt: TracePacket,
    private destination: string,
  ) {
    this.local = new Set(pkt.localIPs ?? []);
  }

  setDestination(d: string): void {
    this.destination = d;
  }

  private isLocal(ip: string): boolean {
    return this.local.has(ip) || cidrContains('127.0.0.0/8', ip);
  }

  rulesOf(table: string, chain: string) {
    return (this.tables.get(table)?.rules ?? []).filter((r) => r.chain === chain);
  }

  /** Whether a rule's matches hold; 'random' when only a statistic match stands in the way. */
  private matches(args: readonly string[]): boolean | 'random' {
    let neg = false;
    let random = false;
    const port = this.pkt.port;
    const proto = this.pkt.protocol ?? 'tcp';
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '!') {
        neg = true;
        continue;
      }
      let ok: boolean | undefined;
      switch (a) {
        case '-j':
        case '-g':
          return random ? 'random' : true;
        case '-m':
        case '--comment':
        case '--name':
        case '--seconds':
        case '--mode':
          i++;
          break;
        case '--reap':
        case '--set':
          break;
        case '-p':
          ok = args[++i] === proto;
          break;
        case '-s':
          ok = cidrContains(args[++i], this.pkt.source);
          break;
        case '-d':
          ok = cidrContains(args[++i], this.destination);
          break;
        case '--dport': {
          const v = args[++i];
          const [lo, hi] = v.split(':').map(Number);
          ok = hi === undefined ? port === lo : port >= lo && port <= hi;
          break;
        }
        case '--dst-type':
          ok = args[++i] === 'LOCAL' ? this.isLocal(this.destination) : false;
          break;
        case '--src-type':
          ok = args[++i] === 'LOCAL' ? this.isLocal(this.pkt.source) : false;
          break;
        case '--probability':
          i++;
          random = true;
          break;
        case '--rcheck':
          ok = false;
          break;
        case '--ctstate':
          ok = args[++i].split(',').includes('NEW');
          break;
        case '--mark':
          i++;
          ok = false;
          break;
        default:
          // Unknown options are assumed to match.
          break;
      }
      if (ok !== undefined) {
        if (neg) ok = !ok;
        neg = false;
        if (!ok) return false;
      }
    }
    return random ? 'random' : true;
  }

  run(table: string, chain: string, st: State): Step[] {
    if (++this.depth > 64) throw new KubeError('BadRequest', `trace: jump loop at ${chain}`, { code: 'ERR_IPTABLES_PARSE' });
    try {
      const results: Step[] = [];
      let live: State[] = [{ ...st, path: [...st.path, `${table}:${chain}`] }];
      for (const rule of this.rulesOf(table, chain)) {
        if (live.length === 0) break;
        const target = argValue(rule.args, '-j');
        const next: State[] = [];
        for (const s of live) {
          const m = this.matches(rule.args);
          if (m === false || !target) {
            next.push(s);
            continue;
          }
          if (m === 'random') next.push(s); // the branch where the dice say no
          for (const step of this.apply(table, target, rule.args, s)) {
            if (step.terminal) results.push(step);
            else next.push(step.st);
          }
        }
        live = next;
      }
      for (const s of live) results.push({ st: s, terminal: false });
      return results;
    } finally {
      this.depth--;
    }
  }

  private apply(table: string, target: string, args: readonly string[], s: State): Step[] {
    switch (target) {
      case 'KUBE-MARK-MASQ':
        return [{ st: { ...s, masq: true, path: [...s.path, `${table}:KUBE-MARK-MASQ`] }, terminal: false }];
      case 'DNAT': {
        const to = argValue(args, '--to-destination') ?? '';
        const sep = [...s.path].reverse().find((p) => p.startsWith('nat:KUBE-SEP-'));
        return [{ st: { ...s, dnat: to, sep: sep?.slice(4) }, terminal: true }];
      }
      case 'RETURN':
        return [{ st: s, terminal: false }];
      case 'ACCEPT':
      case 'DROP':
      case 'REJECT':
        return [{ st: { ...s, verdict: target }, terminal: true }];
      case 'MARK':
      case 'MASQUERADE':
      case 'SNAT':
        return [{ st: s, terminal: false }];
      default:
        return this.run(table, target, s).map((r) => (r.terminal ? r : { st: r.st, terminal: false }));
    }
  }
}

/** Trace a packet through `rules` (iptables-restore input or iptables-save output). */
export function tracePacket(rules: string | Map<string, ParsedTable>, pkt: TracePacket): TraceResult {
  const tables = typeof rules === 'string' ? parseRestore(rules) : rules;
  const tracer = new Tracer(tables, pkt, pkt.destination);
  const start = tracer.rulesOf('nat', pkt.hook).length > 0 ? pkt.hook : 'KUBE-SERVICES';
  const natSteps = tracer.run('nat', start, { masq: false, path: [] });

  const outcomes: TraceOutcome[] = [];
  for (const { st } of natSteps) {
    const dest = st.dnat ? st.dnat.split(':')[0] : pkt.destination;
    tracer.setDestination(dest);
    let verdict: State['verdict'];
    let path = st.path;
    for (const chain of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL']) {
      const steps = tracer.run('filter', chain, { ...st, path });
      const term = steps.find((x) => x.terminal && x.st.verdict);
      if (term) {
        verdict = term.st.verdict;
        path = term.st.path;
        break;
      }
    }
    outcomes.push({ sepChain: st.sep, dnat: st.dnat, masquerade: st.masq, verdict, path });
  }
  const uniq = (xs: Array<string | undefined>) => [...new Set(xs.filter((x): x is string => !!x))].sort();
  return {
    outcomes,
    endpoints: uniq(outcomes.map((o) => o.dnat)),
    sepChains: uniq(outcomes.map((o) => o.sepChain)),
    rejected: outcomes.length > 0 && outcomes.every((o) => o.verdict === 'REJECT'),
    dropped: outcomes.length > 0 && outcomes.every((o) => o.verdict === 'DROP'),
    masquerade: outcomes.some((o) => o.masquerade),
  };
}
