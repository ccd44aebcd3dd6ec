/**
 * The one controller skeleton of kubelab (client-go's controller pattern):
 *
 *   informers ──(add/update/delete: enqueue KEYS)──> WorkQueue ──> N workers ──> sync(key)
 *                                                       ^                          │
 *                                                       └── thrown error: addRateLimited(key)
 *                                                           success: forget(key)
 *
 * `run(signal)` starts the informers (idempotent; shared informers may already run), waits until every
 * one has synced (unless `waitForSync: false`), then starts `workers` loops; aborting the signal shuts the queue down and waits for
 * in-flight syncs to finish. Informers are not stopped by run(): their owner (an InformerFactory) does.
 * sync(key) must re-read the object from the informer's store (it may be gone: that means "deleted"),
 * be idempotent, and never mutate cached objects.
 */

import { KubeError } from '../errors.js';
import type { Informer, SyncableInformer } from './informer.js';
import { objectKey } from './informer.js';
import { consoleLogger, type Logger } from './log.js';
import { WorkQueue, type RateLimiter } from './workqueue.js';

export interface ControllerOptions {
  name: string;
  /** Concurrent sync loops (keys are still never synced twice at once). Default 1. */
  workers?: number;
  /** Drop a key after this many failed syncs in a row (default: retry forever). */
  maxRetries?: number;
  rateLimiter?: RateLimiter;
  logger?: Logger;
  /**
   * Wait until every informer has synced before the workers start (default true). false: they start at
   * once and syncs see what the caches hold so far; for a controller whose keys also come from elsewhere
   * (the kubelet's static pods, which run before any API server answers, as upstream's syncLoop does not
   * wait for its API source).
   */
  waitForSync?: boolean;
}

export abstract class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly workers: number;
  protected readonly log: Logger;
  protected readonly informers: SyncableInformer[] = [];
  private readonly maxRetries: number;
  private readonly waitForSync: boolean;
  private running = false;

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.workers = Math.max(1, opts.workers ?? 1);
    this.maxRetries = opts.maxRetries ?? Infinity;
    this.waitForSync = opts.waitForSync ?? true;
    this.queue = new WorkQueue({ name: opts.name, rateLimiter: opts.rateLimiter });
    this.log = opts.logger ?? consoleLogger(opts.name);
  }

  /** Reconcile one key (`namespace/name` or `name`). Throw to retry with backoff. */
  protected abstract sync(key: string): Promise<void>;

  /** Enqueue an object's key (or a key). */
  enqueue(objOrKey: unknown): void {
    this.queue.add(typeof objOrKey === 'string' ? objOrKey : objectKey(objOrKey));
  }

  /** Enqueue after a delay (e.g. "check again when this pod's grace period ends"). */
  enqueueAfter(objOrKey: unknown, ms: number): void {
    this.queue.addAfter(typeof objOrKey === 'string' ? objOrKey : objectKey(objOrKey), ms);
  }

  /**
   * Register an informer whose changes enqueue keys. By default the object's own key; pass `keysOf`
   * to map an object to other keys (e.g. a pod to its owning ReplicaSet's key). `filter` drops events.
   */
  protected watchInformer<T>(
    informer: Informer<T>,
    opts: { keysOf?: (obj: T) => string[]; filterUpdate?: (oldObj: T, newObj: T) => boolean } = {},
  ): void {
    if (!this.informers.includes(informer)) this.informers.push(informer);
    const keys = opts.keysOf ?? ((o: T) => [objectKey(o)]);
    const enqueueAll = (o: T) => {
      for (const k of keys(o)) this.queue.add(k);
    };
    informer.on('add', enqueueAll);
    informer.on('update', (oldObj, newObj) => {
      if (opts.filterUpdate && !opts.filterUpdate(oldObj, newObj)) return;
      enqueueAll(newObj);
      if (opts.keysOf && oldObj !== newObj) enqueueAll(oldObj);
    });
    informer.on('delete', enqueueAll);
  }

  /** Informers to wait for without registering handlers (read-only listers). */
  protected useInformer(informer: SyncableInformer): void {
    if (!this.informers.includes(informer)) this.informers.push(informer);
  }

  /** Run until the signal aborts. Resolves once every worker has stopped. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new KubeError('InternalError', `controller ${this.name} is already running`);
    this.running = true;
    try {
      for (const inf of this.informers) inf.start();
      if (this.waitForSync) {
        this.log.info('waiting for caches to sync', { controller: this.name });
        const synced = await Promise.all(this.informers.map((i) => i.waitForSync(signal)));
        if (!synced.every(Boolean)) {
          this.queue.shutDown();
          return;
        }
        this.log.info('caches synced, starting workers', { controller: this.name, workers: this.workers });
      } else {
        this.log.info('starting workers without waiting for caches', { controller: this.name, workers: this.workers });
      }
      const onAbort = () => this.queue.shutDown();
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      const loops = Array.from({ length: this.workers }, () => this.worker());
      await Promise.all(loops);
      signal.removeEventListener('abort', onAbort);
    } finally {
      this.running = false;
    }
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.processKey(key);
    }
  }

  /** One sync with the queue's bookkeeping; exported for tests that drive a controller step by step. */
  async processKey(key: string): Promise<boolean> {
    try {
      await this.sync(key);
      this.queue.forget(key);
      return true;
    } catch (e) {
      const n = this.queue.numRequeues(key);
      if (n < this.maxRetries) {
        this.log.warn('sync failed, requeuing', { controller: this.name, key, retries: n, error: e as Error });
        this.queue.addRateLimited(key);
      } else {
        this.log.error('sync failed, dropping key', { controller: this.name, key, retries: n, error: e as Error });
        this.queue.forget(key);
      }
      return false;
    } finally {
      this.queue.done(key);
    }
  }
}

/** A controller from a sync function, for small loops that need no class. */
export function createController<T>(
  opts: ControllerOptions & {
    informers: Informer<T>[];
    sync: (key: string) => Promise<void>;
    /** Map an informer's object to keys (default: its own key). */
    keysOf?: (obj: T) => string[];
  },
): Controller {
  class FnController extends Controller {
    constructor() {
      super(opts);
      for (const inf of opts.informers) this.watchInformer(inf, { keysOf: opts.keysOf });
    }
    protected sync(key: string): Promise<void> {
      return opts.sync(key);
    }
  }
  return new FnController();
}
