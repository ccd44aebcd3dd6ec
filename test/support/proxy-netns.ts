/** Network namespaces for the proxy's integration tests and benchmark: made here, removed here. */
import { spawn, type ChildProcess } from 'node:child_process';
import { netnsAdd, sh } from './host.js';

export const NS_PREFIX = 'kubelab-test-proxy-';

/** Run inside a namespace (network only, as the lab notes advise). */
export function inNs(ns: string, cmd: string, args: string[]): string {
  return sh('nsenter', [`--net=/run/netns/${ns}`, cmd, ...args]);
}

export function nsPrefix(ns: string): string[] {
  return ['nsenter', `--net=/run/netns/${ns}`];
}

/** A namespace with its loopback up (host.ts's netnsDel and netnsPurge remove it). */
export function addNs(name: string): void {
  netnsAdd(name);
  inNs(name, 'ip', ['link', 'set', 'lo', 'up']);
}

/** Start a process inside a namespace; the caller kills it by its PID. */
export function spawnInNs(ns: string, cmd: string, args: string[]): ChildProcess {
  return spawn('nsenter', [`--net=/run/netns/${ns}`, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

