/** The guards the API server's generic code reads objects through: top-level shape, kind views. */
import { describe, expect, it } from 'vitest';
import { asKind, isApiObject, isKind, malformedTypeMeta } from '../../../control-plane/apiserver/object-views.js';
import { KubeError } from '../../../api/errors.js';

describe('malformedTypeMeta / isApiObject', () => {
  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['a typical object', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} }, undefined],
    ['no type meta, no metadata', { spec: { replicas: 1 } }, undefined],
    ['empty', {}, undefined],
    ['apiVersion a number', { apiVersion: 1, kind: 'Pod' }, 'apiVersion is not a string'],
    ['kind null', { apiVersion: 'v1', kind: null }, 'kind is not a string'],
    ['kind an object', { kind: {} }, 'kind is not a string'],
    ['metadata a string', { metadata: 'x' }, 'metadata is not an object'],
    ['metadata a list', { metadata: [] }, 'metadata is not an object'],
    ['metadata null', { metadata: null }, 'metadata is not an object'],
  ])('%s', (_name, v, want) => {
    expect(malformedTypeMeta(v)).toBe(want);
    expect(isApiObject(v)).toBe(want === undefined);
  });
});

describe('isKind / asKind', () => {
  it.each<[string, Record<string, unknown>, 'Pod' | 'Eviction' | 'Deployment', boolean]>([
    ['a Pod', { apiVersion: 'v1', kind: 'Pod' }, 'Pod', true],
    ['a Pod is no Deployment', { apiVersion: 'v1', kind: 'Pod' }, 'Deployment', false],
    ['the kind of another group', { apiVersion: 'example.com/v1', kind: 'Pod' }, 'Pod', false],
    ['no apiVersion', { kind: 'Pod' }, 'Pod', false],
    ['no kind', { apiVersion: 'v1' }, 'Pod', false],
    ['a policy/v1 Eviction', { apiVersion: 'policy/v1', kind: 'Eviction' }, 'Eviction', true],
    ['a policy/v1beta1 Eviction (the handler reads it as v1)', { apiVersion: 'policy/v1beta1', kind: 'Eviction' }, 'Eviction', false],
    ['an apps/v1 Deployment', { apiVersion: 'apps/v1', kind: 'Deployment' }, 'Deployment', true],
  ])('%s', (_name, obj, kind, want) => {
    expect(isKind(obj, kind)).toBe(want);
    if (want) expect(asKind(obj, kind)).toBe(obj);
    else expect(() => asKind(obj, kind)).toThrow(KubeError);
  });

  it('asKind of another kind is a 500 naming both', () => {
    let err: unknown;
    try {
      asKind({ apiVersion: 'v1', kind: 'ConfigMap' }, 'Service');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KubeError);
    expect((err as KubeError).httpStatus).toBe(500);
    expect((err as KubeError).message).toContain('expected v1 Service, got v1 ConfigMap');
  });

  it('a view reads the kind\'s fields', () => {
    const svc: Record<string, unknown> = { apiVersion: 'v1', kind: 'Service', spec: { ports: [{ port: 80, nodePort: 30080 }] } };
    if (!isKind(svc, 'Service')) throw new Error('not a Service');
    expect(svc.spec?.ports?.[0]?.nodePort).toBe(30080);
  });
});
