import { describe, expect, it } from 'vitest';
import {
  cannotUnmarshalNumber, firstNonFiniteNumber, fitsFloat, fitsInt, floatFormatOf, goNumberText, goTypeName, intFormatOf,
} from '../../../api/schema/json-numbers.js';
import { DEFINITIONS, X_INT_OR_STRING } from '../../../api/types/base.js';
import '../../../api/types/registry.js';

describe('fitsInt: what strconv.ParseInt + OverflowInt accept', () => {
  it.each([
    [0, 'int32', true], [2 ** 31 - 1, 'int32', true], [-(2 ** 31), 'int32', true],
    [2 ** 31, 'int32', false], [-(2 ** 31) - 1, 'int32', false], [1.5, 'int32', false], [1e30, 'int32', false],
    [2 ** 31, 'int64', true], [2 ** 53 + 2, 'int64', true], [2 ** 63 - 1024, 'int64', true], [-(2 ** 63), 'int64', true],
    [2 ** 63, 'int64', false], [-(2 ** 63) - 2048, 'int64', false], [1e30, 'int64', false], [-0.5, 'int64', false],
    [NaN, 'int64', false], [Infinity, 'int64', false], [-Infinity, 'int32', false],
  ] as const)('%s as %s -> %s', (v, format, ok) => {
    expect(fitsInt(v, format)).toBe(ok);
  });
});

describe('fitsFloat', () => {
  it.each([
    [1.5, 'double', true], [1e300, 'double', true], [Infinity, 'double', false], [NaN, 'double', false],
    [3e38, 'float', true], [1e39, 'float', false], [-1e39, 'float', false],
  ] as const)('%s as %s -> %s', (v, format, ok) => {
    expect(fitsFloat(v, format)).toBe(ok);
  });
});

describe('formats and Go type names', () => {
  it.each([
    ['int32', 'int32'], ['int64', 'int64'], [undefined, 'int64'], ['bogus', 'int64'],
  ])('integer format %s -> %s', (f, want) => expect(goTypeName(intFormatOf(f))).toBe(want));
  it.each([
    ['double', 'float64'], ['float', 'float32'], [undefined, 'float64'],
  ])('number format %s -> %s', (f, want) => expect(goTypeName(floatFormatOf(f))).toBe(want));
});

describe('goNumberText: Go float formatting, as kubectl writes numbers', () => {
  it.each([
    [1e30, '1e+30'], [2147483648, '2147483648'], [1.5, '1.5'], [-2147483649, '-2147483649'], [1e-7, '1e-7'],
    [1e20, '100000000000000000000'], [1e21, '1e+21'], [2 ** 63, '9223372036854776000'],
    [NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'],
  ])('%s -> %s', (v, text) => expect(goNumberText(v)).toBe(text));
});

describe('cannotUnmarshalNumber: encoding/json UnmarshalTypeError text', () => {
  it.each([
    [1e30, 'int32', { struct: 'DeploymentSpec', path: 'spec.replicas' }, 'json: cannot unmarshal number 1e+30 into Go struct field DeploymentSpec.spec.replicas of type int32'],
    [1.5, 'int32', {}, 'json: cannot unmarshal number 1.5 into Go value of type int32'],
    [Infinity, 'float64', { path: 'x' }, 'json: cannot unmarshal number +Inf into Go struct field .x of type float64'],
  ])('%s into %s', (v, t, at, want) => expect(cannotUnmarshalNumber(v, t, at)).toBe(want));
});

describe('firstNonFiniteNumber', () => {
  it.each([
    [{ a: 1, b: [1, 2, { c: 'x' }] }, undefined],
    [{ a: 1, b: [1, NaN] }, { path: 'b[1]', value: NaN }],
    [{ a: { b: -Infinity } }, { path: 'a.b', value: -Infinity }],
    [Infinity, { path: '', value: Infinity }],
    [null, undefined],
  ])('%j -> %j', (v, want) => expect(firstNonFiniteNumber(v)).toEqual(want));
});

describe('the schemas say which Go integer each field is', () => {
  it('every integer in api/types carries format int32 or int64 (the decoder checks the range from it)', () => {
    const missing: string[] = [];
    // A recursive definition (JSONSchemaProps holds JSONSchemaProps) is a cyclic object graph: each node once.
    const seen = new Set<object>();
    const walk = (v: unknown, path: string): void => {
      if (!v || typeof v !== 'object' || seen.has(v)) return;
      seen.add(v);
      const o = v as Record<string, unknown>;
      if (o[X_INT_OR_STRING] === true) return; // its number is an int32 by definition
      if (o.type === 'integer' && o.format !== 'int32' && o.format !== 'int64') missing.push(path);
      for (const [k, x] of Object.entries(o)) walk(x, `${path}.${k}`);
    };
    for (const [name, s] of DEFINITIONS) walk(s, name);
    expect(missing).toEqual([]);
  });
});
