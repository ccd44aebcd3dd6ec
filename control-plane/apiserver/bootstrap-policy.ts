/**
 * Upstream's bootstrap authorization policy as data (plugin/pkg/auth/authorizer/rbac/bootstrappolicy):
 * the ClusterRoles the API server creates, the ClusterRoleBindings that give them to the cluster's
 * identities, and the node rules the Node authorizer applies to whatever it does not subdivide by its
 * graph. The `rbac/bootstrap-roles` post-start hook (bootstrap-rbac.ts) writes them into the API as
 * objects (`bootstrapClusterRoles()`, `bootstrapClusterRoleBindings()`); the RBAC authorizer reads those.
 *
 * Each system:controller:<name> role is bound, as upstream's, to the ServiceAccount kube-system/<name> the
 * controller acts as with --use-service-account-credentials (how the lab runs it, as kubeadm does); one kubelab
 * addition: the same bindings name the user system:kube-controller-manager too, so a manager run without that
 * flag (every controller with the manager's own credential) still has what its controllers need.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule as ApiPolicyRule, Role as ApiRole, RoleBinding as ApiRoleBinding, Subject } from '../../api/types/index.js';
import type { PolicyRule } from './policy-rules.js';

const CORE = '';
const APPS = 'apps';
const BATCH = 'batch';
const AUTHENTICATION = 'authentication.k8s.io';
const AUTHORIZATION = 'authorization.k8s.io';
const CERTIFICATES = 'certificates.k8s.io';
const COORDINATION = 'coordination.k8s.io';
const DISCOVERY = 'discovery.k8s.io';
const EXTENSIONS = 'extensions';
const POLICY = 'policy';
const STORAGE = 'storage.k8s.io';
const EVENTS = 'events.k8s.io';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_WRITE = [...READ, ...WRITE];
const AUTOSCALING = 'autoscaling';
const NETWORKING = 'networking.k8s.io';
const RBAC = 'rbac.authorization.k8s.io';
const READ_UPDATE = ['get', 'list', 'watch', 'update', 'patch'];

function rule(verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  return { verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) };
}

function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs, nonResourceURLs };
}

/** eventsRule(): every component may record events, in both API groups. */
const EVENTS_RULE = rule(['create', 'update', 'patch'], [CORE, EVENTS], ['events']);

/**
 * NodeRules(): what every node may do where the Node authorizer does not decide by its graph
 * (secrets, configmaps, PVCs, PVs, service account tokens, leases and pods are decided there first).
 */
export const NODE_RULES: readonly PolicyRule[] = [
  rule(['create'], [AUTHENTICATION], ['tokenreviews']),
  rule(['create'], [AUTHORIZATION], ['subjectaccessreviews', 'localsubjectaccessreviews']),
  // the service lister, for pods' service environment variables
  rule(READ, [CORE], ['services']),
  // registration and status; NodeRestriction limits a node to its own Node
  rule(['create', 'get', 'list', 'watch'], [CORE], ['nodes']),
  rule(['update', 'patch'], [CORE], ['nodes/status']),
  rule(['update', 'patch'], [CORE], ['nodes']),
  rule(['create', 'update', 'patch'], [CORE], ['events']),
  rule(READ, [CORE], ['pods']),
  // mirror pods, pod status and evictions; NodeRestriction limits them to pods bound to the node
  rule(['create', 'delete'], [CORE], ['pods']),
  rule(['update', 'patch'], [CORE], ['pods/status']),
  rule(['create'], [CORE], ['pods/eviction']),
  // narrowed by the Node authorizer to what pods bound to the node reference
  rule(READ, [CORE], ['secrets', 'configmaps']),
  rule(['get'], [CORE], ['persistentvolumeclaims', 'persistentvolumes']),
  rule(['get'], [CORE], ['endpoints']),
  rule(['create', 'get', 'list', 'watch'], [CERTIFICATES], ['certificatesigningrequests']),
  rule(['get', 'create', 'update', 'patch', 'delete'], [COORDINATION], ['leases']),
  rule(['get'], [STORAGE], ['volumeattachments']),
  rule(['create'], [CORE], ['serviceaccounts/token']),
  rule(['get', 'update', 'patch'], [CORE], ['persistentvolumeclaims/status']),
  rule(['get', 'watch', 'list'], [STORAGE], ['csidrivers']),
  rule(['get', 'create', 'update', 'patch', 'delete'], [STORAGE], ['csinodes']),
  rule(READ, ['node.k8s.io'], ['runtimeclasses']),
];

/** ClusterRoles by name: the subset of upstream's bootstrap roles that kubelab's identities are bound to. */
export const CLUSTER_ROLES: Readonly<Record<string, readonly PolicyRule[]>> = {
  'cluster-admin': [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])],
  'system:discovery': [
    urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*']),
  ],
  'system:basic-user': [
    rule(['create'], [AUTHENTICATION], ['selfsubjectreviews']),
    rule(['create'], [AUTHORIZATION], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
  ],
  'system:public-info-viewer': [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/'])],
  // the ServiceAccount issuer discovery documents (OIDC), for every service account by default
  'system:service-account-issuer-discovery': [
    urls(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/']),
  ],
  // a role to use for allowing authentication and authorization delegation (extension API servers; bound by their installers)
  'system:auth-delegator': [rule(['create'], [AUTHENTICATION], ['tokenreviews']), rule(['create'], [AUTHORIZATION], ['subjectaccessreviews'])],
  // full access to the monitoring endpoints
  'system:monitoring': [urls(['get'], ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'])],
  // --- certificates.k8s.io (upstream's ClusterRoles; kubeadm, not the API server, binds them) ---
  'system:node-bootstrapper': [rule(['create', 'get', 'list', 'watch'], [CERTIFICATES], ['certificatesigningrequests'])],
  'system:certificates.k8s.io:certificatesigningrequests:nodeclient': [rule(['create'], [CERTIFICATES], ['certificatesigningrequests/nodeclient'])],
  'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient': [rule(['create'], [CERTIFICATES], ['certificatesigningrequests/selfnodeclient'])],
  'system:certificates.k8s.io:kube-apiserver-client-approver': [rule(['approve'], [CERTIFICATES], ['signers'], ['kubernetes.io/kube-apiserver-client'])],
  'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver': [rule(['approve'], [CERTIFICATES], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet'])],
  'system:certificates.k8s.io:kubelet-serving-approver': [rule(['approve'], [CERTIFICATES], ['signers'], ['kubernetes.io/kubelet-serving'])],
  'system:certificates.k8s.io:legacy-unknown-approver': [rule(['approve'], [CERTIFICATES], ['signers'], ['kubernetes.io/legacy-unknown'])],
  'system:node-proxier': [
    rule(['list', 'watch'], [CORE], ['services', 'endpoints']),
    rule(READ, [CORE], ['nodes']),
    EVENTS_RULE,
    rule(['list', 'watch'], [DISCOVERY], ['endpointslices']),
  ],
  // kubelab's network policy agent (runs in `kubelab proxy --network-policy`, as kube-router's netpol controller
  // with its own ClusterRole): every pod and namespace (peers), the NetworkPolicies.
  'system:kubelab:network-policy-agent': [
    rule(['list', 'watch'], [CORE], ['pods', 'namespaces']),
    rule(['list', 'watch'], [NETWORKING], ['networkpolicies']),
  ],
  'system:kube-scheduler': [
    EVENTS_RULE,
    // leader election
    rule(['create'], [COORDINATION], ['leases']),
    rule(['get', 'update'], [COORDINATION], ['leases'], ['kube-scheduler']),
    rule(['create'], [CORE], ['endpoints']),
    rule(['get', 'update'], [CORE], ['endpoints'], ['kube-scheduler']),
    // fundamental resources
    rule(READ, [CORE], ['nodes']),
    rule(['get', 'list', 'watch', 'delete'], [CORE], ['pods']),
    rule(['create'], [CORE], ['pods/binding', 'bindings']),
    rule(['patch', 'update'], [CORE], ['pods/status']),
    // things that select pods
    rule(READ, [CORE], ['services', 'replicationcontrollers']),
    rule(READ, [APPS, EXTENSIONS], ['replicasets']),
    rule(READ, [APPS], ['statefulsets']),
    // things that pods use or that apply to them
    rule(READ, [POLICY], ['poddisruptionbudgets']),
    rule(READ, [CORE], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['create'], [AUTHENTICATION], ['tokenreviews']),
    rule(['create'], [AUTHORIZATION], ['subjectaccessreviews']),
    rule(READ, [STORAGE], ['csinodes']),
    rule(READ, [CORE], ['namespaces']),
    rule(READ, [STORAGE], ['csidrivers']),
    rule(READ, [STORAGE], ['csistoragecapacities']),
  ],
  'system:volume-scheduler': [
    rule(READ_UPDATE, [CORE], ['persistentvolumes']),
    rule(READ, [STORAGE], ['storageclasses']),
    rule(READ_UPDATE, [CORE], ['persistentvolumeclaims']),
  ],
  'system:kube-controller-manager': [
    EVENTS_RULE,
    // leader election
    rule(['create'], [COORDINATION], ['leases']),
    rule(['get', 'update'], [COORDINATION], ['leases'], ['kube-controller-manager']),
    rule(['create'], [CORE], ['endpoints']),
    rule(['get', 'update'], [CORE], ['endpoints'], ['kube-controller-manager']),
    // the service-account and token machinery
    rule(['create'], [CORE], ['secrets', 'serviceaccounts']),
    rule(['delete'], [CORE], ['secrets']),
    rule(['get'], [CORE], ['namespaces', 'secrets', 'serviceaccounts', 'configmaps']),
    rule(['update'], [CORE], ['secrets', 'serviceaccounts']),
    rule(['create'], [AUTHENTICATION], ['tokenreviews']),
    rule(['create'], [AUTHORIZATION], ['subjectaccessreviews']),
    // every shared informer
    rule(['list', 'watch'], ['*'], ['*']),
    rule(['create'], [CORE], ['serviceaccounts/token']),
  ],
  // --- the user-facing roles: admin, edit and view are aggregated from these (their aggregationRule in AGGREGATION) ---
  admin: [],
  edit: [],
  view: [],
  'system:aggregate-to-admin': [
    rule(['create'], [AUTHORIZATION], ['localsubjectaccessreviews']),
    rule(READ_WRITE, [RBAC], ['roles', 'rolebindings']),
  ],
  'system:aggregate-to-edit': [
    rule(READ, [CORE], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
    rule(['impersonate'], [CORE], ['serviceaccounts']),
    rule(WRITE, [CORE], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
    rule(['create'], [CORE], ['pods/eviction']),
    rule(WRITE, [CORE], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
    rule(['create'], [CORE], ['serviceaccounts/token']),
    rule(WRITE, [APPS], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
    rule(WRITE, [AUTOSCALING], ['horizontalpodautoscalers']),
    rule(WRITE, [BATCH], ['jobs', 'cronjobs']),
    rule(WRITE, [EXTENSIONS], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies']),
    rule(WRITE, [POLICY], ['poddisruptionbudgets']),
    rule(WRITE, [NETWORKING], ['networkpolicies', 'ingresses']),
    rule(READ_WRITE, [COORDINATION], ['leases']),
  ],
  'system:aggregate-to-view': [
    rule(READ, [CORE], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
    rule(READ, [CORE], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
    // read access to namespaces at the namespace scope means you can read *this* namespace
    rule(READ, [CORE], ['namespaces']),
    rule(READ, [DISCOVERY], ['endpointslices']),
    rule(READ, [APPS], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
    rule(READ, [AUTOSCALING], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
    rule(READ, [BATCH], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
    rule(READ, [EXTENSIONS], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
    rule(READ, [POLICY], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
    rule(READ, [NETWORKING], ['networkpolicies', 'ingresses', 'ingresses/status']),
  ],
  // --- the controllers' roles (upstream's controller_policy.go), for the controllers kubelab runs ---
  'system:controller:deployment-controller': [
    rule(['get', 'list', 'watch', 'update'], [EXTENSIONS, APPS], ['deployments']),
    rule(['update'], [EXTENSIONS, APPS], ['deployments/status']),
    rule(['update'], [EXTENSIONS, APPS], ['deployments/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], [APPS, EXTENSIONS], ['replicasets']),
    rule(['get', 'list', 'watch', 'update'], [CORE], ['pods']),
    EVENTS_RULE,
  ],
  'system:controller:replicaset-controller': [
    rule(['get', 'list', 'watch', 'update'], [APPS, EXTENSIONS], ['replicasets']),
    rule(['update'], [APPS, EXTENSIONS], ['replicasets/status']),
    rule(['update'], [APPS, EXTENSIONS], ['replicasets/finalizers']),
    rule(['list', 'watch', 'patch', 'create', 'delete'], [CORE], ['pods']),
    EVENTS_RULE,
  ],
  'system:controller:replication-controller': [
    // 1.0 controllers needed get and update: old controllers would break on new servers without them (upstream's note).
    rule(['get', 'list', 'watch', 'update'], [CORE], ['replicationcontrollers']),
    rule(['update'], [CORE], ['replicationcontrollers/status']),
    rule(['update'], [CORE], ['replicationcontrollers/finalizers']),
    rule(['list', 'watch', 'patch', 'create', 'delete'], [CORE], ['pods']),
    EVENTS_RULE,
  ],
  'system:controller:statefulset-controller': [
    rule(['list', 'watch'], [CORE], ['pods']),
    rule(['get', 'list', 'watch'], [APPS], ['statefulsets']),
    rule(['update'], [APPS], ['statefulsets/status']),
    rule(['update'], [APPS], ['statefulsets/finalizers']),
    rule(['get', 'create', 'delete', 'update', 'patch'], [CORE], ['pods']),
    rule(['get', 'create', 'delete', 'update', 'patch', 'list', 'watch'], [APPS], ['controllerrevisions']),
    rule(['get', 'create'], [CORE], ['persistentvolumeclaims']),
    // StatefulSetAutoDeletePVC (GA in 1.32): the retention policy's owner references.
    rule(['update', 'delete'], [CORE], ['persistentvolumeclaims']),
    EVENTS_RULE,
  ],
  'system:controller:daemon-set-controller': [
    rule(['get', 'list', 'watch'], [EXTENSIONS, APPS], ['daemonsets']),
    rule(['update'], [EXTENSIONS, APPS], ['daemonsets/status']),
    rule(['update'], [EXTENSIONS, APPS], ['daemonsets/finalizers']),
    rule(['list', 'watch'], [CORE], ['nodes']),
    rule(['list', 'watch', 'create', 'delete', 'patch'], [CORE], ['pods']),
    // upstream also grants create pods/binding (from before the default scheduler placed daemon pods); kubelab
    // leaves it out: the manager's own user holds every controller role here, and it must never bind pods.
    rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], [APPS], ['controllerrevisions']),
    EVENTS_RULE,
  ],
  'system:controller:endpoint-controller': [
    rule(READ, [CORE], ['services', 'pods']),
    rule(['get', 'list', 'create', 'update', 'delete'], [CORE], ['endpoints']),
    rule(['create'], [CORE], ['endpoints/restricted']),
    EVENTS_RULE,
  ],
  'system:controller:endpointslice-controller': [
    rule(READ, [CORE], ['services', 'pods', 'nodes']),
    rule(['update'], [CORE], ['services/finalizers']),
    rule(['get', 'list', 'create', 'update', 'delete'], [DISCOVERY], ['endpointslices']),
    EVENTS_RULE,
  ],
  // node-ipam-controller and node-lifecycle-controller run as upstream's node-controller
  'system:controller:node-controller': [
    rule(['get', 'list', 'update', 'delete', 'patch'], [CORE], ['nodes']),
    rule(['patch', 'update'], [CORE], ['nodes/status']),
    rule(['patch', 'update'], [CORE], ['pods/status']),
    rule(['list', 'get', 'delete'], [CORE], ['pods']),
    EVENTS_RULE,
  ],
  'system:controller:taint-eviction-controller': [
    rule(['patch', 'update'], [CORE], ['pods/status']),
    rule(['list', 'get', 'delete'], [CORE], ['pods']),
    EVENTS_RULE,
  ],
  'system:controller:generic-garbage-collector': [
    rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']),
    EVENTS_RULE,
  ],
  'system:controller:namespace-controller': [
    rule(['get', 'list', 'watch', 'delete'], [CORE], ['namespaces']),
    rule(['update'], [CORE], ['namespaces/finalize', 'namespaces/status']),
    rule(['get', 'list', 'delete', 'deletecollection'], ['*'], ['*']),
  ],
  'system:controller:pod-garbage-collector': [
    rule(['list', 'watch', 'delete'], [CORE], ['pods']),
    rule(['get', 'list'], [CORE], ['nodes']),
    rule(['patch'], [CORE], ['pods/status']),
  ],
  'system:controller:job-controller': [
    rule(['get', 'list', 'watch', 'update', 'patch'], [BATCH], ['jobs']),
    rule(['update'], [BATCH], ['jobs/status']),
    rule(['update'], [BATCH], ['jobs/finalizers']),
    rule(['list', 'watch', 'create', 'delete', 'patch'], [CORE], ['pods']),
    EVENTS_RULE,
  ],
  'system:controller:cronjob-controller': [
    rule(['get', 'list', 'watch', 'update'], [BATCH], ['cronjobs']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], [BATCH], ['jobs']),
    rule(['update'], [BATCH], ['cronjobs/status']),
    rule(['update'], [BATCH], ['cronjobs/finalizers']),
    rule(['list', 'delete'], [CORE], ['pods']),
    EVENTS_RULE,
  ],
  'system:controller:ttl-after-finished-controller': [rule(['get', 'list', 'watch', 'delete'], [BATCH], ['jobs']), EVENTS_RULE],
  'system:controller:clusterrole-aggregation-controller': [rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], [RBAC], ['clusterroles'])],
  'system:controller:certificate-controller': [
    rule(['delete', 'get', 'list', 'watch'], [CERTIFICATES], ['certificatesigningrequests']),
    rule(['update'], [CERTIFICATES], ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
    rule(['approve'], [CERTIFICATES], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
    rule(['sign'], [CERTIFICATES], ['signers'], ['kubernetes.io/legacy-unknown', 'kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']),
    rule(['create'], [AUTHORIZATION], ['subjectaccessreviews']),
    EVENTS_RULE,
  ],
  'system:controller:service-account-controller': [rule(['create'], [CORE], ['serviceaccounts']), EVENTS_RULE],
  'system:controller:root-ca-cert-publisher': [rule(['create', 'update'], [CORE], ['configmaps']), EVENTS_RULE],
  // quota can count anything, so it may list and watch everything; it writes only quota status.
  'system:controller:resourcequota-controller': [
    rule(['list', 'watch'], ['*'], ['*']),
    rule(['update'], [CORE], ['resourcequotas/status']),
    EVENTS_RULE,
  ],
  'system:controller:disruption-controller': [
    rule(READ, [EXTENSIONS, APPS], ['deployments']),
    rule(READ, [APPS, EXTENSIONS], ['replicasets']),
    rule(READ, [CORE], ['replicationcontrollers']),
    rule(READ, [POLICY], ['poddisruptionbudgets']),
    rule(READ, [APPS], ['statefulsets']),
    rule(['update'], [POLICY], ['poddisruptionbudgets/status']),
    rule(['get'], ['*'], ['*/scale']),
    rule(['patch', 'update'], [CORE], ['pods/status']),
    EVENTS_RULE,
  ],
  'system:controller:horizontal-pod-autoscaler': [
    rule(READ, [AUTOSCALING], ['horizontalpodautoscalers']),
    rule(['update'], [AUTOSCALING], ['horizontalpodautoscalers/status']),
    rule(['get', 'update'], ['*'], ['*/scale']),
    rule(['list'], [CORE], ['pods']),
    rule(['get'], [CORE], ['services'], ['https:heapster:', 'http:heapster:']),
    // resource, custom and external metrics
    rule(['list'], ['metrics.k8s.io'], ['pods']),
    rule(['get', 'list'], ['custom.metrics.k8s.io'], ['*']),
    rule(['get', 'list'], ['external.metrics.k8s.io'], ['*']),
    EVENTS_RULE,
  ],
  'system:controller:persistent-volume-binder': [
    rule(['get', 'list', 'watch', 'update', 'create', 'delete'], [CORE], ['persistentvolumes']),
    rule(['update'], [CORE], ['persistentvolumes/status']),
    rule(['get', 'list', 'watch', 'update'], [CORE], ['persistentvolumeclaims']),
    rule(['update'], [CORE], ['persistentvolumeclaims/status']),
    rule(['list', 'watch', 'get', 'create', 'delete'], [CORE], ['pods']),
    // glusterfs (upstream keeps these rules)
    rule(READ, [STORAGE], ['storageclasses']),
    rule(['get', 'create', 'update', 'delete'], [CORE], ['endpoints']),
    rule(['get', 'create', 'delete'], [CORE], ['services']),
    rule(['get'], [CORE], ['secrets']),
    // openstack
    rule(['get', 'list'], [CORE], ['nodes']),
    // recyclerClient.WatchPod
    rule(['watch'], [CORE], ['events']),
    EVENTS_RULE,
  ],
  'system:controller:pvc-protection-controller': [
    rule(['get', 'list', 'watch', 'update'], [CORE], ['persistentvolumeclaims']),
    rule(['list', 'watch', 'get'], [CORE], ['pods']),
    EVENTS_RULE,
  ],
  'system:controller:pv-protection-controller': [
    rule(['get', 'list', 'watch', 'update'], [CORE], ['persistentvolumes']),
    EVENTS_RULE,
  ],
};

const AGGREGATE_TO = (role: string): Record<string, string> => ({ [`rbac.authorization.k8s.io/aggregate-to-${role}`]: 'true' });

/** The aggregated roles' selectors and the labels that aggregate a role into another (upstream's admin/edit/view). */
export const AGGREGATION: Readonly<Record<string, { labels?: Record<string, string>; selects?: Record<string, string> }>> = {
  admin: { selects: AGGREGATE_TO('admin') },
  edit: { labels: AGGREGATE_TO('admin'), selects: AGGREGATE_TO('edit') },
  view: { labels: AGGREGATE_TO('edit'), selects: AGGREGATE_TO('view') },
  'system:aggregate-to-admin': { labels: AGGREGATE_TO('admin') },
  'system:aggregate-to-edit': { labels: AGGREGATE_TO('edit') },
  'system:aggregate-to-view': { labels: AGGREGATE_TO('view') },
};

/** A ClusterRoleBinding: the role, and the users and groups it is given to. */
export interface RoleBinding {
  role: string;
  users?: readonly string[];
  groups?: readonly string[];
  /** ServiceAccounts in kube-system (`--use-service-account-credentials`: a controller acting as its own account). */
  serviceAccounts?: readonly string[];
}

const CONTROLLER_MANAGER = 'system:kube-controller-manager';

/** Who has which role (upstream's clusterRoleBindings, plus the controller roles for the controller manager). */
export const CLUSTER_ROLE_BINDINGS: readonly RoleBinding[] = [
  { role: 'cluster-admin', groups: ['system:masters'] },
  { role: 'system:discovery', groups: ['system:authenticated'] },
  { role: 'system:basic-user', groups: ['system:authenticated'] },
  { role: 'system:public-info-viewer', groups: ['system:authenticated', 'system:unauthenticated'] },
  { role: 'system:monitoring', groups: ['system:monitoring'] },
  { role: 'system:service-account-issuer-discovery', groups: ['system:serviceaccounts'] },
  { role: 'system:node-proxier', users: ['system:kube-proxy'] },
  { role: 'system:kubelab:network-policy-agent', users: ['system:kube-proxy'] },
  { role: 'system:kube-controller-manager', users: [CONTROLLER_MANAGER] },
  { role: 'system:kube-scheduler', users: ['system:kube-scheduler'] },
  { role: 'system:volume-scheduler', users: ['system:kube-scheduler'] },
  ...Object.keys(CLUSTER_ROLES)
    .filter((r) => r.startsWith('system:controller:'))
    .map((role) => ({ role, users: [CONTROLLER_MANAGER], serviceAccounts: [role.slice('system:controller:'.length)] })),
];

/** What upstream's bootstrap objects carry: `kubernetes.io/bootstrapping: rbac-defaults` and the autoupdate annotation. */
export const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

/** A rule as the API writes it (fresh, mutable arrays; empty lists left out). */
function apiRule(r: PolicyRule): ApiPolicyRule {
  const out: ApiPolicyRule = { verbs: [...r.verbs] };
  if (r.apiGroups?.length) out.apiGroups = [...r.apiGroups];
  if (r.resources?.length) out.resources = [...r.resources];
  if (r.resourceNames?.length) out.resourceNames = [...r.resourceNames];
  if (r.nonResourceURLs?.length) out.nonResourceURLs = [...r.nonResourceURLs];
  return out;
}

const bootstrapMeta = (name: string, labels: Record<string, string> = {}) => ({
  name,
  labels: { ...BOOTSTRAP_LABEL, ...labels },
  annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
});

/** The bootstrap ClusterRoles as API objects (rules copied: callers may change them). */
export function bootstrapClusterRoles(): ClusterRole[] {
  return Object.entries(CLUSTER_ROLES).map(([name, rules]) => {
    const agg = AGGREGATION[name];
    return {
      apiVersion: RBAC + '/v1',
      kind: 'ClusterRole',
      metadata: bootstrapMeta(name, agg?.labels),
      rules: rules.map(apiRule),
      ...(agg?.selects ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { ...agg.selects } }] } } : {}),
    };
  });
}

/** The bootstrap ClusterRoleBindings as API objects, one per role (named as the role, as upstream). */
export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  const byRole = new Map<string, ClusterRoleBinding>();
  for (const b of CLUSTER_ROLE_BINDINGS) {
    const crb: ClusterRoleBinding = byRole.get(b.role) ?? {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: bootstrapMeta(b.role),
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: b.role },
      subjects: [] as Subject[],
    };
    for (const g of b.groups ?? []) crb.subjects!.push({ kind: 'Group', apiGroup: RBAC, name: g });
    for (const u of b.users ?? []) crb.subjects!.push({ kind: 'User', apiGroup: RBAC, name: u });
    for (const sa of b.serviceAccounts ?? []) crb.subjects!.push({ kind: 'ServiceAccount', name: sa, namespace: 'kube-system' });
    byRole.set(b.role, crb);
  }
  return [...byRole.values()];
}

/** upstream's namespaced bootstrap Roles (bootstrappolicy/namespace_policy.go) kubelab has use for, by namespace. */
export const NAMESPACE_ROLES: Readonly<Record<string, Readonly<Record<string, readonly PolicyRule[]>>>> = {
  'kube-system': {
    // finding the authentication configuration for starting a server: the one ConfigMap the API server keeps
    'extension-apiserver-authentication-reader': [rule(['get', 'list', 'watch'], [CORE], ['configmaps'], ['extension-apiserver-authentication'])],
  },
};

/** Their bindings (upstream names a namespaced bootstrap binding `system::<role>`). */
export const NAMESPACE_ROLE_BINDINGS: ReadonlyArray<{ namespace: string; role: string; users: readonly string[] }> = [
  { namespace: 'kube-system', role: 'extension-apiserver-authentication-reader', users: [CONTROLLER_MANAGER, 'system:kube-scheduler'] },
];

/** The bootstrap Roles as API objects. */
export function bootstrapRoles(): ApiRole[] {
  return Object.entries(NAMESPACE_ROLES).flatMap(([namespace, roles]) =>
    Object.entries(roles).map(([name, rules]) => ({
      apiVersion: RBAC + '/v1',
      kind: 'Role',
      metadata: { ...bootstrapMeta(name), namespace },
      rules: rules.map(apiRule),
    })),
  );
}

/** The bootstrap RoleBindings as API objects. */
export function bootstrapRoleBindings(): ApiRoleBinding[] {
  return NAMESPACE_ROLE_BINDINGS.map((b) => ({
    apiVersion: RBAC + '/v1',
    kind: 'RoleBinding',
    metadata: { ...bootstrapMeta(`system::${b.role}`), namespace: b.namespace },
    roleRef: { apiGroup: RBAC, kind: 'Role', name: b.role },
    subjects: b.users.map((u) => ({ kind: 'User', apiGroup: RBAC, name: u })),
  }));
}
