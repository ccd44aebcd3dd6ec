/**
 * What a fresh cluster has from the start: the system namespaces, the `kubernetes` Service at the first
 * address of the service range, and its Endpoints/EndpointSlice listing this API server with the others
 * (upstream's bootstrap controller; the endpoint reconciler is endpoint-reconciler.ts), and the system PriorityClasses (upstream's post-start hook
 * `scheduling/bootstrap-system-priority-classes`).
 */
import { KubeError } from '../../api/errors.js';
import type { Store } from './store.js';
import type { EndpointReconciler } from './endpoint-reconciler.js';
import { SYSTEM_PRIORITY_CLASSES, systemPriorityClassObject } from '../../api/strategies/scheduling.js';

/**
 * The part of the API server that bootstrapping uses: a narrow view the ApiServer satisfies, so this module
 * does not import server.ts (which imports it).
 */
export interface BootstrapTarget {
  store(group: string, plural: string): Store;
  readonly serviceIPs: { readonly firstIP: string };
  readonly opts: { readonly advertiseAddress: string; readonly securePort: number };
  /** This server's place in the kubernetes Service's endpoints (endpoint-reconciler.ts). */
  readonly endpointReconciler: EndpointReconciler;
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
  await api.endpointReconciler.reconcile();
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
