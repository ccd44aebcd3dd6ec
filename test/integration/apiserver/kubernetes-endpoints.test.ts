/**
 * Two `kubelab apiserver` processes over one real etcd, bound to 127.0.0.2 and 127.0.0.3 on one secure port with
 * their own --advertise-address (an HA control plane on loopback): the kubernetes Service's Endpoints list both
 * (upstream's lease endpoint reconciler), as the real kubectl shows; one that shuts down takes itself out at once,
 * one that is killed drops out when its 15 s lease expires and the survivor's next 10 s reconcile runs, and the
 * last one to shut down leaves no address behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { startApiServer, kubectlOk, type ApiHandle } from '../../support/apiserver.js';
import { freePort, waitFor } from '../../support/net.js';
import { EtcdBackend } from '../../../control-plane/storage/etcd-backend.js';
import { MASTER_LEASES_PREFIX } from '../../../control-plane/apiserver/endpoint-reconciler.js';
import { identityLeaseName } from '../../../control-plane/apiserver/identity-lease.js';
import { hostname } from 'node:os';

const A = '127.0.0.2';
const B = '127.0.0.3';
let etcd: EtcdHandle;
let port: number;
let a: ApiHandle | undefined;
let b: ApiHandle | undefined;
let reader: ApiHandle | undefined;
let leases: EtcdBackend | undefined;

const server = (ip: string, args: string[] = []) =>
  startApiServer(etcd, { mode: 'child', bindAddress: ip, port, args: [`--advertise-address=${ip}`, ...args] });

/** The addresses of Endpoints default/kubernetes and of its EndpointSlice, read with the real kubectl through `h`. */
async function endpointsVia(h: ApiHandle): Promise<{ endpoints: string[]; slice: string[] }> {
  const ep = await kubectlOk(h, ['get', 'endpoints', 'kubernetes', '-o', 'jsonpath={.subsets[*].addresses[*].ip}']);
  const slice = await kubectlOk(h, ['get', 'endpointslices.discovery.k8s.io', 'kubernetes', '-n', 'default', '-o', 'jsonpath={.endpoints[*].addresses[*]}']);
  return { endpoints: ep.split(/\s+/).filter(Boolean), slice: slice.split(/\s+/).filter(Boolean) };
}

async function leaseKeys(): Promise<string[]> {
  return (await leases!.list(MASTER_LEASES_PREFIX)).items.map((kv) => kv.key);
}

beforeAll(async () => {
  etcd = await startEtcd();
  leases = new EtcdBackend({ endpoints: [etcd.endpoint] });
  port = await freePort();
  a = await server(A);
  b = await server(B);
}, 90_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await reader?.stop();
  await leases?.close();
  await etcd?.stop();
});

describe('the kubernetes Service lists every live API server (lease endpoint reconciler)', () => {
  it('both servers are listed, sorted, in the Endpoints and the EndpointSlice; each keeps a lease', async () => {
    const want = { endpoints: [A, B], slice: [A, B] };
    await waitFor(async () => deepEq(await endpointsVia(a!), want), 15_000, 'both API servers in the kubernetes endpoints');
    expect(await endpointsVia(b!)).toEqual(want);
    const table = await kubectlOk(a!, ['get', 'endpoints', 'kubernetes']);
    expect(table).toMatch(new RegExp(`^kubernetes\\s+${A}:${port},${B}:${port}\\s`, 'm'));
    expect(await leaseKeys()).toEqual([MASTER_LEASES_PREFIX + A, MASTER_LEASES_PREFIX + B]);
  });

  it('each keeps its APIServerIdentity Lease in kube-system (one name per host: both run on this one)', async () => {
    const name = identityLeaseName(hostname());
    const out = await kubectlOk(a!, ['get', 'leases', '-n', 'kube-system', '-l', 'apiserver.kubernetes.io/identity=kube-apiserver', '-o',
      'jsonpath={range .items[*]}{.metadata.name} {.spec.holderIdentity} {.spec.leaseDurationSeconds}{"\\n"}{end}']);
    const rows = out.trim().split('\n');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(new RegExp(`^${name} ${name}_[0-9a-f-]{36} 3600$`));
  });

  it('a server shut down with SIGTERM takes itself out at once (no waiting for its lease)', async () => {
    const t0 = Date.now();
    await b!.terminate();
    expect(await leaseKeys()).toEqual([MASTER_LEASES_PREFIX + A]);
    expect(await endpointsVia(a!)).toEqual({ endpoints: [A], slice: [A] });
    expect(Date.now() - t0).toBeLessThan(10_000);
    await b!.restart();
    await waitFor(async () => deepEq(await endpointsVia(a!), { endpoints: [A, B], slice: [A, B] }), 15_000, 'the restarted server listed again');
  }, 60_000);

  it('a server killed with SIGKILL drops out within TTL + interval (15 s + 10 s), not before its lease expires', async () => {
    a!.kill();
    const t0 = Date.now();
    expect((await endpointsVia(b!)).endpoints, 'still listed: its lease has not expired').toEqual([A, B]);
    await waitFor(async () => deepEq(await endpointsVia(b!), { endpoints: [B], slice: [B] }), 30_000, 'the killed server gone from the endpoints', 500);
    const took = Date.now() - t0;
    expect(took).toBeLessThan(25_000 + 3_000);
    expect(await leaseKeys()).toEqual([MASTER_LEASES_PREFIX + B]);
  }, 60_000);

  it('the last server shut down with SIGTERM removes itself too; --endpoint-reconciler-type=none adds nobody', async () => {
    await b!.terminate();
    expect(await leaseKeys()).toEqual([]);
    reader = await server('127.0.0.4', ['--endpoint-reconciler-type=none']);
    expect(await endpointsVia(reader)).toEqual({ endpoints: [], slice: [] });
    expect(await kubectlOk(reader, ['get', 'endpoints', 'kubernetes'])).toMatch(/^kubernetes\s+<none>\s/m);
    expect(await leaseKeys()).toEqual([]);
  }, 60_000);
});

function deepEq(x: unknown, y: unknown): boolean {
  return JSON.stringify(x) === JSON.stringify(y);
}
