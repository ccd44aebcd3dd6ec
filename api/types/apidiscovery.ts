/**
 * apidiscovery.k8s.io v2 (GA in 1.30) and v2beta1 (still served by 1.32): the aggregated discovery document
 * `/api` and `/apis` answer when the Accept header asks for `as=APIGroupDiscoveryList` (k8s.io/api/apidiscovery).
 * The two versions have the same shape; each gets its own definitions, as upstream's OpenAPI names them.
 */
import { Type, type Static } from '@sinclair/typebox';
import { def, Arr, F, RArr, RS, E, setList, X_LIST_MAP_KEYS, X_LIST_TYPE } from './base.js';
import { typeMetaProps, objectMetaField, listMetaField } from './meta.js';

export const GroupVersionKindSchema = def(
  'io.k8s.apimachinery.pkg.apis.meta.v1.GroupVersionKind',
  "GroupVersionKind unambiguously identifies a kind. It doesn't anonymously include GroupVersion to avoid automatic coercion. It doesn't use a GroupVersion to avoid custom marshalling",
  {
    group: RS(),
    version: RS(),
    kind: RS(),
  },
);
export type GroupVersionKind = Static<typeof GroupVersionKindSchema>;

const gvkMap = { [X_LIST_TYPE]: 'map', [X_LIST_MAP_KEYS]: ['group', 'version', 'kind'] };

/** The five definitions of one apidiscovery version. */
function discoveryTypes(version: 'v2' | 'v2beta1') {
  const P = `io.k8s.api.apidiscovery.${version}.`;
  const subresource = def(P + 'APISubresourceDiscovery', 'APISubresourceDiscovery provides information about an API subresource for discovery.', {
    subresource: RS('subresource is the name of the subresource.  This is used in the URL path and is the unique identifier for this resource across all versions.'),
    responseKind: F(GroupVersionKindSchema, 'responseKind describes the group, version, and kind of the serialization schema for the object type this endpoint typically returns. Some subresources do not return normal resources, these will have null or empty return types.'),
    acceptedTypes: Arr(GroupVersionKindSchema, 'acceptedTypes describes the kinds that this endpoint accepts. Subresources may accept the standard content types or define custom negotiation schemes. The list may not be exhaustive for all operations.', gvkMap),
    verbs: RArr(Type.String(), 'verbs is a list of supported API operation types (this includes but is not limited to get, list, watch, create, update, patch, delete, deletecollection, and proxy). Subresources may define custom verbs outside the standard Kubernetes verb set. Clients should expect the behavior of standard verbs to align with Kubernetes interaction conventions.', setList),
  });
  const resource = def(P + 'APIResourceDiscovery', 'APIResourceDiscovery provides information about an API resource for discovery.', {
    resource: RS('resource is the plural name of the resource.  This is used in the URL path and is the unique identifier for this resource across all versions in the API group. Resources with non-empty groups are located at /apis/<APIGroupDiscovery.objectMeta.name>/<APIVersionDiscovery.version>/<APIResourceDiscovery.Resource> Resources with empty groups are located at /api/v1/<APIResourceDiscovery.Resource>'),
    responseKind: F(GroupVersionKindSchema, 'responseKind describes the group, version, and kind of the serialization schema for the object type this endpoint typically returns. APIs may return other objects types at their discretion, such as error conditions, requests for alternate representations, or other operation specific behavior. This value will be null or empty if an APIService reports subresources but supports no operations on the parent resource'),
    scope: Type.String({ description: 'scope indicates the scope of a resource, either Cluster or Namespaced', enum: ['Cluster', 'Namespaced'] }),
    singularResource: RS('singularResource is the singular name of the resource.  This allows clients to handle plural and singular opaquely. For many clients the singular form of the resource will be more understandable to users reading messages and should be used when integrating the name of the resource into a sentence. The command line tool kubectl, for example, allows use of the singular resource name in place of plurals. The singular form of a resource should always be an optional element - when in doubt use the canonical resource name.'),
    verbs: RArr(Type.String(), 'verbs is a list of supported API operation types (this includes but is not limited to get, list, watch, create, update, patch, delete, deletecollection, and proxy).', setList),
    shortNames: Arr(Type.String(), 'shortNames is a list of suggested short names of the resource.', setList),
    categories: Arr(Type.String(), "categories is a list of the grouped resources this resource belongs to (e.g. 'all'). Clients may use this to simplify acting on multiple resource types at once.", setList),
    subresources: Arr(subresource, 'subresources is a list of subresources provided by this resource. Subresources are located at /apis/<APIGroupDiscovery.objectMeta.name>/<APIVersionDiscovery.version>/<APIResourceDiscovery.Resource>/name-of-instance/<APIResourceDiscovery.subresources[i].subresource>', { [X_LIST_TYPE]: 'map', [X_LIST_MAP_KEYS]: ['subresource'] }),
  });
  const versionDiscovery = def(P + 'APIVersionDiscovery', 'APIVersionDiscovery holds a list of APIResourceDiscovery types that are served for a particular version within an API Group.', {
    version: RS('version is the name of the version within a group version.'),
    resources: Arr(resource, 'resources is a list of APIResourceDiscovery objects for the corresponding group version.', { [X_LIST_TYPE]: 'map', [X_LIST_MAP_KEYS]: ['resource'] }),
    freshness: E('freshness marks whether a group version\'s discovery document is up to date. "Current" indicates the discovery document was recently refreshed. "Stale" indicates the discovery document could not be retrieved and the returned discovery document may be significantly out of date. Clients that require the latest version of the discovery information be retrieved before performing an operation should not use the aggregated document', ['Current', 'Stale']),
  });
  const group = def(P + 'APIGroupDiscovery', 'APIGroupDiscovery holds information about which resources are being served for all version of the API Group. It contains a list of APIVersionDiscovery that holds a list of APIResourceDiscovery types served for a version. Versions are in descending order of preference, with the first version being the preferred entry.', {
    ...typeMetaProps,
    metadata: F(objectMetaField, 'Standard object\'s metadata. The only field completed will be name. For instance, resourceVersion will be empty. name is the name of the API group whose discovery information is presented here. name is allowed to be "" to represent the legacy, ungroupified resources.'),
    versions: Arr(versionDiscovery, 'versions are the versions supported in this group. They are sorted in descending order of preference, with the preferred version being the first entry.', { [X_LIST_TYPE]: 'map', [X_LIST_MAP_KEYS]: ['version'] }),
  });
  const list = def(P + 'APIGroupDiscoveryList', 'APIGroupDiscoveryList is a resource containing a list of APIGroupDiscovery. This is one of the types able to be returned from the /api and /apis endpoint and contains an aggregated list of API resources (built-ins, Custom Resource Definitions, resources from aggregated servers) that a cluster supports.', {
    ...typeMetaProps,
    metadata: F(listMetaField, 'ResourceVersion will not be set, because this does not have a replayable ordering among multiple apiservers.'),
    items: RArr(group, 'items is the list of groups for discovery. The groups are listed in priority order.'),
  });
  return { subresource, resource, versionDiscovery, group, list };
}

/** apidiscovery.k8s.io/v2 (what kubectl 1.32 asks for first). */
export const APIDiscoveryV2 = discoveryTypes('v2');
/** apidiscovery.k8s.io/v2beta1 (deprecated; 1.32 still serves it, 1.33 does not). */
export const APIDiscoveryV2beta1 = discoveryTypes('v2beta1');

export const APIGroupDiscoveryListSchema = APIDiscoveryV2.list;
export type APIGroupDiscoveryList = Static<typeof APIDiscoveryV2.list>;
export type APIGroupDiscovery = Static<typeof APIDiscoveryV2.group>;
export type APIVersionDiscovery = Static<typeof APIDiscoveryV2.versionDiscovery>;
export type APIResourceDiscovery = Static<typeof APIDiscoveryV2.resource>;
export type APISubresourceDiscovery = Static<typeof APIDiscoveryV2.subresource>;
