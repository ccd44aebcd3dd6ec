/** core/v1: Pod, Node, Service, Endpoints, Namespace, ConfigMap, Secret, Event, ServiceAccount, Binding. */
import { Type, type Static } from '@sinclair/typebox';
import {
  def, S, E, I32, I64, B, SMap, SList, Arr, RArr, F, RF, RS, RI32, Map_, Quantity, IntOrString, Time, MicroTime,
  mergeBy, atomic, atomicMap, X_PATCH_MERGE_KEY, X_PATCH_STRATEGY, X_LIST_TYPE, X_LIST_MAP_KEYS,
} from './base.js';
import {
  typeMetaProps, objectMetaField, listMetaField, LabelSelectorSchema, ConditionSchema,
} from './meta.js';

const CORE = 'io.k8s.api.core.v1.';

/** A resource list: map of resource name (cpu, memory, ...) to quantity. */
const ResourceListField = (d: string) => Map_(Quantity, d);

// ---------------------------------------------------------------- references

export const LocalObjectReferenceSchema = def(CORE + 'LocalObjectReference', 'Enough information to locate the referenced object inside the same namespace.', {
  name: S('Name of the referent.'),
}, atomicMap);
export type LocalObjectReference = Static<typeof LocalObjectReferenceSchema>;

export const ObjectReferenceSchema = def(CORE + 'ObjectReference', 'Enough information to inspect or modify the referred object.', {
  kind: S('Kind of the referent.'),
  namespace: S('Namespace of the referent.'),
  name: S('Name of the referent.'),
  uid: S('UID of the referent.'),
  apiVersion: S('API version of the referent.'),
  resourceVersion: S('Specific resourceVersion to which this reference is made, if any.'),
  fieldPath: S('If referring to a piece of an object instead of an entire object, e.g. "spec.containers{name}".'),
}, atomicMap);
export type ObjectReference = Static<typeof ObjectReferenceSchema>;

// ---------------------------------------------------------------- env

export const ObjectFieldSelectorSchema = def(CORE + 'ObjectFieldSelector', 'Selects a field of the pod.', {
  apiVersion: S('Version of the schema the FieldPath is written in terms of, defaults to "v1".'),
  fieldPath: RS('Path of the field to select, e.g. metadata.name, metadata.namespace, status.podIP, spec.nodeName.'),
}, atomicMap);

export const ResourceFieldSelectorSchema = def(CORE + 'ResourceFieldSelector', 'Selects a resource of the container: limits.cpu, limits.memory, requests.cpu, requests.memory ...', {
  containerName: S('Container name: required for volumes, optional for env vars.'),
  resource: RS('Required: resource to select.'),
  divisor: F(Quantity, 'Specifies the output format of the exposed resources, defaults to "1".'),
}, atomicMap);

export const ConfigMapKeySelectorSchema = def(CORE + 'ConfigMapKeySelector', 'Selects a key from a ConfigMap.', {
  name: S('Name of the referent.'),
  key: RS('The key to select.'),
  optional: B('Specify whether the ConfigMap or its key must be defined.'),
}, atomicMap);

export const SecretKeySelectorSchema = def(CORE + 'SecretKeySelector', 'Selects a key of a Secret in the pod\'s namespace.', {
  name: S('Name of the referent.'),
  key: RS('The key of the secret to select from. Must be a valid secret key.'),
  optional: B('Specify whether the Secret or its key must be defined.'),
}, atomicMap);

export const EnvVarSourceSchema = def(CORE + 'EnvVarSource', 'A source for the value of an EnvVar.', {
  fieldRef: F(ObjectFieldSelectorSchema, 'Selects a field of the pod: metadata.name, metadata.namespace, metadata.labels[\'<KEY>\'], spec.nodeName, spec.serviceAccountName, status.hostIP, status.podIP, status.podIPs.'),
  resourceFieldRef: F(ResourceFieldSelectorSchema, 'Selects a resource of the container: only resources limits and requests are currently supported.'),
  configMapKeyRef: F(ConfigMapKeySelectorSchema, 'Selects a key of a ConfigMap.'),
  secretKeyRef: F(SecretKeySelectorSchema, "Selects a key of a secret in the pod's namespace."),
});

export const EnvVarSchema = def(CORE + 'EnvVar', 'An environment variable present in a Container.', {
  name: RS('Name of the environment variable.'),
  value: S('Variable references $(VAR_NAME) are expanded using previously defined environment variables in the container and any service environment variables. Defaults to "".'),
  valueFrom: F(EnvVarSourceSchema, "Source for the environment variable's value. Cannot be used if value is not empty."),
});
export type EnvVar = Static<typeof EnvVarSchema>;

export const ConfigMapEnvSourceSchema = def(CORE + 'ConfigMapEnvSource', 'Selects a ConfigMap to populate the environment variables with.', {
  name: S('Name of the referent.'),
  optional: B('Specify whether the ConfigMap must be defined.'),
});
export const SecretEnvSourceSchema = def(CORE + 'SecretEnvSource', 'Selects a Secret to populate the environment variables with.', {
  name: S('Name of the referent.'),
  optional: B('Specify whether the Secret must be defined.'),
});
export const EnvFromSourceSchema = def(CORE + 'EnvFromSource', 'A source to populate environment variables from: a ConfigMap or a Secret.', {
  prefix: S('An optional identifier to prepend to each key in the source.'),
  configMapRef: F(ConfigMapEnvSourceSchema, 'The ConfigMap to select from.'),
  secretRef: F(SecretEnvSourceSchema, 'The Secret to select from.'),
});
export type EnvFromSource = Static<typeof EnvFromSourceSchema>;

// ---------------------------------------------------------------- container parts

export const ContainerPortSchema = def(CORE + 'ContainerPort', 'A network port in a single container.', {
  name: S('If specified, an IANA_SVC_NAME unique within the pod, that services can refer to.'),
  hostPort: I32('Number of the port to expose on the host. Most containers do not need this.'),
  containerPort: RI32('Number of the port to expose on the pod\'s IP address (0 < x < 65536).'),
  protocol: E('Protocol for port: UDP, TCP or SCTP. Defaults to "TCP".', ['SCTP', 'TCP', 'UDP']),
  hostIP: S('What host IP to bind the external port to.'),
});
export type ContainerPort = Static<typeof ContainerPortSchema>;

export const ResourceClaimSchema = def(CORE + 'ResourceClaim', 'A reference to one entry in PodSpec.ResourceClaims.', {
  name: RS('Name of the PodSpec.ResourceClaims entry.'),
  request: S('The name of a request in the referenced claim.'),
});

export const ResourceRequirementsSchema = def(CORE + 'ResourceRequirements', 'Compute resource requirements.', {
  limits: ResourceListField('The maximum amount of compute resources allowed (cpu, memory, ...).'),
  requests: ResourceListField('The minimum amount of compute resources required. Defaults to limits when omitted.'),
  claims: Arr(ResourceClaimSchema, 'Names of resources, defined in spec.resourceClaims, used by this container.', { [X_LIST_TYPE]: 'map', [X_LIST_MAP_KEYS]: ['name'] }),
});
export type ResourceRequirements = Static<typeof ResourceRequirementsSchema>;

export const VolumeMountSchema = def(CORE + 'VolumeMount', 'A mounting of a Volume within a container.', {
  name: RS('This must match the Name of a Volume.'),
  readOnly: B('Mounted read-only if true, read-write otherwise. Defaults to false.'),
  recursiveReadOnly: S('Whether read-only mounts should be handled recursively: Disabled, IfPossible, Enabled.'),
  mountPath: RS("Path within the container at which the volume should be mounted. Must not contain ':'."),
  subPath: S("Path within the volume from which the container's volume should be mounted. Defaults to \"\" (volume's root)."),
  mountPropagation: E('How mounts are propagated from the host to container and the other way around: None, HostToContainer, Bidirectional.', ['Bidirectional', 'HostToContainer', 'None']),
  subPathExpr: S('Expanded path within the volume from which the container\'s volume should be mounted, with $(VAR_NAME) expansion.'),
});
export type VolumeMount = Static<typeof VolumeMountSchema>;

export const VolumeDeviceSchema = def(CORE + 'VolumeDevice', 'A mapping of a raw block device within a container.', {
  name: RS('Must match the name of a persistentVolumeClaim in the pod.'),
  devicePath: RS('The path inside of the container that the device will be mapped to.'),
});

export const ExecActionSchema = def(CORE + 'ExecAction', 'Describes a "run in container" action.', {
  command: SList('Command line to execute inside the container; the working directory is root (/). Not run in a shell. Exit status 0 is healthy.', atomic),
});
export const HTTPHeaderSchema = def(CORE + 'HTTPHeader', 'A custom header to be used in HTTP probes.', {
  name: RS('The header field name.'),
  value: RS('The header field value.'),
});
export const HTTPGetActionSchema = def(CORE + 'HTTPGetAction', 'An action based on HTTP Get requests.', {
  path: S('Path to access on the HTTP server.'),
  port: RF(IntOrString, 'Name or number of the port to access on the container. Number must be in the range 1 to 65535.'),
  host: S('Host name to connect to, defaults to the pod IP.'),
  scheme: E('Scheme to use for connecting to the host: HTTP or HTTPS. Defaults to HTTP.', ['HTTP', 'HTTPS']),
  httpHeaders: Arr(HTTPHeaderSchema, 'Custom headers to set in the request.', atomic),
});
export const TCPSocketActionSchema = def(CORE + 'TCPSocketAction', 'An action based on opening a socket.', {
  port: RF(IntOrString, 'Number or name of the port to access on the container.'),
  host: S('Optional: host name to connect to, defaults to the pod IP.'),
});
export const GRPCActionSchema = def(CORE + 'GRPCAction', 'A gRPC health check action.', {
  port: RI32('Port number of the gRPC service.'),
  service: S('Name of the service to place in the gRPC HealthCheckRequest.'),
});

export const ProbeSchema = def(CORE + 'Probe', 'A health check to be performed against a container to determine whether it is alive or ready to receive traffic.', {
  exec: F(ExecActionSchema, 'Exec specifies a command to execute in the container.'),
  httpGet: F(HTTPGetActionSchema, 'HTTPGet specifies an HTTP GET request to perform.'),
  tcpSocket: F(TCPSocketActionSchema, 'TCPSocket specifies a connection to a TCP port.'),
  grpc: F(GRPCActionSchema, 'GRPC specifies a GRPC HealthCheckRequest.'),
  initialDelaySeconds: I32('Number of seconds after the container has started before probes are initiated.'),
  timeoutSeconds: I32('Number of seconds after which the probe times out. Defaults to 1 second. Minimum value is 1.'),
  periodSeconds: I32('How often (in seconds) to perform the probe. Default to 10 seconds. Minimum value is 1.'),
  successThreshold: I32('Minimum consecutive successes for the probe to be considered successful after having failed. Defaults to 1. Must be 1 for liveness and startup.'),
  failureThreshold: I32('Minimum consecutive failures for the probe to be considered failed after having succeeded. Defaults to 3.'),
  terminationGracePeriodSeconds: I64('Optional duration in seconds the pod needs to terminate gracefully upon probe failure.'),
});
export type Probe = Static<typeof ProbeSchema>;

export const SleepActionSchema = def(CORE + 'SleepAction', 'Describes a "sleep" action.', {
  seconds: Type.Integer({ description: 'Seconds is the number of seconds to sleep.', format: 'int64' }),
});
export const LifecycleHandlerSchema = def(CORE + 'LifecycleHandler', 'A specific action that should be taken in a lifecycle hook. One and only one of the fields, except TCPSocket, must be specified.', {
  exec: F(ExecActionSchema, 'Exec specifies a command to execute in the container.'),
  httpGet: F(HTTPGetActionSchema, 'HTTPGet specifies an HTTP GET request to perform.'),
  tcpSocket: F(TCPSocketActionSchema, 'Deprecated. TCPSocket is not supported as a LifecycleHandler.'),
  sleep: F(SleepActionSchema, 'Sleep represents a duration that the container should sleep.'),
});
export const LifecycleSchema = def(CORE + 'Lifecycle', 'Actions that the management system should take in response to container lifecycle events.', {
  postStart: F(LifecycleHandlerSchema, 'Called immediately after a container is created. If the handler fails, the container is terminated and restarted according to its restart policy.'),
  preStop: F(LifecycleHandlerSchema, 'Called immediately before a container is terminated due to an API request or management event. The grace period countdown begins before the hook runs.'),
  stopSignal: S('The signal sent to the container to stop it, e.g. SIGTERM.'),
});

export const CapabilitiesSchema = def(CORE + 'Capabilities', 'Adds and removes POSIX capabilities from running containers.', {
  add: SList('Added capabilities.', atomic),
  drop: SList('Removed capabilities.', atomic),
});
export const SELinuxOptionsSchema = def(CORE + 'SELinuxOptions', 'The labels to be applied to the container.', {
  user: S('SELinux user label.'), role: S('SELinux role label.'), type: S('SELinux type label.'), level: S('SELinux level label.'),
});
export const SeccompProfileSchema = def(CORE + 'SeccompProfile', "A pod/container's seccomp profile settings. Only one profile source may be set.", {
  type: Type.String({ description: 'Which kind of seccomp profile will be applied: Localhost, RuntimeDefault or Unconfined.', enum: ['Localhost', 'RuntimeDefault', 'Unconfined'] }),
  localhostProfile: S('A profile defined in a file on the node, for type Localhost.'),
});
export const AppArmorProfileSchema = def(CORE + 'AppArmorProfile', "A pod or container's AppArmor settings.", {
  type: RS('Which kind of AppArmor profile will be applied: Localhost, RuntimeDefault or Unconfined.'),
  localhostProfile: S('A profile loaded on the node, for type Localhost.'),
});
export const WindowsSecurityContextOptionsSchema = def(CORE + 'WindowsSecurityContextOptions', 'Windows-specific options and credentials.', {
  gmsaCredentialSpecName: S(), gmsaCredentialSpec: S(), runAsUserName: S(), hostProcess: B(),
});

export const SecurityContextSchema = def(CORE + 'SecurityContext', 'Security configuration applied to a container. Fields present in both SecurityContext and PodSecurityContext take precedence from SecurityContext.', {
  capabilities: F(CapabilitiesSchema, 'The capabilities to add/drop when running containers. Defaults to the default set of the container runtime.'),
  privileged: B('Run container in privileged mode: processes are essentially equivalent to root on the host. Defaults to false.'),
  seLinuxOptions: F(SELinuxOptionsSchema, 'The SELinux context to be applied to the container.'),
  windowsOptions: F(WindowsSecurityContextOptionsSchema, 'Windows specific settings.'),
  runAsUser: I64('The UID to run the entrypoint of the container process. Defaults to the image user.'),
  runAsGroup: I64('The GID to run the entrypoint of the container process.'),
  runAsNonRoot: B('Indicates that the container must run as a non-root user; the kubelet refuses to start it otherwise.'),
  readOnlyRootFilesystem: B('Whether this container has a read-only root filesystem. Default is false.'),
  allowPrivilegeEscalation: B('Whether a process can gain more privileges than its parent process (no_new_privs).'),
  procMount: S('The type of proc mount to use for the containers: Default or Unmasked.'),
  seccompProfile: F(SeccompProfileSchema, 'The seccomp options to use by this container.'),
  appArmorProfile: F(AppArmorProfileSchema, 'The AppArmor options to use by this container.'),
});
export type SecurityContext = Static<typeof SecurityContextSchema>;

export const ContainerResizePolicySchema = def(CORE + 'ContainerResizePolicy', 'Resource resize policy for the container.', {
  resourceName: RS('Name of the resource to which this resource resize policy applies: cpu, memory.'),
  restartPolicy: RS('Restart policy to apply when the resource is resized: NotRequired or RestartContainer.'),
});

const containerProps = {
  name: RS('Name of the container as a DNS_LABEL. Each container in a pod must have a unique name. Cannot be updated.'),
  image: S('Container image name. Optional here to allow higher level config management to default or override it in workload controllers.'),
  command: SList("Entrypoint array. Not executed within a shell. The image's ENTRYPOINT is used if this is not provided. $(VAR_NAME) references are expanded. Cannot be updated.", atomic),
  args: SList("Arguments to the entrypoint. The image's CMD is used if this is not provided. $(VAR_NAME) references are expanded. Cannot be updated.", atomic),
  workingDir: S("Container's working directory. Defaults to the container runtime's default (the image's). Cannot be updated."),
  ports: Arr(ContainerPortSchema, 'List of ports to expose from the container. Not specifying a port here DOES NOT prevent it from being exposed: this is primarily informational. Cannot be updated.', {
    [X_PATCH_MERGE_KEY]: 'containerPort', [X_PATCH_STRATEGY]: 'merge', [X_LIST_TYPE]: 'map', [X_LIST_MAP_KEYS]: ['containerPort', 'protocol'],
  }),
  envFrom: Arr(EnvFromSourceSchema, 'List of sources to populate environment variables in the container. Keys defined in env take precedence. Cannot be updated.', atomic),
  env: Arr(EnvVarSchema, 'List of environment variables to set in the container. Cannot be updated.', mergeBy('name')),
  resources: F(ResourceRequirementsSchema, 'Compute Resources required by this container (requests and limits).'),
  resizePolicy: Arr(ContainerResizePolicySchema, 'Resources resize policy for the container.', atomic),
  restartPolicy: S('Restart behavior of an individual container; only "Always" for init containers (sidecars).'),
  volumeMounts: Arr(VolumeMountSchema, "Pod volumes to mount into the container's filesystem. Cannot be updated.", mergeBy('mountPath')),
  volumeDevices: Arr(VolumeDeviceSchema, 'volumeDevices is the list of block devices to be used by the container.', mergeBy('devicePath')),
  livenessProbe: F(ProbeSchema, 'Periodic probe of container liveness. Container will be restarted if the probe fails. Cannot be updated.'),
  readinessProbe: F(ProbeSchema, 'Periodic probe of container service readiness. Container will be removed from service endpoints if the probe fails. Cannot be updated.'),
  startupProbe: F(ProbeSchema, 'StartupProbe indicates that the Pod has successfully initialized. Other probes wait until it succeeds. Cannot be updated.'),
  lifecycle: F(LifecycleSchema, 'Actions that the management system should take in response to container lifecycle events. Cannot be updated.'),
  terminationMessagePath: S("Path at which the file to which the container's termination message will be written is mounted. Defaults to /dev/termination-log. Cannot be updated."),
  terminationMessagePolicy: E('How the termination message should be populated: File (default) or FallbackToLogsOnError. Cannot be updated.', ['FallbackToLogsOnError', 'File']),
  imagePullPolicy: E('Image pull policy: Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise. Cannot be updated.', ['Always', 'IfNotPresent', 'Never']),
  securityContext: F(SecurityContextSchema, 'SecurityContext defines the security options the container should be run with.'),
  stdin: B('Whether this container should allocate a buffer for stdin in the container runtime. Default is false.'),
  stdinOnce: B('Whether the container runtime should close the stdin channel after it has been opened by a single attach. Default is false.'),
  tty: B('Whether this container should allocate a TTY for itself; also requires stdin to be true. Default is false.'),
};

export const ContainerSchema = def(CORE + 'Container', 'A single application container that you want to run within a pod.', containerProps);
export type Container = Static<typeof ContainerSchema>;

export const EphemeralContainerSchema = def(CORE + 'EphemeralContainer', 'A temporary container added to an existing Pod for user-initiated activities such as debugging.', {
  ...containerProps,
  targetContainerName: S('The name of a container in PodSpec whose namespaces (IPC, PID, ...) this container targets.'),
});
export type EphemeralContainer = Static<typeof EphemeralContainerSchema>;

// ---------------------------------------------------------------- volumes

export const KeyToPathSchema = def(CORE + 'KeyToPath', 'Maps a string key to a path within a volume.', {
  key: RS('The key to project.'),
  path: RS('The relative path of the file to map the key to. May not be an absolute path or contain "..".'),
  mode: I32('Optional: mode bits used to set permissions on this file, e.g. 0644 (420 in decimal).'),
});
export const EmptyDirVolumeSourceSchema = def(CORE + 'EmptyDirVolumeSource', 'An empty directory for a pod, deleted with the pod.', {
  medium: S('What type of storage medium should back this directory: "" (node default) or "Memory".'),
  sizeLimit: F(Quantity, 'Total amount of local storage required for this EmptyDir volume.'),
});
export const HostPathVolumeSourceSchema = def(CORE + 'HostPathVolumeSource', 'A host path mapped into a pod.', {
  path: RS('Path of the directory on the host. If the path is a symlink, it follows the link to the real path.'),
  type: E('Type for HostPath Volume: "", DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice.', ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket']),
});
export const ConfigMapVolumeSourceSchema = def(CORE + 'ConfigMapVolumeSource', 'Adapts a ConfigMap into a volume: each key becomes a file.', {
  name: S('Name of the referent.'),
  items: Arr(KeyToPathSchema, 'If unspecified, each key-value pair in the Data field becomes a file whose name is the key. Otherwise only the listed keys are projected.', atomic),
  defaultMode: I32('Mode bits used to set permissions on created files by default. Defaults to 0644.'),
  optional: B('Specify whether the ConfigMap or its keys must be defined.'),
});
export const SecretVolumeSourceSchema = def(CORE + 'SecretVolumeSource', 'Adapts a Secret into a volume: each key becomes a file.', {
  secretName: S("Name of the secret in the pod's namespace to use."),
  items: Arr(KeyToPathSchema, 'If unspecified, each key-value pair in the Data field becomes a file whose name is the key.', atomic),
  defaultMode: I32('Mode bits used to set permissions on created files by default. Defaults to 0644.'),
  optional: B('Specify whether the Secret or its keys must be defined.'),
});
export const PersistentVolumeClaimVolumeSourceSchema = def(CORE + 'PersistentVolumeClaimVolumeSource', "References the user's PVC in the same namespace.", {
  claimName: RS('The name of a PersistentVolumeClaim in the same namespace as the pod.'),
  readOnly: B('Will force the ReadOnly setting in VolumeMounts. Default false.'),
});
export const DownwardAPIVolumeFileSchema = def(CORE + 'DownwardAPIVolumeFile', 'Information to create the file containing the pod field.', {
  path: RS("Relative path name of the file to be created. Must not be absolute or contain the '..' path."),
  fieldRef: F(ObjectFieldSelectorSchema, 'Selects a field of the pod: only annotations, labels, name, namespace and uid are supported.'),
  resourceFieldRef: F(ResourceFieldSelectorSchema, 'Selects a resource of the container: only resources limits and requests are supported.'),
  mode: I32('Optional: mode bits used to set permissions on this file.'),
});
export const DownwardAPIVolumeSourceSchema = def(CORE + 'DownwardAPIVolumeSource', 'Downward API info exposed as files.', {
  items: Arr(DownwardAPIVolumeFileSchema, 'Items is a list of downward API volume file.', atomic),
  defaultMode: I32('Mode bits to use on created files by default. Defaults to 0644.'),
});
export const ServiceAccountTokenProjectionSchema = def(CORE + 'ServiceAccountTokenProjection', 'A projected service account token volume.', {
  audience: S('Intended audience of the token.'),
  expirationSeconds: I64('Requested duration of validity of the service account token. Defaults to 1 hour.'),
  path: RS('Path relative to the mount point of the file to project the token into.'),
});
export const ConfigMapProjectionSchema = def(CORE + 'ConfigMapProjection', 'Adapts a ConfigMap into a projected volume.', {
  name: S('Name of the referent.'),
  items: Arr(KeyToPathSchema, 'Keys to project; all keys if unspecified.', atomic),
  optional: B('Specify whether the ConfigMap or its keys must be defined.'),
});
export const SecretProjectionSchema = def(CORE + 'SecretProjection', 'Adapts a secret into a projected volume.', {
  name: S('Name of the referent.'),
  items: Arr(KeyToPathSchema, 'Keys to project; all keys if unspecified.', atomic),
  optional: B('Specify whether the Secret or its key must be defined.'),
});
export const DownwardAPIProjectionSchema = def(CORE + 'DownwardAPIProjection', 'Downward API info to project into a projected volume.', {
  items: Arr(DownwardAPIVolumeFileSchema, 'Items is a list of DownwardAPIVolume file.', atomic),
});
export const VolumeProjectionSchema = def(CORE + 'VolumeProjection', 'A projection that may be projected along with other supported volume types. Exactly one of these fields must be set.', {
  configMap: F(ConfigMapProjectionSchema, 'ConfigMap information about the configMap data to project.'),
  secret: F(SecretProjectionSchema, 'Secret information about the secret data to project.'),
  downwardAPI: F(DownwardAPIProjectionSchema, 'DownwardAPI information about the downwardAPI data to project.'),
  serviceAccountToken: F(ServiceAccountTokenProjectionSchema, 'Information about the serviceAccountToken data to project.'),
});
export const ProjectedVolumeSourceSchema = def(CORE + 'ProjectedVolumeSource', 'A projected volume source: several sources in one directory.', {
  sources: Arr(VolumeProjectionSchema, 'List of volume projections.', atomic),
  defaultMode: I32('Mode bits used to set permissions on created files by default.'),
});
export const NFSVolumeSourceSchema = def(CORE + 'NFSVolumeSource', 'An NFS mount that lasts the lifetime of a pod.', {
  server: RS('Hostname or IP address of the NFS server.'),
  path: RS('Path that is exported by the NFS server.'),
  readOnly: B('Force the NFS export to be mounted with read-only permissions. Defaults to false.'),
});
export const ImageVolumeSourceSchema = def(CORE + 'ImageVolumeSource', 'An OCI object (image or artifact) as a volume.', {
  reference: S('Image or artifact reference to be used.'),
  pullPolicy: S('Policy for pulling OCI objects: Always, Never, IfNotPresent.'),
});

export const VolumeSchema = def(CORE + 'Volume', 'A named volume in a pod that may be accessed by any container in the pod. Exactly one volume source must be set.', {
  name: RS('Name of the volume. Must be a DNS_LABEL and unique within the pod.'),
  emptyDir: F(EmptyDirVolumeSourceSchema, 'A temporary directory that shares a pod\'s lifetime.'),
  hostPath: F(HostPathVolumeSourceSchema, 'A pre-existing file or directory on the host machine directly exposed to the container.'),
  configMap: F(ConfigMapVolumeSourceSchema, 'A configMap that should populate this volume.'),
  secret: F(SecretVolumeSourceSchema, 'A secret that should populate this volume.'),
  downwardAPI: F(DownwardAPIVolumeSourceSchema, 'Downward API about the pod that should populate this volume.'),
  projected: F(ProjectedVolumeSourceSchema, 'Items for all in one resources secrets, configmaps, and downward API.'),
  persistentVolumeClaim: F(PersistentVolumeClaimVolumeSourceSchema, 'A reference to a PersistentVolumeClaim in the same namespace.'),
  nfs: F(NFSVolumeSourceSchema, 'An NFS mount on the host that shares a pod\'s lifetime.'),
  image: F(ImageVolumeSourceSchema, 'An OCI object (a container image or artifact) pulled and mounted on the host.'),
});
export type Volume = Static<typeof VolumeSchema>;

// ---------------------------------------------------------------- scheduling

export const NodeSelectorRequirementSchema = def(CORE + 'NodeSelectorRequirement', 'A selector that contains values, a key, and an operator that relates the key and values.', {
  key: RS('The label key that the selector applies to.'),
  operator: Type.String({ description: "Represents a key's relationship to a set of values: In, NotIn, Exists, DoesNotExist, Gt, Lt.", enum: ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'] }),
  values: SList('An array of string values. Non-empty for In/NotIn, empty for Exists/DoesNotExist, a single integer for Gt/Lt.', atomic),
});
export type NodeSelectorRequirement = Static<typeof NodeSelectorRequirementSchema>;

export const NodeSelectorTermSchema = def(CORE + 'NodeSelectorTerm', 'The requirements of a node selector term are ANDed. A null or empty term matches no objects.', {
  matchExpressions: Arr(NodeSelectorRequirementSchema, "A list of node selector requirements by node's labels.", atomic),
  matchFields: Arr(NodeSelectorRequirementSchema, "A list of node selector requirements by node's fields.", atomic),
}, atomicMap);
export type NodeSelectorTerm = Static<typeof NodeSelectorTermSchema>;

export const NodeSelectorSchema = def(CORE + 'NodeSelector', 'A node selector: the union of the results of one or more label queries over a set of nodes (terms are ORed).', {
  nodeSelectorTerms: RArr(NodeSelectorTermSchema, 'Required. A list of node selector terms. The terms are ORed.', atomic),
}, atomicMap);
export type NodeSelector = Static<typeof NodeSelectorSchema>;

export const PreferredSchedulingTermSchema = def(CORE + 'PreferredSchedulingTerm', 'An empty preferred scheduling term matches all objects with implicit weight 0.', {
  weight: RI32('Weight associated with matching the corresponding nodeSelectorTerm, in the range 1-100.'),
  preference: RF(NodeSelectorTermSchema, 'A node selector term, associated with the corresponding weight.'),
});

export const NodeAffinitySchema = def(CORE + 'NodeAffinity', 'Node affinity scheduling rules for the pod.', {
  requiredDuringSchedulingIgnoredDuringExecution: F(NodeSelectorSchema, 'If the affinity requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node.'),
  preferredDuringSchedulingIgnoredDuringExecution: Arr(PreferredSchedulingTermSchema, 'The scheduler will prefer to schedule pods to nodes that satisfy these expressions; the node with the greatest sum of weights is the most preferred.', atomic),
});
export type NodeAffinity = Static<typeof NodeAffinitySchema>;

export const PodAffinityTermSchema = def(CORE + 'PodAffinityTerm', 'A group of pods that this pod should be co-located (affinity) or not co-located (anti-affinity) with, on nodes whose topologyKey label value matches.', {
  labelSelector: F(LabelSelectorSchema, 'A label query over a set of resources, in this case pods.'),
  namespaces: SList('Namespaces the labelSelector applies to. Null or empty means "this pod\'s namespace".', atomic),
  topologyKey: RS('Co-located means running on a node whose value of the label with this key matches that of any node on which any of the selected pods is running. Empty is not allowed.'),
  namespaceSelector: F(LabelSelectorSchema, 'A label query over the set of namespaces that the term applies to.'),
  matchLabelKeys: SList('Pod label keys to select which pods will be taken into consideration.', atomic),
  mismatchLabelKeys: SList('Pod label keys to select which pods will be excluded.', atomic),
});
export type PodAffinityTerm = Static<typeof PodAffinityTermSchema>;

export const WeightedPodAffinityTermSchema = def(CORE + 'WeightedPodAffinityTerm', 'The weights of all of the matched WeightedPodAffinityTerm fields are added per-node to find the most preferred node(s).', {
  weight: RI32('Weight associated with matching the corresponding podAffinityTerm, in the range 1-100.'),
  podAffinityTerm: RF(PodAffinityTermSchema, 'Required. A pod affinity term, associated with the corresponding weight.'),
});
export type WeightedPodAffinityTerm = Static<typeof WeightedPodAffinityTermSchema>;

export const PodAffinitySchema = def(CORE + 'PodAffinity', 'Inter-pod affinity scheduling rules.', {
  requiredDuringSchedulingIgnoredDuringExecution: Arr(PodAffinityTermSchema, 'If the affinity requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node. All terms must be satisfied.', atomic),
  preferredDuringSchedulingIgnoredDuringExecution: Arr(WeightedPodAffinityTermSchema, 'The scheduler will prefer to schedule pods to nodes that satisfy the affinity expressions specified by this field.', atomic),
});
export const PodAntiAffinitySchema = def(CORE + 'PodAntiAffinity', 'Inter-pod anti-affinity scheduling rules.', {
  requiredDuringSchedulingIgnoredDuringExecution: Arr(PodAffinityTermSchema, 'If the anti-affinity requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node.', atomic),
  preferredDuringSchedulingIgnoredDuringExecution: Arr(WeightedPodAffinityTermSchema, 'The scheduler will prefer to schedule pods to nodes that satisfy the anti-affinity expressions specified by this field.', atomic),
});
export const AffinitySchema = def(CORE + 'Affinity', 'A group of affinity scheduling rules.', {
  nodeAffinity: F(NodeAffinitySchema, 'Describes node affinity scheduling rules for the pod.'),
  podAffinity: F(PodAffinitySchema, 'Describes pod affinity scheduling rules (e.g. co-locate this pod in the same node, zone, etc. as some other pod(s)).'),
  podAntiAffinity: F(PodAntiAffinitySchema, 'Describes pod anti-affinity scheduling rules (e.g. avoid putting this pod in the same node, zone, etc. as some other pod(s)).'),
});
export type Affinity = Static<typeof AffinitySchema>;

export const TolerationSchema = def(CORE + 'Toleration', 'The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect> using the matching operator.', {
  key: S('The taint key that the toleration applies to. Empty means match all taint keys (operator must then be Exists).'),
  operator: E("Represents a key's relationship to the value: Exists or Equal. Defaults to Equal.", ['Equal', 'Exists']),
  value: S('The taint value the toleration matches to. Should be empty if the operator is Exists.'),
  effect: E('The taint effect to match. Empty means match all taint effects: NoSchedule, PreferNoSchedule, NoExecute.', ['NoExecute', 'NoSchedule', 'PreferNoSchedule']),
  tolerationSeconds: I64('For NoExecute taints: how long the pod stays bound after the taint is added. Unset means forever.'),
});
export type Toleration = Static<typeof TolerationSchema>;

export const TopologySpreadConstraintSchema = def(CORE + 'TopologySpreadConstraint', 'Specifies how to spread matching pods among the given topology.', {
  maxSkew: RI32('The degree to which pods may be unevenly distributed. Must be greater than zero.'),
  topologyKey: RS('The key of node labels. Nodes with identical values for this key are in the same topology domain.'),
  whenUnsatisfiable: Type.String({ description: 'How to deal with a pod if it does not satisfy the spread constraint: DoNotSchedule (default) or ScheduleAnyway.', enum: ['DoNotSchedule', 'ScheduleAnyway'] }),
  labelSelector: F(LabelSelectorSchema, 'Used to find matching pods, counted to determine the number of pods in their topology domain.'),
  minDomains: I32('Minimum number of eligible domains.'),
  nodeAffinityPolicy: S('How to treat the pod\'s nodeAffinity/nodeSelector when calculating skew: Honor or Ignore.'),
  nodeTaintsPolicy: S('How to treat node taints when calculating skew: Honor or Ignore.'),
  matchLabelKeys: SList('Pod label keys to select the pods over which spreading will be calculated.', atomic),
});
export type TopologySpreadConstraint = Static<typeof TopologySpreadConstraintSchema>;

export const PodSecurityContextSchema = def(CORE + 'PodSecurityContext', 'Pod-level security attributes and common container settings.', {
  seLinuxOptions: F(SELinuxOptionsSchema, 'The SELinux context to be applied to all containers.'),
  windowsOptions: F(WindowsSecurityContextOptionsSchema, 'Windows specific settings.'),
  runAsUser: I64('The UID to run the entrypoint of the container process.'),
  runAsGroup: I64('The GID to run the entrypoint of the container process.'),
  runAsNonRoot: B('Indicates that the container must run as a non-root user.'),
  supplementalGroups: Arr(Type.Integer({ format: 'int64' }), 'Groups applied to the first process run in each container, in addition to its primary GID.', atomic),
  supplementalGroupsPolicy: S('How supplemental groups of the first container processes are calculated: Merge or Strict.'),
  fsGroup: I64('A special supplemental group that applies to all containers; volumes supporting ownership management are owned by it.'),
  fsGroupChangePolicy: S('Behavior of changing ownership and permission of the volume: OnRootMismatch or Always.'),
  sysctls: Arr(def(CORE + 'Sysctl', 'A kernel parameter to be set.', { name: RS('Name of a property to set.'), value: RS('Value of a property to set.') }), 'Namespaced sysctls used for the pod.', atomic),
  seccompProfile: F(SeccompProfileSchema, 'The seccomp options to use by the containers in this pod.'),
  appArmorProfile: F(AppArmorProfileSchema, 'The AppArmor options to use by the containers in this pod.'),
  seLinuxChangePolicy: S('How the container\'s SELinux label is applied to all volumes used by the Pod: Recursive or MountOption.'),
});
export type PodSecurityContext = Static<typeof PodSecurityContextSchema>;

export const HostAliasSchema = def(CORE + 'HostAlias', 'Holds the mapping between IP and hostnames injected into the pod\'s hosts file.', {
  ip: RS('IP address of the host file entry.'),
  hostnames: SList('Hostnames for the above IP address.', atomic),
});
export const PodDNSConfigOptionSchema = def(CORE + 'PodDNSConfigOption', 'A DNS resolver option of a pod.', {
  name: S('Name is this DNS resolver option\'s name. Required.'),
  value: S('Value is this DNS resolver option\'s value.'),
});
export const PodDNSConfigSchema = def(CORE + 'PodDNSConfig', 'DNS parameters of a pod, in addition to those generated from DNSPolicy.', {
  nameservers: SList('A list of DNS name server IP addresses.', atomic),
  searches: SList('A list of DNS search domains for host-name lookup.', atomic),
  options: Arr(PodDNSConfigOptionSchema, 'A list of DNS resolver options.', atomic),
});
export const PodReadinessGateSchema = def(CORE + 'PodReadinessGate', 'A reference to a pod condition.', {
  conditionType: RS("Refers to a condition in the pod's condition list with matching type."),
});
export const PodSchedulingGateSchema = def(CORE + 'PodSchedulingGate', 'A gate that blocks scheduling while present.', {
  name: RS('Name of the scheduling gate. Each scheduling gate must have a unique name field.'),
});
export const PodOSSchema = def(CORE + 'PodOS', 'The OS parameters of a pod.', {
  name: RS('The name of the operating system: linux or windows.'),
});

export const PodSpecSchema = def(CORE + 'PodSpec', 'A description of a pod.', {
  volumes: Arr(VolumeSchema, 'List of volumes that can be mounted by containers belonging to the pod.', {
    ...mergeBy('name'), [X_PATCH_STRATEGY]: 'merge,retainKeys',
  }),
  initContainers: Arr(ContainerSchema, 'List of initialization containers belonging to the pod. Init containers are executed in order prior to the regular containers; if any fails, the pod is considered to have failed and is handled according to its restartPolicy.', mergeBy('name')),
  containers: RArr(ContainerSchema, 'List of containers belonging to the pod. Containers cannot currently be added or removed. There must be at least one container in a Pod. Cannot be updated.', mergeBy('name')),
  ephemeralContainers: Arr(EphemeralContainerSchema, 'List of ephemeral containers run in this pod, for user-initiated actions such as debugging.', mergeBy('name')),
  restartPolicy: E('Restart policy for all containers within the pod: Always, OnFailure, Never. Default to Always.', ['Always', 'Never', 'OnFailure']),
  terminationGracePeriodSeconds: I64('Optional duration in seconds the pod needs to terminate gracefully. Value must be a non-negative integer; zero means stop immediately via the kill signal. Defaults to 30 seconds.'),
  activeDeadlineSeconds: I64('Optional duration in seconds the pod may be active on the node relative to StartTime before the system actively tries to mark it failed and kill associated containers.'),
  dnsPolicy: E('Set DNS policy for the pod: ClusterFirstWithHostNet, ClusterFirst, Default or None. Defaults to "ClusterFirst".', ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']),
  nodeSelector: SMap("A selector which must be true for the pod to fit on a node: the node's labels must contain every key/value.", atomicMap),
  serviceAccountName: S('Name of the ServiceAccount to use to run this pod.'),
  serviceAccount: S('Deprecated alias for serviceAccountName.'),
  automountServiceAccountToken: B('Indicates whether a service account token should be automatically mounted.'),
  nodeName: S('A request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.'),
  hostNetwork: B("Host networking requested for this pod: use the host's network namespace. Default to false."),
  hostPID: B("Use the host's pid namespace. Optional: Default to false."),
  hostIPC: B("Use the host's ipc namespace. Optional: Default to false."),
  shareProcessNamespace: B('Share a single process namespace between all of the containers in a pod. Default to false.'),
  securityContext: F(PodSecurityContextSchema, 'Holds pod-level security attributes and common container settings.'),
  imagePullSecrets: Arr(LocalObjectReferenceSchema, 'References to secrets in the same namespace to use for pulling any of the images used by this PodSpec.', mergeBy('name')),
  hostname: S("Specifies the hostname of the Pod. If not specified, the pod's hostname will be set to a system-defined value."),
  subdomain: S('If specified, the fully qualified Pod hostname will be "<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>".'),
  affinity: F(AffinitySchema, "If specified, the pod's scheduling constraints."),
  schedulerName: S('If specified, the pod will be dispatched by specified scheduler. If not specified, the pod will be dispatched by default scheduler.'),
  tolerations: Arr(TolerationSchema, "If specified, the pod's tolerations.", atomic),
  hostAliases: Arr(HostAliasSchema, "Optional list of hosts and IPs that will be injected into the pod's hosts file.", mergeBy('ip')),
  priorityClassName: S('If specified, indicates the pod\'s priority. "system-node-critical" and "system-cluster-critical" are two special keywords.'),
  priority: I32('The priority value. Various system components use this field to find the priority of the pod. Populated from priorityClassName by the admission controller.'),
  dnsConfig: F(PodDNSConfigSchema, 'Specifies the DNS parameters of a pod.'),
  readinessGates: Arr(PodReadinessGateSchema, 'If specified, all readiness gates will be evaluated for pod readiness: the pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status "True".', atomic),
  runtimeClassName: S('Refers to a RuntimeClass object in the node.k8s.io group, which should be used to run this pod.'),
  enableServiceLinks: B("Indicates whether information about services should be injected into pod's environment variables, matching the syntax of Docker links. Defaults to true."),
  preemptionPolicy: E('PreemptionPolicy is the Policy for preempting pods with lower priority: Never or PreemptLowerPriority. Defaults to PreemptLowerPriority.', ['Never', 'PreemptLowerPriority']),
  overhead: ResourceListField('The resource overhead associated with running a pod for a given RuntimeClass.'),
  topologySpreadConstraints: Arr(TopologySpreadConstraintSchema, 'How a group of pods ought to spread across topology domains. The scheduler will schedule pods in a way which abides by the constraints.', {
    [X_PATCH_MERGE_KEY]: 'topologyKey', [X_PATCH_STRATEGY]: 'merge', [X_LIST_TYPE]: 'map', [X_LIST_MAP_KEYS]: ['topologyKey', 'whenUnsatisfiable'],
  }),
  setHostnameAsFQDN: B("If true the pod's hostname will be configured as the pod's FQDN. Default to false."),
  os: F(PodOSSchema, 'Specifies the OS of the containers in the pod.'),
  hostUsers: B('Use the host\'s user namespace. Optional: Default to true.'),
  schedulingGates: Arr(PodSchedulingGateSchema, 'An opaque list of values that if specified will block scheduling the pod.', mergeBy('name')),
  resources: F(ResourceRequirementsSchema, 'The total amount of CPU and Memory resources required by all containers in the pod (pod-level resources).'),
});
export type PodSpec = Static<typeof PodSpecSchema>;

// ---------------------------------------------------------------- pod status

export const PodConditionSchema = def(CORE + 'PodCondition', 'Contains details for the current condition of this pod.', {
  type: RS('Type is the type of the condition: PodScheduled, PodReadyToStartContainers, Initialized, ContainersReady, Ready.'),
  observedGeneration: I64('The .metadata.generation the condition was set based upon.'),
  status: RS('Status is the status of the condition: True, False, Unknown.'),
  lastProbeTime: F(Time, 'Last time we probed the condition.'),
  lastTransitionTime: F(Time, 'Last time the condition transitioned from one status to another.'),
  reason: S("Unique, one-word, CamelCase reason for the condition's last transition."),
  message: S('Human-readable message indicating details about last transition.'),
});
export type PodCondition = Static<typeof PodConditionSchema>;

export const ContainerStateWaitingSchema = def(CORE + 'ContainerStateWaiting', 'A waiting state of a container.', {
  reason: S('(brief) reason the container is not yet running, e.g. ContainerCreating, ErrImagePull, CrashLoopBackOff.'),
  message: S('Message regarding why the container is not yet running.'),
});
export const ContainerStateRunningSchema = def(CORE + 'ContainerStateRunning', 'A running state of a container.', {
  startedAt: F(Time, 'Time at which the container was last (re-)started.'),
});
export const ContainerStateTerminatedSchema = def(CORE + 'ContainerStateTerminated', 'A terminated state of a container.', {
  exitCode: RI32('Exit status from the last termination of the container.'),
  signal: I32('Signal from the last termination of the container.'),
  reason: S('(brief) reason from the last termination of the container, e.g. Completed, Error, OOMKilled.'),
  message: S('Message regarding the last termination of the container.'),
  startedAt: F(Time, 'Time at which previous execution of the container started.'),
  finishedAt: F(Time, 'Time at which the container last terminated.'),
  containerID: S("Container's ID in the format '<type>://<container_id>'."),
});
export const ContainerStateSchema = def(CORE + 'ContainerState', 'Holds a possible state of a container. Only one of its members may be specified. If none of them is specified, the default one is ContainerStateWaiting.', {
  waiting: F(ContainerStateWaitingSchema, 'Details about a waiting container.'),
  running: F(ContainerStateRunningSchema, 'Details about a running container.'),
  terminated: F(ContainerStateTerminatedSchema, 'Details about a terminated container.'),
});
export type ContainerState = Static<typeof ContainerStateSchema>;

export const ContainerStatusSchema = def(CORE + 'ContainerStatus', 'Contains details for the current status of this container.', {
  name: RS('A DNS_LABEL representing the unique name of the container.'),
  state: F(ContainerStateSchema, 'Details about the container\'s current condition.'),
  lastState: F(ContainerStateSchema, "Details about the container's last termination condition."),
  ready: Type.Boolean({ description: 'Whether the container is currently passing its readiness check.' }),
  restartCount: RI32('The number of times the container has been restarted.'),
  image: RS('The name of the container image that the container is running.'),
  imageID: RS("The image ID of the container's image."),
  containerID: S("The ID of the container in the format '<type>://<container_id>'."),
  started: B('Indicates whether the container has finished its postStart lifecycle hook and passed its startup probe.'),
  allocatedResources: ResourceListField('Compute resources allocated for this container by the node.'),
  resources: F(ResourceRequirementsSchema, 'Compute resource requests and limits actually applied to the running container.'),
  volumeMounts: Arr(def(CORE + 'VolumeMountStatus', 'Status of a mount.', {
    name: RS('Name corresponds to the name of the original VolumeMount.'),
    mountPath: RS('MountPath corresponds to the original VolumeMount.'),
    readOnly: B('ReadOnly corresponds to the original VolumeMount.'),
    recursiveReadOnly: S('RecursiveReadOnly must be set to Disabled, Enabled, or unspecified.'),
  }), 'Status of volume mounts.', mergeBy('mountPath')),
  stopSignal: S('The stop signal used by the container.'),
});
export type ContainerStatus = Static<typeof ContainerStatusSchema>;

export const HostIPSchema = def(CORE + 'HostIP', 'The IP address of a host.', { ip: RS('IP is the IP address assigned to the host.') });
export const PodIPSchema = def(CORE + 'PodIP', 'An IP address allocated to the pod.', { ip: RS('IP is the IP address assigned to the pod.') });

export const PodStatusSchema = def(CORE + 'PodStatus', 'Information about the status of a pod. Status may trail the actual state of a system.', {
  observedGeneration: I64('The .metadata.generation the pod status was set based upon.'),
  phase: E('The phase of a Pod is a simple, high-level summary of where the Pod is in its lifecycle: Pending, Running, Succeeded, Failed, Unknown.', ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown']),
  conditions: Arr(PodConditionSchema, 'Current service state of pod.', mergeBy('type')),
  message: S('A human readable message indicating details about why the pod is in this condition.'),
  reason: S("A brief CamelCase message indicating details about why the pod is in this state, e.g. 'Evicted'."),
  nominatedNodeName: S('Set only when this pod preempts other pods on the node.'),
  hostIP: S('The IP address of the host to which the pod is assigned. Empty if not yet scheduled.'),
  hostIPs: Arr(HostIPSchema, 'The IP addresses allocated to the host.', { [X_PATCH_MERGE_KEY]: 'ip', [X_PATCH_STRATEGY]: 'merge', [X_LIST_TYPE]: 'atomic' }),
  podIP: S('The IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
  podIPs: Arr(PodIPSchema, 'The IP addresses allocated to the pod. Index 0 must match the podIP field.', mergeBy('ip')),
  startTime: F(Time, 'RFC 3339 date and time at which the object was acknowledged by the Kubelet, before the Kubelet pulled the container image(s).'),
  initContainerStatuses: Arr(ContainerStatusSchema, 'Statuses of init containers in this pod.', atomic),
  containerStatuses: Arr(ContainerStatusSchema, 'Statuses of containers in this pod. Each container in the pod should have at most one status in this list.', atomic),
  qosClass: E('The Quality of Service (QOS) classification assigned to the pod based on resource requirements: BestEffort, Burstable, Guaranteed.', ['BestEffort', 'Burstable', 'Guaranteed']),
  ephemeralContainerStatuses: Arr(ContainerStatusSchema, 'Statuses for any ephemeral containers that have run in this pod.', atomic),
  resize: S('Status of the desired resize of resources for the pod\'s containers.'),
});
export type PodStatus = Static<typeof PodStatusSchema>;

export const PodSchema = def(CORE + 'Pod', 'Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(PodSpecSchema, 'Specification of the desired behavior of the pod.'),
  status: F(PodStatusSchema, 'Most recently observed status of the pod. Populated by the system. Read-only.'),
});
export type Pod = Static<typeof PodSchema>;

export const PodTemplateSpecSchema = def(CORE + 'PodTemplateSpec', 'Describes the data a pod should have when created from a template.', {
  metadata: F(objectMetaField, "Standard object's metadata."),
  spec: F(PodSpecSchema, 'Specification of the desired behavior of the pod.'),
});
export type PodTemplateSpec = Static<typeof PodTemplateSpecSchema>;

// ---------------------------------------------------------------- replication controller

export const ReplicationControllerSpecSchema = def(CORE + 'ReplicationControllerSpec', 'ReplicationControllerSpec is the specification of a replication controller.', {
  replicas: I32('Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1.'),
  minReadySeconds: I32('Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0 (pod will be considered available as soon as it is ready)'),
  selector: SMap('Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template.', atomicMap),
  template: F(PodTemplateSpecSchema, 'Template is the object that describes the pod that will be created if insufficient replicas are detected. This takes precedence over a TemplateRef. The only allowed template.spec.restartPolicy value is "Always".'),
});
export type ReplicationControllerSpec = Static<typeof ReplicationControllerSpecSchema>;

export const ReplicationControllerConditionSchema = def(CORE + 'ReplicationControllerCondition', 'ReplicationControllerCondition describes the state of a replication controller at a certain point.', {
  type: RS('Type of replication controller condition.'),
  status: RS('Status of the condition, one of True, False, Unknown.'),
  lastTransitionTime: F(Time, 'The last time the condition transitioned from one status to another.'),
  reason: S("The reason for the condition's last transition."),
  message: S('A human readable message indicating details about the transition.'),
});
export type ReplicationControllerCondition = Static<typeof ReplicationControllerConditionSchema>;

export const ReplicationControllerStatusSchema = def(CORE + 'ReplicationControllerStatus', 'ReplicationControllerStatus represents the current status of a replication controller.', {
  replicas: RI32('Replicas is the most recently observed number of replicas.'),
  fullyLabeledReplicas: I32('The number of pods that have labels matching the labels of the pod template of the replication controller.'),
  readyReplicas: I32('The number of ready replicas for this replication controller.'),
  availableReplicas: I32('The number of available replicas (ready for at least minReadySeconds) for this replication controller.'),
  observedGeneration: I64('ObservedGeneration reflects the generation of the most recently observed replication controller.'),
  conditions: Arr(ReplicationControllerConditionSchema, "Represents the latest available observations of a replication controller's current state.", mergeBy('type')),
});
export type ReplicationControllerStatus = Static<typeof ReplicationControllerStatusSchema>;

export const ReplicationControllerSchema = def(CORE + 'ReplicationController', 'ReplicationController represents the configuration of a replication controller.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(ReplicationControllerSpecSchema, 'Spec defines the specification of the desired behavior of the replication controller.'),
  status: F(ReplicationControllerStatusSchema, 'Status is the most recently observed status of the replication controller. This data may be out of date by some window of time. Populated by the system. Read-only.'),
});
export type ReplicationController = Static<typeof ReplicationControllerSchema>;

// ---------------------------------------------------------------- namespace

export const NamespaceConditionSchema = def(CORE + 'NamespaceCondition', 'Details about the state of the namespace.', {
  type: RS('Type of namespace controller condition.'),
  status: RS('Status of the condition, one of True, False, Unknown.'),
  lastTransitionTime: F(Time, 'Last time the condition transitioned from one status to another.'),
  reason: S('Unique, one-word, CamelCase reason for the condition\'s last transition.'),
  message: S('Human-readable message indicating details about last transition.'),
});
export const NamespaceSchema = def(CORE + 'Namespace', 'Namespace provides a scope for Names. Use of multiple namespaces is optional.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(def(CORE + 'NamespaceSpec', 'Describes the attributes on a Namespace.', {
    finalizers: SList('An opaque list of values that must be empty to permanently remove the object from storage.', atomic),
  }), 'Spec defines the behavior of the Namespace.'),
  status: F(def(CORE + 'NamespaceStatus', 'Information about the current status of a Namespace.', {
    phase: E('The current lifecycle phase of the namespace: Active or Terminating.', ['Active', 'Terminating']),
    conditions: Arr(NamespaceConditionSchema, 'The latest available observations of a namespace\'s current state.', mergeBy('type')),
  }), 'Status describes the current status of a Namespace.'),
});
export type Namespace = Static<typeof NamespaceSchema>;

// ---------------------------------------------------------------- service

export const ServicePortSchema = def(CORE + 'ServicePort', "Contains information on service's port.", {
  name: S('The name of this port within the service. Must be a DNS_LABEL. All ports within a ServiceSpec must have unique names when there is more than one.'),
  protocol: E('The IP protocol for this port: TCP, UDP, SCTP. Default is TCP.', ['SCTP', 'TCP', 'UDP']),
  appProtocol: S('The application protocol for this port, a hint for implementations.'),
  port: RI32('The port that will be exposed by this service.'),
  targetPort: F(IntOrString, "Number or name of the port to access on the pods targeted by the service. Defaults to the value of 'port'. A string is looked up as a named port in the target Pod's container ports."),
  nodePort: I32('The port on each node on which this service is exposed when type is NodePort or LoadBalancer. Allocated by the system if unset (30000-32767).'),
});
export type ServicePort = Static<typeof ServicePortSchema>;

export const SessionAffinityConfigSchema = def(CORE + 'SessionAffinityConfig', 'The configurations of session affinity.', {
  clientIP: F(def(CORE + 'ClientIPConfig', 'The configurations of Client IP based session affinity.', {
    timeoutSeconds: I32('The seconds of ClientIP type session sticky time. Default is 10800 (3 hours).'),
  }), 'The configurations of Client IP based session affinity.'),
});

export const ServiceSpecSchema = def(CORE + 'ServiceSpec', 'The attributes a user creates on a service.', {
  ports: Arr(ServicePortSchema, 'The list of ports that are exposed by this service.', {
    [X_PATCH_MERGE_KEY]: 'port', [X_PATCH_STRATEGY]: 'merge', [X_LIST_TYPE]: 'map', [X_LIST_MAP_KEYS]: ['port', 'protocol'],
  }),
  selector: SMap('Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints.', atomicMap),
  clusterIP: S('The IP address of the service, usually assigned randomly. "None" makes a headless service. Cannot be changed through updates except to change type.'),
  clusterIPs: SList('IP addresses assigned to this service; index 0 equals clusterIP.', atomic),
  type: E('How the Service is exposed: ClusterIP (default), NodePort, LoadBalancer, ExternalName.', ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']),
  externalIPs: SList('A list of IP addresses for which nodes in the cluster will also accept traffic for this service.', atomic),
  sessionAffinity: E('Supports "ClientIP" and "None". Used to maintain session affinity. Defaults to None.', ['ClientIP', 'None']),
  loadBalancerIP: S('Deprecated: only applies to Service Type: LoadBalancer.'),
  loadBalancerSourceRanges: SList('Restricts traffic through the cloud-provider load-balancer to the specified client IPs.', atomic),
  externalName: S('The external reference that discovery mechanisms will return as an alias for this service (a DNS CNAME record). Requires type ExternalName.'),
  externalTrafficPolicy: E('How nodes distribute service traffic they receive on externally-facing addresses: Cluster or Local.', ['Cluster', 'Local']),
  healthCheckNodePort: I32('The healthcheck nodePort for the service, for LoadBalancer with Local externalTrafficPolicy.'),
  publishNotReadyAddresses: B('Endpoints for this Service should disregard any indications of ready/not-ready.'),
  sessionAffinityConfig: F(SessionAffinityConfigSchema, 'Contains the configurations of session affinity.'),
  ipFamilies: SList('IP families (IPv4, IPv6) assigned to this service.', atomic),
  ipFamilyPolicy: E('The dual-stack-ness requested or required by this Service: SingleStack, PreferDualStack, RequireDualStack.', ['PreferDualStack', 'RequireDualStack', 'SingleStack']),
  allocateLoadBalancerNodePorts: B('Whether NodePorts will be automatically allocated for services with type LoadBalancer. Default is true.'),
  loadBalancerClass: S('The class of the load balancer implementation this Service belongs to.'),
  internalTrafficPolicy: E('How nodes distribute service traffic they receive on the ClusterIP: Cluster or Local.', ['Cluster', 'Local']),
  trafficDistribution: S('How traffic is distributed to Service endpoints, e.g. PreferClose.'),
});
export type ServiceSpec = Static<typeof ServiceSpecSchema>;

export const PortStatusSchema = def(CORE + 'PortStatus', 'Status of a service port.', {
  port: RI32('Port is the port number of the service port of which status is recorded here.'),
  protocol: Type.String({ description: 'Protocol is the protocol of the service port: TCP, UDP, SCTP.', enum: ['SCTP', 'TCP', 'UDP'] }),
  error: S('Error is to record the problem with the service port.'),
});
export const LoadBalancerIngressSchema = def(CORE + 'LoadBalancerIngress', 'Represents the status of a load-balancer ingress point.', {
  ip: S('IP is set for load-balancer ingress points that are IP based.'),
  hostname: S('Hostname is set for load-balancer ingress points that are DNS based.'),
  ipMode: S('How the load-balancer IP behaves: VIP or Proxy.'),
  ports: Arr(PortStatusSchema, 'A list of records of service ports.', atomic),
});
export const LoadBalancerStatusSchema = def(CORE + 'LoadBalancerStatus', 'Represents the status of a load-balancer.', {
  ingress: Arr(LoadBalancerIngressSchema, 'A list containing ingress points for the load-balancer.', atomic),
});
export const ServiceStatusSchema = def(CORE + 'ServiceStatus', 'The current status of a service.', {
  loadBalancer: F(LoadBalancerStatusSchema, 'Contains the current status of the load-balancer, if one is present.'),
  conditions: Arr(ConditionSchema, 'Current service state.', mergeBy('type')),
});
export type ServiceStatus = Static<typeof ServiceStatusSchema>;

export const ServiceSchema = def(CORE + 'Service', 'A named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(ServiceSpecSchema, 'Spec defines the behavior of a service.'),
  status: F(ServiceStatusSchema, 'Most recently observed status of the service. Populated by the system. Read-only.'),
});
export type Service = Static<typeof ServiceSchema>;

// ---------------------------------------------------------------- endpoints

export const EndpointAddressSchema = def(CORE + 'EndpointAddress', 'A single IP address of an endpoint.', {
  ip: RS('The IP of this endpoint.'),
  hostname: S('The Hostname of this endpoint.'),
  nodeName: S('Optional: Node hosting this endpoint.'),
  targetRef: F(ObjectReferenceSchema, 'Reference to object providing the endpoint.'),
}, atomicMap);
export type EndpointAddress = Static<typeof EndpointAddressSchema>;

export const EndpointPortSchema = def(CORE + 'EndpointPort', 'A single port of an endpoint.', {
  name: S('The name of this port. This must match the \'name\' field in the corresponding ServicePort.'),
  port: RI32('The port number of the endpoint.'),
  protocol: E('The IP protocol for this port: TCP, UDP, SCTP. Default is TCP.', ['SCTP', 'TCP', 'UDP']),
  appProtocol: S('The application protocol for this port.'),
}, atomicMap);
export type EndpointPort = Static<typeof EndpointPortSchema>;

export const EndpointSubsetSchema = def(CORE + 'EndpointSubset', 'A group of addresses with a common set of ports. The expanded set of endpoints is the Cartesian product of Addresses x Ports.', {
  addresses: Arr(EndpointAddressSchema, 'IP addresses which offer the related ports that are marked as ready.', atomic),
  notReadyAddresses: Arr(EndpointAddressSchema, 'IP addresses which offer the related ports but are not currently marked as ready.', atomic),
  ports: Arr(EndpointPortSchema, 'Port numbers available on the related IP addresses.', atomic),
});
export type EndpointSubset = Static<typeof EndpointSubsetSchema>;

export const EndpointsSchema = def(CORE + 'Endpoints', 'A collection of endpoints that implement the actual service.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  subsets: Arr(EndpointSubsetSchema, 'The set of all endpoints is the union of all subsets.', atomic),
});
export type Endpoints = Static<typeof EndpointsSchema>;

// ---------------------------------------------------------------- node

export const TaintSchema = def(CORE + 'Taint', 'The node this Taint is attached to has the "effect" on any pod that does not tolerate the Taint.', {
  key: RS('Required. The taint key to be applied to a node.'),
  value: S('The taint value corresponding to the taint key.'),
  effect: Type.String({ description: 'Required. The effect of the taint on pods that do not tolerate the taint: NoSchedule, PreferNoSchedule and NoExecute.', enum: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'] }),
  timeAdded: F(Time, 'The time at which the taint was added. Only written for NoExecute taints.'),
});
export type Taint = Static<typeof TaintSchema>;

export const NodeSpecSchema = def(CORE + 'NodeSpec', 'The attributes a node is created with.', {
  podCIDR: S('The pod IP range assigned to the node.'),
  podCIDRs: SList('The IP ranges assigned to the node for usage by Pods on that node.', { [X_PATCH_STRATEGY]: 'merge', [X_LIST_TYPE]: 'set' }),
  providerID: S('ID of the node assigned by the cloud provider in the format: <ProviderName>://<ProviderSpecificNodeID>.'),
  unschedulable: B('Unschedulable controls node schedulability of new pods. By default, node is schedulable (kubectl cordon sets it).'),
  taints: Arr(TaintSchema, "If specified, the node's taints.", atomic),
  externalID: S('Deprecated. Not all kubelets will set this field.'),
});
export type NodeSpec = Static<typeof NodeSpecSchema>;

export const NodeConditionSchema = def(CORE + 'NodeCondition', 'Contains condition information for a node.', {
  type: RS('Type of node condition: Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable.'),
  status: RS('Status of the condition, one of True, False, Unknown.'),
  lastHeartbeatTime: F(Time, 'Last time we got an update on a given condition.'),
  lastTransitionTime: F(Time, 'Last time the condition transit from one status to another.'),
  reason: S("(brief) reason for the condition's last transition."),
  message: S('Human readable message indicating details about last transition.'),
});
export type NodeCondition = Static<typeof NodeConditionSchema>;

export const NodeAddressSchema = def(CORE + 'NodeAddress', "Information for the node's address.", {
  type: RS('Node address type, one of Hostname, ExternalIP or InternalIP.'),
  address: RS('The node address.'),
});
export type NodeAddress = Static<typeof NodeAddressSchema>;

export const NodeSystemInfoSchema = def(CORE + 'NodeSystemInfo', 'A set of ids/uuids to uniquely identify the node.', {
  machineID: RS('MachineID reported by the node.'),
  systemUUID: RS('SystemUUID reported by the node.'),
  bootID: RS('Boot ID reported by the node.'),
  kernelVersion: RS("Kernel Version reported by the node from 'uname -r'."),
  osImage: RS('OS Image reported by the node from /etc/os-release.'),
  containerRuntimeVersion: RS('ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
  kubeletVersion: RS('Kubelet Version reported by the node.'),
  kubeProxyVersion: RS('Deprecated: KubeProxy Version reported by the node.'),
  operatingSystem: RS('The Operating System reported by the node.'),
  architecture: RS('The Architecture reported by the node.'),
  swap: F(def(CORE + 'NodeSwapStatus', 'Swap memory information.', { capacity: I64('Total amount of swap memory in bytes.') }), 'Swap Info reported by the node.'),
});
export type NodeSystemInfo = Static<typeof NodeSystemInfoSchema>;

export const DaemonEndpointSchema = def(CORE + 'DaemonEndpoint', 'Contains information about a single Daemon endpoint.', {
  Port: RI32('Port number of the given endpoint.'),
});
export const NodeDaemonEndpointsSchema = def(CORE + 'NodeDaemonEndpoints', 'Lists ports opened by daemons running on the Node.', {
  kubeletEndpoint: F(DaemonEndpointSchema, 'Endpoint on which Kubelet is listening.'),
});
export const ContainerImageSchema = def(CORE + 'ContainerImage', 'Describe a container image.', {
  names: SList('Names by which this image is known.', atomic),
  sizeBytes: I64('The size of the image in bytes.'),
});
export const AttachedVolumeSchema = def(CORE + 'AttachedVolume', 'A volume that is attached to a node.', {
  name: RS('Name of the attached volume.'),
  devicePath: RS('DevicePath represents the device path where the volume should be available.'),
});

export const NodeStatusSchema = def(CORE + 'NodeStatus', 'Information about the current status of a node.', {
  capacity: ResourceListField('Represents the total resources of a node.'),
  allocatable: ResourceListField('Represents the resources of a node that are available for scheduling. Defaults to Capacity.'),
  phase: S('Deprecated: NodePhase is the recently observed lifecycle phase of the node.'),
  conditions: Arr(NodeConditionSchema, 'Conditions is an array of current observed node conditions.', mergeBy('type')),
  addresses: Arr(NodeAddressSchema, 'List of addresses reachable to the node.', mergeBy('type')),
  daemonEndpoints: F(NodeDaemonEndpointsSchema, 'Endpoints of daemons running on the Node.'),
  nodeInfo: F(NodeSystemInfoSchema, 'Set of ids/uuids to uniquely identify the node.'),
  images: Arr(ContainerImageSchema, 'List of container images on this node.', atomic),
  volumesInUse: SList('List of attachable volumes in use (mounted) by the node.', atomic),
  volumesAttached: Arr(AttachedVolumeSchema, 'List of volumes that are attached to the node.', atomic),
});
export type NodeStatus = Static<typeof NodeStatusSchema>;

export const NodeSchema = def(CORE + 'Node', 'Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(NodeSpecSchema, 'Spec defines the behavior of a node.'),
  status: F(NodeStatusSchema, 'Most recently observed status of the node. Populated by the system. Read-only.'),
});
export type Node = Static<typeof NodeSchema>;

// ---------------------------------------------------------------- config

export const ConfigMapSchema = def(CORE + 'ConfigMap', 'ConfigMap holds configuration data for pods to consume.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  immutable: B('If set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified).'),
  data: SMap('Contains the configuration data. Each key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'.'),
  binaryData: SMap('Contains the binary data (base64). Keys must not overlap with the Data field.'),
});
export type ConfigMap = Static<typeof ConfigMapSchema>;

export const SecretSchema = def(CORE + 'Secret', 'Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  immutable: B('If set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified).'),
  data: SMap('Contains the secret data, values base64-encoded.', { 'x-kubernetes-byte-values': true }),
  stringData: SMap('Allows specifying non-binary secret data in string form. Write-only: merged into data on write.'),
  type: S('Used to facilitate programmatic handling of secret data, e.g. Opaque, kubernetes.io/service-account-token, kubernetes.io/tls.'),
});
export type Secret = Static<typeof SecretSchema>;

export const ServiceAccountSchema = def(CORE + 'ServiceAccount', 'ServiceAccount binds together a name (understood by users, and perhaps by peripheral systems) for an identity, a principal that can be authenticated and authorized, and a set of secrets.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  secrets: Arr(ObjectReferenceSchema, 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', mergeBy('name')),
  imagePullSecrets: Arr(LocalObjectReferenceSchema, 'List of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount.', atomic),
  automountServiceAccountToken: B('Indicates whether pods running as this service account should have an API token automatically mounted.'),
});
export type ServiceAccount = Static<typeof ServiceAccountSchema>;

// ---------------------------------------------------------------- event / binding

export const EventSourceSchema = def(CORE + 'EventSource', 'Contains information for an event.', {
  component: S('Component from which the event is generated.'),
  host: S('Node name on which the event is generated.'),
});
export const EventSeriesSchema = def(CORE + 'EventSeries', 'Information on series of events, i.e. thing that was/is happening continuously for some time.', {
  count: I32('Number of occurrences in this series up to the last heartbeat time.'),
  lastObservedTime: F(MicroTime, 'Time of the last occurrence observed.'),
});
export const EventSchema = def(CORE + 'Event', 'Event is a report of an event somewhere in the cluster.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  involvedObject: RF(ObjectReferenceSchema, 'The object that this event is about.'),
  reason: S('This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
  message: S('A human-readable description of the status of this operation.'),
  source: F(EventSourceSchema, 'The component reporting this event.'),
  firstTimestamp: F(Time, 'The time at which the event was first recorded.'),
  lastTimestamp: F(Time, 'The time at which the most recent occurrence of this event was recorded.'),
  count: I32('The number of times this event has occurred.'),
  type: S('Type of this event (Normal, Warning), new types could be added in the future.'),
  eventTime: F(MicroTime, 'Time when this Event was first observed.'),
  series: F(EventSeriesSchema, 'Data about the Event series this event represents or nil if it\'s a singleton Event.'),
  action: S('What action was taken/failed regarding to the Regarding object.'),
  related: F(ObjectReferenceSchema, 'Optional secondary object for more complex actions.'),
  reportingComponent: S('Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.'),
  reportingInstance: S('ID of the controller instance, e.g. `kubelet-xyzf`.'),
});
export type Event = Static<typeof EventSchema>;

export const BindingSchema = def(CORE + 'Binding', 'Binding ties one object to another; for example, a pod is bound to a node by a scheduler.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  target: RF(ObjectReferenceSchema, 'The target object that you want to bind to the standard object.'),
});
export type Binding = Static<typeof BindingSchema>;

export const ComponentConditionSchema = def(CORE + 'ComponentCondition', 'Information about the condition of a component.', {
  type: RS('Type of condition for a component. Valid value: "Healthy"'),
  status: RS('Status of the condition for a component. Valid values for "Healthy": "True", "False", or "Unknown".'),
  message: S('Message about the condition for a component. For example, information about a health check.'),
  error: S('Condition error code for a component. For example, a health check error code.'),
});
export type ComponentCondition = Static<typeof ComponentConditionSchema>;

export const ComponentStatusSchema = def(
  CORE + 'ComponentStatus',
  'ComponentStatus (and ComponentStatusList) holds the cluster validation info. Deprecated: This API is deprecated in v1.19+',
  {
    ...typeMetaProps,
    metadata: objectMetaField,
    conditions: Arr(ComponentConditionSchema, 'List of component conditions observed', mergeBy('type')),
  },
);
export type ComponentStatus = Static<typeof ComponentStatusSchema>;


// ---------------------------------------------------------------- more derived types

export type ObjectFieldSelector = Static<typeof ObjectFieldSelectorSchema>;
export type ResourceFieldSelector = Static<typeof ResourceFieldSelectorSchema>;
export type ConfigMapKeySelector = Static<typeof ConfigMapKeySelectorSchema>;
export type SecretKeySelector = Static<typeof SecretKeySelectorSchema>;
export type EnvVarSource = Static<typeof EnvVarSourceSchema>;
export type ExecAction = Static<typeof ExecActionSchema>;
export type HTTPGetAction = Static<typeof HTTPGetActionSchema>;
export type HTTPHeader = Static<typeof HTTPHeaderSchema>;
export type TCPSocketAction = Static<typeof TCPSocketActionSchema>;
export type GRPCAction = Static<typeof GRPCActionSchema>;
export type Lifecycle = Static<typeof LifecycleSchema>;
export type LifecycleHandler = Static<typeof LifecycleHandlerSchema>;
export type Capabilities = Static<typeof CapabilitiesSchema>;
export type KeyToPath = Static<typeof KeyToPathSchema>;
export type EmptyDirVolumeSource = Static<typeof EmptyDirVolumeSourceSchema>;
export type HostPathVolumeSource = Static<typeof HostPathVolumeSourceSchema>;
export type ConfigMapVolumeSource = Static<typeof ConfigMapVolumeSourceSchema>;
export type SecretVolumeSource = Static<typeof SecretVolumeSourceSchema>;
export type DownwardAPIVolumeSource = Static<typeof DownwardAPIVolumeSourceSchema>;
export type DownwardAPIVolumeFile = Static<typeof DownwardAPIVolumeFileSchema>;
export type ProjectedVolumeSource = Static<typeof ProjectedVolumeSourceSchema>;
export type VolumeProjection = Static<typeof VolumeProjectionSchema>;
export type PersistentVolumeClaimVolumeSource = Static<typeof PersistentVolumeClaimVolumeSourceSchema>;
export type PreferredSchedulingTerm = Static<typeof PreferredSchedulingTermSchema>;
export type PodAffinity = Static<typeof PodAffinitySchema>;
export type PodAntiAffinity = Static<typeof PodAntiAffinitySchema>;
export type PodReadinessGate = Static<typeof PodReadinessGateSchema>;
export type PodDNSConfig = Static<typeof PodDNSConfigSchema>;
export type HostAlias = Static<typeof HostAliasSchema>;
export type ContainerStateWaiting = Static<typeof ContainerStateWaitingSchema>;
export type ContainerStateRunning = Static<typeof ContainerStateRunningSchema>;
export type ContainerStateTerminated = Static<typeof ContainerStateTerminatedSchema>;
export type HostIP = Static<typeof HostIPSchema>;
export type PodIP = Static<typeof PodIPSchema>;
export type NamespaceCondition = Static<typeof NamespaceConditionSchema>;
export type SessionAffinityConfig = Static<typeof SessionAffinityConfigSchema>;
export type LoadBalancerStatus = Static<typeof LoadBalancerStatusSchema>;
export type LoadBalancerIngress = Static<typeof LoadBalancerIngressSchema>;
export type NodeDaemonEndpoints = Static<typeof NodeDaemonEndpointsSchema>;
export type ContainerImage = Static<typeof ContainerImageSchema>;
export type EventSource = Static<typeof EventSourceSchema>;
export type EventSeries = Static<typeof EventSeriesSchema>;
