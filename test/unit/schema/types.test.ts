import { describe, it, expect } from 'vitest';
import {
  schemaFor, definitionName, definition, allKinds, DEFINITIONS, DEF, PodSchema, ContainerSchema,
  type Pod, type Deployment, type KubeObject, type WatchEvent,
} from '../../../api/types/index.js';
import { RESOURCES, apiVersionOf } from '../../../api/resources.js';

describe('kind registry', () => {
  it('has a schema and a list schema for every served resource', () => {
    for (const r of RESOURCES) {
      const av = apiVersionOf(r);
      expect(schemaFor(av, r.kind), `${av} ${r.kind}`).toBeDefined();
      if (r.verbs.includes('list')) expect(schemaFor(av, r.kind + 'List'), `${av} ${r.kind}List`).toBeDefined();
    }
  });

  it.each([
    ['v1', 'Pod', 'io.k8s.api.core.v1.Pod'],
    ['v1', 'PodList', 'io.k8s.api.core.v1.PodList'],
    ['v1', 'Node', 'io.k8s.api.core.v1.Node'],
    ['v1', 'Event', 'io.k8s.api.core.v1.Event'],
    ['v1', 'Container', 'io.k8s.api.core.v1.Container'],
    ['v1', 'ObjectMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'],
    ['v1', 'Status', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status'],
    ['v1', 'DeleteOptions', 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions'],
    ['meta.k8s.io/v1', 'Table', 'io.k8s.apimachinery.pkg.apis.meta.v1.Table'],
    ['apps/v1', 'Deployment', 'io.k8s.api.apps.v1.Deployment'],
    ['apps/v1', 'ReplicaSetList', 'io.k8s.api.apps.v1.ReplicaSetList'],
    ['autoscaling/v1', 'Scale', 'io.k8s.api.autoscaling.v1.Scale'],
    ['policy/v1', 'Eviction', 'io.k8s.api.policy.v1.Eviction'],
    ['coordination.k8s.io/v1', 'Lease', 'io.k8s.api.coordination.v1.Lease'],
    ['discovery.k8s.io/v1', 'EndpointSlice', 'io.k8s.api.discovery.v1.EndpointSlice'],
    ['events.k8s.io/v1', 'Event', 'io.k8s.api.events.v1.Event'],
  ])('definitionName(%s, %s) = %s', (av, kind, name) => {
    expect(definitionName(av, kind)).toBe(name);
    expect(definition(name)).toBeDefined();
  });

  it('meta kinds are accepted under any group-version', () => {
    expect(definitionName('apps/v1', 'DeleteOptions')).toBe('io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions');
    expect(definitionName('meta.k8s.io/v1beta1', 'Table')).toBe('io.k8s.apimachinery.pkg.apis.meta.v1.Table');
    expect(schemaFor('policy/v1', 'DeleteOptions')).toBe(schemaFor('v1', 'DeleteOptions'));
  });

  it('unknown kinds have no schema', () => {
    expect(schemaFor('v1', 'Widget')).toBeUndefined();
    expect(definitionName('example.com/v1', 'Widget')).toBeUndefined();
  });

  it('every kind entry is named by its definition, and definitions are upstream-style names', () => {
    for (const e of allKinds()) expect((e.schema as Record<string, unknown>)[DEF]).toBe(e.definition);
    for (const name of DEFINITIONS.keys()) expect(name).toMatch(/^io\.k8s\.(api\.[a-z]+\.v[0-9]+((alpha|beta)[0-9]+)?|apimachinery\.pkg\.[a-z0-9.]+|apiextensions-apiserver\.pkg\.apis\.apiextensions\.v1|kube-aggregator\.pkg\.apis\.apiregistration\.v1)\.[A-Z][A-Za-z]+$/);
  });

  it('schemas carry descriptions for explain', () => {
    const props = (PodSchema as unknown as { properties: Record<string, { description?: string }> }).properties;
    expect(props.spec.description).toMatch(/desired behavior/);
    const cprops = (ContainerSchema as unknown as { properties: Record<string, { description?: string }> }).properties;
    for (const f of ['name', 'image', 'command', 'args', 'ports', 'env', 'resources', 'volumeMounts', 'livenessProbe', 'imagePullPolicy']) {
      expect(cprops[f].description, f).toBeTruthy();
    }
  });

  it('derived TypeScript types accept upstream-shaped objects', () => {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { a: 'b' } },
      spec: { containers: [{ name: 'c', image: 'nginx', resources: { limits: { cpu: '1', memory: 1024 } }, ports: [{ containerPort: 80 }] }] },
    };
    const d: Deployment = {
      metadata: { name: 'd' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [] } }, strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } } },
    };
    const obj: KubeObject = pod as unknown as KubeObject;
    const ev: WatchEvent<Pod> = { type: 'ADDED', object: pod };
    expect(obj.metadata.name).toBe('p');
    expect(ev.object.spec?.containers[0].name).toBe('c');
    expect(d.spec?.template.spec?.containers).toEqual([]);
  });
});
