/** rbac.authorization.k8s.io/v1 ClusterRoleBinding: upstream's v1 defaults, pkg/registry/rbac/clusterrolebinding (strategy) and printer. */
import type { ClusterRoleBinding, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { defaultBinding, validateClusterRoleBinding, validateClusterRoleBindingUpdate } from '../../strategies/rbac.js';
import { roleBindingCells, roleBindingColumns } from '../../strategies/printers.js';

export const clusterRoleBindings = defineKind<Relaxed<ClusterRoleBinding>>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  namespaced: false,
  schema: 'io.k8s.api.rbac.v1.ClusterRoleBinding',
  protobufMessage: 'k8s.io.api.rbac.v1.ClusterRoleBinding',
  rbacEscalationCheck: 'roleRef',
  strategy: { applyDefaults: defaultBinding, validate: validateClusterRoleBinding, validateUpdate: validateClusterRoleBindingUpdate },
  table: { columns: roleBindingColumns, cells: roleBindingCells },
});
