/**
 * Endpoints and EndpointSlices of a Service with a selector (pkg/controller/endpoint and
 * pkg/controller/endpointslice), as pure functions of (service, pods, existing slices).
 */

import { tryResolvePort } from '../../../api/intstr.js';
import { deepEqual } from '../../../api/values.js';
import { newControllerRef } from '../../../api/owners.js';
import { isPodReady, isPodTerminal, mapSelectorMatcher, podIP } from '../util/meta.js';
import type {
  EndpointAddress,
  EndpointPort,
  EndpointSlicePort,
  Endpoints,
  EndpointSlice,
  EndpointSubset,
  Pod,
  Service,
  ServicePort,
  SliceEndpoint,
} from '../util/types.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** Upstream's --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

/** The services the controllers manage: with a selector, and not default/kubernetes (the API server owns it). */
export function managesService(svc: Service): boolean {
  if (svc.metadata?.namespace === 'default' && svc.metadata?.name === 'kubernetes') return false;
  return !!svc.spec?.selector && Object.keys(svc.spec.selector).length > 0;
}

export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

/**
 * podutil.FindPort: a numeric targetPort as is; a named one is looked up among the pod's container
 * ports with the same protocol; undefined when the pod has no such port.
 */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  return tryResolvePort(pod, sp);
}

/** ShouldPodBeInEndpoints: has an IP, not terminal, and (unless allowed) not terminating. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!podIP(pod)) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

function endpointPort(sp: ServicePort, port: number): EndpointPort {
  const p: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
  if (sp.name) p.name = sp.name;
  if (sp.appProtocol) p.appProtocol = sp.appProtocol;
  return p;
}

function targetRef(pod: Pod) {
  return { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid };
}

/** ShouldSetHostname: the pod's hostname when its subdomain is this (headless) service. */
function hostnameFor(pod: Pod, svc: Service): string | undefined {
  if (pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace)
    return pod.spec.hostname;
  return undefined;
}

function selectedPods(svc: Service, pods: Pod[]): Pod[] {
  const m = mapSelectorMatcher(svc.spec?.selector);
  return pods.filter((p) => p.metadata?.namespace === svc.metadata?.namespace && m(p.metadata?.labels));
}

function portKey(ports: EndpointSlicePort[]): string {
  return JSON.stringify([...ports].sort(comparePorts).map((p) => [p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? '']));
}

function comparePorts(a: EndpointSlicePort, b: EndpointSlicePort): number {
  const na = a.name ?? '';
  const nb = b.name ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  if (a.port !== b.port) return (a.port ?? 0) - (b.port ?? 0);
  return (a.protocol ?? '') < (b.protocol ?? '') ? -1 : (a.protocol ?? '') > (b.protocol ?? '') ? 1 : 0;
}

function compareIP(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A pod's resolved ports for the service (ports the pod lacks are skipped); null: leave the pod out. */
function podPorts(pod: Pod, svc: Service): EndpointPort[] | null {
  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0) return isHeadless(svc) ? [] : null;
  const out: EndpointPort[] = [];
  for (const sp of ports) {
    const n = findPort(pod, sp);
    if (n !== undefined) out.push(endpointPort(sp, n));
  }
  return out.length ? out : null;
}

/**
 * The Endpoints subsets of a service (syncService + RepackSubsets): one subset per distinct set of
 * resolved ports, ready addresses in `addresses`, not-ready ones in `notReadyAddresses`, sorted.
 */
export function buildSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const tolerateUnready = !!svc.spec?.publishNotReadyAddresses;
  const groups = new Map<string, { ports: EndpointPort[]; ready: Map<string, EndpointAddress>; notReady: Map<string, EndpointAddress> }>();
  for (const pod of selectedPods(svc, pods)) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const ports = podPorts(pod, svc);
    if (!ports) continue;
    const addr: EndpointAddress = { ip: podIP(pod)!, targetRef: targetRef(pod) };
    const hn = hostnameFor(pod, svc);
    if (hn) addr.hostname = hn;
    if (pod.spec?.nodeName) addr.nodeName = pod.spec.nodeName;
    const key = portKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: [...ports].sort(comparePorts), ready: new Map(), notReady: new Map() }));
    const id = `${addr.ip}/${pod.metadata?.uid ?? ''}`;
    if (tolerateUnready || isPodReady(pod)) {
      g.ready.set(id, addr);
      g.notReady.delete(id);
    } else if (!g.ready.has(id)) g.notReady.set(id, addr);
  }
  const subsets: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const sortAddrs = (m: Map<string, EndpointAddress>) =>
      [...m.values()].sort((a, b) => compareIP(a.ip, b.ip) || ((a.targetRef?.uid ?? '') < (b.targetRef?.uid ?? '') ? -1 : 1));
    const s: EndpointSubset = {};
    if (g.ready.size) s.addresses = sortAddrs(g.ready);
    if (g.notReady.size) s.notReadyAddresses = sortAddrs(g.notReady);
    if (g.ports.length) s.ports = g.ports;
    subsets.push(s);
  }
  subsets.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return subsets;
}

/** The Endpoints object the controller wants for a service. */
export function buildEndpoints(svc: Service, pods: Pod[], existing?: Endpoints): Endpoints {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  const ep: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      ...(existing?.metadata ?? {}),
      name: svc.metadata?.name,
      namespace: svc.metadata?.namespace,
      labels,
    },
    subsets: buildSubsets(svc, pods),
  };
  if (Object.keys(labels).length === 0) delete ep.metadata!.labels;
  return ep;
}

/** Does the existing Endpoints object differ from the wanted one (subsets or labels)? */
export function endpointsChanged(existing: Endpoints | undefined, wanted: Endpoints): boolean {
  if (!existing) return true;
  return !deepEqual(existing.subsets ?? [], wanted.subsets ?? []) || !deepEqual(existing.metadata?.labels ?? {}, wanted.metadata?.labels ?? {});
}

// ---------------------------------------------------------------------------------------------
// EndpointSlices

/** podToEndpoint: one slice endpoint with its conditions. */
export function sliceEndpoint(pod: Pod, svc: Service): SliceEndpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  const ready = !!svc.spec?.publishNotReadyAddresses || (serving && !terminating);
  const ep: SliceEndpoint = { addresses: [podIP(pod)!], conditions: { ready, serving, terminating }, targetRef: targetRef(pod) };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const hn = hostnameFor(pod, svc);
  if (hn) ep.hostname = hn;
  return ep;
}

export interface SliceDecision {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) {
    if (k === SERVICE_NAME_LABEL || k === MANAGED_BY_LABEL) continue;
    labels[k] = v;
  }
  labels[SERVICE_NAME_LABEL] = svc.metadata?.name ?? '';
  labels[MANAGED_BY_LABEL] = MANAGED_BY;
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  return labels;
}

/** Slices the controller manages for this service (label service-name + managed-by). */
export function ownsSlice(svc: Service, slice: EndpointSlice): boolean {
  const l = slice.metadata?.labels ?? {};
  return slice.metadata?.namespace === svc.metadata?.namespace && l[SERVICE_NAME_LABEL] === svc.metadata?.name && l[MANAGED_BY_LABEL] === MANAGED_BY;
}

function compareEndpoints(a: SliceEndpoint, b: SliceEndpoint): number {
  return compareIP(a.addresses[0] ?? '', b.addresses[0] ?? '') || ((a.targetRef?.uid ?? '') < (b.targetRef?.uid ?? '') ? -1 : 1);
}

/**
 * The EndpointSlice reconciler: the service's IPv4 endpoints grouped by resolved port set (usually
 * one group, so one slice), at most 100 endpoints a slice; existing slices are reused (same ports
 * first) and updated only when they differ; a service with no endpoints keeps one empty slice.
 */
export function decideEndpointSlices(svc: Service, pods: Pod[], existing: EndpointSlice[]): SliceDecision {
  const mine = existing.filter((s) => ownsSlice(svc, s) && (s.addressType ?? 'IPv4') === 'IPv4');
  const groups = new Map<string, { ports: EndpointPort[]; endpoints: SliceEndpoint[] }>();
  for (const pod of selectedPods(svc, pods)) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ip = podIP(pod)!;
    if (ip.includes(':')) continue; // IPv4 only
    const ports = podPorts(pod, svc);
    if (!ports) continue;
    const key = portKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: [...ports].sort(comparePorts), endpoints: [] }));
    g.endpoints.push(sliceEndpoint(pod, svc));
  }
  const wanted: { ports: EndpointPort[]; endpoints: SliceEndpoint[] }[] = [];
  for (const g of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, g]) => g)) {
    g.endpoints.sort(compareEndpoints);
    for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE)
      wanted.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE) });
  }
  if (wanted.length === 0) wanted.push({ ports: [], endpoints: [] }); // the placeholder slice

  const labels = sliceLabels(svc);
  const ownerRef = newControllerRef(svc, 'v1', 'Service');
  const free = [...mine].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  const out: SliceDecision = { create: [], update: [], delete: [] };
  const take = (ports: EndpointSlicePort[]): EndpointSlice | undefined => {
    const key = portKey(ports);
    let i = free.findIndex((s) => portKey(s.ports ?? []) === key);
    if (i < 0) i = free.length ? 0 : -1;
    return i >= 0 ? free.splice(i, 1)[0] : undefined;
  };
  for (const w of wanted) {
    const cur = take(w.ports);
    const body: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: cur
        ? { ...cur.metadata, labels: { ...(cur.metadata?.labels ?? {}), ...labels }, ownerReferences: [ownerRef] }
        : { generateName: `${svc.metadata?.name}-`, namespace: svc.metadata?.namespace, labels, ownerReferences: [ownerRef] },
      addressType: 'IPv4',
      endpoints: w.endpoints,
      ports: w.ports,
    };
    if (!cur) out.create.push(body);
    else if (
      !deepEqual(cur.endpoints ?? [], body.endpoints) ||
      !deepEqual(cur.ports ?? [], body.ports) ||
      !deepEqual(cur.metadata?.labels ?? {}, body.metadata?.labels ?? {}) ||
      !deepEqual(cur.metadata?.ownerReferences ?? [], body.metadata?.ownerReferences ?? [])
    )
      out.update.push(body);
  }
  out.delete.push(...free);
  return out;
}
