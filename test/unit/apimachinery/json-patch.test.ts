import { describe, expect, it } from 'vitest';
import { applyJsonPatch, copySizeExceededMessage, JSON_PATCH_MAX_COPY_BYTES, jsonPatchFailure, MAX_JSON_PATCH_OPERATIONS, UNPROCESSABLE_MESSAGE } from '../../../api/patch/json-patch.js';
import { MAX_JSON_NESTING_DEPTH } from '../../../api/json-scan.js';
import { KubeError } from '../../../api/errors.js';

type Obj = Record<string, any>;

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    Object.freeze(o);
    for (const v of Object.values(o as Obj)) deepFreeze(v);
  }
  return o;
}

function apply(doc: unknown, ops: unknown): unknown {
  return applyJsonPatch(deepFreeze(structuredClone(doc)), deepFreeze(structuredClone(ops)));
}

function failure(doc: unknown, ops: unknown): KubeError {
  try {
    apply(doc, ops);
  } catch (e) {
    expect(e).toBeInstanceOf(KubeError);
    return e as KubeError;
  }
  throw new Error('expected an error');
}

const pod = {
  metadata: { name: 'p', labels: { app: 'web', 'a/b': 'slash', 'm~n': 'tilde' } },
  spec: { containers: [{ name: 'c0', image: 'nginx' }, { name: 'c1', image: 'redis' }] },
};

describe('JSON patch (RFC 6902) applies as evanphx/json-patch v4', () => {
  const cases: { name: string; doc: unknown; ops: unknown[]; want: unknown }[] = [
    { name: 'add a new key', doc: { a: 1 }, ops: [{ op: 'add', path: '/b', value: 2 }], want: { a: 1, b: 2 } },
    { name: 'add replaces an existing key', doc: { a: 1 }, ops: [{ op: 'add', path: '/a', value: 2 }], want: { a: 2 } },
    { name: 'add into an array at an index', doc: { a: [1, 3] }, ops: [{ op: 'add', path: '/a/1', value: 2 }], want: { a: [1, 2, 3] } },
    { name: 'add at the array end with -', doc: { a: [1] }, ops: [{ op: 'add', path: '/a/-', value: 2 }], want: { a: [1, 2] } },
    { name: 'add at index == length', doc: { a: [1] }, ops: [{ op: 'add', path: '/a/1', value: 2 }], want: { a: [1, 2] } },
    { name: 'add with a negative index counts from the end', doc: { a: [1, 2] }, ops: [{ op: 'add', path: '/a/-1', value: 9 }], want: { a: [1, 2, 9] } },
    { name: 'add a whole object', doc: {}, ops: [{ op: 'add', path: '/m', value: { x: [1] } }], want: { m: { x: [1] } } },
    { name: 'add without a value adds null', doc: {}, ops: [{ op: 'add', path: '/m' }], want: { m: null } },
    { name: 'add a label with ~1 for /', doc: pod, ops: [{ op: 'add', path: '/metadata/labels/x~1y', value: 'z' }], want: { ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, 'x/y': 'z' } } } },
    { name: 'remove a key', doc: { a: 1, b: 2 }, ops: [{ op: 'remove', path: '/a' }], want: { b: 2 } },
    { name: 'remove a label with ~1', doc: pod, ops: [{ op: 'remove', path: '/metadata/labels/a~1b' }], want: { ...pod, metadata: { ...pod.metadata, labels: { app: 'web', 'm~n': 'tilde' } } } },
    { name: 'remove a label with ~0', doc: pod, ops: [{ op: 'remove', path: '/metadata/labels/m~0n' }], want: { ...pod, metadata: { ...pod.metadata, labels: { app: 'web', 'a/b': 'slash' } } } },
    { name: 'remove an array element', doc: { a: [1, 2, 3] }, ops: [{ op: 'remove', path: '/a/1' }], want: { a: [1, 3] } },
    { name: 'remove the last element with -1', doc: { a: [1, 2, 3] }, ops: [{ op: 'remove', path: '/a/-1' }], want: { a: [1, 2] } },
    { name: 'replace a container image (kubectl patch --help)', doc: pod, ops: [{ op: 'replace', path: '/spec/containers/0/image', value: 'new image' }], want: { ...pod, spec: { containers: [{ name: 'c0', image: 'new image' }, { name: 'c1', image: 'redis' }] } } },
    { name: 'replace of a missing object key adds it (v4 quirk)', doc: { a: 1 }, ops: [{ op: 'replace', path: '/b', value: 2 }], want: { a: 1, b: 2 } },
    { name: 'replace the whole document', doc: { a: 1 }, ops: [{ op: 'replace', path: '', value: { b: 2 } }], want: { b: 2 } },
    { name: 'move a key', doc: { a: { x: 1 }, b: {} }, ops: [{ op: 'move', from: '/a/x', path: '/b/y' }], want: { a: {}, b: { y: 1 } } },
    { name: 'move within an array', doc: { a: [1, 2, 3] }, ops: [{ op: 'move', from: '/a/0', path: '/a/-' }], want: { a: [2, 3, 1] } },
    { name: 'copy a value', doc: { a: { x: [1] } }, ops: [{ op: 'copy', from: '/a/x', path: '/b' }], want: { a: { x: [1] }, b: [1] } },
    { name: 'copy from a missing key copies null (v4 quirk)', doc: { a: {} }, ops: [{ op: 'copy', from: '/a/x', path: '/b' }], want: { a: {}, b: null } },
    { name: 'test then replace', doc: { a: 1 }, ops: [{ op: 'test', path: '/a', value: 1 }, { op: 'replace', path: '/a', value: 2 }], want: { a: 2 } },
    { name: 'test a structure', doc: { a: { b: [1, { c: 'x' }] } }, ops: [{ op: 'test', path: '/a', value: { b: [1, { c: 'x' }] } }], want: { a: { b: [1, { c: 'x' }] } } },
    { name: 'test of a missing key with null passes', doc: { a: 1 }, ops: [{ op: 'test', path: '/b', value: null }], want: { a: 1 } },
    { name: 'test the whole document', doc: { a: 1 }, ops: [{ op: 'test', path: '', value: { a: 1 } }], want: { a: 1 } },
    { name: 'operations apply in order', doc: { a: [] }, ops: [{ op: 'add', path: '/a/-', value: 1 }, { op: 'add', path: '/a/0', value: 0 }, { op: 'remove', path: '/a/1' }], want: { a: [0] } },
    { name: 'an empty patch', doc: { a: 1 }, ops: [], want: { a: 1 } },
    { name: 'an array document', doc: [1, 2], ops: [{ op: 'add', path: '/0', value: 0 }], want: [0, 1, 2] },
    { name: 'set a finalizers list to empty', doc: { metadata: { finalizers: ['a'] } }, ops: [{ op: 'replace', path: '/metadata/finalizers', value: [] }], want: { metadata: { finalizers: [] } } },
  ];
  it.each(cases)('$name', ({ doc, ops, want }) => {
    expect(apply(doc, ops)).toEqual(want);
  });

  it('null patch is no operation', () => {
    expect(applyJsonPatch({ a: 1 }, null)).toEqual({ a: 1 });
  });

  it('does not alias the op value into the result', () => {
    const value = { x: 1 };
    const out = applyJsonPatch({}, [{ op: 'add', path: '/v', value }]) as Obj;
    out.v.x = 2;
    expect(value.x).toBe(1);
  });
});

describe('JSON patch failures: 422 with the generic message, json-patch message as cause', () => {
  const cases: { name: string; doc: unknown; ops: unknown[]; cause: string }[] = [
    { name: 'failed test', doc: { a: 1 }, ops: [{ op: 'test', path: '/a', value: 2 }], cause: 'testing value /a failed: test failed' },
    { name: 'test of a missing key with a value', doc: { a: 1 }, ops: [{ op: 'test', path: '/b', value: 1 }], cause: 'testing value /b failed: test failed' },
    { name: 'test below a missing parent', doc: {}, ops: [{ op: 'test', path: '/x/y', value: 1 }], cause: 'test operation does not apply: is missing path: /x/y: missing value' },
    { name: 'add below a missing parent', doc: {}, ops: [{ op: 'add', path: '/x/y', value: 1 }], cause: 'add operation does not apply: doc is missing path: "/x/y": missing value' },
    { name: 'add past the end of an array', doc: { a: [1] }, ops: [{ op: 'add', path: '/a/5', value: 1 }], cause: "error in add for path: '/a/5': Unable to access invalid index: 5: invalid index referenced" },
    { name: 'add with a bad array index', doc: { a: [1] }, ops: [{ op: 'add', path: '/a/x', value: 1 }], cause: `error in add for path: '/a/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax` },
    { name: 'add without a path', doc: {}, ops: [{ op: 'add', value: 1 }], cause: 'add operation failed to decode path: missing value' },
    { name: 'add with a path that does not start with /', doc: {}, ops: [{ op: 'add', path: 'a', value: 1 }], cause: 'add operation does not apply: doc is missing path: "a": missing value' },
    { name: 'remove a missing key', doc: { a: 1 }, ops: [{ op: 'remove', path: '/b' }], cause: "error in remove for path: '/b': Unable to remove nonexistent key: b: missing value" },
    { name: 'remove past the end', doc: { a: [1] }, ops: [{ op: 'remove', path: '/a/1' }], cause: "error in remove for path: '/a/1': Unable to access invalid index: 1: invalid index referenced" },
    { name: 'replace past the end', doc: { a: [1] }, ops: [{ op: 'replace', path: '/a/3', value: 0 }], cause: 'replace operation does not apply: doc is missing key: /a/3: missing value' },
    { name: 'replace the document with a scalar', doc: { a: 1 }, ops: [{ op: 'replace', path: '', value: 1 }], cause: 'replace operation value must be object or array: %!w(<nil>)' },
    { name: 'replace without a path', doc: { a: 1 }, ops: [{ op: 'replace', value: 1 }], cause: 'replace operation failed to decode path: operation missing path field: missing value' },
    { name: 'move from a missing key', doc: { a: 1 }, ops: [{ op: 'move', from: '/b', path: '/c' }], cause: "error in move for path: 'b': Unable to remove nonexistent key: b: missing value" },
    { name: 'move without from', doc: { a: 1 }, ops: [{ op: 'move', path: '/c' }], cause: 'move operation failed to decode from: operation, missing from field: missing value' },
    { name: 'move into a missing parent', doc: { a: 1 }, ops: [{ op: 'move', from: '/a', path: '/x/y' }], cause: 'move operation does not apply: doc is missing destination path: /x/y: missing value' },
    { name: 'copy from a missing parent', doc: {}, ops: [{ op: 'copy', from: '/x/y', path: '/b' }], cause: 'copy operation does not apply: doc is missing from path: /x/y: missing value' },
    { name: 'unknown op', doc: {}, ops: [{ op: 'frobnicate', path: '/a' }], cause: 'Unexpected kind: frobnicate' },
    { name: 'op missing', doc: {}, ops: [{ path: '/a' }], cause: 'Unexpected kind: unknown' },
    { name: 'a failure after successful ops', doc: { a: 1 }, ops: [{ op: 'add', path: '/b', value: 1 }, { op: 'test', path: '/b', value: 2 }], cause: 'testing value /b failed: test failed' },
  ];
  it.each(cases)('$name', ({ doc, ops, cause }) => {
    const e = failure(doc, ops);
    expect(e.httpStatus).toBe(422);
    expect(e.reason).toBe('Invalid');
    expect(e.message).toBe(UNPROCESSABLE_MESSAGE);
    expect(jsonPatchFailure(e)).toBe(cause);
    expect(e.toStatus()).toMatchObject({ kind: 'Status', code: 422, reason: 'Invalid', message: UNPROCESSABLE_MESSAGE, details: {} });
  });

  it('a failing patch changes nothing', () => {
    const doc = { a: 1 };
    expect(() => applyJsonPatch(doc, [{ op: 'add', path: '/b', value: 1 }, { op: 'test', path: '/a', value: 5 }])).toThrow(KubeError);
    expect(doc).toEqual({ a: 1 });
  });
});

describe('JSON patch decoding failures: 400 with Go decoder messages', () => {
  it.each([
    [{ op: 'add' }, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch'],
    ['x', 'json: cannot unmarshal string into Go value of type jsonpatch.Patch'],
    [['x'], 'json: cannot unmarshal string into Go value of type jsonpatch.Operation'],
    [[1], 'json: cannot unmarshal number into Go value of type jsonpatch.Operation'],
    [[[]], 'json: cannot unmarshal array into Go value of type jsonpatch.Operation'],
  ])('%j', (ops, message) => {
    const e = failure({}, ops);
    expect(e.httpStatus).toBe(400);
    expect(e.reason).toBe('BadRequest');
    expect(e.message).toBe(message);
  });

  it('too many operations: 413', () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/a', value: 1 }));
    const e = failure({ a: 1 }, ops);
    expect(e.httpStatus).toBe(413);
    expect(e.message).toBe(`The allowed maximum operations in a JSON patch is 10000, got 10001`);
  });
});

describe('JSON patch: hostile keys', () => {
  it('adding "/__proto__" adds data, not a prototype', () => {
    const out = applyJsonPatch({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]) as Obj;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true}}');
  });
});

describe('JSON patch resource limits (CVE-2019-1002100)', () => {
  const deep = (n: number): unknown => {
    let v: unknown = {};
    for (let i = 1; i < n; i++) v = { a: v };
    return v;
  };
  const limitFailure = (doc: unknown, ops: unknown, limits = {}): string | undefined => {
    try {
      applyJsonPatch(doc, ops, limits);
    } catch (e) {
      expect(e).toBeInstanceOf(KubeError);
      expect((e as KubeError).httpStatus).toBe(422);
      expect((e as KubeError).message).toBe(UNPROCESSABLE_MESSAGE);
      return jsonPatchFailure(e);
    }
    return undefined;
  };

  it('the default copy limit is the API server body limit, 3 MiB', () => {
    expect(JSON_PATCH_MAX_COPY_BYTES).toBe(3 * 1024 * 1024);
  });

  const cases: { name: string; doc: unknown; ops: unknown[]; limits?: { maxCopyBytes?: number; maxDepth?: number }; cause?: string }[] = [
    { name: 'a copy within the limit', doc: { a: 'xxxx' }, ops: [{ op: 'copy', from: '/a', path: '/b' }], limits: { maxCopyBytes: 6 } },
    { name: 'a copy one byte over the limit (size is the JSON text)', doc: { a: 'xxxx' }, ops: [{ op: 'copy', from: '/a', path: '/b' }], limits: { maxCopyBytes: 5 }, cause: copySizeExceededMessage(5, 6) },
    {
      name: 'copies accumulate over the patch',
      doc: { a: 'xxxx' },
      ops: [{ op: 'copy', from: '/a', path: '/b' }, { op: 'copy', from: '/a', path: '/c' }],
      limits: { maxCopyBytes: 11 },
      cause: 'Unable to complete the copy, the accumulated size increase of copy is 12, exceeding the limit 11',
    },
    { name: '0 means unlimited (json-patch default)', doc: { a: 'x'.repeat(100) }, ops: [{ op: 'copy', from: '/a', path: '/b' }], limits: { maxCopyBytes: 0 } },
    { name: 'add values do not count (the body limit bounds them)', doc: {}, ops: [{ op: 'add', path: '/a', value: 'x'.repeat(100) }], limits: { maxCopyBytes: 1 } },
    { name: 'a copy of a missing key copies null (4 bytes)', doc: { m: {} }, ops: [{ op: 'copy', from: '/m/x', path: '/b' }], limits: { maxCopyBytes: 3 }, cause: copySizeExceededMessage(3, 4) },
    { name: 'a document at the depth limit', doc: {}, ops: [{ op: 'add', path: '/a', value: deep(MAX_JSON_NESTING_DEPTH - 1) }] },
    { name: 'an op value past the depth limit', doc: {}, ops: [{ op: 'test', path: '/a', value: deep(MAX_JSON_NESTING_DEPTH + 1) }], cause: 'exceeded max depth' },
    { name: 'an add that nests the document past the limit', doc: {}, ops: [{ op: 'add', path: '/a', value: deep(MAX_JSON_NESTING_DEPTH) }], cause: 'exceeded max depth' },
    {
      name: 'moves stacking subtrees past the limit',
      doc: { x: deep(6), y: deep(6) },
      ops: [{ op: 'move', from: '/y', path: '/x/a/a/a/a/a/y' }],
      limits: { maxDepth: 10 },
      cause: 'exceeded max depth',
    },
    {
      name: 'a copy of a value deeper than the limit',
      doc: { x: deep(6), y: deep(6) },
      ops: [{ op: 'move', from: '/y', path: '/x/a/a/a/a/a/y' }, { op: 'copy', from: '/x', path: '/z' }],
      limits: { maxDepth: 10 },
      cause: 'error while performing deep copy: exceeded max depth',
    },
  ];
  it.each(cases)('$name', ({ doc, ops, limits, cause }) => {
    expect(limitFailure(doc, ops, limits)).toBe(cause);
  });

  it('the issue\'s 31-operation self-copy fails at once instead of exhausting the heap', () => {
    const doc = { metadata: { name: 'n' }, data: { a: 'x'.repeat(1000) } };
    const ops: unknown[] = [];
    for (let i = 0; i < 30; i++) ops.push({ op: 'copy', from: '/data', path: `/data/k${i}` });
    const t0 = Date.now();
    expect(limitFailure(doc, ops)).toMatch(/^Unable to complete the copy, the accumulated size increase of copy is \d+, exceeding the limit 3145728$/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
