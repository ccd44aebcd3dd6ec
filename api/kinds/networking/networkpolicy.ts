/** networking.k8s.io/v1 NetworkPolicy: upstream's pkg/registry/networking/networkpolicy strategy and printer. */
import type { NetworkPolicy, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import {
  defaultNetworkPolicy,
  prepareForCreateNetworkPolicy,
  prepareForUpdateNetworkPolicy,
  validateNetworkPolicy,
  validateNetworkPolicyUpdate,
} from '../../strategies/networking.js';
import { networkPolicyCells, networkPolicyColumns } from '../../strategies/printers.js';

export const networkPolicies = defineKind<Relaxed<NetworkPolicy>>({
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
  namespaced: true,
  shortNames: ['netpol'],
  schema: 'io.k8s.api.networking.v1.NetworkPolicy',
  protobufMessage: 'k8s.io.api.networking.v1.NetworkPolicy',
  strategy: {
    applyDefaults: defaultNetworkPolicy,
    prepareForCreate: prepareForCreateNetworkPolicy,
    prepareForUpdate: prepareForUpdateNetworkPolicy,
    validate: validateNetworkPolicy,
    validateUpdate: validateNetworkPolicyUpdate,
  },
  table: { columns: networkPolicyColumns, cells: networkPolicyCells },
});
