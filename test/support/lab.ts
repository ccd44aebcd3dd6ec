/**
 * Driving the one-machine lab (scripts/lab) from end-to-end tests: async `up` / `down` / `exec`, the real
 * kubectl against the lab's admin kubeconfig, and a check that `down` left nothing of the lab on the host.
 *
 * The lab's names are fixed (bridge kubelab0, namespaces kubelab-<host>, 192.168.56.0/24): only one lab
 * can run on the machine. `assertNoLab()` refuses to start when one (or its leftovers) is there; a test
 * file runs `up`, its tests, then `down` (also in afterAll, so a failure still cleans up).
 *
 * Processes are only ever signalled by PID: the lab's own PID files (`<labDir>/run/<host>-<c>.pid`,
 * checked against the command line as scripts/lab does) or children this module spawned.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { freezerOf } from './freezer.js';
import { poll } from './net.js';
import { need } from './deps.js';

export const repo = resolve(import.meta.dirname, '../..');
export const labScript = join(repo, 'scripts/lab');
export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
export const HOSTS = ['controlplane01', 'node01', 'node02'] as const;
export type Host = (typeof HOSTS)[number];
export const HOST_IP: Record<Host, string> = { controlplane01: '192.168.56.11', node01: '192.168.56.21', node02: '192.168.56.22' };
export const WORKERS: Host[] = ['node01', 'node02'];
/** The extra hosts of `scripts/lab up --ha` (scripts/lab-config/hosts-ha). */
export const HA_HOSTS = ['controlplane02', 'controlplane03', 'loadbalancer'] as const;
export type AnyHost = Host | (typeof HA_HOSTS)[number];
/**
 * The e2e tests' lab directory (KUBELAB_LAB_DIR). Short on purpose: dockerd's embedded containerd puts
 * `<lab>/run/<host>/docker-exec/containerd/containerd-debug.sock` there and refuses a socket path over 104
 * bytes ("unix socket path too long"), so a lab under a deep checkout fails with --runtime docker.
 * Fixed, so the image build cache (`<lab>/images`, kept by `down`) serves the next run.
 */
export const E2E_LAB_DIR = process.env.KUBELAB_E2E_LAB_DIR ?? '/tmp/kubelab-e2e-cluster';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** One command, asynchronously; never rejects (the caller reads `code`). Killed (SIGKILL, its PID) after timeoutMs. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((done) => {
    const input = opts.input;
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd ?? repo, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${opts.timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      done({ code: -1, signal: null, stdout, stderr: `${stderr}${String(e)}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
    if (input !== undefined && child.stdin) {
      child.stdin.on('error', () => {}); // a child that exits before reading its input: its exit code tells
      child.stdin.end(input);
    }
  });
}

/** A result as text for assertion messages. */
export function show(r: RunResult, what = ''): string {
  return `${what}exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** net.ts's poll, every 250 ms by default: answers the value and the elapsed time. */
export function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>, intervalMs = 250): Promise<{ value: T; ms: number }> {
  return poll(what, timeoutMs, check, intervalMs);
}

export function ipInCidr(ip: string, cidr: string): boolean {
  const [base, len] = cidr.split('/');
  const n = (s: string) => s.split('.').reduce((a, o) => ((a << 8) + Number(o)) >>> 0, 0);
  const mask = Number(len) === 0 ? 0 : (~0 << (32 - Number(len))) >>> 0;
  return ((n(ip) & mask) >>> 0) === ((n(base!) & mask) >>> 0);
}

/** The ASCII column of `hexdump -C` output, joined (a string split over two 16-byte lines reads whole). */
export function hexdumpAscii(dump: string): string {
  return dump
    .split('\n')
    .map((l) => /\|(.*)\|\s*$/.exec(l)?.[1] ?? '')
    .join('');
}

/** Count of each line (e.g. which pod answered) in a command's output. */
export function tally(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of text.split('\n').map((s) => s.trim()).filter(Boolean)) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

/**
 * This checkout compiled into a private dist under .test-state (not the shared dist/), behind a
 * KUBELAB_BIN wrapper; rebuilt only when a source file is newer. KUBELAB_BIN from the environment wins.
 */
export async function kubelabBin(stateDir: string): Promise<string> {
  if (process.env.KUBELAB_BIN) return process.env.KUBELAB_BIN;
  const out = join(stateDir, 'dist');
  const main = join(out, 'cli/main.js');
  const bin = join(stateDir, 'kubelab');
  mkdirSync(stateDir, { recursive: true });
  if (!existsSync(main) || newestSource() > statSync(main).mtimeMs) {
    const r = await run(join(repo, 'node_modules/.bin/tsc'), ['-p', join(repo, 'tsconfig.json'), '--outDir', out], { timeoutMs: 240_000 });
    // tsc emits despite type errors elsewhere in the tree: only a missing output is fatal here.
    if (!existsSync(main)) throw new Error(`the build did not produce ${main}\n${show(r)}`);
  }
  writeFileSync(bin, `#!/bin/sh\nexec ${process.execPath} --enable-source-maps ${main} "$@"\n`);
  chmodSync(bin, 0o755);
  return bin;
}

function newestSource(): number {
  let newest = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['cli', 'api', 'control-plane', 'node-agent', 'addons']) if (existsSync(join(repo, d))) walk(join(repo, d));
  return newest;
}

/**
 * Everything a lab left on the host: `scripts/lab leftovers` (network namespaces, links, routes, the iptables
 * rule, the network policy agent's KL-NP-* ipsets, processes naming `labDir`, mounts, cgroups, and state other
 * than the image cache, as "state left: ...").
 */
export async function leftovers(labDir: string): Promise<string[]> {
  const r = await run(labScript, ['leftovers'], { env: { ...process.env, KUBELAB_LAB_DIR: labDir } });
  if (r.code !== 0 && r.code !== 1) throw new Error(show(r, 'scripts/lab leftovers: '));
  return r.stdout.split('\n').filter(Boolean);
}

/** Throws unless this machine has no lab (its namespaces, bridge, or an up/down in progress). */
export async function assertNoLab(labDir: string): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the lab tests need root');
  need('ip', 'iptables-save', 'ipset', 'nsenter', 'etcd', 'etcdctl', 'containerd', 'ctr', 'dockerd', 'curl', 'docker-registry', 'skopeo', 'umoci');
  const netns = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  const busy: string[] = netns.filter((n) => [...HOSTS, ...HA_HOSTS].some((h) => n === `kubelab-${h}`)).map((n) => `netns ${n}`);
  if ((await run('ip', ['link', 'show', 'kubelab0'])).code === 0) busy.push('bridge kubelab0');
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (cmd.some((a) => a.endsWith('scripts/lab')) && (cmd.includes('up') || cmd.includes('down'))) busy.push(`scripts/lab running (pid ${p})`);
    } catch {
      // exited meanwhile
    }
  }
  if (busy.length) throw new Error(`a lab is already on this machine (only one at a time; run scripts/lab down): ${busy.join('; ')}`);
  const stale = (await leftovers(labDir)).filter((l) => !l.startsWith('state left'));
  if (stale.length) throw new Error(`leftovers of a lab are on this machine: ${stale.join('; ')}`);
}

export interface Pod {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}

/** One lab: its directory, the kubelab binary it runs, and the commands the tests use. */
export class Lab {
  readonly env: NodeJS.ProcessEnv;
  readonly kubeconfig: string;

  constructor(readonly dir: string, bin: string) {
    // The add-ons' image (scripts/images/build kubelab) holds the same build as KUBELAB_BIN: kubelabBin's dist.
    const dist = join(dirname(bin), 'dist');
    this.env = { ...process.env, KUBELAB_LAB_DIR: dir, KUBELAB_BIN: bin, KUBECTL, ...(existsSync(join(dist, 'cli/main.js')) ? { KUBELAB_DIST: dist } : {}) };
    this.kubeconfig = join(dir, 'kubeconfig');
  }

  lab(args: string[], timeoutMs = 300_000): Promise<RunResult> {
    return run(labScript, args, { env: this.env, timeoutMs });
  }

  /**
   * `scripts/lab up`. Its last step (the nginx demo) curls the ClusterIP once per host, without retry,
   * right after `kubectl wait --for=Available`: that races the proxies, which may still hold the
   * Service's "has no endpoints" rule for up to --iptables-min-sync-period (1 s) after the endpoints are
   * ready. Seen with --runtime docker (about 1 run in 3) as "the ClusterIP did not answer from <host>",
   * the same curl answering 200 seconds later. That failure alone is retried once (`up` reuses what
   * runs), loudly; any other failure is returned as is.
   */
  async up(runtime: 'containerd' | 'docker', extra: string[] = []): Promise<RunResult> {
    const args = ['up', '--skip-deps', '--skip-build', '--runtime', runtime, ...extra];
    const first = await this.lab(args, 420_000);
    if (first.code === 0 || !/step "nginx demo" failed: the ClusterIP did not answer/.test(first.stderr)) return first;
    console.warn(`scripts/lab up: the demo's ClusterIP curl raced the proxy; running up again\n${first.stderr.slice(-1500)}`);
    const again = await this.lab(args, 420_000);
    return { ...again, stdout: `${first.stdout}\n[up run again after the demo race]\n${again.stdout}` };
  }

  down(): Promise<RunResult> {
    return this.lab(['down'], 180_000);
  }

  /** `scripts/lab exec HOST -- argv...` (the host's network namespace and profile). */
  exec(host: AnyHost, argv: string[], timeoutMs = 60_000): Promise<RunResult> {
    return this.lab(['exec', host, '--', ...argv], timeoutMs);
  }

  /** A shell script on a host. */
  sh(host: AnyHost, script: string, timeoutMs = 60_000): Promise<RunResult> {
    return this.exec(host, ['sh', '-c', script], timeoutMs);
  }

  kubectl(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return run(KUBECTL, ['--kubeconfig', this.kubeconfig, ...args], { env: this.env, input: opts.input, timeoutMs: opts.timeoutMs ?? 60_000 });
  }

  /** kubectl, throwing with its output unless it exits 0; returns stdout. */
  async kc(...args: string[]): Promise<string> {
    const r = await this.kubectl(args);
    if (r.code !== 0) throw new Error(show(r, `kubectl ${args.join(' ')}: `));
    return r.stdout;
  }

  async apply(yaml: string): Promise<void> {
    const r = await this.kubectl(['apply', '-f', '-'], { input: yaml });
    if (r.code !== 0) throw new Error(show(r, 'kubectl apply: '));
  }

  async json<T = unknown>(...args: string[]): Promise<T> {
    return JSON.parse(await this.kc(...args, '-o', 'json')) as T;
  }

  async pods(ns: string, selector: string): Promise<Pod[]> {
    return (await this.json<{ items: Pod[] }>('-n', ns, 'get', 'pods', '-l', selector)).items;
  }

  async podCidrs(): Promise<Record<string, string>> {
    const nodes = await this.json<{ items: { metadata: { name: string }; spec: { podCIDR?: string } }[] }>('get', 'nodes');
    return Object.fromEntries(nodes.items.map((n) => [n.metadata.name, n.spec.podCIDR ?? '']));
  }

  async nodeReady(name: string): Promise<string> {
    return (await this.kc('get', 'node', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')).trim();
  }

  /** The PID of a lab daemon from its PID file, checked (as scripts/lab does) to be the lab's process. */
  pidOf(host: AnyHost, component: string): number {
    const pid = Number(readFileSync(join(this.dir, 'run', `${host}-${component}.pid`), 'utf8').trim());
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmd.includes(this.dir)) throw new Error(`pid ${pid} of ${host}-${component} is not the lab's (${cmd.slice(0, 100)})`);
    return pid;
  }

  /** The lab's kind of hosts, as `up` recorded it (`<labDir>/run/hosts`): namespace or machine. */
  hostsKind(): 'namespace' | 'machine' {
    const f = join(this.dir, 'run', 'hosts');
    return existsSync(f) && readFileSync(f, 'utf8').trim() === 'machine' ? 'machine' : 'namespace';
  }

  /**
   * Freezes a host the way a dead one looks, until the answered `thaw` (idempotent: call it again in afterAll).
   * Namespace hosts: SIGSTOP on the host's kubelet (PID file; the other hosts' daemons share this machine).
   * Machine hosts: the whole machine, as a hung VM: the cgroup freezer of its `/kubelab-<host>` cgroup, where its
   * nspawn runs and, under it, its systemd, units and pods' containers (scripts/lab.d/machine.sh machine_cgroups).
   */
  async freeze(host: AnyHost): Promise<{ what: string; thaw: () => void }> {
    if (this.hostsKind() === 'namespace') {
      const pid = this.pidOf(host, 'kubelet');
      process.kill(pid, 'SIGSTOP');
      let frozen = true;
      return {
        what: `SIGSTOP of ${host}'s kubelet (pid ${pid})`,
        thaw: () => {
          if (!frozen) return;
          frozen = false;
          try {
            process.kill(pid, 'SIGCONT');
          } catch {
            // already gone
          }
        },
      };
    }
    const f = freezerOf(readFileSync('/proc/mounts', 'utf8'), `kubelab-${host}`);
    if (!f) throw new Error('no cgroup freezer on this machine (neither a v1 freezer hierarchy nor cgroup v2)');
    const nspawn = this.pidOf(host, 'machine');
    const own = readFileSync(`/proc/${nspawn}/cgroup`, 'utf8');
    if (!own.split('\n').some((l) => l.endsWith(`:/kubelab-${host}`))) throw new Error(`nspawn of ${host} (pid ${nspawn}) is not in /kubelab-${host}:\n${own}`);
    let frozen = true;
    writeFileSync(f.file, f.freeze);
    await waitFor(`${f.file} frozen`, 10_000, async () => f.isFrozen(readFileSync(f.state, 'utf8')));
    return {
      what: `the machine ${host} frozen (${f.file})`,
      thaw: () => {
        if (!frozen) return;
        frozen = false;
        writeFileSync(f.file, f.thaw);
      },
    };
  }

  /** A flag's value in a host's generated flags file (hosts/<host>/env/<component>.env), or undefined. */
  flag(host: AnyHost, component: string, name: string): string | undefined {
    const text = readFileSync(join(this.dir, 'config/hosts', host, 'env', `${component}.env`), 'utf8');
    return new RegExp(`--${name}=(\\S+)`).exec(text)?.[1];
  }
}

/** A Go-style duration ("30s", "1m", "500ms") in milliseconds. */
export function durationMs(s: string): number {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return total;
}

/**
 * `kubectl port-forward POD :PORT` (a free local port chosen by kubectl, loopback only): resolves with the
 * local port once kubectl prints it, and a stop function (kills that kubectl by its PID).
 */
export function portForward(lab: Lab, ns: string, pod: string, port: number, timeoutMs = 20_000): Promise<{ localPort: number; stop: () => void; output: () => string }> {
  return new Promise((resolveP, reject) => {
    const child = spawn(KUBECTL, ['--kubeconfig', lab.kubeconfig, '-n', ns, 'port-forward', '--address', '127.0.0.1', `pod/${pod}`, `:${port}`], {
      env: lab.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const stop = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`kubectl port-forward printed no port within ${timeoutMs} ms:\n${text}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      text += d.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+) -> \d+/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolveP({ localPort: Number(m[1]), stop, output: () => text });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`kubectl port-forward exited ${code}:\n${text}`));
    });
  });
}
