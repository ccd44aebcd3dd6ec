/**
 * Pod garbage collection (pkg/controller/podgc): terminated pods over the threshold (evicted first,
 * then oldest), pods bound to nodes that no longer exist (after a quarantine, verified live by
 * the adapter), and terminating pods that were never scheduled.
 */

import { byCreationTimestamp } from '../util/meta.js';
import type { Pod } from '../util/types.js';

/** --terminated-pod-gc-threshold default. */
export const DEFAULT_TERMINATED_POD_GC_THRESHOLD = 12500;
/** How long a node must be missing before its pods are deleted (upstream's quarantineTime). */
export const ORPHAN_QUARANTINE_MS = 40_000;

function isTerminated(p: Pod): boolean {
  const ph = p.status?.phase;
  return ph !== undefined && ph !== 'Pending' && ph !== 'Running' && ph !== 'Unknown';
}

function isEvicted(p: Pod): boolean {
  return p.status?.phase === 'Failed' && p.status?.reason === 'Evicted';
}

/** byEvictionAndCreationTimestamp. */
function gcOrder(a: Pod, b: Pod): number {
  const ea = isEvicted(a);
  const eb = isEvicted(b);
  if (ea !== eb) return ea ? -1 : 1;
  return byCreationTimestamp(a, b);
}

export interface PodGCDecision {
  /** Terminated pods over the threshold, to delete (normal delete). */
  terminated: Pod[];
  /** Pods whose node is missing and has been missing for the quarantine time (verify, then force delete). */
  orphaned: Pod[];
  /** Nodes seen missing now (the adapter remembers since when). */
  missingNodes: string[];
  /** Terminating pods never scheduled (force delete). */
  unscheduledTerminating: Pod[];
}

export function decidePodGC(
  pods: Pod[],
  nodeNames: Set<string>,
  threshold: number,
  missingSince: Map<string, number>,
  now: number,
  quarantineMs = ORPHAN_QUARANTINE_MS,
): PodGCDecision {
  const out: PodGCDecision = { terminated: [], orphaned: [], missingNodes: [], unscheduledTerminating: [] };
  if (threshold > 0) {
    const terminated = pods.filter(isTerminated);
    const n = terminated.length - threshold;
    if (n > 0) out.terminated = terminated.sort(gcOrder).slice(0, n).filter((p) => !p.metadata?.deletionTimestamp);
  }
  const missing = new Set<string>();
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (!node) {
      if (p.metadata?.deletionTimestamp) out.unscheduledTerminating.push(p);
      continue;
    }
    if (nodeNames.has(node)) continue;
    missing.add(node);
    const since = missingSince.get(node);
    if (since !== undefined && now - since >= quarantineMs) out.orphaned.push(p);
  }
  out.missingNodes = [...missing].sort();
  return out;
}
