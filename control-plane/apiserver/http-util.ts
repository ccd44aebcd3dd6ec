/** HTTP plumbing for the API server: bodies, JSON answers, Status errors. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { errors, KubeError } from '../../api/errors.js';
import { decodeKubernetesProtobuf, isKubernetesProtobuf } from './protobuf/decode.js';

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
  return Buffer.concat(chunks);
}

export function mediaType(req: IncomingMessage): string {
  return String(req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
}

/** Decode a JSON or YAML request body into an object. */
export function decodeBody(body: Buffer, contentType: string, expectObject = true): unknown {
  if (isKubernetesProtobuf(contentType)) {
    if (body.length === 0) throw errors.badRequest('the body of the request was empty');
    return decodeKubernetesProtobuf(body);
  }
  const text = body.toString('utf8');
  if (text.trim() === '') throw errors.badRequest('the body of the request was empty');
  let value: unknown;
  if (contentType === 'application/yaml' || contentType === 'application/apply-patch+yaml') {
    try {
      value = parseYaml(text);
    } catch (e) {
      throw errors.badRequest(`error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
    }
  } else if (
    contentType === 'application/json' ||
    contentType === 'application/merge-patch+json' ||
    contentType === 'application/strategic-merge-patch+json' ||
    contentType === 'application/json-patch+json' ||
    contentType === '*/*' ||
    contentType === ''
  ) {
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw errors.badRequest(`json parse error: ${(e as Error).message}`);
    }
  } else {
    throw new KubeError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`, {});
  }
  if (expectObject && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw errors.badRequest(`the body of the request must be a JSON object`);
  }
  return value;
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const ke =
    err instanceof KubeError
      ? err
      : errors.internal(err instanceof Error ? err.message : String(err), err);
  const st = ke.toStatus();
  if (ke.httpStatus === 401) {
    sendJson(res, 401, st, { 'WWW-Authenticate': 'Basic realm="kubernetes-master"' });
    return;
  }
  // An unread (too large) body leaves the connection unusable: close it after the answer.
  sendJson(res, ke.httpStatus, st, ke.httpStatus === 413 ? { Connection: 'close' } : {});
}

export function statusSuccess(details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details ? { details } : {}) };
}

/** The Accept header asks for a meta.k8s.io Table. */
export function wantsTable(req: IncomingMessage): boolean {
  const accept = String(req.headers.accept ?? '');
  return accept.split(',').some((part) => /as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

/** The Accept header asks for PartialObjectMetadata(List). */
export function wantsPartialMetadata(req: IncomingMessage): boolean {
  const accept = String(req.headers.accept ?? '');
  return /as=PartialObjectMetadata/.test(accept);
}
