/** Reading module specifiers out of source text, for the guards over the tree's imports (no parser, no I/O). */

/** Every module specifier of a source text: static and side-effect imports, re-exports, import(), require(). */
export function specifiers(src: string): string[] {
  const out: string[] = [];
  for (const m of src.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g)) out.push(m[2]!);
  return out;
}
