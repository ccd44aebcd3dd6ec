/**
 * Discovery documents from a registry state (control-plane/apiserver/discovery.ts) and the aggregated discovery
 * negotiation and cache (discovery-handler.ts): upstream's apidiscovery.k8s.io/v2 shape, its agreement with the
 * legacy documents as client-go reads both, Accept negotiation as upstream's DiscoveryEndpointRestrictions.
 */
import { describe, expect, it } from 'vitest';
import { defineKind } from '../../../api/kinds/descriptor.js';
import { RESOURCES, registerKind, resourceInfoOf, unregisterKind, type ResourceInfo } from '../../../api/kinds/registry.js';
import { ConfigMapSchema } from '../../../api/types/core.js';
import type { APIGroupDiscoveryList, APIResource } from '../../../api/types/index.js';
import { schemaFor } from '../../../api/types/registry.js';
import { buildOpenAPIV2 } from '../../../api/schema/openapi.js';
import {
  aggregatedDiscovery, apiGroupList, apiResourceList, groupVersions, toResourceDiscovery,
} from '../../../control-plane/apiserver/discovery.js';
import {
  aggregatedContentType, cachedAggregatedDiscovery, negotiateAggregatedDiscovery, parseAccept,
} from '../../../control-plane/apiserver/discovery-handler.js';

const kind = (d: Partial<Parameters<typeof defineKind>[0]> & { group: string; version: string; kind: string; plural: string }): ResourceInfo =>
  resourceInfoOf(defineKind({ namespaced: true, schema: ConfigMapSchema, ...d }));

/** A small registry state: core with subresources, a cluster-scoped kind, a named group with two versions. */
const STATE: ResourceInfo[] = [
  kind({ group: '', version: 'v1', kind: 'Pod', plural: 'pods', shortNames: ['po'], categories: ['all'], subresources: ['status', 'eviction', 'log'] }),
  kind({ group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, subresources: ['status', 'proxy'], verbs: ['get', 'list'] }),
  kind({ group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', shortNames: ['deploy'], subresources: ['status', 'scale'] }),
  kind({ group: 'widgets.example', version: 'v1beta1', kind: 'Widget', plural: 'widgets' }),
  kind({ group: 'widgets.example', version: 'v1', kind: 'Widget', plural: 'widgets2', singular: 'widget' }),
];

const KUBECTL_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

describe('aggregated discovery document (apidiscovery.k8s.io/v2)', () => {
  it('/api holds the core group only (no name), /apis every named group in legacy order', () => {
    const api = aggregatedDiscovery('api', STATE);
    expect(api).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {} });
    expect(api.items.map((g) => g.metadata)).toEqual([{ creationTimestamp: null }]);
    const apis = aggregatedDiscovery('apis', STATE);
    expect(apis.items.map((g) => g.metadata?.name)).toEqual(apiGroupList(STATE).groups.map((g) => g.name));
    expect(apis.items.map((g) => g.metadata?.name)).toEqual(['apps', 'widgets.example']);
    expect(aggregatedDiscovery('api', STATE.filter((r) => r.group !== '')).items).toEqual([]);
  });

  it('lists a group\'s versions with the preferred (legacy preferredVersion) first, each Current', () => {
    const w = aggregatedDiscovery('apis', STATE).items[1]!;
    expect(w.versions?.map((v) => [v.version, v.freshness])).toEqual([['v1beta1', 'Current'], ['v1', 'Current']]);
    expect(w.versions?.[0]?.version).toBe(apiGroupList(STATE).groups[1]!.preferredVersion?.version);
    expect(w.versions?.[1]?.resources?.map((r) => [r.resource, r.singularResource])).toEqual([['widgets2', 'widget']]);
  });

  it('describes each resource: scope, responseKind, singular, verbs, short names, categories, subresources', () => {
    const core = aggregatedDiscovery('api', STATE).items[0]!.versions![0]!;
    expect(core.resources).toEqual([
      {
        resource: 'pods',
        responseKind: { group: '', version: '', kind: 'Pod' },
        scope: 'Namespaced',
        singularResource: 'pod',
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: ['po'],
        categories: ['all'],
        subresources: [
          { subresource: 'status', responseKind: { group: '', version: '', kind: 'Pod' }, verbs: ['get', 'patch', 'update'] },
          { subresource: 'eviction', responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
          { subresource: 'log', responseKind: { group: '', version: '', kind: 'Pod' }, verbs: ['get'] },
        ],
      },
      {
        resource: 'nodes',
        responseKind: { group: '', version: '', kind: 'Node' },
        scope: 'Cluster',
        singularResource: 'node',
        verbs: ['get', 'list'],
        subresources: [
          { subresource: 'status', responseKind: { group: '', version: '', kind: 'Node' }, verbs: ['get', 'patch', 'update'] },
          { subresource: 'proxy', responseKind: { group: '', version: '', kind: 'NodeProxyOptions' }, verbs: ['create', 'delete', 'get', 'patch', 'update'] },
        ],
      },
    ]);
    const deploy = aggregatedDiscovery('apis', STATE).items[0]!.versions![0]!.resources![0]!;
    expect(deploy.subresources?.find((s) => s.subresource === 'scale')?.responseKind).toEqual({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
  });

  it('folds a subresource whose parent is not listed under a parent with an empty kind (upstream)', () => {
    const list: APIResource[] = [{ name: 'things/status', singularName: '', namespaced: false, kind: 'Thing', verbs: ['get'] }];
    expect(toResourceDiscovery(list)).toEqual([
      {
        resource: 'things',
        responseKind: { group: '', version: '', kind: '' },
        scope: 'Cluster',
        singularResource: '',
        verbs: [],
        subresources: [{ subresource: 'status', responseKind: { group: '', version: '', kind: 'Thing' }, verbs: ['get'] }],
      },
    ]);
  });

  /** client-go's SplitGroupsAndResources (discovery/aggregated_discovery.go): what kubectl makes of the document. */
  function asClientGoSees(doc: APIGroupDiscoveryList): Map<string, APIResource[]> {
    const out = new Map<string, APIResource[]>();
    for (const g of doc.items) {
      for (const v of g.versions ?? []) {
        const list: APIResource[] = [];
        for (const r of v.resources ?? []) {
          const parent: APIResource = {
            name: r.resource, singularName: r.singularResource, namespaced: r.scope === 'Namespaced', kind: r.responseKind?.kind ?? '', verbs: r.verbs,
            ...(r.responseKind?.group ? { group: r.responseKind.group } : {}), ...(r.responseKind?.version ? { version: r.responseKind.version } : {}),
            ...(r.shortNames ? { shortNames: r.shortNames } : {}), ...(r.categories ? { categories: r.categories } : {}),
          };
          if (parent.kind) list.push(parent);
          for (const s of r.subresources ?? []) {
            if (!s.responseKind?.kind) continue;
            list.push({
              name: `${r.resource}/${s.subresource}`, singularName: parent.singularName, namespaced: parent.namespaced, kind: s.responseKind.kind, verbs: s.verbs,
              ...(s.responseKind.group ? { group: s.responseKind.group, version: s.responseKind.version } : {}),
            });
          }
        }
        out.set(g.metadata?.name ? `${g.metadata.name}/${v.version}` : v.version, list);
      }
    }
    return out;
  }

  it.each([['the built-in kinds', RESOURCES], ['a registry state', STATE]] as const)(
    'says what the legacy documents say, read as client-go reads it (%s)',
    (_, resources) => {
      const seen = new Map([...asClientGoSees(aggregatedDiscovery('api', resources)), ...asClientGoSees(aggregatedDiscovery('apis', resources))]);
      const legacy = new Map(
        groupVersions(resources).map((gv) => {
          const l = apiResourceList(gv.group, gv.version, resources)!;
          // storageVersionHash is not in the aggregated format; client-go's view keeps the singular name on subresources
          const rows = l.resources.map(({ storageVersionHash: _h, ...r }) => r);
          const bySingular = new Map(rows.filter((r) => !r.name.includes('/')).map((r) => [r.name, r.singularName]));
          return [l.groupVersion, rows.map((r) => (r.name.includes('/') ? { ...r, singularName: bySingular.get(r.name.split('/')[0]!) ?? '' } : r))];
        }),
      );
      expect([...seen.keys()].sort()).toEqual([...legacy.keys()].sort());
      for (const [gv, rows] of legacy) expect(seen.get(gv), gv).toEqual(rows);
    },
  );

  it('shows a kind registered at run time and forgets it when unregistered', () => {
    const gadgets = defineKind({ group: 'gadgets.test', version: 'v1', kind: 'Gadget', plural: 'gadgets', namespaced: false, schema: ConfigMapSchema });
    const before = cachedAggregatedDiscovery('apis');
    expect(cachedAggregatedDiscovery('apis')).toBe(before); // same generation: the cached document
    registerKind(gadgets);
    try {
      const during = cachedAggregatedDiscovery('apis');
      expect(during.etag).not.toBe(before.etag);
      expect(during.doc.items.map((g) => g.metadata?.name)).toContain('gadgets.test');
      expect(cachedAggregatedDiscovery('api').doc.items[0]!.versions![0]!.resources!.map((r) => r.resource)).not.toContain('gadgets');
    } finally {
      unregisterKind('gadgets.test', 'gadgets');
    }
    const after = cachedAggregatedDiscovery('apis');
    expect(after.doc.items.map((g) => g.metadata?.name)).not.toContain('gadgets.test');
    expect(after.etag).toBe(before.etag);
    expect(after.etag).toMatch(/^"[0-9A-F]{128}"$/);
  });

  it('knows the apidiscovery kinds: schemas and OpenAPI definitions with their GVK', () => {
    for (const v of ['v2', 'v2beta1']) {
      expect(schemaFor(`apidiscovery.k8s.io/${v}`, 'APIGroupDiscoveryList')).toBeDefined();
      expect(schemaFor(`apidiscovery.k8s.io/${v}`, 'APIGroupDiscovery')).toBeDefined();
    }
    const defs = buildOpenAPIV2().definitions as Record<string, Record<string, unknown>>;
    const list = defs['io.k8s.api.apidiscovery.v2.APIGroupDiscoveryList']!;
    expect(list['x-kubernetes-group-version-kind']).toEqual([{ group: 'apidiscovery.k8s.io', kind: 'APIGroupDiscoveryList', version: 'v2' }]);
    expect(list.description).toMatch(/^APIGroupDiscoveryList is a resource containing a list of APIGroupDiscovery/);
    const resource = defs['io.k8s.api.apidiscovery.v2.APIResourceDiscovery']!.properties as Record<string, Record<string, unknown>>;
    expect(resource.responseKind!.$ref).toBe('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.GroupVersionKind');
    expect(resource.scope!.enum).toEqual(['Cluster', 'Namespaced']);
    expect(defs['io.k8s.api.apidiscovery.v2beta1.APISubresourceDiscovery']).toBeDefined();
  });
});

describe('aggregated discovery negotiation (DiscoveryEndpointRestrictions)', () => {
  it.each([
    ["kubectl 1.32's Accept", KUBECTL_ACCEPT, { mediaType: 'application/json', version: 'v2' }],
    ['v2beta1 alone (1.32 still serves it)', 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList', { mediaType: 'application/json', version: 'v2beta1' }],
    ['YAML', 'application/yaml;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', { mediaType: 'application/yaml', version: 'v2' }],
    ['*/* with the parameters', '*/*;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', { mediaType: 'application/json', version: 'v2' }],
    ['application/* with the parameters', 'application/*;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', { mediaType: 'application/json', version: 'v2' }],
    ['protobuf first: not encoded here, the JSON clause answers', 'application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', { mediaType: 'application/json', version: 'v2' }],
    ['a higher q wins over order', 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList;q=0.5,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', { mediaType: 'application/json', version: 'v2' }],
    ['spaces around the parameters', 'application/json; g=apidiscovery.k8s.io; v=v2; as=APIGroupDiscoveryList', { mediaType: 'application/json', version: 'v2' }],
  ] as const)('%s: aggregated', (_, accept, want) => {
    expect(negotiateAggregatedDiscovery(accept)).toEqual(want);
  });

  it.each([
    ['no Accept', undefined],
    ['empty', ''],
    ['plain JSON', 'application/json'],
    ['*/*', '*/*'],
    ['protobuf only', 'application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'],
    ['another version', 'application/json;g=apidiscovery.k8s.io;v=v1;as=APIGroupDiscoveryList'],
    ['another group', 'application/json;g=meta.k8s.io;v=v2;as=APIGroupDiscoveryList'],
    ['another kind', 'application/json;g=apidiscovery.k8s.io;v=v2;as=Table'],
    ['no as', 'application/json;g=apidiscovery.k8s.io;v=v2'],
    ['a server version (sv)', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;sv=v1'],
    ['text/html', 'text/html;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'],
  ] as const)('%s: legacy', (_, accept) => {
    expect(negotiateAggregatedDiscovery(accept)).toBeUndefined();
  });

  it('parses Accept as goautoneg: q, then concrete before wildcards, else in order; bad ranges dropped', () => {
    expect(parseAccept('text/*, application/json;q=0.5, */*;q=0.9, text/html, nonsense, *').map((c) => `${c.type}/${c.subtype};${c.q}`)).toEqual([
      'text/html;1', 'text/*;1', '*/*;1', '*/*;0.9', 'application/json;0.5',
    ]);
    expect(parseAccept('application/json;q=x;a=b;c')[0]).toEqual({ type: 'application', subtype: 'json', q: 0, params: { a: 'b' } });
  });

  it('names the answer in its Content-Type as client-go checks it', () => {
    expect(aggregatedContentType({ mediaType: 'application/json', version: 'v2' })).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(aggregatedContentType({ mediaType: 'application/yaml', version: 'v2beta1' })).toBe('application/yaml;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
  });
});
