/**
 * Bad-input fuzz of every patch type (JSON patch, merge, strategic merge, apply) against a real API
 * server over a real etcd: random, deep, huge, malformed and duplicate-keyed patches, mutated
 * directives, renames, under every fieldValidation and dryRun. Asserts: the server never crashes
 * (every request is answered and /readyz stays 200), never a 5xx, every error is a Status, and
 * nothing half-written: a rejected or dry-run patch leaves the object's etcd value and modRevision
 * (and the Service allocation maps) exactly as they were; an accepted one is what etcd holds.
 * Seeded: KUBELAB_PATCH_FUZZ_SEED and KUBELAB_PATCH_FUZZ_CASES reproduce a run.
 */
import { writeSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { startApiServer, api, rawRequest, type ApiHandle, type HttpResult } from '../../support/apiserver.js';
import { prng } from '../../support/prng.js';
import { EtcdBackend } from '../../../control-plane/storage/etcd-backend.js';
import { MAX_JSON_NESTING_DEPTH, checkValueNesting } from '../../../api/json-scan.js';

const SEED = Number(process.env.KUBELAB_PATCH_FUZZ_SEED ?? 20261218);
const N = Number(process.env.KUBELAB_PATCH_FUZZ_CASES ?? 600);
/** One request may not hold the (single-threaded) server longer than this. */
const SLOW_MS = 5000;

let etcd: EtcdHandle;
let h: ApiHandle;
let backend: EtcdBackend;

interface Target {
  url: string;
  key: string;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

const TARGETS: Target[] = [
  { url: '/api/v1/namespaces/default/configmaps/fz-cm', key: '/registry/configmaps/default/fz-cm', apiVersion: 'v1', kind: 'ConfigMap', name: 'fz-cm', namespace: 'default' },
  { url: '/apis/apps/v1/namespaces/default/deployments/fz-deploy', key: '/registry/deployments/default/fz-deploy', apiVersion: 'apps/v1', kind: 'Deployment', name: 'fz-deploy', namespace: 'default' },
  { url: '/api/v1/namespaces/default/services/fz-svc', key: '/registry/services/specs/default/fz-svc', apiVersion: 'v1', kind: 'Service', name: 'fz-svc', namespace: 'default' },
  { url: '/api/v1/namespaces/default/pods/fz-pod', key: '/registry/pods/default/fz-pod', apiVersion: 'v1', kind: 'Pod', name: 'fz-pod', namespace: 'default' },
  { url: '/api/v1/nodes/fz-node', key: '/registry/minions/fz-node', apiVersion: 'v1', kind: 'Node', name: 'fz-node' },
];

const CREATE: Record<string, { collection: string; body: Record<string, unknown> }> = {
  ConfigMap: { collection: '/api/v1/namespaces/default/configmaps', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fz-cm', labels: { a: 'b' } }, data: { a: 'x', b: 'y', script: 'echo [[{{' } } },
  Deployment: {
    collection: '/apis/apps/v1/namespaces/default/deployments',
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'fz-deploy', labels: { app: 'fz' }, finalizers: ['example.com/f'] },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'fz' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels: { app: 'fz' } },
          spec: {
            containers: [
              { name: 'c', image: 'nginx', ports: [{ containerPort: 80, name: 'http' }], env: [{ name: 'A', value: '1' }] },
              { name: 'd', image: 'busybox', args: ['sleep', '1d'] },
            ],
            volumes: [{ name: 'v', emptyDir: {} }],
          },
        },
      },
    },
  },
  Service: {
    collection: '/api/v1/namespaces/default/services',
    body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'fz-svc' }, spec: { type: 'NodePort', selector: { app: 'fz' }, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }, { name: 'https', port: 443, targetPort: 8443 }] } },
  },
  Pod: {
    collection: '/api/v1/namespaces/default/pods',
    body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fz-pod', labels: { app: 'fz' } }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }], tolerations: [{ key: 'k', operator: 'Exists' }] } },
  },
  Node: { collection: '/api/v1/nodes', body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'fz-node', labels: { zone: 'a' } }, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } } },
};

const ALLOCATION_KEYS = ['/registry/ranges/serviceips', '/registry/ranges/servicenodeports'];

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd);
  backend = new EtcdBackend({ endpoints: [etcd.endpoint] });
  for (const t of TARGETS) {
    const c = CREATE[t.kind]!;
    const r = await api(h, 'POST', c.collection, c.body);
    expect(r.status, r.body).toBe(201);
  }
});
afterAll(async () => {
  await backend?.close();
  await h?.stop();
  await etcd?.stop();
});

// ---------------------------------------------------------------------------------------------
// Generators: each returns the patch as text (deep values cannot go through JSON.stringify here).

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

const JSON_PATCH = 'application/json-patch+json';
const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';
const PATCH_TYPES = [JSON_PATCH, MERGE, SMP, APPLY];

const WEIRD: unknown[] = [null, true, false, 0, -1, 1.5, 2 ** 31, 2 ** 53, 1e300, -0, '', 'x'.repeat(300), '💥', '../..', '\u0000', [], {}, [1, 'a', null], { $patch: 'delete' }, { $patch: 'replace' }, { $patch: 'merge' }, { $patch: 7 }, 'Always', '-', '~1', 'a b'];
const DIRECTIVES = ['$patch', '$retainKeys', '$setElementOrder/containers', '$setElementOrder/ports', '$setElementOrder/finalizers', '$setElementOrder/', '$setElementOrder', '$deleteFromPrimitiveList/finalizers', '$deleteFromPrimitiveList/args', '$deleteFromPrimitiveList', '$setElementOrder/env', '$setElementOrder/volumes'];
const QUERIES = ['', '', '', '?fieldValidation=Strict', '?fieldValidation=Warn', '?fieldValidation=Ignore', '?dryRun=All', '?fieldValidation=Strict&dryRun=All', '?fieldValidation=Nope', '?force=true&fieldManager=fz', '?fieldManager=fz'];

/** A nested value of `depth` levels as JSON text, objects, arrays or both. */
function deepText(depth: number, style: 'obj' | 'arr' | 'mixed'): string {
  if (style === 'obj') return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  if (style === 'arr') return '['.repeat(depth) + ']'.repeat(depth);
  const half = Math.floor(depth / 2);
  return '{"k":['.repeat(half) + (depth % 2 ? '{}' : '1') + ']}'.repeat(half);
}

const DEPTHS = [50, MAX_JSON_NESTING_DEPTH - 10, MAX_JSON_NESTING_DEPTH - 1, MAX_JSON_NESTING_DEPTH, MAX_JSON_NESTING_DEPTH + 1, 600, 2000, 10_000, 100_000];

/** JSON text of `v` with the string `"@@RAW@@"` replaced by `raw` (to embed deep values). */
function withRaw(v: unknown, raw: string): string {
  return JSON.stringify(v).replace('"@@RAW@@"', raw);
}

function mutate(v: unknown, r: Rand, depth = 0): unknown {
  if (r() < 0.08 || depth > 7) return pick(r, WEIRD);
  if (Array.isArray(v)) {
    const out = v.map((x) => (r() < 0.3 ? mutate(x, r, depth + 1) : x));
    if (r() < 0.2) out.push(mutate(v[0] ?? {}, r, depth + 1));
    if (r() < 0.1) out.reverse();
    if (r() < 0.05) out.length = 0;
    return out;
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const roll = r();
      if (roll < 0.07) continue;
      if (roll < 0.1) out[k] = null;
      else out[roll < 0.13 ? k + 'x' : k] = roll < 0.45 ? mutate(x, r, depth + 1) : x;
    }
    if (r() < 0.12) out[pick(r, DIRECTIVES)] = pick(r, [...WEIRD, ['c'], [{ name: 'c' }, { name: 'd' }], [{ name: 'zz' }], [{ containerPort: 80 }], ['example.com/f'], ['image', 'name']]);
    return out;
  }
  return r() < 0.5 ? pick(r, WEIRD) : v;
}

/** Every JSON pointer of a value, breadth-first, at most `max`. */
function pointers(v: unknown, max = 300): string[] {
  const out: string[] = [''];
  const queue: { v: unknown; p: string }[] = [{ v, p: '' }];
  while (queue.length > 0 && out.length < max) {
    const { v: cur, p } = queue.shift()!;
    if (cur === null || typeof cur !== 'object') continue;
    const entries: [string, unknown][] = Array.isArray(cur) ? cur.map((x, i) => [String(i), x]) : Object.entries(cur);
    for (const [k, x] of entries) {
      const q = `${p}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      out.push(q);
      queue.push({ v: x, p: q });
    }
  }
  return out;
}

const JUNK_POINTERS = ['/', '/-', '/~2', '/a~1b', '/metadata/labels/~0', '/metadata/labels/a~1b', '/spec/template/spec/containers/-1', '/spec/template/spec/containers/-99', '/spec/template/spec/containers/99', '/spec/template/spec/containers/-', '/x/0/-', '/metadata/name', '/metadata/namespace', '/metadata/uid', '/metadata/resourceVersion', '/kind', '/apiVersion', 'no-slash', '/spec/ports/01', '/spec/ports/1e1', '/data/' + 'k'.repeat(300), '/a'.repeat(5000)];

interface Case {
  label: string;
  contentType: string;
  body: string | Buffer;
  query: string;
}

function jsonPatchCase(r: Rand, cur: unknown): Case {
  const ptrs = pointers(cur);
  const ptr = (): string => (r() < 0.8 ? pick(r, ptrs) : pick(r, JUNK_POINTERS));
  const ops: string[] = [];
  const n = r() < 0.7 ? int(r, 1, 3) : int(r, 4, 12);
  for (let i = 0; i < n; i++) {
    const op = pick(r, ['add', 'add', 'replace', 'remove', 'move', 'copy', 'test', 'frobnicate', '']);
    const o: Record<string, unknown> = { op, path: ptr() };
    if (['move', 'copy'].includes(op) || r() < 0.05) o.from = ptr();
    if (['add', 'replace', 'test'].includes(op) || r() < 0.1) o.value = r() < 0.5 ? pick(r, WEIRD) : mutate({ a: 'b', n: 1, l: ['x'] }, r);
    if (r() < 0.05) delete o.path;
    if (r() < 0.05) o.path = pick(r, [1, null, true, ['/a']]);
    if (r() < 0.05) o.extra = 'field';
    ops.push(JSON.stringify(o));
  }
  return { label: 'json-patch', contentType: JSON_PATCH, body: `[${ops.join(',')}]`, query: pick(r, QUERIES) };
}

function basePatch(t: Target, cur: any): Record<string, unknown> {
  switch (t.kind) {
    case 'ConfigMap':
      return { metadata: { labels: { z: 'q' }, annotations: { n: '1' } }, data: { a: 'changed', c: 'new' } };
    case 'Deployment':
      return {
        metadata: { labels: { z: 'q' }, finalizers: ['example.com/g'] },
        spec: {
          replicas: 3,
          strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null },
          template: { spec: { '$setElementOrder/containers': [{ name: 'd' }, { name: 'c' }], containers: [{ name: 'c', image: 'nginx:2', env: [{ name: 'B', value: '2' }] }, { name: 'd', $patch: 'delete' }] } },
        },
      };
    case 'Service':
      return { spec: { '$setElementOrder/ports': [{ port: 443 }, { port: 80 }], ports: [{ port: 80, nodePort: 30081 }, { port: 8080, name: 'alt', targetPort: 8080 }] } };
    case 'Pod':
      return { metadata: { labels: { z: 'q' } }, spec: { activeDeadlineSeconds: 30, containers: [{ name: 'c', image: 'nginx:2' }], tolerations: [{ key: 'j', operator: 'Exists' }] } };
    default:
      return { metadata: { labels: { z: 'q' } }, spec: { unschedulable: true, taints: [{ key: 'k', effect: 'NoExecute' }] }, status: cur?.status ?? null };
  }
}

function mergeCase(r: Rand, t: Target, cur: unknown): Case {
  const ct = pick(r, [MERGE, SMP]);
  return { label: ct === MERGE ? 'merge' : 'smp', contentType: ct, body: JSON.stringify(mutate(basePatch(t, cur), r)), query: pick(r, QUERIES) };
}

function applyCase(r: Rand, t: Target, cur: any): Case {
  const obj: Record<string, unknown> = { apiVersion: t.apiVersion, kind: t.kind, metadata: { name: t.name, ...(t.namespace ? { namespace: t.namespace } : {}) }, ...basePatch(t, cur) };
  const roll = r();
  let body: string;
  if (roll < 0.4) body = JSON.stringify(mutate(obj, r));
  else if (roll < 0.5) body = JSON.stringify({ ...obj, metadata: { name: pick(r, ['other', '', 'FZ', t.name]), namespace: pick(r, ['kube-system', 'default', '', 'nope']) } });
  else if (roll < 0.6) body = JSON.stringify({ ...obj, kind: pick(r, ['Pod', 'Secret', '', 'x']), apiVersion: pick(r, ['v1', 'apps/v1', 'v2']) });
  else {
    body = pick(r, [
      `apiVersion: ${t.apiVersion}\nkind: ${t.kind}\nmetadata:\n  name: ${t.name}\n  labels: {a: b, a: c}\n`,
      `apiVersion: ${t.apiVersion}\nkind: ${t.kind}\nmetadata: &m\n  name: ${t.name}\n  annotations: *m\n`,
      `apiVersion: ${t.apiVersion}\nkind: ${t.kind}\nmetadata:\n  name: ${t.name}\n  labels: *nope\n`,
      `apiVersion: ${t.apiVersion}\nkind: ${t.kind}\nmetadata:\n\tname: tab\n`,
      `- a\n- b\n`,
      `a: b: c`,
      `--- {}\n--- {}\n`,
      `apiVersion: ${t.apiVersion}\nkind: ${t.kind}\nmetadata: {name: ${t.name}, labels: {x: !!binary aGVsbG8=}}\n`,
      `apiVersion: ${t.apiVersion}\nkind: ${t.kind}\nmetadata: {name: ${t.name}}\nspec: {replicas: .inf}\n`,
      `apiVersion: ${t.apiVersion}\nkind: ${t.kind}\nmetadata: {name: ${t.name}}\ndata: {a: &a [1, 2], b: *a}\n`,
      `a: &a [x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d]\n`,
    ]);
  }
  return { label: 'apply', contentType: APPLY, body, query: pick(r, QUERIES) + (r() < 0.5 ? '' : '&fieldManager=fz') };
}

function deepCase(r: Rand, t: Target): Case {
  const d = pick(r, DEPTHS);
  const style = pick(r, ['obj', 'arr', 'mixed'] as const);
  const deep = deepText(d, style);
  const ct = pick(r, PATCH_TYPES);
  const where = pick(r, ['annotation', 'managedFields', 'spec', 'top']);
  const holder = (v: string): unknown =>
    where === 'annotation' ? { metadata: { annotations: { deep: v } } } : where === 'managedFields' ? { metadata: { managedFields: [{ manager: 'fz', fieldsV1: v }] } } : where === 'spec' ? { spec: { deep: v } } : { deep: v };
  let body: string;
  if (ct === JSON_PATCH) body = withRaw([{ op: pick(r, ['add', 'replace', 'test']), path: pick(r, ['/metadata/annotations/deep', '/spec/deep', '/deep', '/metadata/managedFields']), value: '@@RAW@@' }], deep);
  else if (ct === APPLY && r() < 0.5) body = `apiVersion: ${t.apiVersion}\nkind: ${t.kind}\nmetadata:\n  name: ${t.name}\n  labels: ${style === 'obj' ? '{a: '.repeat(d) + '1' + '}'.repeat(d) : deepText(d, 'arr')}\n`;
  else if (ct === APPLY) body = withRaw({ apiVersion: t.apiVersion, kind: t.kind, ...(holder('@@RAW@@') as object), metadata: { name: t.name } }, deep);
  else body = withRaw(holder('@@RAW@@'), deep);
  return { label: `deep-${d}`, contentType: ct, body, query: pick(r, QUERIES) };
}

function hugeCase(r: Rand, t: Target): Case {
  const kind = pick(r, ['string', 'string-over', 'ops', 'ops-over', 'copy-bomb', 'wide', 'wide-array']);
  switch (kind) {
    case 'string':
      return { label: 'huge-string', contentType: pick(r, [MERGE, SMP]), body: JSON.stringify({ metadata: { annotations: { big: 'x'.repeat(int(r, 200_000, 1_600_000)) } } }), query: '' };
    case 'string-over':
      return { label: 'huge-body', contentType: pick(r, PATCH_TYPES), body: JSON.stringify({ metadata: { annotations: { big: 'x'.repeat(3_200_000) } } }), query: '' };
    case 'ops':
    case 'ops-over': {
      const n = kind === 'ops' ? int(r, 1000, 10_000) : 10_001;
      return { label: `ops-${n}`, contentType: JSON_PATCH, body: JSON.stringify(Array.from({ length: n }, () => ({ op: 'test', path: '/metadata/name', value: t.name }))), query: '' };
    }
    case 'copy-bomb': {
      const from = pick(r, ['', '/metadata', '/spec', '/metadata/labels']);
      const ops = [{ op: 'add', path: '/metadata/annotations', value: { seed: 'x'.repeat(int(r, 10, 5000)) } }];
      const n = int(r, 5, 40);
      for (let i = 0; i < n; i++) ops.push({ op: 'copy', from: from || '/metadata', path: `/metadata/annotations/c${i}` } as never);
      return { label: `copy-bomb-${n}`, contentType: JSON_PATCH, body: JSON.stringify(ops), query: '' };
    }
    case 'wide': {
      const labels: Record<string, string> = {};
      for (let i = 0, n = int(r, 1000, 20_000); i < n; i++) labels[`k${i}`] = 'v';
      return { label: 'wide-map', contentType: pick(r, [MERGE, SMP]), body: JSON.stringify({ metadata: { labels } }), query: '' };
    }
    default:
      return { label: 'wide-array', contentType: pick(r, [MERGE, SMP]), body: JSON.stringify({ metadata: { finalizers: Array.from({ length: int(r, 1000, 60_000) }, (_, i) => `f/${i}`) } }), query: '' };
  }
}

function malformedCase(r: Rand, t: Target, cur: unknown): Case {
  const valid = JSON.stringify(basePatch(t, cur));
  const ct = pick(r, PATCH_TYPES);
  const body = pick(r, [
    valid.slice(0, int(r, 1, valid.length - 1)),
    valid + '}',
    valid + ' trailing',
    '\ufeff' + valid,
    '',
    ' ',
    'null',
    '1',
    '"x"',
    '[]',
    '{}',
    '[null]',
    '[[]]',
    '{"a":}',
    '{{{{{{{{',
    ']]]]]]',
    '{"a":1,}',
    "{'a':1}",
    'NaN',
    '{"a":1e999}',
    '{"a":-}',
    '{"\\ud800":1}',
    '{"a":"\\x"}',
  ]);
  const bytes = r() < 0.2 ? Buffer.from(Array.from({ length: int(r, 1, 200) }, () => int(r, 0, 255))) : Buffer.from(body, 'utf8');
  return { label: 'malformed', contentType: r() < 0.9 ? ct : pick(r, ['text/plain', 'application/json', 'application/merge-patch+json; charset=utf-8', '']), body: bytes, query: pick(r, QUERIES) };
}

function duplicateCase(r: Rand, t: Target, cur: unknown): Case {
  const ct = pick(r, [MERGE, SMP, JSON_PATCH, APPLY]);
  const body =
    ct === JSON_PATCH
      ? '[{"op":"add","path":"/metadata/labels/z","path":"/metadata/labels/y","value":"1","value":"2"},{"op":"test","path":"/metadata/name","value":"' + t.name + '","foo":1}]'
      : ct === APPLY
        ? `{"apiVersion":"${t.apiVersion}","kind":"${t.kind}","metadata":{"name":"${t.name}","name":"${t.name}","labels":{"a":"1","a":"2"}}}`
        : JSON.stringify(basePatch(t, cur)).replace('{', '{"metadata":{"labels":{"d":"1","d":"2"}},');
  return { label: 'duplicates', contentType: ct, body, query: pick(r, QUERIES) };
}

function identityCase(r: Rand, t: Target): Case {
  const patch = pick(r, [
    { metadata: { name: 'someone-else' } },
    { metadata: { name: null } },
    { metadata: { namespace: 'kube-system' } },
    { metadata: { namespace: '' } },
    { metadata: { uid: 'forged' } },
    { metadata: { resourceVersion: '1' } },
    { metadata: { resourceVersion: 'abc' } },
    { metadata: { generation: -5 } },
    { metadata: { creationTimestamp: 'yesterday' } },
    { metadata: { deletionTimestamp: '2020-01-01T00:00:00Z' } },
    { kind: 'Secret' },
    { apiVersion: 'v9' },
    { metadata: null },
    { $patch: 'delete' },
    { $patch: 'replace' },
  ]);
  return { label: 'identity', contentType: pick(r, [MERGE, SMP]), body: JSON.stringify(patch), query: pick(r, QUERIES) };
}

function generate(r: Rand, t: Target, cur: unknown): Case {
  const roll = r();
  if (roll < 0.2) return jsonPatchCase(r, cur);
  if (roll < 0.42) return mergeCase(r, t, cur);
  if (roll < 0.52) return applyCase(r, t, cur);
  if (roll < 0.66) return deepCase(r, t);
  if (roll < 0.72) return hugeCase(r, t);
  if (roll < 0.86) return malformedCase(r, t, cur);
  if (roll < 0.93) return duplicateCase(r, t, cur);
  return identityCase(r, t);
}

// ---------------------------------------------------------------------------------------------

interface Snapshot {
  object: string | null;
  rev: number;
  allocations: string;
}

async function snapshot(t: Target): Promise<Snapshot> {
  const kv = await backend.get(t.key);
  const alloc = await Promise.all(ALLOCATION_KEYS.map(async (k) => (await backend.get(k))?.value.toString('base64') ?? '')); 
  return { object: kv ? kv.value.toString('base64') : null, rev: kv?.modRevision ?? 0, allocations: alloc.join('|') };
}

function describeCase(i: number, t: Target, c: Case, res?: HttpResult): string {
  const body = Buffer.isBuffer(c.body) ? c.body.toString('utf8') : c.body;
  return `#${i} [${c.label}] PATCH ${t.url}${c.query} (${c.contentType}) -> ${res ? `${res.status} ${res.body.slice(0, 300)}` : 'no answer'}; body=${body.slice(0, 200)}${body.length > 200 ? `... (${body.length} chars)` : ''}`;
}

describe('patch fuzz', () => {
  it(`${N} random, deep, huge, malformed and duplicate-keyed patches: no crash, no 5xx, no request over ${SLOW_MS / 1000} s, nothing half-written`, async () => {
    const r = prng(SEED);
    const failures: string[] = [];
    const statuses = new Map<string, number>();
    const timeByLabel = new Map<string, number>();
    for (let i = 0; i < N && failures.length < 10; i++) {
      const t = pick(r, TARGETS);
      const before = await snapshot(t);
      const cur = before.object ? JSON.parse(Buffer.from(before.object, 'base64').toString('utf8')) : {};
      const c = generate(r, t, cur);
      let res: HttpResult;
      if (process.env.KL_DEBUG) writeSync(2, `${describeCase(i, t, c)}\n`);
      const t0 = Date.now();
      try {
        const headers: Record<string, string> = { Authorization: `Bearer ${h.adminToken}`, 'Content-Type': c.contentType };
        res = await rawRequest(h.url, h.caPem, 'PATCH', t.url + c.query, c.body, headers, 20_000);
      } catch (e) {
        failures.push(`${describeCase(i, t, c)}: ${(e as Error).message}`);
        continue;
      }
      const took = Date.now() - t0;
      timeByLabel.set(c.label.replace(/-\d+$/, ''), (timeByLabel.get(c.label.replace(/-\d+$/, '')) ?? 0) + took);
      if (process.env.KL_DEBUG && took > 1000) console.log(`slow ${took} ms: ${describeCase(i, t, c, res)}`);
      if (took > SLOW_MS) failures.push(`took ${took} ms (the event loop is blocked meanwhile): ${describeCase(i, t, c, res)}`);
      statuses.set(`${c.label.replace(/-\d+$/, '')} ${res.status}`, (statuses.get(`${c.label.replace(/-\d+$/, '')} ${res.status}`) ?? 0) + 1);
      const after = await snapshot(t);
      const dryRun = c.query.includes('dryRun=All');
      if (res.status >= 500) {
        failures.push(`5xx: ${describeCase(i, t, c, res)}`);
      } else if (res.status >= 400) {
        let st: { kind?: string; code?: number } | undefined;
        try {
          st = JSON.parse(res.body);
        } catch {
          st = undefined;
        }
        if (st?.kind !== 'Status' || st.code !== res.status) failures.push(`not a Status: ${describeCase(i, t, c, res)}`);
        if (after.object !== before.object || after.rev !== before.rev) failures.push(`rejected but written: ${describeCase(i, t, c, res)}`);
        if (after.allocations !== before.allocations) failures.push(`rejected but allocations changed: ${describeCase(i, t, c, res)}`);
      } else if (dryRun) {
        if (after.object !== before.object || after.rev !== before.rev || after.allocations !== before.allocations) failures.push(`dry run wrote: ${describeCase(i, t, c, res)}`);
      } else {
        const out = JSON.parse(res.body) as { metadata?: { name?: string; resourceVersion?: string } };
        if (out.metadata?.name !== t.name) failures.push(`answered another object: ${describeCase(i, t, c, res)}`);
        if (out.metadata?.resourceVersion !== String(after.rev)) failures.push(`answer and etcd differ (rv ${out.metadata?.resourceVersion} vs ${after.rev}): ${describeCase(i, t, c, res)}`);
        const stored = after.object ? JSON.parse(Buffer.from(after.object, 'base64').toString('utf8')) : null;
        if (!stored || stored.metadata?.name !== t.name || (t.namespace && stored.metadata?.namespace !== t.namespace)) failures.push(`stored another object: ${describeCase(i, t, c, res)}`);
        if (stored && checkValueNesting(stored) !== 'ok') failures.push(`stored a value deeper than ${MAX_JSON_NESTING_DEPTH}: ${describeCase(i, t, c, res)}`);
      }
      if (i % 100 === 99 && (await rawRequest(h.url, h.caPem, 'GET', '/readyz')).status !== 200) failures.push(`#${i}: /readyz failed`);
    }
    const summary = [...statuses.entries()].sort().map(([k, n]) => `${k}: ${n}`).join(', ');
    if (process.env.KL_DEBUG) console.log(`seed ${SEED}: ${summary}\nms by kind: ${[...timeByLabel.entries()].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    expect(failures, `seed ${SEED}; statuses: ${summary}`).toEqual([]);
    // The mix really exercised the cases it claims to: rejections and successes of every kind.
    for (const kind of ['json-patch', 'merge', 'smp', 'apply', 'deep', 'malformed', 'duplicates']) {
      expect([...statuses.keys()].some((k) => k.startsWith(kind)), `${kind} in ${summary}`).toBe(true);
    }
    expect([...statuses.keys()].some((k) => k.endsWith(' 200')), summary).toBe(true);
    expect((await rawRequest(h.url, h.caPem, 'GET', '/readyz')).status).toBe(200);
  }, 300_000);
});
