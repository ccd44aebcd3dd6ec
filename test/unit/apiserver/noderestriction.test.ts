/** NodeRestriction (pure): what a node may create, change and delete, with upstream's messages. */
import { describe, expect, it } from 'vitest';
import { runAdmissionChain, type AdmissionAttributes, type AdmissionState, type Operation } from '../../../control-plane/apiserver/admission.js';
import { forbiddenLabels, isKubeletLabel, modifiedLabels, nodeRestriction } from '../../../control-plane/apiserver/admission-noderestriction.js';
import { ADMISSION_PLUGINS } from '../../../control-plane/apiserver/admission-plugins.js';
import type { UserInfo } from '../../../control-plane/apiserver/authn.js';
import { KubeError } from '../../../api/errors.js';

type Obj = Record<string, any>;

const n1: UserInfo = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const nameless: UserInfo = { name: 'system:node:', groups: ['system:nodes', 'system:authenticated'] };

const NODE_UID = 'uid-n1';
const podOn = (node: string, name = 'p', extra: Obj = {}): Obj => ({
  metadata: { name, namespace: 'default', labels: { app: 'a' }, ...(extra.metadata ?? {}) },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'i' }], ...(extra.spec ?? {}) },
  status: extra.status ?? {},
});
const state: AdmissionState = {
  node: (name) => (name === 'n1' ? { metadata: { name: 'n1', uid: NODE_UID } } : undefined),
  pod: (_ns, name) => (name === 'on-n1' ? podOn('n1', 'on-n1') : name === 'on-n2' ? podOn('n2', 'on-n2') : undefined),
  get: () => undefined,
  list: () => [],
  read: async () => undefined,
  updateStatus: async (_g, _r, obj) => obj,
};

function attrs(operation: Operation, resource: string, o: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return { operation, group: '', resource, subresource: '', namespace: '', name: '', user: n1, dryRun: false, ...o };
}
const nodeObj = (name: string, labels: Record<string, string> = {}, spec: Obj = {}): Obj => ({ metadata: { name, labels }, spec });
const nodeCreate = (o: Obj) => attrs('CREATE', 'nodes', { name: o.metadata.name, object: o });
const nodeUpdate = (next: Obj, old: Obj, subresource = '') => attrs('UPDATE', 'nodes', { name: old.metadata.name, object: next, oldObject: old, subresource });
const LEASE = 'coordination.k8s.io';
const leaseCreate = (name: string, namespace = 'kube-node-lease') => attrs('CREATE', 'leases', { group: LEASE, namespace, name, object: { metadata: { name } } });
const mirror = (o: { annotations?: Obj; owners?: Obj[]; spec?: Obj } = {}): Obj => ({
  metadata: {
    name: 'static-web-n1',
    namespace: 'default',
    annotations: o.annotations ?? { 'kubernetes.io/config.mirror': 'hash' },
    ownerReferences: o.owners ?? [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: NODE_UID, controller: true }],
  },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }], ...(o.spec ?? {}) },
});
const podCreate = (p: Obj) => attrs('CREATE', 'pods', { namespace: 'default', name: p.metadata.name, object: p });

function check(a: AdmissionAttributes): KubeError | undefined {
  return nodeRestriction.admit(a, state);
}

describe('NodeRestriction', () => {
  const taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
  const cases: [string, AdmissionAttributes, string | undefined][] = [
    // Nodes
    ['a node registers itself with the kubelet\'s labels and taints', nodeCreate(nodeObj('n1', { 'kubernetes.io/hostname': 'n1', 'kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64', 'node.kubernetes.io/instance-type': 'x', 'kubelet.kubernetes.io/y': '1', 'example.com/z': 'z' }, { taints: [taint] })), undefined],
    ['a node may not create another Node', nodeCreate(nodeObj('n2', { 'node-role.kubernetes.io/control-plane': '' })), 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"'],
    ['a node may not register with a node-role label', nodeCreate(nodeObj('n1', { 'node-role.kubernetes.io/control-plane': '' })), 'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-role.kubernetes.io/control-plane'],
    ['a node may not register with node-restriction labels', nodeCreate(nodeObj('n1', { 'node-restriction.kubernetes.io/pci': 'x', 'a.node-restriction.kubernetes.io/b': 'y' })), 'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: a.node-restriction.kubernetes.io/b, node-restriction.kubernetes.io/pci'],
    ['a node may not register with other k8s.io labels', nodeCreate(nodeObj('n1', { 'k8s.io/x': 'y' })), 'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: k8s.io/x'],
    ['a node may not register with a configSource', nodeCreate(nodeObj('n1', {}, { configSource: { configMap: { name: 'c' } } })), 'nodes "n1" is forbidden: node "n1" is not allowed to create pods with a non-nil configSource'],
    ['a node may not add a node-role label to itself', nodeUpdate(nodeObj('n1', { 'node-role.kubernetes.io/worker': '' }), nodeObj('n1')), 'nodes "n1" is forbidden: is not allowed to modify labels: node-role.kubernetes.io/worker'],
    ['a node may not remove its node-role label', nodeUpdate(nodeObj('n1'), nodeObj('n1', { 'node-role.kubernetes.io/control-plane': '' })), 'nodes "n1" is forbidden: is not allowed to modify labels: node-role.kubernetes.io/control-plane'],
    ['a node may not add a node-restriction label to itself', nodeUpdate(nodeObj('n1', { 'node-restriction.kubernetes.io/x': '1' }), nodeObj('n1')), 'nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/x'],
    ['a node may keep labels it may not set', nodeUpdate(nodeObj('n1', { 'node-role.kubernetes.io/control-plane': '', 'example.com/a': 'b' }), nodeObj('n1', { 'node-role.kubernetes.io/control-plane': '' })), undefined],
    ['a node may not remove its taints', nodeUpdate(nodeObj('n1'), nodeObj('n1', {}, { taints: [taint] })), 'nodes "n1" is forbidden: node "n1" is not allowed to modify taints'],
    ['a node may not add taints', nodeUpdate(nodeObj('n1', {}, { taints: [taint] }), nodeObj('n1')), 'nodes "n1" is forbidden: node "n1" is not allowed to modify taints'],
    ['a node may not change taints through its status', nodeUpdate(nodeObj('n1'), nodeObj('n1', {}, { taints: [taint] }), 'status'), 'nodes "n1" is forbidden: node "n1" is not allowed to modify taints'],
    ['a node may set a configSource only to what it was', nodeUpdate(nodeObj('n1', {}, { configSource: { configMap: { name: 'c' } } }), nodeObj('n1')), 'nodes "n1" is forbidden: node "n1" is not allowed to update configSource to a new non-nil configSource'],
    ['a node updates its status', nodeUpdate({ ...nodeObj('n1', {}, { taints: [taint] }), status: { phase: 'x' } }, nodeObj('n1', {}, { taints: [taint] }), 'status'), undefined],
    ['a node may not update another Node\'s status', nodeUpdate(nodeObj('n2'), nodeObj('n2'), 'status'), 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"'],
    ['a node may not delete another Node', attrs('DELETE', 'nodes', { name: 'n2', oldObject: nodeObj('n2') }), 'nodes "Unknown" is forbidden: node "n1" is not allowed to modify node "n2"'],
    // Leases
    ['a node creates its own Lease', leaseCreate('n1'), undefined],
    ['a node may not create another node\'s Lease', leaseCreate('n2'), 'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node'],
    ['a node may not create a Lease elsewhere', leaseCreate('n1', 'kube-system'), 'leases.coordination.k8s.io "n1" is forbidden: can only access leases in the "kube-node-lease" system namespace'],
    ['a node may not update another node\'s Lease', attrs('UPDATE', 'leases', { group: LEASE, namespace: 'kube-node-lease', name: 'n2', object: { metadata: { name: 'n2' } } }), 'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node'],
    // Pods
    ['a node updates the status of its pod', attrs('UPDATE', 'pods', { subresource: 'status', namespace: 'default', name: 'p', object: podOn('n1', 'p', { status: { phase: 'Running' } }), oldObject: podOn('n1') }), undefined],
    ['a node may not update the status of another node\'s pod', attrs('UPDATE', 'pods', { subresource: 'status', namespace: 'default', name: 'p', object: podOn('n2'), oldObject: podOn('n2') }), 'pods "p" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself'],
    ['a node may not relabel a pod through its status', attrs('UPDATE', 'pods', { subresource: 'status', namespace: 'default', name: 'p', object: podOn('n1', 'p', { metadata: { labels: { app: 'b' } } }), oldObject: podOn('n1') }), 'pods "p" is forbidden: node "n1" cannot update labels through pod status'],
    ['a node may not change resource claim statuses', attrs('UPDATE', 'pods', { subresource: 'status', namespace: 'default', name: 'p', object: podOn('n1', 'p', { status: { resourceClaimStatuses: [{ name: 'x' }] } }), oldObject: podOn('n1') }), 'pods "p" is forbidden: node "n1" cannot update resource claim statues'],
    ['a node deletes its pod', attrs('DELETE', 'pods', { namespace: 'default', name: 'p', oldObject: podOn('n1') }), undefined],
    ['a node may not delete another node\'s pod', attrs('DELETE', 'pods', { namespace: 'default', name: 'p', oldObject: podOn('n2') }), 'pods "Unknown" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself'],
    ['a node may not delete an unscheduled pod', attrs('DELETE', 'pods', { namespace: 'default', name: 'p', oldObject: podOn('') }), 'pods "Unknown" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself'],
    ['a node may not update a pod', attrs('UPDATE', 'pods', { namespace: 'default', name: 'p', object: podOn('n1'), oldObject: podOn('n1') }), 'pods "p" is forbidden: unexpected operation "UPDATE", node "n1" can only create and delete mirror pods'],
    ['a node evicts its pod', attrs('CREATE', 'pods', { subresource: 'eviction', namespace: 'default', name: 'on-n1', object: { metadata: { name: 'on-n1' } } }), undefined],
    ['a node may not evict another node\'s pod', attrs('CREATE', 'pods', { subresource: 'eviction', namespace: 'default', name: 'on-n2', object: { metadata: { name: 'on-n2' } } }), 'pods "on-n2" is forbidden: node n1 can only evict pods with spec.nodeName set to itself'],
    ['a node may not bind pods', attrs('CREATE', 'pods', { subresource: 'binding', namespace: 'default', name: 'p', object: { metadata: { name: 'p' } } }), 'pods "p" is forbidden: unexpected pod subresource "binding", only \'status\' and \'eviction\' are allowed'],
    // Mirror pods
    ['a node creates a mirror pod of itself', podCreate(mirror()), undefined],
    ['a node may not create an ordinary pod', podCreate(podOn('n1', 'web')), 'pods "web" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods'],
    ['a node may not create a mirror pod for another node', podCreate({ ...mirror(), spec: { ...mirror().spec, nodeName: 'n2' } }), 'pods "static-web-n1" is forbidden: node "n1" can only create pods with spec.nodeName set to itself'],
    ['a mirror pod needs its Node as owner', podCreate(mirror({ owners: [] })), 'pods "static-web-n1" is forbidden: node "n1" can only create pods with an owner reference set to itself'],
    ['a mirror pod has one owner', podCreate(mirror({ owners: [{}, {}] })), 'pods "static-web-n1" is forbidden: node "n1" can only create pods with a single owner reference set to itself'],
    ['a mirror pod\'s owner is the node itself', podCreate(mirror({ owners: [{ apiVersion: 'v1', kind: 'Node', name: 'n2', uid: NODE_UID, controller: true }] })), 'pods "static-web-n1" is forbidden: node "n1" can only create pods with an owner reference set to itself'],
    ['a mirror pod\'s owner is its controller', podCreate(mirror({ owners: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: NODE_UID }] })), 'pods "static-web-n1" is forbidden: node "n1" can only create pods with a controller owner reference set to itself'],
    ['a mirror pod does not block its owner\'s deletion', podCreate(mirror({ owners: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: NODE_UID, controller: true, blockOwnerDeletion: true }] })), 'pods "static-web-n1" is forbidden: node "n1" must not set blockOwnerDeletion on an owner reference'],
    ['a mirror pod\'s owner has the node\'s uid', podCreate(mirror({ owners: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'other', controller: true }] })), 'pods "static-web-n1" is forbidden: node n1 UID mismatch: expected other got uid-n1'],
    ['a mirror pod may not use a service account', podCreate(mirror({ spec: { serviceAccountName: 'default' } })), 'pods "static-web-n1" is forbidden: node "n1" can not create pods that reference a service account'],
    ['a mirror pod may not read secrets', podCreate(mirror({ spec: { volumes: [{ name: 'v', secret: { secretName: 's' } }] } })), 'pods "static-web-n1" is forbidden: node "n1" can not create pods that reference secrets'],
    ['a mirror pod may not read configmaps', podCreate(mirror({ spec: { containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'cm' } }] }] } })), 'pods "static-web-n1" is forbidden: node "n1" can not create pods that reference configmaps'],
    ['a mirror pod may not use claims', podCreate(mirror({ spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }] } })), 'pods "static-web-n1" is forbidden: node "n1" can not create pods that reference persistentvolumeclaims'],
    // Other resources, other users
    ['a node records events', attrs('CREATE', 'events', { namespace: 'default', object: { metadata: { name: 'e' } } }), undefined],
    ['an admin may do what a node may not', { ...nodeCreate(nodeObj('n2', { 'node-role.kubernetes.io/control-plane': '' })), user: admin }, undefined],
    ['a node without a name may do nothing', { ...leaseCreate('n1'), user: nameless }, 'leases.coordination.k8s.io "n1" is forbidden: could not determine node from user "system:node:"'],
  ];
  for (const [name, a, want] of cases) {
    it(name, () => {
      const err = check(a);
      if (want === undefined) expect(err?.message).toBeUndefined();
      else {
        expect(err).toBeInstanceOf(KubeError);
        expect(err!.reason).toBe('Forbidden');
        expect(err!.httpStatus).toBe(403);
        expect(err!.message).toBe(want);
      }
    });
  }

  it('a refusal is a Status naming the object', () => {
    const err = check(nodeCreate(nodeObj('n2')))!;
    expect(err.toStatus()).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, details: { name: 'n2', group: '', kind: 'nodes' } });
  });

  it('a pod that is gone is 404, as upstream', () => {
    expect(check(attrs('CREATE', 'pods', { subresource: 'eviction', namespace: 'default', name: 'gone', object: { metadata: { name: 'gone' } } }))?.reason).toBe('NotFound');
    expect(check(podCreate(mirror()))).toBeUndefined();
    const noNode: AdmissionState = { ...state, node: () => undefined };
    expect(nodeRestriction.admit(podCreate(mirror()), noNode)?.message).toBe('node "n1" not found');
  });

  it('is in the admission chain and the chain throws its refusal', async () => {
    expect(ADMISSION_PLUGINS.map((p) => p.name)).toContain('NodeRestriction');
    await expect(runAdmissionChain(ADMISSION_PLUGINS, nodeCreate(nodeObj('n2')), state)).rejects.toThrow('node "n1" is not allowed to modify node "n2"');
    await expect(runAdmissionChain(ADMISSION_PLUGINS, nodeCreate(nodeObj('n1')), state)).resolves.toBeUndefined();
  });
});

describe('node labels', () => {
  it('modifiedLabels: added, removed and changed keys', () => {
    expect([...modifiedLabels({ a: '1', b: '2', c: '3' }, { a: '1', b: 'x', d: '4' })].sort()).toEqual(['b', 'c', 'd']);
  });
  it('the kubelet\'s own labels', () => {
    for (const k of ['kubernetes.io/hostname', 'kubernetes.io/arch', 'topology.kubernetes.io/zone', 'node.kubernetes.io/instance-type', 'x.kubelet.kubernetes.io/y', 'x.node.kubernetes.io/y']) expect(isKubeletLabel(k)).toBe(true);
    for (const k of ['node-role.kubernetes.io/worker', 'kubernetes.io/role', 'node-restriction.kubernetes.io/x']) expect(isKubeletLabel(k)).toBe(false);
  });
  it('forbidden: kubernetes.io and k8s.io outside the kubelet\'s set, and node-restriction.kubernetes.io', () => {
    expect(forbiddenLabels(new Set(['example.com/a', 'kubernetes.io/hostname', 'foo.k8s.io/b', 'node-role.kubernetes.io/x', 'node-restriction.kubernetes.io/y']))).toEqual([
      'foo.k8s.io/b',
      'node-restriction.kubernetes.io/y',
      'node-role.kubernetes.io/x',
    ]);
  });
});
