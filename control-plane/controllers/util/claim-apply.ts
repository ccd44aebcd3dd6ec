/**
 * Carrying out a claim plan (claim.ts): the adopt and release patches, in the one way both owning
 * controllers (ReplicaSet -> pods, Deployment -> ReplicaSets) do it.
 *
 * Before the first adoption the owner is read live once (upstream's canAdopt /
 * RecheckDeletionTimestamp): a cached owner that is gone, replaced (another uid) or being deleted
 * adopts nothing. The one live read of the step, as upstream, so that a stale cache never makes a
 * dying owner take orphans.
 */

import type { ApiClient } from '../../../api/client/api-client.js';
import type { ResourceInfo } from '../../../api/resources.js';
import type { ClaimPlan } from './claim.js';
import { ignoreNotFound, isNotFound } from './context.js';
import type { KubeObject } from './types.js';

export interface ClaimResources {
  /** The owner's resource (for the canAdopt re-read). */
  owner: ResourceInfo;
  /** The claimed objects' resource (where the patches go). */
  objects: ResourceInfo;
}

/**
 * Patch what the plan adopts and releases; answers what the owner owns afterwards: the plan's
 * `claimed` minus adoptions that did not happen (owner gone or going, the object gone). Any other
 * failed adoption is thrown (the sync is retried).
 */
export async function applyClaims<T extends KubeObject>(client: ApiClient, res: ClaimResources, owner: KubeObject, plan: ClaimPlan<T>): Promise<T[]> {
  const namespace = owner.metadata?.namespace;
  let owned = plan.claimed;
  if (plan.adopt.length) {
    const fresh = await ignoreNotFound(() => client.get<KubeObject>(res.owner, namespace, owner.metadata!.name!));
    if (!fresh || fresh.metadata?.uid !== owner.metadata?.uid || fresh.metadata?.deletionTimestamp) {
      const skipped = new Set<T>(plan.adopt.map((a) => a.obj));
      owned = owned.filter((o) => !skipped.has(o));
    } else {
      for (const a of plan.adopt) {
        try {
          await client.patch(res.objects, namespace, a.obj.metadata!.name!, a.patch, 'merge');
        } catch (e) {
          owned = owned.filter((x) => x !== a.obj);
          if (!isNotFound(e)) throw e;
        }
      }
    }
  }
  for (const r of plan.release) {
    await ignoreNotFound(() => client.patch(res.objects, namespace, r.obj.metadata!.name!, r.patch, 'merge'));
  }
  return owned;
}
