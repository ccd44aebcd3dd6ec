/**
 * The one pod resource formula (api/quota/pod-resources.ts aggregateContainerResources, upstream's
 * AggregateContainerRequests / Limits with KEP-753 sidecars) as quota / LimitRanger read it and as the scheduler
 * reads it: the same numbers from the same table.
 */
import { describe, expect, it } from 'vitest';
import { podLimits, podRequests } from '../../../api/quota/pod-resources.js';
import { podRequests as schedulerPodRequests } from '../../../control-plane/scheduler/resources.js';

const c = (name: string, cpu: string, memory: string, restartPolicy?: string) => ({
  name, image: 'busybox', ...(restartPolicy ? { restartPolicy } : {}), resources: { requests: { cpu, memory }, limits: { cpu, memory } },
});

describe('pod requests with sidecars (KEP-753: max(sum(app) + sum(sidecars), max_i(init_i + sidecars before i)))', () => {
  it.each<[string, Record<string, unknown>, { cpu: string; memory: string }, number, number]>([
    ['app containers only: their sum', { containers: [c('a', '1', '1Gi'), c('b', '500m', '1Gi')] }, { cpu: '1500m', memory: '2Gi' }, 1500, 2 * 1024 ** 3],
    ['a regular init container larger than the apps wins', { initContainers: [c('i', '3', '1Gi')], containers: [c('a', '1', '2Gi')] }, { cpu: '3', memory: '2Gi' }, 3000, 2 * 1024 ** 3],
    ['a sidecar adds to the apps', { initContainers: [c('log', '500m', '128Mi', 'Always')], containers: [c('a', '1', '1Gi')] }, { cpu: '1500m', memory: '1152Mi' }, 1500, 1152 * 1024 ** 2],
    [
      'an init container counts with the sidecars started before it, not after it',
      { initContainers: [c('log', '500m', '100Mi', 'Always'), c('setup', '2', '100Mi'), c('proxy', '300m', '100Mi', 'Always')], containers: [c('a', '1', '100Mi')] },
      // apps + sidecars: 1.8 cpu, 300Mi; setup + log: 2.5 cpu, 200Mi
      { cpu: '2500m', memory: '300Mi' }, 2500, 300 * 1024 ** 2,
    ],
  ])('%s', (_n, spec, want, milliCPU, memory) => {
    const s = { containers: [], ...spec } as Parameters<typeof podRequests>[0] & { containers: never[] };
    expect(podRequests(s)).toEqual(want);
    expect(podLimits(s)).toEqual(want);
    const sched = schedulerPodRequests({ metadata: { name: 'p', namespace: 'default' }, spec: s } as Parameters<typeof schedulerPodRequests>[0]);
    expect([sched.milliCPU, sched.memory]).toEqual([milliCPU, memory]);
  });

  it('the scheduler\'s non-zero defaults count per container, sidecars included', () => {
    const spec = { initContainers: [{ name: 'log', image: 'busybox', restartPolicy: 'Always' }], containers: [{ name: 'a', image: 'nginx' }] };
    const r = schedulerPodRequests({ metadata: { name: 'p', namespace: 'default' }, spec } as Parameters<typeof schedulerPodRequests>[0], true);
    expect([r.milliCPU, r.memory]).toEqual([200, 400 * 1024 * 1024]);
  });
});
