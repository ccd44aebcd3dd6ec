/**
 * InProcessClient: the API server's registry answering ApiClient calls in-process. What the HTTP
 * handlers do after decoding, it does too (create-on-update, apply, scale, finalize, binding, eviction,
 * delete answers, namespace admission, dry run); values and errors cross as over the wire.
 * (The verbs every client test needs are covered by test/unit/client/in-process-api.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { InProcessClient } from '../../../control-plane/apiserver/in-process-client.js';
import { KubeError } from '../../../api/errors.js';
import { findResource } from '../../../api/resources.js';

/** Objects as these tests read them off the wire: loosely, field by field. */
type Loose = Record<string, any>;

const pods = findResource('', 'pods')!;
const namespaces = findResource('', 'namespaces')!;
const configmaps = findResource('', 'configmaps')!;
const leases = findResource('coordination.k8s.io', 'leases')!;
const deployments = findResource('apps', 'deployments')!;

const pod = (name: string, labels: Record<string, string> = {}) => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
});
const deployment = (name: string, replicas: number) => ({
  metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});

describe('InProcessClient', () => {
  it('starts with the system namespaces, as a fresh API server', async () => {
    const c = new InProcessClient();
    const names = (await c.list<Loose>(namespaces, undefined)).items.map((n) => n.metadata.name);
    expect(names.sort()).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  });

  it('validates and defaults as the server: 422 naming every field, defaults filled in', async () => {
    const c = new InProcessClient();
    await expect(c.create(pods, 'default', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] } })).rejects.toMatchObject({
      reason: 'Invalid',
      httpStatus: 422,
      message: 'Pod "p" is invalid: spec.containers[0].image: Required value',
    });
    const p = await c.create<Loose>(pods, 'default', pod('p'));
    expect(p.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler' });
    expect(p.status).toMatchObject({ phase: 'Pending' });
  });

  it('refuses a namespace that does not exist (NamespaceLifecycle) and a namespaced call without one', async () => {
    const c = new InProcessClient();
    await expect(c.create(pods, 'nope', pod('p'))).rejects.toMatchObject({ reason: 'NotFound', message: 'namespaces "nope" not found' });
    await expect(c.get(pods, undefined, 'p')).rejects.toMatchObject({ reason: 'NotFound', message: 'the server could not find the requested resource' });
    await expect(c.getSubresource(configmaps, 'default', 'x', 'scale')).rejects.toMatchObject({ reason: 'NotFound' });
  });

  it('answers copies: what a caller changes is not what the server holds; undefined fields are dropped', async () => {
    const c = new InProcessClient();
    const created = await c.create<Loose>(configmaps, 'default', { metadata: { name: 'cm', labels: undefined }, data: { a: '1' } });
    expect('labels' in created.metadata).toBe(false);
    created.data.a = 'changed';
    expect((await c.get<Loose>(configmaps, 'default', 'cm')).data).toEqual({ a: '1' });
  });

  it('PUT creates a missing Lease (AllowCreateOnUpdate) but not a missing ConfigMap', async () => {
    const c = new InProcessClient();
    const lease = await c.update<Loose>(leases, { metadata: { name: 'l', namespace: 'kube-system' }, spec: { holderIdentity: 'a' } });
    expect(lease.metadata.uid).toBeTruthy();
    await expect(c.update(configmaps, { metadata: { name: 'cm', namespace: 'default' }, data: {} })).rejects.toMatchObject({ reason: 'NotFound' });
  });

  it('apply is server-side apply: it creates a missing object; a field the applier stops sending goes, another manager\'s stays', async () => {
    const c = new InProcessClient();
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: '1' } };
    await c.patch(configmaps, 'default', 'cm', body, 'apply', { fieldManager: 'test' });
    await c.patch(configmaps, 'default', 'cm', { ...body, data: { c: '3' } }, 'apply', { fieldManager: 'other' });
    const out = await c.patch<Loose>(configmaps, 'default', 'cm', { ...body, data: { b: '2' } }, 'apply', { fieldManager: 'test' });
    expect(out.data).toEqual({ b: '2', c: '3' });
    expect(out.metadata.managedFields.map((e: { manager: string }) => e.manager).sort()).toEqual(['other', 'test']);
    await expect(c.patch(configmaps, 'default', 'cm', { ...body, data: { c: '4' } }, 'apply', { fieldManager: 'test' })).rejects.toMatchObject({
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "other": .data.c',
    });
    await expect(c.patch(configmaps, 'default', 'cm', body, 'apply')).rejects.toMatchObject({ reason: 'Invalid' });
  });

  it('scale: get, patch, a negative count is 422, a stale Scale resourceVersion is 409', async () => {
    const c = new InProcessClient();
    await c.create(deployments, 'default', deployment('d', 1));
    const s = await c.getSubresource<Loose>(deployments, 'default', 'd', 'scale');
    expect(s).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 1 }, status: { selector: 'app=d' } });
    const patched = await c.patch<Loose>(deployments, 'default', 'd', { spec: { replicas: 4 } }, 'merge', { subresource: 'scale' });
    expect(patched.spec.replicas).toBe(4);
    expect((await c.get<Loose>(deployments, 'default', 'd')).spec.replicas).toBe(4);
    await expect(c.updateSubresource(deployments, 'default', 'd', 'scale', { ...s, spec: { replicas: -1 } })).rejects.toMatchObject({
      reason: 'Invalid',
      message: 'Scale.autoscaling "d" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    });
    await expect(c.updateSubresource(deployments, 'default', 'd', 'scale', { ...s, spec: { replicas: 2 } })).rejects.toMatchObject({ reason: 'Conflict' });
  });

  it('namespaces: delete makes it Terminating; finalize with no finalizers left removes it', async () => {
    const c = new InProcessClient();
    await c.create(namespaces, undefined, { metadata: { name: 'team' } });
    const terminating = (await c.delete(namespaces, undefined, 'team')) as { status: { phase: string } };
    expect(terminating.status.phase).toBe('Terminating');
    await expect(c.create(configmaps, 'team', { metadata: { name: 'cm' } })).rejects.toMatchObject({ reason: 'Forbidden' });
    const ns = await c.get<Loose>(namespaces, undefined, 'team');
    await c.updateSubresource(namespaces, undefined, 'team', 'finalize', { ...ns, spec: { finalizers: [] } });
    await expect(c.get(namespaces, undefined, 'team')).rejects.toMatchObject({ reason: 'NotFound' });
  });

  it('binding: upstream’s conflicts for a pod already bound or being deleted', async () => {
    const c = new InProcessClient();
    await c.create(pods, 'default', { ...pod('p'), metadata: { name: 'p', finalizers: ['example.com/hold'] } });
    await c.delete(pods, 'default', 'p');
    await expect(c.bind('default', 'p', 'node01')).rejects.toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on pods/binding "p": pod p is being deleted, cannot be assigned to a host',
    });
  });

  it('delete answers the pod itself, a Status for other kinds; deleteCollection takes a selector', async () => {
    const c = new InProcessClient();
    await c.create(pods, 'default', pod('p'));
    expect(await c.delete(pods, 'default', 'p')).toMatchObject({ kind: 'Pod', metadata: { name: 'p' } });
    await c.create(configmaps, 'default', { metadata: { name: 'a', labels: { x: '1' } } });
    await c.create(configmaps, 'default', { metadata: { name: 'b' } });
    expect(await c.delete(configmaps, 'default', 'b')).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'b', kind: 'configmaps' } });
    await c.create(configmaps, 'default', { metadata: { name: 'c', labels: { x: '1' } } });
    await c.create(configmaps, 'default', { metadata: { name: 'd' } });
    await c.deleteCollection(configmaps, 'default', { labelSelector: 'x=1' });
    expect((await c.list<Loose>(configmaps, 'default')).items.map((o) => o.metadata.name)).toEqual(['d']);
  });

  it('dry run stores nothing', async () => {
    const c = new InProcessClient();
    const out = await c.create<Loose>(configmaps, 'default', { metadata: { name: 'cm' } }, { dryRun: true });
    expect(out.metadata.uid).toBeTruthy();
    await expect(c.get(configmaps, 'default', 'cm')).rejects.toBeInstanceOf(KubeError);
  });

  it('a bad watch request rejects done with the server’s 4xx; close() ends the watches', async () => {
    const c = new InProcessClient();
    const bad = c.watch(pods, undefined, { resourceVersion: 'x' }, () => undefined);
    await expect(bad.done).rejects.toMatchObject({ httpStatus: 422 });
    const unsupported = c.watch(pods, undefined, { fieldSelector: 'spec.nope=1' }, () => undefined);
    await expect(unsupported.done).rejects.toMatchObject({ httpStatus: 400, message: 'field label not supported: spec.nope' });
    const h = c.watch(pods, undefined, {}, () => undefined);
    for (let i = 0; i < 100 && c.watcherCount(pods) === 0; i++) await new Promise((r) => setTimeout(r, 1));
    expect(c.watcherCount(pods)).toBe(1);
    c.close();
    await h.done;
    expect(c.watcherCount()).toBe(0);
  });

  it('answers reviews as the server does, storing nothing (a review kind has no store)', async () => {
    const c = new InProcessClient();
    const sar = findResource('authorization.k8s.io', 'subjectaccessreviews')!;
    const lsar = findResource('authorization.k8s.io', 'localsubjectaccessreviews')!;
    await c.create(findResource('rbac.authorization.k8s.io', 'roles')!, 'default', { metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] });
    await c.create(findResource('rbac.authorization.k8s.io', 'rolebindings')!, 'default', { metadata: { name: 'b' }, subjects: [{ kind: 'User', name: 'jane' }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' } });
    const spec = { user: 'jane', resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } };
    let out: Loose = {};
    for (let i = 0; i < 50 && !out.status?.allowed; i++) {
      out = await c.create<Loose>(sar, undefined, { spec });
      if (!out.status.allowed) await new Promise((r) => setTimeout(r, 20)); // the RBAC index follows the watch caches
    }
    expect(out.status).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "b/default" of Role "r" to User "jane"' });
    await expect(c.create(sar, undefined, { spec: { user: 'jane' } })).rejects.toMatchObject({ httpStatus: 422, message: expect.stringContaining('exactly one of nonResourceAttributes or resourceAttributes must be specified') });
    const local = await c.create<Loose>(lsar, 'default', { spec: { user: 'jane', resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } } });
    expect([local.metadata.namespace, local.status.allowed]).toEqual(['default', true]);
    await expect(c.create(lsar, undefined, { spec: {} })).rejects.toMatchObject({ httpStatus: 404 });
    expect(() => c.store(sar)).toThrow('the server could not find the requested resource');
    c.close();
  });
});
