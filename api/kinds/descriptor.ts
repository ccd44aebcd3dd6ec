/**
 * One resource kind, described once: its names and scope (what discovery, URLs and etcd keys read),
 * its schema (validation of field types, OpenAPI, `kubectl explain`), its strategy hooks (defaults,
 * preparation, validation), its Table columns, field selectors, protobuf message and the flags the API
 * server's generic handlers branch on. A kind is one `defineKind({...})` in its group's folder and one row
 * of `BUILTIN_KINDS` (builtin.ts); the API server, discovery, OpenAPI, the protobuf decoder, the client
 * and the storage layout all read it from the registry (registry.ts).
 *
 * Pure data and pure functions: nothing here does I/O. Server-side extensions that need I/O (the
 * Service IP allocator, namespace lifecycle) are the API server's, keyed by the kind they extend.
 */
import type { TSchema } from '@sinclair/typebox';
import type { StatusCause } from '../errors.js';
import type { TableColumn } from '../strategies/table-column.js';

/** The names and scope of a resource: what URLs, discovery and the storage layout are made of. */
export interface ResourceInfo {
  group: string; // '' for core
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Subresources served, e.g. ['status', 'scale']. */
  subresources: string[];
  verbs: string[];
  /** etcd key prefix segment: /registry/<storageName>/... (upstream's layout). */
  storageName: string;
}

/** Who sends a request, as a strategy sees it (upstream's user.Info from the request context). */
export interface Requester {
  name: string;
  uid?: string;
  groups: readonly string[];
  extra?: Record<string, string[]>;
}

/**
 * An update through a subresource that writes the object itself with rules of its own (a CertificateSigningRequest's
 * `approval` and `status`, upstream's per-subresource strategies): the store starts from the stored object with the
 * request's `status`, the hook prepares it from the old object, then validates it.
 */
export interface SubresourceUpdate<T> {
  prepareForUpdate?(obj: T, old: T): void;
  validateUpdate(obj: T, old: T): StatusCause[];
}

/** Upstream's per-resource strategy hooks (pkg/registry/<group>/<resource>/strategy.go), over the kind's type. */
export interface StrategyHooks<T> {
  /** Upstream's defaulters, in place. */
  applyDefaults?(obj: T): void;
  /**
   * Create-time preparation (status cleared or set, generation 1 ...); `requester` is who creates it (a CSR records
   * its requester). Default: status {} when the kind has a status subresource.
   */
  prepareForCreate?(obj: T, requester?: Requester): void;
  /** Update-time preparation with the old object. Default: keep the old status when the kind has a status subresource. */
  prepareForUpdate?(obj: T, old: T): void;
  /** Status-subresource update: default, everything but status (and labels/annotations) comes from the old object. */
  prepareForStatusUpdate?(obj: T, old: T): void;
  /** Validation on create; default: object metadata with a DNS-1123 subdomain name. */
  validate?(obj: T): StatusCause[];
  /** Validation on update, immutable fields included; default: metadata update rules. */
  validateUpdate?(obj: T, old: T): StatusCause[];
  /** Status-subresource update validation; default: metadata update rules. */
  validateStatusUpdate?(obj: T, old: T): StatusCause[];
  /**
   * Graceful deletion (upstream's CheckGracefulDelete): the seconds to wait before the object goes, given
   * the period the request asked for; 0 or undefined deletes at once. Default: no graceful deletion.
   */
  gracePeriod?(obj: T, requested: number | undefined): number | undefined;
  /**
   * The first DELETE of an object (no deletionTimestamp yet) changes it before it is marked for deletion:
   * a CustomResourceDefinition takes its cleanup finalizer and a Terminating condition (upstream's CRD REST
   * Delete). Only finalizers and status may change here. Default: nothing.
   */
  prepareForDelete?(obj: T, now: Date): void;
  /**
   * A DELETE of one object by name the kind refuses: the reason, answered as upstream's NewForbidden (403
   * `<resource> "<name>" is forbidden: <reason>`); the system PriorityClasses (their REST Delete). As upstream,
   * only the single-object DELETE asks (a deletecollection goes through the generic store). Default: none.
   */
  deleteForbidden?(name: string): string | undefined;
  /** Subresources (named in `subresources`) whose updates write the object with their own preparation and validation. */
  subresourceUpdates?: Record<string, SubresourceUpdate<T>>;
}

/** How a kind prints as a meta.k8s.io/v1 Table (priority 1 columns = `kubectl get -o wide`). */
export interface TablePrinter<T> {
  columns: TableColumn[];
  /** One row's cells, wide columns included (the API server always prints wide). */
  cells(obj: T, now: Date): unknown[];
}

/** Converts between the served shape and the stored one, for a kind stored as another (events.k8s.io Event). */
export interface StorageConversion {
  fromStorage(stored: Record<string, unknown>): Record<string, unknown>;
  toStorage(served: Record<string, unknown>): Record<string, unknown>;
}

/**
 * How the scale subresource (autoscaling/v1 Scale) reads and writes a kind's replicas: upstream's ScaleREST
 * of Deployments and ReplicaSets, or a CRD's specReplicasPath / statusReplicasPath / labelSelectorPath.
 */
export interface ScaleAccess<T> {
  /** spec.replicas of the Scale (0 when unset). */
  specReplicas(obj: T): number;
  /** status.replicas of the Scale (0 when unset). */
  statusReplicas(obj: T): number;
  /** status.selector of the Scale: a label selector in its string form ('' when none). */
  selector(obj: T): string;
  /** Write a Scale's spec.replicas into the object. */
  setSpecReplicas(obj: T, replicas: number): void;
}

/** A user as a review sees it: the requester, or the subject a SubjectAccessReview names (upstream's user.Info). */
export interface ReviewUser {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What is authorized: upstream's authorizer.Attributes of a resource request or of a non-resource path. */
export interface ReviewAttributes {
  verb: string;
  isResourceRequest: boolean;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

/** The union authorizer's answer (allowed or not, its reason, an evaluation error). */
export interface ReviewDecision {
  allowed: boolean;
  denied: boolean;
  reason: string;
  evaluationError: string;
}

/** A rule of a rules review (upstream's ResourceRuleInfo / NonResourceRuleInfo). */
export interface ReviewRule {
  verbs: readonly string[];
  apiGroups?: readonly string[];
  resources?: readonly string[];
  resourceNames?: readonly string[];
  nonResourceURLs?: readonly string[];
}

/** The union rule resolver's answer (upstream's RuleResolver.RulesFor over the --authorization-mode authorizers). */
export interface ReviewRules {
  rules: ReviewRule[];
  incomplete: boolean;
  evaluationError: string;
}

/** What the authenticator said of a bearer token (upstream's authenticator.Response, ok, err). */
export interface ReviewTokenAnswer {
  user?: ReviewUser;
  audiences?: string[];
  error?: string;
}

/**
 * What a review may ask the API server: the requester, the request's namespace and the API server's own
 * authorizer, rule resolver and authenticator (the ones the request path uses), so that a review's hook is pure
 * logic over these capabilities.
 */
export interface ReviewContext {
  user: ReviewUser;
  /** The namespace of the request's URL ('' for a cluster-scoped kind). */
  namespace: string;
  now: Date;
  authorize(user: ReviewUser, a: ReviewAttributes): ReviewDecision;
  rulesFor(user: ReviewUser, namespace: string): ReviewRules;
  /** The request path's authenticator on a request holding only `Authorization: Bearer <token>`. */
  authenticateToken(token: string, audiences: readonly string[]): Promise<ReviewTokenAnswer>;
  /** The API server's audiences (`--api-audiences`): a TokenReview without audiences asks for these. */
  apiAudiences: readonly string[];
}

/** What a kind's file writes. Everything but the names, scope and schema has a default. */
export interface KindDefinition<T = unknown> {
  group: string;
  version: string;
  kind: string;
  plural: string;
  /** Default: kind in lower case. */
  singular?: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: string[];
  /** Default: every verb (create, delete, deletecollection, get, list, patch, update, watch). */
  verbs?: string[];
  /** Default: plural. */
  storageName?: string;
  /**
   * The kind's TypeBox schema: the upstream definition name of one declared in api/types
   * (`io.k8s.api.core.v1.Pod`), so that loading the descriptors (every client does, for the kinds' names)
   * loads no schema; or a schema object, for a kind made at run time.
   */
  schema: TSchema | string;
  /** Whether an `<Kind>List` kind exists (default true). */
  hasList?: boolean;
  /** The fully qualified protobuf message the API server decodes `application/vnd.kubernetes.protobuf` bodies with. */
  protobufMessage?: string;
  strategy?: StrategyHooks<T>;
  /** Field selectors beyond metadata.name / metadata.namespace, as upstream's GetAttrs. */
  fieldSelectors?: Record<string, (obj: T) => string>;
  /** Default: NAME and CREATED AT. */
  table?: TablePrinter<T>;
  /**
   * RBAC's privilege-escalation check on create and update (upstream's policybased storages): `rules` (Role,
   * ClusterRole: the writer must hold the rules, or be allowed `escalate`), `roleRef` (RoleBinding,
   * ClusterRoleBinding: the writer must hold the role's rules, or be allowed `bind` on it).
   */
  rbacEscalationCheck?: 'rules' | 'roleRef';
  /** PUT of a missing object creates it (upstream's AllowCreateOnUpdate). */
  allowCreateOnUpdate?: boolean;
  /** DELETE answers with the deleted object instead of a Status (upstream's ReturnDeletedObject and graceful kinds). */
  returnDeletedObject?: boolean;
  /** False for a create-only virtual resource that is never stored (pods' legacy `bindings`, the reviews). Default true. */
  stored?: boolean;
  /**
   * A review: a create-only kind that is never stored (`stored: false`, `verbs: ['create']`). A POST of the kind is
   * authorized, decoded and checked against its schema, then answered (201) with what this returns: the request's
   * object with its status filled in. A 4xx is a thrown KubeError (upstream's validation). SubjectAccessReview and
   * the other access reviews, TokenReview, SelfSubjectReview (control-plane/apiserver/README.md, *Reviews*).
   */
  review?(obj: T, ctx: ReviewContext): Promise<T> | T;
  /** Set for a kind stored in another's shape (events.k8s.io Event is stored as a core Event). */
  storageConversion?: StorageConversion;
  /**
   * Set on a descriptor that serves another version of a kind already registered with version `versionOf`
   * (a CRD's other served versions): the same objects in storage, read and written through its own
   * `storageConversion` (conversion `None`: only apiVersion changes), with its own schema and strategy.
   */
  versionOf?: string;
  /**
   * Patches this kind takes besides JSON, merge and apply patches: false for a kind without strategic-merge
   * metadata of its own (a CRD's: upstream answers a strategic merge patch with 415). Default true.
   */
  strategicMergePatch?: boolean;
  /** Every request to this version answers with this `Warning` (a CRD's deprecated version). */
  deprecationWarning?: string;
  /** The resource name encryption-at-rest configuration uses (default `plural` or `plural.group`). */
  storageResource?: string;
  /** The scale subresource's view of the kind (with 'scale' in `subresources`). */
  scale?: ScaleAccess<T>;
  /** Subresources served by the node's kubelet (log, exec, proxy ...): whether the object is a pod or a node. */
  kubeletProxyTarget?: 'pod' | 'node';
  /**
   * The `proxy` subresource goes to the object's own address instead of a kubelet: a pod's IP (`pod`) or a
   * ready endpoint of a service (`service`), as upstream's pods/proxy and services/proxy.
   */
  resourceProxy?: 'pod' | 'service';
}

/**
 * A kind's definition, typed by its object type: the hooks take `T`, the descriptor is stored as the
 * erased `KindDefinition` (the API server hands each kind only the objects of that kind).
 */
export function defineKind<T>(d: KindDefinition<T>): KindDefinition {
  return d as KindDefinition; // the one erasure point: hooks are only ever called with objects of this kind
}
