/** The CRD naming and establishing decisions (upstream's naming and establishing controllers) and the CRD's kind. */
import { describe, expect, it } from 'vitest';
import { decideNames, establishedCondition, setCondition, takenNames } from '../../../api/apiextensions/crd-status.js';
import { compareVersions, defaultDeprecationWarning, customDefinitionName, customResourceKind, customResourceKinds, servedVersion } from '../../../api/apiextensions/custom-resource-kind.js';
import type { CRD } from '../../../api/apiextensions/crd-validation.js';
import { makeStrategy } from '../../../api/strategies/strategy.js';
import { resourceInfoOf } from '../../../api/kinds/registry.js';

function crd(name: string, plural: string, kind: string, shortNames: string[] = [], accepted = false): CRD {
  const names = { plural, singular: plural.replace(/s$/, ''), kind, listKind: `${kind}List`, shortNames };
  return {
    metadata: { name: `${name}.example.com` },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names,
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { n: { type: 'integer', default: 1 } } }, status: { type: 'object', properties: { phase: { type: 'string' } } } } } }, subresources: { status: {} } }],
    },
    ...(accepted ? { status: { acceptedNames: names } } : {}),
  } as CRD;
}

describe('decideNames', () => {
  const existing = crd('widgets', 'widgets', 'Widget', ['wd'], true);

  it('no conflicts: every requested name is accepted', () => {
    const c = crd('gadgets', 'gadgets', 'Gadget', ['gd']);
    const d = decideNames(c, takenNames('example.com', 'gadgets.example.com', [existing, c]));
    expect(d.namesAccepted).toEqual({ type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
    expect(d.acceptedNames).toEqual(c.spec!.names);
  });

  it.each([
    // upstream checks plural, singular, short names, kind, listKind in turn: the last conflict found is reported
    ['plural', (() => { const c = crd('x', 'widgets', 'Gizmo'); c.spec!.names!.singular = 'gizmo'; return c; })(), 'PluralConflict', '"widgets" is already in use'],
    ['plural and singular', crd('x', 'widgets', 'Gizmo'), 'SingularConflict', '"widget" is already in use'],
    ['short name', crd('x', 'gizmos', 'Gizmo', ['wd']), 'ShortNamesConflict', '"wd" is already in use'],
    ['kind', crd('x', 'gizmos', 'Widget'), 'ListKindConflict', '"WidgetList" is already in use'],
  ])('a %s taken by another CRD of the group is refused', (_what, c, reason, message) => {
    const d = decideNames(c, takenNames('example.com', c.metadata!.name!, [existing, c]));
    expect(d.namesAccepted).toMatchObject({ status: 'False', reason, message });
  });

  it('names of another group or of itself do not conflict', () => {
    const other = { ...existing, spec: { ...existing.spec!, group: 'other.com' } } as CRD;
    const c = crd('widgets', 'widgets', 'Widget', ['wd']);
    expect(decideNames(c, takenNames('example.com', c.metadata!.name!, [other, c])).namesAccepted.status).toBe('True');
    expect(decideNames(existing, takenNames('example.com', existing.metadata!.name!, [existing])).namesAccepted.status).toBe('True');
  });

  it('built-in names of the group count as taken', () => {
    const c = crd('leases', 'leases', 'Lease');
    const d = decideNames(c, takenNames('example.com', 'leases.example.com', [], [{ plural: 'leases', kind: 'Lease', listKind: 'LeaseList' }]));
    expect(d.namesAccepted).toMatchObject({ status: 'False', reason: 'ListKindConflict' });
  });
});

describe('establishedCondition and setCondition', () => {
  const ok = { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };
  const bad = { type: 'NamesAccepted', status: 'False', reason: 'PluralConflict', message: '"x" is already in use' };
  it.each([
    ['served', ok, true, { status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }],
    ['names accepted, not served yet', ok, false, { status: 'False', reason: 'Installing', message: 'the initial names have been accepted' }],
    ['names refused', bad, false, { status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' }],
  ])('%s', (_n, names, served, want) => {
    expect(establishedCondition({}, names, served)).toEqual({ type: 'Established', ...want });
  });

  it('Established stays True once True', () => {
    const c: CRD = { status: { conditions: [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }] } };
    expect(establishedCondition(c, bad, false).status).toBe('True');
  });

  it('lastTransitionTime moves only when the status changes', () => {
    const one = setCondition([], ok, 't1');
    expect(one).toEqual([{ ...ok, lastTransitionTime: 't1' }]);
    expect(setCondition(one, { ...ok, message: 'm' }, 't2')[0]!.lastTransitionTime).toBe('t1');
    expect(setCondition(one, bad, 't3')[0]).toEqual({ ...bad, lastTransitionTime: 't3' });
  });
});

describe('customResourceKind', () => {
  const c = crd('widgets', 'widgets', 'Widget', ['wd']);
  const d = customResourceKind(c)!;

  it('names, scope, storage layout and definition name as upstream', () => {
    expect(resourceInfoOf(d)).toMatchObject({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', singular: 'widget', namespaced: true, shortNames: ['wd'], subresources: ['status'], storageName: 'example.com/widgets' });
    expect(customDefinitionName('stable.example.com', 'v1', 'CronTab')).toBe('com.example.stable.v1.CronTab');
  });

  it('serves every served version, preferred (upstream priority) first, each converting None to the storage version', () => {
    const two = crd('widgets', 'widgets', 'Widget');
    const schema = { openAPIV3Schema: { type: 'object' } };
    two.spec!.versions = [
      { name: 'v1beta1', served: true, storage: true, schema },
      { name: 'v1', served: true, storage: false, schema },
      { name: 'v1alpha1', served: false, storage: false, schema },
    ];
    expect(servedVersion(two)?.name).toBe('v1');
    const kinds = customResourceKinds(two);
    expect(kinds.map((k) => [k.version, k.versionOf])).toEqual([['v1', undefined], ['v1beta1', 'v1']]);
    expect(kinds[0]!.storageConversion!.toStorage({ apiVersion: 'example.com/v1', kind: 'Widget' })).toEqual({ apiVersion: 'example.com/v1beta1', kind: 'Widget' });
    expect(kinds[0]!.storageConversion!.fromStorage({ apiVersion: 'example.com/v1beta1', kind: 'Widget' })).toEqual({ apiVersion: 'example.com/v1', kind: 'Widget' });
    for (const v of two.spec!.versions!) v.served = false;
    expect(servedVersion(two)).toBeUndefined();
    expect(customResourceKind(two)).toBeUndefined();
  });

  it('words the default deprecation warning as upstream', () => {
    const c = crd('widgets', 'widgets', 'Widget');
    c.spec!.versions = [
      { name: 'v1alpha1', served: true, storage: false, deprecated: true, schema: { openAPIV3Schema: { type: 'object' } } },
      { name: 'v1beta1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } },
      { name: 'v1', served: false, storage: false },
      { name: 'v2', served: true, storage: false, deprecated: true, schema: { openAPIV3Schema: { type: 'object' } } },
    ];
    expect(defaultDeprecationWarning(c, 'v1alpha1')).toBe('example.com/v1alpha1 Widget is deprecated; use example.com/v1beta1 Widget');
    expect(defaultDeprecationWarning(c, 'v2')).toBe('example.com/v2 Widget is deprecated');
    c.spec!.versions[0]!.deprecationWarning = 'custom';
    expect(customResourceKinds(c).find((k) => k.version === 'v1alpha1')?.deprecationWarning).toBe('custom');
    expect(customResourceKinds(c).find((k) => k.version === 'v1beta1')?.deprecationWarning).toBeUndefined();
  });

  it('orders versions as upstream (CompareKubeAwareVersionStrings)', () => {
    const vs = ['foo10', 'v1', 'v12alpha1', 'v11beta2', 'v2', 'foo1', 'v10', 'v3beta1', 'v10beta3', 'v11alpha2'];
    expect([...vs].sort(compareVersions)).toEqual(['v10', 'v2', 'v1', 'v11beta2', 'v10beta3', 'v3beta1', 'v12alpha1', 'v11alpha2', 'foo1', 'foo10']);
  });

  it('its strategy defaults, validates, drops status on create and moves generation on any change but metadata and status', () => {
    const s = makeStrategy(resourceInfoOf(d), d);
    const obj: Record<string, unknown> = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: {}, status: { phase: 'x' } };
    s.applyDefaults(obj);
    s.prepareForCreate(obj);
    expect(obj).toMatchObject({ spec: { n: 1 }, metadata: { generation: 1 } });
    expect(obj.status).toBeUndefined();
    expect(s.validate(obj)).toEqual([]);
    expect(s.validate({ ...obj, spec: { n: 'one' } }).map((x) => x.field)).toEqual(['spec.n']);
    const next: Record<string, unknown> = { ...structuredClone(obj), spec: { n: 2 }, status: { phase: 'y' } };
    s.prepareForUpdate(next, { ...obj, status: { phase: 'x' } });
    expect(next).toMatchObject({ metadata: { generation: 2 }, status: { phase: 'x' } });
    const labelsOnly: Record<string, unknown> = { ...structuredClone(next), metadata: { ...(next.metadata as object), labels: { a: 'b' } } };
    s.prepareForUpdate(labelsOnly, next);
    expect(labelsOnly.metadata).toMatchObject({ generation: 2 });
  });

  it('prints NAME and AGE', () => {
    const s = makeStrategy(resourceInfoOf(d), d);
    expect(s.tableColumns.map((c) => c.name)).toEqual(['Name', 'Age']);
    expect(s.tableCells({ metadata: { name: 'w', creationTimestamp: '2024-01-01T00:00:00Z' } }, new Date('2024-01-01T00:05:00Z'))).toEqual(['w', '5m']);
  });
});
