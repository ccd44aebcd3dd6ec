/**
 * One error base class: every error the production code (api/, control-plane/, node-agent/, cli/) makes
 * is a KubeError (api/errors.ts) or a subclass of it, with a stable `code`. This guard fails on a
 * `new Error(` (thrown, rejected or passed on), a `throw Error(`, the other built-in error constructors,
 * and a class extending one of them; the only class allowed to extend `Error` is KubeError itself.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeError } from '../../api/errors.js';
import { getScaledValueFromIntOrPercent, IntOrStringError } from '../../api/intstr.js';
import { parseLabelSelector } from '../../api/labels.js';
import { applyJsonPatch, JsonPatchApplyError } from '../../api/patch/json-patch.js';
import { applyStrategicMergePatch, StrategicMergePatchError } from '../../api/patch/strategic-merge-patch.js';
import { CidrSet, CIDRSetFullError, parseCIDR } from '../../control-plane/controllers/nodeipam/cidr.js';
import { labelSelectorAsSelector } from '../../control-plane/scheduler/selectors.js';
import { parseRestore, RestoreParseError } from '../../node-agent/proxy/iptables-text.js';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** The production sources. */
const PRODUCTION_DIRS = ['api', 'control-plane', 'node-agent', 'cli'];

/**
 * Files the guard skips: none. The last entries (the API server, the patch code and the fake client)
 * were removed once their errors were KubeErrors; keep it empty.
 */
const ALLOWLIST: readonly string[] = [];

/** The base class itself: the one declaration that extends `Error`. */
const BASE_CLASS = { file: 'api/errors.ts', name: 'KubeError' };

const BUILTIN = '(?:Error|TypeError|RangeError|SyntaxError|ReferenceError|EvalError|URIError|AggregateError)';
const NEW_BUILTIN = new RegExp(`\\bnew\\s+${BUILTIN}\\s*\\(`);
const THROW_CALL = new RegExp(`\\bthrow\\s+${BUILTIN}\\s*\\(`);
const EXTENDS_BUILTIN = new RegExp(`\\bclass\\s+([A-Za-z_$][\\w$]*)(?:\\s*<[^>{]*>)?\\s+extends\\s+${BUILTIN}\\b(?!\\s*\\.)`);

/** Source text with comments blanked (block comments, and `//` comments that start a line), line numbers kept. */
export function withoutComments(src: string): string {
  const blanked = src.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '));
  return blanked.replace(/^(\s*)\/\/.*$/gm, '$1');
}

/** The plain errors of one file, as `path:line: text`. `path` is the file's repository path. */
export function plainErrors(path: string, src: string): string[] {
  const out: string[] = [];
  withoutComments(src)
    .split('\n')
    .forEach((line, i) => {
      const ext = EXTENDS_BUILTIN.exec(line);
      const isBase = ext && path === BASE_CLASS.file && ext[1] === BASE_CLASS.name;
      if (NEW_BUILTIN.test(line) || THROW_CALL.test(line) || (ext && !isBase)) out.push(`${path}:${i + 1}: ${line.trim()}`);
    });
  return out;
}

export function allowed(path: string, allowlist: readonly string[]): boolean {
  return allowlist.some((a) => (a.endsWith('/') ? path.startsWith(a) : path === a));
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(m|c)?ts$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every plain error under `dirs` of `root`, outside the allowlist. */
export function scan(root: string, dirs: readonly string[], allowlist: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    for (const f of sourceFiles(join(root, d))) {
      const path = relative(root, f).split(sep).join('/');
      if (allowed(path, allowlist)) continue;
      out.push(...plainErrors(path, readFileSync(f, 'utf8')));
    }
  }
  return out;
}

describe('production errors', () => {
  it('are all KubeErrors: no plain Error made or extended anywhere in the production tree', () => {
    expect(ALLOWLIST).toEqual([]);
    expect(scan(ROOT, PRODUCTION_DIRS, ALLOWLIST)).toEqual([]);
  });
});

describe('the converted error classes', () => {
  const thrown = (f: () => unknown): unknown => {
    try {
      f();
    } catch (e) {
      return e;
    }
    throw new KubeError('InternalError', 'expected a throw');
  };
  const full = new CidrSet('10.244.0.0/24', 24);
  full.allocateNext();
  it.each([
    {
      name: 'IntOrStringError',
      err: () => thrown(() => getScaledValueFromIntOrPercent('5', 10, true)),
      cls: IntOrStringError,
      code: 'ERR_INT_OR_STRING',
      message: 'invalid value for IntOrString: invalid type: string is not a percentage',
    },
    {
      name: 'CIDRSetFullError',
      err: () => thrown(() => full.allocateNext()),
      cls: CIDRSetFullError,
      code: 'ERR_CIDR_RANGE_FULL',
      message: 'CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range',
    },
    { name: 'RestoreParseError', err: () => thrown(() => parseRestore('*filter\n-A X -j Y\n')), cls: RestoreParseError, code: 'ERR_IPTABLES_PARSE', message: 'line 3: missing COMMIT for table filter' },
    {
      name: 'JsonPatchApplyError',
      err: () => (thrown(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])) as Error).cause,
      cls: JsonPatchApplyError,
      code: 'ERR_JSON_PATCH_APPLY',
      message: 'testing value /a failed: test failed',
    },
    {
      name: 'StrategicMergePatchError',
      err: () => (thrown(() => applyStrategicMergePatch({ a: [[1]] }, { a: [[2]] }, (p) => (p.join('.') === 'a' ? { patchStrategy: 'merge' } : undefined))) as Error).cause,
      cls: StrategicMergePatchError,
      code: 'ERR_STRATEGIC_MERGE_PATCH',
      message: 'lists of lists are not supported',
    },
  ])('$name is a KubeError with a stable code, its own name and its message', ({ name, err, cls, code, message }) => {
    const e = err();
    expect(e).toBeInstanceOf(cls);
    expect(e).toBeInstanceOf(KubeError);
    expect(e).toMatchObject({ name, code, message });
  });

  it('selector and CIDR parse failures are BadRequest KubeErrors with their upstream messages', () => {
    expect(thrown(() => parseLabelSelector('a in (b'))).toMatchObject({ reason: 'BadRequest', code: 'ERR_BAD_REQUEST' });
    expect(thrown(() => labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }))).toMatchObject({
      reason: 'BadRequest',
      code: 'ERR_INVALID_SELECTOR',
      message: "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    });
    expect(thrown(() => parseCIDR('10.244.0.0/33'))).toMatchObject({ code: 'ERR_INVALID_CIDR', message: 'invalid CIDR address: 10.244.0.0/33' });
  });
});

describe('the guard itself', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  // Built from parts so that this file does not itself read as what it looks for.
  const NEW = ['new', 'Error('].join(' ');

  it('finds thrown, rejected and passed-on plain errors, throw Error(...), and classes extending a built-in error', () => {
    const src = [
      `export function f() { throw ${NEW}'x'); }`,
      `const p = Promise.reject(${NEW}'y'));`,
      `req.destroy(new  TypeError('z'));`,
      `if (a) throw Error('w');`,
      `class ParseError extends Error {}`,
      `export class Gen<T> extends RangeError {`,
    ].join('\n');
    expect(plainErrors('api/x.ts', src)).toEqual([
      `api/x.ts:1: export function f() { throw ${NEW}'x'); }`,
      `api/x.ts:2: const p = Promise.reject(${NEW}'y'));`,
      `api/x.ts:3: req.destroy(new  TypeError('z'));`,
      `api/x.ts:4: if (a) throw Error('w');`,
      `api/x.ts:5: class ParseError extends Error {}`,
      `api/x.ts:6: export class Gen<T> extends RangeError {`,
    ]);
  });

  it('passes KubeErrors, subclasses of them, names that merely contain Error, and comments', () => {
    const src = [
      `throw new KubeError('BadRequest', 'x');`,
      `class FlagError extends KubeError {}`,
      `class E extends ErrorBase {}`,
      `const e = new MyError('x');`,
      `if (e instanceof Error) return;`,
      `/** A plain ${NEW}'x') here is prose. */`,
      `  // or here: class X extends Error {}`,
    ].join('\n');
    expect(plainErrors('api/x.ts', src)).toEqual([]);
  });

  it('allows only KubeError in api/errors.ts to extend Error', () => {
    const base = 'export class KubeError extends Error {';
    expect(plainErrors('api/errors.ts', base)).toEqual([]);
    expect(plainErrors('api/other.ts', base)).toEqual([`api/other.ts:1: ${base}`]);
    expect(plainErrors('api/errors.ts', 'class Other extends Error {}')).toHaveLength(1);
  });

  it('skips exactly the allowlisted folders and files, and reports the rest with repository paths', () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelab-errors-'));
    const put = (p: string, text: string) => {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    };
    const bad = `throw ${NEW}'x');\n`;
    put('control-plane/apiserver/server.ts', bad);
    put('control-plane/apiserver-extra/x.ts', bad); // a prefix of a folder name is not the folder
    put('api/client/fake-client.ts', bad);
    put('api/client/fake-client-2.ts', bad);
    put('api/ok.ts', `throw new KubeError('BadRequest', 'x');\n`);
    put('api/types.d.ts', bad);
    const allowlist = ['control-plane/apiserver/', 'api/patch/', 'api/client/fake-client.ts'];
    expect(scan(dir, ['api', 'control-plane'], allowlist).sort()).toEqual([
      `api/client/fake-client-2.ts:1: throw ${NEW}'x');`,
      `control-plane/apiserver-extra/x.ts:1: throw ${NEW}'x');`,
    ]);
    expect(scan(dir, ['api', 'control-plane'], []).length).toBe(4);
  });
});
