/**
 * A container's environment as upstream's makeEnvironmentVariables builds it (pure): envFrom first
 * (ConfigMaps, Secrets, with prefix; invalid names skipped), then env in order with `$(VAR)`
 * expansion against what came before, valueFrom fieldRef / resourceFieldRef / configMapKeyRef /
 * secretKeyRef. A missing source is a `CreateContainerConfigError` unless optional.
 */
import { KubeError } from '../../api/errors.js';
import { approximateFloat } from '../../api/quantity.js';

import type { ConfigMap, Container, Pod, Secret } from './types.js';

export interface EnvSources {
  configMap(name: string): ConfigMap | undefined;
  secret(name: string): Secret | undefined;
}

export interface EnvContext {
  podIP?: string;
  hostIP?: string;
  nodeName: string;
  /** Service links (service-env.ts): `$(VAR)` may name them; appended unless the container sets the name. */
  serviceEnv?: ReadonlyMap<string, string>;
}

export class ConfigError extends KubeError {
  constructor(message: string) {
    super('BadRequest', message, { code: 'ERR_CONTAINER_CONFIG' });
    this.name = 'ConfigError';
  }
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function secretData(s: Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((s.data ?? {}) as Record<string, string>)) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries((s.stringData ?? {}) as Record<string, string>)) out[k] = v;
  return out;
}

/** `$(VAR)` expansion as upstream's expansion.Expand: `$$` escapes, unknown references stay as they are. */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  return input.replace(/\$\$|\$\(([^)]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    const v = lookup(name!);
    return v === undefined ? m : v;
  });
}

/** The value of a downward-API fieldPath of the pod. */
export function podFieldValue(pod: Pod, fieldPath: string, ctx: EnvContext): string {
  const ann = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(fieldPath);
  if (ann) return String((ann[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[ann[2]!] ?? '');
  switch (fieldPath) {
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.namespace': return pod.metadata.namespace;
    case 'metadata.uid': return pod.metadata.uid;
    case 'metadata.labels': return Object.entries(pod.metadata.labels ?? {}).map(([k, v]) => `${k}="${String(v)}"`).sort().join('\n');
    case 'metadata.annotations': return Object.entries(pod.metadata.annotations ?? {}).map(([k, v]) => `${k}="${String(v)}"`).sort().join('\n');
    case 'spec.nodeName': return pod.spec.nodeName ?? ctx.nodeName;
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? 'default';
    case 'status.hostIP': return ctx.hostIP ?? '';
    case 'status.hostIPs': return ctx.hostIP ?? '';
    case 'status.podIP': return ctx.podIP ?? '';
    case 'status.podIPs': return ctx.podIP ?? '';
    default: throw new ConfigError(`unsupported fieldPath: ${fieldPath}`);
  }
}

/** limits.cpu / requests.memory ... of a container, with divisor (upstream rounds up). */
export function resourceFieldValue(container: Container, resource: string, divisor?: string): string {
  const [kind, name] = resource.split('.') as [string, string];
  const list = kind === 'limits' ? container.resources?.limits : kind === 'requests' ? container.resources?.requests : undefined;
  const q = list?.[name] ?? (kind === 'requests' ? container.resources?.limits?.[name] : undefined);
  const div = divisor ? approximateFloat(divisor) : 1;
  if (q === undefined) return '0';
  return String(Math.ceil(approximateFloat(String(q)) / div));
}

export function buildEnv(pod: Pod, container: Container, src: EnvSources, ctx: EnvContext): { name: string; value: string }[] {
  const env = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Record<string, string> | undefined;
    if (from.configMapRef) {
      const cm = src.configMap(from.configMapRef.name ?? '');
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      data = { ...(cm.data ?? {}) };
    } else if (from.secretRef) {
      const s = src.secret(from.secretRef.name ?? '');
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ConfigError(`secret "${from.secretRef.name}" not found`);
      }
      data = secretData(s);
    }
    for (const [k, v] of Object.entries(data ?? {})) {
      const name = prefix + k;
      if (ENV_NAME.test(name)) env.set(name, v);
    }
  }
  for (const e of container.env ?? []) {
    let value: string | undefined;
    const vf = e.valueFrom;
    if (!vf) {
      value = expandVars(e.value ?? '', (n) => env.get(n) ?? ctx.serviceEnv?.get(n));
    } else if (vf.fieldRef) {
      value = podFieldValue(pod, vf.fieldRef.fieldPath ?? '', ctx) // fieldPath: required by validation;
    } else if (vf.resourceFieldRef) {
      const ref = vf.resourceFieldRef;
      const target = ref.containerName ? pod.spec.containers.find((c) => c.name === ref.containerName) ?? container : container;
      value = resourceFieldValue(target, ref.resource ?? '', ref.divisor ? String(ref.divisor) : undefined) // resource: required by validation;
    } else if (vf.configMapKeyRef) {
      const { name, key, optional } = vf.configMapKeyRef as { name: string; key: string; optional?: boolean };
      const cm = src.configMap(name);
      if (!cm) {
        if (optional) continue;
        throw new ConfigError(`configmap "${name}" not found`);
      }
      value = cm.data?.[key];
      if (value === undefined) {
        if (optional) continue;
        throw new ConfigError(`couldn't find key ${key} in ConfigMap ${pod.metadata.namespace}/${name}`);
      }
    } else if (vf.secretKeyRef) {
      const { name, key, optional } = vf.secretKeyRef as { name: string; key: string; optional?: boolean };
      const s = src.secret(name);
      if (!s) {
        if (optional) continue;
        throw new ConfigError(`secret "${name}" not found`);
      }
      value = secretData(s)[key];
      if (value === undefined) {
        if (optional) continue;
        throw new ConfigError(`couldn't find key ${key} in Secret ${pod.metadata.namespace}/${name}`);
      }
    }
    env.set(e.name, value ?? '');
  }
  for (const [name, value] of ctx.serviceEnv ?? []) if (!env.has(name)) env.set(name, value);
  return [...env].map(([name, value]) => ({ name, value }));
}
