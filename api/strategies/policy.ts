/**
 * policy/v1 PodDisruptionBudget: upstream's strategy (pkg/registry/policy/poddisruptionbudget), validation
 * (pkg/apis/policy/validation, with apps' int-or-percent rules); the printer is in printers.ts.
 */
import type { StatusCause } from '../errors.js';
import type { Condition, PodDisruptionBudget, PodDisruptionBudgetStatus, Relaxed } from '../types/index.js';
import { labelKeyErrors, regexError } from '../labels.js';
import { keepOldStatus, bumpGenerationOnSpecChange, keepAllButStatus } from './strategy.js';
import {
  child,
  fieldErr,
  index,
  isValidPercent,
  nameIsDNSSubdomain,
  validateLabelSelector,
  validateNonnegative,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './validation.js';

type PDB = Relaxed<PodDisruptionBudget>;

export const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'] as const;

/** What upstream prints for an intstr.IntOrString bad value (`%#v` of the Go struct: it has no value String()). */
export function goIntOrString(v: number | string): string {
  return typeof v === 'number' ? `intstr.IntOrString{Type:0, IntVal:${v}, StrVal:""}` : `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`;
}

function invalidIntOrString(field: string, v: number | string, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${goIntOrString(v)}: ${detail}` };
}

/** apps validation's ValidatePositiveIntOrPercent + IsNotMoreThan100Percent, with upstream's bad-value rendering. */
function validateIntOrPercent(v: unknown, field: string): StatusCause[] {
  if (typeof v === 'number') return validateNonnegative(field, v);
  if (typeof v !== 'string') return [];
  const errs = isValidPercent(v).map((m) => invalidIntOrString(field, v, m));
  if (/^[0-9]+%$/.test(v) && Number(v.slice(0, -1)) > 100) errs.push(invalidIntOrString(field, v, 'must not be greater than 100%'));
  return errs;
}

/** ValidatePodDisruptionBudgetSpec. */
export function validatePodDisruptionBudgetSpec(spec: PDB['spec'], field = 'spec'): StatusCause[] {
  const s = spec ?? {};
  const errs: StatusCause[] = [];
  const has = (v: unknown) => v !== undefined && v !== null;
  if (has(s.minAvailable) && has(s.maxUnavailable)) errs.push(fieldErr.invalid(field, s, 'minAvailable and maxUnavailable cannot be both set'));
  if (has(s.minAvailable)) errs.push(...validateIntOrPercent(s.minAvailable, child(field, 'minAvailable')));
  if (has(s.maxUnavailable)) errs.push(...validateIntOrPercent(s.maxUnavailable, child(field, 'maxUnavailable')));
  errs.push(...validateLabelSelector(s.selector ?? undefined, child(field, 'selector')));
  const policy = s.unhealthyPodEvictionPolicy;
  if (has(policy) && !(UNHEALTHY_POD_EVICTION_POLICIES as readonly string[]).includes(String(policy))) {
    errs.push(fieldErr.notSupported(child(field, 'unhealthyPodEvictionPolicy'), policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  return errs;
}

export function validatePodDisruptionBudget(pdb: PDB): StatusCause[] {
  return [...validateObjectMeta(pdb.metadata, true, nameIsDNSSubdomain), ...validatePodDisruptionBudgetSpec(pdb.spec)];
}

export function validatePodDisruptionBudgetUpdate(pdb: PDB, old: PDB): StatusCause[] {
  return [...validateObjectMetaUpdate(pdb.metadata, old.metadata), ...validatePodDisruptionBudgetSpec(pdb.spec)];
}

const conditionReasonFmt = '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?';
const conditionReasonErrMsg =
  "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'";

/** meta/v1 validation's ValidateConditions (metav1.Condition lists). */
export function validateConditions(conds: readonly Relaxed<Condition>[] | undefined, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const seen = new Set<string>();
  (conds ?? []).forEach((c, i) => {
    const p = index(field, i);
    const type = String(c?.type ?? '');
    if (seen.has(type)) errs.push(fieldErr.duplicate(child(p, 'type'), type));
    seen.add(type);
    for (const m of labelKeyErrors(type)) errs.push(fieldErr.invalid(child(p, 'type'), type, m));
    if (!['True', 'False', 'Unknown'].includes(String(c?.status ?? ''))) errs.push(fieldErr.notSupported(child(p, 'status'), c?.status ?? '', ['False', 'True', 'Unknown']));
    if (typeof c?.observedGeneration === 'number' && c.observedGeneration < 0) {
      errs.push(fieldErr.invalid(child(p, 'observedGeneration'), c.observedGeneration, 'must be greater than or equal to zero'));
    }
    if (!c?.lastTransitionTime) errs.push(fieldErr.required(child(p, 'lastTransitionTime'), 'must be set'));
    const reason = String(c?.reason ?? '');
    if (!reason) errs.push(fieldErr.required(child(p, 'reason'), 'must be set'));
    else {
      if (reason.length > 1024) errs.push(fieldErr.tooLong(child(p, 'reason'), 1024));
      if (!new RegExp(`^${conditionReasonFmt}$`).test(reason)) {
        errs.push(fieldErr.invalid(child(p, 'reason'), reason, regexError(conditionReasonErrMsg, conditionReasonFmt, 'my_name', 'MY_NAME', 'MyName', 'ReasonA,ReasonB', 'ReasonA:ReasonB')));
      }
    }
    if (String(c?.message ?? '').length > 32768) errs.push(fieldErr.tooLong(child(p, 'message'), 32768));
  });
  return errs;
}

/** ValidatePodDisruptionBudgetStatusUpdate (policy/v1): conditions, and the counts are not negative. */
export function validatePodDisruptionBudgetStatusUpdate(pdb: PDB, old: PDB): StatusCause[] {
  const st: Relaxed<PodDisruptionBudgetStatus> = pdb.status ?? {};
  return [
    ...validateObjectMetaUpdate(pdb.metadata, old.metadata),
    ...validateConditions(st.conditions ?? undefined, 'status.conditions'),
    ...validateNonnegative('status.disruptionsAllowed', st.disruptionsAllowed),
    ...validateNonnegative('status.currentHealthy', st.currentHealthy),
    ...validateNonnegative('status.desiredHealthy', st.desiredHealthy),
    ...validateNonnegative('status.expectedPods', st.expectedPods),
  ];
}

/** The status Go writes for a zero PodDisruptionBudgetStatus (its counts have no omitempty). */
export function emptyPodDisruptionBudgetStatus(): Relaxed<PodDisruptionBudgetStatus> {
  return { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
}

/** PrepareForCreate: status cleared, generation 1. */
export function prepareForCreate(pdb: PDB): void {
  pdb.status = emptyPodDisruptionBudgetStatus();
  (pdb.metadata ??= {}).generation = 1;
}

/** PrepareForUpdate: the status stays; the generation moves when the spec changed. */
export function prepareForUpdate(pdb: PDB, old: PDB): void {
  keepOldStatus(pdb, old);
  bumpGenerationOnSpecChange(pdb, old);
}

/** The status strategy's PrepareForUpdate: everything but the status stays. */
export function prepareForStatusUpdate(pdb: PDB, old: PDB): void {
  keepAllButStatus(pdb, old);
}
