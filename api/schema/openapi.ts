/**
 * OpenAPI documents generated from the type schemas and the resource table:
 *   - /openapi/v2            swagger 2.0, every definition and path
 *   - /openapi/v3            index of group-versions with hashed URLs
 *   - /openapi/v3/<gv path>  one OpenAPI 3.0 document per group-version
 * kubectl reads them for `explain` (v3 components + the GVK on operations), for server-side field
 * validation support (the `fieldValidation` query parameter on PATCH operations) and for
 * strategic-merge-patch metadata in `apply` (`x-kubernetes-patch-*` on properties).
 */
import { KubeError } from '../errors.js';
import { createHash } from 'node:crypto';
import { DEF, DEFINITIONS, X_UNSTRUCTURED } from '../types/base.js';
import { allKinds, splitApiVersion } from '../types/registry.js';
import { RESOURCES, type ResourceInfo } from '../resources.js';
import { findResourceVersion, registryGeneration } from '../kinds/registry.js';
import { node, type SchemaNode } from './walk.js';

type Json = Record<string, unknown>;
type RefStyle = 'v2' | 'v3';

export const OPENAPI_INFO = { title: 'Kubernetes', version: 'v1.32.0' };
const GVK_EXT = 'x-kubernetes-group-version-kind';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const PATCH_DEF = META + 'Patch';

interface GVK {
  group: string;
  version: string;
  kind: string;
}

function refTo(name: string, style: RefStyle): string {
  return style === 'v2' ? `#/definitions/${name}` : `#/components/schemas/${name}`;
}

// ------------------------------------------------------------------ schema conversion

const STRIP = new Set([DEF, X_UNSTRUCTURED, 'patternProperties']);

/** Convert a schema (not the named root itself) to OpenAPI, referencing named definitions. */
function convert(s: SchemaNode, style: RefStyle, refs: Set<string>, isRoot: boolean): Json {
  const name = typeof s[DEF] === 'string' ? (s[DEF] as string) : undefined;
  if (name && !isRoot) {
    refs.add(name);
    const canonical = node(DEFINITIONS.get(name)!);
    const extra: Json = {};
    // field-level description and extensions (patch strategy on the field) stay on the field
    for (const [k, v] of Object.entries(s)) {
      if (k === 'description') {
        if (v !== canonical.description) extra.description = v;
      } else if (k.startsWith('x-kubernetes-') && canonical[k] === undefined) {
        extra[k] = v;
      }
    }
    if (style === 'v2') return { ...extra, $ref: refTo(name, style) };
    const out: Json = { allOf: [{ $ref: refTo(name, style) }], ...extra };
    if (isObjectDef(canonical)) out.default = {};
    return out;
  }
  // named primitives
  if (name && isRoot) {
    if (name.endsWith('.Quantity')) {
      return style === 'v2'
        ? { description: s.description, type: 'string' }
        : { description: s.description, oneOf: [{ type: 'string' }, { type: 'number' }] };
    }
    if (name.endsWith('.IntOrString')) {
      return style === 'v2'
        ? { description: s.description, format: 'int-or-string', type: 'string', 'x-kubernetes-int-or-string': true }
        : { description: s.description, format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true };
    }
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (STRIP.has(k) || v === undefined) continue;
    if (k === 'properties') {
      const props: Json = {};
      for (const [pk, pv] of Object.entries(v as Record<string, SchemaNode>)) props[pk] = convert(pv, style, refs, false);
      out.properties = props;
    } else if (k === 'items') {
      out.items = convert(v as SchemaNode, style, refs, false);
    } else if (k === 'additionalProperties' && typeof v === 'object') {
      out.additionalProperties = convert(v as SchemaNode, style, refs, false);
    } else if (k === 'anyOf') {
      out.anyOf = (v as SchemaNode[]).map((x) => convert(x, style, refs, false));
    } else if (k === 'required') {
      // metadata is required only for TypeScript's sake: upstream never lists it
      const req = Array.isArray(v) ? v.filter((x) => !(isRoot && x === 'metadata')) : [];
      if (req.length > 0) out.required = [...req].sort();
    } else {
      out[k] = v;
    }
  }
  const pp = s.patternProperties as Record<string, SchemaNode> | undefined;
  if (pp) {
    const values = Object.values(pp)[0];
    if (s['x-kubernetes-preserve-unknown-fields'] === true) {
      out.type = 'object';
    } else if (values) {
      out.additionalProperties = convert(values, style, refs, false);
    }
  }
  if (s.type === undefined && !s.anyOf && !name) {
    // Unknown: any JSON value; describe as an object like upstream's RawExtension
    out.type = 'object';
  }
  return out;
}

function isObjectDef(s: SchemaNode): boolean {
  return s.type === 'object' && !s.patternProperties;
}

/** GVK extensions for definitions. */
function gvkIndex(): Map<string, GVK[]> {
  const m = new Map<string, GVK[]>();
  const push = (def: string, g: GVK) => {
    const l = m.get(def) ?? [];
    if (!l.some((x) => x.group === g.group && x.version === g.version && x.kind === g.kind)) l.push(g);
    m.set(def, l);
  };
  for (const e of allKinds()) {
    if (e.definition === META + 'DeleteOptions' || e.definition === META + 'WatchEvent') continue;
    if (e.definition === META + 'Table' || e.definition.startsWith(META + 'API')) continue;
    push(e.definition, { group: e.group, version: e.version, kind: e.kind });
  }
  // like upstream, DeleteOptions and WatchEvent carry the GVK of every served group-version
  const gvs = new Map<string, { group: string; version: string }>();
  gvs.set('/v1', { group: '', version: 'v1' });
  for (const r of RESOURCES) gvs.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
  for (const gv of [...gvs.values(), { group: 'autoscaling', version: 'v1' }, { group: 'policy', version: 'v1' }]) {
    push(META + 'DeleteOptions', { ...gv, kind: 'DeleteOptions' });
    push(META + 'WatchEvent', { ...gv, kind: 'WatchEvent' });
  }
  return m;
}

function gvkObj(g: GVK): Json {
  return { group: g.group, kind: g.kind, version: g.version };
}

/** Convert one named definition. */
function definitionDoc(name: string, style: RefStyle, refs: Set<string>, gvks: Map<string, GVK[]>): Json {
  const s = node(DEFINITIONS.get(name)!);
  const out = convert(s, style, refs, true);
  const g = gvks.get(name);
  if (g) out[GVK_EXT] = g.map(gvkObj);
  return out;
}

const PATCH_SCHEMA: Json = {
  description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
  type: 'object',
};

/** Definitions closed over their references, starting from `roots`. */
function closeDefinitions(roots: Iterable<string>, style: RefStyle): Json {
  const gvks = gvkIndex();
  const out: Json = {};
  const queue = [...roots];
  const seen = new Set<string>();
  while (queue.length) {
    const n = queue.shift()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n === PATCH_DEF) {
      out[n] = PATCH_SCHEMA;
      continue;
    }
    if (!DEFINITIONS.has(n)) continue;
    const refs = new Set<string>();
    out[n] = definitionDoc(n, style, refs, gvks);
    for (const r of refs) if (!seen.has(r)) queue.push(r);
  }
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
}

// ------------------------------------------------------------------ paths

interface Param {
  name: string;
  in: 'query' | 'path' | 'body';
  description: string;
  type?: string;
  required?: boolean;
  uniqueItems?: boolean;
  schema?: Json;
}

const q = (name: string, type: string, description: string): Param => ({ name, in: 'query', type, uniqueItems: true, description });

const P = {
  pretty: q('pretty', 'string', "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."),
  dryRun: q('dryRun', 'string', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: q('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.'),
  fieldManagerApply: q('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).'),
  fieldValidation: q('fieldValidation', 'string', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.'),
  force: q('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.'),
  allowWatchBookmarks: q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag.'),
  continue: q('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  fieldSelector: q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  labelSelector: q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  limit: q('limit', 'integer', 'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata.'),
  resourceVersion: q('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from. Defaults to unset.'),
  resourceVersionMatch: q('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls. Defaults to unset.'),
  sendInitialEvents: q('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection.'),
  timeoutSeconds: q('timeoutSeconds', 'integer', 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.'),
  watch: q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. Defaults to a per object value if not specified.'),
  ignoreStoreReadError: q('ignoreStoreReadErrorWithClusterBreakingPotential', 'boolean', 'if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.'),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned.'),
  propagationPolicy: q('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground."),
  name: (kind: string): Param => ({ name: 'name', in: 'path', required: true, type: 'string', uniqueItems: true, description: `name of the ${kind}` }),
  namespace: { name: 'namespace', in: 'path', required: true, type: 'string', uniqueItems: true, description: 'object name and auth scope, such as for teams and projects' } as Param,
  // pods/log
  container: q('container', 'string', 'The container for which to stream logs. Defaults to only container if there is one container in the pod.'),
  follow: q('follow', 'boolean', 'Follow the log stream of the pod. Defaults to false.'),
  previous: q('previous', 'boolean', 'Return previous terminated container logs. Defaults to false.'),
  sinceSeconds: q('sinceSeconds', 'integer', 'A relative time in seconds before the current time from which to show logs.'),
  tailLines: q('tailLines', 'integer', 'If set, the number of lines from the end of the logs to show.'),
  timestamps: q('timestamps', 'boolean', 'If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output. Defaults to false.'),
  limitBytes: q('limitBytes', 'integer', 'If set, the number of bytes to read from the server before terminating the log output.'),
};

const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const PATCH_PARAMS = [P.dryRun, P.fieldManagerApply, P.fieldValidation, P.force];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.ignoreStoreReadError, P.orphanDependents, P.propagationPolicy];
const DELETECOLLECTION_PARAMS = [P.continue, P.dryRun, P.fieldSelector, P.gracePeriodSeconds, P.ignoreStoreReadError, P.labelSelector, P.limit, P.orphanDependents, P.propagationPolicy, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds];

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
/** A kind without strategic merge patch (a CRD's), as upstream publishes it: kubectl apply then sends a merge patch. */
const PATCH_TYPES_NO_SMP = PATCH_TYPES.filter((t) => t !== 'application/strategic-merge-patch+json');
const PRODUCES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const PRODUCES_LIST = [...PRODUCES, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];

type Action = 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';

/** An operation in neutral form, rendered to v2 or v3. */
interface Op {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  operationId: string;
  description: string;
  action: Action;
  gvk: GVK;
  tag: string;
  params: Param[];
  /** Definition name of the request body, PATCH_DEF for patches, undefined for none. */
  body?: string;
  bodyRequired?: boolean;
  /** status code -> definition name ('' for a plain string body). */
  responses: Record<string, string>;
  produces: string[];
  consumes: string[];
}

interface PathItem {
  params: Param[];
  ops: Op[];
}

function groupCamel(group: string): string {
  if (group === '') return 'Core';
  const first = group.split('.')[0];
  return first.charAt(0).toUpperCase() + first.slice(1);
}
function versionCamel(v: string): string {
  return v.charAt(0).toUpperCase() + v.slice(1);
}
function tagOf(group: string, version: string): string {
  return `${group === '' ? 'core' : group.split('.')[0]}_${version}`;
}

function defOf(group: string, version: string, kind: string): string {
  const e = allKinds().find((k) => k.group === group && k.version === version && k.kind === kind);
  if (!e) throw new KubeError('InternalError', `openapi: no schema for ${group}/${version} ${kind}`);
  return e.definition;
}

/** The paths one resource contributes, keyed by URL template. */
function resourcePaths(r: ResourceInfo): Map<string, PathItem> {
  const out = new Map<string, PathItem>();
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const gvk: GVK = { group: r.group, version: r.version, kind: r.kind };
  const verbs = new Set(r.verbs);
  const G = groupCamel(r.group) + versionCamel(r.version);
  const tag = tagOf(r.group, r.version);
  const ns = r.namespaced ? 'Namespaced' : '';
  const objDef = defOf(r.group, r.version, r.kind);
  const listDef = allKinds().find((k) => k.group === r.group && k.version === r.version && k.kind === r.kind + 'List')?.definition;
  const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
  const item = `${collection}/{name}`;
  const scopeParams = r.namespaced ? [P.namespace] : [];
  const patchTypes = findResourceVersion(r.group, r.version, r.plural)?.definition.strategicMergePatch === false ? PATCH_TYPES_NO_SMP : PATCH_TYPES;
  const mk = (o: Omit<Op, 'tag' | 'produces' | 'consumes'> & Partial<Pick<Op, 'produces' | 'consumes'>>): Op => ({
    tag,
    produces: PRODUCES,
    consumes: o.method === 'patch' ? patchTypes : ['*/*'],
    ...o,
  });

  // collection
  const collOps: Op[] = [];
  if (verbs.has('list') && listDef) {
    collOps.push(mk({ method: 'get', operationId: `list${G}${ns}${r.kind}`, description: `list or watch objects of kind ${r.kind}`, action: 'list', gvk, params: LIST_PARAMS, responses: { '200': listDef }, produces: PRODUCES_LIST }));
  }
  if (verbs.has('create')) {
    collOps.push(mk({ method: 'post', operationId: `create${G}${ns}${r.kind}`, description: `create ${article(r.kind)} ${r.kind}`, action: 'post', gvk, params: WRITE_PARAMS, body: objDef, bodyRequired: true, responses: { '200': objDef, '201': objDef, '202': objDef } }));
  }
  if (verbs.has('deletecollection')) {
    collOps.push(mk({ method: 'delete', operationId: `delete${G}Collection${ns}${r.kind}`, description: `delete collection of ${r.kind}`, action: 'deletecollection', gvk, params: DELETECOLLECTION_PARAMS, body: META + 'DeleteOptions', responses: { '200': META + 'Status' } }));
  }
  if (collOps.length) out.set(collection, { params: [...scopeParams, P.pretty], ops: collOps });

  // all namespaces list
  if (r.namespaced && verbs.has('list') && listDef) {
    out.set(`${base}/${r.plural}`, {
      params: [P.pretty],
      ops: [mk({ method: 'get', operationId: `list${G}${r.kind}ForAllNamespaces`, description: `list or watch objects of kind ${r.kind}`, action: 'list', gvk, params: LIST_PARAMS, responses: { '200': listDef }, produces: PRODUCES_LIST })],
    });
  }

  // item
  const itemOps: Op[] = [];
  if (verbs.has('get')) itemOps.push(mk({ method: 'get', operationId: `read${G}${ns}${r.kind}`, description: `read the specified ${r.kind}`, action: 'get', gvk, params: [], responses: { '200': objDef } }));
  if (verbs.has('update')) itemOps.push(mk({ method: 'put', operationId: `replace${G}${ns}${r.kind}`, description: `replace the specified ${r.kind}`, action: 'put', gvk, params: WRITE_PARAMS, body: objDef, bodyRequired: true, responses: { '200': objDef, '201': objDef } }));
  if (verbs.has('delete')) itemOps.push(mk({ method: 'delete', operationId: `delete${G}${ns}${r.kind}`, description: `delete ${article(r.kind)} ${r.kind}`, action: 'delete', gvk, params: DELETE_PARAMS, body: META + 'DeleteOptions', responses: { '200': META + 'Status', '202': META + 'Status' } }));
  if (verbs.has('patch')) itemOps.push(mk({ method: 'patch', operationId: `patch${G}${ns}${r.kind}`, description: `partially update the specified ${r.kind}`, action: 'patch', gvk, params: PATCH_PARAMS, body: PATCH_DEF, bodyRequired: true, responses: { '200': objDef, '201': objDef } }));
  if (itemOps.length) out.set(item, { params: [P.name(r.kind), ...scopeParams, P.pretty], ops: itemOps });

  // subresources
  for (const sub of r.subresources) {
    const path = `${item}/${sub}`;
    const nameParam = P.name(sub === 'status' || sub === 'scale' ? r.kind : sub === 'binding' ? 'Binding' : sub === 'eviction' ? 'Eviction' : sub === 'token' ? 'TokenRequest' : r.kind);
    const params = [nameParam, ...scopeParams, P.pretty];
    if (sub === 'status') {
      out.set(path, {
        params,
        ops: [
          mk({ method: 'get', operationId: `read${G}${ns}${r.kind}Status`, description: `read status of the specified ${r.kind}`, action: 'get', gvk, params: [], responses: { '200': objDef } }),
          mk({ method: 'put', operationId: `replace${G}${ns}${r.kind}Status`, description: `replace status of the specified ${r.kind}`, action: 'put', gvk, params: WRITE_PARAMS, body: objDef, bodyRequired: true, responses: { '200': objDef, '201': objDef } }),
          mk({ method: 'patch', operationId: `patch${G}${ns}${r.kind}Status`, description: `partially update status of the specified ${r.kind}`, action: 'patch', gvk, params: PATCH_PARAMS, body: PATCH_DEF, bodyRequired: true, responses: { '200': objDef, '201': objDef } }),
        ],
      });
    } else if (sub === 'scale') {
      const sg: GVK = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
      const sd = defOf('autoscaling', 'v1', 'Scale');
      out.set(path, {
        params,
        ops: [
          mk({ method: 'get', operationId: `read${G}${ns}${r.kind}Scale`, description: `read scale of the specified ${r.kind}`, action: 'get', gvk: sg, params: [], responses: { '200': sd } }),
          mk({ method: 'put', operationId: `replace${G}${ns}${r.kind}Scale`, description: `replace scale of the specified ${r.kind}`, action: 'put', gvk: sg, params: WRITE_PARAMS, body: sd, bodyRequired: true, responses: { '200': sd, '201': sd } }),
          mk({ method: 'patch', operationId: `patch${G}${ns}${r.kind}Scale`, description: `partially update scale of the specified ${r.kind}`, action: 'patch', gvk: sg, params: PATCH_PARAMS, body: PATCH_DEF, bodyRequired: true, responses: { '200': sd, '201': sd } }),
        ],
      });
    } else if (sub === 'binding') {
      const bd = defOf('', 'v1', 'Binding');
      out.set(path, {
        params,
        ops: [mk({ method: 'post', operationId: `create${G}${ns}${r.kind}Binding`, description: `create binding of ${article(r.kind)} ${r.kind}`, action: 'post', gvk: { group: '', version: 'v1', kind: 'Binding' }, params: WRITE_PARAMS, body: bd, bodyRequired: true, responses: { '200': bd, '201': bd, '202': bd } })],
      });
    } else if (sub === 'eviction') {
      const ed = defOf('policy', 'v1', 'Eviction');
      out.set(path, {
        params,
        ops: [mk({ method: 'post', operationId: `create${G}${ns}${r.kind}Eviction`, description: `create eviction of ${article(r.kind)} ${r.kind}`, action: 'post', gvk: { group: 'policy', version: 'v1', kind: 'Eviction' }, params: WRITE_PARAMS, body: ed, bodyRequired: true, responses: { '200': ed, '201': ed, '202': ed } })],
      });
    } else if (sub === 'token') {
      const td = defOf('authentication.k8s.io', 'v1', 'TokenRequest');
      out.set(path, {
        params,
        ops: [mk({ method: 'post', operationId: `create${G}${ns}${r.kind}Token`, description: `create token of ${article(r.kind)} ${r.kind}`, action: 'post', gvk: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, params: WRITE_PARAMS, body: td, bodyRequired: true, responses: { '200': td, '201': td, '202': td } })],
      });
    } else if (sub === 'log') {
      out.set(path, {
        params,
        ops: [mk({ method: 'get', operationId: `read${G}${ns}${r.kind}Log`, description: `read log of the specified ${r.kind}`, action: 'get', gvk, params: [P.container, P.follow, P.limitBytes, P.previous, P.sinceSeconds, P.tailLines, P.timestamps], responses: { '200': '' }, produces: ['text/plain', 'application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'] })],
      });
    } else if (sub === 'finalize') {
      out.set(path, {
        params,
        ops: [mk({ method: 'put', operationId: `replace${G}${ns}${r.kind}Finalize`, description: `replace finalize of the specified ${r.kind}`, action: 'put', gvk, params: [P.dryRun, P.fieldManager, P.fieldValidation], body: objDef, bodyRequired: true, responses: { '200': objDef, '201': objDef } })],
      });
    }
    // exec, portforward, proxy: connect operations, not described
  }
  // Binding's own collection (POST /api/v1/namespaces/{ns}/bindings) is handled by verbs=['create'] above.
  return out;
}

function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? 'an' : 'a';
}

function allPaths(): Map<string, PathItem> {
  const all = new Map<string, PathItem>();
  for (const r of RESOURCES) for (const [k, v] of resourcePaths(r)) all.set(k, v);
  return new Map([...all.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

// ------------------------------------------------------------------ v2

function v2Param(p: Param): Json {
  const o: Json = { uniqueItems: true, type: p.type, description: p.description, name: p.name, in: p.in };
  if (p.required) o.required = true;
  return o;
}

function v2Op(op: Op, refs: Set<string>): Json {
  const params: Json[] = [];
  if (op.body) params.push({ name: 'body', in: 'body', required: !!op.bodyRequired, schema: { $ref: refTo(op.body, 'v2') } });
  for (const p of op.params) params.push(v2Param(p));
  if (op.body) refs.add(op.body);
  const responses: Json = {};
  for (const [code, d] of Object.entries(op.responses)) {
    responses[code] = { description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK', schema: d ? { $ref: refTo(d, 'v2') } : { type: 'string' } };
    if (d) refs.add(d);
  }
  responses['401'] = { description: 'Unauthorized' };
  return {
    description: op.description,
    consumes: op.consumes,
    produces: op.produces,
    schemes: ['https'],
    tags: [op.tag],
    operationId: op.operationId,
    parameters: params,
    responses,
    'x-kubernetes-action': op.action,
    [GVK_EXT]: gvkObj(op.gvk),
  };
}

let v2Cache: Json | undefined;
let cachedGeneration = -1;

/** The documents are memoized per registry generation: a kind registered or removed makes them anew. */
function dropStaleCaches(): void {
  if (cachedGeneration === registryGeneration()) return;
  v2Cache = undefined;
  v3Cache.clear();
  indexCache = undefined;
  cachedGeneration = registryGeneration();
}

/** The swagger 2.0 document served at /openapi/v2 (memoized). */
export function buildOpenAPIV2(): Json {
  dropStaleCaches();
  if (v2Cache) return v2Cache;
  const paths: Json = {};
  const refs = new Set<string>();
  for (const [p, item] of allPaths()) {
    const pi: Json = {};
    for (const op of item.ops) pi[op.method] = v2Op(op, refs);
    pi.parameters = item.params.map(v2Param);
    paths[p] = pi;
  }
  // every definition we have, plus Patch
  const definitions = closeDefinitions([...DEFINITIONS.keys(), ...refs, PATCH_DEF], 'v2');
  v2Cache = {
    swagger: '2.0',
    info: OPENAPI_INFO,
    paths,
    definitions,
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
  return v2Cache;
}

// ------------------------------------------------------------------ v3

function v3Param(p: Param): Json {
  const o: Json = { name: p.name, in: p.in, description: p.description, schema: { type: p.type, uniqueItems: true } };
  if (p.required) o.required = true;
  return o;
}

function v3Content(types: string[], d: string): Json {
  const content: Json = {};
  for (const t of types) content[t] = { schema: d ? { $ref: refTo(d, 'v3') } : { type: 'string' } };
  return content;
}

function v3Op(op: Op, refs: Set<string>): Json {
  const out: Json = {
    tags: [op.tag],
    description: op.description,
    operationId: op.operationId,
    parameters: op.params.map(v3Param),
  };
  if (op.body) {
    refs.add(op.body);
    out.requestBody = { content: v3Content(op.method === 'patch' ? op.consumes : ['*/*'], op.body), ...(op.bodyRequired ? { required: true } : {}) };
  }
  const responses: Json = {};
  for (const [code, d] of Object.entries(op.responses)) {
    if (d) refs.add(d);
    responses[code] = { description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK', content: v3Content(op.produces, d) };
  }
  responses['401'] = { description: 'Unauthorized' };
  out.responses = responses;
  out['x-kubernetes-action'] = op.action;
  out[GVK_EXT] = gvkObj(op.gvk);
  return out;
}

/** "api/v1", "apis/apps/v1" for a group-version. */
export function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function servedGroupVersions(): string[] {
  const s = new Set<string>();
  for (const r of RESOURCES) s.add(groupVersionPath(r.group, r.version));
  return [...s].sort();
}

const v3Cache = new Map<string, { doc: Json; hash: string }>();

function buildV3(gvPath: string): { doc: Json; hash: string } | undefined {
  dropStaleCaches();
  const cached = v3Cache.get(gvPath);
  if (cached) return cached;
  if (!servedGroupVersions().includes(gvPath)) return undefined;
  const prefix = '/' + gvPath + '/';
  const paths: Json = {};
  const refs = new Set<string>();
  for (const [p, item] of allPaths()) {
    if (!p.startsWith(prefix)) continue;
    const pi: Json = {};
    for (const op of item.ops) pi[op.method] = v3Op(op, refs);
    pi.parameters = item.params.map(v3Param);
    paths[p] = pi;
  }
  const schemas = closeDefinitions(refs, 'v3');
  const doc: Json = {
    openapi: '3.0.0',
    info: OPENAPI_INFO,
    paths,
    components: {
      schemas,
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
    security: [{ BearerToken: [] }],
  };
  const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
  const entry = { doc, hash };
  v3Cache.set(gvPath, entry);
  return entry;
}

/** The OpenAPI 3.0 document of one group-version ("api/v1", "apis/apps/v1"), or undefined (memoized). */
export function buildOpenAPIV3(groupVersionPathArg: string): Json | undefined {
  const p = groupVersionPathArg.replace(/^\/+/, '').replace(/^openapi\/v3\//, '').replace(/\/+$/, '');
  return buildV3(p)?.doc;
}

/** The hash of a group-version's v3 document (the `hash` query parameter / ETag). */
export function openAPIV3Hash(groupVersionPathArg: string): string | undefined {
  const p = groupVersionPathArg.replace(/^\/+/, '').replace(/^openapi\/v3\//, '').replace(/\/+$/, '');
  return buildV3(p)?.hash;
}

let indexCache: { paths: Record<string, { serverRelativeURL: string }> } | undefined;

/** The /openapi/v3 discovery document. */
export function buildOpenAPIV3Index(): { paths: Record<string, { serverRelativeURL: string }> } {
  dropStaleCaches();
  if (indexCache) return indexCache;
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of servedGroupVersions()) {
    const b = buildV3(gv)!;
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${b.hash}` };
  }
  indexCache = { paths };
  return indexCache;
}

/** The GVK a kind's definition carries, for tests and for the server's own lookups. */
export function gvkOfApiVersion(apiVersion: string, kind: string): GVK {
  const { group, version } = splitApiVersion(apiVersion);
  return { group, version, kind };
}

