/**
 * A pod's effective requests and limits as resource lists (upstream's component-helpers resource.PodRequests /
 * PodLimits): the containers' sum; init containers as the maximum of each (plus the restartable sidecars started
 * before it), sidecars added to the sum; the pod overhead on top (on limits, only for resources that have a limit).
 * What LimitRanger's `Pod` limits and ResourceQuota's compute usage read.
 */
import type { Container, PodSpec, Relaxed } from '../types/index.js';
import { compare } from '../quantity.js';
import { addLists, readList, type ResourceList } from './resources.js';
import { isRestartableInitContainer } from '../pods.js';

type Spec = Relaxed<Pick<PodSpec, 'containers' | 'initContainers' | 'overhead'>> | undefined;
type Which = 'requests' | 'limits';

function listOf(c: Relaxed<Container> | undefined, which: Which): ResourceList {
  return readList(c?.resources?.[which]);
}

/** maxResourceList: each key the larger of the two. */
function maxInto(into: ResourceList, other: ResourceList): ResourceList {
  const out = { ...into };
  for (const [k, v] of Object.entries(other)) if (!(k in out) || compare(v, out[k]!) > 0) out[k] = v;
  return out;
}

/** The arithmetic aggregateContainerResources needs: quantities as quota keeps them, or the scheduler's integers. */
export interface ResourceArithmetic<R> {
  empty(): R;
  /** a + b, a new value (neither argument is changed). */
  add(a: R, b: R): R;
  /** Each resource the larger of the two, a new value. */
  max(a: R, b: R): R;
}

/**
 * THE pod resource formula (upstream's component-helpers AggregateContainerRequests / AggregateContainerLimits, KEP-753
 * "exposing pod resource requirements"): the app containers' sum plus every sidecar (restartable init container);
 * each regular init container counts with the sidecars started before it; the pod needs the larger of the two.
 *   max( sum(containers) + sum(sidecars),  max_i( init_i + sum(sidecars before i) ) )
 * `of` reads one container's list (requests or limits; the scheduler's non-zero defaults). Overhead is the caller's.
 */
export function aggregateContainerResources<C extends { restartPolicy?: string | null } | null | undefined, R>(
  spec: { containers?: readonly C[] | null; initContainers?: readonly C[] | null } | undefined,
  of: (c: C) => R,
  r: ResourceArithmetic<R>,
): R {
  let total = r.empty();
  for (const c of spec?.containers ?? []) total = r.add(total, of(c));
  let sidecars = r.empty();
  let init = r.empty();
  for (const c of spec?.initContainers ?? []) {
    let own = of(c);
    if (isRestartableInitContainer(c)) {
      total = r.add(total, own);
      sidecars = r.add(sidecars, own);
      own = sidecars;
    } else own = r.add(own, sidecars);
    init = r.max(init, own);
  }
  return r.max(total, init);
}

const LISTS: ResourceArithmetic<ResourceList> = { empty: () => ({}), add: addLists, max: maxInto };

function podTotal(spec: Spec, which: Which): ResourceList {
  let total = aggregateContainerResources(spec, (c) => listOf(c, which), LISTS);
  const overhead = readList(spec?.overhead);
  if (which === 'requests') return addLists(total, overhead);
  for (const [k, v] of Object.entries(overhead)) if (k in total) total = addLists(total, { [k]: v });
  return total;
}

export function podRequests(spec: Spec): ResourceList {
  return podTotal(spec, 'requests');
}

export function podLimits(spec: Spec): ResourceList {
  return podTotal(spec, 'limits');
}
