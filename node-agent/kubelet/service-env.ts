/**
 * Service links: the environment variables the kubelet gives every container for the Services it can
 * see, as upstream's getServiceEnvVarMap + envvars.FromServices (pure). The `kubernetes` Service of the
 * `default` namespace is always there (KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT are what
 * in-cluster clients read); the Services of the pod's own namespace only with `enableServiceLinks`
 * (default true). A Service without a cluster IP (headless, ExternalName) gives none. Per Service `foo-bar`:
 * FOO_BAR_SERVICE_HOST, FOO_BAR_SERVICE_PORT (first port), FOO_BAR_SERVICE_PORT_<NAME> (named ports) and
 * the Docker link variables FOO_BAR_PORT=tcp://ip:port, FOO_BAR_PORT_<port>_<PROTO>{,_PROTO,_PORT,_ADDR}.
 */
import type { Relaxed } from '../../api/types/index.js';
import type * as api from '../../api/types/index.js';

export type Service = Relaxed<api.Service>;

/** The namespace and names of the master services (upstream's masterServiceNamespace / masterServices). */
const MASTER_NAMESPACE = 'default';
const MASTER_SERVICES = new Set(['kubernetes']);

const envName = (s: string) => s.replace(/-/g, '_').toUpperCase();

function isServiceIPSet(s: Service): boolean {
  const ip = s.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/** host:port as Go's net.JoinHostPort (brackets around an IPv6 address). */
const joinHostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** envvars.FromServices: the variables of these Services, in order. */
export function envVarsFromServices(services: Service[]): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const s of services) {
    const ports = s.spec?.ports ?? [];
    if (!isServiceIPSet(s) || ports.length === 0) continue;
    const ip = s.spec!.clusterIP!;
    const prefix = envName(s.metadata?.name ?? '');
    out.push({ name: `${prefix}_SERVICE_HOST`, value: ip });
    out.push({ name: `${prefix}_SERVICE_PORT`, value: String(ports[0]!.port) });
    for (const p of ports) if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
    ports.forEach((p, i) => {
      const proto = (p.protocol || 'TCP').toLowerCase();
      const url = `${proto}://${joinHostPort(ip, Number(p.port))}`;
      if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.push({ name: pp, value: url }, { name: `${pp}_PROTO`, value: proto }, { name: `${pp}_PORT`, value: String(p.port) }, { name: `${pp}_ADDR`, value: ip });
    });
  }
  return out;
}

/** getServiceEnvVarMap: the service-link variables of a pod in `namespace`. */
export function serviceEnvForPod(services: Service[], namespace: string, enableServiceLinks: boolean): Map<string, string> {
  const picked = new Map<string, Service>();
  for (const s of services) {
    if (!isServiceIPSet(s)) continue;
    const name = s.metadata?.name ?? '';
    if (s.metadata?.namespace === MASTER_NAMESPACE && MASTER_SERVICES.has(name)) {
      if (!picked.has(name)) picked.set(name, s);
    } else if (s.metadata?.namespace === namespace && enableServiceLinks) {
      picked.set(name, s);
    }
  }
  const sorted = [...picked.keys()].sort().map((k) => picked.get(k)!);
  return new Map(envVarsFromServices(sorted).map((e) => [e.name, e.value]));
}
