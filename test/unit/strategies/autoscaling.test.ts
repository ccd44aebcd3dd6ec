/** autoscaling HorizontalPodAutoscaler: upstream's defaults, validation, the v1 <-> v2 conversion and the printer. */
import { describe, expect, it } from 'vitest';
import {
  defaultHorizontalPodAutoscaler,
  validateHorizontalPodAutoscaler,
  validateHorizontalPodAutoscalerUpdate,
} from '../../../api/strategies/autoscaling.js';
import { formatHPAMetrics, horizontalPodAutoscalerCells } from '../../../api/strategies/printers.js';
import { hpaV1ToV2, hpaV2ToV1 } from '../../../api/kinds/autoscaling/conversion.js';
import type { HorizontalPodAutoscaler, Relaxed } from '../../../api/types/index.js';

type HPA = Relaxed<HorizontalPodAutoscaler>;
const base = (spec: Partial<NonNullable<HPA['spec']>> = {}): HPA => ({
  metadata: { name: 'web', namespace: 'default' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, ...spec },
});
const causes = (h: HPA) => validateHorizontalPodAutoscaler(h).map((c) => `${c.field}: ${c.message}`);

describe('defaults (SetDefaults_HorizontalPodAutoscaler, v2)', () => {
  it('minReplicas 1, an 80% CPU metric, and the behavior rules only when behavior is set', () => {
    const h: HPA = { metadata: { name: 'x' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 3 } };
    defaultHorizontalPodAutoscaler(h);
    expect(h.spec).toEqual({
      scaleTargetRef: { kind: 'Deployment', name: 'x' },
      maxReplicas: 3,
      minReplicas: 1,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    });
    const b = base({ behavior: { scaleDown: { stabilizationWindowSeconds: 10 } } });
    defaultHorizontalPodAutoscaler(b);
    expect(b.spec?.behavior).toEqual({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 10, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
    // an empty policy list stays empty (and is refused), as upstream's copyHPAScalingRules
    const e = base({ behavior: { scaleUp: { policies: [] } } });
    defaultHorizontalPodAutoscaler(e);
    expect(e.spec?.behavior?.scaleUp?.policies).toEqual([]);
  });
});

describe('validation (pkg/apis/autoscaling/validation)', () => {
  const rows: [string, Partial<NonNullable<HPA['spec']>>, string[]][] = [
    ['valid', { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] }, []],
    ['minReplicas 0', { minReplicas: 0 }, ['spec.minReplicas: Invalid value: 0: must be greater than or equal to 1', 'spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas']],
    ['maxReplicas 0', { minReplicas: undefined, maxReplicas: 0 }, ['spec.maxReplicas: Invalid value: 0: must be greater than 0']],
    ['max below min', { minReplicas: 4, maxReplicas: 2 }, ['spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`']],
    ['no target name, a bad kind', { scaleTargetRef: { kind: 'a/b', name: '' } }, ["spec.scaleTargetRef.kind: Invalid value: \"a/b\": may not contain '/'", 'spec.scaleTargetRef.name: Required value']],
    [
      'both target kinds',
      { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50, averageValue: '100m' } } }] },
      ['spec.metrics[0].resource.target.averageValue: Forbidden: may not set both a target raw value and a target utilization'],
    ],
    ['a bad target type', { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Percent', averageUtilization: 0 } } }] }, [
      'spec.metrics[0].resource.target.type: Invalid value: "Percent": must be either Utilization, Value, or AverageValue',
      'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0',
    ]],
    ['a negative averageValue', { metrics: [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '-1' } } }] }, [
      'spec.metrics[0].pods.target.averageValue: Invalid value: "-1": must be positive',
    ]],
    ['the source does not match the type', { metrics: [{ type: 'Pods', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 5 } } }] }, [
      'spec.metrics[0].pods: Required value: must populate information for the given metric source',
    ]],
    ['two sources', { metrics: [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1' } }, resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 5 } } }] }, [
      'spec.metrics[0].resource: Forbidden: must populate the given metric source only',
    ]],
    ['an unknown type', { metrics: [{ type: 'Magic' }] }, [
      'spec.metrics[0].type: Unsupported value: "Magic": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"',
      'spec.metrics[0].type: Unsupported value: "Magic": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"',
    ]],
    ['container resource', { metrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'Bad_Name', target: { type: 'Utilization', averageUtilization: 5 } } }] }, [
      'spec.metrics[0].containerResource.container: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
    ]],
    ['behavior', { behavior: { scaleUp: { stabilizationWindowSeconds: -1, selectPolicy: 'Max', policies: [{ type: 'Nodes', value: 1, periodSeconds: 0 }] } } }, [
      'spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: -1: must be greater than or equal to zero',
      'spec.behavior.scaleUp.policies[0].type: Unsupported value: "Nodes": supported values: "Percent", "Pods"',
      'spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 0: must be greater than zero',
    ]],
  ];
  it.each(rows)('%s', (_n, spec, want) => {
    expect(causes(base(spec))).toEqual(want);
  });

  it('an HPA that already has minReplicas 0 may keep it on update', () => {
    const old = base({ minReplicas: 0, metrics: [{ type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '1' } } }] });
    old.metadata!.resourceVersion = '7';
    expect(validateHorizontalPodAutoscalerUpdate(old, old)).toEqual([]);
  });
});

describe('autoscaling/v1 <-> v2 conversion (pkg/apis/autoscaling/v1/conversion.go)', () => {
  const v2 = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default', annotations: { team: 'a' } },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      ],
      behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 30 }] }, scaleDown: { selectPolicy: 'Min', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } },
    },
    status: {
      currentReplicas: 3,
      desiredReplicas: 4,
      currentMetrics: [
        { type: 'Resource', resource: { name: 'memory', current: { averageValue: '80Mi' } } },
        { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 75, averageValue: '150m' } } },
      ],
      conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-12-05T00:00:00Z', reason: 'SucceededRescale', message: 'm' }],
    },
  };

  it('v1 says the CPU target; the rest travels in the annotations, as upstream writes them', () => {
    const v1 = hpaV2ToV1(v2);
    expect(v1.spec).toEqual({ scaleTargetRef: v2.spec.scaleTargetRef, minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 60 });
    expect(v1.status).toEqual({ currentReplicas: 3, desiredReplicas: 4, currentCPUUtilizationPercentage: 75 });
    const a = (v1.metadata as { annotations: Record<string, string> }).annotations;
    expect(a.team).toBe('a');
    expect(JSON.parse(a['autoscaling.alpha.kubernetes.io/metrics']!)).toEqual([{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } }]);
    expect(JSON.parse(a['autoscaling.alpha.kubernetes.io/behavior']!)).toEqual({
      ScaleUp: { StabilizationWindowSeconds: 0, SelectPolicy: 'Max', Policies: [{ Type: 'Pods', Value: 2, PeriodSeconds: 30 }] },
      ScaleDown: { StabilizationWindowSeconds: null, SelectPolicy: 'Min', Policies: [{ Type: 'Percent', Value: 50, PeriodSeconds: 60 }] },
    });
    expect(JSON.parse(a['autoscaling.alpha.kubernetes.io/current-metrics']!)).toEqual([
      { type: 'Resource', resource: { name: 'memory', currentAverageValue: '80Mi' } },
      { type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 75, currentAverageValue: '150m' } },
    ]);
    expect(JSON.parse(a['autoscaling.alpha.kubernetes.io/conditions']!)).toEqual(v2.status.conditions);
  });

  it('round-trips back to the same v2 object (the other metrics first, then the CPU one), without the annotations', () => {
    expect(hpaV1ToV2(hpaV2ToV1(v2))).toEqual(v2);
  });

  it('a v1 object without a CPU target gets the 80% default the v1 controller used to apply', () => {
    const out = hpaV1ToV2({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 3 } });
    expect(out.spec).toEqual({ scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] });
    // malformed annotations are dropped, not fatal
    const bad = hpaV1ToV2({ metadata: { name: 'x', annotations: { 'autoscaling.alpha.kubernetes.io/behavior': 'abc', 'autoscaling.alpha.kubernetes.io/metrics': '{' } }, spec: { maxReplicas: 1 } });
    expect((bad.spec as { behavior?: unknown }).behavior).toBeUndefined();
    expect((bad.metadata as { annotations?: unknown }).annotations).toBeUndefined();
  });
});

describe('printer (printHorizontalPodAutoscaler, formatHPAMetrics)', () => {
  const util = (name: string, target?: number) => ({ type: 'Resource', resource: { name, target: { type: 'Utilization', ...(target ? { averageUtilization: target } : {}) } } });
  it.each([
    ['no metrics', [], [], '<none>'],
    ['not read yet', [util('cpu', 50)], [], 'cpu: <unknown>/50%'],
    ['read', [util('cpu', 50)], [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12 } } }], 'cpu: 12%/50%'],
    ['a failed read', [util('cpu', 50)], [{ type: '' }], 'cpu: <unknown>/50%'],
    ['no utilization target', [util('cpu')], [], 'cpu: <unknown>/<auto>'],
    ['average value', [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }], [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '52428800' } } }], 'memory: 52428800/100Mi'],
    ['pods', [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } }], [], '<unknown>/10'],
    ['external average', [{ type: 'External', external: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: '30' } } }], [], '<unknown>/30 (avg)'],
    ['more than two', [util('cpu', 50), util('memory', 60), util('cpu', 70)], [], 'cpu: <unknown>/50%, memory: <unknown>/60% + 1 more...'],
  ] as const)('%s', (_n, specs, statuses, want) => {
    expect(formatHPAMetrics(specs as never, statuses as never)).toBe(want);
  });

  it('REFERENCE Kind/name, MINPODS <unset> when unset', () => {
    const h = base({ minReplicas: undefined, metrics: [util('cpu', 50)] as never });
    h.metadata!.creationTimestamp = '2026-12-05T00:00:00Z';
    expect(horizontalPodAutoscalerCells(h, new Date('2026-12-05T00:01:00Z'))).toEqual(['web', 'Deployment/web', 'cpu: <unknown>/50%', '<unset>', 5, 0, '60s']);
  });
});
