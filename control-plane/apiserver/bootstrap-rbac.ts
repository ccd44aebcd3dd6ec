/**
 * The `rbac/bootstrap-roles` post-start hook (upstream's pkg/registry/rbac/rest.PolicyData.EnsureRBACPolicy):
 * reconciles the bootstrap ClusterRoles and ClusterRoleBindings (bootstrap-policy.ts) with the API, as
 * rbac-reconcile.ts decides, and waits until the RBAC authorizer's caches hold what it wrote, so the first
 * request after start is authorized by the objects.
 */
import { KubeError } from '../../api/errors.js';
import type { ClusterRole, ClusterRoleBinding, Relaxed } from '../../api/types/index.js';
import type { BootstrapTarget } from './bootstrap.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapRoleBindings, bootstrapRoles } from './bootstrap-policy.js';
import type { ApiObject } from './object-meta.js';
import { reconcileClusterRole, reconcileClusterRoleBinding, type Reconciled } from './rbac-reconcile.js';
import type { Store } from './store.js';

const RBAC = 'rbac.authorization.k8s.io';

/** Apply one reconciliation; a conflict (someone else wrote it meanwhile) is retried from a fresh read. */
async function ensureOne<T extends Relaxed<ClusterRole> | Relaxed<ClusterRoleBinding>>(
  store: Store,
  name: string,
  decide: (existing: T | undefined) => Reconciled<T>,
  namespace?: string,
): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const existing = (await store.tryGet(namespace, name)) as T | undefined;
    const r = decide(existing);
    try {
      switch (r.op) {
        case 'none':
          return Number(existing?.metadata?.resourceVersion ?? 0);
        case 'create':
          return Number((await store.create(namespace, r.obj as ApiObject)).metadata.resourceVersion);
        case 'update':
          return Number((await store.update(namespace, name, r.obj as ApiObject)).metadata.resourceVersion);
        case 'recreate': {
          await store.delete(namespace, name);
          const fresh = structuredClone(r.obj) as ApiObject;
          if (fresh.metadata) {
            delete fresh.metadata.resourceVersion;
            delete fresh.metadata.uid;
            delete fresh.metadata.creationTimestamp;
          }
          return Number((await store.create(namespace, fresh)).metadata.resourceVersion);
        }
      }
    } catch (e) {
      const retriable = e instanceof KubeError && (e.reason === 'Conflict' || e.reason === 'AlreadyExists' || e.reason === 'NotFound');
      if (!retriable || attempt >= 4) throw e;
    }
  }
}

export async function bootstrapRbacPolicy(api: BootstrapTarget): Promise<void> {
  const roles = api.store(RBAC, 'clusterroles');
  const bindings = api.store(RBAC, 'clusterrolebindings');
  let roleRev = 0;
  for (const expected of bootstrapClusterRoles()) {
    roleRev = Math.max(roleRev, await ensureOne<Relaxed<ClusterRole>>(roles, expected.metadata.name!, (ex) => reconcileClusterRole(ex, expected)));
  }
  let bindingRev = 0;
  for (const expected of bootstrapClusterRoleBindings()) {
    bindingRev = Math.max(
      bindingRev,
      await ensureOne<Relaxed<ClusterRoleBinding>>(bindings, expected.metadata.name!, (ex) => reconcileClusterRoleBinding(ex, expected)),
    );
  }
  // The namespaced ones (a Role reconciles as a ClusterRole does: its rules; a RoleBinding as a ClusterRoleBinding).
  const nsRoles = api.store(RBAC, 'roles');
  const nsBindings = api.store(RBAC, 'rolebindings');
  for (const expected of bootstrapRoles()) {
    const ns = expected.metadata.namespace;
    roleRev = Math.max(roleRev, await ensureOne<Relaxed<ClusterRole>>(nsRoles, expected.metadata.name!, (ex) => reconcileClusterRole(ex, expected as unknown as ClusterRole), ns));
  }
  for (const expected of bootstrapRoleBindings()) {
    const ns = expected.metadata.namespace;
    bindingRev = Math.max(
      bindingRev,
      await ensureOne<Relaxed<ClusterRoleBinding>>(nsBindings, expected.metadata.name!, (ex) => reconcileClusterRoleBinding(ex, expected as unknown as ClusterRoleBinding), ns),
    );
  }
  await Promise.all([
    roles.cache.waitForRevision(roleRev, 10_000),
    bindings.cache.waitForRevision(bindingRev, 10_000),
    nsRoles.cache.waitForRevision(roleRev, 10_000),
    nsBindings.cache.waitForRevision(bindingRev, 10_000),
  ]);
}
