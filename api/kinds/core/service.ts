/** core/v1 Service: upstream's pkg/registry/core/service strategy (IP and port allocation is the API server's, resource-hooks.ts). */
import type { Relaxed, Service } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { defaultService } from '../../strategies/defaults.js';
import { prepareServiceCreate, prepareServiceUpdate, validateService, validateServiceStatusUpdate, validateServiceUpdate } from '../../strategies/service.js';
import { serviceCells, serviceColumns } from '../../strategies/printers.js';

export const services = defineKind<Relaxed<Service>>({
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  subresources: ['status', 'proxy'],
  resourceProxy: 'service',
  storageName: 'services/specs',
  schema: 'io.k8s.api.core.v1.Service',
  protobufMessage: 'k8s.io.api.core.v1.Service',
  strategy: {
    applyDefaults: defaultService,
    prepareForCreate: prepareServiceCreate,
    prepareForUpdate: prepareServiceUpdate,
    validate: validateService,
    validateUpdate: validateServiceUpdate,
    validateStatusUpdate: validateServiceStatusUpdate,
  },
  fieldSelectors: {
    'spec.clusterIP': (s) => s.spec?.clusterIP ?? '',
    'spec.type': (s) => s.spec?.type ?? '',
  },
  table: { columns: serviceColumns, cells: serviceCells },
});
