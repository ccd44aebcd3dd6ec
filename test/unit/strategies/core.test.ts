import { describe, expect, it } from 'vitest';
import { findResource, RESOURCES } from '../../../api/resources.js';
import { strategyFor } from '../../../api/kinds/registry.js';

const S = (group: string, plural: string) => strategyFor(findResource(group, plural)!);
const namespaces = S('', 'namespaces');
const nodes = S('', 'nodes');
const configmaps = S('', 'configmaps');
const secrets = S('', 'secrets');
const serviceaccounts = S('', 'serviceaccounts');
const events = S('', 'events');
const eventsV1 = S('events.k8s.io', 'events');
const leases = S('coordination.k8s.io', 'leases');

function fields(errs: { field?: string; reason?: string }[]): string[] {
  return errs.map((e) => `${e.field} ${e.reason}`);
}
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('every resource has a strategy', () => {
  it.each(RESOURCES.map((r) => [`${r.group || 'core'}/${r.plural}`, r] as const))('%s', (_n, info) => {
    const s = strategyFor(info);
    expect(s.info).toBe(info);
    expect(s.tableCells({ metadata: { name: 'x' } }, new Date()).length).toBe(s.tableColumns.length);
    expect(s.fieldSelectors['metadata.name']!({ metadata: { name: 'x' } })).toBe('x');
    expect(strategyFor(info)).toBe(s);
  });
});

describe('namespaces', () => {
  it('create: Active, kubernetes finalizer, name label', () => {
    const ns: any = { metadata: { name: 'team-a' } };
    namespaces.applyDefaults(ns);
    namespaces.prepareForCreate(ns);
    expect(ns.status).toEqual({ phase: 'Active' });
    expect(ns.spec.finalizers).toEqual(['kubernetes']);
    expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-a' });
    expect(namespaces.validate(ns)).toEqual([]);
  });

  it('names are DNS labels; cluster-scoped', () => {
    expect(fields(namespaces.validate({ metadata: { name: 'a.b', namespace: 'x' } }))).toEqual([
      'metadata.name FieldValueInvalid',
      'metadata.namespace FieldValueForbidden',
    ]);
  });

  it('update keeps spec.finalizers and status; status update checks the phase', () => {
    const old: any = { metadata: { name: 'a', resourceVersion: '1' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
    const ns: any = { metadata: { name: 'a', resourceVersion: '1' }, spec: { finalizers: [] }, status: { phase: 'Terminating' } };
    namespaces.prepareForUpdate(ns, old);
    expect(ns.spec.finalizers).toEqual(['kubernetes']);
    expect(ns.status.phase).toBe('Active');
    const st: any = { metadata: { name: 'a', resourceVersion: '1' }, status: { phase: 'Terminating' } };
    namespaces.prepareForStatusUpdate(st, old);
    expect(st.spec.finalizers).toEqual(['kubernetes']);
    expect(namespaces.validateStatusUpdate(st, old)).toEqual([
      { reason: 'FieldValueInvalid', field: 'status.Phase', message: 'Invalid value: "Terminating": may only be \'Active\' if `deletionTimestamp` is empty' },
    ]);
  });

  it('spec finalizers must be standard or qualified', () => {
    expect(fields(namespaces.validate({ metadata: { name: 'a' }, spec: { finalizers: ['custom', 'example.com/x'] } }))).toEqual([
      'spec.finalizers FieldValueInvalid',
    ]);
  });

  it('field selector status.phase', () => {
    expect(namespaces.fieldSelectors['status.phase']!({ status: { phase: 'Active' } })).toBe('Active');
  });
});

describe('nodes', () => {
  const node = (spec: any = {}, status: any = {}): any => ({ metadata: { name: 'node01', resourceVersion: '1' }, spec, status });

  it('create keeps status; allocatable defaults to capacity', () => {
    const n = node({}, { capacity: { cpu: '2', memory: '4Gi', pods: '110' } });
    nodes.applyDefaults(n);
    nodes.prepareForCreate(n);
    expect(n.status.allocatable).toEqual({ cpu: '2', memory: '4Gi', pods: '110' });
    expect(nodes.validate(n)).toEqual([]);
  });

  it('taints: effect required/supported, unique by key+effect (upstream metadata.taints path)', () => {
    const n = node({
      taints: [
        { key: 'a', effect: 'NoSchedule' },
        { key: 'a', effect: 'NoSchedule' },
        { key: 'b' },
        { key: 'c', effect: 'Never' },
      ],
    });
    expect(fields(nodes.validate(n))).toEqual([
      'metadata.taints[1] FieldValueDuplicate',
      'metadata.taints[2].effect FieldValueRequired',
      'metadata.taints[3].effect FieldValueNotSupported',
    ]);
  });

  it('podCIDR may be set once', () => {
    const old = node({ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] });
    const n = node({ podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'], unschedulable: true });
    expect(nodes.validateUpdate(n, old).map((e) => e.message)).toEqual([
      'Forbidden: node updates may not change podCIDR except from "" to valid',
    ]);
    const fresh = node({ podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] });
    expect(nodes.validateUpdate(fresh, node())).toEqual([]);
  });

  it('main update keeps status; field selector spec.unschedulable', () => {
    const old = node({}, { conditions: [{ type: 'Ready', status: 'True' }] });
    const n = node({ unschedulable: true }, {});
    nodes.prepareForUpdate(n, old);
    expect(n.status.conditions).toHaveLength(1);
    expect(nodes.fieldSelectors['spec.unschedulable']!(n)).toBe('true');
    expect(nodes.fieldSelectors['spec.unschedulable']!(old)).toBe('false');
  });
});

describe('configmaps', () => {
  it('validates keys, duplicates with binaryData and total size', () => {
    const cm = { metadata: { name: 'cfg', namespace: 'default' }, data: { 'a/b': 'x', dup: 'y' }, binaryData: { dup: b64('z') } };
    expect(fields(configmaps.validate(cm))).toEqual(['data[a/b] FieldValueInvalid', 'data[dup] FieldValueInvalid']);
    const big = { metadata: { name: 'cfg', namespace: 'default' }, data: { a: 'x'.repeat(1024 * 1024 + 1) } };
    expect(configmaps.validate(big)).toEqual([{ reason: 'FieldValueTooLong', field: '', message: 'Too long: may not be more than 1048576 bytes' }]);
  });

  it('immutable configmaps', () => {
    const old = { metadata: { name: 'cfg', namespace: 'default', resourceVersion: '1' }, data: { a: '1' }, immutable: true };
    const cm = { ...old, data: { a: '2' }, immutable: false };
    expect(configmaps.validateUpdate(cm, old).map((e) => `${e.field}: ${e.message}`)).toEqual([
      'immutable: Forbidden: field is immutable when `immutable` is set',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
    expect(configmaps.validateUpdate({ ...old, metadata: { ...old.metadata, labels: { a: 'b' } } }, old)).toEqual([]);
  });
});

describe('secrets', () => {
  it('defaults type Opaque and merges stringData', () => {
    const s: any = { metadata: { name: 's', namespace: 'default' }, stringData: { password: 'hunter2' } };
    secrets.applyDefaults(s);
    expect(s.type).toBe('Opaque');
    expect(s.data).toEqual({ password: b64('hunter2') });
    expect(s.stringData).toBeUndefined();
    expect(secrets.validate(s)).toEqual([]);
  });

  it.each([
    ['kubernetes.io/tls', {}, ['data[tls.crt] FieldValueRequired', 'data[tls.key] FieldValueRequired']],
    ['kubernetes.io/basic-auth', {}, ['data[username] FieldValueRequired', 'data[password] FieldValueRequired']],
    ['kubernetes.io/ssh-auth', {}, ['data[ssh-privatekey] FieldValueRequired']],
    ['kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('not json') }, ['data[.dockerconfigjson] FieldValueInvalid']],
    ['kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths":{}}') }, []],
    ['kubernetes.io/service-account-token', {}, ['metadata.annotations[kubernetes.io/service-account.name] FieldValueRequired']],
  ])('type %s', (type, data, want) => {
    expect(fields(secrets.validate({ metadata: { name: 's', namespace: 'default' }, type, data }))).toEqual(want);
  });

  it('type is immutable; immutable secrets keep data; field selector type', () => {
    const old = { metadata: { name: 's', namespace: 'default', resourceVersion: '1' }, type: 'Opaque', data: { a: b64('1') }, immutable: true };
    const s = { ...old, type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c'), 'tls.key': b64('k') } };
    expect(fields(secrets.validateUpdate(s, old))).toEqual(['type FieldValueInvalid', 'data FieldValueForbidden']);
    expect(secrets.fieldSelectors['type']!(old)).toBe('Opaque');
  });
});

describe('service accounts and leases', () => {
  it('serviceaccount names are subdomains', () => {
    expect(serviceaccounts.validate({ metadata: { name: 'build-bot', namespace: 'default' } })).toEqual([]);
    expect(fields(serviceaccounts.validate({ metadata: { name: 'Build', namespace: 'default' } }))).toEqual(['metadata.name FieldValueInvalid']);
  });

  it('lease spec', () => {
    expect(leases.validate({ metadata: { name: 'node01', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node01', leaseDurationSeconds: 40 } })).toEqual([]);
    expect(fields(leases.validate({ metadata: { name: 'x', namespace: 'y' }, spec: { leaseDurationSeconds: 0, leaseTransitions: -1 } }))).toEqual([
      'spec.leaseDurationSeconds FieldValueInvalid',
      'spec.leaseTransitions FieldValueInvalid',
    ]);
  });
});

describe('events', () => {
  const coreEvent = (over: any = {}): any => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web.17a', namespace: 'default' },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u1', apiVersion: 'v1', fieldPath: 'spec.containers{c}' },
    reason: 'Pulled',
    message: 'pulled',
    type: 'Normal',
    source: { component: 'kubelet', host: 'node01' },
    count: 1,
    ...over,
  });

  it('core/v1: namespace must match the involved object', () => {
    expect(events.validate(coreEvent())).toEqual([]);
    expect(events.validate(coreEvent({ involvedObject: { kind: 'Pod', namespace: 'other', name: 'x' } }))).toEqual([
      { reason: 'FieldValueInvalid', field: 'involvedObject.namespace', message: 'Invalid value: "other": does not match event.namespace' },
    ]);
  });

  it('core/v1 field selectors', () => {
    const got = Object.fromEntries(Object.entries(events.fieldSelectors).map(([k, f]) => [k, f(coreEvent({ reportingComponent: 'kubelet' }))]));
    expect(got).toMatchObject({
      'involvedObject.kind': 'Pod',
      'involvedObject.name': 'web',
      'involvedObject.namespace': 'default',
      'involvedObject.uid': 'u1',
      'involvedObject.fieldPath': 'spec.containers{c}',
      reason: 'Pulled',
      reportingComponent: 'kubelet',
      source: 'kubelet',
      type: 'Normal',
    });
  });

  it('events.k8s.io/v1: strict', () => {
    const good = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'web.1', namespace: 'default' },
      eventTime: '2024-01-01T00:00:00.000000Z',
      regarding: { kind: 'Pod', namespace: 'default', name: 'web' },
      reason: 'Scheduled',
      note: 'ok',
      type: 'Normal',
      action: 'Binding',
      reportingController: 'default-scheduler',
      reportingInstance: 'default-scheduler-cp',
    };
    expect(eventsV1.validate(good)).toEqual([]);
    expect(eventsV1.fieldSelectors['involvedObject.name']!(good)).toBe('web');
    const bad = { ...good, type: 'Info', action: '', deprecatedCount: 3 };
    expect(fields(eventsV1.validate(bad))).toEqual(['action FieldValueRequired', 'type FieldValueInvalid', 'deprecatedCount FieldValueInvalid']);
    const old = { ...good, metadata: { ...good.metadata, resourceVersion: '1' } };
    expect(fields(eventsV1.validateUpdate({ ...old, reason: 'Other' }, old))).toEqual(['reason FieldValueInvalid']);
  });
});
