/**
 * Pod GC's adapter: every --pod-gc period (20 s, upstream's gcCheckPeriod) decidePodGC over the
 * caches; orphaned pods are force-deleted after their node is confirmed gone by a live GET (done
 * before any write), with phase Failed and a DisruptionTarget condition first, as upstream.
 */

import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { R, ignoreNotFound, isNotFound, type ControllerContext } from '../util/context.js';
import { rfc3339 } from '../../../api/time.js';
import { isPodTerminal } from '../../../api/pods.js';
import type { Node, Pod } from '../util/types.js';
import { decidePodGC } from './decide.js';

export const POD_GC_CONTROLLER = 'pod-garbage-collector-controller';
const ALL = '__all_pods__';

export class PodGCController extends Controller {
  private readonly podInformer: Informer<Pod>;
  private readonly nodeInformer: Informer<Node>;
  private readonly missingSince = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: { terminatedPodThreshold: number; periodMs?: number; quarantineMs?: number },
  ) {
    super({ name: POD_GC_CONTROLLER, workers: 1, logger: ctx.logger(POD_GC_CONTROLLER) });
    this.podInformer = ctx.informers.informerFor<Pod>(R.pods);
    this.nodeInformer = ctx.informers.informerFor<Node>(R.nodes);
    this.useInformer(this.podInformer);
    this.useInformer(this.nodeInformer);
  }

  override async run(signal: AbortSignal): Promise<void> {
    this.queue.add(ALL);
    this.timer = setInterval(() => this.queue.add(ALL), this.opts.periodMs ?? 20_000);
    this.timer.unref?.();
    try {
      await super.run(signal);
    } finally {
      clearInterval(this.timer);
    }
  }

  protected async sync(): Promise<void> {
    const client = this.ctx.client;
    const now = this.ctx.now();
    const nodes = new Set(this.nodeInformer.store.list().map((n) => n.metadata?.name ?? ''));
    const d = decidePodGC(this.podInformer.store.list(), nodes, this.opts.terminatedPodThreshold, this.missingSince, now, this.opts.quarantineMs);
    for (const n of [...this.missingSince.keys()]) if (!d.missingNodes.includes(n)) this.missingSince.delete(n);
    for (const n of d.missingNodes) if (!this.missingSince.has(n)) this.missingSince.set(n, now);

    // Confirm, before any write, that the nodes of orphaned pods are really gone (a live GET per
    // node, as upstream's checkIfNodeExists): the plan is then carried out without reads.
    const { gone, error } = await this.confirmNodesGone(new Set(d.orphaned.map((p) => p.spec!.nodeName!)));

    for (const p of d.terminated) {
      await ignoreNotFound(() => client.delete(R.pods, p.metadata?.namespace, p.metadata!.name!));
    }
    for (const p of d.orphaned) {
      if (gone.has(p.spec!.nodeName!)) await this.markFailedAndDelete(p, now);
    }
    for (const p of d.unscheduledTerminating) {
      await ignoreNotFound(() => client.delete(R.pods, p.metadata?.namespace, p.metadata!.name!, { gracePeriodSeconds: 0 }));
    }
    if (error) throw error; // a node could not be checked: look again with backoff
  }

  /** The nodes a live GET answers 404 for; a node that exists leaves the missing list. */
  private async confirmNodesGone(nodes: Set<string>): Promise<{ gone: Set<string>; error?: unknown }> {
    const gone = new Set<string>();
    for (const node of nodes) {
      try {
        await this.ctx.client.get(R.nodes, undefined, node);
        this.missingSince.delete(node);
      } catch (e) {
        if (!isNotFound(e)) return { gone, error: e };
        gone.add(node);
      }
    }
    return { gone };
  }

  private async markFailedAndDelete(p: Pod, now: number): Promise<void> {
    const client = this.ctx.client;
    const ns = p.metadata?.namespace;
    const name = p.metadata!.name!;
    const status: Record<string, unknown> = {
      conditions: [
        ...(p.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'),
        { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: rfc3339(now) },
      ],
    };
    if (!isPodTerminal(p)) status.phase = 'Failed';
    try {
      await client.patch(R.pods, ns, name, { status }, 'merge', { subresource: 'status' });
    } catch {
      /* best effort */
    }
    this.log.info('deleting orphaned pod', { pod: `${ns}/${name}`, node: p.spec?.nodeName });
    await ignoreNotFound(() => client.delete(R.pods, ns, name, { gracePeriodSeconds: 0 }));
  }
}
