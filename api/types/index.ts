/**
 * kubelab's API types: TypeBox schemas (the one source of truth for validation, patch metadata and
 * OpenAPI) and the TypeScript types derived from them.
 *
 *   import type { Pod, Container } from '../api/types/index.js';
 *   import { PodSchema, schemaFor } from '../api/types/index.js';
 */
export * from './base.js';
export * from './reviews.js';
export * from './meta.js';
export * from './core.js';
export * from './quota.js';
export * from './apps.js';
export * from './statefulset.js';
export * from './batch.js';
export * from './groups.js';
export * from './policy.js';
export * from './autoscaling.js';
export * from './storage.js';
export * from './apidiscovery.js';
export * from './apiextensions.js';
export * from './scheduling.js';
export * from './networking.js';
export * from './rbac.js';
export * from './certificates.js';
export * from './apiregistration.js';
export * from './tokenrequest.js';
export * from './views.js';
export {
  allKinds, type KindEntry, schemaFor, definitionName, definition, kindEntry, apiVersionString, splitApiVersion,
} from './registry.js';

import type { KubeList } from './meta.js';
import type { Pod, Node, Service, Endpoints, Namespace, ConfigMap, Secret, Event, ServiceAccount } from './core.js';
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet } from './apps.js';
import type { Job, CronJob } from './batch.js';
import type { Lease, EndpointSlice, EventsV1Event } from './groups.js';
import type { PriorityClass } from './scheduling.js';
import type { PodDisruptionBudget } from './policy.js';
import type { NetworkPolicy, Ingress, IngressClass } from './networking.js';
import type { Role, ClusterRole, RoleBinding, ClusterRoleBinding } from './rbac.js';

export type PodList = KubeList<Pod>;
export type NodeList = KubeList<Node>;
export type ServiceList = KubeList<Service>;
export type EndpointsList = KubeList<Endpoints>;
export type NamespaceList = KubeList<Namespace>;
export type ConfigMapList = KubeList<ConfigMap>;
export type SecretList = KubeList<Secret>;
export type EventList = KubeList<Event>;
export type ServiceAccountList = KubeList<ServiceAccount>;
export type DeploymentList = KubeList<Deployment>;
export type ReplicaSetList = KubeList<ReplicaSet>;
export type ControllerRevisionList = KubeList<ControllerRevision>;
export type DaemonSetList = KubeList<DaemonSet>;
export type LeaseList = KubeList<Lease>;
export type EndpointSliceList = KubeList<EndpointSlice>;
export type EventsV1EventList = KubeList<EventsV1Event>;
export type PriorityClassList = KubeList<PriorityClass>;
export type PodDisruptionBudgetList = KubeList<PodDisruptionBudget>;
export type NetworkPolicyList = KubeList<NetworkPolicy>;
export type IngressList = KubeList<Ingress>;
export type IngressClassList = KubeList<IngressClass>;
export type JobList = KubeList<Job>;
export type CronJobList = KubeList<CronJob>;
export type RoleList = KubeList<Role>;
export type ClusterRoleList = KubeList<ClusterRole>;
export type RoleBindingList = KubeList<RoleBinding>;
export type ClusterRoleBindingList = KubeList<ClusterRoleBinding>;
