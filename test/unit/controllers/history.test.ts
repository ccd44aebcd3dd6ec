import { describe, expect, it } from 'vitest';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  HISTORY_HASH_LABEL,
  claimRevisions,
  computeHash,
  controllerRevisionName,
  dedupCurrent,
  equalRevision,
  findEqualRevisions,
  maxRevision,
  newControllerRevision,
  nextRevision,
  ownedRevisions,
  revisionMatchesTemplate,
  revisionsToTruncate,
  sortRevisions,
  splitRevisions,
  templatePatch,
} from '../../../control-plane/controllers/history/history.js';
import { fnv32, fnv32a, hashControllerRevision, safeEncodeString } from '../../../control-plane/controllers/history/hash.js';
import { stableStringify } from '../../../api/values.js';
import type { ControllerRevision, PodTemplateSpec } from '../../../control-plane/controllers/util/types.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const template = (image: string): PodTemplateSpec => ({ metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image }] } });

function rev(name: string, revision: number, extra: Partial<ControllerRevision> = {}): ControllerRevision {
  return { metadata: { name, namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z', ...(extra.metadata ?? {}) }, revision, data: extra.data ?? { n: name } };
}

describe('hashes', () => {
  it('FNV-1 and FNV-1a 32 match the reference vectors', () => {
    expect(fnv32(enc(''))).toBe(0x811c9dc5);
    expect(fnv32(enc('a'))).toBe(0x050c5d7e);
    expect(fnv32(enc('foobar'))).toBe(0x31f0b262);
    expect(fnv32a(enc('a'))).toBe(0xe40c292c);
    expect(fnv32a(enc('foobar'))).toBe(0xbf9cf968);
  });

  it('computeHash appends 8 bytes (the collisionCount little-endian in the first 4), as controller.ComputeHash', () => {
    const t = template('nginx:1');
    const json = enc(stableStringify(t));
    const withCount = new Uint8Array(json.length + 8);
    withCount.set(json);
    withCount[json.length] = 2;
    expect(computeHash(t, 2)).toBe(safeEncodeString(String(fnv32a(withCount))));
    expect(computeHash(t)).toBe(safeEncodeString(String(fnv32a(json))));
    expect(computeHash(t, 0)).not.toBe(computeHash(t));
    expect(computeHash(t)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });

  it('hashControllerRevision is FNV-1 over the data, then the probe as decimal text', () => {
    const data = templatePatch(template('nginx:1'));
    const json = stableStringify(data);
    expect(hashControllerRevision(data)).toBe(safeEncodeString(String(fnv32(enc(json)))));
    expect(hashControllerRevision(data, 12)).toBe(safeEncodeString(String(fnv32(enc(json + '12')))));
    expect(hashControllerRevision(data, 1)).not.toBe(hashControllerRevision(data));
  });
});

describe('revision names and data', () => {
  it.each([
    ['ds', 'abc', 'ds-abc'],
    ['x'.repeat(250), 'h', `${'x'.repeat(223)}-h`],
  ])('controllerRevisionName(%s)', (prefix, hash, want) => {
    expect(controllerRevisionName(prefix, hash)).toBe(want);
  });

  it('the data is a patch that replaces spec.template, and matches only its own template', () => {
    const t = template('nginx:1');
    expect(templatePatch(t)).toEqual({ spec: { template: { ...t, $patch: 'replace' } } });
    const r = rev('ds-1', 1, { data: JSON.parse(JSON.stringify(templatePatch(t))) });
    expect(revisionMatchesTemplate(r, t)).toBe(true);
    expect(revisionMatchesTemplate(r, template('nginx:2'))).toBe(false);
  });

  it('newControllerRevision labels, owns and names the revision as history.NewControllerRevision', () => {
    const owner = { metadata: { name: 'web', namespace: 'ns', uid: 'u1' } };
    const data = templatePatch(template('nginx:1'));
    const r = newControllerRevision({ owner, apiVersion: 'apps/v1', kind: 'StatefulSet', templateLabels: { app: 'a' }, data, revision: 3, collisionCount: 0 });
    const hash = hashControllerRevision(data, 0);
    expect(r.metadata?.name).toBe(`web-${hash}`);
    expect(r.metadata?.labels).toEqual({ app: 'a', [HISTORY_HASH_LABEL]: hash });
    expect(r.metadata?.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
    expect(r.revision).toBe(3);
    expect(CONTROLLER_REVISION_HASH_LABEL).toBe('controller-revision-hash');
  });
});

describe('ordering and numbering', () => {
  it('sorts by revision, then creation time, then name', () => {
    const a = rev('b', 2);
    const b = rev('a', 2);
    const c = rev('c', 1);
    const d = rev('d', 2, { metadata: { name: 'd', creationTimestamp: '2025-01-01T00:00:00Z' } });
    expect(sortRevisions([a, b, c, d]).map((r) => r.metadata?.name)).toEqual(['c', 'd', 'a', 'b']);
  });

  it.each([
    [[], 0, 1],
    [[1], 1, 2],
    [[3, 1, 7], 7, 8],
  ])('revisions %j: max %i, next %i', (nums, max, next) => {
    const revs = nums.map((n, i) => rev(`r${i}`, n));
    expect(maxRevision(revs)).toBe(max);
    expect(nextRevision(revs)).toBe(next);
  });

  it('equalRevision compares the hash labels when both have one, else the data', () => {
    const x = rev('x', 1, { data: { a: 1 } });
    const y = rev('y', 2, { data: { a: 1 } });
    const z = rev('z', 3, { data: { a: 2 } });
    expect(equalRevision(x, y)).toBe(true);
    expect(equalRevision(x, z)).toBe(false);
    const lx = rev('lx', 1, { data: { a: 1 }, metadata: { name: 'lx', labels: { [HISTORY_HASH_LABEL]: 'h1' } } });
    const ly = rev('ly', 1, { data: { a: 1 }, metadata: { name: 'ly', labels: { [HISTORY_HASH_LABEL]: 'h2' } } });
    expect(equalRevision(lx, ly)).toBe(false);
    expect(findEqualRevisions([x, y, z], x).map((r) => r.metadata?.name)).toEqual(['x', 'y']);
  });
});

describe('current and old revisions', () => {
  it('splits by data and keeps the highest of several current ones', () => {
    const t = template('nginx:2');
    const cur1 = rev('c1', 2, { data: templatePatch(t) });
    const cur2 = rev('c2', 4, { data: templatePatch(t) });
    const old = rev('o', 3, { data: templatePatch(template('nginx:1')) });
    const { current, old: olds } = splitRevisions([cur1, old, cur2], t);
    expect(current.map((r) => r.metadata?.name)).toEqual(['c1', 'c2']);
    expect(olds.map((r) => r.metadata?.name)).toEqual(['o']);
    const d = dedupCurrent(current);
    expect(d.keep?.metadata?.name).toBe('c2');
    expect(d.duplicates.map((r) => r.metadata?.name)).toEqual(['c1']);
    expect(dedupCurrent([])).toEqual({ keep: undefined, duplicates: [] });
  });
});

describe('revisionsToTruncate', () => {
  const olds = [rev('r1', 1), rev('r2', 2), rev('r3', 3), rev('r4', 4), rev('r5', 5)];
  const names = (rs: ControllerRevision[]): string[] => rs.map((r) => r.metadata?.name ?? '');
  it.each([
    // limit, live names, DaemonSet semantics, deleted
    [10, [], true, []],
    [5, [], true, []],
    [3, [], true, ['r1', 'r2']],
    [0, [], true, ['r1', 'r2', 'r3', 'r4', 'r5']],
    [3, ['r1'], true, ['r2', 'r3']],
    [3, ['r1', 'r2', 'r3'], true, ['r4', 'r5']],
    [3, ['r1'], false, ['r2']],
    [2, ['r2', 'r4'], false, ['r1']],
    [0, ['r5'], false, ['r1', 'r2', 'r3', 'r4']],
  ])('limit %i, live %j, daemonset=%s -> %j', (limit, live, ds, want) => {
    const got = revisionsToTruncate([...olds].reverse(), {
      limit,
      isLive: (r) => live.includes(r.metadata?.name ?? ''),
      liveCountTowardLimit: ds,
    });
    expect(names(got)).toEqual(want);
  });
});

describe('owning revisions', () => {
  const ownerObj = { metadata: { name: 'ds', namespace: 'ns', uid: 'u1' } };
  const mine = rev('mine', 1, { metadata: { name: 'mine', labels: { app: 'a' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'u1', controller: true }] } });
  const theirs = rev('theirs', 1, { metadata: { name: 'theirs', labels: { app: 'a' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'o', uid: 'u2', controller: true }] } });
  const orphan = rev('orphan', 1, { metadata: { name: 'orphan', labels: { app: 'a' } } });
  const stranger = rev('stranger', 1, { metadata: { name: 'stranger', labels: { app: 'b' } } });
  it('lists revisions no controller owns or this owner does', () => {
    expect(ownedRevisions('u1', [mine, theirs, orphan]).map((r) => r.metadata?.name)).toEqual(['mine', 'orphan']);
  });
  it('claims matching orphans with a controller reference and leaves the others', () => {
    const plan = claimRevisions({ obj: ownerObj, apiVersion: 'apps/v1', kind: 'DaemonSet' }, { matchLabels: { app: 'a' } }, [mine, theirs, orphan, stranger]);
    expect(plan.claimed.map((r) => r.metadata?.name)).toEqual(['mine', 'orphan']);
    expect(plan.adopt.map((p) => p.obj.metadata?.name)).toEqual(['orphan']);
    expect(plan.adopt[0]?.patch.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'DaemonSet', uid: 'u1', controller: true });
    expect(plan.release).toEqual([]);
  });
});
