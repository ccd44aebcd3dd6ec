/**
 * core/v1 ComponentStatus (deprecated in v1.19+, still served): get and list only, never stored. The API server
 * computes each object when asked by probing the scheduler, the controller manager and every etcd server
 * (control-plane/apiserver/componentstatus.ts), as upstream's componentstatus REST does.
 */
import type { ComponentStatus, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { componentStatusCells, componentStatusColumns } from '../../strategies/printers.js';

export const componentStatuses = defineKind<Relaxed<ComponentStatus>>({
  group: '',
  version: 'v1',
  kind: 'ComponentStatus',
  plural: 'componentstatuses',
  namespaced: false,
  shortNames: ['cs'],
  verbs: ['get', 'list'],
  schema: 'io.k8s.api.core.v1.ComponentStatus',
  stored: false,
  deprecationWarning: 'v1 ComponentStatus is deprecated in v1.19+',
  table: { columns: componentStatusColumns, cells: componentStatusCells },
});
