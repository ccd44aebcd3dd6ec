/**
 * The API server: Kubernetes' REST API over the storage Backend, TLS only.
 * Pipeline: TLS -> authenticate -> RequestInfo -> authorize -> handler (discovery | openapi | resource verb).
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, KubeError } from '../../api/errors.js';
import { RESOURCES, apiVersionOf, findResource, type RegisteredKind, type ResourceInfo } from '../../api/resources.js';
import type { ScaleAccess } from '../../api/kinds/descriptor.js';
import { findResourceVersion, registeredKind } from '../../api/kinds/registry.js';
import type { Backend } from '../storage/backend.js';
import { Store, type DeleteOptions } from './store.js';
import type { KubeObject, Node, Pod, Relaxed, Scale } from '../../api/types/index.js';
import { isPlainObject, valueAt } from '../../api/values.js';
import type { ApiObject } from './object-meta.js';
import { asKind, isKind } from './object-views.js';
import { isLongRunning, malformedPathEscape, parseRequestInfo, type RequestInfo } from './request-info.js';
import { Authenticator, type UserInfo } from './authn.js';
import { attributesFor, authorize, forbidden, isPublicPath } from './authz.js';
import { runAdmission, type AdmissionPlugin, type AdmissionState, type Operation } from './admission.js';
import { ADMISSION_PLUGINS } from './admission-plugins.js';
import { NodeGraph, feedGraphFromPods } from './node-graph.js';
import { decodeBody, decodeRequestBody, mediaType, readBody, sendError, sendJson, statusSuccess, wantsTable } from './http-util.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import { toTable, partialMetadata } from './table.js';
import { serveWatch } from './watch-handler.js';
import { buildMatcher } from './selectors.js';
import { encryptionResourceKey, identityTransformer, type Transformer } from './encryption.js';
import { NodePortAllocator, ServiceIPAllocator, parsePortRange } from './range-allocator.js';
import { STORE_EXTENSIONS, clusterIPsOf, finalizeNamespace, namespaceAdmission, nodePortsOf } from './resource-hooks.js';
import { applyDecodedPatch, applyPatch, checkPatchedName, decodePatch, patchTypeOf, validatePatched, type DecodedPatch } from './patch-handler.js';
import { checkBodyStructure, checkedObject, checkKind } from './field-validation.js';
import { int64Param, listLimit, listOptionInts, podLogOptionCauses } from './query-params.js';
import { validateNamespaceFinalizeUpdate } from '../../api/strategies/core.js';
import { serveOpenAPI } from './openapi-handler.js';
import { bootstrapCluster, reconcileKubernetesEndpoints } from './bootstrap.js';
import { nowRfc3339 } from './object-meta.js';
import { CrdController } from './crd-controller.js';

import { VERSION_INFO } from './version.js';
import type { Logger } from '../../api/client/log.js';
import { READ_HEADER_TIMEOUT_MS, SecureListener, tlsSettings, type TlsSettings } from '../../api/tls/serving.js';
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
  /** Encryption at rest by resource key (`secrets`, `deployments.apps`): a ResourceTransformers or a Map. */
  transformers?: { get(resource: string): Transformer | undefined };
  minRequestTimeoutSeconds?: number;
  /** --request-timeout: non-long-running requests answer 504 after this (default 60 s, as upstream). */
  requestTimeoutMs?: number;
  /** How long a client may take to send request headers (and its first bytes); upstream's ReadHeaderTimeout, 32 s. */
  readHeaderTimeoutMs?: number;
  /** --tls-min-version (VersionTLS12 by default). */
  tlsMinVersion?: string;
  /** --tls-cipher-suites (IANA names); forward-secret AEAD suites by default. */
  tlsCipherSuites?: string[];
  bookmarkIntervalMs?: number;
  log?: Logger;
  /** Hook for subresources served by kubelets (log, exec, portforward, node proxy). */
  kubeletProxy?: (req: IncomingMessage, res: ServerResponse, info: RequestInfo, pod: Relaxed<Pod> | undefined, node: Relaxed<Node> | undefined) => Promise<void>;
  /** The same for upgraded connections (exec/attach/port-forward over WebSocket or SPDY). */
  kubeletUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer, info: RequestInfo, pod: Relaxed<Pod> | undefined, node: Relaxed<Node> | undefined) => Promise<void>;
  /** The admission chain (default: ADMISSION_PLUGINS). */
  admissionPlugins?: readonly AdmissionPlugin[];
}

/** What upstream's timeout filter writes: apierrors.NewTimeoutError's Status, JSON-encoded as is (no kind). */
export const REQUEST_TIMEOUT_STATUS = {
  metadata: {},
  status: 'Failure',
  message: 'Timeout: request did not complete within the allotted timeout',
  reason: 'Timeout',
  details: {},
  code: 504,
};

export class ApiServer {
  readonly stores = new Map<string, Store>();
  readonly serviceIPs: ServiceIPAllocator;
  readonly nodePorts: NodePortAllocator;
  /** The Node authorizer's graph, kept from the pods watch cache. */
  readonly nodeGraph = new NodeGraph();
  private readonly admissionPlugins: readonly AdmissionPlugin[];
  private readonly admissionState: AdmissionState;
  private server: Server | undefined;
  private listener: SecureListener | undefined;
  private readonly tls: TlsSettings;
  private endpointTimer: NodeJS.Timeout | undefined;
  private ready = false;
  /** Serves the kinds CustomResourceDefinitions define. */
  readonly crdController: CrdController;

  constructor(readonly opts: ApiServerOptions) {
    this.tls = tlsSettings(opts.tlsMinVersion, opts.tlsCipherSuites);
    this.serviceIPs = new ServiceIPAllocator(opts.backend, opts.serviceClusterIPRange);
    const pr = parsePortRange(opts.serviceNodePortRange);
    this.nodePorts = new NodePortAllocator(opts.backend, pr.min, pr.max);
    for (const kind of RESOURCES) this.addStore(kind);
    this.crdController = new CrdController(this.store('apiextensions.k8s.io', 'customresourcedefinitions'), this, opts.log);
    const pods = this.store('', 'pods');
    const nodes = this.store('', 'nodes');
    feedGraphFromPods(this.nodeGraph, pods.cache);
    this.admissionPlugins = opts.admissionPlugins ?? ADMISSION_PLUGINS;
    this.admissionState = {
      node: (name) => nodes.cache.peek(nodes.key(undefined, name)),
      pod: (namespace, name) => pods.cache.peek(pods.key(namespace, name)),
    };
  }

  /**
   * Make the store of a registered kind (none for a kind that is never stored, such as bindings): at
   * construction for the kinds registered then, at run time for a CustomResourceDefinition's kind.
   * A namespaced kind's creates go through the namespace lifecycle (the namespaces store comes first).
   */
  addStore(kind: RegisteredKind): Store | undefined {
    const d = kind.definition;
    if (d.stored === false) return undefined;
    const t = this.opts.transformers?.get(encryptionResourceKey(kind)) ?? identityTransformer;
    const key = kindStoreKey(kind);
    const store = new Store(kind, kind.strategy, this.opts.backend, t, {}, d.storageConversion);
    this.stores.set(key, store);
    const extension = STORE_EXTENSIONS[key];
    if (extension) Object.assign(store.hooks, extension(this));
    const ns = this.stores.get(storeKey('', 'namespaces'));
    if (kind.namespaced && ns) store.hooks.admitCreate = namespaceAdmission(ns, kind.plural);
    return store;
  }

  /** Drop the stores of a kind made at run time, every version (it is no longer served): watch caches stop, watchers end. */
  removeStore(group: string, plural: string): void {
    const key = storeKey(group, plural);
    for (const [k, s] of [...this.stores]) {
      if (k !== key && !k.startsWith(`${key}@`)) continue;
      this.stores.delete(k);
      s.cache.stop();
    }
  }

  /** The registered kind (that version) a store serves. */
  private kindOf(store: Store): RegisteredKind {
    return findResourceVersion(store.info.group, store.info.version, store.info.plural) ?? registeredKind(store.info);
  }

  /** The store serving one registered version of a kind. */
  private storeOf(kind: RegisteredKind): Store {
    const s = this.stores.get(kindStoreKey(kind));
    if (!s) throw errors.internal(`no store for ${kind.plural}.${kind.group}/${kind.version}`);
    return s;
  }

  store(group: string, plural: string): Store {
    const s = this.stores.get(storeKey(group, plural));
    // A 500, with the message the handler's wrapping of a plain error gave it.
    if (!s) throw errors.internal(`no store for ${plural}.${group}`);
    return s;
  }

  get address(): AddressInfo {
    return this.listener!.address();
  }

  async start(): Promise<void> {
    await this.repairAllocations();
    await bootstrapCluster(this);
    // The Node authorizer and NodeRestriction read these caches: fill them before the first request.
    await Promise.all([this.store('', 'pods').cache.ready(), this.store('', 'nodes').cache.ready()]);
    this.server = createHttpsServer(
      {
        cert: this.opts.tlsCert,
        key: this.opts.tlsKey,
        ...(this.opts.clientCA ? { ca: this.opts.clientCA, requestCert: true, rejectUnauthorized: false } : {}),
        minVersion: this.tls.minVersion,
        ciphers: this.tls.ciphers,
        honorCipherOrder: true,
        handshakeTimeout: this.opts.readHeaderTimeoutMs ?? READ_HEADER_TIMEOUT_MS,
        keepAlive: true,
        // upstream's ReadHeaderTimeout, checked every second (Node's default check is every 30 s)
        headersTimeout: this.opts.readHeaderTimeoutMs ?? READ_HEADER_TIMEOUT_MS,
        requestTimeout: 0,
        connectionsCheckingInterval: 1000,
      },
      (req, res) => {
        if (malformedPathEscape(req.url ?? '/') !== undefined) return sendMalformedRequestLine(res);
        const done = this.limitRequestTime(req, res);
        this.handle(req, res)
          .catch((e) => sendError(res, e))
          .finally(done);
      },
    );
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (malformedPathEscape(req.url ?? '/') !== undefined) {
        socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request`);
        return;
      }
      this.handleUpgrade(req, socket, head).catch((e: unknown) => {
        const ke = e instanceof KubeError ? e : errors.internal((e as Error)?.message ?? String(e));
        const body = JSON.stringify(ke.toStatus());
        if (socket.writable) {
          socket.end(`HTTP/1.1 ${ke.httpStatus} ${ke.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
        }
      });
    });
    this.server.keepAliveTimeout = 65_000;
    this.listener = new SecureListener(this.server, this.opts.readHeaderTimeoutMs ?? READ_HEADER_TIMEOUT_MS);
    await this.listener.listen(this.opts.securePort, this.opts.bindAddress);
    // Warm the watch caches so the first watch is instant. A cache that cannot list (a value that
    // cannot be decrypted, say) does not stop the server: its resource answers 500 until it can.
    await Promise.all(
      [...this.stores.values()].map((s) =>
        s.cache.ready().catch((e: Error) => this.opts.log?.warn?.(`watch cache ${s.info.plural}${s.info.group ? '.' + s.info.group : ''}: ${e.message}`)),
      ),
    );
    // Kinds defined by stored CRDs are served before the server says it is ready.
    await this.crdController.start().catch((e: Error) => this.opts.log?.warn?.(`customresourcedefinitions: ${e.message}`));
    this.ready = true;
    this.endpointTimer = setInterval(() => {
      reconcileKubernetesEndpoints(this).catch((e) => this.opts.log?.warn?.(`kubernetes endpoints: ${(e as Error).message}`));
    }, 10_000);
  }

  async stop(): Promise<void> {
    if (this.endpointTimer) clearInterval(this.endpointTimer);
    this.crdController.stop();
    for (const s of this.stores.values()) s.cache.stop();
    if (this.listener) await this.listener.close();
  }

  /**
   * upstream's WithTimeoutForNonLongRunningRequests: a request that is not long-running (watch,
   * proxy, exec, attach, portforward, log) and has not answered within --request-timeout gets 504
   * with upstream's body; one that already started answering is cut off. Returns the timer's stop.
   */
  private limitRequestTime(req: IncomingMessage, res: ServerResponse): () => void {
    const ms = this.opts.requestTimeoutMs ?? 60_000;
    if (ms <= 0 || isLongRunning(req.method ?? 'GET', req.url ?? '/')) return () => undefined;
    const t = setTimeout(() => {
      if (res.writableEnded) return;
      // Later writes of the handler go nowhere (and must not crash the server).
      res.on('error', () => undefined);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = JSON.stringify(REQUEST_TIMEOUT_STATUS) + '\n';
      res.writeHead(504, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    }, ms);
    const stop = (): void => clearTimeout(t);
    res.once('close', stop);
    return stop;
  }

  /** The allocation maps become exactly what stored Services hold (a crash between allocate and create leaks nothing). */
  private async repairAllocations(): Promise<void> {
    const svcs = await this.store('', 'services').list({ matches: () => true });
    const ips: number[] = [];
    const ports: number[] = [];
    for (const s of svcs.items) {
      if (!isKind(s, 'Service')) continue; // not a Service (written around the API server): it holds nothing
      for (const ip of clusterIPsOf(s)) {
        const o = this.serviceIPs.offsetOf(ip);
        if (o !== undefined) ips.push(o);
      }
      for (const p of nodePortsOf(s)) if (this.nodePorts.inRange(p)) ports.push(p - this.nodePorts.min);
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
    this.authorizeOrThrow(user, info, url.searchParams);
    if (!this.opts.kubeletUpgrade) throw new KubeError('ServiceUnavailable', `no kubelet proxy is configured for ${info.subresource}`, { httpStatus: 503 });
    const { pod, node } = await this.kubeletTarget(rinfo, info.namespace, info.name);
    return this.opts.kubeletUpgrade(req, socket, head, info, pod, node);
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
    const rinfo = findResourceVersion(info.group, info.version, info.resource) ?? findResource(info.group, info.resource);
    // A kind that is never stored is create-only and acts on another object; the one such kind is the
    // legacy binding endpoint, POST /api/v1/namespaces/{ns}/bindings, which binds a pod.
    if (rinfo?.definition.stored === false && rinfo.version === info.version && info.verb === 'create') {
      this.authorizeOrThrow(user, info, query);
      const body = objectBody(decodeBody(await readBody(req), mediaType(req)));
      // Read as a Binding whatever kind the body names.
      const asBinding = { ...body, apiVersion: 'v1', kind: 'Binding' };
      checkBodyStructure(asBinding, query.get('fieldValidation'));
      const binding = checkedObject(asBinding);
      this.admit(user, info, 'CREATE', { object: binding, name: binding.metadata?.name ?? '', dryRun: false });
      await this.bindPod(info.namespace, binding.metadata?.name ?? '', binding);
      return sendJson(res, 201, statusSuccess());
    }
    if (!rinfo || rinfo.version !== info.version || rinfo.definition.stored === false) throw notFoundPath();
    const store = this.storeOf(rinfo);
    // A deprecated version (a CRD's): every answer carries its warning, as upstream's CRD handler adds it.
    if (rinfo.definition.deprecationWarning) res.setHeader('Warning', `299 - ${JSON.stringify(rinfo.definition.deprecationWarning)}`);
    const ns = rinfo.namespaced ? info.namespace || undefined : undefined;
    if (rinfo.namespaced && !ns && info.name) throw notFoundPath();
    if (rinfo.namespaced && !ns && info.verb === 'create') throw notFoundPath();
    if (info.subresource && !rinfo.subresources.includes(info.subresource)) throw notFoundPath();

    this.authorizeOrThrow(user, info, query);

    const dryRun = query.getAll('dryRun').includes('All');
    switch (info.subresource) {
      case '':
        return this.handleMain(req, res, info, query, store, ns, dryRun, user);
      case 'status':
        return this.handleStatus(req, res, info, query, store, ns, dryRun, user);
      case 'scale':
        return this.handleScale(req, res, info, query, store, ns, dryRun, user);
      case 'binding': {
        if (info.verb !== 'create') throw methodNotSupported(info);
        const raw = objectBody(decodeBody(await readBody(req), mediaType(req)));
        checkKind(raw, 'v1', 'Binding');
        checkBodyStructure(raw, query.get('fieldValidation'));
        const body = checkedObject(raw);
        this.admit(user, info, 'CREATE', { object: body, dryRun });
        await this.bindPod(ns!, info.name, body);
        return sendJson(res, 201, statusSuccess());
      }
      case 'eviction': {
        if (info.verb !== 'create') throw methodNotSupported(info);
        const body = objectBody(decodeBody(await readBody(req), mediaType(req)));
        if (body.kind !== 'Eviction' || typeof body.apiVersion !== 'string' || !['policy/v1', 'policy/v1beta1'].includes(body.apiVersion)) {
          throw errors.badRequest(`the object provided is unrecognized (must be of type Eviction)`);
        }
        const bodyName = valueAt(body, 'metadata', 'name');
        if (bodyName && bodyName !== info.name) {
          throw errors.badRequest(`name in URL does not match name in Eviction object`);
        }
        // policy/v1beta1's Eviction has the same shape as policy/v1's.
        const asV1 = { ...body, apiVersion: 'policy/v1' };
        checkBodyStructure(asV1, query.get('fieldValidation'));
        const eviction = asKind(checkedObject(asV1), 'Eviction');
        await store.delete(ns, info.name, eviction.deleteOptions ?? {}, (pod) =>
          this.admit(user, info, 'CREATE', { object: eviction, oldObject: pod, dryRun: false }),
        );
        return sendJson(res, 201, { ...statusSuccess(), code: 201 });
      }
      case 'finalize': {
        if (info.verb !== 'update') throw methodNotSupported(info);
        const body = objectBody(decodeBody(await readBody(req), mediaType(req)));
        // Decoded as a Namespace (upstream's default GVK fills in a missing kind), then validated as upstream's finalize strategy.
        const asNamespace = { apiVersion: 'v1', kind: 'Namespace', ...body };
        checkKind(asNamespace, 'v1', 'Namespace');
        checkBodyStructure(asNamespace, query.get('fieldValidation'));
        const namespace = asKind(checkedObject(asNamespace), 'Namespace');
        const finalizers = namespace.spec?.finalizers ?? [];
        return sendJson(res, 200, await finalizeNamespace(store, info.name, finalizers, (_next, cur) => this.admit(user, info, 'UPDATE', { object: namespace, oldObject: cur, dryRun: false })));
      }
      case 'log':
      case 'exec':
      case 'attach':
      case 'portforward':
      case 'proxy': {
        if (info.subresource === 'log') {
          const causes = podLogOptionCauses(query);
          if (causes.length > 0) throw errors.invalid('PodLogOptions', '', info.name, causes);
        }
        if (!this.opts.kubeletProxy) {
          throw new KubeError('ServiceUnavailable', `no kubelet proxy is configured for ${info.subresource}`, { httpStatus: 503 });
        }
        const { pod, node } = await this.kubeletTarget(rinfo, ns, info.name);
        return this.opts.kubeletProxy(req, res, info, pod, node);
      }
      default:
        throw notFoundPath();
    }
  }

  /** Authorization (authz.ts): the Node authorizer over the graph, then the bootstrap roles. */
  private authorizeOrThrow(user: UserInfo, info: RequestInfo, query: URLSearchParams): void {
    const a = attributesFor({ ...info, isResourceRequest: true }, query);
    const d = authorize(user, a, this.nodeGraph);
    if (d.allowed === false) throw forbidden(a, d);
  }

  /** Admission (admission.ts): every plugin of the chain, in order; throws the first refusal. */
  private admit(user: UserInfo, info: RequestInfo, operation: Operation, o: { object?: ApiObject; oldObject?: ApiObject; name?: string; dryRun: boolean }): void {
    runAdmission(
      this.admissionPlugins,
      {
        operation,
        group: info.group,
        resource: info.resource,
        subresource: info.subresource,
        namespace: info.namespace,
        name: o.name ?? info.name,
        ...(o.object ? { object: o.object } : {}),
        ...(o.oldObject ? { oldObject: o.oldObject } : {}),
        user,
        dryRun: o.dryRun,
      },
      this.admissionState,
    );
  }

  /**
   * The pod and node a kubelet-served subresource (log, exec, attach, portforward, node proxy) goes to:
   * the descriptor says whether the object named is a pod (then its node) or a node.
   */
  private async kubeletTarget(rinfo: RegisteredKind, namespace: string | undefined, name: string): Promise<{ pod?: Relaxed<Pod>; node?: Relaxed<Node> }> {
    const target = rinfo.definition.kubeletProxyTarget;
    if (target === 'pod') {
      const pod = asKind(await this.store(rinfo.group, rinfo.plural).get(namespace, name), 'Pod');
      const node = pod.spec?.nodeName ? await this.store('', 'nodes').tryGet(undefined, pod.spec.nodeName) : undefined;
      return { pod, node: node && asKind(node, 'Node') };
    }
    if (target === 'node') return { node: asKind(await this.store(rinfo.group, rinfo.plural).get(undefined, name), 'Node') };
    throw notFoundPath();
  }

  /** Bind a pod to a node: only an unassigned pod; PodScheduled=True as upstream's binding REST. */
  async bindPod(namespace: string, podName: string, body: ApiObject): Promise<KubeObject> {
    const binding = asKind(body, 'Binding');
    const target = binding.target?.name;
    if (!target) {
      throw errors.invalid('Binding', '', podName, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
    }
    const pods = this.store('', 'pods');
    return pods.systemUpdate(namespace, podName, (stored) => {
      const pod = asKind(stored, 'Pod');
      if (binding.metadata?.uid && binding.metadata.uid !== pod.metadata.uid) {
        throw errors.conflict('pods', '', podName, `Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${pod.metadata.uid}`);
      }
      if (pod.metadata.deletionTimestamp) {
        throw errors.conflict('pods/binding', '', podName, `pod ${podName} is being deleted, cannot be assigned to a host`);
      }
      if (pod.spec?.nodeName) {
        throw errors.conflict('pods/binding', '', podName, `pod ${podName} is already assigned to node "${pod.spec.nodeName}"`);
      }
      (pod.spec ??= {}).nodeName = target;
      pod.status ??= {};
      const conds = (pod.status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
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

  private async handleMain(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, store: Store, ns: string | undefined, dryRun: boolean, user: UserInfo): Promise<void> {
    const rinfo = store.info;
    const admitUpdate = (next: ApiObject, cur: KubeObject) => this.admit(user, info, 'UPDATE', { object: next, oldObject: cur, dryRun });
    switch (info.verb) {
      case 'get': {
        const obj = await store.get(ns, info.name);
        if (wantsTable(req)) return sendJson(res, 200, toTable(store.strategy, [obj], { resourceVersion: obj.metadata.resourceVersion }, { includeObject: query.get('includeObject') }));
        return sendJson(res, 200, obj);
      }
      case 'list': {
        const limit = listLimit(listOptionInts(query).limit);
        const matches = buildMatcher(store, query.get('labelSelector'), query.get('fieldSelector'));
        const result = await store.list({
          ...(ns ? { namespace: ns } : {}),
          matches,
          ...(limit !== undefined ? { limit } : {}),
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
        listOptionInts(query);
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
        const decoded = decodeRequestBody(await readBody(req), mediaType(req));
        const raw = objectBody(decoded.value);
        checkKind(raw, apiVersionOf(rinfo), rinfo.kind);
        const bodyNamespace = valueAt(raw, 'metadata', 'namespace');
        if (rinfo.namespaced && bodyNamespace && bodyNamespace !== ns) {
          throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
        }
        const warnings = checkBodyStructure(raw, query.get('fieldValidation'), decoded);
        const body = checkedObject(raw);
        this.admit(user, info, 'CREATE', { object: body, name: body.metadata?.name ?? '', dryRun });
        const created = await store.create(ns, body, { dryRun });
        return sendJson(res, 201, created, warningHeaders(warnings));
      }
      case 'update': {
        const decoded = decodeRequestBody(await readBody(req), mediaType(req));
        const raw = objectBody(decoded.value);
        checkKind(raw, apiVersionOf(rinfo), rinfo.kind);
        const warnings = checkBodyStructure(raw, query.get('fieldValidation'), decoded);
        const body = checkedObject(raw);
        const allowCreate = registeredKind(rinfo).definition.allowCreateOnUpdate === true;
        const existed = allowCreate ? (await store.tryGet(ns, info.name)) !== undefined : true;
        if (allowCreate && !existed) {
          body.metadata = { ...(body.metadata ?? {}), name: info.name };
          this.admit(user, info, 'CREATE', { object: body, dryRun });
          const created = await store.create(ns, body, { dryRun });
          return sendJson(res, 201, created, warningHeaders(warnings));
        }
        const out = await store.update(ns, info.name, body, { dryRun, admit: admitUpdate });
        return sendJson(res, 200, out, warningHeaders(warnings));
      }
      case 'patch': {
        const patch = await readPatch(req, this.kindOf(store));
        let warnings: string[] = [];
        const doPatch = (cur: ApiObject): ApiObject => {
          const out = applyDecodedPatch(cur, patch(), rinfo);
          checkPatchedName(out, info.name, ns);
          const checked = validatePatched(out, patch(), query.get('fieldValidation'), { apiVersion: apiVersionOf(rinfo), kind: rinfo.kind });
          warnings = checked.warnings;
          return checked.object;
        };
        if (patch().type === 'apply' && !(await store.tryGet(ns, info.name))) {
          const body = doPatch({});
          this.admit(user, info, 'CREATE', { object: body, dryRun });
          const created = await store.create(ns, body, { dryRun });
          return sendJson(res, 201, created, warningHeaders(warnings));
        }
        const out = await store.guaranteedUpdate(ns, info.name, doPatch, { dryRun, admit: admitUpdate });
        return sendJson(res, 200, out, warningHeaders(warnings));
      }
      case 'delete': {
        const opts = await deleteOptionsFrom(req, query);
        const { obj, deleted } = await store.delete(ns, info.name, opts, (cur) => this.admit(user, info, 'DELETE', { oldObject: cur, dryRun }));
        if (!deleted) return sendJson(res, 202, obj);
        if (registeredKind(rinfo).definition.returnDeletedObject) return sendJson(res, 200, obj);
        return sendJson(res, 200, { ...statusSuccess({ name: info.name, group: rinfo.group, kind: rinfo.plural, uid: obj.metadata?.uid }) });
      }
      case 'deletecollection': {
        listOptionInts(query);
        const opts = await deleteOptionsFrom(req, query);
        const matches = buildMatcher(store, query.get('labelSelector'), query.get('fieldSelector'));
        const result = await store.list({ ...(ns ? { namespace: ns } : {}), matches });
        const items: KubeObject[] = [];
        for (const o of result.items) {
          try {
            const name = o.metadata.name ?? '';
            items.push((await store.delete(o.metadata.namespace, name, opts, (cur) => this.admit(user, info, 'DELETE', { oldObject: cur, name, dryRun }))).obj);
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

  private async handleStatus(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, store: Store, ns: string | undefined, dryRun: boolean, user: UserInfo): Promise<void> {
    const admit = (next: ApiObject, cur: KubeObject) => this.admit(user, info, 'UPDATE', { object: next, oldObject: cur, dryRun });
    switch (info.verb) {
      case 'get':
        return sendJson(res, 200, await store.get(ns, info.name));
      case 'update': {
        const decoded = decodeRequestBody(await readBody(req), mediaType(req));
        const raw = objectBody(decoded.value);
        checkKind(raw, apiVersionOf(store.info), store.info.kind);
        const warnings = checkBodyStructure(raw, query.get('fieldValidation'), decoded);
        const body = checkedObject(raw);
        const rv = body.metadata?.resourceVersion;
        const out = await store.guaranteedUpdate(ns, info.name, () => body, { subresource: 'status', dryRun, admit, ...(rv ? { expectedRV: String(rv) } : {}) });
        return sendJson(res, 200, out, warningHeaders(warnings));
      }
      case 'patch': {
        const patch = await readPatch(req, this.kindOf(store));
        let warnings: string[] = [];
        const out = await store.guaranteedUpdate(
          ns,
          info.name,
          (cur) => {
            const o = applyDecodedPatch(cur, patch(), store.info);
            checkPatchedName(o, info.name, ns);
            const checked = validatePatched(o, patch(), query.get('fieldValidation'), { apiVersion: apiVersionOf(store.info), kind: store.info.kind });
            warnings = checked.warnings;
            return checked.object;
          },
          { subresource: 'status', dryRun, admit },
        );
        return sendJson(res, 200, out, warningHeaders(warnings));
      }
      default:
        throw methodNotSupported(info);
    }
  }

  private async handleScale(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, store: Store, ns: string | undefined, dryRun: boolean, user: UserInfo): Promise<void> {
    switch (info.verb) {
      case 'get':
        return sendJson(res, 200, toScale(store.info, await store.get(ns, info.name)));
      case 'update':
      case 'patch': {
        const ct = mediaType(req);
        const raw = await readBody(req);
        let expectedRV: string | undefined;
        const out = await store.guaranteedUpdate(
          ns,
          info.name,
          (cur) => {
            const scale = toScale(store.info, cur);
            let next: Record<string, unknown>;
            if (info.verb === 'update') {
              next = objectBody(decodeBody(raw, ct));
              if (next.kind !== 'Scale') throw errors.badRequest('the object provided is unrecognized (must be of type Scale)');
              const rv = valueAt(next, 'metadata', 'resourceVersion');
              expectedRV = typeof rv === 'string' && rv !== '' ? rv : undefined;
            } else {
              next = applyPatch(scale, raw, ct, SCALE);
              checkPatchedName(next, info.name, ns);
            }
            const asScale = { ...next, apiVersion: 'autoscaling/v1', kind: 'Scale' };
            checkBodyStructure(asScale, query.get('fieldValidation'));
            this.admit(user, info, 'UPDATE', { object: checkedObject(asScale), oldObject: scale, dryRun });
            return applyScale(store, cur, next, expectedRV);
          },
          { dryRun },
        );
        return sendJson(res, 200, toScale(store.info, out));
      }
      default:
        throw methodNotSupported(info);
    }
  }
}

export function storeKey(group: string, plural: string): string {
  return `${group}/${plural}`;
}

/** A kind's store key: group/plural for its preferred version, group/plural@version for its other served versions. */
function kindStoreKey(kind: RegisteredKind): string {
  return kind.definition.versionOf === undefined ? storeKey(kind.group, kind.plural) : `${storeKey(kind.group, kind.plural)}@${kind.version}`;
}


/** The group, version and kind of the scale subresource's object. */
const SCALE = { group: 'autoscaling', version: 'v1', kind: 'Scale' } as const;

/** How the scale subresource sees a kind (its descriptor's `scale`); a kind serving scale without one is a server bug. */
function scaleAccess(info: Pick<ResourceInfo, 'group' | 'plural'> & { version?: string }): ScaleAccess<unknown> {
  const kind = (info.version !== undefined ? findResourceVersion(info.group, info.version, info.plural) : undefined) ?? registeredKind(info);
  const access = kind.definition.scale as ScaleAccess<unknown> | undefined;
  if (!access) throw errors.internal(`no scale subresource for ${info.plural}${info.group ? '.' + info.group : ''}`);
  return access;
}

/** The autoscaling/v1 Scale of an object with a scale subresource, read through its kind's descriptor. */
export function toScale(info: Pick<ResourceInfo, 'group' | 'plural'> & { version?: string }, obj: KubeObject): ApiObject & Relaxed<Scale> {
  const access = scaleAccess(info);
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
    spec: { replicas: access.specReplicas(obj) },
    status: { replicas: access.statusReplicas(obj), selector: access.selector(obj) },
  };
}

/**
 * A Scale written to its object: spec.replicas must be a count (422), and a Scale that carries a
 * resourceVersion must carry the object's current one (409). Returns `cur` with the new replicas.
 * `scale` is read before any schema has checked it: its replicas are checked here.
 */
export function applyScale(store: Store, cur: KubeObject, scale: Record<string, unknown>, expectedRV: string | undefined): KubeObject {
  const access = scaleAccess(store.info);
  const name = cur.metadata.name ?? '';
  const replicas = valueAt(scale, 'spec', 'replicas');
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw errors.invalid('Scale', 'autoscaling', name, [
      { reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` },
    ]);
  }
  if (expectedRV && expectedRV !== cur.metadata.resourceVersion) {
    throw errors.conflict(store.info.plural, store.info.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
  }
  access.setSpecReplicas(cur, replicas);
  return cur;
}

function notFoundPath(): KubeError {
  return new KubeError('NotFound', 'the server could not find the requested resource', { details: {} });
}

function methodNotSupported(info: RequestInfo): KubeError {
  return errors.methodNotAllowed(`the server does not allow this method on the requested resource${info.subresource ? ' (' + info.subresource + ')' : ''}`);
}

/**
 * Read a PATCH body: its Content-Type is checked first (415, as upstream); the body is decoded on first
 * use, inside the update, so a missing object is a 404 whatever the body holds (as upstream).
 */
async function readPatch(req: IncomingMessage, kind: RegisteredKind): Promise<() => DecodedPatch> {
  const ct = mediaType(req);
  patchTypeOf(ct, kind.definition.strategicMergePatch !== false);
  const raw = await readBody(req);
  let decoded: DecodedPatch | undefined;
  return () => (decoded ??= decodePatch(raw, ct));
}

/**
 * A request line whose path holds a malformed percent-escape: Go's net/http answers it itself, before
 * any handler, with a plain-text 400 and closes the connection; so does this server.
 */
function sendMalformedRequestLine(res: ServerResponse): void {
  res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
  res.end('400 Bad Request');
}

function warningHeaders(warnings: string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}

/** A decoded request body: decodeRequestBody made sure it is a JSON object. */
function objectBody(value: unknown): Record<string, unknown> {
  if (isPlainObject(value)) return value;
  throw errors.badRequest('the body of the request must be a JSON object');
}

async function deleteOptionsFrom(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
  const raw = await readBody(req);
  let opts: DeleteOptions = {};
  if (raw.length > 0 && raw.toString('utf8').trim() !== '') {
    const b = objectBody(decodeBody(raw, mediaType(req)));
    if (b.kind && b.kind !== 'DeleteOptions') throw errors.badRequest(`the object provided is unrecognized (must be of type DeleteOptions)`);
    const asDeleteOptions = { ...b, apiVersion: 'v1', kind: 'DeleteOptions' };
    checkBodyStructure(asDeleteOptions, null);
    opts = asKind(checkedObject(asDeleteOptions), 'DeleteOptions');
  }
  const g = int64Param(query, 'gracePeriodSeconds');
  if (g !== undefined) opts.gracePeriodSeconds = g;
  const p = query.get('propagationPolicy');
  if (p !== null) opts.propagationPolicy = p;
  if (query.getAll('dryRun').length) opts.dryRun = query.getAll('dryRun');
  if (opts.propagationPolicy && !['Foreground', 'Background', 'Orphan'].includes(opts.propagationPolicy)) {
    throw errors.invalid('DeleteOptions', '', '', [
      { reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"` },
    ]);
  }
  return opts;
}

