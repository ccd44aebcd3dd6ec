/**
 * networking.k8s.io/v1 Ingress and IngressClass: upstream's defaults (pkg/apis/networking/v1/defaults.go),
 * strategies (pkg/registry/networking/ingress, ingressclass) and validation (pkg/apis/networking/validation,
 * Kubernetes 1.32: a backend Service name is a DNS-1035 label); the printers are in printers.ts.
 */
import type { StatusCause } from '../errors.js';
import type {
  HTTPIngressPath,
  HTTPIngressRuleValue,
  Ingress,
  IngressBackend,
  IngressClass,
  IngressClassParametersReference,
  IngressLoadBalancerStatus,
  IngressSpec,
  IngressTLS,
  Relaxed,
} from '../types/index.js';
import { bumpGenerationOnSpecChange, keepAllButStatus, keepOldStatus } from './strategy.js';
import {
  child,
  fieldErr,
  index,
  ipFamilyOf,
  isDNS1123Subdomain,
  isValidPortName,
  isValidPortNum,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  nameIsPathSegment,
  regexError,
  validateImmutableField,
  validateObjectMeta,
  validateObjectMetaUpdate,
  DNS1123SubdomainMaxLength,
  maxLenError,
} from './validation.js';

type Ing = Relaxed<Ingress>;
type IngClass = Relaxed<IngressClass>;

/** The deprecated class annotation (networking/v1beta1 AnnotationIngressClass). */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
/** networking/v1 AnnotationIsDefaultIngressClass: the class the DefaultIngressClass admission plugin gives. */
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'] as const;
export const PARAMETERS_SCOPES = ['Cluster', 'Namespace'] as const;
export const MAX_LEN_INGRESS_CLASS_CONTROLLER = 250;
/** Exact and Prefix paths may not hold these (directory traversal), nor end with the suffixes. */
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

// ------------------------------------------------------------------------------- string shapes

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const wildcardDNS1123SubdomainFmt = `\\*\\.${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const wildcardDNS1123SubdomainRe = new RegExp(`^${wildcardDNS1123SubdomainFmt}$`);
const wildcardDNS1123SubdomainErrMsg =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character";

/** validation.IsWildcardDNS1123Subdomain: `*.` and a DNS subdomain (one leading wildcard label only). */
export function isWildcardDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123SubdomainMaxLength) errs.push(maxLenError(DNS1123SubdomainMaxLength));
  if (!wildcardDNS1123SubdomainRe.test(value)) errs.push(regexError(wildcardDNS1123SubdomainErrMsg, wildcardDNS1123SubdomainFmt, '*.example.com'));
  return errs;
}

const httpPathFmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const httpPathRe = new RegExp(`^${httpPathFmt}$`);

/** validation.IsDomainPrefixedPath: `<DNS subdomain>/<RFC 3986 path characters>` (e.g. acme.io/foo). */
export function validateDomainPrefixedPath(field: string, value: string): StatusCause[] {
  if (value.length === 0) return [fieldErr.required(field)];
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const path = slash < 0 ? '' : value.slice(slash + 1);
  if (slash < 0 || host.length === 0 || path.length === 0) return [fieldErr.invalid(field, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = isDNS1123Subdomain(host).map((m) => fieldErr.invalid(field, host, m));
  if (!httpPathRe.test(path)) errs.push(fieldErr.invalid(field, path, regexError('Invalid path', httpPathFmt)));
  return errs;
}

/** A DNS-1123 subdomain, or a wildcard one when the host holds a `*` (rule hosts and TLS hosts). */
function hostErrors(host: string): string[] {
  return host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
}

// ------------------------------------------------------------------------------- Ingress defaults and strategy

/** Go writes the non-pointer structs (spec, a service backend's port) even when empty; v1 has no other Ingress defaults. */
export function defaultIngress(ing: Ing): void {
  const spec = (ing.spec ??= {});
  const backends: (Relaxed<IngressBackend> | null | undefined)[] = [spec.defaultBackend];
  for (const r of spec.rules ?? []) for (const p of r?.http?.paths ?? []) backends.push(p?.backend);
  for (const b of backends) if (b?.service) b.service.port ??= {};
}

/** PrepareForCreate: the status starts empty (`loadBalancer: {}`, as Go writes it) and the generation at 1. */
export function prepareForCreateIngress(ing: Ing): void {
  ing.status = { loadBalancer: {} };
  (ing.metadata ??= {}).generation = 1;
}

/** PrepareForUpdate: the status stays; the generation moves when the spec changed. */
export function prepareForUpdateIngress(ing: Ing, old: Ing): void {
  keepOldStatus(ing, old);
  bumpGenerationOnSpecChange(ing, old);
}

/** The status strategy's PrepareForUpdate: everything but the status stays. */
export function prepareForStatusUpdateIngress(ing: Ing, old: Ing): void {
  keepAllButStatus(ing, old);
}

// ------------------------------------------------------------------------------- Ingress validation

/** IngressValidationOptions: what an update may keep that a create may not (data written by older servers). */
export interface IngressValidationOptions {
  allowInvalidSecretName: boolean;
  allowInvalidWildcardHostRule: boolean;
}

const STRICT: IngressValidationOptions = { allowInvalidSecretName: false, allowInvalidWildcardHostRule: false };

/** validateIngressTypedLocalObjectReference: a resource backend (apiGroup a DNS subdomain; kind and name path segments). */
function validateResourceBackend(ref: { apiGroup?: unknown; kind?: unknown; name?: unknown }, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (ref.apiGroup !== undefined && ref.apiGroup !== null) {
    for (const m of isDNS1123Subdomain(String(ref.apiGroup))) errs.push(fieldErr.invalid(child(field, 'apiGroup'), ref.apiGroup, m));
  }
  for (const k of ['kind', 'name'] as const) {
    const v = ref[k];
    if (typeof v !== 'string' || v === '') errs.push(fieldErr.required(child(field, k)));
    else for (const m of nameIsPathSegment(v, false)) errs.push(fieldErr.invalid(child(field, k), v, m));
  }
  return errs;
}

/** validateIngressBackend: exactly one of service and resource; a service names itself and one port, by name or by number. */
export function validateIngressBackend(backend: Relaxed<IngressBackend>, field: string): StatusCause[] {
  const hasResource = backend.resource !== undefined && backend.resource !== null;
  const svc = backend.service;
  if (hasResource && svc) return [fieldErr.invalid(field, '', 'cannot set both resource and service backends')];
  if (hasResource) return validateResourceBackend(backend.resource ?? {}, child(field, 'resource'));
  if (!svc) return [fieldErr.invalid(field, '', 'resource or service backend is required')];
  const errs: StatusCause[] = [];
  const name = typeof svc.name === 'string' ? svc.name : '';
  if (name === '') errs.push(fieldErr.required(child(field, 'service', 'name')));
  else for (const m of nameIsDNS1035Label(name, false)) errs.push(fieldErr.invalid(child(field, 'service', 'name'), name, m));
  const portName = typeof svc.port?.name === 'string' ? svc.port.name : '';
  const portNumber = typeof svc.port?.number === 'number' ? svc.port.number : 0;
  if (portName !== '' && portNumber !== 0) errs.push(fieldErr.invalid(field, '', 'cannot set both port name & port number'));
  else if (portName !== '') for (const m of isValidPortName(portName)) errs.push(fieldErr.invalid(child(field, 'service', 'port', 'name'), portName, m));
  else if (portNumber !== 0) for (const m of isValidPortNum(portNumber)) errs.push(fieldErr.invalid(child(field, 'service', 'port', 'number'), portNumber, m));
  else errs.push(fieldErr.required(field, 'port name or number is required'));
  return errs;
}

/** validateHTTPIngressPath: a pathType (Exact and Prefix: an absolute path without traversal; ImplementationSpecific: absolute if set) and a backend. */
export function validateHTTPIngressPath(p: Relaxed<HTTPIngressPath>, field: string): StatusCause[] {
  if (p.pathType === undefined || p.pathType === null) return [fieldErr.required(child(field, 'pathType'), 'pathType must be specified')];
  const errs: StatusCause[] = [];
  const path = typeof p.path === 'string' ? p.path : '';
  const pathField = child(field, 'path');
  switch (p.pathType) {
    case 'Exact':
    case 'Prefix':
      if (!path.startsWith('/')) errs.push(fieldErr.invalid(pathField, path, 'must be an absolute path'));
      for (const seq of INVALID_PATH_SEQUENCES) if (path.includes(seq)) errs.push(fieldErr.invalid(pathField, path, `must not contain '${seq}'`));
      for (const suf of INVALID_PATH_SUFFIXES) if (path.endsWith(suf)) errs.push(fieldErr.invalid(pathField, path, `cannot end with '${suf}'`));
      break;
    case 'ImplementationSpecific':
      if (path.length > 0 && !path.startsWith('/')) errs.push(fieldErr.invalid(pathField, path, 'must be an absolute path'));
      break;
    default:
      errs.push(fieldErr.notSupported(child(field, 'pathType'), p.pathType, PATH_TYPES));
  }
  errs.push(...validateIngressBackend(p.backend ?? {}, child(field, 'backend')));
  return errs;
}

/** validateIngressRuleValue / validateHTTPIngressRuleValue: an http rule holds at least one path. */
function validateIngressRuleValue(http: Relaxed<HTTPIngressRuleValue> | null | undefined, field: string): StatusCause[] {
  if (!http) return [];
  const paths = http.paths ?? [];
  const errs: StatusCause[] = paths.length === 0 ? [fieldErr.required(child(field, 'http', 'paths'))] : [];
  paths.forEach((p, i) => errs.push(...validateHTTPIngressPath(p ?? {}, index(child(field, 'http', 'paths'), i))));
  return errs;
}

/** validateIngressRules: a host is a DNS name (not an IP), a single leading wildcard label allowed. */
function validateIngressRules(rules: NonNullable<Relaxed<IngressSpec>['rules']>, field: string, opts: IngressValidationOptions): StatusCause[] {
  const errs: StatusCause[] = [];
  rules.forEach((rule, i) => {
    const p = index(field, i);
    const host = typeof rule?.host === 'string' ? rule.host : '';
    let wildcard = false;
    if (host.length > 0) {
      if (ipFamilyOf(host)) errs.push(fieldErr.invalid(child(p, 'host'), host, 'must be a DNS name, not an IP address'));
      wildcard = host.includes('*');
      for (const m of hostErrors(host)) errs.push(fieldErr.invalid(child(p, 'host'), host, m));
    }
    if (!wildcard || !opts.allowInvalidWildcardHostRule) errs.push(...validateIngressRuleValue(rule?.http, p));
  });
  return errs;
}

/** validateIngressTLS: hosts as rule hosts; a secretName a Secret name. */
function validateIngressTLS(tls: Relaxed<IngressTLS>[], field: string, opts: IngressValidationOptions): StatusCause[] {
  const errs: StatusCause[] = [];
  tls.forEach((t, i) => {
    (t?.hosts ?? []).forEach((h, j) => {
      const host = String(h ?? '');
      for (const m of hostErrors(host)) errs.push(fieldErr.invalid(index(child(index(field, i), 'hosts'), j), host, m));
    });
    const secret = typeof t?.secretName === 'string' ? t.secretName : '';
    if (!opts.allowInvalidSecretName && secret !== '') {
      for (const m of nameIsDNSSubdomain(secret, false)) errs.push(fieldErr.invalid(child(index(field, i), 'secretName'), secret, m));
    }
  });
  return errs;
}

/** ValidateIngressSpec. */
export function validateIngressSpec(spec: Relaxed<IngressSpec> | null | undefined, field = 'spec', opts: IngressValidationOptions = STRICT): StatusCause[] {
  const s = spec ?? {};
  const errs: StatusCause[] = [];
  const rules = s.rules ?? [];
  if (rules.length === 0 && !s.defaultBackend) errs.push(fieldErr.invalid(field, s.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  if (s.defaultBackend) errs.push(...validateIngressBackend(s.defaultBackend, child(field, 'defaultBackend')));
  if (rules.length > 0) errs.push(...validateIngressRules(rules, child(field, 'rules'), opts));
  if ((s.tls ?? []).length > 0) errs.push(...validateIngressTLS((s.tls ?? []).map((t) => t ?? {}), child(field, 'tls'), opts));
  if (s.ingressClassName !== undefined && s.ingressClassName !== null) {
    const cls = String(s.ingressClassName);
    for (const m of nameIsDNSSubdomain(cls, false)) errs.push(fieldErr.invalid(child(field, 'ingressClassName'), cls, m));
  }
  return errs;
}

/** ValidateIngressCreate: the spec, and the deprecated class annotation agrees with ingressClassName when both are set. */
export function validateIngress(ing: Ing): StatusCause[] {
  const errs = [...validateObjectMeta(ing.metadata, true, nameIsDNSSubdomain), ...validateIngressSpec(ing.spec)];
  const annotation = ing.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION];
  const cls = ing.spec?.ingressClassName;
  if (annotation !== undefined && cls !== undefined && cls !== null && annotation !== cls) {
    errs.push(fieldErr.invalid(child('annotations', INGRESS_CLASS_ANNOTATION), annotation, 'must match `ingressClassName` when both are specified'));
  }
  return errs;
}

/** allowInvalidSecretName / allowInvalidWildcardHostRule: an update keeps what the stored object already had. */
export function ingressUpdateOptions(old: Ing): IngressValidationOptions {
  const tls = old.spec?.tls ?? [];
  const allowInvalidSecretName = tls.some((t) => typeof t?.secretName === 'string' && t.secretName !== '' && nameIsDNSSubdomain(t.secretName, false).length > 0);
  const allowInvalidWildcardHostRule = (old.spec?.rules ?? []).some((r) => typeof r?.host === 'string' && r.host.includes('*') && validateIngressRuleValue(r.http, '').length > 0);
  return { allowInvalidSecretName, allowInvalidWildcardHostRule };
}

/** ValidateIngressUpdate (no annotation check on update, as upstream). */
export function validateIngressUpdate(ing: Ing, old: Ing): StatusCause[] {
  return [
    ...validateObjectMetaUpdate(ing.metadata, old.metadata),
    ...validateObjectMeta(ing.metadata, true, nameIsDNSSubdomain),
    ...validateIngressSpec(ing.spec, 'spec', ingressUpdateOptions(old)),
  ];
}

/** ValidateIngressLoadBalancerStatus: an ip parses as an IP; a hostname is a DNS subdomain and not an IP (ports are not checked upstream). */
export function validateIngressLoadBalancerStatus(lb: Relaxed<IngressLoadBalancerStatus> | null | undefined, field = 'status.loadBalancer'): StatusCause[] {
  const errs: StatusCause[] = [];
  (lb?.ingress ?? []).forEach((ing, i) => {
    const p = index(child(field, 'ingress'), i);
    const ip = typeof ing?.ip === 'string' ? ing.ip : '';
    if (ip !== '' && !ipFamilyOf(ip)) errs.push(fieldErr.invalid(child(p, 'ip'), ip, 'must be a valid IP address'));
    const hostname = typeof ing?.hostname === 'string' ? ing.hostname : '';
    if (hostname !== '') {
      for (const m of isDNS1123Subdomain(hostname)) errs.push(fieldErr.invalid(child(p, 'hostname'), hostname, m));
      if (ipFamilyOf(hostname)) errs.push(fieldErr.invalid(child(p, 'hostname'), hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

/** ValidateIngressStatusUpdate. */
export function validateIngressStatusUpdate(ing: Ing, old: Ing): StatusCause[] {
  return [...validateObjectMetaUpdate(ing.metadata, old.metadata), ...validateIngressLoadBalancerStatus(ing.status?.loadBalancer)];
}

// ------------------------------------------------------------------------------- IngressClass

/** SetDefaults_IngressClass: parameters without a scope are Cluster-scoped; Go writes the spec even when empty. */
export function defaultIngressClass(ic: IngClass): void {
  const spec = (ic.spec ??= {});
  if (spec.parameters && (spec.parameters.scope === undefined || spec.parameters.scope === null)) spec.parameters.scope = 'Cluster';
}

/** validateIngressClassParametersReference: kind and name path segments, a scope, and a namespace exactly for scope Namespace. */
export function validateIngressClassParameters(params: Relaxed<IngressClassParametersReference> | null | undefined, field: string): StatusCause[] {
  if (!params) return [];
  const errs: StatusCause[] = [];
  if (params.apiGroup !== undefined && params.apiGroup !== null) {
    for (const m of isDNS1123Subdomain(String(params.apiGroup))) errs.push(fieldErr.invalid(child(field, 'apiGroup'), params.apiGroup, m));
  }
  for (const k of ['kind', 'name'] as const) {
    const v = typeof params[k] === 'string' ? params[k] : '';
    if (v === '') errs.push(fieldErr.required(child(field, k)));
    else for (const m of nameIsPathSegment(v, false)) errs.push(fieldErr.invalid(child(field, k), v, m));
  }
  if (params.scope === undefined || params.scope === null) {
    errs.push(fieldErr.required(child(field, 'scope')));
    return errs;
  }
  const scope = String(params.scope);
  const ns = params.namespace;
  if (!(PARAMETERS_SCOPES as readonly string[]).includes(scope)) {
    errs.push(fieldErr.notSupported(child(field, 'scope'), scope, PARAMETERS_SCOPES));
  } else if (scope === 'Namespace') {
    if (ns === undefined || ns === null) errs.push(fieldErr.required(child(field, 'namespace'), "`parameters.scope` is set to 'Namespace'"));
    else for (const m of nameIsDNSLabel(String(ns), false)) errs.push(fieldErr.invalid(child(field, 'namespace'), ns, m));
  } else if (ns !== undefined && ns !== null) {
    errs.push(fieldErr.forbidden(child(field, 'namespace'), "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

/** validateIngressClassSpec: controller a domain-prefixed path of at most 250 bytes; the parameters reference. */
export function validateIngressClassSpec(spec: IngClass['spec'], field = 'spec'): StatusCause[] {
  const errs: StatusCause[] = [];
  const controller = typeof spec?.controller === 'string' ? spec.controller : '';
  const cField = child(field, 'controller');
  if (controller === '') errs.push(fieldErr.required(cField));
  else {
    if (Buffer.byteLength(controller) > MAX_LEN_INGRESS_CLASS_CONTROLLER) errs.push(fieldErr.tooLong(cField, MAX_LEN_INGRESS_CLASS_CONTROLLER));
    errs.push(...validateDomainPrefixedPath(cField, controller));
  }
  errs.push(...validateIngressClassParameters(spec?.parameters, child(field, 'parameters')));
  return errs;
}

/** ValidateIngressClass: a cluster-scoped DNS-subdomain name and the spec. */
export function validateIngressClass(ic: IngClass): StatusCause[] {
  return [...validateObjectMeta(ic.metadata, false, nameIsDNSSubdomain), ...validateIngressClassSpec(ic.spec)];
}

/** ValidateIngressClassUpdate: the controller is immutable, then the whole class validated again. */
export function validateIngressClassUpdate(ic: IngClass, old: IngClass): StatusCause[] {
  return [
    ...validateObjectMetaUpdate(ic.metadata, old.metadata),
    ...validateImmutableField(ic.spec?.controller ?? '', old.spec?.controller ?? '', 'spec.controller'),
    ...validateIngressClass(ic),
  ];
}

/** PrepareForCreate: generation 1. */
export function prepareForCreateIngressClass(ic: IngClass): void {
  (ic.metadata ??= {}).generation = 1;
}

/** PrepareForUpdate: the generation moves when the spec changed. */
export function prepareForUpdateIngressClass(ic: IngClass, old: IngClass): void {
  bumpGenerationOnSpecChange(ic, old);
}
