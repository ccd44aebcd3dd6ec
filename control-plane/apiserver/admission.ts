/**
 * Admission: after authorization, every create, update and delete passes an ordered list of plugins
 * (upstream's admission chain) before it is stored. A plugin is a pure function of the request's
 * attributes (operation, resource, the new and the old object, the user) and read-only views of the
 * server's caches (upstream's listers); it admits (undefined) or answers with an error, usually
 * upstream's `admission.NewForbidden`. The list lives in admission-plugins.ts.
 */
import { KubeError, qualifiedResource } from '../../api/errors.js';
import type { UserInfo } from './authn.js';
import type { ApiObject } from './object-meta.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionAttributes {
  operation: Operation;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  /** The object's name (on create: the new object's metadata.name). */
  name: string;
  /** The new object (create, update; for a subresource create such as pods/eviction, its body). */
  object?: ApiObject;
  /** The current object (update, delete; for pods/eviction, the pod). */
  oldObject?: ApiObject;
  user: UserInfo;
  dryRun: boolean;
}

/** Read-only lookups a plugin may make (the API server's watch caches). */
export interface AdmissionState {
  node(name: string): ApiObject | undefined;
  pod(namespace: string, name: string): ApiObject | undefined;
}

export interface AdmissionPlugin {
  readonly name: string;
  /** The operations the plugin looks at (upstream's Handles). */
  readonly operations: readonly Operation[];
  /** undefined: admitted; otherwise the error to answer with. */
  admit(a: AdmissionAttributes, state: AdmissionState): KubeError | undefined;
}

/** Run the plugins in order; the first rejection is thrown. */
export function runAdmission(plugins: readonly AdmissionPlugin[], a: AdmissionAttributes, state: AdmissionState): void {
  for (const p of plugins) {
    if (!p.operations.includes(a.operation)) continue;
    const err = p.admit(a, state);
    if (err) throw err;
  }
}

/**
 * upstream admission.NewForbidden: `<resource>[.group] "<name>" is forbidden: <why>`, the name taken from
 * the request's object (its name, else its generateName, else "Unknown").
 */
export function admissionForbidden(a: AdmissionAttributes, why: string): KubeError {
  const m = a.object?.metadata;
  const name = m?.name || m?.generateName || 'Unknown';
  return new KubeError('Forbidden', `${qualifiedResource(a.resource, a.group)} "${name}" is forbidden: ${why}`, {
    details: { name, group: a.group, kind: a.resource },
  });
}
