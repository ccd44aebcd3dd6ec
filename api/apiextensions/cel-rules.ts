/**
 * CRD validation rules (`x-kubernetes-validations`) as upstream's apiextensions-apiserver runs them
 * (pkg/apiserver/schema/cel: compilation.go, validation.go; k8s.io/apiserver/pkg/cel/common/schemas.go):
 *   - `declOf`: the CEL type of a schema node (`self`): objects with their escaped property names (the root
 *     and embedded resources also get apiVersion, kind, metadata.name/generateName), maps for
 *     additionalProperties, lists, int-or-string as dyn, string formats duration / date(-time) / byte as
 *     durations / timestamps / bytes; fields of unknown type (untyped
 *     preserve-unknown-fields) are left out, as upstream does;
 *   - `compileRules`: a rule that does not compile, or is not a bool, is refused with upstream's detail
 *     (`compilation failed: ERROR: <input>:1:5: undefined field 'foo'`); transition rules are those naming
 *     `oldSelf`; messageExpression must be a string;
 *   - `celValidator(schema).validate(obj, old)`: every rule of every node of the object, each false rule one
 *     cause at the node (or its fieldPath) with the rule's message / messageExpression / reason, evaluation
 *     errors as upstream words them, transition rules only when an old value exists (or optionalOldSelf),
 *     old values correlated through object fields, map keys and map-list keys, and validation ratcheting:
 *     a non-transition rule failing on a value that did not change is not an error.
 * Estimated and runtime cost limits are not enforced. Pure: no I/O.
 */
import { Environment, Optional } from '@marcbachmann/cel-js';
import type { StatusCause } from '../errors.js';
import type { JSONSchemaProps } from '../types/apiextensions.js';
import { fieldErr, quote, semanticEqual } from '../strategies/validation.js';
import { isPlainObject } from '../values.js';
import { baseEnvironment } from './cel-library.js';

export interface ValidationRule {
  rule?: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

// ------------------------------------------------------------------ types

const DURATION = 'google.protobuf.Duration';
const TIMESTAMP = 'google.protobuf.Timestamp';

export type CelDecl =
  | { kind: 'prim'; type: 'int' | 'double' | 'string' | 'bool' | 'dyn' | 'bytes' | typeof DURATION | typeof TIMESTAMP }
  | { kind: 'list'; elem: CelDecl }
  | { kind: 'map'; value: CelDecl }
  | { kind: 'object'; fields: Map<string, { name: string; decl: CelDecl }> };

const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/** A property name as CEL sees it (upstream's cel.Escape), or undefined when it cannot be escaped. */
export function escapeFieldName(name: string): string | undefined {
  if (name === '' || /^[0-9]/.test(name)) return undefined;
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  let ok = true;
  const out = name.replace(/__|[^a-zA-Z0-9_]/g, (m) => {
    switch (m) {
      case '__':
        return '__underscores__';
      case '.':
        return '__dot__';
      case '-':
        return '__dash__';
      case '/':
        return '__slash__';
      default:
        ok = false;
        return '';
    }
  });
  return ok ? out : undefined;
}

function itemsOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return s.items && !Array.isArray(s.items) ? s.items : undefined;
}

function additionalOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return isPlainObject(s.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined;
}

/** A schema object (not narrowing: a schema stays a schema). */
function isSchema(s: unknown): boolean {
  return isPlainObject(s);
}

const STRING: JSONSchemaProps = { type: 'string' };

/** apiVersion, kind and metadata.name/generateName, always visible at a resource's root (WithTypeAndObjectMeta). */
function withTypeAndObjectMeta(s: JSONSchemaProps): JSONSchemaProps {
  return {
    ...s,
    properties: {
      ...(s.properties ?? {}),
      apiVersion: STRING,
      kind: STRING,
      metadata: { type: 'object', properties: { name: STRING, generateName: STRING } },
    },
  };
}

/** The CEL type of a schema node (upstream's SchemaDeclType), undefined when rules cannot see it. */
export function declOf(s: JSONSchemaProps, isResourceRoot: boolean): CelDecl | undefined {
  if (s['x-kubernetes-int-or-string']) return { kind: 'prim', type: 'dyn' };
  const node = isResourceRoot ? withTypeAndObjectMeta(s) : s;
  switch (node.type) {
    case 'array': {
      const items = itemsOf(node);
      const elem = items ? declOf(items, items['x-kubernetes-embedded-resource'] === true) : undefined;
      return elem ? { kind: 'list', elem } : undefined;
    }
    case 'object': {
      const additional = additionalOf(node);
      if (additional) {
        const value = declOf(additional, additional['x-kubernetes-embedded-resource'] === true);
        return value ? { kind: 'map', value } : undefined;
      }
      const fields = new Map<string, { name: string; decl: CelDecl }>();
      for (const [name, prop] of Object.entries(node.properties ?? {})) {
        const decl = declOf(prop, prop['x-kubernetes-embedded-resource'] === true);
        const escaped = escapeFieldName(name);
        if (decl && escaped) fields.set(escaped, { name, decl });
      }
      return { kind: 'object', fields };
    }
    case 'string':
      // formats CEL has types for (upstream: byte, duration, date, date-time)
      if (node.format === 'duration') return { kind: 'prim', type: DURATION };
      if (node.format === 'date' || node.format === 'date-time') return { kind: 'prim', type: TIMESTAMP };
      if (node.format === 'byte') return { kind: 'prim', type: 'bytes' };
      return { kind: 'prim', type: 'string' };
    case 'boolean':
      return { kind: 'prim', type: 'bool' };
    case 'number':
      return { kind: 'prim', type: 'double' };
    case 'integer':
      return { kind: 'prim', type: 'int' };
    default:
      return undefined;
  }
}

/** The JS class of an object type's CEL values (one per declared object node; instances hold escaped fields). */
type CelObjectClass = new (fields: Record<string, unknown>) => object;
const objectClasses = new WeakMap<CelDecl, CelObjectClass>();

function classOf(decl: CelDecl): CelObjectClass {
  let c = objectClasses.get(decl);
  if (!c) {
    c = class CelObject {
      constructor(fields: Record<string, unknown>) {
        Object.assign(this, fields);
      }
    };
    objectClasses.set(decl, c);
  }
  return c;
}

/** Structural equality of CEL values (objects by their fields), for `==` on object types. */
function celValueEqual(a: unknown, b: unknown): boolean {
  const text = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
  return text(a) === text(b);
}

/** Declare the object types of `decl` in `env`; returns its CEL type name (`list<k8s_object_1>`, `int`, ...). */
function declare(decl: CelDecl, env: Environment, counter: { n: number }): string {
  switch (decl.kind) {
    case 'prim':
      return decl.type;
    case 'list':
      return `list<${declare(decl.elem, env, counter)}>`;
    case 'map':
      return `map<string, ${declare(decl.value, env, counter)}>`;
    case 'object': {
      const fields: Record<string, string> = {};
      for (const [escaped, f] of decl.fields) fields[escaped] = declare(f.decl, env, counter);
      const name = `k8s_object_${counter.n++}`;
      env.registerType(name, { ctor: classOf(decl), fields });
      env.registerOperator(`${name} == ${name}`, celValueEqual);
      return name;
    }
  }
}

let durationProgram: ((ctx: Record<string, unknown>) => unknown) | undefined;

/** A Go duration string (`1h30m`) as a CEL duration; the string itself when it does not parse. */
function parseDuration(s: string): unknown {
  if (!durationProgram) {
    const env = new Environment();
    env.registerVariable('s', 'string');
    durationProgram = env.parse('duration(s)') as unknown as (ctx: Record<string, unknown>) => unknown;
  }
  try {
    return durationProgram({ s });
  } catch {
    return s;
  }
}

/** A JSON value as the CEL value of its type: integers as bigint, objects as instances keyed by escaped names. */
export function toCelValue(v: unknown, decl: CelDecl): unknown {
  if (v === null || v === undefined) return v;
  switch (decl.kind) {
    case 'prim':
      if ((decl.type === 'int' || decl.type === 'dyn') && typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
      if (typeof v === 'string') {
        if (decl.type === DURATION) return parseDuration(v);
        if (decl.type === TIMESTAMP) {
          const d = new Date(v);
          return Number.isNaN(d.getTime()) ? v : d;
        }
        if (decl.type === 'bytes') return new Uint8Array(Buffer.from(v, 'base64'));
      }
      return v;
    case 'list':
      return Array.isArray(v) ? v.map((x) => toCelValue(x, decl.elem)) : v;
    case 'map': {
      if (!isPlainObject(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = toCelValue(x, decl.value);
      return out;
    }
    case 'object': {
      if (!isPlainObject(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [escaped, f] of decl.fields) {
        const x = v[f.name];
        if (x !== null && x !== undefined) out[escaped] = toCelValue(x, f.decl);
      }
      return new (classOf(decl))(out);
    }
  }
}

// ------------------------------------------------------------------ compilation

interface CelErrorLike {
  summary?: string;
  message?: string;
  range?: { start: number; end: number };
  node?: { pos?: number; start?: number };
}

/** An error's text in cel-go's words where they differ (`undefined field 'x'`, `no such key: x`). */
function celWording(summary: string): string {
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

type Program = (ctx: Record<string, unknown>) => unknown;

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

// ------------------------------------------------------------------ validation of objects

interface NodeValidator {
  schema: JSONSchemaProps;
  decl: CelDecl;
  rules: CompiledRule[];
  properties: Map<string, NodeValidator>;
  items?: NodeValidator;
  additional?: NodeValidator;
  allOf: NodeValidator[];
}

function buildValidator(vs: JSONSchemaProps, ns: JSONSchemaProps, decl: CelDecl | undefined): NodeValidator | undefined {
  if (!decl || !isSchema(vs)) return undefined;
  const rules = compileRules(vs['x-kubernetes-validations'] ?? [], decl, ns);
  const vItems = itemsOf(vs);
  const nItems = itemsOf(ns);
  const items = vItems && nItems ? buildValidator(vItems, nItems, decl.kind === 'list' ? decl.elem : undefined) : undefined;
  const vAdd = additionalOf(vs);
  const nAdd = additionalOf(ns);
  const additional = vAdd && nAdd ? buildValidator(vAdd, nAdd, decl.kind === 'map' ? decl.value : undefined) : undefined;
  const properties = new Map<string, NodeValidator>();
  for (const [k, vp] of Object.entries(vs.properties ?? {})) {
    const np = ns.properties?.[k];
    if (!np) continue;
    const escaped = escapeFieldName(k);
    const fieldDecl = escaped ? (decl.kind === 'object' ? decl.fields.get(escaped)?.decl : undefined) : declOf(np, np['x-kubernetes-embedded-resource'] === true);
    const v = buildValidator(vp, np, fieldDecl);
    if (v) properties.set(k, v);
  }
  const allOf = (vs.allOf ?? []).map((a) => buildValidator(a, ns, decl)).filter((v): v is NodeValidator => v !== undefined);
  if (rules.length === 0 && !items && !additional && properties.size === 0 && allOf.length === 0) return undefined;
  return { schema: ns, decl, rules, properties, ...(items ? { items } : {}), ...(additional ? { additional } : {}), allOf };
}

function child(path: string, k: string): string {
  return path ? `${path}.${k}` : k;
}

function fieldErrorForReason(path: string, type: string, detail: string, reason: string | undefined): StatusCause {
  switch (reason) {
    case 'FieldValueForbidden':
      return fieldErr.forbidden(path, detail);
    case 'FieldValueRequired':
      return fieldErr.required(path, detail);
    case 'FieldValueDuplicate':
      return fieldErr.duplicate(path, type);
    default:
      return fieldErr.invalid(path, type, detail);
  }
}

function ruleErrorString(r: ValidationRule): string {
  return (r.message ?? '').length > 0 ? (r.message ?? '').trim() : (r.rule ?? '').trim();
}

function ruleMessageOrDefault(r: ValidationRule): string {
  return (r.message ?? '').length === 0 ? `failed rule: ${ruleErrorString(r)}` : (r.message ?? '').trim();
}

function errorText(e: unknown): string {
  const x = e as CelErrorLike;
  return celWording(x.summary ?? x.message ?? String(e));
}

/** The old value of a map-list item: the old item with the same key values. */
function oldListItem(item: unknown, old: unknown, keys: readonly string[]): unknown {
  if (!Array.isArray(old) || !isPlainObject(item)) return undefined;
  return old.find((o) => isPlainObject(o) && keys.every((k) => semanticEqual(o[k], item[k])));
}

/** A schema's CEL validator; undefined when the schema has no rules. */
export interface CelValidator {
  /** Causes of every rule on `obj` (and `old` on updates), paths from the object's root. */
  validate(obj: unknown, old?: unknown): StatusCause[];
}

export function celValidator(schema: JSONSchemaProps): CelValidator | undefined {
  if (!hasRules(schema)) return undefined;
  const root = buildValidator(schema, schema, declOf(schema, true));
  if (!root) return undefined;
  return {
    validate(obj, old) {
      const out: StatusCause[] = [];
      validateNode(root, '', obj, old, old !== undefined && semanticEqual(obj, old), out);
      return out;
    },
  };
}

export function hasRules(s: JSONSchemaProps | undefined): boolean {
  if (!s || !isSchema(s)) return false;
  if ((s['x-kubernetes-validations'] ?? []).length > 0) return true;
  const items = itemsOf(s);
  if (items && hasRules(items)) return true;
  const add = additionalOf(s);
  if (add && hasRules(add)) return true;
  if ((s.allOf ?? []).some((a) => hasRules(a))) return true;
  return Object.values(s.properties ?? {}).some((p) => hasRules(p));
}

/**
 * Validate one node. `unchanged` says the value equals its correlated old value (or, where no old value can be
 * correlated, the nearest correlatable parent did): then non-transition rules only warn upstream (ratcheting).
 */
function validateNode(n: NodeValidator, path: string, obj: unknown, old: unknown, unchanged: boolean, out: StatusCause[]): void {
  if (obj === null || obj === undefined) return;
  evaluateRules(n, path, obj, old, unchanged, out);
  for (const a of n.allOf) validateNode(a, path, obj, old, unchanged, out);
  if (Array.isArray(obj) && n.items) {
    const keys = n.schema['x-kubernetes-list-type'] === 'map' ? n.schema['x-kubernetes-list-map-keys'] ?? [] : undefined;
    obj.forEach((item, i) => {
      const oldItem = keys ? oldListItem(item, old, keys) : undefined;
      const eq = keys ? oldItem !== undefined && semanticEqual(item, oldItem) : unchanged;
      validateNode(n.items!, `${path}[${i}]`, item, oldItem, eq, out);
    });
  } else if (isPlainObject(obj)) {
    const oldMap = isPlainObject(old) ? old : undefined;
    if (n.additional) {
      for (const [k, v] of Object.entries(obj)) {
        const ov = oldMap?.[k];
        validateNode(n.additional, `${path}[${k}]`, v, ov, ov !== undefined && semanticEqual(v, ov), out);
      }
    }
    for (const [k, v] of Object.entries(obj)) {
      const sub = n.properties.get(k);
      if (!sub) continue;
      const ov = oldMap?.[k];
      validateNode(sub, child(path, k), v, ov, ov !== undefined && semanticEqual(v, ov), out);
    }
  }
}

function evaluateRules(n: NodeValidator, nodePath: string, obj: unknown, old: unknown, unchanged: boolean, out: StatusCause[]): void {
  if (n.rules.length === 0) return;
  // the root's field path is upstream's nil *field.Path, which prints as <nil>
  const path = nodePath === '' ? '<nil>' : nodePath;
  const type = n.schema.type ?? '';
  let self: unknown;
  let oldSelf: unknown;
  for (const cr of n.rules) {
    if (cr.error) {
      out.push(fieldErr.invalid(path, type, `rule compile error: ${cr.error}`));
      continue;
    }
    if (!cr.program) continue;
    const optionalOld = cr.rule.optionalOldSelf === true;
    if (cr.usesOldSelf && old === undefined && !optionalOld) continue;
    self ??= toCelValue(obj, n.decl);
    if (old !== undefined) oldSelf ??= toCelValue(old, n.decl);
    const ctx: Record<string, unknown> = { self };
    if (optionalOld) ctx.oldSelf = old === undefined ? Optional.none() : Optional.of(oldSelf);
    else if (old !== undefined) ctx.oldSelf = oldSelf;
    let result: unknown;
    try {
      result = cr.program(ctx);
    } catch (e) {
      const text = errorText(e);
      if (text.startsWith('no such overload')) {
        out.push(fieldErr.invalid(path, type, `'${text}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(cr.rule)}`));
      } else {
        out.push(fieldErr.invalid(path, type, `${text} evaluating rule: ${ruleErrorString(cr.rule)}`));
      }
      continue;
    }
    if (result === true) continue;
    const at = cr.fieldPath ? child(nodePath, cr.fieldPath) : path;
    let detail: string | undefined;
    if (cr.messageProgram) {
      try {
        const m = cr.messageProgram({ ...ctx, ...(old !== undefined && !optionalOld ? { oldSelf } : {}) });
        const t = typeof m === 'string' ? m.trim() : '';
        if (t !== '' && t.length <= 5000 && !/\n/.test(t)) detail = t;
      } catch {
        detail = undefined; // upstream logs it and falls back to the rule's message
      }
    }
    if (!cr.usesOldSelf && unchanged) continue; // ratcheting: the value did not change
    out.push(fieldErrorForReason(at, type, detail ?? ruleMessageOrDefault(cr.rule), cr.rule.reason));
  }
}
