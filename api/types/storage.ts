/**
 * Storage: core/v1 PersistentVolume and PersistentVolumeClaim, storage.k8s.io/v1 StorageClass, with upstream's
 * field descriptions (k8s.io/api/core/v1/types.go, k8s.io/api/storage/v1/types.go), shortened where long. Only the
 * volume sources kubelab can serve are here (hostPath, local, nfs, csi); an unknown source is a 400 as any unknown field.
 */
import { Type, type Static } from '@sinclair/typebox';
import { def, S, E, B, SMap, SList, Arr, F, RS, Map_, Quantity, Time, mergeBy, atomic } from './base.js';
import { typeMetaProps, objectMetaField, LabelSelectorSchema } from './meta.js';
import { HostPathVolumeSourceSchema, NFSVolumeSourceSchema, NodeSelectorSchema, ObjectReferenceSchema } from './core.js';

const CORE = 'io.k8s.api.core.v1.';
const STORAGE = 'io.k8s.api.storage.v1.';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const AccessMode = Type.String({ enum: ACCESS_MODES });
const ResourceList = (d: string) => Map_(Quantity, d);

export const LocalVolumeSourceSchema = def(CORE + 'LocalVolumeSource', 'Local represents directly-attached storage with node affinity', {
  path: RS('path of the full path to the volume on the node. It can be either a directory or block device (disk, partition, ...).'),
  fsType: S('fsType is the filesystem type to mount. It applies only when the Path is a block device. Must be a filesystem type supported by the host operating system. Ex. "ext4", "xfs", "ntfs". The default value is to auto-select a filesystem if unspecified.'),
});

export const SecretReferenceSchema = def(CORE + 'SecretReference', 'SecretReference represents a Secret Reference. It has enough information to retrieve secret in any namespace', {
  name: S('name is unique within a namespace to reference a secret resource.'),
  namespace: S('namespace defines the space within which the secret name must be unique.'),
}, { 'x-kubernetes-map-type': 'atomic' });

export const CSIPersistentVolumeSourceSchema = def(CORE + 'CSIPersistentVolumeSource', 'Represents storage that is managed by an external CSI volume driver', {
  driver: RS('driver is the name of the driver to use for this volume. Required.'),
  volumeHandle: RS('volumeHandle is the unique volume name returned by the CSI volume plugin’s CreateVolume to refer to the volume on all subsequent calls. Required.'),
  readOnly: B('readOnly value to pass to ControllerPublishVolumeRequest. Defaults to false (read/write).'),
  fsType: S('fsType to mount. Must be a filesystem type supported by the host operating system. Ex. "ext4", "xfs", "ntfs".'),
  volumeAttributes: SMap('volumeAttributes of the volume to publish.'),
  controllerPublishSecretRef: F(SecretReferenceSchema, 'controllerPublishSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI ControllerPublishVolume and ControllerUnpublishVolume calls.'),
  nodeStageSecretRef: F(SecretReferenceSchema, 'nodeStageSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI NodeStageVolume and NodeStageVolume and NodeUnstageVolume calls.'),
  nodePublishSecretRef: F(SecretReferenceSchema, 'nodePublishSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI NodePublishVolume and NodeUnpublishVolume calls.'),
  controllerExpandSecretRef: F(SecretReferenceSchema, 'controllerExpandSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI ControllerExpandVolume call.'),
  nodeExpandSecretRef: F(SecretReferenceSchema, 'nodeExpandSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI NodeExpandVolume call.'),
});

export const VolumeNodeAffinitySchema = def(CORE + 'VolumeNodeAffinity', 'VolumeNodeAffinity defines constraints that limit what nodes this volume can be accessed from.', {
  required: F(NodeSelectorSchema, 'required specifies hard node constraints that must be met.'),
});

export const PersistentVolumeSpecSchema = def(CORE + 'PersistentVolumeSpec', 'PersistentVolumeSpec is the specification of a persistent volume.', {
  capacity: ResourceList("capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
  hostPath: F(HostPathVolumeSourceSchema, 'hostPath represents a directory on the host. Provisioned by a developer or tester. This is useful for single-node development and testing only! On-host storage is not supported in any way and WILL NOT WORK in a multi-node cluster. More info: https://kubernetes.io/docs/concepts/storage/volumes#hostpath'),
  local: F(LocalVolumeSourceSchema, 'local represents directly-attached storage with node affinity'),
  nfs: F(NFSVolumeSourceSchema, 'nfs represents an NFS mount on the host. Provisioned by an admin. More info: https://kubernetes.io/docs/concepts/storage/volumes#nfs'),
  csi: F(CSIPersistentVolumeSourceSchema, 'csi represents storage that is handled by an external CSI driver.'),
  accessModes: Arr(AccessMode, 'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes', atomic),
  claimRef: F(ObjectReferenceSchema, 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding', { 'x-kubernetes-map-type': 'granular' }),
  persistentVolumeReclaimPolicy: E('persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming', ['Delete', 'Recycle', 'Retain']),
  storageClassName: S('storageClassName is the name of StorageClass to which this persistent volume belongs. Empty value means that this volume does not belong to any StorageClass.'),
  mountOptions: SList('mountOptions is the list of mount options, e.g. ["ro", "soft"]. Not validated - mount will simply fail if one is invalid. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes/#mount-options', atomic),
  volumeMode: E('volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.', ['Block', 'Filesystem']),
  nodeAffinity: F(VolumeNodeAffinitySchema, 'nodeAffinity defines constraints that limit what nodes this volume can be accessed from. This field influences the scheduling of pods that use this volume.'),
  volumeAttributesClassName: S('Name of VolumeAttributesClass to which this persistent volume belongs. Empty value is not allowed. When this field is not set, it indicates that this volume does not belong to any VolumeAttributesClass.'),
});
export type PersistentVolumeSpec = Static<typeof PersistentVolumeSpecSchema>;

export const PersistentVolumeStatusSchema = def(CORE + 'PersistentVolumeStatus', 'PersistentVolumeStatus is the current status of a persistent volume.', {
  phase: E('phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase', ['Available', 'Bound', 'Failed', 'Pending', 'Released']),
  message: S('message is a human-readable message indicating details about why the volume is in this state.'),
  reason: S('reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
  lastPhaseTransitionTime: F(Time, 'lastPhaseTransitionTime is the time the phase transitioned from one to another and automatically resets to current time everytime a volume phase transitions.'),
});
export type PersistentVolumeStatus = Static<typeof PersistentVolumeStatusSchema>;

export const PersistentVolumeSchema = def(CORE + 'PersistentVolume', 'PersistentVolume (PV) is a storage resource provisioned by an administrator. It is analogous to a node. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(PersistentVolumeSpecSchema, 'spec defines a specification of a persistent volume owned by the cluster. Provisioned by an administrator. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#persistent-volumes'),
  status: F(PersistentVolumeStatusSchema, 'status represents the current information/status for the persistent volume. Populated by the system. Read-only. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#persistent-volumes'),
});
export type PersistentVolume = Static<typeof PersistentVolumeSchema>;

export const VolumeResourceRequirementsSchema = def(CORE + 'VolumeResourceRequirements', 'VolumeResourceRequirements describes the storage resource requirements for a volume.', {
  limits: ResourceList('Limits describes the maximum amount of compute resources allowed.'),
  requests: ResourceList('Requests describes the minimum amount of compute resources required. If Requests is omitted for a container, it defaults to Limits if that is explicitly specified, otherwise to an implementation-defined value.'),
});

export const TypedLocalObjectReferenceSchema = def(CORE + 'TypedLocalObjectReference', 'TypedLocalObjectReference contains enough information to let you locate the typed referenced object inside the same namespace.', {
  apiGroup: S('APIGroup is the group for the resource being referenced. If APIGroup is not specified, the specified Kind must be in the core API group.'),
  kind: RS('Kind is the type of resource being referenced'),
  name: RS('Name is the name of resource being referenced'),
}, { 'x-kubernetes-map-type': 'atomic' });

export const TypedObjectReferenceSchema = def(CORE + 'TypedObjectReference', 'TypedObjectReference contains enough information to let you locate the typed referenced object', {
  apiGroup: S('APIGroup is the group for the resource being referenced. If APIGroup is not specified, the specified Kind must be in the core API group.'),
  kind: RS('Kind is the type of resource being referenced'),
  name: RS('Name is the name of resource being referenced'),
  namespace: S("Namespace is the namespace of resource being referenced. (Alpha) This field requires the CrossNamespaceVolumeDataSource feature gate to be enabled."),
});

export const PersistentVolumeClaimSpecSchema = def(CORE + 'PersistentVolumeClaimSpec', 'PersistentVolumeClaimSpec describes the common attributes of storage devices and allows a Source for provider-specific attributes', {
  accessModes: Arr(AccessMode, 'accessModes contains the desired access modes the volume should have. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1', atomic),
  selector: F(LabelSelectorSchema, 'selector is a label query over volumes to consider for binding.'),
  resources: F(VolumeResourceRequirementsSchema, 'resources represents the minimum resources the volume should have. Users are allowed to specify resource requirements that are lower than previous value but must still be higher than capacity recorded in the status field of the claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#resources'),
  volumeName: S('volumeName is the binding reference to the PersistentVolume backing this claim.'),
  storageClassName: S('storageClassName is the name of the StorageClass required by the claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#class-1'),
  volumeMode: E('volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.', ['Block', 'Filesystem']),
  dataSource: F(TypedLocalObjectReferenceSchema, 'dataSource field can be used to specify either: * An existing VolumeSnapshot object (snapshot.storage.k8s.io/VolumeSnapshot) * An existing PVC (PersistentVolumeClaim) If the provisioner or an external controller can support the specified data source, it will create a new volume based on the contents of the specified data source.'),
  dataSourceRef: F(TypedObjectReferenceSchema, 'dataSourceRef specifies the object from which to populate the volume with data, if a non-empty volume is desired.'),
  volumeAttributesClassName: S('volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.'),
});
export type PersistentVolumeClaimSpec = Static<typeof PersistentVolumeClaimSpecSchema>;

export const PersistentVolumeClaimConditionSchema = def(CORE + 'PersistentVolumeClaimCondition', 'PersistentVolumeClaimCondition contains details about state of pvc', {
  type: RS('Type is the type of the condition. More info: https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/persistent-volume-claim-v1/#:~:text=set%20to%20%27ResizeStarted%27.-,PersistentVolumeClaimCondition,-contains%20details%20about'),
  status: RS('Status is the status of the condition. Can be True, False, Unknown.'),
  lastProbeTime: F(Time, 'lastProbeTime is the time we probed the condition.'),
  lastTransitionTime: F(Time, 'lastTransitionTime is the time the condition transitioned from one status to another.'),
  reason: S('reason is a unique, this should be a short, machine understandable string that gives the reason for condition\'s last transition. If it reports "Resizing" that means the underlying persistent volume is being resized.'),
  message: S('message is the human-readable message indicating details about last transition.'),
});

export const PersistentVolumeClaimStatusSchema = def(CORE + 'PersistentVolumeClaimStatus', 'PersistentVolumeClaimStatus is the current status of a persistent volume claim.', {
  phase: E('phase represents the current phase of PersistentVolumeClaim.', ['Bound', 'Lost', 'Pending']),
  accessModes: Arr(AccessMode, 'accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1', atomic),
  capacity: ResourceList('capacity represents the actual resources of the underlying volume.'),
  conditions: Arr(PersistentVolumeClaimConditionSchema, "conditions is the current Condition of persistent volume claim. If underlying persistent volume is being resized then the Condition will be set to 'Resizing'.", mergeBy('type')),
  allocatedResources: ResourceList('allocatedResources tracks the resources allocated to a PVC including its capacity.'),
  allocatedResourceStatuses: Map_(Type.String(), 'allocatedResourceStatuses stores status of resource being resized for the given PVC.', { 'x-kubernetes-map-type': 'granular' }),
  currentVolumeAttributesClassName: S('currentVolumeAttributesClassName is the current name of the VolumeAttributesClass the PVC is using.'),
});
export type PersistentVolumeClaimStatus = Static<typeof PersistentVolumeClaimStatusSchema>;

export const PersistentVolumeClaimSchema = def(CORE + 'PersistentVolumeClaim', "PersistentVolumeClaim is a user's request for and claim to a persistent volume", {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(PersistentVolumeClaimSpecSchema, 'spec defines the desired characteristics of a volume requested by a pod author. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#persistentvolumeclaims'),
  status: F(PersistentVolumeClaimStatusSchema, 'status represents the current information/status of a persistent volume claim. Read-only. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#persistentvolumeclaims'),
});
export type PersistentVolumeClaim = Static<typeof PersistentVolumeClaimSchema>;

export const TopologySelectorLabelRequirementSchema = def(CORE + 'TopologySelectorLabelRequirement', 'A topology selector requirement is a selector that matches given label.', {
  key: RS('The label key that the selector applies to.'),
  values: Arr(Type.String(), 'An array of string values. One value must match the label to be selected. Each entry in Values is ORed.', atomic),
});

export const TopologySelectorTermSchema = def(CORE + 'TopologySelectorTerm', 'A topology selector term represents the result of label queries. A null or empty topology selector term matches no objects. The requirements of them are ANDed.', {
  matchLabelExpressions: Arr(TopologySelectorLabelRequirementSchema, 'A list of topology selector requirements by labels.', atomic),
}, { 'x-kubernetes-map-type': 'atomic' });

export const StorageClassSchema = def(STORAGE + 'StorageClass', 'StorageClass describes the parameters for a class of storage for which PersistentVolumes can be dynamically provisioned.\n\nStorageClasses are non-namespaced; the name of the storage class according to etcd is in ObjectMeta.Name.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  provisioner: RS('provisioner indicates the type of the provisioner.'),
  parameters: SMap('parameters holds the parameters for the provisioner that should create volumes of this storage class.'),
  reclaimPolicy: E('reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.', ['Delete', 'Recycle', 'Retain']),
  mountOptions: SList('mountOptions controls the mountOptions for dynamically provisioned PersistentVolumes of this storage class. e.g. ["ro", "soft"]. Not validated - mount of the PVs will simply fail if one is invalid.', atomic),
  allowVolumeExpansion: B('allowVolumeExpansion shows whether the storage class allow volume expand.'),
  volumeBindingMode: E('volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.', ['Immediate', 'WaitForFirstConsumer']),
  allowedTopologies: Arr(TopologySelectorTermSchema, 'allowedTopologies restrict the node topologies where volumes can be dynamically provisioned. Each volume plugin defines its own supported topology specifications. An empty TopologySelectorTerm list means there is no topology restriction. This field is only honored by servers that enable the VolumeScheduling feature.', atomic),
});
export type StorageClass = Static<typeof StorageClassSchema>;

