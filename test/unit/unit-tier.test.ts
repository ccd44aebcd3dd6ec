/**
 * The unit tier runs no external program: no file under test/unit imports a module that starts
 * processes (node's child_process, or a package that wraps it), directly or through a test helper
 * it imports from elsewhere in test/ (test/support). Tests that run real binaries (kubectl,
 * iptables, containerd, ...) belong to test/integration or test/e2e. Production modules that wrap a
 * binary are not followed: unit tests use their fakes (FakeIptables, FakeRuntime, ...).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { sourceFiles, specifiers } from '../support/imports.js';

/** Modules that start other programs. */
const PROCESS_MODULES = /^(node:)?child_process$|^(execa|cross-spawn|zx|shelljs|node-pty)(\/|$)/;

/** A relative specifier as a file: `./x.js` is `./x.ts` in the sources. */
function resolveRelative(from: string, spec: string): string | undefined {
  const p = resolve(dirname(from), spec);
  for (const c of [p, p.replace(/\.js$/, '.ts'), p.replace(/\.mjs$/, '.mts'), `${p}.ts`, join(p, 'index.ts')]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return undefined;
}

const within = (dir: string, file: string) => file === dir || file.startsWith(dir + sep);

/**
 * The unit tier's imports of process-starting modules, as `file -> helper -> module` chains:
 * every source file under `unitDir`, following relative imports into the rest of `testDir`.
 */
export function processImports(unitDir: string, testDir: string): string[] {
  const found: string[] = [];
  const visit = (file: string, chain: string[], seen: Set<string>) => {
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (PROCESS_MODULES.test(spec)) {
        found.push([...chain, spec].join(' -> '));
        continue;
      }
      if (!spec.startsWith('.')) continue;
      const target = resolveRelative(file, spec);
      // Files of the unit tier are checked on their own; helpers elsewhere in test/ are followed.
      if (!target || within(unitDir, target) || !within(testDir, target) || seen.has(target)) continue;
      seen.add(target);
      visit(target, [...chain, relative(testDir, target)], seen);
    }
  };
  for (const f of sourceFiles(unitDir)) visit(f, [relative(testDir, f)], new Set());
  return found;
}

const UNIT = dirname(fileURLToPath(import.meta.url));
const TEST = dirname(UNIT);

describe('the unit tier', () => {
  it('imports nothing that starts a process (kubectl, iptables, ... run in test/integration)', () => {
    expect(processImports(UNIT, TEST)).toEqual([]);
  });
});

describe('the guard itself', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  // Built from parts so that this file does not itself read as such an import.
  const BARE = ['child', 'process'].join('_');
  const CP = `node:${BARE}`;
  const q = (s: string) => `'${s}'`;

  it('finds static, side-effect, dynamic and require imports, with or without node:', () => {
    expect(specifiers(`import { spawn } from ${q(CP)};`)).toEqual([CP]);
    expect(specifiers(`import * as cp from "${BARE}";\nimport ${q('./x.js')};`)).toEqual([BARE, './x.js']);
    expect(specifiers(`const cp = await import(${q(CP)}); const y = require(${q('execa')});`)).toEqual([CP, 'execa']);
    expect(specifiers(`export { a } from ${q('./a.js')};`)).toEqual(['./a.js']);
    expect(['child_process', CP, 'execa', 'cross-spawn', 'zx/core'].every((s) => PROCESS_MODULES.test(s))).toBe(true);
    expect(['node:fs', 'child_processes', 'vitest', './child_process-free.js'].some((s) => PROCESS_MODULES.test(s))).toBe(false);
  });

  it('reports a unit test that imports it directly or through a test/support helper, not one that does not', () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelab-tier-'));
    const unit = join(dir, 'unit');
    mkdirSync(join(unit, 'x'), { recursive: true });
    mkdirSync(join(dir, 'support'));
    writeFileSync(join(dir, 'support', 'runner.ts'), `import { spawn } from ${q(CP)};\nexport const run = spawn;\n`);
    writeFileSync(join(dir, 'support', 'pure.ts'), `export const x = 1;\n`);
    writeFileSync(join(unit, 'x', 'direct.test.ts'), `import { execFileSync } from ${q(BARE)};\n`);
    writeFileSync(join(unit, 'x', 'indirect.test.ts'), `import { run } from ${q('../../support/runner.js')};\n`);
    writeFileSync(join(unit, 'x', 'clean.test.ts'), `import { x } from ${q('../../support/pure.js')};\nimport { y } from ${q('./helper.js')};\n`);
    writeFileSync(join(unit, 'x', 'helper.ts'), `export const y = 2;\n`);
    expect(processImports(unit, dir).sort()).toEqual([
      `unit${sep}x${sep}direct.test.ts -> ${BARE}`,
      `unit${sep}x${sep}indirect.test.ts -> support${sep}runner.ts -> ${CP}`,
    ]);
  });
});
