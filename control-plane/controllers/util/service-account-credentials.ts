/**
 * `--use-service-account-credentials`, as kube-controller-manager's SAControllerClientBuilder: each controller
 * talks to the API server as its own ServiceAccount in kube-system (`system:serviceaccount:kube-system:<name>`),
 * bound by the bootstrap policy to its `system:controller:<name>` role, instead of the manager's credential. The
 * manager (its own credential) makes the ServiceAccount when it is missing and asks for a token with the
 * TokenRequest API (`serviceaccounts/<name>/token`, one hour), then asks again after 80% of its life; the
 * controller's client sends the newest token. The shared informers keep the manager's credential, as upstream's.
 */
import { KubeClient } from '../../../api/client/api-client.js';
import type { Logger } from '../../../api/client/log.js';
import { KubeError, isKubeError } from '../../../api/errors.js';
import { findResource } from '../../../api/resources.js';

export const CONTROLLER_NAMESPACE = 'kube-system';

/**
 * The ServiceAccount of each controller (upstream's clientBuilder names; each has a `system:controller:<name>` role
 * in the bootstrap policy). A controller not listed (the serviceaccount-token controller, as upstream's tokens
 * controller) keeps the manager's credential.
 */
export const CONTROLLER_SERVICE_ACCOUNTS: Readonly<Record<string, string>> = {
  'replicaset-controller': 'replicaset-controller',
  'replicationcontroller-controller': 'replication-controller',
  'deployment-controller': 'deployment-controller',
  'daemonset-controller': 'daemon-set-controller',
  'endpoints-controller': 'endpoint-controller',
  'endpointslice-controller': 'endpointslice-controller',
  'node-ipam-controller': 'node-controller',
  'node-lifecycle-controller': 'node-controller',
  'taint-eviction-controller': 'taint-eviction-controller',
  'garbage-collector-controller': 'generic-garbage-collector',
  'namespace-controller': 'namespace-controller',
  'pod-garbage-collector-controller': 'pod-garbage-collector',
  'serviceaccount-controller': 'service-account-controller',
  'root-ca-certificate-publisher-controller': 'root-ca-cert-publisher',
  'resourcequota-controller': 'resourcequota-controller',
  'disruption-controller': 'disruption-controller',
  'job-controller': 'job-controller',
  'cronjob-controller': 'cronjob-controller',
  'ttl-after-finished-controller': 'ttl-after-finished-controller',
  'clusterrole-aggregation-controller': 'clusterrole-aggregation-controller',
  'horizontal-pod-autoscaler-controller': 'horizontal-pod-autoscaler',
  'persistentvolume-binder-controller': 'persistent-volume-binder',
  'persistentvolumeclaim-protection-controller': 'pvc-protection-controller',
  'persistentvolume-protection-controller': 'pv-protection-controller',
  // upstream's csrsigning, csrapproving and csrcleaner all run as certificate-controller
  'certificatesigningrequest-signing-controller': 'certificate-controller',
  'certificatesigningrequest-approving-controller': 'certificate-controller',
  'certificatesigningrequest-cleaner-controller': 'certificate-controller',
  'statefulset-controller': 'statefulset-controller',
};

const TOKEN_SECONDS = 3600;

interface TokenRequestStatus {
  status?: { token?: unknown; expirationTimestamp?: unknown };
}

/** When to ask again: after 80% of the token's life (at least 10 s from now). */
export function refreshDelayMs(issuedAtMs: number, expiresAtMs: number, nowMs: number): number {
  return Math.max(10_000, issuedAtMs + 0.8 * (expiresAtMs - issuedAtMs) - nowMs);
}

export class ServiceAccountClientBuilder {
  private readonly clients = new Map<string, Promise<KubeClient>>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly root: KubeClient,
    private readonly log: Logger,
  ) {}

  /** The client of ServiceAccount `kube-system/<name>` (made and given a token first). */
  clientFor(name: string): Promise<KubeClient> {
    let c = this.clients.get(name);
    if (!c) this.clients.set(name, (c = this.make(name)));
    return c;
  }

  /** Stop refreshing tokens. */
  stop(): void {
    for (const t of this.timers.splice(0)) clearTimeout(t);
  }

  private async make(name: string): Promise<KubeClient> {
    await this.ensureServiceAccount(name);
    const first = await this.requestToken(name);
    const cfg = this.root.config;
    const client = new KubeClient({
      ...cfg,
      certData: undefined,
      keyData: undefined,
      token: first.token,
      // upstream's: the manager's agent with the account appended (managedFields' manager stays the manager's)
      userAgent: `${cfg.userAgent ?? 'kube-controller-manager'}/system:serviceaccount:${CONTROLLER_NAMESPACE}:${name}`,
    });
    const schedule = (t: { issuedAt: number; expiresAt: number }): void => {
      const timer = setTimeout(() => {
        this.requestToken(name).then(
          (next) => {
            client.setBearerToken(next.token);
            schedule(next);
          },
          (e: unknown) => {
            this.log.error('refreshing a controller token failed; retrying in 10s', { serviceAccount: name, error: e as Error });
            schedule({ issuedAt: Date.now() - 1, expiresAt: Date.now() + 12_500 });
          },
        );
      }, refreshDelayMs(t.issuedAt, t.expiresAt, Date.now()));
      timer.unref();
      this.timers.push(timer);
    };
    schedule(first);
    return client;
  }

  private async ensureServiceAccount(name: string): Promise<void> {
    const sa = findResource('', 'serviceaccounts');
    if (!sa) throw new KubeError('InternalError', 'serviceaccounts missing from the resource table');
    try {
      await this.root.get(sa, CONTROLLER_NAMESPACE, name);
    } catch (e) {
      if (!isKubeError(e) || e.httpStatus !== 404) throw e;
      try {
        await this.root.create(sa, CONTROLLER_NAMESPACE, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: CONTROLLER_NAMESPACE } });
      } catch (err) {
        if (!isKubeError(err) || err.httpStatus !== 409) throw err;
      }
    }
  }

  private async requestToken(name: string): Promise<{ token: string; issuedAt: number; expiresAt: number }> {
    const issuedAt = Date.now();
    const r = await this.root.request<TokenRequestStatus>('POST', `/api/v1/namespaces/${CONTROLLER_NAMESPACE}/serviceaccounts/${encodeURIComponent(name)}/token`, {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: TOKEN_SECONDS } },
    });
    const token = r?.status?.token;
    if (typeof token !== 'string' || token === '') throw new KubeError('InternalError', `no token in the TokenRequest answer for ${CONTROLLER_NAMESPACE}/${name}`);
    const exp = Date.parse(String(r?.status?.expirationTimestamp ?? ''));
    return { token, issuedAt, expiresAt: Number.isNaN(exp) ? issuedAt + TOKEN_SECONDS * 1000 : exp };
  }
}
