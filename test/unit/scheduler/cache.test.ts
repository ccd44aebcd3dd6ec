import { describe, expect, it } from 'vitest';
import { schedulePod } from '../../../control-plane/scheduler/algorithm.js';
import { SchedulerCache } from '../../../control-plane/scheduler/cache.js';
import { defaultProfile } from '../../../control-plane/scheduler/profile.js';
import { makeNode, makePod } from './fixtures.js';

describe('SchedulerCache', () => {
  it('an assumed pod takes the last free CPU before the API server knows', () => {
    const cache = new SchedulerCache();
    cache.addOrUpdateNode(makeNode('n1', { cpu: '1' }));
    const profile = defaultProfile();
    const first = makePod('a', { cpu: '600m' });
    const r1 = schedulePod(first, cache.snapshot(), profile);
    expect('nodeName' in r1 && r1.nodeName).toBe('n1');
    cache.assume(first, 'n1');
    const r2 = schedulePod(makePod('b', { cpu: '600m' }), cache.snapshot(), profile);
    expect('unschedulable' in r2 && r2.message).toBe('0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..');
  });

  it('the watch confirms an assumed pod without double counting', () => {
    const cache = new SchedulerCache();
    cache.addOrUpdateNode(makeNode('n1'));
    const pod = makePod('a', { cpu: '1' });
    cache.assume(pod, 'n1');
    cache.finishBinding(pod, 1000);
    expect(cache.isAssumed(pod)).toBe(true);
    cache.addOrUpdatePod({ ...pod, spec: { ...pod.spec, nodeName: 'n1' } });
    expect(cache.isAssumed(pod)).toBe(false);
    expect(cache.nodeInfo('n1')!.requested.milliCPU).toBe(1000);
    expect(cache.nodeInfo('n1')!.pods.length).toBe(1);
    // confirmed pods never expire
    expect(cache.cleanupExpiredAssumedPods(10_000_000)).toEqual([]);
    cache.removePod(pod);
    expect(cache.nodeInfo('n1')!.requested.milliCPU).toBe(0);
  });

  it('expires an assumed pod never confirmed, only after binding finished + ttl', () => {
    const cache = new SchedulerCache(30_000);
    cache.addOrUpdateNode(makeNode('n1'));
    const pod = makePod('a', { cpu: '1' });
    cache.assume(pod, 'n1');
    expect(cache.cleanupExpiredAssumedPods(1e12)).toEqual([]); // binding still running: never expires
    cache.finishBinding(pod, 1_000);
    expect(cache.cleanupExpiredAssumedPods(30_999)).toEqual([]);
    expect(cache.cleanupExpiredAssumedPods(31_000)).toEqual(['default/a']);
    expect(cache.nodeInfo('n1')!.requested.milliCPU).toBe(0);
    expect(cache.podCount()).toBe(0);
  });

  it('forget undoes assume (binding failed)', () => {
    const cache = new SchedulerCache();
    cache.addOrUpdateNode(makeNode('n1'));
    const pod = makePod('a', { cpu: '1' });
    cache.assume(pod, 'n1');
    cache.forget(pod);
    expect(cache.nodeInfo('n1')!.pods.length).toBe(0);
    expect(() => cache.assume(pod, 'n1')).not.toThrow();
    expect(() => cache.assume(pod, 'n1')).toThrow(/can't be assumed/);
  });

  it('keeps pods of a node seen before the node, and hides deleted nodes from the snapshot', () => {
    const cache = new SchedulerCache();
    cache.addOrUpdatePod(makePod('a', { cpu: '1', nodeName: 'late' }));
    expect(cache.snapshot().nodeInfos.length).toBe(0);
    cache.addOrUpdateNode(makeNode('late'));
    expect(cache.snapshot().nodeInfos.map((n) => n.name)).toEqual(['late']);
    expect(cache.snapshot().get('late')!.requested.milliCPU).toBe(1000);
    cache.removeNode('late');
    expect(cache.snapshot().nodeInfos.length).toBe(0);
    expect(cache.snapshot().get('late')).toBeUndefined();
  });

  it('a node update keeps its pods and refreshes allocatable', () => {
    const cache = new SchedulerCache();
    cache.addOrUpdateNode(makeNode('n1', { cpu: '1' }));
    cache.addOrUpdatePod(makePod('a', { cpu: '1', nodeName: 'n1' }));
    cache.addOrUpdateNode(makeNode('n1', { cpu: '2' }));
    const ni = cache.snapshot().get('n1')!;
    expect([ni.allocatable.milliCPU, ni.requested.milliCPU]).toEqual([2000, 1000]);
  });
});
