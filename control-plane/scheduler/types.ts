/**
 * The slice of the Kubernetes API objects the scheduler reads, as structural types with
 * upstream's field names. Every field is optional where upstream's is, so the shared
 * `api/types` Pod/Node/Service/ReplicaSet objects are assignable to these: the pure
 * algorithm and plugins depend only on this file, never on a client or a server.
 */

export interface SchedObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  deletionTimestamp?: string | null;
  creationTimestamp?: string | null;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid?: string; controller?: boolean }>;
}

export interface SchedLabelSelectorRequirement {
  key: string;
  operator: string; // In | NotIn | Exists | DoesNotExist
  values?: string[];
}

export interface SchedLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: SchedLabelSelectorRequirement[];
}

export interface SchedNodeSelectorRequirement {
  key: string;
  operator: string; // In | NotIn | Exists | DoesNotExist | Gt | Lt
  values?: string[];
}

export interface SchedNodeSelectorTerm {
  matchExpressions?: SchedNodeSelectorRequirement[];
  matchFields?: SchedNodeSelectorRequirement[];
}

export interface SchedPreferredSchedulingTerm {
  weight: number;
  preference: SchedNodeSelectorTerm;
}

export interface SchedNodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: SchedNodeSelectorTerm[] };
  preferredDuringSchedulingIgnoredDuringExecution?: SchedPreferredSchedulingTerm[];
}

export interface SchedToleration {
  key?: string;
  operator?: string; // Exists | Equal (default Equal)
  value?: string;
  effect?: string; // NoSchedule | PreferNoSchedule | NoExecute | '' (all)
  tolerationSeconds?: number | null;
}

export interface SchedTaint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string | null;
}

export type SchedQuantity = string | number;

export interface SchedResourceRequirements {
  requests?: Record<string, SchedQuantity>;
  limits?: Record<string, SchedQuantity>;
}

export interface SchedContainerPort {
  containerPort: number;
  hostPort?: number;
  hostIP?: string;
  protocol?: string;
  name?: string;
}

export interface SchedContainer {
  name: string;
  resources?: SchedResourceRequirements;
  ports?: SchedContainerPort[];
  restartPolicy?: string; // "Always" for a sidecar init container
}

export interface SchedTopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: string; // DoNotSchedule | ScheduleAnyway
  labelSelector?: SchedLabelSelector | null;
  minDomains?: number | null;
  matchLabelKeys?: string[];
}

export interface SchedPodSpec {
  nodeName?: string;
  schedulerName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: { nodeAffinity?: SchedNodeAffinity | null; [k: string]: unknown } | null;
  tolerations?: SchedToleration[];
  containers: SchedContainer[];
  initContainers?: SchedContainer[];
  overhead?: Record<string, SchedQuantity> | null;
  priority?: number | null;
  topologySpreadConstraints?: SchedTopologySpreadConstraint[];
}

export interface SchedPodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string | null;
  lastProbeTime?: string | null;
}

export interface SchedPod {
  apiVersion?: string;
  kind?: string;
  metadata: SchedObjectMeta;
  spec: SchedPodSpec;
  status?: { phase?: string; conditions?: SchedPodCondition[]; nominatedNodeName?: string; [k: string]: unknown };
}

export interface SchedNode {
  apiVersion?: string;
  kind?: string;
  metadata: SchedObjectMeta;
  spec?: { unschedulable?: boolean; taints?: SchedTaint[]; podCIDR?: string; [k: string]: unknown };
  status?: {
    capacity?: Record<string, SchedQuantity>;
    allocatable?: Record<string, SchedQuantity>;
    [k: string]: unknown;
  };
}

/** Objects whose selectors make up a pod's default spreading selector (upstream helper.DefaultSelector). */
export interface SchedService {
  metadata: SchedObjectMeta;
  spec?: { selector?: Record<string, string> | null; [k: string]: unknown };
}

export interface SchedReplicaSetLike {
  metadata: SchedObjectMeta;
  spec?: { selector?: SchedLabelSelector | Record<string, string> | null; [k: string]: unknown };
}
