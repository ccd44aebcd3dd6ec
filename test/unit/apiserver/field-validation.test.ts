import { describe, expect, it } from 'vitest';
import { bodyStrictFindings, checkBodyStructure, checkedObject, checkPatchedStructure, defaultTypeMeta, fieldValidationMode } from '../../../control-plane/apiserver/field-validation.js';
import { jsonPatchFindings } from '../../../control-plane/apiserver/patch-handler.js';
import { jsonKeyOffsets, scanJsonText } from '../../../api/json-scan.js';
import { KubeError } from '../../../api/errors.js';

/** The findings for a JSON body, as the server computes them from its text. */
function findingsOf(text: string): Parameters<typeof bodyStrictFindings>[1] {
  return { duplicates: scanJsonText(text).duplicates, keyOffsets: () => jsonKeyOffsets(text) };
}

describe('bodyStrictFindings: document order, an unknown duplicate reported once', () => {
  const cases: { name: string; text: string; unknown: string[]; want: string[] }[] = [
    { name: 'nothing', text: '{"a":1}', unknown: [], want: [] },
    { name: 'duplicates only', text: '{"a":1,"a":2,"b":{"c":1,"c":2}}', unknown: [], want: ['duplicate field "a"', 'duplicate field "b.c"'] },
    { name: 'unknown only', text: '{"x":1}', unknown: ['x'], want: ['unknown field "x"'] },
    {
      name: "upstream's Deployment example",
      text: '{"metadata":{"name":"d","name":"d","unknownMeta":1},"spec":{"unknown1":1,"unknownDupe":1,"unknownDupe":2,"paused":true,"paused":false,"template":{"spec":{"containers":[{"unknownNested":1,"imagePullPolicy":"A","imagePullPolicy":"B"}]}}}}',
      unknown: ['metadata.unknownMeta', 'spec.unknown1', 'spec.unknownDupe', 'spec.template.spec.containers[0].unknownNested'],
      want: [
        'duplicate field "metadata.name"',
        'unknown field "metadata.unknownMeta"',
        'unknown field "spec.unknown1"',
        'unknown field "spec.unknownDupe"',
        'duplicate field "spec.paused"',
        'unknown field "spec.template.spec.containers[0].unknownNested"',
        'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
      ],
    },
    { name: 'a duplicate inside an unknown field is not looked into', text: '{"x":{"y":1,"y":2}}', unknown: ['x'], want: ['unknown field "x"'] },
  ];
  it.each(cases)('$name', ({ text, unknown, want }) => {
    const r = bodyStrictFindings(unknown, findingsOf(text));
    expect(r.errors).toEqual(want);
    expect(r.warnings).toEqual(want);
  });

  it('YAML: one grouped strict error, one warning per line, unknown fields sorted', () => {
    const r = bodyStrictFindings(['spec.z', 'spec.a'], { yamlDuplicates: ['line 5: key "name" already set in map', 'line 9: key "paused" already set in map'] });
    expect(r.errors).toEqual([
      'yaml: unmarshal errors:\n  line 5: key "name" already set in map\n  line 9: key "paused" already set in map',
      'unknown field "spec.a"',
      'unknown field "spec.z"',
    ]);
    expect(r.warnings).toEqual(['line 5: key "name" already set in map', 'line 9: key "paused" already set in map', 'unknown field "spec.a"', 'unknown field "spec.z"']);
  });
});

describe('jsonPatchFindings: as upstream decodes []{op, path, from, value} strictly', () => {
  it.each([
    ['clean', '[{"op":"add","path":"/a","value":1}]', []],
    ['an unknown op field', '[{"op":"add","path":"/a","value":1,"foo":"bar"}]', ['json patch unknown field "[0].foo"']],
    ['a repeated op field', '[{"op":"add"},{"op":"add","path":"/a","path":"/b"}]', ['json patch duplicate field "[1].path"']],
    ['a repeated key inside a value', '[{"op":"add","path":"/a","value":{"k":1,"k":2}}]', ['json patch duplicate field "[0].value.k"']],
    ['a repeated unknown field: once, as unknown', '[{"op":"add","foo":1,"foo":2}]', ['json patch unknown field "[0].foo"']],
    ["upstream's example, in op order", '[{"op":"add","path":"/a","foo":"bar"},{"op":"add","path":"/b","path":"/c"}]', ['json patch unknown field "[0].foo"', 'json patch duplicate field "[1].path"']],
    ['not a list: nothing (the decoder reports it)', '{"op":"add"}', []],
  ])('%s', (_name, text, want) => {
    expect(jsonPatchFindings(JSON.parse(text), scanJsonText(text).duplicates)).toEqual(want);
  });
});

describe('fieldValidation modes', () => {
  const cm = (): Record<string, any> => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } });
  const dupText = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"x","a":"b"}}';

  it('the default is Warn; anything else but Strict/Warn/Ignore is 400', () => {
    expect(fieldValidationMode(null)).toBe('Warn');
    expect(() => fieldValidationMode('strict')).toThrow('fieldValidation parameter unsupported: strict, must be one of Ignore, Warn, Strict');
  });

  it.each([
    ['Warn', ['duplicate field "data.a"']],
    ['Ignore', []],
  ])('create body, %s: warnings', (mode, want) => {
    expect(checkBodyStructure(cm(), mode, findingsOf(dupText))).toEqual(want);
  });

  it('create body, Strict: 400 with the kind prefix', () => {
    try {
      checkBodyStructure(cm(), 'Strict', findingsOf(dupText));
      throw new Error('expected a 400');
    } catch (e) {
      expect((e as KubeError).httpStatus).toBe(400);
      expect((e as KubeError).message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "data.a"');
    }
  });

  it('patch, Strict: 422 quoting the shown value; patch findings before sorted unknown fields', () => {
    const out = { ...cm(), zz: 1, aa: 2 };
    try {
      checkPatchedStructure(out, 'Strict', ['duplicate field "data.a"'], () => '{"x":1}');
      throw new Error('expected a 422');
    } catch (e) {
      const ke = e as KubeError;
      expect(ke.httpStatus).toBe(422);
      expect(ke.message).toBe(' "" is invalid: patch: Invalid value: "{\\"x\\":1}": strict decoding error: duplicate field "data.a", unknown field "aa", unknown field "zz"');
      expect(ke.details?.causes?.[0]?.field).toBe('patch');
    }
  });

  it('patch, Warn: the same findings as warnings, unknown fields pruned', () => {
    const out: Record<string, any> = { ...cm(), zz: 1 };
    expect(checkPatchedStructure(out, null, ['duplicate field "data.a"'], () => '')).toEqual(['duplicate field "data.a"', 'unknown field "zz"']);
    expect(out.zz).toBeUndefined();
  });
});

describe('checkedObject: a checked body as an API object', () => {
  it('keeps the object itself', () => {
    const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } };
    expect(checkedObject(body)).toBe(body);
  });

  it('null metadata is none (as Go decodes it): empty metadata', () => {
    expect(checkedObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: null })).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['metadata a string', { metadata: 'x' }, 'metadata is not an object'],
    ['kind a number', { kind: 5, metadata: {} }, 'kind is not a string'],
  ])('%s (a body no schema could check): 400', (_n, body, why) => {
    try {
      checkedObject(body);
      throw new Error('expected a 400');
    } catch (e) {
      expect((e as KubeError).httpStatus).toBe(400);
      expect((e as KubeError).message).toBe(`the object provided is unrecognized: its ${why}`);
    }
  });
});

describe('defaultTypeMeta (upstream gvkWithDefaults)', () => {
  it.each([
    ['nothing named', {}, { apiVersion: 'apps/v1', kind: 'Deployment' }],
    ['empty strings', { apiVersion: '', kind: '' }, { apiVersion: 'apps/v1', kind: 'Deployment' }],
    ['nulls', { apiVersion: null, kind: null }, { apiVersion: 'apps/v1', kind: 'Deployment' }],
    ['kind only', { kind: 'Deployment' }, { apiVersion: 'apps/v1', kind: 'Deployment' }],
    ['the group without a version', { apiVersion: 'apps/' }, { apiVersion: 'apps/v1', kind: 'Deployment' }],
    ['another group without a version is kept', { apiVersion: 'batch/' }, { apiVersion: 'batch/', kind: 'Deployment' }],
    ['another kind is kept', { kind: 'Secret' }, { apiVersion: 'apps/v1', kind: 'Secret' }],
    ['another version is kept', { apiVersion: 'v1' }, { apiVersion: 'v1', kind: 'Deployment' }],
  ])('%s', (_name, body: Record<string, unknown>, want) => {
    defaultTypeMeta(body, 'apps/v1', 'Deployment');
    expect(body).toEqual(want);
  });
});
