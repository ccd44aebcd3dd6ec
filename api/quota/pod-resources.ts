/**
 * A pod's effective requests and limits as resource lists (upstream's component-helpers resource.PodRequests /
 * PodLimits): the containers' sum; init containers as the maximum of each (plus the restartable sidecars started
 * before it), sidecars added to the sum; the pod overhead on top (on limits, only for resources that have a limit).
 * What LimitRanger's `Pod` limits and ResourceQuota's compute usage read.
 */
import type { Container, PodSpec, Relaxed } from '../types/index.js';
import { compare } from '../quantity.js';
import { addLists, readList, type ResourceList } from './resources.js';

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

function podTotal(spec: Spec, which: Which): ResourceList {
  let total: ResourceList = {};
  for (const c of spec?.containers ?? []) total = addLists(total, listOf(c, which));
  let sidecars: ResourceList = {};
  let init: ResourceList = {};
  for (const c of spec?.initContainers ?? []) {
    let own = listOf(c, which);
    if (c?.restartPolicy === 'Always') {
      total = addLists(total, own);
      sidecars = addLists(sidecars, own);
      own = sidecars;
    } else own = addLists(own, sidecars);
    init = maxInto(init, own);
  }
  total = maxInto(total, init);
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
