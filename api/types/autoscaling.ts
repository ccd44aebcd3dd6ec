/**
 * autoscaling/v2 and autoscaling/v1 HorizontalPodAutoscaler (k8s.io/api/autoscaling/v2, v1). Both versions are the
 * same stored objects (autoscaling/v2 is the storage version); v1 carries what it cannot say in annotations
 * (api/autoscaling/conversion.ts). The Scale subresource's body (autoscaling/v1 Scale) is in apps.ts.
 */
import { type Static } from '@sinclair/typebox';
import { def, Arr, F, RF, I32, I64, RI32, S, RS, Quantity, Time, atomic, mergeBy } from './base.js';
import { typeMetaProps, objectMetaField, LabelSelectorSchema } from './meta.js';

const V2 = 'io.k8s.api.autoscaling.v2.';
const V1 = 'io.k8s.api.autoscaling.v1.';

const TARGET = 'target specifies the target value for the given metric';
const METRIC = 'metric identifies the target metric by name and selector';
const CURRENT = 'current contains the current value for the given metric';
const RESOURCE_NAME = 'name is the name of the resource in question.';
const CONTAINER = 'container is the name of the container in the pods of the scaling target';

function crossVersionObjectReference(prefix: string) {
  return def(prefix + 'CrossVersionObjectReference', 'CrossVersionObjectReference contains enough information to let you identify the referred resource.', {
    apiVersion: S('apiVersion is the API version of the referent'),
    kind: RS('kind is the kind of the referent; More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
    name: RS('name is the name of the referent; More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names'),
  });
}

export const CrossVersionObjectReferenceSchema = crossVersionObjectReference(V2);
export type CrossVersionObjectReference = Static<typeof CrossVersionObjectReferenceSchema>;

export const MetricIdentifierSchema = def(V2 + 'MetricIdentifier', 'MetricIdentifier defines the name and optionally selector for a metric', {
  name: RS('name is the name of the given metric'),
  selector: F(LabelSelectorSchema, 'selector is the string-encoded form of a standard kubernetes label selector for the given metric When set, it is passed as an additional parameter to the metrics server for more specific metrics scoping. When unset, just the metricName will be used to gather metrics.'),
});

export const MetricTargetSchema = def(V2 + 'MetricTarget', 'MetricTarget defines the target value, average value, or average utilization of a specific metric', {
  averageUtilization: I32('averageUtilization is the target value of the average of the resource metric across all relevant pods, represented as a percentage of the requested value of the resource for the pods. Currently only valid for Resource metric source type'),
  averageValue: F(Quantity, 'averageValue is the target value of the average of the metric across all relevant pods (as a quantity)'),
  type: RS('type represents whether the metric type is Utilization, Value, or AverageValue'),
  value: F(Quantity, 'value is the target value of the metric (as a quantity).'),
});
export type MetricTarget = Static<typeof MetricTargetSchema>;

export const MetricValueStatusSchema = def(V2 + 'MetricValueStatus', 'MetricValueStatus holds the current value for a metric', {
  averageUtilization: I32('currentAverageUtilization is the current value of the average of the resource metric across all relevant pods, represented as a percentage of the requested value of the resource for the pods.'),
  averageValue: F(Quantity, 'averageValue is the current value of the average of the metric across all relevant pods (as a quantity)'),
  value: F(Quantity, 'value is the current value of the metric (as a quantity).'),
});
export type MetricValueStatus = Static<typeof MetricValueStatusSchema>;

export const HPAScalingPolicySchema = def(V2 + 'HPAScalingPolicy', 'HPAScalingPolicy is a single policy which must hold true for a specified past interval.', {
  periodSeconds: RI32('periodSeconds specifies the window of time for which the policy should hold true. PeriodSeconds must be greater than zero and less than or equal to 1800 (30 min).'),
  type: RS('type is used to specify the scaling policy.'),
  value: RI32('value contains the amount of change which is permitted by the policy. It must be greater than zero'),
});
export type HPAScalingPolicy = Static<typeof HPAScalingPolicySchema>;

export const HPAScalingRulesSchema = def(V2 + 'HPAScalingRules', 'HPAScalingRules configures the scaling behavior for one direction. These Rules are applied after calculating DesiredReplicas from metrics for the HPA. They can limit the scaling velocity by specifying scaling policies. They can prevent flapping by specifying the stabilization window, so that the number of replicas is not set instantly, instead, the safest value from the stabilization window is chosen.', {
  policies: Arr(HPAScalingPolicySchema, 'policies is a list of potential scaling polices which can be used during scaling. At least one policy must be specified, otherwise the HPAScalingRules will be discarded as invalid', atomic),
  selectPolicy: S('selectPolicy is used to specify which policy should be used. If not set, the default value Max is used.'),
  stabilizationWindowSeconds: I32('stabilizationWindowSeconds is the number of seconds for which past recommendations should be considered while scaling up or scaling down. StabilizationWindowSeconds must be greater than or equal to zero and less than or equal to 3600 (one hour). If not set, use the default values: - For scale up: 0 (i.e. no stabilization is done). - For scale down: 300 (i.e. the stabilization window is 300 seconds long).'),
});
export type HPAScalingRules = Static<typeof HPAScalingRulesSchema>;

export const HorizontalPodAutoscalerBehaviorSchema = def(V2 + 'HorizontalPodAutoscalerBehavior', 'HorizontalPodAutoscalerBehavior configures the scaling behavior of the target in both Up and Down directions (scaleUp and scaleDown fields respectively).', {
  scaleDown: F(HPAScalingRulesSchema, 'scaleDown is scaling policy for scaling Down. If not set, the default value is to allow to scale down to minReplicas pods, with a 300 second stabilization window (i.e., the highest recommendation for the last 300sec is used).'),
  scaleUp: F(HPAScalingRulesSchema, 'scaleUp is scaling policy for scaling Up. If not set, the default value is the higher of:\n  * increase no more than 4 pods per 60 seconds\n  * double the number of pods per 60 seconds\nNo stabilization is used.'),
});
export type HorizontalPodAutoscalerBehavior = Static<typeof HorizontalPodAutoscalerBehaviorSchema>;

export const ResourceMetricSourceSchema = def(V2 + 'ResourceMetricSource', 'ResourceMetricSource indicates how to scale on a resource metric known to Kubernetes, as specified in requests and limits, describing each pod in the current scale target (e.g. CPU or memory).  The values will be averaged together before being compared to the target.  Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the "pods" source.  Only one "target" type should be set.', {
  name: RS(RESOURCE_NAME),
  target: RF(MetricTargetSchema, TARGET),
});

export const ContainerResourceMetricSourceSchema = def(V2 + 'ContainerResourceMetricSource', 'ContainerResourceMetricSource indicates how to scale on a resource metric known to Kubernetes, as specified in requests and limits, describing each pod in the current scale target (e.g. CPU or memory).  The values will be averaged together before being compared to the target.  Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the "pods" source.  Only one "target" type should be set.', {
  container: RS(CONTAINER),
  name: RS(RESOURCE_NAME),
  target: RF(MetricTargetSchema, TARGET),
});

export const PodsMetricSourceSchema = def(V2 + 'PodsMetricSource', 'PodsMetricSource indicates how to scale on a metric describing each pod in the current scale target (for example, transactions-processed-per-second). The values will be averaged together before being compared to the target value.', {
  metric: RF(MetricIdentifierSchema, METRIC),
  target: RF(MetricTargetSchema, TARGET),
});

export const ObjectMetricSourceSchema = def(V2 + 'ObjectMetricSource', 'ObjectMetricSource indicates how to scale on a metric describing a kubernetes object (for example, hits-per-second on an Ingress object).', {
  describedObject: RF(CrossVersionObjectReferenceSchema, 'describedObject specifies the descriptions of a object,such as kind,name apiVersion'),
  metric: RF(MetricIdentifierSchema, METRIC),
  target: RF(MetricTargetSchema, TARGET),
});

export const ExternalMetricSourceSchema = def(V2 + 'ExternalMetricSource', 'ExternalMetricSource indicates how to scale on a metric not associated with any Kubernetes object (for example length of queue in cloud messaging service, or QPS from loadbalancer running outside of cluster).', {
  metric: RF(MetricIdentifierSchema, METRIC),
  target: RF(MetricTargetSchema, TARGET),
});

export const MetricSpecSchema = def(V2 + 'MetricSpec', 'MetricSpec specifies how to scale based on a single metric (only `type` and one other matching field should be set at once).', {
  containerResource: F(ContainerResourceMetricSourceSchema, 'containerResource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing a single container in each pod of the current scale target (e.g. CPU or memory). Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the "pods" source.'),
  external: F(ExternalMetricSourceSchema, 'external refers to a global metric that is not associated with any Kubernetes object. It allows autoscaling based on information coming from components running outside of cluster (for example length of queue in cloud messaging service, or QPS from loadbalancer running outside of cluster).'),
  object: F(ObjectMetricSourceSchema, 'object refers to a metric describing a single kubernetes object (for example, hits-per-second on an Ingress object).'),
  pods: F(PodsMetricSourceSchema, 'pods refers to a metric describing each pod in the current scale target (for example, transactions-processed-per-second).  The values will be averaged together before being compared to the target value.'),
  resource: F(ResourceMetricSourceSchema, 'resource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing each pod in the current scale target (e.g. CPU or memory). Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the "pods" source.'),
  type: RS('type is the type of metric source.  It should be one of "ContainerResource", "External", "Object", "Pods" or "Resource", each mapping to a matching field in the object.'),
});
export type MetricSpec = Static<typeof MetricSpecSchema>;

export const ResourceMetricStatusSchema = def(V2 + 'ResourceMetricStatus', 'ResourceMetricStatus indicates the current value of a resource metric known to Kubernetes, as specified in requests and limits, describing each pod in the current scale target (e.g. CPU or memory).  Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the "pods" source.', {
  current: RF(MetricValueStatusSchema, CURRENT),
  name: RS(RESOURCE_NAME),
});

export const ContainerResourceMetricStatusSchema = def(V2 + 'ContainerResourceMetricStatus', 'ContainerResourceMetricStatus indicates the current value of a resource metric known to Kubernetes, as specified in requests and limits, describing a single container in each pod in the current scale target (e.g. CPU or memory).  Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the "pods" source.', {
  container: RS(CONTAINER),
  current: RF(MetricValueStatusSchema, CURRENT),
  name: RS(RESOURCE_NAME),
});

export const PodsMetricStatusSchema = def(V2 + 'PodsMetricStatus', 'PodsMetricStatus indicates the current value of a metric describing each pod in the current scale target (for example, transactions-processed-per-second).', {
  current: RF(MetricValueStatusSchema, CURRENT),
  metric: RF(MetricIdentifierSchema, METRIC),
});

export const ObjectMetricStatusSchema = def(V2 + 'ObjectMetricStatus', 'ObjectMetricStatus indicates the current value of a metric describing a kubernetes object (for example, hits-per-second on an Ingress object).', {
  current: RF(MetricValueStatusSchema, CURRENT),
  describedObject: RF(CrossVersionObjectReferenceSchema, 'DescribedObject specifies the descriptions of a object,such as kind,name apiVersion'),
  metric: RF(MetricIdentifierSchema, METRIC),
});

export const ExternalMetricStatusSchema = def(V2 + 'ExternalMetricStatus', 'ExternalMetricStatus indicates the current value of a global metric not associated with any Kubernetes object.', {
  current: RF(MetricValueStatusSchema, CURRENT),
  metric: RF(MetricIdentifierSchema, METRIC),
});

export const MetricStatusSchema = def(V2 + 'MetricStatus', 'MetricStatus describes the last-read state of a single metric.', {
  containerResource: F(ContainerResourceMetricStatusSchema, 'container resource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing a single container in each pod in the current scale target (e.g. CPU or memory). Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the "pods" source.'),
  external: F(ExternalMetricStatusSchema, 'external refers to a global metric that is not associated with any Kubernetes object. It allows autoscaling based on information coming from components running outside of cluster (for example length of queue in cloud messaging service, or QPS from loadbalancer running outside of cluster).'),
  object: F(ObjectMetricStatusSchema, 'object refers to a metric describing a single kubernetes object (for example, hits-per-second on an Ingress object).'),
  pods: F(PodsMetricStatusSchema, 'pods refers to a metric describing each pod in the current scale target (for example, transactions-processed-per-second).  The values will be averaged together before being compared to the target value.'),
  resource: F(ResourceMetricStatusSchema, 'resource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing each pod in the current scale target (e.g. CPU or memory). Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the "pods" source.'),
  type: RS('type is the type of metric source.  It will be one of "ContainerResource", "External", "Object", "Pods" or "Resource", each corresponds to a matching field in the object.'),
});
export type MetricStatus = Static<typeof MetricStatusSchema>;

export const HorizontalPodAutoscalerConditionSchema = def(V2 + 'HorizontalPodAutoscalerCondition', 'HorizontalPodAutoscalerCondition describes the state of a HorizontalPodAutoscaler at a certain point.', {
  lastTransitionTime: F(Time, 'lastTransitionTime is the last time the condition transitioned from one status to another'),
  message: S('message is a human-readable explanation containing details about the transition'),
  reason: S("reason is the reason for the condition's last transition."),
  status: RS('status is the status of the condition (True, False, Unknown)'),
  type: RS('type describes the current condition'),
});
export type HorizontalPodAutoscalerCondition = Static<typeof HorizontalPodAutoscalerConditionSchema>;

export const HorizontalPodAutoscalerSpecSchema = def(V2 + 'HorizontalPodAutoscalerSpec', 'HorizontalPodAutoscalerSpec describes the desired functionality of the HorizontalPodAutoscaler.', {
  behavior: F(HorizontalPodAutoscalerBehaviorSchema, 'behavior configures the scaling behavior of the target in both Up and Down directions (scaleUp and scaleDown fields respectively). If not set, the default HPAScalingRules for scale up and scale down are used.'),
  maxReplicas: RI32('maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.'),
  metrics: Arr(MetricSpecSchema, 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization.', atomic),
  minReplicas: I32('minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.'),
  scaleTargetRef: RF(CrossVersionObjectReferenceSchema, 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
});
export type HorizontalPodAutoscalerSpec = Static<typeof HorizontalPodAutoscalerSpecSchema>;

export const HorizontalPodAutoscalerStatusSchema = def(V2 + 'HorizontalPodAutoscalerStatus', 'HorizontalPodAutoscalerStatus describes the current status of a horizontal pod autoscaler.', {
  conditions: Arr(HorizontalPodAutoscalerConditionSchema, 'conditions is the set of conditions required for this autoscaler to scale its target, and indicates whether or not those conditions are met.', mergeBy('type')),
  currentMetrics: Arr(MetricStatusSchema, 'currentMetrics is the last read state of the metrics used by this autoscaler.', atomic),
  currentReplicas: I32('currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
  desiredReplicas: RI32('desiredReplicas is the desired number of replicas of pods managed by this autoscaler, as last calculated by the autoscaler.'),
  lastScaleTime: F(Time, 'lastScaleTime is the last time the HorizontalPodAutoscaler scaled the number of pods, used by the autoscaler to control how often the number of pods is changed.'),
  observedGeneration: I64('observedGeneration is the most recent generation observed by this autoscaler.'),
});
export type HorizontalPodAutoscalerStatus = Static<typeof HorizontalPodAutoscalerStatusSchema>;

export const HorizontalPodAutoscalerSchema = def(V2 + 'HorizontalPodAutoscaler', 'HorizontalPodAutoscaler is the configuration for a horizontal pod autoscaler, which automatically manages the replica count of any resource implementing the scale subresource based on the metrics specified.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(HorizontalPodAutoscalerSpecSchema, 'spec is the specification for the behaviour of the autoscaler. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status.'),
  status: F(HorizontalPodAutoscalerStatusSchema, 'status is the current information about the autoscaler.'),
});
export type HorizontalPodAutoscaler = Static<typeof HorizontalPodAutoscalerSchema>;

// ---------------------------------------------------------------- autoscaling/v1

export const CrossVersionObjectReferenceV1Schema = crossVersionObjectReference(V1);

export const HorizontalPodAutoscalerSpecV1Schema = def(V1 + 'HorizontalPodAutoscalerSpec', 'specification of a horizontal pod autoscaler.', {
  maxReplicas: RI32('maxReplicas is the upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.'),
  minReplicas: I32('minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.'),
  scaleTargetRef: RF(CrossVersionObjectReferenceV1Schema, 'reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.'),
  targetCPUUtilizationPercentage: I32('targetCPUUtilizationPercentage is the target average CPU utilization (represented as a percentage of requested CPU) over all the pods; if not specified the default autoscaling policy will be used.'),
});

export const HorizontalPodAutoscalerStatusV1Schema = def(V1 + 'HorizontalPodAutoscalerStatus', 'current status of a horizontal pod autoscaler', {
  currentCPUUtilizationPercentage: I32('currentCPUUtilizationPercentage is the current average CPU utilization over all pods, represented as a percentage of requested CPU, e.g. 70 means that an average pod is using now 70% of its requested CPU.'),
  currentReplicas: RI32('currentReplicas is the current number of replicas of pods managed by this autoscaler.'),
  desiredReplicas: RI32('desiredReplicas is the  desired number of replicas of pods managed by this autoscaler.'),
  lastScaleTime: F(Time, 'lastScaleTime is the last time the HorizontalPodAutoscaler scaled the number of pods; used by the autoscaler to control how often the number of pods is changed.'),
  observedGeneration: I64('observedGeneration is the most recent generation observed by this autoscaler.'),
});

export const HorizontalPodAutoscalerV1Schema = def(V1 + 'HorizontalPodAutoscaler', 'configuration of a horizontal pod autoscaler.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(HorizontalPodAutoscalerSpecV1Schema, 'spec defines the behaviour of autoscaler. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status.'),
  status: F(HorizontalPodAutoscalerStatusV1Schema, 'status is the current information about the autoscaler.'),
});
export type HorizontalPodAutoscalerV1 = Static<typeof HorizontalPodAutoscalerV1Schema>;

