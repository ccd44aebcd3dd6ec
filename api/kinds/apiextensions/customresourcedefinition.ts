/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition: cluster-scoped, with a status subresource, short names
 * crd/crds, category api-extensions, Table NAME / CREATED AT, stored under
 * /registry/apiextensions.k8s.io/customresourcedefinitions/ as upstream. The API server serves what each
 * CRD defines (control-plane/apiserver/crd-controller.ts).
 */
import { defineKind } from '../descriptor.js';
import {
  defaultCRD, prepareCRDForCreate, prepareCRDForDelete, prepareCRDForUpdate, validateCRD, validateCRDStatusUpdate, validateCRDUpdate, type CRD,
} from '../../apiextensions/crd-validation.js';

export const customResourceDefinitions = defineKind<CRD>({
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  subresources: ['status'],
  storageName: 'apiextensions.k8s.io/customresourcedefinitions',
  schema: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
  strategy: {
    applyDefaults: defaultCRD,
    prepareForCreate: prepareCRDForCreate,
    prepareForUpdate: prepareCRDForUpdate,
    validate: validateCRD,
    validateUpdate: validateCRDUpdate,
    validateStatusUpdate: validateCRDStatusUpdate,
    prepareForDelete: prepareCRDForDelete,
  },
});
