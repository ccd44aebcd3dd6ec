/**
 * The pods/eviction subresource as upstream 1.32's EvictionREST (pkg/registry/core/pod/storage/eviction.go):
 * an eviction deletes a pod unless that would break its PodDisruptionBudget.
 *
 *   read pod ─► terminal, Pending or already deleting? ─yes─► DisruptionTarget condition + delete (retry on conflict)
 *                      │ no
 *                      ▼
 *   PDBs of the pod's namespace whose selector matches it (an empty or null selector matches nothing here)
 *      >1 ─► 500 Status "This pod has more than one PodDisruptionBudget, ..."
 *       0 ─► delete
 *       1 ─► pod not Ready and (AlwaysAllow, or IfHealthyBudget with currentHealthy >= desiredHealthy > 0)
 *               ─► delete with the pod's resourceVersion as precondition (a conflict is a 429)
 *            else checkAndDecrement on the PDB's status with compare-and-swap (observedGeneration current,
 *               disruptionsAllowed > 0, disruptedPods not too big): disruptionsAllowed - 1 and
 *               disruptedPods[pod] = now; 429 "Cannot evict pod as it would violate the pod's disruption budget."
 *               when none is allowed ─► delete
 *
 * The decisions are pure functions (planEviction, checkAndDecrement, table-tested); `evictPod` does the I/O on
 * the stores. A dry run decides everything and writes nothing.
 */
import { errors, KubeError, isKubeError, type Status } from '../../api/errors.js';
import { getCondition, updateCondition } from '../../api/conditions.js';
import { labelSelectorToSelector } from '../../api/labels.js';
import { withDisruptionAllowedCondition } from '../../api/disruption.js';
import { rfc3339 } from '../../api/time.js';
import type { KubeObject, Pod, PodCondition, PodDisruptionBudget, Relaxed } from '../../api/types/index.js';
import { clone } from '../../api/values.js';
import { asKind } from './object-views.js';
import type { DeleteOptions, Store } from './store.js';

type PDB = Relaxed<PodDisruptionBudget>;

/** Upstream's MaxDisruptedPodSize: evictions approved but not yet seen by the disruption controller. */
export const MAX_DISRUPTED_POD_SIZE = 2000;
/** policyv1.DisruptionBudgetCause. */
export const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';
export const EVICTION_VIOLATES_BUDGET = "Cannot evict pod as it would violate the pod's disruption budget.";
export const MULTIPLE_PDBS_MESSAGE = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';

/** A pod that already is disrupted (terminal), not yet running (Pending) or going: the PDB does not guard it. */
export function canIgnorePDB(pod: Relaxed<Pod>): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata?.deletionTimestamp;
}

/** Whether the delete must carry the pod's resourceVersion (so a pod that became Ready meanwhile is not deleted). */
export function shouldEnforceResourceVersion(pod: Relaxed<Pod>): boolean {
  const phase = pod.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata?.deletionTimestamp);
}

export function isPodReady(pod: Relaxed<Pod>): boolean {
  return getCondition(pod.status?.conditions ?? undefined, 'Ready')?.status === 'True';
}

/** getPodDisruptionBudgets: the PDBs of the pod's namespace that select it; a null, empty or invalid selector selects nothing. */
export function podDisruptionBudgetsFor(pod: Relaxed<Pod>, pdbs: readonly PDB[]): PDB[] {
  return pdbs.filter((pdb) => {
    if (pdb.metadata?.namespace !== pod.metadata?.namespace) return false;
    let sel;
    try {
      sel = labelSelectorToSelector(pdb.spec?.selector ?? null);
    } catch {
      return false;
    }
    return !sel.empty && sel.matches(pod.metadata?.labels ?? {});
  });
}

export type EvictionPlan =
  /** Delete at once, no PDB consulted. */
  | { kind: 'delete' }
  /** More than one PDB: upstream's 500 Status. */
  | { kind: 'multiple-pdbs' }
  /** An unready pod the PDB lets go without counting it: delete with the pod's resourceVersion as precondition. */
  | { kind: 'delete-unhealthy'; pdb: string }
  /** Take one disruption from the PDB (checkAndDecrement), then delete. */
  | { kind: 'decrement'; pdb: string };

/** What to do with a pod that cannot ignore PDBs, given the PDBs that select it. */
export function planEviction(pod: Relaxed<Pod>, pdbs: readonly PDB[]): EvictionPlan {
  if (pdbs.length > 1) return { kind: 'multiple-pdbs' };
  const pdb = pdbs[0];
  if (!pdb) return { kind: 'delete' };
  const name = pdb.metadata?.name ?? '';
  if (!isPodReady(pod)) {
    if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return { kind: 'delete-unhealthy', pdb: name };
    const st = pdb.status ?? {};
    const desired = st.desiredHealthy ?? 0;
    if ((st.currentHealthy ?? 0) >= desired && desired > 0) return { kind: 'delete-unhealthy', pdb: name };
  }
  return { kind: 'decrement', pdb: name };
}

/** createTooManyRequestsError: the budget could not be checked (stale status, a lost race): retry after 10 s. */
export function budgetBeingProcessed(pdbName: string): KubeError {
  return new KubeError('TooManyRequests', EVICTION_VIOLATES_BUDGET, {
    details: {
      retryAfterSeconds: 10,
      causes: [{ reason: DISRUPTION_BUDGET_CAUSE, message: `The disruption budget ${pdbName} is still being processed by the server.` }],
    },
  });
}

/**
 * checkAndDecrement: the PDB with one disruption taken for `podName` (disruptedPods[podName] = now), or the
 * error upstream answers: 429 while the controller has not observed the PDB's generation, 403 for a negative
 * budget or a disruptedPods map over MAX_DISRUPTED_POD_SIZE, 429 with the DisruptionBudget cause when none is
 * allowed. Pure: `pdb` is not changed.
 */
export function checkAndDecrement(pdb: PDB, podName: string, now: Date): PDB {
  const name = pdb.metadata?.name ?? '';
  const st = pdb.status ?? {};
  if ((st.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0)) throw budgetBeingProcessed(name);
  const allowed = st.disruptionsAllowed ?? 0;
  if (allowed < 0) throw pdbForbidden(name, 'pdb disruptions allowed is negative');
  if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
    throw pdbForbidden(name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (allowed === 0) {
    throw new KubeError('TooManyRequests', EVICTION_VIOLATES_BUDGET, {
      details: {
        causes: [
          {
            reason: DISRUPTION_BUDGET_CAUSE,
            message: `The disruption budget ${name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`,
          },
        ],
      },
    });
  }
  const next = clone(pdb);
  const ns = (next.status ??= {});
  ns.disruptionsAllowed = allowed - 1;
  if (ns.disruptionsAllowed === 0) ns.conditions = withDisruptionAllowedCondition(ns, rfc3339(now));
  ns.disruptedPods = { ...(ns.disruptedPods ?? {}), [podName]: rfc3339(now) };
  return next;
}

function pdbForbidden(name: string, why: string): KubeError {
  return new KubeError('Forbidden', `poddisruptionbudget.policy "${name}" is forbidden: ${why}`, {
    details: { name, group: 'policy', kind: 'poddisruptionbudget' },
  });
}

/** The pod with the DisruptionTarget condition the eviction API sets (upstream 1.32, PodDisruptionConditions GA); null when already there. */
export function withDisruptionTarget(pod: Relaxed<Pod>, now: Date): Relaxed<Pod> | null {
  const cond: Relaxed<PodCondition> = {
    type: 'DisruptionTarget',
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: rfc3339(now),
    reason: 'EvictionByEvictionAPI',
    message: 'Eviction API: evicting',
  };
  const conds = updateCondition(pod.status?.conditions ?? undefined, cond);
  if (!conds) return null;
  const next = clone(pod);
  (next.status ??= {}).conditions = conds;
  return next;
}

/** The answer of an eviction: a Status and its HTTP code (201 on success, as upstream's create handler). */
export interface EvictionAnswer {
  code: number;
  body: Status | Record<string, unknown>;
}

export interface EvictionStores {
  pods: Store;
  /** The PodDisruptionBudget store (a consistent list of the namespace's PDBs). */
  pdbs: Store;
}

/** How many times a conflicting delete of a PDB-free pod is tried again (upstream's EvictionsRetry steps). */
const EVICTION_RETRIES = 20;

/**
 * Evict `namespace/name` with `deleteOptions` (dryRun already merged in). `admit` runs the admission chain
 * once, with the pod as first read. Errors are thrown as KubeErrors; a Status that is an answer (success, the
 * 500 for several PDBs) is returned.
 */
export async function evictPod(
  stores: EvictionStores,
  namespace: string,
  name: string,
  deleteOptions: DeleteOptions,
  admit: (pod: KubeObject) => Promise<void>,
  now: () => Date = () => new Date(),
): Promise<EvictionAnswer> {
  const dryRun = (deleteOptions.dryRun ?? []).includes('All');
  const rvGiven = !!deleteOptions.preconditions?.resourceVersion;
  const success: EvictionAnswer = { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
  let pod: KubeObject & Relaxed<Pod>;
  for (let attempt = 0; ; attempt++) {
    const stored = await stores.pods.get(namespace, name);
    if (attempt === 0) await admit(stored);
    pod = asKind(stored, 'Pod');
    if (!canIgnorePDB(pod)) break;
    const opts: DeleteOptions = clone(deleteOptions);
    if (shouldEnforceResourceVersion(pod) && !rvGiven) opts.preconditions = { ...(opts.preconditions ?? {}), resourceVersion: pod.metadata.resourceVersion };
    try {
      await addConditionAndDeletePod(stores.pods, namespace, name, opts, dryRun, now());
      return success;
    } catch (e) {
      if (isKubeError(e, 'Conflict') && !rvGiven && attempt + 1 < EVICTION_RETRIES) continue;
      throw e;
    }
  }

  // A consistent list, as upstream's (its loopback client lists with no resourceVersion).
  const listed = await stores.pdbs.list({ namespace, matches: () => true });
  const pdbs = podDisruptionBudgetsFor(pod, listed.items.map((o) => asKind(o, 'PodDisruptionBudget')));
  const plan = planEviction(pod, pdbs);
  if (plan.kind === 'multiple-pdbs') {
    return { code: 500, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: MULTIPLE_PDBS_MESSAGE, code: 500 } };
  }
  if (plan.kind === 'decrement') {
    // Compare-and-swap on the PDB: a lost race re-reads it and checks again (upstream's RetryOnConflict + refresh).
    await stores.pdbs.systemUpdate(namespace, plan.pdb, (cur) => checkAndDecrement(asKind(cur, 'PodDisruptionBudget'), name, now()) as KubeObject, { dryRun });
  }
  let opts = deleteOptions;
  if (plan.kind === 'delete-unhealthy') {
    opts = clone(deleteOptions);
    opts.preconditions = { ...(opts.preconditions ?? {}), resourceVersion: pod.metadata.resourceVersion };
  }
  try {
    await addConditionAndDeletePod(stores.pods, namespace, name, opts, dryRun, now());
  } catch (e) {
    if (isKubeError(e, 'Conflict') && plan.kind === 'delete-unhealthy' && !rvGiven) throw budgetBeingProcessed(plan.pdb);
    throw e;
  }
  return success;
}

/**
 * addConditionAndDeletePod: (not in a dry run) the DisruptionTarget condition on the latest pod, checked against
 * the preconditions first; a resourceVersion precondition then moves to the version that write made; then the delete.
 */
async function addConditionAndDeletePod(pods: Store, namespace: string, name: string, options: DeleteOptions, dryRun: boolean, now: Date): Promise<void> {
  let opts = options;
  if (!dryRun) {
    const updated = await pods.systemUpdate(namespace, name, (cur) => {
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== cur.metadata.uid) {
        throw errors.conflict('Pod', '', name, `the UID in the precondition (${pre.uid}) does not match the UID in record (${cur.metadata.uid}). The object might have been deleted and then recreated`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion) {
        throw errors.conflict(
          'Pod',
          '',
          name,
          `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${cur.metadata.resourceVersion}). The object might have been modified`,
        );
      }
      return (withDisruptionTarget(asKind(cur, 'Pod'), now) as KubeObject | null) ?? cur;
    });
    if (opts.preconditions?.resourceVersion) opts = { ...opts, preconditions: { ...opts.preconditions, resourceVersion: updated.metadata.resourceVersion } };
  }
  await pods.delete(namespace, name, opts);
}
