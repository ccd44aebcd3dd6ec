/** The legacy token controller's adapter: keyed by ns/secret; an account's change looks at its token secrets again. */

import { SignJWT } from 'jose';
import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import type { SigningKey } from '../../apiserver/serviceaccount-keys.js';
import { R, isNotFound, type ControllerContext } from '../util/context.js';
import type { Secret, ServiceAccount } from '../util/types.js';
import { SA_NAME_ANNOTATION, SA_UID_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE, decideTokenSecret, legacyClaims } from './decide.js';

export const SERVICE_ACCOUNT_TOKEN_CONTROLLER = 'serviceaccount-token-controller';

export class ServiceAccountTokenController extends Controller {
  private readonly secretInformer: Informer<Secret>;
  private readonly saInformer: Informer<ServiceAccount>;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly key: SigningKey | undefined,
    private readonly rootCA: string | undefined,
  ) {
    super({ name: SERVICE_ACCOUNT_TOKEN_CONTROLLER, workers: 2, logger: ctx.logger(SERVICE_ACCOUNT_TOKEN_CONTROLLER) });
    if (!key) ctx.logger(SERVICE_ACCOUNT_TOKEN_CONTROLLER).warn('no --service-account-private-key-file: legacy token Secrets are not filled');
    this.secretInformer = ctx.informers.informerFor<Secret>(R.secrets, { fieldSelector: `type=${SERVICE_ACCOUNT_TOKEN_TYPE}` });
    this.saInformer = ctx.informers.informerFor<ServiceAccount>(R.serviceAccounts);
    this.watchInformer(this.secretInformer);
    this.watchInformer(this.saInformer, {
      keysOf: (sa) =>
        this.secretInformer.store
          .listByNamespace(sa.metadata?.namespace ?? '')
          .filter((s) => s.metadata?.annotations?.[SA_NAME_ANNOTATION] === sa.metadata?.name)
          .map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`),
    });
  }

  protected async sync(key: string): Promise<void> {
    if (!this.key) return;
    const secret = this.secretInformer.store.get(key);
    if (!secret) return;
    const ns = key.split('/')[0] ?? '';
    const annotations = secret.metadata?.annotations ?? {};
    const named = annotations[SA_NAME_ANNOTATION] ?? '';
    const wantUid = annotations[SA_UID_ANNOTATION];
    let sa = this.saInformer.store.get(`${ns}/${named}`);
    if (!sa) sa = await this.ctx.client.get<ServiceAccount>(R.serviceAccounts, ns, named).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
    if (sa && wantUid && sa.metadata?.uid !== wantUid) sa = undefined;
    const action = decideTokenSecret(secret, sa, this.rootCA);
    try {
      if (action.op === 'delete') {
        await this.ctx.client.delete(R.secrets, ns, secret.metadata?.name ?? '', { preconditions: { uid: action.uid } });
      } else if (action.op === 'update') {
        const body = action.body;
        if (action.token) {
          const token = await new SignJWT(legacyClaims(sa!, secret.metadata?.name ?? '')).setProtectedHeader({ alg: this.key.alg, kid: this.key.kid }).sign(this.key.privateKey);
          body.data = { ...(body.data ?? {}), token: Buffer.from(token).toString('base64') };
        }
        await this.ctx.client.update(R.secrets, body);
      }
    } catch (e) {
      // Gone meanwhile: nothing to fill. A conflict is thrown and requeued: the next sync reads the newer Secret.
      if (isNotFound(e)) return;
      throw e;
    }
  }
}
