/** rbac.authorization.k8s.io/v1 ClusterRole: upstream's pkg/registry/rbac/clusterrole (strategy) and printer. */
import type { ClusterRole, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { validateClusterRole, validateClusterRoleUpdate } from '../../strategies/rbac.js';
import { roleCells, roleColumns } from '../../strategies/printers.js';

export const clusterRoles = defineKind<Relaxed<ClusterRole>>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRole',
  plural: 'clusterroles',
  namespaced: false,
  schema: 'io.k8s.api.rbac.v1.ClusterRole',
  protobufMessage: 'k8s.io.api.rbac.v1.ClusterRole',
  rbacEscalationCheck: 'rules',
  strategy: { validate: validateClusterRole, validateUpdate: validateClusterRoleUpdate },
  table: { columns: roleColumns, cells: roleCells },
});
