/**
 * Reading module specifiers out of source text, for the guards over the tree's imports (no parser):
 * `specifiers` is pure, `sourceFiles` lists a folder's sources.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Source files the guards read: TypeScript and JavaScript, not declaration files. */
export const SOURCE = /\.(m|c)?(t|j)s$/;

/** Every source file under `dir`, recursively. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier of a source text: static and side-effect imports, re-exports, import(), require(). */
export function specifiers(src: string): string[] {
  const out: string[] = [];
  for (const m of src.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g)) out.push(m[2]!);
  return out;
}
