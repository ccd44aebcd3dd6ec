/**
 * In-cluster client configuration, as client-go's rest.InClusterConfig: a process running in a pod
 * finds the API server in the KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT variables the kubelet sets
 * (service links of default/kubernetes), and authenticates with the ServiceAccount token the kubelet
 * projects into /var/run/secrets/kubernetes.io/serviceaccount (kube-api-access-<x>), trusting its ca.crt.
 * The token file is re-read as client-go's cachedFileTokenSource does (at most a minute old, minus ten
 * seconds of leeway): the kubelet rotates it. Pure: the environment and the file reader are arguments.
 */
import { KubeError } from '../errors.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
export const IN_CLUSTER_TOKEN_FILE = `${SERVICE_ACCOUNT_DIR}/token`;
export const IN_CLUSTER_CA_FILE = `${SERVICE_ACCOUNT_DIR}/ca.crt`;
export const IN_CLUSTER_NAMESPACE_FILE = `${SERVICE_ACCOUNT_DIR}/namespace`;

/** client-go's rest.ErrNotInCluster, word for word. */
export const NOT_IN_CLUSTER_MESSAGE =
  'unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined';

/** How long a token read from the file is used before it is read again (client-go: period 1 min, leeway 10 s). */
export const TOKEN_FILE_REREAD_MS = 60_000 - 10_000;

export interface InClusterConfig {
  /** `https://<host>:<port>` (an IPv6 host in brackets, as net.JoinHostPort). */
  server: string;
  token: string;
  /** Where the token came from; clients re-read it (tokenFile in KubeClientConfig). */
  tokenFile: string;
  /** The CA bundle (PEM); absent when ca.crt cannot be read (client-go logs and uses the system roots). */
  caData?: string;
  /** The pod's namespace from the namespace file (clientcmd's in-cluster loader), when present. */
  namespace?: string;
}

export interface InClusterInputs {
  env: Readonly<Record<string, string | undefined>>;
  /** Reads a file as text; throws as fs.readFileSync does. */
  readFile: (path: string) => string;
  /** Where a missing or unreadable ca.crt is reported (client-go: klog.Errorf). */
  warn?: (message: string) => void;
}

/** rest.InClusterConfig: the settings of a client in a pod, or KubeError with client-go's message. */
export function inClusterConfig({ env, readFile, warn }: InClusterInputs): InClusterConfig {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '';
  if (!host || !port) throw new KubeError('BadRequest', NOT_IN_CLUSTER_MESSAGE, { code: 'ERR_CONFIG' });
  let token: string;
  try {
    token = readFile(IN_CLUSTER_TOKEN_FILE).trim();
  } catch (e) {
    throw new KubeError('BadRequest', goReadError(IN_CLUSTER_TOKEN_FILE, e), { code: 'ERR_CONFIG' });
  }
  const out: InClusterConfig = { server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, token, tokenFile: IN_CLUSTER_TOKEN_FILE };
  const caProblem = (err: string) => warn?.(`Expected to load root CA config from ${IN_CLUSTER_CA_FILE}, but got err: ${err}`);
  try {
    const ca = readFile(IN_CLUSTER_CA_FILE);
    // certutil.NewPool's error for a file without a certificate
    if (ca.includes('-----BEGIN CERTIFICATE-----')) out.caData = ca;
    else caProblem(`error reading ${IN_CLUSTER_CA_FILE}: data does not contain any valid RSA or ECDSA certificates`);
  } catch (e) {
    caProblem(goReadError(IN_CLUSTER_CA_FILE, e));
  }
  try {
    const ns = readFile(IN_CLUSTER_NAMESPACE_FILE).trim();
    if (ns) out.namespace = ns;
  } catch {
    // no namespace file: the default namespace
  }
  return out;
}

/** A read error as Go's os.ReadFile words it (`open /var/run/...: no such file or directory`). */
function goReadError(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `open ${path}: no such file or directory`;
  if (code === 'EACCES') return `open ${path}: permission denied`;
  return (e as Error).message;
}

/**
 * A bearer token read from a file and cached for TOKEN_FILE_REREAD_MS (client-go's cachingTokenSource over a
 * fileTokenSource): a failed re-read keeps the last good token, as client-go does while it is unexpired.
 */
export class TokenFileSource {
  private token: string | undefined;
  private readAt = -Infinity;

  constructor(
    private readonly path: string,
    private readonly readFile: (path: string) => string,
    private readonly now: () => number = Date.now,
    initial?: string,
  ) {
    if (initial !== undefined) {
      this.token = initial;
      this.readAt = now();
    }
  }

  current(): string | undefined {
    const t = this.now();
    if (this.token === undefined || t - this.readAt >= TOKEN_FILE_REREAD_MS) {
      try {
        const next = this.readFile(this.path).trim();
        if (next) this.token = next;
        this.readAt = t;
      } catch {
        // keep the last token; try again on the next request
      }
    }
    return this.token;
  }
}
