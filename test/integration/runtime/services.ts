/**
 * Real services for the runtime tests, each started by the test with its own state under
 * .test-state/runtime/ and stopped by PID: the lab registry (scripts/images), a containerd (own root,
 * state, socket, CRI plugin disabled), a dockerd (own data-root, exec-root, pidfile, socket, no bridge,
 * no iptables). Leftovers of a killed run (processes from our pidfiles, containers, mounts, netns)
 * are cleared at start.
 */
import { freePort, waitFor as pollUntil } from '../../support/net.js';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { ContainerdClient } from '../../../node-agent/runtime/containerd/client.js';
import { ContainerdRuntime } from '../../../node-agent/runtime/containerd/runtime.js';

export const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const STATE = join(REPO, '.test-state', 'runtime');


function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** test/support/net.ts's waitFor, with this file's argument order. */
export function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000, stepMs = 50): Promise<void> {
  return pollUntil(cond, timeoutMs, what, stepMs);
}

/** Stop the process a pidfile names, only if its command line contains `mustContain` (ours). */
export async function stopByPidfile(pidfile: string, mustContain: string, graceMs = 15_000): Promise<void> {
  if (!existsSync(pidfile)) return;
  const pid = Number(readFileSync(pidfile, 'utf8').trim());
  if (pid > 1 && alive(pid) && cmdline(pid).includes(mustContain)) {
    process.kill(pid, 'SIGTERM');
    await waitFor(`pid ${pid} to exit`, () => !alive(pid), graceMs).catch(() => {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    });
    await waitFor(`pid ${pid} to die`, () => !alive(pid), 5000).catch(() => undefined);
  }
  rmSync(pidfile, { force: true });
}

/** Lazy-unmount everything mounted under `dir` (deepest first). */
export function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try { execFileSync('umount', ['-l', m], { stdio: 'ignore' }); } catch { /* gone */ }
  }
}

export { freePort };

function run(cmd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** SIGKILL processes whose command line contains `marker` (e.g. shims naming our containerd socket). */
export function killByCmdline(marker: string): void {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    if (cmdline(Number(p)).includes(marker)) {
      try { process.kill(Number(p), 'SIGKILL'); } catch { /* gone */ }
    }
  }
}

/** rmdir a cgroup directory in every v1 hierarchy (and v2), if empty. */
export function removeEmptyCgroup(rel: string): void {
  for (const ctrl of readdirSync('/sys/fs/cgroup')) {
    try { rmdirSync(join('/sys/fs/cgroup', ctrl, rel)); } catch { /* busy, absent */ }
  }
  try { rmdirSync(join('/sys/fs/cgroup', rel)); } catch { /* busy, absent */ }
}

// ------------------------------------------------------------------ registry

export interface Registry { addr: string; mirror: string; stop(): Promise<void> }

export async function startRegistry(): Promise<Registry> {
  const dir = join(STATE, 'registry');
  const env = { KUBELAB_REGISTRY_DIR: dir };
  run(join(REPO, 'scripts/images/registry'), ['stop'], env);
  rmSync(dir, { recursive: true, force: true });
  const images = join(STATE, 'images');
  run(join(REPO, 'scripts/images/build'), [images]);
  const addr = `127.0.0.1:${await freePort()}`;
  run(join(REPO, 'scripts/images/registry'), ['start', addr], env);
  run(join(REPO, 'scripts/images/publish'), [addr, images]);
  return {
    addr,
    mirror: `http://${addr}`,
    async stop() {
      run(join(REPO, 'scripts/images/registry'), ['stop'], env);
      rmSync(dir, { recursive: true, force: true });
      rmSync(images, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ containerd

export interface Containerd { address: string; pid: number; purge(prefix: string): Promise<void>; stop(prefix: string): Promise<void> }

function removeCgroups(namespacePrefix: string): void {
  for (const ctrl of readdirSync('/sys/fs/cgroup')) {
    const base = join('/sys/fs/cgroup', ctrl, 'kubelab');
    if (!existsSync(base)) continue;
    for (const ns of readdirSync(base)) {
      if (!ns.startsWith(namespacePrefix)) continue;
      try { rmdirSync(join(base, ns)); } catch { /* busy or gone */ }
    }
    try { rmdirSync(base); } catch { /* other namespaces still there */ }
  }
}

export async function startContainerd(): Promise<Containerd> {
  const dir = join(STATE, 'containerd');
  const config = join(dir, 'config.toml');
  await stopByPidfile(join(dir, 'containerd.pid'), config);
  mkdirSync(dir, { recursive: true });
  const address = join(dir, 'containerd.sock');
  writeFileSync(config, [
    'version = 2',
    `root = "${dir}/root"`,
    `state = "${dir}/state"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]',
    `  address = "${address}"`,
    '[ttrpc]',
    `  address = "${address}.ttrpc"`,
    '[debug]',
    '  level = "warn"',
    '',
  ].join('\n'));
  const log = openSync(join(dir, 'containerd.log'), 'a');
  const child = spawn('containerd', ['--config', config], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  const pid = child.pid!;
  writeFileSync(join(dir, 'containerd.pid'), String(pid));
  const probe = new ContainerdClient(address, 'default');
  await waitFor('containerd to serve', async () => {
    if (!alive(pid)) throw new Error(`containerd exited: ${readFileSync(join(dir, 'containerd.log'), 'utf8').slice(-2000)}`);
    await probe.call('version', 'Version', {}, { timeoutMs: 1000 });
    return true;
  }, 20_000, 100);
  probe.close();

  /** Remove every container, image and namespace whose name starts with `prefix` (ours). */
  const purge = async (prefix: string) => {
    const c = new ContainerdClient(address, 'default');
    try {
      const { namespaces } = await c.call<{ namespaces: { name: string }[] }>('namespaces', 'List', {});
      for (const { name } of namespaces.filter((n) => n.name.startsWith(prefix))) {
        const rt = new ContainerdRuntime({ address, namespace: name });
        for (const ct of await rt.listContainers()) await rt.removeContainer(ct.id).catch(() => undefined);
        const { images } = await rt.client.call<{ images: { name: string }[] }>('images', 'List', { filters: [] });
        for (const img of images) await rt.client.call('images', 'Delete', { name: img.name, sync: true }).catch(() => undefined);
        await rt.close();
        const nc = new ContainerdClient(address, name);
        await nc.call('namespaces', 'Delete', { name }).catch(() => undefined);
        nc.close();
      }
    } finally {
      c.close();
    }
    removeCgroups(prefix);
    // exec FIFO dirs of ContainerdRuntime (/run/kubelab/<namespace>/exec)
    if (existsSync('/run/kubelab')) {
      for (const ns of readdirSync('/run/kubelab')) {
        if (ns.startsWith(prefix)) rmSync(join('/run/kubelab', ns), { recursive: true, force: true });
      }
      try { rmdirSync('/run/kubelab'); } catch { /* used by others */ }
    }
    // runc's per-namespace state dirs (shared by every containerd on the machine), once empty.
    if (existsSync('/run/containerd/runc')) {
      for (const ns of readdirSync('/run/containerd/runc')) {
        if (ns.startsWith(prefix)) { try { rmdirSync(join('/run/containerd/runc', ns)); } catch { /* in use */ } }
      }
    }
  };
  return {
    address,
    pid,
    purge,
    async stop(prefix: string) {
      await purge(prefix).catch(() => undefined);
      await stopByPidfile(join(dir, 'containerd.pid'), config);
      // A shim whose task containerd never got to delete would outlive it: ours name our socket.
      killByCmdline(`-address ${address}`);
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ dockerd

export interface Dockerd { socketPath: string; docker: Docker; purge(): Promise<void>; stop(): Promise<void> }

export async function startDockerd(): Promise<Dockerd> {
  const dir = join(STATE, 'docker');
  const pidfile = join(dir, 'docker.pid');
  const socketPath = join(dir, 'docker.sock');
  await stopByPidfile(pidfile, `--pidfile ${pidfile}`, 30_000);
  killByCmdline(`${dir}/data/containers/`); // log copiers (tail) of a killed run
  unmountUnder(join(dir, 'exec'));
  mkdirSync(dir, { recursive: true });
  const log = openSync(join(dir, 'dockerd.log'), 'a');
  const child = spawn('dockerd', [
    '--data-root', join(dir, 'data'),
    '--exec-root', join(dir, 'exec'),
    '--pidfile', pidfile,
    '-H', `unix://${socketPath}`,
    '--bridge=none', '--iptables=false', '--ip-forward=false', '--ip-masq=false', '--userland-proxy=false',
    '--log-level=warn',
  ], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  const pid = child.pid!;
  const docker = new Docker({ socketPath });
  await waitFor('dockerd to serve', async () => {
    if (!alive(pid)) throw new Error(`dockerd exited: ${readFileSync(join(dir, 'dockerd.log'), 'utf8').slice(-2000)}`);
    await docker.ping();
    return true;
  }, 60_000, 200);
  const purge = async () => {
    for (const c of await docker.listContainers({ all: true })) {
      await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
    }
  };
  await purge();
  return {
    socketPath,
    docker,
    purge,
    async stop() {
      await purge().catch(() => undefined);
      await stopByPidfile(pidfile, `--pidfile ${pidfile}`, 30_000);
      killByCmdline(`${dir}/data/containers/`);
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
      removeEmptyCgroup('docker');
    },
  };
}

// ------------------------------------------------------------------ network namespaces

export function netnsAdd(name: string): string {
  run('ip', ['netns', 'add', name]);
  return `/run/netns/${name}`;
}

export function netnsDel(name: string): void {
  try { run('ip', ['netns', 'del', name]); } catch { /* gone */ }
}

/** Delete netns left by killed runs (`<prefix>*`). */
export function netnsPurge(prefix: string): void {
  if (!existsSync('/run/netns')) return;
  for (const n of readdirSync('/run/netns')) if (n.startsWith(prefix)) netnsDel(n);
}
