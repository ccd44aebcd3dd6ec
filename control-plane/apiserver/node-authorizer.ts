/**
 * The Node authorizer (upstream plugin/pkg/auth/authorizer/node, as in 1.32 with AuthorizeNodeWithSelectors):
 * a kubelet (user system:node:<name> in group system:nodes) may read a secret, configmap, PVC, PV or
 * ServiceAccount token only when a pod bound to its node references it (the graph), may read and watch only
 * the pods bound to it, and otherwise gets the static node rules (bootstrap-policy.ts NODE_RULES).
 * Node and pod writes are then narrowed to the node's own objects by NodeRestriction (admission).
 *
 * kubelab differs in one place: reads of Node objects follow the static node rules (every node may read all
 * Nodes, as upstream with AuthorizeNodeWithSelectors off), because the kubelab kubelet also keeps the routes
 * to the other nodes' pod CIDRs, which upstream leaves to a network plugin with its own identity.
 *
 * A pure decision: (node name, request attributes, a view of the graph) -> allow, or no opinion with a reason.
 */
import type { FieldRequirement } from '../../api/fields.js';
import { NODE_RULES } from './bootstrap-policy.js';
import type { NodeGraphView, VertexType } from './node-graph.js';
import { rulesAllow, type RuleAttributes } from './policy-rules.js';

export interface NodeAttributes extends RuleAttributes {
  namespace: string;
  /** The parsed fieldSelector of a list, watch or deletecollection. */
  fieldSelector?: readonly FieldRequirement[];
}

export type NodeDecision = { allowed: true } | { allowed: false; reason: string };

const ALLOW: NodeDecision = { allowed: true };

function noOpinion(reason: string): NodeDecision {
  return { allowed: false, reason };
}

const NODE_USER_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';

/** upstream NodeIdentity: a node is `system:node:<name>` in group system:nodes; the name may be empty. */
export function nodeIdentity(user: { name: string; groups: readonly string[] }): { isNode: boolean; name: string } {
  if (!user.name.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return { isNode: false, name: '' };
  return { isNode: true, name: user.name.slice(NODE_USER_PREFIX.length) };
}

/** The Node authorizer for a request of node `node` (nodeIdentity said isNode). */
export function authorizeNode(node: string, a: NodeAttributes, graph: NodeGraphView): NodeDecision {
  if (node === '') return noOpinion(`unknown node for user "${NODE_USER_PREFIX}"`);
  if (a.isResourceRequest) {
    const gr = `${a.group}/${a.resource}`;
    switch (gr) {
      case '/secrets':
        return readNamespacedObject(node, 'secret', a, graph);
      case '/configmaps':
        return readNamespacedObject(node, 'configmap', a, graph);
      case '/persistentvolumeclaims':
        if (a.subresource === 'status') return statusUpdate(node, 'persistentvolumeclaim', a, graph);
        return getOnly(node, 'persistentvolumeclaim', a, graph);
      case '/persistentvolumes':
        return getOnly(node, 'persistentvolume', a, graph);
      case '/serviceaccounts':
        return createToken(node, a, graph);
      case 'coordination.k8s.io/leases':
        return lease(node, a);
      case '/pods':
        return pod(node, a, graph);
    }
  }
  return rulesAllow(a, NODE_RULES) ? ALLOW : noOpinion('');
}

function related(node: string, type: VertexType, a: NodeAttributes, graph: NodeGraphView): NodeDecision {
  if (a.name === '') return noOpinion('No Object name found');
  if (!graph.hasPathFrom(node, type, a.namespace, a.name)) return noOpinion(`no relationship found between node '${node}' and this object`);
  return ALLOW;
}

/** get, list and watch of one object (a list or watch names it with fieldSelector metadata.name). */
function readNamespacedObject(node: string, type: VertexType, a: NodeAttributes, graph: NodeGraphView): NodeDecision {
  if (!['get', 'list', 'watch'].includes(a.verb)) return noOpinion('can only read resources of this type');
  if (a.subresource !== '') return noOpinion('cannot read subresource');
  if (a.namespace === '') return noOpinion('can only read namespaced object of this type');
  return related(node, type, a, graph);
}

function getOnly(node: string, type: VertexType, a: NodeAttributes, graph: NodeGraphView): NodeDecision {
  if (a.verb !== 'get') return noOpinion('can only get individual resources of this type');
  if (a.subresource !== '') return noOpinion('cannot get subresource');
  return related(node, type, a, graph);
}

function statusUpdate(node: string, type: VertexType, a: NodeAttributes, graph: NodeGraphView): NodeDecision {
  if (a.verb !== 'update' && a.verb !== 'patch') return noOpinion('can only get/update/patch this type');
  if (a.subresource !== 'status') return noOpinion('can only update status subresource');
  return related(node, type, a, graph);
}

function createToken(node: string, a: NodeAttributes, graph: NodeGraphView): NodeDecision {
  if (a.verb !== 'create' || a.name === '') return noOpinion('can only create tokens for individual service accounts');
  if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
  return related(node, 'serviceaccount', a, graph);
}

function lease(node: string, a: NodeAttributes): NodeDecision {
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) {
    return noOpinion('can only get, create, update, patch, or delete a node lease');
  }
  if (a.namespace !== 'kube-node-lease') return noOpinion('can only access leases in the "kube-node-lease" system namespace');
  // A create names no object here: NodeRestriction checks the new Lease's name.
  if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access node lease with the same name as the requesting node');
  return ALLOW;
}

function pod(node: string, a: NodeAttributes, graph: NodeGraphView): NodeDecision {
  switch (a.subresource) {
    case '':
      switch (a.verb) {
        case 'get':
          return getOnly(node, 'pod', a, graph);
        case 'list':
        case 'watch':
          if ((a.fieldSelector ?? []).some((r) => r.field === 'spec.nodeName' && r.operator === '=' && r.value === node)) return ALLOW;
          if (a.name !== '') return related(node, 'pod', a, graph);
          return noOpinion('can only list/watch pods with spec.nodeName field selector');
        case 'create':
        case 'delete':
          // mirror pods; NodeRestriction limits them to pods bound to the node
          return ALLOW;
      }
      break;
    case 'status':
      if (a.verb === 'update' || a.verb === 'patch') return ALLOW;
      break;
    case 'eviction':
      if (a.verb === 'create') return ALLOW;
      break;
  }
  return noOpinion('');
}
