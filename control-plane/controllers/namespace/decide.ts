/**
 * The namespace controller's decisions (pkg/controller/namespace/deletion): a namespace being
 * deleted has all its content deleted, its conditions report what remains, and once it is empty
 * the `kubernetes` finalizer is removed through the finalize subresource.
 */

import { updateCondition } from '../../../api/conditions.js';
import { rfc3339 } from '../../../api/time.js';
import type { Condition, KubeObject, Namespace } from '../util/types.js';

export const FINALIZER_KUBERNETES = 'kubernetes';

export interface NamespaceContent {
  /** GroupResource string as upstream prints it: `pods`, `deployments.apps`. */
  resource: string;
  group: string;
  plural: string;
  items: KubeObject[];
}

export interface NamespaceDecision {
  /** Nothing to do: not being deleted, or our finalizer is already gone. */
  skip: boolean;
  /** Per resource, the objects to delete (those not yet being deleted). */
  deletes: { group: string; plural: string; names: string[] }[];
  /** The conditions to write (status update) when they change. */
  conditions?: Condition[];
  /** Remove the `kubernetes` finalizer (PUT namespaces/{name}/finalize). */
  finalize: boolean;
  /** Look again after this many ms while content remains. */
  requeueAfterMs?: number;
}

export function decideNamespace(ns: Namespace, content: NamespaceContent[], now: number, deleteErrors: string[] = []): NamespaceDecision {
  const out: NamespaceDecision = { skip: false, deletes: [], finalize: false };
  if (!ns.metadata?.deletionTimestamp || !(ns.spec?.finalizers ?? []).includes(FINALIZER_KUBERNETES)) {
    out.skip = true;
    return out;
  }
  const remaining: string[] = [];
  const finalizerCounts = new Map<string, number>();
  let maxGrace = 0;
  for (const c of content) {
    if (c.items.length === 0) continue;
    remaining.push(`${c.resource} has ${c.items.length} resource instances`);
    const names: string[] = [];
    for (const it of c.items) {
      for (const f of it.metadata?.finalizers ?? []) finalizerCounts.set(f, (finalizerCounts.get(f) ?? 0) + 1);
      if (!it.metadata?.deletionTimestamp) names.push(it.metadata?.name ?? '');
      else maxGrace = Math.max(maxGrace, it.metadata.deletionGracePeriodSeconds ?? 0);
    }
    if (names.length) out.deletes.push({ group: c.group, plural: c.plural, names });
  }
  remaining.sort();
  const finalizers = [...finalizerCounts].map(([f, n]) => `${f} in ${n} resource instances`).sort();
  const t = rfc3339(now);
  const cond = (type: string, status: string, reason: string, message: string): Condition => ({ type, status, lastTransitionTime: t, reason, message });
  let conds = ns.status?.conditions ?? [];
  conds = setNsCondition(conds, cond('NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered', 'All resources successfully discovered'));
  conds = setNsCondition(conds, cond('NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'));
  conds = setNsCondition(
    conds,
    deleteErrors.length
      ? cond('NamespaceDeletionContentFailure', 'True', 'ContentDeletionFailed', `Failed to delete all resource types, ${deleteErrors.length} remaining: ${deleteErrors.join(', ')}`)
      : cond('NamespaceDeletionContentFailure', 'False', 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'),
  );
  conds = setNsCondition(
    conds,
    remaining.length
      ? cond('NamespaceContentRemaining', 'True', 'SomeResourcesRemain', `Some resources are remaining: ${remaining.join(', ')}`)
      : cond('NamespaceContentRemaining', 'False', 'ContentRemoved', 'All content successfully removed'),
  );
  conds = setNsCondition(
    conds,
    finalizers.length
      ? cond('NamespaceFinalizersRemaining', 'True', 'SomeFinalizersRemain', `Some content in the namespace has finalizers remaining: ${finalizers.join(', ')}`)
      : cond('NamespaceFinalizersRemaining', 'False', 'ContentHasNoFinalizers', 'All content-preserving finalizers finished'),
  );
  if (JSON.stringify(conds) !== JSON.stringify(ns.status?.conditions ?? [])) out.conditions = conds;
  if (remaining.length === 0) out.finalize = true;
  else out.requeueAfterMs = Math.max(1000, Math.min(maxGrace * 1000, 15_000) / 2);
  return out;
}

/** The namespace deleter's updateConditions: a change of status, reason or message replaces the condition, with its new time. */
function setNsCondition(conds: Condition[], c: Condition): Condition[] {
  return updateCondition(conds, c, { keepTransitionTime: false }) ?? conds;
}

/** The namespace after the finalize PUT: spec.finalizers without `kubernetes`. */
export function finalizedNamespace(ns: Namespace): Namespace {
  return { ...ns, spec: { ...ns.spec, finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== FINALIZER_KUBERNETES) } };
}
