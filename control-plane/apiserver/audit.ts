/**
 * Auditing, as upstream's WithAuditInit + WithAudit + WithFailedAuthenticationAudit filters (k8s.io/apiserver
 * pkg/endpoints/filters/audit*.go, pkg/audit/request.go): every request gets an audit ID (the client's
 * `Audit-ID` header, else a new UUID), echoed in the `Audit-Id` response header. When `--audit-policy-file`
 * audits the request (audit-policy.ts, evaluated for the authenticated user, before impersonation), an
 * audit.k8s.io/v1 Event is written at each stage the rule does not omit: RequestReceived, ResponseStarted (only
 * long-running requests: watch, proxy, exec, log, ...), ResponseComplete, and for a request that failed
 * authentication only ResponseStarted (401). Level Metadata carries the request's metadata, the response
 * status and the authorizer's decision (`authorization.k8s.io/decision` allow|forbid, `authorization.k8s.io/reason`);
 * Request adds the request body (`requestObject`), RequestResponse the answer (`responseObject`).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { isPlainObject } from '../../api/values.js';
import { attachAuditTap, type AuditTap } from './audit-context.js';
import { evaluateAuditPolicy, levelAtLeast, type AuditLevel, type AuditPolicy, type AuditStage, type RequestAuditConfig } from './audit-policy.js';
import type { AuditSink } from './audit-log.js';
import type { UserInfo } from './authn.js';
import type { Attributes, Decision } from './authz.js';
import { PreEncodedJson } from './http-util.js';
import type { RequestInfo } from './request-info.js';

export const AUDIT_ID_HEADER = 'Audit-Id';
const MAX_USER_AGENT_LENGTH = 1024;

/** authentication.k8s.io/v1 UserInfo as an event carries it. */
export interface AuditUser {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface AuditObjectRef {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

export interface AuditResponseStatus {
  metadata: Record<string, never>;
  status?: string;
  message?: string;
  reason?: string;
  details?: unknown;
  code?: number;
}

/** audit.k8s.io/v1 Event, its fields in upstream's order. */
export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: AuditLevel;
  auditID: string;
  stage: AuditStage;
  requestURI: string;
  verb: string;
  user: AuditUser;
  impersonatedUser?: AuditUser;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: AuditObjectRef;
  responseStatus?: AuditResponseStatus;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

/** Now, in milliseconds with a fraction (microseconds matter to MicroTime). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** metav1.MicroTime's JSON: RFC 3339 in UTC with six fractional digits (`2026-12-04T22:30:01.123456Z`). */
export function microTime(ms: number): string {
  const micros = Math.floor((ms - Math.floor(ms / 1000) * 1000) * 1000);
  // toISOString: `2026-12-04T22:30:01.123Z`; its first 20 characters end with the dot
  return `${new Date(Math.floor(ms)).toISOString().slice(0, 20)}${String(micros).padStart(6, '0')}Z`;
}

/** The request's audit ID: its `Audit-ID` header as sent (not truncated, as upstream), else a new UUID. */
export function auditIdOf(req: IncomingMessage): string {
  const h = req.headers['audit-id'];
  const v = Array.isArray(h) ? h[0] : h;
  return v ? v : randomUUID();
}

/** utilnet.SourceIPs: X-Forwarded-For's addresses, X-Real-Ip (if new), then the peer (if not the last one). */
export function sourceIPs(headers: IncomingMessage['headers'], remoteAddress: string | undefined): string[] {
  const ips: string[] = [];
  const ip = (s: string): string | undefined => {
    const t = s.trim().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
    return isIP(t) ? t : undefined;
  };
  const fwd = headers['x-forwarded-for'];
  const fwdText = Array.isArray(fwd) ? fwd[0] : fwd;
  if (fwdText) for (const part of fwdText.split(',')) {
    const p = ip(part);
    if (p) ips.push(p);
  }
  const real = headers['x-real-ip'];
  const realIp = ip(Array.isArray(real) ? (real[0] ?? '') : (real ?? ''));
  if (realIp && !ips.includes(realIp)) ips.push(realIp);
  const remote = remoteAddress ? ip(remoteAddress) : undefined;
  if (remote && (ips.length === 0 || ips[ips.length - 1] !== remote)) ips.push(remote);
  return ips;
}

/** getAuthMethods of the failed-authentication filter: what the request tried. */
export function failedAuthenticationMessage(req: IncomingMessage, query: URLSearchParams): string {
  const methods: string[] = [];
  const auth = String(req.headers.authorization ?? '').trim();
  const parts = auth.split(' ');
  if (parts[0]?.toLowerCase() === 'basic' && parts.length > 1) methods.push('basic');
  if (parts.length > 1 && parts[0]!.toLowerCase() === 'bearer') methods.push('bearer');
  if ((query.get('access_token') ?? '').trim()) methods.push('access_token');
  const sock = req.socket as { getPeerCertificate?: () => { raw?: Buffer } };
  if (sock.getPeerCertificate && sock.getPeerCertificate()?.raw) methods.push('x509');
  return methods.length ? `Authentication failed, attempted: ${methods.join(', ')}` : 'Authentication failed, no credentials provided';
}

function auditUser(u: UserInfo): AuditUser {
  return {
    username: u.name,
    ...(u.uid ? { uid: u.uid } : {}),
    ...(u.groups.length ? { groups: [...u.groups] } : {}),
    ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}),
  };
}

/** copyWithoutManagedFields: an object, a list's items or a Table's row objects without metadata.managedFields. */
export function withoutManagedFields(v: unknown): unknown {
  if (!isPlainObject(v)) return v;
  let out: Record<string, unknown> = v;
  const meta = v.metadata;
  if (isPlainObject(meta) && 'managedFields' in meta) {
    const { managedFields: _drop, ...rest } = meta;
    out = { ...out, metadata: rest };
  }
  if (Array.isArray(v.items)) out = { ...out, items: v.items.map(withoutManagedFields) };
  if (v.kind === 'Table' && Array.isArray(v.rows)) {
    out = { ...out, rows: v.rows.map((r: unknown) => (isPlainObject(r) && r.object !== undefined ? { ...r, object: withoutManagedFields(r.object) } : r)) };
  }
  return out;
}

function decodeForAudit(body: Buffer, contentType: string): unknown {
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  try {
    if (media === 'application/yaml') return parseYaml(body.toString('utf8'));
    if (media.startsWith('application/') && media.includes('json')) return JSON.parse(body.toString('utf8'));
  } catch {
    // a body the handler refuses (400) is not logged
  }
  return undefined; // protobuf and unknown media types: not logged (kubelab differs)
}

/** An object answered, as JSON-able data (PreEncodedJson lists: their value). */
function plainBody(body: unknown): unknown {
  if (body instanceof PreEncodedJson) return body.value;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return body;
}

function isStatus(v: unknown): v is Record<string, unknown> {
  return isPlainObject(v) && v.kind === 'Status' && typeof v.code === 'number';
}

/** One audited request: its event, the stages it may write, and what the plumbing reports. */
export class AuditRecord implements AuditTap {
  private readonly ev: AuditEvent;
  private body: { body: Buffer; contentType: string } | undefined;
  private responseBody: unknown;
  private statusSet = false;
  private done = false;
  private started = false;

  constructor(
    private readonly sink: AuditSink,
    private readonly config: RequestAuditConfig,
    ev: AuditEvent,
    /** Long-running requests write ResponseStarted when their headers go out. */
    private readonly longRunning: boolean,
  ) {
    this.ev = ev;
  }

  get level(): AuditLevel {
    return this.ev.level;
  }

  /** The user the request acts as (impersonation). */
  impersonated(u: UserInfo): void {
    this.ev.impersonatedUser = auditUser(u);
  }

  /** The authorization filter's annotations. */
  authorized(d: Decision): void {
    this.ev.annotations = {
      ...this.ev.annotations,
      'authorization.k8s.io/decision': d.allowed ? 'allow' : 'forbid',
      'authorization.k8s.io/reason': d.allowed ? d.reason : d.why,
    };
  }

  requestBody(body: Buffer, contentType: string): void {
    this.body = { body, contentType };
  }

  response(code: number, body: unknown): void {
    const plain = plainBody(body);
    if (isStatus(plain)) {
      this.ev.responseStatus = {
        metadata: {},
        ...(plain.status !== undefined ? { status: String(plain.status) } : {}),
        ...(plain.message !== undefined ? { message: String(plain.message) } : {}),
        ...(plain.reason !== undefined ? { reason: String(plain.reason) } : {}),
        ...(plain.details !== undefined ? { details: plain.details } : {}),
        code,
      };
      this.statusSet = true;
    }
    if (levelAtLeast(this.ev.level, 'RequestResponse')) this.responseBody = plain;
  }

  /** Headers went out with `code` (upstream's processCode): ResponseStarted for a long-running request. */
  headersSent(code: number): void {
    if (this.started) return;
    this.started = true;
    if (!this.statusSet) this.ev.responseStatus = { ...this.ev.responseStatus, metadata: {}, code };
    else this.ev.responseStatus = { ...this.ev.responseStatus!, code };
    if (this.longRunning) this.emit('ResponseStarted');
  }

  /** The request ended: ResponseComplete (`code` when the headers' code was not seen). */
  complete(code: number | undefined): void {
    if (this.done) return;
    this.done = true;
    if (!this.started) {
      if (code !== undefined) this.headersSent(code);
      else {
        // upstream's fakedSuccessStatus: no status code nor body was sent
        this.ev.responseStatus ??= { metadata: {}, status: 'Success', message: 'Connection closed early', code: 200 };
        if (this.longRunning) this.emit('ResponseStarted');
      }
    }
    this.fillFromRequestObject();
    this.emit('ResponseComplete');
  }

  /** A request whose authentication failed: one ResponseStarted event with the 401. */
  failedAuthentication(message: string): void {
    this.done = true;
    this.ev.responseStatus = { metadata: {}, message, code: 401 };
    this.emit('ResponseStarted');
  }

  received(): void {
    this.emit('RequestReceived');
  }

  /** LogRequestObject: the body's name, namespace, uid and resourceVersion fill the objectRef's blanks; Request level logs it. */
  private fillFromRequestObject(): void {
    if (!this.body) return;
    const obj = decodeForAudit(this.body.body, this.body.contentType);
    if (obj === undefined) return;
    const ref = this.ev.objectRef;
    const meta = isPlainObject(obj) ? obj.metadata : undefined;
    if (ref && isPlainObject(meta) && (this.ev.verb === 'create' || this.ev.verb === 'update')) {
      if (!ref.namespace && typeof meta.namespace === 'string' && meta.namespace) ref.namespace = meta.namespace;
      if (!ref.name && typeof meta.name === 'string' && meta.name) ref.name = meta.name;
      if (!ref.uid && typeof meta.uid === 'string' && meta.uid) ref.uid = meta.uid;
      if (!ref.resourceVersion && typeof meta.resourceVersion === 'string' && meta.resourceVersion) ref.resourceVersion = meta.resourceVersion;
    }
    if (levelAtLeast(this.ev.level, 'Request')) this.ev.requestObject = this.config.omitManagedFields ? withoutManagedFields(obj) : obj;
  }

  private emit(stage: AuditStage): void {
    if (this.config.omitStages.includes(stage)) return;
    const ev = this.ev;
    const stageTimestamp = stage === 'RequestReceived' ? ev.requestReceivedTimestamp : microTime(nowMs());
    const responseObject = stage === 'ResponseComplete' && this.responseBody !== undefined ? (this.config.omitManagedFields ? withoutManagedFields(this.responseBody) : this.responseBody) : undefined;
    // field order as upstream's Event
    const ordered: AuditEvent = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: ev.level,
      auditID: ev.auditID,
      stage,
      requestURI: ev.requestURI,
      verb: ev.verb,
      user: ev.user,
      ...(ev.impersonatedUser ? { impersonatedUser: ev.impersonatedUser } : {}),
      ...(ev.sourceIPs?.length ? { sourceIPs: ev.sourceIPs } : {}),
      ...(ev.userAgent ? { userAgent: ev.userAgent } : {}),
      ...(ev.objectRef ? { objectRef: ev.objectRef } : {}),
      ...(ev.responseStatus ? { responseStatus: ev.responseStatus } : {}),
      ...(ev.requestObject !== undefined ? { requestObject: ev.requestObject } : {}),
      ...(responseObject !== undefined ? { responseObject } : {}),
      requestReceivedTimestamp: ev.requestReceivedTimestamp,
      stageTimestamp,
      ...(ev.annotations ? { annotations: ev.annotations } : {}),
    };
    this.sink.write(JSON.stringify(ordered) + '\n');
  }
}

/** What the server knows of a request when it decides whether to audit it. */
export interface AuditRequest {
  req: IncomingMessage;
  /** Absent for upgraded connections. */
  res?: ServerResponse;
  auditID: string;
  receivedAt: number;
  /** The authenticated user; undefined when authentication failed. */
  user: UserInfo | undefined;
  info: RequestInfo;
  attributes: Attributes;
  longRunning: boolean;
}

/** The policy and the sink of `--audit-policy-file` and `--audit-log-path`. */
export class Auditor {
  constructor(
    readonly policy: AuditPolicy,
    readonly sink: AuditSink,
  ) {}

  /**
   * Evaluate the policy for a request and, when it is audited, write RequestReceived and return its record
   * (attached to the request and response, so body reads and answers reach it). The response's headers and its
   * end are watched here.
   */
  begin(r: AuditRequest): AuditRecord | undefined {
    const config = evaluateAuditPolicy(this.policy, r.user, r.attributes);
    if (config.level === 'None') return undefined;
    const ua = String(r.req.headers['user-agent'] ?? '');
    const a = r.attributes;
    const ev: AuditEvent = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: config.level,
      auditID: r.auditID,
      stage: 'RequestReceived',
      requestURI: r.req.url ?? '/',
      verb: a.verb,
      user: r.user ? auditUser(r.user) : {},
      sourceIPs: sourceIPs(r.req.headers, r.req.socket?.remoteAddress),
      userAgent: ua.length > MAX_USER_AGENT_LENGTH ? ua.slice(0, MAX_USER_AGENT_LENGTH) + '...TRUNCATED' : ua,
      ...(a.isResourceRequest
        ? {
            objectRef: {
              ...(a.resource ? { resource: a.resource } : {}),
              ...(a.namespace ? { namespace: a.namespace } : {}),
              ...(a.name ? { name: a.name } : {}),
              ...(a.group ? { apiGroup: a.group } : {}),
              ...(r.info.version ? { apiVersion: r.info.version } : {}),
              ...(a.subresource ? { subresource: a.subresource } : {}),
            },
          }
        : {}),
      requestReceivedTimestamp: microTime(r.receivedAt),
      stageTimestamp: microTime(r.receivedAt),
    };
    const rec = new AuditRecord(this.sink, config, ev, r.longRunning);
    if (!r.user) return rec;
    attachAuditTap(r.req, r.res, rec);
    rec.received();
    const res = r.res;
    if (res) {
      if (r.longRunning) {
        // upstream's auditResponseWriter.WriteHeader: ResponseStarted as the headers go out. Only long-running
        // requests need that moment; the others read the code at the end (an own writeHead on every response
        // would change the shape of Node's response objects and slow every request down).
        const writeHead = res.writeHead;
        res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
          rec.headersSent(args[0]);
          return writeHead.apply(this, args);
        } as ServerResponse['writeHead'];
      }
      res.once('close', () => rec.complete(res.headersSent ? res.statusCode : undefined));
    }
    return rec;
  }

  /** Flush and close the log (a clean stop loses no event). */
  async close(): Promise<void> {
    await this.sink.close();
  }
}
