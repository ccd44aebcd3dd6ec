import { describe, expect, it } from 'vitest';
import {
  buildEndpoints,
  buildSubsets,
  decideEndpointSlices,
  endpointsChanged,
  findPort,
  managesService,
  MANAGED_BY,
} from '../../../control-plane/controllers/endpoints/decide.js';
import type { EndpointSlice, Pod, Service } from '../../../control-plane/controllers/util/types.js';

function svc(ports: Service['spec'] extends infer S ? (S extends { ports?: infer P } ? P : never) : never, extra: Partial<NonNullable<Service['spec']>> = {}): Service {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'svc-uid', labels: { app: 'web' } },
    spec: { selector: { app: 'web' }, clusterIP: '10.96.0.10', ports, ...extra },
  };
}

function pod(name: string, ip: string | undefined, o: { ready?: boolean; node?: string; ports?: { name: string; containerPort: number }[]; deleting?: boolean; phase?: string; labels?: Record<string, string> } = {}): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: o.labels ?? { app: 'web' }, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: o.node ?? 'node01', containers: [{ name: 'c', ports: (o.ports ?? []).map((p) => ({ ...p, protocol: 'TCP' })) }] },
    status: { phase: o.phase ?? 'Running', podIP: ip, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

describe('managesService', () => {
  it.each([
    [{ metadata: { name: 'kubernetes', namespace: 'default' }, spec: { selector: { a: 'b' } } }, false],
    [{ metadata: { name: 'ext', namespace: 'default' }, spec: {} }, false],
    [{ metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' } } }, true],
  ])('%j -> %s', (s, want) => expect(managesService(s as Service)).toBe(want));
});

describe('findPort', () => {
  const p = pod('a', '10.244.1.2', { ports: [{ name: 'http', containerPort: 8080 }] });
  it.each([
    [{ port: 80, targetPort: 'http' }, 8080],
    [{ port: 80, targetPort: 9090 }, 9090],
    [{ port: 80 }, 80],
    [{ port: 80, targetPort: 'metrics' }, undefined],
    [{ port: 80, targetPort: 'http', protocol: 'UDP' }, undefined],
  ])('%j -> %s', (sp, want) => expect(findPort(p, sp)).toBe(want));
});

describe('Endpoints subsets', () => {
  it('puts ready and not-ready pods with nodeName and targetRef, sorted by IP; skips pods without IP or terminating', () => {
    const pods = [
      pod('b', '10.244.2.5'),
      pod('a', '10.244.1.9', { node: 'node02' }),
      pod('c', '10.244.1.10', { ready: false }),
      pod('noip', undefined),
      pod('dying', '10.244.1.11', { deleting: true }),
      pod('done', '10.244.1.12', { phase: 'Succeeded' }),
      pod('other', '10.244.1.13', { labels: { app: 'db' } }),
    ];
    const subsets = buildSubsets(svc([{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]), pods);
    expect(subsets).toEqual([
      {
        addresses: [
          { ip: '10.244.1.9', nodeName: 'node02', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } },
          { ip: '10.244.2.5', nodeName: 'node01', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' } },
        ],
        notReadyAddresses: [{ ip: '10.244.1.10', nodeName: 'node01', targetRef: { kind: 'Pod', namespace: 'default', name: 'c', uid: 'uid-c' } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  it('resolves named targetPorts per pod: different ports make different subsets, a pod without the port is left out', () => {
    const pods = [
      pod('a', '10.244.1.2', { ports: [{ name: 'http', containerPort: 8080 }] }),
      pod('b', '10.244.1.3', { ports: [{ name: 'http', containerPort: 9090 }] }),
      pod('c', '10.244.1.4', { ports: [] }),
    ];
    const subsets = buildSubsets(svc([{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }]), pods);
    expect(subsets).toHaveLength(2);
    expect(subsets.map((s) => [s.addresses?.[0]?.ip, s.ports?.[0]?.port])).toEqual(
      expect.arrayContaining([
        ['10.244.1.2', 8080],
        ['10.244.1.3', 9090],
      ]),
    );
  });

  it('publishNotReadyAddresses puts every pod in addresses', () => {
    const s = buildSubsets(svc([{ port: 80 }], { publishNotReadyAddresses: true }), [pod('a', '10.244.1.2', { ready: false })]);
    expect(s[0]?.addresses?.map((a) => a.ip)).toEqual(['10.244.1.2']);
    expect(s[0]?.notReadyAddresses).toBeUndefined();
  });

  it('builds the Endpoints object and detects changes', () => {
    const s = svc([{ port: 80 }]);
    const ep = buildEndpoints(s, [pod('a', '10.244.1.2')]);
    expect(ep.metadata).toMatchObject({ name: 'web', namespace: 'default', labels: { app: 'web' } });
    expect(endpointsChanged(undefined, ep)).toBe(true);
    expect(endpointsChanged(ep, buildEndpoints(s, [pod('a', '10.244.1.2')], ep))).toBe(false);
    expect(endpointsChanged(ep, buildEndpoints(s, [pod('a', '10.244.1.2', { ready: false })], ep))).toBe(true);
  });
});

describe('EndpointSlices', () => {
  const s = svc([{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]);

  it('creates one IPv4 slice with labels, owner, ports and endpoint conditions', () => {
    const d = decideEndpointSlices(s, [pod('a', '10.244.1.2'), pod('b', '10.244.1.3', { ready: false }), pod('t', '10.244.1.4', { deleting: true })], []);
    expect(d.update).toEqual([]);
    expect(d.delete).toEqual([]);
    expect(d.create).toHaveLength(1);
    const sl = d.create[0]!;
    expect(sl.metadata?.generateName).toBe('web-');
    expect(sl.metadata?.labels).toMatchObject({ 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': MANAGED_BY });
    expect(sl.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
    expect(sl.addressType).toBe('IPv4');
    expect(sl.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(sl.endpoints).toEqual([
      { addresses: ['10.244.1.2'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node01', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } },
      { addresses: ['10.244.1.3'], conditions: { ready: false, serving: false, terminating: false }, nodeName: 'node01', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' } },
      { addresses: ['10.244.1.4'], conditions: { ready: false, serving: true, terminating: true }, nodeName: 'node01', targetRef: { kind: 'Pod', namespace: 'default', name: 't', uid: 'uid-t' } },
    ]);
  });

  it('updates the existing slice only when it differs, and deletes extra ones', () => {
    const first = decideEndpointSlices(s, [pod('a', '10.244.1.2')], []).create[0]!;
    const existing: EndpointSlice = { ...first, metadata: { ...first.metadata, name: 'web-abcde', namespace: 'default', generateName: undefined } };
    expect(decideEndpointSlices(s, [pod('a', '10.244.1.2')], [existing])).toEqual({ create: [], update: [], delete: [] });
    const extra: EndpointSlice = { ...existing, metadata: { ...existing.metadata, name: 'web-zzzzz' } };
    const d = decideEndpointSlices(s, [pod('a', '10.244.1.2'), pod('b', '10.244.1.3')], [existing, extra]);
    expect(d.update.map((x) => x.metadata?.name)).toEqual(['web-abcde']);
    expect(d.update[0]!.endpoints).toHaveLength(2);
    expect(d.delete.map((x) => x.metadata?.name)).toEqual(['web-zzzzz']);
  });

  it('keeps an empty placeholder slice when no pod matches', () => {
    const d = decideEndpointSlices(s, [], []);
    expect(d.create).toHaveLength(1);
    expect(d.create[0]!.endpoints).toEqual([]);
  });

  it('ignores slices of other managers', () => {
    const foreign: EndpointSlice = { metadata: { name: 'x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'someone' } } };
    expect(decideEndpointSlices(s, [], [foreign]).delete).toEqual([]);
  });
});
