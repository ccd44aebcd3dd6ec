/**
 * The components that only need the kinds' names (controllers, scheduler, kubelet, proxy, the client) do not load
 * the schemas: the kind descriptors name their schema by definition name, and TypeBox (about 14 MiB of resident
 * memory on import) is loaded by the API server's schema lookups alone. Read from the sources' runtime imports
 * (type-only imports are erased by the compiler).
 */
import { readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { specifiers } from './../support/imports.js';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** The source without its type-only imports and re-exports (`import type ... from`, `export type ... from`). */
function withoutTypeOnlyImports(src: string): string {
  return src.replace(/\b(?:import|export)\s+type\s[^;]*?\bfrom\s*(['"])[^'"\n]+\1;?/gs, '');
}

function resolveRelative(from: string, spec: string): string | undefined {
  const p = resolve(dirname(from), spec);
  for (const c of [p.replace(/\.js$/, '.ts'), `${p}.ts`, join(p, 'index.ts')]) if (existsSync(c) && statSync(c).isFile()) return c;
  return undefined;
}

/** The chain of runtime imports from `entry` to a module importing `pkg`, or undefined when none does. */
function pathToPackage(entry: string, pkg: string): string[] | undefined {
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]): string[] | undefined => {
    if (seen.has(file)) return undefined;
    seen.add(file);
    for (const spec of specifiers(withoutTypeOnlyImports(readFileSync(file, 'utf8')))) {
      if (spec === pkg || spec.startsWith(pkg + '/')) return [...chain, file];
      if (!spec.startsWith('.')) continue;
      const next = resolveRelative(file, spec);
      const found = next && walk(next, [...chain, file]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(join(ROOT, entry), []);
}

describe('what the name-only components load', () => {
  it.each([
    ['import type { A } from "./a.js";', ''],
    ['export type { A, B } from "./a.js";', ''],
    ['import type {\n  A,\n  B,\n} from "./a.js";', ''],
    ['import { a } from "./a.js";', 'import { a } from "./a.js";'],
  ])('type-only imports are dropped: %j', (src, want) => expect(withoutTypeOnlyImports(src).trim()).toBe(want));

  it.each(['api/resources.ts', 'api/kinds/registry.ts', 'api/client/api-client.ts', 'control-plane/controllers/main.ts', 'control-plane/scheduler/main.ts', 'node-agent/kubelet/main.ts', 'node-agent/proxy/main.ts'])(
    '%s reaches no TypeBox',
    (entry) => {
      expect(existsSync(join(ROOT, entry)), entry).toBe(true);
      const chain = pathToPackage(entry, '@sinclair/typebox');
      expect(chain?.map((f) => f.slice(ROOT.length + 1)), 'import chain to @sinclair/typebox').toBeUndefined();
    },
  );

  it('the API server does load it (the check can fail)', () => {
    expect(pathToPackage('control-plane/apiserver/main.ts', '@sinclair/typebox')).toBeDefined();
  });
});
