/**
 * The Gateway API objects the controller reads (gateway.networking.k8s.io v1 GatewayClass, Gateway, HTTPRoute;
 * v1beta1 ReferenceGrant), as upstream's apis/v1 types, every field optional: they come from a CRD-served
 * resource, already defaulted and validated by the API server, but a translation never trusts that.
 */
import type { ObjectMeta } from '../../api/types/meta.js';
import type { LabelSelector } from '../../api/types/meta.js';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface GatewayClass {
  metadata: ObjectMeta;
  spec?: { controllerName?: string; description?: string };
  status?: { conditions?: Condition[] };
}

export interface SecretObjectReference {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface Listener {
  name?: string;
  hostname?: string;
  port?: number;
  protocol?: string;
  tls?: { mode?: string; certificateRefs?: SecretObjectReference[] };
  allowedRoutes?: {
    namespaces?: { from?: string; selector?: LabelSelector };
    kinds?: { group?: string; kind?: string }[];
  };
}

export interface ListenerStatus {
  name: string;
  attachedRoutes: number;
  supportedKinds: { group: string; kind: string }[];
  conditions: Condition[];
}

export interface Gateway {
  metadata: ObjectMeta;
  spec?: { gatewayClassName?: string; listeners?: Listener[]; addresses?: { type?: string; value?: string }[] };
  status?: { addresses?: { type: string; value: string }[]; conditions?: Condition[]; listeners?: ListenerStatus[] };
}

export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  sectionName?: string;
  port?: number;
}

export interface HTTPHeader {
  name?: string;
  value?: string;
}

export interface HTTPHeaderFilter {
  set?: HTTPHeader[];
  add?: HTTPHeader[];
  remove?: string[];
}

export interface HTTPPathModifier {
  type?: string;
  replaceFullPath?: string;
  replacePrefixMatch?: string;
}

export interface HTTPRouteFilter {
  type?: string;
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
  requestRedirect?: { scheme?: string; hostname?: string; path?: HTTPPathModifier; port?: number; statusCode?: number };
  urlRewrite?: { hostname?: string; path?: HTTPPathModifier };
  requestMirror?: unknown;
  extensionRef?: unknown;
}

export interface HTTPRouteMatch {
  path?: { type?: string; value?: string };
  headers?: { type?: string; name?: string; value?: string }[];
  queryParams?: { type?: string; name?: string; value?: string }[];
  method?: string;
}

export interface HTTPBackendRef {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  port?: number;
  weight?: number;
  filters?: HTTPRouteFilter[];
}

export interface HTTPRouteRule {
  name?: string;
  matches?: HTTPRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
}

export interface RouteParentStatus {
  parentRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}

export interface HTTPRoute {
  metadata: ObjectMeta;
  spec?: { parentRefs?: ParentReference[]; hostnames?: string[]; rules?: HTTPRouteRule[] };
  status?: { parents?: RouteParentStatus[] };
}

export interface ReferenceGrant {
  metadata: ObjectMeta;
  spec?: { from?: { group?: string; kind?: string; namespace?: string }[]; to?: { group?: string; kind?: string; name?: string }[] };
}
