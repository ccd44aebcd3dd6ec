/**
 * What a fresh cluster has from the start: the system namespaces, the `kubernetes` Service at the first
 * address of the service range, and its Endpoints/EndpointSlice pointing at this API server (upstream's
 * bootstrap controller and endpoint reconciler), and the system PriorityClasses (upstream's post-start hook
 * `scheduling/bootstrap-system-priority-classes`).
 */
import { KubeError } from '../../api/errors.js';
import type { Store } from './store.js';
import type { EndpointSlice, Endpoints, Relaxed } from '../../api/types/index.js';
import { deepEqual } from '../../api/values.js';
import { SYSTEM_PRIORITY_CLASSES, systemPriorityClassObject } from '../../api/strategies/scheduling.js';

/**
 * The part of the API server that bootstrapping uses: a narrow view the ApiServer satisfies, so this module
 * does not import server.ts (which imports it).
 */
export interface BootstrapTarget {
  store(group: string, plural: string): Store;
  readonly serviceIPs: { readonly firstIP: string };
  readonly opts: { readonly advertiseAddress: string; readonly securePort: number };
}

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensure(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof KubeError && e.reason === 'AlreadyExists') return;
    throw e;
  }
}

export async function bootstrapCluster(api: BootstrapTarget): Promise<void> {
  const namespaces = api.store('', 'namespaces');
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(() => namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  }
  const services = api.store('', 'services');
  const existing = await services.tryGet('default', 'kubernetes');
  if (!existing) {
    await ensure(() =>
      services.create('default', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: {
          type: 'ClusterIP',
          clusterIP: api.serviceIPs.firstIP,
          sessionAffinity: 'None',
          ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: api.opts.securePort }],
        },
      }),
    );
  }
  await reconcileKubernetesEndpoints(api);
}

export async function reconcileKubernetesEndpoints(api: BootstrapTarget): Promise<void> {
  const ip = api.opts.advertiseAddress;
  const port = api.opts.securePort;
  const endpoints = api.store('', 'endpoints');
  const want: Pick<Relaxed<Endpoints>, 'subsets'> = {
    subsets: [{ addresses: [{ ip }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  };
  const cur = await endpoints.tryGet('default', 'kubernetes');
  if (!cur) {
    await ensure(() =>
      endpoints.create('default', {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
        ...want,
      }, { skipValidation: true }),
    );
  } else if (!deepEqual(cur.subsets, want.subsets)) {
    await endpoints.systemUpdate('default', 'kubernetes', (o) => ({ ...o, subsets: want.subsets }));
  }
  const slices = api.store('discovery.k8s.io', 'endpointslices');
  const wantSlice: Pick<Relaxed<EndpointSlice>, 'addressType' | 'endpoints' | 'ports'> = {
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
  const curSlice = await slices.tryGet('default', 'kubernetes');
  if (!curSlice) {
    await ensure(() =>
      slices.create('default', {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'kubernetes', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
        ...wantSlice,
      }, { skipValidation: true }),
    );
  } else if (!deepEqual(curSlice.endpoints, wantSlice.endpoints) || !deepEqual(curSlice.ports, wantSlice.ports)) {
    await slices.systemUpdate('default', 'kubernetes', (o) => ({ ...o, ...wantSlice }));
  }
}

/**
 * upstream AddSystemPriorityClasses: create `system-node-critical` and `system-cluster-critical` when missing; one
 * that exists is left as it is (its value is immutable and validation keeps system names to their values).
 */
export async function bootstrapSystemPriorityClasses(api: BootstrapTarget): Promise<void> {
  const classes = api.store('scheduling.k8s.io', 'priorityclasses');
  for (const c of SYSTEM_PRIORITY_CLASSES) {
    if (await classes.tryGet(undefined, c.name)) continue;
    await ensure(() => classes.create(undefined, systemPriorityClassObject(c)));
  }
}
