/** rbac.authorization.k8s.io/v1 RoleBinding: upstream's v1 defaults, pkg/registry/rbac/rolebinding (strategy) and printer. */
import type { Relaxed, RoleBinding } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { defaultBinding, validateRoleBinding, validateRoleBindingUpdate } from '../../strategies/rbac.js';
import { roleBindingCells, roleBindingColumns } from '../../strategies/printers.js';

export const roleBindings = defineKind<Relaxed<RoleBinding>>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'RoleBinding',
  plural: 'rolebindings',
  namespaced: true,
  schema: 'io.k8s.api.rbac.v1.RoleBinding',
  protobufMessage: 'k8s.io.api.rbac.v1.RoleBinding',
  rbacEscalationCheck: 'roleRef',
  strategy: { applyDefaults: defaultBinding, validate: validateRoleBinding, validateUpdate: validateRoleBindingUpdate },
  table: { columns: roleBindingColumns, cells: roleBindingCells },
});
