/**
 * The kubelet's Node (pure builders) and its heartbeats (adapter): registration with addresses,
 * capacity / allocatable, nodeInfo and conditions; status posts every --node-status-update-frequency;
 * the Lease in kube-node-lease renewed every 10 s.
 */
import { cpus, freemem, release, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { KubeError } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import type { ApiClient } from '../../api/client/api-client.js';
import type { Logger } from '../../api/client/log.js';
import { getCondition, transitionTime } from '../../api/conditions.js';
import type { NodeCondition } from '../../api/types/index.js';
import { microTime, rfc3339 } from '../../api/time.js';

import type { ContainerImage, Lease, Node, NodeStatus } from './types.js';

export const KUBELET_VERSION = 'v1.32.0-kubelab';

export interface NodeFacts {
  nodeName: string;
  nodeIP?: string;
  cpuCount: number;
  memoryBytes: number;
  maxPods: number;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  machineID: string;
  bootID: string;
  port: number;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
}

export interface NodeHealth {
  runtimeReady: boolean;
  networkReady: boolean;
  memoryPressure?: boolean;
  diskPressure?: boolean;
  pidPressure?: boolean;
}

export function readFacts(base: Omit<NodeFacts, 'cpuCount' | 'memoryBytes' | 'kernelVersion' | 'osImage' | 'machineID' | 'bootID'>): NodeFacts {
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8').trim();
    } catch {
      return '';
    }
  };
  const os = /PRETTY_NAME="([^"]*)"/.exec(read('/etc/os-release'))?.[1] ?? 'Linux';
  return { ...base, cpuCount: cpus().length, memoryBytes: totalmem(), kernelVersion: release(), osImage: os, machineID: read('/etc/machine-id'), bootID: read('/proc/sys/kernel/random/boot_id') };
}

/** Capacity as upstream formats it: cpu in cores, memory in Ki, pods. */
export function capacity(f: NodeFacts): Record<string, string> {
  return { cpu: String(f.cpuCount), memory: `${Math.floor(f.memoryBytes / 1024)}Ki`, pods: String(f.maxPods) };
}

function cond(prev: NodeCondition[] | undefined, type: string, status: 'True' | 'False', reason: string, message: string, now: Date): NodeCondition {
  const old = getCondition(prev, type);
  return {
    type,
    status,
    lastHeartbeatTime: rfc3339(now),
    lastTransitionTime: transitionTime(old, status, rfc3339(now)),
    reason,
    message,
  };
}

/** Node conditions as upstream's setters word them (pure). */
export function nodeConditions(h: NodeHealth, prev: NodeCondition[] | undefined, now: Date): NodeCondition[] {
  const notReady: string[] = [];
  if (!h.runtimeReady) notReady.push('container runtime is down');
  if (!h.networkReady) notReady.push('container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized');
  return [
    cond(prev, 'MemoryPressure', h.memoryPressure ? 'True' : 'False', h.memoryPressure ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory', h.memoryPressure ? 'kubelet has insufficient memory available' : 'kubelet has sufficient memory available', now),
    cond(prev, 'DiskPressure', h.diskPressure ? 'True' : 'False', h.diskPressure ? 'KubeletHasDiskPressure' : 'KubeletHasNoDiskPressure', h.diskPressure ? 'kubelet has disk pressure' : 'kubelet has no disk pressure', now),
    cond(prev, 'PIDPressure', h.pidPressure ? 'True' : 'False', h.pidPressure ? 'KubeletHasInsufficientPID' : 'KubeletHasSufficientPID', h.pidPressure ? 'kubelet has insufficient PID available' : 'kubelet has sufficient PID available', now),
    notReady.length === 0
      ? cond(prev, 'Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', now)
      : cond(prev, 'Ready', 'False', 'KubeletNotReady', notReady.join(', '), now),
  ];
}

/** The node's status (pure). */
export function nodeStatus(f: NodeFacts, h: NodeHealth, prev: NodeStatus | undefined, now: Date, images: ContainerImage[] = []): NodeStatus {
  const cap = capacity(f);
  return {
    capacity: cap,
    allocatable: { ...cap },
    conditions: nodeConditions(h, prev?.conditions, now),
    addresses: [...(f.nodeIP ? [{ type: 'InternalIP', address: f.nodeIP }] : []), { type: 'Hostname', address: f.nodeName }],
    daemonEndpoints: { kubeletEndpoint: { Port: f.port } },
    nodeInfo: {
      machineID: f.machineID,
      systemUUID: f.machineID,
      bootID: f.bootID,
      kernelVersion: f.kernelVersion,
      osImage: f.osImage,
      containerRuntimeVersion: f.containerRuntimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
    images,
  };
}

/** The Node the kubelet registers (pure). */
export function initialNode(f: NodeFacts, h: NodeHealth, now: Date): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: f.nodeName,
      labels: { 'kubernetes.io/arch': 'amd64', 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': f.nodeName, 'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', ...f.labels },
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: f.taints.length ? { taints: f.taints.map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect })) } : {},
    status: nodeStatus(f, h, undefined, now),
  };
}

/** The node's Lease (pure): holder = node, renewTime as MicroTime, owned by the Node. */
export function nodeLease(nodeName: string, nodeUid: string | undefined, durationSeconds: number, now: Date, prev?: Lease): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      ...(prev?.metadata ?? {}),
      name: nodeName,
      namespace: 'kube-node-lease',
      ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] } : {}),
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime: microTime(now) },
  };
}

/**
 * The wait before the next registration attempt (pure): upstream's registerWithAPIServer starts at 100 ms
 * and doubles up to 7 s.
 */
export const REGISTER_INITIAL_DELAY_MS = 100;
export const REGISTER_MAX_DELAY_MS = 7000;
export function nextRegisterDelayMs(previousMs: number): number {
  return Math.min(Math.max(previousMs, REGISTER_INITIAL_DELAY_MS / 2) * 2, REGISTER_MAX_DELAY_MS);
}

/** Sleep that an abort ends early. */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal.aborted) return done();
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      done();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      done();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const NODES = () => findResource('', 'nodes')!;
const LEASES = () => findResource('coordination.k8s.io', 'leases')!;

/** Registration, status posts and lease renewals for one node. */
export class NodeHeartbeat {
  private node: Node | undefined;
  private lease: Lease | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly facts: NodeFacts,
    private readonly health: () => NodeHealth,
    private readonly log: Logger,
    private readonly leaseDurationSeconds: number,
  ) {}

  /** Create the Node, or adopt an existing one (upstream: same name = same node; labels/taints added). */
  async register(): Promise<Node> {
    const want = initialNode(this.facts, this.health(), new Date());
    try {
      this.node = await this.client.create(NODES(), undefined, want);
      this.log.info('registered node', { node: this.facts.nodeName });
    } catch (e) {
      if (!(e instanceof KubeError) || e.reason !== 'AlreadyExists') throw e;
      const existing = await this.client.get<Node>(NODES(), undefined, this.facts.nodeName);
      this.node = await this.client.patch(NODES(), undefined, this.facts.nodeName, { metadata: { labels: want.metadata?.labels } }, 'strategic');
      void existing;
      this.log.info('node already registered, updating it', { node: this.facts.nodeName });
    }
    await this.postStatus();
    return this.node!;
  }

  /**
   * Upstream's registerWithAPIServer: try until the Node is registered (100 ms doubling to 7 s), each failure
   * logged. The kubelet does not wait for it: its static pods run before any API server answers (the kubeadm
   * control plane is itself static pods). Resolves undefined when aborted first.
   */
  async registerUntilDone(signal: AbortSignal, sleep: (ms: number, signal: AbortSignal) => Promise<void> = sleepUnlessAborted): Promise<Node | undefined> {
    let delay = 0;
    for (;;) {
      if (signal.aborted) return undefined;
      try {
        return await this.register();
      } catch (e) {
        this.log.warn('Unable to register node with API server', { node: this.facts.nodeName, error: e as Error });
      }
      delay = nextRegisterDelayMs(delay);
      await sleep(delay, signal);
    }
  }

  current(): Node | undefined {
    return this.node;
  }

  async postStatus(): Promise<void> {
    const status = nodeStatus(this.facts, this.health(), this.node?.status, new Date(), this.node?.status?.images ?? []);
    this.node = await this.client.patch(NODES(), undefined, this.facts.nodeName, { status }, 'merge', { subresource: 'status' });
  }

  async renewLease(): Promise<void> {
    const now = new Date();
    try {
      if (!this.lease) this.lease = await this.client.get<Lease>(LEASES(), 'kube-node-lease', this.facts.nodeName).catch((e: unknown) => {
        if (e instanceof KubeError && e.reason === 'NotFound') return undefined;
        throw e;
      });
      if (!this.lease) {
        this.lease = await this.client.create(LEASES(), 'kube-node-lease', nodeLease(this.facts.nodeName, this.node?.metadata?.uid, this.leaseDurationSeconds, now));
      } else {
        this.lease = await this.client.update(LEASES(), nodeLease(this.facts.nodeName, this.node?.metadata?.uid, this.leaseDurationSeconds, now, this.lease));
      }
    } catch (e) {
      this.lease = undefined; // re-read next time (conflict, deleted)
      throw e;
    }
  }
}

export const freeMemory = freemem;
