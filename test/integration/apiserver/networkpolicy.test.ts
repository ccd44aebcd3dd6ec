/**
 * networking.k8s.io/v1 NetworkPolicy driven by the real kubectl: the networking docs' examples created as they are,
 * upstream's defaults (policyTypes, protocol TCP), the Table (NAME POD-SELECTOR AGE), `kubectl explain`, the short
 * name, and the 422s with upstream's messages (pkg/apis/networking/validation).
 */
import { describe, expect, it } from 'vitest';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { kubectl, kubectlOk } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

const np = (name: string, spec: Record<string, unknown>): string =>
  JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'default' }, spec });

async function refused(manifest: string): Promise<string> {
  const r = await kubectl(s.h, ['create', '-f', '-'], { input: manifest });
  expect(r.code).toBe(1);
  return r.stderr.trim();
}

// https://kubernetes.io/docs/concepts/services-networking/network-policies/ (the examples, as YAML).
const DOCS_EXAMPLE = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: test-network-policy
  namespace: default
spec:
  podSelector:
    matchLabels:
      role: db
  policyTypes:
  - Ingress
  - Egress
  ingress:
  - from:
    - ipBlock:
        cidr: 172.17.0.0/16
        except:
        - 172.17.1.0/24
    - namespaceSelector:
        matchLabels:
          project: myproject
    - podSelector:
        matchLabels:
          role: frontend
    ports:
    - protocol: TCP
      port: 6379
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/24
    ports:
    - protocol: TCP
      port: 5978
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
spec:
  podSelector: {}
  policyTypes:
  - Ingress
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all-ingress
spec:
  podSelector: {}
  ingress:
  - {}
  policyTypes:
  - Ingress
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all-egress
spec:
  podSelector: {}
  egress:
  - {}
  policyTypes:
  - Egress
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-all
spec:
  podSelector: {}
  policyTypes:
  - Ingress
  - Egress
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: multi-port-egress
  namespace: default
spec:
  podSelector:
    matchLabels:
      role: db
  policyTypes:
    - Egress
  egress:
    - to:
        - ipBlock:
            cidr: 10.0.0.0/24
      ports:
        - protocol: TCP
          port: 32000
          endPort: 32768
`;

describe('NetworkPolicy: served, defaulted, printed, explained', () => {
  it('kubectl api-resources lists networkpolicies with short name netpol, namespaced', async () => {
    const out = await kubectlOk(s.h, ['api-resources', '--api-group=networking.k8s.io']);
    expect(out).toMatch(/^networkpolicies\s+netpol\s+networking\.k8s\.io\/v1\s+true\s+NetworkPolicy$/m);
  });

  it('the docs examples create as they are and print NAME POD-SELECTOR AGE', async () => {
    const out = await kubectlOk(s.h, ['create', '-n', 'default', '-f', '-'], DOCS_EXAMPLE);
    expect(out).toContain('networkpolicy.networking.k8s.io/test-network-policy created');
    expect(out).toContain('networkpolicy.networking.k8s.io/multi-port-egress created');
    const table = (await kubectlOk(s.h, ['get', 'netpol', '-n', 'default'])).trim().split('\n');
    expect(table[0]!.split(/\s{2,}/)).toEqual(['NAME', 'POD-SELECTOR', 'AGE']);
    expect(table.find((l) => l.startsWith('test-network-policy'))).toMatch(/^test-network-policy\s+role=db\s+\S+$/);
    expect(table.find((l) => l.startsWith('default-deny-ingress'))).toMatch(/^default-deny-ingress\s+<none>\s+\S+$/);
  });

  it('defaults: policyTypes from the rules (Ingress; Egress too when egress rules exist), protocol TCP, podSelector {}', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], np('defaults-a', { ingress: [{ ports: [{ port: 80 }] }] }));
    await kubectlOk(s.h, ['create', '-f', '-'], np('defaults-b', { podSelector: { matchLabels: { app: 'x' } }, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] }));
    const a = JSON.parse(await kubectlOk(s.h, ['get', 'netpol', 'defaults-a', '-n', 'default', '-o', 'json']));
    expect(a.spec).toEqual({ podSelector: {}, ingress: [{ ports: [{ port: 80, protocol: 'TCP' }] }], policyTypes: ['Ingress'] });
    expect(a.metadata.generation).toBe(1);
    const b = JSON.parse(await kubectlOk(s.h, ['get', 'netpol', 'defaults-b', '-n', 'default', '-o', 'json']));
    expect(b.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(b.spec.egress[0].ports[0].protocol).toBe('UDP');
    await kubectlOk(s.h, ['patch', 'netpol', 'defaults-a', '-n', 'default', '--type=merge', '-p', '{"spec":{"podSelector":{"matchLabels":{"a":"b"}}}}']);
    const a2 = JSON.parse(await kubectlOk(s.h, ['get', 'netpol', 'defaults-a', '-n', 'default', '-o', 'json']));
    expect(a2.metadata.generation).toBe(2);
  });

  it('IPv6 ipBlocks are accepted (the agent ignores them on IPv4-only pods: node-agent/netpol/README.md)', async () => {
    const out = await kubectlOk(s.h, ['create', '-f', '-'], np('v6-blocks', {
      ingress: [{ from: [{ ipBlock: { cidr: '2001:db8::/64', except: ['2001:db8::/96', '2001:db8:0:0:1::/80'] } }, { ipBlock: { cidr: '10.0.0.0/8' } }] }],
      egress: [{ to: [{ ipBlock: { cidr: '::/0' } }] }],
    }));
    expect(out).toContain('networkpolicy.networking.k8s.io/v6-blocks created');
    const got = JSON.parse(await kubectlOk(s.h, ['get', 'netpol', 'v6-blocks', '-n', 'default', '-o', 'json']));
    expect(got.spec.ingress[0].from[0].ipBlock).toEqual({ cidr: '2001:db8::/64', except: ['2001:db8::/96', '2001:db8:0:0:1::/80'] });
    expect(got.spec.egress[0].to[0].ipBlock.cidr).toBe('::/0');
  });

  it('kubectl explain describes the fields with upstream text', async () => {
    const out = await kubectlOk(s.h, ['explain', 'networkpolicy.spec.ingress.from.ipBlock']);
    expect(out).toContain('GROUP:      networking.k8s.io');
    expect(out).toMatch(/cidr\s+<string>/);
    expect(out).toContain('except is a slice of CIDRs that should not be included within an IPBlock');
    expect(await kubectlOk(s.h, ['explain', 'netpol.spec.policyTypes'])).toContain('policyTypes is a list of rule types that the NetworkPolicy relates to');
  });
});

describe('NetworkPolicy: bad input is a 422 naming the field, with upstream messages', () => {
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['an invalid CIDR', { ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }] },
      ['spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
    ['an except outside the cidr', { egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24', '10.0.0.0/16'] } }] }] },
      ['spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
        'spec.egress[0].to[0].ipBlock.except[1]: Invalid value: "10.0.0.0/16": must be a strict subset of `cidr`']],
    ['an except of the other IP family, or outside an IPv6 cidr', { ingress: [{ from: [{ ipBlock: { cidr: '2001:db8::/64', except: ['10.0.0.0/24', '2001:db9::/96'] } }] }] },
      ['spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.0.0.0/24": must be a strict subset of `cidr`',
        'spec.ingress[0].from[0].ipBlock.except[1]: Invalid value: "2001:db9::/96": must be a strict subset of `cidr`']],
    ['a missing cidr', { ingress: [{ from: [{ ipBlock: { except: ['10.0.0.0/24'] } }] }] }, ['spec.ingress[0].from[0].ipBlock.cidr: Required value']],
    ['a port out of range', { ingress: [{ ports: [{ port: 70000 }] }] },
      ['spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['endPort below port', { egress: [{ ports: [{ port: 100, endPort: 90 }] }] },
      ['spec.egress[0].ports[0].endPort: Invalid value: 90: must be greater than or equal to `port`']],
    ['endPort with a named port', { ingress: [{ ports: [{ port: 'http', endPort: 90 }] }] },
      ['spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric']],
    ['endPort without port', { ingress: [{ ports: [{ endPort: 90 }] }] },
      ['spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is not specified']],
    ['a bad protocol', { ingress: [{ ports: [{ protocol: 'ICMP', port: 80 }] }] },
      ['spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"']],
    ['an empty peer', { ingress: [{ from: [{}] }] }, ['spec.ingress[0].from[0]: Required value: must specify a peer']],
    ['ipBlock with another peer', { ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] },
      ['spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer']],
    ['a bad selector operator', { podSelector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } },
      ['spec.podSelector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator']],
    ['a bad policy type', { policyTypes: ['Sideways'] }, ['spec.policyTypes[0]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"']],
  ];
  for (const [what, spec, messages] of cases) {
    it(what, async () => {
      const err = await refused(np('bad', spec));
      expect(err).toContain('The NetworkPolicy "bad" is invalid');
      for (const m of messages) expect(err).toContain(m);
    });
  }
});
