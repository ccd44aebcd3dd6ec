/**
 * Audit policy (`--audit-policy-file`), as upstream's k8s.io/apiserver/pkg/audit/policy: the audit.k8s.io/v1
 * Policy is decoded and validated (apis/audit/validation) at start-up, and `evaluateAuditPolicy` is the checker:
 * the first rule matching a request decides its level, the stages left out and whether managedFields are
 * dropped; no rule matching is level None. Pure: text in, a Policy or a KubeError (ERR_CONFIG) out.
 */
import { parse as parseYaml } from 'yaml';
import { KubeError, type StatusCause } from '../../api/errors.js';
import { isPlainObject } from '../../api/values.js';
import { child, fieldErr, index, isDNS1123Subdomain } from '../../api/strategies/validation.js';
import type { UserInfo } from './authn.js';
import type { Attributes } from './authz.js';

export const AUDIT_LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
export type AuditLevel = (typeof AUDIT_LEVELS)[number];
export const AUDIT_STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;
export type AuditStage = (typeof AUDIT_STAGES)[number];

export interface GroupResources {
  group: string;
  resources: string[];
  resourceNames: string[];
}

export interface AuditPolicyRule {
  level: AuditLevel;
  users: string[];
  userGroups: string[];
  verbs: string[];
  resources: GroupResources[];
  namespaces: string[];
  nonResourceURLs: string[];
  /** The rule's stages united with the policy's (upstream's NewPolicyRuleEvaluator). */
  omitStages: AuditStage[];
  omitManagedFields?: boolean;
}

export interface AuditPolicy {
  rules: AuditPolicyRule[];
  omitStages: AuditStage[];
  omitManagedFields: boolean;
}

/** What the policy decides for one request (upstream's RequestAuditConfig). */
export interface RequestAuditConfig {
  level: AuditLevel;
  omitStages: readonly AuditStage[];
  omitManagedFields: boolean;
}

/** levelAtLeast('Request', 'Metadata') is true: the level orders None < Metadata < Request < RequestResponse. */
export function levelAtLeast(level: AuditLevel, min: AuditLevel): boolean {
  return AUDIT_LEVELS.indexOf(level) >= AUDIT_LEVELS.indexOf(min);
}

/** upstream's policyRuleEvaluator.EvaluatePolicyRule; `user` is the authenticated user (before impersonation). */
export function evaluateAuditPolicy(policy: AuditPolicy, user: UserInfo | undefined, a: Attributes): RequestAuditConfig {
  for (const rule of policy.rules) {
    if (ruleMatches(rule, user, a)) {
      return { level: rule.level, omitStages: rule.omitStages, omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields };
    }
  }
  return { level: 'None', omitStages: policy.omitStages, omitManagedFields: policy.omitManagedFields };
}

function ruleMatches(r: AuditPolicyRule, user: UserInfo | undefined, a: Attributes): boolean {
  if (r.users.length > 0 && (!user || !r.users.includes(user.name))) return false;
  if (r.userGroups.length > 0 && (!user || !user.groups.some((g) => r.userGroups.includes(g)))) return false;
  if (r.verbs.length > 0 && !r.verbs.includes(a.verb)) return false;
  if (r.namespaces.length > 0 || r.resources.length > 0) return ruleMatchesResource(r, a);
  if (r.nonResourceURLs.length > 0) return !a.isResourceRequest && r.nonResourceURLs.some((spec) => pathMatches(a.path, spec));
  return true;
}

/** `*`, the exact path, or a prefix ending in `*` (`/healthz*` matches `/healthz/etcd`). */
function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, ''));
}

function ruleMatchesResource(r: AuditPolicyRule, a: Attributes): boolean {
  if (!a.isResourceRequest) return false;
  // Cluster-scoped resources have the namespace "".
  if (r.namespaces.length > 0 && !r.namespaces.includes(a.namespace)) return false;
  if (r.resources.length === 0) return true;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  for (const gr of r.resources) {
    if (gr.group !== a.group) continue;
    if (gr.resources.length === 0) return true;
    if (gr.resourceNames.length > 0 && !gr.resourceNames.includes(a.name)) continue;
    for (const res of gr.resources) {
      if (res === combined || res === '*') return true;
      if (a.subresource && res.startsWith('*/') && res.slice(2) === a.subresource) return true;
      if (res.endsWith('/*') && res.slice(0, -2) === a.resource) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Loading (policy/reader.go) and validation (apis/audit/validation)
// ---------------------------------------------------------------------------------------------

function configError(message: string): KubeError {
  return new KubeError('BadRequest', message, { code: 'ERR_CONFIG' });
}

/** Go's %#v of a []string, as field.Invalid prints a slice value. */
function goStrings(v: readonly string[]): string {
  return `[]string{${v.map((s) => JSON.stringify(s)).join(', ')}}`;
}

/** encoding/json's type name of a JSON value, for `cannot unmarshal <type> into ...`. */
function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

/** encoding/json's type error, as the decoder reports it. */
function unmarshalError(v: unknown, field: string, goType: string): KubeError {
  return configError(`failed decoding: json: cannot unmarshal ${jsonType(v)} into Go struct field ${field} of type ${goType}`);
}

function strings(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw unmarshalError(v, field, '[]string');
  return v.map((s) => {
    if (typeof s !== 'string') throw unmarshalError(s, field, 'string');
    return s;
  });
}

function str(v: unknown, field: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw unmarshalError(v, field, 'string');
  return v;
}

function bool(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw unmarshalError(v, field, 'bool');
  return v;
}

function objects(v: unknown, field: string, goType: string): Record<string, unknown>[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw unmarshalError(v, field, `[]${goType}`);
  return v.map((o) => {
    if (!isPlainObject(o)) throw unmarshalError(o, field, goType);
    return o;
  });
}

interface RawRule {
  level: string;
  users: string[];
  userGroups: string[];
  verbs: string[];
  resources: GroupResources[];
  namespaces: string[];
  nonResourceURLs: string[];
  omitStages: string[];
  omitManagedFields?: boolean;
}

function decodeRule(o: Record<string, unknown>): RawRule {
  const f = (n: string): string => `PolicyRule.rules.${n}`;
  const omit = bool(o.omitManagedFields, f('omitManagedFields'));
  return {
    level: str(o.level, f('level')),
    users: strings(o.users, f('users')),
    userGroups: strings(o.userGroups, f('userGroups')),
    verbs: strings(o.verbs, f('verbs')),
    resources: objects(o.resources, f('resources'), 'audit.GroupResources').map((g) => ({
      group: str(g.group, 'GroupResources.rules.resources.group'),
      resources: strings(g.resources, 'GroupResources.rules.resources.resources'),
      resourceNames: strings(g.resourceNames, 'GroupResources.rules.resources.resourceNames'),
    })),
    namespaces: strings(o.namespaces, f('namespaces')),
    nonResourceURLs: strings(o.nonResourceURLs, f('nonResourceURLs')),
    omitStages: strings(o.omitStages, f('omitStages')),
    ...(omit !== undefined ? { omitManagedFields: omit } : {}),
  };
}

/** validation.validatePolicyRule. */
function validateRule(r: RawRule, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const lvl = child(path, 'level');
  if (r.level === '') errs.push(fieldErr.required(lvl));
  else if (!(AUDIT_LEVELS as readonly string[]).includes(r.level)) errs.push(fieldErr.notSupported(lvl, r.level, AUDIT_LEVELS));
  const urls = child(path, 'nonResourceURLs');
  r.nonResourceURLs.forEach((u, i) => {
    if (u === '*') return;
    if (!u.startsWith('/')) errs.push(fieldErr.invalid(index(urls, i), u, "non-resource URL rules must begin with a '/' character"));
    if (u !== '' && u.slice(0, -1).includes('*')) errs.push(fieldErr.invalid(index(urls, i), u, "non-resource URL wildcards '*' must be the final character of the rule"));
  });
  const res = child(path, 'resources');
  for (const gr of r.resources) {
    if (gr.group !== '') {
      const msgs = isDNS1123Subdomain(gr.group);
      if (msgs.length) errs.push(fieldErr.invalid(child(res, 'group'), gr.group, msgs.join(',')));
    }
    if (gr.resourceNames.length > 0 && gr.resources.length === 0) {
      errs.push({ ...fieldErr.invalid(child(res, 'resourceNames'), gr.resourceNames, 'using resourceNames requires at least one resource'), message: `Invalid value: ${goStrings(gr.resourceNames)}: using resourceNames requires at least one resource` });
    }
  }
  const stages = child(path, 'omitStages');
  r.omitStages.forEach((s, i) => {
    if (!(AUDIT_STAGES as readonly string[]).includes(s)) errs.push(fieldErr.invalid(index(stages, i), s, `allowed stages are ${AUDIT_STAGES.join(',')}`));
  });
  if (r.nonResourceURLs.length > 0 && (r.resources.length > 0 || r.namespaces.length > 0)) {
    errs.push({ reason: 'FieldValueInvalid', field: urls, message: `Invalid value: ${goStrings(r.nonResourceURLs)}: rules cannot apply to both regular resources and non-resource URLs` });
  }
  return errs;
}

/** upstream's utilerrors aggregate of field errors: one as is, several as `[a, b]`. */
function aggregate(errs: StatusCause[]): string {
  const parts = errs.map((e) => `${e.field}: ${e.message}`);
  return parts.length === 1 ? parts[0]! : `[${parts.join(', ')}]`;
}

/**
 * LoadPolicyFromBytes: YAML or JSON, `apiVersion: audit.k8s.io/v1`, `kind: Policy`; validated; at least one rule.
 * A problem is a KubeError (ERR_CONFIG) with upstream's message (`loaded illegal policy with 0 rules`,
 * `rules[0].level: Unsupported value: "All": supported values: "None", ...`).
 */
export function parseAuditPolicy(text: string): AuditPolicy {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw configError(`failed decoding: ${(e as Error).message}`);
  }
  if (!isPlainObject(doc)) throw configError(`failed decoding: couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonType(doc)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  const apiVersion = typeof doc.apiVersion === 'string' ? doc.apiVersion : '';
  const kind = typeof doc.kind === 'string' ? doc.kind : '';
  if (kind === '') throw configError(`failed decoding: Object 'Kind' is missing in '${JSON.stringify(doc)}'`);
  if (apiVersion !== 'audit.k8s.io/v1' || kind !== 'Policy') {
    const slash = apiVersion.indexOf('/');
    const gv = slash < 0 ? `/${apiVersion}` : apiVersion;
    if (apiVersion.startsWith('audit.k8s.io/') && kind === 'Policy') throw configError(`unknown group version field ${gv}, Kind=${kind} in policy`);
    throw configError(`failed decoding: no kind "${kind}" is registered for version "${apiVersion}" in scheme "pkg/audit/scheme.go:30"`);
  }
  const raw: { rules: RawRule[]; omitStages: string[]; omitManagedFields: boolean } = {
    rules: objects(doc.rules, 'Policy.rules', 'audit.PolicyRule').map(decodeRule),
    omitStages: strings(doc.omitStages, 'Policy.omitStages'),
    omitManagedFields: bool(doc.omitManagedFields, 'Policy.omitManagedFields') ?? false,
  };
  const errs = raw.rules.flatMap((r, i) => validateRule(r, index('rules', i)));
  if (errs.length) throw configError(aggregate(errs));
  if (raw.rules.length === 0) throw configError('loaded illegal policy with 0 rules');
  // As upstream's reader, the policy's own omitStages are not validated; an unknown stage there omits nothing.
  const policyStages = raw.omitStages as AuditStage[];
  return {
    omitStages: policyStages,
    omitManagedFields: raw.omitManagedFields,
    rules: raw.rules.map((r) => ({
      level: r.level as AuditLevel,
      users: r.users,
      userGroups: r.userGroups,
      verbs: r.verbs,
      resources: r.resources,
      namespaces: r.namespaces,
      nonResourceURLs: r.nonResourceURLs,
      omitStages: [...new Set([...policyStages, ...(r.omitStages as AuditStage[])])],
      ...(r.omitManagedFields !== undefined ? { omitManagedFields: r.omitManagedFields } : {}),
    })),
  };
}

/** LoadPolicyFromFile's message for a problem: `<why>: from file <path>`, as kube-apiserver prints it after `loading audit policy file: `. */
export function auditPolicyFileError(path: string, e: unknown): KubeError {
  const why = e instanceof Error ? e.message : String(e);
  return configError(`loading audit policy file: ${why}: from file ${path}`);
}
