/** PATCH bodies: JSON patch, JSON merge patch, strategic merge patch, and apply (approximated by a strategic merge). */
import { errors, KubeError } from '../../api/errors.js';
import { apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import { applyJsonPatch } from '../../api/patch/json-patch.js';
import { applyMergePatch } from '../../api/patch/merge-patch.js';
import { applyStrategicMergePatch, StrategicMergePatchError, toKubeError } from '../../api/patch/strategic-merge-patch.js';
import { patchMetaResolver } from '../../api/schema/patch-meta.js';
import { decodeBody } from './http-util.js';
import type { Obj } from './store.js';

export function applyPatch(cur: Obj, raw: Buffer, contentType: string, info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>, _opts: { force?: boolean }): Obj {
  let out: unknown;
  try {
    switch (contentType) {
      case 'application/json-patch+json': {
        const ops = decodeBody(raw, 'application/json', false);
        out = applyJsonPatch(cur, ops);
        break;
      }
      case 'application/merge-patch+json': {
        out = applyMergePatch(cur, decodeBody(raw, contentType));
        break;
      }
      case 'application/strategic-merge-patch+json': {
        out = applyStrategicMergePatch(cur, decodeBody(raw, contentType), patchMetaResolver(apiVersionOf(info), info.kind));
        break;
      }
      case 'application/apply-patch+yaml': {
        const applied = decodeBody(raw, contentType) as Obj;
        if (applied.kind !== info.kind || applied.apiVersion !== apiVersionOf(info)) {
          throw errors.badRequest(`the object provided is unrecognized (must be of type ${info.kind})`);
        }
        out = applyStrategicMergePatch(cur, applied, patchMetaResolver(apiVersionOf(info), info.kind));
        break;
      }
      default:
        throw new KubeError(
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
        );
    }
  } catch (e) {
    if (e instanceof StrategicMergePatchError) throw toKubeError(e);
    throw e;
  }
  if (out === null || typeof out !== 'object' || Array.isArray(out)) {
    throw errors.badRequest('the patch did not result in an object');
  }
  return out as Obj;
}
