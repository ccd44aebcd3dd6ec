/**
 * The reviews (the `review` hook of a descriptor): pure logic over the API server's capabilities (ReviewContext).
 * - Validation as upstream's pkg/apis/authorization/validation (ValidateSubjectAccessReview,
 *   ValidateSelfSubjectAccessReview, ValidateLocalSubjectAccessReview) with field.Invalid's rendering of values
 *   (a nil pointer is `"null"`, a struct Go's `%#v`), answered as `NewInvalid(authorization.Kind(kind), "", errs)`.
 * - The answers as upstream's REST storages: pkg/registry/authorization/{subjectaccessreview,
 *   selfsubjectaccessreview,localsubjectaccessreview,selfsubjectrulesreview}/rest.go and
 *   pkg/registry/authentication/{tokenreview/storage.go,selfsubjectreview/rest.go}.
 */
import { errors, KubeError, type StatusCause } from '../errors.js';
import type { ReviewAttributes, ReviewContext, ReviewRule, ReviewUser } from '../kinds/descriptor.js';
import type {
  LocalSubjectAccessReview, NonResourceAttributes, Relaxed, ResourceAttributes, SelfSubjectAccessReview, SelfSubjectReview,
  SelfSubjectRulesReview, SubjectAccessReview, TokenReview,
} from '../types/index.js';
import { isPlainObject } from '../values.js';
import { fieldErr, quote, validateFieldSelectorRequirement, validateLabelSelectorRequirement } from './validation.js';

const AUTHORIZATION = 'authorization.k8s.io';

// ---------------------------------------------------------------- Go's rendering of invalid values

const goString = (v: unknown): string => quote(typeof v === 'string' ? v : '');
const goStrings = (v: unknown): string =>
  Array.isArray(v) ? `[]string{${v.map((x) => goString(x)).join(', ')}}` : '[]string(nil)';
const goStringMap = (v: unknown): string => {
  if (!isPlainObject(v)) return 'map[string]string(nil)';
  const keys = Object.keys(v).sort();
  return `map[string]string{${keys.map((k) => `${quote(k)}:${goString(v[k])}`).join(', ')}}`;
};
const goTime = (v: unknown): string => {
  const d = typeof v === 'string' ? new Date(v) : undefined;
  if (!d || Number.isNaN(d.getTime())) return 'time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)';
  const month = d.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
  return `time.Date(${d.getUTCFullYear()}, time.${month}, ${d.getUTCDate()}, ${d.getUTCHours()}, ${d.getUTCMinutes()}, ${d.getUTCSeconds()}, 0, time.UTC)`;
};

/** `%#v` of a metav1.ObjectMeta, as field.Invalid prints the metadata of a review that must have none. */
export function goObjectMeta(meta: unknown): string {
  const m = isPlainObject(meta) ? meta : {};
  const generation = typeof m.generation === 'number' ? m.generation : 0;
  return (
    `v1.ObjectMeta{Name:${goString(m.name)}, GenerateName:${goString(m.generateName)}, Namespace:${goString(m.namespace)}, ` +
    `SelfLink:${goString(m.selfLink)}, UID:${goString(m.uid)}, ResourceVersion:${goString(m.resourceVersion)}, Generation:${generation}, ` +
    `CreationTimestamp:${goTime(m.creationTimestamp)}, DeletionTimestamp:${m.deletionTimestamp ? goTime(m.deletionTimestamp) : '<nil>'}, ` +
    `DeletionGracePeriodSeconds:(*int64)(nil), Labels:${goStringMap(m.labels)}, Annotations:${goStringMap(m.annotations)}, ` +
    `OwnerReferences:[]v1.OwnerReference(nil), Finalizers:${goStrings(m.finalizers)}, ManagedFields:[]v1.ManagedFieldsEntry(nil)}`
  );
}

/** `%#v` of an authorization.NonResourceAttributes. */
export function goNonResourceAttributes(a: Relaxed<NonResourceAttributes>): string {
  return `authorization.NonResourceAttributes{Path:${goString(a?.path)}, Verb:${goString(a?.verb)}}`;
}

/** field.Invalid with a value already rendered as Go prints it. */
const invalidRendered = (field: string, rendered: string, detail: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${rendered}: ${detail}`,
});

// ---------------------------------------------------------------- validation (pkg/apis/authorization/validation)

type AccessSpec = {
  resourceAttributes?: Relaxed<ResourceAttributes>;
  nonResourceAttributes?: Relaxed<NonResourceAttributes>;
  user?: string;
  groups?: string[];
};

/** Metadata a review may hold without being refused: none but (a local review's) namespace; managedFields are ignored. */
function metadataIsEmpty(meta: unknown, allowNamespace: boolean): boolean {
  if (!isPlainObject(meta)) return true;
  return Object.entries(meta).every(([k, v]) => {
    if (k === 'managedFields' || (allowNamespace && k === 'namespace')) return true;
    if (v === null || v === undefined || v === '' || v === 0) return true;
    if (Array.isArray(v)) return v.length === 0;
    if (isPlainObject(v)) return Object.keys(v).length === 0;
    return false;
  });
}

/** validateFieldSelectorAttributes / validateLabelSelectorAttributes: rawSelector or requirements, and each requirement. */
function selectorCauses(sel: unknown, field: string, requirement: (r: Record<string, unknown>, path: string) => StatusCause[]): StatusCause[] {
  if (!isPlainObject(sel)) return [];
  const raw = typeof sel.rawSelector === 'string' ? sel.rawSelector : '';
  const reqs = Array.isArray(sel.requirements) ? sel.requirements : [];
  const out: StatusCause[] = [];
  if (raw.length > 0 && reqs.length > 0) out.push(fieldErr.invalid(`${field}.rawSelector`, raw, 'may not specified at the same time as requirements'));
  if (raw.length === 0 && reqs.length === 0) out.push(fieldErr.required(`${field}.requirements`, `when ${field} is specified, requirements or rawSelector is required`));
  reqs.forEach((r, i) => out.push(...requirement(isPlainObject(r) ? r : {}, `${field}.requirements[${i}]`)));
  return out;
}

/** validateResourceAttributes: the field and label selectors of the request (operators this server does not know pass). */
function resourceAttributesCauses(ra: Relaxed<ResourceAttributes> | undefined): StatusCause[] {
  if (!ra) return [];
  return [
    ...selectorCauses(ra.fieldSelector, 'spec.resourceAttributes.fieldSelector', validateFieldSelectorRequirement),
    ...selectorCauses(ra.labelSelector, 'spec.resourceAttributes.labelSelector', (r, p) => validateLabelSelectorRequirement(r, p, { allowUnknownOperator: true })),
  ];
}

/** ValidateSelfSubjectAccessReviewSpec, and with `subject` ValidateSubjectAccessReviewSpec (user or groups required). */
export function accessSpecCauses(spec: AccessSpec | undefined, subject: boolean): StatusCause[] {
  const s = spec ?? {};
  const out: StatusCause[] = [];
  if (s.resourceAttributes && s.nonResourceAttributes) {
    out.push(invalidRendered('spec.nonResourceAttributes', goNonResourceAttributes(s.nonResourceAttributes), 'cannot be specified in combination with resourceAttributes'));
  }
  if (!s.resourceAttributes && !s.nonResourceAttributes) {
    out.push(fieldErr.invalid('spec.resourceAttributes', 'null', 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  }
  if (subject && !s.user && !(s.groups ?? []).length) out.push(fieldErr.invalid('spec.user', s.user ?? '', 'at least one of user or group must be specified'));
  out.push(...resourceAttributesCauses(s.resourceAttributes));
  return out;
}

/** ValidateSubjectAccessReview / ValidateSelfSubjectAccessReview: the spec, and metadata that must be empty. */
export function validateAccessReview(obj: Relaxed<SubjectAccessReview> | Relaxed<SelfSubjectAccessReview>, subject: boolean): StatusCause[] {
  const out = accessSpecCauses(obj.spec, subject);
  if (!metadataIsEmpty(obj.metadata, false)) out.push(invalidRendered('metadata', goObjectMeta(obj.metadata), 'must be empty'));
  return out;
}

/** ValidateLocalSubjectAccessReview: empty metadata but its namespace, which the resource attributes' must match. */
export function validateLocalAccessReview(obj: Relaxed<LocalSubjectAccessReview>): StatusCause[] {
  const out = accessSpecCauses(obj.spec, true);
  if (!metadataIsEmpty(obj.metadata, true)) out.push(invalidRendered('metadata', goObjectMeta(obj.metadata), 'must be empty except for namespace'));
  const ra = obj.spec?.resourceAttributes;
  const ns = obj.metadata?.namespace ?? '';
  if (ra && (ra.namespace ?? '') !== ns) out.push(fieldErr.invalid('spec.resourceAttributes.namespace', ra.namespace ?? '', 'must match metadata.namespace'));
  if (obj.spec?.nonResourceAttributes) {
    out.push(invalidRendered('spec.nonResourceAttributes', goNonResourceAttributes(obj.spec.nonResourceAttributes), 'disallowed on this kind of request'));
  }
  return out;
}

// ---------------------------------------------------------------- the answers

/** authorizationutil.ResourceAttributesFrom / NonResourceAttributesFrom. */
export function reviewAttributes(spec: AccessSpec): ReviewAttributes {
  const ra = spec.resourceAttributes;
  if (ra) {
    return {
      verb: ra.verb ?? '',
      isResourceRequest: true,
      group: ra.group ?? '',
      resource: ra.resource ?? '',
      subresource: ra.subresource ?? '',
      namespace: ra.namespace ?? '',
      name: ra.name ?? '',
      path: '',
    };
  }
  const nra = spec.nonResourceAttributes;
  return { verb: nra?.verb ?? '', isResourceRequest: false, group: '', resource: '', subresource: '', namespace: '', name: '', path: nra?.path ?? '' };
}

/** The subject of a (Local)SubjectAccessReview: exactly the spec's user, uid, groups and extra (no group is added). */
export function reviewSubject(spec: Relaxed<SubjectAccessReview>['spec']): ReviewUser {
  const s = spec ?? {};
  const extra = isPlainObject(s.extra) ? (s.extra as Record<string, string[]>) : undefined;
  return { name: s.user ?? '', groups: [...(s.groups ?? [])], ...(s.uid ? { uid: s.uid } : {}), ...(extra && Object.keys(extra).length ? { extra } : {}) };
}

/** SubjectAccessReviewStatus from the union authorizer's decision (reason and evaluationError omitted when empty). */
function accessStatus(user: ReviewUser, spec: AccessSpec, ctx: ReviewContext): { allowed: boolean; denied?: boolean; reason?: string; evaluationError?: string } {
  const d = ctx.authorize(user, reviewAttributes(spec));
  return {
    allowed: d.allowed,
    ...(d.denied ? { denied: true } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
    ...(d.evaluationError ? { evaluationError: d.evaluationError } : {}),
  };
}

const invalid = (kind: string, causes: StatusCause[]): KubeError => errors.invalid(kind, AUTHORIZATION, '', causes);

/** The metadata an answer carries: what was sent (upstream echoes the decoded object). */
const echoedMeta = (meta: unknown): Record<string, unknown> => ({ ...(isPlainObject(meta) ? meta : {}), creationTimestamp: null });

export function reviewSubjectAccess(obj: Relaxed<SubjectAccessReview>, ctx: ReviewContext): Relaxed<SubjectAccessReview> {
  const causes = validateAccessReview(obj, true);
  if (causes.length) throw invalid('SubjectAccessReview', causes);
  return { ...obj, metadata: echoedMeta(obj.metadata), status: accessStatus(reviewSubject(obj.spec), obj.spec ?? {}, ctx) };
}

export function reviewSelfSubjectAccess(obj: Relaxed<SelfSubjectAccessReview>, ctx: ReviewContext): Relaxed<SelfSubjectAccessReview> {
  const causes = validateAccessReview(obj, false);
  if (causes.length) throw invalid('SelfSubjectAccessReview', causes);
  return { ...obj, metadata: echoedMeta(obj.metadata), status: accessStatus(ctx.user, obj.spec ?? {}, ctx) };
}

export function reviewLocalSubjectAccess(obj: Relaxed<LocalSubjectAccessReview>, ctx: ReviewContext): Relaxed<LocalSubjectAccessReview> {
  const causes = validateLocalAccessReview(obj);
  if (causes.length) throw invalid('LocalSubjectAccessReview', causes);
  if (!ctx.namespace) throw errors.badRequest(`namespace is required on this type: ${ctx.namespace}`);
  if (ctx.namespace !== (obj.metadata?.namespace ?? '')) throw errors.badRequest(`spec.resourceAttributes.namespace must match namespace: ${ctx.namespace}`);
  return { ...obj, metadata: echoedMeta(obj.metadata), status: accessStatus(reviewSubject(obj.spec), obj.spec ?? {}, ctx) };
}

/** upstream's getResourceRules / getNonResourceRules: each rule split into its resource and non-resource parts. */
type RuleOut = { verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[]; nonResourceURLs?: string[] };

export function splitRules(rules: readonly ReviewRule[]): { resourceRules: RuleOut[]; nonResourceRules: RuleOut[] } {
  const resourceRules: RuleOut[] = [];
  const nonResourceRules: RuleOut[] = [];
  const list = (v: readonly string[] | undefined) => (v && v.length ? { has: true, v: [...v] } : { has: false, v: [] as string[] });
  for (const r of rules) {
    if ((r.resources ?? []).length > 0) {
      const g = list(r.apiGroups);
      const n = list(r.resourceNames);
      resourceRules.push({ verbs: [...r.verbs], ...(g.has ? { apiGroups: g.v } : {}), resources: [...r.resources!], ...(n.has ? { resourceNames: n.v } : {}) });
    }
    if ((r.nonResourceURLs ?? []).length > 0) nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs!] });
  }
  return { resourceRules, nonResourceRules };
}

export function reviewSelfSubjectRules(obj: Relaxed<SelfSubjectRulesReview>, ctx: ReviewContext): Relaxed<SelfSubjectRulesReview> {
  const namespace = obj.spec?.namespace ?? '';
  if (!namespace) throw errors.badRequest('no namespace on request');
  const r = ctx.rulesFor(ctx.user, namespace);
  return {
    ...obj,
    metadata: echoedMeta(obj.metadata),
    status: { ...splitRules(r.rules), incomplete: r.incomplete, ...(r.evaluationError ? { evaluationError: r.evaluationError } : {}) },
  };
}

/** A user as authentication.k8s.io/v1 UserInfo writes it (empty uid and extra omitted). */
export function userInfoOf(u: ReviewUser): { username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> } {
  return { username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: [...u.groups], ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}) };
}

export function reviewSelf(obj: Relaxed<SelfSubjectReview>, ctx: ReviewContext): Relaxed<SelfSubjectReview> {
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { creationTimestamp: ctx.now.toISOString().replace(/\.\d{3}Z$/, 'Z') }, status: { userInfo: userInfoOf(ctx.user) } };
}

/**
 * TokenReview (upstream's tokenreview REST Create): the token is handed to the request path's authenticator on a
 * request that holds nothing else; audiences are the spec's, else the API server's. An authenticator that does not
 * know audiences (token file, certificates) answers for the API server's audiences only, as upstream's
 * audience-agnostic wrapper: a review asking for other audiences is not authenticated.
 */
export async function reviewToken(obj: Relaxed<TokenReview>, ctx: ReviewContext): Promise<Relaxed<TokenReview>> {
  if (ctx.namespace) throw errors.badRequest(`namespace is not allowed on this type: ${ctx.namespace}`);
  const token = obj.spec?.token ?? '';
  if (!token) throw errors.badRequest('token is required for TokenReview in authentication');
  const requested = obj.spec?.audiences?.length ? obj.spec.audiences : ctx.apiAudiences;
  let answer = await ctx.authenticateToken(token, requested);
  if (answer.user && !answer.audiences && requested.length > 0) {
    // audience-agnostic: valid for the API server's audiences only (authenticator.WrapAudienceAgnosticToken)
    const auds = ctx.apiAudiences.filter((a) => requested.includes(a));
    answer = auds.length ? { ...answer, audiences: auds } : { error: 'invalid bearer token' };
  }
  if (answer.user && requested.length > 0 && !(answer.audiences ?? []).some((a) => requested.includes(a))) {
    throw errors.internal("error validating audiences");
  }
  return {
    ...obj,
    metadata: echoedMeta(obj.metadata),
    status: {
      ...(answer.user ? { authenticated: true } : {}),
      user: answer.user ? userInfoOf(answer.user) : {},
      ...(answer.user && answer.audiences?.length ? { audiences: answer.audiences } : {}),
      ...(answer.error ? { error: answer.error } : {}),
    },
  };
}
