/**
 * autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscaler are two views of the same stored objects
 * (/registry/horizontalpodautoscalers, stored as autoscaling/v2), as upstream (pkg/apis/autoscaling/v1/conversion.go):
 * v1 says only the CPU utilization target; everything else travels in annotations of the v1 view and comes back
 * from them on the way in:
 *   autoscaling.alpha.kubernetes.io/metrics          the other metrics, as autoscaling/v1 MetricSpecs (v2beta1's shape)
 *   autoscaling.alpha.kubernetes.io/behavior         spec.behavior, as upstream marshals its internal type (Go field names)
 *   autoscaling.alpha.kubernetes.io/current-metrics  status.currentMetrics, as autoscaling/v1 MetricStatuses
 *   autoscaling.alpha.kubernetes.io/conditions       status.conditions
 * Pure functions over JSON objects.
 */
type Obj = Record<string, unknown>;

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_SPECS_ANNOTATION];
/** autoscaling/v1 formerly had an implicit default in the controller; the conversion applies it explicitly. */
const DEFAULT_CPU_UTILIZATION = 80;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const has = (v: unknown): boolean => v !== undefined && v !== null;
/** Copy the keys whose value is set. */
function pick(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (has(v)) out[k] = v;
  return out;
}

function parseJSON(s: unknown): unknown {
  if (typeof s !== 'string') return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** The metadata without the round-trip annotations (DropRoundTripHorizontalPodAutoscalerAnnotations). */
function withoutRoundTrip(meta: Obj): { meta: Obj; annotations: Record<string, string> } {
  const annotations = { ...(obj(meta.annotations) as Record<string, string>) };
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations)) if (!ROUND_TRIP.includes(k)) kept[k] = v;
  const out: Obj = { ...meta };
  if (Object.keys(kept).length) out.annotations = kept;
  else delete out.annotations;
  return { meta: out, annotations };
}

const isCpuUtilization = (m: Obj): boolean => m.type === 'Resource' && obj(m.resource).name === 'cpu' && has(obj(obj(m.resource).target).averageUtilization);

// ---------------------------------------------------------------- metric specs, v2 <-> v1 (v2beta1's shape)

function metricSpecToV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const t = (src: Obj): Obj => obj(src.target);
  if (isObj(m.resource)) {
    const r = m.resource;
    out.resource = pick({ name: r.name, targetAverageUtilization: t(r).averageUtilization, targetAverageValue: t(r).averageValue });
  }
  if (isObj(m.containerResource)) {
    const r = m.containerResource;
    out.containerResource = pick({ name: r.name, targetAverageUtilization: t(r).averageUtilization, targetAverageValue: t(r).averageValue, container: r.container });
  }
  if (isObj(m.pods)) {
    const p = m.pods;
    out.pods = pick({ metricName: obj(p.metric).name, targetAverageValue: t(p).averageValue, selector: obj(p.metric).selector });
  }
  if (isObj(m.object)) {
    const o = m.object;
    out.object = pick({ target: o.describedObject, metricName: obj(o.metric).name, targetValue: t(o).value, selector: obj(o.metric).selector, averageValue: t(o).averageValue });
  }
  if (isObj(m.external)) {
    const e = m.external;
    out.external = pick({ metricName: obj(e.metric).name, metricSelector: obj(e.metric).selector, targetValue: t(e).value, targetAverageValue: t(e).averageValue });
  }
  return out;
}

function metricSpecFromV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const metric = (name: unknown, selector: unknown): Obj => pick({ name, selector });
  if (isObj(m.resource)) {
    const r = m.resource;
    out.resource = { name: r.name, target: has(r.targetAverageUtilization) ? { type: 'Utilization', averageUtilization: r.targetAverageUtilization } : pick({ type: 'AverageValue', averageValue: r.targetAverageValue }) };
  }
  if (isObj(m.containerResource)) {
    const r = m.containerResource;
    out.containerResource = {
      name: r.name,
      container: r.container,
      target: has(r.targetAverageUtilization) ? { type: 'Utilization', averageUtilization: r.targetAverageUtilization } : pick({ type: 'AverageValue', averageValue: r.targetAverageValue }),
    };
  }
  if (isObj(m.pods)) {
    const p = m.pods;
    out.pods = { metric: metric(p.metricName, p.selector), target: pick({ type: 'AverageValue', averageValue: p.targetAverageValue }) };
  }
  if (isObj(m.object)) {
    const o = m.object;
    out.object = {
      describedObject: o.target,
      metric: metric(o.metricName, o.selector),
      target: pick({ type: has(o.averageValue) ? 'AverageValue' : 'Value', value: o.targetValue, averageValue: o.averageValue }),
    };
  }
  if (isObj(m.external)) {
    const e = m.external;
    out.external = {
      metric: metric(e.metricName, e.metricSelector),
      target: has(e.targetAverageValue) ? { type: 'AverageValue', averageValue: e.targetAverageValue } : pick({ type: 'Value', value: e.targetValue }),
    };
  }
  return out;
}

function metricStatusToV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const c = (src: Obj): Obj => obj(src.current);
  if (isObj(m.resource)) {
    const r = m.resource;
    out.resource = pick({ name: r.name, currentAverageUtilization: c(r).averageUtilization, currentAverageValue: c(r).averageValue ?? '0' });
  }
  if (isObj(m.containerResource)) {
    const r = m.containerResource;
    out.containerResource = pick({ name: r.name, currentAverageUtilization: c(r).averageUtilization, currentAverageValue: c(r).averageValue ?? '0', container: r.container });
  }
  if (isObj(m.pods)) {
    const p = m.pods;
    out.pods = pick({ metricName: obj(p.metric).name, currentAverageValue: c(p).averageValue ?? '0', selector: obj(p.metric).selector });
  }
  if (isObj(m.object)) {
    const o = m.object;
    out.object = pick({ target: o.describedObject, metricName: obj(o.metric).name, currentValue: c(o).value ?? '0', selector: obj(o.metric).selector, averageValue: c(o).averageValue });
  }
  if (isObj(m.external)) {
    const e = m.external;
    out.external = pick({ metricName: obj(e.metric).name, metricSelector: obj(e.metric).selector, currentValue: c(e).value ?? '0', currentAverageValue: c(e).averageValue });
  }
  return out;
}

function metricStatusFromV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  if (isObj(m.resource)) {
    const r = m.resource;
    out.resource = { name: r.name, current: pick({ averageUtilization: r.currentAverageUtilization, averageValue: r.currentAverageValue }) };
  }
  if (isObj(m.containerResource)) {
    const r = m.containerResource;
    out.containerResource = { name: r.name, container: r.container, current: pick({ averageUtilization: r.currentAverageUtilization, averageValue: r.currentAverageValue }) };
  }
  if (isObj(m.pods)) {
    const p = m.pods;
    out.pods = { metric: pick({ name: p.metricName, selector: p.selector }), current: pick({ averageValue: p.currentAverageValue }) };
  }
  if (isObj(m.object)) {
    const o = m.object;
    out.object = { describedObject: o.target, metric: pick({ name: o.metricName, selector: o.selector }), current: pick({ value: o.currentValue, averageValue: o.averageValue }) };
  }
  if (isObj(m.external)) {
    const e = m.external;
    out.external = { metric: pick({ name: e.metricName, selector: e.metricSelector }), current: pick({ value: e.currentValue, averageValue: e.currentAverageValue }) };
  }
  return out;
}

// ---------------------------------------------------------------- behavior: upstream marshals its internal type

const RULE_FIELDS: [json: string, go: string][] = [
  ['stabilizationWindowSeconds', 'StabilizationWindowSeconds'],
  ['selectPolicy', 'SelectPolicy'],
  ['policies', 'Policies'],
];
const POLICY_FIELDS: [json: string, go: string][] = [
  ['type', 'Type'],
  ['value', 'Value'],
  ['periodSeconds', 'PeriodSeconds'],
];

function rulesToGo(r: unknown): unknown {
  if (!isObj(r)) return null;
  const out: Obj = {};
  for (const [j, g] of RULE_FIELDS) out[g] = j === 'policies' ? (Array.isArray(r.policies) ? r.policies.map((p) => policyToGo(obj(p))) : null) : (r[j] ?? null);
  return out;
}
function policyToGo(p: Obj): Obj {
  const out: Obj = {};
  for (const [j, g] of POLICY_FIELDS) out[g] = p[j] ?? (j === 'type' ? '' : 0);
  return out;
}
/** encoding/json matches field names case-insensitively. */
function goField(o: Obj, name: string): unknown {
  const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}
function rulesFromGo(r: unknown): Obj | undefined {
  if (!isObj(r)) return undefined;
  const out: Obj = {};
  for (const [j, g] of RULE_FIELDS) {
    const v = goField(r, g);
    if (!has(v)) continue;
    out[j] = j === 'policies' && Array.isArray(v) ? v.map((p) => pick(Object.fromEntries(POLICY_FIELDS.map(([pj, pg]) => [pj, goField(obj(p), pg)])))) : v;
  }
  return out;
}

// ---------------------------------------------------------------- the objects

/** A stored (autoscaling/v2) HorizontalPodAutoscaler as autoscaling/v1 serves it. */
export function hpaV2ToV1(v2: Obj): Obj {
  const { meta } = withoutRoundTrip(obj(v2.metadata));
  const spec = obj(v2.spec);
  const status = obj(v2.status);
  const annotations: Record<string, string> = { ...(obj(meta.annotations) as Record<string, string>) };
  const metrics = (Array.isArray(spec.metrics) ? spec.metrics : []).map(obj);
  const other = metrics.filter((m) => !isCpuUtilization(m));
  if (other.length) annotations[METRIC_SPECS_ANNOTATION] = JSON.stringify(other.map(metricSpecToV1));
  if (isObj(spec.behavior)) annotations[BEHAVIOR_SPECS_ANNOTATION] = JSON.stringify({ ScaleUp: rulesToGo(spec.behavior.scaleUp), ScaleDown: rulesToGo(spec.behavior.scaleDown) });
  const current = (Array.isArray(status.currentMetrics) ? status.currentMetrics : []).map(obj);
  if (current.length) annotations[METRIC_STATUSES_ANNOTATION] = JSON.stringify(current.map(metricStatusToV1));
  if (Array.isArray(status.conditions) && status.conditions.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(status.conditions);
  const cpu = metrics.find((m) => m.type === 'Resource' && obj(m.resource).name === 'cpu');
  const cpuNow = current.find((m) => m.type === 'Resource' && obj(m.resource).name === 'cpu');
  const out: Obj = { ...v2, apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { ...meta } };
  if (Object.keys(annotations).length) (out.metadata as Obj).annotations = annotations;
  out.spec = pick({
    scaleTargetRef: spec.scaleTargetRef,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas ?? 0,
    targetCPUUtilizationPercentage: cpu ? obj(obj(cpu.resource).target).averageUtilization : undefined,
  });
  if (isObj(v2.status)) {
    out.status = pick({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: cpuNow ? obj(obj(cpuNow.resource).current).averageUtilization : undefined,
    });
  } else delete out.status;
  return out;
}

/** An autoscaling/v1 HorizontalPodAutoscaler as it is stored (autoscaling/v2): its annotations back into fields. */
export function hpaV1ToV2(v1: Obj): Obj {
  const { meta, annotations } = withoutRoundTrip(obj(v1.metadata));
  const spec = obj(v1.spec);
  const status = obj(v1.status);
  const out: Obj = { ...v1, apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta };
  const metrics: Obj[] = [];
  const other = parseJSON(annotations[METRIC_SPECS_ANNOTATION]);
  if (Array.isArray(other)) for (const m of other) metrics.push(metricSpecFromV1(obj(m)));
  if (has(spec.targetCPUUtilizationPercentage)) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  if (!metrics.length) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } });
  const v2spec: Obj = pick({ scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas ?? 0 });
  v2spec.metrics = metrics;
  const behavior = parseJSON(annotations[BEHAVIOR_SPECS_ANNOTATION]);
  if (isObj(behavior)) {
    const up = rulesFromGo(goField(behavior, 'ScaleUp'));
    const down = rulesFromGo(goField(behavior, 'ScaleDown'));
    // only well-formed data moves from the annotation into the field
    if (up || down) v2spec.behavior = pick({ scaleUp: up, scaleDown: down });
  }
  out.spec = v2spec;
  if (isObj(v1.status)) {
    const v2status: Obj = pick({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas || undefined, // omitempty in autoscaling/v2
      desiredReplicas: status.desiredReplicas ?? 0,
    });
    const current = parseJSON(annotations[METRIC_STATUSES_ANNOTATION]);
    if (Array.isArray(current)) v2status.currentMetrics = current.map((m) => metricStatusFromV1(obj(m)));
    else if (has(status.currentCPUUtilizationPercentage)) {
      v2status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
    }
    const conditions = parseJSON(annotations[CONDITIONS_ANNOTATION]);
    if (Array.isArray(conditions)) v2status.conditions = conditions;
    out.status = v2status;
  }
  return out;
}
