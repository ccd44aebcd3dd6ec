/** policy/v1 PodDisruptionBudget (k8s.io/api/policy/v1). The Eviction body is in apps.ts, next to Scale. */
import { type Static } from '@sinclair/typebox';
import { def, E, I32, I64, Arr, F, IntOrString, Map_, Time, mergeBy, X_PATCH_STRATEGY } from './base.js';
import { typeMetaProps, objectMetaField, LabelSelectorSchema, ConditionSchema } from './meta.js';

const POLICY = 'io.k8s.api.policy.v1.';

export const PodDisruptionBudgetSpecSchema = def(POLICY + 'PodDisruptionBudgetSpec', 'PodDisruptionBudgetSpec is a description of a PodDisruptionBudget.', {
  minAvailable: F(IntOrString, 'An eviction is allowed if at least "minAvailable" pods selected by "selector" will still be available after the eviction, i.e. even in the absence of the evicted pod.  So for example you can prevent all voluntary evictions by specifying "100%".'),
  selector: F(LabelSelectorSchema, 'Label query over pods whose evictions are managed by the disruption budget. A null selector will match no pods, while an empty ({}) selector will select all pods within the namespace.', { [X_PATCH_STRATEGY]: 'replace' }),
  maxUnavailable: F(IntOrString, 'An eviction is allowed if at most "maxUnavailable" pods selected by "selector" are unavailable after the eviction, i.e. even in absence of the evicted pod. For example, one can prevent all voluntary evictions by specifying 0. This is a mutually exclusive setting with "minAvailable".'),
  unhealthyPodEvictionPolicy: E('UnhealthyPodEvictionPolicy defines the criteria for when unhealthy pods should be considered for eviction. Current implementation considers healthy pods, as pods that have status.conditions item with type="Ready",status="True".\n\nValid policies are IfHealthyBudget and AlwaysAllow. If no policy is specified, the default behavior will be used, which corresponds to the IfHealthyBudget policy.\n\nIfHealthyBudget policy means that running pods (status.phase="Running"), but not yet healthy can be evicted only if the guarded application is not disrupted (status.currentHealthy is at least equal to status.desiredHealthy). Healthy pods will be subject to the PDB for eviction.\n\nAlwaysAllow policy means that all running pods (status.phase="Running"), but not yet healthy are considered disrupted and can be evicted regardless of whether the criteria in a PDB is met. This means perspective running pods of a disrupted application might not get a chance to become healthy. Healthy pods will be subject to the PDB for eviction.', ['AlwaysAllow', 'IfHealthyBudget']),
});
export type PodDisruptionBudgetSpec = Static<typeof PodDisruptionBudgetSpecSchema>;

export const PodDisruptionBudgetStatusSchema = def(POLICY + 'PodDisruptionBudgetStatus', 'PodDisruptionBudgetStatus represents information about the status of a PodDisruptionBudget. Status may trail the actual state of a system.', {
  observedGeneration: I64("Most recent generation observed when updating this PDB status. DisruptionsAllowed and other status information is valid only if observedGeneration equals to PDB's object generation."),
  disruptedPods: Map_(Time, 'DisruptedPods contains information about pods whose eviction was processed by the API server eviction subresource handler but has not yet been observed by the PodDisruptionBudget controller. A pod will be in this map from the time when the API server processed the eviction request to the time when the pod is seen by PDB controller as having been marked for deletion (or after a timeout). The key in the map is the name of the pod and the value is the time when the API server processed the eviction request. If the deletion didn\'t occur and a pod is still there it will be removed from the list automatically by PodDisruptionBudget controller after some time. If everything goes smooth this map should be empty for the most of the time. Large number of entries in the map may indicate problems with pod deletions.'),
  disruptionsAllowed: I32('Number of pod disruptions that are currently allowed.'),
  currentHealthy: I32('current number of healthy pods'),
  desiredHealthy: I32('minimum desired number of healthy pods'),
  expectedPods: I32('total number of pods counted by this disruption budget'),
  conditions: Arr(ConditionSchema, 'Conditions contain conditions for PDB. The disruption controller sets the DisruptionAllowed condition. The following are known values for the reason field (additional reasons could be added in the future): - SyncFailed: The controller encountered an error and wasn\'t able to compute the number of allowed disruptions. Therefore no disruptions are allowed and the status of the condition will be False.\n- InsufficientPods: The number of pods are either at or below the number required by the PodDisruptionBudget. No disruptions are allowed and the status of the condition will be False.\n- SufficientPods: There are more pods than required by the PodDisruptionBudget. The condition will be True, and the number of allowed disruptions are provided by the disruptionsAllowed property.', mergeBy('type')),
});
export type PodDisruptionBudgetStatus = Static<typeof PodDisruptionBudgetStatusSchema>;

export const PodDisruptionBudgetSchema = def(POLICY + 'PodDisruptionBudget', 'PodDisruptionBudget is an object to define the max disruption that can be caused to a collection of pods', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(PodDisruptionBudgetSpecSchema, 'Specification of the desired behavior of the PodDisruptionBudget.'),
  status: F(PodDisruptionBudgetStatusSchema, 'Most recently observed status of the PodDisruptionBudget.'),
});
export type PodDisruptionBudget = Static<typeof PodDisruptionBudgetSchema>;
