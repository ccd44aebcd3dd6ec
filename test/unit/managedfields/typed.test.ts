/**
 * structured-merge-diff's typed operations on plain objects, table-driven: field sets (FieldsV1), compare,
 * merge of an applied configuration, removal of fields, the Updater's update/apply with conflicts and pruning.
 */
import { describe, expect, it } from 'vitest';
import { FieldSet, pathString } from '../../../api/managedfields/fieldset.js';
import { compare, merge, removeItems, toFieldSet, type TypeRef } from '../../../api/managedfields/typed.js';
import { applyFieldSets, Conflicts, updateFieldSets, type ManagedFieldSets } from '../../../api/managedfields/updater.js';
import { kindSchema } from '../../../api/managedfields/kind-schema.js';

const POD = kindSchema('v1', 'Pod');
const DEPLOY = kindSchema('apps/v1', 'Deployment');
/** A custom-resource-like schema: a map list, a set list, an atomic list, an atomic map, a granular map, free-form content. */
const CR: TypeRef = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        parts: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name', 'zone'], items: { type: 'object', properties: { name: { type: 'string' }, zone: { type: 'string' }, n: { type: 'integer' } } } },
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        args: { type: 'array', items: { type: 'string' } },
        sel: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { a: { type: 'string' }, b: { type: 'string' } } },
        env: { type: 'object', additionalProperties: { type: 'string' } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
};

describe('FieldSet', () => {
  it('FieldsV1 round trip: "." marks a member with children; elements sorted fields, keys, values, indexes', () => {
    const s = FieldSet.of(['f:spec', 'f:b'], ['f:spec', 'f:a'], ['f:spec', 'k:{"name":"x"}'], ['f:spec', 'k:{"name":"x"}', 'f:image'], ['f:spec', 'i:10'], ['f:spec', 'i:2'], ['f:spec', 'v:"t"']);
    const v1 = s.toFieldsV1();
    expect(JSON.stringify(v1)).toBe('{"f:spec":{"f:a":{},"f:b":{},"k:{\\"name\\":\\"x\\"}":{".":{},"f:image":{}},"v:\\"t\\"":{},"i:2":{},"i:10":{}}}');
    expect(FieldSet.fromFieldsV1(v1).equals(s)).toBe(true);
  });

  it.each([
    ['a non-object', 'x', 'expected an object'],
    ['an unknown prefix', { 'z:x': {} }, 'unknown path element prefix in "z:x"'],
    ['a key that is not JSON', { 'k:{x': {} }, 'invalid path element "k:{x"'],
    ['a non-object value', { 'f:a': 1 }, 'the value of f:a is not an object'],
    ['"." with content', { 'f:a': { '.': { 'f:b': {} } } }, '"." must map to an empty object'],
  ])('fromFieldsV1 refuses %s', (_what, v, message) => {
    expect(() => FieldSet.fromFieldsV1(v)).toThrow(message);
  });

  it('union, difference (exact), recursiveDifference (subtrees), intersection', () => {
    const a = FieldSet.of(['f:a'], ['f:a', 'f:b'], ['f:c']);
    const b = FieldSet.of(['f:a'], ['f:d']);
    expect(a.union(b).paths()).toEqual([['f:a'], ['f:a', 'f:b'], ['f:c'], ['f:d']]);
    expect(a.difference(b).paths()).toEqual([['f:a', 'f:b'], ['f:c']]);
    expect(a.recursiveDifference(b).paths()).toEqual([['f:c']]);
    expect(a.intersection(b).paths()).toEqual([['f:a']]);
    expect(a.difference(a).isEmpty()).toBe(true);
  });

  it.each([
    [['f:spec', 'f:replicas'], '.spec.replicas'],
    [['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'], '.spec.containers[name="web"].image'],
    [['f:ports', 'k:{"containerPort":80,"protocol":"TCP"}'], '.ports[containerPort=80,protocol="TCP"]'],
    [['f:finalizers', 'v:"a"'], '.finalizers[=\"a\"]'],
    [['f:args', 'i:3'], '.args[3]'],
  ])('pathString(%j) = %s', (path, s) => {
    expect(pathString(path)).toBe(s);
  });
});

describe('toFieldSet', () => {
  const cases: [string, TypeRef, unknown, Record<string, unknown>][] = [
    ['scalars and struct fields (structs are not members)', DEPLOY, { spec: { replicas: 1, paused: false } }, { 'f:spec': { 'f:paused': {}, 'f:replicas': {} } }],
    ['map entries are members; an empty map or null is a member', POD, { metadata: { labels: { a: 'x' }, annotations: {} }, spec: { nodeSelector: null } }, { 'f:metadata': { 'f:annotations': {}, 'f:labels': { 'f:a': {} } }, 'f:spec': { 'f:nodeSelector': {} } }],
    [
      'merge lists by key (containers by name, ports by containerPort+protocol with the TCP default)',
      POD,
      { spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] } },
      { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } } } } },
    ],
    ['an atomic list (args) and an atomic map (selector) are leaves', DEPLOY, { spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ name: 'c', args: ['x', 'y'] }] } } } }, { 'f:spec': { 'f:selector': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:args': {}, 'f:name': {} } } } } } }],
    ['a set list (finalizers) by value', POD, { metadata: { finalizers: ['a/b', 'c'] } }, { 'f:metadata': { 'f:finalizers': { 'v:"a/b"': {}, 'v:"c"': {} } } }],
    [
      "a custom resource's map list with two keys, set, atomic list, atomic and granular maps, free-form content",
      CR,
      { spec: { parts: [{ name: 'a', zone: 'z', n: 1 }], tags: ['t'], args: ['1'], sel: { a: 'x' }, env: { K: 'v' }, free: { deep: { x: 1 }, l: [1] } } },
      {
        'f:spec': {
          'f:args': {},
          'f:env': { 'f:K': {} },
          'f:free': { 'f:deep': { '.': {}, 'f:x': {} }, 'f:l': {} },
          'f:parts': { 'k:{"name":"a","zone":"z"}': { '.': {}, 'f:n': {}, 'f:name': {}, 'f:zone': {} } },
          'f:sel': {},
          'f:tags': { 'v:"t"': {} },
        },
      },
    ],
    ['duplicate keys: the item path once, not its fields', CR, { spec: { parts: [{ name: 'a', zone: 'z', n: 1 }, { name: 'a', zone: 'z', n: 2 }] } }, { 'f:spec': { 'f:parts': { 'k:{"name":"a","zone":"z"}': {} } } }],
    ['no schema: objects by key, lists atomic', undefined, { a: { b: [1, 2] } }, { 'f:a': { '.': {}, 'f:b': {} } }],
  ];
  it.each(cases)('%s', (_what, t, v, fieldsV1) => {
    expect(toFieldSet(v, t).toFieldsV1()).toEqual(fieldsV1);
  });
});

describe('compare', () => {
  it('added, modified and removed paths; a new map or item is itself added; an atomic list changes as one', () => {
    const c = compare(
      { spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: 'x', args: ['1'] }, { name: 'gone' }] } } } },
      { spec: { replicas: 2, template: { metadata: { labels: { k: 'v' } }, spec: { containers: [{ name: 'a', image: 'x', args: ['2'] }] } } } },
      DEPLOY,
    );
    expect(c.modified.paths().map(pathString)).toEqual(['.spec.replicas', '.spec.template.spec.containers[name="a"].args']);
    expect(c.added.paths().map(pathString)).toEqual(['.spec.template.metadata', '.spec.template.metadata.labels', '.spec.template.metadata.labels.k']);
    expect(c.removed.paths().map(pathString)).toEqual(['.spec.template.spec.containers[name="gone"]', '.spec.template.spec.containers[name="gone"].name']);
  });
});

describe('merge', () => {
  const cases: [string, TypeRef, unknown, unknown, unknown][] = [
    ['scalars: the config wins; live-only fields stay', DEPLOY, { spec: { replicas: 1, paused: true } }, { spec: { replicas: 3 } }, { spec: { replicas: 3, paused: true } }],
    [
      'map list items merge by key, live items keep their places, new ones follow',
      POD,
      { spec: { containers: [{ name: 'a', image: 'x', imagePullPolicy: 'Always' }, { name: 'b', image: 'y' }] } },
      { spec: { containers: [{ name: 'c', image: 'z' }, { name: 'a', image: 'x2' }] } },
      { spec: { containers: [{ name: 'c', image: 'z' }, { name: 'a', image: 'x2', imagePullPolicy: 'Always' }, { name: 'b', image: 'y' }] } },
    ],
    ['atomic lists are replaced', DEPLOY, { spec: { template: { spec: { containers: [{ name: 'a', args: ['1', '2'] }] } } } }, { spec: { template: { spec: { containers: [{ name: 'a', args: ['3'] }] } } } }, { spec: { template: { spec: { containers: [{ name: 'a', args: ['3'] }] } } } }],
    ['set lists are unions', POD, { metadata: { finalizers: ['a', 'b'] } }, { metadata: { finalizers: ['c', 'a'] } }, { metadata: { finalizers: ['c', 'a', 'b'] } }],
    ['atomic maps are replaced', CR, { spec: { sel: { a: '1', b: '2' } } }, { spec: { sel: { a: '3' } } }, { spec: { sel: { a: '3' } } }],
    ['granular maps merge', CR, { spec: { env: { A: '1' } } }, { spec: { env: { B: '2' } } }, { spec: { env: { A: '1', B: '2' } } }],
  ];
  it.each(cases)('%s', (_what, t, live, config, out) => {
    expect(merge(live, config, t)).toEqual(out);
  });

  it('duplicate keys in an applied list are refused, in a live list tolerated', () => {
    const dup = { spec: { containers: [{ name: 'a' }, { name: 'a' }] } };
    expect(() => toFieldSet(dup, POD, true)).toThrow('.spec.containers: duplicate entries for key [name="a"]');
    expect(() => merge({ spec: { containers: [{ name: 'a' }] } }, dup, POD)).toThrow('.spec.containers: duplicate entries for key [name="a"]');
    expect(merge(dup, { spec: { containers: [{ name: 'b' }] } }, POD)).toEqual({ spec: { containers: [{ name: 'a' }, { name: 'a' }, { name: 'b' }] } });
  });
});

describe('removeItems', () => {
  it('removes fields, map entries and list items named by the set; what empties disappears', () => {
    const v = { spec: { replicas: 1, template: { metadata: { labels: { a: '1', b: '2' } }, spec: { containers: [{ name: 'x', image: 'i' }, { name: 'y' }] } } } };
    const set = FieldSet.of(['f:spec', 'f:replicas'], ['f:spec', 'f:template', 'f:metadata', 'f:labels', 'f:a'], ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"y"}'], ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"x"}', 'f:image']);
    expect(removeItems(v, set, DEPLOY)).toEqual({ spec: { template: { metadata: { labels: { b: '2' } }, spec: { containers: [{ name: 'x' }] } } } });
  });
});

describe('Updater', () => {
  const V = 'apps/v1';
  const sets = (o: Record<string, FieldSet>, applied: string[] = []): ManagedFieldSets => new Map(Object.entries(o).map(([k, set]) => [k, { set, apiVersion: V, applied: applied.includes(k) }]));
  const fields = (m: ManagedFieldSets): Record<string, string[]> => Object.fromEntries([...m].map(([k, vs]) => [k, vs.set.paths().map(pathString)]));

  it('an update owns what it changed and takes it from others; removed fields leave everyone', () => {
    const live = { spec: { replicas: 1, paused: true } };
    const next = { spec: { replicas: 2 } };
    const m = updateFieldSets(live, next, DEPLOY, V, sets({ a: FieldSet.of(['f:spec', 'f:replicas'], ['f:spec', 'f:paused']) }), 'b', undefined);
    expect(fields(m)).toEqual({ b: ['.spec.replicas'] });
  });

  it('apply: conflicts on a changed field another manager owns; same values are shared, not conflicts', () => {
    const live = { spec: { replicas: 1, paused: true } };
    const m = sets({ a: FieldSet.of(['f:spec', 'f:replicas'], ['f:spec', 'f:paused']) });
    const shared = applyFieldSets(live, { spec: { paused: true } }, DEPLOY, V, m, 'b', false, undefined);
    expect(shared).not.toBeInstanceOf(Conflicts);
    if (shared instanceof Conflicts) return;
    expect(shared.object).toBeUndefined(); // nothing changed
    expect(fields(shared.managers)).toEqual({ a: ['.spec.paused', '.spec.replicas'], b: ['.spec.paused'] });

    const conflict = applyFieldSets(live, { spec: { replicas: 5 } }, DEPLOY, V, m, 'b', false, undefined);
    expect(conflict).toBeInstanceOf(Conflicts);
    expect((conflict as Conflicts).conflicts.map((c) => [c.manager, pathString(c.path)])).toEqual([['a', '.spec.replicas']]);

    const forced = applyFieldSets(live, { spec: { replicas: 5 } }, DEPLOY, V, m, 'b', true, undefined);
    if (forced instanceof Conflicts) throw new Error('forced apply conflicted');
    expect(forced.object).toEqual({ spec: { replicas: 5, paused: true } });
    expect(fields(forced.managers)).toEqual({ a: ['.spec.paused'], b: ['.spec.replicas'] });
  });

  it('apply: what the applier stops sending goes, unless another manager owns it', () => {
    const live = { spec: { replicas: 1, paused: true, minReadySeconds: 3 } };
    const m = sets({ me: FieldSet.of(['f:spec', 'f:replicas'], ['f:spec', 'f:paused'], ['f:spec', 'f:minReadySeconds']), other: FieldSet.of(['f:spec', 'f:paused']) }, ['me', 'other']);
    const r = applyFieldSets(live, { spec: { replicas: 1 } }, DEPLOY, V, m, 'me', false, undefined);
    if (r instanceof Conflicts) throw new Error('conflicted');
    expect(r.object).toEqual({ spec: { replicas: 1, paused: true } });
    expect(fields(r.managers)).toEqual({ me: ['.spec.replicas'], other: ['.spec.paused'] });
  });

  it('apply: a list item the applier stops sending goes with its fields', () => {
    const live = { spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } } } };
    const before = toFieldSet({ spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } } } }, DEPLOY);
    const r = applyFieldSets(live, { spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } }, DEPLOY, V, sets({ me: before }, ['me']), 'me', false, undefined);
    if (r instanceof Conflicts) throw new Error('conflicted');
    expect(r.object).toEqual({ spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } });
  });
});
