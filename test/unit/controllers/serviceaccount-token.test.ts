/**
 * The legacy token controller (upstream's tokens_controller): the pure decision, then the adapter on the in-process
 * API filling a token Secret whose token the API server's authenticator accepts, and deleting it with its account.
 */
import { generateKeyPairSync } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { InProcessApi } from '../../support/in-process-api.js';
import { InformerFactory } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { parseSigningKey } from '../../../control-plane/apiserver/serviceaccount-keys.js';
import { ServiceAccountTokenAuthenticator } from '../../../control-plane/apiserver/serviceaccount-token.js';
import { ServiceAccountTokenController } from '../../../control-plane/controllers/serviceaccounttoken/controller.js';
import { decideTokenSecret, SA_NAME_ANNOTATION, SA_UID_ANNOTATION } from '../../../control-plane/controllers/serviceaccounttoken/decide.js';
import { R, newControllerContext } from '../../../control-plane/controllers/util/context.js';
import type { Secret, ServiceAccount } from '../../../control-plane/controllers/util/types.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const sa: ServiceAccount = { metadata: { name: 'robot', namespace: 'team', uid: 'r-uid' } };
const secret = (o: Partial<Secret> = {}, annotations: Record<string, string> = { [SA_NAME_ANNOTATION]: 'robot' }): Secret => ({
  metadata: { name: 'robot-token', namespace: 'team', uid: 's-uid', annotations },
  type: 'kubernetes.io/service-account-token',
  ...o,
});

describe('decideTokenSecret', () => {
  it.each([
    ['another type: nothing', secret({ type: 'Opaque' }), sa, 'none'],
    ['no account annotation: nothing', secret({}, {}), sa, 'none'],
    ['the account is gone: delete', secret(), undefined, 'delete'],
    ['empty: filled (token signed by the caller)', secret(), sa, 'update'],
    ['complete: nothing', secret({ data: { token: 'dA==', namespace: b64('team'), 'ca.crt': b64('CA') } }, { [SA_NAME_ANNOTATION]: 'robot', [SA_UID_ANNOTATION]: 'r-uid' }), sa, 'none'],
    ['another CA: ca.crt rewritten, token kept', secret({ data: { token: 'dA==', namespace: b64('team'), 'ca.crt': b64('OLD') } }, { [SA_NAME_ANNOTATION]: 'robot', [SA_UID_ANNOTATION]: 'r-uid' }), sa, 'update'],
  ] as const)('%s', (_what, s, account, op) => {
    expect(decideTokenSecret(s, account, 'CA').op).toBe(op);
  });

  it('fills ca.crt, namespace and the uid annotation, and asks for a token', () => {
    const a = decideTokenSecret(secret(), sa, 'CA');
    if (a.op !== 'update') throw new Error(a.op);
    expect(a.token).toBe(true);
    expect(a.body.data).toEqual({ 'ca.crt': b64('CA'), namespace: b64('team') });
    expect(a.body.metadata?.annotations).toEqual({ [SA_NAME_ANNOTATION]: 'robot', [SA_UID_ANNOTATION]: 'r-uid' });
  });
});

async function waitFor<T>(get: () => T | undefined, what: string, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the legacy token controller on the in-process API', () => {
  it('fills a token Secret whose token authenticates as the account, and deletes it with the account', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const key = parseSigningKey(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'k');
    const client = new InProcessApi();
    const informers = new InformerFactory(client, { logger: silentLogger });
    const ctx = newControllerContext(client, informers, { logger: () => silentLogger });
    const controller = new ServiceAccountTokenController(ctx, key, 'CA PEM');
    const abort = new AbortController();
    setMaxListeners(50, abort.signal);
    informers.start();
    const running = controller.run(abort.signal);
    try {
      await client.create(R.namespaces, undefined, { metadata: { name: 'team' } });
      const account = await client.create<ServiceAccount>(R.serviceAccounts, 'team', { metadata: { name: 'robot', namespace: 'team' } });
      await client.create(R.secrets, 'team', secret({ metadata: { name: 'robot-token', namespace: 'team', annotations: { [SA_NAME_ANNOTATION]: 'robot' } } }));
      const filled = await waitFor(() => client.peek<Secret>(R.secrets, 'team', 'robot-token')?.data?.token ? client.peek<Secret>(R.secrets, 'team', 'robot-token') : undefined, 'token');
      expect(Buffer.from(filled.data!['ca.crt']!, 'base64').toString()).toBe('CA PEM');
      expect(Buffer.from(filled.data!.namespace!, 'base64').toString()).toBe('team');
      expect(filled.metadata?.annotations?.[SA_UID_ANNOTATION]).toBe(account.metadata?.uid);
      const token = Buffer.from(filled.data!.token!, 'base64').toString();
      const objects = { get: async (resource: string, ns: string | undefined, name: string) => client.peek(resource === 'secrets' ? R.secrets : R.serviceAccounts, ns, name) };
      const authn = new ServiceAccountTokenAuthenticator({ issuers: ['https://kubernetes.default.svc.cluster.local'], keys: [key], audiences: ['https://kubernetes.default.svc.cluster.local'] }, objects);
      expect(await authn.authenticate(token)).toMatchObject({ handled: true, user: { name: 'system:serviceaccount:team:robot', uid: account.metadata?.uid } });
      await client.delete(R.serviceAccounts, 'team', 'robot');
      await waitFor(() => (client.peek(R.secrets, 'team', 'robot-token') ? undefined : true), 'secret deleted');
    } finally {
      abort.abort();
      await running;
      await informers.stop();
      client.closeWatches();
    }
  });
});
