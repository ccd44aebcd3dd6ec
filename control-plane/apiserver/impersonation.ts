/**
 * User impersonation (upstream's k8s.io/apiserver/pkg/endpoints/filters/impersonation.go): the headers
 * `Impersonate-User`, `Impersonate-Uid`, `Impersonate-Group` (repeatable) and `Impersonate-Extra-<key>` make the
 * request act as another user, when the authenticated user may `impersonate` each of them: `users` (or
 * `serviceaccounts` in the account's namespace for `system:serviceaccount:<ns>:<name>`), `groups`, `uids`, and
 * `userextras/<key>` named by the value. A refusal is upstream's 403 (`users "bob" is forbidden: User "jane" cannot
 * impersonate resource "users" in API group "" at the cluster scope`). The impersonated user gets
 * `system:authenticated` (a service account also `system:serviceaccounts` and `system:serviceaccounts:<ns>`), as
 * upstream. Groups, uid or extras without a user are refused (upstream's `requested [...] without impersonating a
 * user`, a 500 there, a 400 here: it is the client's mistake). Pure: headers + authorize -> the user or the error.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { errors, KubeError } from '../../api/errors.js';
import type { UserInfo } from './authn.js';
import { forbidden, forbiddenMessage, type Attributes, type Decision } from './authz.js';

const SA_PREFIX = 'system:serviceaccount:';
const EXTRA_PREFIX = 'impersonate-extra-';

interface Request {
  kind: 'User' | 'ServiceAccount' | 'Group' | 'UID' | 'Extra';
  name: string;
  namespace?: string;
  key?: string;
}

const values = (h: IncomingHttpHeaders, name: string): string[] => {
  const v = h[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '');
};

/** upstream buildImpersonationRequests. */
export function impersonationRequests(h: IncomingHttpHeaders): Request[] | KubeError {
  const out: Request[] = [];
  const user = values(h, 'impersonate-user')[0];
  if (user) {
    if (user.startsWith(SA_PREFIX)) {
      const [ns, name] = user.slice(SA_PREFIX.length).split(':');
      out.push({ kind: 'ServiceAccount', name: name ?? '', namespace: ns ?? '' });
    } else out.push({ kind: 'User', name: user });
  }
  for (const g of values(h, 'impersonate-group')) out.push({ kind: 'Group', name: g });
  const uid = values(h, 'impersonate-uid')[0];
  if (uid) out.push({ kind: 'UID', name: uid });
  for (const [header, v] of Object.entries(h)) {
    if (!header.startsWith(EXTRA_PREFIX) || v === undefined) continue;
    const key = decodeURIComponent(header.slice(EXTRA_PREFIX.length));
    for (const value of Array.isArray(v) ? v : [v]) out.push({ kind: 'Extra', key, name: value });
  }
  if (!user && out.length > 0) {
    return errors.badRequest(`requested [${out.map((r) => `{${r.kind} ${r.name}}`).join(' ')}] without impersonating a user`);
  }
  return out;
}

function attributesOf(r: Request): Attributes {
  const base = { verb: 'impersonate', group: '', subresource: '', namespace: '', isResourceRequest: true, path: '', name: r.name };
  switch (r.kind) {
    case 'ServiceAccount':
      return { ...base, resource: 'serviceaccounts', namespace: r.namespace ?? '' };
    case 'User':
      return { ...base, resource: 'users' };
    case 'Group':
      return { ...base, resource: 'groups' };
    case 'UID':
      return { ...base, group: 'authentication.k8s.io', resource: 'uids' };
    case 'Extra':
      return { ...base, group: 'authentication.k8s.io', resource: 'userextras', subresource: r.key ?? '' };
  }
}

/** The user a request acts as: `user` itself without impersonation headers, else the impersonated one, or the 403/400. */
export function impersonatedUser(user: UserInfo, h: IncomingHttpHeaders, authorize: (u: UserInfo, a: Attributes) => Decision): UserInfo | KubeError {
  const reqs = impersonationRequests(h);
  if (reqs instanceof KubeError) return reqs;
  if (reqs.length === 0) return user;
  let name = '';
  let uid: string | undefined;
  const groups: string[] = [];
  const extra: Record<string, string[]> = {};
  for (const r of reqs) {
    const a = attributesOf(r);
    const d = authorize(user, a);
    if (!d.allowed) return forbidden(a, { reason: forbiddenMessage(user, a, d.why) });
    if (r.kind === 'User') name = r.name;
    else if (r.kind === 'ServiceAccount') {
      name = `${SA_PREFIX}${r.namespace}:${r.name}`;
      groups.push('system:serviceaccounts', `system:serviceaccounts:${r.namespace}`);
    } else if (r.kind === 'Group') groups.push(r.name);
    else if (r.kind === 'UID') uid = r.name;
    else (extra[r.key ?? ''] ??= []).push(r.name);
  }
  if (name === 'system:anonymous') {
    if (!groups.includes('system:unauthenticated')) groups.push('system:unauthenticated');
  } else if (!groups.includes('system:authenticated')) groups.push('system:authenticated');
  return { name, groups, ...(uid ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}

/** Headers the impersonation consumed, removed before the request goes on (upstream strips them). */
export function stripImpersonationHeaders(h: IncomingHttpHeaders): void {
  for (const k of Object.keys(h)) if (k === 'impersonate-user' || k === 'impersonate-group' || k === 'impersonate-uid' || k.startsWith(EXTRA_PREFIX)) delete h[k];
}
