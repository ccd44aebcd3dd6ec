/**
 * The aggregation layer's decisions (pure; aggregator-handler.ts does the I/O), as kube-aggregator 1.32:
 * - which APIService a path belongs to (`/apis/<group>/<version>/...` -> `<version>.<group>`);
 * - where a non-local APIService's Service is reached: a ready endpoint address (--enable-aggregator-routing, upstream's
 *   proxy.ResolveEndpoint) or the ClusterIP (ResolveCluster), the port from the Service port the APIService names;
 * - the headers an extension API server gets (transport.NewAuthProxyRoundTripper: the caller's credentials never, the
 *   user in X-Remote-User / X-Remote-Group / X-Remote-Extra-*);
 * - the Available condition before the discovery probe (remote_available_controller.go: ServiceNotFound,
 *   ServicePortError, EndpointsNotFound, MissingEndpoints) and after it (FailedDiscoveryCheck, Passed);
 * - the Local APIServices of the group versions this server serves (autoregister, with upstream's priorities).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Endpoints, Relaxed, Service } from '../../api/types/index.js';
import type { APIServiceObject } from '../../api/strategies/apiregistration.js';
import { AVAILABLE } from '../../api/strategies/apiregistration.js';
import { HOP_BY_HOP } from './resource-proxy.js';
import { authProxyHeaders } from './requestheader.js';
import type { UserInfo } from './authn.js';

/** An APIService's name: `<version>.<group>` (`v1.` for the core group). */
export function apiServiceName(group: string, version: string): string {
  return `${version}.${group}`;
}

/** The group and version of a `/apis/<group>/<version>[/...]` path (the only paths an APIService can take over). */
export function groupVersionOfPath(path: string): { group: string; version: string } | undefined {
  const parts = path.split('/');
  if (parts[1] !== 'apis' || !parts[2] || !parts[3]) return undefined;
  return { group: parts[2], version: parts[3] };
}

/** Whether an APIService is served by another server (spec.service set). */
export function isRemote(s: APIServiceObject | undefined): s is APIServiceObject & { spec: { service: { namespace?: string; name?: string; port?: number } } } {
  return !!s?.spec?.service;
}

export type Resolved = { host: string; port: number } | { error: string };

type Svc = Relaxed<Service>;
type Eps = Relaxed<Endpoints>;

const ROUTABLE_TYPES = ['ClusterIP', 'LoadBalancer', 'NodePort'];

function findServicePort(svc: Svc, port: number): { name: string; port: number } | { error: string } {
  for (const p of svc.spec?.ports ?? []) if (p?.port === port) return { name: p.name ?? '', port: p.port };
  return { error: `no service port ${port} found for service "${svc.metadata?.name ?? ''}"` };
}

/**
 * upstream's proxy.ResolveEndpoint: a ready address of the Service's Endpoints whose subset has the port named as
 * the Service port `port` is; `pick(n)` chooses among n (random upstream, first in tests).
 */
export function resolveEndpoint(svc: Svc | undefined, eps: Eps | undefined, name: string, port: number, pick: (n: number) => number = () => 0): Resolved {
  if (!svc) return { error: `service "${name}" not found` };
  const type = svc.spec?.type ?? 'ClusterIP';
  if (!ROUTABLE_TYPES.includes(type)) return { error: `unsupported service type "${type}"` };
  const sp = findServicePort(svc, port);
  if ('error' in sp) return sp;
  const subsets = eps?.subsets ?? [];
  if (subsets.length === 0) return { error: `no endpoints available for service "${name}"` };
  const seed = pick(subsets.length);
  for (let i = 0; i < subsets.length; i++) {
    const ss = subsets[(seed + i) % subsets.length]!;
    const addresses = ss.addresses ?? [];
    if (addresses.length === 0) continue;
    for (const p of ss.ports ?? []) {
      if ((p?.name ?? '') !== sp.name) continue;
      const ip = addresses[pick(addresses.length)]?.ip;
      if (ip && typeof p.port === 'number') return { host: ip, port: p.port };
    }
  }
  return { error: `no endpoints available for service "${name}"` };
}

/** upstream's proxy.ResolveCluster: the ClusterIP and the Service port (an ExternalName: its name and `port`). */
export function resolveCluster(svc: Svc | undefined, name: string, port: number): Resolved {
  if (!svc) return { error: `service "${name}" not found` };
  const type = svc.spec?.type ?? 'ClusterIP';
  if (type === 'ClusterIP' && svc.spec?.clusterIP === 'None') return { error: 'cannot route to service with ClusterIP "None"' };
  if (ROUTABLE_TYPES.includes(type)) {
    const sp = findServicePort(svc, port);
    if ('error' in sp) return sp;
    return { host: svc.spec?.clusterIP ?? '', port: sp.port };
  }
  if (type === 'ExternalName') return { host: svc.spec?.externalName ?? '', port };
  return { error: `unsupported service type "${type}"` };
}

/**
 * The request headers an extension API server gets: the caller's, less its credentials (Authorization, the
 * impersonation headers, any X-Remote-* it sent), less hop-by-hop ones (Upgrade kept for an upgrade), plus the
 * authenticated user as the front proxy's headers.
 */
export function aggregatedRequestHeaders(incoming: IncomingHttpHeaders, user: Pick<UserInfo, 'name' | 'groups' | 'extra'>, upgrade = false): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const connectionTokens = String(incoming.connection ?? '').toLowerCase().split(',').map((t) => t.trim()).filter(Boolean);
  for (const [k, v] of Object.entries(incoming)) {
    if (v === undefined) continue;
    if (k === 'authorization' || k.startsWith('impersonate-') || k.startsWith('x-remote-')) continue;
    if (!upgrade && (HOP_BY_HOP.includes(k) || connectionTokens.includes(k))) continue;
    if (k === 'host') continue;
    out[k] = v;
  }
  for (const [k, v] of authProxyHeaders(user)) {
    const cur = out[k];
    out[k] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [String(cur), v];
  }
  return out;
}

export interface AvailableCondition {
  type: typeof AVAILABLE;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

const cond = (status: AvailableCondition['status'], reason: string, message: string): AvailableCondition => ({ type: AVAILABLE, status, reason, message });

/** A Local APIService: always available (local_available_controller.go). */
export const LOCAL_AVAILABLE = cond('True', 'Local', 'Local APIServices are always available');

/**
 * The checks before the discovery probe, as the remote availability controller makes them: the condition when one
 * fails, `probe` when the Service (and, for a ClusterIP Service, an endpoint on the named port) is there.
 */
export function availabilityPrecheck(s: APIServiceObject, svc: Svc | undefined, eps: Eps | undefined): { condition: AvailableCondition } | { probe: true } {
  if (!isRemote(s)) return { condition: LOCAL_AVAILABLE };
  const ref = s.spec.service;
  const name = ref.name ?? '';
  const ns = ref.namespace ?? '';
  if (!svc) return { condition: cond('False', 'ServiceNotFound', `service/${name} in "${ns}" is not present`) };
  if ((svc.spec?.type ?? 'ClusterIP') === 'ClusterIP') {
    const port = ref.port ?? 443;
    const sp = (svc.spec?.ports ?? []).find((p) => p?.port === port);
    if (!sp) return { condition: cond('False', 'ServicePortError', `service/${name} in "${ns}" is not listening on port ${port}`) };
    const portName = sp.name ?? '';
    if (!eps) return { condition: cond('False', 'EndpointsNotFound', `cannot find endpoints for service/${name} in "${ns}"`) };
    const active = (eps.subsets ?? []).some((ss) => (ss.addresses ?? []).length > 0 && (ss.ports ?? []).some((p) => (p?.name ?? '') === portName));
    if (!active) return { condition: cond('False', 'MissingEndpoints', `endpoints for service/${name} in "${ns}" have no addresses with port name "${portName}"`) };
  }
  return { probe: true };
}

/** The discovery probe's outcome (five attempts upstream, one success is enough): Passed, or the last error. */
export function probeCondition(errors: ReadonlyArray<string | undefined>): AvailableCondition {
  if (errors.length === 0 || errors.some((e) => e === undefined)) return cond('True', 'Passed', 'all checks passed');
  return cond('False', 'FailedDiscoveryCheck', errors[errors.length - 1]!);
}

/** The path the probe GETs: `/apis/<group>/<version>` (`/api/<version>` for `v1.`). */
export function discoveryPath(s: APIServiceObject): string {
  const version = s.spec?.version ?? '';
  return s.metadata?.name === 'v1.' ? `/api/${version}` : `/apis/${s.spec?.group ?? ''}/${version}`;
}

/** The label autoregister puts on the APIServices it manages (`onstart`: built-in, `true`: a CRD's group version). */
export const AUTOMANAGED_LABEL = 'kube-aggregator.kubernetes.io/automanaged';

/** upstream's apiVersionPriorities (pkg/controlplane/apiserver/aggregator.go) for the group versions kubelab serves. */
const PRIORITIES: Record<string, { group: number; version: number }> = {
  'v1.': { group: 18000, version: 1 },
  'v1.apiregistration.k8s.io': { group: 18000, version: 1 },
  'v1.apps': { group: 17800, version: 15 },
  'v1.events.k8s.io': { group: 17750, version: 15 },
  'v1.authentication.k8s.io': { group: 17700, version: 15 },
  'v1.authorization.k8s.io': { group: 17600, version: 15 },
  'v1.autoscaling': { group: 17500, version: 15 },
  'v2.autoscaling': { group: 17500, version: 30 },
  'v1.batch': { group: 17400, version: 15 },
  'v1.certificates.k8s.io': { group: 17300, version: 15 },
  'v1.networking.k8s.io': { group: 17200, version: 15 },
  'v1.policy': { group: 17100, version: 15 },
  'v1.rbac.authorization.k8s.io': { group: 17000, version: 15 },
  'v1.storage.k8s.io': { group: 16800, version: 15 },
  'v1.apiextensions.k8s.io': { group: 16700, version: 15 },
  'v1.admissionregistration.k8s.io': { group: 16700, version: 15 },
  'v1.scheduling.k8s.io': { group: 16600, version: 15 },
  'v1.coordination.k8s.io': { group: 16500, version: 15 },
  'v1.node.k8s.io': { group: 16300, version: 15 },
  'v1.discovery.k8s.io': { group: 16200, version: 15 },
  'v1.flowcontrol.apiserver.k8s.io': { group: 16100, version: 21 },
};

/** A CRD's group version (crdregistration_controller.go): low group priority, version priority 100. */
const CRD_PRIORITY = { group: 1000, version: 100 };

/**
 * The Local APIService autoregister keeps for a group version this server serves: built-in ones with upstream's
 * priorities (`automanaged: onstart`), others (a CRD's) with the CRD priorities (`automanaged: true`).
 */
export function localAPIService(group: string, version: string): APIServiceObject {
  const name = apiServiceName(group, version);
  const builtin = PRIORITIES[name];
  const p = builtin ?? CRD_PRIORITY;
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name, labels: { [AUTOMANAGED_LABEL]: builtin ? 'onstart' : 'true' } },
    spec: { group, version, groupPriorityMinimum: p.group, versionPriority: p.version },
  };
}
