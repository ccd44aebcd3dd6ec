/**
 * A small kubelab for the node benchmarks: a real etcd, an in-process API server (bound to the host end
 * of the first node's veth), the lab registry behind a TCP forwarder, the container runtime, and N
 * kubelets, each a child process in a network namespace of its own (`nsenter --net`), as the lab runs
 * them. Modelled on test/integration/kubelet/cluster.ts, with its own names so it can run beside the
 * tests: netns `kubelab-bench-*`, veths `klbn<i>`, state under .test-state/bench/, addresses 10.214.0.0/16,
 * nodes `bench-n<i>` (pod netns `kubelab-bench-n<i>-<uid>`, containerd namespaces `kubelab-bench-n<i>`).
 *
 * containerd: one containerd for all nodes (each kubelet has its own containerd namespace, as on a shared
 * host). Docker: one dockerd per node (a kubelet adopts every kubelab-labelled container it sees).
 * Leftovers of a killed run are cleared at start; stop() removes everything, also after a failure.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, connect, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import Docker from 'dockerode';
import { ApiServer } from '../../control-plane/apiserver/server.js';
import { Authenticator } from '../../control-plane/apiserver/authn.js';
import { EtcdBackend } from '../../control-plane/storage/etcd-backend.js';
import { createCA, createCertificate } from '../../api/tls/certs.js';
import { buildKubeconfig } from '../../api/tls/kubeconfig.js';
import { ContainerdClient } from '../../node-agent/runtime/containerd/client.js';
import { ContainerdRuntime } from '../../node-agent/runtime/containerd/runtime.js';
import { startEtcd, type EtcdHandle } from '../../test/support/etcd.js';
import { freePort, waitFor } from '../../test/support/net.js';
import { REPO, type ApiHandle } from '../../test/support/apiserver.js';
import { killByCmdline, removeEmptyCgroup, stopByPidfile, unmountUnder } from '../../test/integration/runtime/services.js';

export const PREFIX = 'kubelab-bench-';
export const STATE = join(REPO, '.test-state', 'bench');
const HOST_IP = (i: number) => `10.214.0.${4 * i + 1}`;
const NODE_IP = (i: number) => `10.214.0.${4 * i + 2}`;
export const nodeName = (i: number) => `bench-n${i + 1}`;
export const podCIDR = (i: number) => `10.214.${i + 1}.0/24`;

function sh(cmd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
}
const tryRun = (cmd: string, args: string[]) => {
  try {
    sh(cmd, args);
  } catch { /* absent */ }
};
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Leftovers of a killed run: our kubelets (pidfiles, command line checked), netns, veths, services. */
export async function clearLeftovers(nodes = 4): Promise<void> {
  for (let i = 0; i < nodes; i++) {
    const pidfile = join(STATE, `kubelet-${i}.pid`);
    if (!existsSync(pidfile)) continue;
    const pid = Number(readFileSync(pidfile, 'utf8'));
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch { /* gone */ }
    if (pid > 1 && cmd.includes(STATE)) process.kill(pid, 'SIGKILL');
    rmSync(pidfile, { force: true });
  }
  const cd = await startContainerdAt(join(STATE, 'containerd'), true).catch(() => undefined);
  await cd?.stop();
  for (let i = 0; i < nodes; i++) {
    const dd = join(STATE, `docker-${i}`);
    await stopByPidfile(join(dd, 'docker.pid'), `--pidfile ${join(dd, 'docker.pid')}`, 30_000);
    killByCmdline(`${dd}/data/containers/`);
    unmountUnder(dd);
  }
  await stopByPidfile(join(STATE, 'registry', 'registry.pid'), join(STATE, 'registry', 'config.yml'));
  purgeNodeNetns(true);
  for (let i = 0; i < nodes; i++) tryRun('ip', ['link', 'del', `klbn${i}`]);
}

/**
 * Our netns: the nodes' `kubelab-bench-node<i>` (with `nodes`) and their pods' `kubelab-bench-n<i>-<uid>`;
 * not other benchmarks' `kubelab-bench-*` namespaces.
 */
function purgeNodeNetns(nodes: boolean): void {
  for (const n of existsSync('/run/netns') ? readdirSync('/run/netns') : []) {
    if (!/^kubelab-bench-n\d+-/.test(n) && !(nodes && /^kubelab-bench-node\d+$/.test(n))) continue;
    tryRun('ip', ['netns', 'del', n]);
    // dockerd makes a missing bind-mount source a directory: such an empty directory is ours too
    try { rmdirSync(join('/run/netns', n)); } catch { /* a file, or gone */ }
  }
}

// ------------------------------------------------------------------ services with our own state dirs

export interface Runtimed { endpoint: string; socket: string; pid: number; stop(): Promise<void> }

function removeCgroups(prefix: string): void {
  for (const ctrl of existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup') : []) {
    for (const base of [join('/sys/fs/cgroup', ctrl, 'kubelab'), join('/sys/fs/cgroup', ctrl)]) {
      if (!existsSync(base)) continue;
      let names: string[] = [];
      try { names = readdirSync(base); } catch { continue; }
      for (const ns of names) {
        if (!ns.startsWith(prefix)) continue;
        try { rmdirSync(join(base, ns)); } catch { /* busy or gone */ }
      }
    }
  }
}

/** Remove every container, image and namespace of a containerd whose name starts with PREFIX. */
async function purgeContainerd(address: string): Promise<void> {
  const c = new ContainerdClient(address, 'default');
  try {
    const { namespaces } = await c.call<{ namespaces: { name: string }[] }>('namespaces', 'List', {});
    for (const { name } of namespaces.filter((n) => n.name.startsWith(PREFIX))) {
      const rt = new ContainerdRuntime({ address, namespace: name });
      for (const ct of await rt.listContainers()) await rt.removeContainer(ct.id).catch(() => undefined);
      // containers not made by the kubelet (`ctr run` of the floor): kill, delete task and container
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
  removeCgroups(PREFIX);
  for (const d of ['/run/kubelab', '/run/containerd/runc']) {
    if (!existsSync(d)) continue;
    for (const ns of readdirSync(d)) if (ns.startsWith(PREFIX)) rmSync(join(d, ns), { recursive: true, force: true });
  }
}

/** A containerd with its own root, state and socket under `dir` (CRI plugin off), stopped by PID. */
export async function startContainerdAt(dir: string, onlyIfLeftover = false): Promise<Runtimed> {
  const config = join(dir, 'config.toml');
  const pidfile = join(dir, 'containerd.pid');
  const address = join(dir, 'containerd.sock');
  if (onlyIfLeftover) {
    // a killed run's containerd: purge through it, then stop it
    if (!existsSync(pidfile) || !alive(Number(readFileSync(pidfile, 'utf8')))) {
      killByCmdline(`-address ${address}`);
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
      throw new Error('no leftover');
    }
  } else {
    await stopByPidfile(pidfile, config);
    mkdirSync(dir, { recursive: true });
    writeFileSync(config, [
      'version = 2', `root = "${dir}/root"`, `state = "${dir}/state"`, 'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]', `  address = "${address}"`, '[ttrpc]', `  address = "${address}.ttrpc"`, '[debug]', '  level = "warn"', '',
    ].join('\n'));
    const log = openSync(join(dir, 'containerd.log'), 'a');
    const child = spawn('containerd', ['--config', config], { detached: true, stdio: ['ignore', log, log] });
    child.unref();
    writeFileSync(pidfile, String(child.pid));
  }
  const pid = Number(readFileSync(pidfile, 'utf8'));
  const probe = new ContainerdClient(address, 'default');
  await waitFor(async () => {
    if (!alive(pid)) throw new Error(`containerd exited: ${readFileSync(join(dir, 'containerd.log'), 'utf8').slice(-2000)}`);
    await probe.call('version', 'Version', {}, { timeoutMs: 1000 });
    return true;
  }, 20_000, 'containerd to serve');
  probe.close();
  return {
    endpoint: `unix://${address}`,
    socket: address,
    pid,
    async stop() {
      await purgeContainerd(address).catch(() => undefined);
      await stopByPidfile(pidfile, config);
      killByCmdline(`-address ${address}`);
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A dockerd with its own data-root, exec-root, pidfile and socket under `dir` (no bridge, no iptables). */
export async function startDockerdAt(dir: string, insecure: string): Promise<Runtimed & { docker: Docker }> {
  const pidfile = join(dir, 'docker.pid');
  const socketPath = join(dir, 'docker.sock');
  await stopByPidfile(pidfile, `--pidfile ${pidfile}`, 30_000);
  killByCmdline(`${dir}/data/containers/`);
  unmountUnder(join(dir, 'exec'));
  mkdirSync(dir, { recursive: true });
  const log = openSync(join(dir, 'dockerd.log'), 'a');
  const child = spawn('dockerd', [
    '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', pidfile, '-H', `unix://${socketPath}`,
    '--bridge=none', '--iptables=false', '--ip-forward=false', '--ip-masq=false', '--userland-proxy=false', '--log-level=warn',
    `--insecure-registry=${insecure}`,
  ], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  const pid = child.pid!;
  const docker = new Docker({ socketPath });
  await waitFor(async () => {
    if (!alive(pid)) throw new Error(`dockerd exited: ${readFileSync(join(dir, 'dockerd.log'), 'utf8').slice(-2000)}`);
    await docker.ping();
    return true;
  }, 60_000, 'dockerd to serve', 200);
  const purge = async () => {
    for (const c of await docker.listContainers({ all: true })) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  };
  return {
    endpoint: `unix://${socketPath}`,
    socket: socketPath,
    pid,
    docker,
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

export interface Registry { addr: string; stop(): Promise<void> }

/** The lab registry (scripts/images) with our own state dir, on a free loopback port, with nginx and busybox. */
export async function startRegistryAt(dir: string): Promise<Registry> {
  const env = { KUBELAB_REGISTRY_DIR: join(dir, 'registry') };
  tryRun('env', [`KUBELAB_REGISTRY_DIR=${env.KUBELAB_REGISTRY_DIR}`, join(REPO, 'scripts/images/registry'), 'stop']);
  rmSync(env.KUBELAB_REGISTRY_DIR, { recursive: true, force: true });
  const images = join(dir, 'images');
  if (!existsSync(join(images, 'busybox'))) sh(join(REPO, 'scripts/images/build'), [images]);
  const addr = `127.0.0.1:${await freePort()}`;
  sh(join(REPO, 'scripts/images/registry'), ['start', addr], env);
  sh(join(REPO, 'scripts/images/publish'), [addr, images], env);
  return {
    addr,
    async stop() {
      tryRun('env', [`KUBELAB_REGISTRY_DIR=${env.KUBELAB_REGISTRY_DIR}`, join(REPO, 'scripts/images/registry'), 'stop']);
      rmSync(join(dir, 'registry'), { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ the cluster

export interface BenchNode {
  name: string;
  ip: string;
  runtimeEndpoint: string;
  /** The kubelet's PID (nsenter execs node, so this is the node process). */
  kubeletPid(): number | undefined;
  log(): string;
}

export interface BenchCluster {
  api: ApiHandle;
  etcd: EtcdHandle;
  runtime: 'containerd' | 'docker';
  registry: Registry;
  nodes: BenchNode[];
  containerdSocket?: string;
  dockerSockets: string[];
  stop(): Promise<void>;
}

export interface ClusterOptions {
  runtime: 'containerd' | 'docker';
  nodes: number;
  /** The compiled project (its cli/main.js runs the kubelets). */
  dist: string;
  kubeletArgs?: string[];
}

export async function startBenchCluster(o: ClusterOptions): Promise<BenchCluster> {
  await clearLeftovers();
  mkdirSync(STATE, { recursive: true });
  if (!existsSync(join(o.dist, 'cli/main.js'))) throw new Error(`${o.dist}/cli/main.js is missing: compile first`);
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch { /* keep cleaning */ }
    }
    cleanups.length = 0;
  };
  cleanups.push(() => purgeNodeNetns(false)); // runs last: netns a dying kubelet's child made late
  try {
    // node netns + veths; each node's default route is its host end
    for (let i = 0; i < o.nodes; i++) {
      const ns = `${PREFIX}node${i + 1}`;
      const hostIf = `klbn${i}`;
      sh('ip', ['netns', 'add', ns]);
      cleanups.push(() => tryRun('ip', ['netns', 'del', ns]));
      sh('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', `${hostIf}p`]);
      cleanups.push(() => tryRun('ip', ['link', 'del', hostIf]));
      sh('ip', ['link', 'set', `${hostIf}p`, 'netns', ns]);
      sh('ip', ['addr', 'add', `${HOST_IP(i)}/30`, 'dev', hostIf]);
      sh('ip', ['link', 'set', hostIf, 'up']);
      const inNs = (args: string[]) => sh('ip', ['netns', 'exec', ns, ...args]);
      inNs(['ip', 'link', 'set', `${hostIf}p`, 'name', 'eth0']);
      inNs(['ip', 'addr', 'add', `${NODE_IP(i)}/30`, 'dev', 'eth0']);
      inNs(['ip', 'link', 'set', 'eth0', 'up']);
      inNs(['ip', 'link', 'set', 'lo', 'up']);
      inNs(['ip', 'route', 'add', 'default', 'via', HOST_IP(i)]);
    }
    const apiIP = HOST_IP(0);

    const etcd = await startEtcd();
    cleanups.push(() => etcd.stop());
    const registry = await startRegistryAt(STATE);
    cleanups.push(() => registry.stop());

    // The registry, reachable from the nodes at apiIP:fwdPort.
    const [regHost, regPort] = registry.addr.split(':');
    const fwd: TcpServer = createTcpServer((s) => {
      const up = connect(Number(regPort), regHost);
      s.pipe(up).pipe(s);
      s.on('error', () => up.destroy());
      up.on('error', () => s.destroy());
    });
    const fwdPort = await freePort();
    await new Promise<void>((r) => fwd.listen(fwdPort, apiIP, () => r()));
    cleanups.push(() => new Promise<void>((r) => fwd.close(() => r())));

    let containerd: Runtimed | undefined;
    const dockerds: (Runtimed & { docker: Docker })[] = [];
    if (o.runtime === 'containerd') {
      const cd = await startContainerdAt(join(STATE, 'containerd'));
      containerd = cd;
      cleanups.push(() => cd.stop());
    } else {
      for (let i = 0; i < o.nodes; i++) {
        const dd = await startDockerdAt(join(STATE, `docker-${i}`), registry.addr);
        dockerds.push(dd);
        cleanups.push(() => dd.stop());
      }
    }

    // PKI and tokens
    const dir = join(STATE, 'pki');
    mkdirSync(dir, { recursive: true });
    const ca = createCA('kubelab-bench-ca');
    const apiCert = createCertificate({ ca, commonName: 'kube-apiserver', ipAddresses: [apiIP, '127.0.0.1'], dnsNames: ['localhost'], serverAuth: true });
    writeFileSync(join(dir, 'ca.crt'), ca.certPem);
    const adminToken = 'admin-' + Math.random().toString(36).slice(2);
    const nodeTokens = Array.from({ length: o.nodes }, (_, i) => `node${i}-` + Math.random().toString(36).slice(2));
    const tokenFile = join(dir, 'tokens.csv');
    writeFileSync(tokenFile, [`${adminToken},admin,admin,"system:masters"`, ...nodeTokens.map((t, i) => `${t},system:node:${nodeName(i)},${nodeName(i)},"system:nodes"`), ''].join('\n'));

    const port = await freePort();
    const backend = new EtcdBackend({ endpoints: [etcd.endpoint] });
    const server = new ApiServer({
      backend, bindAddress: apiIP, securePort: port, tlsCert: apiCert.certPem, tlsKey: apiCert.keyPem, clientCA: ca.certPem,
      authenticator: Authenticator.fromTokenFile(tokenFile), serviceClusterIPRange: '10.96.0.0/16', serviceNodePortRange: '30000-32767',
      advertiseAddress: apiIP,
    });
    await server.start();
    cleanups.push(async () => {
      await server.stop();
      await backend.close();
    });
    const url = `https://${apiIP}:${port}`;
    const kubeconfig = join(dir, 'admin.conf');
    writeFileSync(kubeconfig, buildKubeconfig({ clusterName: 'kubelab', server: url, caPem: ca.certPem, user: 'admin', token: adminToken }));
    const api: ApiHandle = {
      url, port, dir, caPem: ca.certPem, adminToken, kubeconfig, encryptionConfig: '',
      server, stop: async () => undefined, kill: () => undefined, restart: async () => undefined,
    };

    const nodes: BenchNode[] = [];
    const kids: ChildProcess[] = [];
    cleanups.push(async () => {
      for (const k of kids) {
        if (k.exitCode !== null || k.signalCode !== null) continue;
        const gone = new Promise((r) => k.once('exit', r));
        k.kill('SIGKILL');
        await gone;
      }
      for (let i = 0; i < o.nodes; i++) rmSync(join(STATE, `kubelet-${i}.pid`), { force: true });
      purgeNodeNetns(false); // pod netns (the node netns go with their own cleanups)
      for (let i = 0; i < o.nodes; i++) rmSync(join(STATE, `node${i}`), { recursive: true, force: true });
    });
    for (let i = 0; i < o.nodes; i++) {
      const name = nodeName(i);
      const ns = `${PREFIX}node${i + 1}`;
      const ndir = join(STATE, `node${i}`);
      mkdirSync(ndir, { recursive: true });
      const serving = createCertificate({ ca, commonName: name, ipAddresses: [NODE_IP(i), '127.0.0.1'], dnsNames: [name], serverAuth: true });
      writeFileSync(join(ndir, 'kubelet.crt'), serving.certPem);
      writeFileSync(join(ndir, 'kubelet.key'), serving.keyPem);
      const nodeKubeconfig = join(ndir, 'kubelet.conf');
      writeFileSync(nodeKubeconfig, buildKubeconfig({ clusterName: 'kubelab', server: url, caPem: ca.certPem, user: `system:node:${name}`, token: nodeTokens[i]! }));
      const endpoint = containerd ? containerd.endpoint : dockerds[i]!.endpoint;
      const logFile = join(ndir, 'kubelet.log');
      const out = openSync(logFile, 'a');
      const args = [
        `--net=/run/netns/${ns}`, process.execPath, join(o.dist, 'cli/main.js'), 'kubelet',
        `--kubeconfig=${nodeKubeconfig}`, `--hostname-override=${name}`, `--node-ip=${NODE_IP(i)}`,
        `--container-runtime-endpoint=${endpoint}`,
        `--root-dir=${join(ndir, 'root')}`, `--pod-logs-dir=${join(ndir, 'pods-logs')}`, '--cni-bin-dir=/usr/lib/cni',
        `--tls-cert-file=${join(ndir, 'kubelet.crt')}`, `--tls-private-key-file=${join(ndir, 'kubelet.key')}`, `--client-ca-file=${join(dir, 'ca.crt')}`,
        `--address=${NODE_IP(i)}`, '--port=10250',
        // containerd: the kubelet pulls (from its netns, through the forwarder); docker: dockerd pulls (host netns, loopback).
        ...(containerd ? [`--registry-mirror=docker.io=http://${apiIP}:${fwdPort}`, `--insecure-registry=${apiIP}:${fwdPort}`] : [`--registry-mirror=docker.io=http://${registry.addr}`, `--insecure-registry=${registry.addr}`]),
        '--cluster-cidr=10.214.0.0/16', '--manage-routes=false',
        ...(o.kubeletArgs ?? []),
      ];
      const k = spawn('nsenter', args, { stdio: ['ignore', out, out], env: { ...process.env, KUBELAB_LOG_LEVEL: 'info' } });
      kids.push(k);
      writeFileSync(join(STATE, `kubelet-${i}.pid`), String(k.pid));
      nodes.push({
        name, ip: NODE_IP(i), runtimeEndpoint: endpoint,
        kubeletPid: () => (k.exitCode === null && k.signalCode === null ? k.pid : undefined),
        log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
      });
    }
    for (const [i, k] of kids.entries()) {
      await waitFor(() => {
        if (k.exitCode !== null) throw new Error(`kubelet ${i} exited ${k.exitCode}: ${nodes[i]!.log().slice(-3000)}`);
        return nodes[i]!.log().includes('kubelet started');
      }, 90_000, `kubelet ${i} to start`);
    }

    return {
      api, etcd, runtime: o.runtime, registry, nodes,
      ...(containerd ? { containerdSocket: containerd.socket } : {}),
      dockerSockets: dockerds.map((d) => d.socket),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
