/** rbac.authorization.k8s.io/v1 Role: upstream's pkg/registry/rbac/role (strategy) and printer. */
import type { Relaxed, Role } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { validateRole, validateRoleUpdate } from '../../strategies/rbac.js';
import { roleCells, roleColumns } from '../../strategies/printers.js';

export const roles = defineKind<Relaxed<Role>>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'Role',
  plural: 'roles',
  namespaced: true,
  schema: 'io.k8s.api.rbac.v1.Role',
  protobufMessage: 'k8s.io.api.rbac.v1.Role',
  rbacEscalationCheck: 'rules',
  strategy: { validate: validateRole, validateUpdate: validateRoleUpdate },
  table: { columns: roleColumns, cells: roleCells },
});
