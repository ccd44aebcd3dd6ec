/** The DefaultIngressClass admission plugin (pure, over a fake watch cache): upstream's defaulting rules. */
import { describe, expect, it } from 'vitest';
import type { AdmissionAttributes, AdmissionState, Operation } from '../../../control-plane/apiserver/admission.js';
import { defaultIngressClass, defaultIngressClassOf } from '../../../control-plane/apiserver/admission-ingress.js';
import type { UserInfo } from '../../../control-plane/apiserver/authn.js';

type Obj = Record<string, any>;
const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const cls = (name: string, created: string, isDefault: string | null = 'true'): Obj => ({
  metadata: { name, creationTimestamp: created, ...(isDefault !== null ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': isDefault } } : {}) },
  spec: { controller: 'k8s.io/ingress-nginx' },
});

function stateOf(classes: Obj[]): AdmissionState {
  return {
    node: () => undefined,
    pod: () => undefined,
    get: () => undefined,
    list: (group, resource) => (group === 'networking.k8s.io' && resource === 'ingressclasses' ? classes : []),
    read: async () => undefined,
    updateStatus: async (_g, _r, obj) => obj,
  };
}

function attrs(obj: Obj, operation: Operation = 'CREATE', subresource = '', resource = 'ingresses'): AdmissionAttributes {
  return { operation, group: 'networking.k8s.io', resource, subresource, namespace: 'default', name: 'web', object: obj, user: admin, dryRun: false };
}
const ingress = (spec: Obj = {}, annotations?: Record<string, string>): Obj => ({
  metadata: { name: 'web', namespace: 'default', ...(annotations ? { annotations } : {}) },
  spec: { defaultBackend: { service: { name: 's', port: { number: 80 } } }, ...spec },
});

describe('DefaultIngressClass', () => {
  const cases: { name: string; classes: Obj[]; obj: Obj; want: string | undefined; subresource?: string }[] = [
    { name: 'no default class: nothing set', classes: [cls('a', '2026-01-01T00:00:00Z', null)], obj: ingress(), want: undefined },
    { name: 'the default class is set', classes: [cls('nginx', '2026-01-01T00:00:00Z'), cls('other', '2026-01-02T00:00:00Z', null)], obj: ingress(), want: 'nginx' },
    { name: 'an annotation other than "true" is no default', classes: [cls('nginx', '2026-01-01T00:00:00Z', 'True')], obj: ingress(), want: undefined },
    { name: 'two defaults: the newest wins', classes: [cls('old', '2026-01-01T00:00:00Z'), cls('new', '2026-01-03T00:00:00Z'), cls('mid', '2026-01-02T00:00:00Z')], obj: ingress(), want: 'new' },
    { name: 'two defaults created together: the first name', classes: [cls('b', '2026-01-01T00:00:00Z'), cls('a', '2026-01-01T00:00:00Z')], obj: ingress(), want: 'a' },
    { name: 'a class named in the spec stays', classes: [cls('nginx', '2026-01-01T00:00:00Z')], obj: ingress({ ingressClassName: 'mine' }), want: 'mine' },
    { name: 'the deprecated annotation: no default', classes: [cls('nginx', '2026-01-01T00:00:00Z')], obj: ingress({}, { 'kubernetes.io/ingress.class': 'traefik' }), want: undefined },
    { name: 'the status subresource is not its business', classes: [cls('nginx', '2026-01-01T00:00:00Z')], obj: ingress(), want: undefined, subresource: 'status' },
  ];
  it.each(cases)('$name', ({ classes, obj, want, subresource }) => {
    expect(defaultIngressClass.admit?.(attrs(obj, 'CREATE', subresource ?? ''), stateOf(classes))).toBeUndefined();
    expect(obj.spec.ingressClassName).toBe(want);
  });

  it('only creates of Ingresses', () => {
    expect(defaultIngressClass.operations).toEqual(['CREATE']);
    const other = { metadata: { name: 'x' }, spec: {} };
    defaultIngressClass.admit?.(attrs(other, 'CREATE', '', 'networkpolicies'), stateOf([cls('nginx', '2026-01-01T00:00:00Z')]));
    expect(other.spec).toEqual({});
  });

  it('defaultIngressClassOf: undefined with no classes', () => {
    expect(defaultIngressClassOf([])).toBeUndefined();
  });
});
