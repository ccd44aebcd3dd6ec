import { describe, it, expect } from 'vitest';
import { checkStructure, pruneUnknown, strictDecodingMessage, unknownFieldMessage, isQuantityString } from '../../../api/schema/structural.js';
import { bigPod, deployment, node, service } from './fixtures.js';

describe('checkStructure', () => {
  it.each([
    ['v1', 'Pod', bigPod()],
    ['apps/v1', 'Deployment', deployment()],
    ['v1', 'Node', node()],
    ['v1', 'Service', service()],
    ['v1', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' }, immutable: true }],
    ['v1', 'Secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { a: 'Yg==' }, stringData: { b: 'c' } }],
    ['coordination.k8s.io/v1', 'Lease', { metadata: { name: 'node01', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node01', leaseDurationSeconds: 40, renewTime: '2024-01-02T15:04:05.000000Z' } }],
    ['discovery.k8s.io/v1', 'EndpointSlice', { metadata: { name: 'web-abc' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'node01', targetRef: { kind: 'Pod', name: 'web-0', namespace: 'default' } }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }],
    ['v1', 'Endpoints', { metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: '10.244.1.5', nodeName: 'node01', targetRef: { kind: 'Pod', name: 'web-0' } }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }] }],
    ['v1', 'Binding', { metadata: { name: 'web-0' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node01' } }],
    ['policy/v1', 'Eviction', { metadata: { name: 'web-0' }, deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'u' }, propagationPolicy: 'Background', dryRun: ['All'] } }],
    ['autoscaling/v1', 'Scale', { metadata: { name: 'web' }, spec: { replicas: 5 }, status: { replicas: 3, selector: 'app=web' } }],
    ['events.k8s.io/v1', 'Event', { metadata: { name: 'e' }, eventTime: '2024-01-02T15:04:05.000000Z', reportingController: 'kubelab/scheduler', reportingInstance: 'x', action: 'Binding', reason: 'Scheduled', regarding: { kind: 'Pod', name: 'p' }, note: 'ok', type: 'Normal' }],
    ['v1', 'Event', { metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'p' }, reason: 'Scheduled', message: 'ok', source: { component: 'default-scheduler' }, count: 1, type: 'Normal', firstTimestamp: '2024-01-02T15:04:05Z' }],
    ['v1', 'PodList', { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '5' }, items: [bigPod()] }],
  ])('%s %s: a realistic object has no errors and no unknown fields', (apiVersion, kind, obj) => {
    const r = checkStructure(apiVersion, kind, obj, { strict: true });
    expect(r.unknownFields).toEqual([]);
    expect(r.causes).toEqual([]);
  });

  it('reports a type error with upstream wording and field', () => {
    const d = deployment();
    (d.spec as Record<string, unknown>).replicas = '3';
    const r = checkStructure('apps/v1', 'Deployment', d, { strict: true });
    expect(r.causes).toEqual([
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.replicas',
        message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      },
    ]);
  });

  it.each([
    ['spec.paused', 'yes', 'boolean', 'string'],
    ['spec.selector', 'app=web', 'object', 'string'],
    ['spec.template.spec.containers', { name: 'x' }, 'array', 'object'],
    ['metadata.labels', ['a'], 'object', 'array'],
    ['metadata.name', 5, 'string', 'integer'],
    ['spec.strategy.rollingUpdate.maxSurge', true, 'integer,string', 'boolean'],
  ])('type error at %s', (path, value, expected, actual) => {
    const d = deployment();
    setPath(d, path, value);
    const r = checkStructure('apps/v1', 'Deployment', d, { strict: true });
    expect(r.causes).toHaveLength(1);
    expect(r.causes[0].field).toBe(path);
    expect(r.causes[0].message).toBe(`Invalid value: "${actual}": ${path} in body must be of type ${expected}: "${actual}"`);
  });

  it('type errors inside lists and maps carry indices and keys', () => {
    const p = bigPod();
    const c = ((p.spec as Record<string, unknown>).containers as Record<string, unknown>[])[0];
    (c.ports as Record<string, unknown>[])[1].containerPort = '443';
    (p.metadata as Record<string, Record<string, unknown>>).labels.app = 7;
    const r = checkStructure('v1', 'Pod', p, { strict: true });
    expect(r.causes.map((x) => x.field).sort()).toEqual(['metadata.labels.app', 'spec.containers[0].ports[1].containerPort']);
  });

  it('rejects a malformed quantity like the decoder does', () => {
    const p = bigPod();
    const c = ((p.spec as Record<string, unknown>).containers as Record<string, Record<string, Record<string, unknown>>>[])[0];
    c.resources.limits.memory = '128 megabytes';
    const r = checkStructure('v1', 'Pod', p, { strict: true });
    expect(r.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.containers[0].resources.limits.memory',
        message: `Invalid value: "128 megabytes": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      },
    ]);
  });

  it('lists unknown fields with paths from the root and list indices', () => {
    const d = deployment();
    (d.spec as Record<string, unknown>).replicasx = 3;
    const tpl = (d.spec as Record<string, Record<string, Record<string, unknown>>>).template;
    (tpl.spec.containers as unknown as Record<string, unknown>[])[0].foo = 'bar';
    (d as Record<string, unknown>).extra = {};
    const r = checkStructure('apps/v1', 'Deployment', d, { strict: true });
    expect([...r.unknownFields].sort()).toEqual(['extra', 'spec.replicasx', 'spec.template.spec.containers[0].foo']);
    expect(r.causes).toEqual([]);
    expect(strictDecodingMessage(['spec.replicasx', 'spec.template.spec.containers[0].foo'])).toBe(
      'strict decoding error: unknown field "spec.replicasx", unknown field "spec.template.spec.containers[0].foo"',
    );
    expect(unknownFieldMessage('spec.replicasx')).toBe('unknown field "spec.replicasx"');
  });

  it('null is accepted for any field (unset)', () => {
    const r = checkStructure('apps/v1', 'Deployment', { metadata: { name: 'x', labels: null }, spec: { replicas: null, template: null } }, { strict: true });
    expect(r).toEqual({ causes: [], messages: [], unknownFields: [] });
  });

  it('unknown kinds are not checked', () => {
    expect(checkStructure('example.com/v1', 'Widget', { foo: 1 }, { strict: true })).toEqual({ causes: [], messages: [], unknownFields: [] });
  });

  it('preserve-unknown-fields content (managedFields.fieldsV1) is not checked', () => {
    const r = checkStructure('v1', 'ConfigMap', { metadata: { name: 'c', managedFields: [{ fieldsV1: { 'f:data': { 'f:x': {} } } }] } }, { strict: true });
    expect(r.unknownFields).toEqual([]);
  });
});

describe('numbers that do not fit their Go field (upstream JSON decoder wording)', () => {
  const pod = (spec: Record<string, unknown>): Record<string, unknown> => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } });
  const bad: [string, string, string, Record<string, unknown>, string, string][] = [
    ['fraction in int32', 'apps/v1', 'Deployment', { spec: { replicas: 2.5 } }, 'spec.replicas', 'json: cannot unmarshal number 2.5 into Go struct field DeploymentSpec.spec.replicas of type int32'],
    ['2^31 in int32', 'apps/v1', 'Deployment', { spec: { replicas: 2 ** 31 } }, 'spec.replicas', 'json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32'],
    ['-2^31-1 in int32', 'apps/v1', 'ReplicaSet', { spec: { replicas: -(2 ** 31) - 1 } }, 'spec.replicas', 'json: cannot unmarshal number -2147483649 into Go struct field ReplicaSetSpec.spec.replicas of type int32'],
    ['1e30 in int64', 'v1', 'Pod', pod({ terminationGracePeriodSeconds: 1e30 }), 'spec.terminationGracePeriodSeconds', 'json: cannot unmarshal number 1e+30 into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64'],
    ['2^63 in int64', 'v1', 'Pod', pod({ activeDeadlineSeconds: 2 ** 63 }), 'spec.activeDeadlineSeconds', 'json: cannot unmarshal number 9223372036854776000 into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64'],
    ['a list item: no index in the Go path', 'v1', 'Pod', { spec: { containers: [{ name: 'c' }, { name: 'd', ports: [{ containerPort: 80 }, { containerPort: 80.5 }] }] } }, 'spec.containers[1].ports[1].containerPort', 'json: cannot unmarshal number 80.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32'],
    ['an int64 list', 'v1', 'Pod', pod({ securityContext: { supplementalGroups: [1, 1.5] } }), 'spec.securityContext.supplementalGroups[1]', 'json: cannot unmarshal number 1.5 into Go struct field PodSecurityContext.spec.securityContext.supplementalGroups of type int64'],
    ['IntOrString decodes on its own into int32', 'apps/v1', 'Deployment', { spec: { strategy: { rollingUpdate: { maxSurge: 2 ** 31 } } } }, 'spec.strategy.rollingUpdate.maxSurge', 'json: cannot unmarshal number 2147483648 into Go value of type int32'],
    ['ObjectMeta', 'v1', 'ConfigMap', { metadata: { name: 'c', generation: 0.5 } }, 'metadata.generation', 'json: cannot unmarshal number 0.5 into Go struct field ObjectMeta.metadata.generation of type int64'],
    ['a top-level field', 'v1', 'Event', { metadata: { name: 'e' }, count: 1e10 }, 'count', 'json: cannot unmarshal number 10000000000 into Go struct field Event.count of type int32'],
    ['DeleteOptions', 'v1', 'DeleteOptions', { gracePeriodSeconds: 1e30 }, 'gracePeriodSeconds', 'json: cannot unmarshal number 1e+30 into Go struct field DeleteOptions.gracePeriodSeconds of type int64'],
    ['Scale', 'autoscaling/v1', 'Scale', { spec: { replicas: 2 ** 31 } }, 'spec.replicas', 'json: cannot unmarshal number 2147483648 into Go struct field ScaleSpec.spec.replicas of type int32'],
    ['Lease', 'coordination.k8s.io/v1', 'Lease', { spec: { leaseDurationSeconds: 1e10 } }, 'spec.leaseDurationSeconds', 'json: cannot unmarshal number 10000000000 into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32'],
    ['an overflowed literal in preserve-unknown content', 'v1', 'ConfigMap', { metadata: { name: 'c', managedFields: [{ fieldsV1: { 'f:x': Infinity } }] } }, 'metadata.managedFields[0].fieldsV1.f:x', 'json: cannot unmarshal number +Inf into Go struct field ManagedFieldsEntry.metadata.managedFields.fieldsV1 of type float64'],
  ];
  it.each(bad)('%s: %s %s', (_name, apiVersion, kind, obj, field, message) => {
    const r = checkStructure(apiVersion, kind, obj, { strict: true });
    expect(r.causes).toEqual([{ reason: 'FieldValueTypeInvalid', field, message }]);
    expect(r.messages).toEqual([message]);
  });

  const good: [string, string, string, Record<string, unknown>][] = [
    ['int32 bounds', 'apps/v1', 'Deployment', { spec: { replicas: 2 ** 31 - 1, minReadySeconds: -(2 ** 31) } }],
    ['int64 bounds (the largest doubles inside)', 'v1', 'Pod', pod({ activeDeadlineSeconds: 2 ** 63 - 1024, terminationGracePeriodSeconds: -(2 ** 63) })],
    ['2^31 in an int64 field', 'v1', 'Pod', pod({ terminationGracePeriodSeconds: 2 ** 31 })],
    ['IntOrString int32 and string', 'apps/v1', 'Deployment', { spec: { strategy: { rollingUpdate: { maxSurge: 2 ** 31 - 1, maxUnavailable: '25%' } } } }],
    ['a fractional quantity number', 'v1', 'Pod', { spec: { containers: [{ name: 'c', resources: { limits: { cpu: 0.5 } } }] } }],
  ];
  it.each(good)('%s fit', (_name, apiVersion, kind, obj) => {
    expect(checkStructure(apiVersion, kind, obj, { strict: true }).causes).toEqual([]);
  });

  it('a non-finite quantity number is an invalid quantity', () => {
    const r = checkStructure('v1', 'Pod', { spec: { containers: [{ name: 'c', resources: { limits: { cpu: Infinity } } }] } }, { strict: true });
    expect(r.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.containers[0].resources.limits.cpu', message: `Invalid value: "Infinity": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'` },
    ]);
  });

  it('the decoder message names schema type errors with their field, numbers with their Go field', () => {
    const r = checkStructure('apps/v1', 'Deployment', { spec: { replicas: 'x', minReadySeconds: 1.5 } }, { strict: true });
    expect(r.messages).toEqual([
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.minReadySeconds of type int32',
    ]);
  });
});

describe('pruneUnknown', () => {
  it('drops unknown fields in place and returns their paths; keeps everything known', () => {
    const d = deployment();
    const before = JSON.parse(JSON.stringify(d));
    (d.spec as Record<string, unknown>).replicasx = 3;
    const c = ((d.spec as Record<string, Record<string, Record<string, unknown>>>).template.spec.containers as unknown as Record<string, unknown>[])[0];
    c.foo = 'bar';
    const pruned = pruneUnknown('apps/v1', 'Deployment', d);
    expect([...pruned].sort()).toEqual(['spec.replicasx', 'spec.template.spec.containers[0].foo']);
    expect(d).toEqual(before);
  });

  it('returns [] for an unknown kind and leaves it alone', () => {
    const o = { a: 1 };
    expect(pruneUnknown('x/v1', 'Y', o)).toEqual([]);
    expect(o).toEqual({ a: 1 });
  });
});

describe('isQuantityString', () => {
  it.each([
    ['100m', true], ['1Gi', true], ['0.5', true], ['1e3', true], ['2', true], ['128Mi', true], ['1.5Gi', true], ['+1', true],
    ['', false], ['1 Gi', false], ['Gi', false], ['1GB', false], ['abc', false], ['1Mii', false],
  ])('%s -> %s', (s, ok) => {
    expect(isQuantityString(s)).toBe(ok);
  });
});

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) cur = cur[p] as Record<string, unknown>;
  cur[parts[parts.length - 1]] = value;
}

