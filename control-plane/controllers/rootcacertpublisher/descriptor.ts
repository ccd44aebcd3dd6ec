/**
 * The root CA publisher's row in the controller manager's table (upstream's `root-ca-certificate-publisher-controller`).
 * The bundle is `--root-ca-file`, else the CA of the controller manager's own kubeconfig (as upstream's
 * ClientBuilder CAData); with neither there is nothing to publish and the controller only says so.
 */

import { readFileSync } from 'node:fs';
import { str } from '../../../api/cli/flags.js';
import { loadKubeconfig } from '../../../api/tls/kubeconfig.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { ROOT_CA_CERT_PUBLISHER, RootCACertPublisher } from './controller.js';

export const rootCACertPublisherDescriptor: ControllerDescriptor<{ rootCA: string | undefined }> = {
  name: ROOT_CA_CERT_PUBLISHER,
  aliases: ['root-ca-cert-publisher'],
  flags: [
    {
      name: 'root-ca-file',
      type: 'string',
      help: "If set, this root certificate authority will be included in service account's token secret. This must be a valid PEM-encoded CA bundle.",
    },
  ],
  options: (v) => {
    const file = str(v, 'root-ca-file');
    if (file) return { rootCA: readFileSync(file, 'utf8') };
    const kubeconfig = str(v, 'kubeconfig') ?? process.env.KUBECONFIG;
    let ca: string | undefined;
    try {
      ca = kubeconfig ? loadKubeconfig(kubeconfig).caData : undefined;
    } catch {
      ca = undefined; // the manager reports a bad kubeconfig itself
    }
    return { rootCA: ca };
  },
  build: (ctx, o) => new RootCACertPublisher(ctx, o.rootCA),
};
