/**
 * metadata.generation is the kind's business, as upstream 1.32: only kinds whose strategy sets it
 * (Deployment, ReplicaSet, EndpointSlice) have one; Pods, Services, Namespaces, Nodes, ConfigMaps, Secrets ...
 * have none, on create and after updates of their spec. A request never sets it on update (BeforeUpdate keeps the old one).
 */
import { describe, expect, it } from 'vitest';
import { InProcessClient } from '../../../control-plane/apiserver/in-process-client.js';
import { findResource } from '../../../api/resources.js';

type Loose = Record<string, any>;
const R = (group: string, plural: string) => findResource(group, plural)!;

const containers = [{ name: 'c', image: 'nginx' }];

describe('metadata.generation', () => {
  it.each([
    ['pods', R('', 'pods'), 'default', { metadata: { name: 'p' }, spec: { containers } }, (o: Loose) => ({ ...o, metadata: { ...o.metadata, labels: { a: 'b' } }, spec: { ...o.spec, activeDeadlineSeconds: 30 } })],
    ['services', R('', 'services'), 'default', { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } }, (o: Loose) => ({ ...o, spec: { ...o.spec, ports: [{ port: 81 }] } })],
    ['namespaces', R('', 'namespaces'), undefined, { metadata: { name: 'gen-ns' } }, (o: Loose) => ({ ...o, metadata: { ...o.metadata, labels: { a: 'b' } } })],
    ['nodes', R('', 'nodes'), undefined, { metadata: { name: 'n1' }, spec: {} }, (o: Loose) => ({ ...o, spec: { ...o.spec, unschedulable: true } })],
    ['configmaps', R('', 'configmaps'), 'default', { metadata: { name: 'c' }, data: { a: '1' } }, (o: Loose) => ({ ...o, data: { a: '2' } })],
    ['secrets', R('', 'secrets'), 'default', { metadata: { name: 's' }, stringData: { a: '1' } }, (o: Loose) => ({ ...o, data: { a: 'Mg==' } })],
  ])('%s have none, on create and after an update of their spec', async (_n, info, ns, body, change) => {
    const c = new InProcessClient();
    const created = await c.create<Loose>(info, ns, body);
    expect(created.metadata.generation).toBeUndefined();
    const updated = await c.update<Loose>(info, change(created));
    expect(updated.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
    expect(updated.metadata.generation).toBeUndefined();
  });

  it('an update cannot set a generation the stored object does not have', async () => {
    const c = new InProcessClient();
    const cm = await c.create<Loose>(R('', 'configmaps'), 'default', { metadata: { name: 'c' }, data: { a: '1' } });
    const out = await c.update<Loose>(R('', 'configmaps'), { ...cm, metadata: { ...cm.metadata, generation: 7 }, data: { a: '2' } });
    expect(out.metadata.generation).toBeUndefined();
  });

  it('Deployments, ReplicaSets and EndpointSlices start at 1 and move when their spec changes', async () => {
    const c = new InProcessClient();
    const sel = { matchLabels: { app: 'a' } };
    const template = { metadata: { labels: { app: 'a' } }, spec: { containers } };
    for (const info of [R('apps', 'deployments'), R('apps', 'replicasets')]) {
      const o = await c.create<Loose>(info, 'default', { metadata: { name: 'a' }, spec: { replicas: 1, selector: sel, template } });
      expect(o.metadata.generation).toBe(1);
      const same = await c.update<Loose>(info, { ...o, metadata: { ...o.metadata, labels: { x: 'y' }, generation: 9 } });
      expect(same.metadata.generation).toBe(1);
      const moved = await c.update<Loose>(info, { ...same, spec: { ...same.spec, replicas: 2 } });
      expect(moved.metadata.generation).toBe(2);
    }
    const es = await c.create<Loose>(R('discovery.k8s.io', 'endpointslices'), 'default', { metadata: { name: 'e' }, addressType: 'IPv4', endpoints: [] });
    expect(es.metadata.generation).toBe(1);
    const es2 = await c.update<Loose>(R('discovery.k8s.io', 'endpointslices'), { ...es, endpoints: [{ addresses: ['10.0.0.1'] }] });
    expect(es2.metadata.generation).toBe(2);
  });
});
