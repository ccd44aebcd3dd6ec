/**
 * Node IPAM's adapter: one key for the whole allocator (the decision needs every node), enqueued
 * on any node change; patches spec.podCIDR and spec.podCIDRs.
 */

import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { R, ignoreNotFound, type ControllerContext } from '../util/context.js';
import type { Node } from '../util/types.js';
import { CidrSet, decideNodeCIDRs } from './cidr.js';

export const NODE_IPAM_CONTROLLER = 'node-ipam-controller';
const ALL = '__all_nodes__';

export interface NodeIpamOptions {
  clusterCIDR: string;
  nodeCIDRMaskSize: number;
}

export class NodeIpamController extends Controller {
  readonly set: CidrSet;
  private readonly known = new Map<string, string>();
  private readonly nodeInformer: Informer<Node>;

  constructor(
    private readonly ctx: ControllerContext,
    opts: NodeIpamOptions,
  ) {
    super({ name: NODE_IPAM_CONTROLLER, workers: 1, logger: ctx.logger(NODE_IPAM_CONTROLLER) });
    this.set = new CidrSet(opts.clusterCIDR, opts.nodeCIDRMaskSize);
    this.nodeInformer = ctx.informers.informerFor<Node>(R.nodes);
    this.watchInformer(this.nodeInformer, { keysOf: () => [ALL] });
  }

  protected async sync(): Promise<void> {
    const nodes = this.nodeInformer.store.list();
    const { actions, conflicts } = decideNodeCIDRs(this.set, nodes, this.known);
    for (const c of conflicts) this.log.warn('pod CIDR conflict', { detail: c });
    const rec = this.ctx.recorder('cidrAllocator');
    let failed: unknown;
    for (const a of actions) {
      const node = nodes.find((n) => n.metadata?.name === a.node);
      if (a.error) {
        if (node) rec.event(node, 'Normal', 'CIDRNotAvailable', `Node ${a.node} status is now: CIDRNotAvailable`);
        continue;
      }
      try {
        await ignoreNotFound(() =>
          this.ctx.client.patch(R.nodes, undefined, a.node, { spec: { podCIDR: a.podCIDR, podCIDRs: [a.podCIDR] } }, 'merge'),
        );
        this.log.info('allocated pod CIDR', { node: a.node, podCIDR: a.podCIDR });
      } catch (e) {
        failed ??= e;
        if (node) rec.event(node, 'Warning', 'CIDRAssignmentFailed', `Node ${a.node} status is now: CIDRAssignmentFailed`);
      }
    }
    if (failed) throw failed;
  }
}
