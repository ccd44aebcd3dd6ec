import { describe, expect, it } from 'vitest';
import {
  TEMPLATE_GENERATION_ANNOTATION,
  prepareDaemonSetForCreate,
  prepareDaemonSetForUpdate,
  validateDaemonSet,
  validateDaemonSetStatusUpdate,
  validateDaemonSetUpdate,
} from '../../../api/strategies/daemonset.js';
import { defaultDaemonSet } from '../../../api/strategies/defaults.js';
import { daemonSetCells, daemonSetColumns } from '../../../api/strategies/printers.js';
import type { DaemonSet, Relaxed } from '../../../api/types/index.js';

function ds(mut: (d: Relaxed<DaemonSet>) => void = () => undefined): Relaxed<DaemonSet> {
  const d: Relaxed<DaemonSet> = {
    metadata: { name: 'fluentd', namespace: 'kube-system' },
    spec: {
      selector: { matchLabels: { app: 'fluentd' } },
      template: { metadata: { labels: { app: 'fluentd' } }, spec: { containers: [{ name: 'f', image: 'fluentd:1' }] } },
    },
  };
  defaultDaemonSet(d);
  mut(d);
  return d;
}

const causes = (errs: { field?: string; message?: string }[]) => errs.map((c) => [c.field, c.message]);

describe('DaemonSet defaults (SetDefaults_DaemonSet)', () => {
  it('RollingUpdate, maxUnavailable 1, maxSurge 0, revisionHistoryLimit 10, restartPolicy Always', () => {
    const d = ds();
    expect(d.spec?.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(d.spec?.revisionHistoryLimit).toBe(10);
    expect(d.spec?.template?.spec?.restartPolicy).toBe('Always');
  });
  it('OnDelete gets no rollingUpdate; given values stay', () => {
    const d: Relaxed<DaemonSet> = { spec: { updateStrategy: { type: 'OnDelete' }, revisionHistoryLimit: 0 } };
    defaultDaemonSet(d);
    expect(d.spec?.updateStrategy).toEqual({ type: 'OnDelete' });
    expect(d.spec?.revisionHistoryLimit).toBe(0);
    const e: Relaxed<DaemonSet> = { spec: { updateStrategy: { rollingUpdate: { maxSurge: '10%' } } } };
    defaultDaemonSet(e);
    expect(e.spec?.updateStrategy?.rollingUpdate).toEqual({ maxUnavailable: 1, maxSurge: '10%' });
  });
});

describe('DaemonSet validation (ValidateDaemonSet)', () => {
  it.each<[string, (d: Relaxed<DaemonSet>) => void, [string, string][]]>([
    ['valid', () => undefined, []],
    ['selector does not match', (d) => (d.spec!.selector = { matchLabels: { app: 'other' } }), [['spec.template.metadata.labels', 'Invalid value: {"app":"fluentd"}: `selector` does not match template `labels`']]],
    ['empty selector', (d) => (d.spec!.selector = {}), [['spec.selector', 'Invalid value: {}: empty selector is invalid for daemonset']]],
    ['restartPolicy OnFailure', (d) => (d.spec!.template!.spec!.restartPolicy = 'OnFailure'), [['spec.template.spec.restartPolicy', 'Unsupported value: "OnFailure": supported values: "Always"']]],
    ['activeDeadlineSeconds', (d) => (d.spec!.template!.spec!.activeDeadlineSeconds = 5), [['spec.template.spec.activeDeadlineSeconds', 'Invalid value: 5: activeDeadlineSeconds in DaemonSet is not Supported']]],
    ['both surge and unavailable', (d) => (d.spec!.updateStrategy!.rollingUpdate = { maxUnavailable: 1, maxSurge: 1 }), [['spec.updateStrategy.rollingUpdate.maxSurge', 'Invalid value: 1: may not be set when maxUnavailable is non-zero']]],
    ['neither', (d) => (d.spec!.updateStrategy!.rollingUpdate = { maxUnavailable: 0, maxSurge: '0%' }), [['spec.updateStrategy.rollingUpdate.maxUnavailable', 'Required value: cannot be 0 when maxSurge is 0']]],
    ['over 100%', (d) => (d.spec!.updateStrategy!.rollingUpdate = { maxUnavailable: '120%', maxSurge: 0 }), [['spec.updateStrategy.rollingUpdate.maxUnavailable', 'Invalid value: "120%": must not be greater than 100%']]],
    ['negative', (d) => (d.spec!.updateStrategy!.rollingUpdate = { maxUnavailable: -1, maxSurge: 0 }), [['spec.updateStrategy.rollingUpdate.maxUnavailable', 'Invalid value: -1: must be greater than or equal to 0']]],
    ['no rollingUpdate', (d) => delete d.spec!.updateStrategy!.rollingUpdate, [['spec.updateStrategy.rollingUpdate', 'Required value']]],
    ['bad type', (d) => (d.spec!.updateStrategy = { type: 'Recreate' as 'OnDelete' }), [['spec.updateStrategy', 'Unsupported value: {"type":"Recreate"}: supported values: "RollingUpdate", "OnDelete"']]],
    ['negative limits', (d) => { d.spec!.minReadySeconds = -1; d.spec!.revisionHistoryLimit = -2; }, [['spec.minReadySeconds', 'Invalid value: -1: must be greater than or equal to 0'], ['spec.revisionHistoryLimit', 'Invalid value: -2: must be greater than or equal to 0']]],
  ])('%s', (_n, mut, want) => {
    expect(causes(validateDaemonSet(ds(mut)))).toEqual(want);
  });

  it('the selector is immutable', () => {
    const old = ds((d) => (d.metadata!.resourceVersion = '1'));
    const next = ds((d) => {
      d.metadata!.resourceVersion = '1';
      d.spec!.selector = { matchLabels: { app: 'fluentd', tier: 'x' } };
      d.spec!.template!.metadata!.labels = { app: 'fluentd', tier: 'x' };
    });
    expect(causes(validateDaemonSetUpdate(next, old))).toEqual([['spec.selector', expect.stringContaining('field is immutable')]]);
  });

  it('status counters are not negative and collisionCount is not decremented', () => {
    const old = ds((d) => { d.metadata!.resourceVersion = '1'; d.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, collisionCount: 2 }; });
    const next = ds((d) => (d.metadata!.resourceVersion = '1', d.status = { currentNumberScheduled: -1, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, collisionCount: 1 }));
    expect(causes(validateDaemonSetStatusUpdate(next, old))).toEqual([
      ['status.currentNumberScheduled', 'Invalid value: -1: must be greater than or equal to 0'],
      ['status.collisionCount', 'Invalid value: 1: cannot be decremented'],
    ]);
  });
});

describe('DaemonSet strategy: generation and template generation', () => {
  it('create: generation 1, template generation 1, zero counters', () => {
    const d = ds((x) => (x.status = { currentNumberScheduled: 5, numberMisscheduled: 0, desiredNumberScheduled: 5, numberReady: 5 }));
    prepareDaemonSetForCreate(d);
    expect(d.metadata?.generation).toBe(1);
    expect(d.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION]).toBe('1');
    expect(d.status).toEqual({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
  });
  it('a new template moves both; another spec change only the generation; a label change neither', () => {
    const old = ds();
    prepareDaemonSetForCreate(old);
    const image = ds((x) => (x.spec!.template!.spec!.containers![0]!.image = 'fluentd:2'));
    prepareDaemonSetForUpdate(image, old);
    expect([image.metadata?.generation, image.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION]]).toEqual([2, '2']);
    const limit = ds((x) => (x.spec!.revisionHistoryLimit = 3));
    prepareDaemonSetForUpdate(limit, old);
    expect([limit.metadata?.generation, limit.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION]]).toEqual([2, '1']);
    const label = ds((x) => (x.metadata!.labels = { a: 'b' }));
    prepareDaemonSetForUpdate(label, old);
    expect([label.metadata?.generation, label.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION]]).toEqual([1, '1']);
  });
});

describe('DaemonSet printer', () => {
  it('NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE (+ wide)', () => {
    expect(daemonSetColumns.map((c) => c.name)).toEqual(['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers', 'Images', 'Selector']);
    const d = ds((x) => {
      x.metadata!.creationTimestamp = '2026-01-01T00:00:00Z';
      x.spec!.template!.spec!.nodeSelector = { 'kubernetes.io/os': 'linux' };
      x.status = { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2, numberMisscheduled: 0 };
    });
    expect(daemonSetCells(d, new Date('2026-01-01T00:05:00Z'))).toEqual(['fluentd', 3, 3, 2, 1, 2, 'kubernetes.io/os=linux', '5m', 'f', 'fluentd:1', 'app=fluentd']);
    expect(daemonSetCells(ds(), new Date())[6]).toBe('<none>');
  });
});
