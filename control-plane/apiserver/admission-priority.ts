/**
 * The Priority admission plugin (upstream plugin/pkg/admission/priority, 1.32):
 * - mutating, pod create: resolves spec.priorityClassName into spec.priority and spec.preemptionPolicy; a pod
 *   naming no class gets the global default class (the lowest value if several claim it) and its name, else
 *   priority 0 and PreemptLowerPriority. An unknown class, or a priority / preemptionPolicy in the pod that
 *   differs from the class's, is refused (403, upstream's messages). No namespace restriction on the system
 *   classes: upstream dropped it (1.17); limiting them is ResourceQuota's job (`scopeSelector` on PriorityClass).
 * - mutating, pod update: a priority or preemptionPolicy the update leaves out is kept from the old pod (pod
 *   validation then refuses any change of them).
 * - validating, PriorityClass create/update: only one class may be the global default.
 * Subresources are not its business; neither is delete (a class in use may be deleted, as upstream).
 * The classes are read from the API server's watch cache (upstream's lister).
 */
import type { KubeError } from '../../api/errors.js';
import type { Pod, PriorityClass, Relaxed } from '../../api/types/index.js';
import { DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS, PREEMPT_LOWER_PRIORITY } from '../../api/strategies/scheduling.js';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin, type AdmissionState } from './admission.js';
import type { ApiObject } from './object-meta.js';

export const PRIORITY = 'Priority';

const SCHEDULING_GROUP = 'scheduling.k8s.io';
const PRIORITY_CLASSES = 'priorityclasses';

type PC = Relaxed<PriorityClass>;
/* The objects as their kind: the server decodes a request's body as the kind its resource names and checks its
 * structure before admission, and the watch cache holds stored PriorityClasses. */
const asPod = (o: ApiObject | undefined): Relaxed<Pod> => (o ?? {}) as Relaxed<Pod>;
const asClass = (o: ApiObject | undefined): PC => (o ?? {}) as PC;

/** What a pod's priority resolves to (pure): from its class, or the default. */
export interface ResolvedPriority {
  /** The class name to record (the default class's, when the pod named none; '' when there is none). */
  className: string;
  priority: number;
  preemptionPolicy?: string;
}

/** upstream getDefaultPriorityClass: of the classes marked globalDefault, the one with the lowest value. */
export function defaultPriorityClass(classes: readonly PC[]): PC | undefined {
  let out: PC | undefined;
  for (const pc of classes) {
    if (pc.globalDefault !== true) continue;
    if (!out || (out.value ?? 0) > (pc.value ?? 0)) out = pc;
  }
  return out;
}

/**
 * upstream admitPod's create branch as a decision over the pod and the classes: the resolved priority, or the
 * reason to refuse (the text after `is forbidden: `).
 */
export function resolvePodPriority(
  spec: { priorityClassName?: string; priority?: number | null; preemptionPolicy?: string | null },
  lookup: (name: string) => PC | undefined,
  classes: () => readonly PC[],
): ResolvedPriority | { refuse: string } {
  let resolved: ResolvedPriority;
  if (!spec.priorityClassName) {
    const dpc = defaultPriorityClass(classes());
    resolved = dpc
      ? { className: dpc.metadata?.name ?? '', priority: dpc.value ?? 0, ...(dpc.preemptionPolicy ? { preemptionPolicy: dpc.preemptionPolicy } : {}) }
      : { className: '', priority: DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS, preemptionPolicy: PREEMPT_LOWER_PRIORITY };
  } else {
    const pc = lookup(spec.priorityClassName);
    if (!pc) return { refuse: `no PriorityClass with name ${spec.priorityClassName} was found` };
    resolved = { className: spec.priorityClassName, priority: pc.value ?? 0, ...(pc.preemptionPolicy ? { preemptionPolicy: pc.preemptionPolicy } : {}) };
  }
  if (typeof spec.priority === 'number' && spec.priority !== resolved.priority) {
    return {
      refuse: `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${resolved.priority} from the given PriorityClass name`,
    };
  }
  if (resolved.preemptionPolicy !== undefined && spec.preemptionPolicy && spec.preemptionPolicy !== resolved.preemptionPolicy) {
    return {
      refuse: `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${resolved.preemptionPolicy} from the given PriorityClass name`,
    };
  }
  return resolved;
}

function admitPod(a: AdmissionAttributes, state: AdmissionState): KubeError | undefined {
  const pod = asPod(a.object);
  const spec = (pod.spec ??= {});
  if (a.operation === 'UPDATE') {
    // This plugin set them on create; an update that leaves them out keeps them (validation refuses a change).
    const old = asPod(a.oldObject).spec;
    if ((spec.priority === undefined || spec.priority === null) && typeof old?.priority === 'number') spec.priority = old.priority;
    if (!spec.preemptionPolicy && old?.preemptionPolicy) spec.preemptionPolicy = old.preemptionPolicy;
    return undefined;
  }
  const r = resolvePodPriority(
    spec,
    (name) => {
      const o = state.get(SCHEDULING_GROUP, PRIORITY_CLASSES, undefined, name);
      return o ? asClass(o) : undefined;
    },
    () => state.list(SCHEDULING_GROUP, PRIORITY_CLASSES).map(asClass),
  );
  if ('refuse' in r) return admissionForbidden(a, r.refuse);
  if (!spec.priorityClassName && r.className) spec.priorityClassName = r.className;
  spec.priority = r.priority;
  if (r.preemptionPolicy !== undefined) spec.preemptionPolicy = r.preemptionPolicy;
  return undefined;
}

/** upstream validatePriorityClass: a second global default is refused (the one already marked may be updated). */
function validatePriorityClassWrite(a: AdmissionAttributes, state: AdmissionState): KubeError | undefined {
  const pc = asClass(a.object);
  if (pc.globalDefault !== true) return undefined;
  const dpc = defaultPriorityClass(state.list(SCHEDULING_GROUP, PRIORITY_CLASSES).map(asClass));
  if (!dpc) return undefined;
  const name = dpc.metadata?.name ?? '';
  if (a.operation === 'CREATE' || (a.operation === 'UPDATE' && name !== pc.metadata?.name)) {
    return admissionForbidden(a, `PriorityClass ${name} is already marked as default. Only one default can exist`);
  }
  return undefined;
}

export const priority = {
  name: PRIORITY,
  operations: ['CREATE', 'UPDATE'],
  admit(a: AdmissionAttributes, state: AdmissionState): KubeError | undefined {
    if (a.subresource !== '' || a.group !== '' || a.resource !== 'pods') return undefined;
    return admitPod(a, state);
  },
  validate(a: AdmissionAttributes, state: AdmissionState): KubeError | undefined {
    if (a.subresource !== '' || a.group !== SCHEDULING_GROUP || a.resource !== PRIORITY_CLASSES) return undefined;
    return validatePriorityClassWrite(a, state);
  },
} satisfies AdmissionPlugin;
