/**
 * batch/v1 Job (pkg/registry/batch/job/strategy.go, pkg/apis/batch/v1/defaults.go,
 * pkg/apis/batch/validation, 1.32): defaults, the generated selector and labels, validation of the
 * spec, the template's immutability (with 1.32's exception for a suspended Job that never started) and
 * the status counters.
 */
import type { StatusCause } from '../errors.js';
import type { CronJob, Job, JobSpec, PodTemplateSpec, Relaxed } from '../types/index.js';
import { cronScheduleError, timeZoneError } from './cron-schedule.js';
import { defaultPodTemplate } from './defaults.js';
import { validatePodSpec } from './pod.js';
import {
  child,
  fieldErr,
  index,
  nameIsDNSSubdomain,
  selectorMatches,
  semanticEqual,
  validateAnnotations,
  validateImmutableField,
  validateLabelSelector,
  validateLabels,
  validateNonnegative,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './validation.js';
import { clone } from '../values.js';

/** Labels the API server puts on a Job's pod template (and the selector matches): batch/v1 types.go. */
export const JOB_LABELS = {
  controllerUid: 'batch.kubernetes.io/controller-uid',
  jobName: 'batch.kubernetes.io/job-name',
  legacyControllerUid: 'controller-uid',
  legacyJobName: 'job-name',
} as const;

export const COMPLETION_MODES = ['NonIndexed', 'Indexed'] as const;
/** validation.go's maxParallelismForIndexedJob. */
export const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;
/** validation.go: maxFailedIndexesForIndexedJob, completionsSoftLimit and the limits above it. */
export const MAX_FAILED_INDEXES_FOR_INDEXED_JOB = 100_000;
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
/** validation.go: maxSuccessPolicyRule and maxJobSuccessPolicySucceededIndexesLimit. */
const MAX_SUCCESS_POLICY_RULES = 20;
const MAX_SUCCESS_POLICY_INDEXES_LENGTH = 64 * 1024;
export const POD_REPLACEMENT_POLICIES = ['Failed', 'TerminatingOrFailed'];
const POD_FAILURE_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const EXIT_CODE_OPERATORS = ['In', 'NotIn'];

const unset = (v: unknown): boolean => v === undefined || v === null;

/** SetDefaults_Job (and the template's pod defaults). */
export function defaultJob(job: Relaxed<Job>): void {
  const spec: Relaxed<JobSpec> = (job.spec ??= {});
  if (unset(spec.completions) && unset(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (unset(spec.parallelism)) spec.parallelism = 1;
  if (unset(spec.backoffLimit)) spec.backoffLimit = unset(spec.backoffLimitPerIndex) ? 6 : 2147483647;
  if (!spec.completionMode) spec.completionMode = 'NonIndexed';
  if (unset(spec.suspend)) spec.suspend = false;
  if (!spec.podReplacementPolicy) spec.podReplacementPolicy = spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  if (unset(spec.manualSelector)) spec.manualSelector = false;
  for (const rule of spec.podFailurePolicy?.rules ?? []) {
    for (const pattern of rule?.onPodConditions ?? []) if (pattern && !pattern.status) pattern.status = 'True';
  }
  // A Job without labels takes its template's (SetDefaults_Job).
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels && Object.keys(job.metadata?.labels ?? {}).length === 0) (job.metadata ??= {}).labels = { ...templateLabels };
  defaultPodTemplate(spec.template);
}

/**
 * generateSelector: unless manualSelector is true, the selector is the Job's uid and the template carries
 * the controller-uid and job-name labels (both the batch.kubernetes.io/ ones and the legacy short ones).
 */
export function generateJobSelector(job: Relaxed<Job>): void {
  const spec = job.spec;
  if (!spec || spec.manualSelector === true) return;
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  const template: Relaxed<PodTemplateSpec> = (spec.template ??= {});
  const meta = (template.metadata ??= {});
  const labels = (meta.labels ??= {});
  labels[JOB_LABELS.controllerUid] ??= uid;
  labels[JOB_LABELS.legacyControllerUid] ??= uid;
  if (name) {
    labels[JOB_LABELS.jobName] ??= name;
    labels[JOB_LABELS.legacyJobName] ??= name;
  }
  if (!spec.selector) spec.selector = { matchLabels: { [JOB_LABELS.controllerUid]: uid } };
}

/** PrepareForCreate: status cleared, generation 1, the generated selector. */
export function prepareJobForCreate(job: Relaxed<Job>): void {
  job.status = {};
  (job.metadata ??= {}).generation = 1;
  generateJobSelector(job);
}

function validateJobTemplate(t: Relaxed<PodTemplateSpec> | undefined, field: string): StatusCause[] {
  if (!t) return [fieldErr.required(field, '')];
  const errs = [
    ...validateLabels(t.metadata?.labels, child(field, 'metadata', 'labels')),
    ...validateAnnotations(t.metadata?.annotations, child(field, 'metadata', 'annotations')),
    ...validatePodSpec(t.spec, child(field, 'spec')),
  ];
  const rp = t.spec?.restartPolicy;
  if (rp !== 'OnFailure' && rp !== 'Never') errs.push(fieldErr.notSupported(child(field, 'spec', 'restartPolicy'), rp ?? '', ['OnFailure', 'Never']));
  if (Array.isArray(t.spec?.ephemeralContainers) && t.spec.ephemeralContainers.length > 0) {
    errs.push(fieldErr.forbidden(child(field, 'spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

function validatePodFailurePolicy(spec: Relaxed<JobSpec>, field: string): StatusCause[] {
  const policy = spec.podFailurePolicy;
  if (!policy) return [];
  const errs: StatusCause[] = [];
  const rulesField = child(field, 'rules');
  if (spec.template?.spec?.restartPolicy !== 'Never') {
    errs.push(fieldErr.invalid(child(field.replace(/\.podFailurePolicy$/, ''), 'template', 'spec', 'restartPolicy'), spec.template?.spec?.restartPolicy ?? '', 'only "Never" is supported when podFailurePolicy is specified'));
  }
  (policy.rules ?? []).forEach((rule, i) => {
    const rf = index(rulesField, i);
    if (!POD_FAILURE_ACTIONS.includes(rule?.action ?? '')) errs.push(fieldErr.notSupported(child(rf, 'action'), rule?.action ?? '', POD_FAILURE_ACTIONS));
    if (rule?.action === 'FailIndex' && unset(spec.backoffLimitPerIndex)) {
      errs.push(fieldErr.invalid(child(rf, 'action'), rule.action, 'requires the backoffLimitPerIndex to be set'));
    }
    const hasCodes = !!rule?.onExitCodes;
    const hasConds = (rule?.onPodConditions ?? []).length > 0;
    if (hasCodes && hasConds) errs.push(fieldErr.invalid(rf, '', 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!hasCodes && !hasConds) errs.push(fieldErr.invalid(rf, '', 'specifying one of OnExitCodes and OnPodConditions is required'));
    const codes = rule?.onExitCodes;
    if (codes) {
      const cf = child(rf, 'onExitCodes');
      if (!EXIT_CODE_OPERATORS.includes(codes.operator ?? '')) errs.push(fieldErr.notSupported(child(cf, 'operator'), codes.operator ?? '', EXIT_CODE_OPERATORS));
      const values = codes.values ?? [];
      if (values.length === 0) errs.push(fieldErr.required(child(cf, 'values'), 'at least one value is required'));
      if (values.length > 255) errs.push(fieldErr.tooMany(child(cf, 'values'), values.length, 255));
      values.forEach((v, j) => {
        if (codes.operator === 'In' && v === 0) errs.push(fieldErr.invalid(index(child(cf, 'values'), j), v, 'must not be 0 for the In operator'));
        if (j > 0 && values[j - 1] !== undefined && v <= values[j - 1]!) errs.push(fieldErr.invalid(index(child(cf, 'values'), j), v, 'must be ordered'));
      });
    }
    (rule?.onPodConditions ?? []).forEach((p, j) => {
      const pf = index(child(rf, 'onPodConditions'), j);
      if (!p?.type) errs.push(fieldErr.required(child(pf, 'type'), ''));
      if (!['True', 'False', 'Unknown'].includes(p?.status ?? '')) errs.push(fieldErr.notSupported(child(pf, 'status'), p?.status ?? '', ['True', 'False', 'Unknown']));
    });
  });
  return errs;
}

/**
 * validateIndexesFormat: "1,3-5,7" with increasing, in-range indexes; the number of indexes, or upstream's
 * parse error.
 */
export function validateIndexesFormat(indexes: string, completions: number): { total: number } | { error: string } {
  if (indexes.length === 0) return { total: 0 };
  let last: number | undefined;
  let total = 0;
  const toInt = (x: string): number | undefined => (/^[+-]?[0-9]+$/.test(x) ? Number(x) : undefined);
  for (const interval of indexes.split(',')) {
    const limits = interval.split('-');
    if (limits.length > 2) return { error: `the fragment ${JSON.stringify(interval)} violates the requirement that an index interval can have at most two parts separated by '-'` };
    const x = toInt(limits[0]!);
    if (x === undefined) return { error: `cannot convert string to integer for index: ${JSON.stringify(limits[0])}` };
    if (x >= completions) return { error: `too large index: ${JSON.stringify(limits[0])}` };
    let y = x;
    if (limits.length > 1) {
      const v = toInt(limits[1]!);
      if (v === undefined) return { error: `cannot convert string to integer for index: ${JSON.stringify(limits[1])}` };
      if (v >= completions) return { error: `too large index: ${JSON.stringify(limits[1])}` };
      if (x >= v) return { error: `non-increasing order, previous: ${x}, current: ${v}` };
      y = v;
    }
    if (last !== undefined && last >= x) return { error: `non-increasing order, previous: ${last}, current: ${x}` };
    total += y - x + 1;
    last = y;
  }
  return { total };
}

/** validateSuccessPolicy and validateSuccessPolicyRule (an Indexed Job's successPolicy). */
function validateSuccessPolicy(spec: Relaxed<JobSpec>, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const rules = spec.successPolicy?.rules ?? [];
  const rulesField = child(field, 'rules');
  if (rules.length === 0) errs.push(fieldErr.required(rulesField, 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > MAX_SUCCESS_POLICY_RULES) errs.push(fieldErr.tooMany(rulesField, rules.length, MAX_SUCCESS_POLICY_RULES));
  const completions = spec.completions ?? 0;
  rules.forEach((rule, i) => {
    const rf = index(rulesField, i);
    const indexes = rule?.succeededIndexes;
    const count = rule?.succeededCount;
    if (unset(count) && unset(indexes)) errs.push(fieldErr.required(rf, 'at least one of succeededCount or succeededIndexes must be specified'));
    let totalIndexes = 0;
    if (typeof indexes === 'string') {
      const f = child(rf, 'succeededIndexes');
      if (indexes.length > MAX_SUCCESS_POLICY_INDEXES_LENGTH) errs.push(fieldErr.tooLong(f, MAX_SUCCESS_POLICY_INDEXES_LENGTH));
      const r = validateIndexesFormat(indexes, completions);
      if ('error' in r) errs.push(fieldErr.invalid(f, indexes, `error parsing succeededIndexes: ${r.error}`));
      else totalIndexes = r.total;
    }
    if (typeof count === 'number') {
      const f = child(rf, 'succeededCount');
      errs.push(...validateNonnegative(f, count));
      if (count > completions) errs.push(fieldErr.invalid(f, count, `must be less than or equal to ${completions} (the number of specified completions)`));
      if (typeof indexes === 'string' && count > totalIndexes) {
        errs.push(fieldErr.invalid(f, count, `must be less than or equal to ${totalIndexes} (the number of indexes in the specified succeededIndexes field)`));
      }
    }
  });
  return errs;
}

/** validateJobSpec + ValidateGeneratedSelector / the manual selector's checks. */
export function validateJobSpec(spec: Relaxed<JobSpec> | undefined, field = 'spec'): StatusCause[] {
  const s: Relaxed<JobSpec> = spec ?? {};
  const errs: StatusCause[] = [];
  if (!s.selector) errs.push(fieldErr.required(child(field, 'selector'), ''));
  else {
    errs.push(...validateLabelSelector(s.selector, child(field, 'selector')));
    if (!selectorMatches(s.selector, s.template?.metadata?.labels ?? {})) {
      errs.push(fieldErr.invalid(child(field, 'template', 'metadata', 'labels'), s.template?.metadata?.labels ?? {}, '`selector` does not match template `labels`'));
    }
  }
  return [...errs, ...validateJobSpecFields(s, field)];
}

/** validateJobSpec (lower case): what a Job's spec and a CronJob's jobTemplate.spec share (no selector). */
function validateJobSpecFields(s: Relaxed<JobSpec>, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes'] as const) {
    errs.push(...validateNonnegative(child(field, f), s[f]));
  }
  if (!unset(s.maxFailedIndexes) && unset(s.backoffLimitPerIndex)) {
    errs.push(fieldErr.required(child(field, 'backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
  }
  const mode = s.completionMode;
  if (mode !== undefined && !(COMPLETION_MODES as readonly string[]).includes(mode)) {
    errs.push(fieldErr.notSupported(child(field, 'completionMode'), mode, COMPLETION_MODES));
  }
  if (mode === 'Indexed') {
    if (unset(s.completions)) errs.push(fieldErr.required(child(field, 'completions'), 'when completion mode is Indexed'));
    if ((s.parallelism ?? 0) > MAX_PARALLELISM_FOR_INDEXED_JOB) {
      errs.push(fieldErr.invalid(child(field, 'parallelism'), s.parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`));
    }
    const maxFailed = s.maxFailedIndexes;
    if (typeof maxFailed === 'number' && typeof s.completions === 'number' && maxFailed > s.completions) {
      errs.push(fieldErr.invalid(child(field, 'maxFailedIndexes'), maxFailed, 'must be less than or equal to completions'));
    }
    if (typeof maxFailed === 'number' && maxFailed > MAX_FAILED_INDEXES_FOR_INDEXED_JOB) {
      errs.push(fieldErr.invalid(child(field, 'maxFailedIndexes'), maxFailed, `must be less than or equal to ${MAX_FAILED_INDEXES_FOR_INDEXED_JOB}`));
    }
    if (typeof s.completions === 'number' && s.completions > COMPLETIONS_SOFT_LIMIT && !unset(s.backoffLimitPerIndex)) {
      const high = `when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`;
      if (unset(maxFailed)) errs.push(fieldErr.required(child(field, 'maxFailedIndexes'), `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
      if (typeof s.parallelism === 'number' && s.parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
        errs.push(fieldErr.invalid(child(field, 'parallelism'), s.parallelism, `must be less than or equal to ${PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} ${high}`));
      }
      if (typeof maxFailed === 'number' && maxFailed > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS) {
        errs.push(fieldErr.invalid(child(field, 'maxFailedIndexes'), maxFailed, `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} ${high}`));
      }
    }
  } else {
    if (!unset(s.backoffLimitPerIndex)) errs.push(fieldErr.invalid(child(field, 'backoffLimitPerIndex'), s.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (!unset(s.maxFailedIndexes)) errs.push(fieldErr.invalid(child(field, 'maxFailedIndexes'), s.maxFailedIndexes, 'requires indexed completion mode'));
  }
  errs.push(...validatePodFailurePolicy(s, child(field, 'podFailurePolicy')));
  if (s.successPolicy) {
    if (mode !== 'Indexed') errs.push(fieldErr.invalid(child(field, 'successPolicy'), s.successPolicy, 'requires indexed completion mode'));
    else errs.push(...validateSuccessPolicy(s, child(field, 'successPolicy')));
  }
  const replacement = s.podReplacementPolicy;
  if (!unset(replacement)) {
    if (s.podFailurePolicy) {
      if (replacement !== 'Failed') errs.push(fieldErr.notSupported(child(field, 'podReplacementPolicy'), replacement, ['Failed']));
    } else if (!POD_REPLACEMENT_POLICIES.includes(replacement ?? '')) {
      errs.push(fieldErr.notSupported(child(field, 'podReplacementPolicy'), replacement, POD_REPLACEMENT_POLICIES));
    }
  }
  errs.push(...validateJobTemplate(s.template, child(field, 'template')));
  return errs;
}

export function validateJob(job: Relaxed<Job>): StatusCause[] {
  return [...validateObjectMeta(job?.metadata, true, nameIsDNSSubdomain), ...validateJobSpec(job?.spec)];
}

/** The template fields a suspended Job that never started may change (1.32's mutable scheduling directives). */
const MUTABLE_WHILE_SUSPENDED = ['nodeSelector', 'tolerations', 'affinity', 'schedulingGates'] as const;

function withoutSchedulingDirectives(t: Relaxed<PodTemplateSpec> | undefined): unknown {
  const c = clone(t ?? {});
  if (c.metadata) {
    delete c.metadata.labels;
    delete c.metadata.annotations;
  }
  if (c.spec) for (const f of MUTABLE_WHILE_SUSPENDED) delete c.spec[f];
  return c;
}

/** ValidateJobUpdate: the spec again, plus the immutable fields (ValidateJobSpecUpdate). */
export function validateJobUpdate(job: Relaxed<Job>, old: Relaxed<Job>): StatusCause[] {
  const errs = validateObjectMetaUpdate(job?.metadata, old?.metadata);
  const spec = job?.spec ?? {};
  const oldSpec = old?.spec ?? {};
  errs.push(...validateJobSpec(spec));
  // Completions may change only for an Indexed Job kept at completions == parallelism (elastic Indexed Jobs).
  const elastic = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism && oldSpec.completions === oldSpec.parallelism;
  if (!elastic) errs.push(...validateImmutableField(spec.completions, oldSpec.completions, 'spec.completions'));
  errs.push(...validateImmutableField(spec.selector, oldSpec.selector, 'spec.selector'));
  const suspendedNeverStarted = oldSpec.suspend === true && !old?.status?.startTime;
  if (!suspendedNeverStarted || !semanticEqual(withoutSchedulingDirectives(spec.template), withoutSchedulingDirectives(oldSpec.template))) {
    errs.push(...validateImmutableField(spec.template, oldSpec.template, 'spec.template'));
  }
  errs.push(...validateImmutableField(spec.completionMode, oldSpec.completionMode, 'spec.completionMode'));
  errs.push(...validateImmutableField(spec.podFailurePolicy, oldSpec.podFailurePolicy, 'spec.podFailurePolicy'));
  errs.push(...validateImmutableField(spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex, 'spec.backoffLimitPerIndex'));
  errs.push(...validateImmutableField(spec.managedBy, oldSpec.managedBy, 'spec.managedBy'));
  errs.push(...validateImmutableField(spec.successPolicy, oldSpec.successPolicy, 'spec.successPolicy'));
  return errs;
}

/** ValidateJobStatus: the counters are non-negative. */
export function validateJobStatusUpdate(job: Relaxed<Job>, old: Relaxed<Job>): StatusCause[] {
  const errs = validateObjectMetaUpdate(job?.metadata, old?.metadata);
  const st = job?.status ?? {};
  for (const f of ['active', 'succeeded', 'failed', 'ready', 'terminating'] as const) errs.push(...validateNonnegative(child('status', f), st[f]));
  return errs;
}

// ---------------------------------------------------------------- CronJob

export const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];
/** validation.go: a CronJob's name leaves room for the 11-character suffix of its Jobs' names. */
export const CRONJOB_NAME_MAX = 52;

/** SetDefaults_CronJob (and the Job template's own defaults). */
export function defaultCronJob(cj: Relaxed<CronJob>): void {
  const spec = (cj.spec ??= { schedule: '', jobTemplate: {} });
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  if (unset(spec.suspend)) spec.suspend = false;
  if (unset(spec.successfulJobsHistoryLimit)) spec.successfulJobsHistoryLimit = 3;
  if (unset(spec.failedJobsHistoryLimit)) spec.failedJobsHistoryLimit = 1;
  const jobSpec = spec.jobTemplate?.spec;
  if (jobSpec) {
    // SetDefaults_Job on the template, without the Job's own labels (the template has none of its own).
    const probe: Relaxed<Job> = { metadata: {}, spec: jobSpec };
    defaultJob(probe);
    delete jobSpec.manualSelector;
  }
}

function validateScheduleFormat(schedule: string, timeZone: string | undefined, allowTZ: boolean, field: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const err = cronScheduleError(schedule);
  if (err) errs.push(fieldErr.invalid(field, schedule, err));
  if (allowTZ && schedule.includes('TZ') && timeZone !== undefined) {
    errs.push(fieldErr.invalid(field, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZ && schedule.includes('TZ')) {
    errs.push(fieldErr.invalid(field, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

function validateCronJobSpec(cj: Relaxed<CronJob>, allowTZ: boolean): StatusCause[] {
  const spec = cj.spec;
  const errs: StatusCause[] = [];
  const schedule = spec?.schedule ?? '';
  if (!schedule) errs.push(fieldErr.required('spec.schedule', ''));
  else errs.push(...validateScheduleFormat(schedule, spec?.timeZone ?? undefined, allowTZ, 'spec.schedule'));
  errs.push(...validateNonnegative('spec.startingDeadlineSeconds', spec?.startingDeadlineSeconds));
  const policy = spec?.concurrencyPolicy ?? '';
  if (!policy) errs.push(fieldErr.required('spec.concurrencyPolicy', ''));
  else if (!CONCURRENCY_POLICIES.includes(policy)) errs.push(fieldErr.notSupported('spec.concurrencyPolicy', policy, CONCURRENCY_POLICIES));
  errs.push(...validateNonnegative('spec.successfulJobsHistoryLimit', spec?.successfulJobsHistoryLimit));
  errs.push(...validateNonnegative('spec.failedJobsHistoryLimit', spec?.failedJobsHistoryLimit));
  if (typeof spec?.timeZone === 'string') {
    const tzErr = timeZoneError(spec.timeZone);
    if (tzErr) errs.push(fieldErr.invalid('spec.timeZone', spec.timeZone, tzErr));
  }
  // ValidateJobTemplateSpec: the Job spec (as a Job's), whose selector is always generated.
  const jobSpec = spec?.jobTemplate?.spec;
  const f = 'spec.jobTemplate.spec';
  errs.push(...validateJobSpecFields(jobSpec ?? {}, f));
  if (jobSpec?.selector) errs.push(fieldErr.invalid(child(f, 'selector'), jobSpec.selector, '`selector` will be auto-generated'));
  if (jobSpec?.manualSelector === true) errs.push(fieldErr.notSupported(child(f, 'manualSelector'), jobSpec.manualSelector, ['nil', 'false']));
  return errs;
}

function validateCronJobName(cj: Relaxed<CronJob>): StatusCause[] {
  const name = cj.metadata?.name ?? '';
  return name.length > CRONJOB_NAME_MAX ? [fieldErr.invalid('metadata.name', name, `must be no more than ${CRONJOB_NAME_MAX} characters`)] : [];
}

export function validateCronJob(cj: Relaxed<CronJob>): StatusCause[] {
  return [...validateObjectMeta(cj?.metadata, true, nameIsDNSSubdomain), ...validateCronJobName(cj), ...validateCronJobSpec(cj, false)];
}

export function validateCronJobUpdate(cj: Relaxed<CronJob>, old: Relaxed<CronJob>): StatusCause[] {
  // An old object with TZ in its schedule keeps it allowed (upstream's AllowTZInSchedule for updates).
  const allowTZ = (old?.spec?.schedule ?? '').includes('TZ');
  return [...validateObjectMetaUpdate(cj?.metadata, old?.metadata), ...validateCronJobSpec(cj, allowTZ)];
}
