/**
 * The golden-file helper the proxy's ruleset tests use: a missing golden file fails (it used to be
 * written and the test passed), a different text fails, and only KUBELAB_UPDATE_GOLDEN=1 writes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectGolden } from '../../support/golden.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubelab-golden-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('expectGolden', () => {
  it('fails when the golden file is missing, and does not write it', () => {
    const file = join(dir, 'deleted.txt');
    expect(() => expectGolden(file, '*nat\nCOMMIT\n', {})).toThrow(/golden file .*deleted\.txt is missing: run the test with KUBELAB_UPDATE_GOLDEN=1/);
    expect(existsSync(file)).toBe(false);
  });

  it('the old UPDATE_GOLDEN or any other value is not the update flag', () => {
    const file = join(dir, 'g.txt');
    expect(() => expectGolden(file, 'x', { UPDATE_GOLDEN: '1' })).toThrow(/is missing/);
    expect(() => expectGolden(file, 'x', { KUBELAB_UPDATE_GOLDEN: 'true' })).toThrow(/is missing/);
    expect(existsSync(file)).toBe(false);
  });

  it('passes on equal text and fails on a difference', () => {
    const file = join(dir, 'g.txt');
    writeFileSync(file, 'line 1\n');
    expectGolden(file, 'line 1\n', {});
    expect(() => expectGolden(file, 'line 2\n', {})).toThrow();
    expect(readFileSync(file, 'utf8')).toBe('line 1\n');
  });

  it('KUBELAB_UPDATE_GOLDEN=1 writes (or rewrites) the golden file', () => {
    const file = join(dir, 'g.txt');
    expectGolden(file, 'new\n', { KUBELAB_UPDATE_GOLDEN: '1' });
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expectGolden(file, 'newer\n', { KUBELAB_UPDATE_GOLDEN: '1' });
    expect(readFileSync(file, 'utf8')).toBe('newer\n');
  });

  it('the proxy’s golden files are checked in', () => {
    const golden = join(dirname(fileURLToPath(import.meta.url)), 'golden');
    for (const name of ['full', 'upstream-basic']) expect(existsSync(join(golden, `${name}.txt`))).toBe(true);
  });
});
