/**
 * The tests' prerequisite checks, read from scripts/deps.list: the one list of what kubelab needs from
 * Debian, which scripts/install-deps (run by scripts/test) installs. A test states what it runs with
 * `need('etcd', 'iptables')`; a missing command fails the test naming the package install-deps installs
 * for it, and a command the list does not name fails too: a test can only need what install-deps installs.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { REPO } from './host.js';

export interface Dep {
  command: string;
  pkg: string;
  group: string;
  flags: string;
}

export const DEPS_LIST = join(REPO, 'scripts/deps.list');

/** The rows of scripts/deps.list (comments and blank lines skipped). */
export function parseDeps(text: string): Dep[] {
  const rows: Dep[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [command, pkg, group, ...flags] = t.split(/\s+/);
    if (!command || !pkg || !group) throw new Error(`scripts/deps.list: a row needs command, package and group: "${t}"`);
    rows.push({ command, pkg, group, flags: flags.join(' ') });
  }
  return rows;
}

let cached: Dep[] | undefined;
export function deps(): Dep[] {
  cached ??= parseDeps(readFileSync(DEPS_LIST, 'utf8'));
  return cached;
}

/** Whether a command is there: an absolute path that exists, or an executable in PATH. */
export function have(command: string): boolean {
  if (command.startsWith('/')) return existsSync(command);
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      /* not in this dir */
    }
  }
  return false;
}

/** Why `command` cannot be used, or undefined when it can. */
export function missing(command: string): string | undefined {
  const dep = deps().find((d) => d.command === command);
  if (!dep) return `${command} is not in scripts/deps.list: add it there (command, package, group), so scripts/install-deps installs it`;
  if (!have(command)) return `${command} is not installed: scripts/install-deps installs package ${dep.pkg}`;
  return undefined;
}

/** Throw unless every command is listed in scripts/deps.list and installed. */
export function need(...commands: string[]): void {
  const why = commands.map(missing).filter((m): m is string => m !== undefined);
  if (why.length) throw new Error(why.join('; '));
}
