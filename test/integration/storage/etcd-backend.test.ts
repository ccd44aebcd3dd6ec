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
