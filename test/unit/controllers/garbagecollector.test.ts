import { describe, expect, it } from 'vitest';
import { decideGC, type GCObject } from '../../../control-plane/controllers/garbagecollector/decide.js';

const KNOWN = new Set(['apps/v1/Deployment', 'apps/v1/ReplicaSet', 'v1/Pod', 'v1/ConfigMap']);
const ref = (kind: string, name: string, uid: string, block = true) => ({
  apiVersion: kind === 'Pod' || kind === 'ConfigMap' ? 'v1' : 'apps/v1',
  kind,
  name,
  uid,
  controller: true,
  blockOwnerDeletion: block,
});

function obj(kind: string, name: string, o: Partial<GCObject> = {}): GCObject {
  return { resource: kind, apiVersion: kind === 'Pod' || kind === 'ConfigMap' ? 'v1' : 'apps/v1', kind, namespace: 'default', name, uid: name, ...o };
}

const summary = (objects: GCObject[]) =>
  decideGC({ objects, knownKinds: KNOWN }).map((a) =>
    a.type === 'delete'
      ? `delete ${a.obj.name} ${a.policy}${a.verifyAbsent.length ? ' verify' : ''}`
      : a.type === 'removeFinalizer'
        ? `unfinalize ${a.obj.name} ${a.finalizer}`
        : `refs ${a.obj.name} [${a.ownerReferences.map((r) => r.name).join(',')}]`,
  );

describe('garbage collector', () => {
  it('background: dependents of a gone owner are deleted (after verifying the owner is gone)', () => {
    expect(summary([obj('ReplicaSet', 'rs', { ownerReferences: [ref('Deployment', 'd', 'd')] }), obj('Pod', 'p', { ownerReferences: [ref('ReplicaSet', 'rs', 'rs')] })])).toEqual([
      'delete rs Background verify',
    ]);
  });

  it('a live owner keeps its dependents; an owner of a kind not watched is assumed alive', () => {
    expect(
      summary([
        obj('Deployment', 'd'),
        obj('ReplicaSet', 'rs', { ownerReferences: [ref('Deployment', 'd', 'd')] }),
        obj('ConfigMap', 'cm', { ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Thing', name: 't', uid: 't' }] }),
      ]),
    ).toEqual([]);
  });

  it('an owner recreated with the same name but a new uid is gone', () => {
    expect(summary([obj('Deployment', 'd', { uid: 'new' }), obj('ReplicaSet', 'rs', { ownerReferences: [ref('Deployment', 'd', 'old')] })])).toEqual([
      'delete rs Background verify',
    ]);
  });

  it('with one live owner left, only the dangling reference is removed', () => {
    expect(
      summary([
        obj('ConfigMap', 'owner'),
        obj('Pod', 'p', { ownerReferences: [ref('ConfigMap', 'owner', 'owner'), ref('ReplicaSet', 'gone', 'gone')] }),
      ]),
    ).toEqual(['refs p [owner]']);
  });

  it('foreground: dependents are deleted first, the finalizer goes once no blocking dependent remains', () => {
    const d = obj('Deployment', 'd', { deletionTimestamp: 'now', finalizers: ['foregroundDeletion'] });
    const rs = obj('ReplicaSet', 'rs', { ownerReferences: [ref('Deployment', 'd', 'd')] });
    const pod = obj('Pod', 'p', { ownerReferences: [ref('ReplicaSet', 'rs', 'rs')] });
    // the ReplicaSet has dependents: it is deleted in the foreground too
    expect(summary([d, rs, pod])).toEqual(['delete rs Foreground']);
    // the ReplicaSet is going (foreground), its pod's owner waits: the pod is deleted
    const rsGoing = { ...rs, deletionTimestamp: 'now', finalizers: ['foregroundDeletion'] };
    expect(summary([d, rsGoing, pod])).toEqual(['delete p Background']);
    // pod gone: the ReplicaSet's finalizer goes; then the Deployment's
    expect(summary([d, rsGoing])).toEqual(['unfinalize rs foregroundDeletion']);
    expect(summary([d])).toEqual(['unfinalize d foregroundDeletion']);
  });

  it('foreground does not wait for dependents without blockOwnerDeletion', () => {
    const d = obj('Deployment', 'd', { deletionTimestamp: 'now', finalizers: ['foregroundDeletion'] });
    const rs = obj('ReplicaSet', 'rs', { ownerReferences: [ref('Deployment', 'd', 'd', false)] });
    expect(summary([d, rs])).toEqual(['unfinalize d foregroundDeletion', 'delete rs Background']);
  });

  it('orphan: the owner reference is removed from every dependent, then the finalizer', () => {
    const d = obj('Deployment', 'd', { deletionTimestamp: 'now', finalizers: ['orphan'] });
    const rs = obj('ReplicaSet', 'rs', { ownerReferences: [ref('Deployment', 'd', 'd')] });
    expect(summary([d, rs])).toEqual(['refs rs []']);
    expect(summary([d, { ...rs, ownerReferences: [] }])).toEqual(['unfinalize d orphan']);
  });

  it('objects already being deleted are left alone', () => {
    expect(summary([obj('Pod', 'p', { deletionTimestamp: 'now', ownerReferences: [ref('ReplicaSet', 'rs', 'rs')] })])).toEqual([]);
  });
});
