/**
 * The HPA controller's pure parts: upstream's replica math (replica_calculator.go, with cases of its
 * replica_calculator_test.go and the documented "Algorithm details"), the stabilization windows and scaling
 * policies (horizontal.go), the scale target lookup and one reconcile decision at a time.
 */
import { describe, expect, it } from 'vitest';
import {
  calculatePodRequests,
  plainMetricReplicas,
  resourceReplicas,
  DEFAULT_CALC_OPTIONS,
  type PodMetricsInfo,
} from '../../../control-plane/controllers/podautoscaler/replica-calculator.js';
import {
  convertDesiredReplicasWithBehaviorRate,
  convertDesiredReplicasWithRules,
  normalizeDesiredReplicas,
  normalizeDesiredReplicasWithBehaviors,
  stabilizeRecommendation,
  storeScaleEvent,
  type ScaleEvent,
} from '../../../control-plane/controllers/podautoscaler/behavior.js';
import { decideAutoscaler, podMetricsInfo, rescaleFailed, type DecideInput, type HPA } from '../../../control-plane/controllers/podautoscaler/decide.js';
import { parseLabelSelector } from '../../../api/labels.js';
import { POD_METRICS, restPodMetrics } from '../../../control-plane/controllers/podautoscaler/metrics-source.js';
import { resourcePath } from '../../../api/resources.js';
import { scaleTargetResource } from '../../../control-plane/controllers/podautoscaler/scale-target.js';
import { scaleDownRulesWithDefaults, scaleUpRulesWithDefaults } from '../../../api/strategies/autoscaling.js';
import type { Pod } from '../../../control-plane/controllers/util/types.js';

const NOW = Date.parse('2026-12-05T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
/** A Running pod started long ago, Ready (or not) since then, with a CPU (and memory) request per container. */
function pod(name: string, requestMilli: number[], opts: { ready?: boolean; phase?: string; deleting?: boolean; startedAgoMs?: number; readySinceMs?: number } = {}): Pod {
  const start = NOW - (opts.startedAgoMs ?? 10 * 60_000);
  return {
    metadata: { name, namespace: 'default', labels: { app: 'web' }, ...(opts.deleting ? { deletionTimestamp: iso(NOW) } : {}) },
    spec: { containers: requestMilli.map((m, i) => ({ name: `c${i}`, resources: { requests: { cpu: `${m}m`, memory: '100Mi' } } })) },
    status: {
      phase: opts.phase ?? 'Running',
      startTime: iso(start),
      // an unready pod has never been ready: its condition turned False right after it started
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: iso(opts.ready === false ? start + 10_000 : NOW - (opts.readySinceMs ?? 9 * 60_000)) }],
    },
  };
}
const metrics = (values: Record<string, number>, timestamp = NOW, windowMs = 30_000): PodMetricsInfo =>
  new Map(Object.entries(values).map(([k, v]) => [k, { value: v, timestamp, windowMs }]));
const O = { ...DEFAULT_CALC_OPTIONS, now: NOW };

describe('replica calculator (upstream replica_calculator.go)', () => {
  // currentReplicas, requests (millicores per pod), usages (millicores), readiness, target %, expected replicas, utilization %, raw average
  const cases: [string, number, number[], number[], boolean[], number, number, number, number][] = [
    ['scale up (TestReplicaCalcScaleUp)', 3, [1000, 1000, 1000], [300, 500, 700], [true, true, true], 30, 5, 50, 500],
    ['scale up with an unready pod counted as 0% (TestReplicaCalcScaleUpUnreadyLessScale)', 3, [1000, 1000, 1000], [300, 500, 700], [false, true, true], 30, 4, 60, 600],
    ['unready pods cancel the scale up (TestReplicaCalcScaleUpUnreadyNoScale)', 3, [1000, 1000, 1000], [400, 500, 700], [true, false, false], 30, 3, 40, 400],
    ['scale down (TestReplicaCalcScaleDown)', 5, [1000, 1000, 1000, 1000, 1000], [100, 300, 500, 250, 250], [true, true, true, true, true], 50, 3, 28, 280],
    ['within the tolerance (TestReplicaCalcTolerance)', 3, [900, 1000, 1100], [1010, 1030, 1020], [true, true, true], 100, 3, 102, 1020],
    ['docs: 200m against 100m doubles', 2, [1000, 1000], [200, 200], [true, true], 10, 4, 20, 200],
    ['docs: 50m against 100m halves', 4, [1000, 1000, 1000, 1000], [50, 50, 50, 50], [true, true, true, true], 10, 2, 5, 50],
    ['ratio 1.08 is within the 0.1 tolerance', 4, [100, 100, 100, 100], [54, 54, 54, 54], [true, true, true, true], 50, 4, 54, 54],
    ['ratio 1.1 is not, in float64 (|1 - 1.1| > 0.1)', 4, [100, 100, 100, 100], [55, 55, 55, 55], [true, true, true, true], 50, 5, 55, 55],
  ];
  it.each(cases)('%s', (_n, current, requests, usages, ready, target, want, util, raw) => {
    const pods = requests.map((r, i) => pod(`p${i}`, [r], { ready: ready[i] }));
    const m = metrics(Object.fromEntries(usages.map((u, i) => [`p${i}`, u])));
    expect(resourceReplicas(current, target, 'cpu', '', pods, m, O)).toEqual({ replicas: want, utilization: util, rawUtilization: raw });
  });

  it('missing pods count as 100% of their request on a scale down and 0% on a scale up', () => {
    const pods = [pod('a', [1000]), pod('b', [1000]), pod('c', [1000]), pod('d', [1000])];
    // scale down: a and b at 10%, c and d missing (100%): (100+100+1000+1000)/4000 = 55% of a 50% target: within tolerance
    expect(resourceReplicas(4, 50, 'cpu', '', pods, metrics({ a: 100, b: 100 }), O).replicas).toBe(4);
    // scale down without missing pods would be 1
    expect(resourceReplicas(4, 50, 'cpu', '', pods, metrics({ a: 100, b: 100, c: 100, d: 100 }), O).replicas).toBe(1);
    // scale up: a and b at 100% (ratio 2), c and d missing (0%): 2000/4000 = 50%: the target exactly, no change
    expect(resourceReplicas(4, 50, 'cpu', '', pods, metrics({ a: 1000, b: 1000 }), O).replicas).toBe(4);
    // scale up: a and b at 200%: 4000/4000 = 100% of 50%: 2 × 4 = 8
    expect(resourceReplicas(4, 50, 'cpu', '', pods, metrics({ a: 2000, b: 2000 }), O).replicas).toBe(8);
  });

  it('ignores deleting and Failed pods, counts Pending ones as unready', () => {
    const pods = [pod('a', [1000]), pod('b', [1000], { deleting: true }), pod('c', [1000], { phase: 'Failed' }), pod('d', [1000], { phase: 'Pending' })];
    // a at 100% of a 50% target; d is Pending: counted as 0% on the scale up: 1000/2000 = 50%: no change
    expect(resourceReplicas(2, 50, 'cpu', '', pods, metrics({ a: 1000, b: 5000, c: 5000 }), O).replicas).toBe(2);
  });

  it('a pod inside the CPU initialization period without a full metric window since it turned Ready is unready', () => {
    const young = pod('a', [1000], { startedAgoMs: 60_000, readySinceMs: 10_000 });
    expect(() => resourceReplicas(1, 50, 'cpu', '', [young], metrics({ a: 1000 }, NOW, 30_000), O)).toThrow('did not receive metrics for targeted pods (pods might be unready)');
    // a full window after the transition: counted
    expect(resourceReplicas(1, 50, 'cpu', '', [young], metrics({ a: 1000 }, NOW, 5_000), O).replicas).toBe(2);
    // memory is never held back by readiness
    expect(plainMetricReplicas(1, 50, 'memory', [young], metrics({ a: 100 }, NOW, 30_000), O).replicas).toBe(2);
  });

  it("upstream's errors", () => {
    expect(() => resourceReplicas(1, 50, 'cpu', '', [], metrics({}), O)).toThrow('no pods returned by selector while calculating replica count');
    const noRequest: Pod = { ...pod('a', [1000]), spec: { containers: [{ name: 'nginx' }] } };
    expect(() => resourceReplicas(1, 50, 'cpu', '', [noRequest], metrics({ a: 10 }), O)).toThrow('missing request for cpu in container nginx of Pod a');
  });

  it('requests: every container and restartable init container (sidecar), or the one container named', () => {
    const p: Pod = {
      metadata: { name: 'p' },
      spec: {
        containers: [{ name: 'app', resources: { requests: { cpu: '100m' } } }],
        initContainers: [
          { name: 'init', resources: { requests: { cpu: '20m' } } },
          { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
        ],
      },
    };
    expect(calculatePodRequests([p], '', 'cpu').get('p')).toBe(150);
    expect(calculatePodRequests([p], 'app', 'cpu').get('p')).toBe(100);
  });

  it('an AverageValue target (calcPlainMetricReplicas): missing pods count as the target on a scale down', () => {
    const pods = [pod('a', [100]), pod('b', [100]), pod('c', [100])];
    // 300Mi and 100Mi against 100Mi: ratio 2 -> 2 ready pods × 2 = 4 ... with c missing (0 on the way up): 400/3 = 133 -> ceil(1.33×3) = 4
    const mi = 1024 * 1024 * 1000;
    expect(plainMetricReplicas(3, 100 * mi, 'memory', pods, metrics({ a: 300 * mi, b: 100 * mi }), O)).toEqual({ replicas: 4, usage: 200 * mi });
    // 10Mi each, c missing (counted as 100Mi on the way down): (10+10+100)/3 = 40Mi -> ceil(0.4×3) = 2
    expect(plainMetricReplicas(3, 100 * mi, 'memory', pods, metrics({ a: 10 * mi, b: 10 * mi }), O).replicas).toBe(2);
  });
});

describe('stabilization and scaling rules (upstream horizontal.go)', () => {
  it('without behavior: the highest recommendation of the downscale window wins; expired samples are replaced', () => {
    const recs = [
      { recommendation: 7, timestamp: NOW - 400_000 },
      { recommendation: 5, timestamp: NOW - 10_000 },
    ];
    const r = stabilizeRecommendation(recs, 3, 300_000, NOW);
    expect(r.recommendation).toBe(5);
    expect(r.recommendations).toEqual([{ recommendation: 3, timestamp: NOW }, recs[1]]);
    const n = normalizeDesiredReplicas(recs, 6, 3, 1, 10, 300_000, NOW);
    expect(n.replicas).toBe(5);
    expect(n.ableToScale).toEqual({ reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' });
    expect(n.scalingLimited).toEqual({ status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' });
  });

  it('without behavior: min, max and the scale-up limit max(2 × current, 4)', () => {
    expect(convertDesiredReplicasWithRules(1, 10, 1, 20)).toEqual({ replicas: 4, reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' });
    expect(convertDesiredReplicasWithRules(5, 30, 1, 20)).toEqual({ replicas: 10, reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' });
    expect(convertDesiredReplicasWithRules(5, 30, 1, 8)).toEqual({ replicas: 8, reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' });
    expect(convertDesiredReplicasWithRules(5, 1, 2, 8)).toEqual({ replicas: 2, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' });
    expect(convertDesiredReplicasWithRules(5, 6, 2, 8)).toEqual({ replicas: 6, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' });
  });

  const up = scaleUpRulesWithDefaults(undefined);
  const down = scaleDownRulesWithDefaults(undefined);
  const args = (current: number, desired: number, o: { up?: typeof up; down?: typeof down; min?: number; max?: number } = {}) => ({
    scaleUp: o.up ?? up,
    scaleDown: { stabilizationWindowSeconds: 0, ...(o.down ?? down) },
    min: o.min ?? 1,
    max: o.max ?? 100,
    current,
    desired,
  });
  // current, desired, rules, up events, down events, expected replicas, reason
  const rate: [string, ReturnType<typeof args>, ScaleEvent[], ScaleEvent[], number, string][] = [
    ['default scale up: max(+4 pods, +100%) from 1', args(1, 10), [], [], 5, 'ScaleUpLimit'],
    ['default scale up: max(+4, +100%) from 10', args(10, 100, { max: 50 }), [], [], 20, 'ScaleUpLimit'],
    ['selectPolicy Min takes the smaller change', args(10, 100, { up: { ...up, selectPolicy: 'Min' } }), [], [], 14, 'ScaleUpLimit'],
    ['selectPolicy Disabled does not scale up', args(10, 100, { up: { ...up, selectPolicy: 'Disabled' } }), [], [], 10, 'ScaleUpLimit'],
    ['maxReplicas below the rate limit', args(10, 100, { max: 12 }), [], [], 12, 'TooManyReplicas'],
    ['replicas added in the period count against it', args(8, 100, { up: { ...up, policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }] } }), [{ replicaChange: 4, timestamp: NOW - 30_000, outdated: false }], [], 8, 'ScaleUpLimit'],
    ['an event older than the period does not', args(8, 100, { up: { ...up, policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }] } }), [{ replicaChange: 4, timestamp: NOW - 90_000, outdated: false }], [], 12, 'ScaleUpLimit'],
    ['default scale down: all at once, to minReplicas', args(10, 1), [], [], 1, 'DesiredWithinRange'],
    ['scale down by 1 pod a minute', args(10, 2, { down: { ...down, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } }), [], [], 9, 'ScaleDownLimit'],
    ['scale down by 10% (rounded down)', args(10, 2, { down: { ...down, policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] } }), [], [], 9, 'ScaleDownLimit'],
    [
      'one pod removed this minute already: no further scale down',
      args(9, 2, { down: { ...down, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } }),
      [],
      [{ replicaChange: 1, timestamp: NOW - 10_000, outdated: false }],
      9,
      'ScaleDownLimit',
    ],
    ['below minReplicas', args(10, 1, { min: 3 }), [], [], 3, 'TooFewReplicas'],
  ];
  it.each(rate)('%s', (_n, a, ups, downs, want, reason) => {
    const r = convertDesiredReplicasWithBehaviorRate(a, ups, downs, NOW);
    expect([r.replicas, r.reason]).toEqual([want, reason]);
  });

  it('with behavior: the scale-up window holds a scale up at its lowest recommendation, the scale-down window a scale down at its highest', () => {
    const recs = [{ recommendation: 2, timestamp: NOW - 10_000 }];
    const a = args(2, 6, { up: { ...up, stabilizationWindowSeconds: 60 } });
    const n = normalizeDesiredReplicasWithBehaviors(recs, [], [], a, 300_000, NOW);
    expect(n.replicas).toBe(2);
    expect(n.ableToScale).toEqual({ reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' });
    // scaleDown.stabilizationWindowSeconds unset: the controller's --horizontal-pod-autoscaler-downscale-stabilization
    const d = normalizeDesiredReplicasWithBehaviors([{ recommendation: 8, timestamp: NOW - 100_000 }], [], [], { ...args(8, 2), scaleDown: down }, 300_000, NOW);
    expect(d.replicas).toBe(8);
    expect(d.ableToScale.reason).toBe('ScaleDownStabilized');
    // a 60 s window: that recommendation has expired
    expect(normalizeDesiredReplicasWithBehaviors([{ recommendation: 8, timestamp: NOW - 100_000 }], [], [], { ...args(8, 2), scaleDown: { ...down, stabilizationWindowSeconds: 60 } }, 300_000, NOW).replicas).toBe(2);
  });

  it('scale events: recorded per direction, reusing an outdated slot', () => {
    const e = storeScaleEvent({ up: [{ replicaChange: 1, timestamp: NOW - 120_000, outdated: false }], down: [] }, { scaleUp: up }, 2, 5, NOW);
    expect(e.up).toEqual([{ replicaChange: 3, timestamp: NOW, outdated: false }]);
    const d = storeScaleEvent(e, { scaleDown: down }, 5, 4, NOW);
    expect(d.down).toEqual([{ replicaChange: 1, timestamp: NOW, outdated: false }]);
    expect(d.up).toBe(e.up);
  });
});

describe('scale target lookup', () => {
  it('finds the resource of a group and kind, or says what the RESTMapper says', () => {
    expect(scaleTargetResource({ apiVersion: 'apps/v1', kind: 'Deployment' }, [])).toMatchObject({ group: 'apps', plural: 'deployments', version: 'v1' });
    expect(scaleTargetResource({ apiVersion: 'apps/v1', kind: 'ReplicaSet' }, [])).toMatchObject({ plural: 'replicasets' });
    expect(scaleTargetResource({ apiVersion: 'apps/v1', kind: 'Nope' }, [])).toEqual({ error: 'no matches for kind "Nope" in group "apps"' });
    expect(scaleTargetResource({ apiVersion: 'a/b/c', kind: 'X' }, [])).toEqual({ error: 'unexpected GroupVersion string: a/b/c' });
    const crd = {
      spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true }] },
      status: { conditions: [{ type: 'Established', status: 'True' }], acceptedNames: { plural: 'widgets', kind: 'Widget' } },
    };
    expect(scaleTargetResource({ apiVersion: 'example.com/v1', kind: 'Widget' }, [crd as never])).toMatchObject({ group: 'example.com', plural: 'widgets', version: 'v1' });
  });
});

describe('the resource metrics source', () => {
  it('lists metrics.k8s.io/v1beta1 PodMetrics of the namespace with the target selector, through the API server', async () => {
    expect(resourcePath(POD_METRICS, 'default')).toBe('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
    const asked: unknown[] = [];
    const client = {
      list: async (info: unknown, ns: unknown, opts: unknown) => {
        asked.push([resourcePath(info as typeof POD_METRICS, ns as string), opts]);
        return { items: [{ metadata: { name: 'a' } }] };
      },
    };
    expect(await restPodMetrics(client as never).list('default', 'app=web')).toEqual([{ metadata: { name: 'a' } }]);
    expect(asked).toEqual([['/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', { labelSelector: 'app=web' }]]);
  });
});

describe('decideAutoscaler (reconcileAutoscaler)', () => {
  const hpa = (spec: Partial<NonNullable<HPA['spec']>> = {}): HPA => ({
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      ...spec,
    },
    status: { desiredReplicas: 0 },
  });
  const pods = [pod('a', [100]), pod('b', [100])];
  const podMetrics = (milli: number) => pods.map((p) => ({ metadata: { name: p.metadata!.name, namespace: 'default' }, timestamp: iso(NOW), window: '30s', containers: [{ name: 'c0', usage: { cpu: `${milli}m` } }] }));
  const input = (o: Partial<DecideInput> = {}): DecideInput => ({
    hpa: hpa(),
    scale: { specReplicas: 2, statusReplicas: 2, selector: 'app=web' },
    pods,
    podMetrics: podMetrics(100),
    memory: undefined,
    now: NOW,
    options: { ...DEFAULT_CALC_OPTIONS, downscaleStabilizationMs: 300_000 },
    ...o,
  });
  const cond = (d: { status: { conditions?: { type: string; message?: string }[] | null } }, type: string) => d.status.conditions?.find((c) => c.type === type);

  it('scales up with SuccessfulRescale, the metric status and the three conditions', () => {
    const d = decideAutoscaler(input());
    expect(d.rescale).toMatchObject({ replicas: 4, reason: 'cpu resource utilization (percentage of request) above target' });
    expect(d.events).toEqual([{ type: 'Normal', reason: 'SuccessfulRescale', message: 'New size: 4; reason: cpu resource utilization (percentage of request) above target' }]);
    expect(d.status).toMatchObject({
      currentReplicas: 2,
      desiredReplicas: 4,
      lastScaleTime: iso(NOW),
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 100, averageValue: '100m' } } }],
    });
    expect(d.status.conditions).toEqual([
      { type: 'AbleToScale', status: 'True', lastTransitionTime: iso(NOW), reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 4' },
      { type: 'ScalingActive', status: 'True', lastTransitionTime: iso(NOW), reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' },
      { type: 'ScalingLimited', status: 'False', lastTransitionTime: iso(NOW), reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' },
    ]);
    const failed = rescaleFailed(d, hpa(), 'the server rejected our request', NOW);
    expect(failed.events.at(-1)).toEqual({ type: 'Warning', reason: 'FailedRescale', message: 'New size: 4; reason: cpu resource utilization (percentage of request) above target; error: the server rejected our request' });
    expect(cond(failed, 'AbleToScale')).toMatchObject({ status: 'False', reason: 'FailedUpdateScale', message: 'the HPA controller was unable to update the target scale: the server rejected our request' });
    expect(failed.status.desiredReplicas).toBe(0);
    expect(failed.status.lastScaleTime).toBeUndefined();
  });

  it('a condition keeps its lastTransitionTime while its status stays', () => {
    const before = iso(NOW - 60_000);
    const h = hpa();
    h.status = { desiredReplicas: 2, conditions: [{ type: 'ScalingActive', status: 'True', lastTransitionTime: before, reason: 'ValidMetricFound', message: 'x' }] };
    const d = decideAutoscaler(input({ hpa: h, podMetrics: podMetrics(50) }));
    expect(d.rescale).toBeUndefined();
    expect(cond(d, 'ScalingActive')).toMatchObject({ lastTransitionTime: before });
    expect(cond(d, 'AbleToScale')).toMatchObject({ reason: 'ReadyForNewScale', message: 'recommended size matches current size' });
  });

  it('the scale cannot be read: AbleToScale False/FailedGetScale', () => {
    const d = decideAutoscaler(input({ scale: { error: 'deployments.apps "web" not found' } }));
    expect(d.rescale).toBeUndefined();
    expect(d.events).toEqual([{ type: 'Warning', reason: 'FailedGetScale', message: 'deployments.apps "web" not found' }]);
    expect(cond(d, 'AbleToScale')).toMatchObject({ status: 'False', reason: 'FailedGetScale', message: 'the HPA controller was unable to get the target\'s current scale: deployments.apps "web" not found' });
    expect(d.error).toBe('failed to query scale subresource for Deployment/default/web: deployments.apps "web" not found');
  });

  it('a target scaled to zero disables autoscaling; one outside min/max is brought back', () => {
    const off = decideAutoscaler(input({ scale: { specReplicas: 0, statusReplicas: 0, selector: 'app=web' } }));
    expect(off.rescale).toBeUndefined();
    expect(cond(off, 'ScalingActive')).toMatchObject({ status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
    const high = decideAutoscaler(input({ scale: { specReplicas: 12, statusReplicas: 12, selector: 'app=web' } }));
    expect(high.rescale).toMatchObject({ replicas: 10, reason: 'Current number of replicas above Spec.MaxReplicas' });
    const low = decideAutoscaler(input({ hpa: hpa({ minReplicas: 3 }) }));
    expect(low.rescale).toMatchObject({ replicas: 3, reason: 'Current number of replicas below Spec.MinReplicas' });
  });

  it('the metrics API fails: ScalingActive False/FailedGetResourceMetric and FailedComputeMetricsReplicas, as upstream words them', () => {
    const d = decideAutoscaler(input({ podMetrics: { error: 'the server could not find the requested resource (get pods.metrics.k8s.io)' } }));
    expect(d.rescale).toBeUndefined();
    const inner = 'failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)';
    expect(d.events).toEqual([
      { type: 'Warning', reason: 'FailedGetResourceMetric', message: inner },
      { type: 'Warning', reason: 'FailedComputeMetricsReplicas', message: `invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: ${inner}` },
    ]);
    expect(cond(d, 'ScalingActive')).toMatchObject({ status: 'False', reason: 'FailedGetResourceMetric', message: `the HPA was unable to compute the replica count: ${inner}` });
    expect(d.status.currentMetrics).toEqual([{ type: '' }]);
    const none = decideAutoscaler(input({ podMetrics: [] }));
    expect(cond(none, 'ScalingActive')?.message).toBe('the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API');
  });

  it('one metric failing does not stop a scale up on another; it does stop a scale down', () => {
    const two = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
    ];
    const upD = decideAutoscaler(input({ hpa: hpa({ metrics: two }) }));
    expect(upD.rescale?.replicas).toBe(4);
    expect(upD.error).toBe('invalid metrics (1 invalid out of 2), first error is: failed to get pods metric value: unable to get metric qps: no custom metrics API (custom.metrics.k8s.io) registered');
    const downD = decideAutoscaler(input({ hpa: hpa({ metrics: two }), podMetrics: podMetrics(10) }));
    expect(downD.rescale).toBeUndefined();
    expect(cond(downD, 'ScalingActive')).toMatchObject({ status: 'False', reason: 'FailedGetPodsMetric' });
  });

  it('two HPAs over the same pods: ScalingActive False/AmbiguousSelector', () => {
    const d = decideAutoscaler(input({ otherSelectors: [{ key: 'default/other', selector: parseLabelSelector('app') }, { key: 'default/far', selector: parseLabelSelector('app=db') }] }));
    expect(d.rescale).toBeUndefined();
    const msg = 'pods by selector app=web are controlled by multiple HPAs: [default/other default/web]';
    expect(d.events.slice(0, 2)).toEqual([
      { type: 'Warning', reason: 'AmbiguousSelector', message: msg },
      { type: 'Warning', reason: 'FailedComputeMetricsReplicas', message: msg },
    ]);
    expect(cond(d, 'ScalingActive')).toMatchObject({ status: 'False', reason: 'AmbiguousSelector', message: msg });
  });

  it('a scale without a selector', () => {
    const d = decideAutoscaler(input({ scale: { specReplicas: 2, statusReplicas: 2, selector: '' } }));
    expect(d.events[0]).toEqual({ type: 'Warning', reason: 'SelectorRequired', message: 'selector is required' });
    expect(cond(d, 'ScalingActive')).toMatchObject({ status: 'False', reason: 'InvalidSelector', message: "the HPA target's scale is missing a selector" });
  });

  it('with spec.behavior, a rescale is remembered as a scale event for the policies; a scale down waits for the window', () => {
    const h = hpa({ behavior: { scaleUp: scaleUpRulesWithDefaults(undefined), scaleDown: { ...scaleDownRulesWithDefaults(undefined), stabilizationWindowSeconds: 60 } } });
    const d = decideAutoscaler(input({ hpa: h }));
    expect(d.rescale?.memory.up).toEqual([{ replicaChange: 2, timestamp: NOW, outdated: false }]);
    expect(d.memory.up).toEqual([]);
    const mem = d.rescale!.memory;
    const later = decideAutoscaler(input({ hpa: h, scale: { specReplicas: 4, statusReplicas: 4, selector: 'app=web' }, podMetrics: podMetrics(5), memory: mem, now: NOW + 30_000 }));
    expect(later.rescale).toBeUndefined(); // the 4 of 30 s ago holds it
    expect(cond(later, 'AbleToScale')).toMatchObject({ reason: 'ScaleDownStabilized' });
    const after = decideAutoscaler(input({ hpa: h, scale: { specReplicas: 4, statusReplicas: 4, selector: 'app=web' }, podMetrics: podMetrics(5), memory: later.memory, now: NOW + 70_000 }));
    expect(after.rescale).toMatchObject({ replicas: 1, reason: 'All metrics below target' });
  });

  it('reads PodMetrics as upstream: a pod missing a container usage reports nothing', () => {
    const m = podMetricsInfo(
      [
        { metadata: { name: 'a' }, timestamp: iso(NOW), window: '15s', containers: [{ name: 'x', usage: { cpu: '10m' } }, { name: 'y', usage: { cpu: '5m' } }] },
        { metadata: { name: 'b' }, timestamp: iso(NOW), window: '15s', containers: [{ name: 'x', usage: { memory: '1Mi' } }] },
      ],
      'cpu',
      '',
    );
    expect([...m]).toEqual([['a', { timestamp: NOW, windowMs: 15_000, value: 15 }]]);
    expect(() => podMetricsInfo([{ metadata: { name: 'a', namespace: 'ns' }, containers: [] }], 'cpu', 'app')).toThrow('container app not present in metrics for pod ns/a');
  });
});
