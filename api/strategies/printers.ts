/**
 * Table printers: the column definitions and cells upstream's server-side printers produce
 * (pkg/printers/internalversion/printers.go), always with the wide columns included, as the
 * apiserver's TableConvertor does (kubectl hides priority>0 columns unless `-o wide`).
 */
import type {
  ComponentStatus,
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
  ConfigMap,
  Container,
  ContainerStatus,
  CronJob,
  Deployment,
  DeploymentStatus,
  Endpoints,
  EndpointSlice,
  Event,
  EventsV1Event,
  HorizontalPodAutoscaler,
  Job,
  LabelSelector,
  Lease,
  PriorityClass,
  NetworkPolicy,
  Ingress,
  IngressClass,
  IngressLoadBalancerStatus,
  IngressRule,
  PodDisruptionBudget,
  PersistentVolume,
  PersistentVolumeClaim,
  StatefulSet,
  StorageClass,
  LoadBalancerStatus,
  Namespace,
  Node,
  NodeSystemInfo,
  ObjectReference,
  Pod,
  PodSpec,
  PodStatus,
  Relaxed,
  ReplicaSet,
  ReplicationController,
  ControllerRevision,
  DaemonSet,
  Secret,
  Service,
  ServiceAccount,
  ServicePort,
  ServiceSpec,
} from '../types/index.js';
import type { TableColumn } from './table-column.js';
import { canonicalQuantity, selectorIsEmpty } from './validation.js';
import { subjectsStrings } from './rbac.js';
import { csrConditionSummary, type CSR } from './certificates.js';
import { apiServiceAvailableCell, apiServiceServiceCell, type APIServiceObject } from './apiregistration.js';
import { accessModesAsString, isDefaultStorageClass, persistentVolumeClaimClass, persistentVolumeClass } from './storage.js';
import { formatLabelSelector, labelSelectorToSelector } from '../labels.js';
import { isPodPhaseTerminal } from '../pods.js';

// ---------------------------------------------------------------------------------------------
// duration.HumanDuration and timestamps
// ---------------------------------------------------------------------------------------------

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration, from milliseconds. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3600000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** translateTimestampSince: `<unknown>` for a missing time. */
export function translateTimestampSince(ts: unknown, now: Date): string {
  if (typeof ts !== 'string' || ts === '') return '<unknown>';
  const t = Date.parse(ts);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

// ---------------------------------------------------------------------------------------------
// Column helpers
// ---------------------------------------------------------------------------------------------

const NAME_DESC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DESC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

function col(name: string, type: string, description: string, priority = 0, format = ''): TableColumn {
  return { name, type, format, description, priority };
}
const nameCol = (priority = 0) => col('Name', 'string', NAME_DESC, priority, 'name');
const ageCol = () => col('Age', 'string', AGE_DESC);

function layoutContainerCells(containers: Relaxed<Container>[] | undefined): [string, string] {
  const cs = containers ?? [];
  return [cs.map((c) => c?.name ?? '').join(','), cs.map((c) => c?.image ?? '').join(',')];
}

/** labels.FormatLabels: sorted k=v joined by ',', `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** metav1.LabelSelectorAsSelector(...).String() (api/labels.ts): '' for none; undefined if invalid. */
export function labelSelectorString(sel: Relaxed<LabelSelector> | undefined): string | undefined {
  if (!sel || selectorIsEmpty(sel)) return '';
  try {
    return labelSelectorToSelector(sel).toString();
  } catch {
    return undefined;
  }
}

/** metav1.FormatLabelSelector: `<none>` when empty, `<error>` when invalid (api/labels.ts's). */
export { formatLabelSelector };

function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

// ---------------------------------------------------------------------------------------------
// Pods
// ---------------------------------------------------------------------------------------------

export const podColumns: TableColumn[] = [
  nameCol(),
  col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  col('Status', 'string', 'The aggregate status of the containers in this pod.'),
  col(
    'Restarts',
    'string',
    'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
  ),
  ageCol(),
  col('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
  col('Node', 'string', 'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName.', 1),
  col('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.', 1),
  col('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
];

function isRestartableInit(c: Relaxed<Container> | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function laterOf(a: string, b: unknown): string {
  if (typeof b !== 'string' || !b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** A container status as the summary reads it (`{}` stands in for a null list entry). */
type ContainerStatusView = Partial<Relaxed<ContainerStatus>>;

/** The STATUS column, READY and RESTARTS of `kubectl get pods`, as upstream's printPod computes them. */
export function podStatusSummary(pod: Relaxed<Pod>, now: Date): { ready: string; status: string; restarts: string } {
  const spec: Relaxed<PodSpec> = pod?.spec ?? {};
  const status: Relaxed<PodStatus> = pod?.status ?? {};
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestartDate = '';
  let lastRestartableInitDate = '';
  const phase: string = status.phase ?? '';
  let reason: string = status.reason || phase;

  for (const c of status.conditions ?? []) {
    if (c?.type === 'PodScheduled' && c?.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const initByName = new Map<string | undefined, Relaxed<Container>>();
  for (const c of spec.initContainers ?? []) {
    initByName.set(c?.name, c);
    if (isRestartableInit(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs: ContainerStatusView = initStatuses[i] ?? {};
    restarts += cs.restartCount ?? 0;
    const lastTerm = cs.lastState?.terminated;
    if (lastTerm) lastRestartDate = laterOf(lastRestartDate, lastTerm.finishedAt);
    const restartable = isRestartableInit(initByName.get(cs.name));
    if (restartable) {
      restartableInitRestarts += cs.restartCount ?? 0;
      if (lastTerm) lastRestartableInitDate = laterOf(lastRestartableInitDate, lastTerm.finishedAt);
    }
    const term = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (term && (term.exitCode ?? 0) === 0) continue;
    if (restartable && cs.started === true) {
      if (cs.ready) readyContainers++;
      continue;
    }
    if (term) {
      if (!term.reason) {
        reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode ?? 0}`;
      } else reason = 'Init:' + term.reason;
      initializing = true;
    } else if (waiting && waiting.reason && waiting.reason !== 'PodInitializing') {
      reason = 'Init:' + waiting.reason;
      initializing = true;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
      initializing = true;
    }
    break;
  }

  const initializedTrue = (status.conditions ?? []).some((c) => c?.type === 'Initialized' && c?.status === 'True');
  if (!initializing || initializedTrue) {
    restarts = restartableInitRestarts;
    lastRestartDate = lastRestartableInitDate;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs: ContainerStatusView = statuses[i] ?? {};
      restarts += cs.restartCount ?? 0;
      const lastTerm = cs.lastState?.terminated;
      if (lastTerm) lastRestartDate = laterOf(lastRestartDate, lastTerm.finishedAt);
      const waiting = cs.state?.waiting;
      const term = cs.state?.terminated;
      if (waiting && waiting.reason) reason = waiting.reason;
      else if (term && term.reason) reason = term.reason;
      else if (term && !term.reason) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode ?? 0}`;
      else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const podReady = (status.conditions ?? []).some((c) => c?.type === 'Ready' && c?.status === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }

  const deleting = !!pod?.metadata?.deletionTimestamp;
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && !isPodPhaseTerminal(phase)) reason = 'Terminating';

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestartDate) restartsStr = `${restarts} (${translateTimestampSince(lastRestartDate, now)} ago)`;
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsStr };
}

export function podCells(pod: Relaxed<Pod>, now: Date): unknown[] {
  const s = podStatusSummary(pod, now);
  const spec: Relaxed<PodSpec> = pod?.spec ?? {};
  const status: Relaxed<PodStatus> = pod?.status ?? {};
  const podIP = (status.podIPs ?? [])[0]?.ip || status.podIP || '<none>';
  let readinessGates = '<none>';
  const gates = spec.readinessGates ?? [];
  if (gates.length > 0) {
    let trueConditions = 0;
    for (const g of gates) {
      const c = (status.conditions ?? []).find((x) => x?.type === g?.conditionType);
      if (c && c.status === 'True') trueConditions++;
    }
    readinessGates = `${trueConditions}/${gates.length}`;
  }
  return [
    pod?.metadata?.name ?? '',
    s.ready,
    s.status,
    s.restarts,
    translateTimestampSince(pod?.metadata?.creationTimestamp, now),
    podIP,
    spec.nodeName || '<none>',
    status.nominatedNodeName || '<none>',
    readinessGates,
  ];
}

// ---------------------------------------------------------------------------------------------
// apps
// ---------------------------------------------------------------------------------------------

export const deploymentColumns: TableColumn[] = [
  nameCol(),
  col('Ready', 'string', 'Number of the pod with ready state'),
  col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
  col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
  ageCol(),
  col('Containers', 'string', 'Names of each container in the template.', 1),
  col('Images', 'string', 'Images referenced by each container in the template.', 1),
  col('Selector', 'string', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1),
];

export function deploymentCells(d: Relaxed<Deployment>, now: Date): unknown[] {
  const st: Relaxed<DeploymentStatus> = d?.status ?? {};
  const [names, images] = layoutContainerCells(d?.spec?.template?.spec?.containers);
  return [
    d?.metadata?.name ?? '',
    `${st.readyReplicas ?? 0}/${d?.spec?.replicas ?? 0}`,
    st.updatedReplicas ?? 0,
    st.availableReplicas ?? 0,
    translateTimestampSince(d?.metadata?.creationTimestamp, now),
    names,
    images,
    labelSelectorString(d?.spec?.selector) ?? '<invalid>',
  ];
}

export const replicaSetColumns: TableColumn[] = [
  nameCol(),
  col('Desired', 'integer', 'Replicas is the number of desired replicas.'),
  col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
  col('Ready', 'integer', 'The number of ready replicas for this replica set.'),
  ageCol(),
  col('Containers', 'string', 'Names of each container in the template.', 1),
  col('Images', 'string', 'Images referenced by each container in the template.', 1),
  col('Selector', 'string', 'Selector is a label query over pods that should match the replica count.', 1),
];

export function replicaSetCells(rs: Relaxed<ReplicaSet>, now: Date): unknown[] {
  const [names, images] = layoutContainerCells(rs?.spec?.template?.spec?.containers);
  return [
    rs?.metadata?.name ?? '',
    rs?.spec?.replicas ?? 0,
    rs?.status?.replicas ?? 0,
    rs?.status?.readyReplicas ?? 0,
    translateTimestampSince(rs?.metadata?.creationTimestamp, now),
    names,
    images,
    formatLabelSelector(rs?.spec?.selector),
  ];
}

/** printReplicationController: as a ReplicaSet's, the selector a map (labels.FormatLabels). */
export const replicationControllerColumns: TableColumn[] = [
  nameCol(),
  col('Desired', 'integer', 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1.'),
  col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
  col('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
  ageCol(),
  col('Containers', 'string', 'Names of each container in the template.', 1),
  col('Images', 'string', 'Images referenced by each container in the template.', 1),
  col('Selector', 'string', 'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template.', 1),
];

export function replicationControllerCells(rc: Relaxed<ReplicationController>, now: Date): unknown[] {
  const [names, images] = layoutContainerCells(rc?.spec?.template?.spec?.containers);
  const sel = rc?.spec?.selector ?? {};
  const keys = Object.keys(sel).sort();
  return [
    rc?.metadata?.name ?? '',
    rc?.spec?.replicas ?? 0,
    rc?.status?.replicas ?? 0,
    rc?.status?.readyReplicas ?? 0,
    translateTimestampSince(rc?.metadata?.creationTimestamp, now),
    names,
    images,
    keys.length ? keys.map((k) => `${k}=${sel[k]}`).join(',') : '<none>',
  ];
}

export const statefulSetColumns: TableColumn[] = [
  nameCol(),
  col('Ready', 'string', 'Number of the pod with ready state'),
  ageCol(),
  col('Containers', 'string', 'Names of each container in the template.', 1),
  col('Images', 'string', 'Images referenced by each container in the template.', 1),
];

/** upstream printStatefulSet: READY is readyReplicas/spec.replicas. */
export function statefulSetCells(sts: Relaxed<StatefulSet>, now: Date): unknown[] {
  const [names, images] = layoutContainerCells(sts?.spec?.template?.spec?.containers);
  return [
    sts?.metadata?.name ?? '',
    `${sts?.status?.readyReplicas ?? 0}/${sts?.spec?.replicas ?? 0}`,
    translateTimestampSince(sts?.metadata?.creationTimestamp, now),
    names,
    images,
  ];
}

export const daemonSetColumns: TableColumn[] = [
  nameCol(),
  col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
  col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
  col('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
  col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
  col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
  col('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
  ageCol(),
  col('Containers', 'string', 'Names of each container in the template.', 1),
  col('Images', 'string', 'Images referenced by each container in the template.', 1),
  col('Selector', 'string', 'A label query over pods that are managed by the daemon set. Must match in order to be controlled.', 1),
];

export function daemonSetCells(ds: Relaxed<DaemonSet>, now: Date): unknown[] {
  const st = ds?.status;
  const [names, images] = layoutContainerCells(ds?.spec?.template?.spec?.containers);
  return [
    ds?.metadata?.name ?? '',
    st?.desiredNumberScheduled ?? 0,
    st?.currentNumberScheduled ?? 0,
    st?.numberReady ?? 0,
    st?.updatedNumberScheduled ?? 0,
    st?.numberAvailable ?? 0,
    formatLabels(ds?.spec?.template?.spec?.nodeSelector),
    translateTimestampSince(ds?.metadata?.creationTimestamp, now),
    names,
    images,
    formatLabelSelector(ds?.spec?.selector),
  ];
}

export const controllerRevisionColumns: TableColumn[] = [
  nameCol(),
  col('Controller', 'string', 'Controller of the object'),
  col('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
  ageCol(),
];

/** printControllerRevision: the controller as `<kind>.<group>/<name>` lowercased (formatResourceName with kind), else `<none>`. */
export function controllerRevisionCells(cr: Relaxed<ControllerRevision>, now: Date): unknown[] {
  const ref = cr?.metadata?.ownerReferences?.find((r) => r.controller === true);
  let controller = '<none>';
  if (ref) {
    const apiVersion = ref.apiVersion ?? '';
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const groupKind = group ? `${ref.kind}.${group}` : (ref.kind ?? '');
    controller = groupKind ? `${groupKind.toLowerCase()}/${ref.name}` : (ref.name ?? '');
  }
  return [cr?.metadata?.name ?? '', controller, cr?.revision ?? 0, translateTimestampSince(cr?.metadata?.creationTimestamp, now)];
}

// ---------------------------------------------------------------------------------------------
// batch
// ---------------------------------------------------------------------------------------------

export const jobColumns: TableColumn[] = [
  nameCol(),
  col('Status', 'string', 'Status of the job.'),
  col('Completions', 'string', 'The desired number of successfully finished pods the job should be run with.'),
  col('Duration', 'string', 'Time required to complete the job.'),
  ageCol(),
  col('Containers', 'string', 'Names of each container in the template.', 1),
  col('Images', 'string', 'Images referenced by each container in the template.', 1),
  col('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
];

function hasTrueCondition(conditions: { type?: string; status?: string }[] | undefined, type: string): boolean {
  return (conditions ?? []).some((c) => c?.type === type && c?.status === 'True');
}

/** printJob's STATUS: the first of Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet, else Running. */
export function jobStatusString(job: Relaxed<Job>): string {
  const conds = job?.status?.conditions;
  if (hasTrueCondition(conds, 'Complete')) return 'Complete';
  if (hasTrueCondition(conds, 'Failed')) return 'Failed';
  if (job?.metadata?.deletionTimestamp) return 'Terminating';
  if (hasTrueCondition(conds, 'Suspended')) return 'Suspended';
  if (hasTrueCondition(conds, 'FailureTarget')) return 'FailureTarget';
  if (hasTrueCondition(conds, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

export function jobCells(job: Relaxed<Job>, now: Date): unknown[] {
  const spec = job?.spec ?? {};
  const succeeded = job?.status?.succeeded ?? 0;
  let completions: string;
  if (typeof spec.completions === 'number') completions = `${succeeded}/${spec.completions}`;
  else if ((spec.parallelism ?? 0) > 1) completions = `${succeeded}/1 of ${spec.parallelism}`;
  else completions = `${succeeded}/1`;
  const start = job?.status?.startTime;
  const end = job?.status?.completionTime;
  let duration = '';
  if (start) duration = humanDuration((end ? Date.parse(end) : now.getTime()) - Date.parse(start));
  const [names, images] = layoutContainerCells(spec.template?.spec?.containers);
  return [
    job?.metadata?.name ?? '',
    jobStatusString(job),
    completions,
    duration,
    translateTimestampSince(job?.metadata?.creationTimestamp, now),
    names,
    images,
    formatLabelSelector(spec.selector),
  ];
}

export const cronJobColumns: TableColumn[] = [
  nameCol(),
  col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
  col('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
  col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions. Defaults to false.'),
  col('Active', 'integer', 'A list of pointers to currently running jobs.'),
  col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
  ageCol(),
  col('Containers', 'string', 'Names of each container in the template.', 1),
  col('Images', 'string', 'Images referenced by each container in the template.', 1),
  col('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
];

export function cronJobCells(cj: Relaxed<CronJob>, now: Date): unknown[] {
  const spec = cj?.spec;
  const jobSpec = spec?.jobTemplate?.spec;
  const last = cj?.status?.lastScheduleTime;
  const [names, images] = layoutContainerCells(jobSpec?.template?.spec?.containers);
  return [
    cj?.metadata?.name ?? '',
    spec?.schedule ?? '',
    spec?.timeZone ?? '<none>',
    // printBoolPtr: True / False, <unset> when nil
    spec?.suspend === undefined || spec?.suspend === null ? '<unset>' : spec.suspend ? 'True' : 'False',
    (cj?.status?.active ?? []).length,
    last ? translateTimestampSince(last, now) : '<none>',
    translateTimestampSince(cj?.metadata?.creationTimestamp, now),
    names,
    images,
    formatLabelSelector(jobSpec?.selector),
  ];
}

// ---------------------------------------------------------------------------------------------
// Services, endpoints, endpoint slices
// ---------------------------------------------------------------------------------------------

export const serviceColumns: TableColumn[] = [
  nameCol(),
  col('Type', 'string', 'type determines how the Service is exposed.'),
  col('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
  col('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
  col('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
  ageCol(),
  col('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
];

function loadBalancerStatusString(lb: Relaxed<LoadBalancerStatus> | undefined, wide: boolean): string {
  const set = new Set<string>();
  for (const ing of lb?.ingress ?? []) {
    if (ing?.ip) set.add(ing.ip);
    else if (ing?.hostname) set.add(ing.hostname);
  }
  let r = [...set].sort().join(',');
  if (!wide && r.length > 16) r = r.slice(0, 13) + '...';
  return r;
}

export function serviceExternalIP(svc: Relaxed<Service>, wide = true): string {
  const spec: Relaxed<ServiceSpec> = svc?.spec ?? {};
  const ext: string[] = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerStatusString(svc?.status?.loadBalancer, wide);
      if (ext.length) return [...(lb ? lb.split(',') : []), ...ext].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
  }
  return '<unknown>';
}

export function servicePorts(ports: Relaxed<ServicePort>[] | undefined): string {
  return (ports ?? [])
    .map((p) => ((p?.nodePort ?? 0) > 0 ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p?.port}/${p?.protocol}`))
    .join(',');
}

export function serviceCells(svc: Relaxed<Service>, now: Date): unknown[] {
  const spec: Relaxed<ServiceSpec> = svc?.spec ?? {};
  const clusterIP = (spec.clusterIPs ?? [])[0] ?? '<none>';
  return [
    svc?.metadata?.name ?? '',
    spec.type ?? '',
    clusterIP,
    serviceExternalIP(svc, true),
    servicePorts(spec.ports) || '<none>',
    translateTimestampSince(svc?.metadata?.creationTimestamp, now),
    formatLabels(spec.selector),
  ];
}

export const endpointsColumns: TableColumn[] = [
  nameCol(),
  col('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'),
  ageCol(),
];

export function formatEndpoints(ep: Relaxed<Endpoints>): string {
  const subsets = ep?.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addrs = ss?.addresses ?? [];
    const ports = ss?.ports ?? [];
    if (ports.length === 0) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a?.ip);
      }
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(a?.ip ?? '', p?.port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export function endpointsCells(ep: Relaxed<Endpoints>, now: Date): unknown[] {
  return [ep?.metadata?.name ?? '', formatEndpoints(ep), translateTimestampSince(ep?.metadata?.creationTimestamp, now)];
}

export const endpointSliceColumns: TableColumn[] = [
  nameCol(),
  col('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice.'),
  col('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
  col('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice.'),
  ageCol(),
];

export function endpointSliceCells(es: Relaxed<EndpointSlice>, now: Date): unknown[] {
  const max = 3;
  const ports: string[] = [];
  let pMore = false;
  let pCount = 0;
  for (const p of es?.ports ?? []) {
    if (ports.length < max) ports.push(p?.port != null ? String(p.port) : p?.name != null ? String(p.name) : '*');
    else if (ports.length === max) pMore = true;
    pCount++;
  }
  const addrs: string[] = [];
  let aMore = false;
  let aCount = 0;
  for (const e of es?.endpoints ?? []) {
    for (const a of e?.addresses ?? []) {
      if (addrs.length < max) addrs.push(a);
      else if (addrs.length === max) aMore = true;
      aCount++;
    }
  }
  return [
    es?.metadata?.name ?? '',
    es?.addressType ?? '',
    listWithMore(ports, pMore, pCount, max),
    listWithMore(addrs, aMore, aCount, max),
    translateTimestampSince(es?.metadata?.creationTimestamp, now),
  ];
}

// ---------------------------------------------------------------------------------------------
// Nodes, namespaces
// ---------------------------------------------------------------------------------------------

export const nodeColumns: TableColumn[] = [
  nameCol(),
  col('Status', 'string', 'The status of the node'),
  col('Roles', 'string', 'The roles of the node'),
  ageCol(),
  col('Version', 'string', 'Kubelet Version reported by the node.'),
  col('Internal-IP', 'string', 'List of addresses reachable to the node.', 1),
  col('External-IP', 'string', 'List of addresses reachable to the node.', 1),
  col('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
  col('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
  col('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
];

export function nodeRoles(node: Relaxed<Node>): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries<string>(node?.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort();
}

export function nodeStatusString(node: Relaxed<Node>): string {
  const status: string[] = [];
  const ready = (node?.status?.conditions ?? []).find((c) => c?.type === 'Ready');
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (node?.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeAddress(node: Relaxed<Node>, type: string): string {
  return (node?.status?.addresses ?? []).find((a) => a?.type === type)?.address ?? '<none>';
}

export function nodeCells(node: Relaxed<Node>, now: Date): unknown[] {
  const info: Relaxed<NodeSystemInfo> = node?.status?.nodeInfo ?? {};
  return [
    node?.metadata?.name ?? '',
    nodeStatusString(node),
    nodeRoles(node).join(',') || '<none>',
    translateTimestampSince(node?.metadata?.creationTimestamp, now),
    info.kubeletVersion ?? '',
    nodeAddress(node, 'InternalIP'),
    nodeAddress(node, 'ExternalIP'),
    info.osImage || '<unknown>',
    info.kernelVersion || '<unknown>',
    info.containerRuntimeVersion || '<unknown>',
  ];
}

export const namespaceColumns: TableColumn[] = [nameCol(), col('Status', 'string', 'The status of the namespace'), ageCol()];

export function namespaceCells(ns: Relaxed<Namespace>, now: Date): unknown[] {
  return [ns?.metadata?.name ?? '', ns?.status?.phase ?? '', translateTimestampSince(ns?.metadata?.creationTimestamp, now)];
}

// ---------------------------------------------------------------------------------------------
// ConfigMaps, Secrets, ServiceAccounts, Leases
// ---------------------------------------------------------------------------------------------

export const configMapColumns: TableColumn[] = [
  nameCol(),
  col('Data', 'string', 'Data contains the configuration data.'),
  ageCol(),
];

export function configMapCells(cm: Relaxed<ConfigMap>, now: Date): unknown[] {
  return [
    cm?.metadata?.name ?? '',
    Object.keys(cm?.data ?? {}).length + Object.keys(cm?.binaryData ?? {}).length,
    translateTimestampSince(cm?.metadata?.creationTimestamp, now),
  ];
}

export const secretColumns: TableColumn[] = [
  nameCol(),
  col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
  col('Data', 'string', 'Data contains the secret data.'),
  ageCol(),
];

export function secretCells(s: Relaxed<Secret>, now: Date): unknown[] {
  return [s?.metadata?.name ?? '', s?.type ?? '', Object.keys(s?.data ?? {}).length, translateTimestampSince(s?.metadata?.creationTimestamp, now)];
}

export const serviceAccountColumns: TableColumn[] = [
  nameCol(),
  col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'),
  ageCol(),
];

export function serviceAccountCells(sa: Relaxed<ServiceAccount>, now: Date): unknown[] {
  return [sa?.metadata?.name ?? '', (sa?.secrets ?? []).length, translateTimestampSince(sa?.metadata?.creationTimestamp, now)];
}

export const priorityClassColumns: TableColumn[] = [
  nameCol(),
  col('Value', 'integer', 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.'),
  col('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.'),
  ageCol(),
  col('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.'),
];

/** upstream printPriorityClass: value as an integer, an unset preemptionPolicy as ''. */
export function priorityClassCells(pc: Relaxed<PriorityClass>, now: Date): unknown[] {
  return [
    pc?.metadata?.name ?? '',
    pc?.value ?? 0,
    pc?.globalDefault === true,
    translateTimestampSince(pc?.metadata?.creationTimestamp, now),
    pc?.preemptionPolicy ?? '',
  ];
}

export const leaseColumns: TableColumn[] = [
  nameCol(),
  col('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'),
  ageCol(),
];

export function leaseCells(l: Relaxed<Lease>, now: Date): unknown[] {
  return [l?.metadata?.name ?? '', l?.spec?.holderIdentity ?? '', translateTimestampSince(l?.metadata?.creationTimestamp, now)];
}

// ---------------------------------------------------------------------------------------------
// Events (core/v1 and events.k8s.io/v1 share upstream's internal type and printer)
// ---------------------------------------------------------------------------------------------

export const eventColumns: TableColumn[] = [
  col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
  col('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
  col('Object', 'string', 'The object that this event is about.'),
  col('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', 1),
  col('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
  col('Message', 'string', 'A human-readable description of the status of this operation.'),
  col('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
  col('Count', 'string', 'The number of times this event has occurred.', 1),
  col('Name', 'string', NAME_DESC, 1, 'name'),
];

/** An event of either API: core/v1 or events.k8s.io/v1 (one internal type upstream). */
export type EitherEvent = Relaxed<Event> | Relaxed<EventsV1Event>;

/** An event's fields under their core/v1 names, whichever API it came from. */
export interface EventView {
  involvedObject: Relaxed<ObjectReference>;
  reason: string;
  message: string;
  type: string;
  source: { component?: string; host?: string };
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string;
  count: number;
  series?: { count?: number; lastObservedTime?: string };
  reportingController: string;
  reportingInstance: string;
}

/** events.k8s.io/v1 by its apiVersion, or by its `regarding` (an object built without apiVersion). */
function isEventsV1(ev: EitherEvent): ev is Relaxed<EventsV1Event> {
  return ev.apiVersion === 'events.k8s.io/v1' || ('regarding' in ev && ev.regarding !== undefined);
}

/** Read an event of either API into the core/v1 shape's fields. */
export function eventView(ev: EitherEvent): EventView {
  if (isEventsV1(ev)) {
    return {
      involvedObject: ev?.regarding ?? {},
      reason: ev?.reason ?? '',
      message: ev?.note ?? '',
      type: ev?.type ?? '',
      source: ev?.deprecatedSource ?? {},
      firstTimestamp: ev?.deprecatedFirstTimestamp,
      lastTimestamp: ev?.deprecatedLastTimestamp,
      eventTime: ev?.eventTime,
      count: ev?.deprecatedCount ?? 0,
      series: ev?.series,
      reportingController: ev?.reportingController ?? '',
      reportingInstance: ev?.reportingInstance ?? '',
    };
  }
  return {
    involvedObject: ev?.involvedObject ?? {},
    reason: ev?.reason ?? '',
    message: ev?.message ?? '',
    type: ev?.type ?? '',
    source: ev?.source ?? {},
    firstTimestamp: ev?.firstTimestamp,
    lastTimestamp: ev?.lastTimestamp,
    eventTime: ev?.eventTime,
    count: ev?.count ?? 0,
    series: ev?.series,
    reportingController: ev?.reportingComponent ?? '',
    reportingInstance: ev?.reportingInstance ?? '',
  };
}

export function eventCells(ev: EitherEvent, now: Date): unknown[] {
  const v = eventView(ev);
  let first = translateTimestampSince(v.firstTimestamp, now);
  if (!v.firstTimestamp) first = translateTimestampSince(v.eventTime, now);
  let last = translateTimestampSince(v.lastTimestamp, now);
  if (!v.lastTimestamp) last = first;
  let count = v.count;
  if (v.series) {
    last = translateTimestampSince(v.series.lastObservedTime, now);
    count = v.series.count ?? 0;
  } else if (count === 0) count = 1;
  const kind = String(v.involvedObject.kind ?? '').toLowerCase();
  const target = v.involvedObject.name ? `${kind}/${v.involvedObject.name}` : kind;
  const component = v.source.component || v.reportingController;
  const instance = v.source.host || v.reportingInstance;
  const source = instance ? `${component}, ${instance}` : component;
  return [
    last,
    v.type,
    v.reason,
    target,
    v.involvedObject.fieldPath ?? '',
    source,
    v.message.trim(),
    first,
    count,
    ev?.metadata?.name ?? '',
  ];
}

// ---------------------------------------------------------------------------------------------
// policy/v1 PodDisruptionBudget
// ---------------------------------------------------------------------------------------------

export const podDisruptionBudgetColumns: TableColumn[] = [
  nameCol(),
  col('Min Available', 'string', 'The minimum number of pods that must be available.'),
  col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
  col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
  ageCol(),
];

/** printPodDisruptionBudget: an unset minAvailable / maxUnavailable prints `N/A`. */
export function podDisruptionBudgetCells(pdb: Relaxed<PodDisruptionBudget>, now: Date): unknown[] {
  const text = (v: number | string | null | undefined) => (v === undefined || v === null ? 'N/A' : String(v));
  return [
    pdb?.metadata?.name ?? '',
    text(pdb?.spec?.minAvailable),
    text(pdb?.spec?.maxUnavailable),
    pdb?.status?.disruptionsAllowed ?? 0,
    translateTimestampSince(pdb?.metadata?.creationTimestamp, now),
  ];
}

// ---------------------------------------------------------------------------------------------
// autoscaling HorizontalPodAutoscaler (both versions print the autoscaling/v2 view)
// ---------------------------------------------------------------------------------------------

export const horizontalPodAutoscalerColumns: TableColumn[] = [
  nameCol(),
  col('Reference', 'string', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
  col('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization.'),
  col('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.'),
  col('MaxPods', 'integer', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.'),
  col('Replicas', 'integer', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
  ageCol(),
];

type HPAView = Relaxed<HorizontalPodAutoscaler>;
const quantityText = (q: unknown): string => canonicalQuantity(q) ?? String(q ?? '0');

/** upstream formatHPAMetrics: `cpu: 12%/50%`, `<unknown>` before the controller has read a value, at most two then `+ N more...`. */
export function formatHPAMetrics(specs: NonNullable<HPAView['spec']>['metrics'], statuses: NonNullable<HPAView['status']>['currentMetrics']): string {
  if (!specs?.length) return '<none>';
  const list: string[] = [];
  const st = statuses ?? [];
  specs.forEach((spec, i) => {
    const s = st[i];
    const unknown = '<unknown>';
    switch (spec.type) {
      case 'External': {
        const t = spec.external?.target;
        if (t?.averageValue !== undefined && t.averageValue !== null) {
          const cur = s?.external?.current?.averageValue;
          list.push(`${cur !== undefined && cur !== null ? quantityText(cur) : unknown}/${quantityText(t.averageValue)} (avg)`);
        } else list.push(`${s?.external ? quantityText(s.external.current?.value) : unknown}/${quantityText(t?.value)}`);
        break;
      }
      case 'Pods':
        list.push(`${s?.pods ? quantityText(s.pods.current?.averageValue) : unknown}/${quantityText(spec.pods?.target?.averageValue)}`);
        break;
      case 'Object': {
        const t = spec.object?.target;
        if (t?.averageValue !== undefined && t.averageValue !== null) {
          const cur = s?.object?.current?.averageValue;
          list.push(`${cur !== undefined && cur !== null ? quantityText(cur) : unknown}/${quantityText(t.averageValue)} (avg)`);
        } else list.push(`${s?.object ? quantityText(s.object.current?.value) : unknown}/${quantityText(t?.value)}`);
        break;
      }
      case 'Resource':
      case 'ContainerResource': {
        const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
        const cur = spec.type === 'Resource' ? s?.resource : s?.containerResource;
        const name = src?.name ?? '';
        const t = src?.target;
        if (t?.averageValue !== undefined && t.averageValue !== null) {
          list.push(`${name}: ${cur ? quantityText(cur.current?.averageValue) : unknown}/${quantityText(t.averageValue)}`);
        } else {
          const u = cur?.current?.averageUtilization;
          const target = typeof t?.averageUtilization === 'number' ? `${t.averageUtilization}%` : '<auto>';
          list.push(`${name}: ${typeof u === 'number' ? `${u}%` : unknown}/${target}`);
        }
        break;
      }
      default:
        list.push('<unknown type>');
    }
  });
  const maximum = 2;
  if (list.length > maximum) return `${list.slice(0, maximum).join(', ')} + ${list.length - maximum} more...`;
  return list.join(', ');
}

/** upstream printHorizontalPodAutoscaler: REFERENCE is Kind/name, an unset minReplicas prints `<unset>`. */
export function horizontalPodAutoscalerCells(hpa: HPAView, now: Date): unknown[] {
  const ref = hpa?.spec?.scaleTargetRef;
  const min = hpa?.spec?.minReplicas;
  return [
    hpa?.metadata?.name ?? '',
    `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
    formatHPAMetrics(hpa?.spec?.metrics, hpa?.status?.currentMetrics),
    typeof min === 'number' ? String(min) : '<unset>',
    hpa?.spec?.maxReplicas ?? 0,
    hpa?.status?.currentReplicas ?? 0,
    translateTimestampSince(hpa?.metadata?.creationTimestamp, now),
  ];
}

export const networkPolicyColumns: TableColumn[] = [
  nameCol(),
  col('Pod-Selector', 'string', "podSelector selects the pods to which this NetworkPolicy object applies. The array of rules is applied to any pods selected by this field. An empty selector matches all pods in the policy's namespace. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is optional. If it is not specified, it defaults to an empty selector."),
  ageCol(),
];

/** printNetworkPolicy: the pod selector as metav1.FormatLabelSelector (`<none>` when empty). */
export function networkPolicyCells(np: Relaxed<NetworkPolicy>, now: Date): unknown[] {
  return [np?.metadata?.name ?? '', formatLabelSelector(np?.spec?.podSelector ?? {}), translateTimestampSince(np?.metadata?.creationTimestamp, now)];
}

export const ingressColumns: TableColumn[] = [
  nameCol(),
  col('Class', 'string', 'The name of the IngressClass resource that should be used by this Ingress.'),
  col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
  col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
  col('Ports', 'string', 'Ports of TLS configurations that open'),
  ageCol(),
];

/** formatHosts: the first three rule hosts, `+ N more...` past them, `*` when no rule names a host. */
export function formatIngressHosts(rules: (Relaxed<IngressRule> | null | undefined)[] | undefined): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  for (const rule of rules ?? []) {
    if (list.length === max) more = true;
    if (!more && rule?.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const ret = list.join(',');
  return more ? `${ret} + ${(rules ?? []).length - max} more...` : ret;
}

/** ingressLoadBalancerStatusStringer: the IPs or hostnames, sorted; cut to 13 characters and `...` past 16 unless wide. */
export function ingressAddresses(lb: Relaxed<IngressLoadBalancerStatus> | null | undefined, wide: boolean): string {
  const set = new Set<string>();
  for (const ing of lb?.ingress ?? []) {
    if (ing?.ip) set.add(ing.ip);
    else if (ing?.hostname) set.add(ing.hostname);
  }
  let r = [...set].sort().join(',');
  if (!wide && r.length > 16) r = r.slice(0, 13) + '...';
  return r;
}

/** printIngress: the class (`<none>`), hosts, addresses (the server prints wide), and `80, 443` once there is TLS. */
export function ingressCells(ing: Relaxed<Ingress>, now: Date): unknown[] {
  const spec = ing?.spec ?? {};
  return [
    ing?.metadata?.name ?? '',
    spec.ingressClassName ?? '<none>',
    formatIngressHosts(spec.rules ?? undefined),
    ingressAddresses(ing?.status?.loadBalancer, true),
    (spec.tls ?? []).length > 0 ? '80, 443' : '80',
    translateTimestampSince(ing?.metadata?.creationTimestamp, now),
  ];
}

export const ingressClassColumns: TableColumn[] = [
  nameCol(),
  col('Controller', 'string', 'Controller that is responsible for handling this class'),
  col('Parameters', 'string', 'A reference to a resource with additional parameters'),
  ageCol(),
];

/** printIngressClass: the parameters as `<kind>[.<apiGroup>]/<name>` (`<none>`). */
export function ingressClassCells(ic: Relaxed<IngressClass>, now: Date): unknown[] {
  const p = ic?.spec?.parameters;
  const parameters = p ? `${p.kind ?? ''}${p.apiGroup !== undefined && p.apiGroup !== null ? '.' + p.apiGroup : ''}/${p.name ?? ''}` : '<none>';
  return [ic?.metadata?.name ?? '', ic?.spec?.controller ?? '', parameters, translateTimestampSince(ic?.metadata?.creationTimestamp, now)];
}

/** upstream roleColumnDefinitions (Role, ClusterRole): the creation time as RFC 3339, not an age. */
export const roleColumns: TableColumn[] = [nameCol(), col('Created At', 'date', AGE_DESC)];

/** Go's `Time.UTC().Format(time.RFC3339)`: whole seconds, `Z`. */
function rfc3339(ts: unknown): string {
  const t = typeof ts === 'string' ? Date.parse(ts) : NaN;
  return Number.isNaN(t) ? '0001-01-01T00:00:00Z' : new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** upstream printRole / printClusterRole. */
export function roleCells(role: Relaxed<Role> | Relaxed<ClusterRole>): unknown[] {
  return [role?.metadata?.name ?? '', rfc3339(role?.metadata?.creationTimestamp)];
}

/** upstream roleBindingsColumnDefinitions (RoleBinding, ClusterRoleBinding). */
export const roleBindingColumns: TableColumn[] = [
  nameCol(),
  col('Role', 'string', 'RoleRef can only reference the current namespace and the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.'),
  ageCol(),
  col('Users', 'string', 'Users in the roleBinding', 1),
  col('Groups', 'string', 'Groups in the roleBinding', 1),
  col('ServiceAccounts', 'string', 'ServiceAccounts in the roleBinding', 1),
];

/** upstream printRoleBinding / printClusterRoleBinding: `Kind/name`, then (wide) users, groups, `namespace/name` service accounts. */
export function roleBindingCells(b: Relaxed<RoleBinding> | Relaxed<ClusterRoleBinding>, now: Date): unknown[] {
  const { users, groups, serviceAccounts } = subjectsStrings(b?.subjects);
  return [
    b?.metadata?.name ?? '',
    `${b?.roleRef?.kind ?? ''}/${b?.roleRef?.name ?? ''}`,
    translateTimestampSince(b?.metadata?.creationTimestamp, now),
    users.join(', '),
    groups.join(', '),
    serviceAccounts.join(', '),
  ];
}

// ---------------------------------------------------------------------------------------------
// Storage: PersistentVolume, PersistentVolumeClaim, StorageClass
// ---------------------------------------------------------------------------------------------

/** resource.Quantity.String() of a storage quantity; the zero Quantity prints "0". */
function storageQuantity(q: unknown): string {
  return canonicalQuantity(q) ?? '0';
}

export const persistentVolumeColumns: TableColumn[] = [
  nameCol(),
  col('Capacity', 'string', "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
  col('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes'),
  col('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming'),
  col('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase'),
  col('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding'),
  col('StorageClass', 'string', 'StorageClass of the pv'),
  col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
  col('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
  ageCol(),
  col('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.', 1),
];

/** upstream printPersistentVolume. */
export function persistentVolumeCells(pv: Relaxed<PersistentVolume>, now: Date): unknown[] {
  const ref = pv?.spec?.claimRef;
  const claim = ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '';
  const phase = pv?.metadata?.deletionTimestamp ? 'Terminating' : (pv?.status?.phase ?? '');
  return [
    pv?.metadata?.name ?? '',
    storageQuantity(pv?.spec?.capacity?.storage),
    accessModesAsString(pv?.spec?.accessModes),
    pv?.spec?.persistentVolumeReclaimPolicy ?? '',
    phase,
    claim,
    persistentVolumeClass(pv),
    pv?.spec?.volumeAttributesClassName ?? '<unset>',
    pv?.status?.reason ?? '',
    translateTimestampSince(pv?.metadata?.creationTimestamp, now),
    pv?.spec?.volumeMode ?? '<unset>',
  ];
}

export const persistentVolumeClaimColumns: TableColumn[] = [
  nameCol(),
  col('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
  col('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
  col('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
  col('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1'),
  col('StorageClass', 'string', 'StorageClass of the pvc'),
  col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
  ageCol(),
  col('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.', 1),
];

/** upstream printPersistentVolumeClaim: capacity and modes only once a volume is named. */
export function persistentVolumeClaimCells(pvc: Relaxed<PersistentVolumeClaim>, now: Date): unknown[] {
  const phase = pvc?.metadata?.deletionTimestamp ? 'Terminating' : (pvc?.status?.phase ?? '');
  const volumeName = pvc?.spec?.volumeName ?? '';
  const bound = volumeName !== '';
  return [
    pvc?.metadata?.name ?? '',
    phase,
    volumeName,
    bound ? storageQuantity(pvc?.status?.capacity?.storage) : '',
    bound ? accessModesAsString(pvc?.status?.accessModes) : '',
    persistentVolumeClaimClass(pvc),
    pvc?.spec?.volumeAttributesClassName ?? '<unset>',
    translateTimestampSince(pvc?.metadata?.creationTimestamp, now),
    pvc?.spec?.volumeMode ?? '<unset>',
  ];
}

export const storageClassColumns: TableColumn[] = [
  nameCol(),
  col('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
  col('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.'),
  col('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.'),
  col('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
  ageCol(),
];

/** upstream printStorageClass: `(default)` after the default class's name. */
export function storageClassCells(sc: Relaxed<StorageClass>, now: Date): unknown[] {
  const name = (sc?.metadata?.name ?? '') + (isDefaultStorageClass(sc) ? ' (default)' : '');
  return [
    name,
    sc?.provisioner ?? '',
    sc?.reclaimPolicy ?? 'Delete',
    sc?.volumeBindingMode ?? 'Immediate',
    sc?.allowVolumeExpansion === true,
    translateTimestampSince(sc?.metadata?.creationTimestamp, now),
  ];
}

// ---- certificates.k8s.io/v1 CertificateSigningRequest (printCertificateSigningRequest) ----

export const csrColumns: TableColumn[] = [
  nameCol(),
  ageCol(),
  col('SignerName', 'string', 'signerName indicates the requested signer, and is a qualified name.'),
  col('Requestor', 'string', 'username contains the name of the user that created the CertificateSigningRequest.'),
  col('RequestedDuration', 'string', 'expirationSeconds is the requested duration of validity of the issued certificate.'),
  col('Condition', 'string', 'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".'),
];

export function csrCells(csr: CSR, now: Date): unknown[] {
  const seconds = csr?.spec?.expirationSeconds;
  return [
    csr?.metadata?.name ?? '',
    translateTimestampSince(csr?.metadata?.creationTimestamp, now),
    csr?.spec?.signerName || '<none>',
    csr?.spec?.username ?? '',
    typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>',
    csrConditionSummary(csr),
  ];
}

// ---- apiregistration.k8s.io/v1 APIService (kube-aggregator's REST ConvertToTable) ----

export const apiServiceColumns: TableColumn[] = [
  nameCol(),
  col('Service', 'string', 'The reference to the service that hosts this API endpoint.'),
  col('Available', 'string', 'Whether this service is available.'),
  ageCol(),
];

export function apiServiceCells(s: APIServiceObject, now: Date): unknown[] {
  return [s?.metadata?.name ?? '', apiServiceServiceCell(s), apiServiceAvailableCell(s), translateTimestampSince(s?.metadata?.creationTimestamp, now)];
}

export const componentStatusColumns: TableColumn[] = [
  nameCol(),
  col('Status', 'string', 'Status of the component conditions'),
  col('Message', 'string', 'Message of the component conditions'),
  col('Error', 'string', 'Error of the component conditions'),
];

/** upstream printComponentStatus: the Healthy condition's True is Healthy, anything else Unhealthy; none is Unknown. */
export function componentStatusCells(cs: Relaxed<ComponentStatus>): unknown[] {
  const c = (cs?.conditions ?? []).find((x) => x?.type === 'Healthy');
  return [cs?.metadata?.name ?? '', c ? (c.status === 'True' ? 'Healthy' : 'Unhealthy') : 'Unknown', c?.message ?? '', c?.error ?? ''];
}
