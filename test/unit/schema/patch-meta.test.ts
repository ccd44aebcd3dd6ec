import { describe, it, expect } from 'vitest';
import { patchMetaResolver } from '../../../api/schema/patch-meta.js';

// Expected values are upstream's Go struct tags (k8s.io/api core/v1, apps/v1, meta/v1).
describe('patchMetaResolver', () => {
  it.each([
    ['v1', 'Pod', 'spec.containers', { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map' }],
    ['v1', 'Pod', 'spec.initContainers', { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map' }],
    ['v1', 'Pod', 'spec.ephemeralContainers', { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map' }],
    ['v1', 'Pod', 'spec.containers.ports', { patchStrategy: 'merge', patchMergeKey: 'containerPort', listType: 'map' }],
    ['v1', 'Pod', 'spec.containers.env', { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map' }],
    ['v1', 'Pod', 'spec.containers.volumeMounts', { patchStrategy: 'merge', patchMergeKey: 'mountPath', listType: 'map' }],
    ['v1', 'Pod', 'spec.containers.envFrom', { listType: 'atomic' }],
    ['v1', 'Pod', 'spec.containers.command', { listType: 'atomic' }],
    ['v1', 'Pod', 'spec.volumes', { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', listType: 'map' }],
    ['v1', 'Pod', 'spec.imagePullSecrets', { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map' }],
    ['v1', 'Pod', 'spec.hostAliases', { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'map' }],
    ['v1', 'Pod', 'spec.tolerations', { listType: 'atomic' }],
    ['v1', 'Pod', 'spec.topologySpreadConstraints', { patchStrategy: 'merge', patchMergeKey: 'topologyKey', listType: 'map' }],
    ['v1', 'Pod', 'spec.readinessGates', { listType: 'atomic' }],
    ['v1', 'Pod', 'status.conditions', { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map' }],
    ['v1', 'Pod', 'status.podIPs', { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'map' }],
    ['v1', 'Pod', 'status.hostIPs', { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'atomic' }],
    ['v1', 'Pod', 'status.containerStatuses', { listType: 'atomic' }],
    ['v1', 'Pod', 'metadata.ownerReferences', { patchStrategy: 'merge', patchMergeKey: 'uid', listType: 'map' }],
    ['v1', 'Pod', 'metadata.finalizers', { patchStrategy: 'merge', listType: 'set' }],
    ['v1', 'Node', 'status.conditions', { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map' }],
    ['v1', 'Node', 'status.addresses', { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map' }],
    ['v1', 'Node', 'spec.taints', { listType: 'atomic' }],
    ['v1', 'Node', 'spec.podCIDRs', { patchStrategy: 'merge', listType: 'set' }],
    ['v1', 'Service', 'spec.ports', { patchStrategy: 'merge', patchMergeKey: 'port', listType: 'map' }],
    ['v1', 'Service', 'spec.selector', { mapType: 'atomic' }],
    ['v1', 'ServiceAccount', 'secrets', { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map' }],
    ['v1', 'Namespace', 'status.conditions', { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map' }],
    ['v1', 'Endpoints', 'subsets', { listType: 'atomic' }],
    ['apps/v1', 'Deployment', 'spec.template.spec.containers', { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map' }],
    ['apps/v1', 'Deployment', 'spec.template.spec.containers.ports', { patchStrategy: 'merge', patchMergeKey: 'containerPort', listType: 'map' }],
    ['apps/v1', 'Deployment', 'spec.strategy', { patchStrategy: 'retainKeys' }],
    ['apps/v1', 'Deployment', 'status.conditions', { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map' }],
    ['apps/v1', 'ReplicaSet', 'status.conditions', { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map' }],
    ['apps/v1', 'ReplicaSet', 'spec.template.spec.volumes', { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', listType: 'map' }],
    ['discovery.k8s.io/v1', 'EndpointSlice', 'endpoints', { listType: 'atomic' }],
    ['discovery.k8s.io/v1', 'EndpointSlice', 'endpoints.addresses', { listType: 'set' }],
  ])('%s %s %s', (apiVersion, kind, path, expected) => {
    const m = patchMetaResolver(apiVersion, kind)(path.split('.'));
    expect(m).toBeDefined();
    expect({ patchStrategy: m!.patchStrategy, patchMergeKey: m!.patchMergeKey, listType: m!.listType, mapType: m!.mapType }).toEqual({
      patchStrategy: undefined, patchMergeKey: undefined, listType: undefined, mapType: undefined, ...expected,
    });
  });

  it('plain fields are known but carry no metadata', () => {
    const look = patchMetaResolver('v1', 'Pod');
    expect(look(['spec', 'nodeName'])).toEqual({});
    expect(look(['spec', 'containers', 'image'])).toEqual({});
    expect(look(['metadata', 'labels'])).toEqual({});
    // map values by key
    expect(look(['spec', 'containers', 'resources', 'limits', 'cpu'])).toEqual({});
  });

  it('gives list-map keys for listType=map', () => {
    expect(patchMetaResolver('v1', 'Pod')(['spec', 'containers', 'ports'])?.listMapKeys).toEqual(['containerPort', 'protocol']);
    expect(patchMetaResolver('v1', 'Service')(['spec', 'ports'])?.listMapKeys).toEqual(['port', 'protocol']);
  });

  it('unknown paths and kinds answer undefined', () => {
    expect(patchMetaResolver('v1', 'Pod')(['spec', 'nope'])).toBeUndefined();
    expect(patchMetaResolver('v1', 'Pod')(['spec', 'nodeName', 'deeper'])).toBeUndefined();
    expect(patchMetaResolver('example.com/v1', 'Widget')(['spec', 'containers'])).toBeUndefined();
  });

  it('the empty path is the root object', () => {
    expect(patchMetaResolver('v1', 'Pod')([])).toEqual({});
  });
});
