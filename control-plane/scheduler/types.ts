/**
 * The slice of the Kubernetes API objects the scheduler reads: views of the api/types types (the
 * one source of truth), so an API Pod or Node goes into the pure algorithm and plugins as it is.
 * `Relaxed` makes optional what a table test may leave out; a pod and a node always have metadata
 * and a pod its spec (the scheduler only sees stored objects).
 */
import type * as api from '../../api/types/index.js';
import type { Relaxed } from '../../api/types/index.js';

/** Object metadata; of an owner reference the scheduler reads only which controller it names. */
export type SchedObjectMeta = Omit<Relaxed<api.ObjectMeta>, 'ownerReferences'> & {
  ownerReferences?: (Pick<api.OwnerReference, 'apiVersion' | 'kind' | 'name' | 'controller'> & { uid?: string })[];
};
export type SchedLabelSelectorRequirement = Relaxed<api.LabelSelectorRequirement>;
export type SchedLabelSelector = Relaxed<api.LabelSelector>;
export type SchedNodeSelectorRequirement = Relaxed<api.NodeSelectorRequirement>;
export type SchedNodeSelectorTerm = Relaxed<api.NodeSelectorTerm>;
export type SchedPreferredSchedulingTerm = Relaxed<api.PreferredSchedulingTerm>;
export type SchedNodeAffinity = Relaxed<api.NodeAffinity>;
export type SchedToleration = Relaxed<api.Toleration>;
export type SchedTaint = Relaxed<api.Taint>;
export type SchedQuantity = api.Quantity;
export type SchedResourceRequirements = Relaxed<api.ResourceRequirements>;
export type SchedContainerPort = Relaxed<api.ContainerPort>;
export type SchedContainer = Relaxed<api.Container>;
export type SchedTopologySpreadConstraint = Relaxed<api.TopologySpreadConstraint>;
export type SchedPodSpec = Relaxed<api.PodSpec> & { containers: SchedContainer[] };
export type SchedPodCondition = Relaxed<api.PodCondition>;

export type SchedPod = Omit<Relaxed<api.Pod>, 'metadata' | 'spec'> & { metadata: SchedObjectMeta; spec: SchedPodSpec };
export type SchedNode = Omit<Relaxed<api.Node>, 'metadata'> & { metadata: SchedObjectMeta };

/** Objects whose selectors make up a pod's default spreading selector (upstream helper.DefaultSelector). */
export type SchedService = Omit<Relaxed<api.Service>, 'metadata'> & { metadata: SchedObjectMeta };

/** A ReplicaSet or StatefulSet (a LabelSelector) or a ReplicationController (a plain map). */
export interface SchedReplicaSetLike {
  metadata: SchedObjectMeta;
  spec?: { selector?: SchedLabelSelector | Record<string, string> | null };
}

/** Storage objects VolumeBinding reads. */
export type SchedPV = Relaxed<api.PersistentVolume>;
export type SchedPVC = Relaxed<api.PersistentVolumeClaim>;
export type SchedStorageClass = Relaxed<api.StorageClass>;
