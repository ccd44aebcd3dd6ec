/**
 * A real etcd for integration tests: Debian's etcd-server, one per test file, on free loopback ports
 * with its own data dir, stopped by PID. Leftover data dirs of killed runs are cleared at start.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { need } from './deps.js';
import { alive } from './host.js';
import { freePort } from './net.js';
import { httpOk, startService } from './service.js';

export interface EtcdHandle {
  endpoint: string;
  dataDir: string;
  pid: number;
  stop(): Promise<void>;
}

const PREFIX = 'kubelab-test-etcd-';

export function clearStaleEtcdDirs(): void {
  for (const d of readdirSync(tmpdir())) {
    if (d.startsWith(PREFIX)) {
      const pid = Number(d.slice(PREFIX.length).split('-')[0]);
      if (pid && pid !== process.pid && !alive(pid)) rmSync(join(tmpdir(), d), { recursive: true, force: true });
    }
  }
}

/** As the lab's etcd unit (scripts/lab-config/generate): the API server's watch caches learn etcd's revision this often. */
export const ETCD_PROGRESS_NOTIFY_INTERVAL = '250ms';

export async function startEtcd(): Promise<EtcdHandle> {
  need('etcd');
  clearStaleEtcdDirs();
  const dataDir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const etcd = await startService({
    name: 'etcd',
    command: 'etcd',
    args: [
      '--name', 'test',
      '--data-dir', dataDir,
      '--listen-client-urls', endpoint,
      '--advertise-client-urls', endpoint,
      '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
      '--initial-cluster', `test=http://127.0.0.1:${peerPort}`,
      '--log-level', 'error',
      '--logger', 'zap',
      // Progress notifications move a quiet resource's watch cache to etcd's revision (see watch-cache.ts).
      '--experimental-watch-progress-notify-interval', ETCD_PROGRESS_NOTIFY_INTERVAL,
    ],
    ready: () => httpOk(`${endpoint}/health`),
    timeoutMs: 15_000,
  }).catch((e: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  });
  return {
    endpoint,
    dataDir,
    pid: etcd.pid,
    async stop() {
      await etcd.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
