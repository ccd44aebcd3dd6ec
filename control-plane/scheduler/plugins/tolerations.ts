/** Taint/toleration matching, as upstream's v1 helpers (Toleration.ToleratesTaint). */
import type { SchedTaint, SchedToleration } from '../types.js';

export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

export function toleratesTaint(t: SchedToleration, taint: SchedTaint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly SchedToleration[] | undefined, taint: SchedTaint): boolean {
  for (const t of tolerations ?? []) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint (in node order) passing `filter` that no toleration tolerates. */
export function findMatchingUntoleratedTaint(
  taints: readonly SchedTaint[] | undefined,
  tolerations: readonly SchedToleration[] | undefined,
  filter: (t: SchedTaint) => boolean,
): SchedTaint | undefined {
  for (const taint of taints ?? []) {
    if (!filter(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}
