/**
 * The API server's side of managed fields (api/managedfields does the work): the manager of a request
 * (`fieldManager`, else the User-Agent's prefix), upstream's 422s for a bad `fieldManager` or `force`,
 * and the scope of a write (the kind's schema and version, the subresource, the time).
 */
import type { IncomingMessage } from 'node:http';
import { errors } from '../../api/errors.js';
import { apiVersionOf } from '../../api/resources.js';
import { applyConfiguration, fieldManagerCauses, managedFieldsForUpdate, managerOf, type ApplyResult, type FieldManagerScope } from '../../api/managedfields/field-manager.js';
import { kindSchema, zeroObject } from '../../api/managedfields/kind-schema.js';
import { nowRfc3339 } from './object-meta.js';
import type { ManagedFieldsTracker, Store } from './store.js';
import type { DryRunOptionsKind } from './query-params.js';
import type { DecodedPatch } from './patch-handler.js';
import { isPlainObject } from '../../api/values.js';

/**
 * Whether a patch can change metadata.managedFields: a merge or strategic patch naming them (or replacing
 * metadata), a JSON patch with an operation at the root, on metadata or below managedFields.
 */
export function patchMayTouchManagedFields(patch: DecodedPatch): boolean {
  if (patch.type === 'json') {
    if (!Array.isArray(patch.body)) return true;
    return patch.body.some((op: unknown) => {
      if (!isPlainObject(op)) return true;
      return [op.path, op.from].some((p) => typeof p === 'string' && (p === '' || p === '/' || p === '/metadata' || p.startsWith('/metadata/managedFields')));
    });
  }
  if (!isPlainObject(patch.body)) return true;
  const meta = patch.body.metadata;
  if (meta === undefined) return false;
  if (!isPlainObject(meta)) return true;
  return Object.keys(meta).some((k) => k === 'managedFields' || k.startsWith('$'));
}

/** The write's scope for the field manager. */
export function fieldManagerScope(store: Store, subresource: string): FieldManagerScope {
  const apiVersion = apiVersionOf(store.info);
  const schema = kindSchema(apiVersion, store.info.kind);
  return {
    schema,
    zero: zeroObject(schema),
    apiVersion,
    subresource,
    hasStatusSubresource: store.strategy.hasStatusSubresource === true,
    now: nowRfc3339(),
  };
}

/**
 * The manager of a create, update or patch, after upstream's options validation (422 on
 * `CreateOptions.meta.k8s.io ""` and its kin): `fieldManager` is at most 128 bytes of printable
 * characters, required for apply; `force` only for apply.
 */
export function requestManager(req: IncomingMessage, query: URLSearchParams, kind: DryRunOptionsKind, patch?: { apply: boolean }): string {
  const fieldManager = query.get('fieldManager');
  const causes = fieldManagerCauses(fieldManager, patch ? { apply: patch.apply, force: query.get('force') } : {});
  if (causes.length > 0) throw errors.invalid(kind, 'meta.k8s.io', '', causes);
  return managerOf(fieldManager, req.headers['user-agent']);
}

/** `force` of an apply patch (`?force=true`, kubectl's --force-conflicts). */
export function forceOf(query: URLSearchParams): boolean {
  return query.get('force') === 'true';
}

/**
 * Update-operation tracking for a store write by `manager` through `subresource`. `patch`: the decoded
 * patch of a PATCH, so that one that does not name managedFields skips comparing them with the stored ones.
 */
export function updateTracker(store: Store, subresource: string, manager: string, patch?: () => DecodedPatch): ManagedFieldsTracker {
  return (next, cur) => {
    const mayChange = patch === undefined || patchMayTouchManagedFields(patch());
    const entries = managedFieldsForUpdate(cur, next, manager, fieldManagerScope(store, subresource), mayChange);
    if (entries) next.metadata.managedFields = entries;
    else delete next.metadata.managedFields;
  };
}

/** Server-side apply of `config` onto `live` (undefined: create) for a store's kind. */
export function applyToObject(store: Store, subresource: string, live: Record<string, unknown> | undefined, config: Record<string, unknown>, manager: string, force: boolean): ApplyResult {
  return applyConfiguration(live, config, manager, force, fieldManagerScope(store, subresource));
}
