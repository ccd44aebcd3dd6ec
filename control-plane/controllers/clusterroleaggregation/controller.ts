/**
 * The ClusterRole aggregation controller (upstream's pkg/controller/clusterroleaggregation), keyed by ClusterRole
 * name: any ClusterRole change enqueues every aggregated role; sync writes the rules `aggregatedRules` computes
 * (api/rbac/aggregation.ts) when they differ from the role's. Runs as `system:controller:clusterrole-aggregation-controller`
 * (get/list/watch/update/patch/escalate clusterroles).
 */

import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { aggregatedRules } from '../../../api/rbac/aggregation.js';
import { semanticEqual } from '../../../api/strategies/validation.js';
import { R, type ControllerContext } from '../util/context.js';
import type { ClusterRole } from '../util/types.js';

export const CLUSTERROLE_AGGREGATION_CONTROLLER = 'clusterrole-aggregation-controller';

export class ClusterRoleAggregationController extends Controller {
  private readonly roles: Informer<ClusterRole>;

  constructor(private readonly ctx: ControllerContext) {
    super({ name: CLUSTERROLE_AGGREGATION_CONTROLLER, workers: 1, logger: ctx.logger(CLUSTERROLE_AGGREGATION_CONTROLLER) });
    this.roles = ctx.informers.informerFor<ClusterRole>(R.clusterRoles);
    this.watchInformer(this.roles, {
      keysOf: () =>
        this.roles.store
          .list()
          .filter((r) => r.aggregationRule)
          .map((r) => r.metadata?.name ?? ''),
    });
  }

  protected async sync(name: string): Promise<void> {
    const role = this.roles.store.get(name);
    if (!role) return;
    const want = aggregatedRules(role, this.roles.store.list());
    if (!want || semanticEqual(want, role.rules ?? [])) return;
    await this.ctx.client.update<ClusterRole>(R.clusterRoles, { ...role, rules: want });
  }
}
