/** apps/v1 Deployment, ReplicaSet, ControllerRevision and DaemonSet, autoscaling/v1 Scale, policy/v1 Eviction. */
import { Type, type Static } from '@sinclair/typebox';
import { def, S, E, I32, I64, B, Arr, F, RF, RS, IntOrString, Time, Loose, mergeBy, X_PATCH_STRATEGY } from './base.js';
import { typeMetaProps, objectMetaField, LabelSelectorSchema, DeleteOptionsSchema } from './meta.js';
import { PodTemplateSpecSchema } from './core.js';

const APPS = 'io.k8s.api.apps.v1.';

// ---------------------------------------------------------------- Deployment

export const RollingUpdateDeploymentSchema = def(APPS + 'RollingUpdateDeployment', 'Spec to control the desired behavior of rolling update.', {
  maxUnavailable: F(IntOrString, 'The maximum number of pods that can be unavailable during the update: an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%.'),
  maxSurge: F(IntOrString, 'The maximum number of pods that can be scheduled above the desired number of pods: an absolute number (ex: 5) or a percentage (ex: 10%). Defaults to 25%.'),
});
export type RollingUpdateDeployment = Static<typeof RollingUpdateDeploymentSchema>;

export const DeploymentStrategySchema = def(APPS + 'DeploymentStrategy', 'Describes how to replace existing pods with new ones.', {
  type: E('Type of deployment: "Recreate" or "RollingUpdate". Default is RollingUpdate.', ['Recreate', 'RollingUpdate']),
  rollingUpdate: F(RollingUpdateDeploymentSchema, 'Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate.'),
});
export type DeploymentStrategy = Static<typeof DeploymentStrategySchema>;

export const DeploymentSpecSchema = def(APPS + 'DeploymentSpec', 'The specification of the desired behavior of the Deployment.', {
  replicas: I32('Number of desired pods. Defaults to 1.'),
  selector: RF(LabelSelectorSchema, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels."),
  template: RF(PodTemplateSpecSchema, 'Template describes the pods that will be created. The only allowed template.spec.restartPolicy value is "Always".'),
  strategy: F(DeploymentStrategySchema, 'The deployment strategy to use to replace existing pods with new ones.', { [X_PATCH_STRATEGY]: 'retainKeys' }),
  minReadySeconds: I32('Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0.'),
  revisionHistoryLimit: I32('The number of old ReplicaSets to retain to allow rollback. Defaults to 10.'),
  paused: B('Indicates that the deployment is paused.'),
  progressDeadlineSeconds: I32('The maximum time in seconds for a deployment to make progress before it is considered to be failed. Defaults to 600s.'),
});
export type DeploymentSpec = Static<typeof DeploymentSpecSchema>;

export const DeploymentConditionSchema = def(APPS + 'DeploymentCondition', 'Describes the state of a deployment at a certain point.', {
  type: RS('Type of deployment condition: Available, Progressing, ReplicaFailure.'),
  status: RS('Status of the condition, one of True, False, Unknown.'),
  lastUpdateTime: F(Time, 'The last time this condition was updated.'),
  lastTransitionTime: F(Time, 'Last time the condition transitioned from one status to another.'),
  reason: S("The reason for the condition's last transition."),
  message: S('A human readable message indicating details about the transition.'),
});
export type DeploymentCondition = Static<typeof DeploymentConditionSchema>;

export const DeploymentStatusSchema = def(APPS + 'DeploymentStatus', 'The most recently observed status of the Deployment.', {
  observedGeneration: I64('The generation observed by the deployment controller.'),
  replicas: I32('Total number of non-terminating pods targeted by this deployment (their labels match the selector).'),
  updatedReplicas: I32('Total number of non-terminating pods targeted by this deployment that have the desired template spec.'),
  readyReplicas: I32('Total number of non-terminating pods targeted by this Deployment with a Ready Condition.'),
  availableReplicas: I32('Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.'),
  unavailableReplicas: I32('Total number of unavailable pods targeted by this deployment.'),
  terminatingReplicas: I32('Total number of terminating pods targeted by this deployment.'),
  conditions: Arr(DeploymentConditionSchema, "Represents the latest available observations of a deployment's current state.", mergeBy('type')),
  collisionCount: I32('Count of hash collisions for the Deployment, used as a collision avoidance mechanism when it needs to create the name for the newest ReplicaSet.'),
});
export type DeploymentStatus = Static<typeof DeploymentStatusSchema>;

export const DeploymentSchema = def(APPS + 'Deployment', 'Deployment enables declarative updates for Pods and ReplicaSets.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(DeploymentSpecSchema, 'Specification of the desired behavior of the Deployment.'),
  status: F(DeploymentStatusSchema, 'Most recently observed status of the Deployment.'),
});
export type Deployment = Static<typeof DeploymentSchema>;

// ---------------------------------------------------------------- ReplicaSet

export const ReplicaSetSpecSchema = def(APPS + 'ReplicaSetSpec', 'The specification of a ReplicaSet.', {
  replicas: I32('Replicas is the number of desired pods. Defaults to 1.'),
  minReadySeconds: I32('Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0.'),
  selector: RF(LabelSelectorSchema, 'Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set.'),
  template: F(PodTemplateSpecSchema, 'Template is the object that describes the pod that will be created if insufficient replicas are detected.'),
});
export type ReplicaSetSpec = Static<typeof ReplicaSetSpecSchema>;

export const ReplicaSetConditionSchema = def(APPS + 'ReplicaSetCondition', 'Describes the state of a replica set at a certain point.', {
  type: RS('Type of replica set condition: ReplicaFailure.'),
  status: RS('Status of the condition, one of True, False, Unknown.'),
  lastTransitionTime: F(Time, 'The last time the condition transitioned from one status to another.'),
  reason: S("The reason for the condition's last transition."),
  message: S('A human readable message indicating details about the transition.'),
});
export type ReplicaSetCondition = Static<typeof ReplicaSetConditionSchema>;

export const ReplicaSetStatusSchema = def(APPS + 'ReplicaSetStatus', 'The current status of a ReplicaSet.', {
  replicas: I32('Replicas is the most recently observed number of non-terminating pods.'),
  fullyLabeledReplicas: I32('The number of non-terminating pods that have labels matching the labels of the pod template of the replicaset.'),
  readyReplicas: I32('The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.'),
  availableReplicas: I32('The number of available non-terminating pods (ready for at least minReadySeconds) for this replica set.'),
  terminatingReplicas: I32('The number of terminating pods for this replica set.'),
  observedGeneration: I64('ObservedGeneration reflects the generation of the most recently observed ReplicaSet.'),
  conditions: Arr(ReplicaSetConditionSchema, "Represents the latest available observations of a replica set's current state.", mergeBy('type')),
});
export type ReplicaSetStatus = Static<typeof ReplicaSetStatusSchema>;

export const ReplicaSetSchema = def(APPS + 'ReplicaSet', 'ReplicaSet ensures that a specified number of pod replicas are running at any given time.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(ReplicaSetSpecSchema, 'Spec defines the specification of the desired behavior of the ReplicaSet.'),
  status: F(ReplicaSetStatusSchema, 'Status is the most recently observed status of the ReplicaSet. Populated by the system. Read-only.'),
});
export type ReplicaSet = Static<typeof ReplicaSetSchema>;

// ---------------------------------------------------------------- ControllerRevision

export const ControllerRevisionSchema = def(
  APPS + 'ControllerRevision',
  'ControllerRevision implements an immutable snapshot of state data. Clients are responsible for serializing and deserializing the objects that contain their internal state. Once a ControllerRevision has been successfully created, it can not be updated. The API Server will fail validation of all requests that attempt to mutate the Data field. ControllerRevisions may, however, be deleted. Note that, due to its use by both the DaemonSet and StatefulSet controllers for update and rollback, this object is beta. However, it may be subject to name and representation changes in future releases, and clients should not depend on its stability. It is primarily for internal use by controllers.',
  {
    ...typeMetaProps,
    metadata: objectMetaField,
    data: Type.Optional(Loose('Data is the serialized representation of the state.')),
    revision: Type.Integer({ format: 'int64', description: 'Revision indicates the revision of the state represented by Data.' }),
  },
);
export type ControllerRevision = Static<typeof ControllerRevisionSchema>;

// ---------------------------------------------------------------- DaemonSet

export const RollingUpdateDaemonSetSchema = def(APPS + 'RollingUpdateDaemonSet', 'Spec to control the desired behavior of daemon set rolling update.', {
  maxUnavailable: F(IntOrString, 'The maximum number of DaemonSet pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of total number of DaemonSet pods at the start of the update (ex: 10%). Absolute number is calculated from percentage by rounding up. This cannot be 0 if MaxSurge is 0 Default value is 1.'),
  maxSurge: F(IntOrString, 'The maximum number of nodes with an existing available DaemonSet pod that can have an updated DaemonSet pod during during an update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). This can not be 0 if MaxUnavailable is 0. Absolute number is calculated from percentage by rounding up to a minimum of 1. Default value is 0.'),
});
export type RollingUpdateDaemonSet = Static<typeof RollingUpdateDaemonSetSchema>;

export const DaemonSetUpdateStrategySchema = def(APPS + 'DaemonSetUpdateStrategy', 'DaemonSetUpdateStrategy is a struct used to control the update strategy for a DaemonSet.', {
  type: E('Type of daemon set update. Can be "RollingUpdate" or "OnDelete". Default is RollingUpdate.', ['OnDelete', 'RollingUpdate']),
  rollingUpdate: F(RollingUpdateDaemonSetSchema, 'Rolling update config params. Present only if type = "RollingUpdate".'),
});
export type DaemonSetUpdateStrategy = Static<typeof DaemonSetUpdateStrategySchema>;

export const DaemonSetSpecSchema = def(APPS + 'DaemonSetSpec', 'DaemonSetSpec is the specification of a daemon set.', {
  selector: RF(LabelSelectorSchema, "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels."),
  template: RF(PodTemplateSpecSchema, "An object that describes the pod that will be created. The DaemonSet will create exactly one copy of this pod on every node that matches the template's node selector (or on every node if no node selector is specified). The only allowed template.spec.restartPolicy value is \"Always\"."),
  updateStrategy: F(DaemonSetUpdateStrategySchema, 'An update strategy to replace existing DaemonSet pods with new pods.'),
  minReadySeconds: I32('The minimum number of seconds for which a newly created DaemonSet pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0 (pod will be considered available as soon as it is ready).'),
  revisionHistoryLimit: I32('The number of old history to retain to allow rollback. This is a pointer to distinguish between explicit zero and not specified. Defaults to 10.'),
});
export type DaemonSetSpec = Static<typeof DaemonSetSpecSchema>;

export const DaemonSetConditionSchema = def(APPS + 'DaemonSetCondition', 'DaemonSetCondition describes the state of a DaemonSet at a certain point.', {
  type: RS('Type of DaemonSet condition.'),
  status: RS('Status of the condition, one of True, False, Unknown.'),
  lastTransitionTime: F(Time, 'Last time the condition transitioned from one status to another.'),
  reason: S("The reason for the condition's last transition."),
  message: S('A human readable message indicating details about the transition.'),
});
export type DaemonSetCondition = Static<typeof DaemonSetConditionSchema>;

export const DaemonSetStatusSchema = def(APPS + 'DaemonSetStatus', 'DaemonSetStatus represents the current status of a daemon set.', {
  currentNumberScheduled: Type.Integer({ format: 'int32', description: 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.' }),
  numberMisscheduled: Type.Integer({ format: 'int32', description: 'The number of nodes that are running the daemon pod, but are not supposed to run the daemon pod.' }),
  desiredNumberScheduled: Type.Integer({ format: 'int32', description: 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).' }),
  numberReady: Type.Integer({ format: 'int32', description: 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.' }),
  observedGeneration: I64('The most recent generation observed by the daemon set controller.'),
  updatedNumberScheduled: I32('The total number of nodes that are running updated daemon pod'),
  numberAvailable: I32('The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
  numberUnavailable: I32('The number of nodes that should be running the daemon pod and have none of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
  collisionCount: I32('Count of hash collisions for the DaemonSet. The DaemonSet controller uses this field as a collision avoidance mechanism when it needs to create the name for the newest ControllerRevision.'),
  conditions: Arr(DaemonSetConditionSchema, "Represents the latest available observations of a DaemonSet's current state.", mergeBy('type')),
});
export type DaemonSetStatus = Static<typeof DaemonSetStatusSchema>;

export const DaemonSetSchema = def(APPS + 'DaemonSet', 'DaemonSet represents the configuration of a daemon set.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(DaemonSetSpecSchema, 'The desired behavior of this daemon set.'),
  status: F(DaemonSetStatusSchema, 'The current status of this daemon set. This data may be out of date by some window of time. Populated by the system. Read-only.'),
});
export type DaemonSet = Static<typeof DaemonSetSchema>;

// ---------------------------------------------------------------- autoscaling/v1 Scale

const AUTOSCALING = 'io.k8s.api.autoscaling.v1.';
export const ScaleSpecSchema = def(AUTOSCALING + 'ScaleSpec', 'Describes the attributes of a scale subresource.', {
  replicas: I32('Desired number of instances for the scaled object.'),
});
export const ScaleStatusSchema = def(AUTOSCALING + 'ScaleStatus', 'Represents the current status of a scale subresource.', {
  replicas: I32('Actual number of observed instances of the scaled object.'),
  selector: S('Label query over pods that should match the replicas count, in string form (kubectl get -l syntax).'),
});
export const ScaleSchema = def(AUTOSCALING + 'Scale', 'Represents a scaling request for a resource.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(ScaleSpecSchema, 'Defines the behavior of the scale.'),
  status: F(ScaleStatusSchema, 'The current status of the scale. Read-only.'),
});
export type Scale = Static<typeof ScaleSchema>;

// ---------------------------------------------------------------- policy/v1 Eviction

export const EvictionSchema = def('io.k8s.api.policy.v1.Eviction', 'Eviction evicts a pod from its node subject to certain policies and safety constraints. Created by POSTing to .../pods/<pod name>/eviction.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  deleteOptions: F(DeleteOptionsSchema, 'DeleteOptions may be provided.'),
});
export type Eviction = Static<typeof EvictionSchema>;

