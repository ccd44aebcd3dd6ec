/**
 * core/v1 Event and events.k8s.io/v1 Event are two views of the same stored objects (/registry/events),
 * as upstream: objects are stored in the core shape and converted when read or written through events.k8s.io.
 */
/** An Event as stored or served: a JSON object. */
type Obj = Record<string, unknown>;

const RENAMES: [core: string, v1: string][] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];

export function coreEventToV1(core: Obj): Obj {
  const out: Obj = { ...core, apiVersion: 'events.k8s.io/v1', kind: 'Event' };
  for (const [c, v] of RENAMES) {
    if (c in out) {
      if (out[c] !== undefined && out[c] !== '' && out[c] !== null) out[v] = out[c];
      delete out[c];
    }
  }
  if (core.source) {
    out.deprecatedSource = core.source;
    delete out.source;
    const component = (core.source as { component?: unknown }).component;
    if (!out.reportingController && component) out.reportingController = component;
  }
  return out;
}

export function v1EventToCore(v1: Obj): Obj {
  const out: Obj = { ...v1, apiVersion: 'v1', kind: 'Event' };
  for (const [c, v] of RENAMES) {
    if (v in out) {
      if (out[v] !== undefined && out[v] !== '' && out[v] !== null) out[c] = out[v];
      delete out[v];
    }
  }
  if (v1.deprecatedSource) {
    out.source = v1.deprecatedSource;
    delete out.deprecatedSource;
  } else if (v1.reportingController) {
    out.source = { component: v1.reportingController, ...(v1.reportingInstance ? { host: v1.reportingInstance } : {}) };
  }
  return out;
}
