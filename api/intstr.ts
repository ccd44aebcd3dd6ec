/**
 * IntOrString helpers (k8s.io/apimachinery/pkg/util/intstr) and port resolution:
 * - `getScaledValueFromIntOrPercent(v, total, roundUp)`: `5` -> 5, `"25%"` of 10 -> 3 (up) or 2 (down);
 *   a string that is not a percentage is an error, as upstream (`invalid type: string is not a percentage`);
 * - `resolvePort` / `findContainerPort`: a Service's targetPort (number or port name) to a container
 *   port of a pod, as upstream's podutil.FindPort (named ports of containers, then of restartable
 *   init containers, i.e. sidecars; the protocol must match, TCP when unset).
 */
import { KubeError } from './errors.js';
import { atoi } from './strconv.js';

export type IntOrString = number | string;

export class IntOrStringError extends KubeError {
  constructor(message: string) {
    super('BadRequest', message, { code: 'ERR_INT_OR_STRING' });
    this.name = 'IntOrStringError';
  }
}

/** IntOrString.IntValue(): the number, or the string parsed as an integer (0 when it is not one). */
export function intValue(v: IntOrString): number {
  if (typeof v === 'number') return Math.trunc(v);
  const n = atoi(v);
  return typeof n === 'number' ? n : 0;
}

/** True for a string ending in `%`. */
export function isPercent(v: IntOrString | undefined | null): v is string {
  return typeof v === 'string' && v.endsWith('%');
}

/**
 * intstr.GetScaledValueFromIntOrPercent: an integer as is; "N%" of `total`, rounded up or down.
 * Throws IntOrStringError with upstream's message otherwise.
 */
export function getScaledValueFromIntOrPercent(v: IntOrString | undefined | null, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) throw new IntOrStringError('nil value for IntOrString');
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v !== 'string') throw new IntOrStringError('invalid value for IntOrString: invalid type: neither int nor percentage');
  if (!v.endsWith('%')) throw new IntOrStringError('invalid value for IntOrString: invalid type: string is not a percentage');
  const n = atoi(v.slice(0, -1));
  if (typeof n === 'string') throw new IntOrStringError(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}: ${n}`);
  // float64 arithmetic, as upstream
  const scaled = (n * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** The IntOrString as text (IntOrString.String()). */
export function intOrStringToString(v: IntOrString): string {
  return typeof v === 'number' ? String(v) : v;
}

// ---------------------------------------------------------------------------------------------
// Ports

export interface ContainerPortLike {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface ContainerLike {
  name?: string;
  ports?: ContainerPortLike[] | null;
  restartPolicy?: string;
}

export interface PodLike {
  metadata?: { uid?: string; name?: string };
  spec?: { containers?: ContainerLike[] | null; initContainers?: ContainerLike[] | null };
}

export interface ServicePortLike {
  port?: number;
  targetPort?: IntOrString | null;
  protocol?: string;
}

/** The container port named `name` with `protocol` (TCP when unset) in the pod, sidecars included. */
export function findContainerPort(pod: PodLike, name: string, protocol = 'TCP'): number | undefined {
  const match = (containers: readonly ContainerLike[] | null | undefined, sidecarsOnly: boolean) => {
    for (const c of containers ?? []) {
      if (sidecarsOnly && c.restartPolicy !== 'Always') continue;
      for (const p of c.ports ?? []) {
        if (p.name === name && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
      }
    }
    return undefined;
  };
  return match(pod.spec?.containers, false) ?? match(pod.spec?.initContainers, true);
}

/**
 * podutil.FindPort: the port a Service port targets in `pod`. A number is returned as is; a name is
 * looked up among the pod's container ports. Throws IntOrStringError
 * (`no suitable port for manifest: <uid>`) when the name is not found.
 * A missing targetPort means the service port itself (the API server defaults it so).
 */
export function resolvePort(pod: PodLike, svcPort: ServicePortLike): number {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return Math.trunc(target);
  if (typeof target === 'string') {
    const found = findContainerPort(pod, target, svcPort.protocol ?? 'TCP');
    if (found !== undefined) return found;
  }
  throw new IntOrStringError(`no suitable port for manifest: ${pod.metadata?.uid ?? ''}`);
}

/** Like resolvePort, undefined instead of an error. */
export function tryResolvePort(pod: PodLike, svcPort: ServicePortLike): number | undefined {
  try {
    return resolvePort(pod, svcPort);
  } catch {
    return undefined;
  }
}
