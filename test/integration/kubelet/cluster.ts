/**
 * A one-node kubelab for the kubelet's integration tests: a real etcd, an in-process API server
 * (bound to the host end of a veth pair, with a kubelet client certificate), the lab registry behind
 * a TCP forwarder, a real containerd, and the kubelet as a child process inside a network namespace
 * of its own (`nsenter --net`), as the lab starts it. Everything is named kubelab-test-kubelet-*
 * (the veth's host end `kltk0`), cleared at start when a killed run left it, and removed by stop().
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKubeletProxy, createKubeletUpgradeProxy } from '../../../control-plane/apiserver/kubelet-proxy.js';
import { createCA, createCertificate } from '../../../api/tls/certs.js';
import { buildKubeconfig } from '../../../api/tls/kubeconfig.js';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { startTcpForwarder } from '../../support/net.js';
import { httpOk, startService } from '../../support/service.js';
import { need } from '../../support/deps.js';
import { startApiServerOn, type ApiHandle } from '../../support/apiserver.js';
import { REPO, addVethNetns, killByPidfile, killChild, netnsPurge, runCleanups, sh, tryRun, type Cleanups } from '../../support/host.js';
import { startContainerd, startDockerd, startRegistry, type Containerd, type Dockerd, type Registry } from '../../support/runtime-services.js';

export const PREFIX = 'kubelab-test-kubelet-';
export const NODE = 'test-kubelet-n1';
export const NODE_NETNS = `${PREFIX}node`;
export const HOST_IF = 'kltk0';
export const HOST_IP = '10.213.0.1';
export const NODE_IP = '10.213.0.2';
export const POD_CIDR = '10.213.1.0/24';
const STATE = join(REPO, '.test-state', 'kubelet');

/** Leftovers of a killed run: our kubelet (pidfile, command line checked), netns, veth. */
export function clearLeftovers(): void {
  killByPidfile(join(STATE, 'kubelet.pid'), STATE);
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

export interface ClusterOptions {
  /** More kubelet flags (e.g. --cluster-dns), after the harness's own. */
  kubeletArgs?: string[];
}

export async function startCluster(runtime: 'containerd' | 'docker' = 'containerd', opts: ClusterOptions = {}): Promise<Cluster> {
  need('nsenter', 'ip', 'iptables', '/usr/lib/cni/bridge', '/usr/lib/cni/host-local', '/usr/lib/cni/loopback');
  clearLeftovers();
  mkdirSync(STATE, { recursive: true });
  const cleanups: Cleanups = [];
  const stop = () => runCleanups(cleanups);
  try {
    let dist = '';
    try {
      build();
    } catch { /* tsc exits non-zero on type errors of files in progress; the JS is written anyway */ }
    dist = join(STATE, 'dist');
    if (!existsSync(join(dist, 'cli/main.js'))) throw new Error('the build did not produce cli/main.js');

    addVethNetns({ netns: NODE_NETNS, hostIf: HOST_IF, peerIf: 'kltk1', hostIp: HOST_IP, nodeIp: NODE_IP }, cleanups);

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
    const endpoint = (containerd ?? dockerd!).endpoint;

    // The registry, reachable from the node at HOST_IP:<fwdPort>.
    const fwd = await startTcpForwarder(registry.addr, HOST_IP);
    const fwdPort = fwd.port;
    cleanups.push(() => fwd.close());

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

    const kc = { certPem: kubeletClient.certPem, keyPem: kubeletClient.keyPem, caPem: ca.certPem };
    const api = await startApiServerOn(etcd, {
      bindAddress: HOST_IP, dir, caPem: ca.certPem, cert: apiCert, tokenFile, adminToken,
      extra: { kubeletProxy: createKubeletProxy(kc), kubeletUpgrade: createKubeletUpgradeProxy(kc) },
    });
    cleanups.push(() => api.stop());
    const nodeKubeconfig = join(dir, 'kubelet.conf');
    writeFileSync(nodeKubeconfig, buildKubeconfig({ clusterName: 'kubelab', server: api.url, caPem: ca.certPem, user: `system:node:${NODE}`, token: nodeToken }));

    let kubelet: ChildProcess | undefined;
    const logFile = join(STATE, 'kubelet.log');
    rmSync(logFile, { force: true });
    const startKubelet = async () => {
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
        ...(opts.kubeletArgs ?? []),
      ];
      // nsenter --net execs the kubelet (no fork): the PID is the kubelet's. Ready: its /healthz on the node's address.
      const svc = await startService({
        name: 'kubelet', command: 'nsenter', args, env: { ...process.env, KUBELAB_LOG_LEVEL: 'info' },
        logFile, pidFile: join(STATE, 'kubelet.pid'),
        ready: () => httpOk(`https://${NODE_IP}:10250/healthz`, { ca: ca.certPem }), timeoutMs: 60_000,
      });
      kubelet = svc.child;
    };
    const killKubelet = async () => {
      if (kubelet) await killChild(kubelet);
    };
    cleanups.push(async () => {
      // Pods first (containers, CNI), while containerd still runs: the kubelet's own cleanup is
      // not relied on; containerd.stop purges our namespace.
      await killKubelet();
      netnsPurge((n) => n.startsWith(PREFIX) && n !== NODE_NETNS);
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
