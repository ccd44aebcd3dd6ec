/**
 * Pod networking through the standard CNI plugins (bridge + host-local, loopback), invoked as the CNI
 * spec says: the plugin binary with CNI_COMMAND / CNI_CONTAINERID / CNI_NETNS / CNI_IFNAME / CNI_PATH
 * in its environment and the network config on stdin, run with the NODE's network namespace current
 * (the kubelet runs inside it), so the bridge lives in the node. The pod's netns is a file under
 * /run/netns made by `ip netns add` (a bind mount that outlives the pod's containers, so DEL can run).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeError } from '../../api/errors.js';

export const NETNS_DIR = '/run/netns';

export interface CniNetwork {
  cniVersion: string;
  name: string;
  plugins: Record<string, unknown>[];
}

export interface CniResult {
  ips: { address: string; gateway?: string; interface?: number }[];
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  routes?: unknown[];
}

/** The node's pod network: bridge `cni0` + host-local IPAM on the node's podCIDR with its own dataDir (pure). */
export function buildCniNetwork(podCIDR: string, dataDir: string, bridge = 'cni0'): CniNetwork {
  return {
    cniVersion: '1.0.0',
    name: 'kubelab',
    plugins: [
      {
        type: 'bridge',
        bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: podCIDR }]], routes: [{ dst: '0.0.0.0/0' }], dataDir },
      },
    ],
  };
}

export const LOOPBACK: Record<string, unknown> = { cniVersion: '1.0.0', name: 'cni-loopback', type: 'loopback' };

/** The config one plugin of a list gets on stdin (name and cniVersion from the list, prevResult chained). */
export function pluginConfig(net: CniNetwork, plugin: Record<string, unknown>, prevResult?: unknown): Record<string, unknown> {
  return { ...plugin, cniVersion: net.cniVersion, name: net.name, ...(prevResult ? { prevResult } : {}) };
}

/** The netns file of a pod: `/run/netns/kubelab-<node>-<uid>`. */
export function podNetnsName(nodeName: string, podUid: string): string {
  return `kubelab-${nodeName}-${podUid}`;
}

/** Pod uids whose netns exist on this node (from the names under /run/netns). */
export function netnsUids(names: string[], nodeName: string): string[] {
  const prefix = `kubelab-${nodeName}-`;
  return names.filter((n) => n.startsWith(prefix) && /^[0-9a-f-]{36}$/.test(n.slice(prefix.length))).map((n) => n.slice(prefix.length));
}

/** The pod IPv4 from a CNI result (without the prefix length). */
export function podIPFromResult(r: CniResult): string | undefined {
  return r.ips?.find((ip) => !ip.address.includes(':'))?.address.split('/')[0] ?? r.ips?.[0]?.address.split('/')[0];
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new KubeError('InternalError', `${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`, { code: 'ERR_NETWORK' }));
      else resolve(stdout);
    });
  });
}

/** Run one CNI plugin; resolves with its parsed stdout (the result), rejects with its error message. */
export function invokePlugin(binDir: string, command: 'ADD' | 'DEL' | 'CHECK', containerId: string, netns: string, ifname: string, config: Record<string, unknown>): Promise<unknown> {
  const bin = join(binDir, String(config.type));
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [], {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: netns, CNI_IFNAME: ifname, CNI_PATH: binDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new KubeError('InternalError', `CNI plugin ${bin}: ${e.message}`, { code: 'ERR_NETWORK' })));
    child.on('close', (code) => {
      if (code === 0) {
        try {
          resolve(out.trim() ? JSON.parse(out) : {});
        } catch {
          resolve({});
        }
        return;
      }
      let msg = err.trim() || out.trim();
      try {
        const e = JSON.parse(out) as { msg?: string; details?: string };
        msg = [e.msg, e.details].filter(Boolean).join(': ');
      } catch { /* plain text */ }
      reject(new KubeError('InternalError', `plugin type="${String(config.type)}" failed (${command.toLowerCase()}): ${msg}`, { code: 'ERR_NETWORK' }));
    });
    child.stdin.end(JSON.stringify(config));
  });
}

export interface CniManagerOptions {
  nodeName: string;
  binDir: string;
  confDir: string;
  dataDir: string;
  /** Where pods' CNI results are kept (per pod uid), so a restarted kubelet knows the pod IPs. */
  stateDir: string;
}

/** What the pod workers need of the pod network (CniManager; a fake in unit tests). */
export interface PodNetwork {
  setUp(uid: string, podCIDR: string | undefined): Promise<{ ip: string }>;
  tearDown(uid: string): Promise<void>;
  netnsPath(uid: string): string;
  recorded(uid: string): { ip: string } | undefined;
  listUids(): string[];
}

/** Pod network setup and teardown on one node. */
export class CniManager implements PodNetwork {
  constructor(readonly opts: CniManagerOptions) {}

  /** The node's network config: the first *.conflist in confDir, else one written from podCIDR. */
  network(podCIDR: string | undefined): CniNetwork | undefined {
    mkdirSync(this.opts.confDir, { recursive: true });
    const files = readdirSync(this.opts.confDir).filter((f) => f.endsWith('.conflist')).sort();
    if (files.length) return JSON.parse(readFileSync(join(this.opts.confDir, files[0]!), 'utf8')) as CniNetwork;
    if (!podCIDR) return undefined;
    const net = buildCniNetwork(podCIDR, this.opts.dataDir);
    writeFileSync(join(this.opts.confDir, '10-kubelab.conflist'), JSON.stringify(net, null, 2) + '\n');
    return net;
  }

  netnsPath(uid: string): string {
    return join(NETNS_DIR, podNetnsName(this.opts.nodeName, uid));
  }

  private resultFile(uid: string): string {
    return join(this.opts.stateDir, `${uid}.json`);
  }

  /** The pod's recorded network result, if set up. */
  recorded(uid: string): { ip: string } | undefined {
    try {
      const r = JSON.parse(readFileSync(this.resultFile(uid), 'utf8')) as { ip: string };
      return existsSync(this.netnsPath(uid)) ? r : undefined;
    } catch {
      return undefined;
    }
  }

  /** netns + loopback + the network list; idempotent (a recorded pod answers its IP). */
  async setUp(uid: string, podCIDR: string | undefined): Promise<{ ip: string }> {
    const done = this.recorded(uid);
    if (done) return done;
    const net = this.network(podCIDR);
    if (!net) throw new KubeError('ServiceUnavailable', 'network plugin not ready: cni config uninitialized (the node has no podCIDR yet)', { code: 'ERR_NETWORK' });
    const name = podNetnsName(this.opts.nodeName, uid);
    const path = this.netnsPath(uid);
    if (!existsSync(path)) await run('ip', ['netns', 'add', name]);
    try {
      await invokePlugin(this.opts.binDir, 'ADD', uid, path, 'lo', LOOPBACK);
      let prev: unknown;
      for (const p of net.plugins) prev = await invokePlugin(this.opts.binDir, 'ADD', uid, path, 'eth0', pluginConfig(net, p, prev));
      const ip = podIPFromResult(prev as CniResult);
      if (!ip) throw new KubeError('InternalError', 'CNI result has no IP', { code: 'ERR_NETWORK' });
      mkdirSync(this.opts.stateDir, { recursive: true });
      writeFileSync(this.resultFile(uid), JSON.stringify({ ip, result: prev }));
      return { ip };
    } catch (e) {
      await this.tearDown(uid).catch(() => undefined);
      throw e;
    }
  }

  /** CNI DEL (plugins in reverse) and remove the netns; idempotent. */
  async tearDown(uid: string): Promise<void> {
    const path = this.netnsPath(uid);
    const net = this.network(undefined);
    if (net) {
      for (const p of [...net.plugins].reverse()) {
        await invokePlugin(this.opts.binDir, 'DEL', uid, existsSync(path) ? path : '', 'eth0', pluginConfig(net, p)).catch(() => undefined);
      }
    }
    if (existsSync(path)) await run('ip', ['netns', 'del', podNetnsName(this.opts.nodeName, uid)]).catch(() => undefined);
    rmSync(this.resultFile(uid), { force: true });
  }

  /** Pod uids with a netns on this node. */
  listUids(): string[] {
    return existsSync(NETNS_DIR) ? netnsUids(readdirSync(NETNS_DIR), this.opts.nodeName) : [];
  }
}
