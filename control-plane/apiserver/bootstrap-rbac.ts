/**
 * The `rbac/bootstrap-roles` post-start hook (upstream's pkg/registry/rbac/rest.PolicyData.EnsureRBACPolicy):
 * reconciles the bootstrap ClusterRoles and ClusterRoleBindings (bootstrap-policy.ts) with the API, as
 * rbac-reconcile.ts decides, and waits until the RBAC authorizer's caches hold what it wrote, so the first
 * request after start is authorized by the objects.
 */
import { KubeError } from '../../api/errors.js';
import type { ClusterRole, ClusterRoleBinding, Relaxed } from '../../api/types/index.js';
import type { BootstrapTarget } from './bootstrap.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap-policy.js';
import type { ApiObject } from './object-meta.js';
import { reconcileClusterRole, reconcileClusterRoleBinding, type Reconciled } from './rbac-reconcile.js';
import type { Store } from './store.js';

const RBAC = 'rbac.authorization.k8s.io';

/** Apply one reconciliation; a conflict (someone else wrote it meanwhile) is retried from a fresh read. */
async function ensureOne<T extends Relaxed<ClusterRole> | Relaxed<ClusterRoleBinding>>(
  store: Store,
  name: string,
  decide: (existing: T | undefined) => Reconciled<T>,
): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const existing = (await store.tryGet(undefined, name)) as T | undefined;
    const r = decide(existing);
    try {
      switch (r.op) {
        case 'none':
          return Number(existing?.metadata?.resourceVersion ?? 0);
        case 'create':
          return Number((await store.create(undefined, r.obj as ApiObject)).metadata.resourceVersion);
        case 'update':
          return Number((await store.update(undefined, name, r.obj as ApiObject)).metadata.resourceVersion);
        case 'recreate': {
          await store.delete(undefined, name);
          const fresh = structuredClone(r.obj) as ApiObject;
          if (fresh.metadata) {
            delete fresh.metadata.resourceVersion;
            delete fresh.metadata.uid;
            delete fresh.metadata.creationTimestamp;
          }
          return Number((await store.create(undefined, fresh)).metadata.resourceVersion);
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
  await Promise.all([roles.cache.waitForRevision(roleRev, 10_000), bindings.cache.waitForRevision(bindingRev, 10_000)]);
}
