/**
 * TypeScript source text with its comments and the contents of its string, template and regular
 * expression literals blanked (replaced by spaces, newlines kept), so a guard's line-based patterns see
 * only code and report the right line numbers. A small scanner, not a parser: a `/` starts a regular
 * expression where an expression may start (after an operator, an opening bracket, a keyword such as
 * `return`, or at the start of the file), as JavaScript's own grammar decides it; elsewhere it divides.
 */

/** Keywords after which a `/` starts a regular expression, not a division. */
const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

/** Characters after which a `/` starts a regular expression. */
const REGEX_AFTER_CHAR = '([{,;:=!&|?+-*%<>~^';

const blank = (s: string) => s.replace(/[^\n]/g, ' ');

/** `src` with comments and literal contents blanked; quotes and delimiters stay, so `'x'` becomes `' '`. */
export function blankCommentsAndStrings(src: string): string {
  let out = '';
  let i = 0;
  // For each open template literal, the brace depth of the `${` expression we are in (-1: in the text part).
  const templates: number[] = [];
  /** The last significant code character or word before `i` (for the regex-or-division decision). */
  const previousToken = (): string => {
    let j = out.length - 1;
    while (j >= 0 && /\s/.test(out[j]!)) j--;
    if (j < 0) return '';
    if (!/[\w$]/.test(out[j]!)) return out[j]!;
    let k = j;
    while (k > 0 && /[\w$]/.test(out[k - 1]!)) k--;
    return out.slice(k, j + 1);
  };
  /** Copy a quoted literal's contents blanked, from after its opening quote to its closing one (kept). */
  const quoted = (quote: string) => {
    out += quote;
    i++;
    let body = '';
    while (i < src.length && src[i] !== quote && src[i] !== '\n') {
      if (src[i] === '\\' && i + 1 < src.length) {
        body += src.slice(i, i + 2);
        i += 2;
      } else body += src[i++];
    }
    out += blank(body);
    if (src[i] === quote) out += src[i++];
  };
  /** The text part of a template literal, up to its end (kept) or a `${` (kept, then code again). */
  const templateText = () => {
    let body = '';
    while (i < src.length) {
      const c = src[i]!;
      if (c === '\\' && i + 1 < src.length) {
        body += src.slice(i, i + 2);
        i += 2;
      } else if (c === '`') {
        out += blank(body) + '`';
        i++;
        templates.pop();
        return;
      } else if (c === '$' && src[i + 1] === '{') {
        out += blank(body) + '${';
        i += 2;
        templates[templates.length - 1] = 0;
        return;
      } else body += src[i++];
    }
    out += blank(body);
  };
  const regex = () => {
    out += '/';
    i++;
    let body = '';
    let inClass = false;
    while (i < src.length && src[i] !== '\n') {
      const c = src[i]!;
      if (c === '\\' && i + 1 < src.length) {
        body += src.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (c === '/' && !inClass) break;
      if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      body += c;
      i++;
    }
    out += blank(body);
    if (src[i] === '/') out += src[i++];
  };

  while (i < src.length) {
    const c = src[i]!;
    const next = src[i + 1];
    const depth = templates.length ? templates[templates.length - 1]! : undefined;
    if (depth === -1) {
      templateText();
      continue;
    }
    if (c === '/' && next === '/') {
      const end = src.indexOf('\n', i);
      const stop = end === -1 ? src.length : end;
      out += blank(src.slice(i, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end === -1 ? src.length : end + 2;
      out += blank(src.slice(i, stop));
      i = stop;
    } else if (c === '/') {
      const prev = previousToken();
      if (prev === '' || REGEX_AFTER_CHAR.includes(prev) || REGEX_AFTER_WORD.has(prev)) regex();
      else out += src[i++];
    } else if (c === "'" || c === '"') {
      quoted(c);
    } else if (c === '`') {
      out += '`';
      i++;
      templates.push(-1);
    } else if (depth !== undefined && c === '{') {
      templates[templates.length - 1] = depth + 1;
      out += src[i++];
    } else if (depth !== undefined && c === '}') {
      // The `}` that closes a `${`: back to the template's text.
      templates[templates.length - 1] = depth === 0 ? -1 : depth - 1;
      out += src[i++];
    } else out += src[i++];
  }
  return out;
}
