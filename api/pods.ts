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

/**
 * podutil.IsRestartableInitContainer: an init container with `restartPolicy: Always` (a sidecar, KEP-753). It starts
 * in order with the other init containers, keeps running beside the app containers and is restarted whenever it
 * stops; the kubelet, the pod's request math and the printers treat it so.
 */
export function isRestartableInitContainer(c: { restartPolicy?: string | null } | null | undefined): boolean {
  return c?.restartPolicy === 'Always';
}
