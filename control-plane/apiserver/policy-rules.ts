/**
 * RBAC's PolicyRule and its matching, as data and one pure function (upstream's rbac.RuleAllows):
 * the bootstrap roles of bootstrap-policy.ts are evaluated here, and a later RBAC authorizer can
 * evaluate ClusterRoles loaded from the API with the same function.
 */

/** A rbac.authorization.k8s.io/v1 PolicyRule. */
export interface PolicyRule {
  verbs: readonly string[];
  apiGroups?: readonly string[];
  resources?: readonly string[];
  resourceNames?: readonly string[];
  nonResourceURLs?: readonly string[];
}

/** What a rule is matched against (a subset of authorizer.Attributes). */
export interface RuleAttributes {
  verb: string;
  isResourceRequest: boolean;
  group: string;
  resource: string;
  subresource: string;
  name: string;
  path: string;
}

const ALL = '*';

/** Does any rule allow the request? */
export function rulesAllow(a: RuleAttributes, rules: readonly PolicyRule[]): boolean {
  return rules.some((r) => ruleAllows(a, r));
}

/** One rule (rbac.RuleAllows): verb, then group + resource + name, or the non-resource URL. */
export function ruleAllows(a: RuleAttributes, r: PolicyRule): boolean {
  if (!verbMatches(r, a.verb)) return false;
  if (a.isResourceRequest) {
    const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    return groupMatches(r, a.group) && resourceMatches(r, combined, a.subresource) && resourceNameMatches(r, a.name);
  }
  return nonResourceURLMatches(r, a.path);
}

function verbMatches(r: PolicyRule, verb: string): boolean {
  return r.verbs.some((v) => v === ALL || v === verb);
}

function groupMatches(r: PolicyRule, group: string): boolean {
  return (r.apiGroups ?? []).some((g) => g === ALL || g === group);
}

/** `*`, an exact `resource` or `resource/subresource`, or `*\/subresource`. */
function resourceMatches(r: PolicyRule, combined: string, subresource: string): boolean {
  for (const res of r.resources ?? []) {
    if (res === ALL || res === combined) return true;
    if (subresource && res === `*/${subresource}`) return true;
  }
  return false;
}

/** No names listed: any object; else the request must name one of them (a create or a list names none). */
function resourceNameMatches(r: PolicyRule, name: string): boolean {
  const names = r.resourceNames ?? [];
  if (names.length === 0) return true;
  return name !== '' && names.includes(name);
}

/** An exact path, `*`, or a prefix ending in `*`. */
function nonResourceURLMatches(r: PolicyRule, path: string): boolean {
  for (const u of r.nonResourceURLs ?? []) {
    if (u === ALL || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}
