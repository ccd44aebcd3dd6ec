/** The Corefile: lexer, parser and each plugin's setup, with the errors CoreDNS prints (file:line). */
import { describe, expect, it } from 'vitest';
import { loadCorefile, resolvConfNameservers } from '../../../addons/coredns/config.js';
import { CorefileError, parseCorefile, tokenize } from '../../../addons/coredns/corefile.js';

/** kubeadm's default Corefile (the one a CKA student edits). */
export const KUBEADM_COREFILE = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;

const RESOLV = 'nameserver 192.0.2.53\nsearch example\n';
const read = (p: string) => (p === '/etc/resolv.conf' ? RESOLV : undefined);

function errorOf(text: string): CorefileError {
  try {
    loadCorefile(text, { readFile: read });
  } catch (e) {
    if (e instanceof CorefileError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('Corefile lexer and parser', () => {
  it('tokens: comments, quotes (spanning lines, escaped quotes), line numbers', () => {
    const t = tokenize('a b # c\n"d e" "f\\"g"\n"h\ni" j');
    expect(t.map((x) => [x.text, x.line])).toEqual([['a', 1], ['b', 1], ['d e', 2], ['f"g', 2], ['h\ni', 3], ['j', 4]]);
  });

  it('server blocks, keys with commas and spaces, nested blocks', () => {
    const b = parseCorefile('example.org:1053, example.net {\n  hosts {\n    10.0.0.1 a.example.org\n    fallthrough\n  }\n}\n.:53 {\n  whoami\n}\n');
    expect(b.map((x) => x.keys)).toEqual([['example.org:1053', 'example.net'], ['.:53']]);
    expect(b[0]!.directives[0]).toEqual({ name: 'hosts', args: [], line: 2, block: [{ name: '10.0.0.1', args: ['a.example.org'], line: 3 }, { name: 'fallthrough', args: [], line: 4 }] });
    expect(b[1]!.directives[0]!.line).toBe(8);
  });

  it("kubeadm's default Corefile configures every plugin", () => {
    const [s] = loadCorefile(KUBEADM_COREFILE, { readFile: read });
    expect(s!.zones).toEqual(['.']);
    expect(s!.port).toBe(53);
    expect(s!.errors).toBe(true);
    expect(s!.health).toEqual({ address: ':8080', lameduckMs: 5000 });
    expect(s!.ready).toEqual({ address: ':8181' });
    expect(s!.prometheus).toEqual({ address: ':9153' });
    expect(s!.kubernetes).toMatchObject({ zones: ['cluster.local.', 'in-addr.arpa.', 'ip6.arpa.'], pods: 'insecure', ttl: 30, fallthrough: ['in-addr.arpa.', 'ip6.arpa.'] });
    expect(s!.forward).toMatchObject({ from: '.', to: ['192.0.2.53:53'], maxConcurrent: 1000 });
    expect(s!.cache).toMatchObject({ successCap: 30, denialCap: 30 });
    expect(s!.loop).toBe(true);
    expect(s!.reload).toEqual({ intervalMs: 30_000, jitterMs: 15_000 });
    expect(s!.loadbalance).toBe(true);
    expect(s!.plugins).toEqual(['errors', 'health', 'ready', 'kubernetes', 'prometheus', 'forward', 'cache', 'loop', 'reload', 'loadbalance']);
  });

  it('defaults: kubernetes zones from the block, ttl 5, pods disabled; ports from keys or the default', () => {
    const s = loadCorefile('cluster.local:1053 {\n kubernetes\n}\nexample.org {\n hosts {\n  10.1.1.1 a.example.org\n }\n}\n', { defaultPort: 5353 });
    expect(s[0]!.kubernetes).toMatchObject({ zones: ['cluster.local.'], ttl: 5, pods: 'disabled', fallthrough: undefined });
    expect(s[0]!.port).toBe(1053);
    expect(s[1]!.port).toBe(5353);
    expect(s[1]!.hosts).toMatchObject({ zones: ['example.org.'], ttl: 3600, inline: [{ ip: '10.1.1.1', names: ['a.example.org.'] }] });
  });

  it('rewrite rules: exact (default), prefix, suffix, substring, regex with answer name, continue', () => {
    const [s] = loadCorefile('. {\n rewrite name foo.example.com web.prod.svc.cluster.local\n rewrite continue name suffix .corp. .svc.cluster.local.\n rewrite name regex (.*)\\.db\\.corp {1}.db.prod.svc.cluster.local answer name (.*)\\.db\\.prod\\.svc\\.cluster\\.local {1}.db.corp\n}\n');
    expect(s!.rewrite.map((r) => [r.mode, r.match, r.from, r.to])).toEqual([
      ['stop', 'exact', 'foo.example.com.', 'web.prod.svc.cluster.local.'],
      ['continue', 'suffix', '.corp.', '.svc.cluster.local.'],
      ['stop', 'regex', '(.*)\\.db\\.corp', '{1}.db.prod.svc.cluster.local'],
    ]);
    expect(s!.rewrite[2]!.answer).toEqual({ from: '(.*)\\.db\\.prod\\.svc\\.cluster\\.local', to: '{1}.db.corp' });
  });

  it('forward reads a resolv.conf for its upstreams and takes host:port', () => {
    expect(resolvConfNameservers('# x\nnameserver 10.0.0.2\nnameserver fe80::1\nnameserver bogus\n')).toEqual(['10.0.0.2', 'fe80::1']);
    const [s] = loadCorefile('. {\n forward . 127.0.0.1:5300 dns://127.0.0.2 {\n  policy sequential\n  except example.org\n }\n}\n');
    expect(s!.forward).toMatchObject({ to: ['127.0.0.1:5300', '127.0.0.2:53'], policy: 'sequential', except: ['example.org.'] });
  });

  const errors: [string, string, string][] = [
    ['unknown directive', '.:53 {\n    errors\n    whoami2\n}\n', "Corefile:3 - Error during parsing: Unknown directive 'whoami2'"],
    ['unclosed block', '.:53 {\n    errors\n    kubernetes cluster.local {\n      pods insecure\n}\n', 'Corefile:5 - Error during parsing: Unexpected EOF'],
    ['missing brace', '.:53\n', "Corefile:1 - Error during parsing: Unexpected EOF, expecting '{' after server block keys"],
    ['stray closing brace', '}\n', "Corefile:1 - Error during parsing: Unexpected token '}', expecting server block keys"],
    ['unterminated quote', '.:53 {\n  hosts "x\n}\n', 'Corefile:2 - Error during parsing: Unterminated quoted string'],
    ['kubernetes property', '.:53 {\n  kubernetes cluster.local {\n    pods insecure\n    bogus 1\n  }\n}\n', "plugin/kubernetes: Corefile:4 - Error during parsing: unknown property 'bogus'"],
    ['pods value', '.:53 {\n  kubernetes cluster.local {\n    pods sometimes\n  }\n}\n', 'plugin/kubernetes: Corefile:3 - Error during parsing: wrong value for pods: sometimes,  must be one of: disabled, verified, insecure'],
    ['ttl args', '.:53 {\n  kubernetes cluster.local {\n    ttl\n  }\n}\n', "plugin/kubernetes: Corefile:3 - Error during parsing: Wrong argument count or unexpected line ending after 'ttl'"],
    ['ttl range', '.:53 {\n  kubernetes cluster.local {\n    ttl 4000\n  }\n}\n', 'plugin/kubernetes: Corefile:3 - Error during parsing: ttl must be in range [0, 3600]: 4000'],
    ['ttl number', '.:53 {\n  kubernetes {\n    ttl abc\n  }\n}\n', 'plugin/kubernetes: Corefile:3 - Error during parsing: strconv.Atoi: parsing "abc": invalid syntax'],
    ['duplicate plugin', '.:53 {\n  cache\n  cache 30\n}\n', 'plugin/cache: Corefile:3 - Error during parsing: plugin cache is specified more than once'],
    ['forward without TO', '.:53 {\n  forward .\n}\n', "plugin/forward: Corefile:2 - Error during parsing: Wrong argument count or unexpected line ending after '.'"],
    ['forward to a name', '.:53 {\n  forward . dns.google\n}\n', 'plugin/forward: Corefile:2 - Error during parsing: not an IP address or file: "dns.google"'],
    ['rewrite field', '.:53 {\n  rewrite type A AAAA\n}\n', 'plugin/rewrite: Corefile:2 - Error during parsing: invalid type "type"'],
    ['rewrite regex', '.:53 {\n  rewrite name regex ([a-z ex.org\n}\n', 'plugin/rewrite: Corefile:2 - Error during parsing: invalid regex pattern in a name rule'],
    ['reload interval', '.:53 {\n  reload 1s\n}\n', 'plugin/reload: Corefile:2 - Error during parsing: interval value must be greater or equal to 2s'],
    ['same zone twice', '.:53 {\n  errors\n}\n.:53 {\n  log\n}\n', 'Corefile:4 - Error during parsing: cannot serve dns://.:53 - it is already defined'],
    ['brace on the same line', '.:53 {\n  errors }\n', "Corefile:2 - Error during parsing: Unexpected token '}', expecting argument"],
    ['scheme', 'tls://.:853 {\n  errors\n}\n', 'Corefile:1 - Error during parsing: unsupported scheme "tls://"'],
    ['empty', '# nothing\n', 'Corefile:1 - Error during parsing: no server blocks'],
  ];
  for (const [what, text, msg] of errors) {
    it(`error: ${what}`, () => {
      const e = errorOf(text);
      expect(e.message.startsWith(msg)).toBe(true);
      expect(e.code).toBe('ERR_CONFIG');
    });
  }
});
