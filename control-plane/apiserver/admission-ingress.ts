/**
 * DefaultIngressClass (upstream plugin/pkg/admission/network/defaultingressclass, enabled by default), mutating,
 * Ingress create: an Ingress with neither spec.ingressClassName nor the deprecated `kubernetes.io/ingress.class`
 * annotation gets the default class, the IngressClass annotated `ingressclass.kubernetes.io/is-default-class: "true"`;
 * with several defaults the newest wins (then the first name), as upstream since 1.28. Subresources are not its
 * business. The classes come from the API server's watch cache (upstream's lister).
 */
import type { Ingress, IngressClass, Relaxed } from '../../api/types/index.js';
import { DEFAULT_INGRESS_CLASS_ANNOTATION, INGRESS_CLASS_ANNOTATION } from '../../api/strategies/ingress.js';
import type { AdmissionPlugin } from './admission.js';
import type { ApiObject } from './object-meta.js';

export const DEFAULT_INGRESS_CLASS = 'DefaultIngressClass';
const NETWORKING_GROUP = 'networking.k8s.io';

/** getDefaultClass: of the classes annotated default, the newest (ties: the first name); undefined when none is. */
export function defaultIngressClassOf(classes: readonly Relaxed<IngressClass>[]): Relaxed<IngressClass> | undefined {
  const defaults = classes.filter((c) => c.metadata?.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true');
  const created = (c: Relaxed<IngressClass>) => Date.parse(c.metadata?.creationTimestamp ?? '') || 0;
  defaults.sort((a, b) => created(b) - created(a) || ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : (a.metadata?.name ?? '') > (b.metadata?.name ?? '') ? 1 : 0));
  return defaults[0];
}

export const defaultIngressClass: AdmissionPlugin = {
  name: DEFAULT_INGRESS_CLASS,
  operations: ['CREATE'],
  admit(a, state) {
    if (a.group !== NETWORKING_GROUP || a.resource !== 'ingresses' || a.subresource !== '' || !a.object) return undefined;
    const ing = a.object as ApiObject & Relaxed<Ingress>;
    const spec = ing.spec;
    if (spec?.ingressClassName !== undefined && spec?.ingressClassName !== null) return undefined;
    if (ing.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION] !== undefined) return undefined;
    const def = defaultIngressClassOf(state.list(NETWORKING_GROUP, 'ingressclasses') as Relaxed<IngressClass>[]);
    if (!def?.metadata?.name) return undefined;
    (ing.spec ??= {}).ingressClassName = def.metadata.name;
    return undefined;
  },
};
