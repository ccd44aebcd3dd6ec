/** networking.k8s.io/v1 Ingress and IngressClass: upstream's validation messages (cases from validation_test.go), strategy and printers. */
import { describe, expect, it } from 'vitest';
import {
  defaultIngress,
  defaultIngressClass,
  isWildcardDNS1123Subdomain,
  prepareForCreateIngress,
  prepareForStatusUpdateIngress,
  prepareForUpdateIngress,
  validateHTTPIngressPath,
  validateIngress,
  validateIngressClass,
  validateIngressClassUpdate,
  validateIngressStatusUpdate,
  validateIngressUpdate,
} from '../../../api/strategies/ingress.js';
import { formatIngressHosts, ingressAddresses, ingressCells, ingressClassCells, ingressClassColumns, ingressColumns } from '../../../api/strategies/printers.js';
import type { Ingress, IngressClass, Relaxed } from '../../../api/types/index.js';

type Ing = Relaxed<Ingress>;
type Obj = Record<string, unknown>;
const messages = (causes: { field?: string; message?: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);
const svc = { service: { name: 'defaultbackend', port: { number: 80 } } };
const ing = (spec: Obj, annotations?: Record<string, string>): Ing => ({
  metadata: { name: 'test123', namespace: 'test123', resourceVersion: '1234', ...(annotations ? { annotations } : {}) },
  spec: { defaultBackend: svc, ...spec } as Ing['spec'],
});
const rule = (host: string, path: string, pathType: string | undefined = 'Exact', backend: Obj = svc): Obj => ({
  host,
  http: { paths: [{ path, ...(pathType !== undefined ? { pathType } : {}), backend }] },
});
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const WILDCARD_MSG =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('HTTPIngressPath validation (TestValidateIngressRuleValue)', () => {
  const p = 'testing.http.paths[0]';
  it.each([
    ['ImplementationSpecific', 'foo', ['path: Invalid value: "foo": must be an absolute path']],
    ['ImplementationSpecific', '/foo', []],
    ['ImplementationSpecific', '/foo//bar/foo', []],
    ['ImplementationSpecific', '', []],
    ['ImplementationSpecific', '/([a-z0-9]*)[', []],
    ['Prefix', 'foo', ['path: Invalid value: "foo": must be an absolute path']],
    ['Prefix', '/foo/bar/foo', []],
    ['Prefix', '/foo//bar/foo', ['path: Invalid value: "/foo//bar/foo": must not contain \'//\'']],
    ['Exact', 'foo', ['path: Invalid value: "foo": must be an absolute path']],
    ['Exact', '', ['path: Invalid value: "": must be an absolute path']],
    ['Exact', '/foo//bar/foo', ['path: Invalid value: "/foo//bar/foo": must not contain \'//\'']],
    ['Prefix', '/foo/./foo', ['path: Invalid value: "/foo/./foo": must not contain \'/./\'']],
    ['Exact', '/foo/../foo', ['path: Invalid value: "/foo/../foo": must not contain \'/../\'']],
    ['Prefix', '/foo/%2f/foo', ['path: Invalid value: "/foo/%2f/foo": must not contain \'%2f\'']],
    ['Exact', '/foo/%2F/foo', ['path: Invalid value: "/foo/%2F/foo": must not contain \'%2F\'']],
    ['Prefix', '/foo/..', ['path: Invalid value: "/foo/..": cannot end with \'/..\'']],
    ['Exact', '/foo/.', ['path: Invalid value: "/foo/.": cannot end with \'/.\'']],
  ] as const)('%s %j', (pathType, path, want) => {
    expect(messages(validateHTTPIngressPath({ path, pathType, backend: svc }, p))).toEqual(want.map((w) => `${p}.${w}`));
  });

  it('pathType is required, and one of the three', () => {
    expect(messages(validateHTTPIngressPath({ path: '/', backend: svc }, p))).toEqual([`${p}.pathType: Required value: pathType must be specified`]);
    expect(messages(validateHTTPIngressPath({ path: '/', pathType: 'Regex', backend: svc }, p))).toEqual([
      `${p}.pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"`,
    ]);
  });
});

describe('Ingress validation (TestValidateIngressCreate and the backend rules)', () => {
  it.each<[string, Ing, string[]]>([
    ['a default backend alone', ing({}), []],
    ['class field set', ing({ ingressClassName: 'bar' }), []],
    ['class annotation set', ing({}, { 'kubernetes.io/ingress.class': 'foo' }), []],
    ['class field and annotation with the same value', ing({ ingressClassName: 'foo' }, { 'kubernetes.io/ingress.class': 'foo' }), []],
    [
      'class field and annotation with different values',
      ing({ ingressClassName: 'bar' }, { 'kubernetes.io/ingress.class': 'foo' }),
      ['annotations.kubernetes.io/ingress.class: Invalid value: "foo": must match `ingressClassName` when both are specified'],
    ],
    ['an invalid class name', ing({ ingressClassName: 'Bar' }), [`spec.ingressClassName: Invalid value: "Bar": ${SUBDOMAIN_MSG}`]],
    ['a regex path (ImplementationSpecific)', ing({ rules: [rule('foo.bar.com', '/([a-z0-9]*)', 'ImplementationSpecific')] }), []],
    ['a resource backend', ing({ defaultBackend: { resource: { apiGroup: 'example.com', kind: 'foo', name: 'bar' } } }), []],
    ['a valid secret', ing({ tls: [{ secretName: 'valid' }] }), []],
    ['an invalid secret', ing({ tls: [{ secretName: 'invalid name' }] }), [`spec.tls[0].secretName: Invalid value: "invalid name": ${SUBDOMAIN_MSG}`]],
    ['wildcard hosts in rules and tls', ing({ tls: [{ hosts: ['*.bar.com'] }], rules: [rule('*.foo.com', '/foo')] }), []],
    ['a wildcard host with a relative path', ing({ tls: [{ hosts: ['*.bar.com'] }], rules: [rule('*.foo.com', 'foo')] }), ['spec.rules[0].http.paths[0].path: Invalid value: "foo": must be an absolute path']],
    ['a wildcard in the middle', ing({ rules: [rule('foo.*.bar.com', '/')] }), [`spec.rules[0].host: Invalid value: "foo.*.bar.com": ${WILDCARD_MSG}`]],
    ['two wildcards', ing({ rules: [rule('*.*.bar.com', '/')] }), [`spec.rules[0].host: Invalid value: "*.*.bar.com": ${WILDCARD_MSG}`]],
    ['a bare wildcard', ing({ tls: [{ hosts: ['*'] }] }), [`spec.tls[0].hosts[0]: Invalid value: "*": ${WILDCARD_MSG}`]],
    ['an upper-case host', ing({ rules: [rule('Foo.com', '/')] }), [`spec.rules[0].host: Invalid value: "Foo.com": ${SUBDOMAIN_MSG}`]],
    ['an IP host', ing({ rules: [rule('127.0.0.1', '/')] }), ['spec.rules[0].host: Invalid value: "127.0.0.1": must be a DNS name, not an IP address']],
    ['neither rules nor a default backend', { metadata: { name: 'x', namespace: 'd' }, spec: {} }, ['spec: Invalid value: null: either `defaultBackend` or `rules` must be specified']],
    ['empty rules, no default backend', { metadata: { name: 'x', namespace: 'd' }, spec: { rules: [] } }, ['spec: Invalid value: []: either `defaultBackend` or `rules` must be specified']],
    ['a host rule without http', ing({ rules: [{ host: 'foo.com' }] }), []],
    ['an http rule without paths', ing({ rules: [{ host: 'foo.com', http: { paths: [] } }] }), ['spec.rules[0].http.paths: Required value']],
    [
      'service and resource backends together',
      ing({ defaultBackend: { ...svc, resource: { apiGroup: 'example.com', kind: 'foo', name: 'bar' } } }),
      ['spec.defaultBackend: Invalid value: "": cannot set both resource and service backends'],
    ],
    ['no backend at all', ing({ defaultBackend: {} }), ['spec.defaultBackend: Invalid value: "": resource or service backend is required']],
    ['a service without a name', ing({ defaultBackend: { service: { port: { number: 80 } } } }), ['spec.defaultBackend.service.name: Required value']],
    [
      'a service name that is no DNS-1035 label',
      ing({ defaultBackend: { service: { name: '1abc', port: { number: 80 } } } }),
      ["spec.defaultBackend.service.name: Invalid value: \"1abc\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"],
    ],
    ['port name and number', ing({ defaultBackend: { service: { name: 'a', port: { name: 'http', number: 80 } } } }), ['spec.defaultBackend: Invalid value: "": cannot set both port name & port number']],
    ['neither port name nor number', ing({ defaultBackend: { service: { name: 'a', port: {} } } }), ['spec.defaultBackend: Required value: port name or number is required']],
    ['port 70000', ing({ defaultBackend: { service: { name: 'a', port: { number: 70000 } } } }), ['spec.defaultBackend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['a bad port name', ing({ defaultBackend: { service: { name: 'a', port: { name: 'web_1' } } } }), ['spec.defaultBackend.service.port.name: Invalid value: "web_1": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']],
    [
      'a resource backend without kind and name',
      ing({ defaultBackend: { resource: { apiGroup: 'Example' } } }),
      [`spec.defaultBackend.resource.apiGroup: Invalid value: "Example": ${SUBDOMAIN_MSG}`, 'spec.defaultBackend.resource.kind: Required value', 'spec.defaultBackend.resource.name: Required value'],
    ],
    ['a resource name with a slash', ing({ defaultBackend: { resource: { kind: 'foo', name: 'a/b' } } }), ["spec.defaultBackend.resource.name: Invalid value: \"a/b\": may not contain '/'"]],
  ])('%s', (_n, obj, want) => {
    expect(messages(validateIngress(obj))).toEqual(want);
  });

  it('an update may keep an invalid secret name the stored object has, and skips the annotation check', () => {
    const old = ing({ tls: [{ secretName: 'invalid name' }] });
    expect(validateIngressUpdate(ing({ tls: [{ secretName: 'other bad' }] }), old)).toEqual([]);
    expect(messages(validateIngressUpdate(ing({ tls: [{ secretName: 'other bad' }] }), ing({})))).toEqual([`spec.tls[0].secretName: Invalid value: "other bad": ${SUBDOMAIN_MSG}`]);
    expect(validateIngressUpdate(ing({ ingressClassName: 'bar' }, { 'kubernetes.io/ingress.class': 'foo' }), ing({}))).toEqual([]);
  });

  it('an update may keep invalid rules under a wildcard host the stored object had', () => {
    const bad = ing({ rules: [rule('*.foo.com', 'foo')] });
    expect(validateIngressUpdate(bad, bad)).toEqual([]);
    expect(validateIngressUpdate(bad, ing({})).length).toBe(1);
  });

  it.each<[string, Obj, string[]]>([
    ['an ip and a hostname', { ingress: [{ ip: '10.0.0.1' }, { hostname: 'lb.example.com' }] }, []],
    ['a bad ip', { ingress: [{ ip: 'not-an-ip' }] }, ['status.loadBalancer.ingress[0].ip: Invalid value: "not-an-ip": must be a valid IP address']],
    ['an IP as hostname', { ingress: [{ hostname: '10.0.0.1' }] }, ['status.loadBalancer.ingress[0].hostname: Invalid value: "10.0.0.1": must be a DNS name, not an IP address']],
    ['a bad hostname', { ingress: [{ hostname: 'Foo_' }] }, [`status.loadBalancer.ingress[0].hostname: Invalid value: "Foo_": ${SUBDOMAIN_MSG}`]],
    ['ports are not checked', { ingress: [{ ip: '10.0.0.1', ports: [{ port: 0, protocol: 'bogus' }] }] }, []],
  ])('status: %s', (_n, loadBalancer, want) => {
    const old = ing({});
    expect(messages(validateIngressStatusUpdate({ ...old, status: { loadBalancer } }, old))).toEqual(want);
  });
});

describe('Ingress strategy', () => {
  it('create: status starts as Go writes it, generation 1; a service backend gets its port struct', () => {
    const o: Ing = { metadata: { name: 'a' }, spec: { defaultBackend: { service: { name: 's' } } }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } };
    defaultIngress(o);
    prepareForCreateIngress(o);
    expect(o.status).toEqual({ loadBalancer: {} });
    expect(o.metadata?.generation).toBe(1);
    expect(o.spec?.defaultBackend?.service?.port).toEqual({});
  });

  it('update keeps the status and moves the generation on a spec change; a status update keeps the spec', () => {
    const old: Ing = { metadata: { name: 'a', generation: 1 }, spec: { ingressClassName: 'a' }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } };
    const upd: Ing = { metadata: { name: 'a', generation: 1 }, spec: { ingressClassName: 'b' }, status: {} };
    prepareForUpdateIngress(upd, old);
    expect(upd.status).toEqual(old.status);
    expect(upd.metadata?.generation).toBe(2);
    const st: Ing = { metadata: { name: 'a' }, spec: { ingressClassName: 'zzz' }, status: { loadBalancer: { ingress: [{ hostname: 'x.y' }] } } };
    prepareForStatusUpdateIngress(st, old);
    expect(st.spec).toEqual(old.spec);
    expect(st.status).toEqual({ loadBalancer: { ingress: [{ hostname: 'x.y' }] } });
  });
});

describe('IngressClass', () => {
  const ic = (spec: Obj, name = 'nginx'): Relaxed<IngressClass> => ({ metadata: { name, resourceVersion: '7' }, spec: spec as Relaxed<IngressClass>['spec'] });

  it('defaults a parameters scope to Cluster', () => {
    const o = ic({ controller: 'k8s.io/ingress-nginx', parameters: { kind: 'K', name: 'n' } });
    defaultIngressClass(o);
    expect(o.spec?.parameters?.scope).toBe('Cluster');
  });

  it.each<[string, Obj, string[]]>([
    ['a controller', { controller: 'k8s.io/ingress-nginx' }, []],
    ['no controller', {}, ['spec.controller: Required value']],
    ['a controller without a path', { controller: 'foo.co' }, ['spec.controller: Invalid value: "foo.co": must be a domain-prefixed path (such as "acme.io/foo")']],
    ['a controller with an empty path', { controller: 'foo.co/' }, ['spec.controller: Invalid value: "foo.co/": must be a domain-prefixed path (such as "acme.io/foo")']],
    ['a controller host that is no subdomain', { controller: 'Foo.co/x' }, [`spec.controller: Invalid value: "Foo.co": ${SUBDOMAIN_MSG}`]],
    ['a controller path with bad characters', { controller: 'foo.co/a b' }, ["spec.controller: Invalid value: \"a b\": Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"]],
    ['a controller over 250 bytes', { controller: 'foo.co/' + 'a'.repeat(250) }, ['spec.controller: Too long: may not be more than 250 bytes']],
    ['parameters, Cluster scope', { controller: 'a.io/b', parameters: { apiGroup: 'example.com', kind: 'foo', name: 'bar', scope: 'Cluster' } }, []],
    ['parameters, Namespace scope', { controller: 'a.io/b', parameters: { kind: 'foo', name: 'bar', scope: 'Namespace', namespace: 'ns' } }, []],
    [
      'parameters without kind, name, scope',
      { controller: 'a.io/b', parameters: { apiGroup: 'example.com' } },
      ['spec.parameters.kind: Required value', 'spec.parameters.name: Required value', 'spec.parameters.scope: Required value'],
    ],
    ['Namespace scope without a namespace', { controller: 'a.io/b', parameters: { kind: 'foo', name: 'bar', scope: 'Namespace' } }, ["spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"]],
    ['Cluster scope with a namespace', { controller: 'a.io/b', parameters: { kind: 'foo', name: 'bar', scope: 'Cluster', namespace: 'ns' } }, ["spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'"]],
    ['an unknown scope', { controller: 'a.io/b', parameters: { kind: 'foo', name: 'bar', scope: 'Global' } }, ['spec.parameters.scope: Unsupported value: "Global": supported values: "Cluster", "Namespace"']],
    [
      'a bad namespace',
      { controller: 'a.io/b', parameters: { kind: 'foo', name: 'bar', scope: 'Namespace', namespace: 'a.b' } },
      ['spec.parameters.namespace: Invalid value: "a.b": must not contain dots'],
    ],
  ])('%s', (_n, spec, want) => {
    expect(messages(validateIngressClass(ic(spec)))).toEqual(want);
  });

  it('the controller is immutable', () => {
    expect(messages(validateIngressClassUpdate(ic({ controller: 'a.io/new' }), ic({ controller: 'a.io/old' })))).toEqual(['spec.controller: Invalid value: "a.io/new": field is immutable']);
    expect(validateIngressClassUpdate(ic({ controller: 'a.io/b', parameters: { kind: 'k', name: 'n', scope: 'Cluster' } }), ic({ controller: 'a.io/b' }))).toEqual([]);
  });
});

describe('IsWildcardDNS1123Subdomain', () => {
  it.each(['*.bar.com', '*.foo.bar.com', '*.a'])('%s is valid', (h) => expect(isWildcardDNS1123Subdomain(h)).toEqual([]));
  it.each(['*.*.bar.com', '*.foo.*.com', '*bar.com', 'f*.bar.com', '*'])('%s is not', (h) => expect(isWildcardDNS1123Subdomain(h)).toEqual([WILDCARD_MSG]));
});

describe('printers (printIngress, printIngressClass)', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  it('columns as upstream', () => {
    expect(ingressColumns.map((c) => c.name)).toEqual(['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
    expect(ingressClassColumns.map((c) => c.name)).toEqual(['Name', 'Controller', 'Parameters', 'Age']);
  });

  it('hosts: the first three, then "+ N more..."; "*" without hosts', () => {
    expect(formatIngressHosts([])).toBe('*');
    expect(formatIngressHosts([{}, { host: '' }])).toBe('*');
    expect(formatIngressHosts([{ host: 'a' }, { host: 'b' }, { host: 'c' }])).toBe('a,b,c');
    expect(formatIngressHosts([{ host: 'a' }, { host: 'b' }, { host: 'c' }, { host: 'd' }, { host: 'e' }])).toBe('a,b,c + 2 more...');
  });

  it('addresses: IPs or hostnames, sorted, cut past 16 characters unless wide', () => {
    const lb = { ingress: [{ ip: '10.0.0.2' }, { hostname: 'lb.example.com' }, { ip: '10.0.0.1' }] };
    expect(ingressAddresses(lb, true)).toBe('10.0.0.1,10.0.0.2,lb.example.com');
    expect(ingressAddresses(lb, false)).toBe('10.0.0.1,10.0...');
    expect(ingressAddresses(undefined, true)).toBe('');
  });

  it('a row: class <none>, ports 80 or "80, 443"', () => {
    const meta = { name: 'web', creationTimestamp: '2026-01-01T00:00:00Z' };
    expect(ingressCells({ metadata: meta, spec: { rules: [{ host: 'foo.com' }] } }, now)).toEqual(['web', '<none>', 'foo.com', '', '80', '10m']);
    expect(ingressCells({ metadata: meta, spec: { ingressClassName: 'nginx', tls: [{ hosts: ['foo.com'] }] }, status: { loadBalancer: { ingress: [{ ip: '192.168.50.10' }] } } }, now)).toEqual([
      'web', 'nginx', '*', '192.168.50.10', '80, 443', '10m',
    ]);
    expect(ingressClassCells({ metadata: meta, spec: { controller: 'k8s.io/ingress-nginx' } }, now)).toEqual(['web', 'k8s.io/ingress-nginx', '<none>', '10m']);
    expect(ingressClassCells({ metadata: meta, spec: { controller: 'a.io/b', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } } }, now)).toEqual([
      'web', 'a.io/b', 'IngressParameters.k8s.example.com/external-lb', '10m',
    ]);
    expect(ingressClassCells({ metadata: meta, spec: { controller: 'a.io/b', parameters: { kind: 'ConfigMap', name: 'cm' } } }, now)[2]).toBe('ConfigMap/cm');
  });
});
