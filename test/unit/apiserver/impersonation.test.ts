/** impersonatedUser (impersonation.ts): which attributes are authorized and the user a request then acts as. */
import { describe, expect, it } from 'vitest';
import { KubeError } from '../../../api/errors.js';
import { impersonatedUser, stripImpersonationHeaders } from '../../../control-plane/apiserver/impersonation.js';
import type { Attributes, Decision } from '../../../control-plane/apiserver/authz.js';
import type { UserInfo } from '../../../control-plane/apiserver/authn.js';

const jane: UserInfo = { name: 'jane', groups: ['system:authenticated'] };

/** An authorizer allowing the listed `resource/name` (or `resource/subresource/name`) impersonations, recording what it was asked. */
function allowing(...allowed: string[]) {
  const asked: string[] = [];
  const authorize = (_u: UserInfo, a: Attributes): Decision => {
    const key = [a.group ? `${a.resource}.${a.group}` : a.resource, a.subresource, a.namespace, a.name].filter(Boolean).join('/');
    asked.push(`${a.verb} ${key}`);
    return allowed.includes(key) ? { allowed: true, reason: '' } : { allowed: false, reason: 'no', why: '' };
  };
  return { authorize, asked };
}

describe('impersonatedUser', () => {
  it('no headers: the authenticated user, nothing asked', () => {
    const z = allowing();
    expect(impersonatedUser(jane, {}, z.authorize)).toBe(jane);
    expect(z.asked).toEqual([]);
  });

  it('a user with groups, uid and extras: each authorized, system:authenticated added', () => {
    const z = allowing('users/bob', 'groups/devs', 'uids.authentication.k8s.io/u-1', 'userextras.authentication.k8s.io/scopes/view');
    const u = impersonatedUser(jane, { 'impersonate-user': 'bob', 'impersonate-group': 'devs', 'impersonate-uid': 'u-1', 'impersonate-extra-scopes': 'view' }, z.authorize);
    expect(u).toEqual({ name: 'bob', uid: 'u-1', groups: ['devs', 'system:authenticated'], extra: { scopes: ['view'] } });
    expect(z.asked).toEqual([
      'impersonate users/bob',
      'impersonate groups/devs',
      'impersonate uids.authentication.k8s.io/u-1',
      'impersonate userextras.authentication.k8s.io/scopes/view',
    ]);
  });

  it('a service account is authorized as serviceaccounts in its namespace and gets the service account groups', () => {
    const z = allowing('serviceaccounts/x/robot');
    expect(impersonatedUser(jane, { 'impersonate-user': 'system:serviceaccount:x:robot' }, z.authorize)).toEqual({
      name: 'system:serviceaccount:x:robot',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:x', 'system:authenticated'],
    });
  });

  it('the first refusal is upstream\'s 403', () => {
    const z = allowing('users/bob');
    const e = impersonatedUser(jane, { 'impersonate-user': 'bob', 'impersonate-group': 'system:masters' }, z.authorize);
    expect(e).toBeInstanceOf(KubeError);
    expect((e as KubeError).message).toBe('groups "system:masters" is forbidden: User "jane" cannot impersonate resource "groups" in API group "" at the cluster scope');
  });

  it('groups without a user are refused', () => {
    const e = impersonatedUser(jane, { 'impersonate-group': ['a', 'b'] }, allowing().authorize);
    expect((e as KubeError).message).toBe('requested [{Group a} {Group b}] without impersonating a user');
  });

  it('the headers are removed once used', () => {
    const h = { 'impersonate-user': 'bob', 'impersonate-extra-x': 'y', accept: 'application/json' };
    stripImpersonationHeaders(h);
    expect(h).toEqual({ accept: 'application/json' });
  });
});
