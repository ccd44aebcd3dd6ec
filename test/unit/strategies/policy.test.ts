/** policy/v1 PodDisruptionBudget: upstream's validation messages, strategy (status, generation) and printer. */
import { describe, expect, it } from 'vitest';
import {
  prepareForCreate,
  prepareForUpdate,
  prepareForStatusUpdate,
  validatePodDisruptionBudget,
  validatePodDisruptionBudgetStatusUpdate,
  validatePodDisruptionBudgetUpdate,
} from '../../../api/strategies/policy.js';
import { podDisruptionBudgetCells, podDisruptionBudgetColumns } from '../../../api/strategies/printers.js';
import type { PodDisruptionBudget, Relaxed } from '../../../api/types/index.js';

type PDB = Relaxed<PodDisruptionBudget>;
const pdb = (spec: PDB['spec'], status?: PDB['status']): PDB => ({
  metadata: { name: 'web', namespace: 'default', resourceVersion: '5', generation: 1 },
  spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
  ...(status ? { status } : {}),
});
const messages = (causes: { field?: string; message?: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);

describe('PodDisruptionBudget validation', () => {
  it.each([
    ['minAvailable integer', { minAvailable: 2 }],
    ['minAvailable percent', { minAvailable: '100%' }],
    ['maxUnavailable 0', { maxUnavailable: 0 }],
    ['maxUnavailable percent, AlwaysAllow', { maxUnavailable: '25%', unhealthyPodEvictionPolicy: 'AlwaysAllow' }],
    ['neither (upstream allows it)', {}],
  ] as const)('%s is valid', (_n, spec) => {
    expect(validatePodDisruptionBudget(pdb(spec))).toEqual([]);
  });

  it.each([
    ['both set', { minAvailable: 1, maxUnavailable: 1 }, ['spec: Invalid value: {"selector":{"matchLabels":{"app":"web"}},"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set']],
    ['a negative integer', { minAvailable: -1 }, ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']],
    [
      'a string that is no percentage',
      { maxUnavailable: '50' },
      [
        'spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"50"}: a valid percent string must be a numeric string followed by an ending \'%\' (e.g. \'1%\',  or \'93%\', regex used for validation is \'[0-9]+%\')',
      ],
    ],
    ['over 100%', { minAvailable: '101%' }, ['spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"101%"}: must not be greater than 100%']],
    ['an unknown eviction policy', { minAvailable: 1, unhealthyPodEvictionPolicy: 'Never' }, ['spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"']],
    ['a bad selector operator', { minAvailable: 1, selector: { matchExpressions: [{ key: 'app', operator: 'Near' }] } }, ['spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator']],
  ] as const)('%s', (_n, spec, want) => {
    const p = pdb(spec as PDB['spec']);
    expect(messages(validatePodDisruptionBudget(p))).toEqual(want);
    expect(messages(validatePodDisruptionBudgetUpdate(p, pdb({})))).toEqual(want);
  });

  it('needs a namespace and a DNS-subdomain name', () => {
    expect(messages(validatePodDisruptionBudget({ metadata: { name: 'Web' }, spec: {} }))).toEqual([
      "metadata.name: Invalid value: \"Web\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      'metadata.namespace: Required value',
    ]);
  });

  it('status updates: counts are not negative, conditions are metav1 conditions', () => {
    const bad = pdb({ minAvailable: 1 }, { disruptionsAllowed: -1, expectedPods: -2, conditions: [{ type: 'DisruptionAllowed', status: 'Maybe', reason: '', message: '', lastTransitionTime: '' }] });
    expect(messages(validatePodDisruptionBudgetStatusUpdate(bad, pdb({ minAvailable: 1 })))).toEqual([
      'status.conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
      'status.conditions[0].lastTransitionTime: Required value: must be set',
      'status.conditions[0].reason: Required value: must be set',
      'status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0',
      'status.expectedPods: Invalid value: -2: must be greater than or equal to 0',
    ]);
  });
});

describe('PodDisruptionBudget strategy', () => {
  it('create: status cleared to the zero counts, generation 1', () => {
    const p = pdb({ minAvailable: 1 }, { disruptionsAllowed: 9 });
    p.metadata!.generation = 7;
    prepareForCreate(p);
    expect(p.status).toEqual({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    expect(p.metadata?.generation).toBe(1);
  });

  it('update: status kept, generation moves on a spec change only; status update keeps the spec', () => {
    const old = pdb({ minAvailable: 1 }, { disruptionsAllowed: 1 });
    const same = pdb({ minAvailable: 1 }, { disruptionsAllowed: 5 });
    prepareForUpdate(same, old);
    expect(same.status?.disruptionsAllowed).toBe(1);
    expect(same.metadata?.generation).toBe(1);
    const changed = pdb({ minAvailable: 2 });
    prepareForUpdate(changed, old);
    expect(changed.metadata?.generation).toBe(2);
    const st = pdb({ minAvailable: 9 }, { disruptionsAllowed: 3 });
    prepareForStatusUpdate(st, old);
    expect(st.spec?.minAvailable).toBe(1);
    expect(st.status?.disruptionsAllowed).toBe(3);
  });
});

describe('PodDisruptionBudget printer', () => {
  it('NAME, MIN AVAILABLE, MAX UNAVAILABLE (N/A when unset), ALLOWED DISRUPTIONS, AGE', () => {
    expect(podDisruptionBudgetColumns.map((c) => [c.name, c.type])).toEqual([
      ['Name', 'string'],
      ['Min Available', 'string'],
      ['Max Unavailable', 'string'],
      ['Allowed Disruptions', 'integer'],
      ['Age', 'string'],
    ]);
    const p = { ...pdb({ minAvailable: '50%' }, { disruptionsAllowed: 2 }), metadata: { name: 'web', creationTimestamp: '2026-01-01T12:00:00Z' } };
    expect(podDisruptionBudgetCells(p, new Date('2026-01-01T12:05:00Z'))).toEqual(['web', '50%', 'N/A', 2, '5m']);
  });
});
