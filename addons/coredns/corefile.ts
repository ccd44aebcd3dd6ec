/**
 * The Corefile as CoreDNS (Caddy's caddyfile lexer and parser) reads it: server blocks `KEYS {`, one directive
 * per line with its arguments, nested `{ ... }` blocks of properties, `"quoted strings"` (which may hold spaces and
 * span lines), `#` comments. No snippets, `import` or `{$ENV}` placeholders. Pure: text in, blocks or an error with
 * the line number out, worded as CoreDNS words it (`Corefile:3 - Error during parsing: ...`).
 */
import { KubeError } from '../../api/errors.js';

export interface Token {
  text: string;
  line: number;
  /** A quoted token is never a brace. */
  quoted: boolean;
}

/** One line of a block: a directive (or a property inside a directive's block) with its arguments. */
export interface Directive {
  name: string;
  args: string[];
  line: number;
  /** The lines of its `{ ... }` block, if it has one. */
  block?: Directive[];
}

export interface ServerBlock {
  /** The keys as written (`.:53`, `example.org`, `dns://cluster.local:1053`). */
  keys: string[];
  line: number;
  directives: Directive[];
}

/** A Corefile that does not parse, or a directive the server cannot use; `line` is 1-based. */
export class CorefileError extends KubeError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
    /** The plugin whose setup refused it (`plugin/kubernetes: ...` in CoreDNS's log). */
    readonly plugin?: string,
  ) {
    super('BadRequest', `${plugin ? `plugin/${plugin}: ` : ''}${file}:${line} - Error during parsing: ${detail}`, { code: 'ERR_CONFIG' });
    this.name = 'CorefileError';
  }
}

/** Split text into tokens (Caddy's lexer): whitespace separates, `#` starts a comment, quotes group, `\"` escapes. */
export function tokenize(text: string, file = 'Corefile'): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const start = line;
    if (c === '"' || c === '`') {
      const q = c;
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new CorefileError(file, start, 'Unterminated quoted string');
        const d = text[i]!;
        if (d === '\\' && q === '"' && text[i + 1] === '"') {
          s += '"';
          i += 2;
          continue;
        }
        if (d === q) {
          i++;
          break;
        }
        if (d === '\n') line++;
        s += d;
        i++;
      }
      tokens.push({ text: s, line: start, quoted: true });
      continue;
    }
    let s = '';
    while (i < text.length && !/[\s]/.test(text[i]!)) {
      if (text[i] === '"' ) break;
      s += text[i];
      i++;
    }
    tokens.push({ text: s, line: start, quoted: false });
  }
  return tokens;
}

const isOpen = (t: Token | undefined) => !!t && !t.quoted && t.text === '{';
const isClose = (t: Token | undefined) => !!t && !t.quoted && t.text === '}';

/** Parse a Corefile into its server blocks. */
export function parseCorefile(text: string, file = 'Corefile'): ServerBlock[] {
  const toks = tokenize(text, file);
  let p = 0;
  const blocks: ServerBlock[] = [];

  /** The lines of a block whose `{` was just consumed, up to and including its `}`. */
  const parseBody = (openLine: number): Directive[] => {
    const out: Directive[] = [];
    for (;;) {
      const t = toks[p];
      if (!t) throw new CorefileError(file, toks[toks.length - 1]?.line ?? openLine, 'Unexpected EOF');
      if (isClose(t)) {
        p++;
        return out;
      }
      if (isOpen(t)) throw new CorefileError(file, t.line, "Unexpected '{' on a line of its own");
      const d: Directive = { name: t.text, args: [], line: t.line };
      p++;
      while (toks[p] && toks[p]!.line === t.line && !isOpen(toks[p]) && !isClose(toks[p])) d.args.push(toks[p++]!.text);
      // A quoted argument spanning lines keeps its first line; further tokens on the line it ends on are args too.
      if (isOpen(toks[p]) && toks[p]!.line === t.line) {
        p++;
        d.block = parseBody(t.line);
      } else if (isClose(toks[p]) && toks[p]!.line === t.line) {
        // `errors }`: Caddy requires the closing brace on its own line.
        throw new CorefileError(file, t.line, "Unexpected token '}', expecting argument");
      }
      out.push(d);
    }
  };

  while (p < toks.length) {
    const first = toks[p]!;
    if (isOpen(first) || isClose(first)) throw new CorefileError(file, first.line, `Unexpected token '${first.text}', expecting server block keys`);
    const keys: string[] = [];
    while (toks[p] && !isOpen(toks[p])) {
      const t = toks[p]!;
      if (isClose(t)) throw new CorefileError(file, t.line, "Unexpected token '}', expecting '{'");
      for (const k of t.text.split(',')) if (k) keys.push(k);
      p++;
    }
    if (!toks[p]) throw new CorefileError(file, toks[p - 1]!.line, "Unexpected EOF, expecting '{' after server block keys");
    p++;
    blocks.push({ keys, line: first.line, directives: parseBody(first.line) });
  }
  if (blocks.length === 0) throw new CorefileError(file, 1, 'no server blocks: the Corefile is empty');
  return blocks;
}
