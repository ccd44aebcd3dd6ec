/**
 * Services, Endpoints and EndpointSlices: validation (pkg/apis/core/validation,
 * pkg/apis/discovery/validation) and the service registry's update preparation
 * (keep allocated clusterIPs / nodePorts a client left out, keep clusterIP and clusterIPs in
 * step, drop fields the new type no longer uses).
 */
import type { StatusCause } from '../errors.js';
import type {
  EndpointAddress,
  Endpoints,
  EndpointSlice,
  LoadBalancerIngress,
  Relaxed,
  Service,
  ServicePort,
  ServiceSpec,
} from '../types/index.js';
import { validatePortNumOrName } from './pod.js';
import {
  child,
  fieldErr,
  index,
  ipFamilyOf,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidPortNum,
  nameIsDNS1035Label,
  nameIsDNSSubdomain,
  semanticEqual,
  validateIP,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './validation.js';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
export const SESSION_AFFINITIES = ['ClientIP', 'None'];
export const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];

/** A Service as a strategy sees it (the structural check has run; defaulting may not have). */
type ServiceView = Relaxed<Service>;
type ServiceSpecView = Relaxed<ServiceSpec>;

export function isHeadless(svc: ServiceView | undefined): boolean {
  return svc?.spec?.clusterIP === 'None';
}
export function needsClusterIP(svc: ServiceView | undefined): boolean {
  return svc?.spec?.type !== 'ExternalName';
}
export function needsNodePort(svc: ServiceView | undefined): boolean {
  return svc?.spec?.type === 'NodePort' || svc?.spec?.type === 'LoadBalancer';
}
function externallyAccessible(svc: ServiceView | undefined): boolean {
  const t = svc?.spec?.type;
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && (svc?.spec?.externalIPs ?? []).length > 0);
}

function validateNonSpecialIP(ip: string, field: string): StatusCause[] {
  const fam = ipFamilyOf(ip);
  if (ip === '0.0.0.0' || ip === '::') return [fieldErr.invalid(field, ip, 'may not be unspecified (0.0.0.0)')];
  if ((fam === 'IPv4' && ip.startsWith('127.')) || ip === '::1') {
    return [fieldErr.invalid(field, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)')];
  }
  if ((fam === 'IPv4' && ip.startsWith('169.254.')) || /^fe[89ab]/i.test(ip)) {
    return [fieldErr.invalid(field, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
  }
  if ((fam === 'IPv4' && ip.startsWith('224.0.0.')) || /^ff02:/i.test(ip)) {
    return [fieldErr.invalid(field, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)')];
  }
  return [];
}

function validateServicePort(sp: Relaxed<ServicePort>, requireName: boolean, names: Set<string>, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (requireName && !sp?.name) errs.push(fieldErr.required(child(field, 'name'), ''));
  else if (sp?.name) {
    for (const m of isDNS1123Label(String(sp.name))) errs.push(fieldErr.invalid(child(field, 'name'), sp.name, m));
    if (names.has(sp.name)) errs.push(fieldErr.duplicate(child(field, 'name'), sp.name));
    else names.add(sp.name);
  }
  for (const m of isValidPortNum(sp?.port ?? 0)) errs.push(fieldErr.invalid(child(field, 'port'), sp?.port ?? 0, m));
  if (!sp?.protocol) errs.push(fieldErr.required(child(field, 'protocol'), ''));
  else if (!PORT_PROTOCOLS.includes(sp.protocol)) errs.push(fieldErr.notSupported(child(field, 'protocol'), sp.protocol, PORT_PROTOCOLS));
  errs.push(...validatePortNumOrName(sp?.targetPort, child(field, 'targetPort')));
  if (sp?.appProtocol !== undefined && sp?.appProtocol !== null) {
    for (const m of isQualifiedName(String(sp.appProtocol))) errs.push(fieldErr.invalid(child(field, 'appProtocol'), sp.appProtocol, m));
  }
  if (sp?.nodePort !== undefined && sp?.nodePort !== 0 && sp?.nodePort !== null) {
    for (const m of isValidPortNum(sp.nodePort)) errs.push(fieldErr.invalid(child(field, 'nodePort'), sp.nodePort, m));
  }
  return errs;
}

function validateClusterIPsRelated(svc: ServiceView): StatusCause[] {
  const errs: StatusCause[] = [];
  const spec: ServiceSpecView = svc?.spec ?? {};
  if (spec.type === 'ExternalName') return errs;
  const ips: string[] = spec.clusterIPs ?? [];
  const ipsField = 'spec.clusterIPs';
  if (spec.clusterIP) {
    if (ips.length === 0) errs.push(fieldErr.required(ipsField, ''));
    else if (ips[0] !== spec.clusterIP) errs.push(fieldErr.invalid(ipsField, ips, 'first value must match `clusterIP`'));
  } else if (ips.length !== 0) {
    errs.push(fieldErr.invalid(ipsField, ips, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  (spec.ipFamilies ?? []).forEach((f: string, i: number) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(fieldErr.notSupported(index('spec.ipFamilies', i), f, ['IPv4', 'IPv6']));
    if (seen.has(f)) errs.push(fieldErr.duplicate(index('spec.ipFamilies', i), f));
    seen.add(f);
  });
  if (spec.ipFamilyPolicy && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(fieldErr.notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  let invalid = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) errs.push(fieldErr.invalid(ipsField, ips, "'None' must be the first and only value"));
      return;
    }
    const e = validateIP(index(ipsField, i), ip);
    if (e.length) invalid = true;
    errs.push(...e);
  });
  if (ips.length > 2) errs.push(fieldErr.invalid(ipsField, ips, 'may only hold up to 2 values'));
  if (invalid) return errs;
  if (ips.length === 2 && ipFamilyOf(ips[0]!) === ipFamilyOf(ips[1]!)) {
    errs.push(fieldErr.invalid(ipsField, ips, 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadless(svc) && ips.length > 0) {
    const fams: string[] = spec.ipFamilies ?? [];
    ips.forEach((ip, i) => {
      if (i > fams.length - 1) return;
      if (fams[i] === 'IPv4' && ipFamilyOf(ip) === 'IPv6') {
        errs.push(fieldErr.invalid(index(ipsField, i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      }
      if (fams[i] === 'IPv6' && ipFamilyOf(ip) !== 'IPv6') {
        errs.push(fieldErr.invalid(index(ipsField, i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
      }
    });
  }
  return errs;
}

/** ValidateService. */
export function validateService(svc: ServiceView): StatusCause[] {
  const errs = validateObjectMeta(svc?.metadata, true, nameIsDNS1035Label);
  const spec: ServiceSpecView = svc?.spec ?? {};
  const ports = spec.ports ?? [];
  if (ports.length === 0 && !isHeadless(svc) && spec.type !== 'ExternalName') errs.push(fieldErr.required('spec.ports', ''));
  switch (spec.type) {
    case 'LoadBalancer':
      if (isHeadless(svc)) errs.push(fieldErr.invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for LoadBalancer services"));
      break;
    case 'NodePort':
      if (isHeadless(svc)) errs.push(fieldErr.invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"));
      break;
    case 'ExternalName': {
      if ((spec.clusterIPs ?? []).length > 0) errs.push(fieldErr.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if ((spec.ipFamilies ?? []).length > 0) errs.push(fieldErr.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy) errs.push(fieldErr.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      const cname = String(spec.externalName ?? '').replace(/\.$/, '');
      if (cname) for (const m of isDNS1123Subdomain(cname)) errs.push(fieldErr.invalid('spec.externalName', cname, m));
      else errs.push(fieldErr.required('spec.externalName', ''));
      break;
    }
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, index('spec.ports', i))));
  if (spec.selector) errs.push(...validateLabels(spec.selector, 'spec.selector'));
  if (!spec.sessionAffinity) errs.push(fieldErr.required('spec.sessionAffinity', ''));
  else if (!SESSION_AFFINITIES.includes(spec.sessionAffinity)) {
    errs.push(fieldErr.notSupported('spec.sessionAffinity', spec.sessionAffinity, SESSION_AFFINITIES));
  }
  if (spec.sessionAffinity === 'ClientIP') {
    const t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (typeof t !== 'number' || t <= 0 || t > 86400) {
      errs.push(fieldErr.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t ?? 0, 'must be greater than 0 and less than 86400'));
    }
  } else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig) {
    errs.push(fieldErr.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  errs.push(...validateClusterIPsRelated(svc));
  (spec.externalIPs ?? []).forEach((ip: string, i: number) => {
    const p = index('spec.externalIPs', i);
    const e = validateIP(p, String(ip));
    errs.push(...(e.length ? e : validateNonSpecialIP(String(ip), p)));
  });
  if (!spec.type) errs.push(fieldErr.required('spec.type', ''));
  else if (!SERVICE_TYPES.includes(spec.type)) errs.push(fieldErr.notSupported('spec.type', spec.type, SERVICE_TYPES));
  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p?.nodePort) errs.push(fieldErr.forbidden(child(index('spec.ports', i), 'nodePort'), "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p?.nodePort) return;
    const k = `${p.protocol}/${p.nodePort}`;
    if (nodePorts.has(k)) errs.push(fieldErr.duplicate(child(index('spec.ports', i), 'nodePort'), p.nodePort));
    nodePorts.add(k);
  });
  const seenPorts = new Set<string>();
  ports.forEach((p, i) => {
    const k = `${p?.protocol}/${p?.port}`;
    if (seenPorts.has(k)) {
      errs.push(
        fieldErr.duplicate(index('spec.ports', i), {
          Name: '',
          Protocol: p?.protocol ?? '',
          AppProtocol: null,
          Port: p?.port ?? 0,
          TargetPort: 0,
          NodePort: 0,
        }),
      );
    }
    seenPorts.add(k);
  });
  // traffic policies
  if (!externallyAccessible(svc)) {
    if (spec.externalTrafficPolicy) {
      errs.push(fieldErr.invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
    }
  } else if (!spec.externalTrafficPolicy) errs.push(fieldErr.required('spec.externalTrafficPolicy', ''));
  else if (!TRAFFIC_POLICIES.includes(spec.externalTrafficPolicy)) {
    errs.push(fieldErr.notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, TRAFFIC_POLICIES));
  }
  const needsHealthCheck = spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
  if (!needsHealthCheck && spec.healthCheckNodePort) {
    errs.push(
      fieldErr.invalid('spec.healthCheckNodePort', spec.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"),
    );
  }
  if (spec.type !== 'ExternalName') {
    if (!spec.internalTrafficPolicy) errs.push(fieldErr.required('spec.internalTrafficPolicy', ''));
    else if (!TRAFFIC_POLICIES.includes(spec.internalTrafficPolicy)) {
      errs.push(fieldErr.notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, TRAFFIC_POLICIES));
    }
  }
  return errs;
}

function validateUpgradeDowngradeClusterIPs(old: ServiceView, svc: ServiceView): StatusCause[] {
  const errs: StatusCause[] = [];
  if (svc?.spec?.type === 'ExternalName' || old?.spec?.type === 'ExternalName') return errs;
  if (isHeadless(old) && isHeadless(svc)) return errs;
  const o: string[] = old?.spec?.clusterIPs ?? [];
  const n: string[] = svc?.spec?.clusterIPs ?? [];
  if (o.length === n.length) {
    o.forEach((ip, i) => {
      if (ip !== n[i]) errs.push(fieldErr.invalid(index('spec.clusterIPs', i), n, 'may not change once set'));
    });
  } else if (o.length > n.length) {
    if (n.length === 0) errs.push(fieldErr.invalid('spec.clusterIPs[0]', n, 'primary clusterIP can not be unset'));
    if (o.length > 0 && n.length > 0 && n[0] !== o[0]) errs.push(fieldErr.invalid('spec.clusterIPs[0]', n, 'may not change once set'));
    if (n.length === 1 && svc?.spec?.ipFamilyPolicy !== 'SingleStack') {
      errs.push(fieldErr.invalid('spec.clusterIPs[0]', n, "`ipFamilyPolicy` must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (o.length > 0 && n[0] !== o[0]) {
    errs.push(fieldErr.invalid('spec.clusterIPs[0]', n, 'may not change once set'));
  }
  return errs;
}

function validateUpgradeDowngradeIPFamilies(old: ServiceView, svc: ServiceView): StatusCause[] {
  if (svc?.spec?.type === 'ExternalName' || old?.spec?.type === 'ExternalName') return [];
  const o: string[] = old?.spec?.ipFamilies ?? [];
  const n: string[] = svc?.spec?.ipFamilies ?? [];
  if (o.length > 0 && n.length > 0 && o[0] !== n[0]) {
    return [fieldErr.invalid('spec.ipFamilies[0]', n, 'may not change once set')];
  }
  return [];
}

export function validateServiceUpdate(svc: ServiceView, old: ServiceView): StatusCause[] {
  const errs = validateObjectMetaUpdate(svc?.metadata, old?.metadata);
  errs.push(...validateUpgradeDowngradeClusterIPs(old, svc));
  errs.push(...validateUpgradeDowngradeIPFamilies(old, svc));
  errs.push(...validateService(svc));
  return errs;
}

export function validateServiceStatusUpdate(svc: ServiceView, old: ServiceView): StatusCause[] {
  const errs = validateObjectMetaUpdate(svc?.metadata, old?.metadata);
  (svc?.status?.loadBalancer?.ingress ?? []).forEach((ing: Relaxed<LoadBalancerIngress>, i: number) => {
    const p = index('status.loadBalancer.ingress', i);
    if (ing?.ip) errs.push(...validateIP(child(p, 'ip'), String(ing.ip)));
    if (ing?.hostname) {
      for (const m of isDNS1123Subdomain(String(ing.hostname))) errs.push(fieldErr.invalid(child(p, 'hostname'), ing.hostname, m));
    }
  });
  return errs;
}

/**
 * The service registry's update preparation: keep status, keep allocated clusterIP(s) and
 * nodePorts a client omitted (patchAllocatedValues), keep clusterIP/clusterIPs in step
 * (NormalizeClusterIPs) and drop fields the new type does not use (dropTypeDependentFields).
 */
export function prepareServiceUpdate(svc: ServiceView, old: ServiceView): void {
  svc.status = old?.status;
  const spec = (svc.spec ??= {});
  const os: ServiceSpecView = old?.spec ?? {};
  const oldClusterIPs = os.clusterIPs ?? [];
  // patchAllocatedValues
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!spec.clusterIP) spec.clusterIP = os.clusterIP;
    if (!(spec.clusterIPs ?? []).length && oldClusterIPs.length) spec.clusterIPs = [...oldClusterIPs];
  }
  if (needsNodePort(old) && needsNodePort(svc)) {
    // Old nodePorts by port name; never reuse one the new object already uses.
    const newUsed = new Set<number>((spec.ports ?? []).map((p) => p?.nodePort).filter((np): np is number => Boolean(np)));
    const byName = new Map<string, number>();
    for (const q of os.ports ?? []) if (q) byName.set(q.name ?? '', q.nodePort ?? 0);
    for (const p of spec.ports ?? []) {
      if (!p || p.nodePort) continue;
      const v = byName.get(p.name ?? '');
      if (v && !newUsed.has(v)) p.nodePort = v;
    }
  }
  if (spec.type === 'LoadBalancer' && os.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local' && !spec.healthCheckNodePort) {
    if (os.healthCheckNodePort) spec.healthCheckNodePort = os.healthCheckNodePort;
  }
  // NormalizeClusterIPs
  const sameIPs = semanticEqual(spec.clusterIPs ?? [], os.clusterIPs ?? []);
  if (oldClusterIPs.length > 0 && !(spec.clusterIPs ?? []).length && os.clusterIP === spec.clusterIP) {
    spec.clusterIPs = [...oldClusterIPs];
  }
  if ((os.clusterIP ?? '') !== (spec.clusterIP ?? '')) {
    if (os.clusterIP && !spec.clusterIP && sameIPs) delete spec.clusterIPs;
    // Here spec.clusterIP is set: an empty one with a set old one took the branch above.
    else if (sameIPs && spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
  }
  // dropTypeDependentFields
  if (needsClusterIP(old) && !needsClusterIP(svc)) {
    if ((spec.clusterIP ?? '') === (os.clusterIP ?? '') && semanticEqual(spec.clusterIPs, os.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (semanticEqual(spec.ipFamilies, os.ipFamilies)) delete spec.ipFamilies;
    if ((spec.ipFamilyPolicy ?? '') === (os.ipFamilyPolicy ?? '')) delete spec.ipFamilyPolicy;
    if ((spec.internalTrafficPolicy ?? '') === (os.internalTrafficPolicy ?? '')) delete spec.internalTrafficPolicy;
  }
  if (needsNodePort(old) && !needsNodePort(svc)) {
    const oldNodePorts = (os.ports ?? []).map((p) => p?.nodePort ?? 0);
    const newNodePorts = (spec.ports ?? []).map((p) => p?.nodePort ?? 0);
    if (newNodePorts.every((np) => np === 0 || oldNodePorts.includes(np))) for (const p of spec.ports ?? []) if (p) delete p.nodePort;
  }
  if (externallyAccessibleType(os) && !externallyAccessible(svc) && (spec.externalTrafficPolicy ?? '') === (os.externalTrafficPolicy ?? '')) {
    delete spec.externalTrafficPolicy;
  }
  if (!(spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local') && spec.healthCheckNodePort === os.healthCheckNodePort) {
    delete spec.healthCheckNodePort;
  }
  if (spec.type !== 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === os.allocateLoadBalancerNodePorts) {
    delete spec.allocateLoadBalancerNodePorts;
  }
}

function externallyAccessibleType(spec: ServiceSpecView): boolean {
  const t = spec?.type;
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && (spec?.externalIPs ?? []).length > 0);
}

/** Create preparation: empty status, clusterIPs from a singular clusterIP (NormalizeClusterIPs). */
export function prepareServiceCreate(svc: ServiceView): void {
  svc.status = {};
  const spec = (svc.spec ??= {});
  if (spec.clusterIP && !(spec.clusterIPs ?? []).length) spec.clusterIPs = [spec.clusterIP];
}

// ---------------------------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------------------------

function validateEndpointAddress(a: Relaxed<EndpointAddress>, field: string): StatusCause[] {
  const errs = validateIP(child(field, 'ip'), String(a?.ip ?? ''));
  if (!errs.length) errs.push(...validateNonSpecialIP(String(a.ip), child(field, 'ip')));
  if (a?.hostname) for (const m of isDNS1123Label(String(a.hostname))) errs.push(fieldErr.invalid(child(field, 'hostname'), a.hostname, m));
  if (a?.nodeName) for (const m of isDNS1123Subdomain(String(a.nodeName))) errs.push(fieldErr.invalid(child(field, 'nodeName'), a.nodeName, m));
  return errs;
}

export function validateEndpoints(ep: Relaxed<Endpoints>): StatusCause[] {
  const errs = validateObjectMeta(ep?.metadata, true, nameIsDNSSubdomain);
  (ep?.subsets ?? []).forEach((ss, i) => {
    const p = index('subsets', i);
    if (!(ss?.addresses ?? []).length && !(ss?.notReadyAddresses ?? []).length) {
      errs.push(fieldErr.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    }
    (ss?.addresses ?? []).forEach((a, j) => errs.push(...validateEndpointAddress(a, index(child(p, 'addresses'), j))));
    (ss?.notReadyAddresses ?? []).forEach((a, j) => errs.push(...validateEndpointAddress(a, index(child(p, 'notReadyAddresses'), j))));
    const ports = ss?.ports ?? [];
    ports.forEach((port, j) => {
      const pp = index(child(p, 'ports'), j);
      if (ports.length > 1 && !port?.name) errs.push(fieldErr.required(child(pp, 'name'), ''));
      else if (port?.name) for (const m of isDNS1123Label(String(port.name))) errs.push(fieldErr.invalid(child(pp, 'name'), port.name, m));
      for (const m of isValidPortNum(port?.port ?? 0)) errs.push(fieldErr.invalid(child(pp, 'port'), port?.port ?? 0, m));
      if (!port?.protocol) errs.push(fieldErr.required(child(pp, 'protocol'), ''));
      else if (!PORT_PROTOCOLS.includes(port.protocol)) errs.push(fieldErr.notSupported(child(pp, 'protocol'), port.protocol, PORT_PROTOCOLS));
    });
  });
  return errs;
}

export function validateEndpointsUpdate(ep: Relaxed<Endpoints>, old: Relaxed<Endpoints>): StatusCause[] {
  const errs = validateObjectMetaUpdate(ep?.metadata, old?.metadata);
  const v = validateEndpoints(ep).filter((c) => !String(c.field ?? '').startsWith('metadata.'));
  return [...errs, ...v];
}

// ---------------------------------------------------------------------------------------------
// EndpointSlices
// ---------------------------------------------------------------------------------------------

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

export function validateEndpointSlice(es: Relaxed<EndpointSlice>): StatusCause[] {
  const errs = validateObjectMeta(es?.metadata, true, nameIsDNSSubdomain);
  const at = es?.addressType;
  if (!ADDRESS_TYPES.includes(at ?? '')) errs.push(fieldErr.notSupported('addressType', at ?? '', ADDRESS_TYPES));
  const endpoints = es?.endpoints ?? [];
  if (endpoints.length > 1000) errs.push(fieldErr.tooMany('endpoints', endpoints.length, 1000));
  endpoints.forEach((e, i) => {
    const p = index('endpoints', i);
    const addrs = e?.addresses ?? [];
    const ap = child(p, 'addresses');
    if (addrs.length === 0) errs.push(fieldErr.required(ap, 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push(fieldErr.tooMany(ap, addrs.length, 100));
    addrs.forEach((a, j) => {
      const f = index(ap, j);
      const s = String(a);
      if (at === 'IPv4') {
        const e2 = validateIP(f, s);
        errs.push(...e2);
        if (!e2.length && ipFamilyOf(s) !== 'IPv4') errs.push(fieldErr.invalid(f, s, 'must be an IPv4 address'));
      } else if (at === 'IPv6') {
        const e2 = validateIP(f, s);
        errs.push(...e2);
        if (!e2.length && ipFamilyOf(s) !== 'IPv6') errs.push(fieldErr.invalid(f, s, 'must be an IPv6 address'));
      } else if (at === 'FQDN') {
        for (const m of isDNS1123Subdomain(s.replace(/\.$/, ''))) errs.push(fieldErr.invalid(f, s, m));
      }
    });
    if (e?.hostname) for (const m of isDNS1123Label(String(e.hostname))) errs.push(fieldErr.invalid(child(p, 'hostname'), e.hostname, m));
    if (e?.nodeName) for (const m of isDNS1123Subdomain(String(e.nodeName))) errs.push(fieldErr.invalid(child(p, 'nodeName'), e.nodeName, m));
  });
  const ports = es?.ports ?? [];
  if (ports.length > 100) errs.push(fieldErr.tooMany('ports', ports.length, 100));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = index('ports', i);
    const name = port?.name ?? '';
    if (name) for (const m of isDNS1123Label(String(name))) errs.push(fieldErr.invalid(child(p, 'name'), name, m));
    if (names.has(name)) errs.push(fieldErr.duplicate(child(p, 'name'), name));
    names.add(name);
    if (!port?.protocol) errs.push(fieldErr.required(child(p, 'protocol'), ''));
    else if (!PORT_PROTOCOLS.includes(port.protocol)) errs.push(fieldErr.notSupported(child(p, 'protocol'), port.protocol, PORT_PROTOCOLS));
    if (port?.port !== undefined && port?.port !== null) {
      for (const m of isValidPortNum(port.port)) errs.push(fieldErr.invalid(child(p, 'port'), port.port, m));
    }
    if (port?.appProtocol) for (const m of isQualifiedName(String(port.appProtocol))) errs.push(fieldErr.invalid(child(p, 'appProtocol'), port.appProtocol, m));
  });
  return errs;
}

export function validateEndpointSliceUpdate(es: Relaxed<EndpointSlice>, old: Relaxed<EndpointSlice>): StatusCause[] {
  const errs = validateObjectMetaUpdate(es?.metadata, old?.metadata);
  errs.push(...validateEndpointSlice(es).filter((c) => !String(c.field ?? '').startsWith('metadata.')));
  if ((es?.addressType ?? '') !== (old?.addressType ?? '')) {
    errs.push(fieldErr.invalid('addressType', es?.addressType ?? '', 'field is immutable'));
  }
  return errs;
}
