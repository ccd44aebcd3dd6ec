/** authentication.k8s.io/v1 TokenReview: who does this bearer token authenticate as? Create-only, never stored. */
import { defineKind } from '../descriptor.js';
import type { Relaxed, TokenReview } from '../../types/index.js';
import { reviewToken } from '../../strategies/reviews.js';

export const tokenReviews = defineKind<Relaxed<TokenReview>>({
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'TokenReview',
  plural: 'tokenreviews',
  namespaced: false,
  verbs: ['create'],
  schema: 'io.k8s.api.authentication.v1.TokenReview',
  hasList: false,
  protobufMessage: 'k8s.io.api.authentication.v1.TokenReview',
  stored: false,
  review: reviewToken,
});
