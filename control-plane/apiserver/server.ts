/**
 * The API server: Kubernetes' REST API over the storage Backend, TLS only.
 * Pipeline: TLS -> authenticate -> RequestInfo -> authorize -> handler (discovery | openapi | resource verb).
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, KubeError } from '../../api/errors.js';
import { RESOURCES, apiVersionOf, findResource, type ResourceInfo } from '../../api/resources.js';
import type { Backend } from '../storage/backend.js';
import { Store, type Obj, type DeleteOptions } from './store.js';
import { strategyFor } from './strategies/strategy.js';
import { labelSelectorString } from './strategies/printers.js';
import { parseRequestInfo, type RequestInfo } from './request-info.js';
import { Authenticator, type UserInfo } from './authn.js';
import { authorize, isPublicPath } from './authz.js';
import { decodeBody, mediaType, readBody, sendError, sendJson, statusSuccess, wantsTable } from './http-util.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import { toTable, partialMetadata } from './table.js';
import { serveWatch } from './watch-handler.js';
import { buildMatcher } from './selectors.js';
import { identityTransformer, type Transformer } from './encryption.js';
import { NodePortAllocator, ServiceIPAllocator, parsePortRange } from './range-allocator.js';
import { finalizeNamespace, namespaceAdmission, namespaceHooks, podGracePeriod, serviceHooks } from './resource-hooks.js';
import { applyPatch } from './patch-handler.js';
import { checkBodyStructure } from './field-validation.js';
import { serveOpenAPI } from './openapi-handler.js';
import { bootstrapCluster, reconcileKubernetesEndpoints } from './bootstrap.js';
import { nowRfc3339 } from './object-meta.js';
import { coreEventToV1, v1EventToCore } from './event-conversion.js';
import { VERSION_INFO } from './version.js';
import type { Logger } from '../../api/client/log.js';
import type { Duplex } from 'node:stream';

export interface ApiServerOptions {
  backend: Backend;
  bindAddress: string;
  securePort: number;
  tlsCert: string | Buffer;
  tlsKey: string | Buffer;
  clientCA?: string | Buffer;
  authenticator: Authenticator;
  serviceClusterIPRange: string;
  serviceNodePortRange: string;
  /** The address other components and the kubernetes Service's Endpoints use. */
  advertiseAddress: string;
  transformers?: Map<string, Transformer>;
  minRequestTimeoutSeconds?: number;
  bookmarkIntervalMs?: number;
  log?: Logger;
  /** Hook for subresources served by kubelets (log, exec, portforward, node proxy). */
  kubeletProxy?: (req: IncomingMessage, res: ServerResponse, info: RequestInfo, pod: Obj | undefined, node: Obj | undefined) => Promise<void>;
  /** The same for upgraded connections (exec/attach/port-forward over WebSocket or SPDY). */
  kubeletUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer, info: RequestInfo, pod: Obj | undefined, node: Obj | undefined) => Promise<void>;
}

export class ApiServer {
  readonly stores = new Map<string, Store>();
  readonly serviceIPs: ServiceIPAllocator;
  readonly nodePorts: NodePortAllocator;
  private server: Server | undefined;
  private endpointTimer: NodeJS.Timeout | undefined;
  private ready = false;

  constructor(readonly opts: ApiServerOptions) {
    this.serviceIPs = new ServiceIPAllocator(opts.backend, opts.serviceClusterIPRange);
    const pr = parsePortRange(opts.serviceNodePortRange);
    this.nodePorts = new NodePortAllocator(opts.backend, pr.min, pr.max);
    for (const info of RESOURCES) {
      if (info.plural === 'bindings') continue;
      const t = opts.transformers?.get(info.group ? `${info.plural}.${info.group}` : info.plural) ?? identityTransformer;
      const conversion = info.group === 'events.k8s.io' ? { fromStorage: coreEventToV1, toStorage: v1EventToCore } : undefined;
      this.stores.set(storeKey(info.group, info.plural), new Store(info, strategyFor(info), opts.backend, t, {}, conversion));
    }
    const ns = this.store('', 'namespaces');
    Object.assign(ns.hooks, namespaceHooks(() => ns));
    Object.assign(this.store('', 'services').hooks, serviceHooks(this.serviceIPs, this.nodePorts));
    this.store('', 'pods').hooks.gracePeriod = podGracePeriod;
    for (const s of this.stores.values()) {
      if (s.info.namespaced) s.hooks.admitCreate = namespaceAdmission(ns, s.info.plural);
    }
  }

  store(group: string, plural: string): Store {
    const s = this.stores.get(storeKey(group, plural));
    if (!s) throw new Error(`no store for ${plural}.${group}`);
    return s;
  }

  get address(): AddressInfo {
    return this.server!.address() as AddressInfo;
  }

  async start(): Promise<void> {
    await this.repairAllocations();
    await bootstrapCluster(this);
    this.server = createHttpsServer(
      {
        cert: this.opts.tlsCert,
        key: this.opts.tlsKey,
        ...(this.opts.clientCA ? { ca: this.opts.clientCA, requestCert: true, rejectUnauthorized: false } : {}),
        keepAlive: true,
      },
      (req, res) => {
        this.handle(req, res).catch((e) => sendError(res, e));
      },
    );
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.handleUpgrade(req, socket, head).catch((e: unknown) => {
        const ke = e instanceof KubeError ? e : errors.internal((e as Error)?.message ?? String(e));
        const body = JSON.stringify(ke.toStatus());
        if (socket.writable) {
          socket.end(`HTTP/1.1 ${ke.httpStatus} ${ke.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
        }
      });
    });
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 70_000;
    this.server.requestTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.securePort, this.opts.bindAddress, () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
    // Warm the watch caches so the first watch is instant.
    await Promise.all([...this.stores.values()].map((s) => s.cache.ready()));
    this.ready = true;
    this.endpointTimer = setInterval(() => {
      reconcileKubernetesEndpoints(this).catch((e) => this.opts.log?.warn?.(`kubernetes endpoints: ${(e as Error).message}`));
    }, 10_000);
  }

  async stop(): Promise<void> {
    if (this.endpointTimer) clearInterval(this.endpointTimer);
    for (const s of this.stores.values()) s.cache.stop();
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    }
  }

  /** The allocation maps become exactly what stored Services hold (a crash between allocate and create leaks nothing). */
  private async repairAllocations(): Promise<void> {
    const svcs = await this.store('', 'services').list({ matches: () => true });
    const ips: number[] = [];
    const ports: number[] = [];
    for (const s of svcs.items) {
      for (const ip of s.spec?.clusterIPs ?? [s.spec?.clusterIP]) {
        const o = ip ? this.serviceIPs.offsetOf(ip) : undefined;
        if (o !== undefined) ips.push(o);
      }
      for (const p of s.spec?.ports ?? []) if (this.nodePorts.inRange(p.nodePort)) ports.push(p.nodePort - this.nodePorts.min);
    }
    await this.serviceIPs.alloc.repair(ips);
    await this.nodePorts.alloc.repair(ports);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const query = url.searchParams;
    const method = req.method ?? 'GET';

    if (isPublicPath(path)) return this.handlePublic(res, path);
    const user = this.opts.authenticator.authenticate(req);
    if (!user) throw errors.unauthorized();

    if (path === '/api') return sendJson(res, 200, apiVersions(`${this.opts.advertiseAddress}:${this.opts.securePort}`));
    if (path === '/apis') return sendJson(res, 200, apiGroupList());
    if (path.startsWith('/openapi/')) return serveOpenAPI(req, res, path, query);
    if (path === '/apis/authentication.k8s.io/v1/selfsubjectreviews' && method === 'POST') {
      return sendJson(res, 201, {
        kind: 'SelfSubjectReview',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { creationTimestamp: nowRfc3339() },
        status: { userInfo: { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups } },
      });
    }

    const info = parseRequestInfo(method, path, query);
    if (!info.isResourceRequest) {
      if (info.apiPrefix === 'api' && info.version) {
        const l = apiResourceList('', info.version);
        if (l) return sendJson(res, 200, l);
      } else if (info.apiPrefix === 'apis' && info.group && info.version) {
        const l = apiResourceList(info.group, info.version);
        if (l) return sendJson(res, 200, l);
      } else if (info.apiPrefix === 'apis' && info.group) {
        const g = apiGroup(info.group);
        if (g) return sendJson(res, 200, g);
      }
      throw notFoundPath();
    }
    return this.handleResource(req, res, info, query, user);
  }

  /** Upgraded requests: only pods/exec, pods/attach, pods/portforward and nodes/proxy, proxied to the kubelet. */
  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const user = this.opts.authenticator.authenticate(req);
    if (!user) throw errors.unauthorized();
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    // exec and port-forward over GET upgrades are authorized as "create", as upstream.
    info.verb = 'create';
    const rinfo = findResource(info.group, info.resource);
    if (!rinfo || !['exec', 'attach', 'portforward', 'proxy'].includes(info.subresource)) throw notFoundPath();
    this.authorizeOrThrow(user, info);
    if (!this.opts.kubeletUpgrade) throw new KubeError('ServiceUnavailable', `no kubelet proxy is configured for ${info.subresource}`, { httpStatus: 503 });
    if (rinfo.plural === 'pods') {
      const pod = await this.store('', 'pods').get(info.namespace, info.name);
      const node = pod.spec?.nodeName ? await this.store('', 'nodes').tryGet(undefined, pod.spec.nodeName) : undefined;
      return this.opts.kubeletUpgrade(req, socket, head, info, pod, node);
    }
    const node = await this.store('', 'nodes').get(undefined, info.name);
    return this.opts.kubeletUpgrade(req, socket, head, info, undefined, node);
  }

  private handlePublic(res: ServerResponse, path: string): void {
    if (path === '/version') return sendJson(res, 200, VERSION_INFO);
    const ok = this.ready;
    if (path.endsWith('/verbose') || path.includes('?verbose')) {
      res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`[+]ping ok\n[+]etcd ${ok ? 'ok' : 'failed'}\n${path.split('/')[1]} check ${ok ? 'passed' : 'failed'}\n`);
      return;
    }
    res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end(ok ? 'ok' : 'not ready');
  }

  private async handleResource(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, user: UserInfo): Promise<void> {
    // POST /api/v1/namespaces/{ns}/bindings: the legacy binding endpoint.
    if (info.resource === 'bindings' && info.group === '' && info.verb === 'create') {
      this.authorizeOrThrow(user, info);
      const body = decodeBody(await readBody(req), mediaType(req)) as Obj;
      const pod = await this.bindPod(info.namespace, body.metadata?.name ?? '', body);
      void pod;
      return sendJson(res, 201, statusSuccess());
    }
    const rinfo = findResource(info.group, info.resource);
    if (!rinfo || rinfo.version !== info.version || rinfo.plural === 'bindings') throw notFoundPath();
    const store = this.store(rinfo.group, rinfo.plural);
    const ns = rinfo.namespaced ? info.namespace || undefined : undefined;
    if (rinfo.namespaced && !ns && info.name) throw notFoundPath();
    if (rinfo.namespaced && !ns && info.verb === 'create') throw notFoundPath();
    if (info.subresource && !rinfo.subresources.includes(info.subresource)) throw notFoundPath();

    const decision = authorize(user, {
      verb: info.verb,
      group: info.group,
      resource: info.resource,
      subresource: info.subresource,
      namespace: info.namespace,
      name: info.name,
      isResourceRequest: true,
      path: info.path,
    });
    if (decision.allowed === false) throw new KubeError('Forbidden', decision.reason, { details: { name: info.name, group: info.group, kind: info.resource } });
    if (decision.allowed === 'ifPodBoundTo') {
      const pod = await store.tryGet(ns, info.name);
      if (pod && pod.spec?.nodeName !== decision.node) {
        throw errors.forbidden(user.name, info.verb, info.subresource ? `${info.resource}/${info.subresource}` : info.resource, info.group, ns, `node "${decision.node}" can only update pods bound to it`);
      }
    }

    const dryRun = query.getAll('dryRun').includes('All');
    switch (info.subresource) {
      case '':
        return this.handleMain(req, res, info, query, store, ns, dryRun);
      case 'status':
        return this.handleStatus(req, res, info, query, store, ns, dryRun);
      case 'scale':
        return this.handleScale(req, res, info, query, store, ns, dryRun);
      case 'binding': {
        if (info.verb !== 'create') throw methodNotSupported(info);
        const body = decodeBody(await readBody(req), mediaType(req)) as Obj;
        checkKind(body, 'v1', 'Binding');
        await this.bindPod(ns!, info.name, body);
        return sendJson(res, 201, statusSuccess());
      }
      case 'eviction': {
        if (info.verb !== 'create') throw methodNotSupported(info);
        const body = decodeBody(await readBody(req), mediaType(req)) as Obj;
        if (body.kind !== 'Eviction' || !['policy/v1', 'policy/v1beta1'].includes(body.apiVersion)) {
          throw errors.badRequest(`the object provided is unrecognized (must be of type Eviction)`);
        }
        if (body.metadata?.name && body.metadata.name !== info.name) {
          throw errors.badRequest(`name in URL does not match name in Eviction object`);
        }
        await store.delete(ns, info.name, (body.deleteOptions ?? {}) as DeleteOptions);
        return sendJson(res, 201, { ...statusSuccess(), code: 201 });
      }
      case 'finalize': {
        if (info.verb !== 'update') throw methodNotSupported(info);
        const body = decodeBody(await readBody(req), mediaType(req)) as Obj;
        return sendJson(res, 200, await finalizeNamespace(store, info.name, body.spec?.finalizers ?? []));
      }
      case 'log':
      case 'exec':
      case 'attach':
      case 'portforward':
      case 'proxy': {
        if (!this.opts.kubeletProxy) {
          throw new KubeError('ServiceUnavailable', `no kubelet proxy is configured for ${info.subresource}`, { httpStatus: 503 });
        }
        if (rinfo.plural === 'pods') {
          const pod = await store.get(ns, info.name);
          const node = pod.spec?.nodeName ? await this.store('', 'nodes').tryGet(undefined, pod.spec.nodeName) : undefined;
          return this.opts.kubeletProxy(req, res, info, pod, node);
        }
        const node = await store.get(undefined, info.name);
        return this.opts.kubeletProxy(req, res, info, undefined, node);
      }
      default:
        throw notFoundPath();
    }
  }

  private authorizeOrThrow(user: UserInfo, info: RequestInfo): void {
    const d = authorize(user, { ...info, isResourceRequest: true });
    if (d.allowed === false) throw new KubeError('Forbidden', d.reason);
  }

  /** Bind a pod to a node: only an unassigned pod; PodScheduled=True as upstream's binding REST. */
  async bindPod(namespace: string, podName: string, binding: Obj): Promise<Obj> {
    const target = binding.target?.name;
    if (!target) {
      throw errors.invalid('Binding', '', podName, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
    }
    const pods = this.store('', 'pods');
    return pods.systemUpdate(namespace, podName, (pod) => {
      if (binding.metadata?.uid && binding.metadata.uid !== pod.metadata.uid) {
        throw errors.conflict('pods', '', podName, `Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${pod.metadata.uid}`);
      }
      if (pod.metadata.deletionTimestamp) {
        throw errors.conflict('pods/binding', '', podName, `pod ${podName} is being deleted, cannot be assigned to a host`);
      }
      if (pod.spec?.nodeName) {
        throw errors.conflict('pods/binding', '', podName, `pod ${podName} is already assigned to node "${pod.spec.nodeName}"`);
      }
      pod.spec.nodeName = target;
      pod.status ??= {};
      const conds: Obj[] = (pod.status.conditions ?? []).filter((c: Obj) => c.type !== 'PodScheduled');
      conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowRfc3339() });
      pod.status.conditions = conds;
      if (binding.metadata?.annotations) {
        pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...binding.metadata.annotations };
      }
      return pod;
    });
  }

  private listKind(store: Store): string {
    return `${store.info.kind}List`;
  }

  private async handleMain(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, store: Store, ns: string | undefined, dryRun: boolean): Promise<void> {
    const rinfo = store.info;
    switch (info.verb) {
      case 'get': {
        const obj = await store.get(ns, info.name);
        if (wantsTable(req)) return sendJson(res, 200, toTable(store.strategy, [obj], { resourceVersion: obj.metadata.resourceVersion }, { includeObject: query.get('includeObject') }));
        return sendJson(res, 200, obj);
      }
      case 'list': {
        const matches = buildMatcher(store, query.get('labelSelector'), query.get('fieldSelector'));
        const limit = Number(query.get('limit') ?? '0');
        const result = await store.list({
          ...(ns ? { namespace: ns } : {}),
          matches,
          ...(limit > 0 ? { limit } : {}),
          ...(query.get('continue') ? { continueToken: query.get('continue')! } : {}),
          ...(query.get('resourceVersion') !== null ? { resourceVersion: query.get('resourceVersion')! } : {}),
          ...(query.get('resourceVersionMatch') ? { resourceVersionMatch: query.get('resourceVersionMatch')! } : {}),
        });
        const meta = { resourceVersion: result.resourceVersion, ...(result.continueToken ? { continue: result.continueToken } : {}) };
        if (wantsTable(req)) return sendJson(res, 200, toTable(store.strategy, result.items, meta, { includeObject: query.get('includeObject') }));
        if (/as=PartialObjectMetadataList/.test(String(req.headers.accept ?? ''))) {
          return sendJson(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: result.items.map(partialMetadata) });
        }
        return sendJson(res, 200, { kind: this.listKind(store), apiVersion: apiVersionOf(rinfo), metadata: meta, items: result.items });
      }
      case 'watch': {
        const matches = buildMatcher(store, query.get('labelSelector'), query.get('fieldSelector'), info.name);
        return serveWatch(req, res, store, {
          namespace: ns,
          matches,
          query,
          minRequestTimeoutSeconds: this.opts.minRequestTimeoutSeconds ?? 1800,
          bookmarkIntervalMs: this.opts.bookmarkIntervalMs ?? 60_000,
        });
      }
      case 'create': {
        const body = decodeBody(await readBody(req), mediaType(req)) as Obj;
        checkKind(body, apiVersionOf(rinfo), rinfo.kind);
        if (rinfo.namespaced && body.metadata?.namespace && body.metadata.namespace !== ns) {
          throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
        }
        const warnings = checkBodyStructure(body, query.get('fieldValidation'));
        const created = await store.create(ns, body, { dryRun });
        return sendJson(res, 201, created, warningHeaders(warnings));
      }
      case 'update': {
        const body = decodeBody(await readBody(req), mediaType(req)) as Obj;
        checkKind(body, apiVersionOf(rinfo), rinfo.kind);
        const warnings = checkBodyStructure(body, query.get('fieldValidation'));
        const allowCreate = allowsCreateOnUpdate(rinfo);
        const existed = allowCreate ? (await store.tryGet(ns, info.name)) !== undefined : true;
        if (allowCreate && !existed) {
          body.metadata = { ...(body.metadata ?? {}), name: info.name };
          const created = await store.create(ns, body, { dryRun });
          return sendJson(res, 201, created, warningHeaders(warnings));
        }
        const out = await store.update(ns, info.name, body, { dryRun });
        return sendJson(res, 200, out, warningHeaders(warnings));
      }
      case 'patch': {
        const ct = mediaType(req);
        const raw = await readBody(req);
        let warnings: string[] = [];
        const force = query.get('force') === 'true';
        const isApply = ct === 'application/apply-patch+yaml';
        const doPatch = (cur: Obj): Obj => {
          const out = applyPatch(cur, raw, ct, rinfo, { force });
          warnings = checkBodyStructure(out, query.get('fieldValidation'));
          return out;
        };
        if (isApply && !(await store.tryGet(ns, info.name))) {
          const created = await store.create(ns, { ...doPatch({}), metadata: { ...(doPatch({}).metadata ?? {}), name: info.name } }, { dryRun });
          return sendJson(res, 201, created, warningHeaders(warnings));
        }
        const out = await store.guaranteedUpdate(ns, info.name, doPatch, { dryRun });
        return sendJson(res, 200, out, warningHeaders(warnings));
      }
      case 'delete': {
        const opts = await deleteOptionsFrom(req, query);
        const { obj, deleted } = await store.delete(ns, info.name, opts);
        if (!deleted) return sendJson(res, 202, obj);
        if (rinfo.plural === 'pods' || rinfo.plural === 'namespaces') return sendJson(res, 200, obj);
        return sendJson(res, 200, { ...statusSuccess({ name: info.name, group: rinfo.group, kind: rinfo.plural, uid: obj.metadata?.uid }) });
      }
      case 'deletecollection': {
        const opts = await deleteOptionsFrom(req, query);
        const matches = buildMatcher(store, query.get('labelSelector'), query.get('fieldSelector'));
        const result = await store.list({ ...(ns ? { namespace: ns } : {}), matches });
        const items: Obj[] = [];
        for (const o of result.items) {
          try {
            items.push((await store.delete(o.metadata.namespace, o.metadata.name, opts)).obj);
          } catch (e) {
            if (!(e instanceof KubeError && e.reason === 'NotFound')) throw e;
          }
        }
        return sendJson(res, 200, { kind: this.listKind(store), apiVersion: apiVersionOf(rinfo), metadata: {}, items });
      }
      default:
        throw methodNotSupported(info);
    }
  }

  private async handleStatus(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, store: Store, ns: string | undefined, dryRun: boolean): Promise<void> {
    switch (info.verb) {
      case 'get':
        return sendJson(res, 200, await store.get(ns, info.name));
      case 'update': {
        const body = decodeBody(await readBody(req), mediaType(req)) as Obj;
        checkKind(body, apiVersionOf(store.info), store.info.kind);
        const warnings = checkBodyStructure(body, query.get('fieldValidation'));
        const rv = body.metadata?.resourceVersion;
        const out = await store.guaranteedUpdate(ns, info.name, () => body, { subresource: 'status', dryRun, ...(rv ? { expectedRV: String(rv) } : {}) });
        return sendJson(res, 200, out, warningHeaders(warnings));
      }
      case 'patch': {
        const ct = mediaType(req);
        const raw = await readBody(req);
        let warnings: string[] = [];
        const out = await store.guaranteedUpdate(
          ns,
          info.name,
          (cur) => {
            const o = applyPatch(cur, raw, ct, store.info, {});
            warnings = checkBodyStructure(o, query.get('fieldValidation'));
            return o;
          },
          { subresource: 'status', dryRun },
        );
        return sendJson(res, 200, out, warningHeaders(warnings));
      }
      default:
        throw methodNotSupported(info);
    }
  }

  private async handleScale(req: IncomingMessage, res: ServerResponse, info: RequestInfo, _query: URLSearchParams, store: Store, ns: string | undefined, dryRun: boolean): Promise<void> {
    switch (info.verb) {
      case 'get':
        return sendJson(res, 200, toScale(await store.get(ns, info.name)));
      case 'update':
      case 'patch': {
        const ct = mediaType(req);
        const raw = await readBody(req);
        let expectedRV: string | undefined;
        const out = await store.guaranteedUpdate(
          ns,
          info.name,
          (cur) => {
            const scale = toScale(cur);
            let next: Obj;
            if (info.verb === 'update') {
              next = decodeBody(raw, ct) as Obj;
              if (next.kind !== 'Scale') throw errors.badRequest('the object provided is unrecognized (must be of type Scale)');
              expectedRV = next.metadata?.resourceVersion || undefined;
            } else {
              next = applyPatch(scale, raw, ct, { group: 'autoscaling', version: 'v1', kind: 'Scale' } as ResourceInfo, {});
            }
            return applyScale(store, cur, next, expectedRV);
          },
          { dryRun },
        );
        return sendJson(res, 200, toScale(out));
      }
      default:
        throw methodNotSupported(info);
    }
  }
}

export function storeKey(group: string, plural: string): string {
  return `${group}/${plural}`;
}

/** Resources whose PUT creates a missing object (upstream's AllowCreateOnUpdate). */
export function allowsCreateOnUpdate(info: ResourceInfo): boolean {
  return ['endpoints', 'leases', 'endpointslices', 'events'].includes(info.plural);
}

/** The autoscaling/v1 Scale of an object with a scale subresource. */
export function toScale(obj: Obj): Obj {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: selectorString(obj.spec?.selector) },
  };
}

/**
 * A Scale written to its object: spec.replicas must be a count (422), and a Scale that carries a
 * resourceVersion must carry the object's current one (409). Returns `cur` with the new replicas.
 */
export function applyScale(store: Store, cur: Obj, scale: Obj, expectedRV: string | undefined): Obj {
  const name = cur.metadata.name as string;
  const replicas = scale.spec?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw errors.invalid('Scale', 'autoscaling', name, [
      { reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` },
    ]);
  }
  if (expectedRV && expectedRV !== cur.metadata.resourceVersion) {
    throw errors.conflict(store.info.plural, store.info.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
  }
  cur.spec = { ...(cur.spec ?? {}), replicas };
  return cur;
}

function notFoundPath(): KubeError {
  return new KubeError('NotFound', 'the server could not find the requested resource', { details: {} });
}

function methodNotSupported(info: RequestInfo): KubeError {
  return errors.methodNotAllowed(`the server does not allow this method on the requested resource${info.subresource ? ' (' + info.subresource + ')' : ''}`);
}

function warningHeaders(warnings: string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}

/** The body's apiVersion/kind must be this endpoint's (upstream's decoder errors, 400). */
export function checkKind(body: Obj, apiVersion: string, kind: string): void {
  if (!body.kind) {
    throw errors.badRequest(`Object 'Kind' is missing in '${truncate(JSON.stringify(body), 200)}'`);
  }
  if (!body.apiVersion) {
    throw errors.badRequest(`Object 'apiVersion' is missing in '${truncate(JSON.stringify(body), 200)}'`);
  }
  if (body.kind !== kind) {
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${kind}): no kind "${body.kind}" is registered for this endpoint (expected ${kind} in version "${apiVersion}")`);
  }
  if (body.apiVersion !== apiVersion) {
    throw errors.badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersion})`);
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) + '...' : s;
}

async function deleteOptionsFrom(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
  const raw = await readBody(req);
  let opts: DeleteOptions = {};
  if (raw.length > 0 && raw.toString('utf8').trim() !== '') {
    const b = decodeBody(raw, mediaType(req)) as Obj;
    if (b.kind && b.kind !== 'DeleteOptions') throw errors.badRequest(`the object provided is unrecognized (must be of type DeleteOptions)`);
    opts = b as DeleteOptions;
  }
  const g = query.get('gracePeriodSeconds');
  if (g !== null) {
    const n = Number(g);
    if (!Number.isInteger(n)) throw errors.badRequest(`invalid gracePeriodSeconds: ${g}`);
    opts.gracePeriodSeconds = n;
  }
  const p = query.get('propagationPolicy');
  if (p !== null) opts.propagationPolicy = p as DeleteOptions['propagationPolicy'];
  if (query.getAll('dryRun').length) opts.dryRun = query.getAll('dryRun');
  if (opts.propagationPolicy && !['Foreground', 'Background', 'Orphan'].includes(opts.propagationPolicy)) {
    throw errors.invalid('DeleteOptions', '', '', [
      { reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"` },
    ]);
  }
  return opts;
}

/** Scale.status.selector: the selector's string form (metav1.LabelSelectorAsSelector(...).String()). */
function selectorString(sel: Obj | undefined): string {
  return labelSelectorString(sel) ?? '';
}
