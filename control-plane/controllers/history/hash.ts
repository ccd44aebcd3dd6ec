/**
 * The hashes that name what the workload controllers create (k8s.io/kubernetes/pkg/controller):
 * - `computeHash` is controller.ComputeHash: FNV-32a over the pod template, then, when a collisionCount is
 *   set, 8 bytes whose first 4 are the count little-endian; the decimal sum encoded with rand.SafeEncodeString.
 *   The Deployment's pod-template-hash and the DaemonSet's controller-revision-hash.
 * - `hashControllerRevision` is history.HashControllerRevision: FNV-32 (not 32a) over the revision's data,
 *   then the collision probe as decimal text. The StatefulSet's revision names.
 * Upstream hashes Go's deep printing of the template (or the data's raw JSON bytes); kubelab hashes JSON with
 * sorted keys (Go's json.Marshal of a map sorts them too), so a value is stable but may differ from a real cluster's.
 */

import { stableStringify } from '../../../api/values.js';
import type { PodTemplateSpec } from '../util/types.js';

/** Upstream's alphabet without vowels and look-alikes (k8s.io/apimachinery/pkg/util/rand). */
export const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/** FNV-1a, 32 bits (hash/fnv.New32a). */
export function fnv32a(bytes: Uint8Array, seed = FNV32_OFFSET): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, FNV32_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** FNV-1, 32 bits (hash/fnv.New32): multiply, then xor. */
export function fnv32(bytes: Uint8Array, seed = FNV32_OFFSET): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h = Math.imul(h, FNV32_PRIME) >>> 0;
    h = (h ^ b) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each character maps to SAFE_ALPHANUMS[charCode % 27]. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHANUMS[s.charCodeAt(i) % SAFE_ALPHANUMS.length];
  return out;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** controller.ComputeHash(template, collisionCount). */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number | null): string {
  let h = fnv32a(utf8(stableStringify(template ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

/** history.HashControllerRevision(revision, probe): over the revision's data (JSON, sorted keys) and the probe. */
export function hashControllerRevision(data: unknown, probe?: number | null): string {
  let h = data === undefined || data === null ? FNV32_OFFSET : fnv32(utf8(stableStringify(data)));
  if (probe !== undefined && probe !== null) h = fnv32(utf8(String(Math.trunc(probe))), h);
  return safeEncodeString(String(h));
}
