/** Small helpers on object metadata shared by the API server's handlers. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { KubeObject } from '../../api/types/index.js';

/**
 * An API object whose kind the code does not name (admission's attributes, what a decoder returns): its
 * metadata typed but possibly absent (a request body), every other field unknown until the code narrows
 * it to its kind's view. A stored object is a `KubeObject` (metadata always there).
 */
export type ApiObject = Partial<KubeObject>;

/** A decoded stored value as a KubeObject (a store's decoder sets metadata; a value without it gets empty metadata). */
export function asStored(obj: ApiObject): KubeObject {
  return hasMetadata(obj) ? obj : { ...obj, metadata: {} };
}

function hasMetadata(obj: ApiObject): obj is KubeObject {
  return obj.metadata !== undefined;
}

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

/** The last instant RFC 3339 can write (four-digit years): 9999-12-31T23:59:59Z. */
export const MAX_RFC3339_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/**
 * A graceful deletion that starts at `nowMs`: when it ends and the grace period to record. Whatever a stored
 * object holds, this never throws ("Invalid time value") nor writes a time RFC 3339 cannot hold: a period
 * reaching past 9999-12-31T23:59:59Z is cut there, a fractional one counts as the next whole second, a
 * negative or NaN one as 0.
 */
export function gracefulDeletion(nowMs: number, graceSeconds: number): { deletionTimestamp: string; deletionGracePeriodSeconds: number } {
  const horizon = Math.max(0, Math.floor((MAX_RFC3339_MS - nowMs) / 1000));
  const grace = Number.isNaN(graceSeconds) ? 0 : Math.min(Math.max(0, Math.ceil(graceSeconds)), horizon);
  return { deletionTimestamp: nowRfc3339(new Date(Math.min(nowMs + grace * 1000, MAX_RFC3339_MS))), deletionGracePeriodSeconds: grace };
}
