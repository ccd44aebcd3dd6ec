/**
 * The strategy the API server's generic store calls for a kind, made from the kind's descriptor
 * (api/kinds/descriptor.ts): its hooks, with upstream's defaults where a kind sets none. Also the
 * preparation steps several kinds share (keep the old status, keep all but status, bump the generation).
 * Nothing here does I/O.
 */
import type { StatusCause } from '../errors.js';
import type { KindDefinition, Requester, ResourceInfo, SubresourceUpdate } from '../kinds/descriptor.js';
import type { TableColumn } from './table-column.js';
import type { ObjectMeta, Relaxed } from '../types/index.js';
import { clone } from '../values.js';
import { semanticEqual, validateObjectMeta, validateObjectMetaUpdate, nameIsDNSSubdomain } from './validation.js';

export type { TableColumn } from './table-column.js';

/** An API object as the strategy steps shared by every kind see it: a JSON object with metadata. */
export interface ObjectShape {
  metadata?: Relaxed<ObjectMeta>;
  spec?: unknown;
  status?: unknown;
  [k: string]: unknown;
}

export interface ResourceStrategy {
  info: ResourceInfo;
  /** Whether the resource has a status stanza split from spec: main-resource updates keep the old status, status updates keep everything but status. */
  hasStatusSubresource: boolean;
  applyDefaults(obj: unknown): void;
  prepareForCreate(obj: unknown, requester?: Requester): void;
  prepareForUpdate(obj: unknown, old: unknown): void;
  /** Status-subresource update preparation (`PUT/PATCH .../status`). */
  prepareForStatusUpdate(obj: unknown, old: unknown): void;
  validate(obj: unknown): StatusCause[];
  validateUpdate(obj: unknown, old: unknown): StatusCause[];
  validateStatusUpdate(obj: unknown, old: unknown): StatusCause[];
  /** Graceful deletion: seconds to wait, or undefined/0 to delete now (kinds without it delete at once). */
  gracePeriod?(obj: unknown, requested: number | undefined): number | undefined;
  /** The first DELETE's change to the object (a CRD's cleanup finalizer), before it is marked for deletion. */
  prepareForDelete?(obj: unknown, now: Date): void;
  /** Why a DELETE of this name is refused (undefined: allowed); the single-object DELETE only. */
  deleteForbidden?(name: string): string | undefined;
  /** Subresources whose updates have their own preparation and validation (a CSR's approval and status). */
  subresourceUpdates: Readonly<Record<string, SubresourceUpdate<unknown>>>;
  /** Field selector getters (metadata.name / metadata.namespace included), as upstream's GetAttrs. */
  fieldSelectors: Record<string, (obj: unknown) => string>;
  /** meta.k8s.io/v1 Table columns (priority 1 = shown with -o wide). */
  tableColumns: TableColumn[];
  /** One row's cells, wide columns included (the apiserver always prints wide). */
  tableCells(obj: unknown, now: Date): unknown[];
}

function shape(o: unknown): ObjectShape {
  return o !== null && typeof o === 'object' && !Array.isArray(o) ? (o as ObjectShape) : {};
}

function metaSelectors(namespaced: boolean): Record<string, (o: unknown) => string> {
  const name = (o: unknown): string => String(shape(o).metadata?.name ?? '');
  if (!namespaced) return { 'metadata.name': name };
  return { 'metadata.name': name, 'metadata.namespace': (o) => String(shape(o).metadata?.namespace ?? '') };
}

const noop = (): void => {};

/** Keep the old status (main-resource update of a resource with a status subresource). */
export function keepOldStatus(obj: ObjectShape, old: ObjectShape | undefined): void {
  if (old?.status === undefined) delete obj.status;
  else obj.status = clone(old.status);
}

/** Status update: everything but status comes from the old object (metadata: labels/annotations may change). */
export function keepAllButStatus(obj: ObjectShape, old: ObjectShape | undefined): void {
  const status = obj.status;
  const labels = obj.metadata?.labels;
  const annotations = obj.metadata?.annotations;
  const rv = obj.metadata?.resourceVersion;
  for (const k of Object.keys(obj)) if (k !== 'status' && k !== 'apiVersion' && k !== 'kind') delete obj[k];
  for (const [k, v] of Object.entries(old ?? {})) if (k !== 'status' && k !== 'apiVersion' && k !== 'kind') obj[k] = clone(v);
  const meta = (obj.metadata ??= {});
  if (labels !== undefined) meta.labels = labels;
  if (annotations !== undefined) meta.annotations = annotations;
  if (rv !== undefined) meta.resourceVersion = rv;
  obj.status = status;
}

/** metadata.generation: the old one, plus one when the spec (and, for Deployments, the annotations) changed. */
export function bumpGenerationOnSpecChange(obj: ObjectShape, old: ObjectShape | undefined, alsoAnnotations = false): void {
  const meta = (obj.metadata ??= {});
  const oldGen = old?.metadata?.generation ?? 1;
  const changed = !semanticEqual(obj.spec, old?.spec) || (alsoAnnotations && !semanticEqual(meta.annotations, old?.metadata?.annotations));
  meta.generation = changed ? oldGen + 1 : oldGen;
}

/** Create-time step of a kind with a status subresource: status starts empty; generation 1. */
export function resetStatusAndGeneration(obj: ObjectShape): void {
  obj.status = {};
  (obj.metadata ??= {}).generation = 1;
}

const DEFAULT_COLUMNS: TableColumn[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
  { name: 'Created At', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
];

/** The strategy of a kind: its descriptor's hooks, upstream's defaults for the rest. */
export function makeStrategy(info: ResourceInfo, d: KindDefinition): ResourceStrategy {
  const hooks = d.strategy ?? {};
  const hasStatus = info.subresources.includes('status');
  const metaUpdate = (o: unknown, old: unknown): StatusCause[] => validateObjectMetaUpdate(shape(o).metadata, shape(old).metadata);
  return {
    info,
    hasStatusSubresource: hasStatus,
    applyDefaults: hooks.applyDefaults ?? noop,
    prepareForCreate: hooks.prepareForCreate ?? (hasStatus ? (o) => void (shape(o).status = {}) : noop),
    prepareForUpdate: hooks.prepareForUpdate ?? (hasStatus ? (o, old) => keepOldStatus(shape(o), shape(old)) : noop),
    prepareForStatusUpdate: hooks.prepareForStatusUpdate ?? ((o, old) => keepAllButStatus(shape(o), shape(old))),
    validate: hooks.validate ?? ((o) => validateObjectMeta(shape(o).metadata, info.namespaced, nameIsDNSSubdomain)),
    validateUpdate: hooks.validateUpdate ?? metaUpdate,
    validateStatusUpdate: hooks.validateStatusUpdate ?? metaUpdate,
    ...(hooks.gracePeriod ? { gracePeriod: hooks.gracePeriod } : {}),
    ...(hooks.prepareForDelete ? { prepareForDelete: hooks.prepareForDelete } : {}),
    ...(hooks.deleteForbidden ? { deleteForbidden: hooks.deleteForbidden } : {}),
    subresourceUpdates: hooks.subresourceUpdates ?? {},
    fieldSelectors: { ...metaSelectors(info.namespaced), ...(d.fieldSelectors ?? {}) },
    tableColumns: d.table?.columns ?? DEFAULT_COLUMNS,
    tableCells: d.table ? d.table.cells : (o) => [shape(o).metadata?.name ?? '', shape(o).metadata?.creationTimestamp ?? ''],
  };
}
