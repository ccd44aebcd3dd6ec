/** core/v1 Binding: the legacy `POST /api/v1/namespaces/{ns}/bindings`, create-only and never stored (it binds a pod). */
import { defineKind } from '../descriptor.js';
import { BindingSchema } from '../../types/core.js';

export const bindings = defineKind({
  group: '',
  version: 'v1',
  kind: 'Binding',
  plural: 'bindings',
  namespaced: true,
  verbs: ['create'],
  schema: BindingSchema,
  hasList: false,
  protobufMessage: 'k8s.io.api.core.v1.Binding',
  stored: false,
});
