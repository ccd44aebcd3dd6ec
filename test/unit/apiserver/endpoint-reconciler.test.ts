import { afterEach, describe, expect, it } from 'vitest';
import {
  createEndpointReconciler,
  endpointSliceFor,
  kubernetesEndpointPorts,
  LeaseEndpointReconciler,
  MASTER_LEASES_PREFIX,
  masterCountIPs,
  NO_LEASES_MESSAGE,
  planKubernetesEndpoints,
  sliceNeedsWrite,
  StorageMasterLeases,
  type EndpointsPlan,
  type EndpointsView,
} from '../../../control-plane/apiserver/endpoint-reconciler.js';
import { InProcessClient } from '../../../control-plane/apiserver/in-process-client.js';
import { MemoryBackend } from '../../../control-plane/storage/memory-backend.js';

const P = kubernetesEndpointPorts(6443);
const mirror = { 'endpointslice.kubernetes.io/skip-mirror': 'true' };
const ep = (ips: string[], port = 6443, labels: Record<string, string> = mirror): EndpointsView => ({
  labels,
  subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: kubernetesEndpointPorts(port) }],
});
const write = (action: 'create' | 'update', ips: string[], port = 6443, labels: Record<string, string> = mirror): EndpointsPlan => ({
  action,
  labels,
  subsets: ips.length ? [{ addresses: ips.map((ip) => ({ ip })), ports: kubernetesEndpointPorts(port) }] : [],
});

describe('planKubernetesEndpoints (upstream LeaseEndpointReconciler.doReconcile)', () => {
  const cases: { name: string; current: EndpointsView | undefined; leases: string[]; port?: number; stopping?: boolean; want: EndpointsPlan }[] = [
    { name: 'first server: creates the Endpoints with its address', current: undefined, leases: ['10.0.0.1'], want: write('create', ['10.0.0.1']) },
    { name: 'a second joins: both, sorted', current: ep(['10.0.0.2']), leases: ['10.0.0.2', '10.0.0.1'], want: write('update', ['10.0.0.1', '10.0.0.2']) },
    { name: 'addresses sort as strings (RepackSubsets)', current: undefined, leases: ['10.0.0.9', '10.0.0.10'], want: write('create', ['10.0.0.10', '10.0.0.9']) },
    { name: 'one lease expired: its address goes', current: ep(['10.0.0.1', '10.0.0.2']), leases: ['10.0.0.2'], want: write('update', ['10.0.0.2']) },
    { name: 'port change: addresses kept, ports rewritten', current: ep(['10.0.0.1'], 6443), leases: ['10.0.0.1'], port: 8443, want: write('update', ['10.0.0.1'], 8443) },
    { name: 'already correct: no write', current: ep(['10.0.0.1', '10.0.0.2']), leases: ['10.0.0.1', '10.0.0.2'], want: { action: 'none' } },
    { name: 'already correct in another order: no write (upstream compares as a set)', current: ep(['10.0.0.2', '10.0.0.1']), leases: ['10.0.0.1', '10.0.0.2'], want: { action: 'none' } },
    { name: 'right addresses but no skip-mirror label: the label is set', current: ep(['10.0.0.1'], 6443, { a: 'b' }), leases: ['10.0.0.1'], want: { action: 'update', labels: { a: 'b', ...mirror }, subsets: ep(['10.0.0.1']).subsets! } },
    { name: 'a duplicated address is not right', current: ep(['10.0.0.1', '10.0.0.1']), leases: ['10.0.0.1', '10.0.0.2'], want: write('update', ['10.0.0.1', '10.0.0.2']) },
    {
      name: 'two subsets (not the lease format): remade as one',
      current: { labels: mirror, subsets: [...ep(['10.0.0.1']).subsets!, ...ep(['10.0.0.3']).subsets!] },
      leases: ['10.0.0.1'],
      want: write('update', ['10.0.0.1']),
    },
    { name: 'no lease listed while running: refused, nothing erased', current: ep(['10.0.0.1']), leases: [], want: { action: 'refuse', message: NO_LEASES_MESSAGE } },
    { name: 'the last server stopping takes itself out: no subset left', current: ep(['10.0.0.1']), leases: [], stopping: true, want: write('update', []) },
    { name: 'a server stopping with others live: they stay', current: ep(['10.0.0.1', '10.0.0.2']), leases: ['10.0.0.2'], stopping: true, want: write('update', ['10.0.0.2']) },
    { name: 'stopping with no Endpoints: nothing is made', current: undefined, leases: ['10.0.0.2'], stopping: true, want: { action: 'skip' } },
  ];
  it.each(cases)('$name', ({ current, leases, port, stopping, want }) => {
    expect(planKubernetesEndpoints({ current, leaseIPs: leases, ports: kubernetesEndpointPorts(port ?? 6443), stopping: stopping ?? false })).toEqual(want);
  });

  it('does not change the Endpoints it was given', () => {
    const cur = ep(['10.0.0.1']);
    const before = JSON.stringify(cur);
    planKubernetesEndpoints({ current: cur, leaseIPs: ['10.0.0.1', '10.0.0.2'], ports: kubernetesEndpointPorts(8443), stopping: false });
    expect(JSON.stringify(cur)).toBe(before);
  });
});

describe('masterCountIPs (upstream MasterCountEndpointReconciler)', () => {
  const cases: { name: string; current: string[] | undefined; own: string; count: number; want: string[] }[] = [
    { name: 'no Endpoints: itself', current: undefined, own: '10.0.0.1', count: 1, want: ['10.0.0.1'] },
    { name: 'count 1: only itself (the overwrite of old)', current: ['10.0.0.2'], own: '10.0.0.1', count: 1, want: ['10.0.0.1'] },
    { name: 'count 2: itself added to one other', current: ['10.0.0.2'], own: '10.0.0.1', count: 2, want: ['10.0.0.1', '10.0.0.2'] },
    { name: 'too many: the ones after itself go first', current: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], own: '10.0.0.2', count: 2, want: ['10.0.0.1', '10.0.0.2'] },
    { name: 'too many, itself last: wraps round to the front', current: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], own: '10.0.0.3', count: 2, want: ['10.0.0.2', '10.0.0.3'] },
  ];
  it.each(cases)('$name', ({ current, own, count, want }) => {
    const subsets = current ? [{ addresses: current.map((ip) => ({ ip })) }] : undefined;
    expect(masterCountIPs(subsets, own, count)).toEqual(want);
  });
});

describe('the EndpointSlice kubernetes mirrors the Endpoints', () => {
  it('one ready endpoint per address, the subset ports, IPv4 or IPv6', () => {
    expect(endpointSliceFor(ep(['10.0.0.1', '10.0.0.2']).subsets!)).toEqual({
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }, { addresses: ['10.0.0.2'], conditions: { ready: true } }],
      ports: P,
    });
    expect(endpointSliceFor(ep(['fd00::1']).subsets!).addressType).toBe('IPv6');
    expect(endpointSliceFor([])).toEqual({ addressType: 'IPv4', endpoints: [], ports: [] });
  });
  it('needs a write only when it differs', () => {
    const want = endpointSliceFor(ep(['10.0.0.1']).subsets!);
    expect(sliceNeedsWrite(undefined, want)).toBe(true);
    expect(sliceNeedsWrite(structuredClone(want), want)).toBe(false);
    expect(sliceNeedsWrite({ ...want, ports: kubernetesEndpointPorts(1) }, want)).toBe(true);
    expect(sliceNeedsWrite({ ...want, endpoints: [] }, want)).toBe(true);
  });
});

describe('LeaseEndpointReconciler over the registry and TTL leases (memory backend)', () => {
  const clients: InProcessClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.backend.close();
  });
  async function cluster() {
    const client = new InProcessClient();
    clients.push(client);
    await client.ready();
    const server = (ip: string, ttl = 15) => new LeaseEndpointReconciler(client.server, new StorageMasterLeases(client.backend, ttl), ip, P);
    const addresses = async () => {
      const e = await client.server.store('', 'endpoints').tryGet('default', 'kubernetes');
      return ((e as any)?.subsets ?? []).flatMap((s: any) => s.addresses.map((a: any) => a.ip));
    };
    const slice = async () => {
      const s = await client.server.store('discovery.k8s.io', 'endpointslices').tryGet('default', 'kubernetes');
      return ((s as any)?.endpoints ?? []).map((e: any) => e.addresses[0]);
    };
    const leases = async () => (await client.backend.list(MASTER_LEASES_PREFIX)).items.map((kv) => kv.key);
    return { client, server, addresses, slice, leases };
  }

  it('lists every live server, drops one that shuts down, and the last one takes itself out', async () => {
    const c = await cluster();
    const a = c.server('127.0.0.2');
    const b = c.server('127.0.0.3');
    await a.reconcile();
    expect(await c.addresses()).toEqual(['127.0.0.2']);
    await b.reconcile();
    expect(await c.addresses()).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(await c.slice()).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(await c.leases()).toEqual([MASTER_LEASES_PREFIX + '127.0.0.2', MASTER_LEASES_PREFIX + '127.0.0.3']);
    const rv = (await c.client.server.store('', 'endpoints').tryGet('default', 'kubernetes'))!.metadata.resourceVersion;
    await a.reconcile();
    expect((await c.client.server.store('', 'endpoints').tryGet('default', 'kubernetes'))!.metadata.resourceVersion, 'already right: no write').toBe(rv);
    await a.remove();
    expect(await c.addresses()).toEqual(['127.0.0.3']);
    expect(await c.slice()).toEqual(['127.0.0.3']);
    expect(await c.leases()).toEqual([MASTER_LEASES_PREFIX + '127.0.0.3']);
    await a.reconcile(); // stopped: does nothing, puts no lease back
    expect(await c.leases()).toEqual([MASTER_LEASES_PREFIX + '127.0.0.3']);
    await b.remove();
    expect(await c.addresses()).toEqual([]);
    expect(await c.slice()).toEqual([]);
  });

  it('a server that stops renewing drops out when its lease expires', async () => {
    const c = await cluster();
    const a = c.server('127.0.0.2', 1);
    const b = c.server('127.0.0.3', 1);
    await a.reconcile();
    await b.reconcile();
    expect(await c.addresses()).toEqual(['127.0.0.2', '127.0.0.3']);
    await new Promise((r) => setTimeout(r, 600));
    await b.reconcile();
    await new Promise((r) => setTimeout(r, 600));
    await b.reconcile();
    expect(await c.addresses()).toEqual(['127.0.0.3']);
    expect(await c.leases()).toEqual([MASTER_LEASES_PREFIX + '127.0.0.3']);
  });

  it('--endpoint-reconciler-type=none writes nothing; master-count keeps only itself with count 1', async () => {
    const c = await cluster();
    const none = createEndpointReconciler('none', { api: c.client.server, backend: c.client.backend, ip: '127.0.0.2', securePort: 6443 });
    await none.reconcile();
    expect(await c.client.server.store('', 'endpoints').tryGet('default', 'kubernetes')).toBeUndefined();
    expect(await c.leases()).toEqual([]);
    const mc = (ip: string) => createEndpointReconciler('master-count', { api: c.client.server, backend: c.client.backend, ip, securePort: 6443, apiserverCount: 1 });
    await mc('127.0.0.2').reconcile();
    await mc('127.0.0.3').reconcile();
    expect(await c.addresses()).toEqual(['127.0.0.3']);
    expect(await c.slice()).toEqual(['127.0.0.3']);
    expect(await c.leases()).toEqual([]);
  });
});
