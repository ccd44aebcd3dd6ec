/** The kinds kubelab serves: one row a kind, in discovery's order. A new kind is a file in its group's folder and a row here. */
import type { KindDefinition } from './descriptor.js';
import { namespaces } from './core/namespace.js';
import { pods } from './core/pod.js';
import { services } from './core/service.js';
import { endpoints } from './core/endpoints.js';
import { nodes } from './core/node.js';
import { configMaps } from './core/configmap.js';
import { secrets } from './core/secret.js';
import { coreEvents } from './core/event.js';
import { serviceAccounts } from './core/serviceaccount.js';
import { bindings } from './core/binding.js';
import { componentStatuses } from './core/componentstatus.js';
import { limitRanges } from './core/limitrange.js';
import { resourceQuotas } from './core/resourcequota.js';
import { persistentVolumes } from './core/persistentvolume.js';
import { persistentVolumeClaims } from './core/persistentvolumeclaim.js';
import { replicationControllers } from './core/replicationcontroller.js';
import { deployments } from './apps/deployment.js';
import { replicaSets } from './apps/replicaset.js';
import { statefulSets } from './apps/statefulset.js';
import { controllerRevisions } from './apps/controllerrevision.js';
import { daemonSets } from './apps/daemonset.js';
import { selfSubjectReviews } from './authentication/selfsubjectreview.js';
import { tokenReviews } from './authentication/tokenreview.js';
import { localSubjectAccessReviews } from './authorization/localsubjectaccessreview.js';
import { selfSubjectAccessReviews } from './authorization/selfsubjectaccessreview.js';
import { selfSubjectRulesReviews } from './authorization/selfsubjectrulesreview.js';
import { subjectAccessReviews } from './authorization/subjectaccessreview.js';
import { jobs } from './batch/job.js';
import { cronJobs } from './batch/cronjob.js';
import { leases } from './coordination/lease.js';
import { endpointSlices } from './discovery/endpointslice.js';
import { eventsV1Events } from './events/event.js';
import { customResourceDefinitions } from './apiextensions/customresourcedefinition.js';
import { priorityClasses } from './scheduling/priorityclass.js';
import { podDisruptionBudgets } from './policy/poddisruptionbudget.js';
import { networkPolicies } from './networking/networkpolicy.js';
import { ingresses } from './networking/ingress.js';
import { ingressClasses } from './networking/ingressclass.js';
import { clusterRoleBindings } from './rbac/clusterrolebinding.js';
import { clusterRoles } from './rbac/clusterrole.js';
import { roleBindings } from './rbac/rolebinding.js';
import { roles } from './rbac/role.js';
import { storageClasses } from './storage/storageclass.js';
import { horizontalPodAutoscalers, horizontalPodAutoscalersV1 } from './autoscaling/horizontalpodautoscaler.js';
import { certificateSigningRequests } from './certificates/certificatesigningrequest.js';
import { apiServices } from './apiregistration/apiservice.js';

export const BUILTIN_KINDS: readonly KindDefinition[] = [
  namespaces,
  pods,
  services,
  endpoints,
  nodes,
  configMaps,
  secrets,
  coreEvents,
  serviceAccounts,
  bindings,
  componentStatuses,
  limitRanges,
  resourceQuotas,
  persistentVolumes,
  persistentVolumeClaims,
  replicationControllers,
  deployments,
  replicaSets,
  statefulSets,
  controllerRevisions,
  daemonSets,
  selfSubjectReviews,
  tokenReviews,
  localSubjectAccessReviews,
  selfSubjectAccessReviews,
  selfSubjectRulesReviews,
  subjectAccessReviews,
  jobs,
  cronJobs,
  leases,
  endpointSlices,
  eventsV1Events,
  podDisruptionBudgets,
  horizontalPodAutoscalers,
  horizontalPodAutoscalersV1,
  networkPolicies,
  ingresses,
  ingressClasses,
  storageClasses,
  customResourceDefinitions,
  priorityClasses,
  clusterRoleBindings,
  clusterRoles,
  roleBindings,
  roles,
  certificateSigningRequests,
  apiServices,
];
