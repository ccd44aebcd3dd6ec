/**
 * apps/v1 ControllerRevision: upstream's pkg/registry/apps/controllerrevision (no status, no generation; `data`
 * immutable) and its printer (NAME CONTROLLER REVISION AGE). The DaemonSet and StatefulSet controllers keep
 * their template history in them (control-plane/controllers/history).
 */
import type { ControllerRevision, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { validateControllerRevision, validateControllerRevisionUpdate } from '../../strategies/controllerrevision.js';
import { controllerRevisionCells, controllerRevisionColumns } from '../../strategies/printers.js';

export const controllerRevisions = defineKind<Relaxed<ControllerRevision>>({
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  namespaced: true,
  schema: 'io.k8s.api.apps.v1.ControllerRevision',
  protobufMessage: 'k8s.io.api.apps.v1.ControllerRevision',
  strategy: {
    validate: validateControllerRevision,
    validateUpdate: validateControllerRevisionUpdate,
  },
  table: { columns: controllerRevisionColumns, cells: controllerRevisionCells },
});
