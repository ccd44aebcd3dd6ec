/**
 * Pods: spec validation (shared with pod templates of Deployments and ReplicaSets), the update
 * rules (only images, activeDeadlineSeconds, added tolerations and a negative grace period may
 * change), status-update rules, QoS class, and the pod strategy itself
 * (pkg/apis/core/validation/validation.go, pkg/registry/core/pod/strategy.go).
 */
import type { StatusCause } from '../errors.js';
import { addQuantities, compare, tryParseQuantity, type Quantity } from '../quantity.js';
import { isPlainObject } from '../values.js';
import type {
  Container,
  ContainerPort,
  EnvVar,
  LifecycleHandler,
  Pod,
  PodSpec,
  PodStatus,
  Probe,
  ResourceRequirements,
  Toleration,
  VolumeMount,
} from '../types/core.js';
import type { Relaxed } from '../types/views.js';
import { clone } from '../values.js';
import {
  child,
  diffPaths,
  fieldErr,
  index,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  inclusiveRangeError,
  key,
  nameIsDNSSubdomain,
  canonicalQuantity,
  compareQuantities,
  semanticEqual,
  validateIP,
  validateImmutableField,
  validateLabels,
  validateNonnegative,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateResourceQuantityValue,
} from './validation.js';
import { validateLocalDescendingPath, validateVolumes } from './volumes.js';

const MAX_INT32 = 2147483647;

export const SUPPORTED_PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
export const SUPPORTED_PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
export const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
export const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const VALID_ENV_FIELD_PATHS = [
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];

export const POD_UPDATE_FORBIDDEN_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

// ---------------------------------------------------------------------------------------------
// Pieces
// ---------------------------------------------------------------------------------------------

export function validateTaintEffect(effect: unknown, allowEmpty: boolean, field: string): StatusCause[] {
  if (!effect) return allowEmpty ? [] : [fieldErr.required(field, '')];
  return TAINT_EFFECTS.includes(String(effect)) ? [] : [fieldErr.notSupported(field, effect, TAINT_EFFECTS)];
}

export function validateTolerations(tolerations: Relaxed<Toleration>[] | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const p = index(field, i);
    const tk = String(t?.key ?? '');
    const op = String(t?.operator ?? '');
    if (tk) for (const m of isQualifiedName(tk)) errs.push(fieldErr.invalid(child(p, 'key'), tk, m));
    if (!tk && op !== 'Exists') {
      errs.push(fieldErr.invalid(child(p, 'operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t?.tolerationSeconds !== undefined && t?.tolerationSeconds !== null && t?.effect !== 'NoExecute') {
      errs.push(fieldErr.invalid(child(p, 'effect'), t?.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (op) {
      case 'Equal':
      case '':
        for (const m of isValidLabelValue(String(t?.value ?? ''))) errs.push(fieldErr.invalid(child(p, 'operator'), t?.value ?? '', m));
        break;
      case 'Exists':
        if (t?.value) errs.push(fieldErr.invalid(child(p, 'operator'), t, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(fieldErr.notSupported(child(p, 'operator'), op, ['Equal', 'Exists']));
    }
    if (t?.effect) errs.push(...validateTaintEffect(t.effect, true, child(p, 'effect')));
  });
  return errs;
}

function isHugePages(name: string): boolean {
  return name.startsWith('hugepages-');
}
function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}
function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePages(name);
}

export function validateContainerResourceName(name: string, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  for (const m of isQualifiedName(name)) errs.push(fieldErr.invalid(field, name, m));
  if (!name.includes('/')) {
    if (!['cpu', 'memory', 'ephemeral-storage'].includes(name) && !isHugePages(name)) {
      errs.push(fieldErr.invalid(field, name, 'must be a standard resource for containers'));
    }
  } else if (!isNativeResource(name) && name.startsWith('requests.')) {
    errs.push(fieldErr.invalid(field, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

export function validateResourceRequirements(res: Relaxed<ResourceRequirements> | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!res || typeof res !== 'object') return errs;
  const limPath = child(field, 'limits');
  const reqPath = child(field, 'requests');
  const limits: Record<string, unknown> = res.limits ?? {};
  const requests: Record<string, unknown> = res.requests ?? {};
  for (const [name, q] of Object.entries(limits)) {
    const p = key(limPath, name);
    errs.push(...validateContainerResourceName(name, p));
    errs.push(...validateResourceQuantityValue(p, q));
  }
  for (const [name, q] of Object.entries(requests)) {
    const p = key(reqPath, name);
    errs.push(...validateContainerResourceName(name, p));
    errs.push(...validateResourceQuantityValue(p, q));
    if (name in limits) {
      const cmp = compareQuantities(q, limits[name]);
      if (cmp === undefined) continue;
      const reqS = canonicalQuantity(q)!;
      const limS = canonicalQuantity(limits[name])!;
      if (cmp !== 0 && !isOvercommitAllowed(name)) {
        errs.push(fieldErr.invalid(reqPath, reqS, `must be equal to ${name} limit of ${limS}`));
      } else if (cmp > 0) {
        errs.push(fieldErr.invalid(reqPath, reqS, `must be less than or equal to ${name} limit of ${limS}`));
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(fieldErr.required(limPath, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}

export function validatePortNumOrName(port: unknown, field: string): StatusCause[] {
  if (typeof port === 'number') {
    return isValidPortNum(port).map((m) => fieldErr.invalid(field, port, m));
  }
  if (typeof port === 'string') return isValidPortName(port).map((m) => fieldErr.invalid(field, port, m));
  return isValidPortNum(0).map((m) => fieldErr.invalid(field, 0, m));
}

/** A probe's or a lifecycle hook's handler: one of these kinds (`grpc` only in probes, `sleep` only in hooks). */
type Handler = Relaxed<Pick<Probe, 'exec' | 'httpGet' | 'tcpSocket' | 'grpc'> & Pick<LifecycleHandler, 'sleep'>>;

function validateHandler(h: Handler, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const { exec, httpGet, tcpSocket, grpc, sleep } = h;
  const kinds = Object.entries({ exec, httpGet, tcpSocket, grpc, sleep })
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k]) => k);
  if (kinds.length === 0) return [fieldErr.required(field, 'must specify a handler type')];
  for (const k of kinds.slice(1)) errs.push(fieldErr.forbidden(child(field, k), 'may not specify more than 1 handler type'));
  const k = kinds[0]!;
  if (k === 'exec' && exec) {
    if (!(exec.command ?? []).length) errs.push(fieldErr.required(child(field, 'exec', 'command'), ''));
  } else if (k === 'httpGet' && httpGet) {
    if (!httpGet.path) errs.push(fieldErr.required(child(field, 'httpGet', 'path'), ''));
    errs.push(...validatePortNumOrName(httpGet.port, child(field, 'httpGet', 'port')));
    const scheme = httpGet.scheme ?? 'HTTP';
    if (!['HTTP', 'HTTPS'].includes(scheme)) errs.push(fieldErr.notSupported(child(field, 'httpGet', 'scheme'), scheme, ['HTTP', 'HTTPS']));
  } else if (k === 'tcpSocket' && tcpSocket) {
    errs.push(...validatePortNumOrName(tcpSocket.port, child(field, 'tcpSocket', 'port')));
  } else if (k === 'grpc' && grpc) {
    errs.push(...isValidPortNum(grpc.port).map((m) => fieldErr.invalid(child(field, 'grpc', 'port'), grpc.port, m)));
  }
  return errs;
}

function validateProbe(p: Relaxed<Probe> | undefined, field: string, requireSuccessOne: boolean): StatusCause[] {
  if (!p) return [];
  const errs = validateHandler(p, field);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds'] as const) {
    errs.push(...validateNonnegative(child(field, f), p[f]));
  }
  if (requireSuccessOne && p.successThreshold !== undefined && p.successThreshold !== 1) {
    errs.push(fieldErr.invalid(child(field, 'successThreshold'), p.successThreshold, 'must be 1'));
  }
  return errs;
}

function validateEnv(env: Relaxed<EnvVar>[] | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  (env ?? []).forEach((ev, i) => {
    const p = index(field, i);
    if (!ev?.name) errs.push(fieldErr.required(child(p, 'name'), ''));
    else for (const m of isRelaxedEnvVarName(String(ev.name))) errs.push(fieldErr.invalid(child(p, 'name'), ev.name, m));
    const vf = ev?.valueFrom;
    if (vf) {
      const vp = child(p, 'valueFrom');
      const srcs = [vf.fieldRef, vf.resourceFieldRef, vf.configMapKeyRef, vf.secretKeyRef].filter((src) => src);
      if (ev.value) errs.push(fieldErr.invalid(vp, '', 'may not be specified when `value` is not empty'));
      if (srcs.length === 0) errs.push(fieldErr.invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      else if (srcs.length > 1) errs.push(fieldErr.invalid(vp, '', 'may not have more than one field specified at a time'));
      if (vf.fieldRef) {
        const fp = String(vf.fieldRef.fieldPath ?? '');
        const fpField = child(vp, 'fieldRef', 'fieldPath');
        if (!fp) errs.push(fieldErr.required(fpField, ''));
        else {
          const m = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fp);
          if (m) {
            for (const msg of isQualifiedName(m[2]!.toLowerCase())) errs.push(fieldErr.invalid(fpField, m[2], msg));
          } else if (!VALID_ENV_FIELD_PATHS.includes(fp) || fp === 'metadata.labels' || fp === 'metadata.annotations') {
            errs.push(fieldErr.notSupported(fpField, fp, VALID_ENV_FIELD_PATHS));
          }
        }
      }
      for (const refName of ['configMapKeyRef', 'secretKeyRef'] as const) {
        const ref = vf[refName];
        if (!ref) continue;
        const rp = child(vp, refName);
        if (!ref.key) errs.push(fieldErr.required(child(rp, 'key'), ''));
        else for (const m of isConfigMapKey(String(ref.key))) errs.push(fieldErr.invalid(child(rp, 'key'), ref.key, m));
        if (!ref.name && !ref.optional) {
          // upstream: name is required unless optional
          errs.push(fieldErr.required(child(rp, 'name'), ''));
        }
      }
      if (vf.resourceFieldRef && !vf.resourceFieldRef.resource) errs.push(fieldErr.required(child(vp, 'resourceFieldRef', 'resource'), ''));
    }
  });
  return errs;
}

function validateContainerPorts(ports: Relaxed<ContainerPort>[] | undefined, field: string, hostNetwork: boolean): StatusCause[] {
  const errs: StatusCause[] = [];
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const p = index(field, i);
    if (port?.name) {
      for (const m of isValidPortName(String(port.name))) errs.push(fieldErr.invalid(child(p, 'name'), port.name, m));
      if (names.has(port.name)) errs.push(fieldErr.duplicate(child(p, 'name'), port.name));
      names.add(port.name);
    }
    if (port?.containerPort === undefined || port?.containerPort === 0) errs.push(fieldErr.required(child(p, 'containerPort'), ''));
    else for (const m of isValidPortNum(port.containerPort)) errs.push(fieldErr.invalid(child(p, 'containerPort'), port.containerPort, m));
    if (port?.hostPort) for (const m of isValidPortNum(port.hostPort)) errs.push(fieldErr.invalid(child(p, 'hostPort'), port.hostPort, m));
    if (!port?.protocol) errs.push(fieldErr.required(child(p, 'protocol'), ''));
    else if (!SUPPORTED_PORT_PROTOCOLS.includes(port.protocol)) errs.push(fieldErr.notSupported(child(p, 'protocol'), port.protocol, SUPPORTED_PORT_PROTOCOLS));
    if (hostNetwork && port?.hostPort && port.hostPort !== port.containerPort) {
      errs.push(fieldErr.invalid(child(p, 'containerPort'), port.containerPort, 'must match `hostPort` when `hostNetwork` is true'));
    }
  });
  return errs;
}

function validateVolumeMounts(mounts: Relaxed<VolumeMount>[] | undefined, volumes: Set<string>, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const paths = new Set<string>();
  (mounts ?? []).forEach((m, i) => {
    const p = index(field, i);
    if (!m?.name) errs.push(fieldErr.required(child(p, 'name'), ''));
    else if (!volumes.has(m.name)) errs.push(fieldErr.notFound(child(p, 'name'), m.name));
    if (!m?.mountPath) errs.push(fieldErr.required(child(p, 'mountPath'), ''));
    else {
      if (paths.has(m.mountPath)) errs.push(fieldErr.invalid(child(p, 'mountPath'), m.mountPath, 'must be unique'));
      paths.add(m.mountPath);
    }
    if (m?.subPath) errs.push(...validateLocalDescendingPath(String(m.subPath), child(p, 'subPath')));
  });
  return errs;
}

function validateContainer(
  c: Relaxed<Container>,
  field: string,
  ctx: { volumes: Set<string>; names: Set<string>; hostNetwork: boolean; init: boolean },
): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!c?.name) errs.push(fieldErr.required(child(field, 'name'), ''));
  else {
    for (const m of isDNS1123Label(String(c.name))) errs.push(fieldErr.invalid(child(field, 'name'), c.name, m));
    if (ctx.names.has(c.name)) errs.push(fieldErr.duplicate(child(field, 'name'), c.name));
    ctx.names.add(c.name);
  }
  if (!c?.image) errs.push(fieldErr.required(child(field, 'image'), ''));
  if (!c?.imagePullPolicy) errs.push(fieldErr.required(child(field, 'imagePullPolicy'), ''));
  else if (!SUPPORTED_PULL_POLICIES.includes(c.imagePullPolicy)) {
    errs.push(fieldErr.notSupported(child(field, 'imagePullPolicy'), c.imagePullPolicy, SUPPORTED_PULL_POLICIES));
  }
  if (c?.terminationMessagePolicy && !TERMINATION_MESSAGE_POLICIES.includes(c.terminationMessagePolicy)) {
    errs.push(fieldErr.notSupported(child(field, 'terminationMessagePolicy'), c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES));
  }
  errs.push(...validateContainerPorts(c?.ports, child(field, 'ports'), ctx.hostNetwork));
  errs.push(...validateEnv(c?.env, child(field, 'env')));
  (c?.envFrom ?? []).forEach((ef, i) => {
    const p = index(child(field, 'envFrom'), i);
    const refs = (['configMapRef', 'secretRef'] as const).filter((k) => ef?.[k]);
    if (refs.length === 0) errs.push(fieldErr.invalid(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (refs.length > 1) errs.push(fieldErr.invalid(p, '', 'may not have more than one field specified at a time'));
    for (const r of refs) if (!ef[r]?.name) errs.push(fieldErr.required(child(p, r, 'name'), ''));
  });
  errs.push(...validateVolumeMounts(c?.volumeMounts, ctx.volumes, child(field, 'volumeMounts')));
  errs.push(...validateResourceRequirements(c?.resources, child(field, 'resources')));
  const restartable = ctx.init && c?.restartPolicy === 'Always';
  if (c?.restartPolicy !== undefined) {
    if (!ctx.init) errs.push(fieldErr.forbidden(child(field, 'restartPolicy'), 'may not be set for non-init containers'));
    else if (c.restartPolicy !== 'Always') errs.push(fieldErr.notSupported(child(field, 'restartPolicy'), c.restartPolicy, ['Always']));
  }
  if (ctx.init && !restartable) {
    for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
      if (c?.[f]) errs.push(fieldErr.forbidden(child(field, f), 'may not be set for init containers without restartPolicy=Always'));
    }
  } else {
    errs.push(...validateProbe(c?.livenessProbe, child(field, 'livenessProbe'), true));
    errs.push(...validateProbe(c?.readinessProbe, child(field, 'readinessProbe'), false));
    errs.push(...validateProbe(c?.startupProbe, child(field, 'startupProbe'), true));
    if (c?.lifecycle?.postStart) errs.push(...validateHandler(c.lifecycle.postStart, child(field, 'lifecycle', 'postStart')));
    if (c?.lifecycle?.preStop) errs.push(...validateHandler(c.lifecycle.preStop, child(field, 'lifecycle', 'preStop')));
  }
  return errs;
}

/** Upstream's DNS limits (pkg/apis/core/validation), derived from libc's resolver; the kubelet cuts to them too. */
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;

/**
 * validatePodDNSConfig: None needs a dnsConfig with a nameserver; at most 3 nameservers, each an IP; at
 * most 32 search domains in 2048 characters, each a DNS-1123 subdomain (a trailing dot is fine); every
 * option named. (The kubelet writes these into the pod's resolv.conf.)
 */
export function validatePodDNSConfig(dc: Relaxed<PodSpec>['dnsConfig'], dnsPolicy: string | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (dnsPolicy === 'None') {
    if (!dc) return [fieldErr.required(field, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (!dc.nameservers?.length) return [fieldErr.required(child(field, 'nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (!dc) return errs;
  const nameservers = dc.nameservers ?? [];
  if (nameservers.length > MAX_DNS_NAMESERVERS) errs.push(fieldErr.invalid(child(field, 'nameservers'), nameservers, `must not have more than ${MAX_DNS_NAMESERVERS} nameservers`));
  nameservers.forEach((ns, i) => errs.push(...validateIP(index(child(field, 'nameservers'), i), String(ns))));
  const searches = dc.searches ?? [];
  if (searches.length > MAX_DNS_SEARCH_PATHS) errs.push(fieldErr.invalid(child(field, 'searches'), searches, `must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`));
  if (searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
    errs.push(fieldErr.invalid(child(field, 'searches'), searches, `must not have more than ${MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) in the search list`));
  }
  searches.forEach((search, i) => {
    const trimmed = String(search).replace(/\.$/, '');
    for (const m of isDNS1123Subdomain(trimmed)) errs.push(fieldErr.invalid(index(child(field, 'searches'), i), trimmed, m));
  });
  (dc.options ?? []).forEach((o, i) => {
    if (!o?.name) errs.push(fieldErr.required(index(child(field, 'options'), i), 'must not be empty'));
  });
  return errs;
}

/** ValidateHostAliases: each alias an IP and DNS-1123 subdomain host names (the kubelet writes them into /etc/hosts). */
export function validateHostAliases(aliases: Relaxed<PodSpec>['hostAliases'], field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  (aliases ?? []).forEach((a, i) => {
    const at = index(field, i);
    errs.push(...validateIP(child(at, 'ip'), String(a?.ip ?? '')));
    (a?.hostnames ?? []).forEach((h, j) => {
      for (const m of isDNS1123Subdomain(String(h))) errs.push(fieldErr.invalid(index(child(at, 'hostnames'), j), h, m));
    });
  });
  return errs;
}

/** ValidatePodSpec. `field` is `spec` for pods, `spec.template.spec` for templates. */
export function validatePodSpec(spec: Relaxed<PodSpec> | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const s: Relaxed<PodSpec> = spec ?? {};
  const vol = validateVolumes(s.volumes, child(field, 'volumes'));
  errs.push(...vol.errs);
  const names = new Set<string>();
  const hostNetwork = s.hostNetwork === true;
  (s.initContainers ?? []).forEach((c, i) => {
    errs.push(...validateContainer(c, index(child(field, 'initContainers'), i), { volumes: vol.names, names, hostNetwork, init: true }));
  });
  const containers = s.containers ?? [];
  if (containers.length === 0) errs.push(fieldErr.required(child(field, 'containers'), ''));
  containers.forEach((c, i) => {
    errs.push(...validateContainer(c, index(child(field, 'containers'), i), { volumes: vol.names, names, hostNetwork, init: false }));
  });
  if (!s.restartPolicy) errs.push(fieldErr.required(child(field, 'restartPolicy'), ''));
  else if (!RESTART_POLICIES.includes(s.restartPolicy)) errs.push(fieldErr.notSupported(child(field, 'restartPolicy'), s.restartPolicy, RESTART_POLICIES));
  if (!s.dnsPolicy) errs.push(fieldErr.required(child(field, 'dnsPolicy'), ''));
  else if (!DNS_POLICIES.includes(s.dnsPolicy)) errs.push(fieldErr.notSupported(child(field, 'dnsPolicy'), s.dnsPolicy, DNS_POLICIES));
  else errs.push(...validatePodDNSConfig(s.dnsConfig, s.dnsPolicy, child(field, 'dnsConfig')));
  errs.push(...validateHostAliases(s.hostAliases, child(field, 'hostAliases')));
  errs.push(...validateLabels(s.nodeSelector, child(field, 'nodeSelector')));
  if (s.serviceAccountName) {
    for (const m of isDNS1123Subdomain(String(s.serviceAccountName))) errs.push(fieldErr.invalid(child(field, 'serviceAccountName'), s.serviceAccountName, m));
  }
  if (s.nodeName) {
    for (const m of isDNS1123Subdomain(String(s.nodeName))) errs.push(fieldErr.invalid(child(field, 'nodeName'), s.nodeName, m));
  }
  if (s.activeDeadlineSeconds !== undefined && s.activeDeadlineSeconds !== null) {
    const v = s.activeDeadlineSeconds;
    if (typeof v !== 'number' || v < 1 || v > MAX_INT32) {
      errs.push(fieldErr.invalid(child(field, 'activeDeadlineSeconds'), v, inclusiveRangeError(1, MAX_INT32)));
    }
  }
  errs.push(...validateNonnegative(child(field, 'terminationGracePeriodSeconds'), s.terminationGracePeriodSeconds));
  if (s.hostname) for (const m of isDNS1123Label(String(s.hostname))) errs.push(fieldErr.invalid(child(field, 'hostname'), s.hostname, m));
  if (s.subdomain) for (const m of isDNS1123Label(String(s.subdomain))) errs.push(fieldErr.invalid(child(field, 'subdomain'), s.subdomain, m));
  errs.push(...validateTolerations(s.tolerations, child(field, 'tolerations')));
  (s.readinessGates ?? []).forEach((g, i) => {
    for (const m of isQualifiedName(String(g?.conditionType ?? ''))) {
      errs.push(fieldErr.invalid(child(index(child(field, 'readinessGates'), i), 'conditionType'), g?.conditionType ?? '', m));
    }
  });
  if (s.preemptionPolicy && !['PreemptLowerPriority', 'Never'].includes(s.preemptionPolicy)) {
    errs.push(fieldErr.notSupported(child(field, 'preemptionPolicy'), s.preemptionPolicy, ['Never', 'PreemptLowerPriority']));
  }
  return errs;
}

/** ValidatePodCreate: ephemeral containers come only through their subresource, never on create. */
export function validatePod(pod: Relaxed<Pod>): StatusCause[] {
  const errs = validateObjectMeta(pod?.metadata, true, nameIsDNSSubdomain);
  errs.push(...validatePodSpec(pod?.spec, 'spec'));
  if (Array.isArray(pod?.spec?.ephemeralContainers) && pod.spec.ephemeralContainers.length > 0) {
    errs.push(fieldErr.forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  }
  return errs;
}

function tolerationString(t: Relaxed<Toleration>): string {
  return `{Key:${t?.key ?? ''},Operator:${t?.operator ?? ''},Value:${t?.value ?? ''},Effect:${t?.effect ?? ''},TolerationSeconds:${t?.tolerationSeconds ?? '<nil>'}}`;
}

/** Every old toleration must still be there (tolerationSeconds may only decrease). */
function validateOnlyAddedTolerations(newT: Relaxed<Toleration>[], oldT: Relaxed<Toleration>[], field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  for (const o of oldT) {
    const found = newT.some((n) => {
      const same = (n?.key ?? '') === (o?.key ?? '') && (n?.operator || 'Equal') === (o?.operator || 'Equal') &&
        (n?.value ?? '') === (o?.value ?? '') && (n?.effect ?? '') === (o?.effect ?? '');
      if (!same) return false;
      if (o?.tolerationSeconds === undefined || o?.tolerationSeconds === null) {
        return n?.tolerationSeconds === undefined || n?.tolerationSeconds === null;
      }
      return n?.tolerationSeconds !== undefined && n?.tolerationSeconds !== null && n.tolerationSeconds <= o.tolerationSeconds;
    });
    if (!found) errs.push(fieldErr.forbidden(field, `existing toleration can not be modified except its tolerationSeconds: ${tolerationString(o)}`));
  }
  return errs;
}

/** ValidatePodUpdate: full validation of the new pod plus the spec mutation rules. */
export function validatePodUpdate(pod: Relaxed<Pod>, old: Relaxed<Pod>): StatusCause[] {
  const errs = validateObjectMetaUpdate(pod?.metadata, old?.metadata);
  errs.push(...validatePodSpec(pod?.spec, 'spec'));
  const ns: Relaxed<PodSpec> = pod?.spec ?? {};
  const os: Relaxed<PodSpec> = old?.spec ?? {};
  const newC = ns.containers ?? [];
  const oldC = os.containers ?? [];
  if (newC.length !== oldC.length) {
    errs.push(fieldErr.forbidden('spec.containers', 'pod updates may not add or remove containers'));
    return errs;
  }
  const newI = ns.initContainers ?? [];
  const oldI = os.initContainers ?? [];
  if (newI.length !== oldI.length) {
    errs.push(fieldErr.forbidden('spec.initContainers', 'pod updates may not add or remove containers'));
    return errs;
  }
  if (ns.activeDeadlineSeconds !== undefined && ns.activeDeadlineSeconds !== null) {
    const v = ns.activeDeadlineSeconds;
    if (v < 0 || v > MAX_INT32) {
      errs.push(fieldErr.invalid('spec.activeDeadlineSeconds', v, inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (os.activeDeadlineSeconds !== undefined && os.activeDeadlineSeconds !== null && os.activeDeadlineSeconds < v) {
      errs.push(fieldErr.invalid('spec.activeDeadlineSeconds', v, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (os.activeDeadlineSeconds !== undefined && os.activeDeadlineSeconds !== null) {
    errs.push(fieldErr.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  const munged = clone(ns);
  munged.containers = newC.map((c, i) => ({ ...c, image: oldC[i]?.image }));
  if (newI.length) munged.initContainers = newI.map((c, i) => ({ ...c, image: oldI[i]?.image }));
  munged.activeDeadlineSeconds = os.activeDeadlineSeconds;
  const tolErrs = validateOnlyAddedTolerations(ns.tolerations ?? [], os.tolerations ?? [], 'spec.tolerations');
  errs.push(...tolErrs);
  munged.tolerations = os.tolerations;
  if (typeof os.terminationGracePeriodSeconds === 'number' && os.terminationGracePeriodSeconds < 0 && ns.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = os.terminationGracePeriodSeconds;
  }
  if (!semanticEqual(munged, os)) {
    const diff = diffPaths(os, munged)
      .map((p) => `  spec.${p}: ${JSON.stringify(pick(os, p)) ?? 'null'} -> ${JSON.stringify(pick(munged, p)) ?? 'null'}`)
      .join('\n');
    errs.push(fieldErr.forbidden('spec', `${POD_UPDATE_FORBIDDEN_MESSAGE}\n${diff}`));
  }
  return errs;
}

/** The value at a diffPaths path (`containers[0].ports`), undefined where the path leaves the value. */
function pick(o: unknown, path: string): unknown {
  let cur = o;
  for (const part of path.split(/\.|\[|\]/).filter(Boolean)) {
    if (Array.isArray(cur) && /^\d+$/.test(part)) {
      const items: readonly unknown[] = cur;
      cur = items[Number(part)];
    } else if (isPlainObject(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

/** ValidatePodStatusUpdate. */
export function validatePodStatusUpdate(pod: Relaxed<Pod>, old: Relaxed<Pod>): StatusCause[] {
  const errs = validateObjectMetaUpdate(pod?.metadata, old?.metadata);
  const st: Relaxed<PodStatus> = pod?.status ?? {};
  if ((pod?.spec?.nodeName ?? '') !== (old?.spec?.nodeName ?? '')) {
    errs.push(fieldErr.forbidden('status.nodeName', 'may not be changed directly'));
  }
  if (st.nominatedNodeName && st.nominatedNodeName !== old?.status?.nominatedNodeName) {
    for (const m of isDNS1123Subdomain(String(st.nominatedNodeName))) errs.push(fieldErr.invalid('status.nominatedNodeName', st.nominatedNodeName, m));
  }
  (st.conditions ?? []).forEach((c, i) => {
    const p = index('status.conditions', i);
    if (!['True', 'False', 'Unknown'].includes(c?.status)) errs.push(fieldErr.notSupported(child(p, 'status'), c?.status ?? '', ['False', 'True', 'Unknown']));
  });
  if (old?.spec?.restartPolicy === 'Never') {
    const oldStatuses = old?.status?.containerStatuses ?? [];
    (st.containerStatuses ?? []).forEach((cs, i) => {
      const prev = oldStatuses.find((o) => o?.name === cs?.name);
      if (prev?.state?.terminated && !cs?.state?.terminated) {
        errs.push(fieldErr.forbidden(child(index('status.containerStatuses', i), 'state'), 'may not be transitioned to non-terminated state'));
      }
    });
  }
  if (old?.status?.qosClass) errs.push(...validateImmutableField(st.qosClass, old.status.qosClass, 'status.qosClass'));
  const ips = st.podIPs ?? [];
  ips.forEach((ip, i) => errs.push(...validateIP(child(index('status.podIPs', i), 'ip'), String(ip?.ip ?? ''))));
  if (ips.length > 1 && ips.filter((x) => String(x?.ip ?? '').includes(':')).length !== 1) {
    errs.push(fieldErr.invalid('status.podIPs', ips, 'may specify no more than one IP for each IP family'));
  }
  if (st.podIP && ips.length && ips[0]?.ip !== st.podIP) {
    errs.push(fieldErr.invalid('status.podIPs', ips, 'must contain status.podIP as its first element'));
  }
  if (st.phase && !['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'].includes(st.phase)) {
    errs.push(fieldErr.notSupported('status.phase', st.phase, ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown']));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// QoS
// ---------------------------------------------------------------------------------------------

/** What the QoS class reads of a pod spec: each container's resources. */
type QOSInput = { [K in 'initContainers' | 'containers']?: Relaxed<Pick<Container, 'resources'>>[] };

/** qos.GetPodQOS: Guaranteed / Burstable / BestEffort from cpu and memory requests and limits. */
export function podQOSClass(spec: QOSInput | undefined): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const all = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  const requests: Record<string, Quantity> = {};
  const limits: Record<string, Quantity> = {};
  let isGuaranteed = true;
  const positive = (v: unknown): Quantity | undefined => {
    const q = typeof v === 'string' || typeof v === 'number' ? tryParseQuantity(v) : undefined;
    return q && q.nanos > 0n ? q : undefined;
  };
  for (const c of all) {
    const req = c?.resources?.requests ?? {};
    const lim = c?.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      const q = positive(req[r]);
      if (q) requests[r] = requests[r] ? addQuantities(requests[r]!, q) : q;
    }
    const found = new Set<string>();
    for (const r of ['cpu', 'memory']) {
      const q = positive(lim[r]);
      if (q) {
        found.add(r);
        limits[r] = limits[r] ? addQuantities(limits[r]!, q) : q;
      }
    }
    if (!found.has('cpu') || !found.has('memory')) isGuaranteed = false;
  }
  if (Object.keys(requests).length === 0 && Object.keys(limits).length === 0) return 'BestEffort';
  if (isGuaranteed) {
    for (const [r, q] of Object.entries(requests)) {
      if (!limits[r] || compare(limits[r]!, q) !== 0) isGuaranteed = false;
    }
  }
  return isGuaranteed && Object.keys(limits).length === Object.keys(requests).length ? 'Guaranteed' : 'Burstable';
}
