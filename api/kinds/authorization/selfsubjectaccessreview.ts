/** authorization.k8s.io/v1 SelfSubjectAccessReview: may I do this? (`kubectl auth can-i`). Create-only, never stored. */
import { defineKind } from '../descriptor.js';
import type { Relaxed, SelfSubjectAccessReview } from '../../types/index.js';
import { reviewSelfSubjectAccess } from '../../strategies/reviews.js';

export const selfSubjectAccessReviews = defineKind<Relaxed<SelfSubjectAccessReview>>({
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectAccessReview',
  plural: 'selfsubjectaccessreviews',
  namespaced: false,
  verbs: ['create'],
  schema: 'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
  hasList: false,
  protobufMessage: 'k8s.io.api.authorization.v1.SelfSubjectAccessReview',
  stored: false,
  review: reviewSelfSubjectAccess,
});
