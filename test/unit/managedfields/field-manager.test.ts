/**
 * The API server's field manager, pure: managedFields entries in and out, Update tracking (times move only
 * with changes, `[]` resets, undecodable entries fall back to the stored ones), Apply (conflict Status as
 * upstream's NewConflictError, before-first-apply, kubectl taking over its client-side apply, the 10-manager
 * cap), the manager of a request and upstream's options validation.
 */
import { describe, expect, it } from 'vitest';
import {
  applyConfiguration,
  capUpdateManagers,
  conflictError,
  decodeManagedFields,
  encodeManagedFields,
  fieldManagerCauses,
  managedFieldsForUpdate,
  managerIdentifier,
  managerOf,
  prefixFromUserAgent,
  type FieldManagerScope,
  type ManagedFieldsEntry,
} from '../../../api/managedfields/field-manager.js';
import { FieldSet } from '../../../api/managedfields/fieldset.js';
import { kindSchema, zeroObject } from '../../../api/managedfields/kind-schema.js';
import { KubeError } from '../../../api/errors.js';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';
const cmSchema = kindSchema('v1', 'ConfigMap');
const depSchema = kindSchema('apps/v1', 'Deployment');
const cmScope = (now = T0): FieldManagerScope => ({ schema: cmSchema, zero: zeroObject(cmSchema), apiVersion: 'v1', subresource: '', hasStatusSubresource: false, now });
const depScope = (now = T0, subresource = ''): FieldManagerScope => ({ schema: depSchema, zero: zeroObject(depSchema), apiVersion: 'apps/v1', subresource, hasStatusSubresource: true, now });
const cm = (data: Record<string, string>, managedFields?: ManagedFieldsEntry[]) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd', uid: 'u', ...(managedFields ? { managedFields } : {}) }, data });
const update = (manager: string, fieldsV1: Record<string, unknown>, time = T0, apiVersion = 'v1'): ManagedFieldsEntry => ({ manager, operation: 'Update', apiVersion, time, fieldsType: 'FieldsV1', fieldsV1 });
const applyEntry = (manager: string, fieldsV1: Record<string, unknown>, time = T0, apiVersion = 'v1'): ManagedFieldsEntry => ({ manager, operation: 'Apply', apiVersion, time, fieldsType: 'FieldsV1', fieldsV1 });

function conflictOf(f: () => unknown): KubeError {
  try {
    f();
  } catch (e) {
    if (e instanceof KubeError) return e;
    throw e;
  }
  throw new Error('no conflict');
}

describe('managedFields entries', () => {
  it('decode and encode: sorted by operation, time, manager, apiVersion, subresource; empty sets dropped', () => {
    const entries = [
      update('z', { 'f:data': {} }, T0),
      { ...update('b', { 'f:data': { 'f:x': {} } }, T1), subresource: 'status' },
      applyEntry('y', { 'f:data': { 'f:y': {} } }, T1),
      update('a', { 'f:data': { 'f:x': {} } }, T1),
    ];
    const m = decodeManagedFields(entries);
    expect(encodeManagedFields(m).map((e) => `${e.operation}/${e.manager}${e.subresource ? '/' + e.subresource : ''}`)).toEqual(['Apply/y', 'Update/z', 'Update/a', 'Update/b/status']);
    m.fields.get(managerIdentifier({ manager: 'z', operation: 'Update', apiVersion: 'v1' }))!.set = new FieldSet();
    expect(encodeManagedFields(m).map((e) => e.manager)).toEqual(['y', 'a', 'b']);
  });

  it.each([
    ['an unknown operation', [{ manager: 'm', operation: 'Merge', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} }], 'operation must be `Apply` or `Update`'],
    ['no apiVersion', [{ manager: 'm', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: {} }], 'apiVersion must not be empty'],
    ['no fieldsType', [{ manager: 'm', operation: 'Update', apiVersion: 'v1', fieldsV1: {} }], 'missing fieldsType in managed fields entry 0'],
    ['another fieldsType', [{ manager: 'm', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV2' }], 'invalid fieldsType "FieldsV2" in managed fields entry 0'],
    ['a repeated manager', [update('m', {}), update('m', {})], 'duplicate entries for manager'],
  ])('refuses %s', (_what, entries, message) => {
    expect(() => decodeManagedFields(entries)).toThrow(message);
  });
});

describe('Update tracking', () => {
  it('a create owns every field it set; the Go zero value of a built-in kind owns no struct of its own', () => {
    expect(managedFieldsForUpdate(undefined, cm({ a: '1' }), 'kubectl-create', cmScope())).toEqual([update('kubectl-create', { 'f:data': { '.': {}, 'f:a': {} } })]);
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', labels: { app: 'd' } }, spec: { replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
    expect(managedFieldsForUpdate(undefined, dep, 'm', depScope())![0]!.fieldsV1).toEqual({
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { 'f:replicas': {}, 'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {} }, 'f:type': {} } },
    });
  });

  it('a write that changes nothing keeps the entries as they are (times too)', () => {
    const live = cm({ a: '1' }, [update('m', { 'f:data': { '.': {}, 'f:a': {} } }, T0)]);
    expect(managedFieldsForUpdate(live, cm({ a: '1' }, live.metadata.managedFields), 'other', cmScope(T1))).toEqual(live.metadata.managedFields);
  });

  it('a change moves the field to the writer (its time is now), the former owner keeps the rest', () => {
    const live = cm({ a: '1', b: '2' }, [update('m', { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} } }, T0)]);
    expect(managedFieldsForUpdate(live, cm({ a: '9', b: '2' }, live.metadata.managedFields), 'other', cmScope(T1))).toEqual([
      update('m', { 'f:data': { '.': {}, 'f:b': {} } }, T0),
      update('other', { 'f:data': { 'f:a': {} } }, T1),
    ]);
  });

  it('`[]` and `[{}]` reset; an object nobody manages is not tracked by updates; undecodable entries fall back to the stored ones', () => {
    const live = cm({ a: '1' }, [update('m', { 'f:data': { '.': {}, 'f:a': {} } }, T0)]);
    expect(managedFieldsForUpdate(live, cm({ a: '2' }, []), 'x', cmScope(T1))).toBeUndefined();
    expect(managedFieldsForUpdate(live, { ...cm({ a: '2' }), metadata: { name: 'c', managedFields: [{}] } }, 'x', cmScope(T1))).toBeUndefined();
    expect(managedFieldsForUpdate(cm({ a: '1' }), cm({ a: '2' }), 'x', cmScope(T1))).toBeUndefined();
    const bogus = [{ manager: 'evil', operation: 'Nope' }] as ManagedFieldsEntry[];
    expect(managedFieldsForUpdate(live, cm({ a: '2' }, bogus), 'x', cmScope(T1))!.map((e) => e.manager)).toEqual(['m', 'x']);
  });

  it('a subresource write takes the stored entries, never the request body, and is recorded with its subresource', () => {
    const status = { replicas: 1 };
    const live = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', managedFields: [update('m', { 'f:spec': { 'f:replicas': {} } }, T0, 'apps/v1')] }, spec: { replicas: 1 } };
    const next = { ...live, metadata: { name: 'd', managedFields: [] }, status };
    expect(managedFieldsForUpdate(live, next, 'ctl', depScope(T1, 'status'))).toEqual([
      update('m', { 'f:spec': { 'f:replicas': {} } }, T0, 'apps/v1'),
      { ...update('ctl', { 'f:status': { '.': {}, 'f:replicas': {} } }, T1, 'apps/v1'), subresource: 'status' },
    ]);
  });

  it('more than 10 update managers: the oldest merge into ancient-changes', () => {
    const entries = Array.from({ length: 12 }, (_, i) => update(`m${String(i).padStart(2, '0')}`, { 'f:data': { [`f:k${i}`]: {} } }, `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`));
    const out = encodeManagedFields(capUpdateManagers(decodeManagedFields(entries)));
    expect(out).toHaveLength(10);
    expect(out.find((e) => e.manager === 'ancient-changes')).toEqual(update('ancient-changes', { 'f:data': { 'f:k0': {}, 'f:k1': {}, 'f:k2': {} } }, '2026-01-01T00:00:02Z'));
  });
});

describe('Apply', () => {
  it("a conflict is upstream's 409: one line for one, grouped lines for more, a FieldManagerConflict cause each", () => {
    const live = cm({ a: '1', b: '2' }, [update('kubectl-client-side-apply', { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} } }), { ...update('ctl', { 'f:data': { 'f:c': {} } }), subresource: 'status' }]);
    live.data = { a: '1', b: '2', c: '3' } as Record<string, string>;
    const one = conflictOf(() => applyConfiguration(live, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'x' } }, 'me', false, cmScope()));
    expect(one.httpStatus).toBe(409);
    expect(one.toStatus()).toMatchObject({
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.a',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using v1', field: '.data.a' }] },
    });
    const three = conflictOf(() => applyConfiguration(live, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'x', b: 'y', c: 'z' } }, 'me', false, cmScope()));
    expect(three.message).toBe('Apply failed with 3 conflicts: conflicts with "ctl" with subresource "status" using v1:\n- .data.c\nconflicts with "kubectl-client-side-apply" using v1:\n- .data.a\n- .data.b');
    expect(conflictError([{ manager: managerIdentifier({ manager: 'a', operation: 'Apply' }), path: ['f:spec'] }]).message).toBe('Apply failed with 1 conflict: conflict with "a": .spec');
  });

  it('force takes the fields; the applier owns exactly what it sent; a no-op apply keeps the object', () => {
    const live = cm({ a: '1', b: '2' }, [update('u', { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} } })]);
    const r = applyConfiguration(live, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'x' } }, 'me', true, cmScope(T1));
    expect(r.unchanged).toBe(false);
    expect(r.object.data).toEqual({ a: 'x', b: '2' });
    expect((r.object.metadata as { managedFields: ManagedFieldsEntry[] }).managedFields).toEqual([applyEntry('me', { 'f:data': { 'f:a': {} } }, T1), update('u', { 'f:data': { '.': {}, 'f:b': {} } })]);
    const again = applyConfiguration(r.object, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'x' } }, 'me', false, cmScope('2026-02-02T00:00:00Z'));
    expect(again.unchanged).toBe(true);
    expect(again.object).toEqual(r.object);
  });

  it('the first apply to an object nobody manages conflicts with before-first-apply', () => {
    const e = conflictOf(() => applyConfiguration(cm({ a: '1' }), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '2' } }, 'me', false, cmScope()));
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.a');
  });

  it("kubectl's server-side apply takes what its client-side apply set and still holds; it rewrites the annotation", () => {
    const annotation = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } });
    const live = { ...cm({ a: '1' }, [update('kubectl-client-side-apply', { 'f:data': { '.': {}, 'f:a': {} }, 'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } } })]) };
    (live.metadata as Record<string, unknown>).annotations = { 'kubectl.kubernetes.io/last-applied-configuration': annotation };
    const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '2' } };
    expect(() => applyConfiguration(live, config, 'other', false, cmScope())).toThrow('conflict with "kubectl-client-side-apply"');
    const r = applyConfiguration(live, config, 'kubectl', false, cmScope());
    expect(r.object.data).toEqual({ a: '2' });
    expect((r.object.metadata as { annotations: Record<string, string> }).annotations['kubectl.kubernetes.io/last-applied-configuration']).toBe(JSON.stringify(config));
  });

  it('refuses managedFields in the configuration (400) and duplicate keyed items with the typed-patch message', () => {
    expect(() => applyConfiguration(cm({}), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', managedFields: [] } }, 'me', false, cmScope())).toThrow('metadata.managedFields must be nil');
    const dup = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns' }, spec: { template: { spec: { containers: [{ name: 'a' }, { name: 'a' }] } } } };
    const e = conflictOf(() => applyConfiguration(undefined, dup, 'me', false, depScope()));
    expect(e.httpStatus).toBe(400);
    expect(e.message).toBe('failed to create typed patch object (apps/v1, Kind=Deployment; ns/d): .spec.template.spec.containers: duplicate entries for key [name="a"]');
  });

  it('status through the main resource of a kind with a status subresource is not owned', () => {
    const r = applyConfiguration(undefined, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 1 }, status: { replicas: 1 } }, 'me', false, depScope());
    expect((r.object.metadata as { managedFields: ManagedFieldsEntry[] }).managedFields[0]!.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
  });
});

describe('the manager of a request', () => {
  it.each([
    ['kubectl/v1.32.0 (linux/amd64) kubernetes/abcdef', 'kubectl'],
    ['kube-controller-manager/v1.32.0 (linux/amd64) kubernetes/x/system:serviceaccount:kube-system:deployment-controller', 'kube-controller-manager'],
    ['Go-http-client/1.1', 'Go-http-client'],
    ['tab\there/1', 'tabhere'],
    ['', ''],
    ['x'.repeat(200), 'x'.repeat(128)],
  ])('prefixFromUserAgent(%j) = %j', (ua, prefix) => {
    expect(prefixFromUserAgent(ua)).toBe(prefix);
  });

  it('the fieldManager parameter wins over the User-Agent', () => {
    expect(managerOf('mine', 'kubectl/v1.32')).toBe('mine');
    expect(managerOf(null, 'kubectl/v1.32')).toBe('kubectl');
  });

  it.each([
    ['apply without fieldManager', null, { apply: true }, [{ field: 'fieldManager', message: 'Required value: is required for apply patch' }]],
    ['force on a merge patch', 'm', { apply: false, force: 'true' }, [{ field: 'force', message: 'Forbidden: may not be specified for non-apply patch' }]],
    ['a 129-byte manager', 'é'.repeat(65), {}, [{ field: 'fieldManager', message: 'Too long: may not be more than 128 bytes' }]],
    ['a control character', 'a\u0007b', {}, [{ field: 'fieldManager', message: 'Invalid value: "a\\u0007b": invalid character U+0007 (at position 1)' }]],
    ['a fine manager', 'kubectl-client-side-apply', { apply: true }, []],
  ])('fieldManagerCauses: %s', (_what, fm, opts, causes) => {
    expect(fieldManagerCauses(fm, opts).map((c) => ({ field: c.field, message: c.message }))).toEqual(causes);
  });
});
