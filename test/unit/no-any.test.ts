/**
 * No `any` in the production layers (api/, control-plane/, node-agent/, addons/): the API types in api/types
 * (through `Relaxed<>` views or `Pick<>`s), `unknown` with narrowing, or a named JSON type say what a
 * value is. The few unavoidable uses (JSON from the wire before its structural check, a library typed
 * with `any`) carry a `// any: <why>` comment on the same line and are allowed. The guard blanks
 * comments and literals (test/support/source-text.ts), then flags `any` in a type position: after `:`,
 * `as`, `satisfies`, `<`, `=`, `=>`, `|`, `&`, `extends`, `keyof`, `readonly`, `is`, a conditional
 * type's `?`, a type argument's or tuple element's `,`, or before `[]`, `>`, `|`, `&`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../support/imports.js';
import { blankCommentsAndStrings } from '../support/source-text.js';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** The layers that must say what their values are. */
const TYPED_DIRS = ['api', 'control-plane', 'node-agent', 'addons'];

/** The comment that allows an `any` on its line: `// any: ` and a reason. */
const ALLOWED = /\/\/ any: \S/;

/** Words after which `any` is a type. */
const TYPE_AFTER_WORD = new Set(['as', 'satisfies', 'extends', 'keyof', 'readonly', 'is']);

/**
 * Is the `any` at `at` (an index into blanked text `code`) used as a type? Decided from the tokens
 * around it. A value named `any` (legal, and unwise) is flagged only where it would read as a type:
 * after `:`, `=`, `?` or `,` of a type-looking place, or before `>`, `|`, `&`.
 */
function isTypeUse(code: string, at: number): boolean {
  const end = at + 3;
  // The previous significant token: a word, `=>`, or one character (and the character before it).
  let j = at - 1;
  while (j >= 0 && /\s/.test(code[j]!)) j--;
  let prev = '';
  if (j >= 0 && /[\w$]/.test(code[j]!)) {
    let k = j;
    while (k > 0 && /[\w$]/.test(code[k - 1]!)) k--;
    prev = code.slice(k, j + 1);
  } else if (j >= 0) prev = code[j - 1] === '=' && code[j] === '>' ? '=>' : code[j]!;
  const before = j >= 1 ? code[j - 1]! : '';
  // What follows, spaces skipped.
  const rest = code.slice(end).replace(/^\s+/, '');
  const arrayType = /^\[\s*\]/.test(rest);
  const union = /^\|(?!\|)/.test(rest) || /^&(?!&)/.test(rest);
  if (prev === '.' || before + prev === '?.') return false; // a property named any
  if (TYPE_AFTER_WORD.has(prev) || prev === '=>' || prev === '<') return true;
  if (prev === ':') return true; // an annotation (a ternary's `: any` value would need a variable named any)
  // A type alias or a type parameter's default (`= any;`, `= any>`), not an operand (`= any || x`).
  if (prev === '=' && !'=!<>'.includes(before) && /^([;,)\]]|>(?!=)|$)/.test(rest)) return true;
  if ((prev === '|' || prev === '&') && before !== prev) return true; // a union or intersection, not || or &&
  if (prev === '?' && rest.startsWith(':')) return true; // a conditional type's branch: T extends U ? any : V
  if (prev === ',' && /^[,>\]]/.test(rest)) return true; // a later type argument or tuple element: Fn<A, any, B>, [A, any]
  if (prev === '[' && rest.startsWith(',')) return true; // a tuple's first element: [any, B]
  if (arrayType || union) return true; // any[], any | undefined
  if (/^>(?!=)/.test(rest)) return true; // the last type argument: Record<string, any>
  return false;
}

/** Each `any` used as a type in one file's source, as `path:line: text`, unless its line says `// any: <why>`. */
export function anyTypeUses(path: string, src: string): string[] {
  const code = blankCommentsAndStrings(src);
  const lines = src.split('\n');
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code[i] === '\n') lineStarts.push(i + 1);
  const lineOf = (at: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const out: string[] = [];
  const flagged = new Set<number>();
  for (const m of code.matchAll(/(?<![\w$])any(?![\w$])/g)) {
    if (!isTypeUse(code, m.index)) continue;
    const line = lineOf(m.index);
    if (flagged.has(line) || ALLOWED.test(lines[line]!)) continue;
    flagged.add(line);
    out.push(`${path}:${line + 1}: ${lines[line]!.trim()}`);
  }
  return out;
}

/** Every unmarked `any` type under `dirs` of `root`, with `/`-separated repository paths. */
export function scan(root: string, dirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    for (const f of sourceFiles(join(root, d))) {
      if (!/\.(m|c)?ts$/.test(f)) continue;
      out.push(...anyTypeUses(relative(root, f).split(sep).join('/'), readFileSync(f, 'utf8')));
    }
  }
  return out;
}

describe('the production layers', () => {
  it('use no `any` type outside lines marked `// any: <why>`', () => {
    expect(scan(ROOT, TYPED_DIRS)).toEqual([]);
  });
});

describe('the detector', () => {
  // Built from parts, so that a search of the tree for `any` types does not land in this table.
  const ANY = ['a', 'ny'].join('');
  const MARK = ['//', `${ANY}:`].join(' ');

  it.each([
    `let x: ${ANY};`,
    `function f(a: ${ANY}, b: string): ${ANY} {`,
    `const o = v as ${ANY};`,
    `const p = (v as ${ANY}).x;`,
    `const q = <${ANY}>v;`,
    `const list: ${ANY}[] = [];`,
    `const list: ${ANY} [ ] = [];`,
    `type M = Record<string, ${ANY}>;`,
    `type N = Map<string, Map<string, ${ANY}>>;`,
    `type A = Array<${ANY}>;`,
    `type T = ${ANY};`,
    `function g<T = ${ANY}>(): T {`,
    `type U = string | ${ANY};`,
    `type V = ${ANY} | undefined;`,
    `type W = Base & ${ANY};`,
    `type Fn = () => ${ANY};`,
    `type K = keyof ${ANY};`,
    `function h(...args: readonly ${ANY}[]) {}`,
    `function is(v: unknown): v is ${ANY} {`,
    `type E<T> = T extends ${ANY} ? 1 : 0;`,
    `const s = v satisfies ${ANY};`,
    `interface I { [k: string]: ${ANY} }`,
    `const m = new Map<string,${ANY}>();`,
    `type F = Fn<string, ${ANY}, number>;`,
    `type P = [string, ${ANY}];`,
    `type Q = [${ANY}, string];`,
    `type C<T> = T extends string ? ${ANY} : never;`,
    `function k(...rest: ${ANY}[]) {}`,
    `type R = (${ANY} | string)[];`,
    `const t = \`\${(v as ${ANY}).x}\`;`,
    `  x:\n    ${ANY};`,
    `const y: ${ANY}; // ${ANY}thing else`,
    `const z: ${ANY}; ${MARK}`,
  ])('flags %j', (line) => {
    const found = anyTypeUses('api/x.ts', line);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^api\/x\.ts:\d+: /);
  });

  it.each([
    `// ${ANY} in a line comment: x as ${ANY}`,
    `/** as ${ANY}, Record<string, ${ANY}> */`,
    `/*\n * a: ${ANY}\n */`,
    `const s = 'x: ${ANY}';`,
    `const d = "as ${ANY}[]";`,
    `const t = \`Record<string, ${ANY}>\`;`,
    `const t = \`\${a} as ${ANY} \${b}\`;`,
    `const r = /x: ${ANY}|as ${ANY}/;`,
    `const r = v.split(/: ${ANY}/);`,
    `const k = { kind: '${ANY}' };`,
    `case '${ANY}': return 1;`,
    `let ${ANY} = false;`,
    `if (ok) ${ANY} = true;`,
    `if (!${ANY}) return 'BestEffort';`,
    `const b = ${ANY} || other;`,
    `const c = a && ${ANY};`,
    `const e = ${ANY} >= 1;`,
    `const f = obj.${ANY};`,
    `const o = { a: 1, ${ANY}: 2 };`,
    `interface J { ${ANY}?: number }`,
    `f(a, ${ANY});`,
    `const g = obj?.${ANY};`,
    `const many: company = anything;`,
    `const x: ${ANY}; ${MARK} the wire's JSON before the structural check`,
    `  ${MARK} a comment line of its own`,
    `const y = a / b; const z = c / d; // ${ANY}: x`,
  ])('passes %j', (line) => {
    expect(anyTypeUses('api/x.ts', line)).toEqual([]);
  });

  it('needs a reason after the mark, and the mark on the same line', () => {
    expect(anyTypeUses('api/x.ts', `const x: ${ANY}; ${MARK}`)).toHaveLength(1);
    expect(anyTypeUses('api/x.ts', `${MARK} why\nconst x: ${ANY};`)).toEqual([`api/x.ts:2: const x: ${ANY};`]);
  });

  it('reports each line once with its number, after multi-line comments and templates', () => {
    const src = [`/*`, ` * x: ${ANY}`, ` */`, 'const t = `a', `b: ${ANY}`, '`;', `function f(a: ${ANY}, b: ${ANY}[]): ${ANY} {}`].join('\n');
    expect(anyTypeUses('api/x.ts', src)).toEqual([`api/x.ts:7: function f(a: ${ANY}, b: ${ANY}[]): ${ANY} {}`]);
  });
});
