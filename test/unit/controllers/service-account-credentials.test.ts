/**
 * --use-service-account-credentials (control-plane/controllers/util/service-account-credentials.ts): every controller
 * but the token controller has a ServiceAccount, each such account has its upstream `system:controller:<name>` role
 * in the bootstrap policy and is bound to it in kube-system, and tokens are asked for again at 80% of their life.
 */
import { describe, expect, it } from 'vitest';
import { CONTROLLERS } from '../../../control-plane/controllers/table.js';
import { CONTROLLER_SERVICE_ACCOUNTS, refreshDelayMs } from '../../../control-plane/controllers/util/service-account-credentials.js';
import { bootstrapClusterRoleBindings, CLUSTER_ROLES } from '../../../control-plane/apiserver/bootstrap-policy.js';

describe('controller service accounts', () => {
  it('every controller of the table but the token controller has one, and nothing else is listed', () => {
    const names = CONTROLLERS.map((d) => d.name).filter((n) => n !== 'serviceaccount-token-controller');
    expect(Object.keys(CONTROLLER_SERVICE_ACCOUNTS).sort()).toEqual([...names].sort());
  });
  it.each(Object.entries(CONTROLLER_SERVICE_ACCOUNTS))('%s acts as kube-system/%s, bound to its system:controller role', (_controller, sa) => {
    expect(CLUSTER_ROLES[`system:controller:${sa}`]).toBeDefined();
    const binding = bootstrapClusterRoleBindings().find((b) => b.metadata.name === `system:controller:${sa}`);
    expect(binding?.subjects).toContainEqual({ kind: 'ServiceAccount', name: sa, namespace: 'kube-system' });
    expect(binding?.roleRef.name).toBe(`system:controller:${sa}`);
  });
  it('a token is asked for again after 80% of its life, never sooner than 10 s', () => {
    expect(refreshDelayMs(0, 3_600_000, 0)).toBe(2_880_000);
    expect(refreshDelayMs(0, 3_600_000, 1_000_000)).toBe(1_880_000);
    expect(refreshDelayMs(0, 3_600_000, 3_000_000)).toBe(10_000);
  });
});
