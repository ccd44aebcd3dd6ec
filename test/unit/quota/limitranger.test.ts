/** LimitRanger's pure decisions (upstream plugin/pkg/admission/limitranger) and LimitRange defaulting/validation. */
import { describe, expect, it } from 'vitest';
import {
  aggregateMessage, limitRequestRatioConstraint, maxConstraint, mergePodDefaults, minConstraint, podLimitViolations,
} from '../../../control-plane/apiserver/admission-limitranger.js';
import { defaultLimitRange, validateLimitRange } from '../../../api/strategies/quota.js';
import type { LimitRange, Pod, Relaxed } from '../../../api/types/index.js';

describe('constraints', () => {
  it.each([
    ['min: request under', () => minConstraint('Container', 'cpu', '100m', { cpu: '50m' }, {}), 'minimum cpu usage per Container is 100m, but request is 50m'],
    ['min: limit under', () => minConstraint('Container', 'cpu', '100m', { cpu: '100m' }, { cpu: '90m' }), 'minimum cpu usage per Container is 100m, but limit is 90m'],
    ['min: no request', () => minConstraint('Container', 'memory', '1Gi', {}, {}), 'minimum memory usage per Container is 1Gi.  No request is specified'],
    ['min: met', () => minConstraint('Container', 'cpu', '100m', { cpu: '0.1' }, {}), undefined],
    ['max: limit over', () => maxConstraint('Container', 'memory', '1Gi', {}, { memory: '2Gi' }), 'maximum memory usage per Container is 1Gi, but limit is 2Gi'],
    ['max: no limit', () => maxConstraint('Pod', 'cpu', '2', { cpu: '1' }, {}), 'maximum cpu usage per Pod is 2.  No limit is specified'],
    ['max: request over, limit within', () => maxConstraint('Container', 'cpu', '1', { cpu: '1500m' }, { cpu: '1' }), 'maximum cpu usage per Container is 1, but request is 1500m'],
    ['max: met', () => maxConstraint('Container', 'memory', '1Gi', { memory: '1Gi' }, { memory: '1024Mi' }), undefined],
    ['ratio: over', () => limitRequestRatioConstraint('Container', 'cpu', '2', { cpu: '250m' }, { cpu: '1' }), 'cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000'],
    ['ratio: fractional', () => limitRequestRatioConstraint('Container', 'cpu', '1500m', { cpu: '300m' }, { cpu: '500m' }), 'cpu max limit to request ratio per Container is 1500m, but provided ratio is 1.666667'],
    ['ratio: met', () => limitRequestRatioConstraint('Container', 'cpu', '2', { cpu: '500m' }, { cpu: '1' }), undefined],
    ['ratio: no request', () => limitRequestRatioConstraint('Container', 'memory', '2', {}, { memory: '1Gi' }), 'memory max limit to request ratio per Container is 2, but no request is specified or request is 0'],
    ['ratio: no limit', () => limitRequestRatioConstraint('Container', 'memory', '2', { memory: '1Gi' }, {}), 'memory max limit to request ratio per Container is 2, but no limit is specified or limit is 0'],
  ])('%s', (_n, run, want) => expect(run()).toBe(want));

  it('aggregates as utilerrors.NewAggregate: one message as is, several de-duplicated in brackets', () => {
    expect(aggregateMessage(['a'])).toBe('a');
    expect(aggregateMessage(['a', 'b', 'a'])).toBe('[a, b]');
  });
});

const lr = (limits: Relaxed<LimitRange>['spec']): Relaxed<LimitRange> => {
  const o: Relaxed<LimitRange> = { metadata: { name: 'lr', namespace: 'ns' }, spec: limits };
  defaultLimitRange(o);
  return o;
};
const pod = (containers: Relaxed<Pod>['spec']): Relaxed<Pod> => ({ metadata: { name: 'p' }, spec: containers });

describe('defaults', () => {
  it('SetDefaults_LimitRangeItem: default from max, defaultRequest from default then min; not for Pod items', () => {
    const o = lr({ limits: [{ type: 'Container', max: { cpu: '1' }, min: { cpu: '100m', memory: '64Mi' } }, { type: 'Pod', max: { cpu: '2' } }] });
    expect(o.spec?.limits?.[0]).toMatchObject({ default: { cpu: '1' }, defaultRequest: { cpu: '1', memory: '64Mi' } });
    expect(o.spec?.limits?.[1]).toEqual({ type: 'Pod', max: { cpu: '2' } });
  });

  it('merges the container defaults into containers and init containers that lack them, and annotates the pod', () => {
    const p = pod({ containers: [{ name: 'a', image: 'i' }, { name: 'b', image: 'i', resources: { limits: { cpu: '2' }, requests: { cpu: '2' } } }], initContainers: [{ name: 'init', image: 'i' }] });
    mergePodDefaults(p, lr({ limits: [{ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '250m', memory: '256Mi' } }] }));
    expect(p.spec?.containers?.[0]?.resources).toEqual({ limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '250m', memory: '256Mi' } });
    expect(p.spec?.containers?.[1]?.resources).toEqual({ limits: { cpu: '2', memory: '512Mi' }, requests: { cpu: '2', memory: '256Mi' } });
    expect(p.metadata?.annotations?.['kubernetes.io/limit-ranger']).toBe(
      'LimitRanger plugin set: cpu, memory request for container a; cpu, memory limit for container a; memory request for container b; memory limit for container b; cpu, memory request for init container init; cpu, memory limit for init container init',
    );
  });

  it('no defaults: the pod is left as it is', () => {
    const p = pod({ containers: [{ name: 'a', image: 'i', resources: {} }] });
    mergePodDefaults(p, lr({ limits: [{ type: 'Pod', max: { cpu: '1' } }] }));
    expect(p).toEqual(pod({ containers: [{ name: 'a', image: 'i', resources: {} }] }));
  });
});

describe('podLimitViolations', () => {
  it('checks each container and the pod total (init containers as their maximum)', () => {
    const range = lr({ limits: [{ type: 'Container', max: { memory: '1Gi' } }, { type: 'Pod', max: { memory: '1500Mi' } }] });
    const p = pod({
      containers: [{ name: 'a', image: 'i', resources: { limits: { memory: '800Mi' } } }, { name: 'b', image: 'i', resources: { limits: { memory: '800Mi' } } }],
      initContainers: [{ name: 'i', image: 'i', resources: { limits: { memory: '2Gi' } } }],
    });
    expect(podLimitViolations(range, p)).toEqual([
      'maximum memory usage per Container is 1Gi, but limit is 2Gi',
      'maximum memory usage per Pod is 1500Mi, but limit is 2Gi',
    ]);
  });
});

describe('validateLimitRange', () => {
  const causes = (o: Relaxed<LimitRange>) => validateLimitRange(o).map((c) => `${c.field}: ${c.message}`);
  it('upstream\'s messages', () => {
    expect(causes(lr({ limits: [
      { type: 'Container', min: { cpu: '2' }, max: { cpu: '1' }, maxLimitRequestRatio: { cpu: '500m' } },
      { type: 'Container', defaultRequest: { memory: '2Gi' }, default: { memory: '1Gi' } },
      { type: 'Pod', defaultRequest: { cpu: '1' }, min: { cpu: '1' }, max: { cpu: '2' }, maxLimitRequestRatio: { cpu: '3' } },
      { type: 'example.com/thing', max: { 'example.com/gpu': '2' } },
      { type: 'PersistentVolumeClaim' },
      { type: 'Container2' },
    ] }))).toEqual([
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
      'spec.limits[0].defaultRequest[cpu]: Invalid value: "1": min value 2 is greater than default request value 1',
      'spec.limits[0].default[cpu]: Invalid value: "2": min value 2 is greater than default value 1',
      'spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "500m": ratio 500m is less than 1',
      'spec.limits[1].type: Duplicate value: "Container"',
      'spec.limits[1].defaultRequest[memory]: Invalid value: "2Gi": default request value 2Gi is greater than default limit value 1Gi',
      "spec.limits[2].defaultRequest: Forbidden: may not be specified when `type` is 'Pod'",
      'spec.limits[2].maxLimitRequestRatio[cpu]: Invalid value: "3": ratio 3 is greater than max/min = 2.000000',
      'spec.limits[4].limits: Required value: either minimum or maximum storage value is required, but neither was provided',
      'spec.limits[5].type: Invalid value: "Container2": must be a standard limit type or fully qualified',
    ]);
  });
});
