import { describe, expect, it } from 'vitest';
import { clone, deepEqual, isPlainObject, setOwnProperty, stableStringify } from '../../../api/values.js';

describe('deepEqual', () => {
  const cases: [string, unknown, unknown, boolean][] = [
    ['same scalar', 1, 1, true],
    ['different scalars', 1, 2, false],
    ['number vs string', 1, '1', false],
    ['null vs null', null, null, true],
    ['null vs object', null, {}, false],
    ['object vs null', {}, null, false],
    ['null vs undefined', null, undefined, false],
    ['key order does not matter', { a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    ['an undefined key equals an absent one', { a: 1, b: undefined }, { a: 1 }, true],
    ['an absent key equals an undefined one', { a: 1 }, { a: 1, b: undefined }, true],
    ['an extra key', { a: 1 }, { a: 1, b: 2 }, false],
    ['a missing key', { a: 1, b: 2 }, { a: 1 }, false],
    ['same count, different keys', { a: 1, b: undefined }, { c: 1 }, false],
    ['null key vs absent key', { a: null }, {}, false],
    ['array order matters', [1, 2], [2, 1], false],
    ['array lengths', [1], [1, 1], false],
    ['array vs object with index keys', [1], { 0: 1 }, false],
    ['empty array vs empty object', [], {}, false],
    ['nested difference', { a: { b: { c: [1, 2, 3] } } }, { a: { b: { c: [1, 2, 4] } } }, false],
  ];
  it.each(cases)('%s', (_name, a, b, want) => {
    expect(deepEqual(a, b)).toBe(want);
    expect(deepEqual(b, a)).toBe(want);
  });
});

describe('stableStringify', () => {
  it.each([
    [{ b: 1, a: [true, null, 'x'] }, '{"a":[true,null,"x"],"b":1}'],
    [{ a: undefined, b: { d: 1, c: 2 } }, '{"b":{"c":2,"d":1}}'],
    [undefined, 'null'],
    ['é"', '"é\\""'],
  ])('%j -> %s', (v, want) => {
    expect(stableStringify(v)).toBe(want);
  });
});

describe('clone', () => {
  it('copies deeply and keeps undefined', () => {
    const v = { a: [{ b: 1 }], c: 'x' };
    const c = clone(v);
    expect(c).toEqual(v);
    c.a[0]!.b = 2;
    expect(v.a[0]!.b).toBe(1);
    expect(clone(undefined)).toBeUndefined();
  });
});

describe('isPlainObject', () => {
  it.each([
    ['an object', { a: 1 }, true],
    ['an empty object', {}, true],
    ['an object without a prototype', Object.create(null) as object, true],
    ['null', null, false],
    ['undefined', undefined, false],
    ['an array', [1], false],
    ['a string', 'x', false],
    ['a number', 1, false],
  ])('%s -> %s', (_name, v, want) => {
    expect(isPlainObject(v)).toBe(want);
  });
});

describe('setOwnProperty (keys from user input)', () => {
  it.each([
    ['an ordinary key', 'a'],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
  ])('%s becomes an own, enumerable key and the prototype is untouched', (_name, key) => {
    const o: Record<string, unknown> = {};
    setOwnProperty(o, key, { polluted: true });
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o)).toEqual([key]);
    expect(Object.getOwnPropertyDescriptor(o, key)?.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.stringify(o)).toBe(JSON.stringify(JSON.parse(`{${JSON.stringify(key)}:{"polluted":true}}`)));
  });
  it('a plain assignment of __proto__ would have replaced the prototype (what it guards against)', () => {
    const o: Record<string, unknown> = {};
    o['__proto__'] = { polluted: true };
    expect(Object.keys(o)).toEqual([]);
    expect(o['polluted']).toBe(true);
  });
  it('overwrites an existing __proto__ own key', () => {
    const o: Record<string, unknown> = {};
    setOwnProperty(o, '__proto__', 1);
    setOwnProperty(o, '__proto__', 2);
    expect(Object.getOwnPropertyDescriptor(o, '__proto__')?.value).toBe(2);
  });
});
