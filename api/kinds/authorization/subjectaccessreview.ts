/** authorization.k8s.io/v1 SubjectAccessReview: may this user (or these groups) do this? Create-only, never stored. */
import { defineKind } from '../descriptor.js';
import type { Relaxed, SubjectAccessReview } from '../../types/index.js';
import { reviewSubjectAccess } from '../../strategies/reviews.js';

export const subjectAccessReviews = defineKind<Relaxed<SubjectAccessReview>>({
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SubjectAccessReview',
  plural: 'subjectaccessreviews',
  namespaced: false,
  verbs: ['create'],
  schema: 'io.k8s.api.authorization.v1.SubjectAccessReview',
  hasList: false,
  protobufMessage: 'k8s.io.api.authorization.v1.SubjectAccessReview',
  stored: false,
  review: reviewSubjectAccess,
});
