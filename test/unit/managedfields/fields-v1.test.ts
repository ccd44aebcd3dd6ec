/** FieldsV1 edited in place of decoding: removal and addition along paths, untouched parts shared; which patches can touch managedFields. */
import { describe, expect, it } from 'vitest';
import { addToFieldsV1, removeFromFieldsV1 } from '../../../api/managedfields/fields-v1.js';
import { FieldSet } from '../../../api/managedfields/fieldset.js';
import { patchMayTouchManagedFields } from '../../../control-plane/apiserver/field-manager.js';
import type { DecodedPatch } from '../../../control-plane/apiserver/patch-handler.js';

describe('removeFromFieldsV1', () => {
  const v1 = { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:x': {} } } };
  it.each([
    ['a leaf', [['f:data', 'f:a']], { 'f:data': { '.': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:x': {} } } }],
    ['the last child of a member: the member stays as {}', [['f:data', 'f:a'], ['f:data', 'f:b']], { 'f:data': {}, 'f:metadata': { 'f:labels': { 'f:x': {} } } }],
    ['a member with children: its "." goes', [['f:data']], { 'f:data': { 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:x': {} } } }],
    ['the last child of a non-member: the node goes', [['f:metadata', 'f:labels', 'f:x']], { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} } }],
    ['a path that is not there', [['f:spec', 'f:replicas']], v1],
  ])('%s', (_what, paths, out) => {
    const r = removeFromFieldsV1(v1, FieldSet.of(...paths));
    expect(r).toEqual(out);
    expect(FieldSet.fromFieldsV1(r).equals(FieldSet.fromFieldsV1(v1).difference(FieldSet.of(...paths)))).toBe(true);
  });

  it('shares what it does not touch and changes nothing in place', () => {
    const copy = structuredClone(v1);
    const r = removeFromFieldsV1(v1, FieldSet.of(['f:data', 'f:a']))!;
    expect(r['f:metadata']).toBe(v1['f:metadata']);
    expect(v1).toEqual(copy);
    expect(removeFromFieldsV1(v1, FieldSet.of(['f:spec']))).toBe(v1);
    expect(removeFromFieldsV1({ 'f:a': {} }, FieldSet.of(['f:a']))).toBeUndefined(); // nothing left
  });
});

describe('addToFieldsV1', () => {
  it.each([
    ['into nothing', undefined, [['f:data', 'f:a']], { 'f:data': { 'f:a': {} } }],
    ['a child below a leaf member: it gets "."', { 'f:data': {} }, [['f:data', 'f:a']], { 'f:data': { '.': {}, 'f:a': {} } }],
    ['a member that has children', { 'f:data': { 'f:a': {} } }, [['f:data']], { 'f:data': { '.': {}, 'f:a': {} } }],
    ['beside others', { 'f:data': { 'f:a': {} } }, [['f:data', 'f:b']], { 'f:data': { 'f:a': {}, 'f:b': {} } }],
  ])('%s', (_what, node, paths, out) => {
    expect(addToFieldsV1(node, FieldSet.of(...paths))).toEqual(out);
  });
});

describe('patchMayTouchManagedFields', () => {
  const p = (type: DecodedPatch['type'], body: unknown): DecodedPatch => ({ type, body, findings: [], yamlDuplicates: [] });
  it.each([
    ['a merge patch of data', p('merge', { data: { a: '1' } }), false],
    ['a merge patch of labels', p('merge', { metadata: { labels: { a: '1' } } }), false],
    ['a merge patch naming managedFields', p('merge', { metadata: { managedFields: [] } }), true],
    ['a strategic directive on metadata', p('strategic', { metadata: { $patch: 'replace' } }), true],
    ['a merge patch replacing metadata', p('merge', { metadata: null }), true],
    ['a JSON patch of data', p('json', [{ op: 'add', path: '/data/a', value: '1' }]), false],
    ['a JSON patch of metadata', p('json', [{ op: 'replace', path: '/metadata', value: {} }]), true],
    ['a JSON patch moving managedFields', p('json', [{ op: 'move', from: '/metadata/managedFields/0', path: '/data/x' }]), true],
    ['a JSON patch of the root', p('json', [{ op: 'replace', path: '', value: {} }]), true],
  ])('%s: %s', (_what, patch, touches) => {
    expect(patchMayTouchManagedFields(patch)).toBe(touches);
  });
});
