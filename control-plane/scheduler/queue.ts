/**
 * The scheduling queue, after upstream's PriorityQueue (internal/queue):
 *
 *   add ──> activeQ (heap: priority desc, then arrival) ──pop──> one scheduling cycle
 *                ^                                                │ unschedulable
 *                │ backoff over (flushBackoffCompleted, every 1 s)  v
 *            backoffQ (1 s doubling to 10 s per attempt) <── unschedulablePods
 *                          ^   moveAllToActiveOrBackoff(event): node added/changed, pod deleted, ...
 *                          └── flushUnschedulableLeftover (every 30 s): pods waiting > 5 min
 *
 * A pod that failed while a move request happened during its cycle goes to backoffQ at once
 * (the cluster changed: it may fit now). Errors (not "unschedulable") also go to backoffQ.
 * No I/O; the clock is passed in (ms).
 */
import { podKey } from './framework.js';
import type { SchedPod } from './types.js';

export const DEFAULT_POD_INITIAL_BACKOFF_MS = 1_000;
export const DEFAULT_POD_MAX_BACKOFF_MS = 10_000;
/** upstream podMaxInUnschedulablePodsDuration. */
export const DEFAULT_MAX_IN_UNSCHEDULABLE_MS = 5 * 60_000;

export interface QueuedPodInfo {
  pod: SchedPod;
  key: string;
  /** When it was (re)added to a queue; orders equal priorities. */
  timestamp: number;
  /** Scheduling attempts so far. */
  attempts: number;
  initialAttemptTimestamp?: number;
  /** Plugins that rejected it last time. */
  unschedulablePlugins: Set<string>;
  /** When it entered unschedulablePods. */
  unschedulableSince?: number;
}

/** upstream calculateBackoffDuration: initial * 2^(attempts-1), capped. */
export function backoffDuration(attempts: number, initialMs = DEFAULT_POD_INITIAL_BACKOFF_MS, maxMs = DEFAULT_POD_MAX_BACKOFF_MS): number {
  if (attempts <= 0) return 0;
  let d = initialMs;
  for (let i = 1; i < attempts; i++) {
    if (d > maxMs - d) return maxMs;
    d += d;
  }
  return Math.min(d, maxMs);
}

const priorityOf = (p: SchedPod): number => p.spec.priority ?? 0;

/** Min-heap with removal by key. `less(a, b)` = a comes out first. */
export class KeyedHeap<T> {
  private readonly items: T[] = [];
  private readonly index = new Map<string, number>();
  constructor(
    private readonly keyOf: (t: T) => string,
    private readonly less: (a: T, b: T) => boolean,
  ) {}

  get size(): number {
    return this.items.length;
  }
  has(key: string): boolean {
    return this.index.has(key);
  }
  get(key: string): T | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.items[i];
  }
  peek(): T | undefined {
    return this.items[0];
  }
  list(): T[] {
    return [...this.items];
  }

  /** Insert or replace (by key) and restore order. */
  push(t: T): void {
    const k = this.keyOf(t);
    const i = this.index.get(k);
    if (i !== undefined) {
      this.items[i] = t;
      this.fix(i);
      return;
    }
    this.items.push(t);
    this.index.set(k, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    const top = this.items[0]!;
    this.removeAt(0);
    return top;
  }

  remove(key: string): T | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const t = this.items[i]!;
    this.removeAt(i);
    return t;
  }

  private removeAt(i: number): void {
    const last = this.items.length - 1;
    this.index.delete(this.keyOf(this.items[i]!));
    if (i !== last) {
      this.items[i] = this.items[last]!;
      this.index.set(this.keyOf(this.items[i]!), i);
    }
    this.items.pop();
    if (i < this.items.length) this.fix(i);
  }

  private fix(i: number): void {
    if (!this.up(i)) this.down(i);
  }

  private swap(i: number, j: number): void {
    const a = this.items[i]!;
    const b = this.items[j]!;
    this.items[i] = b;
    this.items[j] = a;
    this.index.set(this.keyOf(b), i);
    this.index.set(this.keyOf(a), j);
  }

  private up(i: number): boolean {
    const start = i;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.items[i]!, this.items[p]!)) break;
      this.swap(i, p);
      i = p;
    }
    return i !== start;
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(this.items[l]!, this.items[m]!)) m = l;
      if (r < n && this.less(this.items[r]!, this.items[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

export interface SchedulingQueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxInUnschedulableMs?: number;
  now?: () => number;
}

export class SchedulingQueue {
  private readonly activeQ: KeyedHeap<QueuedPodInfo>;
  private readonly backoffQ: KeyedHeap<QueuedPodInfo>;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Pods popped and not yet done(): their cycle is running. */
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private readonly waiters: Array<(p: QueuedPodInfo | null) => void> = [];
  private closed = false;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly now: () => number;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.initialBackoffMs = opts.initialBackoffMs ?? DEFAULT_POD_INITIAL_BACKOFF_MS;
    this.maxBackoffMs = opts.maxBackoffMs ?? DEFAULT_POD_MAX_BACKOFF_MS;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? DEFAULT_MAX_IN_UNSCHEDULABLE_MS;
    this.now = opts.now ?? Date.now;
    // PrioritySort: higher priority first, then earlier timestamp.
    this.activeQ = new KeyedHeap(
      (q) => q.key,
      (a, b) => {
        const pa = priorityOf(a.pod);
        const pb = priorityOf(b.pod);
        return pa > pb || (pa === pb && a.timestamp < b.timestamp);
      },
    );
    this.backoffQ = new KeyedHeap(
      (q) => q.key,
      (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
    );
  }

  backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + backoffDuration(q.attempts, this.initialBackoffMs, this.maxBackoffMs);
  }

  private isBackingOff(q: QueuedPodInfo, now: number): boolean {
    return this.backoffExpiry(q) > now;
  }

  private pushActive(q: QueuedPodInfo): void {
    const w = this.waiters.shift();
    if (w) {
      this.schedulingCycle++;
      q.attempts++;
      this.inFlight.set(q.key, q);
      w(q);
      return;
    }
    this.activeQ.push(q);
  }

  /** A new pending pod (informer add). */
  add(pod: SchedPod): void {
    const key = podKey(pod);
    if (this.inFlight.has(key)) {
      this.inFlight.get(key)!.pod = pod;
      return;
    }
    const existing = this.activeQ.get(key) ?? this.backoffQ.remove(key) ?? this.unschedulable.get(key);
    this.unschedulable.delete(key);
    if (existing) {
      existing.pod = pod;
      this.pushActive(existing);
      return;
    }
    this.pushActive({ pod, key, timestamp: this.now(), attempts: 0, unschedulablePlugins: new Set() });
  }

  /** The pending pod changed (informer update). */
  update(pod: SchedPod): void {
    const key = podKey(pod);
    const inFlight = this.inFlight.get(key);
    if (inFlight) {
      inFlight.pod = pod;
      return;
    }
    const a = this.activeQ.get(key);
    if (a) {
      a.pod = pod;
      this.activeQ.push(a);
      return;
    }
    const b = this.backoffQ.get(key);
    if (b) {
      b.pod = pod;
      return;
    }
    const u = this.unschedulable.get(key);
    if (u) {
      // Its spec may now fit: retry (after backoff), as upstream does for an updated unschedulable pod.
      const specChanged = JSON.stringify(u.pod.spec) !== JSON.stringify(pod.spec) ||
        JSON.stringify(u.pod.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {});
      u.pod = pod;
      if (specChanged) {
        this.unschedulable.delete(key);
        if (this.isBackingOff(u, this.now())) this.backoffQ.push(u);
        else this.pushActive(u);
      }
      return;
    }
    this.add(pod);
  }

  /** The pod is gone or got bound by someone else. */
  delete(pod: SchedPod): void {
    const key = podKey(pod);
    this.activeQ.remove(key);
    this.backoffQ.remove(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
  }

  /** Wait for the next pod; null once closed. */
  pop(): Promise<QueuedPodInfo | null> {
    if (this.closed) return Promise.resolve(null);
    const q = this.activeQ.pop();
    if (q) {
      this.schedulingCycle++;
      q.attempts++;
      this.inFlight.set(q.key, q);
      return Promise.resolve(q);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Non-blocking pop (tests, benchmarks). */
  tryPop(): QueuedPodInfo | undefined {
    const q = this.activeQ.pop();
    if (!q) return undefined;
    this.schedulingCycle++;
    q.attempts++;
    this.inFlight.set(q.key, q);
    return q;
  }

  /** The cycle of a popped pod ended (scheduled, or requeued). */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /** The cycle number of the last pop (upstream SchedulingCycle()). */
  currentCycle(): number {
    return this.schedulingCycle;
  }

  /**
   * After a failed attempt (upstream AddUnschedulableIfNotPresent). `podCycle` is the cycle the pod
   * was popped in; if the cluster changed since, or the failure was an error, it goes to backoffQ.
   */
  addUnschedulable(q: QueuedPodInfo, podCycle: number, opts: { error?: boolean; plugins?: Iterable<string> } = {}): void {
    this.inFlight.delete(q.key);
    if (this.activeQ.has(q.key) || this.backoffQ.has(q.key) || this.unschedulable.has(q.key)) return;
    const now = this.now();
    q.timestamp = now;
    q.unschedulablePlugins = new Set(opts.plugins ?? []);
    if (opts.error || this.moveRequestCycle >= podCycle) {
      this.backoffQ.push(q);
      return;
    }
    q.unschedulableSince = now;
    this.unschedulable.set(q.key, q);
  }

  /** A cluster event that may make unschedulable pods fit: move them all on (upstream MoveAllToActiveOrBackoffQueue). */
  moveAllToActiveOrBackoff(_event: string, pred?: (q: QueuedPodInfo) => boolean): void {
    const now = this.now();
    for (const [key, q] of this.unschedulable) {
      if (pred && !pred(q)) continue;
      this.unschedulable.delete(key);
      if (this.isBackingOff(q, now)) this.backoffQ.push(q);
      else this.pushActive(q);
    }
    this.moveRequestCycle = this.schedulingCycle;
  }

  /** Pods whose backoff is over go to activeQ (run every second). */
  flushBackoffCompleted(): number {
    const now = this.now();
    let n = 0;
    for (;;) {
      const q = this.backoffQ.peek();
      if (!q || this.isBackingOff(q, now)) break;
      this.backoffQ.pop();
      this.pushActive(q);
      n++;
    }
    return n;
  }

  /** Pods unschedulable for longer than 5 min get another try (run every 30 s). */
  flushUnschedulableLeftover(): number {
    const now = this.now();
    let n = 0;
    for (const [key, q] of this.unschedulable) {
      if (now - (q.unschedulableSince ?? q.timestamp) <= this.maxInUnschedulableMs) continue;
      this.unschedulable.delete(key);
      if (this.isBackingOff(q, now)) this.backoffQ.push(q);
      else this.pushActive(q);
      n++;
    }
    return n;
  }

  /** Wake every pop() waiter with null. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(null);
  }

  /** Where a pod is, for tests and metrics. */
  where(key: string): 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined {
    if (this.activeQ.has(key)) return 'active';
    if (this.backoffQ.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    if (this.inFlight.has(key)) return 'inFlight';
    return undefined;
  }

  counts(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }
}
