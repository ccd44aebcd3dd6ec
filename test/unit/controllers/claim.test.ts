/**
 * The shared claim step (upstream's ControllerRefManager): planClaims as a table of owner,
 * selector and candidates -> claimed, adopt patches, release patches; applyClaims carrying a plan
 * out on the in-process API (canAdopt's live re-read, objects gone meanwhile).
 */
import { describe, expect, it } from 'vitest';
import { KubeError } from '../../../api/errors.js';
import { InProcessApi } from '../../support/in-process-api.js';
import { planClaims, type ClaimOwner } from '../../../control-plane/controllers/util/claim.js';
import { applyClaims } from '../../../control-plane/controllers/util/claim-apply.js';
import { R } from '../../../control-plane/controllers/util/context.js';
import type { KubeObject, LabelSelector, OwnerReference, Pod, ReplicaSet } from '../../../control-plane/controllers/util/types.js';

const DELETED = '2026-01-01T12:00:00Z';

function owner(meta: Partial<NonNullable<KubeObject['metadata']>> = {}): ClaimOwner {
  return { obj: { metadata: { name: 'web', namespace: 'default', uid: 'rs-uid', ...meta } }, apiVersion: 'apps/v1', kind: 'ReplicaSet' };
}

const OURS: OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true };
const THEIRS: OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'db', uid: 'db-uid', controller: true };
const NOT_CONTROLLER: OwnerReference = { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'cm-uid' };
const NEW_REF: OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true };

function obj(name: string, o: { labels?: Record<string, string>; refs?: OwnerReference[]; deleting?: boolean } = {}): Pod {
  const p: Pod = { metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: o.labels ?? { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  if (o.refs) p.metadata!.ownerReferences = o.refs;
  if (o.deleting) p.metadata!.deletionTimestamp = DELETED;
  return p;
}

const WEB: LabelSelector = { matchLabels: { app: 'web' } };

describe('planClaims', () => {
  const cases: {
    name: string;
    owner?: ClaimOwner;
    selector?: LabelSelector | null;
    candidates: Pod[];
    claimed: string[];
    adopt?: [string, unknown][];
    release?: [string, unknown][];
  }[] = [
    { name: 'keeps what it owns and matches', candidates: [obj('a', { refs: [OURS] })], claimed: ['a'] },
    {
      name: 'adopts a matching orphan with a controller reference (uid as precondition)',
      candidates: [obj('o')],
      claimed: ['o'],
      adopt: [['o', { metadata: { ownerReferences: [NEW_REF], uid: 'uid-o' } }]],
    },
    {
      name: 'adopting keeps the orphan’s other (non-controller) references',
      candidates: [obj('o', { refs: [NOT_CONTROLLER] })],
      claimed: ['o'],
      adopt: [['o', { metadata: { ownerReferences: [NOT_CONTROLLER, NEW_REF], uid: 'uid-o' } }]],
    },
    {
      name: 'releases what it owns that stopped matching (null when no reference is left)',
      candidates: [obj('b', { refs: [OURS], labels: { app: 'debug' } })],
      claimed: [],
      release: [['b', { metadata: { ownerReferences: null, uid: 'uid-b' } }]],
    },
    {
      name: 'releasing keeps the other references',
      candidates: [obj('b', { refs: [NOT_CONTROLLER, OURS], labels: {} })],
      claimed: [],
      release: [['b', { metadata: { ownerReferences: [NOT_CONTROLLER], uid: 'uid-b' } }]],
    },
    { name: 'leaves another controller’s objects alone, matching or not', candidates: [obj('x', { refs: [THEIRS] }), obj('y', { refs: [THEIRS], labels: {} })], claimed: [] },
    { name: 'ignores orphans that do not match', candidates: [obj('x', { labels: { app: 'db' } })], claimed: [] },
    { name: 'adopts no orphan that is being deleted', candidates: [obj('o', { deleting: true })], claimed: [] },
    {
      name: 'an owner being deleted adopts nothing and releases nothing, keeps its matching objects',
      owner: owner({ deletionTimestamp: DELETED }),
      candidates: [obj('o'), obj('b', { refs: [OURS], labels: {} }), obj('a', { refs: [OURS] })],
      claimed: ['a'],
    },
    { name: 'releases no object that is itself being deleted', candidates: [obj('b', { refs: [OURS], labels: {}, deleting: true })], claimed: [] },
    { name: 'keeps its own objects while they are being deleted', candidates: [obj('a', { refs: [OURS], deleting: true })], claimed: ['a'] },
    { name: 'an empty selector selects everything', selector: {}, candidates: [obj('o', { labels: {} })], claimed: ['o'], adopt: [['o', { metadata: { ownerReferences: [NEW_REF], uid: 'uid-o' } }]] },
    {
      name: 'a null selector selects nothing: orphans stay, own objects are released',
      selector: null,
      candidates: [obj('o'), obj('a', { refs: [OURS] })],
      claimed: [],
      release: [['a', { metadata: { ownerReferences: null, uid: 'uid-a' } }]],
    },
    {
      name: 'an invalid selector selects nothing',
      selector: { matchExpressions: [{ key: 'app', operator: 'Bogus' }] },
      candidates: [obj('o')],
      claimed: [],
    },
    {
      name: 'order of candidates is kept',
      candidates: [obj('c', { refs: [OURS] }), obj('o'), obj('a', { refs: [OURS] })],
      claimed: ['c', 'o', 'a'],
      adopt: [['o', { metadata: { ownerReferences: [NEW_REF], uid: 'uid-o' } }]],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planClaims(c.owner ?? owner(), c.selector === undefined ? WEB : c.selector, c.candidates);
      expect(plan.claimed.map((o) => o.metadata?.name)).toEqual(c.claimed);
      expect(plan.adopt.map((a) => [a.obj.metadata?.name, a.patch])).toEqual(c.adopt ?? []);
      expect(plan.release.map((r) => [r.obj.metadata?.name, r.patch])).toEqual(c.release ?? []);
    });
  }

  it('does not touch the candidates (they are cached objects)', () => {
    const o = obj('o', { refs: [NOT_CONTROLLER] });
    const before = structuredClone(o);
    planClaims(owner(), WEB, [o]);
    expect(o).toEqual(before);
  });
});

describe('applyClaims', () => {
  const rs = (meta: Partial<NonNullable<ReplicaSet['metadata']>> = {}): ReplicaSet => ({
    metadata: { name: 'web', namespace: 'default', uid: 'rs-uid', ...meta },
    spec: { selector: WEB },
  });
  const resources = { owner: R.replicaSets, objects: R.pods };

  it('patches adoptions and releases; answers what the owner owns', async () => {
    const client = new InProcessApi();
    const [live] = await client.seed<ReplicaSet>(R.replicaSets, rs());
    const ref = { ...OURS, uid: live!.metadata!.uid! }; // the server gives the ReplicaSet its uid
    const pods = await client.seed<Pod>(R.pods, obj('o'), obj('a', { refs: [ref] }), obj('b', { refs: [ref], labels: {} }));
    const plan = planClaims({ obj: live!, apiVersion: 'apps/v1', kind: 'ReplicaSet' }, WEB, pods);
    const owned = await applyClaims(client, resources, live!, plan);
    expect(owned.map((p) => p.metadata?.name)).toEqual(['o', 'a']);
    expect(client.peek<Pod>(R.pods, 'default', 'o')?.metadata?.ownerReferences).toEqual([{ ...NEW_REF, uid: live!.metadata!.uid }]);
    expect(client.peek<Pod>(R.pods, 'default', 'b')?.metadata?.ownerReferences).toBeUndefined();
    expect(client.actionsFor('get', 'replicasets')).toHaveLength(1); // canAdopt: one live read
    expect(client.actionsFor('patch', 'pods').map((a) => [a.name, a.patchType])).toEqual([
      ['o', 'merge'],
      ['b', 'merge'],
    ]);
  });

  it('reads the owner live only when there is something to adopt', async () => {
    const client = new InProcessApi();
    const [live] = await client.seed<ReplicaSet>(R.replicaSets, rs());
    const pods = await client.seed<Pod>(R.pods, obj('b', { refs: [{ ...OURS, uid: live!.metadata!.uid! }], labels: {} }));
    await applyClaims(client, resources, live!, planClaims({ obj: live!, apiVersion: 'apps/v1', kind: 'ReplicaSet' }, WEB, pods));
    expect(client.actionsFor('get')).toHaveLength(0);
    expect(client.actionsFor('patch', 'pods')).toHaveLength(1);
  });

  it.each([
    ['gone', async (_c: InProcessApi) => rs()],
    ['replaced by another of the same name', async (c: InProcessApi) => (await c.seed(R.replicaSets, rs()), rs())],
    [
      'being deleted',
      async (c: InProcessApi) => {
        const [cached] = await c.seed<ReplicaSet>(R.replicaSets, rs({ finalizers: ['foregroundDeletion'] }));
        await c.delete(R.replicaSets, 'default', 'web');
        expect(c.peek<ReplicaSet>(R.replicaSets, 'default', 'web')?.metadata?.deletionTimestamp).toBeDefined();
        return cached!;
      },
    ],
  ])('adopts nothing when the live owner is %s (canAdopt), still releases', async (_what, setUp) => {
    const client = new InProcessApi();
    const cached = await setUp(client); // the owner as the cache has it
    const ref = { ...OURS, uid: cached.metadata!.uid! };
    const pods = await client.seed<Pod>(R.pods, obj('o'), obj('a', { refs: [ref] }), obj('b', { refs: [ref], labels: {} }));
    const plan = planClaims({ obj: cached, apiVersion: 'apps/v1', kind: 'ReplicaSet' }, WEB, pods);
    expect(plan.adopt.map((a) => a.obj.metadata?.name)).toEqual(['o']);
    const owned = await applyClaims(client, resources, cached, plan);
    expect(owned.map((p) => p.metadata?.name)).toEqual(['a']);
    expect(client.peek<Pod>(R.pods, 'default', 'o')?.metadata?.ownerReferences).toBeUndefined();
    expect(client.actionsFor('patch', 'pods').map((a) => a.name)).toEqual(['b']);
  });

  it('an object gone meanwhile is neither owned nor an error; another failure is thrown', async () => {
    const client = new InProcessApi();
    const [live] = await client.seed<ReplicaSet>(R.replicaSets, rs());
    const [o] = await client.seed<Pod>(R.pods, obj('o')); // with the uid the server gave it
    const candidates = [obj('gone'), o!, obj('b', { refs: [{ ...OURS, uid: live!.metadata!.uid! }], labels: {} })];
    const plan = planClaims({ obj: live!, apiVersion: 'apps/v1', kind: 'ReplicaSet' }, WEB, candidates);
    const owned = await applyClaims(client, resources, live!, plan);
    expect(owned.map((p) => p.metadata?.name)).toEqual(['o']);

    client.injectError({ verb: 'patch', resource: 'pods', name: 'o' }, new KubeError('InternalError', 'etcd is down'));
    await expect(applyClaims(client, resources, live!, planClaims({ obj: live!, apiVersion: 'apps/v1', kind: 'ReplicaSet' }, WEB, [obj('o')]))).rejects.toThrow('etcd is down');
  });
});
