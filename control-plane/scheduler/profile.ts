/**
 * The default profile, as upstream v1.32's `default-scheduler`: plugins in upstream's order
 * (the first Filter to reject a node names the reason) and upstream's score weights
 * (TaintToleration 3, NodeAffinity 2, PodTopologySpread 2, NodeResourcesFit 1,
 * NodeResourcesBalancedAllocation 1), DefaultPreemption as the PostFilter, VolumeBinding (PreFilter, Filter, Reserve,
 * PreBind).
 */
import type { BindPlugin, Profile } from './framework.js';
import { BalancedAllocation } from './plugins/balanced-allocation.js';
import { DefaultPreemption, type DefaultPreemptionOptions } from './plugins/default-preemption.js';
import { NodeAffinity } from './plugins/node-affinity.js';
import { NodeName } from './plugins/node-name.js';
import { NodePorts } from './plugins/node-ports.js';
import { NodeResourcesFit, type NodeResourcesFitArgs } from './plugins/node-resources-fit.js';
import { NodeUnschedulable } from './plugins/node-unschedulable.js';
import { PodTopologySpread } from './plugins/pod-topology-spread.js';
import { TaintToleration } from './plugins/taint-toleration.js';
import { VolumeBinding, type VolumeBindingOptions } from './plugins/volume-binding.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export interface ProfileOptions {
  schedulerName?: string;
  nodeResourcesFit?: NodeResourcesFitArgs;
  percentageOfNodesToScore?: number;
  bind?: BindPlugin[];
  /** DefaultPreemption's clock and randomness; false leaves preemption out (upstream: disabling the plugin). */
  preemption?: DefaultPreemptionOptions | false;
  /** VolumeBinding's API adapter and timeouts (without a binder, PreBind of a pod with claims to bind fails). */
  volumeBinding?: VolumeBindingOptions;
}

export function defaultProfile(opts: ProfileOptions = {}): Profile {
  const nodeUnschedulable = new NodeUnschedulable();
  const nodeName = new NodeName();
  const taintToleration = new TaintToleration();
  const nodeAffinity = new NodeAffinity();
  const nodePorts = new NodePorts();
  const fit = new NodeResourcesFit(opts.nodeResourcesFit);
  const spread = new PodTopologySpread();
  const balanced = new BalancedAllocation();
  const volumeBinding = new VolumeBinding(opts.volumeBinding);
  return {
    schedulerName: opts.schedulerName ?? DEFAULT_SCHEDULER_NAME,
    preFilter: [nodeAffinity, nodePorts, fit, volumeBinding, spread],
    filter: [nodeUnschedulable, nodeName, taintToleration, nodeAffinity, nodePorts, fit, volumeBinding, spread],
    postFilter: opts.preemption === false ? [] : [new DefaultPreemption(opts.preemption)],
    preScore: [taintToleration, nodeAffinity, fit, spread, balanced],
    score: [
      { plugin: taintToleration, weight: 3 },
      { plugin: nodeAffinity, weight: 2 },
      { plugin: fit, weight: 1 },
      { plugin: spread, weight: 2 },
      { plugin: balanced, weight: 1 },
    ],
    reserve: [volumeBinding],
    preBind: [volumeBinding],
    bind: opts.bind ?? [],
    percentageOfNodesToScore: opts.percentageOfNodesToScore ?? 0,
  };
}
