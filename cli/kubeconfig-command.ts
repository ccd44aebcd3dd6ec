/** `kubelab kubeconfig`: print a kubeconfig for a user of the token file, or for a client certificate. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatHelp, parseFlags, str, type FlagSpec } from '../api/cli/flags.js';
import { buildKubeconfig } from '../api/tls/kubeconfig.js';
import { parseTokenFile } from '../control-plane/apiserver/authn.js';
import { KubeError } from '../api/errors.js';

const FLAGS: FlagSpec[] = [
  { name: 'server', type: 'string', default: 'https://127.0.0.1:6443', help: 'The API server URL.' },
  { name: 'certificate-authority', type: 'string', help: "The CA certificate file (default: <cert-dir>/ca.crt)." },
  { name: 'cert-dir', type: 'string', default: '/var/run/kubernetes', help: "The API server's --cert-dir, to find ca.crt." },
  { name: 'token-file', type: 'string', help: 'The API server --token-auth-file; the user is picked with --user (default: the first in system:masters).' },
  { name: 'token', type: 'string', help: 'A bearer token.' },
  { name: 'user', type: 'string', help: 'The user name (from the token file, or the name of the kubeconfig user entry).' },
  { name: 'client-certificate', type: 'string', help: 'A client certificate file (CN = user, O = groups).' },
  { name: 'client-key', type: 'string', help: 'The client key file.' },
  { name: 'cluster-name', type: 'string', default: 'kubelab', help: 'The cluster entry name.' },
];

export async function runKubeconfig(argv: string[]): Promise<void> {
  const { values: v, help } = parseFlags(FLAGS, argv);
  if (help) {
    process.stdout.write(formatHelp('kubelab kubeconfig', 'Print a kubeconfig (to stdout) for a user of the cluster.', FLAGS));
    return;
  }
  const caFile = str(v, 'certificate-authority') ?? join(str(v, 'cert-dir')!, 'ca.crt');
  const caPem = readFileSync(caFile, 'utf8');
  let user = str(v, 'user');
  let token = str(v, 'token');
  const tokenFile = str(v, 'token-file');
  if (!token && tokenFile) {
    const users = parseTokenFile(readFileSync(tokenFile, 'utf8'));
    const entry = [...users.entries()].find(([, u]) => (user ? u.name === user : u.groups.includes('system:masters')));
    if (!entry) throw new KubeError('NotFound', `no ${user ? `user "${user}"` : 'system:masters user'} in ${tokenFile}`, { code: 'ERR_CONFIG' });
    token = entry[0];
    user = entry[1].name;
  }
  const cert = str(v, 'client-certificate');
  const key = str(v, 'client-key');
  const text = buildKubeconfig({
    clusterName: str(v, 'cluster-name')!,
    server: str(v, 'server')!,
    caPem,
    user: user ?? 'admin',
    ...(token ? { token } : {}),
    ...(cert && key ? { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') } : {}),
  });
  process.stdout.write(text);
}
