/**
 * The ingress controller's sync loop, apart from its I/O: every change to a watched resource schedules one debounced
 * sync; a sync asks each `ModelSource` for its model (one snapshot), merges them, renders nginx.conf, hands it to the
 * `NginxApplier` (write, `nginx -t`, reload) when it differs from the last one applied, then writes the statuses that
 * differ from what is stored. A failed sync is retried with backoff; changes during a sync run another sync after it.
 *
 *   informer events ──> trigger() ──(debounce)──> sync(): translate -> merge -> render -> apply -> statuses
 */
import { deepEqual } from '../../api/values.js';
import type { Logger } from '../../api/client/log.js';
import { mergeModels, type RoutingModel } from './model.js';
import { certificateFiles, renderNginxConf, type NginxConfOptions } from './nginx-conf.js';
import type { ClusterSnapshot, ControllerContext, ModelSource, StatusWrite } from './source.js';

/** What one sync decided: the conf and its files, and the status writes needed. */
export interface SyncPlan {
  model: RoutingModel;
  conf: string;
  files: Map<string, string>;
  statuses: StatusWrite[];
}

/** Pure: the sources' models merged and rendered, and the status writes that differ from the snapshot's objects. */
export function planSync(sources: readonly ModelSource[], snapshot: ClusterSnapshot, ctx: ControllerContext, render: NginxConfOptions): SyncPlan {
  const results = sources.map((s) => s.translate(snapshot, ctx));
  const model = mergeModels(results.map((r) => r.model));
  const statuses = results.flatMap((r) => r.statuses).filter((w) => statusDiffers(snapshot, w));
  return { model, conf: renderNginxConf(model, render), files: certificateFiles(model, render), statuses };
}

/** Does the stored object's status differ in a field the write sets (so an unchanged status is never rewritten)? */
export function statusDiffers(snapshot: ClusterSnapshot, w: StatusWrite): boolean {
  const obj = snapshot.get(w.resource, w.namespace, w.name);
  if (!obj) return false; // gone: nothing to write
  const current = (obj as { status?: Record<string, unknown> }).status ?? {};
  return Object.entries(w.status).some(([k, v]) => !deepEqual(current[k], v));
}

/** Writes the conf and its files, checks it (`nginx -t`) and reloads nginx; throws when the check fails. */
export interface NginxApplier {
  apply(conf: string, files: Map<string, string>): Promise<void>;
}

export interface SyncLoopOptions {
  sources: readonly ModelSource[];
  snapshot: ClusterSnapshot;
  ctx: ControllerContext;
  render: NginxConfOptions;
  nginx: NginxApplier;
  writeStatus: (w: StatusWrite) => Promise<void>;
  log: Logger;
  /** Quiet time before a sync after a change (default 200 ms; changes are applied within about a second). */
  debounceMs?: number;
  /** First retry delay after a failed sync (doubling to 30 s). */
  retryMs?: number;
}

export class SyncLoop {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastConf: string | undefined;
  private failures = 0;
  /** Counters, for tests and logs. */
  readonly stats = { syncs: 0, reloads: 0, statusWrites: 0, failures: 0 };
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: SyncLoopOptions) {}

  /** A watched object changed: sync after the debounce (one sync for a burst of changes). */
  trigger(delayMs = this.o.debounceMs ?? 200): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.syncNow().finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.trigger();
        } else if (!this.timer) for (const w of this.idleWaiters.splice(0)) w();
      });
    }, delayMs);
  }

  /** Resolves when no sync is scheduled or running (tests). */
  idle(): Promise<void> {
    if (!this.timer && !this.running) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** One sync, now. Errors are logged and retried with backoff, never thrown. */
  async syncNow(): Promise<void> {
    this.stats.syncs++;
    try {
      const plan = planSync(this.o.sources, this.o.snapshot, this.o.ctx, this.o.render);
      if (plan.conf !== this.lastConf) {
        await this.o.nginx.apply(plan.conf, plan.files);
        this.lastConf = plan.conf;
        this.stats.reloads++;
        this.o.log.info('nginx configuration applied', { servers: plan.model.servers.length, upstreams: plan.model.upstreams.length });
      }
      for (const w of plan.statuses) {
        await this.o.writeStatus(w);
        this.stats.statusWrites++;
        this.o.log.info('updated status', { resource: w.resource, namespace: w.namespace ?? '', name: w.name });
      }
      this.failures = 0;
    } catch (e) {
      this.stats.failures++;
      const delay = Math.min(30_000, (this.o.retryMs ?? 1000) * 2 ** this.failures++);
      this.o.log.error('sync failed; retrying', { error: e as Error, retryInMs: delay });
      if (!this.stopped) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.trigger(0);
        }, delay);
      }
    }
  }
}
