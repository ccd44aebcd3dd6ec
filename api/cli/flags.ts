/**
 * One flag parser for every kubelab component: upstream's `--name=value` / `--name value` forms,
 * booleans (`--leader-elect`, `--leader-elect=false`), repeated flags, and generated `--help`.
 * Errors and help follow pflag/cobra's wording, as upstream's components print them.
 */
import { KubeError } from '../errors.js';

export type FlagType = 'string' | 'int' | 'bool' | 'duration' | 'strings';

export interface FlagSpec {
  name: string;
  type: FlagType;
  /** A duration's default is a Go duration (`15s`) or milliseconds. */
  default?: string | number | boolean | string[];
  help: string;
}

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

export interface ParseOptions {
  /** The command's path (`kubelab proxy`): positional arguments are then an error, as in upstream's components. */
  noArgs?: string;
}

export class FlagError extends KubeError {
  constructor(message: string) {
    super('BadRequest', message, { code: 'ERR_CONFIG' });
    this.name = 'FlagError';
  }
}

/** Parse a Go duration (`40s`, `1m30s`, `500ms`, `2h`, `250us`, `10ns`) into milliseconds; a bare number is seconds. */
export function parseDuration(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * units[m[2]!]!;
    consumed += m[0].length;
  }
  if (consumed !== text.length || text.length === 0) throw new FlagError(`time: invalid duration ${JSON.stringify(text)}`);
  return total;
}

/** Milliseconds as Go's time.Duration.String() writes them: `1m30s`, `5m0s`, `1h0m0s`, `500ms`, `250µs`, `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let a = Math.abs(ms);
  const dec = (x: number) => String(Number(x.toFixed(9)));
  if (a < 1) return a < 1e-3 ? `${sign}${Math.round(a * 1e6)}ns` : `${sign}${dec(a * 1e3)}µs`;
  if (a < 1000) return `${sign}${dec(a)}ms`;
  const h = Math.floor(a / 3_600_000);
  a -= h * 3_600_000;
  const m = Math.floor(a / 60_000);
  a -= m * 60_000;
  return `${sign}${h ? `${h}h${m}m` : m ? `${m}m` : ''}${dec(a / 1000)}s`;
}

/** Go's strconv.ParseBool. */
const BOOLS = new Map<string, boolean>([
  ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((s) => [s, true] as const),
  ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((s) => [s, false] as const),
]);

/** cobra's `-h, --help`, a boolean like any other. */
const HELP: FlagSpec = { name: 'help', type: 'bool', help: '' };

function invalidArgument(raw: string, name: string, why: string): FlagError {
  return new FlagError(`invalid argument ${JSON.stringify(raw)} for "--${name}" flag: ${why}`);
}

function defaultValue(s: FlagSpec): FlagValues[string] {
  if (s.type === 'duration' && typeof s.default === 'string') return parseDuration(s.default);
  return Array.isArray(s.default) ? [...s.default] : s.default;
}

export function parseFlags(specs: FlagSpec[], argv: readonly string[], opts: ParseOptions = {}): { values: FlagValues; help: boolean; rest: string[] } {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values: FlagValues = {};
  for (const s of specs) if (s.default !== undefined) values[s.name] = defaultValue(s);
  // A list flag's first use replaces its default, later ones append (pflag's stringSlice).
  const listed = new Set<string>();
  const rest: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = byName.get(name) ?? (name === HELP.name ? HELP : undefined);
    if (!spec) throw new FlagError(`unknown flag: --${name}`);
    let raw: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (spec.type === 'bool') {
      const b = raw === undefined ? true : BOOLS.get(raw);
      if (b === undefined) throw invalidArgument(raw!, name, `strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
      if (spec === HELP) help = b;
      else values[name] = b;
      continue;
    }
    if (raw === undefined) {
      raw = argv[++i];
      if (raw === undefined) throw new FlagError(`flag needs an argument: --${name}`);
    }
    switch (spec.type) {
      case 'int': {
        const syntax = /^[+-]?\d+$/.test(raw);
        if (!syntax || !Number.isSafeInteger(Number(raw)))
          throw invalidArgument(raw, name, `strconv.ParseInt: parsing ${JSON.stringify(raw)}: ${syntax ? 'value out of range' : 'invalid syntax'}`);
        values[name] = Number(raw);
        break;
      }
      case 'duration':
        try {
          values[name] = parseDuration(raw);
        } catch (e) {
          throw invalidArgument(raw, name, (e as Error).message);
        }
        break;
      case 'strings': {
        const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
        values[name] = listed.has(name) ? [...((values[name] as string[] | undefined) ?? []), ...items] : items;
        listed.add(name);
        break;
      }
      default:
        values[name] = raw;
    }
  }
  if (opts.noArgs !== undefined && !help && rest.some((a) => a !== '')) {
    throw new FlagError(`"${opts.noArgs}" does not take any arguments, got [${rest.map((a) => JSON.stringify(a)).join(' ')}]`);
  }
  return { values, help, rest };
}

/** pflag's ` (default …)`: nothing for a zero value, strings quoted, durations as Go writes them, lists in brackets. */
function defaultText(s: FlagSpec): string {
  const d = s.default;
  if (d === undefined || d === '' || d === false || d === 0 || (Array.isArray(d) && d.length === 0)) return '';
  if (s.type === 'duration') {
    const ms = typeof d === 'number' ? d : parseDuration(String(d));
    return ms === 0 ? '' : ` (default ${formatDuration(ms)})`;
  }
  if (Array.isArray(d)) return ` (default [${d.join(',')}])`;
  return ` (default ${s.type === 'string' ? JSON.stringify(d) : String(d)})`;
}

export function formatHelp(command: string, summary: string, specs: FlagSpec[]): string {
  const lines = [summary, '', 'Usage:', `  ${command} [flags]`, '', 'Flags:'];
  const left = specs.map((s) => `      --${s.name}${s.type === 'bool' ? '' : ' ' + s.type}`);
  const width = Math.max(...left.map((l) => l.length), 20) + 3;
  specs.forEach((s, i) => lines.push(left[i]!.padEnd(width) + s.help + defaultText(s)));
  lines.push('  -h, --help'.padEnd(width) + `help for ${command.split(' ').pop()}`);
  return lines.join('\n') + '\n';
}

/** A string flag's value; undefined when unset or empty. */
export function str(v: FlagValues, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' && x !== '' ? x : undefined;
}
/** A string flag's value as given, '' included (where empty means "off"). */
export function text(v: FlagValues, name: string): string {
  const x = v[name];
  return typeof x === 'string' ? x : '';
}
export function num(v: FlagValues, name: string): number {
  return Number(v[name] ?? 0);
}
export function bool(v: FlagValues, name: string): boolean {
  return v[name] === true;
}
export function strs(v: FlagValues, name: string): string[] {
  const x = v[name];
  return Array.isArray(x) ? x : typeof x === 'string' && x ? [x] : [];
}
