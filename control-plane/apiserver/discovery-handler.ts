/**
 * GET /api and /apis: the aggregated discovery document (apidiscovery.k8s.io/v2, or v2beta1 when asked) when the
 * Accept header asks for `as=APIGroupDiscoveryList`, the legacy document otherwise; as upstream's
 * WrapAggregatedDiscoveryToHandler, aggregated.resourceDiscoveryManager and ServeHTTPWithETag
 * (k8s.io/apiserver/pkg/endpoints/discovery/aggregated).
 *
 * Negotiation is pure (`negotiateAggregatedDiscovery`); documents are cached per registry generation, so a kind
 * registered or removed at run time gives a new document and a new ETag.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import YAML from 'yaml';
import { registryGeneration } from '../../api/kinds/registry.js';
import { aggregatedDiscovery, type DiscoveryRoot } from './discovery.js';
import type { APIGroupDiscovery } from '../../api/types/index.js';
import { sendJson } from './http-util.js';

export const DISCOVERY_GROUP = 'apidiscovery.k8s.io';
export const DISCOVERY_KIND = 'APIGroupDiscoveryList';

/** One clause of an Accept header, as goautoneg's ParseAccept reads it. */
export interface AcceptClause {
  type: string;
  subtype: string;
  q: number;
  params: Record<string, string>;
}

/**
 * goautoneg.ParseAccept: clauses split on ',' and ';', `q` read as a number (0 when unreadable), a range without
 * '/' dropped unless it is '*'; sorted by q (highest first), then concrete types before wildcards, else kept in order.
 */
export function parseAccept(header: string): AcceptClause[] {
  const out: AcceptClause[] = [];
  for (const part of header.split(',')) {
    const [range = '', ...params] = part.split(';');
    const sp = range.split('/');
    const type = sp[0]!.trim();
    let subtype: string;
    if (sp.length === 1 && type === '*') subtype = '*';
    else if (sp.length === 2) subtype = sp[1]!.trim();
    else continue;
    const clause: AcceptClause = { type, subtype, q: 1, params: {} };
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const token = p.slice(0, eq).trim();
      const value = p.slice(eq + 1).trim();
      if (token === 'q') {
        const n = Number(value);
        clause.q = value !== '' && Number.isFinite(n) ? n : 0;
      } else clause.params[token] = value;
    }
    out.push(clause);
  }
  const rank = (c: AcceptClause): number => (c.type === '*' ? 2 : 0) + (c.subtype === '*' ? 1 : 0);
  return out
    .map((c, i) => ({ c, i }))
    .sort((a, b) => b.c.q - a.c.q || rank(a.c) - rank(b.c) || a.i - b.i)
    .map((x) => x.c);
}

/** What the aggregated handler answers: the media type and the apidiscovery version. */
export interface AggregatedMediaType {
  mediaType: 'application/json' | 'application/yaml';
  version: 'v2' | 'v2beta1';
}

/**
 * The discovery codecs' media types in upstream's order. Protobuf is one of them upstream; kubelab does not encode
 * discovery as protobuf, so such a clause is passed over (a later JSON clause, or the legacy document, answers).
 */
const MEDIA_TYPES = [
  { type: 'application', subtype: 'json' },
  { type: 'application', subtype: 'yaml' },
] as const;

/**
 * upstream's NegotiateMediaTypeOptions with DiscoveryEndpointRestrictions: the first clause (in Accept order) of a
 * media type we encode whose g/v/as name apidiscovery.k8s.io v2 or v2beta1 APIGroupDiscoveryList (1.32 serves
 * both); a clause naming `sv` or a stream other than watch is not acceptable. Undefined: answer the legacy document.
 */
export function negotiateAggregatedDiscovery(accept: string | undefined): AggregatedMediaType | undefined {
  if (!accept) return undefined;
  for (const c of parseAccept(accept)) {
    for (const m of MEDIA_TYPES) {
      const matches = (c.type === m.type && (c.subtype === m.subtype || c.subtype === '*')) || (c.type === '*' && c.subtype === '*');
      if (!matches) continue;
      const p = c.params;
      const version = p.v;
      if (p.sv) continue;
      if (p.stream && p.stream !== 'watch') continue;
      if (p.g !== DISCOVERY_GROUP || p.as !== DISCOVERY_KIND || (version !== 'v2' && version !== 'v2beta1')) continue;
      return { mediaType: `${m.type}/${m.subtype}`, version };
    }
  }
  return undefined;
}

/** The Content-Type of an aggregated answer, with the g/v/as parameters clients check (generateMediaTypeWithGVK). */
export function aggregatedContentType(m: AggregatedMediaType): string {
  return `${m.mediaType};g=${DISCOVERY_GROUP};v=${m.version};as=${DISCOVERY_KIND}`;
}

interface CachedDocument {
  etag: string;
  bodies: Map<string, string>;
  doc: ReturnType<typeof aggregatedDiscovery>;
}

const cache = new Map<string, CachedDocument>();

/**
 * Groups another server serves (the aggregator's APIServices) appended to /apis, with a key that changes whenever
 * they do (aggregator-handler.ts).
 */
export interface ExtraDiscovery {
  key: string;
  groups(): APIGroupDiscovery[];
}

/** The document of a root at the registry's current generation, with its ETag (SHA-512 of the v2 JSON, upper-case hex). */
export function cachedAggregatedDiscovery(root: DiscoveryRoot, extra?: ExtraDiscovery): CachedDocument {
  const generation = `${registryGeneration()}/${extra?.key ?? ''}`;
  const key = `${generation}:${root}`;
  let c = cache.get(key);
  if (!c) {
    for (const k of cache.keys()) if (!k.startsWith(`${generation}:`)) cache.delete(k);
    const local = aggregatedDiscovery(root);
    const doc = root === 'apis' && extra ? { ...local, items: [...local.items, ...extra.groups()] } : local;
    const json = JSON.stringify(doc);
    c = { doc, etag: `"${createHash('sha512').update(json).digest('hex').toUpperCase()}"`, bodies: new Map([['application/json;v2', json]]) };
    cache.set(key, c);
  }
  return c;
}

function body(c: CachedDocument, m: AggregatedMediaType): string {
  const key = `${m.mediaType};${m.version}`;
  let text = c.bodies.get(key);
  if (text === undefined) {
    const doc = { ...c.doc, apiVersion: `${DISCOVERY_GROUP}/${m.version}` };
    text = m.mediaType === 'application/json' ? JSON.stringify(doc) : YAML.stringify(doc, { sortMapEntries: true });
    c.bodies.set(key, text);
  }
  return text;
}

/**
 * Answer GET /api or /apis: aggregated when the Accept header negotiates it (ETag, `Vary: Accept`,
 * `Cache-Control: public`, 304 when If-None-Match is that ETag), else `legacy()` as plain JSON.
 */
export function serveDiscoveryRoot(req: IncomingMessage, res: ServerResponse, root: DiscoveryRoot, legacy: () => unknown, extra?: ExtraDiscovery): void {
  const m = negotiateAggregatedDiscovery(req.headers.accept);
  if (!m) return sendJson(res, 200, legacy());
  const c = cachedAggregatedDiscovery(root, extra);
  const headers = { ETag: c.etag, Vary: 'Accept', 'Cache-Control': 'public' };
  if (req.headers['if-none-match'] === c.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  sendJson(res, 200, body(c, m), { ...headers, 'Content-Type': aggregatedContentType(m) });
}
