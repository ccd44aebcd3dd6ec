/**
 * The network policy agent's views of the API objects (api/types Pod, Namespace, NetworkPolicy) and the
 * pure questions asked of them: which policies isolate a pod in which direction, which pods a peer
 * selects, what a named port resolves to. Semantics are upstream's (the NetworkPolicy API reference and
 * the networking docs): a pod is isolated for ingress (egress) when a policy of its namespace selects it
 * and lists Ingress (Egress) in policyTypes; allowed traffic is the union of every such policy's rules.
 */
import type { NetworkPolicy, NetworkPolicyPeer, Pod, Namespace, Relaxed } from '../../api/types/index.js';
import { type LabelSelector, type LabelSelectorSpec, labelSelectorToSelector } from '../../api/labels.js';

export type Direction = 'ingress' | 'egress';
export type NetpolProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface NetpolPod {
  namespace: string;
  name: string;
  /** The pod's IP (IPv4); a pod without one neither is selected nor selects. */
  ip?: string;
  labels: Record<string, string>;
  /** spec.nodeName. */
  node?: string;
  hostNetwork: boolean;
  /** Named container ports: name -> (port, protocol). */
  namedPorts: Array<{ name: string; port: number; protocol: NetpolProtocol }>;
}

export interface NetpolNamespace {
  name: string;
  labels: Record<string, string>;
}

export type Policy = Relaxed<NetworkPolicy>;

/**
 * A selector compiled once per selector object (policies are immutable informer objects: an update is a new
 * object). Compiling validates every key and value, which dominated the ruleset build at 1,000 policies over
 * 1,000 pods (bench/netpol.ts) when it was done for every (policy, pod) pair.
 */
const compiled = new WeakMap<object, LabelSelector>();
function selectorMatches(sel: LabelSelectorSpec, labels: Record<string, string>): boolean {
  let c = compiled.get(sel);
  if (!c) compiled.set(sel, (c = labelSelectorToSelector(sel)));
  return c.matches(labels);
}

/** The agent's view of a Pod: terminal pods (Succeeded, Failed) have no IP that counts. */
export function podView(p: Relaxed<Pod>): NetpolPod {
  const phase = p.status?.phase;
  const ip = phase === 'Succeeded' || phase === 'Failed' ? undefined : (p.status?.podIP ?? undefined);
  const namedPorts: NetpolPod['namedPorts'] = [];
  for (const c of p.spec?.containers ?? []) {
    for (const cp of c?.ports ?? []) {
      if (cp?.name && typeof cp.containerPort === 'number') {
        namedPorts.push({ name: cp.name, port: cp.containerPort, protocol: (cp.protocol ?? 'TCP') as NetpolProtocol });
      }
    }
  }
  return {
    namespace: p.metadata?.namespace ?? 'default',
    name: p.metadata?.name ?? '',
    ...(ip ? { ip } : {}),
    labels: { ...(p.metadata?.labels ?? {}) },
    ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
    hostNetwork: p.spec?.hostNetwork === true,
    namedPorts,
  };
}

export function namespaceView(n: Relaxed<Namespace>): NetpolNamespace {
  return { name: n.metadata?.name ?? '', labels: { ...(n.metadata?.labels ?? {}) } };
}

/** A pod that policies can select or name as a peer: it has an IP of its own (not the host's). */
export function hasPodNetworkIP(p: NetpolPod): p is NetpolPod & { ip: string } {
  return !!p.ip && !p.hostNetwork;
}

export function policyKey(np: Policy): string {
  return `${np.metadata?.namespace ?? 'default'}/${np.metadata?.name ?? ''}`;
}

/** policyTypes as the API server defaults them (Ingress always, Egress with egress rules) when absent. */
export function policyTypes(np: Policy): Direction[] {
  const t = np.spec?.policyTypes;
  if (!t || t.length === 0) return (np.spec?.egress ?? []).length > 0 ? ['ingress', 'egress'] : ['ingress'];
  return t.map((x) => (x === 'Egress' ? 'egress' : 'ingress'));
}

/** Whether `np` selects `pod` for `dir` (same namespace, podSelector matches, the direction in policyTypes). */
export function policySelects(np: Policy, pod: NetpolPod, dir: Direction): boolean {
  if ((np.metadata?.namespace ?? 'default') !== pod.namespace) return false;
  if (!policyTypes(np).includes(dir)) return false;
  return selectorMatches(np.spec?.podSelector ?? {}, pod.labels);
}

/** The pods a podSelector / namespaceSelector peer selects (an ipBlock peer selects none: it is matched by address). */
export function peerPods(
  peer: Relaxed<NetworkPolicyPeer>,
  policyNamespace: string,
  pods: readonly NetpolPod[],
  namespaces: ReadonlyMap<string, NetpolNamespace>,
  /** The same pods grouped by namespace (each group in `pods` order): a podSelector alone looks at one group. */
  byNamespace?: ReadonlyMap<string, readonly NetpolPod[]>,
): NetpolPod[] {
  if (peer.ipBlock || (!peer.podSelector && !peer.namespaceSelector)) return [];
  if (byNamespace && !peer.namespaceSelector) pods = byNamespace.get(policyNamespace) ?? [];
  const nsOk = (ns: string): boolean => {
    if (!peer.namespaceSelector) return ns === policyNamespace;
    return selectorMatches(peer.namespaceSelector, namespaces.get(ns)?.labels ?? {});
  };
  return pods.filter((p) => hasPodNetworkIP(p) && nsOk(p.namespace) && (!peer.podSelector || selectorMatches(peer.podSelector, p.labels)));
}

/** Pods grouped by namespace, each group in the input's order. */
export function groupByNamespace<T extends { namespace: string }>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of items) {
    let l = out.get(x.namespace);
    if (!l) out.set(x.namespace, (l = []));
    l.push(x);
  }
  return out;
}

/** A named port on a pod, for a protocol: its number, or undefined. */
export function resolveNamedPort(pod: NetpolPod, name: string, protocol: NetpolProtocol): number | undefined {
  return pod.namedPorts.find((p) => p.name === name && p.protocol === protocol)?.port;
}
