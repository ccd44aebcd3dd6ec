import { describe, expect, it } from 'vitest';
import {
  escapeFieldValue,
  fieldSelectorFromSet,
  FieldSelector,
  oneTermEqualSelector,
  parseFieldSelector,
  unescapeFieldValue,
} from '../../../api/fields.js';
import { KubeError } from '../../../api/errors.js';

const pod = {
  'metadata.name': 'web-1',
  'metadata.namespace': 'default',
  'spec.nodeName': 'node01',
  'status.phase': 'Running',
};
const getter = (f: string) => (pod as Record<string, string>)[f];

describe('field selector parsing', () => {
  it.each([
    ['', [], ''],
    ['metadata.name=web-1', [{ field: 'metadata.name', operator: '=', value: 'web-1' }], 'metadata.name=web-1'],
    ['metadata.name==web-1', [{ field: 'metadata.name', operator: '=', value: 'web-1' }], 'metadata.name=web-1'],
    ['status.phase!=Running', [{ field: 'status.phase', operator: '!=', value: 'Running' }], 'status.phase!=Running'],
    [
      'status.phase=Running,spec.nodeName=node01',
      [
        { field: 'spec.nodeName', operator: '=', value: 'node01' },
        { field: 'status.phase', operator: '=', value: 'Running' },
      ],
      'spec.nodeName=node01,status.phase=Running',
    ],
    ['spec.nodeName=', [{ field: 'spec.nodeName', operator: '=', value: '' }], 'spec.nodeName='],
    ['a=b\\,c', [{ field: 'a', operator: '=', value: 'b,c' }], 'a=b\\,c'],
    ['a=b\\=c\\\\d', [{ field: 'a', operator: '=', value: 'b=c\\d' }], 'a=b\\=c\\\\d'],
    ['a=b,,c=d', [{ field: 'a', operator: '=', value: 'b' }, { field: 'c', operator: '=', value: 'd' }], 'a=b,c=d'],
    ['a!==b', [{ field: 'a', operator: '!=', value: '=b' }].map((r) => r), null],
  ])('%j', (input, reqs, str) => {
    if (str === null) {
      // "!=" is found first, then the value "=b" has an unescaped "="
      expect(() => parseFieldSelector(input)).toThrow('invalid field selector: unescaped character in value: 61');
      return;
    }
    const s = parseFieldSelector(input);
    expect(s.requirements).toEqual(reqs);
    expect(s.toString()).toBe(str);
  });

  it.each([
    ['a', "invalid selector: 'a'; can't understand 'a'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
  ])('%j fails: %s', (input, message) => {
    try {
      parseFieldSelector(input);
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(KubeError);
      expect((e as KubeError).httpStatus).toBe(400);
      expect((e as KubeError).message).toBe(message);
    }
  });
});

describe('field selector matching', () => {
  it.each([
    ['', true],
    ['metadata.name=web-1', true],
    ['metadata.name=web-2', false],
    ['metadata.name!=web-2', true],
    ['spec.nodeName=node01,status.phase=Running', true],
    ['spec.nodeName=node01,status.phase!=Running', false],
    ['status.podIP=', true], // a missing field reads as ""
    ['status.podIP!=', false],
    ['metadata.namespace==default', true],
  ])('%j: %s', (sel, want) => {
    expect(parseFieldSelector(sel).matches(getter)).toBe(want);
    expect(parseFieldSelector(sel).matches(pod)).toBe(want);
  });

  it('requiresExactMatch (the API server narrows list/watch by metadata.name)', () => {
    const s = parseFieldSelector('metadata.name=web-1,spec.nodeName!=x');
    expect(s.requiresExactMatch('metadata.name')).toBe('web-1');
    expect(s.requiresExactMatch('spec.nodeName')).toBeUndefined();
  });

  it('transform rewrites or drops terms', () => {
    const s = parseFieldSelector('name=a,drop=me').transform((f, v) =>
      f === 'drop' ? { field: '', value: '' } : { field: f === 'name' ? 'metadata.name' : f, value: v },
    );
    expect(s.toString()).toBe('metadata.name=a');
  });

  it('everything, nothing, sets', () => {
    expect(FieldSelector.everything().empty).toBe(true);
    expect(FieldSelector.everything().matches({})).toBe(true);
    expect(FieldSelector.nothing().matches({})).toBe(false);
    expect(fieldSelectorFromSet({ 'spec.nodeName': 'node01' }).matches(getter)).toBe(true);
    expect(fieldSelectorFromSet(undefined).empty).toBe(true);
    expect(oneTermEqualSelector('metadata.name', 'a,b').toString()).toBe('metadata.name=a\\,b');
  });

  it('escapes and unescapes', () => {
    expect(escapeFieldValue('a\\b,c=d')).toBe('a\\\\b\\,c\\=d');
    expect(unescapeFieldValue(escapeFieldValue('a\\b,c=d'))).toBe('a\\b,c=d');
    expect(unescapeFieldValue('plain')).toBe('plain');
  });
});
