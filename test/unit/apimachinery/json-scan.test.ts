import { describe, expect, it } from 'vitest';
import {
  checkValueNesting,
  exceededMaxDepthMessage,
  jsonKeyOffsets,
  MAX_JSON_NESTING_DEPTH,
  scanJsonText,
  valueDepth,
  yamlFlowDepthExceeded,
} from '../../../api/json-scan.js';

const objects = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const arrays = (n: number): string => '['.repeat(n) + ']'.repeat(n);

describe('scanJsonText: nesting depth, without recursion', () => {
  const cases: { name: string; text: string; max?: number; tooDeep?: { offset: number; opening: string } }[] = [
    { name: 'a scalar', text: '"x"' },
    { name: '{} is one level', text: '{}', max: 1 },
    { name: 'at the limit', text: objects(MAX_JSON_NESTING_DEPTH) },
    { name: 'one object past the limit', text: objects(MAX_JSON_NESTING_DEPTH + 1), tooDeep: { offset: MAX_JSON_NESTING_DEPTH * 5, opening: '{' } },
    { name: 'one array past the limit', text: arrays(MAX_JSON_NESTING_DEPTH + 1), tooDeep: { offset: MAX_JSON_NESTING_DEPTH, opening: '[' } },
    { name: '10,000 levels', text: objects(10_000), tooDeep: { offset: MAX_JSON_NESTING_DEPTH * 5, opening: '{' } },
    { name: 'brackets inside strings do not count', text: `{"a":"${'['.repeat(2000)}","b":"\\"{{{"}` },
    { name: 'siblings do not add up', text: `[${Array.from({ length: 1000 }, () => '[[]]').join(',')}]`, max: 3 },
    { name: 'a small custom limit', text: '[[[]]]', max: 2, tooDeep: { offset: 2, opening: '[' } },
  ];
  it.each(cases)('$name', ({ text, max, tooDeep }) => {
    const r = scanJsonText(text, max);
    expect(r.tooDeep).toEqual(tooDeep);
  });

  it("names the bracket as Go's scanner does", () => {
    expect(exceededMaxDepthMessage('{')).toBe(`invalid character '{' exceeded max depth`);
  });
});

describe('scanJsonText: duplicate keys with upstream field paths', () => {
  const cases: { name: string; text: string; paths: string[] }[] = [
    { name: 'none', text: '{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}', paths: [] },
    { name: 'at the root', text: '{"a":1,"a":2}', paths: ['a'] },
    { name: 'nested', text: '{"spec":{"paused":true,"paused":false}}', paths: ['spec.paused'] },
    { name: 'in a list element', text: '{"spec":{"containers":[{"name":"a"},{"name":"b","image":"x","image":"y"}]}}', paths: ['spec.containers[1].image'] },
    { name: 'in a JSON patch op', text: '[{"op":"add"},{"op":"add","path":"/a","path":"/b"}]', paths: ['[1].path'] },
    { name: 'every repetition', text: '{"a":1,"a":2,"a":3}', paths: ['a', 'a'] },
    { name: 'escaped keys compare decoded', text: '{"a":1,"\\u0061":2}', paths: ['a'] },
    { name: 'key-like strings in values are not keys', text: '{"a":"a","b":["a","a"]}', paths: [] },
    { name: 'keys with dots are joined as upstream does', text: '{"metadata":{"labels":{"app.kubernetes.io/name":"x","app.kubernetes.io/name":"y"}}}', paths: ['metadata.labels.app.kubernetes.io/name'] },
  ];
  it.each(cases)('$name', ({ text, paths }) => {
    expect(scanJsonText(text).duplicates.map((d) => d.path)).toEqual(paths);
  });

  it('records where each repetition is, for document order', () => {
    const text = '{"a":1,"b":2,"a":3}';
    expect(scanJsonText(text).duplicates).toEqual([{ path: 'a', offset: text.lastIndexOf('"a"') }]);
  });

  it('jsonKeyOffsets: the first offset of every key path', () => {
    const text = '{"m":{"n":1},"d":[{"k":1}],"m":{}}';
    const m = jsonKeyOffsets(text);
    expect(m.get('m')).toBe(1);
    expect(m.get('m.n')).toBe(text.indexOf('"n"'));
    expect(m.get('d[0].k')).toBe(text.indexOf('"k"'));
  });
});

describe('yamlFlowDepthExceeded: brackets counted everywhere, so quoting cannot hide nesting', () => {
  it.each([
    ['block YAML', 'a:\n  b:\n    c: [1, {d: 2}]\n', -1],
    ['flow at the limit', '['.repeat(MAX_JSON_NESTING_DEPTH) + ']'.repeat(MAX_JSON_NESTING_DEPTH), -1],
    ['flow past the limit', '['.repeat(MAX_JSON_NESTING_DEPTH + 1), MAX_JSON_NESTING_DEPTH],
    ['closers bring it back down', '[]'.repeat(5000), -1],
    ['a quote does not stop the count', `a: it's ${'{'.repeat(MAX_JSON_NESTING_DEPTH + 1)}`, 8 + MAX_JSON_NESTING_DEPTH],
  ])('%s', (_name, text, want) => {
    expect(yamlFlowDepthExceeded(text)).toBe(want);
  });
});

describe('checkValueNesting and valueDepth: decoded values, iteratively', () => {
  const deep = (n: number): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < n; i++) v = { a: v };
    return v;
  };
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = { back: cyclic };
  const shared = { x: [1, 2] };

  it.each([
    ['a scalar', 'x', 'ok', 0],
    ['{}', {}, 'ok', 1],
    ['[[{}]]', [[{}]], 'ok', 3],
    ['at the limit', deep(MAX_JSON_NESTING_DEPTH), 'ok', MAX_JSON_NESTING_DEPTH],
    ['past the limit', deep(MAX_JSON_NESTING_DEPTH + 1), 'too-deep', MAX_JSON_NESTING_DEPTH + 1],
    ['100,000 levels', deep(100_000), 'too-deep', MAX_JSON_NESTING_DEPTH + 1],
    ['shared (not cyclic) subtrees', { a: shared, b: shared }, 'ok', 3],
  ])('%s', (_name, value, nesting, depth) => {
    expect(checkValueNesting(value)).toBe(nesting);
    expect(valueDepth(value)).toBe(depth);
  });

  it('a value that contains itself is a cycle (and valueDepth still stops)', () => {
    expect(checkValueNesting(cyclic)).toBe('cycle');
    expect(valueDepth(cyclic)).toBe(MAX_JSON_NESTING_DEPTH + 1);
  });
});
