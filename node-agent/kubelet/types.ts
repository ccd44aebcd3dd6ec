/**
 * The object shapes the kubelet reads and writes: views of the API types of api/types (the one source
 * of truth), as controllers/util/types.ts is for the controllers. `Relaxed` keeps every field's type and
 * makes optional what a table test or a half-built object may leave out (all but the identifying fields).
 *
 * A pod reaches the kubelet from the API server, validated and defaulted: it has its metadata and a spec
 * with containers, so the kubelet's `Pod` keeps those two required (a table test writes them too).
 */
import type * as api from '../../api/types/index.js';
import type { Relaxed } from '../../api/types/index.js';

export type ObjectMeta = Relaxed<api.ObjectMeta>;
/** The server requires a container's image (validation), so the kubelet's view keeps it required. */
export type Container = Relaxed<api.Container> & { image: string };
export type EnvVar = Relaxed<api.EnvVar>;
export type EnvFromSource = Relaxed<api.EnvFromSource>;
export type VolumeMount = Relaxed<api.VolumeMount>;
export type Volume = Relaxed<api.Volume>;
export type KeyToPath = Relaxed<api.KeyToPath>;
export type DownwardAPIVolumeFile = Relaxed<api.DownwardAPIVolumeFile>;
export type ConfigMapVolumeSource = Relaxed<api.ConfigMapVolumeSource>;
export type SecretVolumeSource = Relaxed<api.SecretVolumeSource>;
export type SecurityContext = Relaxed<api.SecurityContext>;
export type PodSecurityContext = Relaxed<api.PodSecurityContext>;
export type Probe = Relaxed<api.Probe>;
export type PodCondition = Relaxed<api.PodCondition>;
export type ContainerState = Relaxed<api.ContainerState>;
export type ContainerStatus = Relaxed<api.ContainerStatus>;
export type PodStatus = Relaxed<api.PodStatus>;
export type PodSpec = Omit<Relaxed<api.PodSpec>, 'containers' | 'initContainers'> & { containers: Container[]; initContainers?: Container[] };
/** A pod's metadata as the server returns it: named, in a namespace, with a uid. */
export type PodMeta = ObjectMeta & { name: string; namespace: string; uid: string };
export type Pod = Omit<Relaxed<api.Pod>, 'metadata' | 'spec'> & { metadata: PodMeta; spec: PodSpec };
export type ObjectReference = Relaxed<api.ObjectReference>;
export type ConfigMap = Relaxed<api.ConfigMap>;
export type Secret = Relaxed<api.Secret>;
export type PersistentVolume = Relaxed<api.PersistentVolume>;
export type PersistentVolumeClaim = Relaxed<api.PersistentVolumeClaim>;
/** authentication.k8s.io/v1 TokenRequest (the body and answer of POST serviceaccounts/{name}/token). */
export type TokenRequest = Relaxed<api.TokenRequest>;
export type Node = Relaxed<api.Node>;
export type NodeStatus = Relaxed<api.NodeStatus>;
export type NodeCondition = Relaxed<api.NodeCondition>;
export type ContainerImage = Relaxed<api.ContainerImage>;
export type Lease = Relaxed<api.Lease>;
/** A meta/v1 Status, as the kubelet's API answers an error or an exec's result. */
export type Status = api.MetaStatus;
