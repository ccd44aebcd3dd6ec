/**
 * How the API server's generic code reads objects it did not type: the top-level shape every API object
 * has (isApiObject), and the Relaxed views (api/types/views.ts) of the few kinds it reads field by field
 * (Service address allocation, pod binding, the kubelet proxy's pod and node, namespace deletion and
 * finalization, eviction, its DeleteOptions and the pod's PodDisruptionBudgets, the scale of a Deployment or ReplicaSet), once a guard has
 * seen the object's apiVersion and kind.
 *
 * The kind is what makes a view true: a store writes apiVersion and kind on every object it keeps (only
 * objects of its own kind), and a request body's fields are checked against its kind's schema
 * (checkBodyStructure) before a handler reads them.
 */
import { errors } from '../../api/errors.js';
import type {
  APIService, Binding, DeleteOptions, Deployment, Endpoints, Eviction, Namespace, Node, Pod, PodDisruptionBudget, Relaxed, ReplicaSet, Service, TokenRequest,
} from '../../api/types/index.js';
import { isPlainObject } from '../../api/values.js';
import type { ApiObject } from './object-meta.js';

/**
 * What keeps a JSON object from being an API object (upstream's decoder refuses it too): an apiVersion or
 * kind that is not a string, metadata that is not an object. Undefined when nothing does.
 */
export function malformedTypeMeta(v: Record<string, unknown>): string | undefined {
  for (const f of ['apiVersion', 'kind']) if (v[f] !== undefined && typeof v[f] !== 'string') return `${f} is not a string`;
  if (v.metadata !== undefined && !isPlainObject(v.metadata)) return 'metadata is not an object';
  return undefined;
}

/**
 * Whether a JSON object has an API object's top-level shape. What lies inside metadata is its kind's
 * schema's to vouch for: a store's values were checked when written, a body by checkBodyStructure.
 */
export function isApiObject(v: Record<string, unknown>): v is ApiObject {
  return malformedTypeMeta(v) === undefined;
}

/** The apiVersion of each kind read here. */
const API_VERSIONS = {
  Pod: 'v1',
  Node: 'v1',
  Service: 'v1',
  Endpoints: 'v1',
  Namespace: 'v1',
  Binding: 'v1',
  Eviction: 'policy/v1',
  PodDisruptionBudget: 'policy/v1',
  DeleteOptions: 'v1',
  Deployment: 'apps/v1',
  ReplicaSet: 'apps/v1',
  TokenRequest: 'authentication.k8s.io/v1',
  APIService: 'apiregistration.k8s.io/v1',
} as const;

interface KindTypes {
  Pod: Pod;
  Node: Node;
  Service: Service;
  Endpoints: Endpoints;
  Namespace: Namespace;
  Binding: Binding;
  Eviction: Eviction;
  PodDisruptionBudget: PodDisruptionBudget;
  DeleteOptions: DeleteOptions;
  Deployment: Deployment;
  ReplicaSet: ReplicaSet;
  TokenRequest: TokenRequest;
  APIService: APIService;
}

export type ViewedKind = keyof typeof API_VERSIONS & keyof KindTypes;

/** An object of `K`, read through its kind's Relaxed view. */
export type KindView<K extends ViewedKind> = ApiObject & Relaxed<KindTypes[K]>;

/** Whether `obj` says it is a `kind` (of that kind's apiVersion). */
export function isKind<O extends ApiObject, K extends ViewedKind>(obj: O, kind: K): obj is O & KindView<K> {
  return obj.kind === kind && obj.apiVersion === API_VERSIONS[kind];
}

/**
 * `obj`, which the caller's store or endpoint holds to be a `kind`, as that kind's view. Another kind
 * here is a server bug, answered as upstream answers a failed type assertion in a registry: 500.
 */
export function asKind<O extends ApiObject, K extends ViewedKind>(obj: O, kind: K): O & KindView<K> {
  if (isKind(obj, kind)) return obj;
  throw errors.internal(`expected ${API_VERSIONS[kind]} ${kind}, got ${obj.apiVersion ?? '<no apiVersion>'} ${obj.kind ?? '<no kind>'}`);
}
