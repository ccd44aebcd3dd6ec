/**
 * Object keys, as client-go's cache.MetaNamespaceKeyFunc and SplitMetaNamespaceKey: `namespace/name`
 * for a namespaced object, `name` for a cluster-scoped one. Informers index by them, work queues carry them.
 */

/** The metadata a key is made of. */
export interface KeyedObject {
  metadata?: { name?: string; namespace?: string };
}

/** `namespace/name`, or `name` when the object has no namespace (cache.MetaNamespaceKeyFunc); `''` for a non-object. */
export function objectKey(obj: unknown): string {
  const m = (obj as KeyedObject | null | undefined)?.metadata; // any object: informers and queues are generic over their kind
  const name = m?.name ?? '';
  return m?.namespace ? `${m.namespace}/${name}` : name;
}

/** The reverse of objectKey (cache.SplitMetaNamespaceKey): the first `/` separates namespace and name. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  if (i < 0) return { namespace: undefined, name: key };
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
