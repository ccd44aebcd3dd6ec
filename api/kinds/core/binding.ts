/** core/v1 Binding: the legacy `POST /api/v1/namespaces/{ns}/bindings`, create-only and never stored (it binds a pod). */
import { defineKind } from '../descriptor.js';

export const bindings = defineKind({
  group: '',
  version: 'v1',
  kind: 'Binding',
  plural: 'bindings',
  namespaced: true,
  verbs: ['create'],
  schema: 'io.k8s.api.core.v1.Binding',
  hasList: false,
  protobufMessage: 'k8s.io.api.core.v1.Binding',
  stored: false,
});
