/**
 * Pod GC's adapter: every --pod-gc period (20 s, upstream's gcCheckPeriod) decidePodGC over the
 * caches; orphaned pods are force-deleted after their node is confirmed gone by a live GET, with
 * phase Failed and a DisruptionTarget condition first, as upstream.
 */

import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { R, ignoreNotFound, isNotFound, type ControllerContext } from '../util/context.js';
import { rfc3339 } from '../util/meta.js';
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

    for (const p of d.terminated) {
      await ignoreNotFound(() => client.delete(R.pods, p.metadata?.namespace, p.metadata!.name!));
    }
    const confirmed = new Map<string, boolean>();
    for (const p of d.orphaned) {
      const node = p.spec!.nodeName!;
      if (!confirmed.has(node)) {
        try {
          await client.get(R.nodes, undefined, node);
          confirmed.set(node, false);
          this.missingSince.delete(node);
        } catch (e) {
          if (!isNotFound(e)) throw e;
          confirmed.set(node, true);
        }
      }
      if (!confirmed.get(node)) continue;
      await this.markFailedAndDelete(p, now);
    }
    for (const p of d.unscheduledTerminating) {
      await ignoreNotFound(() => client.delete(R.pods, p.metadata?.namespace, p.metadata!.name!, { gracePeriodSeconds: 0 }));
    }
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
    if (p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') status.phase = 'Failed';
    try {
      await client.patch(R.pods, ns, name, { status }, 'merge', { subresource: 'status' });
    } catch {
      /* best effort */
    }
    this.log.info('deleting orphaned pod', { pod: `${ns}/${name}`, node: p.spec?.nodeName });
    await ignoreNotFound(() => client.delete(R.pods, ns, name, { gracePeriodSeconds: 0 }));
  }
}
