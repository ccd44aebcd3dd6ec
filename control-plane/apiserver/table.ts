/** meta.k8s.io/v1 Table responses (what kubectl get prints), from each strategy's printer columns. */
import type { ResourceStrategy, TableColumn } from '../../api/strategies/strategy.js';
import type { ListMeta, ObjectMeta, TableRow } from '../../api/types/index.js';
import type { ApiObject } from './object-meta.js';

/** The meta.k8s.io versions a Table or PartialObjectMetadata is served in (`v=` of the Accept clause). */
export type MetaApiVersion = 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';

/** A meta.k8s.io/v1 PartialObjectMetadata: an object's metadata only. */
export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: MetaApiVersion;
  metadata: ObjectMeta | undefined;
}

/** A Table as served: a watch's events after the first carry no column definitions (null, as upstream). */
export interface TableResponse {
  kind: 'Table';
  apiVersion: MetaApiVersion;
  metadata: ListMeta;
  columnDefinitions: TableColumn[] | null;
  rows: TableRow[];
}

export function partialMetadata(obj: ApiObject, apiVersion: MetaApiVersion = 'meta.k8s.io/v1'): PartialObjectMetadata {
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: obj.metadata };
}

/** `v1beta1` asks for meta.k8s.io/v1beta1, anything else (v1) for meta.k8s.io/v1. */
export function metaApiVersion(version: string): MetaApiVersion {
  return version === 'v1beta1' ? 'meta.k8s.io/v1beta1' : 'meta.k8s.io/v1';
}

export function toTable(
  strategy: ResourceStrategy,
  objs: ApiObject[],
  listMeta: { resourceVersion?: string; continue?: string },
  opts: { includeObject?: string | null; noHeaders?: boolean; now?: Date; apiVersion?: MetaApiVersion } = {},
): TableResponse {
  const now = opts.now ?? new Date();
  // includeObject: None, Metadata (the default) or Object.
  const include = opts.includeObject ?? 'Metadata';
  const rows = objs.map((o) => {
    let cells: unknown[];
    try {
      cells = strategy.tableCells(o, now);
    } catch {
      cells = [o.metadata?.name ?? '', ...strategy.tableColumns.slice(1).map(() => '<unknown>')];
    }
    const row: TableRow = { cells };
    if (include === 'Object') row.object = o;
    else if (include === 'Metadata') row.object = partialMetadata(o);
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: opts.apiVersion ?? 'meta.k8s.io/v1',
    metadata: {
      ...(listMeta.resourceVersion ? { resourceVersion: listMeta.resourceVersion } : {}),
      ...(listMeta.continue ? { continue: listMeta.continue } : {}),
    },
    columnDefinitions: opts.noHeaders ? null : strategy.tableColumns,
    rows,
  };
}
