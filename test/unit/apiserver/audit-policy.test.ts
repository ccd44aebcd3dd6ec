/**
 * The audit policy checker and loader (audit-policy.ts) against upstream's pkg/audit/policy checker_test.go
 * cases and apis/audit/validation messages.
 */
import { describe, expect, it } from 'vitest';
import { evaluateAuditPolicy, levelAtLeast, parseAuditPolicy, type AuditPolicy } from '../../../control-plane/apiserver/audit-policy.js';
import type { Attributes } from '../../../control-plane/apiserver/authz.js';
import type { UserInfo } from '../../../control-plane/apiserver/authn.js';
import { KubeError } from '../../../api/errors.js';

const tim: UserInfo = { name: 'tim@k8s.io', groups: ['humans', 'developers', 'system:authenticated'] };
const node: UserInfo = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };

function res(verb: string, resource: string, o: Partial<Attributes> = {}): Attributes {
  return { verb, group: '', resource, subresource: '', namespace: 'default', name: '', isResourceRequest: true, path: `/api/v1/namespaces/default/${resource}`, ...o };
}
function nonRes(verb: string, path: string): Attributes {
  return { verb, group: '', resource: '', subresource: '', namespace: '', name: '', isResourceRequest: false, path };
}

/** A policy with one rule (the rest of the rule from `rule`), at level Metadata. */
function one(rule: string, extra = ''): AuditPolicy {
  return parseAuditPolicy(`apiVersion: audit.k8s.io/v1\nkind: Policy\n${extra}rules:\n- level: Metadata\n${rule.replace(/^/gm, '  ')}\n`);
}

describe('rule matching (checker.go ruleMatches)', () => {
  const cases: { name: string; rule: string; user?: UserInfo; attrs: Attributes; matches: boolean }[] = [
    { name: 'an empty rule matches everything', rule: 'omitStages: []', attrs: nonRes('get', '/version'), matches: true },
    { name: 'users: the name', rule: 'users: ["tim@k8s.io"]', user: tim, attrs: res('get', 'pods'), matches: true },
    { name: 'users: another name', rule: 'users: ["jane"]', user: tim, attrs: res('get', 'pods'), matches: false },
    { name: 'users: no user (failed authentication)', rule: 'users: ["tim@k8s.io"]', attrs: res('get', 'pods'), matches: false },
    { name: 'userGroups: one of the groups', rule: 'userGroups: ["developers"]', user: tim, attrs: res('get', 'pods'), matches: true },
    { name: 'userGroups: none of them', rule: 'userGroups: ["system:nodes"]', user: tim, attrs: res('get', 'pods'), matches: false },
    { name: 'verbs', rule: 'verbs: ["get", "list"]', user: tim, attrs: res('list', 'pods'), matches: true },
    { name: 'verbs: not listed', rule: 'verbs: ["get"]', user: tim, attrs: res('watch', 'pods'), matches: false },
    { name: 'resources: core group', rule: 'resources: [{group: "", resources: ["pods"]}]', user: tim, attrs: res('get', 'pods'), matches: true },
    { name: 'resources: another group', rule: 'resources: [{group: "apps", resources: ["pods"]}]', user: tim, attrs: res('get', 'pods'), matches: false },
    { name: 'resources: a group with no resources is the whole group', rule: 'resources: [{group: "apps"}]', user: tim, attrs: res('create', 'deployments', { group: 'apps' }), matches: true },
    { name: 'resources: a subresource needs resource/subresource', rule: 'resources: [{resources: ["pods"]}]', user: tim, attrs: res('get', 'pods', { subresource: 'log' }), matches: false },
    { name: 'resources: pods/log', rule: 'resources: [{resources: ["pods/log"]}]', user: tim, attrs: res('get', 'pods', { subresource: 'log' }), matches: true },
    { name: 'resources: pods/log is not pods', rule: 'resources: [{resources: ["pods/log"]}]', user: tim, attrs: res('get', 'pods'), matches: false },
    { name: 'resources: *', rule: 'resources: [{resources: ["*"]}]', user: tim, attrs: res('get', 'pods', { subresource: 'status' }), matches: true },
    { name: 'resources: */status', rule: 'resources: [{resources: ["*/status"]}]', user: tim, attrs: res('update', 'nodes', { subresource: 'status' }), matches: true },
    { name: 'resources: */status is no plain resource', rule: 'resources: [{resources: ["*/status"]}]', user: tim, attrs: res('update', 'nodes'), matches: false },
    { name: 'resources: pods/*', rule: 'resources: [{resources: ["pods/*"]}]', user: tim, attrs: res('create', 'pods', { subresource: 'exec' }), matches: true },
    { name: 'resources: resourceNames', rule: 'resources: [{resources: ["configmaps"], resourceNames: ["controller-leader"]}]', user: tim, attrs: res('update', 'configmaps', { name: 'controller-leader' }), matches: true },
    { name: 'resources: another name', rule: 'resources: [{resources: ["configmaps"], resourceNames: ["controller-leader"]}]', user: tim, attrs: res('update', 'configmaps', { name: 'x' }), matches: false },
    { name: 'namespaces', rule: 'namespaces: ["kube-system"]', user: tim, attrs: res('get', 'pods', { namespace: 'kube-system' }), matches: true },
    { name: 'namespaces: another', rule: 'namespaces: ["kube-system"]', user: tim, attrs: res('get', 'pods'), matches: false },
    { name: 'namespaces: "" is cluster scope', rule: 'namespaces: [""]', user: tim, attrs: res('get', 'nodes', { namespace: '' }), matches: true },
    { name: 'namespaces: no non-resource request', rule: 'namespaces: ["default"]', user: tim, attrs: nonRes('get', '/api'), matches: false },
    { name: 'nonResourceURLs: exact', rule: 'nonResourceURLs: ["/version"]', user: tim, attrs: nonRes('get', '/version'), matches: true },
    { name: 'nonResourceURLs: prefix*', rule: 'nonResourceURLs: ["/healthz*"]', user: tim, attrs: nonRes('get', '/healthz/etcd'), matches: true },
    { name: 'nonResourceURLs: *', rule: 'nonResourceURLs: ["*"]', user: tim, attrs: nonRes('get', '/metrics'), matches: true },
    { name: 'nonResourceURLs: another path', rule: 'nonResourceURLs: ["/logs*"]', user: tim, attrs: nonRes('get', '/metrics'), matches: false },
    { name: 'nonResourceURLs: never a resource request', rule: 'nonResourceURLs: ["*"]', user: tim, attrs: res('get', 'pods'), matches: false },
    { name: 'every field must match', rule: 'users: ["system:node:n1"]\nverbs: ["update"]\nresources: [{resources: ["nodes/status"]}]', user: node, attrs: res('update', 'nodes', { subresource: 'status', namespace: '' }), matches: true },
    { name: 'every field must match (verb differs)', rule: 'users: ["system:node:n1"]\nverbs: ["patch"]\nresources: [{resources: ["nodes/status"]}]', user: node, attrs: res('update', 'nodes', { subresource: 'status', namespace: '' }), matches: false },
  ];
  it.each(cases)('$name', ({ rule, user, attrs, matches }) => {
    expect(evaluateAuditPolicy(one(rule), user, attrs).level).toBe(matches ? 'Metadata' : 'None');
  });
});

describe('level and stages', () => {
  const policy = parseAuditPolicy(`
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: None
    users: ["system:kube-proxy"]
  - level: RequestResponse
    resources: [{group: "", resources: ["secrets"]}]
    omitStages: ["ResponseStarted"]
    omitManagedFields: false
  - level: Request
    verbs: ["create"]
  - level: Metadata
`);
  it('the first matching rule wins', () => {
    expect(evaluateAuditPolicy(policy, { name: 'system:kube-proxy', groups: [] }, res('create', 'secrets')).level).toBe('None');
    expect(evaluateAuditPolicy(policy, tim, res('create', 'secrets')).level).toBe('RequestResponse');
    expect(evaluateAuditPolicy(policy, tim, res('create', 'pods')).level).toBe('Request');
    expect(evaluateAuditPolicy(policy, tim, res('get', 'pods')).level).toBe('Metadata');
  });
  it("a rule's omitStages are united with the policy's", () => {
    expect([...evaluateAuditPolicy(policy, tim, res('get', 'secrets')).omitStages].sort()).toEqual(['RequestReceived', 'ResponseStarted']);
    expect(evaluateAuditPolicy(policy, tim, res('get', 'pods')).omitStages).toEqual(['RequestReceived']);
  });
  it("omitManagedFields: the rule's when set, else the policy's", () => {
    const p = parseAuditPolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nomitManagedFields: true\nrules:\n- level: Request\n  verbs: [create]\n  omitManagedFields: false\n- level: Request\n');
    expect(evaluateAuditPolicy(p, tim, res('create', 'pods')).omitManagedFields).toBe(false);
    expect(evaluateAuditPolicy(p, tim, res('update', 'pods')).omitManagedFields).toBe(true);
  });
  it('no rule matching is None with the policy stages', () => {
    const p = one('verbs: ["delete"]', 'omitStages: ["Panic"]\n');
    expect(evaluateAuditPolicy(p, tim, res('get', 'pods'))).toEqual({ level: 'None', omitStages: ['Panic'], omitManagedFields: false });
  });
  it('levels are ordered', () => {
    expect(levelAtLeast('RequestResponse', 'Request')).toBe(true);
    expect(levelAtLeast('Metadata', 'Request')).toBe(false);
    expect(levelAtLeast('None', 'Metadata')).toBe(false);
  });
});

describe('loading a policy file (reader.go, validation.go)', () => {
  const bad: { name: string; text: string; message: string }[] = [
    { name: 'no rules', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\n', message: 'loaded illegal policy with 0 rules' },
    { name: 'empty rule list', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n', message: 'loaded illegal policy with 0 rules' },
    { name: 'an unknown level', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: All\n', message: 'rules[0].level: Unsupported value: "All": supported values: "None", "Metadata", "Request", "RequestResponse"' },
    { name: 'no level', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- verbs: [get]\n', message: 'rules[0].level: Required value' },
    {
      name: 'a URL without /',
      text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  nonResourceURLs: ["healthz"]\n',
      message: `rules[0].nonResourceURLs[0]: Invalid value: "healthz": non-resource URL rules must begin with a '/' character`,
    },
    {
      name: 'a * inside a URL',
      text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  nonResourceURLs: ["/a*/b"]\n',
      message: `rules[0].nonResourceURLs[0]: Invalid value: "/a*/b": non-resource URL wildcards '*' must be the final character of the rule`,
    },
    {
      name: 'resources and URLs together',
      text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  namespaces: [default]\n  nonResourceURLs: ["/version"]\n',
      message: 'rules[0].nonResourceURLs: Invalid value: []string{"/version"}: rules cannot apply to both regular resources and non-resource URLs',
    },
    {
      name: 'a group with a version',
      text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  resources: [{group: "rbac.authorization.k8s.io/v1"}]\n',
      message: 'rules[0].resources.group: Invalid value: "rbac.authorization.k8s.io/v1": a lowercase RFC 1123 subdomain',
    },
    {
      name: 'resourceNames without resources',
      text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  resources: [{resourceNames: [x]}]\n',
      message: 'rules[0].resources.resourceNames: Invalid value: []string{"x"}: using resourceNames requires at least one resource',
    },
    {
      name: 'an unknown stage',
      text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  omitStages: [Started]\n',
      message: 'rules[0].omitStages[0]: Invalid value: "Started": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic',
    },
    {
      name: 'several errors are aggregated',
      text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: All\n- level: None\n  omitStages: [x]\n',
      message: '[rules[0].level: Unsupported value: "All"',
    },
    { name: 'an old group version', text: 'apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: None\n', message: 'unknown group version field audit.k8s.io/v1beta1, Kind=Policy in policy' },
    { name: 'no kind', text: 'apiVersion: audit.k8s.io/v1\nrules:\n- level: None\n', message: "failed decoding: Object 'Kind' is missing" },
    { name: 'rules not a list', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: {level: None}\n', message: 'failed decoding: json: cannot unmarshal object into Go struct field Policy.rules of type []audit.PolicyRule' },
    { name: 'verbs not strings', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  verbs: get\n', message: 'failed decoding: json: cannot unmarshal string into Go struct field PolicyRule.rules.verbs of type []string' },
    { name: 'not YAML', text: 'apiVersion: [\n', message: 'failed decoding: ' },
    { name: 'not an object', text: '- 1\n', message: 'failed decoding: ' },
  ];
  it.each(bad)('refuses $name', ({ text, message }) => {
    let err: unknown;
    try {
      parseAuditPolicy(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KubeError);
    expect((err as KubeError).code).toBe('ERR_CONFIG');
    expect((err as KubeError).message).toContain(message);
  });

  it('reads JSON too, and ignores unknown fields as upstream (not strict)', () => {
    const p = parseAuditPolicy(JSON.stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', metadata: { name: 'x' }, unknown: 1, rules: [{ level: 'Metadata', verbs: ['get'] }] }));
    expect(p.rules).toHaveLength(1);
    expect(evaluateAuditPolicy(p, tim, res('get', 'pods')).level).toBe('Metadata');
  });
});
