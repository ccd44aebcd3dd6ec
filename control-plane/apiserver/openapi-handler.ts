/** /openapi/v2 and /openapi/v3[/<gv>]: documents generated from the project's own schemas (api/schema/openapi.ts). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { KubeError } from '../../api/errors.js';
import { buildOpenAPIV2, buildOpenAPIV3, buildOpenAPIV3Index } from '../../api/schema/openapi.js';
import { sendJson } from './http-util.js';
import { registryGeneration } from '../../api/kinds/registry.js';

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

export function serveOpenAPI(req: IncomingMessage, res: ServerResponse, path: string, _query: URLSearchParams): void {
  if (path === '/openapi/v2') {
    const accept = String(req.headers.accept ?? '');
    if (accept && !/json|\*\/\*/.test(accept)) {
      throw new KubeError('NotAcceptable', `only the following media types are accepted: application/json`, { httpStatus: 406 });
    }
    const c = cached('v2', buildOpenAPIV2)!;
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
