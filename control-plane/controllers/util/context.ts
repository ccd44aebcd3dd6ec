/**
 * What every controller adapter gets from the controller manager: the API client, the shared
 * informers, an event recorder per component, a logger, a clock. Plus the resource table entries
 * the controllers use and small error helpers.
 */

import { KubeError, isKubeError } from '../../../api/errors.js';
import { findResource, type ResourceInfo } from '../../../api/resources.js';
import type { ApiClient } from '../../../api/client/api-client.js';
import { EventRecorder } from '../../../api/client/event-recorder.js';
import type { InformerFactory } from '../../../api/client/informer.js';
import { consoleLogger, type Logger } from '../../../api/client/log.js';

export interface ControllerContext {
  client: ApiClient;
  informers: InformerFactory;
  /** The event recorder of a component (`replicaset-controller`, ...), made once per name. */
  recorder(component: string): EventRecorder;
  logger(component: string): Logger;
  now(): number;
}

export function newControllerContext(
  client: ApiClient,
  informers: InformerFactory,
  opts: { now?: () => number; logger?: (component: string) => Logger } = {},
): ControllerContext {
  const recorders = new Map<string, EventRecorder>();
  const logger = opts.logger ?? ((c: string) => consoleLogger(c));
  return {
    client,
    informers,
    recorder(component) {
      let r = recorders.get(component);
      if (!r) recorders.set(component, (r = new EventRecorder(client, { component, logger: logger(`events/${component}`) })));
      return r;
    },
    logger,
    now: opts.now ?? Date.now,
  };
}

function res(group: string, plural: string): ResourceInfo {
  const r = findResource(group, plural);
  if (!r) throw new KubeError('InternalError', `resource ${plural}.${group} missing from api/resources.ts`);
  return r;
}

/** The resources the controllers use, looked up once. */
export const R = {
  get pods() {
    return res('', 'pods');
  },
  get nodes() {
    return res('', 'nodes');
  },
  get services() {
    return res('', 'services');
  },
  get endpoints() {
    return res('', 'endpoints');
  },
  get namespaces() {
    return res('', 'namespaces');
  },
  get serviceAccounts() {
    return res('', 'serviceaccounts');
  },
  get configMaps() {
    return res('', 'configmaps');
  },
  get secrets() {
    return res('', 'secrets');
  },
  get resourceQuotas() {
    return res('', 'resourcequotas');
  },
  get replicaSets() {
    return res('apps', 'replicasets');
  },
  get replicationControllers() {
    return res('', 'replicationcontrollers');
  },
  get daemonSets() {
    return res('apps', 'daemonsets');
  },
  get controllerRevisions() {
    return res('apps', 'controllerrevisions');
  },
  get deployments() {
    return res('apps', 'deployments');
  },
  get jobs() {
    return res('batch', 'jobs');
  },
  get cronJobs() {
    return res('batch', 'cronjobs');
  },
  get leases() {
    return res('coordination.k8s.io', 'leases');
  },
  get endpointSlices() {
    return res('discovery.k8s.io', 'endpointslices');
  },
  get horizontalPodAutoscalers() {
    return res('autoscaling', 'horizontalpodautoscalers');
  },
  get podDisruptionBudgets() {
    return res('policy', 'poddisruptionbudgets');
  },
  get persistentVolumes() {
    return res('', 'persistentvolumes');
  },
  get persistentVolumeClaims() {
    return res('', 'persistentvolumeclaims');
  },
  get statefulSets() {
    return res('apps', 'statefulsets');
  },
  get storageClasses() {
    return res('storage.k8s.io', 'storageclasses');
  },
  get customResourceDefinitions() {
    return res('apiextensions.k8s.io', 'customresourcedefinitions');
  },
  get clusterRoles() {
    return res('rbac.authorization.k8s.io', 'clusterroles');
  },
  get clusterRoleBindings() {
    return res('rbac.authorization.k8s.io', 'clusterrolebindings');
  },
  get certificateSigningRequests() {
    return res('certificates.k8s.io', 'certificatesigningrequests');
  },
};

export function isNotFound(e: unknown): boolean {
  return isKubeError(e, 'NotFound');
}

export function isAlreadyExists(e: unknown): boolean {
  return isKubeError(e, 'AlreadyExists');
}

export function isConflict(e: unknown): boolean {
  return isKubeError(e, 'Conflict');
}

/** The namespace is being deleted: creating in it fails (upstream's NamespaceTerminatingCause). */
export function isNamespaceTerminating(e: unknown): boolean {
  if (!isKubeError(e, 'Forbidden')) return false;
  const causes = (e as { details?: { causes?: { reason?: string; type?: string }[] } }).details?.causes ?? [];
  return causes.some((c) => c.reason === 'NamespaceTerminating' || c.type === 'NamespaceTerminating') || /because it is being terminated/.test(e.message);
}

/** Run `fn`, ignoring a NotFound (the object is already gone: what we wanted). */
export async function ignoreNotFound<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}
