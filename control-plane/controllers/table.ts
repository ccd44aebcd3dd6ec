/**
 * The controller manager's controllers: one row per controller, in the order they are listed and
 * built (as `cli/main.ts`'s COMMANDS is for the CLI). Each row is the descriptor in the
 * controller's own folder; the names, `--controllers`, the aliases, the flags and building all
 * derive from here (flags.ts, main.ts). Adding a controller: its folder and one row (README).
 */

import type { ControllerTable } from './descriptor.js';
import { daemonSetDescriptor } from './daemonset/descriptor.js';
import { deploymentDescriptor } from './deployment/descriptor.js';
import { disruptionDescriptor } from './disruption/descriptor.js';
import { endpointSliceDescriptor, endpointsDescriptor } from './endpoints/descriptor.js';
import { garbageCollectorDescriptor } from './garbagecollector/descriptor.js';
import { namespaceDescriptor } from './namespace/descriptor.js';
import { nodeIpamDescriptor } from './nodeipam/descriptor.js';
import { nodeLifecycleDescriptor, taintEvictionDescriptor } from './nodelifecycle/descriptor.js';
import { podGCDescriptor } from './podgc/descriptor.js';
import { replicaSetDescriptor, replicationControllerDescriptor } from './replicaset/descriptor.js';
import { statefulSetDescriptor } from './statefulset/descriptor.js';
import { resourceQuotaDescriptor } from './resourcequota/descriptor.js';
import { serviceAccountDescriptor } from './serviceaccount/descriptor.js';
import { rootCACertPublisherDescriptor } from './rootcacertpublisher/descriptor.js';
import { serviceAccountTokenDescriptor } from './serviceaccounttoken/descriptor.js';
import { jobDescriptor } from './job/descriptor.js';
import { cronJobDescriptor } from './cronjob/descriptor.js';
import { ttlAfterFinishedDescriptor } from './ttlafterfinished/descriptor.js';
import { clusterRoleAggregationDescriptor } from './clusterroleaggregation/descriptor.js';
import { csrApprovingDescriptor, csrCleanerDescriptor, csrSigningDescriptor } from './certificates/descriptor.js';
import { horizontalPodAutoscalerDescriptor } from './podautoscaler/descriptor.js';
import { persistentVolumeBinderDescriptor, pvProtectionDescriptor, pvcProtectionDescriptor } from './persistentvolume/descriptor.js';

export const CONTROLLERS = [
  replicaSetDescriptor,
  replicationControllerDescriptor,
  deploymentDescriptor,
  daemonSetDescriptor,
  endpointsDescriptor,
  endpointSliceDescriptor,
  nodeIpamDescriptor,
  nodeLifecycleDescriptor,
  taintEvictionDescriptor,
  garbageCollectorDescriptor,
  namespaceDescriptor,
  podGCDescriptor,
  serviceAccountDescriptor,
  serviceAccountTokenDescriptor,
  rootCACertPublisherDescriptor,
  resourceQuotaDescriptor,
  disruptionDescriptor,
  jobDescriptor,
  cronJobDescriptor,
  ttlAfterFinishedDescriptor,
  clusterRoleAggregationDescriptor,
  horizontalPodAutoscalerDescriptor,
  persistentVolumeBinderDescriptor,
  pvcProtectionDescriptor,
  pvProtectionDescriptor,
  csrSigningDescriptor,
  csrApprovingDescriptor,
  csrCleanerDescriptor,
  statefulSetDescriptor,
] as const satisfies ControllerTable;
