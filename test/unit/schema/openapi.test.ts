import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { buildOpenAPIV2, buildOpenAPIV3, buildOpenAPIV3Index, openAPIV3Hash } from '../../../api/schema/openapi.js';
import { RESOURCES, apiVersionOf } from '../../../api/resources.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function collectRefs(o: unknown, out: string[] = []): string[] {
  if (Array.isArray(o)) o.forEach((x) => collectRefs(x, out));
  else if (o && typeof o === 'object') {
    for (const [k, v] of Object.entries(o)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else collectRefs(v, out);
    }
  }
  return out;
}

function operations(doc: J): { path: string; method: string; op: J }[] {
  const out: { path: string; method: string; op: J }[] = [];
  for (const [path, item] of Object.entries(doc.paths as J)) {
    for (const m of METHODS) if ((item as J)[m]) out.push({ path, method: m, op: (item as J)[m] });
  }
  return out;
}

describe('OpenAPI v2', () => {
  const doc = buildOpenAPIV2() as J;

  it('is swagger 2.0 with info and is memoized', () => {
    expect(doc.swagger).toBe('2.0');
    expect(doc.info.title).toBe('Kubernetes');
    expect(buildOpenAPIV2()).toBe(doc);
  });

  it('has the definitions, with the GVK extension on kinds', () => {
    const defs = doc.definitions as J;
    for (const n of ['io.k8s.api.core.v1.Pod', 'io.k8s.api.core.v1.PodSpec', 'io.k8s.api.core.v1.Container', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status', 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions', 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'io.k8s.apimachinery.pkg.api.resource.Quantity', 'io.k8s.api.apps.v1.Deployment', 'io.k8s.api.discovery.v1.EndpointSlice']) {
      expect(defs[n], n).toBeDefined();
    }
    expect(defs['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    expect(defs['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    expect(defs['io.k8s.api.core.v1.PodList']['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'PodList', version: 'v1' }]);
    expect(defs['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']['x-kubernetes-group-version-kind']).toContainEqual({ group: 'apps', kind: 'DeleteOptions', version: 'v1' });
    expect(defs['io.k8s.api.core.v1.Container']['x-kubernetes-group-version-kind']).toBeUndefined();
    expect(defs['io.k8s.api.core.v1.Pod'].required).toBeUndefined();
    expect(defs['io.k8s.api.core.v1.Container'].required).toEqual(['name']);
  });

  it('nested types are $refs; list fields carry upstream patch metadata', () => {
    const defs = doc.definitions as J;
    expect(defs['io.k8s.api.core.v1.Pod'].properties.spec.$ref).toBe('#/definitions/io.k8s.api.core.v1.PodSpec');
    const containers = defs['io.k8s.api.core.v1.PodSpec'].properties.containers;
    expect(containers).toMatchObject({ type: 'array', items: { $ref: '#/definitions/io.k8s.api.core.v1.Container' }, 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });
    expect(defs['io.k8s.api.core.v1.PodSpec'].properties.volumes['x-kubernetes-patch-strategy']).toBe('merge,retainKeys');
    expect(defs['io.k8s.api.core.v1.Container'].properties.ports['x-kubernetes-patch-merge-key']).toBe('containerPort');
    expect(defs['io.k8s.api.core.v1.PodSpec'].properties.tolerations['x-kubernetes-patch-strategy']).toBeUndefined();
    expect(defs['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy).toMatchObject({ $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentStrategy', 'x-kubernetes-patch-strategy': 'retainKeys' });
    expect(defs['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.labels).toMatchObject({ type: 'object', additionalProperties: { type: 'string' } });
    expect(defs['io.k8s.api.core.v1.ResourceRequirements'].properties.limits.additionalProperties.$ref).toBe('#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity');
    expect(defs['io.k8s.api.core.v1.ServicePort'].properties.targetPort.$ref).toBe('#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    expect(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({ type: 'string', format: 'int-or-string' });
    // no internal marker leaks
    expect(JSON.stringify(doc)).not.toContain('x-kubelab');
    // patternProperties is no schema keyword here: only JSONSchemaProps (a CRD's schema type) has a field of that name
    const JSP = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps';
    expect(defs[JSP].properties.patternProperties).toMatchObject({ type: 'object', additionalProperties: { $ref: `#/definitions/${JSP}` } });
    expect(JSON.stringify({ ...doc, definitions: { ...defs, [JSP]: undefined } })).not.toContain('patternProperties');
  });

  it('every $ref resolves', () => {
    for (const r of collectRefs(doc)) {
      expect(r.startsWith('#/definitions/'), r).toBe(true);
      expect((doc.definitions as J)[r.slice('#/definitions/'.length)], r).toBeDefined();
    }
  });

  it('has paths for every resource with actions, GVKs and write parameters', () => {
    const ops = operations(doc);
    for (const r of RESOURCES) {
      const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
      const coll = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
      expect(doc.paths[coll], coll).toBeDefined();
    }
    const pod = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'];
    expect(pod.get['x-kubernetes-action']).toBe('get');
    expect(pod.get['x-kubernetes-group-version-kind']).toEqual({ group: '', kind: 'Pod', version: 'v1' });
    expect(pod.get.operationId).toBe('readCoreV1NamespacedPod');
    expect(pod.patch.consumes).toContain('application/strategic-merge-patch+json');
    expect(pod.patch.consumes).toContain('application/apply-patch+yaml');
    expect(pod.parameters.map((p: J) => p.name)).toEqual(['name', 'namespace', 'pretty']);
    expect(doc.paths['/api/v1/namespaces/{namespace}/pods'].get.operationId).toBe('listCoreV1NamespacedPod');
    expect(doc.paths['/api/v1/pods'].get.operationId).toBe('listCoreV1PodForAllNamespaces');
    expect(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].patch['x-kubernetes-group-version-kind']).toEqual({ group: 'autoscaling', kind: 'Scale', version: 'v1' });
    expect(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction'].post['x-kubernetes-group-version-kind']).toEqual({ group: 'policy', kind: 'Eviction', version: 'v1' });
    expect(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/binding'].post['x-kubernetes-group-version-kind']).toEqual({ group: '', kind: 'Binding', version: 'v1' });
    for (const { path, method, op } of ops) {
      const names = (op.parameters as J[]).map((p) => p.name);
      if (['post', 'put', 'patch'].includes(method)) {
        for (const n of ['dryRun', 'fieldManager', 'fieldValidation']) expect(names, `${method} ${path} ${n}`).toContain(n);
      }
      if (method === 'patch') expect(names).toContain('force');
      if (op['x-kubernetes-action'] === 'list') expect(names).toEqual(expect.arrayContaining(['watch', 'labelSelector', 'fieldSelector', 'resourceVersion', 'limit', 'continue']));
      if (op['x-kubernetes-action'] === 'delete') expect(names).toEqual(expect.arrayContaining(['gracePeriodSeconds', 'propagationPolicy', 'dryRun']));
      expect(op['x-kubernetes-action']).toMatch(/^(get|list|post|put|patch|delete|deletecollection)$/);
      expect(op['x-kubernetes-group-version-kind']).toBeDefined();
    }
  });
});

describe('OpenAPI v3', () => {
  const index = buildOpenAPIV3Index();

  it('indexes every served group-version with a hashed URL', () => {
    const want = [...new Set(RESOURCES.map((r) => (r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`)))].sort();
    expect(Object.keys(index.paths).sort()).toEqual(want);
    expect(index.paths['api/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    expect(index.paths['apis/apps/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]+$/);
    expect(index.paths['apis/coordination.k8s.io/v1']).toBeDefined();
    // the hash is the document's
    const doc = buildOpenAPIV3('api/v1');
    const h = createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
    expect(index.paths['api/v1'].serverRelativeURL.endsWith(`hash=${h}`)).toBe(true);
    expect(openAPIV3Hash('api/v1')).toBe(h);
    expect(buildOpenAPIV3Index()).toBe(index);
  });

  it('answers undefined for an unknown group-version and accepts a leading slash', () => {
    expect(buildOpenAPIV3('apis/example.com/v1')).toBeUndefined();
    expect(buildOpenAPIV3('/api/v1')).toBe(buildOpenAPIV3('api/v1'));
  });

  for (const gv of Object.keys(buildOpenAPIV3Index().paths)) {
    describe(gv, () => {
      const doc = buildOpenAPIV3(gv) as J;
      const kinds = RESOURCES.filter((x) => (x.group ? `apis/${x.group}/${x.version}` : `api/${x.version}`) === gv);
      // a group of create-only kinds (the reviews of authorization.k8s.io, authentication.k8s.io) has no PATCH or DELETE
      const verb = (v: string) => kinds.some((k) => k.verbs.includes(v));

      it('is an openapi 3.0 document whose refs all resolve', () => {
        expect(doc.openapi).toBe('3.0.0');
        for (const r of collectRefs(doc)) {
          expect(r.startsWith('#/components/schemas/'), r).toBe(true);
          expect(doc.components.schemas[r.slice('#/components/schemas/'.length)], r).toBeDefined();
        }
        expect(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']).toBeDefined();
        if (verb('delete')) expect(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Status']).toBeDefined();
        expect(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions'] !== undefined).toBe(verb('delete'));
      });

      it('holds only its own paths', () => {
        for (const p of Object.keys(doc.paths)) expect(p.startsWith('/' + gv + '/')).toBe(true);
      });

      it('every PATCH lists fieldValidation, accepts strategic merge patch and names its GVK (what kubectl checks)', () => {
        const patches = operations(doc).filter((o) => o.method === 'patch');
        expect(patches.length > 0).toBe(verb('patch'));
        for (const { path, op } of patches) {
          const fv = (op.parameters as J[]).find((p) => p.name === 'fieldValidation');
          expect(fv, path).toMatchObject({ in: 'query', schema: { type: 'string' } });
          expect(Object.keys(op.requestBody.content)).toContain('application/strategic-merge-patch+json');
          const gvk = op['x-kubernetes-group-version-kind'];
          expect(gvk).toEqual({ group: expect.any(String), version: expect.any(String), kind: expect.any(String) });
          const def = Object.values(doc.components.schemas as J).find((s: J) => (s['x-kubernetes-group-version-kind'] ?? []).some((g: J) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind));
          expect(def, `${path} ${JSON.stringify(gvk)}`).toBeDefined();
        }
      });

      it('every resource kind of this group-version has a schema with its GVK', () => {
        for (const r of RESOURCES.filter((x) => (x.group ? `apis/${x.group}/${x.version}` : `api/${x.version}`) === gv)) {
          const found = Object.values(doc.components.schemas as J).some((s: J) => (s['x-kubernetes-group-version-kind'] ?? []).some((g: J) => g.kind === r.kind && `${g.group ? g.group + '/' : ''}${g.version}` === apiVersionOf(r)));
          expect(found, r.kind).toBe(true);
        }
      });
    });
  }

  it('uses allOf refs with descriptions on fields, and patch metadata on containers', () => {
    const doc = buildOpenAPIV3('api/v1') as J;
    const s = doc.components.schemas;
    expect(s['io.k8s.api.core.v1.Pod'].properties.spec).toEqual({
      allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' }],
      description: expect.stringContaining('desired behavior'),
      default: {},
    });
    expect(s['io.k8s.api.core.v1.PodSpec'].properties.containers).toMatchObject({
      type: 'array',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
      items: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.Container' }] },
    });
    expect(s['io.k8s.api.core.v1.Container'].properties.env['x-kubernetes-patch-merge-key']).toBe('name');
    expect(s['io.k8s.api.core.v1.Container'].properties.volumeMounts['x-kubernetes-patch-merge-key']).toBe('mountPath');
    expect(s['io.k8s.api.core.v1.ServiceSpec'].properties.ports['x-kubernetes-patch-merge-key']).toBe('port');
    expect(s['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    expect(s['io.k8s.api.policy.v1.Eviction']).toBeDefined();
    expect(s['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({ format: 'int-or-string' });
    // apps/v1 pulls in autoscaling/v1 Scale for the scale subresource
    expect((buildOpenAPIV3('apis/apps/v1') as J).components.schemas['io.k8s.api.autoscaling.v1.Scale']).toBeDefined();
  });
});
