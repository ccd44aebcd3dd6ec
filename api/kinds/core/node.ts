/** core/v1 Node: upstream's pkg/registry/core/node strategy, GetAttrs and printer. */
import type { Node, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { defaultNode } from '../../strategies/defaults.js';
import { validateNode, validateNodeStatusUpdate, validateNodeUpdate } from '../../strategies/core.js';
import { nodeCells, nodeColumns } from '../../strategies/printers.js';
import { keepOldStatus } from '../../strategies/strategy.js';

export const nodes = defineKind<Relaxed<Node>>({
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  namespaced: false,
  shortNames: ['no'],
  subresources: ['status', 'proxy'],
  storageName: 'minions',
  schema: 'io.k8s.api.core.v1.Node',
  protobufMessage: 'k8s.io.api.core.v1.Node',
  kubeletProxyTarget: 'node',
  strategy: {
    applyDefaults: defaultNode,
    // Nodes keep the status their kubelet registers with.
    prepareForCreate: () => {},
    prepareForUpdate: keepOldStatus,
    validate: validateNode,
    validateUpdate: validateNodeUpdate,
    validateStatusUpdate: validateNodeStatusUpdate,
  },
  fieldSelectors: { 'spec.unschedulable': (n) => String(n.spec?.unschedulable === true) },
  table: { columns: nodeColumns, cells: nodeCells },
});
