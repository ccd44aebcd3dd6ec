/**
 * The legacy token controller's row (upstream runs it inside kube-controller-manager's `serviceaccount-token-controller`):
 * `--service-account-private-key-file` signs, `--root-ca-file` is the bundle put in `ca.crt`. Without a key it
 * only says so (upstream does not start it).
 */

import { readFileSync } from 'node:fs';
import { str } from '../../../api/cli/flags.js';
import { readSigningKey, type SigningKey } from '../../apiserver/serviceaccount-keys.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { SERVICE_ACCOUNT_TOKEN_CONTROLLER, ServiceAccountTokenController } from './controller.js';

export const serviceAccountTokenDescriptor: ControllerDescriptor<{ serviceAccountKey: SigningKey | undefined; tokenRootCA: string | undefined }> = {
  name: SERVICE_ACCOUNT_TOKEN_CONTROLLER,
  aliases: ['serviceaccount-token'],
  flags: [
    {
      name: 'service-account-private-key-file',
      type: 'string',
      help: 'Filename containing a PEM-encoded private RSA or ECDSA key used to sign service account tokens.',
    },
  ],
  options: (v) => {
    const keyFile = str(v, 'service-account-private-key-file');
    const ca = str(v, 'root-ca-file');
    return { serviceAccountKey: keyFile ? readSigningKey(keyFile) : undefined, tokenRootCA: ca ? readFileSync(ca, 'utf8') : undefined };
  },
  build: (ctx, o) => new ServiceAccountTokenController(ctx, o.serviceAccountKey, o.tokenRootCA),
};
