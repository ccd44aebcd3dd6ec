import { describe, expect, it } from 'vitest';
import { findResource } from '../../../api/resources.js';
import { strategyFor } from '../../../api/kinds/registry.js';
import { replicationControllers } from '../../../api/kinds/core/replicationcontroller.js';
import type { Relaxed, ReplicationController } from '../../../api/types/index.js';
import { mapSelectorString } from '../../../api/strategies/replicationcontroller.js';
import { replicationControllerCells } from '../../../api/strategies/printers.js';

const rcs = strategyFor(findResource('', 'replicationcontrollers')!);

function newRC(spec: Relaxed<ReplicationController>['spec'] = {}, labels?: Record<string, string>): Relaxed<ReplicationController> {
  return {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'web', namespace: 'default', resourceVersion: '1', ...(labels ? { labels } : {}) },
    spec: {
      template: { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      ...spec,
    },
  };
}

const causes = (errs: { field?: string; reason?: string; message?: string }[]): string[] => errs.map((e) => `${e.field} ${e.reason} ${e.message}`);

describe('ReplicationController defaults (SetDefaults_ReplicationController)', () => {
  const cases: { name: string; rc: Relaxed<ReplicationController>; selector: Record<string, string> | undefined; labels: Record<string, string> | undefined; replicas: number }[] = [
    { name: 'selector, labels and replicas from the template', rc: newRC(), selector: { app: 'web', tier: 'fe' }, labels: { app: 'web', tier: 'fe' }, replicas: 1 },
    { name: 'a given selector and labels are kept', rc: newRC({ selector: { app: 'web' }, replicas: 0 }, { team: 'a' }), selector: { app: 'web' }, labels: { team: 'a' }, replicas: 0 },
    { name: 'an empty selector is defaulted', rc: newRC({ selector: {}, replicas: 4 }), selector: { app: 'web', tier: 'fe' }, labels: { app: 'web', tier: 'fe' }, replicas: 4 },
    { name: 'no template: nothing to default from', rc: { metadata: { name: 'x', namespace: 'default' }, spec: {} }, selector: undefined, labels: undefined, replicas: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      rcs.applyDefaults(c.rc);
      expect(c.rc.spec?.selector).toEqual(c.selector);
      expect(c.rc.metadata?.labels).toEqual(c.labels);
      expect(c.rc.spec?.replicas).toBe(c.replicas);
    });
  }

  it('defaults the template pod spec (restartPolicy Always) so a plain RC validates', () => {
    const rc = newRC();
    rcs.applyDefaults(rc);
    expect(rc.spec?.template?.spec?.restartPolicy).toBe('Always');
    expect(rcs.validate(rc)).toEqual([]);
  });
});

describe('ReplicationController validation (ValidateReplicationController)', () => {
  const cases: { name: string; rc: Relaxed<ReplicationController>; want: string[] }[] = [
    {
      name: 'selector not matching the template labels',
      rc: newRC({ selector: { app: 'other' } }),
      want: ['spec.template.metadata.labels FieldValueInvalid Invalid value: {"app":"web","tier":"fe"}: `selector` does not match template `labels`'],
    },
    { name: 'negative replicas', rc: newRC({ replicas: -1 }), want: ['spec.replicas FieldValueInvalid Invalid value: -1: must be greater than or equal to 0'] },
    { name: 'negative minReadySeconds', rc: newRC({ minReadySeconds: -2 }), want: ['spec.minReadySeconds FieldValueInvalid Invalid value: -2: must be greater than or equal to 0'] },
    {
      name: 'no template (and so no selector)',
      rc: { metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 1 } },
      want: ['spec.selector FieldValueRequired Required value', 'spec.template FieldValueRequired Required value'],
    },
    {
      name: 'restartPolicy other than Always',
      rc: newRC({ template: { metadata: { labels: { app: 'web' } }, spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'nginx' }] } } }),
      want: ['spec.template.spec.restartPolicy FieldValueNotSupported Unsupported value: "OnFailure": supported values: "Always"'],
    },
    {
      name: 'activeDeadlineSeconds',
      rc: newRC({ template: { metadata: { labels: { app: 'web' } }, spec: { activeDeadlineSeconds: 5, containers: [{ name: 'c', image: 'nginx' }] } } }),
      want: ['spec.template.spec.activeDeadlineSeconds FieldValueForbidden Forbidden: activeDeadlineSeconds in ReplicationController is not Supported'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      rcs.applyDefaults(c.rc);
      expect(causes(rcs.validate(c.rc))).toEqual(c.want);
    });
  }

  it('an update may change the selector (unlike a ReplicaSet), still checked against the template', () => {
    const old = newRC();
    rcs.applyDefaults(old);
    const next = structuredClone(old);
    next.spec!.selector = { app: 'web' };
    expect(rcs.validateUpdate(next, old)).toEqual([]);
    next.spec!.selector = { app: 'nope' };
    expect(causes(rcs.validateUpdate(next, old))[0]).toContain('`selector` does not match template `labels`');
  });

  it('status counters: non-negative and bounded by status.replicas', () => {
    const old = newRC();
    rcs.applyDefaults(old);
    const next = structuredClone(old);
    next.status = { replicas: 1, readyReplicas: 2, fullyLabeledReplicas: 3, availableReplicas: -1 };
    expect(causes(rcs.validateStatusUpdate(next, old))).toEqual([
      'status.availableReplicas FieldValueInvalid Invalid value: -1: must be greater than or equal to 0',
      'status.fullyLabeledReplicas FieldValueInvalid Invalid value: 3: cannot be greater than status.replicas',
      'status.readyReplicas FieldValueInvalid Invalid value: 2: cannot be greater than status.replicas',
    ]);
  });
});

describe('ReplicationController scale and printer', () => {
  it('the scale selector is the map selector as a string, sorted', () => {
    expect(mapSelectorString({ tier: 'fe', app: 'web' })).toBe('app=web,tier=fe');
    expect(mapSelectorString(undefined)).toBe('');
    const scale = replicationControllers.scale!;
    const rc = newRC({ selector: { tier: 'fe', app: 'web' }, replicas: 2 });
    expect(scale.selector(rc)).toBe('app=web,tier=fe');
    scale.setSpecReplicas(rc, 5);
    expect(scale.specReplicas(rc)).toBe(5);
  });

  it('prints NAME DESIRED CURRENT READY AGE, then CONTAINERS IMAGES SELECTOR', () => {
    const rc = newRC({ selector: { tier: 'fe', app: 'web' }, replicas: 3 });
    rc.status = { replicas: 2, readyReplicas: 1 };
    const cells = replicationControllerCells(rc, new Date());
    expect(cells.slice(0, 4)).toEqual(['web', 3, 2, 1]);
    expect(cells.slice(5)).toEqual(['c', 'nginx', 'app=web,tier=fe']);
  });
});
