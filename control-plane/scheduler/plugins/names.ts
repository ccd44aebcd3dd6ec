/** upstream plugin names (pkg/scheduler/framework/plugins/names). */
export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const NODE_NAME = 'NodeName';
export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
export const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';
export const NODE_AFFINITY = 'NodeAffinity';
export const TAINT_TOLERATION = 'TaintToleration';
export const NODE_PORTS = 'NodePorts';
export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
export const DEFAULT_BINDER = 'DefaultBinder';
export const DEFAULT_PREEMPTION = 'DefaultPreemption';
export const VOLUME_BINDING = 'VolumeBinding';
