import { describe, expect, it } from 'vitest';
import { decideNamespace, finalizedNamespace, type NamespaceContent } from '../../../control-plane/controllers/namespace/decide.js';
import { decidePodGC, ORPHAN_QUARANTINE_MS } from '../../../control-plane/controllers/podgc/decide.js';
import { decideServiceAccounts } from '../../../control-plane/controllers/serviceaccount/decide.js';
import type { Namespace, Pod } from '../../../control-plane/controllers/util/types.js';
import { customNamespacedResources } from '../../../control-plane/controllers/util/custom-resources.js';

const T0 = Date.parse('2026-01-01T12:00:00Z');

describe('namespace deletion', () => {
  const ns = (o: Partial<Namespace> = {}): Namespace => ({
    metadata: { name: 'team', deletionTimestamp: '2026-01-01T11:59:00Z' },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Terminating' },
    ...o,
  });
  const content = (pods: { name: string; deleting?: boolean; finalizers?: string[] }[], deploys = 0): NamespaceContent[] => [
    {
      resource: 'pods',
      group: '',
      plural: 'pods',
      items: pods.map((p) => ({ metadata: { name: p.name, finalizers: p.finalizers, ...(p.deleting ? { deletionTimestamp: 'x', deletionGracePeriodSeconds: 30 } : {}) } })),
    },
    { resource: 'deployments.apps', group: 'apps', plural: 'deployments', items: Array.from({ length: deploys }, (_, i) => ({ metadata: { name: `d${i}` } })) },
  ];

  it('skips a namespace that is not being deleted or has no kubernetes finalizer', () => {
    expect(decideNamespace(ns({ metadata: { name: 'team' } }), [], T0).skip).toBe(true);
    expect(decideNamespace(ns({ spec: { finalizers: [] } }), [], T0).skip).toBe(true);
  });

  it('deletes the content that is not already going and reports what remains', () => {
    const d = decideNamespace(ns(), content([{ name: 'a' }, { name: 'b', deleting: true, finalizers: ['example.com/x'] }], 1), T0);
    expect(d.deletes).toEqual([
      { group: '', plural: 'pods', names: ['a'] },
      { group: 'apps', plural: 'deployments', names: ['d0'] },
    ]);
    expect(d.finalize).toBe(false);
    expect(d.requeueAfterMs).toBeGreaterThan(0);
    const c = Object.fromEntries(d.conditions!.map((x) => [x.type, x]));
    expect(c.NamespaceContentRemaining).toMatchObject({
      status: 'True',
      reason: 'SomeResourcesRemain',
      message: 'Some resources are remaining: deployments.apps has 1 resource instances, pods has 2 resource instances',
    });
    expect(c.NamespaceFinalizersRemaining).toMatchObject({
      status: 'True',
      reason: 'SomeFinalizersRemain',
      message: 'Some content in the namespace has finalizers remaining: example.com/x in 1 resource instances',
    });
    expect(c.NamespaceDeletionContentFailure).toMatchObject({ status: 'False', reason: 'ContentDeleted' });
    expect(c.NamespaceDeletionDiscoveryFailure).toMatchObject({ status: 'False', reason: 'ResourcesDiscovered' });
  });

  it('finalizes an empty namespace', () => {
    const d = decideNamespace(ns(), content([]), T0);
    expect(d.finalize).toBe(true);
    expect(d.deletes).toEqual([]);
    expect(d.conditions?.find((c) => c.type === 'NamespaceContentRemaining')).toMatchObject({ status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed' });
    expect(finalizedNamespace(ns()).spec?.finalizers).toEqual([]);
    // conditions already written: not written again
    const again = decideNamespace(ns({ status: { phase: 'Terminating', conditions: d.conditions } }), content([]), T0 + 5000);
    expect(again.conditions).toBeUndefined();
  });
});

describe('pod GC', () => {
  const pod = (name: string, o: { phase?: string; node?: string; created?: number; reason?: string; deleting?: boolean } = {}): Pod => ({
    metadata: { name, namespace: 'default', creationTimestamp: new Date(T0 - (o.created ?? 0) * 1000).toISOString(), ...(o.deleting ? { deletionTimestamp: 'x' } : {}) },
    spec: { nodeName: o.node },
    status: { phase: o.phase ?? 'Running', reason: o.reason },
  });

  it('deletes terminated pods over the threshold: evicted first, then oldest', () => {
    const pods = [
      pod('new-done', { phase: 'Succeeded', node: 'n', created: 10 }),
      pod('old-failed', { phase: 'Failed', node: 'n', created: 1000 }),
      pod('evicted', { phase: 'Failed', reason: 'Evicted', node: 'n', created: 5 }),
      pod('running', { node: 'n', created: 5000 }),
    ];
    const d = decidePodGC(pods, new Set(['n']), 1, new Map(), T0);
    expect(d.terminated.map((p) => p.metadata?.name)).toEqual(['evicted', 'old-failed']);
    expect(decidePodGC(pods, new Set(['n']), 0, new Map(), T0).terminated).toEqual([]);
    expect(decidePodGC(pods, new Set(['n']), 12500, new Map(), T0).terminated).toEqual([]);
  });

  it('deletes pods of a missing node only after the quarantine', () => {
    const pods = [pod('a', { node: 'gone' }), pod('b', { node: 'here' })];
    const first = decidePodGC(pods, new Set(['here']), 100, new Map(), T0);
    expect(first.missingNodes).toEqual(['gone']);
    expect(first.orphaned).toEqual([]);
    const since = new Map([['gone', T0]]);
    expect(decidePodGC(pods, new Set(['here']), 100, since, T0 + ORPHAN_QUARANTINE_MS - 1).orphaned).toEqual([]);
    expect(decidePodGC(pods, new Set(['here']), 100, since, T0 + ORPHAN_QUARANTINE_MS).orphaned.map((p) => p.metadata?.name)).toEqual(['a']);
  });

  it('force-deletes terminating pods that were never scheduled', () => {
    const d = decidePodGC([pod('u', { deleting: true }), pod('v')], new Set(), 100, new Map(), T0);
    expect(d.unscheduledTerminating.map((p) => p.metadata?.name)).toEqual(['u']);
  });
});

describe('service accounts', () => {
  it('every active namespace gets default', () => {
    const out = decideServiceAccounts(
      [
        { metadata: { name: 'a' }, status: { phase: 'Active' } },
        { metadata: { name: 'b' }, status: { phase: 'Active' } },
        { metadata: { name: 'c', deletionTimestamp: 'x' }, status: { phase: 'Terminating' } },
      ],
      [{ metadata: { name: 'default', namespace: 'a' } }],
    );
    expect(out).toEqual([{ namespace: 'b', name: 'default' }]);
  });
});

describe('customNamespacedResources (the kinds CRDs serve, for the namespace deleter)', () => {
  const crd = (name: string, scope: string, established: boolean) => ({
    metadata: { name: `${name}s.example.com` },
    spec: { group: 'example.com', scope, names: { plural: `${name}s`, kind: name.toUpperCase() }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
    status: established ? { conditions: [{ type: 'Established', status: 'True' }], acceptedNames: { plural: `${name}s`, kind: name.toUpperCase() } } : {},
  });
  it('takes the preferred version of each Established, namespaced CRD', () => {
    const out = customNamespacedResources([crd('a', 'Namespaced', true), crd('b', 'Cluster', true), crd('c', 'Namespaced', false)]);
    expect(out.map((r) => `${r.group}/${r.version}/${r.plural}`)).toEqual(['example.com/v1/as']);
    expect(out[0]!.verbs).toContain('delete');
  });
});
