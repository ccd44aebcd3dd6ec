/**
 * Taints and tolerations, as k8s.io/api/core/v1's helpers (toleration.go, taint.go) and
 * component-helpers' scheduling/corev1 FindMatchingUntoleratedTaint. The scheduler's TaintToleration
 * filter and score, its NodeUnschedulable filter and topology spreading, and the node lifecycle
 * controller's taint-based eviction all decide with these.
 */
import type { Taint, Toleration } from './types/index.js';

/** The fields a toleration is matched by. */
export type TolerationView = Pick<Toleration, 'key' | 'operator' | 'value' | 'effect'>;
/** The fields a taint is matched by. */
export type TaintView = Pick<Taint, 'key' | 'value' | 'effect'>;

/** The well-known taint the scheduler treats like spec.unschedulable. */
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/**
 * Toleration.ToleratesTaint: an empty effect matches every effect, an empty key every key (with
 * Exists); the operator Exists ignores the value, Equal (or empty: the default) needs the same
 * value; any other operator tolerates nothing.
 */
export function toleratesTaint(tol: TolerationView, taint: TaintView): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  switch (tol.operator ?? '') {
    case '':
    case 'Equal':
      return (tol.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** TolerationsTolerateTaint: some toleration of the list tolerates the taint. */
export function tolerationsTolerateTaint(tolerations: readonly TolerationView[] | undefined | null, taint: TaintView): boolean {
  for (const t of tolerations ?? []) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** FindMatchingUntoleratedTaint: the first taint (in node order) passing `filter` that no toleration tolerates. */
export function findMatchingUntoleratedTaint<T extends TaintView>(
  taints: readonly T[] | undefined | null,
  tolerations: readonly TolerationView[] | undefined | null,
  filter: (t: T) => boolean,
): T | undefined {
  for (const taint of taints ?? []) {
    if (!filter(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

/** Taint.MatchTaint: the same key and effect (the value does not count). */
export function matchTaint(a: Pick<Taint, 'key' | 'effect'>, b: Pick<Taint, 'key' | 'effect'>): boolean {
  return a.key === b.key && a.effect === b.effect;
}
