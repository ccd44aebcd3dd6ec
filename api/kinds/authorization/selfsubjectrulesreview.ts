/** authorization.k8s.io/v1 SelfSubjectRulesReview: what may I do in a namespace? (`kubectl auth can-i --list`). Create-only, never stored. */
import { defineKind } from '../descriptor.js';
import type { Relaxed, SelfSubjectRulesReview } from '../../types/index.js';
import { reviewSelfSubjectRules } from '../../strategies/reviews.js';

export const selfSubjectRulesReviews = defineKind<Relaxed<SelfSubjectRulesReview>>({
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectRulesReview',
  plural: 'selfsubjectrulesreviews',
  namespaced: false,
  verbs: ['create'],
  schema: 'io.k8s.api.authorization.v1.SelfSubjectRulesReview',
  hasList: false,
  protobufMessage: 'k8s.io.api.authorization.v1.SelfSubjectRulesReview',
  stored: false,
  review: reviewSelfSubjectRules,
});
