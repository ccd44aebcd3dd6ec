/** core/v1 Namespace: upstream's pkg/registry/core/namespace strategy (the `kubernetes` finalizer), GetAttrs, printer. */
import type { Namespace, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { defaultNamespace } from '../../strategies/defaults.js';
import { validateNamespace, validateNamespaceStatusUpdate, validateNamespaceUpdate } from '../../strategies/core.js';
import { namespaceCells, namespaceColumns } from '../../strategies/printers.js';
import { keepOldStatus } from '../../strategies/strategy.js';
import { clone } from '../../values.js';

export const namespaces = defineKind<Relaxed<Namespace>>({
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  namespaced: false,
  shortNames: ['ns'],
  subresources: ['status', 'finalize'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  schema: 'io.k8s.api.core.v1.Namespace',
  protobufMessage: 'k8s.io.api.core.v1.Namespace',
  returnDeletedObject: true,
  strategy: {
    applyDefaults: defaultNamespace,
    prepareForCreate(ns) {
      ns.status = { phase: 'Active' };
      const spec = (ns.spec ??= {});
      const f = Array.isArray(spec.finalizers) ? spec.finalizers : [];
      if (!f.includes('kubernetes')) spec.finalizers = [...f, 'kubernetes'];
    },
    prepareForUpdate(ns, old) {
      keepOldStatus(ns, old);
      // spec.finalizers changes only through the finalize subresource.
      const spec = (ns.spec ??= {});
      if (old?.spec?.finalizers === undefined) delete spec.finalizers;
      else spec.finalizers = clone(old.spec.finalizers);
    },
    validate: validateNamespace,
    validateUpdate: validateNamespaceUpdate,
    validateStatusUpdate: validateNamespaceStatusUpdate,
  },
  fieldSelectors: { 'status.phase': (ns) => ns.status?.phase ?? '' },
  table: { columns: namespaceColumns, cells: namespaceCells },
});
