/**
 * What upstream's proxy transport (apimachinery/pkg/util/proxy/transport.go) rewrites in a proxied answer, pure:
 * URLs that point at the backend itself (an absolute path, or the backend's or the request's host) are made to go
 * through the proxy path again (`/css/a.css` from a pod becomes `/api/v1/namespaces/ns/pods/web/proxy/css/a.css`),
 * in the `Location` header of a redirect and in the link attributes of an HTML answer. Relative URLs, other hosts
 * and other schemes (mailto:, javascript:) are left as they are.
 */
import { posix } from 'node:path';

/** The tags and attributes upstream rewrites (its atomsToAttrs table). */
export const URL_ATTRIBUTES: Record<string, readonly string[]> = {
  a: ['href'],
  applet: ['codebase'],
  area: ['href'],
  audio: ['src'],
  base: ['href'],
  blockquote: ['cite'],
  body: ['background'],
  button: ['formaction'],
  command: ['icon'],
  del: ['cite'],
  embed: ['src'],
  form: ['action'],
  frame: ['longdesc', 'src'],
  head: ['profile'],
  html: ['manifest'],
  iframe: ['longdesc', 'src'],
  img: ['longdesc', 'src', 'usemap'],
  input: ['src', 'usemap', 'formaction'],
  ins: ['cite'],
  link: ['href'],
  object: ['classid', 'codebase', 'data', 'usemap'],
  q: ['cite'],
  script: ['src'],
  source: ['src'],
  video: ['poster', 'src'],
};

/** Where the answer came from and where the request went in: what decides whether a URL is the backend's. */
export interface RewriteContext {
  /** The backend as dialled: `10.244.1.5:8080`, or `10.244.1.5` when no port was named. */
  backendHost: string;
  /** The Host header of the request the API server received. */
  requestHost: string;
  /** The request path up to and including `/proxy`. */
  prefix: string;
}

/**
 * One URL as upstream's rewriteURL: unchanged when it names another host or its path is relative (no leading
 * `/`, which includes `mailto:` and `#frag`); else its path is joined under the prefix (unless already there),
 * keeping a trailing slash, the query and the fragment; the scheme and host are dropped unless the host is the
 * request's own.
 */
export function rewriteProxiedUrl(raw: string, ctx: RewriteContext): string {
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(\?[^#]*)?(#.*)?$/.exec(raw);
  if (!m) return raw;
  const [, scheme, host, path = '', query = '', fragment = ''] = m;
  if (scheme !== undefined && host === undefined) return raw; // opaque (mailto:x, javascript:...)
  const differentHost = host !== undefined && host !== '' && host !== ctx.backendHost && host !== ctx.requestHost;
  if (differentHost || !path.startsWith('/')) return raw;
  const keepOrigin = host !== undefined && host === ctx.requestHost;
  const origin = keepOrigin ? `${scheme ? `${scheme}:` : ''}//${host}` : '';
  if (path.startsWith(ctx.prefix)) return origin + path + query + fragment;
  let joined = posix.join(ctx.prefix, path);
  if (path.endsWith('/') && !joined.endsWith('/')) joined += '/';
  return origin + joined + query + fragment;
}

/** Elements whose content is raw text to the HTML tokenizer: no tags inside. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext']);

function decodeEntities(v: string): string {
  return v.replace(/&(amp|lt|gt|quot|#39|#x27|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", apos: "'" })[e] ?? _);
}

function encodeAttr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

/**
 * The HTML with the URL attributes of URL_ATTRIBUTES rewritten (rewriteProxiedUrl); everything else is kept byte for
 * byte. Comments, doctype and the content of raw-text elements (script, style, ...) are not looked into.
 */
export function rewriteHtml(html: string, ctx: RewriteContext): string {
  let out = '';
  let i = 0;
  const n = html.length;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out += html.slice(i);
      break;
    }
    out += html.slice(i, lt);
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      const stop = end < 0 ? n : end + 3;
      out += html.slice(lt, stop);
      i = stop;
      continue;
    }
    const tag = /^<([a-zA-Z][^\s/>]*)/.exec(html.slice(lt, lt + 64));
    if (!tag) {
      // an end tag, a doctype, a bare '<': kept as is up to its '>'
      const gt = html.indexOf('>', lt + 1);
      const stop = gt < 0 ? n : gt + 1;
      out += html.slice(lt, stop);
      i = stop;
      continue;
    }
    const name = tag[1]!.toLowerCase();
    const wanted = URL_ATTRIBUTES[name] ?? [];
    let j = lt + tag[0].length;
    let rebuilt = html.slice(lt, j);
    // attributes up to '>' (quoted values may hold '>')
    for (;;) {
      const ws = /^[\s/]*/.exec(html.slice(j, j + 256))![0];
      rebuilt += ws;
      j += ws.length;
      if (j >= n || html[j] === '>') break;
      const an = /^[^\s"'>/=]+/.exec(html.slice(j, j + 256));
      if (!an) {
        rebuilt += html[j];
        j++;
        continue;
      }
      const attr = an[0];
      rebuilt += attr;
      j += attr.length;
      const eq = /^\s*=\s*/.exec(html.slice(j, j + 256));
      if (!eq) continue;
      rebuilt += eq[0];
      j += eq[0].length;
      let quote = '';
      let value: string;
      if (html[j] === '"' || html[j] === "'") {
        quote = html[j]!;
        const close = html.indexOf(quote, j + 1);
        const end = close < 0 ? n : close;
        value = html.slice(j + 1, end);
        j = close < 0 ? n : close + 1;
      } else {
        const uq = /^[^\s>]*/.exec(html.slice(j))![0];
        value = uq;
        j += uq.length;
      }
      if (wanted.includes(attr.toLowerCase())) {
        const decoded = decodeEntities(value);
        const next = rewriteProxiedUrl(decoded, ctx);
        if (next !== decoded) {
          rebuilt += `"${encodeAttr(next)}"`;
          continue;
        }
      }
      rebuilt += quote ? `${quote}${value}${quote}` : value;
    }
    if (j < n) {
      rebuilt += '>';
      j++;
    }
    out += rebuilt;
    i = j;
    if (RAW_TEXT.has(name)) {
      const closing = new RegExp(`</${name}`, 'ig');
      closing.lastIndex = i;
      const close = closing.exec(html);
      const stop = close ? close.index : n;
      out += html.slice(i, stop);
      i = stop;
    }
  }
  return out;
}
