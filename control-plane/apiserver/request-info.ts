/**
 * Parse a request path into Kubernetes' RequestInfo: which resource, namespace, name, subresource and verb.
 * Mirrors upstream's RequestInfoFactory for /api and /apis paths.
 */

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  /** get, list, watch, create, update, patch, delete, deletecollection, proxy, or the lower-case HTTP method for non-resource paths. */
  verb: string;
  apiPrefix: string;
  group: string;
  version: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Remaining path parts after the subresource (for proxy paths). */
  parts: string[];
}

/**
 * The first malformed percent-escape in a request target's path (`%zz`, a lone `%`), or undefined.
 * Go's net/http refuses such a request line before any handler runs (url.ParseRequestURI:
 * `invalid URL escape "%zz"`) and answers a plain `400 Bad Request`; the query is not checked.
 */
export function malformedPathEscape(requestTarget: string): string | undefined {
  const q = requestTarget.indexOf('?');
  const path = q < 0 ? requestTarget : requestTarget.slice(0, q);
  const m = /%(?![0-9A-Fa-f]{2})/.exec(path);
  return m ? path.slice(m.index, m.index + 3) : undefined;
}

/** One path segment with its %XX escapes decoded as bytes; bytes that are not UTF-8 become U+FFFD (never throws). */
export function decodePathSegment(segment: string): string {
  if (segment.indexOf('%') < 0) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    const bytes: number[] = [];
    for (let i = 0; i < segment.length; i++) {
      const c = segment[i]!;
      if (c === '%' && /^[0-9A-Fa-f]{2}$/.test(segment.slice(i + 1, i + 3))) {
        bytes.push(parseInt(segment.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
      }
    }
    return Buffer.from(bytes).toString('utf8');
  }
}

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    group: '',
    version: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  const segs = path.split('/').filter((s) => s.length > 0).map(decodePathSegment);
  if (segs.length === 0) return info;
  const prefix = segs[0];
  if (prefix !== 'api' && prefix !== 'apis') return info;
  info.apiPrefix = prefix;
  let rest = segs.slice(1);
  if (prefix === 'apis') {
    if (rest.length < 2) {
      // /apis or /apis/<group>: discovery
      if (rest.length === 1) info.group = rest[0]!;
      return info;
    }
    info.group = rest[0]!;
    rest = rest.slice(1);
  }
  if (rest.length < 2) {
    // /api/v1 or /apis/<group>/<version>: discovery
    if (rest.length === 1) info.version = rest[0]!;
    return info;
  }
  info.version = rest[0]!;
  rest = rest.slice(1);
  info.isResourceRequest = true;

  switch (method) {
    case 'POST':
      info.verb = 'create';
      break;
    case 'GET':
    case 'HEAD':
      info.verb = 'get';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = 'delete';
      break;
    default:
      info.verb = '';
  }

  // /namespaces/{ns}/{resource}... ; but /namespaces/{name} itself is the namespaces resource.
  if (rest[0] === 'namespaces') {
    if (rest.length > 1) {
      info.namespace = rest[1]!;
      if (rest.length > 2 && rest[2] !== 'status' && rest[2] !== 'finalize') {
        rest = rest.slice(2);
      } else {
        // namespaces/{name}[/status|/finalize]
        info.namespace = rest[1]!;
      }
    }
  }
  info.resource = rest[0] ?? '';
  if (rest.length >= 2) info.name = rest[1]!;
  if (rest.length >= 3) info.subresource = rest[2]!;
  if (rest.length >= 4) info.parts = rest.slice(3);
  if (info.resource === 'namespaces') {
    // A namespace is cluster-scoped: its name is the "namespace" segment we parsed.
    info.name = info.namespace || info.name;
    info.namespace = '';
  }

  if (!info.name) {
    if (info.verb === 'get') {
      info.verb = isWatch(query) ? 'watch' : 'list';
    } else if (info.verb === 'delete') {
      info.verb = 'deletecollection';
    }
  } else if (info.verb === 'get' && isWatch(query)) {
    info.verb = 'watch';
  }
  return info;
}

function isWatch(q: URLSearchParams): boolean {
  const w = q.get('watch');
  return w === '1' || w === 'true';
}

/**
 * upstream's BasicLongRunningRequestCheck(verbs: watch, proxy; subresources: attach, exec, proxy,
 * log, portforward): such requests are exempt from --request-timeout. `url` is the raw request URL.
 */
export function isLongRunning(method: string, url: string): boolean {
  let info: RequestInfo;
  try {
    const u = new URL(url, 'https://localhost');
    info = parseRequestInfo(method, u.pathname, u.searchParams);
  } catch {
    return false;
  }
  return ['watch', 'proxy'].includes(info.verb) || ['attach', 'exec', 'proxy', 'log', 'portforward'].includes(info.subresource);
}
