/**
 * Each test tier keeps to its own folder: a file under test/unit, test/integration or test/e2e, or
 * under bench/, imports nothing from another of those folders. What they share lives in
 * test/support, which in turn imports from no tier and not from bench/. Production code (api/,
 * control-plane/, node-agent/, cli/) may be imported from anywhere. Only relative imports are read:
 * the tiers are not packages.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { sourceFiles, specifiers } from '../support/imports.js';

/** The folders that may not import one another, as repository paths. */
const TIERS = ['test/unit', 'test/integration', 'test/e2e', 'bench'];
/** The one folder all of them may import from. */
const SHARED = 'test/support';

/** The tier or shared folder that holds `file` (a repository path with `/`), if any. */
function folderOf(file: string): string | undefined {
  return [...TIERS, SHARED].find((d) => file === d || file.startsWith(`${d}/`));
}

/**
 * Imports that cross from one tier's folder into another's (or from test/support into a tier),
 * as `file -> specifier` lines, for the sources under `root` (a repository root).
 */
export function crossTierImports(root: string): string[] {
  const repoPath = (p: string) => relative(root, p).split(sep).join('/');
  const found: string[] = [];
  for (const dir of [...TIERS, SHARED]) {
    const abs = join(root, dir);
    if (!existsSync(abs)) continue;
    for (const file of sourceFiles(abs)) {
      const from = repoPath(file);
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const to = folderOf(repoPath(resolve(dirname(file), spec)));
        if (to === undefined || to === dir || to === SHARED) continue;
        found.push(`${from} -> ${spec}`);
      }
    }
  }
  return found.sort();
}

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

describe('the test tiers and bench/', () => {
  it('import one another only through test/support', () => {
    expect(crossTierImports(ROOT)).toEqual([]);
  });
});

describe('the guard itself', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  // Specifiers are quoted through q() so that this file does not itself read as making these imports.
  const q = (s: string) => `'${s}'`;
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };

  it('reports imports across tiers, from bench/ into a tier and from test/support into a tier, not the allowed ones', () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelab-tiers-'));
    put('node-agent/proxy/model.ts', `export const m = 1;\n`);
    put('test/support/fixtures.ts', `import { m } from ${q('../../node-agent/proxy/model.js')};\nexport const f = m;\n`);
    put('test/support/leaky.ts', `import { h } from ${q('../unit/x/helper.js')};\nexport const l = h;\n`);
    put('test/unit/x/helper.ts', `export const h = 1;\n`);
    put('test/unit/x/ok.test.ts', `import { h } from ${q('./helper.js')};\nimport { f } from ${q('../../support/fixtures.js')};\nimport ${q('../../../node-agent/proxy/model.js')};\n`);
    put('test/unit/y/sibling.test.ts', `import { h } from ${q('../x/helper.js')};\n`);
    put('test/integration/p/cross.test.ts', `import { h } from ${q('../../unit/x/helper.js')};\nexport * from ${q('../../e2e/e.js')};\n`);
    put('test/e2e/e.ts', `export const e = await import(${q('../integration/p/cross.test.js')});\n`);
    put('bench/b.ts', `import { h } from ${q('../test/unit/x/helper.js')};\nimport { f } from ${q('../test/support/fixtures.js')};\n`);
    put('bench/lib/l.ts', `import { b } from ${q('../b.js')};\n`);
    expect(crossTierImports(dir)).toEqual([
      'bench/b.ts -> ../test/unit/x/helper.js',
      'test/e2e/e.ts -> ../integration/p/cross.test.js',
      'test/integration/p/cross.test.ts -> ../../e2e/e.js',
      'test/integration/p/cross.test.ts -> ../../unit/x/helper.js',
      'test/support/leaky.ts -> ../unit/x/helper.js',
    ]);
  });
});
