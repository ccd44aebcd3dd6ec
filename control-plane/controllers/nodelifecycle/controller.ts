/**
 * Node lifecycle and taint-based eviction adapters.
 *
 * NodeLifecycleController: every --node-monitor-period each node is synced: planNodeLifecycle
 * (nodeHealth: Lease renewals and status heartbeats against the grace period; desiredTaints; the
 * pods to mark not Ready) decides the pass, then one executor writes it: a status update when
 * conditions turn Unknown, a taint update, pods' Ready=False.
 * TaintEvictionController: per node, decideEvictions -> pods deleted, with a look-again at the next
 * toleration expiry.
 */

import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { R, ignoreNotFound, isConflict, type ControllerContext } from '../util/context.js';
import { clone } from '../../../api/values.js';
import { rfc3339 } from '../../../api/time.js';
import type { Lease, Node, Pod } from '../util/types.js';
import {
  DEFAULT_NODE_LIFECYCLE,
  decideEvictions,
  planNodeLifecycle,
  type NodeHealth,
  type NodeLifecycleOptions,
  type NodeLifecyclePlan,
} from './decide.js';

export const NODE_LIFECYCLE_CONTROLLER = 'node-lifecycle-controller';
export const TAINT_EVICTION_CONTROLLER = 'taint-eviction-controller';
const NODE_NAME_INDEX = 'spec.nodeName';

function podsOnNode(inf: Informer<Pod>, node: string): Pod[] {
  return inf.byIndex(NODE_NAME_INDEX, node);
}

function ensureNodeIndex(inf: Informer<Pod>): void {
  try {
    inf.addIndexer(NODE_NAME_INDEX, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  } catch {
    /* already there (shared informer) */
  }
}

export interface NodeLifecycleControllerOptions extends NodeLifecycleOptions {
  /** --node-monitor-period (5 s). */
  monitorPeriodMs: number;
}

export class NodeLifecycleController extends Controller {
  private readonly health = new Map<string, NodeHealth>();
  private readonly nodeInformer: Informer<Node>;
  private readonly leaseInformer: Informer<Lease>;
  private readonly podInformer: Informer<Pod>;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: NodeLifecycleControllerOptions = { ...DEFAULT_NODE_LIFECYCLE, monitorPeriodMs: 5000 },
  ) {
    super({ name: NODE_LIFECYCLE_CONTROLLER, workers: 2, logger: ctx.logger(NODE_LIFECYCLE_CONTROLLER) });
    this.nodeInformer = ctx.informers.informerFor<Node>(R.nodes);
    this.leaseInformer = ctx.informers.informerFor<Lease>(R.leases, { namespace: 'kube-node-lease' });
    this.podInformer = ctx.informers.informerFor<Pod>(R.pods);
    ensureNodeIndex(this.podInformer);
    this.watchInformer(this.nodeInformer);
    this.watchInformer(this.leaseInformer, { keysOf: (l) => [l.metadata?.name ?? ''] });
    this.useInformer(this.podInformer);
  }

  override async run(signal: AbortSignal): Promise<void> {
    this.timer = setInterval(() => {
      for (const n of this.nodeInformer.store.list()) this.enqueue(n.metadata?.name ?? '');
    }, this.opts.monitorPeriodMs);
    this.timer.unref?.();
    try {
      await super.run(signal);
    } finally {
      clearInterval(this.timer);
    }
  }

  protected async sync(name: string): Promise<void> {
    const node = this.nodeInformer.store.get(name);
    if (!node) {
      this.health.delete(name);
      return;
    }
    const now = this.ctx.now();
    const lease = this.leaseInformer.store.get(`kube-node-lease/${name}`);
    const plan = planNodeLifecycle(node, lease, this.health.get(name), podsOnNode(this.podInformer, name), now, this.opts);
    this.health.set(name, plan.health);
    await this.execute(node, plan);
  }

  /** Carry out a pass's plan; each node write starts from the version the previous one answered. */
  private async execute(node: Node, plan: NodeLifecyclePlan): Promise<void> {
    const client = this.ctx.client;
    const name = node.metadata!.name!;
    let current: Node = node;
    if (plan.conditions) {
      const body = clone(node);
      body.status = { ...(body.status ?? {}), conditions: plan.conditions };
      const updated = await ignoreNotFound(() => client.updateStatus<Node>(R.nodes, body));
      if (!updated) return;
      current = updated;
      this.log.info('node stopped posting status', { node: name, grace: this.opts.gracePeriodMs });
    }
    if (plan.notReadyEvent) {
      this.ctx.recorder('node-controller').event(current, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    }
    if (plan.taints) {
      const taints = plan.taints;
      try {
        await ignoreNotFound(() => client.update(R.nodes, { ...clone(current), spec: { ...(current.spec ?? {}), taints: taints.length ? taints : undefined } }));
      } catch (e) {
        if (!isConflict(e)) throw e;
        this.enqueueAfter(name, 100);
      }
    }
    for (const { pod, conditions } of plan.markNotReady) {
      await ignoreNotFound(() => client.patch(R.pods, pod.metadata?.namespace, pod.metadata!.name!, { status: { conditions } }, 'merge', { subresource: 'status' }));
    }
  }
}

export class TaintEvictionController extends Controller {
  private readonly nodeInformer: Informer<Node>;
  private readonly podInformer: Informer<Pod>;

  constructor(private readonly ctx: ControllerContext) {
    super({ name: TAINT_EVICTION_CONTROLLER, workers: 2, logger: ctx.logger(TAINT_EVICTION_CONTROLLER) });
    this.nodeInformer = ctx.informers.informerFor<Node>(R.nodes);
    this.podInformer = ctx.informers.informerFor<Pod>(R.pods);
    ensureNodeIndex(this.podInformer);
    this.watchInformer(this.nodeInformer, {
      filterUpdate: (a, b) => a === b || JSON.stringify(a.spec?.taints ?? []) !== JSON.stringify(b.spec?.taints ?? []),
    });
    this.watchInformer(this.podInformer, {
      keysOf: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []),
      filterUpdate: (a, b) => a === b || a.spec?.nodeName !== b.spec?.nodeName || JSON.stringify(a.spec?.tolerations) !== JSON.stringify(b.spec?.tolerations),
    });
  }

  protected async sync(name: string): Promise<void> {
    const node = this.nodeInformer.store.get(name);
    if (!node) return;
    const now = this.ctx.now();
    const d = decideEvictions(node, podsOnNode(this.podInformer, name), now);
    const rec = this.ctx.recorder(TAINT_EVICTION_CONTROLLER);
    for (const p of d.evict) {
      const ns = p.metadata?.namespace;
      const podName = p.metadata!.name!;
      rec.event(p, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ns}/${podName}`);
      const conditions = [
        ...(p.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'),
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'DeletionByTaintManager',
          message: 'Taint manager: deleting due to NoExecute taint',
          lastTransitionTime: rfc3339(now),
        },
      ];
      try {
        await client(this.ctx).patch(R.pods, ns, podName, { status: { conditions } }, 'merge', { subresource: 'status' });
      } catch {
        /* best effort, as upstream: the delete is what matters */
      }
      await ignoreNotFound(() => client(this.ctx).delete(R.pods, ns, podName));
    }
    if (d.nextAt !== undefined) this.enqueueAfter(name, Math.max(10, d.nextAt - now));
  }
}

function client(ctx: ControllerContext) {
  return ctx.client;
}
