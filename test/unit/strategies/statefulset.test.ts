import { describe, expect, it } from 'vitest';
import { findResource } from '../../../api/resources.js';
import { strategyFor } from '../../../api/kinds/registry.js';
import { statefulSetCells } from '../../../api/strategies/printers.js';

const sts = strategyFor(findResource('apps', 'statefulsets')!);

function newSts(spec: any = {}): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'default', resourceVersion: '1' },
    spec: {
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...spec,
    },
  };
}

function created(spec: any = {}): any {
  const s = newSts(spec);
  sts.applyDefaults(s);
  sts.prepareForCreate(s, undefined as never);
  return s;
}

const fields = (errs: { field?: string; reason?: string; message?: string }[]): string[] => errs.map((e) => `${e.field} ${e.reason}`);

describe('StatefulSet defaults (SetDefaults_StatefulSet)', () => {
  it('fills OrderedReady, RollingUpdate partition 0, Retain/Retain, 1 replica, 10 revisions and the claim defaults', () => {
    const s = created();
    expect(s.spec).toMatchObject({
      replicas: 1,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    });
    expect(s.spec.updateStrategy.rollingUpdate.maxUnavailable).toBeUndefined(); // MaxUnavailableStatefulSet is alpha (off)
    expect(s.spec.volumeClaimTemplates[0].spec.volumeMode).toBe('Filesystem');
    expect(s.spec.volumeClaimTemplates[0].status).toEqual({ phase: 'Pending' });
    expect(s.spec.template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' });
    expect(s.metadata.generation).toBe(1);
    expect(s.status).toEqual({});
    expect(sts.validate(s)).toEqual([]);
  });

  it('keeps a given policy and fills only what is missing', () => {
    const s = created({ podManagementPolicy: 'Parallel', updateStrategy: { type: 'OnDelete' }, persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete' } });
    expect(s.spec.podManagementPolicy).toBe('Parallel');
    expect(s.spec.updateStrategy).toEqual({ type: 'OnDelete' });
    expect(s.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Delete' });
    expect(sts.validate(s)).toEqual([]);
  });
});

describe('StatefulSet validation (ValidateStatefulSetSpec)', () => {
  const cases: Array<[string, any, string, string]> = [
    ['negative replicas', { replicas: -1 }, 'spec.replicas FieldValueInvalid', 'must be greater than or equal to 0'],
    ['selector not matching the template', { selector: { matchLabels: { app: 'other' } } }, 'spec.template.metadata.labels FieldValueInvalid', '`selector` does not match template `labels`'],
    ['empty selector', { selector: {} }, 'spec.selector FieldValueInvalid', 'empty selector is invalid for statefulset'],
    ['bad podManagementPolicy', { podManagementPolicy: 'Random' }, 'spec.podManagementPolicy FieldValueInvalid', "must be 'OrderedReady' or 'Parallel'"],
    ['bad update strategy', { updateStrategy: { type: 'Recreate' } }, 'spec.updateStrategy FieldValueInvalid', "must be 'RollingUpdate' or 'OnDelete'"],
    ['rollingUpdate with OnDelete', { updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } }, 'spec.updateStrategy.rollingUpdate FieldValueInvalid', "only allowed for updateStrategy 'RollingUpdate'"],
    ['negative partition', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -2 } } }, 'spec.updateStrategy.rollingUpdate.partition FieldValueInvalid', 'must be greater than or equal to 0'],
    ['maxUnavailable 0', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 0 } } }, 'spec.updateStrategy.rollingUpdate.maxUnavailable FieldValueInvalid', 'cannot be 0'],
    ['bad retention policy', { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep', whenScaled: 'Retain' } }, 'spec.persistentVolumeClaimRetentionPolicy.whenDeleted FieldValueNotSupported', 'supported values: "Delete", "Retain"'],
    ['negative ordinals.start', { ordinals: { start: -1 } }, 'spec.ordinals.start FieldValueInvalid', 'must be greater than or equal to 0'],
    ['restartPolicy Never', { template: { metadata: { labels: { app: 'db' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } }, 'spec.template.spec.restartPolicy FieldValueNotSupported', 'supported values: "Always"'],
    ['a claim without storage', { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }] }, 'spec.volumeClaimTemplates[0].spec.resources[storage] FieldValueRequired', 'Required value'],
    ['a mount naming neither a volume nor a claim', { volumeClaimTemplates: [] }, 'spec.template.spec.containers[0].volumeMounts[0].name FieldValueNotFound', 'Not found'],
  ];
  for (const [name, spec, field, message] of cases) {
    it(name, () => {
      const s = newSts(spec);
      sts.applyDefaults(s);
      const errs = sts.validate(s);
      expect(fields(errs)).toContain(field);
      expect(errs.find((e) => `${e.field} ${e.reason}` === field)?.message).toContain(message);
    });
  }

  it('a claim template satisfies the template volume mount it names', () => {
    expect(sts.validate(created())).toEqual([]);
  });
});

describe('StatefulSet update validation (ValidateStatefulSetUpdate)', () => {
  const forbidden = "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
  const mutable: Array<[string, (s: any) => void]> = [
    ['replicas', (s) => (s.spec.replicas = 5)],
    ['template image', (s) => (s.spec.template.spec.containers[0].image = 'busybox:2')],
    ['updateStrategy partition', (s) => (s.spec.updateStrategy.rollingUpdate.partition = 2)],
    ['minReadySeconds', (s) => (s.spec.minReadySeconds = 3)],
    ['ordinals', (s) => (s.spec.ordinals = { start: 2 })],
    ['revisionHistoryLimit', (s) => (s.spec.revisionHistoryLimit = 3)],
    ['persistentVolumeClaimRetentionPolicy', (s) => (s.spec.persistentVolumeClaimRetentionPolicy.whenScaled = 'Delete')],
  ];
  for (const [name, change] of mutable) {
    it(`allows ${name}`, () => {
      const old = created();
      const next = structuredClone(old);
      change(next);
      expect(sts.validateUpdate(next, old)).toEqual([]);
    });
  }
  const immutable: Array<[string, (s: any) => void]> = [
    ['serviceName', (s) => (s.spec.serviceName = 'other')],
    ['podManagementPolicy', (s) => (s.spec.podManagementPolicy = 'Parallel')],
    ['volumeClaimTemplates', (s) => (s.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '2Gi')],
    ['selector', (s) => {
      s.spec.selector = { matchLabels: { app: 'db', tier: 'x' } };
      s.spec.template.metadata.labels.tier = 'x';
    }],
  ];
  for (const [name, change] of immutable) {
    it(`forbids ${name}`, () => {
      const old = created();
      const next = structuredClone(old);
      change(next);
      const errs = sts.validateUpdate(next, old);
      expect(errs).toEqual([{ reason: 'FieldValueForbidden', field: 'spec', message: forbidden }]);
    });
  }

  it('bumps generation on a spec change only, and keeps the old status', () => {
    const old = created();
    old.status = { replicas: 1 };
    const next = structuredClone(old);
    next.status = { replicas: 9 };
    next.metadata.labels = { x: 'y' };
    sts.prepareForUpdate(next, old);
    expect(next.metadata.generation).toBe(1);
    expect(next.status).toEqual({ replicas: 1 });
    next.spec.replicas = 3;
    sts.prepareForUpdate(next, old);
    expect(next.metadata.generation).toBe(2);
  });
});

describe('StatefulSet status validation', () => {
  it('rejects counts above replicas, available above ready, and a decremented collisionCount', () => {
    const old = created();
    old.status = { replicas: 2, collisionCount: 2 };
    const next = structuredClone(old);
    next.status = { replicas: 2, readyReplicas: 3, availableReplicas: 3, currentReplicas: 1, updatedReplicas: 1, collisionCount: 1 };
    expect(fields(sts.validateStatusUpdate(next, old))).toEqual([
      'status.readyReplicas FieldValueInvalid',
      'status.availableReplicas FieldValueInvalid',
      'status.collisionCount FieldValueInvalid',
    ]);
    next.status = { replicas: 2, readyReplicas: 2, availableReplicas: 1, collisionCount: 2 };
    expect(sts.validateStatusUpdate(next, old)).toEqual([]);
  });
});

describe('StatefulSet table', () => {
  it('prints NAME READY AGE, and CONTAINERS IMAGES wide', () => {
    const s = created({ replicas: 3 });
    s.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
    s.status = { readyReplicas: 2 };
    expect(statefulSetCells(s, new Date('2026-01-01T00:05:00Z'))).toEqual(['db', '2/3', '5m', 'c', 'busybox']);
  });
});
