/**
 * Deleting a CustomResourceDefinition deletes its objects first (upstream's finalizer
 * customresourcecleanup.apiextensions.k8s.io and the Terminating condition), refusing creates meanwhile;
 * an object's own finalizer holds the CRD; once empty the CRD goes and its kind leaves discovery.
 */
import { describe, expect, it } from 'vitest';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'tasks.work.example.com' },
  spec: {
    group: 'work.example.com',
    scope: 'Namespaced',
    names: { plural: 'tasks', kind: 'Task' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { n: { type: 'integer' } } } } } } }],
  },
};
const URL = '/apis/work.example.com/v1/namespaces/default/tasks';
const task = (name: string, finalizers?: string[]) => ({ apiVersion: 'work.example.com/v1', kind: 'Task', metadata: { name, ...(finalizers ? { finalizers } : {}) }, spec: { n: 1 } });

async function until<T>(f: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

type Cond = { type: string; status: string; reason: string; message: string };
const terminating = async (): Promise<Cond | undefined> => {
  const r = await api(s.h, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/tasks.work.example.com');
  return r.status === 200 ? (r.json().status.conditions as Cond[]).find((c) => c.type === 'Terminating') : undefined;
};

describe('deleting a CRD', () => {
  it('deletes its objects first, refuses creates meanwhile, waits for their finalizers, then goes', async () => {
    expect((await api(s.h, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD)).status).toBe(201);
    await until(async () => ((await api(s.h, 'GET', URL)).status === 200 ? true : undefined), 'the kind to be served');
    expect((await api(s.h, 'POST', URL, task('t1'))).status).toBe(201);
    expect((await api(s.h, 'POST', URL, task('held', ['example.com/hold']))).status).toBe(201);
    expect((await api(s.h, 'POST', '/apis/work.example.com/v1/namespaces/kube-system/tasks', task('t2'))).status).toBe(201);

    const del = await api(s.h, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/tasks.work.example.com');
    expect(del.status).toBe(200); // held by its cleanup finalizer, answered 200 as upstream
    expect(del.json().metadata.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    expect(del.json().metadata.deletionTimestamp).toBeTruthy();
    expect((del.json().status.conditions as Cond[]).find((c) => c.type === 'Terminating')).toMatchObject({
      status: 'True',
      reason: 'InstanceDeletionPending',
      message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
    });

    // the objects without finalizers go; the held one waits with a deletionTimestamp
    await until(async () => ((await s.backend.get('/registry/work.example.com/tasks/default/t1')) === null && (await s.backend.get('/registry/work.example.com/tasks/kube-system/t2')) === null ? true : undefined), 'the objects to go');
    const held = await api(s.h, 'GET', `${URL}/held`);
    expect(held.status).toBe(200);
    expect(held.json().metadata.deletionTimestamp).toBeTruthy();
    expect(await terminating()).toMatchObject({ status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' });

    const create = await api(s.h, 'POST', URL, task('late'));
    expect(create.status).toBe(405);
    expect(create.json()).toMatchObject({ reason: 'MethodNotAllowed', message: 'create not allowed while custom resource definition is terminating' });
    expect(await s.backend.get('/registry/work.example.com/tasks/default/late')).toBeNull();

    // the CRD is still there while an object is held
    expect((await api(s.h, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/tasks.work.example.com')).status).toBe(200);
    const release = await api(s.h, 'PATCH', `${URL}/held`, { metadata: { finalizers: null } }, { contentType: 'application/merge-patch+json' });
    expect(release.status).toBe(200);

    await until(async () => ((await api(s.h, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/tasks.work.example.com')).status === 404 ? true : undefined), 'the CRD to go');
    await until(async () => ((await api(s.h, 'GET', URL)).status === 404 ? true : undefined), 'the kind to leave');
    const res = await kubectl(s.h, ['api-resources', '--api-group', 'work.example.com', '--no-headers']);
    expect(res.stdout.trim()).toBe('');
    expect((await s.backend.list('/registry/work.example.com/')).items).toEqual([]);
  });

  it('a CRD whose names were never accepted goes at once (NeverEstablished)', async () => {
    const taken = { ...CRD, metadata: { name: 'leases.coordination.k8s.io', annotations: { 'api-approved.kubernetes.io': 'unapproved, test' } }, spec: { ...CRD.spec, group: 'coordination.k8s.io', names: { plural: 'leases', kind: 'Lease' } } };
    expect((await api(s.h, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', taken)).status).toBe(201);
    const conds = await until(async () => {
      const r = await api(s.h, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/leases.coordination.k8s.io');
      const c = r.json().status?.conditions as Cond[] | undefined;
      return c?.length ? c : undefined;
    }, 'conditions');
    expect(conds.find((c) => c.type === 'NamesAccepted')).toMatchObject({ status: 'False', reason: 'ListKindConflict', message: '"LeaseList" is already in use' });
    // the built-in leases are still the built-in ones
    expect((await api(s.h, 'GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases')).json().kind).toBe('LeaseList');
    await kubectl(s.h, ['delete', 'crd', 'leases.coordination.k8s.io']);
    await until(async () => ((await api(s.h, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/leases.coordination.k8s.io')).status === 404 ? true : undefined), 'the CRD to go');
    expect((await api(s.h, 'GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases')).status).toBe(200);
  });
});
