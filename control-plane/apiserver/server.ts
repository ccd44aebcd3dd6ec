/**
 * The API server: Kubernetes' REST API over the storage Backend, TLS only.
 * Pipeline: TLS -> authenticate -> RequestInfo -> authorize -> handler (discovery | openapi | resource verb).
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import { IncomingMessage, type ServerResponse } from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import { errors, KubeError } from '../../api/errors.js';
import { RESOURCES, apiVersionOf, findResource, type RegisteredKind, type ResourceInfo } from '../../api/resources.js';
import type { ReviewContext, ScaleAccess } from '../../api/kinds/descriptor.js';
import { findResourceVersion, registeredKind, strategyFor } from '../../api/kinds/registry.js';
import type { Backend } from '../storage/backend.js';
import { Store, type Admission, type DeleteOptions } from './store.js';
import type { KubeObject, Node, Pod, Relaxed, Scale } from '../../api/types/index.js';
import { isPlainObject, valueAt } from '../../api/values.js';
import type { ApiObject } from './object-meta.js';
import { asKind, isKind } from './object-views.js';
import { isLongRunning, malformedPathEscape, parseRequestInfo, type RequestInfo } from './request-info.js';
import { ANONYMOUS_USER, Authenticator, type UserInfo } from './authn.js';
import { attributesFor, authorize, forbidden, resolveRules, reviewDecision, DEFAULT_AUTHORIZATION_MODES, type Attributes, type AuthorizationMode, type AuthorizerContext } from './authz.js';
import { bootstrapRbacPolicy } from './bootstrap-rbac.js';
import { feedRbacIndex, RbacIndex } from './rbac-authorizer.js';
import { rbacEscalation } from './rbac-escalation.js';
import { impersonatedUser, stripImpersonationHeaders } from './impersonation.js';
import { AUDIT_ID_HEADER, auditIdOf, failedAuthenticationMessage, nowMs, type AuditRecord } from './audit.js';
import type { Auditor } from './audit.js';
import { RBAC_GROUP } from '../../api/strategies/rbac.js';
import { HEALTH_ENDPOINTS, HealthCheckFailed, checkError, healthReport, runHealthChecks, singleCheckReport, withTimeout, type HealthAnswer, type HealthCheck, type HealthEndpoint } from './health.js';
import { runAdmission, runAdmissionChain, type AdmissionAttributes, type AdmissionPhase, type AdmissionPlugin, type AdmissionState, type Operation } from './admission.js';
import { ADMISSION_PLUGINS } from './admission-plugins.js';
import { NodeGraph, feedGraphFromPersistentVolumes, feedGraphFromPods } from './node-graph.js';
import { decodeBody, decodeRequestBody, mediaType, outputFormat, readBody, sendError, sendJson, sendNegotiated, statusSuccess, type OutputFormat } from './http-util.js';
import { JSON_MEDIA, negotiateOutput, negotiateOutputStream, PROTOBUF_MEDIA, resourceRestrictions, YAML_MEDIA, type Target } from './negotiation.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, groupVersions } from './discovery.js';
import { Aggregator, type AggregatorOptions } from './aggregator-handler.js';
import { groupVersionOfPath } from './aggregator.js';
import { ensureExtensionAuthConfigMap, extensionAuthenticationData } from './extension-auth-configmap.js';
import { serveDiscoveryRoot } from './discovery-handler.js';
import { toTable, partialMetadata, metaApiVersion } from './table.js';
import { componentServers, getComponentStatus, listComponentStatuses, DEFAULT_CONTROLLER_MANAGER_HEALTHZ, DEFAULT_SCHEDULER_HEALTHZ } from './componentstatus.js';
import { serveWatch } from './watch-handler.js';
import { listBody } from './list-body.js';
import { buildMatcher } from './selectors.js';
import { encryptionResourceKey, identityTransformer, type Transformer } from './encryption.js';
import { NodePortAllocator, ServiceIPAllocator, parsePortRange } from './range-allocator.js';
import { STORE_EXTENSIONS, clusterIPsOf, finalizeNamespace, namespaceAdmission, nodePortsOf } from './resource-hooks.js';
import { applyDecodedPatch, applyPatch, checkPatchedName, decodePatch, patchTypeOf, validatePatched, type DecodedPatch } from './patch-handler.js';
import { checkBodyStructure, checkedObject, checkKind, defaultTypeMeta } from './field-validation.js';
import { dryRunOf, dryRunOption, int64Param, listLimit, listOptionInts, podLogOptionCauses } from './query-params.js';
import { validateNamespaceFinalizeUpdate } from '../../api/strategies/core.js';
import { serveOpenAPI } from './openapi-handler.js';
import { bootstrapCluster, bootstrapSystemPriorityClasses } from './bootstrap.js';
import { IdentityLeases, IDENTITY_LEASE_GC_PERIOD_MS, IDENTITY_LEASE_RENEW_INTERVAL_MS } from './identity-lease.js';
import { hostname as osHostname } from 'node:os';
import { createEndpointReconciler, DEFAULT_ENDPOINT_RECONCILER_INTERVAL_MS, DEFAULT_ENDPOINT_RECONCILER_TTL_SECONDS, type EndpointReconciler, type EndpointReconcilerType } from './endpoint-reconciler.js';
import { nowRfc3339 } from './object-meta.js';
import { CrdController } from './crd-controller.js';
import { parseProxyId, podProxyLocation, PROXY_METHODS, proxiedPath, serviceProxyLocation, servicePortName, type ProxyLocation } from './resource-proxy.js';
import { defaultProxyDialer, PROXY_DIAL_TIMEOUT_MS, proxyRequest, proxyUpgrade, type ProxyDialer, type ProxyRequest, type ProxyTransport } from './resource-proxy-handler.js';
import { evictPod } from './eviction.js';
import { ServiceAccountTokenAuthenticator } from './serviceaccount-token.js';
import { issueToken, prepareTokenRequest, type ServiceAccountTokenSettings, type TokenIssuerConfig } from './token-request.js';
import { JWKS_CONTENT_TYPE, JWKS_PATH, OIDC_CACHE_CONTROL, OPENID_CONFIG_PATH, oidcDocuments, type OidcDocuments } from './serviceaccount-oidc.js';
import { applyToObject, forceOf, requestManager, updateTracker } from './field-manager.js';

import { VERSION_INFO } from './version.js';
import type { Logger } from '../../api/client/log.js';
import { READ_HEADER_TIMEOUT_MS, SecureListener, tlsSettings, type TlsSettings } from '../../api/tls/serving.js';
import type { Duplex } from 'node:stream';
import { ApiServerMetrics, groupResourceString, instrumentBackend, nonResourceRequestLabels, requestKind, resourceRequestLabels, type RequestTrack } from './metrics.js';

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
  /** --endpoint-reconciler-type: how the kubernetes Service's endpoints list the API servers (default lease). */
  endpointReconcilerType?: EndpointReconcilerType;
  /** --apiserver-count, for the master-count reconciler (default 1). */
  apiserverCount?: number;
  /** How often the endpoints are reconciled and this server's lease renewed (upstream's 10 s). */
  endpointReconcileIntervalMs?: number;
  /** The TTL of this server's lease /registry/masterleases/<ip> (upstream's 15 s). */
  masterLeaseTTLSeconds?: number;
  /** The hostname its APIServerIdentity Lease is named after (default the machine's). */
  hostname?: string;
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
  /** --authorization-mode (default Node,RBAC). */
  authorizationModes?: readonly AuthorizationMode[];
  /** `--api-audiences`: the audiences of this API server (a TokenReview without audiences asks for these). Default none. */
  apiAudiences?: readonly string[];
  /** The admission chain (default: ADMISSION_PLUGINS). */
  admissionPlugins?: readonly AdmissionPlugin[];
  /** How pods/proxy and services/proxy reach a pod's address (default net.connect; tests map it to loopback). */
  proxyDialer?: ProxyDialer;
  /** How long such a dial may take before the request is 503 `... i/o timeout` (default 30 s, as upstream's dialer). */
  proxyDialTimeoutMs?: number;
  /** --audit-policy-file with --audit-log-path (audit.ts); closed (flushed) by stop(). */
  auditor?: Auditor;
  /**
   * Where ComponentStatus probes the scheduler and the controller manager (componentstatus.ts; upstream's fixed
   * https://127.0.0.1:10259/healthz and :10257/healthz by default; tests point them at their own ports).
   */
  componentStatus?: { schedulerHealthz?: string; controllerManagerHealthz?: string };
  /** ServiceAccount tokens: TokenRequest, the JWT authenticator, issuer discovery (--service-account-*). */
  serviceAccountTokens?: ServiceAccountTokenSettings;
  /** The aggregation layer: --proxy-client-cert-file/--proxy-client-key-file, --enable-aggregator-routing (aggregator-handler.ts). */
  aggregator?: AggregatorOptions;
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
  /** The RBAC authorizer's index, kept from the Role, ClusterRole and binding watch caches. */
  readonly rbacIndex = new RbacIndex();
  /** What authorize() is given: the modes, the node graph, the RBAC index. */
  readonly authorizer: AuthorizerContext;
  private readonly admissionPlugins: readonly AdmissionPlugin[];
  private readonly admissionState: AdmissionState;
  private server: Server | undefined;
  private listener: SecureListener | undefined;
  private readonly tls: TlsSettings;
  private endpointTimer: NodeJS.Timeout | undefined;
  private authConfigMapTimer: NodeJS.Timeout | undefined;
  private identityTimers: NodeJS.Timeout[] = [];
  /** upstream's APIServerIdentity Lease of this server (kube-system/apiserver-<hash>) and its garbage collector. */
  readonly identity: IdentityLeases;
  /** This server's place in the kubernetes Service's endpoints (--endpoint-reconciler-type). */
  readonly endpointReconciler: EndpointReconciler;
  /** Every watch cache has listed (the readyz `informer-sync` check). */
  private ready = false;
  /** stop() has begun (the readyz `shutdown` check). */
  private shuttingDown = false;
  /** The post-start hooks (upstream's names) that have finished. */
  private readonly hooksDone = new Set<string>();
  /** How TokenRequest signs (undefined: no --service-account-signing-key-file, the subresource is not served). */
  private readonly tokenIssuer: TokenIssuerConfig | undefined;
  /** The issuer discovery documents (undefined: not served, the issuer is no https URL or no keys). */
  private readonly oidc: OidcDocuments | undefined;
  private inflightTimer: NodeJS.Timeout | undefined;
  /** What /metrics exports (metrics.ts). */
  readonly metrics = new ApiServerMetrics();
  /** The audit records of requests in flight that the policy audits (audit.ts). */
  private readonly audits = new WeakMap<IncomingMessage, AuditRecord>();
  /** Serves the kinds CustomResourceDefinitions define. */
  readonly crdController: CrdController;
  /** The aggregation layer: APIServices, the proxy to extension API servers, their discovery and availability. */
  readonly aggregator: Aggregator;

  constructor(readonly opts: ApiServerOptions) {
    this.tls = tlsSettings(opts.tlsMinVersion, opts.tlsCipherSuites);
    // a user's certificate is checked against the client CA itself (the TLS layer also trusts the front proxy's)
    if (opts.clientCA) opts.authenticator.useClientCA(opts.clientCA.toString());
    this.serviceIPs = new ServiceIPAllocator(opts.backend, opts.serviceClusterIPRange);
    this.identity = new IdentityLeases(() => this.store('coordination.k8s.io', 'leases'), opts.hostname ?? osHostname());
    this.endpointReconciler = createEndpointReconciler(opts.endpointReconcilerType ?? 'lease', {
      api: this,
      backend: opts.backend,
      ip: opts.advertiseAddress,
      securePort: opts.securePort,
      ttlSeconds: opts.masterLeaseTTLSeconds ?? DEFAULT_ENDPOINT_RECONCILER_TTL_SECONDS,
      apiserverCount: opts.apiserverCount ?? 1,
    });
    const pr = parsePortRange(opts.serviceNodePortRange);
    this.nodePorts = new NodePortAllocator(opts.backend, pr.min, pr.max);
    for (const kind of RESOURCES) this.addStore(kind);
    this.crdController = new CrdController(this.store('apiextensions.k8s.io', 'customresourcedefinitions'), this, opts.log);
    this.aggregator = new Aggregator(
      { apiServices: this.store('apiregistration.k8s.io', 'apiservices'), services: this.store('', 'services'), endpoints: this.store('', 'endpoints') },
      { ...(opts.proxyDialer ? { dial: opts.proxyDialer } : {}), ...(opts.log ? { log: opts.log } : {}), ...(opts.aggregator ?? {}) },
      () => groupVersions(),
    );
    const pods = this.store('', 'pods');
    const nodes = this.store('', 'nodes');
    feedGraphFromPods(this.nodeGraph, pods.cache);
    feedGraphFromPersistentVolumes(this.nodeGraph, this.store('', 'persistentvolumes').cache);
    feedRbacIndex(this.rbacIndex, {
      Role: this.store(RBAC_GROUP, 'roles').cache,
      ClusterRole: this.store(RBAC_GROUP, 'clusterroles').cache,
      RoleBinding: this.store(RBAC_GROUP, 'rolebindings').cache,
      ClusterRoleBinding: this.store(RBAC_GROUP, 'clusterrolebindings').cache,
    });
    this.authorizer = { graph: this.nodeGraph, rbac: this.rbacIndex, modes: opts.authorizationModes ?? DEFAULT_AUTHORIZATION_MODES };
    // RBAC's escalation check is the RBAC storage's own (upstream's policybased storages), not a configurable plugin.
    this.admissionPlugins = [
      rbacEscalation({ index: this.rbacIndex, authorize: (user, a) => authorize(user, a, this.nodeGraph, this.authorizer) }),
      ...(opts.admissionPlugins ?? ADMISSION_PLUGINS),
    ];
    this.admissionState = {
      node: (name) => nodes.cache.peek(nodes.key(undefined, name)),
      pod: (namespace, name) => pods.cache.peek(pods.key(namespace, name)),
      get: (group, resource, namespace, name) => {
        const s = this.stores.get(storeKey(group, resource));
        return s?.cache.peek(s.key(s.info.namespaced ? namespace : undefined, name));
      },
      list: (group, resource, namespace) => this.stores.get(storeKey(group, resource))?.cache.list(namespace).map((c) => c.obj) ?? [],
      read: async (group, resource, namespace, name) => {
        const s = this.store(group, resource);
        return s.tryGet(s.info.namespaced ? namespace : undefined, name);
      },
      updateStatus: async (group, resource, obj) => {
        const s = this.store(group, resource);
        const rv = obj.metadata?.resourceVersion;
        if (!rv) throw errors.internal(`status update of ${resource} without a resourceVersion`);
        return s.guaranteedUpdate(s.info.namespaced ? obj.metadata?.namespace : undefined, obj.metadata?.name ?? '', () => obj, { subresource: 'status', expectedRV: rv });
      },
      authorize: (user, r) =>
        authorize(
          user,
          { verb: r.verb, group: r.group, resource: r.resource, subresource: r.subresource ?? '', namespace: r.namespace ?? '', name: r.name, isResourceRequest: true, path: '' },
          this.nodeGraph,
          this.authorizer,
        ).allowed,
    };
    const sat = opts.serviceAccountTokens;
    if (sat && sat.issuers.length > 0) {
      const apiAudiences = sat.apiAudiences?.length ? sat.apiAudiences : sat.issuers;
      const keys = [...sat.keys];
      if (sat.signingKey && !keys.some((k) => k.kid === sat.signingKey!.kid)) keys.push(sat.signingKey);
      // What a token names, from the watch caches, else storage (upstream's token getter falls back to a live read).
      const objects = {
        get: async (resource: 'serviceaccounts' | 'pods' | 'secrets' | 'nodes', namespace: string | undefined, name: string): Promise<unknown> => {
          const st = this.store('', resource);
          const ns = st.info.namespaced ? namespace : undefined;
          return st.cache.peek(st.key(ns, name)) ?? (await st.tryGet(ns, name));
        },
      };
      opts.authenticator.serviceAccountTokens = new ServiceAccountTokenAuthenticator({ issuers: sat.issuers, keys, audiences: apiAudiences }, objects);
      if (sat.signingKey) {
        this.tokenIssuer = {
          issuer: sat.issuers[0]!,
          key: sat.signingKey,
          audiences: apiAudiences,
          maxExpirationSeconds: sat.maxExpirationSeconds ?? 0,
          extendExpiration: sat.extendExpiration ?? true,
        };
      }
      const docs = oidcDocuments(sat.issuers[0]!, sat.jwksURI, `${opts.advertiseAddress}:${opts.securePort}`, keys);
      if ('error' in docs) opts.log?.info?.(`service account issuer discovery not served: ${docs.error}`);
      else this.oidc = docs;
    }
    this.metrics.countObjectsWith(() =>
      [...this.stores.values()].map((s) => ({ resource: groupResourceString(s.info.group, s.info.plural), count: s.cache.listed ? s.cache.size : undefined })),
    );
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
    const resource = groupResourceString(kind.group, kind.plural);
    const backend = instrumentBackend(this.opts.backend, resource, this.metrics);
    const store = new Store(kind, kind.strategy, backend, t, {}, d.storageConversion);
    this.stores.set(key, store);
    store.cache.observe({
      reset: () => this.metrics.watchCacheInitializations.inc({ resource }),
      event: () => this.metrics.watchCacheEventsReceived.inc({ resource }),
    });
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

  /** kube-system/extension-apiserver-authentication as this server's flags say (clusterauthenticationtrust). */
  private async reconcileExtensionAuthConfigMap(): Promise<void> {
    const clientCA = this.opts.authenticator.clientCAPem ?? this.opts.clientCA?.toString();
    await ensureExtensionAuthConfigMap(this.store('', 'configmaps'), extensionAuthenticationData(clientCA, this.opts.authenticator.requestHeader));
  }

  /** The CAs client certificates may chain to at the TLS layer: --client-ca-file and the front proxy's CA. */
  private tlsClientCAs(): string | undefined {
    const pems = [this.opts.clientCA?.toString(), this.opts.authenticator.requestHeader?.clientCAPem].filter((p): p is string => !!p);
    return pems.length > 0 ? pems.join('\n') : undefined;
  }

  get address(): AddressInfo {
    return this.listener!.address();
  }

  async start(): Promise<void> {
    await this.repairAllocations();
    this.hooksDone.add('start-service-ip-repair-controllers');
    await bootstrapCluster(this);
    this.hooksDone.add('start-system-namespaces-controller').add('bootstrap-controller');
    await bootstrapSystemPriorityClasses(this);
    this.hooksDone.add('scheduling/bootstrap-system-priority-classes');
    await bootstrapRbacPolicy(this);
    this.hooksDone.add('rbac/bootstrap-roles');
    await this.reconcileExtensionAuthConfigMap();
    this.hooksDone.add('start-cluster-authentication-info-controller');
    // The Node authorizer and NodeRestriction read these caches: fill them before the first request.
    await Promise.all(
      [['', 'pods'], ['', 'nodes'], [RBAC_GROUP, 'roles'], [RBAC_GROUP, 'rolebindings']].map(([g, p]) => this.store(g!, p!).cache.ready()),
    );
    this.server = createHttpsServer(
      {
        cert: this.opts.tlsCert,
        key: this.opts.tlsKey,
        ...(this.tlsClientCAs() ? { ca: this.tlsClientCAs(), requestCert: true, rejectUnauthorized: false } : {}),
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
        const received = { auditID: auditIdOf(req), at: nowMs() };
        res.setHeader(AUDIT_ID_HEADER, received.auditID);
        const track = this.trackRequest(req, res);
        const done = this.limitRequestTime(req, res, track);
        this.handle(req, res, track, received)
          .catch((e) => sendError(res, e, req))
          .finally(done);
      },
    );
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (malformedPathEscape(req.url ?? '/') !== undefined) {
        socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request`);
        return;
      }
      const received = { auditID: auditIdOf(req), at: nowMs() };
      const audit: { record?: AuditRecord } = {};
      this.handleUpgrade(req, socket, head, received, audit)
        .then(() => socket.once('close', () => audit.record?.complete(101)))
        .catch((e: unknown) => {
          const ke = e instanceof KubeError ? e : errors.internal((e as Error)?.message ?? String(e));
          const status = ke.toStatus();
          audit.record?.response(ke.httpStatus, status);
          audit.record?.complete(ke.httpStatus);
          const body = JSON.stringify(status);
          if (socket.writable) {
            socket.end(`HTTP/1.1 ${ke.httpStatus} ${ke.reason}\r\n${AUDIT_ID_HEADER}: ${received.auditID}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
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
    await this.aggregator.start();
    this.hooksDone.add('apiservice-status-local-available-controller').add('apiservice-status-remote-available-controller').add('kube-apiserver-autoregistration');
    this.ready = true;
    this.endpointTimer = setInterval(() => {
      this.endpointReconciler.reconcile().catch((e) => this.opts.log?.warn?.(`Error removing old endpoints from kubernetes service: ${(e as Error).message}`));
    }, this.opts.endpointReconcileIntervalMs ?? DEFAULT_ENDPOINT_RECONCILER_INTERVAL_MS);
    const renewIdentity = () => this.identity.renew().catch((e) => this.opts.log?.warn?.(`apiserver identity lease ${this.identity.name}: ${(e as Error).message}`));
    const collectIdentities = () => this.identity.collectGarbage().catch((e) => this.opts.log?.warn?.(`apiserver-lease-gc: ${(e as Error).message}`));
    void renewIdentity().then(collectIdentities);
    this.identityTimers = [setInterval(renewIdentity, IDENTITY_LEASE_RENEW_INTERVAL_MS), setInterval(collectIdentities, IDENTITY_LEASE_GC_PERIOD_MS)];
    this.authConfigMapTimer = setInterval(() => {
      this.reconcileExtensionAuthConfigMap().catch((e) => this.opts.log?.warn?.(`extension-apiserver-authentication: ${(e as Error).message}`));
    }, 10_000);
    this.inflightTimer = setInterval(() => this.metrics.publishInflight(), 1000);
    this.inflightTimer.unref();
  }

  async stop(): Promise<void> {
    const started = this.ready;
    this.shuttingDown = true;
    if (this.endpointTimer) clearInterval(this.endpointTimer);
    if (this.authConfigMapTimer) clearInterval(this.authConfigMapTimer);
    for (const t of this.identityTimers.splice(0)) clearInterval(t);
    // upstream's kubernetes service controller on shutdown: delete this server's lease and take it out of the
    // endpoints, before the listener closes (bounded: a storage that does not answer must not hold the exit)
    if (started) await this.removeFromEndpoints();
    if (this.inflightTimer) clearInterval(this.inflightTimer);
    this.crdController.stop();
    this.aggregator.stop();
    for (const s of this.stores.values()) s.cache.stop();
    if (this.listener) await this.listener.close();
    await this.opts.auditor?.close();
  }

  private async removeFromEndpoints(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.endpointReconciler.remove(),
        new Promise<void>((_, reject) => {
          timer = setTimeout(() => reject(new KubeError('Timeout', 'timed out after 10 s')), 10_000);
        }),
      ]);
    } catch (e) {
      this.opts.log?.warn?.(`Unable to remove endpoints from kubernetes service: ${(e as Error).message}`);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /**
   * upstream's WithTimeoutForNonLongRunningRequests: a request that is not long-running (watch,
   * proxy, exec, attach, portforward, log) and has not answered within --request-timeout gets 504
   * with upstream's body; one that already started answering is cut off. Returns the timer's stop.
   */
  private limitRequestTime(req: IncomingMessage, res: ServerResponse, track: RequestTrack): () => void {
    const ms = this.opts.requestTimeoutMs ?? 60_000;
    if (ms <= 0 || isLongRunning(req.method ?? 'GET', req.url ?? '/')) return () => undefined;
    const t = setTimeout(() => {
      if (res.writableEnded) return;
      if (track.route) this.metrics.terminated(track.route, 504);
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

  /**
   * Measure a request: it counts as in flight (readOnly or mutating) until it ends unless it is
   * long-running, and once a handler labelled it (`track.route`) it is recorded in apiserver_request_total
   * and apiserver_request_duration_seconds when the response closes.
   */
  private trackRequest(req: IncomingMessage, res: ServerResponse): RequestTrack {
    const track: RequestTrack = {};
    const started = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    let endInflight: () => void = () => undefined;
    if (!isLongRunning(method, req.url ?? '/')) {
      const u = new URL(req.url ?? '/', 'https://localhost');
      endInflight = this.metrics.watermark.begin(requestKind(parseRequestInfo(method, u.pathname, u.searchParams)));
    }
    res.once('close', () => {
      endInflight();
      this.metrics.finish(track, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    return track;
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

  private async handle(req: IncomingMessage, res: ServerResponse, track: RequestTrack, received: { auditID: string; at: number }): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const query = url.searchParams;
    const method = req.method ?? 'GET';

    // Authentication, then audit, impersonation and authorization, for every request (the health endpoints and
    // /version too, as upstream: system:public-info-viewer lets anyone, anonymous included, read them).
    const authenticated = await this.opts.authenticator.authenticate(req);
    const info = parseRequestInfo(method, path, query);
    const audit = this.beginAudit(req, res, received, authenticated, url, info);
    if (!authenticated) {
      audit?.failedAuthentication(failedAuthenticationMessage(req, query));
      throw errors.unauthorized();
    }
    const user = this.impersonate(req, authenticated, audit);
    if (path === '/metrics') return this.serveMetrics(req, res, user, method, path, query);
    track.route = nonResourceRequestLabels(method, path);

    // A group version another server serves (a non-local APIService): authorized here, then proxied to it.
    const gv = groupVersionOfPath(path);
    const remote = gv ? this.aggregator.remote(gv.group, gv.version) : undefined;
    if (remote) {
      if (info.isResourceRequest) this.authorizeOrThrow(req, user, info, query);
      else this.authorizeNonResource(req, user, info.verb, url.pathname);
      return this.aggregator.proxy(req, res, remote, user);
    }

    if (!info.isResourceRequest) {
      this.authorizeNonResource(req, user, info.verb, url.pathname);
      const [first = '', ...rest] = path.slice(1).split('/');
      if ((HEALTH_ENDPOINTS as readonly string[]).includes(first)) return this.serveHealth(res, first as HealthEndpoint, rest.join('/'), query);
      if (path === '/version') return sendJson(res, 200, VERSION_INFO);
      if (this.oidc && (path === OPENID_CONFIG_PATH || path === JWKS_PATH) && (method === 'GET' || method === 'HEAD')) {
        const jwks = path === JWKS_PATH;
        const body = jwks ? this.oidc.jwks : this.oidc.configuration;
        res.writeHead(200, { 'Content-Type': jwks ? JWKS_CONTENT_TYPE : 'application/json', 'Cache-Control': OIDC_CACHE_CONTROL, 'Content-Length': Buffer.byteLength(body) });
        res.end(method === 'HEAD' ? undefined : body);
        return;
      }
      if (path === '/api') return serveDiscoveryRoot(req, res, 'api', () => apiVersions(`${this.opts.advertiseAddress}:${this.opts.securePort}`));
      if (path === '/apis') {
        const local = new Set(groupVersions().map((g) => g.group));
        return serveDiscoveryRoot(
          req,
          res,
          'apis',
          () => {
            const l = apiGroupList();
            return { ...l, groups: [...l.groups, ...this.aggregator.legacyGroups(local)] };
          },
          this.aggregator.aggregatedDiscovery(local),
        );
      }
      if (path.startsWith('/openapi/')) return serveOpenAPI(req, res, path, query);
      if (info.apiPrefix === 'api' && info.version) {
        const l = apiResourceList('', info.version);
        if (l) return sendJson(res, 200, l);
      } else if (info.apiPrefix === 'apis' && info.group && info.version) {
        const l = apiResourceList(info.group, info.version);
        if (l) return sendJson(res, 200, l);
      } else if (info.apiPrefix === 'apis' && info.group) {
        const g = apiGroup(info.group);
        if (g) return sendJson(res, 200, g);
        const remoteGroup = this.aggregator.legacyGroups(new Set()).find((x) => x.name === info.group);
        if (remoteGroup) return sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...remoteGroup });
      }
      throw notFoundPath();
    }
    track.route = undefined;
    return this.handleResource(req, res, info, query, user, track);
  }

  /** /metrics in Prometheus' text format, for whoever may get that path (system:masters, system:monitoring). */
  private async serveMetrics(req: IncomingMessage, res: ServerResponse, user: UserInfo, method: string, path: string, query: URLSearchParams): Promise<void> {
    const a = attributesFor(parseRequestInfo(method, path, query), query);
    const d = authorize(user, a, this.nodeGraph, this.authorizer);
    this.audits.get(req)?.authorized(d);
    if (d.allowed === false) throw forbidden(a, d);
    const body = await this.metrics.text();
    res.writeHead(200, { 'Content-Type': this.metrics.contentType });
    res.end(body);
  }

  /** Upgraded requests: only pods/exec, pods/attach, pods/portforward and nodes/proxy, proxied to the kubelet. */
  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, received: { auditID: string; at: number }, audit: { record?: AuditRecord }): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const authenticated = await this.opts.authenticator.authenticate(req);
    const record = this.beginAudit(req, undefined, received, authenticated, url);
    if (!authenticated) {
      record?.failedAuthentication(failedAuthenticationMessage(req, url.searchParams));
      throw errors.unauthorized();
    }
    if (record) audit.record = record;
    const user = this.impersonate(req, authenticated, record);
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    const rinfo = findResource(info.group, info.resource);
    if (rinfo?.definition.resourceProxy && info.subresource === 'proxy') {
      // pods/proxy and services/proxy (a WebSocket through them): authorized by method, as any proxy request.
      this.authorizeOrThrow(req, user, info, url.searchParams);
      const p = await this.resourceProxyRequest(req, rinfo, info);
      if (!p) throw errors.badRequest('an upgrade request needs a path after proxy/');
      return proxyUpgrade(this.proxyTransport(), req, socket, head, p);
    }
    // exec and port-forward over GET upgrades are authorized as "create", as upstream.
    info.verb = 'create';
    if (!rinfo || !['exec', 'attach', 'portforward', 'proxy'].includes(info.subresource)) throw notFoundPath();
    this.authorizeOrThrow(req, user, info, url.searchParams);
    if (!this.opts.kubeletUpgrade) throw new KubeError('ServiceUnavailable', `no kubelet proxy is configured for ${info.subresource}`, { httpStatus: 503 });
    const { pod, node } = await this.kubeletTarget(rinfo, info.namespace, info.name);
    return this.opts.kubeletUpgrade(req, socket, head, info, pod, node);
  }

  /**
   * The checks of a health endpoint, in upstream's order and with upstream's names: ping, log, etcd (etcd
   * answers within 2 s, --etcd-healthcheck-timeout), then on /readyz etcd-readiness and informer-sync (every
   * watch cache has listed), the post-start hooks kubelab runs, and on /readyz shutdown (fails once stop() began).
   */
  private healthChecks(endpoint: HealthEndpoint): HealthCheck[] {
    const etcdAnswers = async (): Promise<void> => {
      await withTimeout(this.opts.backend.currentRevision(), 2000);
    };
    const hooks = POST_START_HOOKS.map((name): HealthCheck => ({
      name: `poststarthook/${name}`,
      check: () => {
        if (!this.hooksDone.has(name)) throw new HealthCheckFailed('not finished');
      },
    }));
    const common: HealthCheck[] = [
      { name: 'ping', check: () => undefined },
      { name: 'log', check: () => undefined },
      { name: 'etcd', check: etcdAnswers },
    ];
    if (endpoint !== 'readyz') return [...common, ...hooks];
    return [
      ...common,
      { name: 'etcd-readiness', check: etcdAnswers },
      {
        name: 'informer-sync',
        check: () => {
          if (!this.ready) throw new HealthCheckFailed('watch caches not synced yet');
        },
      },
      ...hooks,
      {
        name: 'shutdown',
        check: () => {
          if (this.shuttingDown) throw new HealthCheckFailed('process is shutting down');
        },
      },
    ];
  }

  /** `/healthz|livez|readyz[?verbose][&exclude=...]` and `/<endpoint>/<check>` (health.ts). */
  private async serveHealth(res: ServerResponse, endpoint: HealthEndpoint, checkName: string, query: URLSearchParams): Promise<void> {
    const checks = this.healthChecks(endpoint);
    let answer: HealthAnswer;
    if (checkName) {
      const c = checks.find((x) => x.name === checkName);
      if (!c) throw notFoundPath();
      answer = singleCheckReport((await checkError(c)).error);
    } else {
      const { results, unmatched } = await runHealthChecks(checks, query.getAll('exclude'));
      for (const r of results) if (r.error !== undefined) this.opts.log?.warn?.(`${endpoint}: [-]${r.name} failed: ${r.error}`);
      answer = healthReport(endpoint, results, { verbose: query.has('verbose'), unmatched });
    }
    res.writeHead(answer.status, { ...answer.headers, 'Content-Length': Buffer.byteLength(answer.body) });
    res.end(answer.body);
  }

  private async handleResource(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, user: UserInfo, track: RequestTrack): Promise<void> {
    const rinfo = findResourceVersion(info.group, info.version, info.resource) ?? findResource(info.group, info.resource);
    if (rinfo?.definition.review && rinfo.version === info.version) return this.handleReview(req, res, rinfo, info, query, user, track);
    if (rinfo && rinfo.group === '' && rinfo.plural === 'componentstatuses' && rinfo.version === info.version) return this.handleComponentStatus(req, res, rinfo, info, query, user, track);
    // A kind that is never stored is create-only and acts on another object; the one such kind is the
    // legacy binding endpoint, POST /api/v1/namespaces/{ns}/bindings, which binds a pod.
    if (rinfo?.definition.stored === false && rinfo.version === info.version && info.verb === 'create') {
      this.authorizeOrThrow(req, user, info, query);
      const dryRun = dryRunOf(info.verb, query);
      this.routeReached(req, track, info, rinfo.namespaced);
      negotiateFor(req, res, info, rinfo);
      const body = objectBody(decodeBody(await readBody(req), mediaType(req)));
      // Read as a Binding whatever kind the body names.
      const asBinding = { ...body, apiVersion: 'v1', kind: 'Binding' };
      checkBodyStructure(asBinding, query.get('fieldValidation'));
      const binding = checkedObject(asBinding);
      await this.admit(user, info, 'CREATE', { object: binding, name: binding.metadata?.name ?? '', dryRun });
      await this.bindPod(info.namespace, binding.metadata?.name ?? '', binding, { dryRun });
      return respond(res, 201, statusSuccess());
    }
    if (!rinfo || rinfo.version !== info.version || rinfo.definition.stored === false) throw notFoundPath();
    const store = this.storeOf(rinfo);
    // A deprecated version (a CRD's): every answer carries its warning, as upstream's CRD handler adds it.
    if (rinfo.definition.deprecationWarning) res.setHeader('Warning', `299 - ${JSON.stringify(rinfo.definition.deprecationWarning)}`);
    const ns = rinfo.namespaced ? info.namespace || undefined : undefined;
    if (rinfo.namespaced && !ns && info.name) throw notFoundPath();
    if (rinfo.namespaced && !ns && info.verb === 'create') throw notFoundPath();
    if (info.subresource && !rinfo.subresources.includes(info.subresource)) throw notFoundPath();

    this.authorizeOrThrow(req, user, info, query);
    this.routeReached(req, track, info, rinfo.namespaced);
    if (!KUBELET_SUBRESOURCES.has(info.subresource)) negotiateFor(req, res, info, rinfo);

    // ?dryRun=All on every verb that writes: everything is checked and answered, nothing is kept.
    const dryRun = dryRunOf(info.verb, query);
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
        defaultTypeMeta(raw, 'v1', 'Binding');
        checkKind(raw, 'v1', 'Binding');
        checkBodyStructure(raw, query.get('fieldValidation'));
        const body = checkedObject(raw);
        await this.admit(user, info, 'CREATE', { object: body, dryRun });
        await this.bindPod(ns!, info.name, body, { dryRun });
        return respond(res, 201, statusSuccess());
      }
      case 'eviction': {
        if (info.verb !== 'create') throw methodNotSupported(info);
        const body = objectBody(decodeBody(await readBody(req), mediaType(req)));
        defaultTypeMeta(body, 'policy/v1', 'Eviction');
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
        const deleteOptions = evictionDeleteOptions(eviction.deleteOptions, query.getAll('dryRun'));
        const evictDryRun = dryRunOption(deleteOptions.dryRun ?? [], 'DeleteOptions');
        const answer = await evictPod({ pods: store, pdbs: this.store('policy', 'poddisruptionbudgets') }, ns!, info.name, deleteOptions, (pod) =>
          this.admit(user, info, 'CREATE', { object: eviction, oldObject: pod, dryRun: evictDryRun }),
        );
        return respond(res, answer.code, answer.body);
      }
      case 'token': {
        if (info.verb !== 'create') throw methodNotSupported(info);
        if (!this.tokenIssuer) throw notFoundPath();
        const raw = objectBody(decodeBody(await readBody(req), mediaType(req)));
        defaultTypeMeta(raw, 'authentication.k8s.io/v1', 'TokenRequest');
        checkKind(raw, 'authentication.k8s.io/v1', 'TokenRequest');
        checkBodyStructure(raw, query.get('fieldValidation'));
        const tr = prepareTokenRequest(asKind(checkedObject(raw), 'TokenRequest'), ns!, info.name, this.tokenIssuer.audiences);
        await this.admit(user, info, 'CREATE', { object: checkedObject(tr), dryRun });
        const read = async (resource: 'serviceaccounts' | 'pods' | 'secrets' | 'nodes', namespace: string | undefined, name: string): Promise<unknown> =>
          this.store('', resource).get(resource === 'nodes' ? undefined : namespace, name);
        const nodes = this.store('', 'nodes');
        const readNode = async (name: string): Promise<unknown> => nodes.cache.peek(nodes.key(undefined, name)) ?? (await nodes.tryGet(undefined, name));
        const { object, warning } = await issueToken(this.tokenIssuer, read, readNode, tr);
        return respond(res, 201, object, warning ? { Warning: `299 - ${JSON.stringify(warning)}` } : {});
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
        return respond(res, 200, await finalizeNamespace(store, info.name, finalizers, (_next, cur) => this.admit(user, info, 'UPDATE', { object: namespace, oldObject: cur, dryRun }), { dryRun }));
      }
      case 'log':
      case 'exec':
      case 'attach':
      case 'portforward':
      case 'proxy': {
        // pods/proxy and services/proxy go to the object's address; nodes/proxy and the rest to the kubelet.
        if (info.subresource === 'proxy' && rinfo.definition.resourceProxy) return this.serveResourceProxy(req, res, rinfo, info);
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
        // A subresource that writes the object with rules of its own (a CSR's approval) is served as status is.
        if (store.strategy.subresourceUpdates[info.subresource]) return this.handleStatus(req, res, info, query, store, ns, dryRun, user);
        throw notFoundPath();
    }
  }

  /**
   * core/v1 ComponentStatus, get and list only (componentstatus.ts): computed by probing on every request, never
   * stored; every answer carries the kind's deprecation warning, as upstream's.
   */
  private async handleComponentStatus(req: IncomingMessage, res: ServerResponse, rinfo: RegisteredKind, info: RequestInfo, query: URLSearchParams, user: UserInfo, track: RequestTrack): Promise<void> {
    if (info.namespace || info.subresource) throw notFoundPath();
    if (info.verb !== 'get' && info.verb !== 'list') throw methodNotSupported(info);
    this.authorizeOrThrow(req, user, info, query);
    this.routeReached(req, track, info, false);
    negotiateFor(req, res, info, rinfo);
    if (rinfo.definition.deprecationWarning) res.setHeader('Warning', `299 - ${JSON.stringify(rinfo.definition.deprecationWarning)}`);
    const servers = componentServers({
      schedulerHealthz: this.opts.componentStatus?.schedulerHealthz ?? DEFAULT_SCHEDULER_HEALTHZ,
      controllerManagerHealthz: this.opts.componentStatus?.controllerManagerHealthz ?? DEFAULT_CONTROLLER_MANAGER_HEALTHZ,
      etcd: () => this.opts.backend.currentRevision(),
    });
    const items = info.verb === 'get' ? [await getComponentStatus(servers, info.name)] : await listComponentStatuses(servers);
    const target = targetOf(res);
    const tableOpts = { includeObject: query.get('includeObject'), ...(target ? { apiVersion: metaApiVersion(target.version) } : {}) };
    switch (target?.kind) {
      case 'Table':
        return respond(res, 200, toTable(strategyFor(rinfo), items as KubeObject[], {}, tableOpts));
      case 'PartialObjectMetadata':
      case 'PartialObjectMetadataList':
        if ((target.kind === 'PartialObjectMetadata') === (info.verb === 'get')) {
          const apiVersion = metaApiVersion(target.version);
          return info.verb === 'get'
            ? respond(res, 200, partialMetadata(items[0] as KubeObject, apiVersion))
            : respond(res, 200, { kind: 'PartialObjectMetadataList', apiVersion, metadata: {}, items: items.map((o) => partialMetadata(o as KubeObject, apiVersion)) });
        }
        throw notAcceptableAs(`you requested ${target.kind}, but the requested object is ${info.verb === 'get' ? 'not a list (*core.ComponentStatus)' : 'a list (*core.ComponentStatusList)'}`);
    }
    if (info.verb === 'get') return respond(res, 200, items[0]);
    return respond(res, 200, { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items });
  }

  /**
   * A review (a descriptor with `review`): POST to the collection only (another verb on it is 405, a name or a
   * subresource 404, a namespaced review needs its namespace), authorized as `create`, decoded (JSON, YAML,
   * protobuf) and checked against the kind's schema; the object's namespace is the request's (a different one is
   * 400, as upstream's create handler); admitted, then answered 201 with what the kind's review hook returns.
   */
  private async handleReview(req: IncomingMessage, res: ServerResponse, rinfo: RegisteredKind, info: RequestInfo, query: URLSearchParams, user: UserInfo, track: RequestTrack): Promise<void> {
    if (info.name || info.subresource || (rinfo.namespaced && !info.namespace) || (!rinfo.namespaced && info.namespace)) throw notFoundPath();
    if (info.verb !== 'create') throw methodNotSupported(info);
    this.authorizeOrThrow(req, user, info, query);
    this.routeReached(req, track, info, rinfo.namespaced);
    negotiateFor(req, res, info, rinfo);
    const dryRun = dryRunOf(info.verb, query);
    const decoded = decodeRequestBody(await readBody(req), mediaType(req));
    const raw = objectBody(decoded.value);
    defaultTypeMeta(raw, apiVersionOf(rinfo), rinfo.kind);
    checkKind(raw, apiVersionOf(rinfo), rinfo.kind);
    const bodyNamespace = valueAt(raw, 'metadata', 'namespace');
    if (rinfo.namespaced && bodyNamespace && bodyNamespace !== info.namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const warnings = checkBodyStructure(raw, query.get('fieldValidation'), decoded);
    return respond(res, 201, await this.answerReview(user, rinfo, info.namespace, checkedObject(raw), dryRun), warningHeaders(warnings));
  }

  /**
   * A review's answer to a checked body (after decoding and the schema), for the HTTP handler and the in-process
   * client: the request's namespace on the object (upstream's EnsureObjectNamespaceMatchesRequestNamespace; none for
   * a cluster-scoped kind), admission, then the kind's review hook.
   */
  async answerReview(user: UserInfo, rinfo: RegisteredKind, namespace: string, body: ApiObject, dryRun: boolean): Promise<unknown> {
    const review = rinfo.definition.review;
    if (!review) throw errors.internal(`${rinfo.plural} is not a review`);
    if (body.metadata) {
      if (namespace) body.metadata.namespace = namespace;
      else delete body.metadata.namespace;
    } else if (namespace) body.metadata = { namespace };
    const target: AdmissionTarget = { group: rinfo.group, resource: rinfo.plural, subresource: '', namespace, name: '' };
    await runAdmissionChain(this.admissionPlugins, this.admissionAttributes(user, target, 'CREATE', { object: body, name: '', dryRun }), this.admissionState);
    return review(body, this.reviewContext(user, namespace));
  }

  /** What a review's hook may ask: this server's authorizer, rule resolver and authenticator, for `user`. */
  private reviewContext(user: UserInfo, namespace: string): ReviewContext {
    return {
      user,
      namespace,
      now: new Date(),
      apiAudiences: this.opts.apiAudiences ?? [],
      authorize: (who, a) => reviewDecision(who, a, this.nodeGraph, this.authorizer),
      rulesFor: (who, ns) => resolveRules(who, ns, this.authorizer),
      authenticateToken: async (token) => {
        // upstream's TokenReview: the request path's authenticator on a request that holds only the token. The
        // authenticators here know no audiences yet (token file, certificates: audience-agnostic, handled by the
        // review); an audience-aware one (ServiceAccount JWTs) takes the review's audiences as upstream's
        // authenticator.WithAudiences context does, and answers them in `audiences`.
        const fake = new IncomingMessage(new Socket());
        fake.headers = { authorization: `Bearer ${token}` };
        const u = await this.opts.authenticator.authenticate(fake);
        // A token that is no bearer token to the header parser (` x`: an empty second part) would leave the request
        // anonymous: a review answers that as no credential at all, never as system:anonymous (kubelab differs).
        return u && u.name !== ANONYMOUS_USER.name ? { user: u } : { error: 'invalid bearer token' };
      },
    };
  }

  /** The request reached a resource handler: label it for the request metrics (long-running ones are counted while they last). */
  private routeReached(req: IncomingMessage, track: RequestTrack, info: RequestInfo, namespaced: boolean): void {
    const u = req.url ?? '/';
    const q = u.indexOf('?');
    const labels = resourceRequestLabels(
      { method: req.method ?? 'GET', rawQuery: q < 0 ? '' : u.slice(q + 1), contentType: req.headers['content-type'], info },
      namespaced,
    );
    if (isLongRunning(req.method ?? 'GET', u)) this.metrics.startLongRunning(track, labels);
    else track.route = labels;
  }

  /** The user a request acts as (impersonation.ts): the authenticated one, or whom it may impersonate; the headers are removed. */
  private impersonate(req: IncomingMessage, user: UserInfo, audit: AuditRecord | undefined): UserInfo {
    const u = impersonatedUser(user, req.headers, (who, a) => authorize(who, a, this.nodeGraph, this.authorizer));
    if (u instanceof KubeError) throw u;
    if (u !== user) audit?.impersonated(u);
    stripImpersonationHeaders(req.headers);
    return u;
  }

  /**
   * The audit of a request (audit.ts), when --audit-policy-file audits it: the policy sees the authenticated user
   * (before impersonation) and the request's attributes, as upstream's WithAudit placed after authentication.
   */
  private beginAudit(req: IncomingMessage, res: ServerResponse | undefined, received: { auditID: string; at: number }, user: UserInfo | undefined, url: URL, parsed?: RequestInfo): AuditRecord | undefined {
    const auditor = this.opts.auditor;
    if (!auditor) return undefined;
    const method = req.method ?? 'GET';
    // a copy: handlers change their RequestInfo (an upgrade's verb), the audit keeps what was asked
    const info = parsed ? { ...parsed } : parseRequestInfo(method, url.pathname.replace(/\/+$/, '') || '/', url.searchParams);
    const attributes = { ...attributesFor(info, url.searchParams), path: url.pathname };
    const rec = auditor.begin({ req, ...(res ? { res } : {}), auditID: received.auditID, receivedAt: received.at, user, info, attributes, longRunning: !res || isLongRunning(method, req.url ?? '/') });
    if (rec && user) this.audits.set(req, rec);
    return rec;
  }

  /** Authorization (authz.ts): the privileged group, then the --authorization-mode authorizers. */
  private authorizeOrThrow(req: IncomingMessage, user: UserInfo, info: RequestInfo, query: URLSearchParams): void {
    const a = attributesFor({ ...info, isResourceRequest: true }, query);
    const d = authorize(user, a, this.nodeGraph, this.authorizer);
    this.audits.get(req)?.authorized(d);
    if (d.allowed === false) throw forbidden(a, d);
  }

  /** Authorization of a non-resource request (discovery, /version, the health endpoints): the path as sent. */
  private authorizeNonResource(req: IncomingMessage, user: UserInfo, verb: string, path: string): void {
    const a: Attributes = { verb, group: '', resource: '', subresource: '', namespace: '', name: '', isResourceRequest: false, path };
    const d = authorize(user, a, this.nodeGraph, this.authorizer);
    this.audits.get(req)?.authorized(d);
    if (d.allowed === false) throw forbidden(a, d);
  }

  /** The attributes admission plugins see for a request (admission.ts). */
  private admissionAttributes(user: UserInfo, info: AdmissionTarget, operation: Operation, o: { object?: ApiObject; oldObject?: ApiObject; name?: string; dryRun: boolean }): AdmissionAttributes {
    return {
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
    };
  }

  /** Both phases of the chain for a request whose body is not the object written (binding, eviction, scale, finalize, delete). */
  private async admit(user: UserInfo, info: RequestInfo, operation: Operation, o: { object?: ApiObject; oldObject?: ApiObject; name?: string; dryRun: boolean }): Promise<void> {
    await runAdmissionChain(this.admissionPlugins, this.admissionAttributes(user, info, operation, o), this.admissionState);
  }

  /**
   * The chain's two phases for the store to run inside a create or an update (CREATE without an old object).
   * Public for the in-process client, whose writes are admitted as the HTTP handlers' are.
   */
  admission(user: UserInfo, info: AdmissionTarget, dryRun: boolean): Admission {
    const run = (phase: AdmissionPhase, obj: ApiObject, old: KubeObject | undefined) =>
      runAdmission(
        this.admissionPlugins,
        phase,
        this.admissionAttributes(user, info, old ? 'UPDATE' : 'CREATE', {
          object: obj,
          ...(old ? { oldObject: old } : {}),
          name: old ? info.name : (obj.metadata?.name ?? ''),
          dryRun,
        }),
        this.admissionState,
      );
    return { mutate: (obj, old) => run('admit', obj, old), validate: (obj, old) => run('validate', obj, old) };
  }

  /**
   * pods/proxy and services/proxy: upstream's ProxyREST. A GET or HEAD of `.../proxy` with nothing after it
   * is redirected to `.../proxy/` (upstream's proxyRedirectsforRootPath); other methods than upstream's
   * proxy methods are 405.
   */
  private async serveResourceProxy(req: IncomingMessage, res: ServerResponse, rinfo: RegisteredKind, info: RequestInfo): Promise<void> {
    const method = req.method ?? 'GET';
    if (!PROXY_METHODS.has(method)) throw methodNotSupported(info);
    const p = await this.resourceProxyRequest(req, rinfo, info);
    if (!p) {
      const url = new URL(req.url ?? '/', 'https://localhost');
      res.writeHead(301, { Location: `${url.pathname}/${url.search}` });
      res.end();
      return;
    }
    return proxyRequest(this.proxyTransport(), req, res, p);
  }

  private proxyTransport(): ProxyTransport {
    return { dial: this.opts.proxyDialer ?? defaultProxyDialer, dialTimeoutMs: this.opts.proxyDialTimeoutMs ?? PROXY_DIAL_TIMEOUT_MS };
  }

  /**
   * Where a pods/proxy or services/proxy request goes (resource-proxy.ts), with the raw path after `/proxy`;
   * undefined for a GET or HEAD with nothing after `/proxy` (redirected).
   */
  private async resourceProxyRequest(req: IncomingMessage, rinfo: RegisteredKind, info: RequestInfo): Promise<ProxyRequest | undefined> {
    const ns = info.namespace;
    // The path as the request info read it (dot segments resolved), still percent-encoded; the query as sent.
    const url = new URL(req.url ?? '/', 'https://localhost');
    const rawPath = url.pathname;
    const rawQuery = url.search.slice(1);
    // /api/v1 or /apis/<group>/<version>, then namespaces/<ns>, then <resource>/<name>/proxy
    const prefixSegments = (info.apiPrefix === 'apis' ? 3 : 2) + (rinfo.namespaced ? 2 : 0) + 3;
    const { prefix, rest } = proxiedPath(rawPath, prefixSegments);
    const pods = this.store('', 'pods');
    let location: ProxyLocation;
    if (rinfo.definition.resourceProxy === 'pod') {
      const id = parseProxyId('pod', info.name);
      location = podProxyLocation(id, asKind(await this.storeOf(rinfo).get(ns, id.name), 'Pod'));
    } else {
      const id = parseProxyId('service', info.name);
      const numeric = /^[+-]?\d+$/.test(id.port);
      const service = numeric ? asKind(await this.storeOf(rinfo).get(ns, id.name), 'Service') : undefined;
      const portName = servicePortName(id, service);
      const endpoints = asKind(await this.store('', 'endpoints').get(ns, id.name), 'Endpoints');
      location = serviceProxyLocation(id, portName, endpoints, ns, (name) => {
        const pod = pods.cache.peek(pods.key(ns, name));
        return pod && isKind(pod, 'Pod') ? pod : undefined;
      });
    }
    const method = req.method ?? 'GET';
    if (rest === '' && (method === 'GET' || method === 'HEAD')) return undefined;
    return { location, rest, prefix, rawQuery };
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

  /** Bind a pod to a node: only an unassigned pod; PodScheduled=True as upstream's binding REST (a dry run writes nothing). */
  async bindPod(namespace: string, podName: string, body: ApiObject, opts: { dryRun?: boolean } = {}): Promise<KubeObject> {
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
    }, opts);
  }

  private listKind(store: Store): string {
    return `${store.info.kind}List`;
  }

  private async handleMain(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, store: Store, ns: string | undefined, dryRun: boolean, user: UserInfo): Promise<void> {
    const rinfo = store.info;
    const admission = this.admission(user, info, dryRun);
    switch (info.verb) {
      case 'get': {
        const obj = await store.get(ns, info.name);
        return respond(res, 200, asTarget(obj, targetOf(res), store, query));
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
        const target = targetOf(res);
        switch (target?.kind) {
          case 'Table':
            return respond(res, 200, toTable(store.strategy, result.items, meta, { includeObject: query.get('includeObject'), apiVersion: metaApiVersion(target.version) }));
          case 'PartialObjectMetadataList': {
            const apiVersion = metaApiVersion(target.version);
            return respond(res, 200, { kind: 'PartialObjectMetadataList', apiVersion, metadata: meta, items: result.items.map((o) => partialMetadata(o, apiVersion)) });
          }
          case 'PartialObjectMetadata':
            throw notAcceptableAs(`you requested PartialObjectMetadata, but the requested object is a list (${internalTypeName(rinfo.group, this.listKind(store))})`);
        }
        return respond(res, 200, listBody(this.listKind(store), apiVersionOf(rinfo), meta, result.items));
      }
      case 'watch': {
        listOptionInts(query);
        const matches = buildMatcher(store, query.get('labelSelector'), query.get('fieldSelector'), info.name);
        const target = targetOf(res);
        return serveWatch(req, res, store, {
          namespace: ns,
          matches,
          query,
          ...(target ? { target } : {}),
          protobuf: OUTPUT.get(res)?.negotiated.serializer === PROTOBUF_MEDIA,
          onEvent: (bytes) => this.metrics.watchEvent(rinfo.group, rinfo.version, rinfo.kind, bytes),
          minRequestTimeoutSeconds: this.opts.minRequestTimeoutSeconds ?? 1800,
          bookmarkIntervalMs: this.opts.bookmarkIntervalMs ?? 60_000,
        });
      }
      case 'create': {
        const manager = requestManager(req, query, 'CreateOptions');
        const decoded = decodeRequestBody(await readBody(req), mediaType(req));
        const raw = objectBody(decoded.value);
        defaultTypeMeta(raw, apiVersionOf(rinfo), rinfo.kind);
        checkKind(raw, apiVersionOf(rinfo), rinfo.kind);
        const bodyNamespace = valueAt(raw, 'metadata', 'namespace');
        if (rinfo.namespaced && bodyNamespace && bodyNamespace !== ns) {
          throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
        }
        const warnings = checkBodyStructure(raw, query.get('fieldValidation'), decoded);
        const body = checkedObject(raw);
        const created = await store.create(ns, body, { dryRun, admission, requester: user, track: updateTracker(store, '', manager) });
        return respond(res, 201, asTarget(created, targetOf(res), store, query), warningHeaders(warnings));
      }
      case 'update': {
        const track = updateTracker(store, '', requestManager(req, query, 'UpdateOptions'));
        const decoded = decodeRequestBody(await readBody(req), mediaType(req));
        const raw = objectBody(decoded.value);
        defaultTypeMeta(raw, apiVersionOf(rinfo), rinfo.kind);
        checkKind(raw, apiVersionOf(rinfo), rinfo.kind);
        const warnings = checkBodyStructure(raw, query.get('fieldValidation'), decoded);
        const body = checkedObject(raw);
        const allowCreate = registeredKind(rinfo).definition.allowCreateOnUpdate === true;
        const existed = allowCreate ? (await store.tryGet(ns, info.name)) !== undefined : true;
        if (allowCreate && !existed) {
          body.metadata = { ...(body.metadata ?? {}), name: info.name };
          const created = await store.create(ns, body, { dryRun, admission, requester: user, track });
          return respond(res, 201, asTarget(created, targetOf(res), store, query), warningHeaders(warnings));
        }
        const out = await store.update(ns, info.name, body, { dryRun, admission, track });
        return respond(res, 200, asTarget(out, targetOf(res), store, query), warningHeaders(warnings));
      }
      case 'patch': {
        const apply = patchTypeOf(mediaType(req)) === 'apply';
        const manager = requestManager(req, query, 'PatchOptions', { apply });
        const force = forceOf(query);
        const patch = await readPatch(req, this.kindOf(store));
        let warnings: string[] = [];
        const doPatch = (cur: ApiObject): ApiObject => {
          const out = applyDecodedPatch(cur, patch(), rinfo, (live, config) => applyToObject(store, '', live, config, manager, force).object);
          checkPatchedName(out, info.name, ns);
          const checked = validatePatched(out, patch(), query.get('fieldValidation'), { apiVersion: apiVersionOf(rinfo), kind: rinfo.kind });
          warnings = checked.warnings;
          return checked.object;
        };
        if (patch().type === 'apply' && !(await store.tryGet(ns, info.name))) {
          const body = doPatch({});
          const created = await store.create(ns, body, { dryRun, admission, requester: user });
          return respond(res, 201, asTarget(created, targetOf(res), store, query), warningHeaders(warnings));
        }
        const out = await store.guaranteedUpdate(ns, info.name, doPatch, { dryRun, admission, ...(apply ? {} : { track: updateTracker(store, '', manager, patch) }) });
        return respond(res, 200, asTarget(out, targetOf(res), store, query), warningHeaders(warnings));
      }
      case 'delete': {
        const opts = await deleteOptionsFrom(req, query);
        const refused = store.strategy.deleteForbidden?.(info.name);
        if (refused) throw errors.forbiddenObject(rinfo.plural, rinfo.group, info.name, refused);
        const deleteDryRun = (opts.dryRun ?? []).includes('All');
        const { obj, deleted } = await store.delete(ns, info.name, opts, (cur) => this.admit(user, info, 'DELETE', { oldObject: cur, dryRun: deleteDryRun }));
        // An object that stays (graceful deletion, finalizers) is answered with 200 as upstream's delete handler does;
        // 202 only when the client asked for cascading deletion with the deprecated orphanDependents=false.
        if (!deleted) return respond(res, opts.orphanDependents === false ? 202 : 200, asTarget(obj, targetOf(res), store, query));
        if (registeredKind(rinfo).definition.returnDeletedObject) return respond(res, 200, asTarget(obj, targetOf(res), store, query));
        return respond(res, 200, { ...statusSuccess({ name: info.name, group: rinfo.group, kind: rinfo.plural, uid: obj.metadata?.uid }) });
      }
      case 'deletecollection': {
        listOptionInts(query);
        const opts = await deleteOptionsFrom(req, query);
        const deleteDryRun = (opts.dryRun ?? []).includes('All');
        const matches = buildMatcher(store, query.get('labelSelector'), query.get('fieldSelector'));
        const result = await store.list({ ...(ns ? { namespace: ns } : {}), matches });
        const items: KubeObject[] = [];
        for (const o of result.items) {
          try {
            const name = o.metadata.name ?? '';
            items.push((await store.delete(o.metadata.namespace, name, opts, (cur) => this.admit(user, info, 'DELETE', { oldObject: cur, name, dryRun: deleteDryRun }))).obj);
          } catch (e) {
            if (!(e instanceof KubeError && e.reason === 'NotFound')) throw e;
          }
        }
        return respond(res, 200, { kind: this.listKind(store), apiVersion: apiVersionOf(rinfo), metadata: {}, items });
      }
      default:
        throw methodNotSupported(info);
    }
  }

  private async handleStatus(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, store: Store, ns: string | undefined, dryRun: boolean, user: UserInfo): Promise<void> {
    const admission = this.admission(user, info, dryRun);
    switch (info.verb) {
      case 'get':
        return respond(res, 200, await store.get(ns, info.name));
      case 'update': {
        const track = updateTracker(store, info.subresource, requestManager(req, query, 'UpdateOptions'));
        const decoded = decodeRequestBody(await readBody(req), mediaType(req));
        const raw = objectBody(decoded.value);
        defaultTypeMeta(raw, apiVersionOf(store.info), store.info.kind);
        checkKind(raw, apiVersionOf(store.info), store.info.kind);
        const warnings = checkBodyStructure(raw, query.get('fieldValidation'), decoded);
        const body = checkedObject(raw);
        const rv = body.metadata?.resourceVersion;
        const out = await store.guaranteedUpdate(ns, info.name, () => body, { subresource: info.subresource, dryRun, admission, track, ...(rv ? { expectedRV: String(rv) } : {}) });
        return respond(res, 200, asTarget(out, targetOf(res), store, query), warningHeaders(warnings));
      }
      case 'patch': {
        const apply = patchTypeOf(mediaType(req)) === 'apply';
        const manager = requestManager(req, query, 'PatchOptions', { apply });
        const force = forceOf(query);
        const patch = await readPatch(req, this.kindOf(store));
        let warnings: string[] = [];
        const out = await store.guaranteedUpdate(
          ns,
          info.name,
          (cur) => {
            const o = applyDecodedPatch(cur, patch(), store.info, (live, config) => applyToObject(store, info.subresource, live, config, manager, force).object);
            checkPatchedName(o, info.name, ns);
            const checked = validatePatched(o, patch(), query.get('fieldValidation'), { apiVersion: apiVersionOf(store.info), kind: store.info.kind });
            warnings = checked.warnings;
            return checked.object;
          },
          { subresource: info.subresource, dryRun, admission, ...(apply ? {} : { track: updateTracker(store, info.subresource, manager) }) },
        );
        return respond(res, 200, asTarget(out, targetOf(res), store, query), warningHeaders(warnings));
      }
      default:
        throw methodNotSupported(info);
    }
  }

  private async handleScale(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, store: Store, ns: string | undefined, dryRun: boolean, user: UserInfo): Promise<void> {
    switch (info.verb) {
      case 'get':
        return respond(res, 200, toScale(store.info, await store.get(ns, info.name)));
      case 'update':
      case 'patch': {
        const ct = mediaType(req);
        const manager = requestManager(req, query, info.verb === 'update' ? 'UpdateOptions' : 'PatchOptions', info.verb === 'patch' ? { apply: patchTypeOf(ct) === 'apply' } : undefined);
        const raw = await readBody(req);
        let expectedRV: string | undefined;
        const out = await store.guaranteedUpdate(
          ns,
          info.name,
          async (cur) => {
            const scale = toScale(store.info, cur);
            let next: Record<string, unknown>;
            if (info.verb === 'update') {
              next = objectBody(decodeBody(raw, ct));
              defaultTypeMeta(next, 'autoscaling/v1', 'Scale');
              if (next.kind !== 'Scale') throw errors.badRequest('the object provided is unrecognized (must be of type Scale)');
              const rv = valueAt(next, 'metadata', 'resourceVersion');
              expectedRV = typeof rv === 'string' && rv !== '' ? rv : undefined;
            } else {
              next = applyPatch(scale, raw, ct, SCALE);
              checkPatchedName(next, info.name, ns);
            }
            const asScale = { ...next, apiVersion: 'autoscaling/v1', kind: 'Scale' };
            checkBodyStructure(asScale, query.get('fieldValidation'));
            await this.admit(user, info, 'UPDATE', { object: checkedObject(asScale), oldObject: scale, dryRun });
            return applyScale(store, cur, next, expectedRV);
          },
          { dryRun, track: updateTracker(store, 'scale', manager) },
        );
        return respond(res, 200, toScale(store.info, out));
      }
      default:
        throw methodNotSupported(info);
    }
  }
}

/** What admission needs to know of a request: the resource and object it writes. */
export type AdmissionTarget = Pick<RequestInfo, 'group' | 'resource' | 'subresource' | 'namespace' | 'name'>;

/** The post-start hooks kubelab runs, by upstream's names, in upstream's order (listed by the health endpoints). */
const POST_START_HOOKS = [
  'start-system-namespaces-controller',
  'start-cluster-authentication-info-controller',
  'start-service-ip-repair-controllers',
  'rbac/bootstrap-roles',
  'scheduling/bootstrap-system-priority-classes',
  'bootstrap-controller',
  'apiservice-status-local-available-controller',
  'apiservice-status-remote-available-controller',
  'kube-apiserver-autoregistration',
] as const;

/** Subresources served by kubelets: streamed as the kubelet answers, without content negotiation. */
const KUBELET_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);

/**
 * The output format of each response being answered (negotiated once per request, before the handler
 * reads anything, as upstream's REST handlers do); a response without one is JSON.
 */
const OUTPUT = new WeakMap<ServerResponse, OutputFormat>();

/**
 * Negotiate a resource request's response format (negotiation.ts): 406 when the Accept header allows
 * nothing this endpoint writes. A kind with a protobuf message (its descriptor's `protobufMessage`) is
 * written as JSON, YAML or protobuf; one without (as upstream's custom resources) as JSON or YAML, a
 * protobuf-only Accept being 406. A Table only for the main resource; a watch also needs a streaming type.
 */
function negotiateFor(req: IncomingMessage, res: ServerResponse, info: RequestInfo, kind: RegisteredKind): void {
  const encodable = kind.definition.protobufMessage ? [JSON_MEDIA, YAML_MEDIA, PROTOBUF_MEDIA] : [JSON_MEDIA, YAML_MEDIA];
  const restrictions = resourceRestrictions(encodable, { tables: info.subresource === '' });
  const negotiated = negotiateOutput(req.headers.accept, restrictions);
  if (info.verb === 'watch') negotiateOutputStream(req.headers.accept, restrictions);
  OUTPUT.set(res, outputFormat(req, negotiated));
}

function respond(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  sendNegotiated(res, code, body, OUTPUT.get(res), headers);
}

/** The conversion the negotiated Accept clause asked for (as=Table, as=PartialObjectMetadata[List]). */
function targetOf(res: ServerResponse): Target | undefined {
  return OUTPUT.get(res)?.negotiated.target;
}

/** upstream's %T of an internal object in the not-acceptable messages: `*core.Pod`, `*apps.DeploymentList`. */
function internalTypeName(group: string, kind: string): string {
  return `*${group ? group.split('.')[0] : 'core'}.${kind}`;
}

/** handlers/response.go's errNotAcceptable: a 406 with a message of its own. */
function notAcceptableAs(message: string): KubeError {
  return new KubeError('NotAcceptable', message);
}

/** One object as the Accept clause asked (doTransformObject): itself, a Table of one row, or its metadata. */
function asTarget(obj: KubeObject, target: Target | undefined, store: Store, query: URLSearchParams): unknown {
  switch (target?.kind) {
    case undefined:
      return obj;
    case 'Table':
      return toTable(store.strategy, [obj], { resourceVersion: obj.metadata.resourceVersion }, { includeObject: query.get('includeObject'), apiVersion: metaApiVersion(target.version) });
    case 'PartialObjectMetadata':
      return partialMetadata(obj, metaApiVersion(target.version));
    default:
      throw notAcceptableAs(`you requested PartialObjectMetadataList, but the requested object is not a list (${internalTypeName(store.info.group, store.info.kind)})`);
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

/**
 * The DeleteOptions of an eviction, with the request's dryRun pushed in (upstream's propagateDryRun): the body's
 * deleteOptions.dryRun, else the query's; both given and different is a 400 (upstream answers 500 here, a plain error).
 */
export function evictionDeleteOptions(body: DeleteOptions | undefined, queryDryRun: readonly string[]): DeleteOptions {
  const opts: DeleteOptions = { ...(body ?? {}) };
  const own = opts.dryRun ?? [];
  if (own.length === 0) {
    if (queryDryRun.length > 0) opts.dryRun = [...queryDryRun];
    return opts;
  }
  if (queryDryRun.length > 0 && (own.length !== queryDryRun.length || own.some((v, i) => v !== queryDryRun[i]))) {
    throw errors.badRequest(`Non-matching dry-run options in request and content: [${queryDryRun.join(' ')}] and [${own.join(' ')}]`);
  }
  return opts;
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
  dryRunOption(opts.dryRun ?? [], 'DeleteOptions');
  if (opts.propagationPolicy && !['Foreground', 'Background', 'Orphan'].includes(opts.propagationPolicy)) {
    throw errors.invalid('DeleteOptions', '', '', [
      { reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"` },
    ]);
  }
  return opts;
}

