import { describe, expect, it } from 'vitest';
import { applyMergePatch } from '../../../api/patch/merge-patch.js';
import { KubeError } from '../../../api/errors.js';

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

describe('JSON merge patch (RFC 7386)', () => {
  // The RFC 7386 appendix examples, plus Kubernetes-shaped ones.
  const cases: { name: string; doc: unknown; patch: unknown; want: unknown }[] = [
    { name: 'rfc: replace a value', doc: { a: 'b' }, patch: { a: 'c' }, want: { a: 'c' } },
    { name: 'rfc: add a value', doc: { a: 'b' }, patch: { b: 'c' }, want: { a: 'b', b: 'c' } },
    { name: 'rfc: null removes', doc: { a: 'b' }, patch: { a: null }, want: {} },
    { name: 'rfc: null removes one of two', doc: { a: 'b', b: 'c' }, patch: { a: null }, want: { b: 'c' } },
    { name: 'rfc: array replaces', doc: { a: ['b'] }, patch: { a: 'c' }, want: { a: 'c' } },
    { name: 'rfc: value replaces array', doc: { a: 'c' }, patch: { a: ['b'] }, want: { a: ['b'] } },
    { name: 'rfc: nested merge with delete', doc: { a: { b: 'c' } }, patch: { a: { b: 'd', c: null } }, want: { a: { b: 'd' } } },
    { name: 'rfc: array of objects replaces', doc: { a: [{ b: 'c' }] }, patch: { a: [1] }, want: { a: [1] } },
    { name: 'rfc: object into a scalar, nulls pruned', doc: { e: null }, patch: { a: 1 }, want: { e: null, a: 1 } },
    { name: 'rfc: nested new object, nulls pruned', doc: {}, patch: { a: { bb: { ccc: null } } }, want: { a: { bb: {} } } },
    { name: 'rfc: object replaces a string', doc: { a: 'foo' }, patch: { a: { b: 'c' } }, want: { a: { b: 'c' } } },
    { name: 'null for a missing key', doc: { a: 1 }, patch: { b: null }, want: { a: 1 } },
    { name: 'nulls inside objects in a new array are pruned (evanphx)', doc: {}, patch: { a: [{ b: null, c: 1 }, null] }, want: { a: [{ c: 1 }, null] } },
    {
      name: 'kubectl patch --type merge replaces the containers list',
      doc: { spec: { template: { spec: { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'redis' }] } } } },
      patch: { spec: { template: { spec: { containers: [{ name: 'a', image: 'nginx:2' }] } } } },
      want: { spec: { template: { spec: { containers: [{ name: 'a', image: 'nginx:2' }] } } } },
    },
    { name: 'scale via merge patch', doc: { spec: { replicas: 1, selector: { matchLabels: { a: 'b' } } } }, patch: { spec: { replicas: 5 } }, want: { spec: { replicas: 5, selector: { matchLabels: { a: 'b' } } } } },
    { name: 'remove a label', doc: { metadata: { labels: { a: '1', b: '2' } } }, patch: { metadata: { labels: { a: null } } }, want: { metadata: { labels: { b: '2' } } } },
    { name: 'an array patch replaces the document', doc: { a: 1 }, patch: [1, 2], want: [1, 2] },
    { name: 'an empty patch', doc: { a: { b: 1 } }, patch: {}, want: { a: { b: 1 } } },
  ];
  it.each(cases)('$name', ({ doc, patch, want }) => {
    expect(applyMergePatch(deepFreeze(structuredClone(doc)), deepFreeze(structuredClone(patch)))).toEqual(want);
  });

  it.each([[null], ['x'], [1], [true]])('a %j patch is 400 Invalid JSON Patch', (patch) => {
    try {
      applyMergePatch({ a: 1 }, patch);
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(KubeError);
      expect((e as KubeError).httpStatus).toBe(400);
      expect((e as KubeError).message).toBe('Invalid JSON Patch');
    }
  });

  it('does not share structure with its inputs', () => {
    const patch = { a: { b: [1] } };
    const out = applyMergePatch({}, patch) as { a: { b: number[] } };
    out.a.b.push(2);
    expect(patch.a.b).toEqual([1]);
  });
});

describe('JSON merge patch: hostile keys', () => {
  it('a "__proto__" key stays data', () => {
    const out = applyMergePatch({ a: 1 }, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"a":1,"__proto__":{"polluted":true}}');
  });
});
