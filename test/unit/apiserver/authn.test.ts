/**
 * Authentication as upstream's union of bearer token, client certificate and (with --anonymous-auth, the
 * default) the anonymous user: no credential is system:anonymous in system:unauthenticated; a credential that is
 * presented but wrong is a failure (401) even with anonymous requests allowed.
 */
import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { ANONYMOUS_USER, Authenticator, bearerToken } from '../../../control-plane/apiserver/authn.js';

function request(headers: Record<string, string>, cert: { authorized: boolean; subject?: { CN: string; O?: string } } | undefined = undefined): IncomingMessage {
  const socket = { authorized: cert?.authorized ?? false, getPeerCertificate: () => (cert ? { subject: cert.subject ?? {} } : {}) };
  return { headers, socket } as unknown as IncomingMessage;
}

const tokens = new Map([['good', { name: 'jane', uid: 'u1', groups: ['developers'] }]]);

describe('bearerToken (upstream bearertoken authenticator)', () => {
  it.each([
    ['Bearer good', 'good'],
    ['bearer good', 'good'],
    ['  Bearer good  ', 'good'],
    ['Bearer good extra', 'good'],
    ['Bearer', undefined],
    ['Bearer  good', undefined],
    ['Basic dXNlcjpwdw==', undefined],
    ['', undefined],
  ])('%j -> %j', (header, want) => {
    expect(bearerToken(header)).toBe(want);
  });
});

describe('Authenticator', async () => {
  const a = new Authenticator(tokens);

  it('a known token is its user, in system:authenticated', async () => {
    expect(await a.authenticate(request({ authorization: 'Bearer good' }))).toEqual({ name: 'jane', uid: 'u1', groups: ['developers', 'system:authenticated'] });
  });

  it('no credential is system:anonymous in system:unauthenticated (the default), or a failure with anonymous off', async () => {
    expect(await a.authenticate(request({}))).toEqual({ name: 'system:anonymous', groups: ['system:unauthenticated'] });
    expect(await a.authenticate(request({ authorization: 'Basic dXNlcjpwdw==' }))).toBe(ANONYMOUS_USER);
    expect(await new Authenticator(tokens, { anonymous: false }).authenticate(request({}))).toBeUndefined();
  });

  it('a presented but wrong credential is a failure, never anonymous', async () => {
    expect(await a.authenticate(request({ authorization: 'Bearer wrong' }))).toBeUndefined();
    expect(await a.authenticate(request({}, { authorized: false, subject: { CN: 'mallory' } }))).toBeUndefined();
  });

  it('a verified client certificate without a CN names nobody: the request goes on as anonymous', async () => {
    expect(await a.authenticate(request({}, { authorized: true, subject: { CN: '' } }))).toBe(ANONYMOUS_USER);
  });

  it('a client certificate the CA signed is its CN in its O groups', async () => {
    expect(await a.authenticate(request({}, { authorized: true, subject: { CN: 'admin', O: 'system:masters' } }))).toEqual({ name: 'admin', groups: ['system:masters', 'system:authenticated'] });
  });
});
