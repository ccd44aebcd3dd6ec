import { KubeError, type KubeErrorCode } from '../../api/errors.js';
import type { KeyValue } from './backend.js';

/** A storage failure. The API server maps these to Kubernetes status codes (409, 404, 410, 503). */
export class StorageError extends KubeError {
  readonly key: string;
  /** For a revision mismatch: what the store holds now. */
  readonly current: KeyValue | undefined;

  constructor(code: KubeErrorCode, key: string, message: string, current?: KeyValue, cause?: unknown) {
    const reason =
      code === 'ERR_STORAGE_KEY_EXISTS'
        ? 'AlreadyExists'
        : code === 'ERR_STORAGE_KEY_NOT_FOUND'
          ? 'NotFound'
          : code === 'ERR_STORAGE_REVISION_MISMATCH'
            ? 'Conflict'
            : code === 'ERR_STORAGE_COMPACTED'
              ? 'Expired'
              : 'ServiceUnavailable';
    super(reason, message, { code, cause });
    this.name = 'StorageError';
    this.key = key;
    this.current = current;
  }

  static keyExists(key: string): StorageError {
    return new StorageError('ERR_STORAGE_KEY_EXISTS', key, `key exists: ${key}`);
  }
  static notFound(key: string): StorageError {
    return new StorageError('ERR_STORAGE_KEY_NOT_FOUND', key, `key not found: ${key}`);
  }
  static revisionMismatch(key: string, current: KeyValue | undefined): StorageError {
    return new StorageError('ERR_STORAGE_REVISION_MISMATCH', key, `revision mismatch on ${key}`, current);
  }
  static compacted(revision: number, compactRevision: number): StorageError {
    return new StorageError(
      'ERR_STORAGE_COMPACTED',
      '',
      `required revision ${revision} has been compacted (compact revision ${compactRevision})`,
    );
  }
  static unavailable(message: string, cause?: unknown): StorageError {
    return new StorageError('ERR_STORAGE_UNAVAILABLE', '', `storage unavailable: ${message}`, undefined, cause);
  }
}

export function isStorageError(e: unknown, code?: KubeErrorCode): e is StorageError {
  return e instanceof StorageError && (code === undefined || e.code === code);
}
