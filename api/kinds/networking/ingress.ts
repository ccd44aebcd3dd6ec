/** networking.k8s.io/v1 Ingress: upstream's pkg/registry/networking/ingress strategy (and status strategy) and printer. */
import type { Ingress, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import {
  defaultIngress,
  prepareForCreateIngress,
  prepareForStatusUpdateIngress,
  prepareForUpdateIngress,
  validateIngress,
  validateIngressStatusUpdate,
  validateIngressUpdate,
} from '../../strategies/ingress.js';
import { ingressCells, ingressColumns } from '../../strategies/printers.js';

export const ingresses = defineKind<Relaxed<Ingress>>({
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  plural: 'ingresses',
  namespaced: true,
  shortNames: ['ing'],
  subresources: ['status'],
  schema: 'io.k8s.api.networking.v1.Ingress',
  protobufMessage: 'k8s.io.api.networking.v1.Ingress',
  strategy: {
    applyDefaults: defaultIngress,
    prepareForCreate: prepareForCreateIngress,
    prepareForUpdate: prepareForUpdateIngress,
    prepareForStatusUpdate: prepareForStatusUpdateIngress,
    validate: validateIngress,
    validateUpdate: validateIngressUpdate,
    validateStatusUpdate: validateIngressStatusUpdate,
  },
  table: { columns: ingressColumns, cells: ingressCells },
});
