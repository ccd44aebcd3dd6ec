/** core/v1 LimitRange: upstream's pkg/registry/core/limitrange (defaults, validation, printer); the LimitRanger admission plugin enforces it. */
import type { LimitRange, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { defaultLimitRange, limitRangeCells, limitRangeColumns, validateLimitRange, validateLimitRangeUpdate } from '../../strategies/quota.js';

export const limitRanges = defineKind<Relaxed<LimitRange>>({
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  plural: 'limitranges',
  namespaced: true,
  shortNames: ['limits'],
  schema: 'io.k8s.api.core.v1.LimitRange',
  protobufMessage: 'k8s.io.api.core.v1.LimitRange',
  strategy: { applyDefaults: defaultLimitRange, validate: validateLimitRange, validateUpdate: validateLimitRangeUpdate },
  table: { columns: limitRangeColumns, cells: limitRangeCells },
});
