/**
 * upstream's APIServerIdentity: each API server keeps a coordination.k8s.io Lease `apiserver-<hash of its hostname>`
 * in kube-system (label `apiserver.kubernetes.io/identity: kube-apiserver`), holder `<name>_<uuid>`, duration 3600 s,
 * renewed every 10 s; the `apiserver-lease-gc` controller deletes identity Leases whose renewTime + duration has
 * passed (every hour). The Lease shapes and the expiry are pure functions; IdentityLeases only reads and writes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { KubeError } from '../../api/errors.js';
import { microTime } from '../../api/time.js';
import type { KubeObject } from '../../api/types/index.js';
import type { Store } from './store.js';

export const IDENTITY_LEASE_LABEL = 'apiserver.kubernetes.io/identity';
export const IDENTITY_LEASE_LABEL_VALUE = 'kube-apiserver';
export const IDENTITY_LEASE_NAMESPACE = 'kube-system';
/** upstream IdentityLeaseDurationSeconds, IdentityLeaseRenewIntervalPeriod, IdentityLeaseGCPeriod. */
export const IDENTITY_LEASE_DURATION_SECONDS = 3600;
export const IDENTITY_LEASE_RENEW_INTERVAL_MS = 10_000;
export const IDENTITY_LEASE_GC_PERIOD_MS = 3600_000;

/** RFC 4648 base32 without padding, lower case (upstream: base32.StdEncoding.WithPadding(NoPadding), ToLower). */
export function base32(bytes: Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** `apiserver-` and the first 16 bytes of sha256(hostname) in base32: the same name for the same host across restarts. */
export function identityLeaseName(hostname: string): string {
  return 'apiserver-' + base32(createHash('sha256').update(hostname).digest().subarray(0, 16));
}

interface LeaseLike {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { holderIdentity?: string | null; leaseDurationSeconds?: number | null; renewTime?: string | null };
}

/** The Lease this server writes (a new one, or `current` renewed: holder ours, renewTime now). */
export function identityLease(o: { name: string; hostname: string; holderIdentity: string; nowMs: number; current?: LeaseLike | undefined }): LeaseLike & { apiVersion: string; kind: string } {
  return {
    ...(o.current ?? {}),
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      ...(o.current?.metadata ?? {}),
      name: o.name,
      labels: { ...(o.current?.metadata?.labels ?? {}), [IDENTITY_LEASE_LABEL]: IDENTITY_LEASE_LABEL_VALUE, 'kubernetes.io/hostname': o.hostname },
    },
    spec: { ...(o.current?.spec ?? {}), holderIdentity: o.holderIdentity, leaseDurationSeconds: IDENTITY_LEASE_DURATION_SECONDS, renewTime: microTime(o.nowMs) },
  };
}

/** upstream apiserverleasegc isLeaseExpired: an identity Lease whose renewTime + leaseDurationSeconds is past (none: expired). */
export function identityLeaseExpired(lease: LeaseLike, nowMs: number): boolean {
  const renew = lease.spec?.renewTime ? Date.parse(lease.spec.renewTime) : NaN;
  const duration = lease.spec?.leaseDurationSeconds;
  if (Number.isNaN(renew) || duration == null) return true;
  return renew + duration * 1000 < nowMs;
}

/** This server's identity Lease and the garbage collection of expired ones. */
export class IdentityLeases {
  readonly name: string;
  readonly holderIdentity: string;

  constructor(
    private readonly leases: () => Store,
    private readonly hostname: string,
    private readonly now: () => number = Date.now,
  ) {
    this.name = identityLeaseName(hostname);
    this.holderIdentity = `${this.name}_${randomUUID()}`;
  }

  /** Create the Lease, or renew it. */
  async renew(): Promise<void> {
    const store = this.leases();
    const cur = await store.tryGet(IDENTITY_LEASE_NAMESPACE, this.name);
    const build = (c?: KubeObject) => identityLease({ name: this.name, hostname: this.hostname, holderIdentity: this.holderIdentity, nowMs: this.now(), current: c as LeaseLike | undefined });
    if (!cur) {
      try {
        await store.create(IDENTITY_LEASE_NAMESPACE, build() as never);
        return;
      } catch (e) {
        if (!(e instanceof KubeError && e.reason === 'AlreadyExists')) throw e;
      }
    }
    await store.systemUpdate(IDENTITY_LEASE_NAMESPACE, this.name, (o) => build(o) as unknown as KubeObject);
  }

  /** Delete every expired identity Lease (not ours: it was just renewed). Returns their names. */
  async collectGarbage(): Promise<string[]> {
    const store = this.leases();
    const list = await store.list({
      namespace: IDENTITY_LEASE_NAMESPACE,
      matches: (o) => (o.metadata?.labels as Record<string, string> | undefined)?.[IDENTITY_LEASE_LABEL] === IDENTITY_LEASE_LABEL_VALUE,
    });
    const gone: string[] = [];
    for (const l of list.items) {
      if (l.metadata.name === this.name || !identityLeaseExpired(l as LeaseLike, this.now())) continue;
      try {
        await store.delete(IDENTITY_LEASE_NAMESPACE, l.metadata.name!, { preconditions: { resourceVersion: l.metadata.resourceVersion } });
        gone.push(l.metadata.name!);
      } catch (e) {
        if (!(e instanceof KubeError && (e.reason === 'NotFound' || e.reason === 'Conflict'))) throw e;
      }
    }
    return gone;
  }
}
