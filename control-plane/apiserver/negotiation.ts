/**
 * Response content negotiation, as upstream's handlers/negotiation (NegotiateOutputMediaType,
 * NegotiateOutputMediaTypeStream) with goautoneg's Accept parsing: the first Accept clause, in goautoneg's
 * order, that names a media type this server encodes and whose parameters the endpoint allows wins; no
 * Accept header is JSON; none acceptable is 406 `only the following media types are accepted: ...`.
 *
 * The endpoint's restrictions are upstream's RequestScope.AllowsMediaTypeTransform: a plain media type must
 * be one of the kind's standard serializers (a kind this server cannot encode as protobuf has JSON and YAML
 * only, as upstream's custom resources), `as=Table` (g=meta.k8s.io, v=v1|v1beta1) only as JSON or YAML,
 * `as=PartialObjectMetadata[List]` in any type the server encodes, any other `as=` never.
 * Pure functions; the HTTP side is in http-util.ts (writeNegotiated) and server.ts.
 */
import { KubeError } from '../../api/errors.js';

/** One clause of an Accept header (goautoneg.Accept). */
export interface AcceptClause {
  type: string;
  subType: string;
  q: number;
  params: Record<string, string>;
}

/** A media type the server can encode (runtime.SerializerInfo). */
export interface SerializerInfo {
  mediaType: string;
  type: string;
  subType: string;
  /** It has a stream serializer (watch): JSON and protobuf do, YAML does not. */
  streaming: boolean;
  /** It has a pretty serializer (`pretty=1`, curl): JSON only. */
  pretty: boolean;
}

export const JSON_MEDIA: SerializerInfo = { mediaType: 'application/json', type: 'application', subType: 'json', streaming: true, pretty: true };
export const YAML_MEDIA: SerializerInfo = { mediaType: 'application/yaml', type: 'application', subType: 'yaml', streaming: false, pretty: false };
export const PROTOBUF_MEDIA: SerializerInfo = {
  mediaType: 'application/vnd.kubernetes.protobuf',
  type: 'application',
  subType: 'vnd.kubernetes.protobuf',
  streaming: true,
  pretty: false,
};

/** What every API endpoint lists (the codec factory's SupportedMediaTypes, CBOR off as in 1.32), in order. */
export const SUPPORTED_MEDIA_TYPES: readonly SerializerInfo[] = [JSON_MEDIA, YAML_MEDIA, PROTOBUF_MEDIA];

/** A conversion asked for with `as=`, `g=`, `v=`. */
export interface Target {
  group: string;
  version: string;
  kind: string;
}

export interface Negotiated {
  serializer: SerializerInfo;
  /** The conversion asked for (Table, PartialObjectMetadata, PartialObjectMetadataList), if any. */
  target?: Target;
  /** `pretty=1` on the clause. */
  pretty: boolean;
  stream: string;
}

/** What an endpoint allows (upstream's EndpointRestrictions). */
export interface EndpointRestrictions {
  allowsMediaTypeTransform(s: SerializerInfo, target: Target | undefined): boolean;
  allowsServerVersion(version: string): boolean;
  allowsStreamSchema(schema: string): boolean;
}

/** DefaultEndpointRestrictions: no conversion, stream=watch only (error bodies, non-resource endpoints). */
export const DEFAULT_RESTRICTIONS: EndpointRestrictions = {
  allowsMediaTypeTransform: (_s, target) => target === undefined,
  allowsServerVersion: () => false,
  allowsStreamSchema: (schema) => schema === 'watch',
};

const META_VERSIONS = new Set(['v1', 'v1beta1']);

/**
 * A resource endpoint's restrictions (RequestScope.AllowsMediaTypeTransform): `encodable` are the media
 * types its own kind can be written in (its standard serializers).
 */
export function resourceRestrictions(encodable: readonly SerializerInfo[], opts: { tables?: boolean } = {}): EndpointRestrictions {
  const canEncode = (s: SerializerInfo): boolean => encodable.some((e) => e.type === s.type && e.subType === s.subType);
  return {
    allowsMediaTypeTransform(s, target) {
      if (target === undefined) return canEncode(s);
      if (target.group !== 'meta.k8s.io' || !META_VERSIONS.has(target.version)) return false;
      switch (target.kind) {
        case 'Table':
          return opts.tables !== false && s.type === 'application' && (s.subType === 'json' || s.subType === 'yaml');
        case 'PartialObjectMetadata':
        case 'PartialObjectMetadataList':
          // any media type upstream; here those this server can write metadata in
          return s.subType === 'json' || s.subType === 'yaml' || canEncode(s);
        default:
          return false;
      }
    },
    allowsServerVersion: () => false,
    allowsStreamSchema: (schema) => schema === 'watch',
  };
}

/**
 * goautoneg.ParseAccept: clauses split on `,`, parameters on `;`, `q` parsed as a float (0 when it is not
 * one), clauses without a `/` dropped (but `*`), then sorted with goautoneg's comparison (higher q first,
 * a concrete type before `*`, a concrete subtype before `*`) by Go's insertion sort, which keeps the
 * header's order otherwise.
 */
export function parseAccept(header: string): AcceptClause[] {
  const out: AcceptClause[] = [];
  for (const rawPart of header.split(',')) {
    const part = trimSpaces(rawPart);
    const mrp = part.split(';');
    const sp = mrp[0]!.split('/');
    const type = trimSpaces(sp[0]!);
    let subType: string;
    if (sp.length === 1 && type === '*') subType = '*';
    else if (sp.length === 2) subType = trimSpaces(sp[1]!);
    else continue;
    const clause: AcceptClause = { type, subType, q: 1, params: {} };
    for (const param of mrp.slice(1)) {
      const i = param.indexOf('=');
      if (i < 0) continue;
      const token = trimSpaces(param.slice(0, i));
      const value = param.slice(i + 1);
      if (token === 'q') clause.q = parseGoFloat(value);
      else clause.params[token] = trimSpaces(value);
    }
    out.push(clause);
  }
  // Go's insertionSortLessFunc with goautoneg's Less
  for (let i = 1; i < out.length; i++) {
    for (let j = i; j > 0 && acceptLess(out[j]!, out[j - 1]!); j--) {
      const t = out[j]!;
      out[j] = out[j - 1]!;
      out[j - 1] = t;
    }
  }
  return out;
}

function acceptLess(a: AcceptClause, b: AcceptClause): boolean {
  if (a.q > b.q) return true;
  if (a.type !== '*' && b.type === '*') return true;
  if (a.subType !== '*' && b.subType === '*') return true;
  return false;
}

/** strings.Trim(s, " "): spaces only. */
function trimSpaces(s: string): string {
  return s.replace(/^ +| +$/g, '');
}

/** strconv.ParseFloat(s, 32), 0 on a syntax error (goautoneg ignores the error). */
function parseGoFloat(s: string): number {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) && !/^[+-]?(inf|infinity|nan)$/i.test(s)) return 0;
  const v = Number(/^[+-]?(inf|infinity)$/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : s);
  return Number.isNaN(v) ? 0 : Math.fround(v);
}

/** acceptMediaTypeOptions: the clause's parameters, or undefined when the endpoint refuses them. */
function acceptOptions(params: Record<string, string>, s: SerializerInfo, r: EndpointRestrictions): Negotiated | undefined {
  let target: Target | undefined;
  let stream = '';
  let pretty = false;
  for (const [k, v] of Object.entries(params)) {
    switch (k) {
      case 'as':
        (target ??= { group: '', version: '', kind: '' }).kind = v;
        break;
      case 'g':
        (target ??= { group: '', version: '', kind: '' }).group = v;
        break;
      case 'v':
        (target ??= { group: '', version: '', kind: '' }).version = v;
        break;
      case 'stream':
        if (v.length > 0 && (!s.streaming || !r.allowsStreamSchema(v))) return undefined;
        stream = v;
        break;
      case 'sv':
        if (v.length > 0 && !r.allowsServerVersion(v)) return undefined;
        break;
      case 'pretty':
        pretty = v === '1';
        break;
      default:
        // export, profile and unknown parameters change nothing here
        break;
    }
  }
  if (!r.allowsMediaTypeTransform(s, target)) return undefined;
  return { serializer: s, ...(target ? { target } : {}), pretty, stream };
}

/** NegotiateMediaTypeOptions: the first acceptable (clause, media type) pair, or undefined. */
export function negotiateMediaType(header: string | undefined, accepted: readonly SerializerInfo[], r: EndpointRestrictions): Negotiated | undefined {
  if (!header && accepted.length > 0) return { serializer: accepted[0]!, pretty: false, stream: '' };
  for (const clause of parseAccept(header ?? '')) {
    for (const s of accepted) {
      const matches =
        (clause.type === s.type && clause.subType === s.subType) ||
        (clause.type === s.type && clause.subType === '*') ||
        (clause.type === '*' && clause.subType === '*');
      if (!matches) continue;
      const n = acceptOptions(clause.params, s, r);
      if (n) return n;
    }
  }
  return undefined;
}

/** upstream's errNotAcceptable as a Status (406). */
export function notAcceptable(mediaTypes: readonly string[]): KubeError {
  return new KubeError('NotAcceptable', `only the following media types are accepted: ${mediaTypes.join(', ')}`);
}

/** NegotiateOutputMediaType: what to answer a non-streaming request in, or 406. */
export function negotiateOutput(header: string | undefined, r: EndpointRestrictions, accepted: readonly SerializerInfo[] = SUPPORTED_MEDIA_TYPES): Negotiated {
  const n = negotiateMediaType(header, accepted, r);
  if (!n) throw notAcceptable(accepted.map((s) => s.mediaType));
  return n;
}

/** NegotiateOutputMediaTypeStream: what to stream a watch in (a type with a stream serializer), or 406 listing those. */
export function negotiateOutputStream(header: string | undefined, r: EndpointRestrictions, accepted: readonly SerializerInfo[] = SUPPORTED_MEDIA_TYPES): Negotiated {
  const n = negotiateMediaType(header, accepted, r);
  if (!n || !n.serializer.streaming) throw notAcceptable(accepted.filter((s) => s.streaming).map((s) => `${s.mediaType};stream=watch`));
  return n;
}

/** isPrettyPrint: `?pretty=<true>` (strconv.ParseBool), else a curl, Wget or browser User-Agent. */
export function wantsPretty(query: URLSearchParams, userAgent: string | undefined): boolean {
  const pp = query.get('pretty');
  if (pp !== null && pp.length > 0) return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(pp);
  const ua = userAgent ?? '';
  return ua.startsWith('curl') || ua.startsWith('Wget') || ua.startsWith('Mozilla/5.0');
}
