/**
 * One HPA reconcile, as upstream's reconcileAutoscaler (pkg/controller/podautoscaler/horizontal.go, 1.32), as a pure
 * function: the HPA, its target's scale (or why it could not be read), the namespace's pods, the PodMetrics of the
 * target's pods (or why they could not be listed), the HPA's remembered recommendations and scale events, and the
 * clock in; the status to write, the events to record, the new scale (if any) and the new memory out.
 *
 *   scale unreadable            -> AbleToScale False/FailedGetScale, event FailedGetScale
 *   scale 0 and minReplicas > 0 -> ScalingActive False/ScalingDisabled, no scaling
 *   replicas > max / < min      -> max / min ("Current number of replicas above Spec.MaxReplicas")
 *   else every metric's proposal (the highest wins); all invalid, or some invalid on a scale down -> no scaling,
 *        the first failure's condition, event FailedComputeMetricsReplicas; else ScalingActive True/ValidMetricFound
 *        -> stabilization and limits (behavior.ts) -> rescale when it differs: SuccessfulRescale "New size: N; reason: R"
 */
import { formatQuantity, milliQuantity, milliValue, tryParseQuantity } from '../../../api/quantity.js';
import { parseLabelSelector, type LabelSelector } from '../../../api/labels.js';
import { parseDuration } from '../../../api/cli/flags.js';
import { rfc3339 } from '../../../api/time.js';
import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerCondition,
  HorizontalPodAutoscalerStatus,
  MetricSpec,
  MetricStatus,
  Relaxed,
} from '../../../api/types/index.js';
import type { Pod } from '../util/types.js';
import { scaleDownRulesWithDefaults, scaleUpRulesWithDefaults } from '../../../api/strategies/autoscaling.js';
import {
  normalizeDesiredReplicas,
  normalizeDesiredReplicasWithBehaviors,
  storeScaleEvent,
  type Normalized,
  type Recommendation,
  type ScaleEvent,
} from './behavior.js';
import { plainMetricReplicas, resourceReplicas, ReplicaCalcError, type CalcOptions, type PodMetricsInfo } from './replica-calculator.js';

export type HPA = Relaxed<HorizontalPodAutoscaler>;
type Status = Relaxed<HorizontalPodAutoscalerStatus>;
type Condition = Relaxed<HorizontalPodAutoscalerCondition>;
type Spec = Relaxed<MetricSpec>;
type MStatus = Relaxed<MetricStatus>;

/** The target's autoscaling/v1 Scale, as the controller reads it. */
export interface ScaleView {
  specReplicas: number;
  statusReplicas: number;
  selector: string;
}

/** metrics.k8s.io/v1beta1 PodMetrics, as much as the HPA reads. */
export interface PodMetricsItem {
  metadata?: { name?: string; namespace?: string };
  timestamp?: string;
  window?: string;
  containers?: { name?: string; usage?: Record<string, string | number> }[];
}

/** What the controller remembers of an HPA between syncs (upstream's recommendations, scaleUpEvents, scaleDownEvents). */
export interface HPAMemory {
  recommendations: Recommendation[];
  up: ScaleEvent[];
  down: ScaleEvent[];
}

export interface HPAEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface DecideOptions extends Omit<CalcOptions, 'now'> {
  /** --horizontal-pod-autoscaler-downscale-stabilization (5m). */
  downscaleStabilizationMs: number;
}

export interface DecideInput {
  hpa: HPA;
  scale: ScaleView | { error: string };
  /** The pods of the HPA's namespace (the controller's cache). */
  pods: readonly Pod[];
  /** The PodMetrics the resource metrics API answered for the target's selector, or the error of the list. */
  podMetrics: readonly PodMetricsItem[] | { error: string };
  memory: HPAMemory | undefined;
  /** The last selectors of the namespace's other HPAs (`ns/name`), as the controller remembers them. */
  otherSelectors?: readonly { key: string; selector: LabelSelector }[];
  now: number;
  options: DecideOptions;
}

export interface Decision {
  status: Status;
  events: HPAEvent[];
  /** The target's new spec.replicas, when it changes. */
  rescale?: { replicas: number; reason: string; currentReplicas: number; memory: HPAMemory };
  /** The memory to keep; once the rescale is written, `rescale.memory` (the scale event remembered, with spec.behavior). */
  memory: HPAMemory;
  /** What upstream's reconcile returns as an error (logged). */
  error?: string;
}

/** setConditionInList: the condition's lastTransitionTime moves only when its status changes. */
export function setCondition(conds: Condition[], type: string, status: string, reason: string, message: string, now: number): Condition[] {
  const out = conds.map((c) => ({ ...c }));
  let c = out.find((x) => x.type === type);
  if (!c) {
    c = { type, status: '' };
    out.push(c);
  }
  if (c.status !== status) c.lastTransitionTime = rfc3339(now);
  c.status = status;
  c.reason = reason;
  c.message = message;
  return out;
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** getPodMetrics / getContainerMetrics of upstream's resource metrics client (milli-units). */
export function podMetricsInfo(items: readonly PodMetricsItem[], resource: string, container: string): PodMetricsInfo {
  const res: PodMetricsInfo = new Map();
  for (const m of items) {
    const name = m.metadata?.name ?? '';
    const timestamp = m.timestamp ? Date.parse(m.timestamp) : 0;
    let windowMs = 0;
    try {
      windowMs = m.window ? parseDuration(m.window) : 0;
    } catch {
      windowMs = 0;
    }
    const containers = m.containers ?? [];
    if (container !== '') {
      const c = containers.find((x) => x.name === container);
      if (!c) throw new ReplicaCalcError(`failed to get container metrics: container ${container} not present in metrics for pod ${m.metadata?.namespace ?? ''}/${name}`);
      const q = c.usage?.[resource];
      const p = q === undefined ? undefined : tryParseQuantity(q);
      if (p) res.set(name, { timestamp, windowMs, value: milliValue(p) });
      continue;
    }
    let sum = 0;
    let missing = containers.length === 0;
    for (const c of containers) {
      const q = c.usage?.[resource];
      const p = q === undefined ? undefined : tryParseQuantity(q);
      if (!p) {
        missing = true;
        break;
      }
      sum += milliValue(p);
    }
    if (!missing) res.set(name, { timestamp, windowMs, value: sum });
  }
  return res;
}

/** GetResourceMetric: the metrics of the target's pods, or upstream's error. */
function resourceMetric(input: DecideInput, resource: string, container: string): PodMetricsInfo {
  const pm = input.podMetrics;
  if (!Array.isArray(pm)) throw new ReplicaCalcError(`unable to fetch metrics from resource metrics API: ${(pm as { error: string }).error}`);
  if (pm.length === 0) throw new ReplicaCalcError('no metrics returned from resource metrics API');
  return podMetricsInfo(pm, resource, container);
}

interface Proposal {
  replicas: number;
  metric: string;
  status: MStatus;
}
interface Failure {
  condition: { reason: string; message: string };
  error: string;
  events: HPAEvent[];
}

/** computeStatusForResourceMetricGeneric + computeReplicasForMetric for Resource and ContainerResource metrics. */
function resourceProposal(input: DecideInput, spec: Spec, specReplicas: number, selector: LabelSelector): Proposal | Failure {
  const container = spec.type === 'ContainerResource' ? (spec.containerResource?.container ?? '') : '';
  const src = spec.type === 'ContainerResource' ? spec.containerResource : spec.resource;
  const name = src?.name ?? '';
  const target = src?.target;
  const failedReason = spec.type === 'ContainerResource' ? 'FailedGetContainerResourceMetric' : 'FailedGetResourceMetric';
  const fail = (inner: string): Failure => {
    const outer = spec.type === 'ContainerResource' ? `failed to get ${container} container metric value: ${inner}` : `failed to get ${name} resource metric value: ${inner}`;
    return {
      condition: { reason: failedReason, message: `the HPA was unable to compute the replica count: ${inner}` },
      error: outer,
      events: [{ type: 'Warning', reason: failedReason, message: inner }],
    };
  };
  const pods = input.pods.filter((p) => selector.matches(p.metadata?.labels ?? {}));
  const o: CalcOptions = { ...input.options, now: input.now };
  const avg = target?.averageValue;
  if (avg !== undefined && avg !== null) {
    const parsed = tryParseQuantity(avg);
    try {
      let metrics: PodMetricsInfo;
      try {
        metrics = resourceMetric(input, name, container);
      } catch (e) {
        throw new ReplicaCalcError(`unable to get metrics for resource ${name}: ${errText(e)}`);
      }
      const r = plainMetricReplicas(specReplicas, parsed ? milliValue(parsed) : 0, name, pods, metrics, o);
      const current = { averageValue: formatQuantity(milliQuantity(r.usage)) };
      return { replicas: r.replicas, metric: `${name} resource`, status: metricStatus(spec, name, container, current) };
    } catch (e) {
      return fail(`failed to get ${name} usage: ${errText(e)}`);
    }
  }
  if (typeof target?.averageUtilization !== 'number') {
    return fail('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
  }
  try {
    let metrics: PodMetricsInfo;
    try {
      metrics = resourceMetric(input, name, container);
    } catch (e) {
      throw new ReplicaCalcError(`unable to get metrics for resource ${name}: ${errText(e)}`);
    }
    const r = resourceReplicas(specReplicas, target.averageUtilization, name, container, pods, metrics, o);
    const current = { averageUtilization: r.utilization, averageValue: formatQuantity(milliQuantity(r.rawUtilization)) };
    const metric = spec.type === 'ContainerResource' ? `${name} container resource utilization (percentage of request)` : `${name} resource utilization (percentage of request)`;
    return { replicas: r.replicas, metric, status: metricStatus(spec, name, container, current) };
  } catch (e) {
    return fail(`failed to get ${name} utilization: ${errText(e)}`);
  }
}

function metricStatus(spec: Spec, name: string, container: string, current: { averageUtilization?: number; averageValue?: string }): MStatus {
  return spec.type === 'ContainerResource'
    ? { type: 'ContainerResource', containerResource: { name, container, current } }
    : { type: 'Resource', resource: { name, current } };
}

/** Pods, Object and External metrics need the custom or external metrics APIs, which kubelab does not serve. */
function customProposal(spec: Spec): Failure {
  const [reason, inner, outer] =
    spec.type === 'Pods'
      ? ['FailedGetPodsMetric', `unable to get metric ${spec.pods?.metric?.name ?? ''}: no custom metrics API (custom.metrics.k8s.io) registered`, 'failed to get pods metric value']
      : spec.type === 'Object'
        ? ['FailedGetObjectMetric', `unable to get metric ${spec.object?.metric?.name ?? ''}: no custom metrics API (custom.metrics.k8s.io) registered`, 'failed to get object metric value']
        : spec.type === 'External'
          ? ['FailedGetExternalMetric', `unable to get external metric ${spec.external?.metric?.name ?? ''}: no external metrics API (external.metrics.k8s.io) registered`, 'failed to get external metric value']
          : ['InvalidMetricSourceType', `unknown metric source type "${spec.type}"`, ''];
  return {
    condition: { reason, message: `the HPA was unable to compute the replica count: ${inner}` },
    error: outer ? `${outer}: ${inner}` : inner,
    events: [{ type: 'Warning', reason, message: inner }],
  };
}

const isFailure = (p: Proposal | Failure): p is Failure => 'error' in p;

/** The decision: see the module comment. */
export function decideAutoscaler(input: DecideInput): Decision {
  const { hpa, now } = input;
  const spec = hpa.spec;
  const old: Status = hpa.status ?? { desiredReplicas: 0 };
  let conditions: Condition[] = [...(old.conditions ?? [])];
  const events: HPAEvent[] = [];
  const cond = (type: string, status: string, reason: string, message: string) => (conditions = setCondition(conditions, type, status, reason, message, now));
  const ref = spec?.scaleTargetRef;
  const reference = `${ref?.kind ?? ''}/${hpa.metadata?.namespace ?? ''}/${ref?.name ?? ''}`;
  const memory: HPAMemory = input.memory ?? { recommendations: [], up: [], down: [] };
  const withStatus = (currentReplicas: number, desiredReplicas: number, currentMetrics: MStatus[] | undefined, rescaled: boolean): Status => {
    const s: Status = { desiredReplicas };
    if (currentReplicas) s.currentReplicas = currentReplicas;
    const last = rescaled ? rfc3339(now) : old.lastScaleTime;
    if (last) s.lastScaleTime = last;
    if (currentMetrics?.length) s.currentMetrics = currentMetrics;
    if (conditions.length) s.conditions = conditions;
    if (old.observedGeneration !== undefined) s.observedGeneration = old.observedGeneration;
    return s;
  };

  if ('error' in input.scale) {
    const message = input.scale.error;
    events.push({ type: 'Warning', reason: 'FailedGetScale', message });
    cond('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${message}`);
    return { status: withStatus(old.currentReplicas ?? 0, old.desiredReplicas ?? 0, old.currentMetrics ?? undefined, false), events, memory, error: `failed to query scale subresource for ${reference}: ${message}` };
  }
  cond('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
  const scale = input.scale;
  const currentReplicas = scale.specReplicas;
  if (!memory.recommendations.length) memory.recommendations = [{ recommendation: currentReplicas, timestamp: now }]; // recordInitialRecommendation

  const minReplicas = spec?.minReplicas ?? 1;
  const maxReplicas = spec?.maxReplicas ?? 0;
  let desiredReplicas = 0;
  let rescaleReason = '';
  let metricStatuses: MStatus[] | undefined;
  let rescale = true;
  let error: string | undefined;
  let next = memory;

  if (scale.specReplicas === 0 && minReplicas !== 0) {
    desiredReplicas = 0;
    rescale = false;
    cond('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
  } else if (currentReplicas > maxReplicas) {
    rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
    desiredReplicas = maxReplicas;
  } else if (currentReplicas < minReplicas) {
    rescaleReason = 'Current number of replicas below Spec.MinReplicas';
    desiredReplicas = minReplicas;
  } else {
    // computeReplicasForMetrics
    const specs = spec?.metrics ?? [];
    let selector: LabelSelector | undefined;
    let selectorError: string | undefined;
    if (!scale.selector) {
      selectorError = 'selector is required';
      events.push({ type: 'Warning', reason: 'SelectorRequired', message: selectorError });
      cond('ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector");
    } else {
      try {
        selector = parseLabelSelector(scale.selector);
      } catch (e) {
        selectorError = `couldn't convert selector into a corresponding internal selector object: ${errText(e)}`;
        events.push({ type: 'Warning', reason: 'InvalidSelector', message: selectorError });
        cond('ScalingActive', 'False', 'InvalidSelector', selectorError);
      }
      if (selector) {
        // hpasControllingPodsUnderSelector: no two HPAs may scale the same pods
        const own = `${hpa.metadata?.namespace ?? ''}/${hpa.metadata?.name ?? ''}`;
        const mine = input.pods.filter((p) => selector!.matches(p.metadata?.labels ?? {}));
        const selecting = new Set<string>();
        for (const p of mine) {
          selecting.add(own);
          for (const o of input.otherSelectors ?? []) if (o.selector.matches(p.metadata?.labels ?? {})) selecting.add(o.key);
        }
        if (selecting.size > 1) {
          selectorError = `pods by selector ${scale.selector} are controlled by multiple HPAs: [${[...selecting].sort().join(' ')}]`;
          events.push({ type: 'Warning', reason: 'AmbiguousSelector', message: selectorError });
          cond('ScalingActive', 'False', 'AmbiguousSelector', selectorError);
          selector = undefined;
        }
      }
    }
    let metricDesired = -1;
    let metricName = '';
    let computeError: string | undefined;
    if (selector) {
      metricStatuses = specs.map(() => ({ type: '' }) as MStatus);
      let replicas = 0;
      let invalid = 0;
      let first: Failure | undefined;
      specs.forEach((m, i) => {
        const p = m.type === 'Resource' || m.type === 'ContainerResource' ? resourceProposal(input, m, scale.specReplicas, selector) : customProposal(m);
        if (isFailure(p)) {
          events.push(...p.events);
          if (!first) first = p;
          invalid++;
          return;
        }
        metricStatuses![i] = p.status;
        if (replicas === 0 || p.replicas > replicas) {
          replicas = p.replicas;
          metricName = p.metric;
        }
      });
      if (first) computeError = `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${first.error}`;
      if (invalid >= specs.length || (invalid > 0 && replicas < scale.specReplicas)) {
        cond('ScalingActive', 'False', first?.condition.reason ?? 'InvalidMetricSourceType', first?.condition.message ?? '');
      } else {
        metricDesired = replicas;
        cond('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metricName}`);
      }
    } else computeError = selectorError;

    if (metricDesired === -1) {
      const message = computeError ?? '';
      events.push({ type: 'Warning', reason: 'FailedComputeMetricsReplicas', message });
      return {
        status: withStatus(currentReplicas, old.desiredReplicas ?? 0, metricStatuses, false),
        events,
        memory,
        error: `failed to compute desired number of replicas based on listed metrics for ${reference}: ${message}`,
      };
    }
    if (computeError) error = computeError; // some metrics still work: scale on them, report the rest
    let rescaleMetric = '';
    if (metricDesired > desiredReplicas) {
      desiredReplicas = metricDesired;
      rescaleMetric = metricName;
    }
    if (desiredReplicas > currentReplicas) rescaleReason = `${rescaleMetric} above target`;
    if (desiredReplicas < currentReplicas) rescaleReason = 'All metrics below target';
    let n: Normalized;
    if (!spec?.behavior) {
      n = normalizeDesiredReplicas(memory.recommendations, currentReplicas, desiredReplicas, minReplicas, maxReplicas, input.options.downscaleStabilizationMs, now);
    } else {
      n = normalizeDesiredReplicasWithBehaviors(
        memory.recommendations,
        memory.up,
        memory.down,
        {
          scaleUp: scaleUpRulesWithDefaults(spec.behavior.scaleUp),
          scaleDown: scaleDownRulesWithDefaults(spec.behavior.scaleDown),
          min: minReplicas,
          max: maxReplicas,
          current: currentReplicas,
          desired: desiredReplicas,
        },
        input.options.downscaleStabilizationMs,
        now,
      );
    }
    cond('AbleToScale', 'True', n.ableToScale.reason, n.ableToScale.message);
    cond('ScalingLimited', n.scalingLimited.status, n.scalingLimited.reason, n.scalingLimited.message);
    next = { ...memory, recommendations: n.recommendations };
    desiredReplicas = n.replicas;
    rescale = desiredReplicas !== currentReplicas;
  }

  if (rescale) {
    cond('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desiredReplicas}`);
    events.push({ type: 'Normal', reason: 'SuccessfulRescale', message: `New size: ${desiredReplicas}; reason: ${rescaleReason}` });
    const afterRescale = spec?.behavior ? { ...next, ...storeScaleEvent(next, spec.behavior, currentReplicas, desiredReplicas, now) } : next;
    return {
      status: withStatus(currentReplicas, desiredReplicas, metricStatuses, true),
      events,
      rescale: { replicas: desiredReplicas, reason: rescaleReason, currentReplicas, memory: afterRescale },
      memory: next,
      ...(error ? { error } : {}),
    };
  }
  return { status: withStatus(currentReplicas, desiredReplicas, metricStatuses, false), events, memory: next, ...(error ? { error } : {}) };
}

/**
 * The scale update failed: upstream's FailedRescale event, AbleToScale False/FailedUpdateScale, the status without the
 * new size (desiredReplicas and lastScaleTime as they were), the scale event not remembered.
 */
export function rescaleFailed(d: Decision, before: HPA, err: string, now: number): Decision {
  const r = d.rescale!;
  const conditions = setCondition(d.status.conditions ?? [], 'AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${err}`, now);
  const status: Status = { ...d.status, conditions, desiredReplicas: before.status?.desiredReplicas ?? 0 };
  if (before.status?.lastScaleTime) status.lastScaleTime = before.status.lastScaleTime;
  else delete status.lastScaleTime;
  const events = d.events.filter((e) => e.reason !== 'SuccessfulRescale');
  events.push({ type: 'Warning', reason: 'FailedRescale', message: `New size: ${r.replicas}; reason: ${r.reason}; error: ${err}` });
  const ref = before.spec?.scaleTargetRef;
  return { status, events, memory: d.memory, error: `failed to rescale ${ref?.kind ?? ''}/${before.metadata?.namespace ?? ''}/${ref?.name ?? ''}: ${err}` };
}
