/**
 * Real services for the runtime tests, each started by the test with its own state under
 * .test-state/runtime/ and stopped by PID: the lab registry (scripts/images), a containerd (own root,
 * state, socket, CRI plugin disabled), a dockerd (own data-root, exec-root, pidfile, socket, no bridge,
 * no iptables). Leftovers of a killed run (processes from our pidfiles, containers, mounts, netns)
 * are cleared at start. Other harnesses (bench/lib/kubelet-nodes.ts) pass state directories and name
 * prefixes of their own, so that they can run beside the tests.
 */
import { freePort, waitFor as pollUntil } from './net.js';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { ContainerdClient } from '../../node-agent/runtime/containerd/client.js';
import { ContainerdRuntime } from '../../node-agent/runtime/containerd/runtime.js';
import { REPO, alive, killByCmdline, sh, stopByPidfile, unmountUnder } from './host.js';
import { need } from './deps.js';
import { startService } from './service.js';

export const STATE = join(REPO, '.test-state', 'runtime');

/** test/support/net.ts's waitFor, with this file's argument order. */
export function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000, stepMs = 50): Promise<void> {
  return pollUntil(cond, timeoutMs, what, stepMs);
}

export { freePort };

/** rmdir a cgroup directory in every v1 hierarchy (and v2), if empty. */
export function removeEmptyCgroup(rel: string): void {
  for (const ctrl of readdirSync('/sys/fs/cgroup')) {
    try { rmdirSync(join('/sys/fs/cgroup', ctrl, rel)); } catch { /* busy, absent */ }
  }
  try { rmdirSync(join('/sys/fs/cgroup', rel)); } catch { /* busy, absent */ }
}

// ------------------------------------------------------------------ registry

export interface Registry { addr: string; mirror: string; stop(): Promise<void> }

export interface RegistryOptions {
  /** Where the registry's state (`registry/`) and the built images (`images/`) go. */
  state?: string;
  /** Reuse the images an earlier run built there, and leave them for the next run (a build cache). */
  keepImages?: boolean;
}

/** The lab registry (scripts/images) on a free loopback port, with the lab's images built and published. */
export async function startRegistry({ state = STATE, keepImages = false }: RegistryOptions = {}): Promise<Registry> {
  need('docker-registry', 'skopeo', 'umoci', '/bin/busybox', '/usr/sbin/nginx', 'jq');
  const dir = join(state, 'registry');
  const env = { KUBELAB_REGISTRY_DIR: dir };
  sh(join(REPO, 'scripts/images/registry'), ['stop'], { env });
  rmSync(dir, { recursive: true, force: true });
  const images = join(state, 'images');
  if (!keepImages || !existsSync(join(images, 'busybox'))) sh(join(REPO, 'scripts/images/build'), [images]);
  const addr = `127.0.0.1:${await freePort()}`;
  sh(join(REPO, 'scripts/images/registry'), ['start', addr], { env });
  sh(join(REPO, 'scripts/images/publish'), [addr, images]);
  return {
    addr,
    mirror: `http://${addr}`,
    async stop() {
      sh(join(REPO, 'scripts/images/registry'), ['stop'], { env });
      rmSync(dir, { recursive: true, force: true });
      if (!keepImages) rmSync(images, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ containerd

export interface Containerd {
  address: string;
  /** `unix://<address>`, for the kubelet's --container-runtime-endpoint. */
  endpoint: string;
  pid: number;
  /** Remove every container, image and namespace whose name starts with `prefix` (ours). */
  purge(prefix: string): Promise<void>;
  /** Purge `prefix`, stop containerd and its shims, remove its directory. */
  stop(prefix: string): Promise<void>;
}

export interface ContainerdOptions {
  /** Its config, root, state, socket, pidfile and log. */
  dir?: string;
}

/** Empty cgroups of our namespaces: the kubelet's (`/kubelab/<namespace>/...`) and `ctr run`'s (`/<namespace>/...`). */
function removeCgroups(namespacePrefix: string): void {
  for (const ctrl of existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup') : []) {
    const base = join('/sys/fs/cgroup', ctrl, 'kubelab');
    for (const parent of [base, join('/sys/fs/cgroup', ctrl)]) {
      let names: string[] = [];
      try { names = readdirSync(parent); } catch { continue; }
      for (const ns of names) {
        if (!ns.startsWith(namespacePrefix)) continue;
        try { rmdirSync(join(parent, ns)); } catch { /* busy or gone */ }
      }
    }
    try { rmdirSync(base); } catch { /* other namespaces still there, or absent */ }
  }
}

/** Remove every container, image and namespace of the containerd at `address` whose name starts with `prefix`. */
async function purgeContainerd(address: string, prefix: string): Promise<void> {
  const c = new ContainerdClient(address, 'default');
  try {
    const { namespaces } = await c.call<{ namespaces: { name: string }[] }>('namespaces', 'List', {});
    for (const { name } of namespaces.filter((n) => n.name.startsWith(prefix))) {
      const rt = new ContainerdRuntime({ address, namespace: name });
      for (const ct of await rt.listContainers()) await rt.removeContainer(ct.id).catch(() => undefined);
      // containers the runtime could not remove (`ctr run`'s, say): kill, delete task and container
      try {
        const { containers } = await rt.client.call<{ containers: { id: string }[] }>('containers', 'List', { filters: [] });
        for (const { id } of containers) {
          await rt.client.call('tasks', 'Kill', { containerId: id, signal: 9, all: true }).catch(() => undefined);
          await new Promise((r) => setTimeout(r, 100));
          await rt.client.call('tasks', 'Delete', { containerId: id }).catch(() => undefined);
          await rt.client.call('containers', 'Delete', { id }).catch(() => undefined);
        }
      } catch { /* best effort */ }
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
}

/** The files of the containerd under `dir`. */
function containerdFiles(dir: string) {
  return { config: join(dir, 'config.toml'), pidfile: join(dir, 'containerd.pid'), address: join(dir, 'containerd.sock'), log: join(dir, 'containerd.log') };
}

/** Readiness of a containerd: its gRPC Version call answers. */
async function containerdAnswers(address: string): Promise<boolean> {
  const probe = new ContainerdClient(address, 'default');
  try {
    await probe.call('version', 'Version', {}, { timeoutMs: 1000 });
    return true;
  } finally {
    probe.close();
  }
}

/** The handle of containerd `pid` (ours, under `dir`). */
function containerdHandle(dir: string, pid: number): Containerd {
  const { config, pidfile, address } = containerdFiles(dir);
  const purge = (prefix: string) => purgeContainerd(address, prefix);
  return {
    address,
    endpoint: `unix://${address}`,
    pid,
    purge,
    async stop(prefix: string) {
      await purge(prefix).catch(() => undefined);
      await stopByPidfile(pidfile, config);
      // A shim whose task containerd never got to delete would outlive it: ours name our socket.
      killByCmdline(`-address ${address}`);
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A containerd with its own root, state and socket under `dir` (CRI plugin off); one a killed run left there is stopped first. */
export async function startContainerd({ dir = join(STATE, 'containerd') }: ContainerdOptions = {}): Promise<Containerd> {
  need('containerd');
  const { config, pidfile, address, log } = containerdFiles(dir);
  await stopByPidfile(pidfile, config);
  mkdirSync(dir, { recursive: true });
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
  const svc = await startService({
    name: 'containerd', command: 'containerd', args: ['--config', config], logFile: log, detached: true, pidFile: pidfile,
    ready: () => containerdAnswers(address), timeoutMs: 20_000,
  });
  return containerdHandle(dir, svc.pid);
}

/**
 * The containerd a killed run left running under `dir`, to purge through and stop. When none runs
 * there, its shims, mounts and directory are cleared and the answer is undefined.
 */
export async function leftoverContainerd({ dir = join(STATE, 'containerd') }: ContainerdOptions = {}): Promise<Containerd | undefined> {
  const { pidfile, address } = containerdFiles(dir);
  const pid = existsSync(pidfile) ? Number(readFileSync(pidfile, 'utf8')) : 0;
  if (!pid || !alive(pid)) {
    killByCmdline(`-address ${address}`);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  await waitFor('the leftover containerd to answer', () => containerdAnswers(address), 20_000, 100);
  return containerdHandle(dir, pid);
}

// ------------------------------------------------------------------ dockerd

export interface Dockerd {
  socketPath: string;
  /** `unix://<socketPath>`, for the kubelet's --container-runtime-endpoint. */
  endpoint: string;
  docker: Docker;
  /** Remove every container. */
  purge(): Promise<void>;
  /** Purge, stop dockerd and its log copiers, remove its directory. */
  stop(): Promise<void>;
}

export interface DockerdOptions {
  /** Its data-root, exec-root, pidfile, socket and log. */
  dir?: string;
  /** A registry (host:port) dockerd pulls from over plain HTTP. */
  insecureRegistry?: string;
}

/** A dockerd with its own data-root, exec-root, pidfile and socket under `dir` (no bridge, no iptables), without containers. */
export async function startDockerd({ dir = join(STATE, 'docker'), insecureRegistry }: DockerdOptions = {}): Promise<Dockerd> {
  need('dockerd');
  const pidfile = join(dir, 'docker.pid');
  const socketPath = join(dir, 'docker.sock');
  await stopByPidfile(pidfile, `--pidfile ${pidfile}`, 30_000);
  killByCmdline(`${dir}/data/containers/`); // log copiers (tail) of a killed run
  unmountUnder(join(dir, 'exec'));
  mkdirSync(dir, { recursive: true });
  const docker = new Docker({ socketPath });
  await startService({
    name: 'dockerd',
    command: 'dockerd',
    args: [
      '--data-root', join(dir, 'data'),
      '--exec-root', join(dir, 'exec'),
      '--pidfile', pidfile,
      '-H', `unix://${socketPath}`,
      '--bridge=none', '--iptables=false', '--ip-forward=false', '--ip-masq=false', '--userland-proxy=false',
      '--log-level=warn',
      ...(insecureRegistry ? [`--insecure-registry=${insecureRegistry}`] : []),
    ],
    logFile: join(dir, 'dockerd.log'),
    detached: true,
    ready: async () => (await docker.ping(), true),
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  const purge = async () => {
    for (const c of await docker.listContainers({ all: true })) {
      await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
    }
  };
  await purge();
  return {
    socketPath,
    endpoint: `unix://${socketPath}`,
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

