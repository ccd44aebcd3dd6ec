/**
 * The Node authorizer's graph (upstream plugin/pkg/auth/authorizer/node/graph.go), kept as an index:
 * for each object a pod refers to, the nodes with a pod bound to them that refers to it.
 *
 *   node <- pod                 (spec.nodeName)
 *   node <- pod <- secret       (imagePullSecrets, env, envFrom, secret/projected volumes, volume plugin credentials)
 *   node <- pod <- configmap    (env, envFrom, configMap/projected volumes)
 *   node <- pod <- pvc          (persistentVolumeClaim and ephemeral volumes)
 *   node <- pod <- pvc <- pv    (the PV's spec.claimRef, as upstream's AddPV: pv -> pvc)
 *   node <- pod <- serviceaccount
 *
 * The API server feeds it every change of its pods watch cache (before any watcher sees the change), so
 * a kubelet that saw its pod can read what the pod references. An object referenced by a bound pod is
 * related even when it does not exist yet: the node's GET then answers 404, not 403.
 * Pods are read as stored documents (see api/pod-refs.ts): a malformed field relates nothing.
 */
import { podConfigMapNames, podPVCNames, podSecretNames } from '../../api/pod-refs.js';
import { valueAt } from '../../api/values.js';
import type { ApiObject } from './object-meta.js';
import type { WatchCache } from './watch-cache.js';

export type VertexType = 'pod' | 'secret' | 'configmap' | 'persistentvolumeclaim' | 'persistentvolume' | 'serviceaccount';

/** What the authorizer reads: is there a path from this object to this node? */
export interface NodeGraphView {
  hasPathFrom(node: string, type: VertexType, namespace: string, name: string): boolean;
}

/** Upstream's mirror pod annotation: a mirror pod relates its node to nothing but itself. */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

function vertexKey(type: VertexType, namespace: string, name: string): string {
  return `${type}\u0000${namespace}\u0000${name}`;
}

/** The vertices a bound pod connects to its node (itself first), as keys. */
export function podVertices(pod: ApiObject): string[] {
  const ns: string = pod.metadata?.namespace ?? '';
  const out = [vertexKey('pod', ns, pod.metadata?.name ?? '')];
  if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return out;
  for (const s of podSecretNames(pod)) out.push(vertexKey('secret', ns, s));
  for (const c of podConfigMapNames(pod)) out.push(vertexKey('configmap', ns, c));
  for (const c of podPVCNames(pod)) out.push(vertexKey('persistentvolumeclaim', ns, c));
  const sa = valueAt(pod, 'spec', 'serviceAccountName');
  if (typeof sa === 'string' && sa !== '') out.push(vertexKey('serviceaccount', ns, sa));
  return out;
}

interface PodEntry {
  node: string;
  vertices: string[];
}

export class NodeGraph implements NodeGraphView {
  /** Bound pods by namespace/name. */
  private readonly pods = new Map<string, PodEntry>();
  /** vertex -> node -> how many bound pods connect them. */
  private readonly edges = new Map<string, Map<string, number>>();
  /** PersistentVolume name -> the claim its spec.claimRef names (upstream's pv -> pvc edge). */
  private readonly pvClaims = new Map<string, { namespace: string; name: string }>();

  hasPathFrom(node: string, type: VertexType, namespace: string, name: string): boolean {
    if (type === 'persistentvolume') {
      const claim = this.pvClaims.get(name);
      return !!claim && this.hasPathFrom(node, 'persistentvolumeclaim', claim.namespace, claim.name);
    }
    return (this.edges.get(vertexKey(type, namespace, name))?.get(node) ?? 0) > 0;
  }

  /** Add or replace a PersistentVolume: it relates to the claim its claimRef names (none: to nothing). */
  setPV(pv: ApiObject): void {
    const name = pv.metadata?.name ?? '';
    const ns = valueAt(pv, 'spec', 'claimRef', 'namespace');
    const claim = valueAt(pv, 'spec', 'claimRef', 'name');
    if (typeof ns === 'string' && ns !== '' && typeof claim === 'string' && claim !== '') this.pvClaims.set(name, { namespace: ns, name: claim });
    else this.pvClaims.delete(name);
  }

  deletePV(pv: ApiObject): void {
    this.pvClaims.delete(pv.metadata?.name ?? '');
  }

  /** Start the PersistentVolumes over from a full list. */
  resetPVs(pvs: Iterable<ApiObject>): void {
    this.pvClaims.clear();
    for (const pv of pvs) this.setPV(pv);
  }

  /** Add or replace a pod (an unbound pod relates nothing). */
  setPod(pod: ApiObject): void {
    const key = podKey(pod);
    this.removeKey(key);
    const node = valueAt(pod, 'spec', 'nodeName');
    if (typeof node !== 'string' || node === '') return;
    const entry = { node, vertices: podVertices(pod) };
    this.pods.set(key, entry);
    for (const v of entry.vertices) {
      let byNode = this.edges.get(v);
      if (!byNode) this.edges.set(v, (byNode = new Map()));
      byNode.set(node, (byNode.get(node) ?? 0) + 1);
    }
  }

  deletePod(pod: ApiObject): void {
    this.removeKey(podKey(pod));
  }

  /** Start over from a full list of pods. */
  reset(pods: Iterable<ApiObject>): void {
    this.pods.clear();
    this.edges.clear();
    for (const p of pods) this.setPod(p);
  }

  /** How many bound pods the graph holds (for tests and metrics). */
  get size(): number {
    return this.pods.size;
  }

  private removeKey(key: string): void {
    const old = this.pods.get(key);
    if (!old) return;
    this.pods.delete(key);
    for (const v of old.vertices) {
      const byNode = this.edges.get(v);
      if (!byNode) continue;
      const n = (byNode.get(old.node) ?? 0) - 1;
      if (n > 0) byNode.set(old.node, n);
      else byNode.delete(old.node);
      if (byNode.size === 0) this.edges.delete(v);
    }
  }
}

function podKey(pod: ApiObject): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

/** Keep `graph` equal to what the pods watch cache holds; returns the way to stop. */
export function feedGraphFromPods(graph: NodeGraph, pods: WatchCache): () => void {
  return pods.observe({
    reset: (objects) => graph.reset(objects.map((o) => o.obj)),
    event: (ev) => (ev.type === 'DELETED' ? graph.deletePod(ev.obj) : graph.setPod(ev.obj)),
  });
}

/** Keep the graph's PersistentVolume -> claim edges equal to what the persistentvolumes watch cache holds. */
export function feedGraphFromPersistentVolumes(graph: NodeGraph, pvs: WatchCache): () => void {
  return pvs.observe({
    reset: (objects) => graph.resetPVs(objects.map((o) => o.obj)),
    event: (ev) => (ev.type === 'DELETED' ? graph.deletePV(ev.obj) : graph.setPV(ev.obj)),
  });
}
