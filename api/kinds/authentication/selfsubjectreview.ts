/** authentication.k8s.io/v1 SelfSubjectReview: who am I? (`kubectl auth whoami`). Create-only, never stored. */
import { defineKind } from '../descriptor.js';
import type { Relaxed, SelfSubjectReview } from '../../types/index.js';
import { reviewSelf } from '../../strategies/reviews.js';

export const selfSubjectReviews = defineKind<Relaxed<SelfSubjectReview>>({
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectReview',
  plural: 'selfsubjectreviews',
  namespaced: false,
  verbs: ['create'],
  schema: 'io.k8s.api.authentication.v1.SelfSubjectReview',
  hasList: false,
  protobufMessage: 'k8s.io.api.authentication.v1.SelfSubjectReview',
  stored: false,
  review: reviewSelf,
});
