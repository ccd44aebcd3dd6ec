/**
 * A list answer (`PodList`, a custom kind's list) whose compact JSON is assembled from each item's text made
 * once (`serializedJson`): byte for byte what `JSON.stringify` of the list gives, without encoding the
 * objects again on every list. The bytes are written straight into one buffer (no joined string of the whole
 * list, no second copy to UTF-8). Other formats (YAML, protobuf, pretty JSON) encode the list object.
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
    const tail = ']}';
    const texts = new Array<string>(items.length);
    let size = Buffer.byteLength(head) + tail.length + Math.max(items.length - 1, 0);
    for (let i = 0; i < items.length; i++) {
      texts[i] = serializedJson(items[i]!);
      size += Buffer.byteLength(texts[i]!);
    }
    const out = Buffer.allocUnsafe(size);
    let at = out.write(head, 0);
    for (let i = 0; i < texts.length; i++) {
      if (i > 0) out[at++] = 0x2c; // ,
      at += out.write(texts[i]!, at);
    }
    out.write(tail, at);
    return out;
  });
}
