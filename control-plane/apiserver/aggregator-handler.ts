/**
 * The aggregation layer's I/O (kube-aggregator in the API server's process): the proxy to extension API servers
 * (handler_proxy.go), the discovery of their groups (fetched, cached, merged into /apis), the Available condition
 * (status/remote and status/local availability controllers) and autoregister (a Local APIService per group version
 * this server serves). The decisions are aggregator.ts's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpRequest } from 'node:http';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { isKind } from './object-views.js';
import type { Store } from './store.js';
import type { Logger } from '../../api/client/log.js';
import type { APIGroupDiscovery, APIResourceList, GroupVersionForDiscovery } from '../../api/types/index.js';
import { apiServiceCondition, withAPIServiceCondition, type APIServiceObject } from '../../api/strategies/apiregistration.js';
import {
  AUTOMANAGED_LABEL,
  aggregatedRequestHeaders,
  apiServiceName,
  availabilityPrecheck,
  discoveryPath,
  isRemote,
  LOCAL_AVAILABLE,
  localAPIService,
  probeCondition,
  resolveCluster,
  resolveEndpoint,
  type AvailableCondition,
  type Resolved,
} from './aggregator.js';
import { toResourceDiscovery } from './discovery.js';
import { authProxyHeaders } from './requestheader.js';
import type { UserInfo } from './authn.js';
import type { ProxyDialer } from './resource-proxy-handler.js';
import { nowRfc3339 } from './object-meta.js';
import type { ExtraDiscovery } from './discovery-handler.js';

export interface AggregatorOptions {
  /** --proxy-client-cert-file / --proxy-client-key-file: the front proxy's client certificate (PEM). */
  proxyClientCertPem?: string;
  proxyClientKeyPem?: string;
  /** --enable-aggregator-routing: dial an endpoint address instead of the ClusterIP. */
  enableAggregatorRouting?: boolean;
  /** How addresses are dialled (tests map them to loopback); default net.connect. */
  dial?: ProxyDialer;
  /** The availability controller's resync (upstream: 30 s). */
  resyncMs?: number;
  /** How long one discovery probe may take (upstream: 6 s). */
  probeTimeoutMs?: number;
  log?: Logger;
}

interface Stores {
  apiServices: Store;
  services: Store;
  endpoints: Store;
}

/** The user the aggregator's own probes and discovery requests are made as (upstream's). */
const AGGREGATOR_USER = { name: 'system:kube-aggregator', groups: ['system:masters'] };

interface DiscoveryEntry {
  list: APIResourceList;
  /** Whether the last fetch failed (aggregated discovery marks the version Stale). */
  stale: boolean;
}

let instances = 0;

export class Aggregator {
  private readonly id = ++instances;
  private generation = 0;
  private readonly discovery = new Map<string, DiscoveryEntry>();
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private readonly unobserve: Array<() => void> = [];
  private stopped = false;
  private syncing: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly stores: Stores,
    private readonly opts: AggregatorOptions,
    private readonly servedGroupVersions: () => Array<{ group: string; version: string }>,
  ) {}

  /** The non-local APIService serving a group version, from the watch cache. */
  remote(group: string, version: string): APIServiceObject | undefined {
    const s = this.apiService(apiServiceName(group, version));
    return isRemote(s) ? s : undefined;
  }

  private apiService(name: string): APIServiceObject | undefined {
    const st = this.stores.apiServices;
    const o = st.cache.peek(st.key(undefined, name));
    return o && isKind(o, 'APIService') ? o : undefined;
  }

  private remotes(): APIServiceObject[] {
    return this.stores.apiServices.cache
      .list()
      .map((c) => c.obj)
      .filter((o) => isKind(o, 'APIService'))
      .filter((o) => isRemote(o));
  }

  /** Where an APIService's Service is reached now (a ready endpoint, or its ClusterIP). */
  private resolve(s: APIServiceObject): Resolved {
    const ref = s.spec?.service ?? {};
    const ns = ref.namespace ?? '';
    const name = ref.name ?? '';
    const port = ref.port ?? 443;
    const svcs = this.stores.services;
    const svc = svcs.cache.peek(svcs.key(ns, name));
    const service = svc && isKind(svc, 'Service') ? svc : undefined;
    if (!this.opts.enableAggregatorRouting) return resolveCluster(service, name, port);
    const eps = this.stores.endpoints.cache.peek(this.stores.endpoints.key(ns, name));
    return resolveEndpoint(service, eps && isKind(eps, 'Endpoints') ? eps : undefined, name, port, (n) => Math.floor(Math.random() * n));
  }

  /** A TLS connection to an extension server, presenting the front proxy's certificate, checking it as the APIService says. */
  private connect(s: APIServiceObject, to: { host: string; port: number }): TLSSocket {
    const ref = s.spec?.service ?? {};
    const raw: Duplex = (this.opts.dial ?? ((host, port) => netConnect({ host, port })))(to.host, to.port);
    const ca = s.spec?.caBundle ? Buffer.from(s.spec.caBundle, 'base64').toString('utf8') : undefined;
    return tlsConnect({
      socket: raw,
      servername: `${ref.name ?? ''}.${ref.namespace ?? ''}.svc`,
      ...(ca ? { ca } : {}),
      rejectUnauthorized: s.spec?.insecureSkipTLSVerify !== true,
      ...(this.opts.proxyClientCertPem && this.opts.proxyClientKeyPem ? { cert: this.opts.proxyClientCertPem, key: this.opts.proxyClientKeyPem } : {}),
    });
  }

  /**
   * Proxy a request to the APIService's server (handler_proxy.go): 503 `service unavailable` (plain text, as
   * upstream's http.Error) while it is not Available or has no endpoint; the caller's credentials stay here, the
   * user goes in the front proxy's headers; the answer (a watch too) is streamed back as it comes.
   */
  proxy(req: IncomingMessage, res: ServerResponse, s: APIServiceObject, user: UserInfo): Promise<void> {
    const unavailable = (msg = 'service unavailable'): void => {
      if (res.headersSent) return void res.destroy();
      const body = msg + '\n';
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (apiServiceCondition(s)?.status !== 'True') return Promise.resolve(unavailable());
    const to = this.resolve(s);
    if ('error' in to) {
      this.opts.log?.warn?.(`error resolving ${s.spec?.service?.namespace}/${s.spec?.service?.name}: ${to.error}`);
      return Promise.resolve(unavailable());
    }
    return new Promise<void>((resolve) => {
      const up = httpRequest({
        host: to.host,
        port: to.port,
        method: req.method,
        path: req.url ?? '/',
        headers: { ...aggregatedRequestHeaders(req.headers, user), host: `${to.host}:${to.port}` },
        createConnection: () => this.connect(s, to) as unknown as ReturnType<typeof netConnect>,
      });
      up.on('response', (upRes) => {
        const headers: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(upRes.headers)) if (v !== undefined && k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding') headers[k] = v;
        res.writeHead(upRes.statusCode ?? 502, headers);
        upRes.pipe(res);
        upRes.on('end', () => resolve());
        upRes.on('error', () => {
          res.destroy();
          resolve();
        });
      });
      up.on('error', (e) => {
        // upstream's responder.Error: the proxy's error, 503
        unavailable(`error trying to reach service: ${e.message}`);
        resolve();
      });
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
      });
      req.pipe(up);
    });
  }

  /** GET a path of the APIService's server as the aggregator (system:kube-aggregator in system:masters). */
  private get(s: APIServiceObject, path: string): Promise<{ status: number; body: string; url: string } | { error: string; url: string }> {
    const to = this.resolve(s);
    if ('error' in to) return Promise.resolve({ error: to.error, url: '' });
    const url = `https://${to.host.includes(':') ? `[${to.host}]` : to.host}:${to.port}${path}`;
    const timeoutMs = this.opts.probeTimeoutMs ?? 6000;
    return new Promise((resolve) => {
      const headers: Record<string, string | string[]> = { accept: 'application/json' };
      for (const [k, v] of authProxyHeaders(AGGREGATOR_USER)) {
        const cur = headers[k];
        headers[k] = cur === undefined ? v : [...(Array.isArray(cur) ? cur : [cur]), v];
      }
      const up = httpRequest({
        host: to.host,
        port: to.port,
        path,
        method: 'GET',
        headers,
        createConnection: () => this.connect(s, to) as unknown as ReturnType<typeof netConnect>,
      });
      const timer = setTimeout(() => {
        up.destroy();
        resolve({ error: `timed out waiting for ${url}`, url });
      }, timeoutMs);
      up.on('response', (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => {
          clearTimeout(timer);
          resolve({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), url });
        });
        r.on('error', (e) => {
          clearTimeout(timer);
          resolve({ error: `failing or missing response from ${url}: ${e.message}`, url });
        });
      });
      up.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const why = e.code === 'ECONNREFUSED' ? `dial tcp ${to.host}:${to.port}: connect: connection refused` : e.message;
        resolve({ error: `failing or missing response from ${url}: Get "${url}": ${why}`, url });
      });
      up.end();
    });
  }

  /**
   * The discovery probe (five attempts at once, one success is enough), whose answer is also the group version's
   * discovery document: the condition, and the APIResourceList when it passed.
   */
  private async probe(s: APIServiceObject): Promise<{ condition: AvailableCondition; list?: APIResourceList }> {
    const path = discoveryPath(s);
    const attempts = await Promise.all([0, 1, 2, 3, 4].map(() => this.get(s, path)));
    const errors: Array<string | undefined> = [];
    let list: APIResourceList | undefined;
    for (const a of attempts) {
      if ('error' in a) {
        errors.push(a.error);
        continue;
      }
      if (a.status < 200 || a.status >= 300) {
        errors.push(`failing or missing response from ${a.url}: bad status from ${a.url}: ${a.status}`);
        continue;
      }
      errors.push(undefined);
      if (!list) {
        try {
          const parsed: unknown = JSON.parse(a.body);
          if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { resources?: unknown }).resources)) list = parsed as APIResourceList;
        } catch {
          // a 2xx that is no APIResourceList passes the probe but gives no discovery
        }
      }
    }
    return { condition: probeCondition(errors), ...(list ? { list } : {}) };
  }

  /** Write the Available condition when it changed (updateAPIServiceStatus: no write for no change). */
  private async writeCondition(s: APIServiceObject, c: AvailableCondition): Promise<void> {
    const cur = apiServiceCondition(s);
    if (cur && cur.status === c.status && cur.reason === c.reason && cur.message === c.message) return;
    if (cur?.status !== c.status) this.opts.log?.info?.(`changing APIService availability ${s.metadata?.name}: ${c.status} (${c.reason}) ${c.message}`);
    const name = s.metadata?.name ?? '';
    await this.stores.apiServices.guaranteedUpdate(
      undefined,
      name,
      (latest) => {
        const obj = latest as APIServiceObject & { metadata: object };
        return { ...obj, status: { ...(obj.status ?? {}), conditions: withAPIServiceCondition(obj.status?.conditions, c, nowRfc3339()) } } as never;
      },
      { subresource: 'status' },
    );
  }

  /** One APIService's availability (and, for a remote one, its discovery document). */
  async syncOne(s: APIServiceObject): Promise<void> {
    const name = s.metadata?.name ?? '';
    if (!isRemote(s)) {
      if (this.discovery.delete(name)) this.generation++;
      return this.writeCondition(s, LOCAL_AVAILABLE);
    }
    const ref = s.spec.service;
    const svcs = this.stores.services;
    const svc = svcs.cache.peek(svcs.key(ref.namespace ?? '', ref.name ?? ''));
    const eps = this.stores.endpoints.cache.peek(this.stores.endpoints.key(ref.namespace ?? '', ref.name ?? ''));
    const pre = availabilityPrecheck(s, svc && isKind(svc, 'Service') ? svc : undefined, eps && isKind(eps, 'Endpoints') ? eps : undefined);
    let condition: AvailableCondition;
    if ('condition' in pre) condition = pre.condition;
    else {
      const r = await this.probe(s);
      condition = r.condition;
      if (r.list) this.setDiscovery(name, { list: r.list, stale: false });
    }
    if (condition.status !== 'True') {
      const d = this.discovery.get(name);
      if (d && !d.stale) this.setDiscovery(name, { ...d, stale: true });
    }
    await this.writeCondition(s, condition);
  }

  private setDiscovery(name: string, d: DiscoveryEntry): void {
    const old = this.discovery.get(name);
    if (old && old.stale === d.stale && JSON.stringify(old.list) === JSON.stringify(d.list)) return;
    this.discovery.set(name, d);
    this.generation++;
  }

  /** Every APIService once (the controller's resync), and discovery of deleted ones dropped. */
  async syncAll(): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      try {
        do {
          this.again = false;
          await this.autoregister();
          const all = this.stores.apiServices.cache.list().map((c) => c.obj).filter((o) => isKind(o, 'APIService'));
          const names = new Set(all.map((o) => o.metadata?.name ?? ''));
          for (const k of [...this.discovery.keys()]) {
            if (!names.has(k)) {
              this.discovery.delete(k);
              this.generation++;
            }
          }
          await Promise.all(all.map((s) => this.syncOne(s).catch((e: Error) => this.opts.log?.warn?.(`APIService ${s.metadata?.name}: ${e.message}`))));
        } while (this.again && !this.stopped);
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  /**
   * autoregister: a Local APIService for every group version served here (created when missing); an automanaged one
   * whose group version is no longer served (a CRD's, removed) is deleted.
   */
  async autoregister(): Promise<void> {
    const st = this.stores.apiServices;
    const served = new Map<string, { group: string; version: string }>();
    for (const gv of this.servedGroupVersions()) served.set(apiServiceName(gv.group, gv.version), gv);
    for (const [name, gv] of served) {
      if (this.apiService(name) || (await st.tryGet(undefined, name))) continue;
      await st.create(undefined, localAPIService(gv.group, gv.version) as never).catch((e: Error) => {
        if (!/already exists/.test(e.message)) throw e;
      });
    }
    for (const c of st.cache.list()) {
      const o = c.obj;
      if (!isKind(o, 'APIService') || isRemote(o)) continue;
      const name = o.metadata?.name ?? '';
      if (o.metadata?.labels?.[AUTOMANAGED_LABEL] && !served.has(name)) await st.delete(undefined, name).catch(() => undefined);
    }
  }

  /** Start the controller: a sync now, on every APIService, Service or Endpoints change (coalesced), and every resync. */
  async start(): Promise<void> {
    await this.syncAll().catch((e: Error) => this.opts.log?.warn?.(`aggregator: ${e.message}`));
    const poke = (): void => {
      if (this.stopped || this.soon) return;
      this.soon = setTimeout(() => {
        this.soon = undefined;
        void this.syncAll().catch((e: Error) => this.opts.log?.warn?.(`aggregator: ${e.message}`));
      }, 100);
    };
    for (const s of [this.stores.apiServices, this.stores.services, this.stores.endpoints]) this.unobserve.push(s.cache.observe({ reset: poke, event: poke }));
    this.timer = setInterval(poke, this.opts.resyncMs ?? 30_000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    for (const u of this.unobserve.splice(0)) u();
  }

  /** The remote APIServices by group, each group's versions by versionPriority (highest first), then name. */
  private remoteGroups(): Map<string, APIServiceObject[]> {
    const by = new Map<string, APIServiceObject[]>();
    const all = this.remotes().sort(
      (a, b) => (b.spec?.groupPriorityMinimum ?? 0) - (a.spec?.groupPriorityMinimum ?? 0) || String(a.metadata?.name).localeCompare(String(b.metadata?.name)),
    );
    for (const s of all) {
      const g = s.spec?.group ?? '';
      if (g === '') continue;
      (by.get(g) ?? by.set(g, []).get(g)!).push(s);
    }
    for (const list of by.values()) list.sort((a, b) => (b.spec?.versionPriority ?? 0) - (a.spec?.versionPriority ?? 0) || String(a.spec?.version).localeCompare(String(b.spec?.version)));
    return by;
  }

  /** The legacy APIGroup entries of groups only APIServices serve (appended to /apis; /apis/<group>). */
  legacyGroups(servedGroups: ReadonlySet<string>): Array<{ name: string; versions: GroupVersionForDiscovery[]; preferredVersion?: GroupVersionForDiscovery }> {
    const out = [];
    for (const [group, list] of this.remoteGroups()) {
      if (servedGroups.has(group)) continue;
      const versions = list.map((s) => ({ groupVersion: `${group}/${s.spec?.version ?? ''}`, version: s.spec?.version ?? '' }));
      out.push({ name: group, versions, ...(versions[0] ? { preferredVersion: versions[0] } : {}) });
    }
    return out;
  }

  /** The aggregated discovery of those groups: versions whose document was fetched, Stale when the last fetch failed. */
  aggregatedDiscovery(servedGroups: ReadonlySet<string>): ExtraDiscovery {
    return {
      key: `aggregator-${this.id}-${this.generation}`,
      groups: () => {
        const out: APIGroupDiscovery[] = [];
        for (const [group, list] of this.remoteGroups()) {
          if (servedGroups.has(group)) continue;
          const versions = [];
          for (const s of list) {
            const d = this.discovery.get(s.metadata?.name ?? '');
            if (!d) continue;
            versions.push({ version: s.spec?.version ?? '', resources: toResourceDiscovery(d.list.resources ?? []), freshness: d.stale ? 'Stale' : 'Current' });
          }
          if (versions.length > 0) out.push({ metadata: { name: group, creationTimestamp: null }, versions } as APIGroupDiscovery);
        }
        return out;
      },
    };
  }
}
