import { afterAll, beforeAll } from 'vitest';
import { backendContract } from '../../support/backend-contract.js';
import { EtcdBackend } from '../../../control-plane/storage/etcd-backend.js';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';

let etcd: EtcdHandle;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

backendContract('etcd', async () => new EtcdBackend({ endpoints: [etcd.endpoint] }));

import { describe, expect, it } from 'vitest';

describe('etcd backend: large lists', () => {
  it('an unlimited list is read in pages at one revision and returns every key', async () => {
    const b = new EtcdBackend({ endpoints: [etcd.endpoint], listPageSize: 7 });
    try {
      const prefix = '/registry/paged/';
      await Promise.all(Array.from({ length: 50 }, (_, i) => b.create(`${prefix}k${String(i).padStart(3, '0')}`, Buffer.from(String(i)))));
      const rev = await b.currentRevision();
      const all = await b.list(prefix);
      expect(all.items.length).toBe(50);
      expect(all.more).toBe(false);
      expect(all.revision).toBe(rev);
      expect(all.items.map((kv) => kv.value.toString())).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    } finally {
      await b.close();
    }
  });

  it('a list over gRPC\'s default 4 MiB message limit works', async () => {
    const b = new EtcdBackend({ endpoints: [etcd.endpoint], listPageSize: 100000 });
    try {
      const big = Buffer.alloc(200 * 1024, 'x');
      await Promise.all(Array.from({ length: 30 }, (_, i) => b.create(`/registry/big/k${i}`, big)));
      const all = await b.list('/registry/big/');
      expect(all.items.length).toBe(30);
    } finally {
      await b.close();
    }
  });
});
