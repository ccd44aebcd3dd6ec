/** coordination.k8s.io/v1 Lease (leader election, node heartbeats): PUT creates, as upstream. */
import type { Lease, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { validateLease, validateLeaseUpdate } from '../../strategies/core.js';
import { leaseCells, leaseColumns } from '../../strategies/printers.js';

export const leases = defineKind<Relaxed<Lease>>({
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
  schema: 'io.k8s.api.coordination.v1.Lease',
  protobufMessage: 'k8s.io.api.coordination.v1.Lease',
  allowCreateOnUpdate: true,
  strategy: { validate: validateLease, validateUpdate: validateLeaseUpdate },
  table: { columns: leaseColumns, cells: leaseCells },
});
