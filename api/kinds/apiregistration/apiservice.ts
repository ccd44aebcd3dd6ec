/**
 * apiregistration.k8s.io/v1 APIService: kube-aggregator's pkg/registry/apiservice (strategy, status subresource,
 * category api-extensions) and its Table. Cluster-scoped; a name is `<version>.<group>`. The API server serves
 * the group versions a non-local APIService names through its aggregator (control-plane/apiserver/aggregator*.ts).
 */
import { defineKind } from '../descriptor.js';
import {
  defaultAPIService,
  validateAPIService,
  validateAPIServiceStatusUpdate,
  validateAPIServiceUpdate,
  type APIServiceObject,
} from '../../strategies/apiregistration.js';
import { apiServiceCells, apiServiceColumns } from '../../strategies/printers.js';

export const apiServices = defineKind<APIServiceObject>({
  group: 'apiregistration.k8s.io',
  version: 'v1',
  kind: 'APIService',
  plural: 'apiservices',
  namespaced: false,
  categories: ['api-extensions'],
  subresources: ['status'],
  schema: 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService',
  protobufMessage: 'k8s.io.kube_aggregator.pkg.apis.apiregistration.v1.APIService',
  strategy: {
    applyDefaults: defaultAPIService,
    validate: validateAPIService,
    validateUpdate: validateAPIServiceUpdate,
    validateStatusUpdate: validateAPIServiceStatusUpdate,
  },
  table: { columns: apiServiceColumns, cells: apiServiceCells },
});
