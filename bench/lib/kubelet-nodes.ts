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
 * The services are the runtime tests' (test/support/runtime-services.ts), given our state dirs and prefix.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCA, createCertificate } from '../../api/tls/certs.js';
import { buildKubeconfig } from '../../api/tls/kubeconfig.js';
import { startEtcd, type EtcdHandle } from '../../test/support/etcd.js';
import { startTcpForwarder } from '../../test/support/net.js';
import { httpOk, startService, type ServiceSpec } from '../../test/support/service.js';
import { startApiServerOn, type ApiHandle } from '../../test/support/apiserver.js';
import {
  REPO, addVethNetns, killByCmdline, killByPidfile, killChild, netnsPurge, runCleanups, stopByPidfile, tryRun, unmountUnder, type Cleanups,
} from '../../test/support/host.js';
import {
  leftoverContainerd, startContainerd, startDockerd, startRegistry, type Containerd, type Dockerd, type Registry,
} from '../../test/support/runtime-services.js';

export const PREFIX = 'kubelab-bench-';
export const STATE = join(REPO, '.test-state', 'bench');
const HOST_IP = (i: number) => `10.214.0.${4 * i + 1}`;
const NODE_IP = (i: number) => `10.214.0.${4 * i + 2}`;
export const nodeName = (i: number) => `bench-n${i + 1}`;
export const podCIDR = (i: number) => `10.214.${i + 1}.0/24`;

/** Leftovers of a killed run: our kubelets (pidfiles, command line checked), netns, veths, services. */
export async function clearLeftovers(nodes = 4): Promise<void> {
  for (let i = 0; i < nodes; i++) killByPidfile(join(STATE, `kubelet-${i}.pid`), STATE);
  const cd = await leftoverContainerd({ dir: join(STATE, 'containerd') }).catch(() => undefined);
  await cd?.stop(PREFIX);
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
  netnsPurge((n) => /^kubelab-bench-n\d+-/.test(n) || (nodes && /^kubelab-bench-node\d+$/.test(n)));
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
  const cleanups: Cleanups = [];
  const stop = () => runCleanups(cleanups);
  cleanups.push(() => purgeNodeNetns(false)); // runs last: netns a dying kubelet's child made late
  try {
    // node netns + veths; each node's default route is its host end
    for (let i = 0; i < o.nodes; i++) {
      addVethNetns({ netns: `${PREFIX}node${i + 1}`, hostIf: `klbn${i}`, peerIf: `klbn${i}p`, hostIp: HOST_IP(i), nodeIp: NODE_IP(i), defaultRoute: true }, cleanups);
    }
    const apiIP = HOST_IP(0);

    const etcd = await startEtcd();
    cleanups.push(() => etcd.stop());
    const registry = await startRegistry({ state: STATE, keepImages: true });
    cleanups.push(() => registry.stop());

    // The registry, reachable from the nodes at apiIP:fwdPort.
    const fwd = await startTcpForwarder(registry.addr, apiIP);
    const fwdPort = fwd.port;
    cleanups.push(() => fwd.close());

    let containerd: Containerd | undefined;
    const dockerds: Dockerd[] = [];
    if (o.runtime === 'containerd') {
      const cd = await startContainerd({ dir: join(STATE, 'containerd') });
      containerd = cd;
      cleanups.push(() => cd.stop(PREFIX));
    } else {
      for (let i = 0; i < o.nodes; i++) {
        const dd = await startDockerd({ dir: join(STATE, `docker-${i}`), insecureRegistry: registry.addr });
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

    const api = await startApiServerOn(etcd, { bindAddress: apiIP, dir, caPem: ca.certPem, cert: apiCert, tokenFile, adminToken });
    cleanups.push(() => api.stop());

    const nodes: BenchNode[] = [];
    const kids: ChildProcess[] = [];
    cleanups.push(async () => {
      for (const k of kids) await killChild(k);
      for (let i = 0; i < o.nodes; i++) rmSync(join(STATE, `kubelet-${i}.pid`), { force: true });
      purgeNodeNetns(false); // pod netns (the node netns go with their own cleanups)
      for (let i = 0; i < o.nodes; i++) rmSync(join(STATE, `node${i}`), { recursive: true, force: true });
    });
    const specs: ServiceSpec[] = [];
    for (let i = 0; i < o.nodes; i++) {
      const name = nodeName(i);
      const ns = `${PREFIX}node${i + 1}`;
      const ndir = join(STATE, `node${i}`);
      mkdirSync(ndir, { recursive: true });
      const serving = createCertificate({ ca, commonName: name, ipAddresses: [NODE_IP(i), '127.0.0.1'], dnsNames: [name], serverAuth: true });
      writeFileSync(join(ndir, 'kubelet.crt'), serving.certPem);
      writeFileSync(join(ndir, 'kubelet.key'), serving.keyPem);
      const nodeKubeconfig = join(ndir, 'kubelet.conf');
      writeFileSync(nodeKubeconfig, buildKubeconfig({ clusterName: 'kubelab', server: api.url, caPem: ca.certPem, user: `system:node:${name}`, token: nodeTokens[i]! }));
      const endpoint = (containerd ?? dockerds[i]!).endpoint;
      const logFile = join(ndir, 'kubelet.log');
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
      // nsenter --net execs the kubelet (no fork): the PID is the kubelet's. Ready: its /healthz on the node's address.
      specs.push({
        name: `kubelet ${i}`, command: 'nsenter', args, env: { ...process.env, KUBELAB_LOG_LEVEL: 'info' },
        logFile, pidFile: join(STATE, `kubelet-${i}.pid`),
        ready: () => httpOk(`https://${NODE_IP(i)}:10250/healthz`, { ca: ca.certPem }), timeoutMs: 90_000,
      });
      nodes.push({
        name, ip: NODE_IP(i), runtimeEndpoint: endpoint,
        kubeletPid: () => undefined,
        log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
      });
    }
    const started = await Promise.allSettled(specs.map((spec) => startService(spec)));
    for (const [i, r] of started.entries()) {
      if (r.status !== 'fulfilled') continue;
      const k = r.value.child;
      kids.push(k);
      nodes[i]!.kubeletPid = () => (k.exitCode === null && k.signalCode === null ? k.pid : undefined);
    }
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    return {
      api, etcd, runtime: o.runtime, registry, nodes,
      ...(containerd ? { containerdSocket: containerd.address } : {}),
      dockerSockets: dockerds.map((d) => d.socketPath),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
