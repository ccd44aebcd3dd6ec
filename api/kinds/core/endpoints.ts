/** core/v1 Endpoints: upstream's pkg/registry/core/endpoint strategy (PUT creates) and printer. */
import type { Endpoints, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { defaultEndpoints } from '../../strategies/defaults.js';
import { validateEndpoints, validateEndpointsUpdate } from '../../strategies/service.js';
import { endpointsCells, endpointsColumns } from '../../strategies/printers.js';

export const endpoints = defineKind<Relaxed<Endpoints>>({
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  plural: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  storageName: 'services/endpoints',
  schema: 'io.k8s.api.core.v1.Endpoints',
  protobufMessage: 'k8s.io.api.core.v1.Endpoints',
  allowCreateOnUpdate: true,
  strategy: { applyDefaults: defaultEndpoints, validate: validateEndpoints, validateUpdate: validateEndpointsUpdate },
  table: { columns: endpointsColumns, cells: endpointsCells },
});
