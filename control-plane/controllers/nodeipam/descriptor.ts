/** Node IPAM's row in the controller manager's table (upstream's `node-ipam-controller`). */

import { bool, num, text } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { NODE_IPAM_CONTROLLER, NodeIpamController } from './controller.js';

export interface NodeIpamFlags {
  clusterCIDR: string;
  nodeCIDRMaskSize: number;
  allocateNodeCIDRs: boolean;
}

export const nodeIpamDescriptor: ControllerDescriptor<NodeIpamFlags> = {
  name: NODE_IPAM_CONTROLLER,
  aliases: ['nodeipam'],
  flags: [
    { name: 'cluster-cidr', type: 'string', default: '10.244.0.0/16', help: "CIDR range of pods (the default is kubelab's; upstream has none)." },
    { name: 'node-cidr-mask-size', type: 'int', default: 24, help: 'Mask size of the pod CIDR given to each node.' },
    {
      name: 'allocate-node-cidrs',
      type: 'bool',
      default: true,
      help: "Give every node a pod CIDR from --cluster-cidr (the default is kubelab's; upstream's is false).",
    },
  ],
  options: (v) => ({
    clusterCIDR: text(v, 'cluster-cidr'),
    nodeCIDRMaskSize: num(v, 'node-cidr-mask-size'),
    allocateNodeCIDRs: bool(v, 'allocate-node-cidrs'),
  }),
  // Enabled but not allocating (as upstream: the controller starts only with --allocate-node-cidrs).
  build: (ctx, o) => (o.allocateNodeCIDRs ? new NodeIpamController(ctx, { clusterCIDR: o.clusterCIDR, nodeCIDRMaskSize: o.nodeCIDRMaskSize }) : undefined),
};
