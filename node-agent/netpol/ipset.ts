/**
 * IP sets for the network policy agent, as kube-router's netpol controller uses them: a policy rule's peers
 * are one set (hash:ip for pods, hash:net for ipBlocks with `nomatch` entries for the excepts) matched by one
 * `-m set --match-set <name> src|dst` rule, instead of one rule per peer.
 *
 * Here: the desired-set type, the `ipset restore` inputs (members replaced atomically: a temporary set is
 * filled, swapped in and destroyed), a parser of `ipset save` / restore text, the membership test the tracer
 * uses (hash:net: the most specific matching entry decides, `nomatch` excludes), the narrow interface the
 * agent drives ipset through, the real one (the `ipset` binary) and an in-memory fake for unit tests.
 */
import { spawn } from 'node:child_process';
import { KubeError } from '../../api/errors.js';
import { cidrContains } from '../proxy/tracer.js';

export type IpsetType = 'hash:ip' | 'hash:net';

export interface IpsetSpec {
  type: IpsetType;
  /** Members as `ipset add` writes them after the set name: `10.244.1.2`, `10.0.0.0/8`, `10.1.0.0/16 nomatch`. */
  entries: readonly string[];
}

export type Ipsets = ReadonlyMap<string, IpsetSpec>;

/** Every set of ours starts with this (ipset names are at most 31 characters). */
export const IPSET_PREFIX = 'KL-NP-';
export const IPSET_NAME_MAX = 31;
const TEMP_SUFFIX = '-TMP';

export const isNetpolSet = (name: string): boolean => name.startsWith(IPSET_PREFIX);

/** The temporary set a set's members are written into before the swap. */
export function tempSetName(name: string): string {
  const t = name + TEMP_SUFFIX;
  if (t.length > IPSET_NAME_MAX) throw new KubeError('InternalError', `ipset name too long: ${t}`, { code: 'ERR_NETWORK' });
  return t;
}

export const sameSpec = (a: IpsetSpec | undefined, b: IpsetSpec): boolean =>
  !!a && a.type === b.type && a.entries.length === b.entries.length && a.entries.every((e, i) => e === b.entries[i]);

const createLine = (name: string, type: IpsetType): string => `create ${name} ${type} family inet`;

/**
 * `ipset restore -exist` input that makes each set hold exactly its entries: the set is created when
 * missing (no-op when it exists), a temporary set is filled, swapped in, and destroyed. Rules that reference
 * the set see the old members until the swap and the new ones after it, never an empty set in between.
 */
export function buildIpsetRestore(sets: Iterable<readonly [string, IpsetSpec]>): string {
  const lines: string[] = [];
  for (const [name, spec] of sets) {
    const tmp = tempSetName(name);
    lines.push(createLine(name, spec.type), createLine(tmp, spec.type), `flush ${tmp}`);
    for (const e of spec.entries) lines.push(`add ${tmp} ${e}`);
    lines.push(`swap ${tmp} ${name}`, `destroy ${tmp}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** `ipset restore -exist` input destroying sets (after iptables no longer references them). */
export function buildIpsetDestroy(names: Iterable<string>): string {
  const lines = [...names].map((n) => `destroy ${n}`);
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** Sets in `ipset save` output (or restore input that creates and adds): name -> type and entries, sorted. */
export function parseIpsetSave(text: string): Map<string, IpsetSpec> {
  const sets = new Map<string, { type: IpsetType; entries: string[] }>();
  for (const raw of text.split('\n')) {
    const w = raw.trim().split(/\s+/);
    if (w[0] === 'create' && w[1] && w[2]) sets.set(w[1], { type: w[2] as IpsetType, entries: [] });
    else if (w[0] === 'add' && w[1] && w[2]) sets.get(w[1])?.entries.push(w.slice(2).join(' '));
  }
  for (const s of sets.values()) s.entries.sort();
  return sets;
}

const withPrefix = (net: string): string => (net.includes('/') ? net : `${net}/32`);
const prefixLen = (net: string): number => Number(withPrefix(net).split('/')[1]);

/** Whether `ip` is in the set: hash:ip an equal member; hash:net the longest matching entry, unless it is `nomatch`. */
export function ipsetHas(spec: IpsetSpec, ip: string): boolean {
  if (spec.type === 'hash:ip') return spec.entries.includes(ip);
  let best: { len: number; nomatch: boolean } | undefined;
  for (const e of spec.entries) {
    const [net, flag] = e.split(' ');
    if (!net || !cidrContains(withPrefix(net), ip)) continue;
    const len = prefixLen(net);
    if (!best || len > best.len) best = { len, nomatch: flag === 'nomatch' };
  }
  return !!best && !best.nomatch;
}

/** The narrow interface the agent drives ipset through. */
export interface Ipset {
  /** `ipset restore -exist` of `text`. */
  restore(text: string): Promise<void>;
  /** `ipset list -n`: the names of every set in this network namespace. */
  listNames(): Promise<string[]>;
  /** `ipset save`: every set with its members. */
  save(): Promise<string>;
}

function ipsetError(message: string, cause?: unknown): KubeError {
  return new KubeError('InternalError', message, { code: 'ERR_NETWORK', cause });
}

/** ipset through its binary (`prefix`, e.g. ['nsenter', '--net=/run/netns/node01'], acts in another network namespace). */
export class RealIpset implements Ipset {
  constructor(private readonly opts: { prefix?: readonly string[]; bin?: string } = {}) {}

  private run(args: readonly string[], input?: string): Promise<{ code: number; stdout: string; stderr: string; missing: boolean }> {
    const argv = [...(this.opts.prefix ?? []), this.opts.bin ?? 'ipset', ...args];
    return new Promise((resolve) => {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: 127, stdout: '', stderr: e.message, missing: e.code === 'ENOENT' }));
      child.on('close', (code) => {
        const stderr = Buffer.concat(err).toString();
        // nsenter reports a missing ipset binary itself.
        resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr, missing: code === 127 || /failed to execute ipset|No such file/.test(stderr) });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(input ?? '');
    });
  }

  async restore(text: string): Promise<void> {
    const r = await this.run(['restore', '-exist'], text);
    if (r.code !== 0) {
      const m = /line (\d+)/i.exec(r.stderr);
      const context = m ? `\n${text.split('\n')[Number(m[1]) - 1] ?? ''}` : '';
      throw ipsetError(`ipset restore failed (exit ${r.code}): ${r.stderr.trim()}${context}`);
    }
  }

  /** No ipset binary: no sets (none of ours can exist), so cleanup works on a host without the package. */
  async listNames(): Promise<string[]> {
    const r = await this.run(['list', '-n']);
    if (r.code !== 0) {
      if (r.missing) return [];
      throw ipsetError(`ipset list -n failed (exit ${r.code}): ${r.stderr.trim()}`);
    }
    return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  }

  async save(): Promise<string> {
    const r = await this.run(['save']);
    if (r.code !== 0) throw ipsetError(`ipset save failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }
}

/**
 * In-memory ipset with `ipset restore -exist`'s semantics for the commands the agent writes (create, flush,
 * add, del, swap, destroy), applied line by line (a failing line leaves the earlier ones applied, as the
 * binary does). `inUse` (e.g. the fake iptables' rules) makes destroying a referenced set fail, as the kernel does.
 */
export class FakeIpset implements Ipset {
  readonly sets = new Map<string, { type: IpsetType; entries: Set<string> }>();
  failNextRestore: string | undefined;
  restores = 0;

  constructor(private readonly inUse?: () => Promise<string>) {}

  async restore(text: string): Promise<void> {
    if (this.failNextRestore) {
      const m = this.failNextRestore;
      this.failNextRestore = undefined;
      throw ipsetError(m);
    }
    this.restores++;
    const referenced = this.inUse ? await this.inUse() : '';
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const w = lines[i]!.trim().split(/\s+/);
      const fail = (why: string): never => {
        throw ipsetError(`ipset v7.17: Error in line ${i + 1}: ${why}`);
      };
      const need = (n: string | undefined) => this.sets.get(n ?? '') ?? fail('The set with the given name does not exist');
      switch (w[0]) {
        case '':
          break;
        case 'create': {
          const old = this.sets.get(w[1]!);
          if (old && old.type !== w[2]) fail('Set cannot be created: set with the same name already exists');
          if (!old) this.sets.set(w[1]!, { type: w[2] as IpsetType, entries: new Set() });
          break;
        }
        case 'flush':
          need(w[1]).entries.clear();
          break;
        case 'add':
          need(w[1]).entries.add(w.slice(2).join(' '));
          break;
        case 'del':
          need(w[1]).entries.delete(w.slice(2).join(' '));
          break;
        case 'swap': {
          const a = need(w[1]);
          const b = need(w[2]);
          if (a.type !== b.type) fail('The sets cannot be swapped: their type does not match');
          this.sets.set(w[1]!, b);
          this.sets.set(w[2]!, a);
          break;
        }
        case 'destroy':
          if (!this.sets.has(w[1]!)) break; // -exist
          if (new RegExp(`--match-set ${w[1]} `).test(referenced)) fail('Set cannot be destroyed: it is in use by a kernel component');
          this.sets.delete(w[1]!);
          break;
        default:
          fail(`Unknown command ${w[0]}`);
      }
    }
  }

  async listNames(): Promise<string[]> {
    return [...this.sets.keys()];
  }

  async save(): Promise<string> {
    const lines: string[] = [];
    for (const [name, s] of this.sets) {
      lines.push(createLine(name, s.type));
      for (const e of [...s.entries].sort()) lines.push(`add ${name} ${e}`);
    }
    return lines.join('\n') + (lines.length ? '\n' : '');
  }
}
