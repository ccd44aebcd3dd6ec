/**
 * The object shapes the controllers read: views of the API types of api/types (the one source of
 * truth). `Relaxed` keeps every field's type and makes optional what a table test or a half-built
 * object may leave out (all but the identifying fields).
 */
import type * as api from '../../../api/types/index.js';
import type { Relaxed } from '../../../api/types/index.js';

export type OwnerReference = api.OwnerReference;
export type ObjectMeta = Relaxed<api.ObjectMeta>;
export type LabelSelector = Relaxed<api.LabelSelector>;
export type LabelSelectorRequirement = Relaxed<api.LabelSelectorRequirement>;
export type Toleration = Relaxed<api.Toleration>;
export type Taint = Relaxed<api.Taint>;
export type ContainerPort = Relaxed<api.ContainerPort>;
export type Container = Relaxed<api.Container>;
export type PodSpec = Relaxed<api.PodSpec>;
export type PodCondition = Relaxed<api.PodCondition>;
export type ContainerStatus = Relaxed<api.ContainerStatus>;
export type PodStatus = Relaxed<api.PodStatus>;
export type PodTemplateSpec = Relaxed<api.PodTemplateSpec>;
export type ReplicaSetStatus = Relaxed<api.ReplicaSetStatus>;
export type DeploymentStatus = Relaxed<api.DeploymentStatus>;
export type IntOrPercentRollingUpdate = Relaxed<api.RollingUpdateDeployment>;
export type ServicePort = Relaxed<api.ServicePort>;
export type EndpointAddress = Relaxed<api.EndpointAddress>;
export type EndpointPort = Relaxed<api.EndpointPort>;
export type EndpointSlicePort = Relaxed<api.EndpointSlicePort>;
export type EndpointSubset = Relaxed<api.EndpointSubset>;
export type SliceEndpoint = Relaxed<api.Endpoint>;
export type NodeCondition = Relaxed<api.NodeCondition>;

/** Any object the controllers key, own or label. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** A condition of any kind the controllers set (they agree on type, status, reason, message, lastTransitionTime). */
export type Condition = Relaxed<api.DeploymentCondition | api.ReplicaSetCondition | api.NodeCondition | api.PodCondition | api.NamespaceCondition>;

export type Pod = Relaxed<api.Pod>;
export type ReplicaSet = Relaxed<api.ReplicaSet>;
export type ReplicationController = Relaxed<api.ReplicationController>;
export type Deployment = Relaxed<api.Deployment>;
export type ControllerRevision = Relaxed<api.ControllerRevision>;
export type DaemonSet = Relaxed<api.DaemonSet>;
export type DaemonSetStatus = Relaxed<api.DaemonSetStatus>;
export type Job = Relaxed<api.Job>;
export type CronJob = Relaxed<api.CronJob>;
export type CronJobStatus = Relaxed<api.CronJobStatus>;
export type ObjectReference = Relaxed<api.ObjectReference>;
export type JobStatus = Relaxed<api.JobStatus>;
export type JobCondition = Relaxed<api.JobCondition>;
export type Service = Relaxed<api.Service>;
export type Endpoints = Relaxed<api.Endpoints>;
export type EndpointSlice = Relaxed<api.EndpointSlice>;
export type Node = Relaxed<api.Node>;
export type Lease = Relaxed<api.Lease>;
export type Namespace = Relaxed<api.Namespace>;
export type ConfigMap = Relaxed<api.ConfigMap>;
export type Secret = Relaxed<api.Secret>;
export type ServiceAccount = Relaxed<api.ServiceAccount>;
export type ResourceQuota = Relaxed<api.ResourceQuota>;
export type ClusterRole = Relaxed<api.ClusterRole>;
export type StatefulSet = Relaxed<api.StatefulSet>;
export type StatefulSetStatus = Relaxed<api.StatefulSetStatus>;
export type PersistentVolumeClaim = Relaxed<api.PersistentVolumeClaim>;
