/**
 * A whole hollow cluster for the acceptance tests of issue 3: real etcd, the real API server
 * (in-process), the scheduler and the controller manager as child processes of the built CLI,
 * and hollow nodes (test/support/hollow-nodes.ts). Plus the small waits and kubectl wrappers the
 * tests share.
 */
import { findResource } from '../../../api/resources.js';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { poll } from '../../support/net.js';
import { api, kubectl, startApiServer, type ApiHandle } from '../../support/apiserver.js';
import { HollowNodes, type HollowNodeSpec } from '../../support/hollow-nodes.js';
import { componentLogs, startComponent, stopAllComponents, type ComponentHandle } from '../../support/components.js';

export interface ClusterOptions {
  nodes: HollowNodeSpec[];
  /** Extra controller-manager flags; `false` starts none. */
  controllerManager?: string[] | false;
  /** Extra scheduler flags; `false` starts none. */
  scheduler?: string[] | false;
}

export interface Cluster {
  etcd: EtcdHandle;
  h: ApiHandle;
  nodes: HollowNodes;
  cm?: ComponentHandle;
  sched?: ComponentHandle;
  stop(): Promise<void>;
  logs(): string;
}

export const CM_FAST = ['--leader-elect=false', '--kube-api-qps=200', '--kube-api-burst=400', '--node-monitor-period=1s', '--cluster-cidr=10.244.0.0/16'];
export const SCHED_FAST = ['--leader-elect=false', '--kube-api-qps=200', '--kube-api-burst=400'];

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const etcd = await startEtcd();
  let h: ApiHandle | undefined;
  let nodes: HollowNodes | undefined;
  const c: Partial<Cluster> = { etcd };
  try {
    h = await startApiServer(etcd);
    c.h = h;
    nodes = new HollowNodes({ kubeconfig: h.kubeconfig });
    c.nodes = nodes;
    await nodes.start(o.nodes);
    if (o.controllerManager !== false) c.cm = await startComponent('controller-manager', h.kubeconfig, [...CM_FAST, ...(o.controllerManager ?? [])]);
    if (o.scheduler !== false) c.sched = await startComponent('scheduler', h.kubeconfig, [...SCHED_FAST, ...(o.scheduler ?? [])]);
  } catch (e) {
    await stopAllComponents();
    await nodes?.stop();
    await h?.stop();
    await etcd.stop();
    throw e;
  }
  const cluster = c as Cluster;
  cluster.logs = () => componentLogs(...[cluster.cm, cluster.sched].filter((x): x is ComponentHandle => !!x));
  cluster.stop = async () => {
    await stopAllComponents();
    await cluster.nodes?.stop();
    await cluster.h?.stop();
    await cluster.etcd.stop();
  };
  return cluster;
}

export { kubectlOk as ok } from '../../support/apiserver.js';

export async function getJson(h: ApiHandle, path: string): Promise<any> {
  const r = await api(h, 'GET', path);
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body.slice(0, 300)}`);
  return r.json();
}

export async function listPods(h: ApiHandle, ns: string, selector?: string): Promise<any[]> {
  const q = selector ? `?labelSelector=${encodeURIComponent(selector)}` : '';
  return (await getJson(h, `/api/v1/namespaces/${ns}/pods${q}`)).items;
}

export const isReady = (p: any): boolean => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
export const live = (p: any): boolean => !p.metadata?.deletionTimestamp;

/** Poll `fn` until it returns a truthy value; on timeout the error carries `what`, the last value and the component logs. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, c?: Cluster, intervalMs = 200): Promise<T> {
  try {
    return (await poll(what, timeoutMs, async () => (await fn()) || undefined, intervalMs)).value;
  } catch (e) {
    throw new Error(`${(e as Error).message}${c ? '\n' + c.logs() : ''}`);
  }
}

/** Node name -> number of live pods on it. */
export function spread(pods: any[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of pods) if (live(p) && p.spec?.nodeName) out[p.spec.nodeName] = (out[p.spec.nodeName] ?? 0) + 1;
  return out;
}

/** Deployment is done: observed, all replicas updated, available, and nothing old left. */
export async function deploymentDone(h: ApiHandle, ns: string, name: string): Promise<any> {
  const d = await getJson(h, `/apis/apps/v1/namespaces/${ns}/deployments/${name}`);
  const s = d.status ?? {};
  const want = d.spec.replicas;
  const avail = (s.conditions ?? []).find((x: any) => x.type === 'Available');
  return (s.observedGeneration ?? 0) >= d.metadata.generation &&
    s.updatedReplicas === want &&
    s.replicas === want &&
    s.availableReplicas === want &&
    avail?.status === 'True'
    ? d
    : undefined;
}

/** A pod as watchPods reads it off the wire: loosely, field by field. */
type PodWatchObject = Record<string, any>;

export interface PodWatch {
  /** uid -> latest pod, as the watch stream has it. */
  pods: Map<string, PodWatchObject>;
  /** Most live (not terminating) pods and fewest live Ready pods seen after any event. */
  maxLive: number;
  minReady: number;
  events: number;
  /** Pods whose spec.nodeName changed once set (`name: a -> b`); must stay empty. */
  rebound: string[];
  /** One line per event (type, pod, node, ready, terminating -> live / ready counts), for failure messages. */
  trace: string[];
  stop(): void;
}

/**
 * List then watch the pods matching `selector`, and after every event record how many live pods
 * exist and how many of them are Ready (the rolling-update bounds are checked on these).
 */
export async function watchPods(c: Cluster, ns: string, selector: string): Promise<PodWatch> {
  const list = await getJson(c.h, `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`);
  const pw: PodWatch = { pods: new Map(), maxLive: 0, minReady: Infinity, events: 0, rebound: [], trace: [], stop: () => undefined };
  for (const p of list.items) pw.pods.set(p.metadata.uid, p);
  const sample = () => {
    const all = [...pw.pods.values()].filter(live);
    pw.maxLive = Math.max(pw.maxLive, all.length);
    pw.minReady = Math.min(pw.minReady, all.filter(isReady).length);
  };
  sample();
  const w = c.nodes.client.watch<PodWatchObject>(findResource('', 'pods')!, ns, { resourceVersion: list.metadata.resourceVersion, labelSelector: selector }, (ev) => {
    if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') return;
    pw.events++;
    if (ev.type === 'DELETED') pw.pods.delete(ev.object.metadata.uid);
    else {
      const before = pw.pods.get(ev.object.metadata.uid)?.spec?.nodeName;
      if (before && before !== ev.object.spec?.nodeName) pw.rebound.push(`${ev.object.metadata.name}: ${before} -> ${ev.object.spec?.nodeName}`);
      pw.pods.set(ev.object.metadata.uid, ev.object);
    }
    sample();
    const o = ev.object;
    const all = [...pw.pods.values()].filter(live);
    pw.trace.push(
      `${new Date().toISOString().slice(17, 23)} ${ev.type} ${o.metadata.name} node=${o.spec?.nodeName ?? '-'} ready=${isReady(o)} term=${!live(o)} rv=${o.metadata.resourceVersion} -> live=${all.length} ready=${all.filter(isReady).length}`,
    );
  });
  pw.stop = () => w.stop();
  return pw;
}
