/** networking.k8s.io/v1 IngressClass (cluster-scoped): upstream's pkg/registry/networking/ingressclass strategy and printer. */
import type { IngressClass, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import {
  defaultIngressClass,
  prepareForCreateIngressClass,
  prepareForUpdateIngressClass,
  validateIngressClass,
  validateIngressClassUpdate,
} from '../../strategies/ingress.js';
import { ingressClassCells, ingressClassColumns } from '../../strategies/printers.js';

export const ingressClasses = defineKind<Relaxed<IngressClass>>({
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  plural: 'ingressclasses',
  namespaced: false,
  schema: 'io.k8s.api.networking.v1.IngressClass',
  protobufMessage: 'k8s.io.api.networking.v1.IngressClass',
  strategy: {
    applyDefaults: defaultIngressClass,
    prepareForCreate: prepareForCreateIngressClass,
    prepareForUpdate: prepareForUpdateIngressClass,
    validate: validateIngressClass,
    validateUpdate: validateIngressClassUpdate,
  },
  table: { columns: ingressClassColumns, cells: ingressClassCells },
});
