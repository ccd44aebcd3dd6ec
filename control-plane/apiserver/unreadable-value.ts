/**
 * A stored value the API server cannot read back: no encryption provider can decrypt it, or it is
 * not a JSON object. As upstream (etcd3 store + storeerr.Interpret*Error), reading it is a 500
 * InternalError; a LIST (or the watch cache's list) that meets it fails as a whole, naming the key,
 * instead of silently leaving the object out.
 */
import { KubeError } from '../../api/errors.js';

export class UnreadableValueError extends KubeError {
  constructor(
    readonly key: string,
    /** upstream's wording: "transform" (decryption) or "decode" (the bytes are not an object). */
    readonly stage: 'transform' | 'decode',
    readonly detail: string,
  ) {
    super('InternalError', `Internal error occurred: ${detail}`, { details: { causes: [{ message: detail }] } });
    this.name = 'UnreadableValueError';
  }

  /** The error a LIST answers with: `unable to transform key "<key>": <detail>`. */
  forList(): KubeError {
    const msg = `unable to ${this.stage} key "${this.key}": ${this.detail}`;
    return new KubeError('InternalError', `Internal error occurred: ${msg}`, { details: { causes: [{ message: msg }] } });
  }
}

/** The LIST form of an error met while reading one item (others pass unchanged). */
export function listReadError(e: unknown): unknown {
  return e instanceof UnreadableValueError ? e.forList() : e;
}
