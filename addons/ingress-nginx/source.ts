/**
 * A source of routes for the ingress controller: the Ingress translation and the Gateway API translation are
 * each one `ModelSource`. The controller watches the union of their resources, and on any change calls every
 * source's pure `translate` with one snapshot, merges the models, renders nginx.conf, reloads nginx, then
 * writes the statuses the sources asked for.
 */
import type { KubeObject } from '../../api/types/meta.js';
import type { RoutingModel } from './model.js';

/** A watched resource, named as `kubectl api-resources` does: `services`, `ingresses.networking.k8s.io`. */
export type ResourceName = string;

/** What the informers hold at one instant; `list` of a resource not watched is a programming error. */
export interface ClusterSnapshot {
  list(resource: ResourceName): readonly KubeObject[];
  get(resource: ResourceName, namespace: string | undefined, name: string): KubeObject | undefined;
}

/** What the controller knows about itself, for status and defaults. */
export interface ControllerContext {
  /** spec.controller of the IngressClasses this controller serves (ingress-nginx: `k8s.io/ingress-nginx`). */
  controllerClass: string;
  /** Name of the IngressClass it serves (`--ingress-class`, default `nginx`). */
  ingressClass: string;
  /** Serve Ingresses without a class (`--watch-ingress-without-class`). */
  watchWithoutClass: boolean;
  /** Addresses published in status.loadBalancer (the node addresses of the controller's pods). */
  publishAddresses: string[];
  /** nginx's listen ports inside the pod (http, https). */
  httpPort: number;
  httpsPort: number;
  /** `--default-backend-service` (`namespace/name`): where requests matching no rule go (404 when unset). */
  defaultBackendService?: string;
}

/** A status subresource write (a merge patch of `.status`), only issued when it differs from what is stored. */
export interface StatusWrite {
  resource: ResourceName;
  namespace?: string;
  name: string;
  status: Record<string, unknown>;
}

export interface ModelSource {
  /** For logs: `ingress`, `gateway-api`. */
  name: string;
  /** Resources this source reads (the controller watches them; a resource the server does not serve, such as a CRD not yet installed, is retried and the source sees it as empty). */
  resources: ResourceName[];
  translate(snapshot: ClusterSnapshot, ctx: ControllerContext): { model: RoutingModel; statuses: StatusWrite[] };
}
