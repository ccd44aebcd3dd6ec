import { describe, expect, it } from 'vitest';
import {
  formatLabelSelector,
  isValidLabelKey,
  isValidLabelValue,
  labelKeyErrors,
  labelSelectorAsMap,
  labelSelectorMatches,
  labelSelectorToSelector,
  labelValueErrors,
  LabelSelector,
  newRequirement,
  parseLabelRequirements,
  parseLabelSelector,
  parseToLabelSelector,
  selectorFromSet,
} from '../../../api/labels.js';
import { KubeError } from '../../../api/errors.js';

function parseError(s: string): string {
  try {
    parseLabelSelector(s);
  } catch (e) {
    expect(e).toBeInstanceOf(KubeError);
    expect((e as KubeError).httpStatus).toBe(400);
    expect((e as KubeError).reason).toBe('BadRequest');
    return (e as KubeError).message;
  }
  throw new Error(`expected ${JSON.stringify(s)} to fail`);
}

const KEY_REGEX_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_REGEX_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('label selector parsing: the string form round-trips (spaces dropped, keys sorted)', () => {
  it.each([
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['', ''],
    ['x!=a,y=b', 'x!=a,y=b'],
    ['x=', 'x='],
    ['x= ', 'x='],
    ['x=,z= ', 'x=,z='],
    ['!x', '!x'],
    ['x>1', 'x>1'],
    ['x>1,z<5', 'x>1,z<5'],
    ['x==a', 'x==a'],
    ['z=1,a=2', 'a=2,z=1'],
    ['environment in (production, qa)', 'environment in (production,qa)'],
    ['tier notin (frontend,backend)', 'tier notin (backend,frontend)'],
    ['x in (b,a,b)', 'x in (a,b)'],
    ['x in ()', 'x in ()'],
    ['x notin (abc,,def),bar,z in (),w', 'bar,w,x notin (,abc,def),z in ()'],
    ['a in (x,y,notin, z,in)', 'a in (in,notin,x,y,z)'],
    ['app.kubernetes.io/name=nginx', 'app.kubernetes.io/name=nginx'],
    ['\rx', 'x'],
    ['foo  in\t (abc)', 'foo in (abc)'],
    ['x notin\n (abc)', 'x notin (abc)'],
    ['notin=in', 'notin=in'],
  ])('%j -> %j', (input, out) => {
    expect(parseLabelSelector(input).toString()).toBe(out);
  });

  it('keeps the requirements in string order for ParseToRequirements', () => {
    expect(parseLabelRequirements('z=1,a in (b)').map((r) => r.key)).toEqual(['z', 'a']);
  });

  it('parses operators and values', () => {
    expect(parseLabelSelector('a=b,c!=d,e in (x,y),f notin (z),g,!h,i==j').requirements).toEqual([
      { key: 'a', operator: '=', values: ['b'] },
      { key: 'c', operator: '!=', values: ['d'] },
      { key: 'e', operator: 'in', values: ['x', 'y'] },
      { key: 'f', operator: 'notin', values: ['z'] },
      { key: 'g', operator: 'exists', values: [] },
      { key: 'h', operator: '!', values: [] },
      { key: 'i', operator: '==', values: ['j'] },
    ]);
  });
});

describe('label selector parse errors (upstream messages)', () => {
  it.each([
    ['x=a||y=b', `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${VALUE_REGEX_MSG}`],
    ['x==a==b', "found '==', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    ['x<a', `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['x,,y', "found ',', expected: identifier after ','"],
    [',x,y', "found ',', expected: !, identifier, or 'end of string'"],
    ['x nott in (y)', "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt"],
    ['a in (xyz),', "found '', expected: identifier after ','"],
    ['a in (xyz)b notin ()', "found 'b', expected: ',' or 'end of string'"],
    ['a in (xyz abc)', "unable to parse requirement: found 'abc', expected: ',' or ')'"],
    ['a notin(', "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ['a (', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ['(', "found '(', expected: !, identifier, or 'end of string'"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a=(', "unable to parse requirement: found '(', expected: identifier"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['-a=b', `unable to parse requirement: <nil>: Invalid value: "-a": ${KEY_REGEX_MSG}`],
    ['a=-b', `unable to parse requirement: values[0][a]: Invalid value: "-b": ${VALUE_REGEX_MSG}`],
    ['!', "unable to parse requirement: found '', expected: identifier"],
  ])('%j', (input, message) => {
    expect(parseError(input)).toBe(message);
  });
});

describe('label selector matching', () => {
  const cases: [string, Record<string, string>, boolean][] = [
    ['', { x: 'y' }, true],
    ['x=y', { x: 'y' }, true],
    ['x=y,z=w', { x: 'y', z: 'w' }, true],
    ['x!=y,z!=w', { x: 'z', z: 'a' }, true],
    ['notin=in', { notin: 'in' }, true],
    ['x', { x: 'z' }, true],
    ['!x', { y: 'z' }, true],
    ['x>1', { x: '2' }, true],
    ['x<1', { x: '0' }, true],
    ['x=z', {}, false],
    ['x=y', { x: 'z' }, false],
    ['x=y,z=w', { x: 'w', z: 'w' }, false],
    ['x!=y,z!=w', { x: 'z', z: 'w' }, false],
    ['x', { y: 'z' }, false],
    ['!x', { x: 'z' }, false],
    ['x>1', { x: '0' }, false],
    ['x<1', { x: '2' }, false],
    ['x>1', { x: 'abc' }, false],
    ['x>1', {}, false],
    ['x!=y', {}, true],
    ['x notin (a)', {}, true],
    ['x in (a,b)', { x: 'b' }, true],
    ['x in (a,b)', { x: 'c' }, false],
    ['x in (a,b)', {}, false],
    ['x notin (a,b)', { x: 'c' }, true],
    ['x notin (a,b)', { x: 'a' }, false],
    ['x=', { x: '' }, true],
    ['x=', {}, false],
    ['x in (,a)', { x: '' }, true],
    ['environment in (production,qa),tier notin (frontend)', { environment: 'qa', tier: 'backend' }, true],
    ['environment in (production,qa),tier notin (frontend)', { environment: 'qa', tier: 'frontend' }, false],
  ];
  it.each(cases)('%j matches %j: %s', (sel, labels, want) => {
    expect(parseLabelSelector(sel).matches(labels)).toBe(want);
  });

  it('undefined labels are an empty set', () => {
    expect(parseLabelSelector('!a').matches(undefined)).toBe(true);
    expect(parseLabelSelector('a').matches(null)).toBe(false);
    expect(parseLabelSelector('').matches(undefined)).toBe(true);
  });

  it('selectorFromSet', () => {
    expect(selectorFromSet({ app: 'web', tier: 'fe' }).matches({ app: 'web', tier: 'fe', x: 'y' })).toBe(true);
    expect(selectorFromSet({ app: 'web' }).matches({ app: 'db' })).toBe(false);
    expect(selectorFromSet({ b: '1', a: '2' }).toString()).toBe('a=2,b=1');
    expect(selectorFromSet(undefined).empty).toBe(true);
  });

  it('requiresExactMatch', () => {
    const s = parseLabelSelector('a=1,b in (2),c in (3,4),d!=5');
    expect(s.requiresExactMatch('a')).toBe('1');
    expect(s.requiresExactMatch('b')).toBe('2');
    expect(s.requiresExactMatch('c')).toBeUndefined();
    expect(s.requiresExactMatch('d')).toBeUndefined();
    expect(s.requiresExactMatch('zz')).toBeUndefined();
  });

  it('everything and nothing', () => {
    expect(LabelSelector.everything().matches({})).toBe(true);
    expect(LabelSelector.everything().empty).toBe(true);
    expect(LabelSelector.nothing().matches({})).toBe(false);
    expect(LabelSelector.nothing().empty).toBe(false);
    expect(LabelSelector.nothing().matchesNothing).toBe(true);
  });

  it('add returns a new sorted selector', () => {
    const a = parseLabelSelector('z=1');
    const b = a.add({ key: 'a', operator: 'exists', values: [] });
    expect(a.toString()).toBe('z=1');
    expect(b.toString()).toBe('a,z=1');
  });
});

describe('metav1.LabelSelector', () => {
  it('null or undefined selects nothing; {} selects everything', () => {
    expect(labelSelectorMatches(null, { a: 'b' })).toBe(false);
    expect(labelSelectorMatches(undefined, {})).toBe(false);
    expect(labelSelectorMatches({}, { a: 'b' })).toBe(true);
    expect(labelSelectorMatches({ matchLabels: {}, matchExpressions: [] }, {})).toBe(true);
  });

  const sel = {
    matchLabels: { app: 'nginx' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['fe', 'be'] },
      { key: 'env', operator: 'NotIn', values: ['dev'] },
      { key: 'track', operator: 'Exists' },
      { key: 'legacy', operator: 'DoesNotExist' },
    ],
  };
  it.each([
    [{ app: 'nginx', tier: 'fe', track: 'stable' }, true],
    [{ app: 'nginx', tier: 'be', track: 'x', env: 'prod' }, true],
    [{ app: 'nginx', tier: 'be', track: 'x', env: 'dev' }, false],
    [{ app: 'nginx', tier: 'db', track: 'x' }, false],
    [{ app: 'nginx', tier: 'fe' }, false],
    [{ app: 'nginx', tier: 'fe', track: 'x', legacy: 'y' }, false],
    [{ app: 'apache', tier: 'fe', track: 'x' }, false],
  ])('%j: %s', (labels, want) => {
    expect(labelSelectorMatches(sel, labels)).toBe(want);
  });

  it('formatLabelSelector (metav1.FormatLabelSelector)', () => {
    expect(formatLabelSelector(sel)).toBe('app=nginx,env notin (dev),!legacy,tier in (be,fe),track');
    expect(formatLabelSelector({ matchLabels: { app: 'web' } })).toBe('app=web');
    expect(formatLabelSelector({})).toBe('<none>');
    expect(formatLabelSelector(null)).toBe('<none>');
    expect(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] })).toBe('<error>');
  });

  it.each([
    [{ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }, '"Bogus" is not a valid label selector operator'],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, `values: Invalid value: ["x"]: values set must be empty for exists and does not exist`],
    [{ matchLabels: { 'bad key': 'v' } }, `key: Invalid value: "bad key": ${KEY_REGEX_MSG}`],
    [{ matchLabels: { k: 'bad value' } }, `values[0][k]: Invalid value: "bad value": ${VALUE_REGEX_MSG}`],
  ])('invalid %j', (s, message) => {
    expect(() => labelSelectorToSelector(s)).toThrow(message);
  });
});

describe('label key and value validity', () => {
  it.each([
    ['app', true],
    ['app.kubernetes.io/name', true],
    ['node-role.kubernetes.io/control-plane', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['-a', false],
    ['a_b.c-D9', true],
    ['', false],
    ['/a', false],
    ['a/', false],
    ['a/b/c', false],
    ['Example.com/a', false],
    ['example.com/' + 'a'.repeat(63), true],
  ])('key %j valid: %s', (k, ok) => {
    expect(isValidLabelKey(k)).toBe(ok);
  });

  it.each([
    ['', true],
    ['v1', true],
    ['my_value.x-y', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['-x', false],
    ['x y', false],
    ['x/', false],
  ])('value %j valid: %s', (v, ok) => {
    expect(isValidLabelValue(v)).toBe(ok);
  });

  it('gives upstream messages', () => {
    expect(labelKeyErrors('/a')).toEqual(['prefix part must be non-empty']);
    expect(labelKeyErrors('a/b/c')).toEqual([
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]);
    expect(labelKeyErrors('a'.repeat(64))).toEqual(['name part must be no more than 63 characters']);
    expect(labelKeyErrors('')).toEqual(['name part must be non-empty', KEY_REGEX_MSG]);
    expect(labelKeyErrors('Foo.com/x')).toEqual([
      "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    expect(labelValueErrors('a'.repeat(64))).toEqual(['must be no more than 63 characters']);
    expect(labelValueErrors('-')).toEqual([VALUE_REGEX_MSG]);
  });

  it('newRequirement aggregates several problems', () => {
    const r = newRequirement('-k', 'in', [], undefined);
    expect(r.error).toBe(
      `[key: Invalid value: "-k": ${KEY_REGEX_MSG}, values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty]`,
    );
    expect(newRequirement('k', 'bogus', []).error).toBe(
      'operator: Unsupported value: "bogus": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"',
    );
    expect(newRequirement('k', 'gt', ['1']).error).toBeUndefined();
  });
});

describe('conversions between the string form and metav1.LabelSelector', () => {
  it('parseToLabelSelector', () => {
    expect(parseToLabelSelector('app=web,tier in (fe,be),!legacy,track')).toEqual({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['be', 'fe'] },
        { key: 'legacy', operator: 'DoesNotExist', values: [] },
        { key: 'track', operator: 'Exists', values: [] },
      ],
    });
    expect(() => parseToLabelSelector('x>1')).toThrow(`"gt" isn't supported in label selectors`);
    expect(() => parseToLabelSelector('a b')).toThrow(`couldn't parse the selector string "a b": unable to parse requirement: found 'b'`);
  });

  it('round trip: string -> LabelSelector -> selector string', () => {
    const s = 'app=web,env notin (dev),tier in (be,fe)';
    expect(formatLabelSelector(parseToLabelSelector(s))).toBe(s);
  });

  it('labelSelectorAsMap', () => {
    expect(labelSelectorAsMap({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'In', values: ['2'] }] })).toEqual({ a: '1', b: '2' });
    expect(labelSelectorAsMap(null)).toBeUndefined();
    expect(() => labelSelectorAsMap({ matchExpressions: [{ key: 'b', operator: 'Exists' }] })).toThrow(
      'operator "Exists" cannot be converted into the old label selector format',
    );
  });
});
