/**
 * The API client every kubelab component uses (scheduler, controller manager, kubelet, proxy):
 * `ApiClient` is the interface, `KubeClient` talks HTTPS (or plain HTTP, for tests) to a Kubernetes
 * API server, `InProcessClient` (control-plane/apiserver/in-process-client.ts) runs the real API
 * server's registry in this process, over the memory storage backend, for tests.
 *
 * Objects travel as plain JSON; resources are named by a `ResourceInfo` from api/resources.ts.
 * Errors: a non-2xx answer becomes `KubeError.fromStatus(body, httpStatus)`; a network failure
 * becomes a KubeError with reason ServiceUnavailable and code ERR_UNAVAILABLE.
 */

import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import { KubeError, isKubeError, reasonForHttp, type Status } from '../errors.js';
import { apiVersionOf, findResource, resourcePath, type ResourceInfo } from '../resources.js';
import { loadKubeconfig } from '../tls/kubeconfig.js';
import { inClusterConfig, TokenFileSource } from './in-cluster.js';
import { consoleLogger, type Logger } from './log.js';
import { TokenBucket, sleep } from './rate-limit.js';

// ---------------------------------------------------------------------------------------------
// Shapes

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface ListResult<T> {
  apiVersion?: string;
  kind?: string;
  items: T[];
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
}

export interface WriteOptions {
  fieldManager?: string;
  /** Server-side dry run (`dryRun=All`). */
  dryRun?: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  subresource?: string;
  /** Only for `apply`: take ownership of conflicting fields. */
  force?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface WatchOptions {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T = unknown> {
  type: WatchEventType;
  /** The object; for ERROR a `Status`; for BOOKMARK an object of the kind with only metadata.resourceVersion. */
  object: T;
}

/**
 * A running watch. `done` resolves when the stream ends (server closed it, timeoutSeconds passed, or
 * `stop()` was called) and rejects with a KubeError when the watch could not start (e.g. 410 Expired,
 * 403) or the connection broke (ERR_UNAVAILABLE).
 */
export interface WatchHandle {
  done: Promise<void>;
  stop(): void;
}

/** The API operations a component needs. Generic `T` is the object type you expect back. */
export interface ApiClient {
  get<T = unknown>(info: ResourceInfo, namespace: string | undefined, name: string): Promise<T>;
  list<T = unknown>(info: ResourceInfo, namespace: string | undefined, opts?: ListOptions): Promise<ListResult<T>>;
  /** list, following `continue` tokens until the last page (falls back to one full list on 410). */
  listAll<T = unknown>(info: ResourceInfo, namespace: string | undefined, opts?: ListOptions): Promise<ListResult<T>>;
  create<T = unknown>(info: ResourceInfo, namespace: string | undefined, obj: NoInfer<T>, opts?: WriteOptions): Promise<T>;
  /** PUT of the whole object; namespace and name come from obj.metadata. */
  update<T = unknown>(info: ResourceInfo, obj: NoInfer<T>, opts?: WriteOptions): Promise<T>;
  /** PUT of the status subresource. */
  updateStatus<T = unknown>(info: ResourceInfo, obj: NoInfer<T>, opts?: WriteOptions): Promise<T>;
  patch<T = unknown>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType,
    opts?: PatchOptions,
  ): Promise<T>;
  /** Returns what the server answers: the object (when it still exists, e.g. finalizers) or a Status. */
  delete(info: ResourceInfo, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<unknown>;
  deleteCollection(
    info: ResourceInfo,
    namespace: string | undefined,
    listOpts?: ListOptions,
    opts?: DeleteOptions,
  ): Promise<unknown>;
  /** POST pods/{name}/binding: assign a pod to a node (what the scheduler does). */
  bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void>;
  /** POST pods/{name}/eviction (policy/v1 Eviction). A PDB refusal is a 429 KubeError. */
  evict(namespace: string, name: string, opts?: DeleteOptions): Promise<void>;
  /** GET of a subresource such as `scale` or `status`. */
  getSubresource<T = unknown>(info: ResourceInfo, namespace: string | undefined, name: string, subresource: string): Promise<T>;
  /** PUT of a subresource such as `scale`. */
  updateSubresource<T = unknown>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    subresource: string,
    obj: unknown,
  ): Promise<T>;
  watch<T = unknown>(
    info: ResourceInfo,
    namespace: string | undefined,
    opts: WatchOptions,
    onEvent: (ev: WatchEvent<T>) => void,
  ): WatchHandle;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export function podsResource(): ResourceInfo {
  const info = findResource('', 'pods');
  if (!info) throw new KubeError('InternalError', 'pods missing from RESOURCES');
  return info;
}

interface MetaLike {
  metadata?: { name?: string; namespace?: string };
}

/** The body a client sends for an object of `info`: its apiVersion and kind first, then the object (which may override them). */
export function withTypeMeta(info: ResourceInfo, obj: unknown): Record<string, unknown> {
  return { apiVersion: apiVersionOf(info), kind: info.kind, ...(obj as object) };
}

export function metaOf(obj: unknown): { name: string; namespace: string | undefined } {
  const m = (obj as MetaLike | null)?.metadata;
  if (!m?.name) throw new KubeError('BadRequest', 'name is required (metadata.name)');
  return { name: m.name, namespace: m.namespace || undefined };
}

export function bindingBody(namespace: string, podName: string, nodeName: string, podUid?: string) {
  const metadata: Record<string, string> = { name: podName, namespace };
  if (podUid) metadata.uid = podUid;
  return { apiVersion: 'v1', kind: 'Binding', metadata, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } };
}

export function deleteOptionsBody(opts: DeleteOptions | undefined): Record<string, unknown> | undefined {
  if (!opts) return undefined;
  const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
  if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
  if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
  if (opts.preconditions) body.preconditions = opts.preconditions;
  if (opts.dryRun) body.dryRun = ['All'];
  return body;
}

export function evictionBody(namespace: string, name: string, opts?: DeleteOptions) {
  const body: Record<string, unknown> = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } };
  const d = deleteOptionsBody(opts);
  if (d) body.deleteOptions = d;
  return body;
}

/** Follow `continue` tokens; on an expired token fall back to one unpaginated list (as client-go's pager). */
export async function listAllPages<T>(
  list: (opts: ListOptions) => Promise<ListResult<T>>,
  opts: ListOptions = {},
): Promise<ListResult<T>> {
  const items: T[] = [];
  let cont = opts.continue;
  let first: ListResult<T> | undefined;
  for (;;) {
    let page: ListResult<T>;
    try {
      page = await list({ ...opts, continue: cont });
    } catch (e) {
      if (cont && (isKubeError(e, 'Expired') || isKubeError(e, 'Gone'))) {
        return list({ ...opts, continue: undefined, limit: undefined });
      }
      throw e;
    }
    first ??= page;
    items.push(...page.items);
    cont = page.metadata?.continue || undefined;
    if (!cont) {
      return {
        apiVersion: first.apiVersion,
        kind: first.kind,
        items,
        metadata: { resourceVersion: page.metadata?.resourceVersion ?? '' },
      };
    }
  }
}

/** A KubeError for a transport failure (connection refused, reset, TLS, timeout). */
export function unavailable(message: string, cause?: unknown): KubeError {
  return new KubeError('ServiceUnavailable', message, { code: 'ERR_UNAVAILABLE', cause });
}

function errorFromBody(statusCode: number, text: string, statusMessage?: string): KubeError {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (body && typeof body === 'object' && (body as { kind?: string }).kind === 'Status') {
    return KubeError.fromStatus(body as Partial<Status>, statusCode);
  }
  const msg = text.trim() || statusMessage || `the server responded with ${statusCode}`;
  return new KubeError(reasonForHttp(statusCode), msg, { httpStatus: statusCode });
}

// ---------------------------------------------------------------------------------------------
// KubeClient

export interface KubeClientConfig {
  /** `https://192.168.56.11:6443` (plain `http://` is accepted for tests). */
  server: string;
  /** PEM text of the CA bundle (base64 of PEM is accepted too, as in kubeconfig `-data` fields). */
  caData?: string;
  certData?: string;
  keyData?: string;
  token?: string;
  /** A file holding the bearer token, re-read about every minute (client-go's BearerTokenFile; in-cluster.ts). */
  tokenFile?: string;
  insecureSkipTLSVerify?: boolean;
  userAgent?: string;
  /** Per-request timeout (not for watches). Default 30 s. */
  timeoutMs?: number;
  /** The default namespace (a kubeconfig context's `namespace`); `default` when unset. */
  namespace?: string;
  /** Client-side rate limit, as client-go's rest.Config QPS / Burst. Default 50 / 100; qps <= 0 disables. */
  qps?: number;
  burst?: number;
  /** Retries of a 429 / 5xx answer carrying Retry-After (client-go retries up to 10). Default 5. */
  maxRetries?: number;
  logger?: Logger;
}

interface RequestOpts {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
}

function pemOrBase64(s: string | undefined): string | undefined {
  if (!s) return undefined;
  if (s.includes('-----BEGIN')) return s;
  return Buffer.from(s, 'base64').toString('utf8');
}

function buildQuery(q: RequestOpts['query']): string {
  if (!q) return '';
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') sp.set(k, String(v));
  const s = sp.toString();
  return s ? `?${s}` : '';
}

function listQuery(opts: ListOptions | undefined): RequestOpts['query'] {
  if (!opts) return undefined;
  return {
    labelSelector: opts.labelSelector,
    fieldSelector: opts.fieldSelector,
    limit: opts.limit,
    continue: opts.continue,
    resourceVersion: opts.resourceVersion,
    resourceVersionMatch: opts.resourceVersionMatch,
  };
}

function writeQuery(opts: WriteOptions | undefined): RequestOpts['query'] {
  return { fieldManager: opts?.fieldManager, dryRun: opts?.dryRun ? 'All' : undefined };
}

export class KubeClient implements ApiClient {
  readonly server: URL;
  /** The default namespace from the config / kubeconfig context. */
  readonly namespace: string;
  private readonly agent: http.Agent;
  private readonly mod: typeof http | typeof https;
  private readonly limiter: TokenBucket;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly log: Logger;
  private readonly tokenSource: TokenFileSource | undefined;

  constructor(readonly config: KubeClientConfig) {
    this.server = new URL(config.server);
    this.namespace = config.namespace || 'default';
    const isHttps = this.server.protocol === 'https:';
    if (!isHttps && this.server.protocol !== 'http:') {
      throw new KubeError('BadRequest', `unsupported server scheme ${this.server.protocol}`, { code: 'ERR_CONFIG' });
    }
    this.mod = isHttps ? https : http;
    this.agent = isHttps
      ? new https.Agent({
          keepAlive: true,
          ca: pemOrBase64(config.caData),
          cert: pemOrBase64(config.certData),
          key: pemOrBase64(config.keyData),
          rejectUnauthorized: !config.insecureSkipTLSVerify,
        })
      : new http.Agent({ keepAlive: true });
    this.limiter = new TokenBucket(config.qps ?? 50, config.burst ?? 100);
    this.headers = {
      Accept: 'application/json',
      'User-Agent': config.userAgent ?? `kubelab/v0.1.0 (linux/${process.arch})`,
    };
    if (config.tokenFile) this.tokenSource = new TokenFileSource(config.tokenFile, (p) => readFileSync(p, 'utf8'), Date.now, config.token);
    else if (config.token) this.headers.Authorization = `Bearer ${config.token}`;
    this.timeoutMs = config.timeoutMs ?? 30_000;
    this.maxRetries = config.maxRetries ?? 5;
    this.log = config.logger ?? consoleLogger('client');
  }

  /** Build a client from a kubeconfig file (current context unless `context` is given). */
  static fromKubeconfig(path: string, context?: string, overrides: Partial<KubeClientConfig> = {}): KubeClient {
    const kc = loadKubeconfig(path, context);
    return new KubeClient({
      server: kc.server,
      caData: kc.caData,
      certData: kc.certData,
      keyData: kc.keyData,
      token: kc.token,
      insecureSkipTLSVerify: kc.insecureSkipTLSVerify,
      namespace: kc.namespace,
      ...overrides,
    });
  }

  /** Send this bearer token from now on (a refreshed ServiceAccount token). */
  setBearerToken(token: string): void {
    this.headers.Authorization = `Bearer ${token}`;
  }

  /**
   * The client of a component: from the kubeconfig when one is given, else in-cluster (rest.InClusterConfig:
   * the pod's service links and ServiceAccount token; KubeError with client-go's message outside a pod).
   */
  static fromKubeconfigOrInCluster(path: string | undefined, overrides: Partial<KubeClientConfig> = {}, env: NodeJS.ProcessEnv = process.env): KubeClient {
    if (path) return KubeClient.fromKubeconfig(path, undefined, overrides);
    const log = overrides.logger ?? consoleLogger('client');
    const ic = inClusterConfig({ env, readFile: (p) => readFileSync(p, 'utf8'), warn: (m) => log.error(m) });
    return new KubeClient({ server: ic.server, caData: ic.caData, token: ic.token, tokenFile: ic.tokenFile, namespace: ic.namespace, ...overrides });
  }

  /** The headers of one request: with a token file, its current token. */
  private requestHeaders(): Record<string, string> {
    const headers: Record<string, string> = { ...this.headers };
    const token = this.tokenSource?.current();
    if (token) headers.Authorization = `Bearer ${token}`;
    return headers;
  }

  /** Close idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  private fullPath(path: string, query: RequestOpts['query']): string {
    const prefix = this.server.pathname.replace(/\/+$/, '');
    return prefix + path + buildQuery(query);
  }

  /** One HTTP exchange; resolves with the parsed JSON body (undefined when empty). */
  async request<R = unknown>(method: string, path: string, opts: RequestOpts = {}): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      await this.limiter.wait();
      const res = await this.exchange(method, path, opts);
      if (res.status >= 200 && res.status < 300) {
        if (!res.text) return undefined as R;
        try {
          return JSON.parse(res.text) as R;
        } catch (e) {
          throw new KubeError('InternalError', `invalid JSON from server: ${(e as Error).message}`);
        }
      }
      const retryAfter = Number(res.retryAfter);
      if ((res.status === 429 || res.status >= 500) && res.retryAfter && attempt < this.maxRetries && retryAfter >= 0) {
        this.log.debug('retrying after Retry-After', { method, path, status: res.status, retryAfter });
        await sleep(Math.min(retryAfter, 10) * 1000);
        continue;
      }
      throw errorFromBody(res.status, res.text, res.statusMessage);
    }
  }

  private exchange(
    method: string,
    path: string,
    opts: RequestOpts,
  ): Promise<{ status: number; statusMessage?: string; text: string; retryAfter?: string }> {
    return new Promise((resolve, reject) => {
      const headers = this.requestHeaders();
      let payload: Buffer | undefined;
      if (opts.body !== undefined) {
        payload = Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
        headers['Content-Type'] = opts.contentType ?? 'application/json';
        headers['Content-Length'] = String(payload.length);
      }
      const req = this.mod.request(
        {
          agent: this.agent,
          method,
          hostname: this.server.hostname.replace(/^\[|\]$/g, ''),
          port: this.server.port || undefined,
          path: this.fullPath(path, opts.query),
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              statusMessage: res.statusMessage,
              text: Buffer.concat(chunks).toString('utf8'),
              retryAfter: res.headers['retry-after'] as string | undefined,
            }),
          );
          res.on('error', (e) => reject(unavailable(`${method} ${path}: ${e.message}`, e)));
          res.on('close', () => {
            if (!res.complete) reject(unavailable(`${method} ${path}: connection closed before the response ended`));
          });
        },
      );
      req.setTimeout(this.timeoutMs, () => {
        req.destroy(new KubeError('Timeout', `request timed out after ${this.timeoutMs} ms`));
      });
      req.on('error', (e) => reject(unavailable(`${method} ${this.server.origin}${path}: ${e.message}`, e)));
      if (payload) req.write(payload);
      req.end();
    });
  }

  get<T = unknown>(info: ResourceInfo, namespace: string | undefined, name: string): Promise<T> {
    return this.request<T>('GET', resourcePath(info, namespace, name));
  }

  list<T = unknown>(info: ResourceInfo, namespace: string | undefined, opts?: ListOptions): Promise<ListResult<T>> {
    return this.request<ListResult<T>>('GET', resourcePath(info, namespace), { query: listQuery(opts) });
  }

  listAll<T = unknown>(info: ResourceInfo, namespace: string | undefined, opts?: ListOptions): Promise<ListResult<T>> {
    return listAllPages((o) => this.list<T>(info, namespace, o), opts);
  }

  create<T = unknown>(info: ResourceInfo, namespace: string | undefined, obj: NoInfer<T>, opts?: WriteOptions): Promise<T> {
    const body = withTypeMeta(info, obj);
    const ns = namespace ?? (obj as MetaLike | null)?.metadata?.namespace;
    return this.request<T>('POST', resourcePath(info, ns), { body, query: writeQuery(opts) });
  }

  update<T = unknown>(info: ResourceInfo, obj: NoInfer<T>, opts?: WriteOptions): Promise<T> {
    const { name, namespace } = metaOf(obj);
    const body = withTypeMeta(info, obj);
    return this.request<T>('PUT', resourcePath(info, namespace, name), { body, query: writeQuery(opts) });
  }

  updateStatus<T = unknown>(info: ResourceInfo, obj: NoInfer<T>, opts?: WriteOptions): Promise<T> {
    const { name, namespace } = metaOf(obj);
    const body = withTypeMeta(info, obj);
    return this.request<T>('PUT', resourcePath(info, namespace, name, 'status'), { body, query: writeQuery(opts) });
  }

  patch<T = unknown>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType,
    opts?: PatchOptions,
  ): Promise<T> {
    const query = { ...writeQuery(opts), force: type === 'apply' && opts?.force ? true : undefined };
    return this.request<T>('PATCH', resourcePath(info, namespace, name, opts?.subresource), {
      body: patch,
      contentType: PATCH_CONTENT_TYPES[type],
      query,
    });
  }

  delete(info: ResourceInfo, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<unknown> {
    return this.request('DELETE', resourcePath(info, namespace, name), { body: deleteOptionsBody(opts) });
  }

  deleteCollection(
    info: ResourceInfo,
    namespace: string | undefined,
    listOpts?: ListOptions,
    opts?: DeleteOptions,
  ): Promise<unknown> {
    return this.request('DELETE', resourcePath(info, namespace), {
      body: deleteOptionsBody(opts),
      query: listQuery(listOpts),
    });
  }

  async bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void> {
    await this.request('POST', resourcePath(podsResource(), namespace, podName, 'binding'), {
      body: bindingBody(namespace, podName, nodeName, podUid),
    });
  }

  async evict(namespace: string, name: string, opts?: DeleteOptions): Promise<void> {
    await this.request('POST', resourcePath(podsResource(), namespace, name, 'eviction'), {
      body: evictionBody(namespace, name, opts),
    });
  }

  getSubresource<T = unknown>(info: ResourceInfo, namespace: string | undefined, name: string, subresource: string): Promise<T> {
    return this.request<T>('GET', resourcePath(info, namespace, name, subresource));
  }

  updateSubresource<T = unknown>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    subresource: string,
    obj: unknown,
  ): Promise<T> {
    return this.request<T>('PUT', resourcePath(info, namespace, name, subresource), { body: obj });
  }

  watch<T = unknown>(
    info: ResourceInfo,
    namespace: string | undefined,
    opts: WatchOptions,
    onEvent: (ev: WatchEvent<T>) => void,
  ): WatchHandle {
    let stopped = false;
    let req: http.ClientRequest | undefined;
    const query = {
      watch: 'true',
      resourceVersion: opts.resourceVersion,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
      timeoutSeconds: opts.timeoutSeconds,
    };
    const path = resourcePath(info, namespace);
    const done = new Promise<void>((resolve, reject) => {
      const fail = (e: unknown) => (stopped ? resolve() : reject(e));
      this.limiter.wait().then(() => {
        if (stopped) return resolve();
        req = this.mod.request(
          {
            agent: this.agent,
            method: 'GET',
            hostname: this.server.hostname.replace(/^\[|\]$/g, ''),
            port: this.server.port || undefined,
            path: this.fullPath(path, query),
            headers: this.requestHeaders(),
          },
          (res) => {
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => fail(errorFromBody(status, Buffer.concat(chunks).toString('utf8'), res.statusMessage)));
              res.on('error', (e) => fail(unavailable(`watch ${path}: ${e.message}`, e)));
              return;
            }
            const decoder = new StringDecoder('utf8');
            let buf = '';
            const deliver = (line: string) => {
              if (!line.trim() || stopped) return;
              let ev: WatchEvent<T>;
              try {
                ev = JSON.parse(line) as WatchEvent<T>;
              } catch (e) {
                this.log.warn('dropping undecodable watch line', { path, error: (e as Error).message });
                return;
              }
              try {
                onEvent(ev);
              } catch (e) {
                this.log.error('watch event handler threw', { path, error: e as Error });
              }
            };
            res.on('data', (chunk: Buffer) => {
              buf += decoder.write(chunk);
              let nl: number;
              while ((nl = buf.indexOf('\n')) >= 0) {
                const line = buf.slice(0, nl);
                buf = buf.slice(nl + 1);
                deliver(line);
              }
            });
            res.on('end', () => {
              buf += decoder.end();
              deliver(buf);
              buf = '';
              resolve();
            });
            res.on('aborted', () => fail(unavailable(`watch ${path}: connection aborted`)));
            res.on('close', () => {
              if (!res.complete) fail(unavailable(`watch ${path}: connection closed`));
            });
            res.on('error', (e) => fail(unavailable(`watch ${path}: ${e.message}`, e)));
          },
        );
        req.on('error', (e) => fail(unavailable(`watch ${this.server.origin}${path}: ${e.message}`, e)));
        req.end();
      }, fail);
    });
    return {
      done,
      stop: () => {
        if (stopped) return;
        stopped = true;
        req?.destroy();
      },
    };
  }
}
