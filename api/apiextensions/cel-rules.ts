/**
 * CRD validation rules (`x-kubernetes-validations`): their compilation, as upstream's apiextensions-apiserver
 * (pkg/apiserver/schema/cel/compilation.go; pkg/apis/apiextensions/validation for the CRD-time causes):
 *   - `compileRules`: a rule that does not compile, or is not a bool, is refused with upstream's detail
 *     (`compilation failed: ERROR: <input>:1:5: undefined field 'foo'`); transition rules are those naming
 *     `oldSelf`; messageExpression must be a string; `self` is typed by cel-types.ts;
 *   - `ruleFieldCauses` / `ruleCompileCauses`: the causes of a CRD write (rule, message, reason, fieldPath;
 *     compile errors, oldSelf where no old value can be correlated).
 * Objects are checked by cel-validator.ts. Estimated cost limits are not enforced. Pure: no I/O.
 */
import type { Environment } from '@marcbachmann/cel-js';
import type { StatusCause } from '../errors.js';
import type { JSONSchemaProps } from '../types/apiextensions.js';
import { fieldErr, quote } from '../strategies/validation.js';
import { baseEnvironment } from './cel-library.js';
import { additionalOf, declare, declOf, escapeFieldName, isSchema, itemsOf, type CelDecl } from './cel-types.js';

export interface ValidationRule {
  rule?: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

// ------------------------------------------------------------------ compilation

export interface CelErrorLike {
  summary?: string;
  message?: string;
  range?: { start: number; end: number };
  node?: { pos?: number; start?: number };
}

/** An error's text in cel-go's words where they differ (`undefined field 'x'`, `no such key: x`). */
export function celWording(summary: string): string {
  let m = /^No such key: (.*)$/.exec(summary);
  if (m) return m[1]!.startsWith('index out of bounds') ? m[1]! : `no such key: ${m[1]}`;
  m = /^Unknown variable: (.*)$/.exec(summary);
  if (m) return `undeclared reference to '${m[1]}' (in container '')`;
  return summary;
}

/** A compile error as cel-go's issues.String(): `ERROR: <input>:1:5: msg\n | src\n | ....^`. */
function compileIssue(err: unknown, src: string): string {
  const e = (err ?? {}) as CelErrorLike;
  let summary = e.summary ?? e.message ?? String(err);
  const undefinedField = /^No such key: (.*)$/.exec(summary);
  if (undefinedField) summary = `undefined field '${undefinedField[1]}'`;
  else summary = celWording(summary);
  let offset = e.range?.start ?? e.node?.start ?? e.node?.pos ?? 0;
  if (undefinedField) {
    const before = src.lastIndexOf(`.${undefinedField[1]}`, offset);
    const after = src.indexOf(`.${undefinedField[1]}`, offset);
    if (before >= 0 && before >= offset - 1) offset = before;
    else if (after >= 0) offset = after;
    else if (before >= 0) offset = before;
  }
  const before = src.slice(0, offset);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const col = offset - lineStart + 1;
  const srcLine = src.split('\n')[line - 1] ?? '';
  return `ERROR: <input>:${line}:${col}: ${summary}\n | ${srcLine}\n | ${'.'.repeat(col - 1)}^`;
}

export type Program = (ctx: Record<string, unknown>) => unknown;

export interface CompiledRule {
  rule: ValidationRule;
  program?: Program;
  /** compilation failed: ... / cel expression must evaluate to a bool */
  error?: string;
  usesOldSelf: boolean;
  messageProgram?: Program;
  messageError?: string;
  /** The rule's fieldPath, normalized (`spec.x`, `labels[k]`); undefined when unset or invalid. */
  fieldPath?: string;
}

interface AstLike {
  op?: unknown;
  args?: unknown;
  range?: { start: number; end: number };
}

/**
 * What cel-js does differently from cel-go, rewritten in the source before compiling:
 *   - has() only on a field chain from a variable (`has(self.a.b)`), where CEL allows any operand
 *     (`has(self.matches[0].path)`): such calls become the equivalent `(operand).?field.hasValue()`;
 *   - `matches` takes JavaScript regular expressions: calls go to `re2Matches`, which also understands RE2's
 *     inline flags (`^(?i)[a-z]+$`).
 * Inner calls are handled by repeating until nothing changes.
 */
export function rewriteForEvaluator(src: string, env: Environment): string {
  let text = src;
  for (let pass = 0; pass < 8; pass++) {
    const next = rewriteOnce(text, env);
    if (next === text) return text;
    text = next;
  }
  return text;
}

function rewriteOnce(src: string, env: Environment): string {
  let ast: unknown;
  try {
    ast = env.parse(src).ast;
  } catch {
    return src;
  }
  const slice = (n: AstLike): string => (n.range ? src.slice(n.range.start, n.range.end) : '');
  const edits: { start: number; end: number; text: string }[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const n = node as AstLike;
    if (n.op === undefined) return;
    if (n.op === 'call' && Array.isArray(n.args) && n.args[0] === 'has' && Array.isArray(n.args[1]) && n.args[1].length === 1) {
      const arg = n.args[1][0] as AstLike;
      if (arg.op === '.' && Array.isArray(arg.args)) {
        let base = arg.args[0] as AstLike;
        while (base.op === '.' && Array.isArray(base.args)) base = base.args[0] as AstLike;
        const operand = arg.args[0] as AstLike;
        if (base.op !== 'id' && n.range && operand.range) {
          edits.push({ start: n.range.start, end: n.range.end, text: `(${slice(operand)}).?${String(arg.args[1])}.hasValue()` });
          return;
        }
      }
    }
    if (n.op === 'rcall' && Array.isArray(n.args) && n.args[0] === 'matches' && Array.isArray(n.args[2]) && n.args[2].length === 1 && n.range) {
      edits.push({ start: n.range.start, end: n.range.end, text: `(${slice(n.args[1] as AstLike)}).re2Matches(${slice(n.args[2][0] as AstLike)})` });
      return;
    }
    if (n.op === 'call' && Array.isArray(n.args) && n.args[0] === 'matches' && Array.isArray(n.args[1]) && n.args[1].length === 2 && n.range) {
      edits.push({ start: n.range.start, end: n.range.end, text: `(${slice(n.args[1][0] as AstLike)}).re2Matches(${slice(n.args[1][1] as AstLike)})` });
      return;
    }
    visit(n.args);
  };
  visit(ast);
  let out = src;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function mentionsOldSelf(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(mentionsOldSelf);
  if (!node || typeof node !== 'object') return false;
  const n = node as { op?: unknown; args?: unknown };
  if (n.op === 'id' && n.args === 'oldSelf') return true;
  return n.op !== undefined && mentionsOldSelf(n.args);
}

function environmentFor(decl: CelDecl, optionalOldSelf: boolean): Environment {
  const env = baseEnvironment().clone();
  const type = declare(decl, env, { n: 0 });
  env.registerVariable('self', type);
  env.registerVariable('oldSelf', optionalOldSelf ? `optional<${type}>` : type);
  return env;
}

/** Compile the rules of one schema node whose `self` has type `decl` (upstream's Compile). */
export function compileRules(rules: readonly ValidationRule[], decl: CelDecl, nodeSchema: JSONSchemaProps): CompiledRule[] {
  let plain: Environment | undefined;
  let optional: Environment | undefined;
  return rules.map((rule) => {
    const src = (rule.rule ?? '').trim();
    const fp = rule.fieldPath ? normalizeFieldPath(rule.fieldPath.trim(), nodeSchema) : undefined;
    const out: CompiledRule = { rule, usesOldSelf: false, ...(fp ? { fieldPath: fp } : {}) };
    if (src === '') return out;
    const env = rule.optionalOldSelf ? (optional ??= environmentFor(decl, true)) : (plain ??= environmentFor(decl, false));
    let parsed: ReturnType<Environment['parse']>;
    const text = rewriteForEvaluator(rule.rule ?? '', env);
    try {
      parsed = env.parse(text);
    } catch (e) {
      out.error = `compilation failed: ${compileIssue(e, text)}`;
      return out;
    }
    const checked = env.check(text);
    if (!checked.valid) {
      // name the error in the rule as written, unless only the rewritten form gets that far
      const original = text === rule.rule ? checked : env.check(rule.rule ?? '');
      const useOriginal = !original.valid && !/has\(\) invalid argument/.test(String((original.error as CelErrorLike | undefined)?.summary ?? ''));
      out.error = `compilation failed: ${useOriginal ? compileIssue(original.error, rule.rule ?? '') : compileIssue(checked.error, text)}`;
      return out;
    }
    if (checked.type !== 'bool') {
      out.error = 'cel expression must evaluate to a bool';
      return out;
    }
    out.usesOldSelf = mentionsOldSelf(parsed.ast);
    out.program = parsed as unknown as Program;
    const msgSrc = rule.messageExpression ?? '';
    if (msgSrc.trim() !== '') {
      try {
        const msgText = rewriteForEvaluator(msgSrc, env);
        const m = env.parse(msgText);
        const mc = env.check(msgText);
        if (!mc.valid) out.messageError = `messageExpression compilation failed: ${compileIssue(mc.error, msgSrc)}`;
        else if (mc.type !== 'string') out.messageError = 'must evaluate to a string';
        else out.messageProgram = m as unknown as Program;
      } catch (e) {
        out.messageError = `messageExpression compilation failed: ${compileIssue(e, msgSrc)}`;
      }
    }
    return out;
  });
}

/**
 * upstream's ValidFieldPath: `.a.b`, `['a.b']`, keys into additionalProperties; the normalized path
 * (`a.b`, `m[k]`) or undefined when it does not name a field of the schema.
 */
export function normalizeFieldPath(path: string, schema: JSONSchemaProps): string | undefined {
  let s: JSONSchemaProps | undefined = schema;
  let out = '';
  let rest = path;
  while (rest.length > 0) {
    let name: string;
    const dot = /^\.([^.[\]]+)/.exec(rest);
    const bracket = /^\['((?:[^'\\]|\\.)*)'\]/.exec(rest);
    if (dot) {
      name = dot[1]!;
      rest = rest.slice(dot[0].length);
    } else if (bracket) {
      name = bracket[1]!.replace(/\\(.)/g, '$1');
      rest = rest.slice(bracket[0].length);
    } else {
      return undefined;
    }
    if (!s) return undefined;
    if (s.properties) {
      const next: JSONSchemaProps | undefined = Object.prototype.hasOwnProperty.call(s.properties, name) ? s.properties[name] : undefined;
      if (!next) return undefined;
      out = out ? `${out}.${name}` : name;
      s = next;
    } else if (additionalOf(s)) {
      out = `${out}[${name}]`;
      s = additionalOf(s);
    } else {
      return undefined;
    }
  }
  return out || undefined;
}

// ------------------------------------------------------------------ CRD-time checks

/** Go's %#v of a ValidationRule, as upstream's field.Invalid prints the rule. */
export function goValidationRule(r: ValidationRule): string {
  const ptr = (set: boolean, type: string): string => `(${type})(${set ? '0xc000000000' : 'nil'})`;
  return `apiextensions.ValidationRule{Rule:${quote(r.rule ?? '')}, Message:${quote(r.message ?? '')}, MessageExpression:${quote(r.messageExpression ?? '')}, Reason:${ptr(r.reason !== undefined, '*apiextensions.FieldValueErrorReason')}, FieldPath:${quote(r.fieldPath ?? '')}, OptionalOldSelf:${ptr(r.optionalOldSelf !== undefined, '*bool')}}`;
}

const SUPPORTED_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];

/** The checks of one node's rules that need no compiler (upstream's SchemaErrors for x-kubernetes-validations). */
export function ruleFieldCauses(s: JSONSchemaProps, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  (s['x-kubernetes-validations'] ?? []).forEach((rule: ValidationRule, i: number) => {
    const p = `${path}.x-kubernetes-validations[${i}]`;
    const trimmedRule = (rule.rule ?? '').trim();
    const trimmedMsg = (rule.message ?? '').trim();
    if (trimmedRule === '') out.push(fieldErr.required(`${p}.rule`, 'rule is not specified'));
    else if ((rule.message ?? '').length > 0 && trimmedMsg === '') out.push(fieldErr.invalid(`${p}.message`, rule.message, 'message must be non-empty if specified'));
    else if (/[\n\r]/.test(trimmedMsg)) out.push(fieldErr.invalid(`${p}.message`, rule.message, 'message must not contain line breaks'));
    else if (/[\n\r]/.test(trimmedRule) && trimmedMsg === '') out.push(fieldErr.required(`${p}.message`, 'message must be specified if rule contains line breaks'));
    if ((rule.messageExpression ?? '').length > 0 && (rule.messageExpression ?? '').trim() === '') out.push(fieldErr.required(`${p}.messageExpression`, 'messageExpression must be non-empty if specified'));
    if (rule.reason !== undefined && !SUPPORTED_REASONS.includes(rule.reason)) out.push(fieldErr.notSupported(`${p}.reason`, rule.reason, SUPPORTED_REASONS));
    const fp = rule.fieldPath ?? '';
    if (fp.length > 0 && fp.trim() === '') out.push(fieldErr.invalid(`${p}.fieldPath`, fp, 'fieldPath must be non-empty if specified'));
    if (/[\n\r]/.test(fp)) out.push(fieldErr.invalid(`${p}.fieldPath`, fp, 'fieldPath must not contain line breaks'));
    if (fp.length > 0 && normalizeFieldPath(fp.trim(), s) === undefined) out.push(fieldErr.invalid(`${p}.fieldPath`, fp, 'fieldPath must be a valid path'));
  });
  return out;
}

/**
 * Compile every rule of a version's schema (upstream's CELErrors): a node is compiled only when no other
 * cause names it or a field below it. `uncorrelatable` is the path of the list above that is not a map list
 * (its items have no old values), where oldSelf cannot be used.
 */
export function ruleCompileCauses(root: JSONSchemaProps, path: string, schemaCauses: readonly StatusCause[]): StatusCause[] {
  const out: StatusCause[] = [];
  const clean = (p: string): boolean => !schemaCauses.some((c) => c.field === p || (c.field ?? '').startsWith(`${p}.`));
  const visit = (s: JSONSchemaProps, p: string, decl: CelDecl | undefined, uncorrelatable: string | undefined): void => {
    if (!isSchema(s)) return;
    const rules = s['x-kubernetes-validations'] ?? [];
    if (rules.length > 0 && clean(p)) {
      if (!decl) {
        out.push({ reason: 'InternalError', field: `${p}.x-kubernetes-validations`, message: `Internal error: rule declared on schema that does not support validation rules type: '${s.type ?? ''}' x-kubernetes-preserve-unknown-fields: '${s['x-kubernetes-preserve-unknown-fields'] === true}'` });
      } else {
        compileRules(rules, decl, s).forEach((cr, i) => {
          const rp = `${p}.x-kubernetes-validations[${i}]`;
          if (cr.error) out.push({ reason: 'FieldValueInvalid', field: `${rp}.rule`, message: `Invalid value: ${goValidationRule(cr.rule)}: ${cr.error}` });
          if (cr.messageError) out.push({ reason: 'FieldValueInvalid', field: `${rp}.messageExpression`, message: `Invalid value: ${goValidationRule(cr.rule)}: ${cr.messageError}` });
          if (cr.usesOldSelf) {
            if (uncorrelatable !== undefined) out.push(fieldErr.invalid(`${rp}.rule`, cr.rule.rule ?? '', `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatable}`));
          } else if (cr.program && cr.rule.optionalOldSelf !== undefined) {
            out.push(fieldErr.invalid(`${rp}.optionalOldSelf`, cr.rule.optionalOldSelf, 'may not be set if oldSelf is not used in rule'));
          }
        });
      }
    }
    const items = itemsOf(s);
    if (items) {
      const elem = decl?.kind === 'list' ? decl.elem : undefined;
      visit(items, `${p}.items`, elem, uncorrelatable ?? (s['x-kubernetes-list-type'] === 'map' ? undefined : p));
    }
    const additional = additionalOf(s);
    if (additional) visit(additional, `${p}.additionalProperties`, decl?.kind === 'map' ? decl.value : undefined, uncorrelatable);
    for (const [k, ps] of Object.entries(s.properties ?? {})) {
      const escaped = escapeFieldName(k);
      const fieldDecl = decl?.kind === 'object' ? (escaped ? decl.fields.get(escaped)?.decl : declOf(ps, ps['x-kubernetes-embedded-resource'] === true)) : undefined;
      visit(ps, `${p}.properties[${k}]`, fieldDecl, uncorrelatable);
    }
  };
  visit(root, path, declOf(root, true), undefined);
  return out;
}
