/**
 * One server block's plugin chain, run in CoreDNS's fixed plugin order (plugin.cfg), whatever the Corefile's order:
 *
 *   cache -> rewrite -> hosts -> kubernetes -> loop -> forward      (loadbalance shuffles what comes back)
 *
 * A plugin answers or passes the question on; nobody answering is SERVFAIL (CoreDNS's "no next plugin found").
 */
import type { Answer } from 'dns-packet';
import { DnsCache } from './cache.js';
import type { ClusterState } from './cluster-state.js';
import type { ServerConfig } from './config.js';
import { Forwarder, forwards } from './forward.js';
import { hostsTable, resolveHosts, type HostsTable } from './hosts.js';
import { resolveKubernetes } from './kubernetes.js';
import type { DnsMetrics } from './metrics.js';
import { isReply, reply, type DnsQuestion, type Reply } from './records.js';
import { reverseAnswers, rewriteName } from './rewrite.js';

export interface ChainDeps {
  state: ClusterState;
  /** Where `ns.dns.<zone>` points. */
  nsAddresses: () => string[];
  metrics?: DnsMetrics;
  /** A CoreDNS-style log line (`[ERROR] plugin/errors: ...`). */
  log: (line: string) => void;
  /** Resolve again through the whole server (CoreDNS's pkg/upstream), for ExternalName targets. */
  upstream: (q: DnsQuestion, depth: number, port: number) => Promise<Reply>;
  /** The loop plugin found its probe coming back (CoreDNS exits). */
  onLoop: (message: string) => void;
  /** Reads a file the Corefile names (the hosts file). */
  readFile: (path: string) => string | undefined;
  /** The clock of the cache plugin (ms; default Date.now). */
  now?: () => number;
}

/**
 * Whether the same question would get the same answer again, and until when: a hosts or kubernetes answer as long as
 * the cluster state and the configuration are the same (`until` Infinity; the responder checks those); the cache
 * plugin's hit until its entry expires (`until`) while the entry is kept (`holds`), with every TTL set to
 * `ttlLeft(now)` (its countdown). Undefined: never (forwarded, shuffled by loadbalance, SERVFAIL, an ExternalName
 * chased, a cache miss that the next query will find in the cache). `onHit` counts what the chain would have counted
 * on the way (the cache metrics).
 */
export interface Reuse {
  until: number;
  holds?: () => boolean;
  ttlLeft?: (now: number) => number;
  onHit?: () => void;
}

/** The runtime of one server block: its config and the state its plugins keep (cache, hosts table, upstreams). */
export class Block {
  readonly cache?: DnsCache;
  readonly hosts?: HostsTable;
  readonly forwarder?: Forwarder;
  readonly serverLabel: string;
  /** The loop plugin's probe name and how often it came in. */
  loopProbe?: { name: string; seen: number };

  constructor(
    readonly config: ServerConfig,
    private readonly deps: ChainDeps,
  ) {
    this.serverLabel = `dns://:${config.port}`;
    if (config.cache) this.cache = new DnsCache(config.cache, deps.now);
    if (config.hosts) this.hosts = hostsTable(config.hosts, deps.readFile(config.hosts.file));
    if (config.forward) this.forwarder = new Forwarder(config.forward, deps.metrics);
  }

  /** Answer one question (`zone` is the block zone it matched, for metric labels). */
  async resolve(q: DnsQuestion, zone: string, opts: { dnssec?: boolean; depth?: number } = {}): Promise<Reply> {
    return (await this.answer(q, zone, opts)).reply;
  }

  /** Answer one question, and say whether and until when the same question gets the same answer (see Reuse). */
  async answer(q: DnsQuestion, zone: string, opts: { dnssec?: boolean; depth?: number } = {}): Promise<{ reply: Reply; reuse?: Reuse }> {
    const c = this.config;
    const m = this.deps.metrics;
    const dnssec = opts.dnssec ?? false;
    const zones = this.cache?.config.zones.join(',') ?? '';
    const srv = this.serverLabel;
    const ck = `${srv}|${zones}`;
    if (this.cache?.covers(q)) {
      m?.cacheRequests.inc(ck, () => ({ server: srv, zones, view: '' }));
      const hit = this.cache.get(q, dnssec);
      if (hit) {
        const hitKey = `${ck}|${hit.kind}`;
        const hitLabels = () => ({ server: srv, type: hit.kind, zones, view: '' });
        m?.cacheHits.inc(hitKey, hitLabels);
        const r = this.balance({ ...hit.reply, plugin: 'cache' });
        const onHit = () => {
          m?.cacheRequests.inc(ck, () => ({ server: srv, zones, view: '' }));
          m?.cacheHits.inc(hitKey, hitLabels);
        };
        return { reply: r.reply, reuse: r.shuffled ? undefined : { until: hit.expires, holds: hit.holds, ttlLeft: hit.left, onHit } };
      }
      m?.cacheMisses.inc(ck, () => ({ server: srv, zones, view: '' }));
    }

    const rw = rewriteName(c.rewrite, q.name);
    const inner: DnsQuestion = { name: rw.name, type: q.type };
    let { reply: r, reusable } = await this.inner(inner, zone, dnssec, opts.depth ?? 0);
    if (rw.applied.length) {
      r = { ...r, answers: reverseAnswers(r.answers, q.name, rw.name, rw.applied), additionals: reverseAnswers(r.additionals, q.name, rw.name, rw.applied) };
    }
    if (this.cache?.covers(q)) {
      this.cache.put(q, r, dnssec);
      const n = this.cache.size;
      m?.cacheEntries.set(`${ck}|success`, () => ({ server: srv, type: 'success', zones, view: '' }), n.success);
      m?.cacheEntries.set(`${ck}|denial`, () => ({ server: srv, type: 'denial', zones, view: '' }), n.denial);
      reusable = false;
    }
    const b = this.balance(r);
    return { reply: b.reply, reuse: reusable && !b.shuffled && r.rcode !== 'SERVFAIL' ? { until: Infinity } : undefined };
  }

  private balance(r: Reply): { reply: Reply; shuffled: boolean } {
    if (!this.config.loadbalance || r.answers.length < 2) return { reply: r, shuffled: false };
    // round_robin: shuffle the address records, keep the others (CNAMEs first) in place.
    const addr = r.answers.filter((x) => x.type === 'A' || x.type === 'AAAA');
    if (addr.length < 2) return { reply: r, shuffled: false };
    for (let i = addr.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [addr[i], addr[j]] = [addr[j]!, addr[i]!];
    }
    let k = 0;
    const answers: Answer[] = r.answers.map((x) => (x.type === 'A' || x.type === 'AAAA' ? addr[k++]! : x));
    return { reply: { ...r, answers }, shuffled: true };
  }

  /** The plugins after cache; `reusable`: the answer is a function of the question, the state and the config alone. */
  private async inner(q: DnsQuestion, zone: string, dnssec: boolean, depth: number): Promise<{ reply: Reply; reusable: boolean }> {
    const c = this.config;
    if (c.hosts && this.hosts) {
      const r = resolveHosts(c.hosts, this.hosts, q);
      if (isReply(r)) return { reply: r, reusable: true };
    }
    if (c.kubernetes) {
      const k = resolveKubernetes({ state: this.deps.state, config: c.kubernetes, nsAddresses: this.deps.nsAddresses() }, q);
      if (isReply(k.result)) {
        if (!k.chase || depth > 7) return { reply: k.result, reusable: !k.chase };
        try {
          const up = await this.deps.upstream({ name: k.chase, type: q.type }, depth + 1, this.config.port);
          return { reply: { ...k.result, answers: [...k.result.answers, ...up.answers] }, reusable: false };
        } catch {
          return { reply: k.result, reusable: false };
        }
      }
    }
    if (c.loop && this.loopProbe && q.name === this.loopProbe.name && q.type === 'HINFO') {
      this.loopProbe.seen++;
      if (this.loopProbe.seen > 2) {
        this.deps.onLoop(`[FATAL] plugin/loop: Loop (127.0.0.1 -> :${c.port}) detected for zone "${zone}", see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO ${q.name}"`);
      }
    }
    if (c.forward && this.forwarder && forwards(c.forward, q.name)) {
      try {
        return { reply: await this.forwarder.resolve(q, dnssec), reusable: false };
      } catch (e) {
        if (c.errors) this.deps.log(`[ERROR] plugin/errors: 2 ${q.name} ${q.type}: ${(e as Error).message}`);
        return { reply: reply('forward', 'SERVFAIL', [], { authoritative: false }), reusable: false };
      }
    }
    if (c.errors) this.deps.log(`[ERROR] plugin/errors: 2 ${q.name} ${q.type}: plugin/${c.kubernetes ? 'kubernetes' : c.hosts ? 'hosts' : 'rewrite'}: no next plugin found`);
    return { reply: reply('', 'SERVFAIL', [], { authoritative: false }), reusable: false };
  }
}
