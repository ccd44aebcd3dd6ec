/**
 * Where a request's audit record is found by the HTTP plumbing (http-util.ts) that reads the body and writes the
 * answer: a record is attached to the request and its response only when the audit policy audits the request,
 * so an unaudited request costs one WeakMap lookup. The record itself is audit.ts's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface AuditTap {
  /** The request body as read (create, update, patch, ...). */
  requestBody(body: Buffer, contentType: string): void;
  /** The object a handler answers with (a Status for an error), before it is encoded. */
  response(code: number, body: unknown): void;
}

const byRequest = new WeakMap<IncomingMessage, AuditTap>();
const byResponse = new WeakMap<ServerResponse, AuditTap>();

export function attachAuditTap(req: IncomingMessage, res: ServerResponse | undefined, tap: AuditTap): void {
  byRequest.set(req, tap);
  if (res) byResponse.set(res, tap);
}

export function auditRequestBody(req: IncomingMessage, body: Buffer): void {
  byRequest.get(req)?.requestBody(body, String(req.headers['content-type'] ?? 'application/json'));
}

export function auditResponse(res: ServerResponse, code: number, body: unknown): void {
  byResponse.get(res)?.response(code, body);
}
