/**
 * One flag parser for every kubelab component: upstream's `--name=value` / `--name value` forms,
 * booleans (`--leader-elect`, `--leader-elect=false`), repeated flags, and generated `--help`.
 */
import { KubeError } from '../errors.js';

export type FlagType = 'string' | 'int' | 'bool' | 'duration' | 'strings';

export interface FlagSpec {
  name: string;
  type: FlagType;
  default?: string | number | boolean | string[];
  help: string;
}

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

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
  if (consumed !== text.length || text.length === 0) throw new FlagError(`invalid duration "${text}"`);
  return total;
}

export function parseFlags(specs: FlagSpec[], argv: string[]): { values: FlagValues; help: boolean; rest: string[] } {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values: FlagValues = {};
  for (const s of specs) {
    if (s.default !== undefined) values[s.name] = s.type === 'duration' && typeof s.default === 'string' ? parseDuration(s.default) : s.default;
  }
  const rest: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = byName.get(name);
    if (!spec) throw new FlagError(`unknown flag: --${name}`);
    let raw: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (spec.type === 'bool') {
      if (raw === undefined) values[name] = true;
      else if (raw === 'true' || raw === '1') values[name] = true;
      else if (raw === 'false' || raw === '0') values[name] = false;
      else throw new FlagError(`invalid argument "${raw}" for "--${name}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`);
      continue;
    }
    if (raw === undefined) {
      raw = argv[++i];
      if (raw === undefined) throw new FlagError(`flag needs an argument: --${name}`);
    }
    switch (spec.type) {
      case 'int': {
        const n = Number(raw);
        if (!Number.isInteger(n)) throw new FlagError(`invalid argument "${raw}" for "--${name}" flag: parse error`);
        values[name] = n;
        break;
      }
      case 'duration':
        values[name] = parseDuration(raw);
        break;
      case 'strings': {
        const prev = (values[name] as string[] | undefined) ?? [];
        const fromDefault = prev === spec.default;
        values[name] = [...(fromDefault ? [] : prev), ...raw.split(',').map((s) => s.trim()).filter(Boolean)];
        break;
      }
      default:
        values[name] = raw;
    }
  }
  return { values, help, rest };
}

export function formatHelp(command: string, summary: string, specs: FlagSpec[]): string {
  const lines = [summary, '', 'Usage:', `  ${command} [flags]`, '', 'Flags:'];
  const left = specs.map((s) => `      --${s.name}${s.type === 'bool' ? '' : ' ' + (s.type === 'strings' ? 'strings' : s.type)}`);
  const width = Math.max(...left.map((l) => l.length), 20) + 3;
  specs.forEach((s, i) => {
    const def =
      s.default === undefined || s.default === '' || (Array.isArray(s.default) && s.default.length === 0)
        ? ''
        : ` (default ${Array.isArray(s.default) ? '[' + s.default.join(',') + ']' : JSON.stringify(s.default)})`;
    lines.push(left[i]!.padEnd(width) + s.help + def);
  });
  lines.push('  -h, --help'.padEnd(width) + `help for ${command.split(' ').pop()}`);
  return lines.join('\n') + '\n';
}

export function str(v: FlagValues, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' && x !== '' ? x : undefined;
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
