/**
 * A list answer (`PodList`, a custom kind's list) whose compact JSON is assembled from each item's text made
 * once (`serializedJson`): byte for byte what `JSON.stringify` of the list gives, without encoding the
 * objects again on every list. Other formats (YAML, protobuf, pretty JSON) encode the list object.
 */
import type { KubeObject } from '../../api/types/index.js';
import { PreEncodedJson } from './http-util.js';
import { serializedJson } from './watch-cache.js';

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
}

export function listBody(kind: string, apiVersion: string, metadata: ListMeta, items: readonly KubeObject[]): PreEncodedJson {
  return new PreEncodedJson({ kind, apiVersion, metadata, items }, () => {
    const head = `{"kind":${JSON.stringify(kind)},"apiVersion":${JSON.stringify(apiVersion)},"metadata":${JSON.stringify(metadata)},"items":[`;
    const parts = new Array<string>(items.length);
    for (let i = 0; i < items.length; i++) parts[i] = serializedJson(items[i]!);
    return `${head}${parts.join(',')}]}`;
  });
}
