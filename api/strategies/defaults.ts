/**
 * Upstream's defaulters (pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go), and the
 * defaults upstream applies through admission plugins at pod creation (ServiceAccount, Priority,
 * DefaultTolerationSeconds). All functions mutate in place and are idempotent.
 */

import type { DaemonSet, Deployment, ReplicaSet } from '../types/apps.js';
import type { Quantity } from '../types/base.js';
import type {
  Container,
  Endpoints,
  LifecycleHandler,
  Namespace,
  Node,
  Pod,
  PodSpec,
  PodStatus,
  PodTemplateSpec,
  Probe,
  Secret,
  Service,
  Toleration,
  Volume,
} from '../types/core.js';
import type { EndpointSlice } from '../types/groups.js';
import type { Relaxed } from '../types/views.js';
import { canonicalQuantity } from './validation.js';

export const DEFAULT_TOLERATION_SECONDS = 300;

/** Quantities are stored in canonical form, as decoding into resource.Quantity does (`0.5` -> `500m`). */
export function canonicalizeResourceList(list: Record<string, Quantity> | undefined): void {
  if (!list || typeof list !== 'object') return;
  for (const [k, v] of Object.entries(list)) {
    const c = canonicalQuantity(v);
    if (c !== undefined) list[k] = c;
  }
}
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';

/** `parent[key]`, first set to `empty` when it is absent, null (JSON's unset) or not an object. */
function obj<T extends object, K extends keyof T>(parent: T, key: K, empty: NonNullable<T[K]>): NonNullable<T[K]> {
  const v = parent[key];
  if (v === undefined || v === null || typeof v !== 'object') {
    parent[key] = empty;
    return empty;
  }
  return v;
}

/** The tag of an image reference ('' when none), ignoring a registry port. */
export function imageTag(image: string): { tag: string; digest: boolean } {
  if (image.includes('@')) return { tag: '', digest: true };
  const lastSlash = image.lastIndexOf('/');
  const lastPart = image.slice(lastSlash + 1);
  const colon = lastPart.lastIndexOf(':');
  return { tag: colon >= 0 ? lastPart.slice(colon + 1) : '', digest: false };
}

/** SetDefaults_Container's pull policy: Always for `:latest` or no tag, else IfNotPresent. */
export function defaultPullPolicy(image: string): string {
  if (!image) return 'IfNotPresent'; // upstream: an unparsable image yields no tag
  const { tag, digest } = imageTag(image);
  if (digest) return 'IfNotPresent';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export function defaultProbe(p: Relaxed<Probe> | undefined): void {
  if (!p || typeof p !== 'object') return;
  if (p.timeoutSeconds === undefined || p.timeoutSeconds === 0) p.timeoutSeconds = 1;
  if (p.periodSeconds === undefined || p.periodSeconds === 0) p.periodSeconds = 10;
  if (p.successThreshold === undefined || p.successThreshold === 0) p.successThreshold = 1;
  if (p.failureThreshold === undefined || p.failureThreshold === 0) p.failureThreshold = 3;
  defaultHandler(p);
}

/** A probe's or a lifecycle hook's handler (only probes have `grpc`). */
type Handler = Relaxed<Pick<Probe, 'httpGet' | 'grpc'>> | Relaxed<LifecycleHandler>;

function defaultHandler(h: Handler | undefined): void {
  if (!h || typeof h !== 'object') return;
  if (h.httpGet && typeof h.httpGet === 'object') {
    if (!h.httpGet.path) h.httpGet.path = '/';
    if (!h.httpGet.scheme) h.httpGet.scheme = 'HTTP';
  }
  if ('grpc' in h && h.grpc && typeof h.grpc === 'object' && h.grpc.service === undefined) h.grpc.service = '';
}

export function defaultContainer(c: Relaxed<Container> | undefined): void {
  if (!c || typeof c !== 'object') return;
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultPullPolicy(typeof c.image === 'string' ? c.image : '');
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  for (const p of c.ports ?? []) if (p && !p.protocol) p.protocol = 'TCP';
  for (const e of c.env ?? []) {
    const fr = e?.valueFrom?.fieldRef;
    if (fr && !fr.apiVersion) fr.apiVersion = 'v1';
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (c.lifecycle) {
    defaultHandler(c.lifecycle.postStart);
    defaultHandler(c.lifecycle.preStop);
  }
}

/** SetDefaults_Pod's resources rule: a limit given without a request makes the request. */
function defaultRequestsFromLimits(c: Relaxed<Container> | undefined): void {
  const resources = c?.resources;
  canonicalizeResourceList(resources?.limits);
  canonicalizeResourceList(resources?.requests);
  const limits = resources?.limits;
  if (!resources || !limits || typeof limits !== 'object' || Object.keys(limits).length === 0) return;
  const requests = obj(resources, 'requests', {});
  for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v;
}

function defaultVolume(v: Relaxed<Volume> | undefined): void {
  if (!v || typeof v !== 'object') return;
  const sources = Object.keys(v).filter((k) => k !== 'name');
  if (sources.length === 0) v.emptyDir = {};
  if (v.secret && v.secret.defaultMode === undefined) v.secret.defaultMode = 420;
  if (v.configMap && v.configMap.defaultMode === undefined) v.configMap.defaultMode = 420;
  if (v.downwardAPI && v.downwardAPI.defaultMode === undefined) v.downwardAPI.defaultMode = 420;
  if (v.projected && v.projected.defaultMode === undefined) v.projected.defaultMode = 420;
  if (v.hostPath && v.hostPath.type === undefined) v.hostPath.type = '';
  for (const it of v.downwardAPI?.items ?? []) if (it?.fieldRef && !it.fieldRef.apiVersion) it.fieldRef.apiVersion = 'v1';
}

/** SetDefaults_PodSpec + SetDefaults_Container + SetDefaults_Volume (+ the Pod-level resource rule). */
export function defaultPodSpec(spec: Relaxed<PodSpec> | undefined): void {
  if (!spec || typeof spec !== 'object') return;
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  if (spec.securityContext === undefined || spec.securityContext === null) spec.securityContext = {};
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) {
    spec.terminationGracePeriodSeconds = 30;
  }
  if (!spec.schedulerName) spec.schedulerName = 'default-scheduler';
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  // v1 conversion keeps the deprecated serviceAccount mirrored with serviceAccountName.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    defaultContainer(c);
    defaultRequestsFromLimits(c);
    if (spec.hostNetwork) for (const p of c?.ports ?? []) if (p && !p.hostPort) p.hostPort = p.containerPort;
  }
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

export function defaultPodTemplate(template: Relaxed<PodTemplateSpec> | undefined): void {
  if (!template || typeof template !== 'object') return;
  defaultPodSpec(template.spec);
}

/** Mirror the v1 singular/plural IP fields as conversion does. */
export function defaultPodStatusIPs(status: Relaxed<PodStatus> | undefined): void {
  if (!status || typeof status !== 'object') return;
  if (status.podIP && !(status.podIPs ?? []).length) status.podIPs = [{ ip: status.podIP }];
  const podIPs = status.podIPs ?? [];
  if (!status.podIP && podIPs.length) status.podIP = podIPs[0]?.ip;
  if (status.hostIP && !(status.hostIPs ?? []).length) status.hostIPs = [{ ip: status.hostIP }];
  const hostIPs = status.hostIPs ?? [];
  if (!status.hostIP && hostIPs.length) status.hostIP = hostIPs[0]?.ip;
}

export function defaultPod(pod: Relaxed<Pod>): void {
  defaultPodSpec(obj(pod, 'spec', {}));
  if (pod.status) defaultPodStatusIPs(pod.status);
}

/**
 * The DefaultTolerationSeconds admission plugin's settings (kube-apiserver's
 * --default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds, 300 by default).
 * Set once at API server start.
 */
export const defaultTolerationSeconds = { notReady: DEFAULT_TOLERATION_SECONDS, unreachable: DEFAULT_TOLERATION_SECONDS };

/**
 * Admission-time pod defaults: DefaultTolerationSeconds (Priority and ServiceAccount are admission plugins,
 * control-plane/apiserver/admission-priority.ts and admission-serviceaccount.ts).
 */
export function admitPod(pod: Relaxed<Pod>): void {
  const spec = obj(pod, 'spec', {});
  const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  // DefaultTolerationSeconds: an empty key tolerates every key; an empty effect every effect.
  const tolerates = (k: string) =>
    tolerations.some((t) => (t?.key === k || !t?.key) && (t?.effect === 'NoExecute' || !t?.effect));
  const add: Toleration[] = [];
  for (const k of [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]) {
    const seconds = k === TAINT_NODE_NOT_READY ? defaultTolerationSeconds.notReady : defaultTolerationSeconds.unreachable;
    if (!tolerates(k)) add.push({ key: k, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  if (add.length) spec.tolerations = [...tolerations, ...add];
}

export function defaultService(svc: Relaxed<Service>): void {
  const spec = obj(svc, 'spec', {});
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = obj(spec, 'sessionAffinityConfig', {});
    const cip = obj(cfg, 'clientIP', {});
    if (cip.timeoutSeconds === undefined) cip.timeoutSeconds = 10800;
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const p of spec.ports ?? []) {
    if (!p || typeof p !== 'object') continue;
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  const externallyAccessible =
    spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (spec.type === 'ClusterIP' && (spec.externalIPs ?? []).length > 0);
  if (externallyAccessible && !spec.externalTrafficPolicy) {
    spec.externalTrafficPolicy = 'Cluster';
  }
  if (!spec.internalTrafficPolicy && spec.type !== 'ExternalName') spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
  // The registry's IP family defaults (single-stack IPv4 cluster).
  if (spec.type !== 'ExternalName') {
    const headlessNoSelector = spec.clusterIP === 'None' && Object.keys(spec.selector ?? {}).length === 0;
    if (!spec.ipFamilyPolicy) spec.ipFamilyPolicy = headlessNoSelector ? 'RequireDualStack' : 'SingleStack';
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
  }
}

export function defaultDeployment(d: Relaxed<Deployment>): void {
  const spec = obj(d, 'spec', {});
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  const strategy = obj(spec, 'strategy', {});
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = obj(strategy, 'rollingUpdate', {});
    if (ru.maxUnavailable === undefined || ru.maxUnavailable === null) ru.maxUnavailable = '25%';
    if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = '25%';
  }
  if (spec.revisionHistoryLimit === undefined || spec.revisionHistoryLimit === null) spec.revisionHistoryLimit = 10;
  if (spec.progressDeadlineSeconds === undefined || spec.progressDeadlineSeconds === null) spec.progressDeadlineSeconds = 600;
  defaultPodTemplate(spec.template);
}

export function defaultReplicaSet(rs: Relaxed<ReplicaSet>): void {
  const spec = obj(rs, 'spec', {});
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  defaultPodTemplate(spec.template);
}

/** SetDefaults_DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0, revisionHistoryLimit 10; the template's pod defaults. */
export function defaultDaemonSet(ds: Relaxed<DaemonSet>): void {
  const spec = obj(ds, 'spec', {});
  const strategy = obj(spec, 'updateStrategy', {});
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = obj(strategy, 'rollingUpdate', {});
    if (ru.maxUnavailable === undefined || ru.maxUnavailable === null) ru.maxUnavailable = 1;
    if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = 0;
  }
  if (spec.revisionHistoryLimit === undefined || spec.revisionHistoryLimit === null) spec.revisionHistoryLimit = 10;
  defaultPodTemplate(spec.template);
}

export function defaultSecret(s: Relaxed<Secret>): void {
  if (!s.type) s.type = 'Opaque';
}

export function defaultNamespace(ns: Relaxed<Namespace>): void {
  const meta = obj(ns, 'metadata', {});
  if (meta.name) obj(meta, 'labels', {})['kubernetes.io/metadata.name'] = meta.name;
  const status = obj(ns, 'status', {});
  if (!status.phase) status.phase = 'Active';
}

export function defaultNode(node: Relaxed<Node>): void {
  const spec = obj(node, 'spec', {});
  // v1 NodeSpec conversion: podCIDR and podCIDRs are one list, and podCIDR wins when they differ, so a
  // change of podCIDR alone is a change of podCIDRs (which validation forbids once set).
  if (typeof spec.podCIDR === 'string' && spec.podCIDR !== '') {
    if (!Array.isArray(spec.podCIDRs) || spec.podCIDRs.length === 0 || spec.podCIDRs[0] !== spec.podCIDR) spec.podCIDRs = [spec.podCIDR];
  } else if (Array.isArray(spec.podCIDRs) && typeof spec.podCIDRs[0] === 'string') {
    spec.podCIDR = spec.podCIDRs[0];
  }
  const status = obj(node, 'status', {});
  canonicalizeResourceList(status.capacity);
  canonicalizeResourceList(status.allocatable);
  if (status.capacity && (status.allocatable === undefined || status.allocatable === null)) {
    status.allocatable = { ...status.capacity };
  }
}

export function defaultEndpoints(ep: Relaxed<Endpoints>): void {
  for (const ss of ep.subsets ?? []) for (const p of ss?.ports ?? []) if (p && !p.protocol) p.protocol = 'TCP';
}

export function defaultEndpointSlice(es: Relaxed<EndpointSlice>): void {
  for (const p of es.ports ?? []) {
    if (!p) continue;
    if (!p.protocol) p.protocol = 'TCP';
    if (p.name === undefined) p.name = '';
  }
}
