/** core/v1 LimitRange and ResourceQuota: per-namespace resource policy (the LimitRanger and ResourceQuota admission plugins). */
import { type Static } from '@sinclair/typebox';
import { def, S, SList, Arr, RArr, F, RS, Map_, Quantity, atomic } from './base.js';
import { typeMetaProps, objectMetaField } from './meta.js';

const CORE = 'io.k8s.api.core.v1.';
const ResourceListField = (d: string) => Map_(Quantity, d);

export const LimitRangeItemSchema = def(CORE + 'LimitRangeItem', 'LimitRangeItem defines a min/max usage limit for any resource that matches on kind.', {
  type: RS('Type of resource that this limit applies to.'),
  max: ResourceListField('Max usage constraints on this kind by resource name.'),
  min: ResourceListField('Min usage constraints on this kind by resource name.'),
  default: ResourceListField('Default resource requirement limit value by resource name if resource limit is omitted.'),
  defaultRequest: ResourceListField('DefaultRequest is the default resource requirement request value by resource name if resource request is omitted.'),
  maxLimitRequestRatio: ResourceListField('MaxLimitRequestRatio if specified, the named resource must have a request and limit that are both non-zero where limit divided by request is less than or equal to the enumerated value; this represents the max burst for the named resource.'),
});
export type LimitRangeItem = Static<typeof LimitRangeItemSchema>;

export const LimitRangeSpecSchema = def(CORE + 'LimitRangeSpec', 'LimitRangeSpec defines a min/max usage limit for resources that match on kind.', {
  limits: RArr(LimitRangeItemSchema, 'Limits is the list of LimitRangeItem objects that are enforced.', atomic),
});

export const LimitRangeSchema = def(CORE + 'LimitRange', 'LimitRange sets resource usage limits for each kind of resource in a Namespace.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(LimitRangeSpecSchema, 'Spec defines the limits enforced.'),
});
export type LimitRange = Static<typeof LimitRangeSchema>;

export const ScopedResourceSelectorRequirementSchema = def(CORE + 'ScopedResourceSelectorRequirement', 'A scoped-resource selector requirement is a selector that contains values, a scope name, and an operator that relates the scope name and values.', {
  scopeName: RS('The name of the scope that the selector applies to.'),
  operator: RS("Represents a scope's relationship to a set of values. Valid operators are In, NotIn, Exists, DoesNotExist."),
  values: SList('An array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty.', atomic),
});
export type ScopedResourceSelectorRequirement = Static<typeof ScopedResourceSelectorRequirementSchema>;

export const ScopeSelectorSchema = def(CORE + 'ScopeSelector', 'A scope selector represents the AND of the selectors represented by the scoped-resource selector requirements.', {
  matchExpressions: Arr(ScopedResourceSelectorRequirementSchema, 'A list of scope selector requirements by scope of the resources.', atomic),
}, { 'x-kubernetes-map-type': 'atomic' });

export const ResourceQuotaSpecSchema = def(CORE + 'ResourceQuotaSpec', 'ResourceQuotaSpec defines the desired hard limits to enforce for Quota.', {
  hard: ResourceListField('hard is the set of desired hard limits for each named resource.'),
  scopes: SList('A collection of filters that must match each object tracked by a quota. If not specified, the quota matches all objects.', atomic),
  scopeSelector: F(ScopeSelectorSchema, 'scopeSelector is also a collection of filters like scopes that must match each object tracked by a quota but expressed using ScopeSelectorOperator in combination with possible values.'),
});
export type ResourceQuotaSpec = Static<typeof ResourceQuotaSpecSchema>;

export const ResourceQuotaStatusSchema = def(CORE + 'ResourceQuotaStatus', 'ResourceQuotaStatus defines the enforced hard limits and observed use.', {
  hard: ResourceListField('Hard is the set of enforced hard limits for each named resource.'),
  used: ResourceListField('Used is the current observed total usage of the resource in the namespace.'),
});
export type ResourceQuotaStatus = Static<typeof ResourceQuotaStatusSchema>;

export const ResourceQuotaSchema = def(CORE + 'ResourceQuota', 'ResourceQuota sets aggregate quota restrictions enforced per namespace', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(ResourceQuotaSpecSchema, 'Spec defines the desired quota.'),
  status: F(ResourceQuotaStatusSchema, 'Status defines the actual enforced quota and its current usage.'),
});
export type ResourceQuota = Static<typeof ResourceQuotaSchema>;
