import { describe, expect, it } from 'vitest';
import { KeyedHeap, SchedulingQueue, backoffDuration } from '../../../control-plane/scheduler/queue.js';
import { makePod } from './fixtures.js';


describe('backoffDuration (podInitialBackoffSeconds 1, podMaxBackoffSeconds 10)', () => {
  it.each([
    [0, 0],
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 10_000],
    [12, 10_000],
  ])('attempt %i -> %i ms', (attempts, want) => {
    expect(backoffDuration(attempts)).toBe(want);
  });
});

describe('SchedulingQueue', () => {
  function setup() {
    let now = 0;
    const q = new SchedulingQueue({ now: () => now });
    return { q, advance: (ms: number) => (now += ms) };
  }

  it('pops by priority, then arrival', async () => {
    const { q, advance } = setup();
    q.add(makePod('low'));
    advance(1);
    const high = makePod('high');
    high.spec.priority = 100;
    q.add(high);
    advance(1);
    q.add(makePod('low2'));
    expect([q.tryPop()!.key, q.tryPop()!.key, q.tryPop()!.key]).toEqual(['default/high', 'default/low', 'default/low2']);
  });

  it('an unschedulable pod waits for a cluster event, then respects its backoff', () => {
    const { q, advance } = setup();
    q.add(makePod('p'));
    const info = q.tryPop()!;
    const cycle = q.currentCycle();
    q.addUnschedulable(info, cycle);
    expect(q.where('default/p')).toBe('unschedulable');
    advance(500);
    q.moveAllToActiveOrBackoff('NodeAdd');
    expect(q.where('default/p')).toBe('backoff'); // attempt 1: 1 s backoff, 0.5 s passed
    expect(q.flushBackoffCompleted()).toBe(0);
    advance(500);
    expect(q.flushBackoffCompleted()).toBe(1);
    expect(q.where('default/p')).toBe('active');

    // second failure: 2 s backoff
    const again = q.tryPop()!;
    q.addUnschedulable(again, q.currentCycle());
    advance(1_999);
    q.moveAllToActiveOrBackoff('NodeUpdate');
    expect(q.flushBackoffCompleted()).toBe(0);
    advance(1);
    expect(q.flushBackoffCompleted()).toBe(1);
  });

  it('a cluster change during the cycle sends the pod to backoff, not to unschedulable', () => {
    const { q } = setup();
    q.add(makePod('p'));
    const info = q.tryPop()!;
    const cycle = q.currentCycle();
    q.moveAllToActiveOrBackoff('NodeAdd'); // happens while the pod is being scheduled
    q.addUnschedulable(info, cycle);
    expect(q.where('default/p')).toBe('backoff');
  });

  it('errors go to backoff', () => {
    const { q } = setup();
    q.add(makePod('p'));
    const info = q.tryPop()!;
    q.addUnschedulable(info, q.currentCycle(), { error: true });
    expect(q.where('default/p')).toBe('backoff');
  });

  it('pods unschedulable for more than 5 minutes are retried', () => {
    const { q, advance } = setup();
    q.add(makePod('p'));
    q.addUnschedulable(q.tryPop()!, q.currentCycle());
    advance(5 * 60_000);
    expect(q.flushUnschedulableLeftover()).toBe(0);
    advance(1);
    expect(q.flushUnschedulableLeftover()).toBe(1);
    expect(q.where('default/p')).toBe('active');
  });

  it('moves only the pods a predicate selects', () => {
    const { q, advance } = setup();
    q.add(makePod('a'));
    q.add(makePod('b'));
    const a = q.tryPop()!;
    q.addUnschedulable(a, q.currentCycle(), { plugins: ['PodTopologySpread'] });
    const b = q.tryPop()!;
    q.addUnschedulable(b, q.currentCycle(), { plugins: ['NodeResourcesFit'] });
    advance(10_000);
    q.moveAllToActiveOrBackoff('AssignedPodAdd', (x) => x.unschedulablePlugins.has('PodTopologySpread'));
    expect([q.where('default/a'), q.where('default/b')]).toEqual(['active', 'unschedulable']);
  });

  it('an updated unschedulable pod is retried; a deleted one disappears', () => {
    const { q, advance } = setup();
    const p = makePod('p', { cpu: '8' });
    q.add(p);
    q.addUnschedulable(q.tryPop()!, q.currentCycle());
    advance(2_000);
    q.update({ ...p, metadata: { ...p.metadata, resourceVersion: '2' } }); // status-only change: stays
    expect(q.where('default/p')).toBe('unschedulable');
    q.update(makePod('p', { cpu: '1' }));
    expect(q.where('default/p')).toBe('active');
    q.delete(p);
    expect(q.where('default/p')).toBeUndefined();
    expect(q.counts()).toEqual({ active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
  });

  it('pop waits for a pod and close() releases it with null', async () => {
    const { q } = setup();
    const waiting = q.pop();
    q.add(makePod('p'));
    expect((await waiting)!.key).toBe('default/p');
    const w2 = q.pop();
    q.close();
    expect(await w2).toBeNull();
  });
});

describe('KeyedHeap', () => {
  it('keeps order through pushes and removals', () => {
    const h = new KeyedHeap<number>((n) => String(n), (a, b) => a < b);
    for (const n of [5, 3, 9, 1, 7, 2, 8]) h.push(n);
    h.remove('7');
    h.remove('1');
    const out: number[] = [];
    while (h.size) out.push(h.pop()!);
    expect(out).toEqual([2, 3, 5, 8, 9]);
  });
});
