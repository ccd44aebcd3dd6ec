/** meta/v1: object metadata, lists, Status, options, watch events, tables, discovery. */
import { Type, type Static } from '@sinclair/typebox';
import {
  def, S, I32, I64, B, SMap, SList, Arr, RArr, F, RF, RS, Loose, Time, atomic, atomicMap,
  X_PATCH_MERGE_KEY, X_PATCH_STRATEGY, X_LIST_TYPE, X_LIST_MAP_KEYS, X_EMBEDDED_RESOURCE,
} from './base.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

export const OwnerReferenceSchema = def(META + 'OwnerReference', 'Identifies an owning object. The owner\'s deletion cascades to this object (garbage collection).', {
  apiVersion: RS('API version of the referent.'),
  kind: RS('Kind of the referent.'),
  name: RS('Name of the referent.'),
  uid: RS('UID of the referent.'),
  controller: B('If true, this reference points to the managing controller.'),
  blockOwnerDeletion: B('If true, the owner cannot be deleted from the key-value store until this reference is removed (foreground deletion).'),
}, { 'x-kubernetes-map-type': 'atomic' });
export type OwnerReference = Static<typeof OwnerReferenceSchema>;

export const ManagedFieldsEntrySchema = def(META + 'ManagedFieldsEntry', 'A workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.', {
  manager: S('Identifier of the workflow managing these fields.'),
  operation: S('Type of operation which led to this entry: Apply or Update.'),
  apiVersion: S('Version of the resource this field set applies to.'),
  time: F(Time, 'Timestamp of when this entry was added.'),
  fieldsType: S('Format of the fields field; only "FieldsV1".'),
  fieldsV1: Type.Optional(Loose('The set of fields managed, in FieldsV1 format.')),
  subresource: S('Name of the subresource used to update the object, if any.'),
});
export type ManagedFieldsEntry = Static<typeof ManagedFieldsEntrySchema>;

export const ObjectMetaSchema = def(META + 'ObjectMeta', 'Metadata that all persisted resources must have, which includes all objects users must create.', {
  name: S('Name must be unique within a namespace. Required when creating resources, unless generateName is used. Cannot be updated.'),
  generateName: S('Optional prefix used by the server to generate a unique name, only if name is not set.'),
  namespace: S('The namespace the object lives in; an empty namespace means "default" for namespaced kinds. Cannot be updated.'),
  selfLink: S('Deprecated and unset.'),
  uid: S('Unique in time and space value for this object, set by the server on create. Cannot be updated.'),
  resourceVersion: S('Opaque value for the internal version of this object, used for optimistic concurrency, change detection and watches.'),
  generation: I64('A sequence number for a specific generation of the desired state. Set by the system, read-only.'),
  creationTimestamp: F(Time, 'When this object was created, set by the server. Read-only.'),
  deletionTimestamp: F(Time, 'When this object will be deleted, set by the server when a graceful deletion is requested. Read-only.'),
  deletionGracePeriodSeconds: I64('Seconds allowed for graceful termination before the object is removed. Read-only.'),
  labels: SMap('Map of string keys and values to organize and categorize (scope and select) objects.'),
  annotations: SMap('Unstructured key value map stored with a resource, for arbitrary metadata. Not queryable.'),
  ownerReferences: Arr(OwnerReferenceSchema, 'Objects this object depends on. If all are deleted, this object is garbage collected.', {
    [X_PATCH_MERGE_KEY]: 'uid', [X_PATCH_STRATEGY]: 'merge', [X_LIST_TYPE]: 'map', [X_LIST_MAP_KEYS]: ['uid'],
  }),
  finalizers: SList('Must be empty before the object is deleted from the registry. Each entry identifies a controller responsible for a cleanup.', {
    [X_PATCH_STRATEGY]: 'merge', [X_LIST_TYPE]: 'set',
  }),
  managedFields: Arr(ManagedFieldsEntrySchema, 'Maps workflow-id and version to the set of fields managed by that workflow (server-side apply). Internal.', atomic),
});
export type ObjectMeta = Static<typeof ObjectMetaSchema>;

export const ListMetaSchema = def(META + 'ListMeta', 'Metadata that synthetic resources (lists) must have.', {
  selfLink: S('Deprecated and unset.'),
  resourceVersion: S('The version of the list; use it to start a watch from this point.'),
  continue: S('Set when more results are available: pass it as the continue parameter to get the next page.'),
  remainingItemCount: I64('The number of items left after this page (an estimate) when limit is used.'),
});
export type ListMeta = Static<typeof ListMetaSchema>;

export const LabelSelectorRequirementSchema = def(META + 'LabelSelectorRequirement', 'A selector requirement: a key, an operator and values.', {
  key: RS('The label key that the selector applies to.', { [X_PATCH_MERGE_KEY]: 'key', [X_PATCH_STRATEGY]: 'merge' }),
  operator: RS("The key's relationship to the values: In, NotIn, Exists or DoesNotExist."),
  values: SList('Values for In/NotIn (non-empty); must be empty for Exists/DoesNotExist.', atomic),
});
export type LabelSelectorRequirement = Static<typeof LabelSelectorRequirementSchema>;

export const LabelSelectorSchema = def(META + 'LabelSelector', 'A label query over a set of resources. matchLabels and matchExpressions are ANDed. An empty selector matches all objects; a null one matches none.', {
  matchLabels: SMap('{key,value} pairs; each is equivalent to an element of matchExpressions with operator In and a single value.'),
  matchExpressions: Arr(LabelSelectorRequirementSchema, 'A list of label selector requirements, ANDed.', atomic),
}, atomicMap);
export type LabelSelector = Static<typeof LabelSelectorSchema>;

export const ConditionSchema = def(META + 'Condition', 'One aspect of the current state of an API resource.', {
  type: RS('Type of condition in CamelCase.'),
  status: RS('Status of the condition: True, False or Unknown.'),
  observedGeneration: I64('The .metadata.generation the condition was set based upon.'),
  lastTransitionTime: RF(Time, 'Last time the condition transitioned from one status to another.'),
  reason: RS('Programmatic identifier for the reason of the last transition, CamelCase.'),
  message: RS('Human readable message about the transition.'),
});
export type Condition = Static<typeof ConditionSchema>;

export const PreconditionsSchema = def(META + 'Preconditions', 'Must be fulfilled before an operation (update, delete, etc.) is carried out.', {
  resourceVersion: S('Specifies the target ResourceVersion.'),
  uid: S('Specifies the target UID.'),
});
export type Preconditions = Static<typeof PreconditionsSchema>;

export const DeleteOptionsSchema = def(META + 'DeleteOptions', 'May be provided when deleting an API object.', {
  kind: S('Kind is a string value representing the REST resource this object represents.'),
  apiVersion: S('APIVersion defines the versioned schema of this representation of an object.'),
  gracePeriodSeconds: I64('Seconds before the object should be deleted; zero means delete immediately.'),
  preconditions: F(PreconditionsSchema, 'Must be fulfilled before a deletion is carried out; else a 409 Conflict.'),
  orphanDependents: B('Deprecated: use propagationPolicy. Whether dependents should be orphaned.'),
  propagationPolicy: S('Whether and how garbage collection is performed: Orphan, Background or Foreground.'),
  dryRun: SList('When present, modifications are not persisted. Valid value: All.', atomic),
  ignoreStoreReadErrorWithClusterBreakingPotential: B('Delete a corrupt object that cannot be read. Dangerous.'),
});
export type DeleteOptions = Static<typeof DeleteOptionsSchema>;

export const StatusCauseSchema = def(META + 'StatusCause', 'More information about a StatusReason failure, including cases with multiple errors.', {
  reason: S('A machine-readable description of the cause of the error.'),
  message: S('A human-readable description of the cause of the error.'),
  field: S('The field of the resource that caused this error, e.g. "spec.containers[0].name".'),
});

export const StatusDetailsSchema = def(META + 'StatusDetails', 'A set of additional properties that MAY be set by the server to provide more information about a response.', {
  name: S('The name attribute of the resource associated with the status StatusReason.'),
  group: S('The group attribute of the resource associated with the status StatusReason.'),
  kind: S('The kind attribute of the resource associated with the status StatusReason.'),
  uid: S('UID of the resource.'),
  causes: Arr(StatusCauseSchema, 'The causes of the error.', atomic),
  retryAfterSeconds: I32('Seconds the client should wait before retrying.'),
});

export const StatusSchema = def(META + 'Status', 'A return value for calls that do not return other objects.', {
  kind: S('Kind is a string value representing the REST resource this object represents.'),
  apiVersion: S('APIVersion defines the versioned schema of this representation of an object.'),
  metadata: F(ListMetaSchema, 'Standard list metadata.'),
  status: S('Status of the operation: "Success" or "Failure".'),
  message: S('A human-readable description of the status of this operation.'),
  reason: S('A machine-readable description of why this operation is in the "Failure" status.'),
  details: F(StatusDetailsSchema, 'Extended data associated with the reason.'),
  code: I32('Suggested HTTP return code for this status, 0 if not set.'),
});
export type MetaStatus = Static<typeof StatusSchema>;

export const WatchEventSchema = def(META + 'WatchEvent', 'Event represents a single event to a watched resource.', {
  type: RS('ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.'),
  object: Type.Unknown({ description: 'The object: for ADDED/MODIFIED the new state, for DELETED the last state, for ERROR a Status, for BOOKMARK an object with only resourceVersion.', [X_EMBEDDED_RESOURCE]: true }),
});
/** A watch event with a typed object. */
export interface WatchEvent<T = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export const TableColumnDefinitionSchema = def(META + 'TableColumnDefinition', 'Contains information about a column returned in the Table.', {
  name: RS('A human readable name for the column.'),
  type: RS('An OpenAPI type definition for this column: integer, number, string, boolean, ...'),
  format: RS('An optional OpenAPI type modifier for this column, e.g. "name" for the object name column.'),
  description: RS('A human readable description of this column.'),
  priority: RI32_('An integer defining the relative importance of this column; 0 is shown by default, higher only in wide output.'),
});
function RI32_(d: string) {
  return Type.Integer({ description: d, format: 'int32' });
}
export type TableColumnDefinition = Static<typeof TableColumnDefinitionSchema>;

export const TableRowConditionSchema = def(META + 'TableRowCondition', 'Allows a row to be marked with additional information.', {
  type: RS('Type of row condition: Completed.'),
  status: RS('Status of the condition.'),
  reason: S('Reason for the condition.'),
  message: S('Human readable message.'),
});

export const TableRowSchema = def(META + 'TableRow', 'A single row in a table.', {
  cells: RArr(Type.Unknown(), 'The value of each column: strings, numbers, booleans, simple maps or lists, or null.', atomic),
  conditions: Arr(TableRowConditionSchema, 'Additional information about the row.', atomic),
  object: Type.Optional(Type.Unknown({ description: 'The full object (or PartialObjectMetadata), per includeObject.', [X_EMBEDDED_RESOURCE]: true })),
});
export type TableRow = Static<typeof TableRowSchema>;

export const TableSchema = def(META + 'Table', 'A tabular representation of a set of API resources (server-side printing).', {
  kind: S('Table'),
  apiVersion: S('meta.k8s.io/v1'),
  metadata: F(ListMetaSchema, 'Standard list metadata.'),
  columnDefinitions: RArr(TableColumnDefinitionSchema, 'The columns of each row.', atomic),
  rows: RArr(TableRowSchema, 'The rows.', atomic),
});
export type Table = Static<typeof TableSchema>;

export const APIResourceSchema = def(META + 'APIResource', 'Specifies the name of a resource and whether it is namespaced.', {
  name: RS('The plural name of the resource.'),
  singularName: RS('The singular name of the resource.'),
  namespaced: Type.Boolean({ description: 'Whether a resource is namespaced.' }),
  group: S('The preferred group of the resource.'),
  version: S('The preferred version of the resource.'),
  kind: RS('The kind for the resource.'),
  verbs: RArr(Type.String(), 'The verbs supported: get, list, watch, create, update, patch, delete, deletecollection, proxy.'),
  shortNames: SList('Suggested short names.', atomic),
  categories: SList('Groupings this resource belongs to, e.g. "all".', atomic),
  storageVersionHash: S('Hash of the storage version.'),
});
export type APIResource = Static<typeof APIResourceSchema>;

export const APIResourceListSchema = def(META + 'APIResourceList', 'The list of resources available at a group/version.', {
  kind: S('APIResourceList'),
  apiVersion: S('v1'),
  groupVersion: RS('The group and version of this resource list.'),
  resources: RArr(APIResourceSchema, 'The resources available.', atomic),
});
export type APIResourceList = Static<typeof APIResourceListSchema>;

export const GroupVersionForDiscoverySchema = def(META + 'GroupVersionForDiscovery', 'The group and version of an API group.', {
  groupVersion: RS('"group/version".'),
  version: RS('"version".'),
});
export const APIGroupSchema = def(META + 'APIGroup', 'The name of a group and the versions available in it.', {
  kind: S(), apiVersion: S(),
  name: RS('The name of the group.'),
  versions: RArr(GroupVersionForDiscoverySchema, 'Versions supported in this group.', atomic),
  preferredVersion: F(GroupVersionForDiscoverySchema, 'The preferred version.'),
});
export type APIGroup = Static<typeof APIGroupSchema>;
export const APIGroupListSchema = def(META + 'APIGroupList', 'A list of API groups.', {
  kind: S(), apiVersion: S(),
  groups: RArr(APIGroupSchema, 'The groups.', atomic),
});
export type APIGroupList = Static<typeof APIGroupListSchema>;
export const APIVersionsSchema = def(META + 'APIVersions', 'The versions available under /api.', {
  kind: S(), apiVersion: S(),
  versions: RArr(Type.String(), 'The api versions.', atomic),
  serverAddressByClientCIDRs: Arr(Type.Object({ clientCIDR: RS(), serverAddress: RS() }), 'Server addresses by client CIDR.', atomic),
});
export type APIVersions = Static<typeof APIVersionsSchema>;

/** Any object with apiVersion/kind/metadata. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** A list of objects (PodList ...). */
export interface KubeList<T = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

/** Common shape of a typed top-level object's first three fields. */
export const typeMetaProps = {
  apiVersion: S('APIVersion defines the versioned schema of this representation of an object. Servers convert recognized schemas to the latest internal value.'),
  kind: S('Kind is a string value representing the REST resource this object represents. In CamelCase. Cannot be updated.'),
};
export const objectMetaField = RF(ObjectMetaSchema, "Standard object's metadata.");
export const listMetaField = RF(ListMetaSchema, 'Standard list metadata.');


export type StatusCauseObject = Static<typeof StatusCauseSchema>;
export type StatusDetailsObject = Static<typeof StatusDetailsSchema>;
export type TableRowCondition = Static<typeof TableRowConditionSchema>;
export type GroupVersionForDiscovery = Static<typeof GroupVersionForDiscoverySchema>;
