/**
 * Pod rules every component applies (upstream's pkg/api/v1/pod util): when a pod is terminal. The
 * controllers' IsPodActive builds on it (control-plane/controllers/util/meta.ts).
 */

/** podutil.IsPodPhaseTerminal: Succeeded or Failed; the pod's containers will not run again. */
export function isPodPhaseTerminal(phase: string | undefined): phase is 'Succeeded' | 'Failed' {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** podutil.IsPodTerminal: the pod's phase is terminal. */
export function isPodTerminal(pod: { status?: { phase?: string } }): boolean {
  return isPodPhaseTerminal(pod.status?.phase);
}
