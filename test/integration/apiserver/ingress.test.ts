/**
 * networking.k8s.io/v1 Ingress and IngressClass driven by the real kubectl: `kubectl create ingress` (rules, TLS,
 * class, annotations, default backend, the rewrite example), the Tables (NAME CLASS HOSTS ADDRESS PORTS AGE; NAME
 * CONTROLLER PARAMETERS AGE), describe, explain, the status subresource, the DefaultIngressClass admission plugin,
 * `kubectl apply --prune`, protobuf bodies (kubectl's typed client), and the 422s with upstream's messages
 * (pkg/apis/networking/validation).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { kubectl, kubectlOk } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

const dir = mkdtempSync(join(tmpdir(), 'kubelab-ingress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const getJson = async (args: string[]) => JSON.parse(await kubectlOk(s.h, [...args, '-o', 'json']));
const rows = async (args: string[]) => (await kubectlOk(s.h, args)).trim().split('\n').map((l) => l.split(/\s{2,}/));

describe('Ingress and IngressClass: served, created by kubectl, printed', () => {
  it('kubectl api-resources lists ingresses (ing, namespaced) and ingressclasses (cluster-scoped)', async () => {
    const out = await kubectlOk(s.h, ['api-resources', '--api-group=networking.k8s.io']);
    expect(out).toMatch(/^ingressclasses\s+networking\.k8s\.io\/v1\s+false\s+IngressClass$/m);
    expect(out).toMatch(/^ingresses\s+ing\s+networking\.k8s\.io\/v1\s+true\s+Ingress$/m);
  });

  it('kubectl create ingress with a rule and TLS: the spec as upstream writes it, the Table row', async () => {
    expect(await kubectlOk(s.h, ['create', 'ingress', 'simple', '--rule=foo.com/bar=svc1:8080,tls=my-cert'])).toContain('ingress.networking.k8s.io/simple created');
    const o = await getJson(['get', 'ingress', 'simple']);
    expect(o.spec).toEqual({
      rules: [{ host: 'foo.com', http: { paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { number: 8080 } } } }] } }],
      tls: [{ hosts: ['foo.com'], secretName: 'my-cert' }],
    });
    expect(o.status).toEqual({ loadBalancer: {} });
    expect(o.metadata.generation).toBe(1);
    const t = await rows(['get', 'ingress']);
    expect(t[0]).toEqual(['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
    expect(t.find((r) => r[0] === 'simple')!.slice(0, 4)).toEqual(['simple', '<none>', 'foo.com', '80, 443']);
  });

  it('--class, --annotation, --default-backend, a named port and a Prefix path', async () => {
    await kubectlOk(s.h, ['create', 'ingress', 'catch-all', '--class=otheringress', '--rule=/path=svc:port', '--annotation=ingress.annotation1=foo', '--default-backend=defaultsvc:http']);
    const o = await getJson(['get', 'ing', 'catch-all']);
    expect(o.metadata.annotations).toEqual({ 'ingress.annotation1': 'foo' });
    expect(o.spec.ingressClassName).toBe('otheringress');
    expect(o.spec.defaultBackend).toEqual({ service: { name: 'defaultsvc', port: { name: 'http' } } });
    expect(o.spec.rules).toEqual([{ http: { paths: [{ path: '/path', pathType: 'Exact', backend: { service: { name: 'svc', port: { name: 'port' } } } }] } }]);
    await kubectlOk(s.h, ['create', 'ingress', 'prefixed', '--rule=foo.com/*=svc:8080', '--rule=bar.com/admin*=svc2:http']);
    const p = await getJson(['get', 'ing', 'prefixed']);
    expect(p.spec.rules.map((r: { http: { paths: { path: string; pathType: string }[] } }) => r.http.paths[0])).toMatchObject([
      { path: '/', pathType: 'Prefix' },
      { path: '/admin', pathType: 'Prefix' },
    ]);
    const row = (await rows(['get', 'ing', 'prefixed', 'catch-all']));
    expect(row.find((r) => r[0] === 'prefixed')!.slice(0, 4)).toEqual(['prefixed', '<none>', 'foo.com,bar.com', '80']);
    expect(row.find((r) => r[0] === 'catch-all')!.slice(0, 4)).toEqual(['catch-all', 'otheringress', '*', '80']);
  });

  it('the rewrite example: a regex path (kubectl makes it Exact) and its annotation', async () => {
    await kubectlOk(s.h, ['create', 'ingress', 'rewrite', '--class=default', "--rule=a.example/app(/|$)(.*)=svc:80", '--annotation', 'nginx.ingress.kubernetes.io/rewrite-target=/$2']);
    const o = await getJson(['get', 'ing', 'rewrite']);
    expect(o.metadata.annotations['nginx.ingress.kubernetes.io/rewrite-target']).toBe('/$2');
    expect(o.spec.rules[0].http.paths[0]).toEqual({ path: '/app(/|$)(.*)', pathType: 'Exact', backend: { service: { name: 'svc', port: { number: 80 } } } });
  });

  it('kubectl describe ingress shows the rules, backends and TLS', async () => {
    const out = await kubectlOk(s.h, ['describe', 'ingress', 'simple']);
    expect(out).toMatch(/^Name:\s+simple$/m);
    expect(out).toMatch(/^Namespace:\s+default$/m);
    expect(out).toMatch(/^Ingress Class:\s+<none>$/m);
    expect(out).toMatch(/my-cert terminates foo\.com/);
    expect(out).toMatch(/foo\.com\s*\n\s+\/bar\s+svc1:8080/);
  });

  it('IngressClass: created, parameters defaulted to Cluster, printed NAME CONTROLLER PARAMETERS AGE, controller immutable', async () => {
    const manifest = JSON.stringify({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'external-lb' },
      spec: { controller: 'example.com/ingress-controller', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } },
    });
    expect(await kubectlOk(s.h, ['create', '-f', '-'], manifest)).toContain('ingressclass.networking.k8s.io/external-lb created');
    const o = await getJson(['get', 'ingressclass', 'external-lb']);
    expect(o.spec.parameters.scope).toBe('Cluster');
    expect(o.metadata.namespace).toBeUndefined();
    const t = await rows(['get', 'ingressclass', 'external-lb']);
    expect(t[0]).toEqual(['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE']);
    expect(t[1]!.slice(0, 3)).toEqual(['external-lb', 'example.com/ingress-controller', 'IngressParameters.k8s.example.com/external-lb']);
    const described = await kubectlOk(s.h, ['describe', 'ingressclass', 'external-lb']);
    expect(described).toMatch(/^Controller:\s+example\.com\/ingress-controller$/m);
    expect(described).toMatch(/Kind:\s+IngressParameters/);
    const r = await kubectl(s.h, ['patch', 'ingressclass', 'external-lb', '--type=merge', '-p', '{"spec":{"controller":"example.com/other"}}']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('spec.controller: Invalid value: "example.com/other": field is immutable');
  });

  it('DefaultIngressClass: an Ingress without a class gets the default one (the newest of two); one with the annotation does not', async () => {
    const cls = (name: string) => JSON.stringify({
      apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
      metadata: { name, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: 'k8s.io/ingress-nginx' },
    });
    await kubectlOk(s.h, ['create', '-f', '-'], cls('first-default'));
    await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has second precision
    await kubectlOk(s.h, ['create', '-f', '-'], cls('second-default'));
    // The admission plugin reads the watch cache: wait until it holds the second class.
    let name: string | undefined;
    for (let i = 0; i < 50 && name !== 'second-default'; i++) {
      await kubectlOk(s.h, ['delete', 'ingress', 'defaulted', '--ignore-not-found']);
      await kubectlOk(s.h, ['create', 'ingress', 'defaulted', '--rule=d.example/=svc:80']);
      name = (await getJson(['get', 'ing', 'defaulted'])).spec.ingressClassName;
      if (name !== 'second-default') await new Promise((r) => setTimeout(r, 100));
    }
    expect(name).toBe('second-default');
    await kubectlOk(s.h, ['create', 'ingress', 'annotated', '--rule=e.example/=svc:80', '--annotation=kubernetes.io/ingress.class=traefik']);
    expect((await getJson(['get', 'ing', 'annotated'])).spec.ingressClassName).toBeUndefined();
    await kubectlOk(s.h, ['delete', 'ingressclass', 'first-default', 'second-default']);
  });

  it('the status subresource: a load balancer address shows in ADDRESS; the main resource cannot write status', async () => {
    await kubectlOk(s.h, ['patch', 'ing', 'simple', '--subresource=status', '--type=merge', '-p', '{"status":{"loadBalancer":{"ingress":[{"ip":"192.168.50.10"}]}}}']);
    await kubectlOk(s.h, ['patch', 'ing', 'simple', '--type=merge', '-p', '{"status":{"loadBalancer":{"ingress":[{"ip":"10.9.9.9"}]}},"spec":{"tls":null}}']);
    const o = await getJson(['get', 'ing', 'simple']);
    expect(o.status.loadBalancer.ingress).toEqual([{ ip: '192.168.50.10' }]);
    expect(o.metadata.generation).toBe(2);
    const t = await rows(['get', 'ing', 'simple']);
    expect(t[1]!.slice(0, 5)).toEqual(['simple', '<none>', 'foo.com', '192.168.50.10', '80']);
    const r = await kubectl(s.h, ['patch', 'ing', 'simple', '--subresource=status', '--type=merge', '-p', '{"status":{"loadBalancer":{"ingress":[{"hostname":"10.0.0.1"}]}}}']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('status.loadBalancer.ingress[0].hostname: Invalid value: "10.0.0.1": must be a DNS name, not an IP address');
  });

  it('kubectl explain ingress.spec.rules describes the fields with upstream text', async () => {
    const out = await kubectlOk(s.h, ['explain', 'ingress.spec.rules']);
    expect(out).toContain('GROUP:      networking.k8s.io');
    expect(out).toMatch(/host\s+<string>/);
    expect(out).toMatch(/http\s+<HTTPIngressRuleValue>/);
    expect(await kubectlOk(s.h, ['explain', 'ingress.spec.rules.http.paths.pathType'])).toContain('pathType determines the interpretation of the path matching');
    expect((await kubectlOk(s.h, ['explain', 'ingressclass.spec.controller'])).replace(/\s+/g, ' ')).toContain('domain-prefixed path no more than 250 characters in length');
  });

  it("kubectl apply --prune: an Ingress no longer in the manifests is pruned, with kubectl's default allowlist", async () => {
    const ingress = (name: string) => ({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: { name, namespace: 'default', labels: { app: 'pruned' } },
      spec: { defaultBackend: { service: { name: 'svc', port: { number: 80 } } } },
    });
    const file = join(dir, 'ingresses.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [ingress('keep'), ingress('gone')] }));
    await kubectlOk(s.h, ['apply', '-f', file]);
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [ingress('keep')] }));
    // kubectl 1.32's default allowlist (no --prune-allowlist) names every kind it prunes, ReplicationController too.
    const out = await kubectlOk(s.h, ['apply', '--prune', '-l', 'app=pruned', '-f', file]);
    expect(out).toContain('ingress.networking.k8s.io/keep unchanged');
    expect(out).toContain('ingress.networking.k8s.io/gone pruned');
    const names = (await getJson(['get', 'ing', '-l', 'app=pruned'])).items.map((i: { metadata: { name: string } }) => i.metadata.name);
    expect(names).toEqual(['keep']);
  });
});

describe('Ingress: bad input is a 422 naming the field, with upstream messages', () => {
  it.each([
    ['an invalid host', ['--rule=Foo_bar.com/=svc:80'], 'spec.rules[0].host: Invalid value: "Foo_bar.com": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters'],
    ['an IP host', ['--rule=10.0.0.1/=svc:80'], 'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address'],
    ['port 70000', ['--rule=foo.com/=svc:70000'], 'spec.rules[0].http.paths[0].backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ['a bad wildcard host', ['--rule=foo.*.com/=svc:80'], "spec.rules[0].host: Invalid value: \"foo.*.com\": a wildcard DNS-1123 subdomain must start with '*.'"],
  ])('kubectl create ingress: %s', async (_n, args, message) => {
    const r = await kubectl(s.h, ['create', 'ingress', 'bad', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: failed to create ingress: Ingress.networking.k8s.io "bad" is invalid');
    expect(r.stderr).toContain(message);
  });

  const ing = (spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'bad', namespace: 'default' }, spec });
  const backend = { service: { name: 'svc', port: { number: 80 } } };
  it.each([
    ['a relative path', { rules: [{ host: 'foo.com', http: { paths: [{ path: 'foo', pathType: 'Prefix', backend }] } }] }, ['spec.rules[0].http.paths[0].path: Invalid value: "foo": must be an absolute path']],
    ['no pathType', { rules: [{ http: { paths: [{ path: '/', backend }] } }] }, ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']],
    ['a bad pathType', { rules: [{ http: { paths: [{ path: '/', pathType: 'Regex', backend }] } }] },
      ['spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"']],
    ['neither rules nor a default backend', {}, ['spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified']],
    ['both port name and number', { defaultBackend: { service: { name: 'svc', port: { name: 'http', number: 80 } } } }, ['spec.defaultBackend: Invalid value: "": cannot set both port name & port number']],
    ['service and resource', { defaultBackend: { ...backend, resource: { kind: 'Bucket', name: 'b' } } }, ['spec.defaultBackend: Invalid value: "": cannot set both resource and service backends']],
    ['a class annotation that disagrees', null, ['annotations.kubernetes.io/ingress.class: Invalid value: "foo": must match `ingressClassName` when both are specified']],
  ])('%s', async (_n, spec, messages) => {
    const manifest = spec === null
      ? JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'bad', namespace: 'default', annotations: { 'kubernetes.io/ingress.class': 'foo' } }, spec: { ingressClassName: 'bar', defaultBackend: backend } })
      : ing(spec);
    const r = await kubectl(s.h, ['create', '-f', '-'], { input: manifest });
    expect(r.code).toBe(1);
    for (const m of messages) expect(r.stderr).toContain(m);
  });

  it('an IngressClass with a bad controller and a Namespace-scoped parameters reference without a namespace', async () => {
    const manifest = JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'bad' }, spec: { controller: 'nginx', parameters: { kind: 'K', name: 'n', scope: 'Namespace' } } });
    const r = await kubectl(s.h, ['create', '-f', '-'], { input: manifest });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The IngressClass "bad" is invalid');
    expect(r.stderr).toContain('spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")');
    expect(r.stderr).toContain("spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'");
  });
});
