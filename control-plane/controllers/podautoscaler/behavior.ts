/**
 * Stabilization windows and scaling policies, as upstream's horizontal.go (1.32): pure functions of an HPA's
 * recent recommendations and scale events (the controller keeps them in memory per HPA, as upstream) and the clock.
 *
 * Without spec.behavior (normalizeDesiredReplicas):
 *   recommendation = max(recommendations of the last --horizontal-pod-autoscaler-downscale-stabilization (5m), desired)
 *   then min/max replicas and the scale-up limit max(2 × current, 4)
 * With spec.behavior (normalizeDesiredReplicasWithBehaviors):
 *   up window: the lowest recommendation of scaleUp.stabilizationWindowSeconds bounds a scale up,
 *   down window: the highest of scaleDown.stabilizationWindowSeconds (unset: the flag's 300 s) bounds a scale down;
 *   then each direction's policies over the replicas added / removed in their periods (selectPolicy Max, Min, Disabled).
 */
import type { HPAScalingRules, Relaxed } from '../../../api/types/index.js';

export interface Recommendation {
  recommendation: number;
  timestamp: number;
}
export interface ScaleEvent {
  replicaChange: number;
  timestamp: number;
  outdated: boolean;
}
type Rules = Relaxed<HPAScalingRules>;

/** What a normalization decided: the replicas, and the AbleToScale / ScalingLimited conditions it implies. */
export interface Normalized {
  replicas: number;
  ableToScale: { reason: string; message: string };
  scalingLimited: { status: 'True' | 'False'; reason: string; message: string };
  recommendations: Recommendation[];
}

const SCALE_UP_LIMIT_FACTOR = 2.0;
const SCALE_UP_LIMIT_MINIMUM = 4.0;
const READY = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };

/** calculateScaleUpLimit. */
export function scaleUpLimit(currentReplicas: number): number {
  return Math.trunc(Math.max(SCALE_UP_LIMIT_FACTOR * currentReplicas, SCALE_UP_LIMIT_MINIMUM));
}

/** stabilizeRecommendation: the highest recommendation of the window; the new one replaces an expired sample or is added. */
export function stabilizeRecommendation(
  recs: readonly Recommendation[],
  desired: number,
  windowMs: number,
  now: number,
): { recommendation: number; recommendations: Recommendation[] } {
  let max = desired;
  let oldIndex = -1;
  const cutoff = now - windowMs;
  recs.forEach((r, i) => {
    if (r.timestamp < cutoff) oldIndex = i;
    else if (r.recommendation > max) max = r.recommendation;
  });
  const out = [...recs];
  if (oldIndex >= 0) out[oldIndex] = { recommendation: desired, timestamp: now };
  else out.push({ recommendation: desired, timestamp: now });
  return { recommendation: max, recommendations: out };
}

/** convertDesiredReplicasWithRules: min, max and the scale-up limit, with the ScalingLimited reason. */
export function convertDesiredReplicasWithRules(current: number, desired: number, min: number, max: number): { replicas: number; reason: string; message: string } {
  const limit = scaleUpLimit(current);
  let maximumAllowed: number;
  let reason: string;
  let message: string;
  if (max > limit) {
    maximumAllowed = limit;
    reason = 'ScaleUpLimit';
    message = 'the desired replica count is increasing faster than the maximum scale rate';
  } else {
    maximumAllowed = max;
    reason = 'TooManyReplicas';
    message = 'the desired replica count is more than the maximum replica count';
  }
  if (desired < min) return { replicas: min, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
  if (desired > maximumAllowed) return { replicas: maximumAllowed, reason, message };
  return { replicas: desired, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
}

/** normalizeDesiredReplicas: an HPA without spec.behavior. */
export function normalizeDesiredReplicas(
  recs: readonly Recommendation[],
  current: number,
  desired: number,
  min: number,
  max: number,
  downscaleStabilizationMs: number,
  now: number,
): Normalized {
  const { recommendation, recommendations } = stabilizeRecommendation(recs, desired, downscaleStabilizationMs, now);
  const ableToScale =
    recommendation !== desired
      ? { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
      : READY;
  const r = convertDesiredReplicasWithRules(current, recommendation, min, max);
  return {
    replicas: r.replicas,
    ableToScale,
    scalingLimited: { status: r.replicas === recommendation ? 'False' : 'True', reason: r.reason, message: r.message },
    recommendations,
  };
}

/** getReplicasChangePerPeriod: replicas added (or removed) by the events of the last periodSeconds. */
export function replicasChangePerPeriod(periodSeconds: number, events: readonly ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let replicas = 0;
  for (const e of events) if (e.timestamp > cutoff) replicas += e.replicaChange;
  return replicas;
}

const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimitWithRules(current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: Rules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const minChange = rules.selectPolicy === 'Min';
  let result = minChange ? INT32_MAX : INT32_MIN;
  for (const p of rules.policies ?? []) {
    const added = replicasChangePerPeriod(p.periodSeconds ?? 0, upEvents, now);
    const deleted = replicasChangePerPeriod(p.periodSeconds ?? 0, downEvents, now);
    const periodStart = current - added + deleted;
    // a Percent proposal rounds up, else a small target would never grow
    const proposed = p.type === 'Pods' ? periodStart + (p.value ?? 0) : p.type === 'Percent' ? Math.ceil(periodStart * (1 + (p.value ?? 0) / 100)) : 0;
    result = minChange ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors. */
export function scaleDownLimitWithRules(current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: Rules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const minChange = rules.selectPolicy === 'Min';
  let result = minChange ? INT32_MIN : INT32_MAX;
  for (const p of rules.policies ?? []) {
    const added = replicasChangePerPeriod(p.periodSeconds ?? 0, upEvents, now);
    const deleted = replicasChangePerPeriod(p.periodSeconds ?? 0, downEvents, now);
    const periodStart = current - added + deleted;
    const proposed = p.type === 'Pods' ? periodStart - (p.value ?? 0) : p.type === 'Percent' ? Math.trunc(periodStart * (1 - (p.value ?? 0) / 100)) : 0;
    result = minChange ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

export interface BehaviorArgs {
  scaleUp: Rules;
  scaleDown: Rules;
  min: number;
  max: number;
  current: number;
  desired: number;
}

/** stabilizeRecommendationWithBehaviors: both windows bound the recommendation; the unstabilized one is recorded. */
export function stabilizeRecommendationWithBehaviors(
  recs: readonly Recommendation[],
  a: BehaviorArgs,
  now: number,
): { recommendation: number; reason: string; message: string; recommendations: Recommendation[] } {
  let up = a.desired;
  let down = a.desired;
  const upCutoff = now - (a.scaleUp.stabilizationWindowSeconds ?? 0) * 1000;
  const downCutoff = now - (a.scaleDown.stabilizationWindowSeconds ?? 0) * 1000;
  let oldIndex = -1;
  recs.forEach((r, i) => {
    if (r.timestamp > upCutoff) up = Math.min(r.recommendation, up);
    if (r.timestamp > downCutoff) down = Math.max(r.recommendation, down);
    if (r.timestamp < upCutoff && r.timestamp < downCutoff) oldIndex = i;
  });
  let recommendation = a.current;
  if (recommendation < up) recommendation = up;
  if (recommendation > down) recommendation = down;
  const out = [...recs];
  if (oldIndex >= 0) out[oldIndex] = { recommendation: a.desired, timestamp: now };
  else out.push({ recommendation: a.desired, timestamp: now });
  return a.desired >= a.current
    ? { recommendation, reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation', recommendations: out }
    : { recommendation, reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation', recommendations: out };
}

/** convertDesiredReplicasWithBehaviorRate: the policies' limits, then min and max. */
export function convertDesiredReplicasWithBehaviorRate(
  a: BehaviorArgs,
  upEvents: readonly ScaleEvent[],
  downEvents: readonly ScaleEvent[],
  now: number,
): { replicas: number; reason: string; message: string } {
  if (a.desired > a.current) {
    let limit = scaleUpLimitWithRules(a.current, upEvents, downEvents, a.scaleUp, now);
    if (limit < a.current) limit = a.current; // no further scale up until the scale-up events are cleaned up
    let maximumAllowed = a.max;
    let reason = 'TooManyReplicas';
    let message = 'the desired replica count is more than the maximum replica count';
    if (maximumAllowed > limit) {
      maximumAllowed = limit;
      reason = 'ScaleUpLimit';
      message = 'the desired replica count is increasing faster than the maximum scale rate';
    }
    if (a.desired > maximumAllowed) return { replicas: maximumAllowed, reason, message };
  } else if (a.desired < a.current) {
    let limit = scaleDownLimitWithRules(a.current, upEvents, downEvents, a.scaleDown, now);
    if (limit > a.current) limit = a.current;
    let minimumAllowed = a.min;
    let reason = 'TooFewReplicas';
    let message = 'the desired replica count is less than the minimum replica count';
    if (minimumAllowed < limit) {
      minimumAllowed = limit;
      reason = 'ScaleDownLimit';
      message = 'the desired replica count is decreasing faster than the maximum scale rate';
    }
    if (a.desired < minimumAllowed) return { replicas: minimumAllowed, reason, message };
  }
  return { replicas: a.desired, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
}

/** normalizeDesiredReplicasWithBehaviors (scaleDown.stabilizationWindowSeconds unset: the flag's window). */
export function normalizeDesiredReplicasWithBehaviors(
  recs: readonly Recommendation[],
  upEvents: readonly ScaleEvent[],
  downEvents: readonly ScaleEvent[],
  a: BehaviorArgs,
  downscaleStabilizationMs: number,
  now: number,
): Normalized {
  const args: BehaviorArgs = {
    ...a,
    scaleDown: { ...a.scaleDown, stabilizationWindowSeconds: a.scaleDown.stabilizationWindowSeconds ?? Math.trunc(downscaleStabilizationMs / 1000) },
  };
  const s = stabilizeRecommendationWithBehaviors(recs, args, now);
  const ableToScale = s.recommendation !== a.desired ? { reason: s.reason, message: s.message } : READY;
  const r = convertDesiredReplicasWithBehaviorRate({ ...args, desired: s.recommendation }, upEvents, downEvents, now);
  return {
    replicas: r.replicas,
    ableToScale,
    scalingLimited: { status: r.replicas === s.recommendation ? 'False' : 'True', reason: r.reason, message: r.message },
    recommendations: s.recommendations,
  };
}

/** getLongestPolicyPeriod. */
function longestPolicyPeriod(rules: Rules | undefined): number {
  let longest = 0;
  for (const p of rules?.policies ?? []) longest = Math.max(longest, p.periodSeconds ?? 0);
  return longest;
}

/** storeScaleEvent: a rescale is recorded (into an outdated slot, else appended) in its direction's events; only with spec.behavior. */
export function storeScaleEvent(
  events: { up: ScaleEvent[]; down: ScaleEvent[] },
  behavior: { scaleUp?: Rules | null; scaleDown?: Rules | null },
  prev: number,
  next: number,
  now: number,
): { up: ScaleEvent[]; down: ScaleEvent[] } {
  const up = next > prev;
  const rules = up ? behavior.scaleUp : behavior.scaleDown;
  const cutoff = now - longestPolicyPeriod(rules ?? undefined) * 1000;
  // markScaleEventsOutdated
  const list = (up ? events.up : events.down).map((e) => (e.timestamp < cutoff ? { ...e, outdated: true } : e));
  const event: ScaleEvent = { replicaChange: Math.abs(next - prev), timestamp: now, outdated: false };
  const i = list.findIndex((e) => e.outdated);
  if (i >= 0) list[i] = event;
  else list.push(event);
  return up ? { up: list, down: events.down } : { up: events.up, down: list };
}
