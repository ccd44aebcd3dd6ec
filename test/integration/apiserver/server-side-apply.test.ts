/**
 * Server-side apply and managedFields as upstream, driven by the real kubectl: `apply --server-side`
 * twice with a changed field, the documented conflict with another manager and `--force-conflicts`,
 * two managers owning different fields of one object, a field dropped from one manager's config,
 * `--show-managed-fields`, `kubectl create` then `apply --server-side`, a custom resource applied
 * server-side, dry runs, no-op applies and the options' 422s.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl, kubectlOk } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  time?: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

const deployment = (name: string, replicas: number, image = 'nginx:1.27') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }] } },
  },
});

const configMap = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

async function getJson(args: string[]): Promise<{ metadata: { resourceVersion: string; managedFields?: Entry[]; annotations?: Record<string, string> }; spec?: Record<string, unknown>; data?: Record<string, string> }> {
  return JSON.parse(await kubectlOk(s.h, ['get', ...args, '-o', 'json', '--show-managed-fields']));
}

function entryOf(entries: Entry[] | undefined, manager: string, operation: string): Entry | undefined {
  return entries?.find((e) => e.manager === manager && e.operation === operation);
}

describe('server-side apply with kubectl', () => {
  it('apply --server-side twice with a changed field: one Apply entry for kubectl, the object changed', async () => {
    await kubectlOk(s.h, ['apply', '--server-side', '-f', '-'], stringify(deployment('twice', 2)));
    const first = await getJson(['deployment', 'twice']);
    const e1 = entryOf(first.metadata.managedFields, 'kubectl', 'Apply');
    expect(e1).toMatchObject({ apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    expect(e1!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(e1!.fieldsV1).toEqual({
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } },
            },
          },
        },
      },
    });

    const out = await kubectlOk(s.h, ['apply', '--server-side', '-f', '-'], stringify(deployment('twice', 3, 'nginx:1.28')));
    expect(out.trim()).toBe('deployment.apps/twice serverside-applied');
    const second = await getJson(['deployment', 'twice']);
    expect(second.spec).toMatchObject({ replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.28', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } } });
    expect(second.metadata.managedFields!.map((e) => `${e.manager}/${e.operation}`)).toEqual(['kubectl/Apply']);

    // the same configuration again changes nothing: no new resourceVersion
    await kubectlOk(s.h, ['apply', '--server-side', '-f', '-'], stringify(deployment('twice', 3, 'nginx:1.28')));
    expect((await getJson(['deployment', 'twice'])).metadata.resourceVersion).toBe(second.metadata.resourceVersion);
  });

  it("a field another manager owns: 409 with upstream's message, then --force-conflicts takes it", async () => {
    // client-side apply records an Update by kubectl-client-side-apply
    await kubectlOk(s.h, ['apply', '-f', '-'], stringify(deployment('conflict', 2)));
    const csa = await getJson(['deployment', 'conflict']);
    expect(entryOf(csa.metadata.managedFields, 'kubectl-client-side-apply', 'Update')).toBeDefined();

    const r = await kubectl(s.h, ['apply', '--server-side', '--field-manager=other', '-f', '-'], { input: stringify(deployment('conflict', 3)) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    expect((await getJson(['deployment', 'conflict'])).spec).toMatchObject({ replicas: 2 });

    // the Status itself
    const raw = await api(s.h, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/conflict?fieldManager=other', JSON.stringify(deployment('conflict', 3)), { contentType: 'application/apply-patch+yaml' });
    expect(raw.status).toBe(409);
    expect(raw.json()).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }] },
    });

    await kubectlOk(s.h, ['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'], stringify(deployment('conflict', 3)));
    const forced = await getJson(['deployment', 'conflict']);
    expect(forced.spec).toMatchObject({ replicas: 3 });
    // kubectl then also folds its client-side entry into the applier's (csaupgrade): whoever remains, only `other` owns replicas
    const owners = forced.metadata.managedFields!.filter((e) => Object.keys((e.fieldsV1['f:spec'] ?? {}) as object).includes('f:replicas'));
    expect(owners.map((e) => `${e.manager}/${e.operation}`)).toEqual(['other/Apply']);
  });

  it('two conflicts are listed one per line, grouped by manager', async () => {
    await kubectlOk(s.h, ['apply', '--server-side', '--field-manager=first', '-f', '-'], stringify(deployment('two', 1, 'nginx:1')));
    const raw = await api(s.h, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/two?fieldManager=second', JSON.stringify(deployment('two', 2, 'nginx:2')), {
      contentType: 'application/apply-patch+yaml',
    });
    expect(raw.status).toBe(409);
    expect(raw.json().message).toBe(
      'Apply failed with 2 conflicts: conflicts with "first":\n- .spec.replicas\n- .spec.template.spec.containers[name="web"].image',
    );
    expect(raw.json().details.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "first"', field: '.spec.replicas' },
      { reason: 'FieldManagerConflict', message: 'conflict with "first"', field: '.spec.template.spec.containers[name="web"].image' },
    ]);
  });

  it("kubectl's server-side apply takes over what its client-side apply set (the last-applied annotation is kept in step)", async () => {
    await kubectlOk(s.h, ['apply', '-f', '-'], stringify(deployment('upgrade', 2)));
    await kubectlOk(s.h, ['apply', '--server-side', '-f', '-'], stringify(deployment('upgrade', 4)));
    const after = await getJson(['deployment', 'upgrade']);
    expect(after.spec).toMatchObject({ replicas: 4 });
    expect(JSON.parse(after.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration']!).spec.replicas).toBe(4);
  });

  it('two managers own different fields; a field one drops is removed, a field both own only loses an owner', async () => {
    await kubectlOk(s.h, ['apply', '--server-side', '--field-manager=alice', '-f', '-'], stringify(configMap('shared', { a: '1', both: 'x' })));
    await kubectlOk(s.h, ['apply', '--server-side', '--field-manager=bob', '-f', '-'], stringify(configMap('shared', { b: '2', both: 'x' })));
    let cm = await getJson(['configmap', 'shared']);
    expect(cm.data).toEqual({ a: '1', both: 'x', b: '2' });
    expect(entryOf(cm.metadata.managedFields, 'alice', 'Apply')!.fieldsV1).toEqual({ 'f:data': { 'f:a': {}, 'f:both': {} } });
    expect(entryOf(cm.metadata.managedFields, 'bob', 'Apply')!.fieldsV1).toEqual({ 'f:data': { 'f:b': {}, 'f:both': {} } });

    // alice stops sending `a` and `both`: `a` goes, `both` stays (bob owns it)
    await kubectlOk(s.h, ['apply', '--server-side', '--field-manager=alice', '-f', '-'], stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', labels: { owner: 'alice' } } }));
    cm = await getJson(['configmap', 'shared']);
    expect(cm.data).toEqual({ both: 'x', b: '2' });
    expect(entryOf(cm.metadata.managedFields, 'alice', 'Apply')!.fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { 'f:owner': {} } } });
  });

  it('--show-managed-fields shows the entries; without it kubectl hides them', async () => {
    await kubectlOk(s.h, ['apply', '--server-side', '-f', '-'], stringify(configMap('shown', { k: 'v' })));
    const shown = await kubectlOk(s.h, ['get', 'configmap', 'shown', '-o', 'yaml', '--show-managed-fields']);
    expect(shown).toContain('managedFields:');
    expect(shown).toContain('manager: kubectl');
    expect(shown).toContain('operation: Apply');
    expect(shown).toContain('f:k: {}');
    const hidden = await kubectlOk(s.h, ['get', 'configmap', 'shown', '-o', 'yaml']);
    expect(hidden).not.toContain('managedFields');
  });

  it('kubectl create records a kubectl-create Update entry; apply --server-side adds a kubectl Apply entry beside it', async () => {
    await kubectlOk(s.h, ['create', 'deployment', 'made', '--image=nginx:1.27', '--replicas=2']);
    const created = await getJson(['deployment', 'made']);
    const create = entryOf(created.metadata.managedFields, 'kubectl-create', 'Update')!;
    expect(create).toMatchObject({ apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    expect(create.fieldsV1).toMatchObject({
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { 'f:replicas': {}, 'f:selector': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
    });
    // the create does not own the existence of the structs Go always encodes
    expect(Object.keys(create.fieldsV1['f:spec'] as object)).not.toContain('.');

    const cfg = deployment('made', 2, 'nginx:1.27');
    cfg.spec.selector.matchLabels = { app: 'made' };
    cfg.spec.template.metadata.labels = { app: 'made' };
    cfg.spec.template.spec.containers = [{ name: 'nginx', image: 'nginx:1.28', ports: [] }];
    // the image is the create's: a conflict for another manager, taken over by force
    const r = await kubectl(s.h, ['apply', '--server-side', '-f', '-'], { input: stringify(cfg) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('conflict with "kubectl-create" using apps/v1');
    await kubectlOk(s.h, ['apply', '--server-side', '--force-conflicts', '-f', '-'], stringify(cfg));
    const after = await getJson(['deployment', 'made']);
    expect(after.metadata.managedFields!.map((e) => `${e.manager}/${e.operation}`)).toEqual(['kubectl/Apply', 'kubectl-create/Update']);
  });

  it('an update by another manager takes the fields it changes; kubectl scale records a scale subresource entry', async () => {
    await kubectlOk(s.h, ['apply', '--server-side', '-f', '-'], stringify(deployment('scaled', 1)));
    await kubectlOk(s.h, ['scale', 'deployment', 'scaled', '--replicas=5']);
    const d = await getJson(['deployment', 'scaled']);
    expect(d.spec).toMatchObject({ replicas: 5 });
    const scale = d.metadata.managedFields!.find((e) => e.subresource === 'scale')!;
    expect(scale).toMatchObject({ operation: 'Update', apiVersion: 'apps/v1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
    expect(entryOf(d.metadata.managedFields, 'kubectl', 'Apply')!.fieldsV1['f:spec']).not.toHaveProperty('f:replicas');
    // the applier's next apply conflicts with the scaler
    const r = await kubectl(s.h, ['apply', '--server-side', '-f', '-'], { input: stringify(deployment('scaled', 1)) });
    expect(r.stderr).toContain(`conflict with "${scale.manager}" with subresource "scale" using apps/v1: .spec.replicas`);
  });

  it('a Service applied twice: its ports merge by port and protocol (TCP by default), the allocated clusterIP stays', async () => {
    const svc = (ports: { port: number; name: string }[]) => stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports } });
    await kubectlOk(s.h, ['apply', '--server-side', '-f', '-'], svc([{ port: 80, name: 'http' }]));
    const first = await getJson(['service', 'web']);
    const ip = (first.spec as { clusterIP: string }).clusterIP;
    expect(ip).toMatch(/^10\.96\./);
    expect(entryOf(first.metadata.managedFields, 'kubectl', 'Apply')!.fieldsV1).toEqual({
      'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {} } }, 'f:selector': {} },
    });
    await kubectlOk(s.h, ['apply', '--server-side', '-f', '-'], svc([{ port: 80, name: 'http' }]));
    expect((await getJson(['service', 'web'])).metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    await kubectlOk(s.h, ['apply', '--server-side', '-f', '-'], svc([{ port: 443, name: 'https' }]));
    const second = await getJson(['service', 'web']);
    expect((second.spec as { clusterIP: string }).clusterIP).toBe(ip);
    expect((second.spec as { ports: { port: number; protocol: string; name: string }[] }).ports.map((p) => `${p.name}:${p.port}/${p.protocol}`)).toEqual(['https:443/TCP']);
  });

  it('--dry-run=server applies nothing', async () => {
    await kubectlOk(s.h, ['apply', '--server-side', '-f', '-'], stringify(configMap('dry', { a: '1' })));
    const before = await getJson(['configmap', 'dry']);
    const out = JSON.parse(await kubectlOk(s.h, ['apply', '--server-side', '--dry-run=server', '-o', 'json', '--show-managed-fields', '-f', '-'], stringify(configMap('dry', { a: '2' }))));
    expect(out.data).toEqual({ a: '2' });
    const after = await getJson(['configmap', 'dry']);
    expect(after.data).toEqual({ a: '1' });
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    await kubectlOk(s.h, ['apply', '--server-side', '--dry-run=server', '-f', '-'], stringify(configMap('dry-new', { a: '1' })));
    expect((await kubectl(s.h, ['get', 'configmap', 'dry-new'])).code).toBe(1);
  });

  it("a custom resource applied server-side: its schema's map list merges by key", async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.ssa.example.com' },
      spec: {
        group: 'ssa.example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    properties: {
                      size: { type: 'integer' },
                      parts: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, count: { type: 'integer' } } } },
                      tags: { type: 'array', items: { type: 'string' } },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    };
    await kubectlOk(s.h, ['apply', '--server-side', '-f', '-'], stringify(crd));
    await kubectlOk(s.h, ['wait', '--for=condition=Established', 'crd/widgets.ssa.example.com', '--timeout=30s']);
    const widget = (manager: string, spec: Record<string, unknown>) => stringify({ apiVersion: 'ssa.example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec });
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      ok = (await kubectl(s.h, ['apply', '--server-side', '--field-manager=a', '-f', '-'], { input: widget('a', { size: 1, parts: [{ name: 'px', count: 1 }], tags: ['t1'] }) })).code === 0;
      if (!ok) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ok).toBe(true);
    await kubectlOk(s.h, ['apply', '--server-side', '--field-manager=b', '-f', '-'], widget('b', { parts: [{ name: 'py', count: 2 }] }));
    const w = await getJson(['widget', 'w']);
    expect(w.spec).toEqual({ size: 1, parts: [{ name: 'px', count: 1 }, { name: 'py', count: 2 }], tags: ['t1'] });
    expect(entryOf(w.metadata.managedFields, 'a', 'Apply')!.fieldsV1).toEqual({
      'f:spec': { 'f:size': {}, 'f:parts': { 'k:{"name":"px"}': { '.': {}, 'f:count': {}, 'f:name': {} } }, 'f:tags': {} },
    });
    // an atomic list (no list type) is replaced whole, and conflicts as one field
    const r = await kubectl(s.h, ['apply', '--server-side', '--field-manager=b', '-f', '-'], { input: widget('b', { parts: [{ name: 'py', count: 2 }], tags: ['t2'] }) });
    expect(r.stderr).toContain('conflict with "a": .spec.tags');
    // a drops part x: it goes
    await kubectlOk(s.h, ['apply', '--server-side', '--field-manager=a', '-f', '-'], widget('a', { size: 1, tags: ['t1'] }));
    expect((await getJson(['widget', 'w'])).spec).toEqual({ size: 1, parts: [{ name: 'py', count: 2 }], tags: ['t1'] });
  });
});

describe('managedFields on every write', () => {
  it('create, update and patch record Update entries by fieldManager or User-Agent; a no-op write stays a no-op', async () => {
    const NS = '/api/v1/namespaces/default/configmaps';
    const created = await api(s.h, 'POST', `${NS}?fieldManager=maker`, configMap('tracked', { a: '1' }));
    expect(created.status).toBe(201);
    expect(created.json().metadata.managedFields).toEqual([
      { manager: 'maker', operation: 'Update', apiVersion: 'v1', time: created.json().metadata.creationTimestamp, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } } },
    ]);
    const patched = await api(s.h, 'PATCH', `${NS}/tracked`, { data: { b: '2' } }, { contentType: 'application/merge-patch+json', headers: { 'User-Agent': 'my-tool/1.0 (linux)' } });
    expect(patched.status).toBe(200);
    const tool = (patched.json().metadata.managedFields as Entry[]).find((e) => e.manager === 'my-tool')!;
    expect(tool.fieldsV1).toEqual({ 'f:data': { 'f:b': {} } });

    // the same body again: no new resourceVersion
    const again = await api(s.h, 'PATCH', `${NS}/tracked`, { data: { b: '2' } }, { contentType: 'application/merge-patch+json', headers: { 'User-Agent': 'my-tool/1.0 (linux)' } });
    expect(again.json().metadata.resourceVersion).toBe(patched.json().metadata.resourceVersion);
    const put = await api(s.h, 'PUT', `${NS}/tracked`, again.json());
    expect(put.json().metadata.resourceVersion).toBe(patched.json().metadata.resourceVersion);

    // an update that removes a field takes it from its owner
    const removed = await api(s.h, 'PATCH', `${NS}/tracked?fieldManager=cleaner`, { data: { a: null } }, { contentType: 'application/merge-patch+json' });
    const entries = removed.json().metadata.managedFields as Entry[];
    expect(entries.find((e) => e.manager === 'maker')!.fieldsV1).toEqual({ 'f:data': {} }); // data.a went, the map stays its
    expect(entries.find((e) => e.manager === 'cleaner')).toBeUndefined(); // removing owns nothing

    // managedFields: [] resets them; then updates are not tracked until an apply
    const reset = await api(s.h, 'PATCH', `${NS}/tracked`, { metadata: { managedFields: [] } }, { contentType: 'application/merge-patch+json' });
    expect(reset.json().metadata.managedFields).toBeUndefined();
    const untracked = await api(s.h, 'PATCH', `${NS}/tracked?fieldManager=x`, { data: { c: '3' } }, { contentType: 'application/merge-patch+json' });
    expect(untracked.json().metadata.managedFields).toBeUndefined();
    // an apply to an object nobody manages: the existing fields belong to before-first-apply
    const applied = await api(s.h, 'PATCH', `${NS}/tracked?fieldManager=applier`, JSON.stringify(configMap('tracked', { c: '4' })), { contentType: 'application/apply-patch+yaml' });
    expect(applied.status).toBe(409);
    expect(applied.json().message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.c');
  });

  it('invalid managedFields in a request are ignored: the stored ones are moved along', async () => {
    const NS = '/api/v1/namespaces/default/configmaps';
    await api(s.h, 'POST', `${NS}?fieldManager=maker`, configMap('kept', { a: '1' }));
    const r = await api(s.h, 'PATCH', `${NS}/kept?fieldManager=p`, { metadata: { managedFields: [{ manager: 'x', operation: 'Bogus' }] }, data: { a: '2' } }, { contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(200);
    const entries = r.json().metadata.managedFields as Entry[];
    expect(entries.map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['maker', { 'f:data': {} }],
      ['p', { 'f:data': { 'f:a': {} } }],
    ]);
  });

  it("the options' 422s: fieldManager required for apply, at most 128 bytes, force only for apply", async () => {
    const path = '/api/v1/namespaces/default/configmaps/opts';
    const noManager = await api(s.h, 'PATCH', path, JSON.stringify(configMap('opts', {})), { contentType: 'application/apply-patch+yaml' });
    expect(noManager.status).toBe(422);
    expect(noManager.json().message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const long = await api(s.h, 'POST', `/api/v1/namespaces/default/configmaps?fieldManager=${'m'.repeat(129)}`, configMap('opts', {}));
    expect(long.status).toBe(422);
    expect(long.json().message).toBe('CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes');
    const force = await api(s.h, 'PATCH', `${path}?force=true`, {}, { contentType: 'application/merge-patch+json' });
    expect(force.status).toBe(422);
    expect(force.json().message).toBe('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
    const withMF = await api(s.h, 'PATCH', `${path}?fieldManager=m`, JSON.stringify({ ...configMap('opts', {}), metadata: { name: 'opts', managedFields: [] } }), { contentType: 'application/apply-patch+yaml' });
    expect(withMF.status).toBe(400);
    expect(withMF.json().message).toBe('metadata.managedFields must be nil');
  });
});
