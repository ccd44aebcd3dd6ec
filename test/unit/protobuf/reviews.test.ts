/**
 * The reviews' protobuf messages (proto/k8s/api/authorization-v1.proto, authentication-v1.proto): a body decodes to
 * the JSON Go would write (ExtraValue, a []string, as its list; a pointer to empty attributes kept), and answers
 * encode back to the same objects.
 */
import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf } from '../../../control-plane/apiserver/protobuf/decode.js';
import { encodeKubernetesProtobuf } from '../../../control-plane/apiserver/protobuf/encode.js';
import type { JsonObject } from '../../../api/values.js';

const roundTrip = (o: JsonObject): JsonObject => {
  const bytes = encodeKubernetesProtobuf(o);
  expect(bytes, JSON.stringify(o)).toBeDefined();
  return decodeKubernetesProtobuf(bytes!);
};

describe('authorization.k8s.io/v1 and authentication.k8s.io/v1 in protobuf', () => {
  const cases: Array<[string, JsonObject]> = [
    ['SubjectAccessReview with extra, groups and an answer', {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {},
      spec: { resourceAttributes: { namespace: 'a', verb: 'get', resource: 'pods', subresource: 'log', name: 'p' }, user: 'jane', groups: ['g1', 'g2'], extra: { scopes: ['a', 'b'], empty: [] }, uid: 'u' },
      status: { allowed: true, reason: 'RBAC: allowed by x' },
    }],
    ['SelfSubjectAccessReview of a non-resource path, not allowed', {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {},
      spec: { nonResourceAttributes: { path: '/logs', verb: 'get' } }, status: { allowed: false },
    }],
    ['SelfSubjectAccessReview with empty resource attributes (a Go pointer: kept)', {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: { resourceAttributes: {} }, status: { allowed: false },
    }],
    ['SelfSubjectRulesReview with its rules', {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', metadata: {}, spec: { namespace: 'a' },
      status: { resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['p'] }], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api/*'] }], incomplete: true, evaluationError: 'x' },
    }],
    ['LocalSubjectAccessReview', {
      apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', metadata: { namespace: 'a' },
      spec: { resourceAttributes: { namespace: 'a', verb: 'list', resource: 'secrets', fieldSelector: { rawSelector: 'metadata.name=x' } }, user: 'u' }, status: { allowed: false },
    }],
    ['TokenReview answered', {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token: 't', audiences: ['api'] },
      status: { authenticated: true, user: { username: 'jane', uid: 'u', groups: ['g'], extra: { k: ['v'] } }, audiences: ['api'] },
    }],
    ['SelfSubjectReview', {
      apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: { creationTimestamp: '2026-12-04T10:11:12Z' },
      status: { userInfo: { username: 'jane', groups: ['system:authenticated'] } },
    }],
  ];
  it.each(cases)('%s', (_what, obj) => {
    expect(roundTrip(obj)).toEqual(obj);
  });

  it('an extra value that is not a list of strings is not encodable (the answer goes out as JSON)', () => {
    expect(encodeKubernetesProtobuf({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {}, spec: { user: 'u', extra: { k: 'v' } }, status: { allowed: false } })).toBeUndefined();
  });
});
