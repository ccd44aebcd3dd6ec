/**
 * No import cycles in the production sources (api/, control-plane/, node-agent/, cli/, addons/): every relative
 * import counts, `import type` too (as madge counts them), so a module graph stays a tree of layers.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { specifiers } from '../support/imports.js';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const PRODUCTION_DIRS = ['api', 'control-plane', 'node-agent', 'cli', 'addons'];

/**
 * Folders whose inner cycles are tolerated: none. The last entry (control-plane/apiserver/, with
 * strategy.ts -> core.ts -> printers.ts -> strategy.ts and bootstrap.ts <-> server.ts) was removed once
 * those were broken; keep it empty.
 */
const CYCLES_TOLERATED_WITHIN: readonly string[] = [];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function resolveRelative(from: string, spec: string): string | undefined {
  const p = resolve(dirname(from), spec);
  for (const c of [p.replace(/\.js$/, '.ts'), p, `${p}.ts`, join(p, 'index.ts')]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return undefined;
}

/** The import graph of the sources under `dirs`, keyed by `/`-separated repository paths. */
export function importGraph(root: string, dirs: readonly string[]): Map<string, string[]> {
  const key = (f: string) => relative(root, f).split(sep).join('/');
  const graph = new Map<string, string[]>();
  for (const d of dirs) {
    for (const f of sourceFiles(join(root, d))) {
      const targets = new Set<string>();
      for (const spec of specifiers(readFileSync(f, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const t = resolveRelative(f, spec);
        if (t) targets.add(key(t));
      }
      graph.set(key(f), [...targets].filter((t) => dirs.some((d) => t.startsWith(`${d}/`))));
    }
  }
  return graph;
}

/** The strongly connected components with a cycle (Tarjan), each as its sorted files. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) strong(v);
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

const tolerated = (scc: string[], within: readonly string[]) => within.some((d) => scc.every((f) => f.startsWith(d)));

describe('production imports', () => {
  it('have no cycle anywhere, counting import type', () => {
    expect(CYCLES_TOLERATED_WITHIN).toEqual([]);
    const found = cycles(importGraph(ROOT, PRODUCTION_DIRS)).filter((scc) => !tolerated(scc, CYCLES_TOLERATED_WITHIN));
    expect(found).toEqual([]);
  });
});

describe('the cycle finder', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  it('finds a three-file cycle closed by an import type, a self-import and a re-export cycle, not a diamond', () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelab-cycles-'));
    const put = (p: string, text: string) => {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    };
    put('api/a.ts', `import { b } from './b.js';\n`);
    put('api/b.ts', `import { c } from './sub/c.js';\n`);
    put('api/sub/c.ts', `import type { A } from '../a.js';\nimport { x } from 'node:fs';\n`);
    put('api/self.ts', `import { s } from './self.js';\n`);
    put('cli/r1.ts', `export * from './r2.js';\n`);
    put('cli/r2.ts', `export { y } from './r1.js';\n`);
    put('cli/top.ts', `import './left.js';\nimport './right.js';\n`);
    put('cli/left.ts', `import './bottom.js';\n`);
    put('cli/right.ts', `import './bottom.js';\n`);
    put('cli/bottom.ts', `export const z = 1;\n`);
    const found = cycles(importGraph(dir, ['api', 'cli']));
    expect(found).toEqual([['api/a.ts', 'api/b.ts', 'api/sub/c.ts'], ['api/self.ts'], ['cli/r1.ts', 'cli/r2.ts']]);
    expect(found.filter((s) => !tolerated(s, ['api/']))).toEqual([['cli/r1.ts', 'cli/r2.ts']]);
    expect(found.filter((s) => !tolerated(s, ['api/sub/']))).toHaveLength(3);
  });
});
