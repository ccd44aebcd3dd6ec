/** authorization.k8s.io/v1 LocalSubjectAccessReview: a SubjectAccessReview within one namespace. Create-only, never stored. */
import { defineKind } from '../descriptor.js';
import type { LocalSubjectAccessReview, Relaxed } from '../../types/index.js';
import { reviewLocalSubjectAccess } from '../../strategies/reviews.js';

export const localSubjectAccessReviews = defineKind<Relaxed<LocalSubjectAccessReview>>({
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'LocalSubjectAccessReview',
  plural: 'localsubjectaccessreviews',
  namespaced: true,
  verbs: ['create'],
  schema: 'io.k8s.api.authorization.v1.LocalSubjectAccessReview',
  hasList: false,
  protobufMessage: 'k8s.io.api.authorization.v1.LocalSubjectAccessReview',
  stored: false,
  review: reviewLocalSubjectAccess,
});
