/**
 * Admission: after authorization, every create, update and delete passes an ordered list of plugins
 * (upstream's admission chain) in two phases, as upstream:
 * - mutating (`admit`, upstream's MutationInterface): after defaulting, before the kind's own validation;
 *   a plugin may change `a.object` in place (LimitRanger's defaults, PodPriority's priority, ...);
 * - validating (`validate`, upstream's ValidationInterface): after the kind's validation, right before
 *   the write (ResourceQuota's charge, ...); it must not change the object.
 * The store runs both phases inside its write (store.ts `Admission`), so they see the object as it will be
 * written, on every retry of an update. A plugin sees the request's attributes (operation, resource, the
 * new and the old object, the user) and the server's caches (upstream's listers, `AdmissionState`); it
 * admits (undefined) or answers with an error, usually upstream's `admission.NewForbidden`. The list
 * lives in admission-plugins.ts.
 */
import { errors, type KubeError } from '../../api/errors.js';
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

/**
 * What a plugin may read (the API server's watch caches, and storage itself) and the one write it may make: a status
 * with compare-and-swap (ResourceQuota's charge, upstream's quota accessor UpdateQuotaStatus).
 */
export interface AdmissionState {
  node(name: string): ApiObject | undefined;
  pod(namespace: string, name: string): ApiObject | undefined;
  /** One object of any served resource from its watch cache (undefined: none, or no such resource). */
  get(group: string, resource: string, namespace: string | undefined, name: string): ApiObject | undefined;
  /** The objects of a served resource from its watch cache, in one namespace or all ([] for no such resource). */
  list(group: string, resource: string, namespace?: string): ApiObject[];
  /** One object read from storage, not the cache (a fresh view after a lost compare-and-swap). */
  read(group: string, resource: string, namespace: string | undefined, name: string): Promise<ApiObject | undefined>;
  /**
   * Write `obj`'s status (the status subresource's update, validated as such) if the stored object is still at
   * `obj.metadata.resourceVersion`; a 409 Conflict when it moved on. Answers the object written.
   */
  updateStatus(group: string, resource: string, obj: ApiObject): Promise<ApiObject>;
  /**
   * Whether `user` may do `verb` on a resource (the request path's authorizers, upstream's authorizer handed to the
   * certificates plugins); absent: nothing is allowed.
   */
  authorize?(user: UserInfo, r: { verb: string; group: string; resource: string; name: string; namespace?: string; subresource?: string }): boolean;
}

/** undefined: admitted; otherwise the error to answer with (a plugin that does I/O answers a promise). */
export type AdmissionResult = KubeError | undefined | Promise<KubeError | undefined>;

export type AdmissionPhase = 'admit' | 'validate';

export interface AdmissionPlugin {
  readonly name: string;
  /** The operations the plugin looks at (upstream's Handles). */
  readonly operations: readonly Operation[];
  /** Mutating phase: may change `a.object` in place. */
  admit?(a: AdmissionAttributes, state: AdmissionState): AdmissionResult;
  /** Validating phase: the object as it will be written; must not change it. */
  validate?(a: AdmissionAttributes, state: AdmissionState): AdmissionResult;
}

/** Run one phase of the plugins, in order; the first rejection is thrown. */
export async function runAdmission(plugins: readonly AdmissionPlugin[], phase: AdmissionPhase, a: AdmissionAttributes, state: AdmissionState): Promise<void> {
  for (const p of plugins) {
    if (!p.operations.includes(a.operation)) continue;
    const err = await p[phase]?.(a, state);
    if (err) throw err;
  }
}

/** Both phases, for a request whose object is not written as it is (bindings, evictions, scale, finalize). */
export async function runAdmissionChain(plugins: readonly AdmissionPlugin[], a: AdmissionAttributes, state: AdmissionState): Promise<void> {
  await runAdmission(plugins, 'admit', a, state);
  await runAdmission(plugins, 'validate', a, state);
}

/**
 * upstream admission.NewForbidden: `<resource>[.group] "<name>" is forbidden: <why>`, the name taken from
 * the request's object (its name, else its generateName, else "Unknown").
 */
export function admissionForbidden(a: AdmissionAttributes, why: string): KubeError {
  const m = a.object?.metadata;
  const name = m?.name || m?.generateName || 'Unknown';
  return errors.forbiddenObject(a.resource, a.group, name, why);
}
