/** HTTP plumbing for the API server: bodies, JSON answers, Status errors. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseDocument, stringify as stringifyYaml } from 'yaml';
import { errors, KubeError } from '../../api/errors.js';
import { checkValueNesting, exceededMaxDepthMessage, jsonKeyOffsets, MAX_JSON_NESTING_DEPTH, scanJsonText, yamlFlowDepthExceeded, type DuplicateKey } from '../../api/json-scan.js';
import { decodeKubernetesProtobuf, isKubernetesProtobuf } from './protobuf/decode.js';
import { DEFAULT_RESTRICTIONS, negotiateMediaType, SUPPORTED_MEDIA_TYPES, wantsPretty, type Negotiated } from './negotiation.js';
import { encodeKubernetesProtobuf } from './protobuf/encode.js';
import { isPlainObject, type JsonObject } from '../../api/values.js';
import { auditRequestBody, auditResponse } from './audit-context.js';

/** Upstream's request body limit (3 MiB). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    throw errors.tooLarge(`Request entity too large: limit is ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw errors.tooLarge(`Request entity too large: limit is ${limit}`);
    }
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  auditRequestBody(req, body);
  return body;
}

export function mediaType(req: IncomingMessage): string {
  return String(req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
}

const JSON_MEDIA_TYPES = new Set([
  'application/json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/json-patch+json',
  '*/*',
  '',
]);

/** A decoded request body and what a strict decoder would report about it (fieldValidation). */
export interface DecodedBody {
  value: unknown;
  /** JSON bodies: keys repeated within one object, in the order the repetitions appear. */
  duplicates: DuplicateKey[];
  /** YAML bodies: the same, worded as upstream's YAML decoder (`line 3: key "a" already set in map`). */
  yamlDuplicates: string[];
  /** JSON bodies: where each key path first appears (computed on demand, to order findings). */
  keyOffsets: () => Map<string, number>;
}

function tooDeep(message: string): KubeError {
  return errors.badRequest(message);
}

/** A repeated YAML key at `offset` (the yaml parser points at the key's first character). */
function yamlKeyAt(text: string, offset: number): string {
  const q = text[offset];
  if (q === '"' || q === "'") {
    let end = offset + 1;
    for (;;) {
      if (end >= text.length) break;
      if (q === '"' && text[end] === '\\') end += 2;
      else if (q === "'" && text[end] === "'" && text[end + 1] === "'") end += 2;
      else if (text[end] === q) break;
      else end++;
    }
    const raw = text.slice(offset, end + 1);
    if (q === '"') {
      try {
        return JSON.parse(raw) as string;
      } catch {
        return raw.slice(1, -1);
      }
    }
    return raw.slice(1, -1).replace(/''/g, "'");
  }
  const m = /^[^:,{}\[\]\n]*/.exec(text.slice(offset, offset + 1024));
  return (m?.[0] ?? '').trim();
}

/**
 * A copy in which no two places share an object (YAML aliases do), keeping YAML's .nan/.inf, which JSON
 * text would turn into null (the schema check then refuses them by field). Depth is bounded already.
 */
function unshared(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unshared);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unshared(x)]));
  return v;
}

function decodeYaml(text: string): { value: unknown; duplicates: string[] } {
  const convertError = (message: string): KubeError => errors.badRequest(`error converting YAML to JSON: ${message}`);
  if (yamlFlowDepthExceeded(text) >= 0) throw tooDeep(`error converting YAML to JSON: yaml: exceeded max depth of ${MAX_JSON_NESTING_DEPTH}`);
  let doc: ReturnType<typeof parseDocument>;
  let value: unknown;
  const duplicates: string[] = [];
  try {
    doc = parseDocument(text);
    for (const e of doc.errors) {
      if (e.code !== 'DUPLICATE_KEY') throw e;
      duplicates.push(`line ${e.linePos?.[0]?.line ?? 0}: key "${yamlKeyAt(text, e.pos[0])}" already set in map`);
    }
    value = doc.toJS();
  } catch (e) {
    throw convertError((e as Error).message.split('\n')[0]!);
  }
  // Aliases can make a value cyclic or nest it deeper than its text; and they share objects, which
  // later steps edit in place: check without recursion, then give every node its own copy.
  const nesting = checkValueNesting(value);
  if (nesting === 'cycle') throw convertError('yaml: an anchor value contains itself');
  if (nesting === 'too-deep') throw tooDeep(`error converting YAML to JSON: yaml: exceeded max depth of ${MAX_JSON_NESTING_DEPTH}`);
  return { value: value === undefined ? null : unshared(value), duplicates };
}

/**
 * Decode a JSON, YAML or Kubernetes-protobuf request body, refusing (400) anything nested deeper than
 * MAX_JSON_NESTING_DEPTH before any recursive code sees it, and noting duplicate keys for strict
 * field validation.
 */
export function decodeRequestBody(body: Buffer, contentType: string, expectObject = true): DecodedBody {
  const out: DecodedBody = { value: undefined, duplicates: [], yamlDuplicates: [], keyOffsets: () => new Map() };
  if (isKubernetesProtobuf(contentType)) {
    if (body.length === 0) throw errors.badRequest('the body of the request was empty');
    out.value = decodeKubernetesProtobuf(body);
    // Embedded JSON (managedFields, raw extensions) is the only free-form part: bound it too.
    if (checkValueNesting(out.value) !== 'ok') throw tooDeep(`json parse error: exceeded max depth of ${MAX_JSON_NESTING_DEPTH}`);
  } else {
    const text = body.toString('utf8');
    if (text.trim() === '') throw errors.badRequest('the body of the request was empty');
    if (contentType === 'application/yaml' || contentType === 'application/apply-patch+yaml') {
      const y = decodeYaml(text);
      out.value = y.value;
      out.yamlDuplicates = y.duplicates;
    } else if (JSON_MEDIA_TYPES.has(contentType)) {
      const scan = scanJsonText(text);
      if (scan.tooDeep) throw tooDeep(`json parse error: ${exceededMaxDepthMessage(scan.tooDeep.opening)}`);
      try {
        out.value = JSON.parse(text);
      } catch (e) {
        throw errors.badRequest(`json parse error: ${(e as Error).message}`);
      }
      out.duplicates = scan.duplicates;
      out.keyOffsets = () => jsonKeyOffsets(text);
    } else {
      throw new KubeError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`, {});
    }
  }
  if (expectObject && (out.value === null || typeof out.value !== 'object' || Array.isArray(out.value))) {
    throw errors.badRequest(`the body of the request must be a JSON object`);
  }
  return out;
}

/** Decode a JSON or YAML request body into an object (see decodeRequestBody). */
export function decodeBody(body: Buffer, contentType: string, expectObject = true): unknown {
  return decodeRequestBody(body, contentType, expectObject).value;
}

/** A Warning set earlier (a deprecated version's) stays, before the handler's own. */
function withEarlierWarning(res: ServerResponse, headers: Record<string, string>): Record<string, string> {
  const earlier = res.getHeader('Warning');
  return earlier !== undefined && headers.Warning ? { ...headers, Warning: `${String(earlier)}, ${headers.Warning}` } : headers;
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  auditResponse(res, code, body);
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...withEarlierWarning(res, headers) });
  res.end(text);
}

/** How a response is written: the negotiated media type, and whether JSON is indented (isPrettyPrint). */
export interface OutputFormat {
  negotiated: Negotiated;
  pretty: boolean;
}

/** The response's output format for the request (json/yaml as negotiated; pretty for ?pretty=true, curl, browsers). */
export function outputFormat(req: IncomingMessage, negotiated: Negotiated): OutputFormat {
  const u = req.url ?? '/';
  const q = u.indexOf('?');
  const query = new URLSearchParams(q < 0 ? '' : u.slice(q + 1));
  return { negotiated, pretty: negotiated.pretty || wantsPretty(query, req.headers['user-agent']) };
}

/**
 * An object in YAML as upstream's YAML serializer writes it (sigs.k8s.io/yaml over yaml.v2): keys sorted,
 * list items at their key's indentation, YAML 1.1 quoting ("yes", "on", timestamps stay strings).
 */
export function toYaml(body: unknown): string {
  const plain: unknown = typeof body === 'string' ? JSON.parse(body) : JSON.parse(JSON.stringify(body));
  return stringifyYaml(plain, { sortMapEntries: true, indentSeq: false, version: '1.1' });
}

/**
 * A body whose compact JSON text is made from parts serialized before (a list of the watch cache's objects,
 * each object's text made once): compact JSON writes `json()`, which must be exactly `JSON.stringify(value)`
 * (as a string or its UTF-8 bytes);
 * every other format (YAML, protobuf, pretty JSON) encodes `value` as any body.
 */
export class PreEncodedJson {
  constructor(
    readonly value: unknown,
    readonly json: () => string | Buffer,
  ) {}
}

/**
 * Encode a response body in the negotiated format (JSON, pretty JSON with a newline, YAML, or Kubernetes
 * protobuf; an object protobuf cannot hold whole is answered in JSON rather than cut).
 */
export function encodeBody(input: unknown, out: OutputFormat | undefined): { contentType: string; text: string | Buffer } {
  const media = out?.negotiated.serializer.mediaType ?? 'application/json';
  if (input instanceof PreEncodedJson && media === 'application/json' && !(out?.pretty && out.negotiated.serializer.pretty)) {
    return { contentType: 'application/json', text: input.json() };
  }
  const body = input instanceof PreEncodedJson ? input.value : input;
  if (media === 'application/yaml') return { contentType: media, text: toYaml(body) };
  if (media === 'application/vnd.kubernetes.protobuf') {
    const plain: unknown = typeof body === 'string' ? JSON.parse(body) : JSON.parse(JSON.stringify(body));
    const encoded = isPlainObject(plain) ? encodeKubernetesProtobuf(plain as JsonObject) : undefined;
    if (encoded) return { contentType: media, text: encoded };
  }
  if (out?.pretty && out.negotiated.serializer.pretty) {
    const value: unknown = typeof body === 'string' ? JSON.parse(body) : body;
    return { contentType: 'application/json', text: JSON.stringify(value, null, 2) + '\n' };
  }
  return { contentType: 'application/json', text: typeof body === 'string' ? body : JSON.stringify(body) };
}

/** Answer with `body` in the negotiated format (JSON when none was negotiated). */
export function sendNegotiated(res: ServerResponse, code: number, body: unknown, out: OutputFormat | undefined, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  auditResponse(res, code, body);
  const { contentType, text } = encodeBody(body, out);
  res.writeHead(code, { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private', ...withEarlierWarning(res, headers) });
  res.end(text);
}

/**
 * An error's Status, negotiated as upstream's ErrorNegotiated with the default restrictions (YAML for
 * `Accept: application/yaml`, protobuf, pretty JSON for curl); when nothing is acceptable, plain JSON.
 */
export function sendError(res: ServerResponse, err: unknown, req?: IncomingMessage): void {
  const ke =
    err instanceof KubeError
      ? err
      : errors.internal(err instanceof Error ? err.message : String(err), err);
  const st = ke.toStatus();
  let out: OutputFormat | undefined;
  if (req) {
    const n = negotiateMediaType(req.headers.accept, SUPPORTED_MEDIA_TYPES, DEFAULT_RESTRICTIONS);
    if (n) out = outputFormat(req, n);
  }
  if (ke.httpStatus === 401) {
    sendNegotiated(res, 401, st, out, { 'WWW-Authenticate': 'Basic realm="kubernetes-master"' });
    return;
  }
  // As upstream's ErrorNegotiated: a Status that names a retry period says it in Retry-After too (client-go waits and retries).
  const retryAfter = st.details?.retryAfterSeconds ?? 0;
  const headers: Record<string, string> = retryAfter > 0 ? { 'Retry-After': String(retryAfter) } : {};
  // An unread (too large) body leaves the connection unusable: close it after the answer.
  if (ke.httpStatus === 413) headers.Connection = 'close';
  sendNegotiated(res, ke.httpStatus, st, out, headers);
}

export function statusSuccess(details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details ? { details } : {}) };
}
