import { describe, expect, it } from 'vitest';
import { findResource } from '../../../api/resources.js';
import { strategyFor } from '../../../api/kinds/registry.js';

const deployments = strategyFor(findResource('apps', 'deployments')!);
const replicasets = strategyFor(findResource('apps', 'replicasets')!);

function newDeployment(spec: any = {}): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
      ...spec,
    },
  };
}

function fields(errs: { field?: string; reason?: string }[]): string[] {
  return errs.map((e) => `${e.field} ${e.reason}`);
}

describe('deployment defaulting and create', () => {
  it('fills apps/v1 defaults and pod template defaults', () => {
    const d = newDeployment();
    deployments.applyDefaults(d);
    deployments.prepareForCreate(d);
    expect(d.spec).toMatchObject({
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    });
    expect(d.spec.template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler' });
    expect(d.spec.template.spec.containers[0].imagePullPolicy).toBe('Always');
    // admission-only pod defaults are not applied to templates
    expect(d.spec.template.spec.serviceAccountName).toBeUndefined();
    expect(d.spec.template.spec.tolerations).toBeUndefined();
    expect(d.metadata.generation).toBe(1);
    expect(d.status).toEqual({});
    expect(deployments.validate(d)).toEqual([]);
  });

  it('Recreate gets no rollingUpdate', () => {
    const d = newDeployment({ strategy: { type: 'Recreate' } });
    deployments.applyDefaults(d);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(deployments.validate(d)).toEqual([]);
  });
});

describe('deployment validation', () => {
  const cases: [string, any, string[]][] = [
    ['missing selector', { selector: undefined }, ['spec.selector FieldValueRequired']],
    ['empty selector', { selector: {} }, ['spec.selector FieldValueInvalid']],
    ['selector not matching labels', { selector: { matchLabels: { app: 'other' } } }, ['spec.template.metadata.labels FieldValueInvalid']],
    ['negative replicas', { replicas: -1 }, ['spec.replicas FieldValueInvalid']],
    [
      'restartPolicy Never in the template',
      { template: { metadata: { labels: { app: 'web' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'n', image: 'x' }] } } },
      ['spec.template.spec.restartPolicy FieldValueNotSupported'],
    ],
    [
      'activeDeadlineSeconds in the template',
      { template: { metadata: { labels: { app: 'web' } }, spec: { activeDeadlineSeconds: 5, containers: [{ name: 'n', image: 'x' }] } } },
      ['spec.template.spec.activeDeadlineSeconds FieldValueForbidden'],
    ],
    ['no image in the template', { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'n' }] } } }, ['spec.template.spec.containers[0].image FieldValueRequired']],
    ['Recreate with rollingUpdate', { strategy: { type: 'Recreate', rollingUpdate: {} } }, ['spec.strategy.rollingUpdate FieldValueForbidden']],
    ['unknown strategy', { strategy: { type: 'BlueGreen' } }, ['spec.strategy FieldValueNotSupported']],
    [
      'both 0',
      { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } },
      ['spec.strategy.rollingUpdate.maxUnavailable FieldValueInvalid'],
    ],
    [
      'bad percent and over 100%',
      { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '120%', maxSurge: 'lots' } } },
      ['spec.strategy.rollingUpdate.maxSurge FieldValueInvalid', 'spec.strategy.rollingUpdate.maxUnavailable FieldValueInvalid'],
    ],
    ['progressDeadline <= minReady', { minReadySeconds: 10, progressDeadlineSeconds: 10 }, ['spec.progressDeadlineSeconds FieldValueInvalid']],
  ];
  it.each(cases)('%s', (_n, spec, want) => {
    const d = newDeployment(spec);
    deployments.applyDefaults(d);
    expect(fields(deployments.validate(d))).toEqual(want);
  });

  it('upstream message for the selector mismatch', () => {
    const d = newDeployment({ selector: { matchLabels: { app: 'other' } } });
    deployments.applyDefaults(d);
    expect(deployments.validate(d)[0]!.message).toBe('Invalid value: {"app":"web"}: `selector` does not match template `labels`');
  });
});

describe('deployment update', () => {
  function stored(): any {
    const d = newDeployment();
    deployments.applyDefaults(d);
    deployments.prepareForCreate(d);
    d.metadata.resourceVersion = '3';
    d.status = { replicas: 1, readyReplicas: 1, availableReplicas: 1, updatedReplicas: 1 };
    return d;
  }

  it('spec change bumps generation, status is kept', () => {
    const old = stored();
    const d = JSON.parse(JSON.stringify(old));
    d.spec.replicas = 3;
    d.status = {};
    deployments.applyDefaults(d);
    deployments.prepareForUpdate(d, old);
    expect(d.metadata.generation).toBe(2);
    expect(d.status.replicas).toBe(1);
    expect(deployments.validateUpdate(d, old)).toEqual([]);
  });

  it('no spec change keeps the generation', () => {
    const old = stored();
    const d = JSON.parse(JSON.stringify(old));
    d.metadata.labels = { x: 'y' };
    deployments.prepareForUpdate(d, old);
    expect(d.metadata.generation).toBe(1);
  });

  it('the selector is immutable in apps/v1', () => {
    const old = stored();
    const d = JSON.parse(JSON.stringify(old));
    d.spec.selector = { matchLabels: { app: 'web', tier: 'fe' } };
    d.spec.template.metadata.labels = { app: 'web', tier: 'fe' };
    deployments.prepareForUpdate(d, old);
    const errs = deployments.validateUpdate(d, old);
    expect(errs).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.selector', message: 'Invalid value: {"matchLabels":{"app":"web","tier":"fe"}}: field is immutable' },
    ]);
  });

  it('status update keeps spec and checks counts', () => {
    const old = stored();
    const d = JSON.parse(JSON.stringify(old));
    d.spec.replicas = 7;
    d.status = { replicas: 2, readyReplicas: 3, availableReplicas: 1 };
    deployments.prepareForStatusUpdate(d, old);
    expect(d.spec.replicas).toBe(1);
    expect(fields(deployments.validateStatusUpdate(d, old))).toEqual(['status.readyReplicas FieldValueInvalid']);
  });
});

describe('replicasets', () => {
  function newRS(spec: any = {}): any {
    return {
      metadata: { name: 'web-abc', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
        ...spec,
      },
    };
  }

  it('defaults replicas to 1 and validates', () => {
    const rs = newRS();
    replicasets.applyDefaults(rs);
    replicasets.prepareForCreate(rs);
    expect(rs.spec.replicas).toBe(1);
    expect(replicasets.validate(rs)).toEqual([]);
  });

  it('empty selector carries upstream (deployment) wording', () => {
    const rs = newRS({ selector: {} });
    replicasets.applyDefaults(rs);
    expect(replicasets.validate(rs).map((e) => e.message)).toEqual(['Invalid value: {}: empty selector is invalid for deployment']);
  });

  it('selector immutable on update; generation bumps on spec change only', () => {
    const old = newRS();
    replicasets.applyDefaults(old);
    replicasets.prepareForCreate(old);
    old.metadata.resourceVersion = '1';
    const rs = JSON.parse(JSON.stringify(old));
    rs.spec.replicas = 2;
    replicasets.prepareForUpdate(rs, old);
    expect(rs.metadata.generation).toBe(2);
    expect(replicasets.validateUpdate(rs, old)).toEqual([]);
    rs.spec.selector = { matchLabels: { app: 'x' } };
    expect(fields(replicasets.validateUpdate(rs, old))).toEqual(['spec.template.metadata.labels FieldValueInvalid', 'spec.selector FieldValueInvalid']);
  });

  it('field selector status.replicas', () => {
    expect(replicasets.fieldSelectors['status.replicas']!({ status: { replicas: 3 } })).toBe('3');
    expect(replicasets.fieldSelectors['status.replicas']!({})).toBe('0');
  });
});

describe('pod templates carry no ephemeral containers (ValidatePodTemplateSpec)', () => {
  it.each([
    ['deployments', deployments],
    ['replicasets', replicasets],
  ])('%s', (_name, strategy) => {
    const d = newDeployment();
    d.kind = strategy === deployments ? 'Deployment' : 'ReplicaSet';
    d.spec.template.spec.ephemeralContainers = [{ name: 'debug', image: 'busybox', ports: [{ hostPort: 0 }] }];
    strategy.applyDefaults(d);
    strategy.prepareForCreate(d);
    expect(strategy.validate(d).filter((e) => e.field === 'spec.template.spec.ephemeralContainers')).toEqual([
      { reason: 'FieldValueForbidden', field: 'spec.template.spec.ephemeralContainers', message: 'Forbidden: ephemeral containers not allowed in pod template' },
    ]);
    delete d.spec.template.spec.ephemeralContainers;
    expect(strategy.validate(d)).toEqual([]);
  });
});
