/** ResourceQuota's pure parts: the evaluators (upstream pkg/quota/v1/evaluator/core), CheckRequest and its messages, spec validation. */
import { describe, expect, it } from 'vitest';
import { checkQuotaRequest } from '../../../control-plane/apiserver/admission-resourcequota.js';
import { claimUsage, countedKindOf, evaluatorFor, podConstraints, podMatchesScope, podUsage, serviceUsage } from '../../../api/quota/evaluators.js';
import { prettyPrint, subtractNonNegative, addLists } from '../../../api/quota/resources.js';
import { validateResourceQuotaSpec } from '../../../api/strategies/quota.js';
import type { ApiObject } from '../../../control-plane/apiserver/object-meta.js';
import type { Pod, Relaxed, Service } from '../../../api/types/index.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const pod = (spec: Relaxed<Pod>['spec'], extra: Partial<Relaxed<Pod>> = {}): Relaxed<Pod> => ({ metadata: { name: 'p', namespace: 'ns' }, spec, ...extra });
const ctr = (name: string, requests?: Record<string, string>, limits?: Record<string, string>) => ({ name, image: 'i', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });
const quota = (name: string, hard: Record<string, string>, used: Record<string, string> | undefined, spec: Record<string, unknown> = {}): ApiObject =>
  ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: 'ns', resourceVersion: '5' }, spec: { hard, ...spec }, status: { hard, ...(used ? { used } : {}) } }) as ApiObject;

describe('resource lists', () => {
  it('add keeps canonical strings; prettyPrint sorts', () => {
    expect(addLists({ 'requests.memory': '600Mi', pods: '1' }, { 'requests.memory': '700Mi', cpu: '100m' })).toEqual({ 'requests.memory': '1300Mi', pods: '1', cpu: '100m' });
    expect(addLists({ cpu: '0' }, { cpu: '1500m' })).toEqual({ cpu: '1500m' });
    expect(prettyPrint({ 'requests.memory': '700Mi', 'limits.cpu': '1' })).toBe('limits.cpu=1,requests.memory=700Mi');
    expect(subtractNonNegative({ pods: '1', cpu: '1' }, { cpu: '2' })).toEqual({ pods: '1', cpu: '0' });
  });
});

describe('pod evaluator', () => {
  it('usage: compute from requests/limits (init containers as their max), count/pods always, nothing else once ended', () => {
    const p = pod({ containers: [ctr('a', { cpu: '100m', memory: '64Mi' }, { cpu: '200m' }), ctr('b', { cpu: '100m' })], initContainers: [ctr('i', { cpu: '500m' })] });
    expect(podUsage(p, NOW)).toEqual({
      'count/pods': '1', pods: '1', cpu: '500m', 'requests.cpu': '500m', 'limits.cpu': '200m', memory: '64Mi', 'requests.memory': '64Mi',
    });
    expect(podUsage({ ...p, status: { phase: 'Succeeded' } }, NOW)).toEqual({ 'count/pods': '1' });
    const stuck = { ...p, metadata: { name: 'p', deletionTimestamp: '2025-12-31T23:00:00Z', deletionGracePeriodSeconds: 30 } };
    expect(podUsage(stuck, NOW)).toEqual({ 'count/pods': '1' });
  });

  it.each([
    ['Terminating', pod({ containers: [], activeDeadlineSeconds: 10 }), true],
    ['NotTerminating', pod({ containers: [], activeDeadlineSeconds: 10 }), false],
    ['BestEffort', pod({ containers: [ctr('a')] }), true],
    ['NotBestEffort', pod({ containers: [ctr('a', { cpu: '1' })] }), true],
    ['BestEffort', pod({ containers: [ctr('a', undefined, { memory: '1Gi' })] }), false],
  ] as const)('scope %s', (scope, p, want) => expect(podMatchesScope({ scopeName: scope, operator: 'Exists' }, p)).toBe(want));

  it('PriorityClass scope: Exists, In, NotIn', () => {
    const p = pod({ containers: [], priorityClassName: 'high' });
    expect(podMatchesScope({ scopeName: 'PriorityClass', operator: 'Exists' }, p)).toBe(true);
    expect(podMatchesScope({ scopeName: 'PriorityClass', operator: 'In', values: ['high', 'medium'] }, p)).toBe(true);
    expect(podMatchesScope({ scopeName: 'PriorityClass', operator: 'NotIn', values: ['high'] }, p)).toBe(false);
    expect(podMatchesScope({ scopeName: 'PriorityClass', operator: 'Exists' }, pod({ containers: [] }))).toBe(false);
  });

  it('constraints name every container missing a quota\'d compute resource', () => {
    const p = pod({ containers: [ctr('b', { cpu: '1' }), ctr('a')], initContainers: [ctr('init', { cpu: '1' }, { cpu: '1' })] });
    expect(podConstraints(['limits.cpu', 'requests.cpu', 'pods'], p)).toBe('must specify limits.cpu for: a,b; must specify requests.cpu for: a');
    expect(podConstraints(['pods'], p)).toBeUndefined();
  });
});

describe('service and object count evaluators', () => {
  it.each([
    [{ spec: { type: 'ClusterIP', ports: [{ port: 80 }] } }, { 'count/services': '1', services: '1' }],
    [{ spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 443 }] } }, { 'count/services': '1', services: '1', 'services.nodeports': '2' }],
    [{ spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } }, { 'count/services': '1', services: '1', 'services.nodeports': '1', 'services.loadbalancers': '1' }],
    [{ spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 80 }, { port: 81, nodePort: 30001 }] } }, { 'count/services': '1', services: '1', 'services.nodeports': '1', 'services.loadbalancers': '1' }],
  ] as const)('service usage %#', (svc, want) => expect(serviceUsage(svc as unknown as Relaxed<Service>)).toEqual(want));

  it('counts objects as count/<resource>[.<group>] and the legacy core names', () => {
    expect(evaluatorFor('', 'configmaps').usage({}, NOW)).toEqual({ 'count/configmaps': '1', configmaps: '1' });
    expect(evaluatorFor('apps', 'deployments').usage({}, NOW)).toEqual({ 'count/deployments.apps': '1' });
    expect(evaluatorFor('apps', 'deployments').matchingResources(['count/deployments.apps', 'pods'])).toEqual(['count/deployments.apps']);
    expect(evaluatorFor('apps', 'deployments').handles('UPDATE')).toBe(false);
  });
});

describe('persistent volume claim evaluator (pvcEvaluator)', () => {
  const claim = (storage: string | undefined, cls?: string, extra: Record<string, unknown> = {}) => ({
    metadata: { name: 'data', namespace: 'ns' },
    spec: { accessModes: ['ReadWriteOnce'], ...(cls !== undefined ? { storageClassName: cls } : {}), resources: storage === undefined ? {} : { requests: { storage } } },
    ...extra,
  });
  it.each([
    ['no class', claim('1Gi'), { persistentvolumeclaims: '1', 'count/persistentvolumeclaims': '1', 'requests.storage': '1Gi' }],
    ['a class', claim('5Gi', 'gold'), {
      persistentvolumeclaims: '1', 'count/persistentvolumeclaims': '1', 'requests.storage': '5Gi',
      'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1', 'gold.storageclass.storage.k8s.io/requests.storage': '5Gi',
    }],
    ['the beta class annotation wins', { ...claim('1Gi', 'gold'), metadata: { name: 'd', annotations: { 'volume.beta.kubernetes.io/storage-class': 'silver' } } }, {
      persistentvolumeclaims: '1', 'count/persistentvolumeclaims': '1', 'requests.storage': '1Gi',
      'silver.storageclass.storage.k8s.io/persistentvolumeclaims': '1', 'silver.storageclass.storage.k8s.io/requests.storage': '1Gi',
    }],
    ['no storage request: counted only', claim(undefined, 'gold'), { persistentvolumeclaims: '1', 'count/persistentvolumeclaims': '1', 'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1' }],
    ['a fractional byte request is rounded up', claim('1500m'), { persistentvolumeclaims: '1', 'count/persistentvolumeclaims': '1', 'requests.storage': '2' }],
    ['allocatedResources larger than the request is charged', claim('1Gi', '', { status: { allocatedResources: { storage: '2Gi' } } }), { persistentvolumeclaims: '1', 'count/persistentvolumeclaims': '1', 'requests.storage': '2Gi' }],
    ['allocatedResources smaller is not', claim('2Gi', '', { status: { allocatedResources: { storage: '1Gi' } } }), { persistentvolumeclaims: '1', 'count/persistentvolumeclaims': '1', 'requests.storage': '2Gi' }],
  ] as const)('usage: %s', (_n, pvc, want) => expect(claimUsage(pvc)).toEqual(want));

  it('matches its names, by class too, and handles CREATE and UPDATE; the controller counts claims for each', () => {
    const e = evaluatorFor('', 'persistentvolumeclaims');
    const names = ['pods', 'persistentvolumeclaims', 'count/persistentvolumeclaims', 'requests.storage', 'gold.storageclass.storage.k8s.io/requests.storage',
      'gold.storageclass.storage.k8s.io/persistentvolumeclaims', 'gold.storageclass.storage.k8s.io/pods', 'storage'];
    expect(e.matchingResources(names)).toEqual(names.slice(1, 6));
    expect([e.handles('CREATE'), e.handles('UPDATE'), e.handles('DELETE')]).toEqual([true, true, false]);
    for (const n of names.slice(1, 6)) expect(countedKindOf(n)).toEqual({ group: '', resource: 'persistentvolumeclaims' });
  });

  it('admission: exceeded with upstream\'s message; a class quota ignores other classes; a resize is charged its growth', () => {
    const e = evaluatorFor('', 'persistentvolumeclaims');
    const q = [quota('storage', { 'requests.storage': '5Gi', persistentvolumeclaims: '2' }, { 'requests.storage': '4Gi', persistentvolumeclaims: '1' })];
    expect(checkQuotaRequest(q, { operation: 'CREATE', object: claim('2Gi') }, e, NOW)).toEqual({
      ok: false, message: 'exceeded quota: storage, requested: requests.storage=2Gi, used: requests.storage=4Gi, limited: requests.storage=5Gi',
    });
    expect(checkQuotaRequest(q, { operation: 'CREATE', object: claim('1Gi') }, e, NOW)).toMatchObject({ ok: true, charges: [{ used: { 'requests.storage': '5Gi', persistentvolumeclaims: '2' } }] });
    const gold = [quota('gold', { 'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '0' }, { 'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '0' })];
    expect(checkQuotaRequest(gold, { operation: 'CREATE', object: claim('1Gi', 'silver') }, e, NOW)).toEqual({ ok: true, charges: [] });
    expect(checkQuotaRequest(gold, { operation: 'CREATE', object: claim('1Gi', 'gold') }, e, NOW)).toEqual({
      ok: false, message: 'exceeded quota: gold, requested: gold.storageclass.storage.k8s.io/persistentvolumeclaims=1, used: gold.storageclass.storage.k8s.io/persistentvolumeclaims=0, limited: gold.storageclass.storage.k8s.io/persistentvolumeclaims=0',
    });
    const old = { ...claim('3Gi'), metadata: { name: 'data', namespace: 'ns', resourceVersion: '4' } };
    expect(checkQuotaRequest(q, { operation: 'UPDATE', object: claim('5Gi'), oldObject: old }, e, NOW)).toEqual({
      ok: false, message: 'exceeded quota: storage, requested: requests.storage=2Gi, used: requests.storage=4Gi, limited: requests.storage=5Gi',
    });
    expect(checkQuotaRequest(q, { operation: 'UPDATE', object: claim('4Gi'), oldObject: old }, e, NOW)).toMatchObject({ ok: true, charges: [{ used: { 'requests.storage': '5Gi', persistentvolumeclaims: '1' } }] });
  });
});

describe('checkQuotaRequest (CheckRequest)', () => {
  const pods = evaluatorFor('', 'pods');
  const create = (object: unknown) => ({ operation: 'CREATE' as const, object });

  it('charges every pertinent quota', () => {
    const d = checkQuotaRequest([quota('a', { pods: '2' }, { pods: '1' }), quota('b', { 'requests.cpu': '1' }, { 'requests.cpu': '0' }), quota('c', { configmaps: '1' }, { configmaps: '0' })],
      create(pod({ containers: [ctr('x', { cpu: '250m' })] })), pods, NOW);
    expect(d).toEqual({ ok: true, charges: [
      { quota: expect.objectContaining({ metadata: expect.objectContaining({ name: 'a' }) }), used: { pods: '2' } },
      { quota: expect.objectContaining({ metadata: expect.objectContaining({ name: 'b' }) }), used: { 'requests.cpu': '250m' } },
    ] });
  });

  it.each([
    ['exceeded', [quota('mem-cpu-demo', { 'requests.memory': '1Gi', 'limits.memory': '2Gi' }, { 'requests.memory': '600Mi', 'limits.memory': '800Mi' })],
      pod({ containers: [ctr('x', { memory: '700Mi' }, { memory: '1Gi' })] }),
      'exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=600Mi, limited: requests.memory=1Gi'],
    ['failed constraints', [quota('q', { 'limits.memory': '2Gi' }, { 'limits.memory': '0' })], pod({ containers: [ctr('x')] }), 'failed quota: q: must specify limits.memory for: x'],
    ['status unknown', [quota('q', { pods: '2', 'count/pods': '3' }, { pods: '0' })], pod({ containers: [] }), 'status unknown for quota: q, resources: count/pods,pods'],
    ['negative', [quota('q', { cpu: '2' }, { cpu: '0' })], pod({ containers: [ctr('x', { cpu: '-1' })] }), 'quota usage is negative for resource(s): cpu,requests.cpu'],
  ] as const)('refuses: %s', (_n, quotas, object, message) => {
    expect(checkQuotaRequest(quotas, create(object), pods, NOW)).toEqual({ ok: false, message });
  });

  it('passes over quotas without status.hard, with scopes the object misses, or naming nothing it uses', () => {
    const noStatus = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'new' }, spec: { hard: { pods: '0' } }, status: {} } as ApiObject;
    const be = quota('be', { pods: '0' }, { pods: '0' }, { scopes: ['BestEffort'] });
    expect(checkQuotaRequest([noStatus, be], create(pod({ containers: [ctr('x', { cpu: '1' })] })), pods, NOW)).toEqual({ ok: true, charges: [] });
    expect(checkQuotaRequest([quota('s', { services: '0' }, { services: '0' })], create(pod({ containers: [] })), pods, NOW)).toEqual({ ok: true, charges: [] });
  });

  it('an UPDATE is charged its delta (a service becoming NodePort), nothing when it does not grow', () => {
    const services = evaluatorFor('', 'services');
    const q = [quota('q', { 'services.nodeports': '1', services: '5' }, { 'services.nodeports': '0', services: '1' })];
    const old = { metadata: { name: 's', resourceVersion: '3' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } };
    const np = { metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
    expect(checkQuotaRequest(q, { operation: 'UPDATE', object: np, oldObject: old }, services, NOW)).toMatchObject({ ok: true, charges: [{ used: { 'services.nodeports': '1', services: '1' } }] });
    expect(checkQuotaRequest(q, { operation: 'UPDATE', object: old, oldObject: np }, services, NOW)).toEqual({ ok: true, charges: [] });
  });
});

describe('validateResourceQuotaSpec', () => {
  const causes = (spec: Parameters<typeof validateResourceQuotaSpec>[0]) => validateResourceQuotaSpec(spec).map((c) => `${c.field}: ${c.message}`);
  it.each([
    [{ hard: { pods: '1.5' } }, ['spec.hard[pods]: Invalid value: "1500m": must be an integer']],
    [{ hard: { foo: '1' } }, ['spec.hard[foo]: Invalid value: "foo": must be a standard resource type or fully qualified', 'spec.hard[foo]: Invalid value: "foo": must be a standard resource for quota']],
    [{ hard: { 'count/deployments.apps': '2', 'requests.example.com/gpu': '1' } }, []],
    [{ hard: { 'requests.storage': '10Gi', persistentvolumeclaims: '3', 'gold.storageclass.storage.k8s.io/requests.storage': '5Gi', 'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1' } }, []],
    [{ hard: { configmaps: '1' }, scopes: ['BestEffort'] }, ['spec.scopes: Invalid value: ["BestEffort"]: unsupported scope applied to resource']],
    [{ hard: { pods: '1', 'count/pods': '1' }, scopes: ['BestEffort'] }, []],
    [{ hard: { cpu: '1' }, scopes: ['BestEffort'] }, ['spec.scopes: Invalid value: ["BestEffort"]: unsupported scope applied to resource']],
    [{ hard: { pods: '1' }, scopes: ['Terminating', 'NotTerminating'] }, ['spec.scopes: Invalid value: ["Terminating","NotTerminating"]: conflicting scopes']],
    [{ hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In' }, { scopeName: 'BestEffort', operator: 'In', values: ['x'] }, { scopeName: 'Nope', operator: 'Bad' }] } }, [
      "spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
      "spec.scopeSelector.matchExpressions.operator: Invalid value: \"In\": must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
      'spec.scopeSelector.matchExpressions.scopeName: Invalid value: "Nope": unsupported scope',
      'spec.scopeSelector.matchExpressions.operator: Invalid value: "Bad": not a valid selector operator',
    ]],
  ] as const)('%j', (spec, want) => expect(causes(spec as Parameters<typeof validateResourceQuotaSpec>[0])).toEqual(want));
});
