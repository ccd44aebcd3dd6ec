/** meta.k8s.io/v1 Table responses (what kubectl get prints), from each strategy's printer columns. */
import type { ResourceStrategy } from '../../api/strategies/strategy.js';
import type { Obj } from './store.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function partialMetadata(obj: Obj): Obj {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function toTable(
  strategy: ResourceStrategy,
  objs: Obj[],
  listMeta: { resourceVersion?: string; continue?: string },
  opts: { includeObject?: string | null; noHeaders?: boolean; now?: Date } = {},
): Obj {
  const now = opts.now ?? new Date();
  const include = (opts.includeObject ?? 'Metadata') as IncludeObject;
  const rows = objs.map((o) => {
    let cells: unknown[];
    try {
      cells = strategy.tableCells(o, now);
    } catch {
      cells = [o.metadata?.name ?? '', ...strategy.tableColumns.slice(1).map(() => '<unknown>')];
    }
    const row: Obj = { cells };
    if (include === 'Object') row.object = o;
    else if (include === 'Metadata') row.object = partialMetadata(o);
    return row;
  });
  const table: Obj = {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      ...(listMeta.resourceVersion ? { resourceVersion: listMeta.resourceVersion } : {}),
      ...(listMeta.continue ? { continue: listMeta.continue } : {}),
    },
    columnDefinitions: opts.noHeaders ? null : strategy.tableColumns,
    rows,
  };
  return table;
}
