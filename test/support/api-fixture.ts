/**
 * A test file's API server over its own real etcd, plus a second etcd client to read what was stored:
 * started in beforeAll, stopped (client, server, etcd) in afterAll, also when set-up failed half-way.
 */
import { afterAll, beforeAll } from 'vitest';
import { EtcdBackend } from '../../control-plane/storage/etcd-backend.js';
import { startEtcd, type EtcdHandle } from './etcd.js';
import { startApiServer, type ApiHandle } from './apiserver.js';

export interface ApiOverEtcd {
  etcd: EtcdHandle;
  h: ApiHandle;
  /** A direct etcd client, to check what reached storage. */
  backend: EtcdBackend;
}

/** Register the file's hooks; `started` receives the handles once they are up. */
export function useApiServerOverEtcd(started: (s: ApiOverEtcd) => void): void {
  let etcd: EtcdHandle | undefined;
  let h: ApiHandle | undefined;
  let backend: EtcdBackend | undefined;
  beforeAll(async () => {
    etcd = await startEtcd();
    h = await startApiServer(etcd);
    backend = new EtcdBackend({ endpoints: [etcd.endpoint] });
    started({ etcd, h, backend });
  });
  afterAll(async () => {
    await backend?.close();
    await h?.stop();
    await etcd?.stop();
  });
}
