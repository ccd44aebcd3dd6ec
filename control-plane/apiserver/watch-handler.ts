/** Serving `?watch=1`: a chunked stream of JSON watch events fed by the resource's watch cache. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, KubeError } from '../../api/errors.js';
import type { Store } from './store.js';
import type { ApiObject } from './object-meta.js';
import { serializedJson, type CacheEvent } from './watch-cache.js';
import { sendError } from './http-util.js';
import { metaApiVersion, partialMetadata, toTable } from './table.js';
import type { Target } from './negotiation.js';
import { encodeWatchFrame } from './protobuf/encode.js';
import type { JsonObject } from '../../api/values.js';
import { int64Param } from './query-params.js';
import { boundedDelayMs } from '../../api/timers.js';

export interface WatchParams {
  namespace: string | undefined;
  matches: (obj: ApiObject) => boolean;
  query: URLSearchParams;
  /** Minimum request timeout (upstream --min-request-timeout, 1800 s): the watch ends between 1x and 2x. */
  minRequestTimeoutSeconds: number;
  bookmarkIntervalMs: number;
  /** The negotiated conversion of each event's object: a Table, or PartialObjectMetadata (either as= asks for it). */
  target?: Target;
  /** Told of every event written to the client, with its size in bytes (apiserver_watch_events_total). */
  onEvent?: (bytes: number) => void;
  /** Stream Kubernetes protobuf frames (`application/vnd.kubernetes.protobuf;stream=watch`) instead of JSON lines. */
  protobuf?: boolean;
}

/** A watch's resourceVersion parameter: '' and '0' mean "from now" (0); anything but a count is a 422. */
export function watchFromRevision(rvText: string): number {
  if (rvText === '' || rvText === '0') return 0;
  const rev = Number(rvText);
  if (!Number.isInteger(rev) || rev < 0) {
    throw errors.invalid('ListOptions', 'meta.k8s.io', '', [
      { reason: 'FieldValueInvalid', field: 'resourceVersion', message: `Invalid value: "${rvText}": must be a valid resource version` },
    ]);
  }
  return rev;
}

export async function serveWatch(req: IncomingMessage, res: ServerResponse, store: Store, p: WatchParams): Promise<void> {
  const q = p.query;
  const rvText = q.get('resourceVersion') ?? '';
  const allowBookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
  const sendInitial = q.get('sendInitialEvents');
  const rvMatch = q.get('resourceVersionMatch') ?? '';
  if (sendInitial !== null) {
    if (rvMatch !== 'NotOlderThan') {
      throw errors.invalid('ListOptions', 'meta.k8s.io', '', [
        { reason: 'FieldValueForbidden', field: 'resourceVersionMatch', message: "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan" },
      ]);
    }
    if (!allowBookmarks) {
      throw errors.invalid('ListOptions', 'meta.k8s.io', '', [
        { reason: 'FieldValueForbidden', field: 'allowWatchBookmarks', message: 'Forbidden: sendInitialEvents requires allowWatchBookmarks=true' },
      ]);
    }
  } else if (rvMatch) {
    throw errors.badRequest(`resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided`);
  }
  const fromRev = watchFromRevision(rvText);
  // Legacy semantics: RV unset or "0" starts with synthetic ADDED events for the current state.
  const initialEvents = sendInitial !== null ? sendInitial === 'true' : fromRev === 0;
  let timeoutSeconds = int64Param(q, 'timeoutSeconds') ?? 0;
  if (timeoutSeconds <= 0) {
    timeoutSeconds = p.minRequestTimeoutSeconds * (1 + Math.random());
  }
  const target = p.target;
  const asTable = target?.kind === 'Table';
  const asMetadata = target?.kind === 'PartialObjectMetadata' || target?.kind === 'PartialObjectMetadataList';
  const includeObject = q.get('includeObject');
  let headerSent = false;

  let closed = false;
  let unregister: (() => void) | undefined;
  const timers: NodeJS.Timeout[] = [];
  const finish = (): void => {
    if (closed) return;
    closed = true;
    for (const t of timers) clearTimeout(t), clearInterval(t);
    unregister?.();
    if (!res.writableEnded) res.end();
  };
  req.on('close', finish);
  res.on('close', finish);

  const contentType = p.protobuf ? 'application/vnd.kubernetes.protobuf;stream=watch' : 'application/json';
  const write = (chunk: string | Buffer): void => {
    if (closed) return;
    if (!res.headersSent) {
      res.writeHead(200, { 'Content-Type': contentType, 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    }
    res.write(chunk);
    if (chunk.length > 0) p.onEvent?.(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
  };

  /**
   * One event: a JSON line, or a length-delimited protobuf frame. An object that cannot be encoded in
   * protobuf ends the watch, as upstream's watch server ends on an encoding error.
   */
  const emit = (type: string, json: () => string): void => {
    if (!p.protobuf) return write(`{"type":"${type}","object":${json()}}\n`);
    const frame = encodeWatchFrame(type, JSON.parse(json()) as JsonObject);
    if (frame) write(frame);
    else finish();
  };

  const encodeObject = (ev: CacheEvent): string => {
    if (asTable) {
      const t = toTable(store.strategy, [ev.obj], { resourceVersion: ev.obj.metadata?.resourceVersion }, { includeObject, noHeaders: headerSent, apiVersion: metaApiVersion(target!.version) });
      headerSent = true;
      return JSON.stringify(t);
    }
    if (asMetadata) return JSON.stringify(partialMetadata(ev.obj, metaApiVersion(target!.version)));
    return serializedJson(ev.obj);
  };

  let lastRev = fromRev;
  const sendBookmark = (rev: number, initialEnd = false): void => {
    const obj = {
      kind: store.info.kind,
      apiVersion: store.info.group ? `${store.info.group}/${store.info.version}` : store.info.version,
      metadata: { resourceVersion: String(rev), ...(initialEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}) },
    };
    emit('BOOKMARK', () => JSON.stringify(obj));
  };

  try {
    unregister = await store.cache.watch(
      fromRev,
      { ...(p.namespace ? { namespace: p.namespace } : {}), matches: p.matches },
      {
        send: (type, ev) => {
          if (type === 'BOOKMARK') return;
          const ce = ev as CacheEvent;
          lastRev = Math.max(lastRev, ce.rev);
          emit(type, () => encodeObject(ce));
        },
        close: (err?: KubeError) => {
          if (err && !closed) emit('ERROR', () => JSON.stringify(err.toStatus()));
          finish();
        },
      },
      { initialEvents },
    );
  } catch (e) {
    if (e instanceof KubeError && e.httpStatus === 410) {
      // As upstream: the stream opens, then one ERROR event carries the 410 Status.
      emit('ERROR', () => JSON.stringify(e.toStatus()));
      finish();
      return;
    }
    // The error first: finish() would end the response as an empty 200.
    if (!res.headersSent) sendError(res, e, req);
    finish();
    return;
  }
  if (closed) {
    unregister();
    return;
  }
  lastRev = Math.max(lastRev, store.cache.currentRevision);
  if (sendInitial === 'true') sendBookmark(store.cache.currentRevision, true);
  if (!res.headersSent) write('');
  timers.push(setTimeout(finish, boundedDelayMs(timeoutSeconds * 1000)));
  if (allowBookmarks) {
    timers.push(
      setInterval(() => {
        sendBookmark(Math.max(lastRev, store.cache.currentRevision));
      }, p.bookmarkIntervalMs),
    );
  }
}
