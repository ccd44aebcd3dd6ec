/**
 * authorize(): the Node authorizer over a graph, then the bootstrap roles (table tests, no server).
 * The graph holds pod p1 on node01 referencing secret s1 (env), configmap cm1 (volume), secret pull (image
 * pull secret), service account sa1, and claim c1; pod p2 on node02 referencing secret s2.
 */
import { describe, expect, it } from 'vitest';
import { attributesFor, authorize, type Attributes } from '../../../control-plane/apiserver/authz.js';
import type { UserInfo } from '../../../control-plane/apiserver/authn.js';
import { NodeGraph } from '../../../control-plane/apiserver/node-graph.js';
import { parseRequestInfo } from '../../../control-plane/apiserver/request-info.js';

const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const node01: UserInfo = { name: 'system:node:node01', groups: ['system:nodes', 'system:authenticated'] };
const noName: UserInfo = { name: 'system:node:', groups: ['system:nodes', 'system:authenticated'] };
const fakeNode: UserInfo = { name: 'system:node:node01', groups: ['system:authenticated'] };
const jane: UserInfo = { name: 'jane', groups: ['system:authenticated'] };
const proxy: UserInfo = { name: 'system:kube-proxy', groups: ['system:authenticated'] };
const sched: UserInfo = { name: 'system:kube-scheduler', groups: ['system:authenticated'] };
const kcm: UserInfo = { name: 'system:kube-controller-manager', groups: ['system:authenticated'] };

const graph = new NodeGraph();
graph.setPod({
  metadata: { name: 'p1', namespace: 'default' },
  spec: {
    nodeName: 'node01',
    serviceAccountName: 'sa1',
    imagePullSecrets: [{ name: 'pull' }],
    containers: [{ name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's1', key: 'k' } } }] }],
    volumes: [{ name: 'v', configMap: { name: 'cm1' } }, { name: 'd', persistentVolumeClaim: { claimName: 'c1' } }],
  },
});
graph.setPod({ metadata: { name: 'p2', namespace: 'default' }, spec: { nodeName: 'node02', containers: [{ name: 'c', envFrom: [{ secretRef: { name: 's2' } }] }] } });

function attrs(verb: string, resource: string, extra: Partial<Attributes> = {}): Attributes {
  return { verb, group: '', resource, subresource: '', namespace: '', name: '', isResourceRequest: true, path: '', ...extra };
}
const ns = (name: string, extra: Partial<Attributes> = {}): Partial<Attributes> => ({ namespace: 'default', name, ...extra });
const lease = (verb: string, name: string, namespace = 'kube-node-lease'): Attributes => attrs(verb, 'leases', { group: 'coordination.k8s.io', namespace, name });
const nodeSel = (value: string) => [{ field: 'spec.nodeName', operator: '=' as const, value }];

describe('authorize: nodes (the Node authorizer)', () => {
  const cases: [string, Attributes, boolean, string?][] = [
    // secrets and configmaps: get only what a pod bound to the node references
    ['get a secret its pod reads from env', attrs('get', 'secrets', ns('s1')), true],
    ['get its pod\'s image pull secret', attrs('get', 'secrets', ns('pull')), true],
    ['get a secret only another node\'s pod uses', attrs('get', 'secrets', ns('s2')), false, "no relationship found between node 'node01' and this object"],
    ['get an unrelated secret', attrs('get', 'secrets', ns('admin-creds')), false, "no relationship found between node 'node01' and this object"],
    ['get a related secret in another namespace', attrs('get', 'secrets', { namespace: 'kube-system', name: 's1' }), false, "no relationship found between node 'node01' and this object"],
    ['list the secrets of a namespace', attrs('list', 'secrets', { namespace: 'default' }), false, 'No Object name found'],
    ['list the secrets of all namespaces', attrs('list', 'secrets'), false, 'can only read namespaced object of this type'],
    ['watch the secrets of a namespace', attrs('watch', 'secrets', { namespace: 'default' }), false, 'No Object name found'],
    ['list one related secret by name', attrs('list', 'secrets', ns('s1')), true],
    ['watch one related secret by name', attrs('watch', 'secrets', ns('s1')), true],
    ['watch one unrelated secret by name', attrs('watch', 'secrets', ns('s2')), false, "no relationship found between node 'node01' and this object"],
    ['update a related secret', attrs('update', 'secrets', ns('s1')), false, 'can only read resources of this type'],
    ['create a secret', attrs('create', 'secrets', { namespace: 'default' }), false, 'can only read resources of this type'],
    ['get a configmap its pod mounts', attrs('get', 'configmaps', ns('cm1')), true],
    ['get an unrelated configmap', attrs('get', 'configmaps', ns('kube-root-ca')), false, "no relationship found between node 'node01' and this object"],
    ['list configmaps', attrs('list', 'configmaps', { namespace: 'default' }), false, 'No Object name found'],
    ['get a claim its pod mounts', attrs('get', 'persistentvolumeclaims', ns('c1')), true],
    ['list claims', attrs('list', 'persistentvolumeclaims', { namespace: 'default' }), false, 'can only get individual resources of this type'],
    ['a token for its pod\'s service account', attrs('create', 'serviceaccounts', ns('sa1', { subresource: 'token' })), true],
    ['a token for another service account', attrs('create', 'serviceaccounts', ns('default', { subresource: 'token' })), false, "no relationship found between node 'node01' and this object"],
    ['read service accounts', attrs('get', 'serviceaccounts', ns('sa1')), false, 'can only create tokens for individual service accounts'],
    // pods: only those bound to the node
    ['list pods with its spec.nodeName selector', attrs('list', 'pods', { fieldSelector: nodeSel('node01') }), true],
    ['watch pods with its spec.nodeName selector', attrs('watch', 'pods', { fieldSelector: nodeSel('node01') }), true],
    ['list all pods', attrs('list', 'pods'), false, 'can only list/watch pods with spec.nodeName field selector'],
    ['watch another node\'s pods', attrs('watch', 'pods', { fieldSelector: nodeSel('node02') }), false, 'can only list/watch pods with spec.nodeName field selector'],
    ['get its pod', attrs('get', 'pods', ns('p1')), true],
    ['get another node\'s pod', attrs('get', 'pods', ns('p2')), false, "no relationship found between node 'node01' and this object"],
    ['update pod status (NodeRestriction checks the pod)', attrs('patch', 'pods', ns('p2', { subresource: 'status' })), true],
    ['delete a pod (NodeRestriction checks the pod)', attrs('delete', 'pods', ns('p1')), true],
    ['evict a pod (NodeRestriction checks the pod)', attrs('create', 'pods', ns('p1', { subresource: 'eviction' })), true],
    ['exec into a pod', attrs('create', 'pods', ns('p1', { subresource: 'exec' })), false],
    ['bind a pod', attrs('create', 'pods', ns('p1', { subresource: 'binding' })), false],
    ['update a pod', attrs('update', 'pods', ns('p1')), false],
    // leases: its own, in kube-node-lease
    ['renew its own lease', lease('update', 'node01'), true],
    ['create a lease (NodeRestriction checks the name)', lease('create', ''), true],
    ['update another node\'s lease', lease('update', 'node02'), false, 'can only access node lease with the same name as the requesting node'],
    ['get a lease elsewhere', lease('get', 'node01', 'kube-system'), false, 'can only access leases in the "kube-node-lease" system namespace'],
    ['list leases', lease('list', ''), false, 'can only get, create, update, patch, or delete a node lease'],
    // the static node rules
    ['create a Node (NodeRestriction checks the name)', attrs('create', 'nodes'), true],
    ['patch a Node (NodeRestriction checks the name)', attrs('patch', 'nodes', { name: 'node02' }), true],
    ['patch node status', attrs('patch', 'nodes', { name: 'node01', subresource: 'status' }), true],
    ['watch nodes (kubelab: routes to other nodes)', attrs('watch', 'nodes'), true],
    ['delete a Node', attrs('delete', 'nodes', { name: 'node01' }), false, ''],
    ['read services', attrs('list', 'services'), true],
    ['get endpoints', attrs('get', 'endpoints', ns('kubernetes')), true],
    ['list endpoints', attrs('list', 'endpoints', { namespace: 'default' }), false],
    ['read namespaces', attrs('get', 'namespaces', { name: 'default' }), false],
    ['read endpointslices', { ...attrs('list', 'endpointslices'), group: 'discovery.k8s.io' }, false],
    ['post events', attrs('create', 'events', { namespace: 'default' }), true],
    ['create deployments', { ...attrs('create', 'deployments', { namespace: 'default' }), group: 'apps' }, false],
  ];
  for (const [name, a, want, why] of cases) {
    it(`a node may${want ? '' : ' not'} ${name}`, () => {
      const d = authorize(node01, a, graph);
      expect(d.allowed).toBe(want);
      if (!d.allowed && why !== undefined) expect(d.why).toBe(why);
    });
  }

  it('a denial is upstream\'s message, the reason after the colon', () => {
    const d = authorize(node01, attrs('get', 'secrets', ns('s2')), graph);
    expect(d).toMatchObject({
      allowed: false,
      reason: 'secrets "s2" is forbidden: User "system:node:node01" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'node01\' and this object',
    });
    const l = authorize(node01, attrs('list', 'secrets', { namespace: 'default' }), graph);
    expect(l).toMatchObject({ reason: 'secrets is forbidden: User "system:node:node01" cannot list resource "secrets" in API group "" in the namespace "default": No Object name found' });
  });

  it('the relationship follows the pods: a deleted pod relates nothing any more', () => {
    const g = new NodeGraph();
    const p = { metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'node01', containers: [{ name: 'c', envFrom: [{ secretRef: { name: 'x' } }] }] } };
    g.setPod(p);
    expect(authorize(node01, attrs('get', 'secrets', ns('x')), g).allowed).toBe(true);
    g.deletePod(p);
    expect(authorize(node01, attrs('get', 'secrets', ns('x')), g).allowed).toBe(false);
  });

  it('a node without a name is not a node the authorizer knows', () => {
    expect(authorize(noName, attrs('get', 'secrets', ns('s1')), graph)).toMatchObject({ allowed: false, why: 'unknown node for user "system:node:"' });
  });

  it('a user called system:node:x outside system:nodes is no node', () => {
    expect(authorize(fakeNode, attrs('patch', 'nodes', { name: 'node01', subresource: 'status' }), graph).allowed).toBe(false);
    expect(authorize(fakeNode, attrs('get', 'secrets', ns('s1')), graph).allowed).toBe(false);
  });
});

describe('authorize: the bootstrap roles', () => {
  const apps = (verb: string, resource: string, extra: Partial<Attributes> = {}) => ({ ...attrs(verb, resource, extra), group: 'apps' });
  const coord = (verb: string, name: string) => attrs(verb, 'leases', { group: 'coordination.k8s.io', namespace: 'kube-system', name });
  const cases: [string, UserInfo, Attributes, boolean][] = [
    ['masters may do anything', admin, attrs('delete', 'nodes', { name: 'x' }), true],
    ['masters may exec', admin, attrs('create', 'pods', ns('p1', { subresource: 'exec' })), true],
    ['anyone authenticated reads discovery', jane, { ...attrs('get', ''), isResourceRequest: false, path: '/apis/apps/v1' }, true],
    ['anyone authenticated may ask who they are', jane, { ...attrs('create', 'selfsubjectreviews'), group: 'authentication.k8s.io' }, true],
    ['a user without a role may not list pods', jane, attrs('list', 'pods', { namespace: 'default' }), false],
    ['a user without a role may not read metrics', jane, { ...attrs('get', ''), isResourceRequest: false, path: '/metrics' }, false],
    // kube-proxy: system:node-proxier
    ['the proxy watches endpointslices', proxy, { ...attrs('watch', 'endpointslices'), group: 'discovery.k8s.io' }, true],
    ['the proxy watches its node', proxy, attrs('watch', 'nodes', { name: 'node01' }), true],
    ['the proxy may not delete services', proxy, attrs('delete', 'services', ns('s')), false],
    ['the proxy may not read secrets', proxy, attrs('get', 'secrets', ns('s1')), false],
    // kube-scheduler: system:kube-scheduler + system:volume-scheduler
    ['the scheduler watches pods', sched, attrs('watch', 'pods'), true],
    ['the scheduler watches nodes', sched, attrs('watch', 'nodes'), true],
    ['the scheduler watches replicasets', sched, apps('watch', 'replicasets'), true],
    ['the scheduler binds', sched, attrs('create', 'pods', ns('p1', { subresource: 'binding' })), true],
    ['the scheduler binds (legacy bindings)', sched, attrs('create', 'bindings', { namespace: 'default' }), true],
    ['the scheduler sets PodScheduled', sched, attrs('patch', 'pods', ns('p1', { subresource: 'status' })), true],
    ['the scheduler records events', sched, attrs('create', 'events', { namespace: 'default' }), true],
    ['the scheduler renews its lease', sched, coord('update', 'kube-scheduler'), true],
    ['the scheduler creates its lease', sched, coord('create', ''), true],
    ['the scheduler may not take another lease', sched, coord('update', 'kube-controller-manager'), false],
    ['the scheduler may not read secrets', sched, attrs('get', 'secrets', ns('s1')), false],
    ['the scheduler may not list secrets', sched, attrs('list', 'secrets'), false],
    ['the scheduler may not exec', sched, attrs('create', 'pods', ns('p1', { subresource: 'exec' })), false],
    ['the scheduler may not create pods', sched, attrs('create', 'pods', { namespace: 'default' }), false],
    ['the scheduler may not update nodes', sched, attrs('update', 'nodes', { name: 'node01' }), false],
    ['the scheduler may not create deployments', sched, apps('create', 'deployments', { namespace: 'default' }), false],
    // kube-controller-manager: its role + the roles of the controllers kubelab runs
    ['the controller manager lists everything', kcm, attrs('list', 'secrets'), true],
    ['the controller manager creates pods', kcm, attrs('create', 'pods', { namespace: 'default' }), true],
    ['the controller manager deletes pods', kcm, attrs('delete', 'pods', ns('p1')), true],
    ['the controller manager creates replicasets', kcm, apps('create', 'replicasets', { namespace: 'default' }), true],
    ['the controller manager updates deployment status', kcm, apps('update', 'deployments', ns('d', { subresource: 'status' })), true],
    ['the controller manager patches deployments (GC)', kcm, apps('patch', 'deployments', ns('d')), true],
    ['the controller manager allocates pod CIDRs', kcm, attrs('patch', 'nodes', { name: 'node01' }), true],
    ['the controller manager taints nodes', kcm, attrs('update', 'nodes', { name: 'node01' }), true],
    ['the controller manager marks nodes unknown', kcm, attrs('update', 'nodes', { name: 'node01', subresource: 'status' }), true],
    ['the controller manager finalizes namespaces', kcm, attrs('update', 'namespaces', { name: 'team', subresource: 'finalize' }), true],
    ['the controller manager empties namespaces', kcm, attrs('delete', 'configmaps', ns('x')), true],
    ['the controller manager writes endpoints', kcm, attrs('create', 'endpoints', { namespace: 'default' }), true],
    ['the controller manager writes endpointslices', kcm, { ...attrs('update', 'endpointslices', ns('x')), group: 'discovery.k8s.io' }, true],
    ['the controller manager creates service accounts', kcm, attrs('create', 'serviceaccounts', { namespace: 'default' }), true],
    ['the controller manager renews its lease', kcm, coord('update', 'kube-controller-manager'), true],
    ['the controller manager may not exec', kcm, attrs('create', 'pods', ns('p1', { subresource: 'exec' })), false],
    ['the controller manager may not port-forward', kcm, attrs('create', 'pods', ns('p1', { subresource: 'portforward' })), false],
    ['the controller manager may not create deployments', kcm, apps('create', 'deployments', { namespace: 'default' }), false],
    // upstream's system:controller:root-ca-cert-publisher: kube-root-ca.crt in every namespace
    ['the controller manager publishes kube-root-ca.crt (creates configmaps)', kcm, attrs('create', 'configmaps', { namespace: 'default' }), true],
    ['the controller manager may not bind pods', kcm, attrs('create', 'pods', ns('p1', { subresource: 'binding' })), false],
    ['the controller manager may not create namespaces', kcm, attrs('create', 'namespaces'), false],
  ];
  for (const [name, user, a, want] of cases) {
    it(name, () => {
      expect(authorize(user, a, graph).allowed).toBe(want);
    });
  }

  it('a denial names the user, verb, resource, group and scope', () => {
    const d = authorize(jane, attrs('list', 'pods', { namespace: 'default' }));
    expect(d).toEqual({ allowed: false, why: '', reason: 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"' });
    const s = authorize(sched, attrs('create', 'pods', ns('p1', { subresource: 'exec' })));
    expect(s).toMatchObject({ reason: 'pods "p1" is forbidden: User "system:kube-scheduler" cannot create resource "pods/exec" in API group "" in the namespace "default"' });
  });
});

describe('attributesFor', () => {
  const a = (method: string, path: string, q = '') => attributesFor(parseRequestInfo(method, path, new URLSearchParams(q)), new URLSearchParams(q));
  it('a list or watch with fieldSelector metadata.name names the object', () => {
    expect(a('GET', '/api/v1/namespaces/default/secrets', 'fieldSelector=metadata.name%3Ds1')).toMatchObject({ verb: 'list', name: 's1' });
    expect(a('GET', '/api/v1/namespaces/default/secrets', 'watch=1&fieldSelector=metadata.name%3Ds1')).toMatchObject({ verb: 'watch', name: 's1' });
  });
  it('other selectors name nothing but are kept', () => {
    const x = a('GET', '/api/v1/pods', 'fieldSelector=spec.nodeName%3Dnode01');
    expect(x.name).toBe('');
    expect(x.fieldSelector).toEqual([{ field: 'spec.nodeName', operator: '=', value: 'node01' }]);
    expect(a('GET', '/api/v1/namespaces/default/secrets', 'fieldSelector=metadata.name!%3Ds1').name).toBe('');
    expect(a('DELETE', '/api/v1/namespaces/default/secrets', 'fieldSelector=metadata.name%3Ds1').name).toBe('');
  });
  it('a malformed selector narrows nothing (the handler answers 400)', () => {
    expect(a('GET', '/api/v1/namespaces/default/secrets', 'fieldSelector=%3D%3D%3D').name).toBe('');
  });
});
