/**
 * rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding, with upstream's field
 * descriptions (k8s.io/api/rbac/v1/types.go).
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { def, S, RS, SList, Arr, F, RF, RArr, atomic, atomicMap } from './base.js';
import { typeMetaProps, objectMetaField, LabelSelectorSchema } from './meta.js';

const RBAC = 'io.k8s.api.rbac.v1.';

export const PolicyRuleSchema = def(
  RBAC + 'PolicyRule',
  'PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to or which namespace the rule applies to.',
  {
    verbs: RArr(Type.String(), "Verbs is a list of Verbs that apply to ALL the ResourceKinds contained in this rule. '*' represents all verbs.", atomic),
    apiGroups: SList('APIGroups is the name of the APIGroup that contains the resources.  If multiple API groups are specified, any action requested against one of the enumerated resources in any API group will be allowed. "" represents the core API group and "*" represents all API groups.', atomic),
    resources: SList("Resources is a list of resources this rule applies to. '*' represents all resources.", atomic),
    resourceNames: SList('ResourceNames is an optional white list of names that the rule applies to.  An empty set means that everything is allowed.', atomic),
    nonResourceURLs: SList('NonResourceURLs is a set of partial urls that a user should have access to.  *s are allowed, but only as the full, final step in the path Since non-resource URLs are not namespaced, this field is only applicable for ClusterRoles referenced from a ClusterRoleBinding. Rules can either apply to API resources (such as "pods" or "secrets") or non-resource URL paths (such as "/api"),  but not both.', atomic),
  },
);
export type PolicyRule = Static<typeof PolicyRuleSchema>;

export const SubjectSchema = def(
  RBAC + 'Subject',
  'Subject contains a reference to the object or user identities a role binding applies to.  This can either hold a direct API object reference, or a value for non-objects such as user and group names.',
  {
    kind: RS('Kind of object being referenced. Values defined by this API group are "User", "Group", and "ServiceAccount". If the Authorizer does not recognized the kind value, the Authorizer should report an error.'),
    apiGroup: S('APIGroup holds the API group of the referenced subject. Defaults to "" for ServiceAccount subjects. Defaults to "rbac.authorization.k8s.io" for User and Group subjects.'),
    name: RS('Name of the object being referenced.'),
    namespace: S('Namespace of the referenced object.  If the object kind is non-namespace, such as "User" or "Group", and this value is not empty the Authorizer should report an error.'),
  },
  atomicMap,
);
export type Subject = Static<typeof SubjectSchema>;

export const RoleRefSchema = def(
  RBAC + 'RoleRef',
  'RoleRef contains information that points to the role being used',
  {
    apiGroup: RS('APIGroup is the group for the resource being referenced'),
    kind: RS('Kind is the type of resource being referenced'),
    name: RS('Name is the name of resource being referenced'),
  },
  atomicMap,
);
export type RoleRef = Static<typeof RoleRefSchema>;

export const AggregationRuleSchema = def(
  RBAC + 'AggregationRule',
  'AggregationRule describes how to locate ClusterRoles to aggregate into the ClusterRole',
  {
    clusterRoleSelectors: Arr(LabelSelectorSchema, "ClusterRoleSelectors holds a list of selectors which will be used to find ClusterRoles and create the rules. If any of the selectors match, then the ClusterRole's permissions will be added", atomic),
  },
);
export type AggregationRule = Static<typeof AggregationRuleSchema>;

const rulesField = Arr(PolicyRuleSchema, 'Rules holds all the PolicyRules for this Role', atomic);

export const RoleSchema = def(
  RBAC + 'Role',
  'Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.',
  { ...typeMetaProps, metadata: objectMetaField, rules: rulesField },
);
export type Role = Static<typeof RoleSchema>;

export const ClusterRoleSchema = def(
  RBAC + 'ClusterRole',
  'ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.',
  {
    ...typeMetaProps,
    metadata: objectMetaField,
    rules: Arr(PolicyRuleSchema, 'Rules holds all the PolicyRules for this ClusterRole', atomic),
    aggregationRule: F(AggregationRuleSchema, 'AggregationRule is an optional field that describes how to build the Rules for this ClusterRole. If AggregationRule is set, then the Rules are controller managed and direct changes to Rules will be stomped by the controller.'),
  },
);
export type ClusterRole = Static<typeof ClusterRoleSchema>;

export const RoleBindingSchema = def(
  RBAC + 'RoleBinding',
  'RoleBinding references a role, but does not contain it.  It can reference a Role in the same namespace or a ClusterRole in the global namespace. It adds who information via Subjects and namespace information by which namespace it exists in.  RoleBindings in a given namespace only have effect in that namespace.',
  {
    ...typeMetaProps,
    metadata: objectMetaField,
    subjects: Arr(SubjectSchema, 'Subjects holds references to the objects the role applies to.', atomic),
    roleRef: RF(RoleRefSchema, 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.'),
  },
);
export type RoleBinding = Static<typeof RoleBindingSchema>;

export const ClusterRoleBindingSchema = def(
  RBAC + 'ClusterRoleBinding',
  'ClusterRoleBinding references a ClusterRole, but not contain it.  It can reference a ClusterRole in the global namespace, and adds who information via Subject.',
  {
    ...typeMetaProps,
    metadata: objectMetaField,
    subjects: Arr(SubjectSchema, 'Subjects holds references to the objects the role applies to.', atomic),
    roleRef: RF(RoleRefSchema, 'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.'),
  },
);
export type ClusterRoleBinding = Static<typeof ClusterRoleBindingSchema>;
