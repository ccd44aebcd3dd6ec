import { describe, expect, it } from 'vitest';
import type { JSONSchemaProps } from '../../../api/types/apiextensions.js';
import { compileRules, normalizeFieldPath, type ValidationRule } from '../../../api/apiextensions/cel-rules.js';
import { declOf, escapeFieldName } from '../../../api/apiextensions/cel-types.js';
import { celValidator } from '../../../api/apiextensions/cel-validator.js';

/** A CRD root whose spec has the given properties and rules. */
function crd(props: Record<string, JSONSchemaProps>, rules: (ValidationRule & { rule: string })[], extra: Partial<JSONSchemaProps> = {}): JSONSchemaProps {
  return { type: 'object', properties: { spec: { type: 'object', properties: props, 'x-kubernetes-validations': rules, ...extra } } };
}

function causes(schema: JSONSchemaProps, obj: unknown, old?: unknown): string[] {
  const v = celValidator(schema);
  if (!v) throw new Error('no validator');
  return v.validate(obj, old).map((c) => `${c.field}: ${c.message}`);
}

const INT: JSONSchemaProps = { type: 'integer' };
const STR: JSONSchemaProps = { type: 'string' };

describe('CEL rule evaluation on custom objects', () => {
  it.each<[string, JSONSchemaProps, unknown, string[]]>([
    ['a true rule', crd({ a: INT }, [{ rule: 'self.a > 1' }]), { spec: { a: 2 } }, []],
    ['a false rule with its message', crd({ a: INT }, [{ rule: 'self.a > 1', message: 'a must exceed 1' }]), { spec: { a: 1 } }, ['spec: Invalid value: "object": a must exceed 1']],
    ['no message: failed rule: <rule>', crd({ a: INT }, [{ rule: 'self.a > 1' }]), { spec: { a: 1 } }, ['spec: Invalid value: "object": failed rule: self.a > 1']],
    ['every failing rule is a cause', crd({ a: INT }, [{ rule: 'self.a > 1', message: 'm1' }, { rule: 'self.a > 0' }, { rule: 'self.a < 1', message: 'm3' }]), { spec: { a: 0 } }, [
      'spec: Invalid value: "object": m1',
      'spec: Invalid value: "object": failed rule: self.a > 0',
    ]],
    ['reason Forbidden', crd({ a: INT }, [{ rule: '!has(self.a)', message: 'a is not allowed', reason: 'FieldValueForbidden' }]), { spec: { a: 1 } }, ['spec: Forbidden: a is not allowed']],
    ['reason Required', crd({ a: INT }, [{ rule: 'has(self.a)', message: 'a is needed', reason: 'FieldValueRequired' }]), { spec: {} }, ['spec: Required value: a is needed']],
    ['reason Duplicate', crd({ a: INT }, [{ rule: 'false', reason: 'FieldValueDuplicate' }]), { spec: {} }, ['spec: Duplicate value: "object"']],
    ['fieldPath names the field', crd({ a: INT }, [{ rule: 'self.a > 1', message: 'too small', fieldPath: '.a' }]), { spec: { a: 1 } }, ['spec.a: Invalid value: "object": too small']],
    ['messageExpression', crd({ a: INT }, [{ rule: 'self.a > 1', messageExpression: "'a is ' + string(self.a)" }]), { spec: { a: 1 } }, ['spec: Invalid value: "object": a is 1']],
    ['a messageExpression that fails falls back to the message', crd({ a: INT }, [{ rule: 'self.a > 1', message: 'plain', messageExpression: "'x' + string(self.b)" }], { properties: { a: INT, b: INT } }), { spec: { a: 1 } }, ['spec: Invalid value: "object": plain']],
    ['a rule on a scalar field', { type: 'object', properties: { spec: { type: 'object', properties: { n: { type: 'string', 'x-kubernetes-validations': [{ rule: "self.startsWith('x')", message: 'must start with x' }] } } } } }, { spec: { n: 'y' } }, ['spec.n: Invalid value: "string": must start with x']],
    ['list items get their index', { type: 'object', properties: { l: { type: 'array', items: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self % 2 == 0', message: 'even' }] } } } }, { l: [2, 3, 4, 5] }, ['l[1]: Invalid value: "integer": even', 'l[3]: Invalid value: "integer": even']],
    ['map values get their key', { type: 'object', properties: { m: { type: 'object', additionalProperties: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() < 3' }] } } } }, { m: { a: 'ok', b: 'long' } }, ['m[b]: Invalid value: "string": failed rule: self.size() < 3']],
    ['a map: all keys', { type: 'object', properties: { m: { type: 'object', additionalProperties: STR, 'x-kubernetes-validations': [{ rule: "self.all(k, k.startsWith('x'))" }] } } }, { m: { xa: '1', b: '2' } }, ["m: Invalid value: \"object\": failed rule: self.all(k, k.startsWith('x'))"]],
    ['int-or-string is dyn', { type: 'object', properties: { p: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-validations': [{ rule: "type(self) == int ? self < 5 : self.endsWith('%')" }] } } }, { p: 7 }, ["p: Invalid value: \"\": failed rule: type(self) == int ? self < 5 : self.endsWith('%')"]],
    ['int-or-string as a string', { type: 'object', properties: { p: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-validations': [{ rule: "type(self) == int ? self < 5 : self.endsWith('%')" }] } } }, { p: '5%' }, []],
    ['the root sees metadata.name', { type: 'object', properties: {}, 'x-kubernetes-validations': [{ rule: "self.metadata.name.startsWith('a')", message: 'name must start with a' }] }, { metadata: { name: 'b', namespace: 'x' } }, ['<nil>: Invalid value: "object": name must start with a']],
    ['a root rule with a fieldPath', { type: 'object', properties: { spec: { type: 'object', properties: { a: INT } } }, 'x-kubernetes-validations': [{ rule: 'self.spec.a > 0', fieldPath: '.spec.a' }] }, { spec: { a: 0 } }, ['spec.a: Invalid value: "object": failed rule: self.spec.a > 0']],
    ['an evaluation error at the root', { type: 'object', properties: { spec: { type: 'object', properties: { a: INT } } }, 'x-kubernetes-validations': [{ rule: 'self.spec.a > 0', message: 'spec.a must be positive' }] }, { spec: {} }, ['<nil>: Invalid value: "object": no such key: a evaluating rule: spec.a must be positive']],
    ['no such key is an evaluation error', crd({ a: INT }, [{ rule: 'self.a == 1' }]), { spec: {} }, ['spec: Invalid value: "object": no such key: a evaluating rule: self.a == 1']],
    ['has() on an index expression', crd({ l: { type: 'array', items: { type: 'object', properties: { p: STR } } } }, [{ rule: 'has(self.l[0].p)', message: 'first needs p' }]), { spec: { l: [{}] } }, ['spec: Invalid value: "object": first needs p']],
    ['escaped property names', crd({ 'x-y': INT, if: INT }, [{ rule: 'self.x__dash__y < self.__if__' }]), { spec: { 'x-y': 3, if: 2 } }, ['spec: Invalid value: "object": failed rule: self.x__dash__y < self.__if__']],
    ['a library function error is an evaluation error', crd({ u: STR }, [{ rule: "url(self.u).getScheme() == 'https'" }]), { spec: { u: 'x y' } }, ['spec: Invalid value: "object": URL parse error during conversion from string: parse "x y": invalid URI for request evaluating rule: url(self.u).getScheme() == \'https\'']],
    ['doubles and ints', crd({ d: { type: 'number' }, i: INT }, [{ rule: 'self.d > 1.5 && self.i == 2' }]), { spec: { d: 2, i: 2 } }, []],
    ['formats duration, date-time and byte are CEL durations, timestamps and bytes', crd({ d: { type: 'string', format: 'duration' }, t: { type: 'string', format: 'date-time' }, b: { type: 'string', format: 'byte' } }, [{ rule: "self.d > duration('1m') && self.t < timestamp('2030-01-01T00:00:00Z') && size(self.b) == 3" }]), { spec: { d: '1h', t: '2026-12-04T10:00:00Z', b: 'YWJj' } }, []],
    ['a duration below the bound fails', crd({ d: { type: 'string', format: 'duration' } }, [{ rule: "self.d > duration('1m')", message: 'at least a minute' }]), { spec: { d: '30s' } }, ['spec: Invalid value: "object": at least a minute']],
    ['null values are skipped', { type: 'object', properties: { n: { type: 'string', nullable: true, 'x-kubernetes-validations': [{ rule: 'false' }] } } }, { n: null }, []],
  ])('%s', (_name, schema, obj, want) => {
    expect(causes(schema, obj)).toEqual(want);
  });
});

describe('transition rules and ratcheting', () => {
  const immutable = crd({ a: INT }, [{ rule: 'self.a == oldSelf.a', message: 'a is immutable' }]);
  it('a transition rule is skipped on create', () => {
    expect(causes(immutable, { spec: { a: 1 } })).toEqual([]);
  });
  it('a transition rule applies on update', () => {
    expect(causes(immutable, { spec: { a: 2 } }, { spec: { a: 1 } })).toEqual(['spec: Invalid value: "object": a is immutable']);
    expect(causes(immutable, { spec: { a: 1 } }, { spec: { a: 1 } })).toEqual([]);
  });
  it('optionalOldSelf evaluates on create too', () => {
    const s = crd({ a: INT }, [{ rule: '!oldSelf.hasValue() ? self.a == 1 : self.a >= oldSelf.value().a', message: 'starts at 1, never shrinks', optionalOldSelf: true }]);
    expect(causes(s, { spec: { a: 2 } })).toEqual(['spec: Invalid value: "object": starts at 1, never shrinks']);
    expect(causes(s, { spec: { a: 1 } })).toEqual([]);
    expect(causes(s, { spec: { a: 3 } }, { spec: { a: 4 } })).toEqual(['spec: Invalid value: "object": starts at 1, never shrinks']);
  });
  it('map-list items are correlated by key', () => {
    const s: JSONSchemaProps = { type: 'object', properties: { l: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: STR, v: INT }, 'x-kubernetes-validations': [{ rule: 'self.v >= oldSelf.v', message: 'v may not decrease' }] } } } };
    expect(causes(s, { l: [{ name: 'b', v: 1 }, { name: 'a', v: 5 }] }, { l: [{ name: 'a', v: 4 }, { name: 'b', v: 2 }] })).toEqual(['l[0]: Invalid value: "object": v may not decrease']);
  });
  it('a failing rule on an unchanged value is ratcheted on update, not on create', () => {
    const s = crd({ a: INT, b: INT }, [{ rule: 'self.a > 1', message: 'a too small' }]);
    expect(causes(s, { spec: { a: 1 } })).toEqual(['spec: Invalid value: "object": a too small']);
    expect(causes({ type: 'object', properties: { spec: s.properties!.spec!, other: INT } }, { spec: { a: 1 }, other: 2 }, { spec: { a: 1 }, other: 1 })).toEqual([]);
    expect(causes(s, { spec: { a: 1, b: 2 } }, { spec: { a: 1, b: 1 } })).toEqual(['spec: Invalid value: "object": a too small']);
  });
});

describe('the Kubernetes CEL library', () => {
  const lib = (rule: string, value: string | number[] | string[]): string[] => {
    const item: JSONSchemaProps = Array.isArray(value) ? { type: 'array', items: typeof value[0] === 'number' ? INT : STR } : STR;
    return causes({ type: 'object', properties: { v: { ...item, 'x-kubernetes-validations': [{ rule }] } } }, { v: value });
  };
  it.each<[string, string | number[] | string[]]>([
    ["self.find('[0-9]+') == '42'", 'ab42cd7'],
    ["self.findAll('[0-9]+') == ['42', '7']", 'ab42cd7'],
    ["self.findAll('[0-9]+', 1) == ['42']", 'ab42cd7'],
    ["self.matches('^[a-z]+$') && matches(self, 'b')", 'abc'],
    ["self.matches('^(?i)[a-z]+$') && !self.matches('^[a-z]+$')", 'ABC'],
    ["self.lowerAscii() == 'abc' && self.upperAscii() == 'ABC'", 'aBc'],
    ["self.replace('b', 'x') == 'axc' && self.charAt(1) == 'b' && self.reverse() == 'cba'", 'abc'],
    ["self.split('/')[0].size() < 4", 'abc/def'],
    ['self.isSorted() && self.sum() == 6 && self.min() == 1 && self.max() == 3 && self.indexOf(2) == 1', [1, 2, 3]],
    ["self.isSorted() && self.lastIndexOf('a') == 1", ['a', 'a', 'b']],
    ["isURL(self) && url(self).getScheme() == 'https' && url(self).getHost() == 'example.com:8443' && url(self).getHostname() == 'example.com' && url(self).getPort() == '8443' && url(self).getEscapedPath() == '/a/b'", 'https://example.com:8443/a/b?x=1'],
    ["url(self).getQuery()['x'] == ['1', '2']", 'https://h/p?x=1&x=2'],
    ['!isURL(self)', 'not a url'],
    ["isIP(self) && ip(self).family() == 4 && ip(self).isLoopback() && string(ip(self)) == '127.0.0.1'", '127.0.0.1'],
    ["isIP(self) && ip(self).family() == 6 && string(ip(self)) == '2001:db8::1'", '2001:db8:0:0:0:0:0:1'],
    ['!isIP(self)', '01.2.3.4'],
    ["isCIDR(self) && cidr(self).containsIP('10.1.2.3') && !cidr(self).containsIP('11.0.0.1') && cidr(self).prefixLength() == 8 && cidr(self).containsCIDR('10.2.0.0/16') && string(cidr('10.1.2.3/8').masked()) == '10.0.0.0/8'", '10.0.0.0/8'],
    ['self.all(x, x > 0) && self.exists(x, x == 2) && self.exists_one(x, x == 3) && self.map(x, x * 2) == [2, 4, 6] && self.filter(x, x > 1).size() == 2', [1, 2, 3]],
    ["duration('1h') > duration('30m') && duration(self) == duration('90s')", '1m30s'],
  ])('%s', (rule, value) => {
    expect(lib(rule, value)).toEqual([]);
  });
});

describe('compilation', () => {
  const decl = declOf({ type: 'object', properties: { a: INT, s: STR } }, false)!;
  it.each<[string, string]>([
    ['self.nope == 1', "compilation failed: ERROR: <input>:1:5: undefined field 'nope'\n | self.nope == 1\n | ....^"],
    ['self.a', 'cel expression must evaluate to a bool'],
    ['other == 1', "compilation failed: ERROR: <input>:1:1: undeclared reference to 'other' (in container '')\n | other == 1\n | ^"],
  ])('%s is refused', (rule, want) => {
    expect(compileRules([{ rule }], decl, {})[0]!.error).toBe(want);
  });
  it('a rule naming oldSelf is a transition rule', () => {
    const [a, b] = compileRules([{ rule: 'self.a == oldSelf.a' }, { rule: 'self.a == 1' }], decl, {});
    expect([a!.usesOldSelf, b!.usesOldSelf]).toEqual([true, false]);
  });
  it('escapes property names as upstream', () => {
    expect(['a-b', 'a.b', 'a/b', 'a__b', 'a_b', 'namespace', '1a', 'a b'].map(escapeFieldName)).toEqual(['a__dash__b', 'a__dot__b', 'a__slash__b', 'a__underscores__b', 'a_b', '__namespace__', undefined, undefined]);
  });
  it('normalizes field paths against the schema', () => {
    const s: JSONSchemaProps = { type: 'object', properties: { a: { type: 'object', properties: { 'b.c': STR } }, m: { type: 'object', additionalProperties: STR } } };
    expect([".a['b.c']", '.m.key', ".m['k']", '.x', 'a'].map((p) => normalizeFieldPath(p, s))).toEqual(['a.b.c', 'm[key]', 'm[k]', undefined, undefined]);
  });
});
