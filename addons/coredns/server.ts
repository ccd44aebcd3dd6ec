/**
 * The DNS server: UDP and TCP listeners per port of the Corefile, each packet answered by the current configuration's
 * Responder (responder.ts: routing to the server block with the most specific zone, the plugin chain, metrics, the
 * `log` line; a kept wire answer is sent in the same tick); the health, ready and metrics HTTP endpoints. `apply()`
 * swaps in a new configuration (reload): listeners of the new one are opened first, so a configuration that cannot
 * listen fails and the old one keeps serving.
 */
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { ServerConfig } from './config.js';
import type { DnsQuestion, Reply } from './records.js';
import { Responder, type ResponderDeps } from './responder.js';

export { servableName } from './responder.js';

export interface DnsServerOptions extends ResponderDeps {
  /** Address the DNS listeners bind (default 0.0.0.0). */
  bindAddress?: string;
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

/** dgram's `lookup` for IP literals: the address as it is, in the same tick. */
function literalLookup(address: string, _family: unknown, cb: (err: Error | null, address: string, family: number) => void): void {
  cb(null, address, address.includes(':') ? 6 : 4);
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

export class DnsServer {
  private responder: Responder;
  private listeners = new Map<number, Listener>();
  private http = new Map<string, HttpEndpoint>();
  private configs: ServerConfig[] = [];
  private lameduck = false;
  private readonly bind: string;

  constructor(private readonly o: DnsServerOptions) {
    this.bind = o.bindAddress ?? '0.0.0.0';
    this.responder = new Responder([], o);
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
    this.responder = new Responder(configs, this.o);
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
    // Answers go back to the address a query came from, always an IP: no dns.lookup (and its extra tick) per send.
    const udp = dgram.createSocket({ type: net.isIPv6(this.bind) ? 'udp6' : 'udp4', lookup: literalLookup });
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
    const reply = (out: Buffer | undefined, rinfo: dgram.RemoteInfo) => {
      try {
        if (out) udp.send(out, rinfo.port, rinfo.address);
      } catch {
        // The socket is closing (a reload or shutdown): the query is dropped, as by a server that stopped.
      }
    };
    udp.on('message', (msg, rinfo) => {
      const out = this.responder.respond(msg, 'udp', configPort, rinfo.address, rinfo.port);
      if (Buffer.isBuffer(out)) reply(out, rinfo);
      else out.then((o) => reply(o, rinfo)).catch(() => undefined);
    });
    return { configPort, port, udp, tcp, conns };
  }

  private serveTcp(s: net.Socket, configPort: number, conns: Set<net.Socket>): void {
    conns.add(s);
    s.setTimeout(this.o.tcpIdleTimeoutMs ?? 8000, () => s.destroy());
    s.on('close', () => conns.delete(s));
    s.on('error', () => s.destroy());
    let buf = Buffer.alloc(0);
    // Answers go out in the order the queries came, as miekg/dns serves a connection one query after the other: a
    // kept answer is written at once only when no earlier answer is still being made.
    let tail: Promise<void> | undefined;
    s.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        const send = (out: Buffer | undefined) => {
          if (!out || s.destroyed) return;
          const hdr = Buffer.alloc(2);
          hdr.writeUInt16BE(out.length);
          s.write(Buffer.concat([hdr, out]));
        };
        const out = this.responder.respond(Buffer.from(msg), 'tcp', configPort, s.remoteAddress ?? '', s.remotePort ?? 0);
        if (Buffer.isBuffer(out) && !tail) {
          send(out);
          continue;
        }
        const p: Promise<void> = (tail ?? Promise.resolve())
          .then(() => out)
          .then(send)
          .catch(() => {
            s.destroy();
          });
        tail = p;
        void p.then(() => {
          if (tail === p) tail = undefined;
        });
      }
    });
  }

  private async closeListener(l: Listener): Promise<void> {
    for (const c of l.conns) c.destroy();
    await Promise.all([new Promise<void>((r) => l.udp.close(() => r())), new Promise<void>((r) => l.tcp.close(() => r()))]);
  }

  /** Resolve again from the top (CoreDNS's pkg/upstream: ExternalName targets), on the blocks of `port`. */
  lookup(q: DnsQuestion, depth = 0, port?: number): Promise<Reply> {
    return this.responder.lookup(q, depth, port);
  }

  /** One packet in, the packet to send back (or undefined: drop). Never throws. */
  handle(buf: Buffer, proto: 'udp' | 'tcp', configPort: number, remote = '', remotePort = 0): Promise<Buffer | undefined> {
    return this.responder.handle(buf, proto, configPort, remote, remotePort);
  }

  /** Start the loop plugin's probe: a random HINFO query to ourselves for each block with `loop` and `forward`. */
  async probeLoops(): Promise<void> {
    for (const b of this.responder.blocks) {
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
