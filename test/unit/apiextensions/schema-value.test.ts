/** Custom objects against a CRD's structural schema: pruning, defaulting and OpenAPI v3 value validation, as upstream. */
import { describe, expect, it } from 'vitest';
import { defaultObject, pruneObject, validateObjectValue, validateValue } from '../../../api/apiextensions/schema-value.js';
import type { JSONSchemaProps } from '../../../api/types/apiextensions.js';

const SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'integer', minimum: 1, maximum: 10, default: 3 },
        ratio: { type: 'number', exclusiveMinimum: true, minimum: 0, multipleOf: 0.5 },
        name: { type: 'string', minLength: 2, maxLength: 5, pattern: '^[a-z]+$' },
        mode: { type: 'string', enum: ['a', 'b'] },
        port: { 'x-kubernetes-int-or-string': true },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 2, minItems: 1, 'x-kubernetes-list-type': 'set' },
        labels: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 2 },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        half: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { x: { type: 'string' } } } } },
        nested: { type: 'object', default: {}, properties: { inner: { type: 'string', default: 'dflt' } } },
        nullable: { type: 'string', nullable: true },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer', default: 80 } } },
        },
        embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } } },
      },
    },
  },
};

describe('pruneObject', () => {
  it.each([
    ['unknown top-level and nested fields', { spec: { size: 1, foo: 1 }, bar: 2 }, { spec: { size: 1 } }, ['spec.foo', 'bar']],
    ['apiVersion, kind and metadata stay at the root', { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, spec: {} }, { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, spec: {} }, []],
    ['preserve-unknown-fields keeps anything', { spec: { free: { a: { b: [1] } } } }, { spec: { free: { a: { b: [1] } } } }, []],
    ['preserve-unknown-fields with properties still prunes inside them', { spec: { half: { other: 1, known: { x: 's', y: 2 } } } }, { spec: { half: { other: 1, known: { x: 's' } } } }, ['spec.half.known.y']],
    ['map values are pruned by additionalProperties', { spec: { labels: { a: 'b' } } }, { spec: { labels: { a: 'b' } } }, []],
    ['list items are pruned', { spec: { ports: [{ name: 'a', extra: 1 }] } }, { spec: { ports: [{ name: 'a' }] } }, ['spec.ports[0].extra']],
    [
      'an embedded resource keeps apiVersion and kind, its metadata only ObjectMeta fields',
      { spec: { embedded: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', junk: 1 }, spec: { a: 'x', b: 'y' }, other: 1 } } },
      { spec: { embedded: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { a: 'x' } } } },
      ['spec.embedded.metadata.junk', 'spec.embedded.spec.b', 'spec.embedded.other'],
    ],
  ])('%s', (_name, input, want, pruned) => {
    const obj = structuredClone(input) as Record<string, unknown>;
    expect(pruneObject(obj, SCHEMA).sort()).toEqual([...pruned].sort());
    expect(obj).toEqual(want);
  });
});

describe('defaultObject', () => {
  it.each([
    ['a missing field takes its default', { spec: {} }, { spec: { size: 3, nested: { inner: 'dflt' } } }],
    ['a defaulted object is defaulted inside too', { spec: { size: 1, nested: {} } }, { spec: { size: 1, nested: { inner: 'dflt' } } }],
    ['a non-nullable null takes the default', { spec: { size: null } }, { spec: { size: 3, nested: { inner: 'dflt' } } }],
    ['a non-nullable null without a default is dropped; a nullable null stays', { spec: { size: 2, name: null, nullable: null } }, { spec: { size: 2, nullable: null, nested: { inner: 'dflt' } } }],
    ['list items are defaulted', { spec: { size: 2, ports: [{ name: 'a' }, { name: 'b', port: 81 }] } }, { spec: { size: 2, ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }], nested: { inner: 'dflt' } } }],
    ['a set value is kept', { spec: { size: 7 } }, { spec: { size: 7, nested: { inner: 'dflt' } } }],
  ])('%s', (_name, input, want) => {
    const obj = structuredClone(input);
    defaultObject(obj, SCHEMA);
    expect(obj).toEqual(want);
  });

  it('defaults are copies: changing one object never changes the schema', () => {
    const a: Record<string, Record<string, unknown>> = { spec: {} };
    defaultObject(a, SCHEMA);
    (a.spec!.nested as Record<string, unknown>).inner = 'changed';
    const b: Record<string, Record<string, unknown>> = { spec: {} };
    defaultObject(b, SCHEMA);
    expect(b.spec!.nested).toEqual({ inner: 'dflt' });
  });
});

const causes = (obj: Record<string, unknown>): string[] => validateObjectValue(obj, SCHEMA).map((c) => `${c.field}: ${c.message}`);

describe('validateObjectValue (kube-openapi wording)', () => {
  it.each([
    ['a valid object', { spec: { size: 2, name: 'ab', mode: 'a', port: 'http', tags: ['x'] } }, []],
    ['required', { spec: {} }, ['spec.size: Required value']],
    ['type', { spec: { size: '3' } }, ['spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"']],
    ['integer, not a fraction', { spec: { size: 1.5 } }, ['spec.size: Invalid value: "number": spec.size in body must be of type integer: "number"']],
    ['maximum', { spec: { size: 11 } }, ['spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10']],
    ['minimum', { spec: { size: 0 } }, ['spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1']],
    ['exclusive minimum', { spec: { size: 1, ratio: 0 } }, ['spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0']],
    ['multipleOf', { spec: { size: 1, ratio: 0.7 } }, ['spec.ratio: Invalid value: 0.7: spec.ratio in body should be a multiple of 0.5']],
    ['maxLength', { spec: { size: 1, name: 'abcdef' } }, ['spec.name: Too long: may not be more than 5 bytes']],
    ['minLength and pattern', { spec: { size: 1, name: 'A' } }, ['spec.name: Invalid value: "A": spec.name in body should be at least 2 chars long', "spec.name: Invalid value: \"A\": spec.name in body should match '^[a-z]+$'"]],
    ['enum', { spec: { size: 1, mode: 'c' } }, ['spec.mode: Unsupported value: "c": supported values: "a", "b"']],
    ['int-or-string', { spec: { size: 1, port: 1.5 } }, ['spec.port: Invalid value: "number": spec.port in body must be of type integer,string: "number"']],
    ['maxItems', { spec: { size: 1, tags: ['a', 'b', 'c'] } }, ['spec.tags: Too many: 3: must have at most 2 items']],
    ['minItems', { spec: { size: 1, tags: [] } }, ['spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items']],
    ['items', { spec: { size: 1, tags: [1] } }, ['spec.tags[0]: Invalid value: "integer": spec.tags[0] in body must be of type string: "integer"']],
    ['list-type set: duplicates', { spec: { size: 1, tags: ['a', 'a'] } }, ['spec.tags[1]: Duplicate value: "a"']],
    ['list-type map: duplicate keys', { spec: { size: 1, ports: [{ name: 'a' }, { name: 'a', port: 1 }] } }, ['spec.ports[1]: Duplicate value: {"name":"a"}']],
    ['maxProperties and map values', { spec: { size: 1, labels: { a: 'x', b: 'y', c: 3 } } }, ['spec.labels: Too many: 3: must have at most 2 items', 'spec.labels.c: Invalid value: "integer": spec.labels.c in body must be of type string: "integer"']],
    ['every cause at once', { spec: { size: 0, mode: 'z' } }, ['spec.mode: Unsupported value: "z": supported values: "a", "b"', 'spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1']],
  ])('%s', (_name, obj, want) => {
    expect(causes(obj)).toEqual(want);
  });

  it('metadata, apiVersion and kind are not the schema validator\'s', () => {
    expect(causes({ apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, spec: { size: 1 } })).toEqual([]);
  });

  it('the schema may restrict metadata.name', () => {
    const s: JSONSchemaProps = { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 3 } } } } };
    expect(validateObjectValue({ metadata: { name: 'abcd' } }, s).map((c) => `${c.field}: ${c.message}`)).toEqual(['metadata.name: Too long: may not be more than 3 bytes']);
    expect(validateObjectValue({ metadata: { name: 'abc' } }, s)).toEqual([]);
  });

  it('lengths count characters (code points), not UTF-16 units; a schema checked again gives the same causes (its pattern is compiled once)', () => {
    const s: JSONSchemaProps = { type: 'string', minLength: 2, maxLength: 3, pattern: '^[a-z😀]+$' };
    expect(validateValue('😀😀😀', s, 'f')).toEqual([]);
    expect(validateValue('😀a', s, 'f')).toEqual([]);
    expect(validateValue('😀', s, 'f').map((c) => c.message)).toEqual(['Invalid value: "😀": f in body should be at least 2 chars long']);
    expect(validateValue('😀😀😀😀', s, 'f').map((c) => c.message)).toEqual(['Too long: may not be more than 3 bytes']);
    for (let i = 0; i < 2; i++) expect(validateValue('AB', s, 'f').map((c) => c.message)).toEqual(["Invalid value: \"AB\": f in body should match '^[a-z😀]+$'"]);
    const bad: JSONSchemaProps = { type: 'string', pattern: '(' }; // refused when a CRD is written: nothing to check here
    expect(validateValue('x', bad, 'f')).toEqual([]);
  });

  it('enum values compare as JSON: scalars by value, objects by content', () => {
    const s: JSONSchemaProps = { enum: [1, 'a', true, { k: [1] }] };
    for (const ok of [1, 'a', true, { k: [1] }]) expect(validateValue(ok, s, 'f')).toEqual([]);
    for (const bad of ['1', 2, false, { k: [2] }]) expect(validateValue(bad, s, 'f')).toHaveLength(1);
  });

  it('allOf, anyOf, oneOf and not', () => {
    const s: JSONSchemaProps = { type: 'string', anyOf: [{ pattern: '^a' }, { pattern: '^b' }], not: { pattern: '^bad' } };
    expect(validateValue('abc', s, 'f')).toEqual([]);
    expect(validateValue('c', s, 'f').map((c) => c.message)).toEqual(['Invalid value: "c": "f" must validate at least one schema (anyOf)']);
    expect(validateValue('badly', s, 'f').map((c) => c.message)).toEqual(['Invalid value: "badly": "f" must not validate the schema (not)']);
    const one: JSONSchemaProps = { type: 'integer', oneOf: [{ minimum: 1 }, { minimum: 5 }] };
    expect(validateValue(3, one, 'n')).toEqual([]);
    expect(validateValue(6, one, 'n').map((c) => c.message)).toEqual(['Invalid value: 6: "n" must validate one and only one schema (oneOf)']);
  });
});
