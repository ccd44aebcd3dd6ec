/**
 * The kinds the ReplicaSet controller runs for. Upstream's replication manager (pkg/controller/replication)
 * is the ReplicaSet controller wrapped in adapters: it converts each ReplicationController to a ReplicaSet
 * (the map selector becomes `matchLabels`), decides as for a ReplicaSet, and writes pods whose controller
 * reference names a `v1` ReplicationController. Here the same: one controller, one decide, a kind row.
 */

import type { ResourceInfo } from '../../../api/resources.js';
import { R } from '../util/context.js';
import type { KubeObject, ReplicaSet, ReplicationController } from '../util/types.js';
import { REPLICA_SET_KIND, type PodOwnerKind } from './decide.js';

export interface ReplicaSetLikeKind<T extends KubeObject> {
  /** The controller's name (its logger, event source, expectations, service account). */
  controllerName: string;
  /** The owner the pods' controller references name. */
  owner: PodOwnerKind;
  resource(): ResourceInfo;
  /** The object as a ReplicaSet for the decisions (same metadata, so uid and name stay the owner's). */
  asReplicaSet(o: T): ReplicaSet;
}

export const REPLICASET_CONTROLLER = 'replicaset-controller';
export const REPLICATIONCONTROLLER_CONTROLLER = 'replicationcontroller-controller';

export const REPLICA_SETS: ReplicaSetLikeKind<ReplicaSet> = {
  controllerName: REPLICASET_CONTROLLER,
  owner: REPLICA_SET_KIND,
  resource: () => R.replicaSets,
  asReplicaSet: (rs) => rs,
};

/** Convert_v1_ReplicationController_To_apps_ReplicaSet: the map selector as matchLabels (none: selects nothing), the rest as is. */
export function replicationControllerAsReplicaSet(rc: ReplicationController): ReplicaSet {
  const spec = rc.spec ?? {};
  const out: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: rc.metadata,
    spec: {
      selector: spec.selector ? { matchLabels: { ...spec.selector } } : undefined,
      template: spec.template ?? {},
    },
  };
  if (spec.replicas !== undefined && spec.replicas !== null) out.spec!.replicas = spec.replicas;
  if (spec.minReadySeconds !== undefined && spec.minReadySeconds !== null) out.spec!.minReadySeconds = spec.minReadySeconds;
  if (rc.status) out.status = { ...rc.status };
  return out;
}

export const REPLICATION_CONTROLLERS: ReplicaSetLikeKind<ReplicationController> = {
  controllerName: REPLICATIONCONTROLLER_CONTROLLER,
  owner: { apiVersion: 'v1', kind: 'ReplicationController' },
  resource: () => R.replicationControllers,
  asReplicaSet: replicationControllerAsReplicaSet,
};
