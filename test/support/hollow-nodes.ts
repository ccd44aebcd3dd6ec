/**
 * Hollow nodes, as Kubernetes' kubemark: Node objects with capacity and a kubelet that does no real
 * work. For each node it
 *  - registers the Node (capacity / allocatable cpu, memory, pods; Ready and pressure conditions,
 *    addresses, nodeInfo, labels, taints) and keeps the Ready condition True (re-posting it, as the
 *    kubelet's status loop does, when the node lifecycle controller turned it Unknown);
 *  - renews its Lease in kube-node-lease every `leaseRenewMs` (2 s);
 *  - marks the pods bound to it Running and Ready through `pods/{name}/status` (phase Running,
 *    Initialized / Ready / ContainersReady / PodScheduled True, a podIP from the node's
 *    spec.podCIDR, running containers with ready: true);
 *  - deletes with grace 0 (uid precondition) its pods that carry a deletionTimestamp, as the
 *    kubelet does once the containers are gone.
 * `freeze(node)` makes one node go silent (no Lease renewal, no status, no deletes: a dead kubelet);
 * `resume(node)` brings it back.
 *
 * Flow: pods informer (all namespaces) ──add/update──> handlePod ──> status patch | delete
 *       tick every leaseRenewMs ──> renew Leases, re-post Ready, sweep the pods the events missed
 */
import { KubeClient } from '../../api/client/api-client.js';
import { Informer } from '../../api/client/informer.js';
import { silentLogger } from '../../api/client/log.js';
import { microTime } from '../../api/client/leader-election.js';
import { findResource, type ResourceInfo } from '../../api/resources.js';

function res(group: string, plural: string): ResourceInfo {
  const r = findResource(group, plural);
  if (!r) throw new Error(`resource ${group}/${plural} is missing from api/resources.ts`);
  return r;
}
const PODS = res('', 'pods');
const NODES = res('', 'nodes');
const LEASES = res('coordination.k8s.io', 'leases');
const LEASE_NS = 'kube-node-lease';

export interface HollowNodeSpec {
  name: string;
  /** Capacity (allocatable is the same). Defaults: cpu 4, memory 8Gi, pods 110. */
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
}

export interface HollowNodesOptions {
  kubeconfig: string;
  /** Lease renewal and status/pod sweep period. Default 2000 ms. */
  leaseRenewMs?: number;
  /** leaseDurationSeconds written in the Lease (informational; upstream kubelet uses 40). */
  leaseDurationSeconds?: number;
}

interface NodeState {
  spec: HollowNodeSpec;
  index: number;
  frozen: boolean;
  /** host index (2..254) -> pod uid */
  ips: Map<number, string>;
}

export class HollowNodes {
  readonly client: KubeClient;
  private readonly nodes = new Map<string, NodeState>();
  private readonly pods: Informer<any>;
  private readonly nodeInf: Informer<any>;
  private readonly inflight = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private readonly period: number;
  private readonly leaseSeconds: number;
  /** Counters for tests: status patches, grace-0 deletes, lease renewals, errors seen. */
  readonly stats = { statusUpdates: 0, deletes: 0, renewals: 0, errors: [] as string[] };

  constructor(opts: HollowNodesOptions) {
    this.client = KubeClient.fromKubeconfig(opts.kubeconfig, undefined, { qps: 2000, burst: 2000, logger: silentLogger, userAgent: 'kubelet/hollow (kubelab test)' });
    this.period = opts.leaseRenewMs ?? 2000;
    this.leaseSeconds = opts.leaseDurationSeconds ?? 40;
    this.pods = new Informer<any>({ client: this.client, resource: PODS, logger: silentLogger, freeze: false, backoffInitialMs: 200, backoffMaxMs: 2000 });
    this.nodeInf = new Informer<any>({ client: this.client, resource: NODES, logger: silentLogger, freeze: false, backoffInitialMs: 200, backoffMaxMs: 2000 });
    this.pods.on('add', (p) => this.handlePod(p));
    this.pods.on('update', (_o, p) => this.handlePod(p));
    this.pods.on('delete', (p) => this.releaseIP(p));
    this.nodeInf.on('update', (_o, n) => {
      // podCIDR arrived: the pods that waited for an IP can start.
      const st = this.nodes.get(n.metadata?.name);
      if (st && n.spec?.podCIDR) for (const p of this.podsOn(st.spec.name)) this.handlePod(p);
    });
  }

  /** Register the nodes (and their Leases), start the kubelet loops; resolves once the caches are synced. */
  async start(specs: HollowNodeSpec[]): Promise<void> {
    for (const s of specs) await this.addNode(s);
    this.nodeInf.start();
    this.pods.start();
    await Promise.all([this.nodeInf.waitForSync(), this.pods.waitForSync()]);
    this.timer = setInterval(() => void this.tick(), this.period);
    this.timer.unref?.();
  }

  /** Register one more node (also after start). */
  async addNode(s: HollowNodeSpec): Promise<void> {
    const st: NodeState = { spec: s, index: this.nodes.size + 1, frozen: false, ips: new Map() };
    this.nodes.set(s.name, st);
    const labels = {
      'kubernetes.io/hostname': s.name,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'beta.kubernetes.io/arch': 'amd64',
      ...(s.labels ?? {}),
    };
    const body = { apiVersion: 'v1', kind: 'Node', metadata: { name: s.name, labels }, spec: { ...(s.taints?.length ? { taints: s.taints } : {}) }, status: this.nodeStatus(st) };
    let node: any;
    try {
      node = await this.client.create(NODES, undefined, body);
    } catch (e: any) {
      if (e?.reason !== 'AlreadyExists') throw e;
      node = await this.client.get(NODES, undefined, s.name);
    }
    // The create may drop status (as for most resources): post it through the subresource.
    await this.client.patch(NODES, undefined, s.name, { status: this.nodeStatus(st) }, 'merge', { subresource: 'status' });
    await this.renewLease(st, node.metadata?.uid);
  }

  /** Stop renewing this node's Lease and stop its kubelet (a dead node). */
  freeze(name: string): void {
    this.state(name).frozen = true;
  }

  /** Renew again at once, re-post Ready, and catch up with the pods. */
  async resume(name: string): Promise<void> {
    const st = this.state(name);
    st.frozen = false;
    await this.renewLease(st);
    await this.ensureReady(st);
    for (const p of this.podsOn(name)) this.handlePod(p);
  }

  isFrozen(name: string): boolean {
    return this.state(name).frozen;
  }

  /** Pods (from the cache) bound to this node. */
  podsOn(name: string): any[] {
    return this.pods.store.list().filter((p) => p.spec?.nodeName === name);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([this.pods.stop(), this.nodeInf.stop()]);
    this.client.close();
  }

  // -------------------------------------------------------------------------------------------

  private state(name: string): NodeState {
    const st = this.nodes.get(name);
    if (!st) throw new Error(`no hollow node ${name}`);
    return st;
  }

  private conditions(now: string): any[] {
    const c = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
    return [
      c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ];
  }

  private nodeStatus(st: NodeState): any {
    const s = st.spec;
    const cap = { cpu: s.cpu ?? '4', memory: s.memory ?? '8Gi', pods: String(s.pods ?? 110), 'ephemeral-storage': '100Gi' };
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      capacity: cap,
      allocatable: { ...cap },
      conditions: this.conditions(now),
      addresses: [
        { type: 'InternalIP', address: `10.0.0.${10 + st.index}` },
        { type: 'Hostname', address: s.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: `hollow-${s.name}`,
        systemUUID: `hollow-${s.name}`,
        bootID: `hollow-${s.name}`,
        kernelVersion: '6.1.0-hollow',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'hollow://1.0.0',
        kubeletVersion: 'v1.32.0',
        kubeProxyVersion: 'v1.32.0',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    };
  }

  private async renewLease(st: NodeState, nodeUid?: string): Promise<void> {
    const name = st.spec.name;
    const renewTime = microTime(Date.now());
    try {
      await this.client.patch(LEASES, LEASE_NS, name, { spec: { renewTime, holderIdentity: name, leaseDurationSeconds: this.leaseSeconds } }, 'merge');
      this.stats.renewals++;
    } catch (e: any) {
      if (e?.reason !== 'NotFound') throw e;
      const uid = nodeUid ?? this.nodeInf.store.get(name)?.metadata?.uid;
      await this.client.create(LEASES, LEASE_NS, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: LEASE_NS, ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid }] } : {}) },
        spec: { holderIdentity: name, leaseDurationSeconds: this.leaseSeconds, renewTime },
      });
      this.stats.renewals++;
    }
  }

  /** The kubelet's status loop: a node whose Ready condition is not True gets it back. */
  private async ensureReady(st: NodeState): Promise<void> {
    const node = await this.client.get<any>(NODES, undefined, st.spec.name);
    const ready = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
    if (ready?.status === 'True') return;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await this.client.patch(NODES, undefined, st.spec.name, { status: { conditions: this.conditions(now) } }, 'merge', { subresource: 'status' });
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    for (const st of this.nodes.values()) {
      if (st.frozen) continue;
      try {
        await this.renewLease(st);
        const cached = this.nodeInf.store.get(st.spec.name);
        const ready = (cached?.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
        if (!cached || ready?.status !== 'True') await this.ensureReady(st);
      } catch (e) {
        this.note(e);
      }
    }
    for (const p of this.pods.store.list()) this.handlePod(p);
  }

  private note(e: unknown): void {
    if (this.stopped) return;
    this.stats.errors.push((e as Error).message);
    if (this.stats.errors.length > 50) this.stats.errors.shift();
  }

  private needsStatus(p: any): boolean {
    const phase = p.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return false;
    if (phase !== 'Running' || !p.status?.podIP) return true;
    const ready = (p.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
    const cs = p.status?.containerStatuses ?? [];
    return ready?.status !== 'True' || cs.length !== (p.spec?.containers ?? []).length || cs.some((c: any, i: number) => c.image !== p.spec.containers[i]?.image);
  }

  private handlePod(p: any): void {
    if (this.stopped) return;
    const nodeName = p.spec?.nodeName;
    const st = nodeName ? this.nodes.get(nodeName) : undefined;
    if (!st || st.frozen) return;
    const uid = p.metadata?.uid as string;
    if (p.metadata?.deletionTimestamp) {
      const key = `del/${uid}`;
      if (this.inflight.has(key)) return;
      this.inflight.add(key);
      this.client
        .delete(PODS, p.metadata.namespace, p.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid } })
        .then(() => {
          this.stats.deletes++;
          this.releaseIP(p);
        })
        .catch((e: any) => {
          if (e?.reason !== 'NotFound' && e?.reason !== 'Conflict') this.note(e);
        })
        .finally(() => this.inflight.delete(key));
      return;
    }
    if (!this.needsStatus(p)) return;
    const node = this.nodeInf.store.get(nodeName);
    const podIP = this.podIP(st, node?.spec?.podCIDR, p);
    if (!podIP) return; // no podCIDR yet: wait, as a kubelet waits for its network
    const key = `status/${uid}/${p.metadata?.resourceVersion}`;
    if (this.inflight.has(key)) return;
    this.inflight.add(key);
    this.client
      .patch(PODS, p.metadata.namespace, p.metadata.name, { status: this.podStatus(p, st, podIP) }, 'merge', { subresource: 'status' })
      .then(() => this.stats.statusUpdates++)
      .catch((e: any) => {
        if (e?.reason !== 'NotFound' && e?.reason !== 'Conflict') this.note(e);
      })
      .finally(() => this.inflight.delete(key));
  }

  private podIP(st: NodeState, cidr: string | undefined, p: any): string | undefined {
    if (p.status?.podIP) return p.status.podIP;
    if (!cidr) return undefined;
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
    if (!m) return undefined;
    const uid = p.metadata.uid as string;
    for (const [i, u] of st.ips) if (u === uid) return `${m[1]}.${m[2]}.${m[3]}.${i}`;
    for (let i = 2; i < 255; i++) {
      if (!st.ips.has(i)) {
        st.ips.set(i, uid);
        return `${m[1]}.${m[2]}.${m[3]}.${i}`;
      }
    }
    return undefined;
  }

  private releaseIP(p: any): void {
    const st = this.nodes.get(p.spec?.nodeName);
    if (!st) return;
    for (const [i, u] of st.ips) if (u === p.metadata?.uid) st.ips.delete(i);
  }

  private podStatus(p: any, st: NodeState, podIP: string): any {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const start = p.status?.startTime ?? now;
    const hostIP = `10.0.0.${10 + st.index}`;
    const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
    return {
      phase: 'Running',
      conditions: [cond('PodReadyToStartContainers'), cond('Initialized'), cond('Ready'), cond('ContainersReady'), cond('PodScheduled')],
      hostIP,
      hostIPs: [{ ip: hostIP }],
      podIP,
      podIPs: [{ ip: podIP }],
      startTime: start,
      containerStatuses: (p.spec?.containers ?? []).map((c: any) => ({
        name: c.name,
        image: c.image,
        imageID: `docker.io/library/${c.image}@sha256:${'0'.repeat(64)}`,
        containerID: `hollow://${p.metadata.uid}-${c.name}`,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: start } },
      })),
    };
  }
}
