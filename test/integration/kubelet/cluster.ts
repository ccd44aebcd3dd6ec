/**
 * A one-node kubelab for the kubelet's integration tests: a real etcd, an in-process API server
 * (bound to the host end of a veth pair, with a kubelet client certificate), the lab registry behind
 * a TCP forwarder, a real containerd, and the kubelet as a child process inside a network namespace
 * of its own (`nsenter --net`), as the lab starts it. Everything is named kubelab-test-kubelet-*
 * (the veth's host end `kltk0`), cleared at start when a killed run left it, and removed by stop().
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, connect, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import { ApiServer } from '../../../control-plane/apiserver/server.js';
import { Authenticator } from '../../../control-plane/apiserver/authn.js';
import { createKubeletProxy, createKubeletUpgradeProxy } from '../../../control-plane/apiserver/kubelet-proxy.js';
import { EtcdBackend } from '../../../control-plane/storage/etcd-backend.js';
import { createCA, createCertificate } from '../../../api/tls/certs.js';
import { buildKubeconfig } from '../../../api/tls/kubeconfig.js';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { freePort, waitFor } from '../../support/net.js';
import { REPO, type ApiHandle } from '../../support/apiserver.js';
import { startContainerd, startDockerd, startRegistry, netnsPurge, type Containerd, type Dockerd, type Registry } from '../runtime/services.js';

export const PREFIX = 'kubelab-test-kubelet-';
export const NODE = 'test-kubelet-n1';
export const NODE_NETNS = `${PREFIX}node`;
export const HOST_IF = 'kltk0';
export const HOST_IP = '10.213.0.1';
export const NODE_IP = '10.213.0.2';
export const POD_CIDR = '10.213.1.0/24';
const STATE = join(REPO, '.test-state', 'kubelet');

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
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

/** Leftovers of a killed run: our kubelet (pidfile, command line checked), netns, veth. */
export function clearLeftovers(): void {
  const pidfile = join(STATE, 'kubelet.pid');
  if (existsSync(pidfile)) {
    const pid = Number(readFileSync(pidfile, 'utf8'));
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch { /* gone */ }
    if (pid > 1 && cmd.includes(STATE)) process.kill(pid, 'SIGKILL');
    rmSync(pidfile, { force: true });
  }
  netnsPurge(PREFIX);
  tryRun('ip', ['link', 'del', HOST_IF]);
}

export interface Cluster {
  api: ApiHandle;
  etcd: EtcdHandle;
  runtime: 'containerd' | 'docker';
  containerd?: Containerd;
  dockerd?: Dockerd;
  registry: Registry;
  ca: { certPem: string; keyPem: string };
  kubeletLog: () => string;
  /** Run a command in the node's network namespace. */
  inNode(cmd: string[]): string;
  startKubelet(): Promise<void>;
  killKubelet(): Promise<void>;
  stop(): Promise<void>;
}

/** Compile the project into the test's own dist (the kubelet runs as a child in the node netns). */
function build(): string {
  const out = join(STATE, 'dist');
  execFileSync(join(REPO, 'node_modules/.bin/tsc'), ['-p', join(REPO, 'tsconfig.json'), '--outDir', out], { cwd: REPO, stdio: 'ignore' }).toString();
  return out;
}

export async function startCluster(runtime: 'containerd' | 'docker' = 'containerd'): Promise<Cluster> {
  clearLeftovers();
  mkdirSync(STATE, { recursive: true });
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch { /* keep cleaning */ }
    }
  };
  try {
    let dist = '';
    try {
      build();
    } catch { /* tsc exits non-zero on type errors of files in progress; the JS is written anyway */ }
    dist = join(STATE, 'dist');
    if (!existsSync(join(dist, 'cli/main.js'))) throw new Error('the build did not produce cli/main.js');

    // node netns + veth
    sh('ip', ['netns', 'add', NODE_NETNS]);
    cleanups.push(() => tryRun('ip', ['netns', 'del', NODE_NETNS]));
    sh('ip', ['link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', 'kltk1']);
    cleanups.push(() => tryRun('ip', ['link', 'del', HOST_IF]));
    sh('ip', ['link', 'set', 'kltk1', 'netns', NODE_NETNS]);
    sh('ip', ['addr', 'add', `${HOST_IP}/30`, 'dev', HOST_IF]);
    sh('ip', ['link', 'set', HOST_IF, 'up']);
    const inNs = (args: string[]) => sh('ip', ['netns', 'exec', NODE_NETNS, ...args]);
    inNs(['ip', 'link', 'set', 'kltk1', 'name', 'eth0']);
    inNs(['ip', 'addr', 'add', `${NODE_IP}/30`, 'dev', 'eth0']);
    inNs(['ip', 'link', 'set', 'eth0', 'up']);
    inNs(['ip', 'link', 'set', 'lo', 'up']);

    const etcd = await startEtcd();
    cleanups.push(() => etcd.stop());
    const registry = await startRegistry();
    cleanups.push(() => registry.stop());
    let containerd: Containerd | undefined;
    let dockerd: Dockerd | undefined;
    if (runtime === 'containerd') {
      const cd = await startContainerd();
      containerd = cd;
      await cd.purge(PREFIX);
      cleanups.push(() => cd.stop(PREFIX));
    } else {
      const dd = await startDockerd();
      dockerd = dd;
      cleanups.push(() => dd.stop());
    }
    const endpoint = containerd ? `unix://${containerd.address}` : `unix://${dockerd!.socketPath}`;

    // The registry, reachable from the node at HOST_IP:5000.
    const [regHost, regPort] = registry.addr.split(':');
    const fwd: TcpServer = createTcpServer((s) => {
      const up = connect(Number(regPort), regHost);
      s.pipe(up).pipe(s);
      s.on('error', () => up.destroy());
      up.on('error', () => s.destroy());
    });
    const fwdPort = await freePort();
    await new Promise<void>((r) => fwd.listen(fwdPort, HOST_IP, () => r()));
    cleanups.push(() => new Promise<void>((r) => fwd.close(() => r())));

    // PKI
    const dir = join(STATE, 'pki');
    mkdirSync(dir, { recursive: true });
    const ca = createCA('kubelab-test-ca');
    const apiCert = createCertificate({ ca, commonName: 'kube-apiserver', ipAddresses: [HOST_IP, '127.0.0.1'], dnsNames: ['localhost'], serverAuth: true });
    const kubeletClient = createCertificate({ ca, commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], clientAuth: true });
    const kubeletServing = createCertificate({ ca, commonName: NODE, ipAddresses: [NODE_IP, '127.0.0.1'], dnsNames: [NODE], serverAuth: true });
    const files = {
      ca: join(dir, 'ca.crt'),
      kcrt: join(dir, 'kubelet.crt'),
      kkey: join(dir, 'kubelet.key'),
    };
    writeFileSync(files.ca, ca.certPem);
    writeFileSync(files.kcrt, kubeletServing.certPem);
    writeFileSync(files.kkey, kubeletServing.keyPem);
    const adminToken = 'admin-' + Math.random().toString(36).slice(2);
    const nodeToken = 'node-' + Math.random().toString(36).slice(2);
    const tokenFile = join(dir, 'tokens.csv');
    writeFileSync(tokenFile, `${adminToken},admin,admin,"system:masters"\n${nodeToken},system:node:${NODE},${NODE},"system:nodes"\n`);

    const port = await freePort();
    const backend = new EtcdBackend({ endpoints: [etcd.endpoint] });
    const kc = { certPem: kubeletClient.certPem, keyPem: kubeletClient.keyPem, caPem: ca.certPem };
    const server = new ApiServer({
      backend,
      bindAddress: HOST_IP,
      securePort: port,
      tlsCert: apiCert.certPem,
      tlsKey: apiCert.keyPem,
      clientCA: ca.certPem,
      authenticator: Authenticator.fromTokenFile(tokenFile),
      serviceClusterIPRange: '10.96.0.0/16',
      serviceNodePortRange: '30000-32767',
      advertiseAddress: HOST_IP,
      kubeletProxy: createKubeletProxy(kc),
      kubeletUpgrade: createKubeletUpgradeProxy(kc),
    });
    await server.start();
    cleanups.push(async () => {
      await server.stop();
      await backend.close();
    });
    const url = `https://${HOST_IP}:${port}`;
    const kubeconfig = join(dir, 'admin.conf');
    writeFileSync(kubeconfig, buildKubeconfig({ clusterName: 'kubelab', server: url, caPem: ca.certPem, user: 'admin', token: adminToken }));
    const nodeKubeconfig = join(dir, 'kubelet.conf');
    writeFileSync(nodeKubeconfig, buildKubeconfig({ clusterName: 'kubelab', server: url, caPem: ca.certPem, user: `system:node:${NODE}`, token: nodeToken }));
    const api: ApiHandle = {
      url, port, dir, caPem: ca.certPem, adminToken, kubeconfig, encryptionConfig: '',
      server, stop: async () => undefined, kill: () => undefined, restart: async () => undefined,
    };

    let kubelet: ChildProcess | undefined;
    const logFile = join(STATE, 'kubelet.log');
    rmSync(logFile, { force: true });
    const startKubelet = async () => {
      const out = openSync(logFile, 'a');
      const args = [
        `--net=/run/netns/${NODE_NETNS}`, process.execPath, join(dist, 'cli/main.js'), 'kubelet',
        `--kubeconfig=${nodeKubeconfig}`, `--hostname-override=${NODE}`, `--node-ip=${NODE_IP}`,
        `--container-runtime-endpoint=${endpoint}`,
        `--root-dir=${join(STATE, 'root')}`, `--pod-logs-dir=${join(STATE, 'pods-logs')}`, '--cni-bin-dir=/usr/lib/cni',
        `--tls-cert-file=${files.kcrt}`, `--tls-private-key-file=${files.kkey}`, `--client-ca-file=${files.ca}`,
        `--address=${NODE_IP}`, '--port=10250',
        // containerd: the kubelet pulls (from the node netns, through the forwarder); docker: dockerd pulls (host netns, loopback).
        ...(containerd ? [`--registry-mirror=docker.io=http://${HOST_IP}:${fwdPort}`, `--insecure-registry=${HOST_IP}:${fwdPort}`] : [`--registry-mirror=docker.io=${registry.mirror}`, `--insecure-registry=${registry.addr}`]),
        '--node-status-update-frequency=2s', `--cluster-cidr=10.213.0.0/16`,
      ];
      kubelet = spawn('nsenter', args, { stdio: ['ignore', out, out], env: { ...process.env, KUBELAB_LOG_LEVEL: 'info' } });
      writeFileSync(join(STATE, 'kubelet.pid'), String(kubelet.pid));
      const k = kubelet;
      await waitFor(async () => {
        if (k.exitCode !== null) throw new Error(`kubelet exited ${k.exitCode}: ${readFileSync(logFile, 'utf8').slice(-3000)}`);
        return readFileSync(logFile, 'utf8').includes('kubelet started');
      }, 60_000, 'the kubelet to start');
    };
    const killKubelet = async () => {
      const k = kubelet;
      if (!k || k.exitCode !== null || k.signalCode !== null) return;
      const gone = new Promise((r) => k.once('exit', r));
      k.kill('SIGKILL');
      await gone;
    };
    cleanups.push(async () => {
      // Pods first (containers, CNI), while containerd still runs: the kubelet's own cleanup is
      // not relied on; containerd.stop purges our namespace.
      await killKubelet();
      for (const n of existsSync('/run/netns') ? (await import('node:fs')).readdirSync('/run/netns') : []) {
        if (n.startsWith(PREFIX) && n !== NODE_NETNS) tryRun('ip', ['netns', 'del', n]);
      }
      rmSync(join(STATE, 'root'), { recursive: true, force: true });
      rmSync(join(STATE, 'pods-logs'), { recursive: true, force: true });
    });

    return {
      api, etcd, runtime, ...(containerd ? { containerd } : {}), ...(dockerd ? { dockerd } : {}), registry, ca,
      kubeletLog: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
      inNode: (cmd) => sh('nsenter', [`--net=/run/netns/${NODE_NETNS}`, ...cmd]),
      startKubelet,
      killKubelet,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
