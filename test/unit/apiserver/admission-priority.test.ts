/** The Priority admission plugin and PriorityClass validation (pure), with upstream's messages. */
import { describe, expect, it } from 'vitest';
import type { AdmissionAttributes, AdmissionState, Operation } from '../../../control-plane/apiserver/admission.js';
import { defaultPriorityClass, priority } from '../../../control-plane/apiserver/admission-priority.js';
import { ADMISSION_PLUGINS } from '../../../control-plane/apiserver/admission-plugins.js';
import type { UserInfo } from '../../../control-plane/apiserver/authn.js';
import { findResource } from '../../../api/resources.js';
import { strategyFor } from '../../../api/kinds/registry.js';
import { SYSTEM_PRIORITY_CLASSES, priorityClassDeleteForbidden } from '../../../api/strategies/scheduling.js';

type Obj = Record<string, any>;
const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const cls = (name: string, value: number, o: Obj = {}): Obj => ({ metadata: { name }, value, preemptionPolicy: 'PreemptLowerPriority', ...o });

function stateOf(classes: Obj[]): AdmissionState {
  return {
    node: () => undefined,
    pod: () => undefined,
    get: (group, resource, _ns, name) => (group === 'scheduling.k8s.io' && resource === 'priorityclasses' ? classes.find((c) => c.metadata.name === name) : undefined),
    list: (group, resource) => (group === 'scheduling.k8s.io' && resource === 'priorityclasses' ? classes : []),
    read: async () => undefined,
    updateStatus: async (_g, _r, obj) => obj,
  };
}

function podAttrs(spec: Obj, operation: Operation = 'CREATE', oldSpec?: Obj, subresource = ''): AdmissionAttributes {
  return {
    operation,
    group: '',
    resource: 'pods',
    subresource,
    namespace: 'default',
    name: 'web',
    object: { metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } },
    ...(oldSpec ? { oldObject: { metadata: { name: 'web', namespace: 'default' }, spec: oldSpec } } : {}),
    user: admin,
    dryRun: false,
  };
}

const BUILTIN = SYSTEM_PRIORITY_CLASSES.map((c) => cls(c.name, c.value, { description: c.description }));

describe('Priority admission: pods', () => {
  const cases: { name: string; classes?: Obj[]; spec: Obj; want?: Obj; error?: string }[] = [
    { name: 'no class, no default: priority 0, PreemptLowerPriority', spec: {}, want: { priority: 0, preemptionPolicy: 'PreemptLowerPriority' } },
    { name: 'a class: its value and policy', classes: [cls('high', 1000)], spec: { priorityClassName: 'high' }, want: { priorityClassName: 'high', priority: 1000, preemptionPolicy: 'PreemptLowerPriority' } },
    { name: 'a non-preempting class', classes: [cls('np', 1000, { preemptionPolicy: 'Never' })], spec: { priorityClassName: 'np' }, want: { priority: 1000, preemptionPolicy: 'Never' } },
    { name: 'system-node-critical in any namespace (upstream has no namespace rule since 1.17)', spec: { priorityClassName: 'system-node-critical' }, want: { priority: 2000001000 } },
    { name: 'system-cluster-critical', spec: { priorityClassName: 'system-cluster-critical' }, want: { priority: 2000000000 } },
    {
      name: 'no class: the global default, named in the pod',
      classes: [cls('default-prio', 500, { globalDefault: true })],
      spec: {},
      want: { priorityClassName: 'default-prio', priority: 500 },
    },
    {
      name: 'two global defaults (a race): the lower value wins',
      classes: [cls('d1', 500, { globalDefault: true }), cls('d2', 300, { globalDefault: true })],
      spec: {},
      want: { priorityClassName: 'd2', priority: 300 },
    },
    { name: 'an explicit priority equal to the class value is fine', classes: [cls('high', 10)], spec: { priorityClassName: 'high', priority: 10 }, want: { priority: 10 } },
    { name: 'unknown class', spec: { priorityClassName: 'x' }, error: 'pods "web" is forbidden: no PriorityClass with name x was found' },
    {
      name: 'an explicit priority that differs from the class value',
      classes: [cls('high', 10)],
      spec: { priorityClassName: 'high', priority: 5 },
      error: 'pods "web" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 10 from the given PriorityClass name',
    },
    {
      name: 'an explicit priority with no class and no default',
      spec: { priority: 5 },
      error: 'pods "web" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name',
    },
    {
      name: 'an explicit preemptionPolicy that differs from the class',
      classes: [cls('np', 10, { preemptionPolicy: 'Never' })],
      spec: { priorityClassName: 'np', preemptionPolicy: 'PreemptLowerPriority' },
      error: 'pods "web" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const a = podAttrs(c.spec);
      const err = priority.admit(a, stateOf([...BUILTIN, ...(c.classes ?? [])]));
      if (c.error) {
        expect(err?.message).toBe(c.error);
        expect(err?.httpStatus).toBe(403);
        expect(err?.reason).toBe('Forbidden');
      } else {
        expect(err).toBeUndefined();
        expect(a.object!.spec).toMatchObject(c.want!);
      }
    });
  }

  it('an update that leaves priority and preemptionPolicy out keeps the old ones', () => {
    const a = podAttrs({}, 'UPDATE', { priority: 7, preemptionPolicy: 'Never', containers: [] });
    expect(priority.admit(a, stateOf([]))).toBeUndefined();
    expect(a.object!.spec).toMatchObject({ priority: 7, preemptionPolicy: 'Never' });
  });

  it('subresources and other resources are not its business', () => {
    const status = podAttrs({ priorityClassName: 'nope' }, 'UPDATE', { priorityClassName: 'nope' }, 'status');
    expect(priority.admit(status, stateOf([]))).toBeUndefined();
    const cm: AdmissionAttributes = { ...podAttrs({ priorityClassName: 'nope' }), resource: 'configmaps' };
    expect(priority.admit(cm, stateOf([]))).toBeUndefined();
  });

  it('runs in upstream order: after NodeRestriction', () => {
    expect(ADMISSION_PLUGINS.map((p) => p.name)).toEqual(['LimitRanger', 'ServiceAccount', 'NodeRestriction', 'Priority', 'DefaultStorageClass', 'StorageObjectInUseProtection', 'PersistentVolumeClaimResize', 'CertificateApproval', 'CertificateSigning', 'CertificateSubjectRestriction', 'DefaultIngressClass', 'ResourceQuota']);
  });
});

describe('Priority admission: PriorityClasses', () => {
  const pcAttrs = (operation: Operation, obj: Obj): AdmissionAttributes => ({
    operation,
    group: 'scheduling.k8s.io',
    resource: 'priorityclasses',
    subresource: '',
    namespace: '',
    name: obj.metadata.name,
    object: obj,
    user: admin,
    dryRun: false,
  });
  const existing = [cls('d1', 100, { globalDefault: true }), cls('other', 5)];
  it.each([
    ['a second default is refused', 'CREATE', cls('d2', 200, { globalDefault: true }), 'priorityclasses.scheduling.k8s.io "d2" is forbidden: PriorityClass d1 is already marked as default. Only one default can exist'],
    ['marking another class default is refused', 'UPDATE', cls('other', 5, { globalDefault: true }), 'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass d1 is already marked as default. Only one default can exist'],
    ['the default itself may be updated', 'UPDATE', cls('d1', 100, { globalDefault: true, description: 'x' }), undefined],
    ['a class that is not a default', 'CREATE', cls('new', 1), undefined],
  ] as const)('%s', (_n, op, obj, want) => {
    expect(priority.validate(pcAttrs(op, obj), stateOf(existing))?.message).toBe(want);
  });
  it('with no default yet, one may be created', () => {
    expect(priority.validate(pcAttrs('CREATE', cls('d', 1, { globalDefault: true })), stateOf([cls('x', 1)]))).toBeUndefined();
  });
  it('defaultPriorityClass picks the lowest value among the defaults', () => {
    expect(defaultPriorityClass([cls('a', 5, { globalDefault: true }), cls('b', 3, { globalDefault: true }), cls('c', 1)])?.metadata?.name).toBe('b');
    expect(defaultPriorityClass([cls('c', 1)])).toBeUndefined();
  });
});

describe('PriorityClass strategy (upstream pkg/apis/scheduling/validation)', () => {
  const s = strategyFor(findResource('scheduling.k8s.io', 'priorityclasses')!);
  const msgs = (causes: { field?: string; message?: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);
  const created = (o: Obj): Obj => {
    const x = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', ...o };
    s.applyDefaults(x);
    s.prepareForCreate(x);
    return x;
  };
  it('defaults preemptionPolicy and a missing value (Go zero), generation 1', () => {
    expect(created({ metadata: { name: 'x' } })).toMatchObject({ value: 0, preemptionPolicy: 'PreemptLowerPriority', metadata: { generation: 1 } });
  });
  it.each([
    [{ metadata: { name: 'ok' }, value: 1000000000 }, []],
    [{ metadata: { name: 'neg' }, value: -2147483648 }, []],
    [{ metadata: { name: 'too-high' }, value: 1000000001 }, ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']],
    [{ metadata: { name: 'system-x' }, value: 1 }, ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-x is not a known system priority class"]],
    [{ metadata: { name: 'system-node-critical' }, value: 5 }, ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000"]],
    [
      { metadata: { name: 'system-cluster-critical' }, value: 2000000000, globalDefault: true },
      ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false"],
    ],
    [{ metadata: { name: 'system-cluster-critical' }, value: 2000000000 }, []],
    [{ metadata: { name: 'p' }, value: 1, preemptionPolicy: 'Sometimes' }, ['preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"']],
    [{ metadata: { name: 'Bad_Name' }, value: 1 }, [expect.stringMatching(/^metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/)]],
  ])('validate #%#', (o, want) => {
    expect(msgs(s.validate(created(o)))).toEqual(want);
  });
  it('value and preemptionPolicy are immutable; description and globalDefault may change', () => {
    const old = { ...created({ metadata: { name: 'p', resourceVersion: '1' }, value: 1 }) };
    expect(msgs(s.validateUpdate(created({ metadata: { name: 'p', resourceVersion: '1' }, value: 2 }), old))).toEqual(['value: Forbidden: may not be changed in an update.']);
    expect(msgs(s.validateUpdate(created({ metadata: { name: 'p', resourceVersion: '1' }, value: 1, preemptionPolicy: 'Never' }), old))).toEqual([
      'preemptionPolicy: Invalid value: "Never": field is immutable',
    ]);
    expect(s.validateUpdate(created({ metadata: { name: 'p', resourceVersion: '1' }, value: 1, description: 'd', globalDefault: true }), old)).toEqual([]);
  });
  it('the system classes may not be deleted', () => {
    expect(priorityClassDeleteForbidden('system-node-critical')).toBe('this is a system priority class and cannot be deleted');
    expect(priorityClassDeleteForbidden('system-cluster-critical')).toBe('this is a system priority class and cannot be deleted');
    expect(priorityClassDeleteForbidden('system-other')).toBeUndefined();
    expect(s.deleteForbidden?.('system-node-critical')).toBe('this is a system priority class and cannot be deleted');
  });
});
