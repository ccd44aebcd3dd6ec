/** apps/v1 StatefulSet (k8s.io/api/apps/v1 types.go), with upstream's field descriptions. */
import { type Static } from '@sinclair/typebox';
import { def, S, E, I32, I64, Arr, F, RF, RS, IntOrString, Time, mergeBy, atomic } from './base.js';
import { typeMetaProps, objectMetaField, LabelSelectorSchema } from './meta.js';
import { PodTemplateSpecSchema } from './core.js';
import { PersistentVolumeClaimSchema } from './storage.js';

const APPS = 'io.k8s.api.apps.v1.';

export const RollingUpdateStatefulSetStrategySchema = def(APPS + 'RollingUpdateStatefulSetStrategy', 'RollingUpdateStatefulSetStrategy is used to communicate parameter for RollingUpdateStatefulSetStrategyType.', {
  partition: I32('Partition indicates the ordinal at which the StatefulSet should be partitioned for updates. During a rolling update, all pods from ordinal Replicas-1 to Partition are updated. All pods from ordinal Partition-1 to 0 remain untouched. This is helpful in being able to do a canary based deployment. The default value is 0.'),
  maxUnavailable: F(IntOrString, 'The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Absolute number is calculated from percentage by rounding up. This can not be 0. Defaults to 1. This field is alpha-level and is only honored by servers that enable the MaxUnavailableStatefulSet feature. The field applies to all pods in the range 0 to Replicas-1. That means if there is any unavailable pod in the range 0 to Replicas-1, it will be counted towards MaxUnavailable.'),
});
export type RollingUpdateStatefulSetStrategy = Static<typeof RollingUpdateStatefulSetStrategySchema>;

export const StatefulSetUpdateStrategySchema = def(APPS + 'StatefulSetUpdateStrategy', 'StatefulSetUpdateStrategy indicates the strategy that the StatefulSet controller will use to perform updates. It includes any additional parameters necessary to perform the update for the indicated strategy.', {
  type: E('Type indicates the type of the StatefulSetUpdateStrategy. Default is RollingUpdate.\n\nPossible enum values:\n - `"OnDelete"` triggers the legacy behavior. Version tracking and ordered rolling restarts are disabled. Pods are recreated from the StatefulSetSpec when they are manually deleted. When a scale operation is performed with this strategy,specification version indicated by the StatefulSet\'s currentRevision.\n - `"RollingUpdate"` indicates that update will be applied to all Pods in the StatefulSet with respect to the StatefulSet ordering constraints. When a scale operation is performed with this strategy, new Pods will be created from the specification version indicated by the StatefulSet\'s updateRevision.', ['OnDelete', 'RollingUpdate']),
  rollingUpdate: F(RollingUpdateStatefulSetStrategySchema, 'RollingUpdate is used to communicate parameters when Type is RollingUpdateStatefulSetStrategyType.'),
});
export type StatefulSetUpdateStrategy = Static<typeof StatefulSetUpdateStrategySchema>;

export const StatefulSetPersistentVolumeClaimRetentionPolicySchema = def(APPS + 'StatefulSetPersistentVolumeClaimRetentionPolicy', 'StatefulSetPersistentVolumeClaimRetentionPolicy describes the policy used for PVCs created from the StatefulSet VolumeClaimTemplates.', {
  whenDeleted: S('WhenDeleted specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is deleted. The default policy of `Retain` causes PVCs to not be affected by StatefulSet deletion. The `Delete` policy causes those PVCs to be deleted.'),
  whenScaled: S('WhenScaled specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is scaled down. The default policy of `Retain` causes PVCs to not be affected by a scaledown. The `Delete` policy causes the associated PVCs for any excess pods above the replica count to be deleted.'),
});
export type StatefulSetPersistentVolumeClaimRetentionPolicy = Static<typeof StatefulSetPersistentVolumeClaimRetentionPolicySchema>;

export const StatefulSetOrdinalsSchema = def(APPS + 'StatefulSetOrdinals', 'StatefulSetOrdinals describes the policy used for replica ordinal assignment in this StatefulSet.', {
  start: I32("start is the number representing the first replica's index. It may be used to number replicas from an alternate index (eg: 1-indexed) over the default 0-indexed names, or to orchestrate progressive movement of replicas from one StatefulSet to another. If set, replica indices will be in the range:\n  [.spec.ordinals.start, .spec.ordinals.start + .spec.replicas).\nIf unset, defaults to 0. Replica indices will be in the range:\n  [0, .spec.replicas)."),
});
export type StatefulSetOrdinals = Static<typeof StatefulSetOrdinalsSchema>;

export const StatefulSetSpecSchema = def(APPS + 'StatefulSetSpec', 'A StatefulSetSpec is the specification of a StatefulSet.', {
  replicas: I32('replicas is the desired number of replicas of the given Template. These are replicas in the sense that they are instantiations of the same Template, but individual replicas also have a consistent identity. If unspecified, defaults to 1.'),
  selector: RF(LabelSelectorSchema, "selector is a label query over pods that should match the replica count. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"),
  template: RF(PodTemplateSpecSchema, 'template is the object that describes the pod that will be created if insufficient replicas are detected. Each pod stamped out by the StatefulSet will fulfill this Template, but have a unique identity from the rest of the StatefulSet. Each pod will be named with the format <statefulsetname>-<podindex>. For example, a pod in a StatefulSet named "web" with index number "3" would be named "web-3". The only allowed template.spec.restartPolicy value is "Always".'),
  volumeClaimTemplates: Arr(PersistentVolumeClaimSchema, 'volumeClaimTemplates is a list of claims that pods are allowed to reference. The StatefulSet controller is responsible for mapping network identities to claims in a way that maintains the identity of a pod. Every claim in this list must have at least one matching (by name) volumeMount in one container in the template. A claim in this list takes precedence over any volumes in the template, with the same name.', atomic),
  serviceName: S('serviceName is the name of the service that governs this StatefulSet. This service must exist before the StatefulSet, and is responsible for the network identity of the set. Pods get DNS/hostnames that follow the pattern: pod-specific-string.serviceName.default.svc.cluster.local where "pod-specific-string" is managed by the StatefulSet controller.'),
  podManagementPolicy: E('podManagementPolicy controls how pods are created during initial scale up, when replacing pods on nodes, or when scaling down. The default policy is `OrderedReady`, where pods are created in increasing order (pod-0, then pod-1, etc) and the controller will wait until each pod is ready before continuing. When scaling down, the pods are removed in the opposite order. The alternative policy is `Parallel` which will create pods in parallel to match the desired scale without waiting, and on scale down will delete all pods at once.\n\nPossible enum values:\n - `"OrderedReady"` will create pods in strictly increasing order on scale up and strictly decreasing order on scale down, progressing only when the previous pod is ready or terminated. At most one pod will be changed at any time.\n - `"Parallel"` will create and delete pods as soon as the stateful set replica count is changed, and will not wait for pods to be ready or complete termination.', ['OrderedReady', 'Parallel']),
  updateStrategy: F(StatefulSetUpdateStrategySchema, 'updateStrategy indicates the StatefulSetUpdateStrategy that will be employed to update Pods in the StatefulSet when a revision is made to Template.'),
  revisionHistoryLimit: I32("revisionHistoryLimit is the maximum number of revisions that will be maintained in the StatefulSet's revision history. The revision history consists of all revisions not represented by a currently applied StatefulSetSpec version. The default value is 10."),
  minReadySeconds: I32('Minimum number of seconds for which a newly created pod should be ready without any of its container crashing for it to be considered available. Defaults to 0 (pod will be considered available as soon as it is ready)'),
  persistentVolumeClaimRetentionPolicy: F(StatefulSetPersistentVolumeClaimRetentionPolicySchema, 'persistentVolumeClaimRetentionPolicy describes the lifecycle of persistent volume claims created from volumeClaimTemplates. By default, all persistent volume claims are created as needed and retained until manually deleted. This policy allows the lifecycle to be altered, for example by deleting persistent volume claims when their stateful set is deleted, or when their pod is scaled down.'),
  ordinals: F(StatefulSetOrdinalsSchema, 'ordinals controls the numbering of replica indices in a StatefulSet. The default ordinals behavior assigns a "0" index to the first replica and increments the index by one for each additional replica requested.'),
});
export type StatefulSetSpec = Static<typeof StatefulSetSpecSchema>;

export const StatefulSetConditionSchema = def(APPS + 'StatefulSetCondition', 'StatefulSetCondition describes the state of a statefulset at a certain point.', {
  type: RS('Type of statefulset condition.'),
  status: RS('Status of the condition, one of True, False, Unknown.'),
  lastTransitionTime: F(Time, 'Last time the condition transitioned from one status to another.'),
  reason: S("The reason for the condition's last transition."),
  message: S('A human readable message indicating details about the transition.'),
});
export type StatefulSetCondition = Static<typeof StatefulSetConditionSchema>;

export const StatefulSetStatusSchema = def(APPS + 'StatefulSetStatus', 'StatefulSetStatus represents the current state of a StatefulSet.', {
  observedGeneration: I64("observedGeneration is the most recent generation observed for this StatefulSet. It corresponds to the StatefulSet's generation, which is updated on mutation by the API Server."),
  replicas: I32('replicas is the number of Pods created by the StatefulSet controller.'),
  readyReplicas: I32('readyReplicas is the number of pods created for this StatefulSet with a Ready Condition.'),
  currentReplicas: I32('currentReplicas is the number of Pods created by the StatefulSet controller from the StatefulSet version indicated by currentRevision.'),
  updatedReplicas: I32('updatedReplicas is the number of Pods created by the StatefulSet controller from the StatefulSet version indicated by updateRevision.'),
  currentRevision: S('currentRevision, if not empty, indicates the version of the StatefulSet used to generate Pods in the sequence [0,currentReplicas).'),
  updateRevision: S('updateRevision, if not empty, indicates the version of the StatefulSet used to generate Pods in the sequence [replicas-updatedReplicas,replicas)'),
  collisionCount: I32('collisionCount is the count of hash collisions for the StatefulSet. The StatefulSet controller uses this field as a collision avoidance mechanism when it needs to create the name for the newest ControllerRevision.'),
  conditions: Arr(StatefulSetConditionSchema, "Represents the latest available observations of a statefulset's current state.", mergeBy('type')),
  availableReplicas: I32('Total number of available pods (ready for at least minReadySeconds) targeted by this statefulset.'),
});
export type StatefulSetStatus = Static<typeof StatefulSetStatusSchema>;

export const StatefulSetSchema = def(APPS + 'StatefulSet', 'StatefulSet represents a set of pods with consistent identities. Identities are defined as:\n  - Network: A single stable DNS and hostname.\n  - Storage: As many VolumeClaims as requested.\n\nThe StatefulSet guarantees that a given network identity will always map to the same storage identity.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(StatefulSetSpecSchema, 'Spec defines the desired identities of pods in this set.'),
  status: F(StatefulSetStatusSchema, 'Status is the current status of Pods in this StatefulSet. This data may be out of date by some window of time.'),
});
export type StatefulSet = Static<typeof StatefulSetSchema>;
