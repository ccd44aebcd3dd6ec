/**
 * Per-resource strategies, as upstream's pkg/registry/<group>/<resource>/strategy.go: defaulting,
 * create/update preparation, validation, field-selector attributes and table printing.
 * The API server's generic store calls these; nothing here does I/O.
 */
import type { ResourceInfo } from '../resources.js';
import type { StatusCause } from '../errors.js';
import * as D from './defaults.js';
import * as P from './printers.js';
import type { TableColumn } from './table-column.js';
import {
  validateDeployment,
  validateDeploymentStatusUpdate,
  validateDeploymentUpdate,
  validateReplicaSet,
  validateReplicaSetStatusUpdate,
  validateReplicaSetUpdate,
} from './apps.js';
import {
  mergeStringData,
  validateConfigMap,
  validateConfigMapUpdate,
  validateCoreEvent,
  validateCoreEventUpdate,
  validateEventsV1,
  validateEventsV1Update,
  validateLease,
  validateLeaseUpdate,
  validateNamespace,
  validateNamespaceStatusUpdate,
  validateNamespaceUpdate,
  validateNode,
  validateNodeStatusUpdate,
  validateNodeUpdate,
  validateSecret,
  validateSecretUpdate,
  validateServiceAccount,
  validateServiceAccountUpdate,
} from './core.js';
import { podQOSClass, validatePod, validatePodStatusUpdate, validatePodUpdate } from './pod.js';
import {
  prepareServiceCreate,
  prepareServiceUpdate,
  validateEndpointSlice,
  validateEndpointSliceUpdate,
  validateEndpoints,
  validateEndpointsUpdate,
  validateService,
  validateServiceStatusUpdate,
  validateServiceUpdate,
} from './service.js';
import { clone } from '../values.js';
import { semanticEqual, validateObjectMeta, validateObjectMetaUpdate, nameIsDNSSubdomain } from './validation.js';

export type { TableColumn } from './table-column.js';

export interface ResourceStrategy {
  info: ResourceInfo;
  /** Whether the resource has a status stanza split from spec: main-resource updates keep the old status, status updates keep everything but status. */
  hasStatusSubresource: boolean;
  /** Upstream's defaulters, in place. */
  applyDefaults(obj: any): void;
  /** Create-time preparation (e.g. pod status.phase=Pending, qosClass; clearing status on create where upstream does). */
  prepareForCreate(obj: any): void;
  /** Update-time preparation with the old object (e.g. keep old status). */
  prepareForUpdate(obj: any, old: any): void;
  /**
   * Status-subresource update preparation: everything but status (and the metadata a status
   * writer may touch) comes from the old object. Not in the brief's interface; call it for
   * `PUT/PATCH .../status`.
   */
  prepareForStatusUpdate(obj: any, old: any): void;
  /** Validation on create. */
  validate(obj: any): StatusCause[];
  /** Validation on update, including immutable fields. */
  validateUpdate(obj: any, old: any): StatusCause[];
  /** Status-subresource update validation. */
  validateStatusUpdate(obj: any, old: any): StatusCause[];
  /** Field selector getters (metadata.name / metadata.namespace included), as upstream's GetAttrs. */
  fieldSelectors: Record<string, (obj: any) => string>;
  /** meta.k8s.io/v1 Table columns (priority 1 = shown with -o wide). */
  tableColumns: TableColumn[];
  /** One row's cells, wide columns included (the apiserver always prints wide). */
  tableCells(obj: any, now: Date): unknown[];
}

type Spec = Partial<Omit<ResourceStrategy, 'info'>>;

const metaSelectors = (namespaced: boolean): Record<string, (o: any) => string> => {
  const s: Record<string, (o: any) => string> = { 'metadata.name': (o) => o?.metadata?.name ?? '' };
  if (namespaced) s['metadata.namespace'] = (o) => o?.metadata?.namespace ?? '';
  return s;
};

const noop = (): void => {};

/** Keep the old status (main-resource update of a resource with a status subresource). */
function keepOldStatus(obj: any, old: any): void {
  if (old?.status === undefined) delete obj.status;
  else obj.status = clone(old.status);
}

/** Status update: everything but status comes from the old object (metadata: labels/annotations may change). */
function keepAllButStatus(obj: any, old: any): void {
  const status = obj.status;
  const labels = obj?.metadata?.labels;
  const annotations = obj?.metadata?.annotations;
  const rv = obj?.metadata?.resourceVersion;
  for (const k of Object.keys(obj)) if (k !== 'status' && k !== 'apiVersion' && k !== 'kind') delete obj[k];
  for (const [k, v] of Object.entries(old ?? {})) if (k !== 'status' && k !== 'apiVersion' && k !== 'kind') obj[k] = clone(v);
  obj.metadata ??= {};
  if (labels !== undefined) obj.metadata.labels = labels;
  if (annotations !== undefined) obj.metadata.annotations = annotations;
  if (rv !== undefined) obj.metadata.resourceVersion = rv;
  obj.status = status;
}

function bumpGenerationOnSpecChange(obj: any, old: any, alsoAnnotations = false): void {
  obj.metadata ??= {};
  const oldGen = old?.metadata?.generation ?? 1;
  const changed =
    !semanticEqual(obj.spec, old?.spec) || (alsoAnnotations && !semanticEqual(obj.metadata.annotations, old?.metadata?.annotations));
  obj.metadata.generation = changed ? oldGen + 1 : oldGen;
}

function make(info: ResourceInfo, spec: Spec, nameValidate?: (o: any) => StatusCause[]): ResourceStrategy {
  const hasStatus = spec.hasStatusSubresource ?? false;
  const defaultValidate = nameValidate ?? ((o: any) => validateObjectMeta(o?.metadata, info.namespaced, nameIsDNSSubdomain));
  return {
    info,
    hasStatusSubresource: hasStatus,
    applyDefaults: spec.applyDefaults ?? noop,
    prepareForCreate: spec.prepareForCreate ?? (hasStatus ? (o: any) => void (o.status = {}) : noop),
    prepareForUpdate: spec.prepareForUpdate ?? (hasStatus ? keepOldStatus : noop),
    prepareForStatusUpdate: spec.prepareForStatusUpdate ?? keepAllButStatus,
    validate: spec.validate ?? defaultValidate,
    validateUpdate: spec.validateUpdate ?? ((o: any, old: any) => validateObjectMetaUpdate(o?.metadata, old?.metadata)),
    validateStatusUpdate: spec.validateStatusUpdate ?? ((o: any, old: any) => validateObjectMetaUpdate(o?.metadata, old?.metadata)),
    fieldSelectors: { ...metaSelectors(info.namespaced), ...(spec.fieldSelectors ?? {}) },
    tableColumns: spec.tableColumns ?? [
      {
        name: 'Name',
        type: 'string',
        format: 'name',
        description: 'Name must be unique within a namespace.',
        priority: 0,
      },
      { name: 'Created At', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
    ],
    tableCells: spec.tableCells ?? ((o: any) => [o?.metadata?.name ?? '', o?.metadata?.creationTimestamp ?? '']),
  };
}

// ---------------------------------------------------------------------------------------------
// The strategies
// ---------------------------------------------------------------------------------------------

function podStrategy(info: ResourceInfo): ResourceStrategy {
  return make(info, {
    hasStatusSubresource: true,
    applyDefaults: D.defaultPod,
    prepareForCreate(pod) {
      D.admitPod(pod);
      const spec = (pod.spec ??= {});
      if (typeof spec.terminationGracePeriodSeconds === 'number' && spec.terminationGracePeriodSeconds < 0) {
        spec.terminationGracePeriodSeconds = 1;
      }
      pod.status = { phase: 'Pending', qosClass: podQOSClass(spec) };
    },
    prepareForUpdate(pod, old) {
      keepOldStatus(pod, old);
      const spec = pod.spec ?? {};
      const oldGrace = old?.spec?.terminationGracePeriodSeconds;
      if (typeof spec.terminationGracePeriodSeconds === 'number' && spec.terminationGracePeriodSeconds < 0 && !(typeof oldGrace === 'number' && oldGrace < 0)) {
        spec.terminationGracePeriodSeconds = 1;
      }
    },
    prepareForStatusUpdate(pod, old) {
      keepAllButStatus(pod, old);
      D.defaultPodStatusIPs(pod.status);
    },
    validate: validatePod,
    validateUpdate: validatePodUpdate,
    validateStatusUpdate: validatePodStatusUpdate,
    fieldSelectors: {
      'spec.nodeName': (p) => p?.spec?.nodeName ?? '',
      'spec.restartPolicy': (p) => p?.spec?.restartPolicy ?? '',
      'spec.schedulerName': (p) => p?.spec?.schedulerName ?? '',
      'spec.serviceAccountName': (p) => p?.spec?.serviceAccountName ?? '',
      'spec.hostNetwork': (p) => String(p?.spec?.hostNetwork === true),
      'status.phase': (p) => p?.status?.phase ?? '',
      'status.podIP': (p) => (p?.status?.podIPs ?? [])[0]?.ip ?? p?.status?.podIP ?? '',
      'status.nominatedNodeName': (p) => p?.status?.nominatedNodeName ?? '',
    },
    tableColumns: P.podColumns,
    tableCells: P.podCells,
  });
}

function serviceStrategy(info: ResourceInfo): ResourceStrategy {
  return make(info, {
    hasStatusSubresource: true,
    applyDefaults: D.defaultService,
    prepareForCreate: prepareServiceCreate,
    prepareForUpdate: prepareServiceUpdate,
    validate: validateService,
    validateUpdate: validateServiceUpdate,
    validateStatusUpdate: validateServiceStatusUpdate,
    fieldSelectors: {
      'spec.clusterIP': (s) => s?.spec?.clusterIP ?? '',
      'spec.type': (s) => s?.spec?.type ?? '',
    },
    tableColumns: P.serviceColumns,
    tableCells: P.serviceCells,
  });
}

function deploymentStrategy(info: ResourceInfo): ResourceStrategy {
  return make(info, {
    hasStatusSubresource: true,
    applyDefaults: D.defaultDeployment,
    prepareForCreate(d) {
      d.status = {};
      (d.metadata ??= {}).generation = 1;
    },
    prepareForUpdate(d, old) {
      keepOldStatus(d, old);
      bumpGenerationOnSpecChange(d, old, true);
    },
    validate: validateDeployment,
    validateUpdate: validateDeploymentUpdate,
    validateStatusUpdate: validateDeploymentStatusUpdate,
    tableColumns: P.deploymentColumns,
    tableCells: P.deploymentCells,
  });
}

function replicaSetStrategy(info: ResourceInfo): ResourceStrategy {
  return make(info, {
    hasStatusSubresource: true,
    applyDefaults: D.defaultReplicaSet,
    prepareForCreate(rs) {
      rs.status = {};
      (rs.metadata ??= {}).generation = 1;
    },
    prepareForUpdate(rs, old) {
      keepOldStatus(rs, old);
      bumpGenerationOnSpecChange(rs, old);
    },
    validate: validateReplicaSet,
    validateUpdate: validateReplicaSetUpdate,
    validateStatusUpdate: validateReplicaSetStatusUpdate,
    fieldSelectors: { 'status.replicas': (rs) => String(rs?.status?.replicas ?? 0) },
    tableColumns: P.replicaSetColumns,
    tableCells: P.replicaSetCells,
  });
}

function namespaceStrategy(info: ResourceInfo): ResourceStrategy {
  return make(info, {
    hasStatusSubresource: true,
    applyDefaults: D.defaultNamespace,
    prepareForCreate(ns) {
      ns.status = { phase: 'Active' };
      const spec = (ns.spec ??= {});
      const f: string[] = Array.isArray(spec.finalizers) ? spec.finalizers : [];
      if (!f.includes('kubernetes')) spec.finalizers = [...f, 'kubernetes'];
    },
    prepareForUpdate(ns, old) {
      keepOldStatus(ns, old);
      ns.spec ??= {};
      if (old?.spec?.finalizers === undefined) delete ns.spec.finalizers;
      else ns.spec.finalizers = clone(old.spec.finalizers);
    },
    validate: validateNamespace,
    validateUpdate: validateNamespaceUpdate,
    validateStatusUpdate: validateNamespaceStatusUpdate,
    fieldSelectors: { 'status.phase': (ns) => ns?.status?.phase ?? '' },
    tableColumns: P.namespaceColumns,
    tableCells: P.namespaceCells,
  });
}

function nodeStrategy(info: ResourceInfo): ResourceStrategy {
  return make(info, {
    hasStatusSubresource: true,
    applyDefaults: D.defaultNode,
    // Nodes keep the status their kubelet registers with.
    prepareForCreate: noop,
    prepareForUpdate: keepOldStatus,
    validate: validateNode,
    validateUpdate: validateNodeUpdate,
    validateStatusUpdate: validateNodeStatusUpdate,
    fieldSelectors: { 'spec.unschedulable': (n) => String(n?.spec?.unschedulable === true) },
    tableColumns: P.nodeColumns,
    tableCells: P.nodeCells,
  });
}

function endpointsStrategy(info: ResourceInfo): ResourceStrategy {
  return make(info, {
    applyDefaults: D.defaultEndpoints,
    validate: validateEndpoints,
    validateUpdate: validateEndpointsUpdate,
    tableColumns: P.endpointsColumns,
    tableCells: P.endpointsCells,
  });
}

function endpointSliceStrategy(info: ResourceInfo): ResourceStrategy {
  return make(info, {
    applyDefaults: D.defaultEndpointSlice,
    prepareForCreate(es) {
      (es.metadata ??= {}).generation = 1;
    },
    prepareForUpdate(es, old) {
      const changed = !semanticEqual(es.endpoints, old?.endpoints) || !semanticEqual(es.ports, old?.ports) || es.addressType !== old?.addressType;
      (es.metadata ??= {}).generation = (old?.metadata?.generation ?? 1) + (changed ? 1 : 0);
    },
    validate: validateEndpointSlice,
    validateUpdate: validateEndpointSliceUpdate,
    tableColumns: P.endpointSliceColumns,
    tableCells: P.endpointSliceCells,
  });
}

function configMapStrategy(info: ResourceInfo): ResourceStrategy {
  return make(info, {
    validate: validateConfigMap,
    validateUpdate: validateConfigMapUpdate,
    tableColumns: P.configMapColumns,
    tableCells: P.configMapCells,
  });
}

function secretStrategy(info: ResourceInfo): ResourceStrategy {
  return make(info, {
    applyDefaults(s) {
      mergeStringData(s);
      D.defaultSecret(s);
    },
    validate: validateSecret,
    validateUpdate: validateSecretUpdate,
    fieldSelectors: { type: (s) => s?.type ?? '' },
    tableColumns: P.secretColumns,
    tableCells: P.secretCells,
  });
}

function serviceAccountStrategy(info: ResourceInfo): ResourceStrategy {
  return make(info, {
    validate: validateServiceAccount,
    validateUpdate: validateServiceAccountUpdate,
    tableColumns: P.serviceAccountColumns,
    tableCells: P.serviceAccountCells,
  });
}

const eventSelectors: Record<string, (ev: any) => string> = {
  'involvedObject.kind': (e) => P.eventView(e).involvedObject?.kind ?? '',
  'involvedObject.namespace': (e) => P.eventView(e).involvedObject?.namespace ?? '',
  'involvedObject.name': (e) => P.eventView(e).involvedObject?.name ?? '',
  'involvedObject.uid': (e) => P.eventView(e).involvedObject?.uid ?? '',
  'involvedObject.apiVersion': (e) => P.eventView(e).involvedObject?.apiVersion ?? '',
  'involvedObject.resourceVersion': (e) => P.eventView(e).involvedObject?.resourceVersion ?? '',
  'involvedObject.fieldPath': (e) => P.eventView(e).involvedObject?.fieldPath ?? '',
  reason: (e) => P.eventView(e).reason,
  reportingComponent: (e) => P.eventView(e).reportingController,
  source: (e) => P.eventView(e).source?.component ?? '',
  type: (e) => P.eventView(e).type,
};

function coreEventStrategy(info: ResourceInfo): ResourceStrategy {
  return make(info, {
    validate: validateCoreEvent,
    validateUpdate: validateCoreEventUpdate,
    fieldSelectors: eventSelectors,
    tableColumns: P.eventColumns,
    tableCells: P.eventCells,
  });
}

function eventsV1Strategy(info: ResourceInfo): ResourceStrategy {
  return make(info, {
    validate: validateEventsV1,
    validateUpdate: validateEventsV1Update,
    fieldSelectors: eventSelectors,
    tableColumns: P.eventColumns,
    tableCells: P.eventCells,
  });
}

function leaseStrategy(info: ResourceInfo): ResourceStrategy {
  return make(info, {
    validate: validateLease,
    validateUpdate: validateLeaseUpdate,
    tableColumns: P.leaseColumns,
    tableCells: P.leaseCells,
  });
}

const FACTORIES: Record<string, (info: ResourceInfo) => ResourceStrategy> = {
  '/namespaces': namespaceStrategy,
  '/pods': podStrategy,
  '/services': serviceStrategy,
  '/endpoints': endpointsStrategy,
  '/nodes': nodeStrategy,
  '/configmaps': configMapStrategy,
  '/secrets': secretStrategy,
  '/events': coreEventStrategy,
  '/serviceaccounts': serviceAccountStrategy,
  'apps/deployments': deploymentStrategy,
  'apps/replicasets': replicaSetStrategy,
  'coordination.k8s.io/leases': leaseStrategy,
  'discovery.k8s.io/endpointslices': endpointSliceStrategy,
  'events.k8s.io/events': eventsV1Strategy,
};

const cache = new Map<ResourceInfo, ResourceStrategy>();

/** The strategy of a resource (a generic one, metadata-only validation, for anything unknown). */
export function strategyFor(info: ResourceInfo): ResourceStrategy {
  let s = cache.get(info);
  if (!s) {
    const f = FACTORIES[`${info.group}/${info.plural}`];
    s = f ? f(info) : make(info, {});
    cache.set(info, s);
  }
  return s;
}
