/**
 * `kubelab ingress-nginx`: the ingress controller (kubernetes/ingress-nginx's /nginx-ingress-controller) as a kubelab
 * add-on (scripts/lab.d/ingress-nginx.yaml). Flags after ingress-nginx's. Informers for the union of the sources'
 * resources (each found through discovery; one not served yet is retried and seen as empty), a debounced sync
 * (controller.ts), nginx as a child (nginx-process.ts), `Sync` events and status writes, /healthz.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { FlagError, bool, formatHelp, num, parseFlags, str, text, type FlagSpec } from '../../api/cli/flags.js';
import { KubeClient } from '../../api/client/api-client.js';
import { EventRecorder } from '../../api/client/event-recorder.js';
import { Informer } from '../../api/client/informer.js';
import { consoleLogger, type Logger } from '../../api/client/log.js';
import { findResource, type ResourceInfo } from '../../api/resources.js';
import { createCA } from '../../api/tls/certs.js';
import type { KubeObject } from '../../api/types/meta.js';
import { SyncLoop } from './controller.js';
import { resourceFromDiscovery, splitResourceName, versionsInOrder } from './discovery.js';
import { INGRESSES, ingressSource, isOurIngress } from './ingress.js';
import { gatewaySource } from './gateway.js';
import type { NginxConfOptions } from './nginx-conf.js';
import { NginxProcess } from './nginx-process.js';
import type { ClusterSnapshot, ControllerContext, ModelSource, ResourceName } from './source.js';

const COMMAND = 'kubelab ingress-nginx';
/** ingress-nginx's controller value for IngressClass spec.controller. */
export const DEFAULT_CONTROLLER_CLASS = 'k8s.io/ingress-nginx';

export const INGRESS_NGINX_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', help: 'Path to a kubeconfig file (default: the pod\'s service account, in cluster).' },
  { name: 'ingress-class', type: 'string', default: 'nginx', help: 'Name of the IngressClass (and kubernetes.io/ingress.class annotation value) this controller serves.' },
  { name: 'controller-class', type: 'string', default: DEFAULT_CONTROLLER_CLASS, help: 'spec.controller of the IngressClasses this controller serves.' },
  { name: 'watch-ingress-without-class', type: 'bool', default: false, help: 'Also serve Ingresses with neither spec.ingressClassName nor the class annotation.' },
  { name: 'publish-status-address', type: 'string', help: 'Comma-separated addresses written to status.loadBalancer (default: the node addresses of the controller\'s pods).' },
  { name: 'default-backend-service', type: 'string', help: 'namespace/name of the Service that answers requests matching no rule (default: 404).' },
  { name: 'configmap', type: 'string', help: 'namespace/name of the controller\'s ConfigMap (accepted for compatibility; its keys are not read yet).' },
  { name: 'http-port', type: 'int', default: 80, help: 'Port nginx serves plain HTTP on.' },
  { name: 'https-port', type: 'int', default: 443, help: 'Port nginx serves HTTPS on.' },
  { name: 'default-server-port', type: 'int', default: 8181, help: 'Loopback port of the internal server answering 503 for backends without ready endpoints.' },
  { name: 'healthz-port', type: 'int', default: 10254, help: 'Port of /healthz (200 once nginx runs the first configuration).' },
  { name: 'nginx-binary', type: 'string', default: '/usr/sbin/nginx', help: 'The nginx binary.' },
  { name: 'config-dir', type: 'string', default: '/tmp/ingress-nginx', help: 'Where nginx.conf, certificates and nginx\'s temp files go (writable).' },
  { name: 'sync-period', type: 'duration', default: '200ms', help: 'Quiet time after a change before nginx is reconfigured.' },
];

export interface IngressNginxConfig {
  kubeconfig?: string;
  ctx: ControllerContext;
  publishAddresses?: string[];
  healthzPort: number;
  defaultServerPort: number;
  nginxBinary: string;
  configDir: string;
  debounceMs: number;
}

function port(v: number, flag: string): number {
  if (!Number.isInteger(v) || v < 1 || v > 65535) throw new FlagError(`--${flag} must be a port between 1 and 65535, not ${v}`);
  return v;
}

function nsName(v: string | undefined, flag: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(v)) throw new FlagError(`--${flag} must be namespace/name, not "${v}"`);
  return v;
}

export function parseIngressNginxFlags(argv: string[]): { cfg: IngressNginxConfig; help: boolean } {
  const { values: v, help, rest } = parseFlags(INGRESS_NGINX_FLAGS, argv);
  if (rest.length > 0) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
  const publish = str(v, 'publish-status-address');
  const httpPort = port(num(v, 'http-port'), 'http-port');
  const httpsPort = port(num(v, 'https-port'), 'https-port');
  if (httpPort === httpsPort) throw new FlagError('--http-port and --https-port must differ');
  nsName(str(v, 'configmap'), 'configmap');
  const cfg: IngressNginxConfig = {
    kubeconfig: str(v, 'kubeconfig') ?? process.env.KUBECONFIG,
    ctx: {
      controllerClass: text(v, 'controller-class'),
      ingressClass: text(v, 'ingress-class'),
      watchWithoutClass: bool(v, 'watch-ingress-without-class'),
      publishAddresses: [],
      httpPort,
      httpsPort,
      ...(nsName(str(v, 'default-backend-service'), 'default-backend-service') ? { defaultBackendService: str(v, 'default-backend-service') } : {}),
    },
    healthzPort: port(num(v, 'healthz-port'), 'healthz-port'),
    defaultServerPort: port(num(v, 'default-server-port'), 'default-server-port'),
    nginxBinary: text(v, 'nginx-binary'),
    configDir: text(v, 'config-dir').replace(/\/+$/, ''),
    debounceMs: num(v, 'sync-period'),
  };
  if (publish !== undefined && publish !== '') cfg.publishAddresses = publish.split(',').map((s) => s.trim()).filter(Boolean);
  return { cfg, help };
}

/** The render options for a config directory. */
export function renderOptions(cfg: IngressNginxConfig): NginxConfOptions {
  const d = cfg.configDir;
  return {
    certDir: `${d}/ssl`,
    defaultCertificate: `${d}/ssl/default-fake-certificate.pem`,
    unavailablePort: cfg.defaultServerPort,
    httpPort: cfg.ctx.httpPort,
    httpsPort: cfg.ctx.httpsPort,
    pidFile: `${d}/nginx.pid`,
    errorLog: 'stderr',
    accessLog: 'off',
    tempDir: `${d}/tmp`,
  };
}

/** The sources this controller serves; the Gateway API source registers here. */
export const SOURCES: ModelSource[] = [ingressSource, gatewaySource];

/** Finds a resource's served version: the built-in table first, else discovery (CRDs). */
async function resolveResource(client: KubeClient, name: ResourceName): Promise<ResourceInfo | undefined> {
  const { plural, group } = splitResourceName(name);
  const builtin = findResource(group, plural);
  try {
    if (group === '') return builtin ?? resourceFromDiscovery(await client.request('GET', '/api/v1'), '', 'v1', plural);
    for (const version of versionsInOrder(await client.request('GET', `/apis/${group}`))) {
      const info = resourceFromDiscovery(await client.request('GET', `/apis/${group}/${version}`), group, version, plural);
      if (info) return info;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** Informers by resource name, as a ClusterSnapshot (a resource not resolved yet lists empty). */
class InformerSnapshot implements ClusterSnapshot {
  readonly informers = new Map<ResourceName, Informer<KubeObject>>();
  list(resource: ResourceName): readonly KubeObject[] {
    return this.informers.get(resource)?.store.list() ?? [];
  }
  get(resource: ResourceName, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.informers.get(resource)?.store.get(namespace ? `${namespace}/${name}` : name);
  }
}

interface NodeView {
  status?: { addresses?: { type?: string; address?: string }[] };
}
interface PodView {
  metadata?: { labels?: Record<string, string> };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

/** ingress-nginx's statusAddressFromPods: the ExternalIP (else InternalIP) of the nodes running the controller's pods. */
async function podNodeAddresses(client: KubeClient, log: Logger): Promise<string[] | undefined> {
  const ns = process.env.POD_NAMESPACE;
  const name = process.env.POD_NAME;
  if (!ns || !name) return undefined;
  const pods = findResource('', 'pods');
  const nodes = findResource('', 'nodes');
  if (!pods || !nodes) return undefined;
  try {
    const self = await client.get<PodView>(pods, ns, name);
    const labels = self.metadata?.labels ?? {};
    const selector = Object.entries(labels).filter(([k]) => k !== 'pod-template-hash').map(([k, v]) => `${k}=${v}`).join(',');
    const list = await client.list<PodView>(pods, ns, { labelSelector: selector });
    const nodeNames = [...new Set(list.items.filter((p) => p.status?.phase === 'Running' && p.spec?.nodeName).map((p) => p.spec?.nodeName ?? ''))].sort();
    const out: string[] = [];
    for (const n of nodeNames) {
      const node = await client.get<NodeView>(nodes, undefined, n);
      const addrs = node.status?.addresses ?? [];
      const a = addrs.find((x) => x.type === 'ExternalIP')?.address ?? addrs.find((x) => x.type === 'InternalIP')?.address;
      if (a && !out.includes(a)) out.push(a);
    }
    return out;
  } catch (e) {
    log.warn('could not read the controller pods\' node addresses', { error: e as Error });
    return undefined;
  }
}

function defaultCertificate(path: string): void {
  const { certPem, keyPem } = createCA('Kubernetes Ingress Controller Fake Certificate', { days: 365, organizations: ['Acme Co'] });
  writeFileSync(path, `${certPem.trimEnd()}\n${keyPem.trimEnd()}\n`, { mode: 0o600 });
}

export async function runIngressNginx(argv: string[]): Promise<void> {
  const { cfg, help } = parseIngressNginxFlags(argv);
  if (help) {
    process.stdout.write(formatHelp(COMMAND, 'Serves the cluster\'s Ingresses (and Gateway API routes) through nginx, as kubernetes/ingress-nginx.', INGRESS_NGINX_FLAGS));
    return;
  }
  const log = consoleLogger('ingress-nginx');
  const client = KubeClient.fromKubeconfigOrInCluster(cfg.kubeconfig, { userAgent: 'ingress-nginx (kubelab)' });
  const render = renderOptions(cfg);
  for (const d of [cfg.configDir, render.certDir, render.tempDir]) mkdirSync(d, { recursive: true });
  defaultCertificate(render.defaultCertificate);

  const ac = new AbortController();
  let exitError: Error | undefined;
  const nginx = new NginxProcess({
    binary: cfg.nginxBinary, confPath: `${cfg.configDir}/nginx.conf`, log,
    onExit: (code, signal) => {
      exitError = new Error(`nginx exited (code ${code ?? ''} signal ${signal ?? ''})`);
      ac.abort();
    },
  });
  const ctx: ControllerContext = { ...cfg.ctx, publishAddresses: cfg.publishAddresses ?? [] };
  const snapshot = new InformerSnapshot();
  const recorder = new EventRecorder(client, { component: 'nginx-ingress-controller', logger: log });
  const resources = new Map<ResourceName, ResourceInfo>();
  const loop = new SyncLoop({
    sources: SOURCES, snapshot, ctx, render, nginx, log, debounceMs: cfg.debounceMs,
    writeStatus: async (w) => {
      // PUT of the status subresource from the cached object (ingress-nginx's RBAC grants ingresses/status
      // `update`); a conflict fails the sync, which is retried with the fresher cache.
      const info = resources.get(w.resource);
      const current = snapshot.get(w.resource, w.namespace, w.name);
      if (!info || !current) return;
      const prev = (current as { status?: Record<string, unknown> }).status ?? {};
      await client.updateStatus(info, { ...structuredClone(current), status: { ...structuredClone(prev), ...w.status } });
    },
  });

  let healthy = false;
  const healthz: Server = createServer((req, res) => {
    const ok = req.url === '/healthz' && healthy && nginx.running();
    res.writeHead(req.url === '/healthz' ? (ok ? 200 : 500) : 404, { 'content-type': 'text/plain' });
    res.end(req.url === '/healthz' ? (ok ? 'ok' : 'nginx is not running') : 'not found');
  });
  healthz.listen(cfg.healthzPort);

  const onSignal = () => ac.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const wanted = [...new Set(SOURCES.flatMap((s) => s.resources))];
  const watch = (name: ResourceName, info: ResourceInfo) => {
    const inf = new Informer<KubeObject>({ client, resource: info, resyncPeriodMs: 0, logger: log });
    const isIngress = name === INGRESSES;
    inf.on('add', (o) => {
      if (isIngress && isOurIngress(o as never, snapshot, ctx)) recorder.event(o, 'Normal', 'Sync', 'Scheduled for sync');
      loop.trigger();
    });
    inf.on('update', (a, b) => {
      if (a === b) return;
      // As upstream's store: every update of an Ingress of ours (its own status write too) is "Scheduled for sync".
      if (isIngress && isOurIngress(b as never, snapshot, ctx)) recorder.event(b, 'Normal', 'Sync', 'Scheduled for sync');
      loop.trigger();
    });
    inf.on('delete', () => loop.trigger());
    snapshot.informers.set(name, inf);
    resources.set(name, info);
    inf.start();
    return inf;
  };

  try {
    // nginx serves the empty model (404 everywhere) from the start, as ingress-nginx's first configuration.
    await loop.syncNow();
    if (!nginx.running()) throw exitError ?? new Error('nginx did not start');
    const started: Informer<KubeObject>[] = [];
    // Resolve what is served now; retry the rest every 10 s (a CRD installed later).
    const resolvePending = async () => {
      for (const name of wanted) {
        if (snapshot.informers.has(name)) continue;
        const info = await resolveResource(client, name);
        if (info) started.push(watch(name, info));
        else log.info('resource not served yet; retrying', { resource: name });
      }
    };
    const refreshAddresses = async () => {
      if (cfg.publishAddresses) return;
      const addrs = await podNodeAddresses(client, log);
      if (addrs && addrs.join(',') !== ctx.publishAddresses.join(',')) {
        ctx.publishAddresses = addrs;
        loop.trigger();
      }
    };
    // The publish addresses first, so the first status written is the right one.
    await refreshAddresses();
    await resolvePending();
    await Promise.all(started.map((i) => i.waitForSync(ac.signal)));
    loop.trigger(0);
    await loop.idle();
    healthy = true;
    log.info('ingress controller running', { class: ctx.ingressClass, controller: ctx.controllerClass, http: ctx.httpPort, https: ctx.httpsPort });
    while (!ac.signal.aborted) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, 10_000);
        ac.signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
      if (ac.signal.aborted) break;
      await refreshAddresses();
      if (snapshot.informers.size < wanted.length) await resolvePending();
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    loop.stop();
    await Promise.all([...snapshot.informers.values()].map((i) => i.stop()));
    await nginx.stop();
    healthz.close();
    client.close();
  }
  if (exitError) throw exitError;
}

