/**
 * The reviews' logic (api/strategies/reviews.ts) over a fake ReviewContext, and the union rule resolver and review
 * decision of authz.ts over an RBAC index: table tests, no server.
 */
import { describe, expect, it } from 'vitest';
import { KubeError } from '../../../api/errors.js';
import type { ReviewAttributes, ReviewContext, ReviewTokenAnswer, ReviewUser } from '../../../api/kinds/descriptor.js';
import {
  accessSpecCauses, goObjectMeta, reviewLocalSubjectAccess, reviewSelf, reviewSelfSubjectAccess, reviewSelfSubjectRules,
  reviewSubjectAccess, reviewToken, splitRules, validateLocalAccessReview,
} from '../../../api/strategies/reviews.js';
import { aggregateMessage, resolveRules, reviewDecision } from '../../../control-plane/apiserver/authz.js';
import { RbacIndex } from '../../../control-plane/apiserver/rbac-authorizer.js';
import type { KubeObject } from '../../../api/types/index.js';

const jane: ReviewUser = { name: 'jane', uid: 'u1', groups: ['developers', 'system:authenticated'] };

/** A context whose authorizer allows what `allow` says and records what it was asked. */
function fakeContext(o: { allow?: (u: ReviewUser, a: ReviewAttributes) => boolean; namespace?: string; tokens?: Record<string, ReviewTokenAnswer>; apiAudiences?: string[] } = {}) {
  const asked: Array<{ user: ReviewUser; a: ReviewAttributes }> = [];
  const ctx: ReviewContext = {
    user: jane,
    namespace: o.namespace ?? '',
    now: new Date('2026-12-04T10:11:12.345Z'),
    apiAudiences: o.apiAudiences ?? [],
    authorize: (user, a) => {
      asked.push({ user, a });
      const allowed = o.allow?.(user, a) ?? false;
      return { allowed, denied: false, reason: allowed ? 'ok' : '', evaluationError: '' };
    },
    rulesFor: () => ({ rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/api'] }], incomplete: false, evaluationError: '' }),
    authenticateToken: async (token) => o.tokens?.[token] ?? { error: 'invalid bearer token' },
  };
  return { ctx, asked };
}

function thrown(f: () => unknown): KubeError {
  try {
    f();
  } catch (e) {
    if (e instanceof KubeError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('access review validation (pkg/apis/authorization/validation)', () => {
  const NON_RESOURCE = 'authorization.NonResourceAttributes{Path:"/logs", Verb:"get"}';
  const table: Array<[string, Parameters<typeof accessSpecCauses>[0], boolean, unknown[]]> = [
    ['resource attributes and a user', { resourceAttributes: {}, user: 'me' }, true, []],
    ['non-resource attributes and a group', { nonResourceAttributes: {}, groups: ['g'] }, true, []],
    ['neither', { user: 'me' }, true, ['spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified']],
    ['both', { user: 'me', resourceAttributes: {}, nonResourceAttributes: { path: '/logs', verb: 'get' } }, true, [`spec.nonResourceAttributes: Invalid value: ${NON_RESOURCE}: cannot be specified in combination with resourceAttributes`]],
    ['no subject', { resourceAttributes: {} }, true, ['spec.user: Invalid value: "": at least one of user or group must be specified']],
    ['no subject needed for a self review', { resourceAttributes: {} }, false, []],
    ['nothing at all', undefined, true, [
      'spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      'spec.user: Invalid value: "": at least one of user or group must be specified',
    ]],
    ['a field selector with both', { user: 'me', resourceAttributes: { fieldSelector: { rawSelector: 'a=b', requirements: [{ key: 'a', operator: 'In', values: ['b'] }] } } }, true,
      ['spec.resourceAttributes.fieldSelector.rawSelector: Invalid value: "a=b": may not specified at the same time as requirements']],
    ['a label selector with neither', { user: 'me', resourceAttributes: { labelSelector: {} } }, true,
      ['spec.resourceAttributes.labelSelector.requirements: Required value: when spec.resourceAttributes.labelSelector is specified, requirements or rawSelector is required']],
    ['field selector requirements: a key, values for In, none for Exists; an unknown operator passes', { user: 'me', resourceAttributes: { fieldSelector: { requirements: [{ key: '', operator: 'In' }, { key: 'a', operator: 'Exists', values: ['x'] }, { key: 'b', operator: 'Later' }] } } }, true, [
      'spec.resourceAttributes.fieldSelector.requirements[0].key: Required value: must be specified',
      "spec.resourceAttributes.fieldSelector.requirements[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.resourceAttributes.fieldSelector.requirements[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ]],
    ['label selector requirements: values for NotIn, a valid key and values; an unknown operator passes', { user: 'me', resourceAttributes: { labelSelector: { requirements: [{ key: 'a', operator: 'NotIn' }, { key: 'b c', operator: 'In', values: ['ok', 'not ok'] }, { key: 'd', operator: 'Later' }] } } }, true, [
      "spec.resourceAttributes.labelSelector.requirements[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      expect.stringMatching(/^spec\.resourceAttributes\.labelSelector\.requirements\[1\]\.key: Invalid value: "b c": name part must consist of/),
      expect.stringMatching(/^spec\.resourceAttributes\.labelSelector\.requirements\[1\]\.values\[1\]: Invalid value: "not ok": a valid label must be/),
    ]],
  ];
  it.each(table)('%s', (_what, spec, subject, want) => {
    expect(accessSpecCauses(spec, subject).map((c) => `${c.field}: ${c.message}`)).toEqual(want);
  });

  it('a local review: metadata but its namespace must be empty; the resource namespace must match; no non-resource request', () => {
    const causes = validateLocalAccessReview({ metadata: { namespace: 'a', labels: { x: 'y' } }, spec: { user: 'me', resourceAttributes: { namespace: 'b' }, nonResourceAttributes: { path: '/logs', verb: 'get' } } });
    expect(causes.map((c) => c.field)).toEqual(['spec.nonResourceAttributes', 'metadata', 'spec.resourceAttributes.namespace', 'spec.nonResourceAttributes']);
    expect(causes[1]!.message).toContain('Labels:map[string]string{"x":"y"}');
    expect(causes[1]!.message).toMatch(/: must be empty except for namespace$/);
    expect(causes[2]!.message).toBe('Invalid value: "b": must match metadata.namespace');
    expect(causes[3]!.message).toBe('Invalid value: authorization.NonResourceAttributes{Path:"/logs", Verb:"get"}: disallowed on this kind of request');
    expect(validateLocalAccessReview({ metadata: { namespace: 'a', managedFields: [] }, spec: { user: 'me', resourceAttributes: { namespace: 'a' } } })).toEqual([]);
  });

  it("metadata is printed as Go's %#v of an ObjectMeta", () => {
    expect(goObjectMeta({ name: 'x', creationTimestamp: '2026-12-04T10:11:12Z', finalizers: ['f'] })).toBe(
      'v1.ObjectMeta{Name:"x", GenerateName:"", Namespace:"", SelfLink:"", UID:"", ResourceVersion:"", Generation:0, ' +
        'CreationTimestamp:time.Date(2026, time.December, 4, 10, 11, 12, 0, time.UTC), DeletionTimestamp:<nil>, DeletionGracePeriodSeconds:(*int64)(nil), ' +
        'Labels:map[string]string(nil), Annotations:map[string]string(nil), OwnerReferences:[]v1.OwnerReference(nil), Finalizers:[]string{"f"}, ManagedFields:[]v1.ManagedFieldsEntry(nil)}',
    );
  });
});

describe('the access reviews ask the authorizer about the right user and attributes', () => {
  it('SubjectAccessReview: exactly the spec\'s user, uid, groups and extra; the resource attributes', () => {
    const { ctx, asked } = fakeContext({ allow: (u) => u.name === 'bob' });
    const out = reviewSubjectAccess({ spec: { user: 'bob', uid: 'b1', groups: ['g'], extra: { scopes: ['x'] }, resourceAttributes: { verb: 'get', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'n', name: 'd', version: 'v1' } } }, ctx);
    expect(asked).toEqual([{ user: { name: 'bob', uid: 'b1', groups: ['g'], extra: { scopes: ['x'] } }, a: { verb: 'get', isResourceRequest: true, group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'n', name: 'd', path: '' } }]);
    expect(out.status).toEqual({ allowed: true, reason: 'ok' });
    expect(out.metadata).toEqual({ creationTimestamp: null });
  });

  it('SelfSubjectAccessReview: the requester; a non-resource path', () => {
    const { ctx, asked } = fakeContext();
    const out = reviewSelfSubjectAccess({ spec: { nonResourceAttributes: { path: '/logs', verb: 'get' } } }, ctx);
    expect(asked[0]!.user).toBe(jane);
    expect(asked[0]!.a).toMatchObject({ isResourceRequest: false, path: '/logs', verb: 'get' });
    expect(out.status).toEqual({ allowed: false });
  });

  it('invalid reviews are 422 on the authorization.k8s.io kind; a local review outside its namespace is 400', () => {
    const { ctx } = fakeContext({ namespace: 'a' });
    const e = thrown(() => reviewSubjectAccess({ spec: {} }, ctx));
    expect([e.reason, e.message]).toEqual(['Invalid', expect.stringMatching(/^SubjectAccessReview\.authorization\.k8s\.io "" is invalid: \[spec\.resourceAttributes/)]);
    const none = fakeContext({ namespace: '' }).ctx;
    expect(thrown(() => reviewLocalSubjectAccess({ spec: { user: 'u', resourceAttributes: {} } }, none)).message).toBe('namespace is required on this type: ');
    expect(thrown(() => reviewLocalSubjectAccess({ metadata: { namespace: 'b' }, spec: { user: 'u', resourceAttributes: { namespace: 'b' } } }, ctx)).message).toBe('spec.resourceAttributes.namespace must match namespace: a');
    expect(reviewLocalSubjectAccess({ metadata: { namespace: 'a' }, spec: { user: 'u', resourceAttributes: { namespace: 'a' } } }, ctx).status).toEqual({ allowed: false });
  });
});

describe('SelfSubjectRulesReview and SelfSubjectReview', () => {
  it('rules split into resource and non-resource rules (getResourceRules / getNonResourceRules)', () => {
    expect(splitRules([{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['p'] }, { verbs: ['*'], nonResourceURLs: ['*'] }, { verbs: ['get'], apiGroups: ['x'] }])).toEqual({
      resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['p'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    });
    const { ctx } = fakeContext();
    expect(reviewSelfSubjectRules({ spec: { namespace: 'a' } }, ctx).status).toEqual({
      resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
      nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api'] }],
      incomplete: false,
    });
    expect(thrown(() => reviewSelfSubjectRules({ spec: {} }, ctx)).message).toBe('no namespace on request');
  });

  it('SelfSubjectReview: the requester, at the second', () => {
    const { ctx } = fakeContext();
    expect(reviewSelf({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, ctx)).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: { creationTimestamp: '2026-12-04T10:11:12Z' },
      status: { userInfo: { username: 'jane', uid: 'u1', groups: ['developers', 'system:authenticated'] } },
    });
  });
});

describe('TokenReview', () => {
  const known: Record<string, ReviewTokenAnswer> = { good: { user: jane }, sa: { user: { name: 'system:serviceaccount:a:b', groups: [] }, audiences: ['vault'] } };
  const table: Array<[string, { token?: string; audiences?: string[] }, string[], unknown]> = [
    ['a known token', { token: 'good' }, [], { authenticated: true, user: { username: 'jane', uid: 'u1', groups: ['developers', 'system:authenticated'] } }],
    ['an unknown token', { token: 'bad' }, [], { user: {}, error: 'invalid bearer token' }],
    ['an audience-agnostic token, the API audience asked for', { token: 'good', audiences: ['api'] }, ['api'], { authenticated: true, user: expect.anything(), audiences: ['api'] }],
    ['an audience-agnostic token, the API audiences by default', { token: 'good' }, ['api'], { authenticated: true, user: expect.anything(), audiences: ['api'] }],
    ['an audience-agnostic token, another audience', { token: 'good', audiences: ['vault'] }, ['api'], { user: {}, error: 'invalid bearer token' }],
    ['an audience-aware token for its audience', { token: 'sa', audiences: ['vault'] }, ['api'], { authenticated: true, user: { username: 'system:serviceaccount:a:b', groups: [] }, audiences: ['vault'] }],
  ];
  it.each(table)('%s', async (_what, spec, apiAudiences, want) => {
    const { ctx } = fakeContext({ tokens: known, apiAudiences });
    expect((await reviewToken({ spec }, ctx)).status).toEqual(want);
  });

  it('malformed: no token (400), a namespace (400), an authenticator answering for other audiences (500)', async () => {
    await expect(reviewToken({ spec: {} }, fakeContext().ctx)).rejects.toThrow('token is required for TokenReview in authentication');
    await expect(reviewToken({ spec: { token: 'x' } }, fakeContext({ namespace: 'a' }).ctx)).rejects.toThrow('namespace is not allowed on this type: a');
    await expect(reviewToken({ spec: { token: 'sa', audiences: ['other'] } }, fakeContext({ tokens: known }).ctx)).rejects.toThrow('Internal error occurred: error validating audiences');
  });
});

describe('the union rule resolver and review decision (authz.ts)', () => {
  const obj = (o: Record<string, unknown>) => o as unknown as KubeObject;
  const index = RbacIndex.from([
    obj({ kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/logs'] }] }),
    obj({ kind: 'RoleBinding', metadata: { name: 'rb', namespace: 'a' }, subjects: [{ kind: 'User', name: 'jane' }], roleRef: { kind: 'ClusterRole', name: 'reader' } }),
    obj({ kind: 'RoleBinding', metadata: { name: 'ghost', namespace: 'a' }, subjects: [{ kind: 'User', name: 'jane' }], roleRef: { kind: 'ClusterRole', name: 'ghost' } }),
    obj({ kind: 'RoleBinding', metadata: { name: 'ghost2', namespace: 'a' }, subjects: [{ kind: 'User', name: 'jane' }], roleRef: { kind: 'Role', name: 'gone' } }),
  ]);
  const node = { name: 'system:node:n1', groups: ['system:nodes'] };
  const table: Array<[string, ReviewUser, string, Parameters<typeof resolveRules>[2], ReturnType<typeof resolveRules>]> = [
    ['RBAC in the namespace, with the missing roles', jane, 'a', { rbac: index, modes: ['RBAC'] }, {
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/logs'] }],
      incomplete: false,
      evaluationError: '[clusterrole.rbac.authorization.k8s.io "ghost" not found, role.rbac.authorization.k8s.io "gone" not found]',
    }],
    ['RBAC elsewhere', jane, 'b', { rbac: index, modes: ['RBAC'] }, { rules: [], incomplete: false, evaluationError: '' }],
    ['a node: the Node authorizer cannot list rules', node, 'a', { rbac: index, modes: ['Node', 'RBAC'] }, { rules: [], incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' }],
    ['a non-node under Node,RBAC', jane, 'b', { rbac: index, modes: ['Node', 'RBAC'] }, { rules: [], incomplete: false, evaluationError: '' }],
    ['AlwaysAllow', jane, 'b', { modes: ['AlwaysAllow'] }, { rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false, evaluationError: '' }],
    ['AlwaysDeny', jane, 'b', { modes: ['AlwaysDeny'] }, { rules: [], incomplete: false, evaluationError: '' }],
  ];
  it.each(table)('%s', (_what, user, ns, ctx, want) => {
    expect(resolveRules(user, ns, ctx)).toEqual(want);
  });

  it('errors are aggregated as upstream (one as is, several bracketed, duplicates once)', () => {
    expect([aggregateMessage([]), aggregateMessage(['a']), aggregateMessage(['a', 'a']), aggregateMessage(['a', 'b', 'a'])]).toEqual(['', 'a', 'a', '[a, b]']);
  });

  it('review decisions: the allowing reason, or the authorizers\' reasons; never denied', () => {
    const attrs = { verb: 'get', isResourceRequest: true, group: '', resource: 'pods', subresource: '', namespace: 'a', name: '', path: '' };
    expect(reviewDecision({ name: 'jane', groups: [] }, attrs, undefined, { rbac: index, modes: ['RBAC'] })).toEqual({ allowed: true, denied: false, reason: 'RBAC: allowed by RoleBinding "rb/a" of ClusterRole "reader" to User "jane"', evaluationError: '' });
    expect(reviewDecision({ name: 'jane', groups: [] }, { ...attrs, verb: 'delete' }, undefined, { rbac: index, modes: ['RBAC'] })).toMatchObject({ allowed: false, denied: false, reason: 'RBAC: [clusterrole.rbac.authorization.k8s.io "ghost" not found, role.rbac.authorization.k8s.io "gone" not found]' });
    expect(reviewDecision({ name: 'bob', groups: [] }, attrs, undefined, { rbac: index, modes: ['RBAC'] })).toEqual({ allowed: false, denied: false, reason: '', evaluationError: '' });
    expect(reviewDecision({ name: 'root', groups: ['system:masters'] }, attrs, undefined, { rbac: index, modes: ['RBAC'] }).allowed).toBe(true);
  });
});
