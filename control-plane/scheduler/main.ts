/** `kubelab scheduler`: flags (upstream kube-scheduler names), client, leader election, run. */
import { FlagError, formatHelp, parseFlags, str, num, type FlagSpec } from '../../api/cli/flags.js';
import { KubeClient } from '../../api/client/api-client.js';
import { KubeError } from '../../api/errors.js';
import { consoleLogger } from '../../api/client/log.js';
import { runSchedulerProcess } from './scheduler.js';
import { HealthServer, KUBE_SCHEDULER_PORT, LeaderHealthzAdaptor, secureServingFlags, secureServingOptions } from '../componenthealth/serving.js';

export const SCHEDULER_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', help: 'Path to kubeconfig file with authorization and master location information.' },
  { name: 'master', type: 'string', help: 'The address of the Kubernetes API server (overrides any value in kubeconfig).' },
  { name: 'kube-api-qps', type: 'int', default: 50, help: 'QPS to use while talking with kubernetes apiserver.' },
  { name: 'kube-api-burst', type: 'int', default: 100, help: 'Burst to use while talking with kubernetes apiserver.' },
  {
    name: 'leader-elect',
    type: 'bool',
    default: true,
    help: 'Start a leader election client and gain leadership before executing the main loop. Enable this when running replicated components for high availability.',
  },
  {
    name: 'leader-elect-lease-duration',
    type: 'duration',
    default: '15s',
    help: 'The duration that non-leader candidates will wait after observing a leadership renewal until attempting to acquire leadership of a led but unrenewed leader slot. This is effectively the maximum duration that a leader can be stopped before it is replaced by another candidate. This is only applicable if leader election is enabled.',
  },
  {
    name: 'leader-elect-renew-deadline',
    type: 'duration',
    default: '10s',
    help: 'The interval between attempts by the acting master to renew a leadership slot before it stops leading. This must be less than the lease duration. This is only applicable if leader election is enabled.',
  },
  {
    name: 'leader-elect-retry-period',
    type: 'duration',
    default: '2s',
    help: 'The duration the clients should wait between attempting acquisition and renewal of a leadership. This is only applicable if leader election is enabled.',
  },
  { name: 'leader-elect-resource-name', type: 'string', default: 'kube-scheduler', help: 'The name of resource object that is used for locking during leader election.' },
  { name: 'leader-elect-resource-namespace', type: 'string', default: 'kube-system', help: 'The namespace of resource object that is used for locking during leader election.' },
  ...secureServingFlags(KUBE_SCHEDULER_PORT),
  { name: 'v', type: 'int', default: 0, help: 'number for the log level verbosity' },
];

const SUMMARY =
  'The Kubernetes scheduler is a control plane process which assigns Pods to Nodes. The scheduler determines which Nodes are valid placements for each Pod in the scheduling queue according to constraints and available resources. The scheduler then ranks each valid Node and binds the Pod to a suitable Node.';

export async function runScheduler(argv: string[]): Promise<void> {
  const { values: v, help, rest } = parseFlags(SCHEDULER_FLAGS, argv);
  if (help) {
    process.stdout.write(formatHelp('kubelab scheduler', SUMMARY, SCHEDULER_FLAGS));
    return;
  }
  if (rest.length > 0) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
  const kubeconfig = str(v, 'kubeconfig') ?? process.env.KUBECONFIG;
  if (!kubeconfig && !str(v, 'master')) throw new FlagError('--kubeconfig (or --master) is required');
  const log = consoleLogger('scheduler', num(v, 'v') >= 2 ? 'info' : undefined);
  const overrides = { qps: num(v, 'kube-api-qps'), burst: num(v, 'kube-api-burst'), userAgent: 'kube-scheduler/v1.32.0 (kubelab)', logger: log };
  const client = kubeconfig
    ? KubeClient.fromKubeconfig(kubeconfig, undefined, { ...overrides, ...(str(v, 'master') ? { server: str(v, 'master')! } : {}) })
    : new KubeClient({ server: str(v, 'master')!, ...overrides });

  const serving = secureServingOptions(v);
  const leaderElect = v['leader-elect'] === true;
  // upstream: /healthz has the leaderElection watchdog (else the default ping), /livez ping, /readyz the watchdog
  // and sched-handler-sync (the informers have synced).
  const watchdog = new LeaderHealthzAdaptor();
  let synced = false;
  const handlerSync = {
    name: 'sched-handler-sync',
    check: () => {
      if (!synced) throw new KubeError('ServiceUnavailable', 'waiting for handlers to sync');
    },
  };
  const health = new HealthServer({
    serving,
    log,
    checks: { healthz: () => (leaderElect ? [watchdog] : []), readyz: () => [...(leaderElect ? [watchdog] : []), handlerSync] },
  });
  await health.start();

  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    await runSchedulerProcess(
      {
        client,
        logger: log,
        leaderElect,
        onSynced: () => {
          synced = true;
        },
        onElector: (e) => {
          watchdog.elector = e;
        },
        leaseDurationMs: num(v, 'leader-elect-lease-duration'),
        renewDeadlineMs: num(v, 'leader-elect-renew-deadline'),
        retryPeriodMs: num(v, 'leader-elect-retry-period'),
        lockName: str(v, 'leader-elect-resource-name'),
        lockNamespace: str(v, 'leader-elect-resource-namespace'),
      },
      ac.signal,
    );
  } finally {
    await health.stop();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
