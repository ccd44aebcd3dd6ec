#!/usr/bin/env node
/** `kubelab`: one CLI, a subcommand per component (as upstream's kube-* binaries). */
import { KubeError } from '../api/errors.js';
import { VERSION_INFO } from '../control-plane/apiserver/version.js';

type Runner = (argv: string[]) => Promise<void>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Runner> }> = {
  apiserver: {
    summary: 'Run the API server (Kubernetes API over etcd)',
    load: async () => (await import('../control-plane/apiserver/main.js')).runApiServer,
  },
  scheduler: {
    summary: 'Run the scheduler (places pods on nodes)',
    load: async () => (await import('../control-plane/scheduler/main.js')).runScheduler,
  },
  'controller-manager': {
    summary: 'Run the controller manager (ReplicaSet, Deployment, Endpoints, Node, GC, ... controllers)',
    load: async () => (await import('../control-plane/controllers/main.js')).runControllerManager,
  },
  kubelet: {
    summary: 'Run the kubelet (registers the node, runs its pods through containerd or Docker)',
    load: async () => (await import('../node-agent/kubelet/main.js')).runKubelet,
  },
  proxy: {
    summary: 'Run the proxy (Services as iptables rules on a node)',
    load: async () => (await import('../node-agent/proxy/main.js')).runProxy,
  },
  coredns: {
    summary: 'Run the cluster DNS server (CoreDNS-compatible Corefile; Services and Pods by name)',
    load: async () => (await import('../addons/coredns/main.js')).runCoredns,
  },
  'local-path-provisioner': {
    summary: 'Run the local-path provisioner (hostPath PersistentVolumes on the claim\'s node, as rancher\'s)',
    load: async () => (await import('../addons/local-path-provisioner/main.js')).runLocalPathProvisioner,
  },
  'ingress-nginx': {
    summary: 'Run the ingress controller (Ingresses and Gateway API routes served by nginx, as kubernetes/ingress-nginx)',
    load: async () => (await import('../addons/ingress-nginx/main.js')).runIngressNginx,
  },
  'metrics-server': {
    summary: 'Run metrics-server (scrapes the kubelets, serves metrics.k8s.io for kubectl top and the HPA)',
    load: async () => (await import('../addons/metrics-server/main.js')).runMetricsServer,
  },
  kubeconfig: {
    summary: 'Print a kubeconfig for a user (token or client certificate)',
    load: async () => (await import('./kubeconfig-command.js')).runKubeconfig,
  },
  version: {
    summary: 'Print the version',
    load: async () => async () => {
      process.stdout.write(`kubelab ${VERSION_INFO.gitVersion}\n`);
    },
  },
};

function usage(): string {
  const lines = ['kubelab: a small but real Kubernetes', '', 'Usage:', '  kubelab <command> [flags]', '', 'Commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(Math.max(20, name.length + 2))}${c.summary}`);
  lines.push('', 'Use "kubelab <command> --help" for more information about a command.');
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(usage());
    return;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    process.stderr.write(`Error: unknown command "${cmd}" for "kubelab"\n\n${usage()}`);
    process.exit(1);
  }
  const run = await c.load();
  await run(rest);
}

main().catch((e: unknown) => {
  const msg = e instanceof KubeError ? `Error: ${e.message}` : `Error: ${(e as Error)?.stack ?? String(e)}`;
  process.stderr.write(msg + '\n');
  process.exit(1);
});
