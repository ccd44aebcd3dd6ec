/** core/v1 ServiceAccount. */
import type { Relaxed, ServiceAccount } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { validateServiceAccount, validateServiceAccountUpdate } from '../../strategies/core.js';
import { serviceAccountCells, serviceAccountColumns } from '../../strategies/printers.js';

export const serviceAccounts = defineKind<Relaxed<ServiceAccount>>({
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  namespaced: true,
  shortNames: ['sa'],
  subresources: ['token'],
  schema: 'io.k8s.api.core.v1.ServiceAccount',
  protobufMessage: 'k8s.io.api.core.v1.ServiceAccount',
  strategy: { validate: validateServiceAccount, validateUpdate: validateServiceAccountUpdate },
  table: { columns: serviceAccountColumns, cells: serviceAccountCells },
});
