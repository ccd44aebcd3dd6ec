/**
 * Reading iptables-restore / iptables-save text: tokenizing rules (with upstream's quoting),
 * splitting into tables, chains and rules. Used by the fake iptables, the tracer and the checks.
 */
import { KubeError } from '../../api/errors.js';

export interface ParsedRule {
  chain: string;
  /** Arguments after `-A <chain>` (quotes removed). */
  args: string[];
  /** The line as written. */
  raw: string;
}

export interface ParsedTable {
  name: string;
  /** Chains declared with `:NAME POLICY [p:b]`, in order, with their policy (`-` for user chains). */
  declared: Array<{ name: string; policy: string }>;
  /** `-A` rules in order. */
  rules: ParsedRule[];
  /** `-I chain [pos]` rules (rare in restore input). */
  inserts: Array<ParsedRule & { position: number }>;
  /** `-X chain` lines. */
  deleted: string[];
  /** `-F chain` lines. */
  flushed: string[];
}

/** Split a rule line into words, honouring double quotes (as iptables-restore does). */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuote = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') {
      inQuote = !inQuote;
      has = true;
      continue;
    }
    if (ch === '\\' && i + 1 < line.length && line[i + 1] === '"') {
      cur += '"';
      i++;
      continue;
    }
    if (!inQuote && (ch === ' ' || ch === '\t')) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
      continue;
    }
    cur += ch;
  }
  if (has || cur) out.push(cur);
  return out;
}

/** Join words back into one line, quoting those with spaces (the form upstream writes). */
export function joinArgs(args: readonly string[]): string {
  return args.map((a) => (a.includes(' ') || a === '' ? `"${a}"` : a)).join(' ');
}

export class RestoreParseError extends KubeError {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super('BadRequest', `line ${line}: ${message}`, { code: 'ERR_IPTABLES_PARSE' });
    this.name = 'RestoreParseError';
  }
}

/** Parse iptables-restore input (or iptables-save output). */
export function parseRestore(text: string): Map<string, ParsedTable> {
  const tables = new Map<string, ParsedTable>();
  let cur: ParsedTable | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      if (cur) throw new RestoreParseError(`table ${line} starts before COMMIT of ${cur.name}`, i + 1);
      const name = line.slice(1);
      cur = tables.get(name) ?? { name, declared: [], rules: [], inserts: [], deleted: [], flushed: [] };
      tables.set(name, cur);
      continue;
    }
    if (!cur) throw new RestoreParseError(`line outside a table: ${line}`, i + 1);
    if (line === 'COMMIT') {
      cur = undefined;
      continue;
    }
    if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      cur.declared.push({ name, policy: policy ?? '-' });
      continue;
    }
    const words = tokenize(line);
    const op = words[0];
    if (op === '-A' || op === '--append') {
      if (!words[1]) throw new RestoreParseError('missing chain', i + 1);
      cur.rules.push({ chain: words[1], args: words.slice(2), raw: line });
    } else if (op === '-I' || op === '--insert') {
      let pos = 1;
      let rest = words.slice(2);
      if (rest[0] && /^\d+$/.test(rest[0])) {
        pos = Number(rest[0]);
        rest = rest.slice(1);
      }
      cur.inserts.push({ chain: words[1], args: rest, raw: line, position: pos });
    } else if (op === '-X' || op === '--delete-chain') {
      cur.deleted.push(words[1]);
    } else if (op === '-F' || op === '--flush') {
      cur.flushed.push(words[1]);
    } else {
      throw new RestoreParseError(`unsupported command ${op}`, i + 1);
    }
  }
  if (cur) throw new RestoreParseError(`missing COMMIT for table ${cur.name}`, lines.length);
  return tables;
}

/** The value after a flag in a rule's arguments (`-j`, `--to-destination`, ...). */
export function argValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

export const BUILTIN_TARGETS = new Set([
  'ACCEPT',
  'DROP',
  'REJECT',
  'RETURN',
  'MARK',
  'DNAT',
  'SNAT',
  'MASQUERADE',
  'LOG',
  'CONNMARK',
  'NOTRACK',
]);

export const BUILTIN_CHAINS: Record<string, readonly string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
};

/**
 * Problems with a restore input (upstream's checkIPTablesRuleJumps): a rule that jumps to a chain
 * neither declared in the input nor known to exist already; a rule added to an undeclared chain;
 * a chain that is deleted yet still jumped to. `existing` lists chains per table that exist
 * before the restore (for partial syncs).
 */
export function checkRuleJumps(text: string, existing: Record<string, Iterable<string>> = {}): string[] {
  const problems: string[] = [];
  for (const [name, t] of parseRestore(text)) {
    const defined = new Set<string>([...(BUILTIN_CHAINS[name] ?? []), ...t.declared.map((d) => d.name)]);
    for (const c of existing[name] ?? []) defined.add(c);
    const deleted = new Set(t.deleted);
    for (const r of t.rules) {
      if (!defined.has(r.chain)) problems.push(`${name}: rule added to undefined chain ${r.chain}: ${r.raw}`);
      const target = argValue(r.args, '-j');
      if (!target || BUILTIN_TARGETS.has(target)) continue;
      if (!defined.has(target)) problems.push(`${name}: jump to undefined chain ${target}: ${r.raw}`);
      if (deleted.has(target)) problems.push(`${name}: jump to deleted chain ${target}: ${r.raw}`);
    }
    for (const d of deleted) {
      if (!t.declared.some((x) => x.name === d)) problems.push(`${name}: chain ${d} deleted without being flushed first`);
    }
  }
  return problems;
}
