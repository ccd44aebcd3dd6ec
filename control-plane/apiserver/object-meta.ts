/** Small helpers on object metadata shared by the API server's handlers. */
import { randomBytes, randomUUID } from 'node:crypto';

/** upstream's utilrand alphabet for generateName suffixes (no vowels, no confusable digits). */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(n = 5): string {
  const bytes = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHANUMS[bytes[i]! % ALPHANUMS.length];
  return s;
}

/** generateName + suffix, trimmed as upstream (base cut to 58 chars). */
export function generateName(base: string): string {
  const maxBase = 63 - 5;
  return (base.length > maxBase ? base.slice(0, maxBase) : base) + randomSuffix(5);
}

export function newUid(): string {
  return randomUUID();
}

/** RFC 3339 with seconds precision, as metav1.Time serialises. */
export function nowRfc3339(d: Date = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Everything but metadata and status: what bumps metadata.generation when it changes. */
export function specOf(obj: Record<string, any>): Record<string, any> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}
