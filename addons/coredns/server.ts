/**
 * The DNS server: UDP and TCP listeners per port of the Corefile, each query routed to the server block with the most
 * specific zone (none: REFUSED), answered by its plugin chain, logged and counted as CoreDNS does; the health, ready
 * and metrics HTTP endpoints. `apply()` swaps in a new configuration (reload): listeners of the new one are opened
 * first, so a configuration that cannot listen fails and the old one keeps serving.
 */
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket } from 'dns-packet';
import { Block, type ChainDeps } from './chain.js';
import type { ServerConfig } from './config.js';
import type { DnsMetrics } from './metrics.js';
import { typeLabel } from './metrics.js';
import { fqdn, matchZone } from './names.js';
import { MIN_UDP_SIZE, buildResponse, checkHeader, ednsReject, optOf, rcodeName, rejectPacket, udpLimit } from './packet.js';
import { reply, type DnsQuestion, type Reply } from './records.js';

export interface DnsServerOptions extends Omit<ChainDeps, 'upstream'> {
  /** Address the DNS listeners bind (default 0.0.0.0). */
  bindAddress?: string;
  metrics: DnsMetrics;
  /** Names of plugins not ready yet (the kubernetes plugin before its first sync). */
  notReady: () => string[];
  /** TCP connections idle this long are closed (miekg/dns idleTimeout: 8s). */
  tcpIdleTimeoutMs?: number;
}

interface Listener {
  configPort: number;
  port: number;
  udp: dgram.Socket;
  tcp: net.Server;
  conns: Set<net.Socket>;
}

interface HttpEndpoint {
  address: string;
  server: http.Server;
  port: number;
}

function splitAddress(addr: string): { host: string | undefined; port: number } {
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i).replace(/^\[|\]$/g, '');
  return { host: host === '' ? undefined : host, port: Number(addr.slice(i + 1)) };
}

function listenHttp(addr: string, handler: http.RequestListener): Promise<HttpEndpoint> {
  const { host, port } = splitAddress(addr);
  const server = http.createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({ address: addr, server, port: (server.address() as net.AddressInfo).port });
    });
  });
}

/**
 * A question name this server can answer and echo back unchanged: printable ASCII labels of at most 63 bytes, 255 in
 * all (dns-packet decodes other bytes as UTF-8, which would not encode back to the same wire name).
 */
export function servableName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length > 253) return false;
  if (name === '' || name === '.') return true;
  if (!/^[\x21-\x7e]+$/.test(name)) return false;
  return name.replace(/\.$/, '').split('.').every((l) => l.length > 0 && l.length <= 63);
}

export class DnsServer {
  private blocks: Block[] = [];
  private listeners = new Map<number, Listener>();
  private http = new Map<string, HttpEndpoint>();
  private configs: ServerConfig[] = [];
  private lameduck = false;
  private readonly bind: string;

  constructor(private readonly o: DnsServerOptions) {
    this.bind = o.bindAddress ?? '0.0.0.0';
  }

  /** The port a Corefile port is served on (they differ only for port 0: a random port, for tests). */
  port(configPort: number): number | undefined {
    return this.listeners.get(configPort)?.port;
  }
  /** The port of an HTTP endpoint by the address the Corefile wrote. */
  httpPort(address: string): number | undefined {
    return this.http.get(address)?.port;
  }
  get config(): readonly ServerConfig[] {
    return this.configs;
  }

  /** Serve `configs` (the first load or a reload). Throws, keeping the old configuration, if it cannot listen. */
  async apply(configs: ServerConfig[]): Promise<void> {
    const opened: Listener[] = [];
    const openedHttp: HttpEndpoint[] = [];
    try {
      for (const port of new Set(configs.map((c) => c.port))) {
        if (!this.listeners.has(port)) opened.push(await this.listen(port));
      }
      for (const [addr, kind] of this.httpWanted(configs)) {
        if (!this.http.has(addr) && !openedHttp.some((h) => h.address === addr)) openedHttp.push(await listenHttp(addr, (req, res) => this.serveHttp(kind, req, res)));
      }
    } catch (e) {
      await Promise.all(opened.map((l) => this.closeListener(l)));
      await Promise.all(openedHttp.map((h) => new Promise<void>((r) => h.server.close(() => r()))));
      throw e;
    }
    for (const l of opened) this.listeners.set(l.configPort, l);
    for (const h of openedHttp) this.http.set(h.address, h);
    const deps: ChainDeps = { ...this.o, upstream: (q, depth, port) => this.lookup(q, depth, port) };
    this.blocks = configs.map((c) => new Block(c, deps));
    this.configs = configs;
    // Close what the new configuration no longer uses.
    const ports = new Set(configs.map((c) => c.port));
    for (const [p, l] of [...this.listeners]) {
      if (!ports.has(p)) {
        this.listeners.delete(p);
        await this.closeListener(l);
      }
    }
    const wanted = this.httpWanted(configs);
    for (const [a, h] of [...this.http]) {
      if (!wanted.has(a)) {
        this.http.delete(a);
        h.server.closeAllConnections();
        await new Promise<void>((r) => h.server.close(() => r()));
      }
    }
    this.o.metrics.pluginEnabled.reset();
    for (const c of configs) for (const z of c.zones) for (const p of c.plugins) this.o.metrics.pluginEnabled.set({ server: `dns://:${c.port}`, zone: z, view: '', name: p }, 1);
  }

  private httpWanted(configs: ServerConfig[]): Map<string, 'health' | 'ready' | 'metrics'> {
    const m = new Map<string, 'health' | 'ready' | 'metrics'>();
    for (const c of configs) {
      if (c.health) m.set(c.health.address, 'health');
      if (c.ready) m.set(c.ready.address, 'ready');
      if (c.prometheus) m.set(c.prometheus.address, 'metrics');
    }
    return m;
  }

  private serveHttp(kind: 'health' | 'ready' | 'metrics', req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (kind === 'health' && path === '/health') {
      const t0 = performance.now();
      res.writeHead(this.lameduck ? 503 : 200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(this.lameduck ? '' : 'OK');
      this.o.metrics.healthDuration.observe((performance.now() - t0) / 1000);
      return;
    }
    if (kind === 'ready' && path === '/ready') {
      const not = this.o.notReady();
      if (not.length === 0 && !this.lameduck) res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('OK');
      else res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' }).end(not.join(', '));
      return;
    }
    if (kind === 'metrics' && path === '/metrics') {
      this.o.metrics.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'Content-Type': this.o.metrics.registry.contentType }).end(text))
        .catch((e: unknown) => res.writeHead(500).end(String(e)));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
  }

  private async listen(configPort: number): Promise<Listener> {
    const udp = dgram.createSocket({ type: net.isIPv6(this.bind) ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(configPort, this.bind, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    const port = udp.address().port;
    const conns = new Set<net.Socket>();
    const tcp = net.createServer((s) => this.serveTcp(s, configPort, conns));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, this.bind, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      udp.close();
      throw e;
    }
    udp.on('error', (e) => this.o.log(`[ERROR] udp :${port}: ${e.message}`));
    udp.on('message', (msg, rinfo) => {
      this.handle(msg, 'udp', configPort, rinfo.address, rinfo.port)
        .then((out) => {
          if (out) udp.send(out, rinfo.port, rinfo.address);
        })
        .catch(() => undefined);
    });
    return { configPort, port, udp, tcp, conns };
  }

  private serveTcp(s: net.Socket, configPort: number, conns: Set<net.Socket>): void {
    conns.add(s);
    s.setTimeout(this.o.tcpIdleTimeoutMs ?? 8000, () => s.destroy());
    s.on('close', () => conns.delete(s));
    s.on('error', () => s.destroy());
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        this.handle(Buffer.from(msg), 'tcp', configPort, s.remoteAddress ?? '', s.remotePort ?? 0)
          .then((out) => {
            if (!out || s.destroyed) return;
            const hdr = Buffer.alloc(2);
            hdr.writeUInt16BE(out.length);
            s.write(Buffer.concat([hdr, out]));
          })
          .catch(() => s.destroy());
      }
    });
  }

  private async closeListener(l: Listener): Promise<void> {
    for (const c of l.conns) c.destroy();
    await Promise.all([new Promise<void>((r) => l.udp.close(() => r())), new Promise<void>((r) => l.tcp.close(() => r()))]);
  }

  /** The block serving `name` on a port: the most specific zone. */
  private route(configPort: number, name: string): { block: Block; zone: string } | undefined {
    let best: { block: Block; zone: string } | undefined;
    for (const b of this.blocks) {
      if (b.config.port !== configPort) continue;
      const z = matchZone(b.config.zones, name);
      if (z && (!best || z.length > best.zone.length)) best = { block: b, zone: z };
    }
    return best;
  }

  /** Resolve again from the top (CoreDNS's pkg/upstream: ExternalName targets), on the blocks of `port`. */
  async lookup(q: DnsQuestion, depth = 0, port = this.configs[0]?.port ?? 53): Promise<Reply> {
    const r = this.route(port, q.name);
    if (!r) return reply('', 'REFUSED', [], { authoritative: false });
    return r.block.resolve(q, r.zone, { depth });
  }

  /** One packet in, the packet to send back (or undefined: drop). Never throws. */
  async handle(buf: Buffer, proto: 'udp' | 'tcp', configPort: number, remote = '', remotePort = 0): Promise<Buffer | undefined> {
    const t0 = performance.now();
    try {
      const v = checkHeader(buf);
      if (v.action === 'drop') return undefined;
      if (v.action === 'reject') return rejectPacket(buf, v.rcode);
      let query: DecodedPacket;
      try {
        query = dnsPacket.decode(buf);
      } catch {
        return rejectPacket(buf, 'FORMERR');
      }
      const question = query.questions?.[0];
      if (!question || !servableName(question.name)) return rejectPacket(buf, 'FORMERR');
      const bad = ednsReject(query);
      if (bad) return bad;
      const q: DnsQuestion = { name: fqdn(question.name), type: String(question.type) };
      const limit = proto === 'tcp' ? 65535 : udpLimit(query);
      const dnssec = !!optOf(query)?.flag_do;
      const routed = this.route(configPort, q.name);
      const zone = routed?.zone ?? '.';
      const serverLabel = `dns://:${configPort}`;
      let r: Reply;
      if (question.class !== 'IN' && question.class !== undefined) r = reply('', 'NOTIMP', [], { authoritative: false });
      else if (!routed) r = reply('', 'REFUSED', [], { authoritative: false });
      else if (q.type === 'AXFR' || q.type === 'IXFR') r = reply('', 'REFUSED', [], { authoritative: false });
      else r = await routed.block.resolve(q, zone, { dnssec });
      const out = buildResponse(query, r, limit);
      const m = this.o.metrics;
      const z = routed ? zone : 'dropped';
      const type = typeLabel(q.type);
      const family = remote.includes(':') && !remote.startsWith('::ffff:') ? '2' : '1';
      const base = `${configPort}|${z}`;
      m.requests.inc(`${base}|${proto}|${family}|${type}`, () => ({ server: serverLabel, zone: z, view: '', proto, family, type }));
      m.responses.inc(`${base}|${r.rcode}|${r.plugin}`, () => ({ server: serverLabel, zone: z, view: '', rcode: r.rcode, plugin: r.plugin }));
      const secs = (performance.now() - t0) / 1000;
      m.duration.observe(`${base}|${type}`, () => ({ server: serverLabel, zone: z, view: '', type }), secs);
      m.requestSize.observe(`${base}|${proto}`, () => ({ server: serverLabel, zone: z, view: '', proto }), buf.length);
      m.responseSize.observe(`${base}|${proto}`, () => ({ server: serverLabel, zone: z, view: '', proto }), out.length);
      if (routed?.block.config.log) {
        const tc = (out.readUInt16BE(2) & 0x0200) !== 0;
        const rflags = ['qr', r.authoritative && 'aa', tc && 'tc', query.flag_rd && 'rd', 'ra'].filter(Boolean).join(',');
        const bufsize = optOf(query)?.udpPayloadSize ?? MIN_UDP_SIZE;
        this.o.log(`[INFO] ${remote.includes(':') ? `[${remote}]` : remote}:${remotePort} - ${query.id ?? 0} "${q.type} IN ${question.name.replace(/\.?$/, '.')} ${proto} ${buf.length} ${dnssec} ${bufsize}" ${rcodeName(out.readUInt16BE(2) & 0xf)} ${rflags} ${out.length} ${secs.toFixed(9).replace(/0+$/, '')}s`);
      }
      return out;
    } catch (e) {
      this.o.metrics.panics.inc();
      this.o.log(`[ERROR] Recovered from panic in server: "dns://:${configPort}" ${(e as Error).message}`);
      try {
        return rejectPacket(buf, 'SERVFAIL');
      } catch {
        return undefined;
      }
    }
  }

  /** Start the loop plugin's probe: a random HINFO query to ourselves for each block with `loop` and `forward`. */
  async probeLoops(): Promise<void> {
    for (const b of this.blocks) {
      if (!b.config.loop || !b.config.forward) continue;
      const zone = b.config.zones[0]!;
      const name = `${Math.floor(Math.random() * 2 ** 31)}.${Math.floor(Math.random() * 2 ** 31)}.${zone === '.' ? '' : zone}`;
      b.loopProbe = { name, seen: 0 };
      const port = this.port(b.config.port);
      if (port === undefined) continue;
      const s = dgram.createSocket('udp4');
      const msg = dnsPacket.encode({ type: 'query', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: name.replace(/\.$/, ''), type: 'HINFO', class: 'IN' }] });
      await new Promise<void>((r) => s.send(msg, port, this.bind === '0.0.0.0' ? '127.0.0.1' : this.bind, () => r()));
      setTimeout(() => s.close(), 2500).unref();
      s.on('message', () => undefined);
    }
  }

  /** Health answers 503 from now on (the lameduck period), then everything closes. */
  async close(): Promise<void> {
    this.lameduck = true;
    const lameduck = Math.max(0, ...this.configs.map((c) => c.health?.lameduckMs ?? 0));
    if (lameduck) await new Promise((r) => setTimeout(r, lameduck));
    for (const l of this.listeners.values()) await this.closeListener(l);
    this.listeners.clear();
    for (const h of this.http.values()) {
      h.server.closeAllConnections();
      await new Promise<void>((r) => h.server.close(() => r()));
    }
    this.http.clear();
  }
}
