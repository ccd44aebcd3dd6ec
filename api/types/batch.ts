/** batch/v1 Job and CronJob (k8s.io/api/batch/v1, 1.32), with upstream's field descriptions, shortened. */
import { Type, type Static } from '@sinclair/typebox';
import { def, S, E, I32, I64, B, Arr, RArr, F, RF, RS, Time, atomic, setList, X_PATCH_MERGE_KEY, X_PATCH_STRATEGY, X_LIST_TYPE } from './base.js';
import { typeMetaProps, objectMetaField, LabelSelectorSchema, ObjectMetaSchema } from './meta.js';
import { PodTemplateSpecSchema, ObjectReferenceSchema } from './core.js';

const BATCH = 'io.k8s.api.batch.v1.';

// ---------------------------------------------------------------- Job

export const PodFailurePolicyOnExitCodesRequirementSchema = def(
  BATCH + 'PodFailurePolicyOnExitCodesRequirement',
  'PodFailurePolicyOnExitCodesRequirement describes the requirement for handling a failed pod based on its container exit codes.',
  {
    containerName: S('Restricts the check for exit codes to the container with the specified name.'),
    operator: RS('Represents the relationship between the container exit code(s) and the specified values: In, NotIn.'),
    values: RArr(Type.Integer({ format: 'int32' }), 'Specifies the set of values. Each returned container exit code (might be multiple in case of multiple containers) is checked against this set of values with respect to the operator.', setList),
  },
);
export const PodFailurePolicyOnPodConditionsPatternSchema = def(
  BATCH + 'PodFailurePolicyOnPodConditionsPattern',
  'PodFailurePolicyOnPodConditionsPattern describes a pattern for matching an actual pod condition type.',
  {
    type: RS('Specifies the required Pod condition type. To match a pod condition it is required that specified type equals the pod condition type.'),
    status: RS('Specifies the required Pod condition status. To match a pod condition it is required that the specified status equals the pod condition status. Defaults to True.'),
  },
);
export const PodFailurePolicyRuleSchema = def(
  BATCH + 'PodFailurePolicyRule',
  'PodFailurePolicyRule describes how a pod failure is handled when the requirements are met. One of onExitCodes and onPodConditions, but not both, can be used in each rule.',
  {
    action: RS('Specifies the action taken on a pod failure when the requirements are satisfied: FailJob, FailIndex, Ignore, Count.'),
    onExitCodes: F(PodFailurePolicyOnExitCodesRequirementSchema, 'Represents the requirement on the container exit codes.'),
    onPodConditions: Arr(PodFailurePolicyOnPodConditionsPatternSchema, 'Represents the requirement on the pod conditions.', atomic),
  },
);
export const PodFailurePolicySchema = def(BATCH + 'PodFailurePolicy', 'PodFailurePolicy describes how failed pods influence the backoffLimit.', {
  rules: RArr(PodFailurePolicyRuleSchema, 'A list of pod failure policy rules. The rules are evaluated in order. Once a rule matches a Pod failure, the remaining of the rules are ignored.', atomic),
});
export type PodFailurePolicy = Static<typeof PodFailurePolicySchema>;

export const SuccessPolicyRuleSchema = def(BATCH + 'SuccessPolicyRule', 'SuccessPolicyRule describes rule for declaring a Job as succeeded.', {
  succeededIndexes: S('succeededIndexes specifies the set of indexes which need to be contained in the actual set of the succeeded indexes for the Job.'),
  succeededCount: I32('succeededCount specifies the minimal required size of the actual set of the succeeded indexes for the Job.'),
});
export const SuccessPolicySchema = def(BATCH + 'SuccessPolicy', 'SuccessPolicy describes when a Job can be declared as succeeded based on the success of some indexes.', {
  rules: RArr(SuccessPolicyRuleSchema, 'rules represents the list of alternative rules for the declaring the Jobs as successful before `.status.succeeded >= .spec.completions`.', atomic),
});

export const JobSpecSchema = def(BATCH + 'JobSpec', 'JobSpec describes how the job execution will look like.', {
  parallelism: I32('Specifies the maximum desired number of pods the job should run at any given time. Defaults to 1.'),
  completions: I32('Specifies the desired number of successfully finished pods the job should be run with. Setting to null means that the success of any pod signals the success of all pods. Defaults to 1 (when parallelism is not set).'),
  activeDeadlineSeconds: I64('Specifies the duration in seconds relative to the startTime that the job may be continuously active before the system tries to terminate it; value must be positive integer.'),
  podFailurePolicy: F(PodFailurePolicySchema, 'Specifies the policy of handling failed pods.'),
  successPolicy: F(SuccessPolicySchema, 'successPolicy specifies the policy when the Job can be declared as succeeded.'),
  backoffLimit: I32('Specifies the number of retries before marking this job failed. Defaults to 6'),
  backoffLimitPerIndex: I32('Specifies the limit for the number of retries within an index before marking this index as failed.'),
  maxFailedIndexes: I32('Specifies the maximal number of failed indexes before marking the Job as failed, when backoffLimitPerIndex is set.'),
  selector: F(LabelSelectorSchema, 'A label query over pods that should match the pod count. Normally, the system sets this field for you.'),
  manualSelector: B('manualSelector controls generation of pod labels and pod selectors. Leave `manualSelector` unset unless you are certain what you are doing.'),
  template: RF(PodTemplateSpecSchema, 'Describes the pod that will be created when executing a job. The only allowed template.spec.restartPolicy values are "Never" or "OnFailure".'),
  ttlSecondsAfterFinished: I32('ttlSecondsAfterFinished limits the lifetime of a Job that has finished execution (either Complete or Failed). If this field is set, ttlSecondsAfterFinished after the Job finishes, it is eligible to be automatically deleted.'),
  completionMode: S('completionMode specifies how Pod completions are tracked. It can be `NonIndexed` (default) or `Indexed`.'),
  suspend: B('suspend specifies whether the Job controller should create Pods or not. Defaults to false.'),
  podReplacementPolicy: S('podReplacementPolicy specifies when to create replacement Pods: TerminatingOrFailed or Failed.'),
  managedBy: S('ManagedBy field indicates the controller that manages a Job.'),
});
export type JobSpec = Static<typeof JobSpecSchema>;

export const JobConditionSchema = def(BATCH + 'JobCondition', 'JobCondition describes current state of a job.', {
  type: RS('Type of job condition, Complete or Failed.'),
  status: RS('Status of the condition, one of True, False, Unknown.'),
  lastProbeTime: F(Time, 'Last time the condition was checked.'),
  lastTransitionTime: F(Time, 'Last time the condition transit from one status to another.'),
  reason: S("(brief) reason for the condition's last transition."),
  message: S('Human readable message indicating details about last transition.'),
});
export type JobCondition = Static<typeof JobConditionSchema>;

export const UncountedTerminatedPodsSchema = def(BATCH + 'UncountedTerminatedPods', 'UncountedTerminatedPods holds UIDs of Pods that have terminated but haven\'t been accounted in Job status counters.', {
  succeeded: Arr(Type.String(), 'succeeded holds UIDs of succeeded Pods.', setList),
  failed: Arr(Type.String(), 'failed holds UIDs of failed Pods.', setList),
});

export const JobStatusSchema = def(BATCH + 'JobStatus', 'JobStatus represents the current state of a Job.', {
  conditions: Arr(JobConditionSchema, "The latest available observations of an object's current state.", { [X_PATCH_MERGE_KEY]: 'type', [X_PATCH_STRATEGY]: 'merge', [X_LIST_TYPE]: 'atomic' }),
  startTime: F(Time, 'Represents time when the job controller started processing a job.'),
  completionTime: F(Time, 'Represents time when the job was completed.'),
  active: I32('The number of pending and running pods which are not terminating (without a deletionTimestamp).'),
  succeeded: I32('The number of pods which reached phase Succeeded.'),
  failed: I32('The number of pods which reached phase Failed.'),
  terminating: I32('The number of pods which are terminating (in phase Pending or Running and have a deletionTimestamp).'),
  completedIndexes: S('completedIndexes holds the completed indexes when .spec.completionMode = "Indexed" in a text format.'),
  failedIndexes: S('FailedIndexes holds the failed indexes when spec.backoffLimitPerIndex is set.'),
  uncountedTerminatedPods: F(UncountedTerminatedPodsSchema, "uncountedTerminatedPods holds the UIDs of Pods that have terminated but the job controller hasn't yet accounted for in the status counters."),
  ready: I32('The number of active pods which have a Ready condition and are not terminating (without a deletionTimestamp).'),
});
export type JobStatus = Static<typeof JobStatusSchema>;

export const JobSchema = def(BATCH + 'Job', 'Job represents the configuration of a single job.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(JobSpecSchema, 'Specification of the desired behavior of a job.'),
  status: F(JobStatusSchema, 'Current status of a job.'),
});
export type Job = Static<typeof JobSchema>;

// ---------------------------------------------------------------- CronJob

export const JobTemplateSpecSchema = def(BATCH + 'JobTemplateSpec', 'JobTemplateSpec describes the data a Job should have when created from a template', {
  metadata: F(ObjectMetaSchema, 'Standard object\'s metadata of the jobs created from this template.'),
  spec: F(JobSpecSchema, 'Specification of the desired behavior of the job.'),
});

export const CronJobSpecSchema = def(BATCH + 'CronJobSpec', 'CronJobSpec describes how the job execution will look like and when it will actually run.', {
  schedule: RS('The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
  timeZone: S('The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process.'),
  startingDeadlineSeconds: I64('Optional deadline in seconds for starting the job if it misses scheduled time for any reason. Missed jobs executions will be counted as failed ones.'),
  concurrencyPolicy: E('Specifies how to treat concurrent executions of a Job. Valid values are: "Allow" (default), "Forbid", "Replace".', ['Allow', 'Forbid', 'Replace']),
  suspend: B('This flag tells the controller to suspend subsequent executions, it does not apply to already started executions. Defaults to false.'),
  jobTemplate: RF(JobTemplateSpecSchema, 'Specifies the job that will be created when executing a CronJob.'),
  successfulJobsHistoryLimit: I32('The number of successful finished jobs to retain. Value must be non-negative integer. Defaults to 3.'),
  failedJobsHistoryLimit: I32('The number of failed finished jobs to retain. Value must be non-negative integer. Defaults to 1.'),
});
export type CronJobSpec = Static<typeof CronJobSpecSchema>;

export const CronJobStatusSchema = def(BATCH + 'CronJobStatus', 'CronJobStatus represents the current state of a cron job.', {
  active: Arr(ObjectReferenceSchema, 'A list of pointers to currently running jobs.', atomic),
  lastScheduleTime: F(Time, 'Information when was the last time the job was successfully scheduled.'),
  lastSuccessfulTime: F(Time, 'Information when was the last time the job successfully completed.'),
});
export type CronJobStatus = Static<typeof CronJobStatusSchema>;

export const CronJobSchema = def(BATCH + 'CronJob', 'CronJob represents the configuration of a single cron job.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(CronJobSpecSchema, 'Specification of the desired behavior of a cron job, including the schedule.'),
  status: F(CronJobStatusSchema, 'Current status of a cron job.'),
});
export type CronJob = Static<typeof CronJobSchema>;

