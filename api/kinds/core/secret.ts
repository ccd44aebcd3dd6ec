/** core/v1 Secret: stringData folded into data (the v1 conversion), type defaulted, GetAttrs `type`. */
import type { Relaxed, Secret } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { defaultSecret } from '../../strategies/defaults.js';
import { mergeStringData, validateSecret, validateSecretUpdate } from '../../strategies/core.js';
import { secretCells, secretColumns } from '../../strategies/printers.js';

export const secrets = defineKind<Relaxed<Secret>>({
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  namespaced: true,
  schema: 'io.k8s.api.core.v1.Secret',
  protobufMessage: 'k8s.io.api.core.v1.Secret',
  strategy: {
    applyDefaults(s) {
      mergeStringData(s);
      defaultSecret(s);
    },
    validate: validateSecret,
    validateUpdate: validateSecretUpdate,
  },
  fieldSelectors: { type: (s) => s.type ?? '' },
  table: { columns: secretColumns, cells: secretCells },
});
