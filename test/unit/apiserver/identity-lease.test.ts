import { afterEach, describe, expect, it } from 'vitest';
import {
  base32,
  IDENTITY_LEASE_LABEL,
  identityLease,
  identityLeaseExpired,
  identityLeaseName,
  IdentityLeases,
} from '../../../control-plane/apiserver/identity-lease.js';
import { InProcessClient } from '../../../control-plane/apiserver/in-process-client.js';

describe('APIServerIdentity Lease names and expiry', () => {
  it.each([
    ['', ''],
    ['f', 'my'],
    ['fo', 'mzxq'],
    ['foo', 'mzxw6'],
    ['foob', 'mzxw6yq'],
    ['foobar', 'mzxw6ytboi'],
  ])('base32 %j (RFC 4648 vectors, unpadded, lower case) = %j', (input, want) => {
    expect(base32(Buffer.from(input))).toBe(want);
  });

  it('apiserver- and 26 base32 characters of the hostname\'s sha256: stable per host, distinct across hosts', () => {
    const a = identityLeaseName('controlplane01');
    expect(a).toMatch(/^apiserver-[a-z2-7]{26}$/);
    expect(identityLeaseName('controlplane01')).toBe(a);
    expect(identityLeaseName('controlplane02')).not.toBe(a);
  });

  const at = Date.parse('2026-12-05T10:00:00Z');
  it.each([
    { name: 'renewed a minute ago', renewTime: '2026-12-05T09:59:00.000000Z', duration: 3600, want: false },
    { name: 'renewed just under the duration ago', renewTime: '2026-12-05T09:00:01.000000Z', duration: 3600, want: false },
    { name: 'renewed more than the duration ago', renewTime: '2026-12-05T08:59:59.000000Z', duration: 3600, want: true },
    { name: 'no renewTime', renewTime: undefined, duration: 3600, want: true },
    { name: 'no duration', renewTime: '2026-12-05T09:59:00.000000Z', duration: undefined, want: true },
  ])('expired when $name: $want', ({ renewTime, duration, want }) => {
    expect(identityLeaseExpired({ spec: { ...(renewTime ? { renewTime } : {}), ...(duration ? { leaseDurationSeconds: duration } : {}) } }, at)).toBe(want);
  });

  it('the Lease: identity label, hostname label, holder, 3600 s, renewTime now; a renewal keeps other fields', () => {
    const l = identityLease({ name: 'apiserver-x', hostname: 'cp1', holderIdentity: 'apiserver-x_1', nowMs: at });
    expect(l).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'apiserver-x', labels: { [IDENTITY_LEASE_LABEL]: 'kube-apiserver', 'kubernetes.io/hostname': 'cp1' } },
      spec: { holderIdentity: 'apiserver-x_1', leaseDurationSeconds: 3600, renewTime: '2026-12-05T10:00:00.000000Z' },
    });
    const renewed = identityLease({ name: 'apiserver-x', hostname: 'cp1', holderIdentity: 'apiserver-x_2', nowMs: at + 10_000, current: { ...l, metadata: { ...l.metadata, labels: { ...l.metadata!.labels, a: 'b' } } } });
    expect(renewed.metadata?.labels?.a).toBe('b');
    expect(renewed.spec).toEqual({ holderIdentity: 'apiserver-x_2', leaseDurationSeconds: 3600, renewTime: '2026-12-05T10:00:10.000000Z' });
  });
});

describe('IdentityLeases over the registry', () => {
  const clients: InProcessClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.backend.close();
  });

  it('creates then renews its Lease; the GC deletes only expired identity Leases of others', async () => {
    const client = new InProcessClient();
    clients.push(client);
    await client.ready();
    let now = Date.parse('2026-12-05T10:00:00Z');
    const store = () => client.server.store('coordination.k8s.io', 'leases');
    const me = new IdentityLeases(store, 'cp1', () => now);
    await me.renew();
    const first = (await store().tryGet('kube-system', me.name)) as any;
    expect(first.spec.holderIdentity).toBe(me.holderIdentity);
    expect(first.spec.holderIdentity).toMatch(new RegExp(`^${me.name}_[0-9a-f-]{36}$`));
    now += 10_000;
    await me.renew();
    const second = (await store().tryGet('kube-system', me.name)) as any;
    expect(second.spec.renewTime).toBe('2026-12-05T10:00:10.000000Z');
    expect(second.metadata.uid).toBe(first.metadata.uid);

    const other = (host: string, renewTime: string, labelled = true) => ({
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      metadata: { name: identityLeaseName(host), labels: labelled ? { [IDENTITY_LEASE_LABEL]: 'kube-apiserver' } : {} },
      spec: { holderIdentity: host, leaseDurationSeconds: 3600, renewTime },
    });
    await store().create('kube-system', other('gone', '2026-12-05T08:00:00.000000Z') as never);
    await store().create('kube-system', other('live', '2026-12-05T09:30:00.000000Z') as never);
    await store().create('kube-system', other('not-an-apiserver', '2026-12-05T08:00:00.000000Z', false) as never);
    expect(await me.collectGarbage()).toEqual([identityLeaseName('gone')]);
    expect(await store().tryGet('kube-system', identityLeaseName('gone'))).toBeUndefined();
    expect(await store().tryGet('kube-system', identityLeaseName('live'))).toBeDefined();
    expect(await store().tryGet('kube-system', identityLeaseName('not-an-apiserver'))).toBeDefined();
    now += 7200_000; // our own Lease is never collected by us, however old
    expect(await me.collectGarbage()).toEqual([identityLeaseName('live')]);
    expect(await store().tryGet('kube-system', me.name)).toBeDefined();
  });
});
