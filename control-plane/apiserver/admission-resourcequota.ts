/**
 * The ResourceQuota admission plugin (upstream's k8s.io/apiserver/pkg/admission/plugin/resourcequota), validating,
 * last in the chain. For a namespaced CREATE or UPDATE of any resource (not a subresource), with the kind's
 * evaluator (api/quota/evaluators.ts): every quota of the namespace whose status.hard names one of the kind's
 * resources and whose scopes match the object is pertinent; the object must meet the evaluator's constraints
 * (`failed quota: <q>: must specify limits.cpu for: app`), the quota must have usage for what it restricts
 * (`status unknown for quota: <q>, resources: pods`), and used + the request's delta must stay within hard
 * (`exceeded quota: <q>, requested: pods=1, used: pods=2, limited: pods=2`): each a 403 `... is forbidden: ...`.
 * The new usage is charged to each quota's status before the object is written, with compare-and-swap on the
 * quota's resourceVersion: a lost race re-reads that quota from storage and checks again (upstream's retries), so
 * concurrent creates never admit past hard. A dry run checks and charges nothing. The resourcequota controller later
 * recomputes status.used from the objects (and so gives back what a request charged but never wrote).
 */
import { errors, isKubeError, type KubeError } from '../../api/errors.js';
import type { Relaxed, ResourceQuota } from '../../api/types/index.js';
import { evaluatorFor, quotaMatches, quotaScopes, type QuotaEvaluator } from '../../api/quota/evaluators.js';
import {
  addLists, lessThanOrEqual, listsEqual, maskList, negativeNames, prettyPrint, prettyPrintResourceNames, readList, removeZeros,
  subtractNonNegative, type ResourceList,
} from '../../api/quota/resources.js';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin, type AdmissionState } from './admission.js';
import type { ApiObject } from './object-meta.js';

export const RESOURCE_QUOTA = 'ResourceQuota';

/** upstream's evaluation retries after a lost status update. */
const MAX_ATTEMPTS = 4;

export interface QuotaRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  object: unknown;
  /** On UPDATE: the stored object (its resourceVersion set). */
  oldObject?: unknown;
}

/** One quota's new status.used, to be written. */
export interface QuotaCharge {
  quota: ApiObject;
  used: ResourceList;
}

export type QuotaDecision = { ok: true; charges: QuotaCharge[] } | { ok: false; message: string };

const asQuota = (o: ApiObject): Relaxed<ResourceQuota> => o as Relaxed<ResourceQuota>;

/** hasUsageStats: every hard resource the request is restricted by has a used value. */
function hasUsageStats(q: Relaxed<ResourceQuota>, restricted: readonly string[]): boolean {
  const used = q.status?.used ?? {};
  return Object.keys(q.status?.hard ?? {}).every((r) => !restricted.includes(r) || r in used);
}

/**
 * CheckRequest: the decision for one request against the namespace's quotas (pure). The charges are the quotas
 * whose used changes, with their new used.
 */
export function checkQuotaRequest(quotas: readonly ApiObject[], req: QuotaRequest, e: QuotaEvaluator, now: Date): QuotaDecision {
  if (!e.handles(req.operation)) return { ok: true, charges: [] };
  const pertinent: number[] = [];
  for (let i = 0; i < quotas.length; i++) {
    const q = asQuota(quotas[i]!);
    const hard = readList(q.status?.hard);
    if (!quotaMatches(e, hard, quotaScopes(q.spec), req.object)) continue;
    const restricted = e.matchingResources(Object.keys(hard));
    const why = e.constraints(restricted, req.object);
    if (why !== undefined) return { ok: false, message: `failed quota: ${q.metadata?.name}: ${why}` };
    if (!hasUsageStats(q, restricted)) return { ok: false, message: `status unknown for quota: ${q.metadata?.name}, resources: ${prettyPrintResourceNames(restricted)}` };
    pertinent.push(i);
  }
  if (pertinent.length === 0) return { ok: true, charges: [] };
  const input = e.usage(req.object, now);
  const negative = negativeNames(input);
  if (negative.length) return { ok: false, message: `quota usage is negative for resource(s): ${prettyPrintResourceNames(negative)}` };
  const deltas = new Map<number, ResourceList>(pertinent.map((i) => [i, input]));
  if (req.operation === 'UPDATE' && req.oldObject !== undefined) {
    const delta = subtractNonNegative(input, e.usage(req.oldObject, now));
    for (const i of pertinent) {
      const q = asQuota(quotas[i]!);
      if (quotaMatches(e, readList(q.status?.hard), quotaScopes(q.spec), req.oldObject)) deltas.set(i, delta);
    }
  }
  const charges: QuotaCharge[] = [];
  for (const i of pertinent) {
    const delta = removeZeros(deltas.get(i)!);
    if (Object.keys(delta).length === 0) continue;
    const q = asQuota(quotas[i]!);
    const hard = readList(q.status?.hard);
    const used = readList(q.status?.used);
    const requested = maskList(delta, Object.keys(hard));
    const newUsed = addLists(used, requested);
    const { allowed, exceeded } = lessThanOrEqual(maskList(newUsed, Object.keys(requested)), hard);
    if (!allowed) {
      return {
        ok: false,
        message: `exceeded quota: ${q.metadata?.name}, requested: ${prettyPrint(maskList(requested, exceeded))}, used: ${prettyPrint(maskList(used, exceeded))}, limited: ${prettyPrint(maskList(hard, exceeded))}`,
      };
    }
    if (!listsEqual(newUsed, used)) charges.push({ quota: quotas[i]!, used: newUsed });
  }
  return { ok: true, charges };
}

/** Charge each quota; a lost compare-and-swap re-reads that quota and decides again for it alone. */
async function evaluate(a: AdmissionAttributes, state: AdmissionState, e: QuotaEvaluator): Promise<KubeError | undefined> {
  const req: QuotaRequest = { operation: a.operation, object: a.object, ...(a.oldObject ? { oldObject: a.oldObject } : {}) };
  let quotas: ApiObject[] = state.list('', 'resourcequotas', a.namespace);
  for (let attempt = 0; attempt < MAX_ATTEMPTS && quotas.length > 0; attempt++) {
    const decision = checkQuotaRequest(quotas, req, e, new Date());
    if (!decision.ok) return admissionForbidden(a, decision.message);
    if (a.dryRun || decision.charges.length === 0) return undefined;
    const lost: ApiObject[] = [];
    for (const c of decision.charges) {
      const q = asQuota(structuredClone(c.quota));
      q.status = { ...(q.status ?? {}), used: c.used };
      try {
        await state.updateStatus('', 'resourcequotas', q as ApiObject);
      } catch (err) {
        if (!isKubeError(err, 'Conflict')) throw err;
        const fresh = await state.read('', 'resourcequotas', a.namespace, c.quota.metadata?.name ?? '');
        if (fresh) lost.push(fresh);
      }
    }
    if (lost.length === 0) return undefined;
    quotas = lost;
  }
  if (quotas.length === 0) return undefined;
  return errors.conflict('resourcequotas', '', quotas[0]!.metadata?.name ?? '', 'the quota was modified by other requests too many times; please try again');
}

export const resourceQuota = {
  name: RESOURCE_QUOTA,
  operations: ['CREATE', 'UPDATE'],
  validate(a: AdmissionAttributes, state: AdmissionState): Promise<KubeError | undefined> | undefined {
    // Subresources and cluster-scoped objects (a namespace's creation among them) are not quota's business.
    if (a.subresource !== '' || a.namespace === '' || !a.object) return undefined;
    const e = evaluatorFor(a.group, a.resource);
    if (!e.handles(a.operation)) return undefined;
    return evaluate(a, state, e);
  },
} satisfies AdmissionPlugin;
