/**
 * core/v1 ResourceQuota: upstream's pkg/registry/core/resourcequota. The status (hard, used) is written only through
 * the status subresource (the resourcequota controller, the ResourceQuota admission plugin's charge); a create starts
 * with an empty status.
 */
import type { Relaxed, ResourceQuota } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import {
  defaultResourceQuota, prepareResourceQuotaForCreate, resourceQuotaCells, resourceQuotaColumns, validateResourceQuota,
  validateResourceQuotaStatusUpdate, validateResourceQuotaUpdate,
} from '../../strategies/quota.js';

export const resourceQuotas = defineKind<Relaxed<ResourceQuota>>({
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  plural: 'resourcequotas',
  namespaced: true,
  shortNames: ['quota'],
  subresources: ['status'],
  schema: 'io.k8s.api.core.v1.ResourceQuota',
  protobufMessage: 'k8s.io.api.core.v1.ResourceQuota',
  strategy: {
    applyDefaults: defaultResourceQuota,
    prepareForCreate: prepareResourceQuotaForCreate,
    validate: validateResourceQuota,
    validateUpdate: validateResourceQuotaUpdate,
    validateStatusUpdate: validateResourceQuotaStatusUpdate,
  },
  table: { columns: resourceQuotaColumns, cells: resourceQuotaCells },
});
