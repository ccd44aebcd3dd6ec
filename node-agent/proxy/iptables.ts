/**
 * The narrow interface the proxy drives iptables through (upstream's utiliptables.Interface, the
 * part kube-proxy uses), a real implementation that runs the iptables binaries, and an in-memory
 * fake with iptables-restore's semantics for unit tests.
 */
import { spawn } from 'node:child_process';
import { KubeError } from '../../api/errors.js';
import { BUILTIN_CHAINS, BUILTIN_TARGETS, argValue, joinArgs, parseRestore, tokenize } from './iptables-text.js';

export type Table = 'filter' | 'nat' | 'mangle' | 'raw';
export type RulePosition = 'prepend' | 'append';
export type Backend = 'legacy' | 'nft' | 'auto';

export interface Iptables {
  /** Apply iptables-restore input, by default with --noflush --counters (as upstream's RestoreAll). */
  restore(text: string, opts?: { flush?: boolean }): Promise<void>;
  /** iptables-save output of one table. */
  save(table: Table): Promise<string>;
  /** Create a chain if missing; true if it already existed. */
  ensureChain(table: Table, chain: string): Promise<boolean>;
  /** Add a rule if no identical rule exists; true if it already existed. */
  ensureRule(position: RulePosition, table: Table, chain: string, args: readonly string[]): Promise<boolean>;
  /** Delete a rule; false if there was none. */
  deleteRule(table: Table, chain: string, args: readonly string[]): Promise<boolean>;
  /** "1.8.9" */
  version(): Promise<string>;
}

function iptError(message: string, cause?: unknown): KubeError {
  return new KubeError('InternalError', message, { code: 'ERR_NETWORK', cause });
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RealIptablesOptions {
  backend?: Backend;
  /** Command prefix, e.g. ['nsenter', '--net=/run/netns/node01'] to act in another network namespace. */
  prefix?: readonly string[];
  /** Seconds to wait for the xtables lock (-w). */
  waitSeconds?: number;
}

/** Binaries for a backend: `auto` uses whatever `iptables` points to (as the kubelet and CNI plugins do). */
export function binariesFor(backend: Backend): { iptables: string; restore: string; save: string } {
  if (backend === 'auto') return { iptables: 'iptables', restore: 'iptables-restore', save: 'iptables-save' };
  return { iptables: `iptables-${backend}`, restore: `iptables-${backend}-restore`, save: `iptables-${backend}-save` };
}

/** iptables through its binaries. */
export class RealIptables implements Iptables {
  private readonly bins: ReturnType<typeof binariesFor>;
  private readonly prefix: readonly string[];
  private readonly wait: string[];

  constructor(opts: RealIptablesOptions = {}) {
    this.bins = binariesFor(opts.backend ?? 'auto');
    this.prefix = opts.prefix ?? [];
    this.wait = ['-w', String(opts.waitSeconds ?? 5)];
  }

  private run(bin: string, args: readonly string[], input?: string): Promise<RunResult> {
    const argv = [...this.prefix, bin, ...args];
    return new Promise((resolve, reject) => {
      const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => reject(iptError(`${bin}: ${e.message}`, e)));
      child.on('close', (code) =>
        resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
      );
      child.stdin.on('error', () => {});
      child.stdin.end(input ?? '');
    });
  }

  async restore(text: string, opts: { flush?: boolean } = {}): Promise<void> {
    const args = [...this.wait, '--counters'];
    if (!opts.flush) args.push('--noflush');
    const r = await this.run(this.bins.restore, args, text);
    if (r.code !== 0) {
      const m = /line:?\s*(\d+)/i.exec(r.stderr);
      let context = '';
      if (m) {
        const n = Number(m[1]);
        context = '\n' + text.split('\n').slice(Math.max(0, n - 2), n + 1).join('\n');
      }
      throw iptError(`${this.bins.restore} failed (exit ${r.code}): ${r.stderr.trim()}${context}`);
    }
  }

  async save(table: Table): Promise<string> {
    const r = await this.run(this.bins.save, ['-t', table]);
    if (r.code !== 0) throw iptError(`${this.bins.save} -t ${table} failed: ${r.stderr.trim()}`);
    return r.stdout;
  }

  async ensureChain(table: Table, chain: string): Promise<boolean> {
    const r = await this.run(this.bins.iptables, [...this.wait, '-t', table, '-N', chain]);
    if (r.code === 0) return false;
    if (/already exists/i.test(r.stderr)) return true;
    throw iptError(`iptables -t ${table} -N ${chain}: ${r.stderr.trim()}`);
  }

  async ensureRule(position: RulePosition, table: Table, chain: string, args: readonly string[]): Promise<boolean> {
    const check = await this.run(this.bins.iptables, [...this.wait, '-t', table, '-C', chain, ...args]);
    if (check.code === 0) return true;
    if (check.code !== 1) throw iptError(`iptables -t ${table} -C ${chain}: ${check.stderr.trim()}`);
    const r = await this.run(this.bins.iptables, [...this.wait, '-t', table, position === 'prepend' ? '-I' : '-A', chain, ...args]);
    if (r.code !== 0) throw iptError(`iptables -t ${table} ${position === 'prepend' ? '-I' : '-A'} ${chain}: ${r.stderr.trim()}`);
    return false;
  }

  async deleteRule(table: Table, chain: string, args: readonly string[]): Promise<boolean> {
    const r = await this.run(this.bins.iptables, [...this.wait, '-t', table, '-D', chain, ...args]);
    if (r.code === 0) return true;
    // Upstream's IsNotFoundError: no such rule, chain or target (legacy says "Couldn't load target").
    if (r.code === 1 || /does not exist|No chain|Bad rule|Couldn't load target|matching rule exist/i.test(r.stderr)) return false;
    throw iptError(`iptables -t ${table} -D ${chain}: ${r.stderr.trim()}`);
  }

  async version(): Promise<string> {
    const r = await this.run(this.bins.iptables, ['--version']);
    const m = /v(\d+\.\d+\.\d+)/.exec(r.stdout + r.stderr);
    if (r.code !== 0 || !m) throw iptError(`${this.bins.iptables} --version: ${(r.stderr || r.stdout).trim()}`);
    return m[1];
  }

  /** "nf_tables" or "legacy", from `iptables --version`. */
  async mode(): Promise<'nf_tables' | 'legacy'> {
    const r = await this.run(this.bins.iptables, ['--version']);
    return /nf_tables/.test(r.stdout) ? 'nf_tables' : 'legacy';
  }
}

/** True when this iptables supports MASQUERADE --random-fully (>= 1.6.2). */
export function supportsRandomFully(version: string): boolean {
  const [a, b, c] = version.split('.').map(Number);
  return a > 1 || (a === 1 && (b > 6 || (b === 6 && c >= 2)));
}

// ---- the fake ----

interface FakeChain {
  policy: string;
  rules: string[][];
}

/**
 * An in-memory iptables with iptables-restore's --noflush semantics: a declared chain is created
 * or flushed; `-A` to an undeclared chain, `-j` to a chain that does not exist, `-X` of a chain
 * still referenced fail the whole restore, which then changes nothing (it is atomic, as the real one).
 */
export class FakeIptables implements Iptables {
  tables = new Map<string, Map<string, FakeChain>>();
  /** Every restore input applied (or attempted), in order. */
  restores: string[] = [];
  /** Set to make the next restore fail. */
  failNextRestore: string | undefined;
  calls: string[] = [];
  versionString = '1.8.9';

  constructor() {
    for (const [t, chains] of Object.entries(BUILTIN_CHAINS)) {
      this.tables.set(t, new Map(chains.map((c) => [c, { policy: 'ACCEPT', rules: [] }])));
    }
  }

  private table(t: string): Map<string, FakeChain> {
    let m = this.tables.get(t);
    if (!m) this.tables.set(t, (m = new Map()));
    return m;
  }

  async restore(text: string, opts: { flush?: boolean } = {}): Promise<void> {
    this.restores.push(text);
    this.calls.push('restore');
    if (this.failNextRestore !== undefined) {
      const m = this.failNextRestore;
      this.failNextRestore = undefined;
      throw iptError(`iptables-restore failed: ${m}`);
    }
    const parsed = parseRestore(text);
    // Work on a copy: all or nothing.
    const next = new Map([...this.tables].map(([t, cs]) => [t, new Map([...cs].map(([n, c]) => [n, { policy: c.policy, rules: [...c.rules] }]))]));
    for (const [tname, pt] of parsed) {
      let chains = next.get(tname);
      if (!chains) next.set(tname, (chains = new Map()));
      if (opts.flush) {
        for (const [n, c] of chains) {
          if ((BUILTIN_CHAINS[tname] ?? []).includes(n)) c.rules = [];
          else chains.delete(n);
        }
      }
      for (const d of pt.declared) {
        const existing = chains.get(d.name);
        if (existing) existing.rules = [];
        else chains.set(d.name, { policy: d.policy, rules: [] });
      }
      for (const f of pt.flushed) {
        const c = chains.get(f);
        if (!c) throw iptError(`iptables-restore: chain ${f} does not exist`);
        c.rules = [];
      }
      for (const r of pt.rules) {
        const c = chains.get(r.chain);
        if (!c) throw iptError(`iptables-restore: chain ${r.chain} does not exist (${r.raw})`);
        c.rules.push(r.args);
      }
      for (const r of pt.inserts) {
        const c = chains.get(r.chain);
        if (!c) throw iptError(`iptables-restore: chain ${r.chain} does not exist (${r.raw})`);
        c.rules.splice(r.position - 1, 0, r.args);
      }
      for (const x of pt.deleted) {
        if (!chains.has(x)) throw iptError(`iptables-restore: chain ${x} does not exist (-X)`);
        chains.delete(x);
      }
      // Every jump must land on an existing chain; no deleted chain may still be referenced.
      for (const [n, c] of chains) {
        for (const args of c.rules) {
          const target = argValue(args, '-j');
          if (target && !BUILTIN_TARGETS.has(target) && !chains.has(target)) {
            throw iptError(`iptables-restore: ${tname} chain ${n} jumps to missing chain ${target}`);
          }
        }
      }
    }
    this.tables = next;
  }

  async save(table: Table): Promise<string> {
    this.calls.push(`save ${table}`);
    const chains = this.table(table);
    const lines = [`*${table}`];
    for (const [n, c] of chains) lines.push(`:${n} ${c.policy} [0:0]`);
    for (const [n, c] of chains) for (const r of c.rules) lines.push(`-A ${n} ${joinArgs(r)}`);
    lines.push('COMMIT');
    return lines.join('\n') + '\n';
  }

  async ensureChain(table: Table, chain: string): Promise<boolean> {
    this.calls.push(`ensureChain ${table} ${chain}`);
    const t = this.table(table);
    if (t.has(chain)) return true;
    t.set(chain, { policy: '-', rules: [] });
    return false;
  }

  async ensureRule(position: RulePosition, table: Table, chain: string, args: readonly string[]): Promise<boolean> {
    this.calls.push(`ensureRule ${table} ${chain} ${joinArgs(args)}`);
    const c = this.table(table).get(chain);
    if (!c) throw iptError(`iptables: chain ${chain} does not exist`);
    const want = joinArgs(args);
    if (c.rules.some((r) => joinArgs(r) === want)) return true;
    const target = argValue(args, '-j');
    if (target && !BUILTIN_TARGETS.has(target) && !this.table(table).has(target)) throw iptError(`iptables: chain '${target}' does not exist`);
    if (position === 'prepend') c.rules.unshift([...args]);
    else c.rules.push([...args]);
    return false;
  }

  async deleteRule(table: Table, chain: string, args: readonly string[]): Promise<boolean> {
    this.calls.push(`deleteRule ${table} ${chain} ${joinArgs(args)}`);
    const c = this.table(table).get(chain);
    if (!c) return false;
    const want = joinArgs(args);
    const i = c.rules.findIndex((r) => joinArgs(r) === want);
    if (i < 0) return false;
    c.rules.splice(i, 1);
    return true;
  }

  async version(): Promise<string> {
    return this.versionString;
  }

  /** Rules of a chain as lines (test helper). */
  rulesOf(table: string, chain: string): string[] | undefined {
    return this.tables.get(table)?.get(chain)?.rules.map((r) => joinArgs(r));
  }

  /** Flush every chain of a table, like `iptables -t nat -F` (test helper). */
  flushTable(table: string): void {
    for (const c of this.table(table).values()) c.rules = [];
  }

  /** Whole state as iptables-save text of nat and filter (test helper, for the tracer). */
  async dump(): Promise<string> {
    return (await this.save('filter')) + (await this.save('nat'));
  }
}

/** Re-exported for callers that want the quoting helpers. */
export { tokenize, joinArgs };
