/**
 * One error base class for all of kubelab, with a stable machine-readable `code`,
 * the HTTP status Kubernetes answers with, and conversion to a Kubernetes `Status` body.
 */

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'Unknown';

/** A field failure, as in `Status.details.causes`. `reason` is upstream's CauseType (FieldValueRequired, ...). */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

const HTTP_BY_REASON: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  Invalid: 422,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  UnsupportedMediaType: 415,
  RequestEntityTooLarge: 413,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
  Unknown: 500,
};

/** Stable codes: never renamed once shipped. */
export type KubeErrorCode =
  | 'ERR_BAD_REQUEST'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_FORBIDDEN'
  | 'ERR_NOT_FOUND'
  | 'ERR_ALREADY_EXISTS'
  | 'ERR_CONFLICT'
  | 'ERR_GONE'
  | 'ERR_EXPIRED'
  | 'ERR_INVALID'
  | 'ERR_METHOD_NOT_ALLOWED'
  | 'ERR_NOT_ACCEPTABLE'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_TOO_LARGE'
  | 'ERR_TOO_MANY_REQUESTS'
  | 'ERR_INTERNAL'
  | 'ERR_UNAVAILABLE'
  | 'ERR_TIMEOUT'
  | 'ERR_STORAGE_KEY_EXISTS'
  | 'ERR_STORAGE_KEY_NOT_FOUND'
  | 'ERR_STORAGE_REVISION_MISMATCH'
  | 'ERR_STORAGE_COMPACTED'
  | 'ERR_STORAGE_UNAVAILABLE'
  | 'ERR_RUNTIME'
  | 'ERR_NETWORK'
  | 'ERR_CONFIG'
  | 'ERR_CONTAINER_CONFIG'
  | 'ERR_VOLUME'
  | 'ERR_IMAGE_PULL'
  | 'ERR_PROBE'
  /** A label or node selector that does not parse (labels.Parse, NodeSelectorRequirement). */
  | 'ERR_INVALID_SELECTOR'
  /** An IntOrString that is neither an int nor a percentage, or a port name no container has. */
  | 'ERR_INT_OR_STRING'
  /** An IPv4 address or CIDR that does not parse, or a subnet outside the cluster CIDR. */
  | 'ERR_INVALID_CIDR'
  /** Node IPAM: no node subnet left in the cluster CIDR. */
  | 'ERR_CIDR_RANGE_FULL'
  /** iptables-restore input kubelab cannot parse. */
  | 'ERR_IPTABLES_PARSE'
  /** A wait given up because its AbortSignal fired (and the signal carried no reason of its own). */
  | 'ERR_ABORTED'
  /** A JSON Patch operation that failed (json-patch's message); the cause of the 422 the API server answers. */
  | 'ERR_JSON_PATCH_APPLY'
  /** A strategic merge patch that failed (strategicpatch's message), before toKubeError maps it for the API. */
  | 'ERR_STRATEGIC_MERGE_PATCH';

const CODE_BY_REASON: Record<StatusReason, KubeErrorCode> = {
  BadRequest: 'ERR_BAD_REQUEST',
  Unauthorized: 'ERR_UNAUTHORIZED',
  Forbidden: 'ERR_FORBIDDEN',
  NotFound: 'ERR_NOT_FOUND',
  AlreadyExists: 'ERR_ALREADY_EXISTS',
  Conflict: 'ERR_CONFLICT',
  Gone: 'ERR_GONE',
  Expired: 'ERR_EXPIRED',
  Invalid: 'ERR_INVALID',
  MethodNotAllowed: 'ERR_METHOD_NOT_ALLOWED',
  NotAcceptable: 'ERR_NOT_ACCEPTABLE',
  UnsupportedMediaType: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  RequestEntityTooLarge: 'ERR_TOO_LARGE',
  TooManyRequests: 'ERR_TOO_MANY_REQUESTS',
  InternalError: 'ERR_INTERNAL',
  ServiceUnavailable: 'ERR_UNAVAILABLE',
  Timeout: 'ERR_TIMEOUT',
  Unknown: 'ERR_INTERNAL',
};

export class KubeError extends Error {
  readonly code: KubeErrorCode;
  readonly reason: StatusReason;
  readonly httpStatus: number;
  readonly details: StatusDetails | undefined;

  constructor(
    reason: StatusReason,
    message: string,
    opts: { code?: KubeErrorCode; details?: StatusDetails; httpStatus?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KubeError';
    this.reason = reason;
    this.code = opts.code ?? CODE_BY_REASON[reason];
    this.httpStatus = opts.httpStatus ?? HTTP_BY_REASON[reason];
    this.details = opts.details;
  }

  toStatus(): Status {
    const s: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.httpStatus,
    };
    if (this.details) s.details = this.details;
    return s;
  }

  /** Rebuild from a Status body a server answered with. */
  static fromStatus(st: Partial<Status>, httpStatus?: number): KubeError {
    const reason = (st.reason ?? reasonForHttp(httpStatus ?? st.code ?? 500)) as StatusReason;
    return new KubeError(reason, st.message ?? `the server responded with ${httpStatus ?? st.code}`, {
      details: st.details,
      httpStatus: httpStatus ?? st.code,
    });
  }
}

export function reasonForHttp(code: number): StatusReason {
  for (const [reason, http] of Object.entries(HTTP_BY_REASON) as [StatusReason, number][]) {
    if (http === code) return reason;
  }
  return code >= 500 ? 'InternalError' : 'BadRequest';
}

export function isKubeError(e: unknown, reason?: StatusReason): e is KubeError {
  return e instanceof KubeError && (reason === undefined || e.reason === reason);
}

/** A resource reference for messages: `pods`, or `deployments.apps`. */
export function qualifiedResource(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const errors = {
  notFound(resource: string, group: string, name: string): KubeError {
    return new KubeError('NotFound', `${qualifiedResource(resource, group)} "${name}" not found`, {
      details: { name, group, kind: resource },
    });
  },
  alreadyExists(resource: string, group: string, name: string): KubeError {
    return new KubeError('AlreadyExists', `${qualifiedResource(resource, group)} "${name}" already exists`, {
      details: { name, group, kind: resource },
    });
  },
  conflict(resource: string, group: string, name: string, why: string): KubeError {
    return new KubeError(
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${why}`,
      { details: { name, group, kind: resource } },
    );
  },
  /** 422 with every failing field, message formatted as upstream's `NewInvalid`. */
  invalid(kind: string, group: string, name: string, causes: StatusCause[]): KubeError {
    const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message ?? ''}` : (c.message ?? '')));
    const summary = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
    return new KubeError('Invalid', `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${summary}`, {
      details: { name, group, kind, causes },
    });
  },
  badRequest(message: string, causes?: StatusCause[]): KubeError {
    return new KubeError('BadRequest', message, causes ? { details: { causes } } : {});
  },
  methodNotAllowed(message: string): KubeError {
    return new KubeError('MethodNotAllowed', message);
  },
  gone(message: string): KubeError {
    return new KubeError('Expired', message, { httpStatus: 410 });
  },
  unauthorized(): KubeError {
    return new KubeError('Unauthorized', 'Unauthorized');
  },
  forbidden(user: string, verb: string, resource: string, group: string, namespace: string | undefined, why = ''): KubeError {
    const scope = namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope';
    return new KubeError(
      'Forbidden',
      `${qualifiedResource(resource, group)} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}"${scope}${why ? ': ' + why : ''}`,
      { details: { group, kind: resource } },
    );
  },
  /** upstream NewForbidden: `<resource>[.group] "<name>" is forbidden: <why>` (admission, a kind's own refusals). */
  forbiddenObject(resource: string, group: string, name: string, why: string): KubeError {
    return new KubeError('Forbidden', `${qualifiedResource(resource, group)} "${name}" is forbidden: ${why}`, {
      details: { name, group, kind: resource },
    });
  },
  tooLarge(message = 'Request entity too large: limit is 3145728'): KubeError {
    return new KubeError('RequestEntityTooLarge', message);
  },
  unsupportedMediaType(contentType: string): KubeError {
    return new KubeError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`, { details: { causes: [{ message: contentType }] } });
  },
  internal(message: string, cause?: unknown): KubeError {
    return new KubeError('InternalError', `Internal error occurred: ${message}`, { cause });
  },
  timeout(message: string): KubeError {
    return new KubeError('Timeout', message);
  },
};
