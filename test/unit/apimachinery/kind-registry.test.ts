/** The kind registry (api/kinds/registry.ts): names defaulted from a descriptor, registration refused twice, generations. */
import { describe, expect, it } from 'vitest';
import { defineKind } from '../../../api/kinds/descriptor.js';
import { RESOURCES, findResource, registerKind, registryGeneration, resourceInfoOf, strategyFor, unregisterKind } from '../../../api/kinds/registry.js';
import { schemaFor } from '../../../api/types/registry.js';
import { ConfigMapSchema } from '../../../api/types/core.js';

const gadgets = defineKind({ group: 'gadgets.test', version: 'v1', kind: 'Gadget', plural: 'gadgets', namespaced: false, schema: ConfigMapSchema });

describe('kind registry', () => {
  it.each([
    ['singular', 'gadget'],
    ['storageName', 'gadgets'],
    ['verbs', ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']],
    ['shortNames', []],
    ['subresources', []],
  ] as const)('defaults %s from the descriptor', (field, want) => {
    expect(resourceInfoOf(gadgets)[field]).toEqual(want);
  });

  it('serves every built-in kind once, in discovery order', () => {
    // one preferred version per group + plural; the other versions (autoscaling/v1 HPAs) name it in versionOf
    const keys = RESOURCES.filter((r) => r.definition.versionOf === undefined).map((r) => `${r.group}/${r.plural}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(RESOURCES.filter((r) => r.definition.versionOf !== undefined).map((r) => `${r.group}/${r.version}/${r.plural} of ${r.definition.versionOf}`)).toEqual([
      'autoscaling/v1/horizontalpodautoscalers of v2',
    ]);
    expect(keys.slice(0, 3)).toEqual(['/namespaces', '/pods', '/services']);
    expect(findResource('', 'bindings')?.definition.stored).toBe(false);
    expect(RESOURCES.filter((r) => r.definition.allowCreateOnUpdate).map((r) => `${r.group}/${r.plural}`).sort()).toEqual(
      ['/endpoints', '/events', 'coordination.k8s.io/leases', 'discovery.k8s.io/endpointslices', 'events.k8s.io/events'],
    );
  });

  it('registers, looks up, refuses a second registration, and unregisters a kind; each change moves the generation', () => {
    const g0 = registryGeneration();
    const k = registerKind(gadgets);
    expect(registryGeneration()).toBe(g0 + 1);
    expect(findResource('gadgets.test', 'gadgets')).toBe(k);
    expect(schemaFor('gadgets.test/v1', 'Gadget')).toBe(ConfigMapSchema);
    expect(schemaFor('gadgets.test/v1', 'GadgetList')).toBeDefined();
    expect(strategyFor(k).hasStatusSubresource).toBe(false);
    expect(() => registerKind(gadgets)).toThrow('resource gadgets.gadgets.test is already registered');
    unregisterKind('gadgets.test', 'gadgets');
    expect(registryGeneration()).toBe(g0 + 2);
    expect(findResource('gadgets.test', 'gadgets')).toBeUndefined();
    expect(schemaFor('gadgets.test/v1', 'Gadget')).toBeUndefined();
    expect(() => strategyFor({ group: 'gadgets.test', plural: 'gadgets' })).toThrow(/not registered/);
  });

  it('gives a kind without hooks upstream defaults: metadata validation, NAME and CREATED AT columns', () => {
    const k = registerKind(gadgets);
    try {
      expect(k.strategy.validate({ metadata: { name: 'Not_Valid' } })[0]).toMatchObject({ field: 'metadata.name', reason: 'FieldValueInvalid' });
      expect(k.strategy.tableColumns.map((c) => c.name)).toEqual(['Name', 'Created At']);
      expect(k.strategy.tableCells({ metadata: { name: 'g', creationTimestamp: 't' } }, new Date())).toEqual(['g', 't']);
      expect(Object.keys(k.strategy.fieldSelectors)).toEqual(['metadata.name']);
    } finally {
      unregisterKind('gadgets.test', 'gadgets');
    }
  });
});
