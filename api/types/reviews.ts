/**
 * The review kinds: create-only, never stored, answered from the request (api/kinds/README.md, `review`).
 * authorization.k8s.io/v1 SubjectAccessReview, SelfSubjectAccessReview, LocalSubjectAccessReview,
 * SelfSubjectRulesReview and authentication.k8s.io/v1 TokenReview, SelfSubjectReview, with upstream's field
 * descriptions (k8s.io/api/authorization/v1/types.go, k8s.io/api/authentication/v1/types.go).
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { def, S, B, SList, Arr, RArr, F, RF, RS, Map_, atomic } from './base.js';
import { typeMetaProps, objectMetaField, LabelSelectorRequirementSchema } from './meta.js';

const AUTHZ = 'io.k8s.api.authorization.v1.';
const AUTHN = 'io.k8s.api.authentication.v1.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

const extraField = (description: string) => Map_(Type.Array(Type.String()), description);

export const FieldSelectorRequirementSchema = def(
  META + 'FieldSelectorRequirement',
  'FieldSelectorRequirement is a selector that contains values, a key, and an operator that relates the key and values.',
  {
    key: RS('key is the field selector key that the requirement applies to.'),
    operator: RS('operator represents a key\'s relationship to a set of values. Valid operators are In, NotIn, Exists, DoesNotExist. The list of operators may grow in the future.'),
    values: SList('values is an array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty.', atomic),
  },
);

export const FieldSelectorAttributesSchema = def(
  AUTHZ + 'FieldSelectorAttributes',
  'FieldSelectorAttributes indicates a field limited access. Webhook authors are encouraged to * ensure rawSelector and requirements are not both set * consider the requirements field if set * not try to parse or consider the rawSelector field if set.',
  {
    rawSelector: S('rawSelector is the serialization of a field selector that would be included in a query parameter. Webhook implementations are encouraged to ignore rawSelector. The kube-apiserver\'s *SubjectAccessReview will parse the rawSelector as long as the requirements are not present.'),
    requirements: Arr(FieldSelectorRequirementSchema, 'requirements is the parsed interpretation of a field selector. All requirements must be met for a resource instance to match the selector. Webhook implementations should handle requirements, but how to handle them is up to the webhook. Since requirements can only limit the request, it is safe to authorize as unlimited request if the requirements are not understood.', atomic),
  },
);

export const LabelSelectorAttributesSchema = def(
  AUTHZ + 'LabelSelectorAttributes',
  'LabelSelectorAttributes indicates a label limited access. Webhook authors are encouraged to * ensure rawSelector and requirements are not both set * consider the requirements field if set * not try to parse or consider the rawSelector field if set.',
  {
    rawSelector: S('rawSelector is the serialization of a field selector that would be included in a query parameter. Webhook implementations are encouraged to ignore rawSelector. The kube-apiserver\'s *SubjectAccessReview will parse the rawSelector as long as the requirements are not present.'),
    requirements: Arr(LabelSelectorRequirementSchema, 'requirements is the parsed interpretation of a label selector. All requirements must be met for a resource instance to match the selector. Webhook implementations should handle requirements, but how to handle them is up to the webhook. Since requirements can only limit the request, it is safe to authorize as unlimited request if the requirements are not understood.', atomic),
  },
);

export const ResourceAttributesSchema = def(
  AUTHZ + 'ResourceAttributes',
  'ResourceAttributes includes the authorization attributes available for resource requests to the Authorizer interface',
  {
    namespace: S('Namespace is the namespace of the action being requested.  Currently, there is no distinction between no namespace and all namespaces "" (empty) is defaulted for LocalSubjectAccessReviews "" (empty) is empty for cluster-scoped resources "" (empty) means "all" for namespace scoped resources from a SubjectAccessReview or SelfSubjectAccessReview'),
    verb: S('Verb is a kubernetes resource API verb, like: get, list, watch, create, update, delete, proxy.  "*" means all.'),
    group: S('Group is the API Group of the Resource.  "*" means all.'),
    version: S('Version is the API Version of the Resource.  "*" means all.'),
    resource: S('Resource is one of the existing resource types.  "*" means all.'),
    subresource: S('Subresource is one of the existing resource types.  "" means none.'),
    name: S('Name is the name of the resource being requested for a "get" or deleted for a "delete". "" (empty) means all.'),
    fieldSelector: F(FieldSelectorAttributesSchema, 'fieldSelector describes the limitation on access based on field.  It can only limit access, not broaden it.'),
    labelSelector: F(LabelSelectorAttributesSchema, 'labelSelector describes the limitation on access based on labels.  It can only limit access, not broaden it.'),
  },
);
export type ResourceAttributes = Static<typeof ResourceAttributesSchema>;

export const NonResourceAttributesSchema = def(
  AUTHZ + 'NonResourceAttributes',
  'NonResourceAttributes includes the authorization attributes available for non-resource requests to the Authorizer interface',
  {
    path: S('Path is the URL path of the request'),
    verb: S('Verb is the standard HTTP verb'),
  },
);
export type NonResourceAttributes = Static<typeof NonResourceAttributesSchema>;

export const SubjectAccessReviewSpecSchema = def(
  AUTHZ + 'SubjectAccessReviewSpec',
  'SubjectAccessReviewSpec is a description of the access request.  Exactly one of ResourceAuthorizationAttributes and NonResourceAuthorizationAttributes must be set',
  {
    resourceAttributes: F(ResourceAttributesSchema, 'ResourceAuthorizationAttributes describes information for a resource access request'),
    nonResourceAttributes: F(NonResourceAttributesSchema, 'NonResourceAttributes describes information for a non-resource access request'),
    user: S('User is the user you\'re testing for. If you specify "User" but not "Groups", then is it interpreted as "What if User were not a member of any groups'),
    groups: SList('Groups is the groups you\'re testing for.', atomic),
    extra: extraField('Extra corresponds to the user.Info.GetExtra() method from the authenticator.  Since that is input to the authorizer it needs a reflection here.'),
    uid: S('UID information about the requesting user.'),
  },
);
export type SubjectAccessReviewSpec = Static<typeof SubjectAccessReviewSpecSchema>;

export const SelfSubjectAccessReviewSpecSchema = def(
  AUTHZ + 'SelfSubjectAccessReviewSpec',
  'SelfSubjectAccessReviewSpec is a description of the access request.  Exactly one of ResourceAuthorizationAttributes and NonResourceAuthorizationAttributes must be set',
  {
    resourceAttributes: F(ResourceAttributesSchema, 'ResourceAuthorizationAttributes describes information for a resource access request'),
    nonResourceAttributes: F(NonResourceAttributesSchema, 'NonResourceAttributes describes information for a non-resource access request'),
  },
);
export type SelfSubjectAccessReviewSpec = Static<typeof SelfSubjectAccessReviewSpecSchema>;

export const SubjectAccessReviewStatusSchema = def(
  AUTHZ + 'SubjectAccessReviewStatus',
  'SubjectAccessReviewStatus',
  {
    allowed: Type.Boolean({ description: 'Allowed is required. True if the action would be allowed, false otherwise.' }),
    denied: B('Denied is optional. True if the action would be denied, otherwise false. If both allowed is false and denied is false, then the authorizer has no opinion on whether to authorize the action. Denied may not be true if Allowed is true.'),
    reason: S('Reason is optional.  It indicates why a request was allowed or denied.'),
    evaluationError: S('EvaluationError is an indication that some error occurred during the authorization check. It is entirely possible to get an error and be able to continue determine authorization status in spite of it. For instance, RBAC can be missing a role, but enough roles are still present and bound to reason about the request.'),
  },
);
export type SubjectAccessReviewStatus = Static<typeof SubjectAccessReviewStatusSchema>;

const sarStatusField = F(SubjectAccessReviewStatusSchema, 'Status is filled in by the server and indicates whether the request is allowed or not');

export const SubjectAccessReviewSchema = def(AUTHZ + 'SubjectAccessReview', 'SubjectAccessReview checks whether or not a user or group can perform an action.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: RF(SubjectAccessReviewSpecSchema, 'Spec holds information about the request being evaluated'),
  status: sarStatusField,
});
export type SubjectAccessReview = Static<typeof SubjectAccessReviewSchema>;

export const SelfSubjectAccessReviewSchema = def(
  AUTHZ + 'SelfSubjectAccessReview',
  'SelfSubjectAccessReview checks whether or the current user can perform an action.  Not filling in a spec.namespace means "in all namespaces".  Self is a special case, because users should always be able to check whether they can perform an action',
  {
    ...typeMetaProps,
    metadata: objectMetaField,
    spec: RF(SelfSubjectAccessReviewSpecSchema, 'Spec holds information about the request being evaluated.  user and groups must be empty'),
    status: sarStatusField,
  },
);
export type SelfSubjectAccessReview = Static<typeof SelfSubjectAccessReviewSchema>;

export const LocalSubjectAccessReviewSchema = def(
  AUTHZ + 'LocalSubjectAccessReview',
  'LocalSubjectAccessReview checks whether or not a user or group can perform an action in a given namespace. Having a namespace scoped resource makes it much easier to grant namespace scoped policy that includes permissions checking.',
  {
    ...typeMetaProps,
    metadata: objectMetaField,
    spec: RF(SubjectAccessReviewSpecSchema, 'Spec holds information about the request being evaluated.  spec.namespace must be equal to the namespace you made the request against.  If empty, it is defaulted.'),
    status: sarStatusField,
  },
);
export type LocalSubjectAccessReview = Static<typeof LocalSubjectAccessReviewSchema>;

export const ResourceRuleSchema = def(
  AUTHZ + 'ResourceRule',
  'ResourceRule is the list of actions the subject is allowed to perform on resources. The list ordering isn\'t significant, may contain duplicates, and possibly be incomplete.',
  {
    verbs: RArr(Type.String(), 'Verb is a list of kubernetes resource API verbs, like: get, list, watch, create, update, delete, proxy.  "*" means all.', atomic),
    apiGroups: SList('APIGroups is the name of the APIGroup that contains the resources.  If multiple API groups are specified, any action requested against one of the enumerated resources in any API group will be allowed.  "*" means all.', atomic),
    resources: SList('Resources is a list of resources this rule applies to.  "*" means all in the specified apiGroups.\n "*/foo" represents the subresource \'foo\' for all resources in the specified apiGroups.', atomic),
    resourceNames: SList('ResourceNames is an optional white list of names that the rule applies to.  An empty set means that everything is allowed.  "*" means all.', atomic),
  },
);
export type ResourceRule = Static<typeof ResourceRuleSchema>;

export const NonResourceRuleSchema = def(AUTHZ + 'NonResourceRule', 'NonResourceRule holds information that describes a rule for the non-resource', {
  verbs: RArr(Type.String(), 'Verb is a list of kubernetes non-resource API verbs, like: get, post, put, delete, patch, head, options.  "*" means all.', atomic),
  nonResourceURLs: SList('NonResourceURLs is a set of partial urls that a user should have access to.  *s are allowed, but only as the full, final step in the path.  "*" means all.', atomic),
});
export type NonResourceRule = Static<typeof NonResourceRuleSchema>;

export const SubjectRulesReviewStatusSchema = def(
  AUTHZ + 'SubjectRulesReviewStatus',
  'SubjectRulesReviewStatus contains the result of a rules check. This check can be incomplete depending on the set of authorizers the server is configured with and any errors experienced during evaluation. Because authorization rules are additive, if a rule appears in a list it\'s safe to assume the subject has that permission, even if that list is incomplete.',
  {
    resourceRules: RArr(ResourceRuleSchema, 'ResourceRules is the list of actions the subject is allowed to perform on resources. The list ordering isn\'t significant, may contain duplicates, and possibly be incomplete.', atomic),
    nonResourceRules: RArr(NonResourceRuleSchema, 'NonResourceRules is the list of actions the subject is allowed to perform on non-resources. The list ordering isn\'t significant, may contain duplicates, and possibly be incomplete.', atomic),
    incomplete: Type.Boolean({ description: 'Incomplete is true when the rules returned by this call are incomplete. This is most commonly encountered when an authorizer, such as an external authorizer, doesn\'t support rules evaluation.' }),
    evaluationError: S('EvaluationError can appear in combination with Rules. It indicates an error occurred during rule evaluation, such as an authorizer that doesn\'t support rule evaluation, and that ResourceRules and/or NonResourceRules may be incomplete.'),
  },
);
export type SubjectRulesReviewStatus = Static<typeof SubjectRulesReviewStatusSchema>;

export const SelfSubjectRulesReviewSpecSchema = def(AUTHZ + 'SelfSubjectRulesReviewSpec', 'SelfSubjectRulesReviewSpec defines the specification for SelfSubjectRulesReview.', {
  namespace: S('Namespace to evaluate rules for. Required.'),
});

export const SelfSubjectRulesReviewSchema = def(
  AUTHZ + 'SelfSubjectRulesReview',
  'SelfSubjectRulesReview enumerates the set of actions the current user can perform within a namespace. The returned list of actions may be incomplete depending on the server\'s authorization mode, and any errors experienced during the evaluation. SelfSubjectRulesReview should be used by UIs to show/hide actions, or to quickly let an end user reason about their permissions. It should NOT Be used by external systems to drive authorization decisions as this raises confused deputy, cache lifetime/revocation, and correctness concerns. SubjectAccessReview, and LocalAccessReview are the correct way to defer authorization decisions to the API server.',
  {
    ...typeMetaProps,
    metadata: objectMetaField,
    spec: RF(SelfSubjectRulesReviewSpecSchema, 'Spec holds information about the request being evaluated.'),
    status: F(SubjectRulesReviewStatusSchema, 'Status is filled in by the server and indicates the set of actions a user can perform.'),
  },
);
export type SelfSubjectRulesReview = Static<typeof SelfSubjectRulesReviewSchema>;

// ---------------------------------------------------------------- authentication.k8s.io/v1

export const UserInfoSchema = def(AUTHN + 'UserInfo', 'UserInfo holds the information about the user needed to implement the user.Info interface.', {
  username: S('The name that uniquely identifies this user among all active users.'),
  uid: S('A unique value that identifies this user across time. If this user is deleted and another user by the same name is added, they will have different UIDs.'),
  groups: SList('The names of groups this user is a part of.', atomic),
  extra: extraField('Any additional information provided by the authenticator.'),
});
export type UserInfo = Static<typeof UserInfoSchema>;

export const TokenReviewSpecSchema = def(AUTHN + 'TokenReviewSpec', 'TokenReviewSpec is a description of the token authentication request.', {
  token: S('Token is the opaque bearer token.'),
  audiences: SList('Audiences is a list of the identifiers that the resource server presented with the token identifies as. Audience-aware token authenticators will verify that the token was intended for at least one of the audiences in this list. If no audiences are provided, the audience will default to the audience of the Kubernetes apiserver.', atomic),
});

export const TokenReviewStatusSchema = def(AUTHN + 'TokenReviewStatus', 'TokenReviewStatus is the result of the token authentication request.', {
  authenticated: B('Authenticated indicates that the token was associated with a known user.'),
  user: F(UserInfoSchema, 'User is the UserInfo associated with the provided token.'),
  audiences: SList('Audiences are audience identifiers chosen by the authenticator that are compatible with both the TokenReview and token. An identifier is any identifier in the intersection of the TokenReviewSpec audiences and the token\'s audiences. A client of the TokenReview API that sets the spec.audiences field should validate that a compatible audience identifier is returned in the status.audiences field to ensure that the TokenReview server is audience aware. If a TokenReview returns an empty status.audience field where status.authenticated is "true", the token is valid against the audience of the Kubernetes API server.', atomic),
  error: S('Error indicates that the token couldn\'t be checked'),
});

export const TokenReviewSchema = def(AUTHN + 'TokenReview', 'TokenReview attempts to authenticate a token to a known user. Note: TokenReview requests may be cached by the webhook token authenticator plugin in the kube-apiserver.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: RF(TokenReviewSpecSchema, 'Spec holds information about the request being evaluated'),
  status: F(TokenReviewStatusSchema, 'Status is filled in by the server and indicates whether the request can be authenticated.'),
});
export type TokenReview = Static<typeof TokenReviewSchema>;

export const SelfSubjectReviewStatusSchema = def(AUTHN + 'SelfSubjectReviewStatus', 'SelfSubjectReviewStatus is filled by the kube-apiserver and sent back to a user.', {
  userInfo: F(UserInfoSchema, 'User attributes of the user making this request.'),
});

export const SelfSubjectReviewSchema = def(
  AUTHN + 'SelfSubjectReview',
  'SelfSubjectReview contains the user information that the kube-apiserver has about the user making this request. When using impersonation, users will receive the user info of the user being impersonated.  If impersonation or request header authentication is used, any extra keys will have their case ignored and returned as lowercase.',
  {
    ...typeMetaProps,
    metadata: objectMetaField,
    status: F(SelfSubjectReviewStatusSchema, 'Status is filled in by the server with the user attributes.'),
  },
);
export type SelfSubjectReview = Static<typeof SelfSubjectReviewSchema>;
