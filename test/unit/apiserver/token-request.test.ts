/** TokenRequest (upstream's TokenREST.Create): validation, lifetimes, bound objects, and NodeRestriction's token rule. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { errors, KubeError } from '../../../api/errors.js';
import { parseSigningKey } from '../../../control-plane/apiserver/serviceaccount-keys.js';
import { issueToken, prepareTokenRequest, tokenLifetime, type ObjectReader, type TokenIssuerConfig } from '../../../control-plane/apiserver/token-request.js';
import { nodeRestriction } from '../../../control-plane/apiserver/admission-noderestriction.js';
import type { AdmissionAttributes, AdmissionState } from '../../../control-plane/apiserver/admission.js';
import type { UserInfo } from '../../../control-plane/apiserver/authn.js';

const ISS = 'https://kubernetes.default.svc.cluster.local';
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const cfg: TokenIssuerConfig = {
  issuer: ISS,
  key: parseSigningKey(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'k'),
  audiences: [ISS],
  maxExpirationSeconds: 0,
  extendExpiration: true,
};

const objects: Record<string, unknown> = {
  'serviceaccounts/default/default': { metadata: { name: 'default', namespace: 'default', uid: 'sa-uid' } },
  'pods/default/web': { metadata: { name: 'web', namespace: 'default', uid: 'pod-uid' }, spec: { serviceAccountName: 'default', nodeName: 'node01' } },
  'pods/default/other': { metadata: { name: 'other', namespace: 'default', uid: 'o-uid' }, spec: { serviceAccountName: 'robot' } },
  'secrets/default/s': { metadata: { name: 's', namespace: 'default', uid: 's-uid' } },
  'nodes//node01': { metadata: { name: 'node01', uid: 'node-uid' } },
};
const plural: Record<string, string> = { serviceaccounts: 'serviceaccounts', pods: 'pods', secrets: 'secrets', nodes: 'nodes' };
const read: ObjectReader = async (resource, ns, name) => {
  const o = objects[`${resource}/${ns ?? ''}/${name}`];
  if (!o) throw errors.notFound(plural[resource]!, '', name);
  return o;
};
const readNode = async (name: string) => objects[`nodes//${name}`];

const request = (spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) =>
  prepareTokenRequest({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata, spec }, 'default', 'default', cfg.audiences);

async function failure(p: Promise<unknown> | (() => unknown)): Promise<{ code: number; message: string }> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof KubeError) return { code: e.httpStatus, message: e.message };
    throw e;
  }
  throw new Error('no error');
}

describe('prepareTokenRequest (defaults and ValidateTokenRequest)', () => {
  it('defaults expirationSeconds to 3600 and the audiences to the API audiences', () => {
    expect(request().spec).toEqual({ expirationSeconds: 3600, audiences: [ISS] });
    expect(request({ audiences: ['vault'], expirationSeconds: 600 }).spec).toEqual({ audiences: ['vault'], expirationSeconds: 600 });
  });

  it.each([
    [{ expirationSeconds: 599 }, {}, 422, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes'],
    [{ expirationSeconds: 2 ** 32 + 1 }, {}, 422, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds'],
    [{}, { name: 'robot' }, 422, 'TokenRequest.authentication.k8s.io "default" is invalid: metadata.name: Invalid value: "robot": must match the service account name if specified'],
    [{}, { namespace: 'kube-system' }, 422, 'TokenRequest.authentication.k8s.io "default" is invalid: metadata.namespace: Invalid value: "kube-system": must match the service account namespace if specified'],
  ])('%j %j -> %i', async (spec, metadata, code, message) => {
    expect(await failure(() => request(spec, metadata))).toEqual({ code, message });
  });
});

describe('tokenLifetime', () => {
  const base = { maxExpirationSeconds: 0, extendExpiration: true, podBound: true, audiences: [ISS], apiAudiences: [ISS] };
  it.each([
    ['as asked', 3600, {}, { expirationSeconds: 3600, tokenSeconds: 3600 }],
    ['the kubelet’s 3607 s pod token for the API lives a year, warnafter 3607', 3607, {}, { expirationSeconds: 3607, tokenSeconds: 31_536_000, warnAfterSeconds: 3607 }],
    ['not extended for another audience', 3607, { audiences: ['vault'] }, { expirationSeconds: 3607, tokenSeconds: 3607 }],
    ['not extended when not pod-bound', 3607, { podBound: false }, { expirationSeconds: 3607, tokenSeconds: 3607 }],
    ['not extended with the flag off', 3607, { extendExpiration: false }, { expirationSeconds: 3607, tokenSeconds: 3607 }],
    ['capped by --service-account-max-token-expiration, with a warning', 86_400, { maxExpirationSeconds: 7200 }, { expirationSeconds: 7200, tokenSeconds: 7200, warning: 'requested expiration of 86400 seconds shortened to 7200 seconds' }],
  ])('%s', (_what, requested, o, want) => {
    expect(tokenLifetime(requested, { ...base, ...o })).toEqual(want);
  });
});

describe('issueToken', () => {
  const NOW = new Date('2027-01-15T08:00:00Z');
  it('a token for the service account alone: claims as upstream, status with the expiry', async () => {
    const { object } = await issueToken(cfg, read, readNode, request({ expirationSeconds: 600 }), NOW);
    expect(object.status?.expirationTimestamp).toBe('2027-01-15T08:10:00Z');
    const c = decodeJwt(String(object.status?.token));
    expect(c).toMatchObject({ iss: ISS, sub: 'system:serviceaccount:default:default', aud: [ISS], iat: NOW.getTime() / 1000, exp: NOW.getTime() / 1000 + 600 });
    expect(c['kubernetes.io']).toEqual({ namespace: 'default', serviceaccount: { name: 'default', uid: 'sa-uid' } });
    expect(typeof c.jti).toBe('string');
  });

  it('a pod-bound token carries the pod and its node', async () => {
    const { object } = await issueToken(cfg, read, readNode, request({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'pod-uid' } }), NOW);
    expect(decodeJwt(String(object.status?.token))['kubernetes.io']).toEqual({
      namespace: 'default',
      node: { name: 'node01', uid: 'node-uid' },
      pod: { name: 'web', uid: 'pod-uid' },
      serviceaccount: { name: 'default', uid: 'sa-uid' },
    });
  });

  it.each([
    [{ apiVersion: 'v1', kind: 'Pod', name: 'gone' }, 404, 'pods "gone" not found'],
    [{ apiVersion: 'v1', kind: 'Pod', name: 'other' }, 400, 'cannot bind token for serviceaccount "default" to pod running with different serviceaccount name.'],
    [{ apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'stale' }, 409, 'Operation cannot be fulfilled on Pod "web": the UID in the bound object reference (stale) does not match the UID in record. The object might have been deleted and then recreated'],
    [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' }, 400, 'cannot bind token to object of type apps/v1, Kind=Deployment'],
    [{ apiVersion: 'v1', kind: 'Secret', name: 'nope' }, 404, 'secrets "nope" not found'],
  ])('bound to %j -> %i', async (ref, code, message) => {
    expect(await failure(issueToken(cfg, read, readNode, request({ boundObjectRef: ref }), NOW))).toEqual({ code, message });
  });

  it('a missing service account is 404', async () => {
    const tr = prepareTokenRequest({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec: {} }, 'default', 'robot', [ISS]);
    expect(await failure(issueToken(cfg, read, readNode, tr, NOW))).toEqual({ code: 404, message: 'serviceaccounts "robot" not found' });
  });
});

describe('NodeRestriction: a node’s token requests', () => {
  const node01: UserInfo = { name: 'system:node:node01', groups: ['system:nodes', 'system:authenticated'] };
  const state: AdmissionState = {
    node: () => undefined,
    pod: (_ns, name) => (name === 'web' ? { metadata: { name: 'web', uid: 'pod-uid' }, spec: { nodeName: 'node01' } } : name === 'far' ? { metadata: { name: 'far', uid: 'far-uid' }, spec: { nodeName: 'node02' } } : undefined) as never,
    get: () => undefined,
    list: () => [],
    read: async () => undefined,
    updateStatus: async (_g, _r, o) => o,
  };
  const attrs = (ref: Record<string, string> | undefined): AdmissionAttributes => ({
    operation: 'CREATE', group: '', resource: 'serviceaccounts', subresource: 'token', namespace: 'default', name: 'default',
    object: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: 'default' }, spec: ref ? { boundObjectRef: ref } : {} },
    user: node01, dryRun: false,
  });
  it.each([
    [{ apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'pod-uid' }, undefined],
    [undefined, 'serviceaccounts "default" is forbidden: node requested token not bound to a pod'],
    [{ apiVersion: 'v1', kind: 'Secret', name: 's', uid: 'x' }, 'serviceaccounts "default" is forbidden: node requested token not bound to a pod'],
    [{ apiVersion: 'v1', kind: 'Pod', name: 'web' }, 'serviceaccounts "default" is forbidden: node requested token with a pod binding without a uid'],
    [{ apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'old' }, 'serviceaccounts "default" is forbidden: the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated'],
    [{ apiVersion: 'v1', kind: 'Pod', name: 'far', uid: 'far-uid' }, 'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node'],
    [{ apiVersion: 'v1', kind: 'Pod', name: 'gone', uid: 'g' }, 'pods "gone" not found'],
  ])('%j -> %s', (ref, want) => {
    const r = nodeRestriction.admit(attrs(ref), state);
    expect(r?.message).toBe(want);
  });
});
