/**
 * The lab's own Gateway API CRDs (scripts/lab.d/gateway-api-crds.yaml) on our API server over a real etcd, with
 * the real kubectl: they install and become Established, objects default as upstream's (HTTPRoute matches
 * PathPrefix /, backendRef weight 1, listener allowedRoutes from Same), the printer
 * columns are upstream's, and bad input is a 422 naming the field (enum, minimum, maxItems, CEL rules).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { kubectl, kubectlOk } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

const ok = (args: string[], input?: string): Promise<string> => kubectlOk(s.h, args, input);
const CRDS = join(import.meta.dirname, '../../../scripts/lab.d/gateway-api-crds.yaml');
const CLASS = join(import.meta.dirname, '../../../scripts/lab.d/gateway-class.yaml');

const route = (name: string, rules: string): string => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: default}
spec:
  parentRefs: [{name: web}]
  rules:
${rules}`;

/** Apply that must be refused with a 422 (kubectl prints `is invalid`) naming `field`; nothing stored. */
async function refused(input: string, name: string, resource: string, ...fragments: string[]): Promise<string> {
  const r = await kubectl(s.h, ['apply', '--validate=false', '-f', '-'], { input });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('is invalid');
  for (const f of fragments) expect(r.stderr).toContain(f);
  const got = await kubectl(s.h, ['get', resource, name, '--ignore-not-found', '-o', 'name']);
  expect(got.stdout.trim()).toBe('');
  return r.stderr;
}

describe('the lab Gateway API CRDs', () => {
  it('install with kubectl apply and become Established; api-resources lists them', async () => {
    const out = await ok(['apply', '-f', CRDS]);
    for (const n of ['gatewayclasses', 'gateways', 'httproutes', 'referencegrants']) expect(out).toContain(`customresourcedefinition.apiextensions.k8s.io/${n}.gateway.networking.k8s.io created`);
    await ok(['wait', '--for=condition=Established', ...['gatewayclasses', 'gateways', 'httproutes', 'referencegrants'].map((n) => `crd/${n}.gateway.networking.k8s.io`), '--timeout=30s']);
    const res = await ok(['api-resources', '--api-group=gateway.networking.k8s.io', '-o', 'name']);
    expect(res.split('\n').filter(Boolean).sort()).toEqual(['gatewayclasses.gateway.networking.k8s.io', 'gateways.gateway.networking.k8s.io', 'httproutes.gateway.networking.k8s.io', 'referencegrants.gateway.networking.k8s.io']);
  });

  it('the lab GatewayClass and a Gateway default as upstream and print Class, Address, Programmed, Age', async () => {
    expect(await ok(['apply', '-f', CLASS])).toContain('gatewayclass.gateway.networking.k8s.io/nginx created');
    await ok(['apply', '-f', '-'], `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: default}
spec:
  gatewayClassName: nginx
  listeners:
  - {name: http, port: 80, protocol: HTTP}
`);
    const gw = JSON.parse(await ok(['get', 'gateway', 'web', '-o', 'json'])) as { spec: { listeners: { allowedRoutes: unknown }[] } };
    expect(gw.spec.listeners[0]!.allowedRoutes).toEqual({ namespaces: { from: 'Same' } });
    const table = await ok(['get', 'gateways']);
    expect(table.split('\n')[0]!.split(/\s{2,}/)).toEqual(['NAME', 'CLASS', 'ADDRESS', 'PROGRAMMED', 'AGE']);
    expect(table.split('\n')[1]).toMatch(/^web\s+nginx\s.*\s\d+s$/);
    const gc = await ok(['get', 'gatewayclass']);
    expect(gc.split('\n')[0]!.split(/\s{2,}/)).toEqual(['NAME', 'CONTROLLER', 'ACCEPTED', 'AGE']);
    expect(gc).toContain('gateway.kubelab.io/ingress-nginx');
  });

  it('an HTTPRoute defaults its matches to PathPrefix / and backend weights to 1; prints Hostnames', async () => {
    await ok(['apply', '-f', '-'], `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: split, namespace: default}
spec:
  parentRefs: [{name: web}]
  hostnames: [app.example.com]
  rules:
  - backendRefs: [{name: a, port: 80}, {name: b, port: 80, weight: 0}]
`);
    const r = JSON.parse(await ok(['get', 'httproute', 'split', '-o', 'json'])) as { spec: { parentRefs: unknown[]; rules: { matches: unknown; backendRefs: unknown[] }[] } };
    expect(r.spec.parentRefs[0]).toEqual({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web' });
    expect(r.spec.rules[0]!.matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
    expect(r.spec.rules[0]!.backendRefs).toEqual([{ group: '', kind: 'Service', name: 'a', port: 80, weight: 1 }, { group: '', kind: 'Service', name: 'b', port: 80, weight: 0 }]);
    const table = await ok(['get', 'httproutes']);
    expect(table.split('\n')[0]!.split(/\s{2,}/)).toEqual(['NAME', 'HOSTNAMES', 'AGE']);
    expect(table).toMatch(/^split\s+\[app.example.com\]\s+\d+s/m);
  });

  it('bad HTTPRoutes are 422 naming the field: unknown path type, negative weight, 17 rules, CEL rules', async () => {
    await refused(route('badtype', '  - matches: [{path: {type: Glob, value: /x}}]\n    backendRefs: [{name: a, port: 80}]\n'), 'badtype', 'httproute',
      'spec.rules[0].matches[0].path.type: Unsupported value: "Glob": supported values: "Exact", "PathPrefix", "RegularExpression"');
    await refused(route('negweight', '  - backendRefs: [{name: a, port: 80, weight: -1}]\n'), 'negweight', 'httproute',
      'spec.rules[0].backendRefs[0].weight: Invalid value: -1: spec.rules[0].backendRefs[0].weight in body should be greater than or equal to 0');
    const seventeen = Array.from({ length: 17 }, (_, i) => `  - matches: [{path: {value: /p${i}}}]\n`).join('');
    await refused(route('toomany', seventeen), 'toomany', 'httproute', 'spec.rules: Too many: 17: must have at most 16 items');
    await refused(route('relpath', '  - matches: [{path: {type: Exact, value: x}}]\n'), 'relpath', 'httproute',
      "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']");
    await refused(route('noport', '  - backendRefs: [{name: a}]\n'), 'noport', 'httproute', 'Must have port for Service reference');
    await refused(route('twofilters', `  - filters:
    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-a, value: "1"}]}}
    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-b, value: "2"}]}}
`), 'twofilters', 'httproute', 'RequestHeaderModifier filter cannot be repeated');
    await refused(route('nomodifier', '  - filters: [{type: RequestHeaderModifier}]\n'), 'nomodifier', 'httproute',
      'filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type');
    await refused(route('badcode', '  - filters: [{type: RequestRedirect, requestRedirect: {statusCode: 307}}]\n'), 'badcode', 'httproute',
      'Unsupported value: 307: supported values: "301", "302"');
  });

  it('bad Gateways are 422: duplicate listener names, tls on HTTP, HTTPS without tls, port 0, unknown from', async () => {
    const gw = (name: string, listeners: string): string => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: default}
spec:
  gatewayClassName: nginx
  listeners:
${listeners}`;
    await refused(gw('dupes', '  - {name: a, port: 80, protocol: HTTP}\n  - {name: a, port: 81, protocol: HTTP}\n'), 'dupes', 'gateway', 'Duplicate value');
    await refused(gw('tlshttp', '  - {name: a, port: 80, protocol: HTTP, tls: {certificateRefs: [{name: c}]}}\n'), 'tlshttp', 'gateway',
      "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']");
    await refused(gw('notls', '  - {name: a, port: 443, protocol: HTTPS}\n'), 'notls', 'gateway', "tls mode must be set for protocols ['HTTPS', 'TLS']");
    await refused(gw('port0', '  - {name: a, port: 0, protocol: HTTP}\n'), 'port0', 'gateway', 'spec.listeners[0].port: Invalid value: 0');
    await refused(gw('from', '  - {name: a, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Elsewhere}}}\n'), 'from', 'gateway',
      'spec.listeners[0].allowedRoutes.namespaces.from: Unsupported value: "Elsewhere"');
  });

  it('a GatewayClass controllerName is immutable; a ReferenceGrant needs from and to', async () => {
    const r = await kubectl(s.h, ['patch', 'gatewayclass', 'nginx', '--type=merge', '-p', '{"spec":{"controllerName":"example.com/other"}}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.controllerName: Invalid value: "string": Value is immutable');
    await refused(`apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: default}
spec: {from: [], to: [{group: '', kind: Service}]}
`, 'g', 'referencegrant', 'spec.from: Invalid value: 0: spec.from in body should have at least 1 items');
    await ok(['apply', '-f', '-'], `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: default}
spec: {from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps}], to: [{group: '', kind: Service}]}
`);
  });
});
