/**
 * The pod-template-hash (controller.ComputeHash): FNV-32a over the pod template, then the
 * collisionCount as 4 little-endian bytes when set, the decimal sum encoded with
 * rand.SafeEncodeString. Upstream hashes Go's deep printing of the template; kubelab hashes the
 * template's JSON with sorted keys, so the value differs from a real cluster's but is stable.
 */

import { stableStringify } from '../../../api/values.js';
import type { PodTemplateSpec } from '../util/types.js';

/** Upstream's alphabet without vowels and look-alikes (k8s.io/apimachinery/pkg/util/rand). */
export const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each character maps to SAFE_ALPHANUMS[charCode % 27]. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHANUMS[s.charCodeAt(i) % SAFE_ALPHANUMS.length];
  return out;
}

export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(stableStringify(template ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}
