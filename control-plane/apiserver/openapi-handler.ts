/** /openapi/v2 and /openapi/v3[/<gv>]: documents generated from the project's own schemas (api/schema/openapi.ts). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { KubeError } from '../../api/errors.js';
import { buildOpenAPIV2, buildOpenAPIV3, buildOpenAPIV3Index } from '../../api/schema/openapi.js';
import { sendJson } from './http-util.js';
import { registryGeneration } from '../../api/kinds/registry.js';
import { encodeOpenAPIV2, OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_ACCEPTED } from './openapi-protobuf.js';

const cache = new Map<string, { text: string; etag: string }>();

function cached(docKey: string, build: () => unknown): { text: string; etag: string } | undefined {
  // A kind registered or removed makes new documents.
  const key = `${registryGeneration()}:${docKey}`;
  let c = cache.get(key);
  if (!c) {
    const doc = build();
    if (doc === undefined) return undefined;
    const text = JSON.stringify(doc);
    c = { text, etag: `"${createHash('sha512').update(text).digest('hex').slice(0, 32).toUpperCase()}"` };
    if (!cache.has(key) && [...cache.keys()].some((k) => !k.startsWith(`${registryGeneration()}:`))) cache.clear();
    cache.set(key, c);
  }
  return c;
}

/**
 * Which form of /openapi/v2 an Accept header asks for, as kube-openapi's handler: the first clause naming
 * JSON (or a wildcard) or gnostic's protobuf wins; none is a 406. No header is JSON.
 */
export function v2Format(accept: string): 'json' | 'protobuf' | undefined {
  if (accept.trim() === '') return 'json';
  for (const clause of accept.split(',')) {
    const media = clause.split(';')[0]!.trim().toLowerCase();
    if (OPENAPI_V2_PROTOBUF_ACCEPTED.includes(media)) return 'protobuf';
    if (media === 'application/json' || media === '*/*' || media === 'application/*') return 'json';
  }
  return undefined;
}

const protobufCache = new WeakMap<object, { bytes: Buffer; etag: string }>();

/** The protobuf form of a cached JSON document, made once per document. */
function v2Protobuf(c: { text: string; etag: string }): { bytes: Buffer; etag: string } {
  let pb = protobufCache.get(c);
  if (!pb) {
    const bytes = encodeOpenAPIV2(JSON.parse(c.text) as Record<string, unknown>);
    pb = { bytes, etag: `"${createHash('sha512').update(bytes).digest('hex').slice(0, 32).toUpperCase()}"` };
    protobufCache.set(c, pb);
  }
  return pb;
}

export function serveOpenAPI(req: IncomingMessage, res: ServerResponse, path: string, _query: URLSearchParams): void {
  if (path === '/openapi/v2') {
    const format = v2Format(String(req.headers.accept ?? ''));
    if (!format) {
      throw new KubeError('NotAcceptable', `only the following media types are accepted: application/json, ${OPENAPI_V2_PROTOBUF}`, { httpStatus: 406 });
    }
    const c = cached('v2', buildOpenAPIV2)!;
    if (format === 'protobuf') {
      const pb = v2Protobuf(c);
      res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF, 'Content-Length': pb.bytes.length, ETag: pb.etag });
      res.end(pb.bytes);
      return;
    }
    return sendJson(res, 200, c.text, { ETag: c.etag });
  }
  if (path === '/openapi/v3') {
    const c = cached('v3', buildOpenAPIV3Index)!;
    return sendJson(res, 200, c.text, { ETag: c.etag });
  }
  if (path.startsWith('/openapi/v3/')) {
    const gv = path.slice('/openapi/v3/'.length);
    const c = cached(`v3:${gv}`, () => buildOpenAPIV3(gv));
    if (!c) throw new KubeError('NotFound', 'the server could not find the requested resource');
    return sendJson(res, 200, c.text, { ETag: c.etag, 'Cache-Control': 'public, immutable' });
  }
  throw new KubeError('NotFound', 'the server could not find the requested resource');
}
