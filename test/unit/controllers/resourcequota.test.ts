/** The resourcequota controller's decision (upstream's syncResourceQuota + quota.CalculateUsage), table-tested. */
import { describe, expect, it } from 'vitest';
import { countedKinds, decideQuotaStatus, lowersUsage } from '../../../control-plane/controllers/resourcequota/decide.js';
import type { ResourceQuota } from '../../../control-plane/controllers/util/types.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const q = (hard: Record<string, string>, status?: ResourceQuota['status'], spec: Partial<NonNullable<ResourceQuota['spec']>> = {}): ResourceQuota =>
  ({ metadata: { name: 'q', namespace: 'ns' }, spec: { hard, ...spec }, ...(status ? { status } : {}) });
const pod = (phase: string, cpu?: string) => ({ metadata: { name: phase }, spec: { containers: [{ name: 'c', image: 'i', ...(cpu ? { resources: { requests: { cpu } } } : {}) }] }, status: { phase } });

describe('decideQuotaStatus', () => {
  const objects = (kinds: Record<string, unknown[]>) => (g: string, r: string) => kinds[`${g}/${r}`];

  it('a new quota: hard from spec, used from the objects, every tracked resource from 0', () => {
    const plan = decideQuotaStatus(q({ pods: '5', 'requests.cpu': '2', 'count/pods': '10', configmaps: '3' }), objects({
      '/pods': [pod('Running', '250m'), pod('Pending', '100m'), pod('Succeeded', '1')],
      '/configmaps': [],
    }), NOW);
    expect(plan).toEqual({
      hard: { pods: '5', 'requests.cpu': '2', 'count/pods': '10', configmaps: '3' },
      used: { pods: '2', 'requests.cpu': '350m', 'count/pods': '3', configmaps: '0' },
      dirty: true,
    });
  });

  it('not dirty when status matches; dirty when spec.hard changed', () => {
    const list = objects({ '/pods': [pod('Running')] });
    expect(decideQuotaStatus(q({ pods: '5' }, { hard: { pods: '5' }, used: { pods: '1' } }), list, NOW).dirty).toBe(false);
    expect(decideQuotaStatus(q({ pods: '6' }, { hard: { pods: '5' }, used: { pods: '1' } }), list, NOW)).toEqual({ hard: { pods: '6' }, used: { pods: '1' }, dirty: true });
    expect(decideQuotaStatus(q({ pods: '5' }, { hard: { pods: '5' }, used: { pods: '3' } }), list, NOW)).toMatchObject({ used: { pods: '1' }, dirty: true });
  });

  it('scopes filter the objects; a kind that is not served keeps its previous used; removed resources drop out', () => {
    const be = pod('Running');
    const burstable = pod('Running', '1');
    const plan = decideQuotaStatus(
      q({ pods: '5', persistentvolumeclaims: '2' }, { hard: { pods: '5', persistentvolumeclaims: '2', secrets: '1' }, used: { persistentvolumeclaims: '1', secrets: '1' } }, { scopes: [] }),
      objects({ '/pods': [be, burstable] }), NOW);
    expect(plan.used).toEqual({ pods: '2', persistentvolumeclaims: '1' });
    expect(decideQuotaStatus(q({ pods: '5' }, undefined, { scopes: ['BestEffort'] }), objects({ '/pods': [be, burstable] }), NOW).used).toEqual({ pods: '1' });
  });

  it('counted kinds: count/<r>.<g>, legacy names, pod, service and claim resources, each once', () => {
    expect(countedKinds(['count/deployments.apps', 'cpu', 'limits.memory', 'configmaps', 'services.nodeports', 'count/services', 'requests.storage', 'gold.storageclass.storage.k8s.io/persistentvolumeclaims', 'storage'])).toEqual([
      { group: 'apps', resource: 'deployments' }, { group: '', resource: 'pods' }, { group: '', resource: 'configmaps' }, { group: '', resource: 'services' },
      { group: '', resource: 'persistentvolumeclaims' },
    ]);
  });

  it('lowersUsage: a used value below the quota\'s current one (confirmed from storage before it is written)', () => {
    const quota = q({ pods: '5', cpu: '2' }, { hard: { pods: '5', cpu: '2' }, used: { pods: '3', cpu: '1' } });
    expect(lowersUsage(quota, { hard: {}, used: { pods: '2', cpu: '1' }, dirty: true })).toBe(true);
    expect(lowersUsage(quota, { hard: {}, used: { pods: '3', cpu: '1500m' }, dirty: true })).toBe(false);
    expect(lowersUsage(q({ pods: '5' }), { hard: {}, used: { pods: '0' }, dirty: true })).toBe(false);
  });
});
