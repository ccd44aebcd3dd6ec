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
    ['spec.replicas', 2.5, 'integer', 'number'],
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
    expect(r).toEqual({ causes: [], unknownFields: [] });
  });

  it('unknown kinds are not checked', () => {
    expect(checkStructure('example.com/v1', 'Widget', { foo: 1 }, { strict: true })).toEqual({ causes: [], unknownFields: [] });
  });

  it('preserve-unknown-fields content (managedFields.fieldsV1) is not checked', () => {
    const r = checkStructure('v1', 'ConfigMap', { metadata: { name: 'c', managedFields: [{ fieldsV1: { 'f:data': { 'f:x': {} } } }] } }, { strict: true });
    expect(r.unknownFields).toEqual([]);
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

