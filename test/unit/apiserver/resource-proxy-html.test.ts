/** What the proxy rewrites in answers (resource-proxy-html.ts), as upstream's proxy transport. */
import { describe, expect, it } from 'vitest';
import { rewriteHtml, rewriteProxiedUrl, type RewriteContext } from '../../../control-plane/apiserver/resource-proxy-html.js';

const P = '/api/v1/namespaces/default/services/web:80/proxy';
const ctx: RewriteContext = { backendHost: '10.244.1.5:8080', requestHost: '127.0.0.1:6443', prefix: P };

describe('rewriteProxiedUrl (upstream rewriteURL)', () => {
  const cases: [string, string][] = [
    ['/login', `${P}/login`],
    ['/docs/', `${P}/docs/`],
    ['/a/../b?x=1#top', `${P}/b?x=1#top`],
    ['/', `${P}/`],
    ['http://10.244.1.5:8080/a', `${P}/a`],
    ['//10.244.1.5:8080/a', `${P}/a`],
    ['https://127.0.0.1:6443/a', `https://127.0.0.1:6443${P}/a`],
    [`${P}/already`, `${P}/already`],
    ['http://10.244.1.5/a', 'http://10.244.1.5/a'], // the backend was dialled with a port: another host, as upstream
    ['http://example.com/a', 'http://example.com/a'],
    ['relative/page.html', 'relative/page.html'],
    ['#frag', '#frag'],
    ['?q=1', '?q=1'],
    ['mailto:ops@example.com', 'mailto:ops@example.com'],
    ['javascript:void(0)', 'javascript:void(0)'],
    ['', ''],
  ];
  for (const [from, to] of cases) it(JSON.stringify(from), () => expect(rewriteProxiedUrl(from, ctx)).toBe(to));
});

describe('rewriteHtml', () => {
  it('rewrites the URL attributes of the tags upstream names, keeps everything else byte for byte', () => {
    const html = [
      '<!DOCTYPE html><html><head><link rel="stylesheet" href="/css/site.css"><script src=\'/app.js\'></script></head>',
      '<body background=/bg.png><a href="/docs/" class="x">docs</a> <a href="other.html">rel</a> <A HREF="http://example.com/">ext</A>',
      '<img src="/img/a.png" alt="/not/a/link"><form action="/submit?a=1&amp;b=2" method="post"></form>',
      '<!-- <a href="/commented"> --><script>var s = "<a href=\'/in-script\'>";</script><p>/plain/text</p></body></html>',
    ].join('\n');
    const out = rewriteHtml(html, ctx);
    expect(out).toBe([
      `<!DOCTYPE html><html><head><link rel="stylesheet" href="${P}/css/site.css"><script src="${P}/app.js"></script></head>`,
      `<body background="${P}/bg.png"><a href="${P}/docs/" class="x">docs</a> <a href="other.html">rel</a> <A HREF="http://example.com/">ext</A>`,
      `<img src="${P}/img/a.png" alt="/not/a/link"><form action="${P}/submit?a=1&amp;b=2" method="post"></form>`,
      '<!-- <a href="/commented"> --><script>var s = "<a href=\'/in-script\'>";</script><p>/plain/text</p></body></html>',
    ].join('\n'));
  });

  it('survives broken markup without throwing or dropping text', () => {
    for (const bad of ['<a href="/x', '<', '<a', '<!--', '<script>', 'a < b > c', '<img src=>', '<a href = "/y" >']) {
      const out = rewriteHtml(bad, ctx);
      expect(typeof out).toBe('string');
      expect(out.replace(P, '').length).toBeGreaterThanOrEqual(bad.length - 2);
    }
    expect(rewriteHtml('<a href = "/y" >', ctx)).toBe(`<a href = "${P}/y" >`);
  });
});
