/** A benchmark's `--name value` command-line option: its value, or `def` when it is absent or has no value. */
export function arg(name: string): string | undefined;
export function arg(name: string, def: string): string;
export function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  return v !== undefined && v !== '' ? v : def;
}

/** A numeric `--name value` option (NaN for a value that is not a number, as Number() gives). */
export function numArg(name: string, def: number): number {
  const v = arg(name);
  return v === undefined ? def : Number(v);
}
