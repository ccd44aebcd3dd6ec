/** discovery.k8s.io/v1 EndpointSlice: generation moves when endpoints, ports or addressType change; PUT creates. */
import type { EndpointSlice, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { defaultEndpointSlice } from '../../strategies/defaults.js';
import { validateEndpointSlice, validateEndpointSliceUpdate } from '../../strategies/service.js';
import { endpointSliceCells, endpointSliceColumns } from '../../strategies/printers.js';
import { semanticEqual } from '../../strategies/validation.js';

export const endpointSlices = defineKind<Relaxed<EndpointSlice>>({
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  namespaced: true,
  schema: 'io.k8s.api.discovery.v1.EndpointSlice',
  protobufMessage: 'k8s.io.api.discovery.v1.EndpointSlice',
  allowCreateOnUpdate: true,
  strategy: {
    applyDefaults: defaultEndpointSlice,
    prepareForCreate(es) {
      (es.metadata ??= {}).generation = 1;
    },
    prepareForUpdate(es, old) {
      const changed = !semanticEqual(es.endpoints, old?.endpoints) || !semanticEqual(es.ports, old?.ports) || es.addressType !== old?.addressType;
      (es.metadata ??= {}).generation = (old?.metadata?.generation ?? 1) + (changed ? 1 : 0);
    },
    validate: validateEndpointSlice,
    validateUpdate: validateEndpointSliceUpdate,
  },
  table: { columns: endpointSliceColumns, cells: endpointSliceCells },
});
