/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition, with upstream's field descriptions
 * (k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1/types.go, types_jsonschema.go).
 *
 * JSONSchemaProps is recursive (properties, items, allOf ... hold schemas): its definition refers to
 * itself, which the structural checker follows as deep as the data goes and OpenAPI renders as a $ref.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { def, S, B, I64, NUM, SList, Arr, RArr, F, RF, RS, Map_, Time, Loose, atomic, mergeBy, type AnySchema } from './base.js';
import { typeMetaProps, objectMetaField } from './meta.js';

const AX = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.';

/** Any JSON value (a default, an enum entry, an example). */
const JSONValue = (description: string): TSchema => Type.Optional(Type.Unknown({ description, 'x-kubernetes-preserve-unknown-fields': true }));

export const ValidationRuleSchema = def(AX + 'ValidationRule', 'ValidationRule describes a validation rule written in the CEL expression language.', {
  rule: RS('Rule represents the expression which will be evaluated by CEL.'),
  message: S('Message represents the message displayed when validation fails.'),
  messageExpression: S('MessageExpression declares a CEL expression that evaluates to the validation failure message that is returned when this rule fails.'),
  reason: S('reason provides a machine-readable validation failure reason that is returned to the caller when a request fails this validation rule.'),
  fieldPath: S('fieldPath represents the field path returned when the validation fails.'),
  optionalOldSelf: B('optionalOldSelf is used to opt a transition rule into evaluation even when the object is first created, or if the old object is missing the value.'),
});

export const ExternalDocumentationSchema = def(AX + 'ExternalDocumentation', 'ExternalDocumentation allows referencing an external resource for extended documentation.', {
  description: S(),
  url: S(),
});

export const JSONSchemaPropsSchema = def(AX + 'JSONSchemaProps', 'JSONSchemaProps is a JSON-Schema following Specification Draft 4 (http://json-schema.org/).', {
  id: S(),
  $schema: S(),
  $ref: S(),
  description: S(),
  type: S(),
  format: S('format is an OpenAPI v3 format string. Unknown formats are ignored.'),
  title: S(),
  default: JSONValue('default is a default value for undefined object fields. Defaulting is a beta feature under the CustomResourceDefaulting feature gate. Defaulting requires spec.preserveUnknownFields to be false.'),
  maximum: NUM(),
  exclusiveMaximum: B(),
  minimum: NUM(),
  exclusiveMinimum: B(),
  maxLength: I64(),
  minLength: I64(),
  pattern: S(),
  maxItems: I64(),
  minItems: I64(),
  uniqueItems: B(),
  multipleOf: NUM(),
  enum: Arr(Type.Unknown({ 'x-kubernetes-preserve-unknown-fields': true }), undefined, atomic),
  maxProperties: I64(),
  minProperties: I64(),
  required: SList(undefined, atomic),
  // Filled in below with the definition itself.
  items: JSONValue('JSONSchemaPropsOrArray represents a value that can either be a JSONSchemaProps or an array of JSONSchemaProps. Mainly here for serialization purposes.'),
  allOf: Arr(Type.Unknown(), undefined, atomic),
  oneOf: Arr(Type.Unknown(), undefined, atomic),
  anyOf: Arr(Type.Unknown(), undefined, atomic),
  not: Type.Optional(Type.Unknown()),
  properties: Type.Optional(Type.Unknown()),
  additionalProperties: JSONValue('JSONSchemaPropsOrBool represents JSONSchemaProps or a boolean value. Defaults to true for the boolean property.'),
  patternProperties: Type.Optional(Type.Unknown()),
  dependencies: Map_(Type.Unknown({ 'x-kubernetes-preserve-unknown-fields': true })),
  additionalItems: JSONValue('JSONSchemaPropsOrBool represents JSONSchemaProps or a boolean value. Defaults to true for the boolean property.'),
  definitions: Type.Optional(Type.Unknown()),
  externalDocs: F(ExternalDocumentationSchema),
  example: JSONValue('JSON represents any valid JSON value. These types are supported: bool, int64, float64, string, []interface{}, map[string]interface{} and nil.'),
  nullable: B(),
  'x-kubernetes-preserve-unknown-fields': B('x-kubernetes-preserve-unknown-fields stops the API server decoding step from pruning fields which are not specified in the validation schema. This affects fields recursively, but switches back to normal pruning behaviour if nested properties or additionalProperties are specified in the schema. This can either be true or undefined. False is forbidden.'),
  'x-kubernetes-embedded-resource': B('x-kubernetes-embedded-resource defines that the value is an embedded Kubernetes runtime.Object, with TypeMeta and ObjectMeta. The type must be object. It is allowed to further restrict the embedded object. kind, apiVersion and metadata are validated automatically. x-kubernetes-preserve-unknown-fields is allowed to be true, but does not have to be if the object is fully specified (up to kind, apiVersion, metadata).'),
  'x-kubernetes-int-or-string': B('x-kubernetes-int-or-string specifies that this value is either an integer or a string. If this is true, an empty type is allowed and type as child of anyOf is permitted if following one of the following patterns:\n\n1) anyOf:\n   - type: integer\n   - type: string\n2) allOf:\n   - anyOf:\n     - type: integer\n     - type: string\n   - ... zero or more'),
  'x-kubernetes-list-map-keys': SList('x-kubernetes-list-map-keys annotates an array with the x-kubernetes-list-type `map` by specifying the keys used as the index of the map.', atomic),
  'x-kubernetes-list-type': S('x-kubernetes-list-type annotates an array to further describe its topology. This extension must only be used on lists and may have 3 possible values: `atomic`, `set` or `map`.'),
  'x-kubernetes-map-type': S('x-kubernetes-map-type annotates an object to further describe its topology. This extension must only be used when type is object and may have 2 possible values: `granular` or `atomic`.'),
  'x-kubernetes-validations': Arr(ValidationRuleSchema, 'x-kubernetes-validations describes a list of validation rules written in the CEL expression language.', mergeBy('rule')),
});
{
  // The recursive fields: schemas of schemas (a named definition: OpenAPI renders a $ref).
  const p = (JSONSchemaPropsSchema as unknown as AnySchema).properties as Record<string, AnySchema>;
  const self = JSONSchemaPropsSchema as TSchema;
  const list = (): TSchema => Type.Optional(Type.Array(RF(self), { 'x-kubernetes-list-type': 'atomic' }));
  const map = (): TSchema => Type.Optional(Type.Record(Type.String(), RF(self)));
  p.allOf = list() as AnySchema;
  p.oneOf = list() as AnySchema;
  p.anyOf = list() as AnySchema;
  p.not = Type.Optional(RF(self)) as AnySchema;
  p.properties = map() as AnySchema;
  p.patternProperties = map() as AnySchema;
  p.definitions = map() as AnySchema;
}
export interface JSONSchemaProps {
  id?: string;
  $schema?: string;
  $ref?: string;
  description?: string;
  type?: string;
  format?: string;
  title?: string;
  default?: unknown;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  multipleOf?: number;
  enum?: unknown[];
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  items?: JSONSchemaProps | JSONSchemaProps[];
  allOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  patternProperties?: Record<string, JSONSchemaProps>;
  dependencies?: Record<string, unknown>;
  additionalItems?: JSONSchemaProps | boolean;
  definitions?: Record<string, JSONSchemaProps>;
  externalDocs?: { description?: string; url?: string };
  example?: unknown;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: Static<typeof ValidationRuleSchema>[];
}

export const CustomResourceValidationSchema = def(AX + 'CustomResourceValidation', 'CustomResourceValidation is a list of validation methods for CustomResources.', {
  openAPIV3Schema: F(JSONSchemaPropsSchema, 'openAPIV3Schema is the OpenAPI v3 schema to use for validation and pruning.'),
});

export const CustomResourceSubresourceScaleSchema = def(AX + 'CustomResourceSubresourceScale', 'CustomResourceSubresourceScale defines how to serve the scale subresource for CustomResources.', {
  specReplicasPath: RS('specReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `spec.replicas`. Only JSON paths without the array notation are allowed. Must be a JSON Path under `.spec`. If there is no value under the given path in the custom resource, the `/scale` subresource will return an error on GET.'),
  statusReplicasPath: RS('statusReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `status.replicas`. Only JSON paths without the array notation are allowed. Must be a JSON Path under `.status`. If there is no value under the given path in the custom resource, the `status.replicas` value in the `/scale` subresource will default to 0.'),
  labelSelectorPath: S('labelSelectorPath defines the JSON path inside of a custom resource that corresponds to Scale `status.selector`. Only JSON paths without the array notation are allowed. Must be a JSON Path under `.status` or `.spec`. Must be set to work with HorizontalPodAutoscaler.'),
});

export const CustomResourceSubresourcesSchema = def(AX + 'CustomResourceSubresources', 'CustomResourceSubresources defines the status and scale subresources for CustomResources.', {
  status: Type.Optional(Loose('status indicates the custom resource should serve a `/status` subresource. When enabled: 1. requests to the custom resource primary endpoint ignore changes to the `status` stanza of the object. 2. requests to the custom resource `/status` subresource ignore changes to anything other than the `status` stanza of the object.')),
  scale: F(CustomResourceSubresourceScaleSchema, 'scale indicates the custom resource should serve a `/scale` subresource that returns an `autoscaling/v1` Scale object.'),
});

export const CustomResourceColumnDefinitionSchema = def(AX + 'CustomResourceColumnDefinition', 'CustomResourceColumnDefinition specifies a column for server side printing.', {
  name: RS('name is a human readable name for the column.'),
  type: RS('type is an OpenAPI type definition for this column. See https://github.com/OAI/OpenAPI-Specification/blob/master/versions/2.0.md#data-types for details.'),
  format: S("format is an optional OpenAPI type definition for this column. The 'name' format is applied to the primary identifier column to assist in clients identifying column is the resource name. See https://github.com/OAI/OpenAPI-Specification/blob/master/versions/2.0.md#data-types for details."),
  description: S('description is a human readable description of this column.'),
  priority: Type.Optional(Type.Integer({ format: 'int32', description: 'priority is an integer defining the relative importance of this column compared to others. Lower numbers are considered higher priority. Columns that may be omitted in limited space scenarios should be given a priority greater than 0.' })),
  jsonPath: RS('jsonPath is a simple JSON path (i.e. with array notation) which is evaluated against each custom resource to produce the value for this column.'),
});

export const SelectableFieldSchema = def(AX + 'SelectableField', 'SelectableField specifies the JSON path of a field that may be used with field selectors.', {
  jsonPath: RS('jsonPath is a simple JSON path which is evaluated against each custom resource to produce a field selector value. Only JSON paths without the array notation are allowed.'),
});

export const CustomResourceDefinitionVersionSchema = def(AX + 'CustomResourceDefinitionVersion', 'CustomResourceDefinitionVersion describes a version for CRD.', {
  name: RS('name is the version name, e.g. “v1”, “v2beta1”, etc. The custom resources are served under this version at `/apis/<group>/<version>/...` if `served` is true.'),
  served: Type.Boolean({ description: 'served is a flag enabling/disabling this version from being served via REST APIs' }),
  storage: Type.Boolean({ description: 'storage indicates this version should be used when persisting custom resources to storage. There must be exactly one version with storage=true.' }),
  deprecated: B('deprecated indicates this version of the custom resource API is deprecated. When set to true, API requests to this version receive a warning header in the server response. Defaults to false.'),
  deprecationWarning: S('deprecationWarning overrides the default warning returned to API clients. May only be set when `deprecated` is true. The default warning indicates this version is deprecated and recommends use of the newest served version of equal or greater stability, if one exists.'),
  schema: F(CustomResourceValidationSchema, 'schema describes the schema used for validation, pruning, and defaulting of this version of the custom resource.'),
  subresources: F(CustomResourceSubresourcesSchema, 'subresources specify what subresources this version of the defined custom resource have.'),
  additionalPrinterColumns: Arr(CustomResourceColumnDefinitionSchema, 'additionalPrinterColumns specifies additional columns returned in Table output. See https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables for details. If no columns are specified, a single column displaying the age of the custom resource is used.', atomic),
  selectableFields: Arr(SelectableFieldSchema, 'selectableFields specifies paths to fields that may be used as field selectors. A maximum of 8 selectable fields are allowed. See https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors', atomic),
});

export const CustomResourceDefinitionNamesSchema = def(AX + 'CustomResourceDefinitionNames', 'CustomResourceDefinitionNames indicates the names to serve this CustomResourceDefinition', {
  plural: RS('plural is the plural name of the resource to serve. The custom resources are served under `/apis/<group>/<version>/.../<plural>`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`). Must be all lowercase.'),
  singular: S('singular is the singular name of the resource. It must be all lowercase. Defaults to lowercased `kind`.'),
  shortNames: SList('shortNames are short names for the resource, exposed in API discovery documents, and used by clients to support invocations like `kubectl get <shortname>`. It must be all lowercase.', atomic),
  kind: RS('kind is the serialized kind of the resource. It is normally CamelCase and singular. Custom resource instances will use this value as the `kind` attribute in API calls.'),
  listKind: S('listKind is the serialized kind of the list for this resource. Defaults to "`kind`List".'),
  categories: SList("categories is a list of grouped resources this custom resource belongs to (e.g. 'all'). This is published in API discovery documents, and used by clients to support invocations like `kubectl get all`.", atomic),
});

export const ServiceReferenceSchema = def(AX + 'ServiceReference', 'ServiceReference holds a reference to Service.legacy.k8s.io', {
  namespace: RS('namespace is the namespace of the service. Required'),
  name: RS('name is the name of the service. Required'),
  path: S('path is an optional URL path at which the webhook will be contacted.'),
  port: Type.Optional(Type.Integer({ format: 'int32', description: 'port is an optional service port at which the webhook will be contacted. `port` should be a valid port number (1-65535, inclusive). Defaults to 443 for backward compatibility.' })),
});

export const WebhookClientConfigSchema = def(AX + 'WebhookClientConfig', 'WebhookClientConfig contains the information to make a TLS connection with the webhook.', {
  url: S('url gives the location of the webhook, in standard URL form (`scheme://host:port/path`). Exactly one of `url` or `service` must be specified.'),
  service: F(ServiceReferenceSchema, 'service is a reference to the service for this webhook. Either service or url must be specified.'),
  caBundle: S("caBundle is a PEM encoded CA bundle which will be used to validate the webhook's server certificate. If unspecified, system trust roots on the apiserver are used.", { format: 'byte' }),
});

export const WebhookConversionSchema = def(AX + 'WebhookConversion', 'WebhookConversion describes how to call a conversion webhook', {
  clientConfig: F(WebhookClientConfigSchema, 'clientConfig is the instructions for how to call the webhook if strategy is `Webhook`.'),
  conversionReviewVersions: RArr(Type.String(), 'conversionReviewVersions is an ordered list of preferred `ConversionReview` versions the Webhook expects. The API server will use the first version in the list which it supports.', atomic),
});

export const CustomResourceConversionSchema = def(AX + 'CustomResourceConversion', 'CustomResourceConversion describes how to convert different versions of a CR.', {
  strategy: RS('strategy specifies how custom resources are converted between versions. Allowed values are: - `"None"`: The converter only change the apiVersion and would not touch any other field in the custom resource. - `"Webhook"`: API Server will call to an external webhook to do the conversion. Additional information is needed for this option. This requires spec.preserveUnknownFields to be false, and spec.conversion.webhook to be set.'),
  webhook: F(WebhookConversionSchema, 'webhook describes how to call the conversion webhook. Required when `strategy` is set to `"Webhook"`.'),
});

export const CustomResourceDefinitionSpecSchema = def(AX + 'CustomResourceDefinitionSpec', 'CustomResourceDefinitionSpec describes how a user wants their resource to appear', {
  group: RS('group is the API group of the defined custom resource. The custom resources are served under `/apis/<group>/...`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`).'),
  names: RF(CustomResourceDefinitionNamesSchema, 'names specify the resource and kind names for the custom resource.'),
  scope: RS('scope indicates whether the defined custom resource is cluster- or namespace-scoped. Allowed values are `Cluster` and `Namespaced`.'),
  versions: RArr(CustomResourceDefinitionVersionSchema, 'versions is the list of all API versions of the defined custom resource. Version names are used to compute the order in which served versions are listed in API discovery.', atomic),
  conversion: F(CustomResourceConversionSchema, 'conversion defines conversion settings for the CRD.'),
  preserveUnknownFields: B('preserveUnknownFields indicates that object fields which are not specified in the OpenAPI schema should be preserved when persisting to storage. apiVersion, kind, metadata and known fields inside metadata are always preserved. This field is deprecated in favor of setting `x-preserve-unknown-fields` to true in `spec.versions[*].schema.openAPIV3Schema`.'),
});

export const CustomResourceDefinitionConditionSchema = def(AX + 'CustomResourceDefinitionCondition', 'CustomResourceDefinitionCondition contains details for the current condition of this pod.', {
  type: RS('type is the type of the condition. Types include Established, NamesAccepted and Terminating.'),
  status: RS('status is the status of the condition. Can be True, False, Unknown.'),
  lastTransitionTime: F(Time, 'lastTransitionTime last time the condition transitioned from one status to another.'),
  reason: S("reason is a unique, one-word, CamelCase reason for the condition's last transition."),
  message: S('message is a human-readable message indicating details about last transition.'),
  observedGeneration: I64('observedGeneration represents the .metadata.generation that the condition was set based upon.'),
});

export const CustomResourceDefinitionStatusSchema = def(AX + 'CustomResourceDefinitionStatus', 'CustomResourceDefinitionStatus indicates the state of the CustomResourceDefinition', {
  conditions: Arr(CustomResourceDefinitionConditionSchema, 'conditions indicate state for particular aspects of a CustomResourceDefinition', mergeBy('type')),
  acceptedNames: F(CustomResourceDefinitionNamesSchema, 'acceptedNames are the names that are actually being used to serve discovery. They may be different than the names in spec.'),
  storedVersions: SList('storedVersions lists all versions of CustomResources that were ever persisted. Tracking these versions allows a migration path for stored versions in etcd. Versions may not be removed from `spec.versions` while they exist in this list.', atomic),
  observedGeneration: I64('The generation observed by the CRD controller.'),
});

export const CustomResourceDefinitionSchema = def(AX + 'CustomResourceDefinition', 'CustomResourceDefinition represents a resource that should be exposed on the API server.  Its name MUST be in the format <.spec.name>.<.spec.group>.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: RF(CustomResourceDefinitionSpecSchema, 'spec describes how the user wants the resources to appear'),
  status: F(CustomResourceDefinitionStatusSchema, 'status indicates the actual state of the CustomResourceDefinition'),
});

type CRDStatic = Static<typeof CustomResourceDefinitionSchema>;
type VersionStatic = Static<typeof CustomResourceDefinitionVersionSchema>;
export type CustomResourceDefinitionVersion = Omit<VersionStatic, 'schema'> & { schema?: { openAPIV3Schema?: JSONSchemaProps } };
export type CustomResourceDefinitionNames = Static<typeof CustomResourceDefinitionNamesSchema>;
export type CustomResourceDefinitionCondition = Static<typeof CustomResourceDefinitionConditionSchema>;
export type CustomResourceDefinitionSpec = Omit<CRDStatic['spec'], 'versions'> & { versions: CustomResourceDefinitionVersion[] };
export type CustomResourceDefinition = Omit<CRDStatic, 'spec'> & { spec: CustomResourceDefinitionSpec };
