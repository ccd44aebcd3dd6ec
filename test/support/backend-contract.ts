/** One contract suite for every storage Backend: the memory one (unit) and etcd (integration) both pass it. */
import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import type { Backend, BackendWatchEvent } from '../../control-plane/storage/backend.js';
import { isStorageError } from '../../control-plane/storage/storage-error.js';

export function backendContract(name: string, make: () => Promise<Backend>, cleanup: (b: Backend) => Promise<void> = (b) => b.close()): void {
  describe(`Backend contract: ${name}`, () => {
    let b: Backend;
    let prefix: string;
    beforeEach(async () => {
      b = await make();
      prefix = `/registry/test-${Math.random().toString(36).slice(2)}/`;
    });
    afterEach(async () => {
      await cleanup(b);
    });
    const v = (s: string): Buffer => Buffer.from(s);

    it('create then get returns the value and its revision', async () => {
      const rev = await b.create(prefix + 'a', v('1'));
      const kv = await b.get(prefix + 'a');
      expect(kv?.value.toString()).toBe('1');
      expect(kv?.modRevision).toBe(rev);
      expect(kv?.createRevision).toBe(rev);
    });

    it('create of an existing key fails with ERR_STORAGE_KEY_EXISTS', async () => {
      await b.create(prefix + 'a', v('1'));
      await expect(b.create(prefix + 'a', v('2'))).rejects.toSatisfy((e: unknown) => isStorageError(e, 'ERR_STORAGE_KEY_EXISTS'));
      expect((await b.get(prefix + 'a'))?.value.toString()).toBe('1');
    });

    it('update is a compare-and-swap on modRevision', async () => {
      const r1 = await b.create(prefix + 'a', v('1'));
      const r2 = await b.update(prefix + 'a', v('2'), r1);
      expect(r2).toBeGreaterThan(r1);
      await expect(b.update(prefix + 'a', v('3'), r1)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'ERR_STORAGE_REVISION_MISMATCH'));
      expect((await b.get(prefix + 'a'))?.value.toString()).toBe('2');
      await expect(b.update(prefix + 'missing', v('3'), r1)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'ERR_STORAGE_KEY_NOT_FOUND'));
    });

    it('delete with and without an expected revision', async () => {
      const r1 = await b.create(prefix + 'a', v('1'));
      await expect(b.delete(prefix + 'a', r1 - 1)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'ERR_STORAGE_REVISION_MISMATCH'));
      const { prev, revision } = await b.delete(prefix + 'a', r1);
      expect(prev.value.toString()).toBe('1');
      expect(revision).toBeGreaterThan(r1);
      expect(await b.get(prefix + 'a')).toBeNull();
      await expect(b.delete(prefix + 'a')).rejects.toSatisfy((e: unknown) => isStorageError(e, 'ERR_STORAGE_KEY_NOT_FOUND'));
    });

    it('list is ordered by key, pages with limit/startKey, reads at a revision', async () => {
      for (const k of ['c', 'a', 'b', 'd']) await b.create(prefix + k, v(k));
      await b.create(prefix.slice(0, -1) + 'x/other', v('outside'));
      const all = await b.list(prefix);
      expect(all.items.map((i) => i.value.toString())).toEqual(['a', 'b', 'c', 'd']);
      const p1 = await b.list(prefix, { limit: 2 });
      expect(p1.items.map((i) => i.value.toString())).toEqual(['a', 'b']);
      expect(p1.more).toBe(true);
      const p2 = await b.list(prefix, { limit: 2, startKey: prefix + 'b\x00', revision: p1.revision });
      expect(p2.items.map((i) => i.value.toString())).toEqual(['c', 'd']);
      expect(p2.more).toBe(false);
      await b.update(prefix + 'a', v('A'), all.items[0]!.modRevision);
      const old = await b.list(prefix, { revision: all.revision });
      expect(old.items[0]!.value.toString()).toBe('a');
      expect(await b.count(prefix)).toBe(4);
    });

    it('a keys-only list has every key and revision of a list with values, and no value', async () => {
      for (const k of ['c', 'a', 'b']) await b.create(prefix + k, v(k));
      const r = (await b.get(prefix + 'a'))!.modRevision;
      await b.update(prefix + 'a', v('a2'), r);
      const strip = (items: { key: string; modRevision: number; createRevision: number }[]) => items.map(({ key, modRevision, createRevision }) => ({ key, modRevision, createRevision }));
      const full = await b.list(prefix);
      const keys = await b.list(prefix, { keysOnly: true });
      expect(strip(keys.items)).toEqual(strip(full.items));
      expect(keys.items.every((i) => i.value.length === 0)).toBe(true);
      expect(keys.revision).toBe(full.revision);
      const page = await b.list(prefix, { keysOnly: true, limit: 2, revision: full.revision });
      expect(page.items.map((i) => [i.key, i.value.length])).toEqual([[prefix + 'a', 0], [prefix + 'b', 0]]);
      expect(page.more).toBe(true);
    });

    it('watch from a revision delivers puts and deletes after it, with previous values', async () => {
      const r0 = await b.currentRevision();
      await b.create(prefix + 'a', v('1'));
      const events: BackendWatchEvent[] = [];
      const w = b.watch(prefix, r0, { onEvents: (e) => events.push(...e), onError: () => undefined });
      const kv = (await b.get(prefix + 'a'))!;
      await b.update(prefix + 'a', v('2'), kv.modRevision);
      await b.delete(prefix + 'a');
      const deadline = Date.now() + 5000;
      while (events.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      w.cancel();
      expect(events.map((e) => e.type)).toEqual(['put', 'put', 'delete']);
      expect(events[0]!.created).toBe(true);
      expect(events[1]!.created).toBe(false);
      expect(events[1]!.prevKv?.value.toString()).toBe('1');
      expect(events[2]!.prevKv?.value.toString()).toBe('2');
      const revs = events.map((e) => e.kv.modRevision);
      expect([...revs].sort((x, y) => x - y)).toEqual(revs);
    });

    it('a key written with a TTL expires (a delete to watchers) unless written again; a write without one keeps it', async () => {
      const r0 = await b.currentRevision();
      const events: BackendWatchEvent[] = [];
      const w = b.watch(prefix, r0, { onEvents: (e) => events.push(...e), onError: () => undefined });
      try {
        const r1 = await b.create(prefix + 'lease', v('1'), { ttlSeconds: 2 });
        await b.create(prefix + 'kept', v('k'), { ttlSeconds: 2 });
        await b.update(prefix + 'kept', v('k2'), (await b.get(prefix + 'kept'))!.modRevision);
        await new Promise((r) => setTimeout(r, 1200));
        // renewed before it expired: counts 2 s from here
        await b.update(prefix + 'lease', v('2'), r1, { ttlSeconds: 2 });
        await new Promise((r) => setTimeout(r, 1200));
        expect((await b.get(prefix + 'lease'))?.value.toString()).toBe('2');
        const deadline = Date.now() + 6000;
        while ((await b.get(prefix + 'lease')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        expect(await b.get(prefix + 'lease')).toBeNull();
        expect((await b.get(prefix + 'kept'))?.value.toString()).toBe('k2');
        const until = Date.now() + 2000;
        while (!events.some((e) => e.type === 'delete') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
        const deletes = events.filter((e) => e.type === 'delete').map((e) => e.kv.key);
        expect(deletes).toEqual([prefix + 'lease']);
      } finally {
        w.cancel();
      }
    });

    it('a watch from a compacted revision fails with ERR_STORAGE_COMPACTED', async () => {
      const r0 = await b.currentRevision();
      await b.create(prefix + 'a', v('1'));
      const kv = (await b.get(prefix + 'a'))!;
      await b.update(prefix + 'a', v('2'), kv.modRevision);
      const now = await b.currentRevision();
      await b.compact(now);
      const err = await new Promise<Error>((resolve) => {
        b.watch(prefix, r0, { onEvents: () => undefined, onError: resolve });
      });
      expect(isStorageError(err, "ERR_STORAGE_COMPACTED"), String(err)).toBe(true);
    });
  });
}
