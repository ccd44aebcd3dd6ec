/**
 * A real etcd for integration tests: Debian's etcd-server, one per test file, on free loopback ports
 * with its own data dir, stopped by PID. Leftover data dirs of killed runs are cleared at start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive } from './host.js';
import { freePort, waitFor } from './net.js';

export interface EtcdHandle {
  endpoint: string;
  dataDir: string;
  pid: number;
  stop(): Promise<void>;
}

const PREFIX = 'kubelab-test-etcd-';

export function etcdBinary(): string {
  for (const p of ['/usr/bin/etcd', '/usr/local/bin/etcd']) if (existsSync(p)) return p;
  throw new Error('etcd is not installed: scripts/test installs it (apt-get install etcd-server etcd-client)');
}

export function clearStaleEtcdDirs(): void {
  for (const d of readdirSync(tmpdir())) {
    if (d.startsWith(PREFIX)) {
      const pid = Number(d.slice(PREFIX.length).split('-')[0]);
      if (pid && pid !== process.pid && !alive(pid)) rmSync(join(tmpdir(), d), { recursive: true, force: true });
    }
  }
}

export async function startEtcd(): Promise<EtcdHandle> {
  clearStaleEtcdDirs();
  const bin = etcdBinary();
  const dataDir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const child: ChildProcess = spawn(
    bin,
    [
      '--name', 'test',
      '--data-dir', dataDir,
      '--listen-client-urls', endpoint,
      '--advertise-client-urls', endpoint,
      '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
      '--initial-cluster', `test=http://127.0.0.1:${peerPort}`,
      '--log-level', 'error',
      '--logger', 'zap',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}: ${stderr}`);
      const r = await fetch(`${endpoint}/health`).catch(() => undefined);
      return r?.ok === true;
    }, 15_000, 'etcd to become healthy');
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    endpoint,
    dataDir,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
