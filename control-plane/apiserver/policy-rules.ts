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

// ---------------------------------------------------------------------------------------------
// Coverage (upstream's pkg/registry/rbac/validation Covers): do the owner's rules grant all of another's?
// The escalation check and the bootstrap reconciliation ask it.
// ---------------------------------------------------------------------------------------------

/** upstream BreakdownRule: one verb, one group, one resource (one name) per rule; non-resource URLs with one verb. */
export function breakdownRule(r: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of r.apiGroups ?? []) {
    for (const resource of r.resources ?? []) {
      for (const verb of r.verbs) {
        if ((r.resourceNames ?? []).length > 0) {
          for (const name of r.resourceNames!) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        } else {
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  for (const url of r.nonResourceURLs ?? []) for (const verb of r.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

const has = (set: readonly string[] | undefined, v: string): boolean => (set ?? []).includes(v);
const hasAll = (set: readonly string[] | undefined, vs: readonly string[] | undefined): boolean => (vs ?? []).every((v) => has(set, v));

function resourceCoversAll(set: readonly string[] | undefined, covers: readonly string[] | undefined): boolean {
  if (has(set, ALL) || hasAll(set, covers)) return true;
  for (const path of covers ?? []) {
    if (has(set, path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0 || !has(set, `*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

function nonResourceURLCovers(owner: string, sub: string): boolean {
  return owner === sub || (owner.endsWith('*') && sub.startsWith(owner.replace(/\*+$/, '')));
}

/** upstream ruleCovers: does one owner rule cover one broken-down rule? */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, ALL) || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, ALL) || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourceCoversAll(owner.resources, sub.resources);
  const urls = (sub.nonResourceURLs ?? []).every((p) => (owner.nonResourceURLs ?? []).some((o) => nonResourceURLCovers(o, p)));
  const subNames = sub.resourceNames ?? [];
  const ownerNames = owner.resourceNames ?? [];
  const names = subNames.length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, subNames);
  return verbs && groups && resources && names && urls;
}

/** upstream Covers: whether `owner` covers every rule of `servant`, and the broken-down rules it does not. */
export function covers(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): { covered: boolean; uncovered: PolicyRule[] } {
  const uncovered: PolicyRule[] = [];
  for (const sub of servant.flatMap(breakdownRule)) if (!owner.some((o) => ruleCovers(o, sub))) uncovered.push(sub);
  return { covered: uncovered.length === 0, uncovered };
}
