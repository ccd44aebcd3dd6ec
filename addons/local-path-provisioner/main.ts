/**
 * `kubelab local-path-provisioner`: rancher's local-path-provisioner as a kubelab add-on (runs as a Deployment,
 * scripts/lab.d/local-path-provisioner.yaml). Flags after rancher's `local-path-provisioner start`.
 */
import { readFileSync } from 'node:fs';
import { FlagError, formatHelp, parseFlags, str, text, type FlagSpec } from '../../api/cli/flags.js';
import { KubeClient } from '../../api/client/api-client.js';
import { InformerFactory } from '../../api/client/informer.js';
import { consoleLogger } from '../../api/client/log.js';
import { newControllerContext } from '../../control-plane/controllers/util/context.js';
import { LocalPathProvisioner } from './controller.js';
import { DEFAULT_BASE_PATH, DEFAULT_HELPER_IMAGE, PROVISIONER_NAME, parseNodePathMap, type ProvisionerConfig } from './decide.js';

const COMMAND = 'kubelab local-path-provisioner';

export const PROVISIONER_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', help: 'Path to a kubeconfig file (default: the pod\'s service account, in cluster).' },
  { name: 'provisioner-name', type: 'string', default: PROVISIONER_NAME, help: 'The provisioner name StorageClasses name.' },
  { name: 'namespace', type: 'string', default: 'local-path-storage', help: 'The namespace helper pods run in (POD_NAMESPACE when set).' },
  { name: 'base-path', type: 'string', default: DEFAULT_BASE_PATH, help: 'The folder on each node under which volumes are made.' },
  { name: 'config', type: 'string', help: 'rancher\'s config.json (ConfigMap local-path-config): nodePathMap, a folder per node; replaces --base-path.' },
  { name: 'helper-image', type: 'string', default: DEFAULT_HELPER_IMAGE, help: 'The image of the helper pods that remove a volume\'s folder.' },
];

export function parseProvisionerFlags(
  argv: string[], readConfig: (file: string) => string = (f) => readFileSync(f, 'utf8'),
): { cfg: ProvisionerConfig; kubeconfig?: string; help: boolean } {
  const { values: v, help, rest } = parseFlags(PROVISIONER_FLAGS, argv);
  if (rest.length > 0) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
  const basePath = text(v, 'base-path').replace(/\/+$/, '');
  if (!basePath.startsWith('/') || basePath === '' || basePath.split('/').includes('..')) throw new FlagError(`--base-path must be an absolute path without "..", not "${text(v, 'base-path')}"`);
  const cfg: ProvisionerConfig = {
    name: text(v, 'provisioner-name'),
    namespace: process.env.POD_NAMESPACE || text(v, 'namespace'),
    basePath,
    helperImage: text(v, 'helper-image'),
  };
  const config = str(v, 'config');
  if (config !== undefined && !help) {
    let json: string;
    try {
      json = readConfig(config);
    } catch (e) {
      throw new FlagError(`--config ${config}: ${(e as Error).message}`);
    }
    try {
      Object.assign(cfg, parseNodePathMap(json));
    } catch (e) {
      throw new FlagError(`--config ${config}: ${(e as Error).message}`);
    }
  }
  return { cfg, kubeconfig: str(v, 'kubeconfig') ?? process.env.KUBECONFIG, help };
}

export async function runLocalPathProvisioner(argv: string[]): Promise<void> {
  const { cfg, kubeconfig, help } = parseProvisionerFlags(argv);
  if (help) {
    process.stdout.write(formatHelp(COMMAND, 'Provisions PersistentVolumes on the node a claim\'s pod is scheduled to (hostPath folders), and removes them on Delete reclaim.', PROVISIONER_FLAGS));
    return;
  }
  const client = KubeClient.fromKubeconfigOrInCluster(kubeconfig, { userAgent: 'local-path-provisioner (kubelab)' });
  const informers = new InformerFactory(client, { resyncPeriodMs: 60_000 });
  const ctx = newControllerContext(client, informers, { logger: (c) => consoleLogger(c) });
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    const c = new LocalPathProvisioner(ctx, cfg);
    informers.start();
    await c.run(ac.signal);
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await informers.stop();
  }
}
