/**
 * The host side of tests and benchmarks that run real services: commands, processes signalled only by
 * PID (a pidfile's, checked against the command line, or a child's), mounts, and network namespaces
 * joined to the host by a veth pair. Names and directories are always the caller's, so a benchmark
 * can run beside the tests.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { waitFor } from './net.js';

/** The checkout's root: the nearest folder with a package.json (works from the TS sources and from dist/). */
export const REPO = ((): string => {
  let d = import.meta.dirname;
  while (!existsSync(join(d, 'package.json')) && resolve(d, '..') !== d) d = resolve(d, '..');
  return d;
})();

/** Run a command (extra environment, text on stdin) and answer its stdout; throws (with its stderr) when it fails. */
export function sh(cmd: string, args: string[], opts: { env?: Record<string, string>; input?: string } = {}): string {
  return execFileSync(cmd, args, {
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    input: opts.input,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
}

/** Run a command whose failure does not matter (deleting what may be absent). */
export function tryRun(cmd: string, args: string[]): void {
  try {
    sh(cmd, args);
  } catch {
    // absent
  }
}

/** Whether a process with this PID exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A process's command line, arguments joined by spaces ('' when it is gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Stop (SIGTERM, SIGKILL after `graceMs`) the process a pidfile names, only if its command line contains `mustContain` (ours); remove the pidfile. */
export async function stopByPidfile(pidfile: string, mustContain: string, graceMs = 15_000): Promise<void> {
  if (!existsSync(pidfile)) return;
  const pid = Number(readFileSync(pidfile, 'utf8').trim());
  if (pid > 1 && alive(pid) && cmdline(pid).includes(mustContain)) {
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !alive(pid), graceMs, `pid ${pid} to exit`, 50).catch(() => {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    });
    await waitFor(() => !alive(pid), 5000, `pid ${pid} to die`, 50).catch(() => undefined);
  }
  rmSync(pidfile, { force: true });
}

/** SIGKILL the process a killed run's pidfile names, only if its command line contains `mustContain` (ours); remove the pidfile. */
export function killByPidfile(pidfile: string, mustContain: string): void {
  if (!existsSync(pidfile)) return;
  const pid = Number(readFileSync(pidfile, 'utf8'));
  if (pid > 1 && cmdline(pid).includes(mustContain)) process.kill(pid, 'SIGKILL');
  rmSync(pidfile, { force: true });
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

/** SIGKILL a child process, if it still runs, and wait for it to exit. */
export async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

/** Undo steps, run by runCleanups() last one first. */
export type Cleanups = (() => Promise<void> | void)[];

/** Run (and forget) the undo steps, last one first, each even when an earlier one failed. */
export async function runCleanups(cleanups: Cleanups): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c();
    } catch { /* keep cleaning */ }
  }
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

/** Add a network namespace; answers its path. */
export function netnsAdd(name: string): string {
  sh('ip', ['netns', 'add', name]);
  return `/run/netns/${name}`;
}

/** Delete a network namespace, if it is there. */
export function netnsDel(name: string): void {
  tryRun('ip', ['netns', 'del', name]);
}

/** Delete netns left by killed runs: those named `<prefix>*`, or those `match` accepts. */
export function netnsPurge(match: string | ((name: string) => boolean)): void {
  if (!existsSync('/run/netns')) return;
  const ours = typeof match === 'string' ? (n: string) => n.startsWith(match) : match;
  for (const n of readdirSync('/run/netns')) {
    if (!ours(n)) continue;
    netnsDel(n);
    // dockerd makes a missing bind-mount source a directory: such an empty directory is ours too
    try { rmdirSync(join('/run/netns', n)); } catch { /* a file, or gone */ }
  }
}

/** A network namespace and the veth pair that joins it to the host (each end a /30). */
export interface VethNetns {
  netns: string;
  /** The veth's host end, given `hostIp`/30. */
  hostIf: string;
  /** The name the other end is created with, before it moves into `netns` and becomes eth0 (`nodeIp`/30). */
  peerIf: string;
  hostIp: string;
  nodeIp: string;
  /** Route everything from the namespace via `hostIp`. */
  defaultRoute?: boolean;
}

/**
 * A network namespace joined to the host by a veth pair (as a node of the lab: eth0 and lo up inside).
 * The undo of each step (delete the netns, delete the veth) is pushed onto `cleanups` as soon as the step is done.
 */
export function addVethNetns(o: VethNetns, cleanups: Cleanups): void {
  netnsAdd(o.netns);
  cleanups.push(() => netnsDel(o.netns));
  sh('ip', ['link', 'add', o.hostIf, 'type', 'veth', 'peer', 'name', o.peerIf]);
  cleanups.push(() => tryRun('ip', ['link', 'del', o.hostIf]));
  sh('ip', ['link', 'set', o.peerIf, 'netns', o.netns]);
  sh('ip', ['addr', 'add', `${o.hostIp}/30`, 'dev', o.hostIf]);
  sh('ip', ['link', 'set', o.hostIf, 'up']);
  const inNs = (args: string[]) => sh('ip', ['netns', 'exec', o.netns, ...args]);
  inNs(['ip', 'link', 'set', o.peerIf, 'name', 'eth0']);
  inNs(['ip', 'addr', 'add', `${o.nodeIp}/30`, 'dev', 'eth0']);
  inNs(['ip', 'link', 'set', 'eth0', 'up']);
  inNs(['ip', 'link', 'set', 'lo', 'up']);
  if (o.defaultRoute) inNs(['ip', 'route', 'add', 'default', 'via', o.hostIp]);
}
