/**
 * API server benchmark (issues 2 and 11): create, get, update, patch, delete, list (1,000 and 10,000 objects,
 * consistent and from the watch cache) and watch fan-out to 100 watchers, through the API server on built-in
 * kinds and on a custom resource (a CustomResourceDefinition's kind with a structural schema and defaults),
 * side by side with the same operations directly on etcd with the etcd3 client (the floor), in one run.
 * Prints the custom/built-in and API/etcd ratios. Also p99 at a paced 200 mutating requests/s and the API
 * server's RSS with 10,000 pods and 10,000 custom objects stored. Starts its own etcd and API server (built
 * CLI): run `npx tsc -p tsconfig.json` first.
 *
 *   node dist/bench/apiserver.js [--quick]
 */
import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { startEtcd } from '../test/support/etcd.js';
import { startApiServer, type ApiHandle } from '../test/support/apiserver.js';
import { fmt, paced, percentile, timed, type Timing } from './lib/stats.js';

const QUICK = process.argv.includes('--quick');
const N = QUICK ? 300 : 2000;
const CONC = 8;

let agent: Agent;

function call(h: ApiHandle, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const raw = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port: h.port,
        path,
        method,
        agent,
        ca: h.caPem,
        headers: { Authorization: `Bearer ${h.adminToken}`, ...(raw ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(raw) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    if (raw) req.write(raw);
    req.end();
  });
}

async function ok(h: ApiHandle, method: string, path: string, body?: unknown, ct?: string): Promise<string> {
  const r = await call(h, method, path, body, ct);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
  return r.text;
}

function pod(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench', shard: String(name.length % 10) } },
    spec: { containers: [{ name: 'c', image: 'nginx:1.22', ports: [{ containerPort: 80 }], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  };
}

function cm(name: string, value = 'value'): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { app: 'bench' } }, data: { key: value, n: name } };
}

/** The built-in kind closest to the custom one below: the same image, replicas, ports, env and requests. */
function deployment(name: string, image = 'nginx:1.22'): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: 'bench' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'web',
              image,
              ports: [{ name: 'http', containerPort: 80 }],
              env: [{ name: 'MODE', value: 'bench' }, { name: 'LOG_LEVEL', value: 'info' }],
              resources: { requests: { cpu: '10m', memory: '16Mi' } },
            },
          ],
          nodeSelector: { 'kubernetes.io/os': 'linux' },
        },
      },
    },
  };
}

const CR_GROUP = 'bench.kubelab.dev';
/** The namespace of the listed objects (1,000, then 10,000 of each kind). */
const LISTS = 'bench-lists';
const CR_PLURAL = 'benchapps';

/**
 * A CustomResourceDefinition of realistic size: a structural schema of about 40 fields with defaults (on
 * scalars, an object and list-map keys), enums, bounds, int-or-string, a list-type map, a status subresource
 * and printer columns, as an operator's CRD has.
 */
function benchCrd(): object {
  const intOrString = { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${CR_PLURAL}.${CR_GROUP}` },
    spec: {
      group: CR_GROUP,
      scope: 'Namespaced',
      names: { plural: CR_PLURAL, singular: 'benchapp', kind: 'BenchApp', listKind: 'BenchAppList', shortNames: ['ba'], categories: ['all'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
            { name: 'Image', type: 'string', jsonPath: '.spec.image' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'BenchApp runs an image as a replicated web application.',
              properties: {
                spec: {
                  type: 'object',
                  required: ['image'],
                  properties: {
                    replicas: { type: 'integer', format: 'int32', minimum: 0, maximum: 1000, default: 1 },
                    image: { type: 'string', minLength: 1, maxLength: 255 },
                    imagePullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'], default: 'IfNotPresent' },
                    paused: { type: 'boolean', default: false },
                    revisionHistoryLimit: { type: 'integer', format: 'int32', minimum: 0, default: 10 },
                    strategy: {
                      type: 'object',
                      default: {},
                      properties: {
                        type: { type: 'string', enum: ['RollingUpdate', 'Recreate'], default: 'RollingUpdate' },
                        maxSurge: { ...intOrString, default: '25%' },
                        maxUnavailable: { ...intOrString, default: '25%' },
                      },
                    },
                    ports: {
                      type: 'array',
                      maxItems: 16,
                      'x-kubernetes-list-type': 'map',
                      'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
                      items: {
                        type: 'object',
                        required: ['containerPort'],
                        properties: {
                          name: { type: 'string', maxLength: 15 },
                          containerPort: { type: 'integer', format: 'int32', minimum: 1, maximum: 65535 },
                          protocol: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'], default: 'TCP' },
                        },
                      },
                    },
                    env: {
                      type: 'array',
                      items: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 }, value: { type: 'string' } } },
                    },
                    resources: {
                      type: 'object',
                      properties: {
                        requests: { type: 'object', additionalProperties: intOrString },
                        limits: { type: 'object', additionalProperties: intOrString },
                      },
                    },
                    nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
                    serviceAccountName: { type: 'string', default: 'default' },
                  },
                },
                status: {
                  type: 'object',
                  properties: {
                    observedGeneration: { type: 'integer', format: 'int64' },
                    replicas: { type: 'integer', format: 'int32' },
                    readyReplicas: { type: 'integer', format: 'int32' },
                    conditions: {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['type', 'status'],
                        properties: {
                          type: { type: 'string' },
                          status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
                          lastTransitionTime: { type: 'string', format: 'date-time' },
                          reason: { type: 'string' },
                          message: { type: 'string' },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

function benchApp(name: string, image = 'nginx:1.22'): object {
  return {
    apiVersion: `${CR_GROUP}/v1`,
    kind: 'BenchApp',
    metadata: { name, labels: { app: 'bench', shard: String(name.length % 10) } },
    spec: {
      replicas: 2,
      image,
      ports: [{ name: 'http', containerPort: 80 }],
      env: [{ name: 'MODE', value: 'bench' }, { name: 'LOG_LEVEL', value: 'info' }],
      resources: { requests: { cpu: '10m', memory: '16Mi' } },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
    },
  };
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** One operation measured on several subjects (a built-in kind, the custom kind, etcd) in the same run. */
interface Row {
  op: string;
  /** `cpuMs`: the API server's CPU time per request (user + system, from /proc), steadier than latency on a busy machine. */
  subjects: { name: string; t: Timing; cpuMs?: number }[];
  /** Ratios to print: [numerator subject, denominator subject]. */
  ratios: [string, string][];
  /** Average size of one object in the subject's list answer, bytes. */
  itemBytes?: Record<string, number>;
}

/** CPU time (user + system) a process has used, in ms (clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Time `run` and the API server's CPU per request over it. */
async function withCpu(pid: number, run: () => Promise<Timing>): Promise<{ t: Timing; cpuMs: number }> {
  const c0 = cpuMsOf(pid);
  const t = await run();
  return { t, cpuMs: (cpuMsOf(pid) - c0) / t.count };
}

function ratioText(r: Row, a: string, b: string): string {
  const sa = r.subjects.find((s) => s.name === a);
  const sb = r.subjects.find((s) => s.name === b);
  if (!sa || !sb) return '';
  const cpu = sa.cpuMs !== undefined && sb.cpuMs ? ` API CPU ${(sa.cpuMs / sb.cpuMs).toFixed(2)}x` : '';
  return `${a}/${b} p50 ${(sa.t.p50ms / sb.t.p50ms).toFixed(2)}x p99 ${(sa.t.p99ms / sb.t.p99ms).toFixed(2)}x${cpu}`;
}

/** A kind served through the API: its collection path and an object of it. */
interface Subject {
  name: string;
  base: string;
  make(name: string, variant?: string): object;
  /** A merge patch that changes the object (what a controller's status-less edit does). */
  patch(i: number): object;
}

const CONFIGMAPS: Subject = { name: 'configmaps', base: '/api/v1/namespaces/default/configmaps', make: (n, v) => cm(n, v), patch: (i) => ({ data: { key: `v${i}` } }) };
const DEPLOYMENTS: Subject = {
  name: 'deployments',
  base: '/apis/apps/v1/namespaces/default/deployments',
  make: (n, v) => deployment(n, v === undefined ? undefined : `nginx:${v}`),
  patch: (i) => ({ metadata: { annotations: { rev: `v${i}` } } }),
};
const BENCHAPPS: Subject = {
  name: CR_PLURAL,
  base: `/apis/${CR_GROUP}/v1/namespaces/default/${CR_PLURAL}`,
  make: (n, v) => benchApp(n, v === undefined ? undefined : `nginx:${v}`),
  patch: (i) => ({ metadata: { annotations: { rev: `v${i}` } } }),
};

async function main(): Promise<void> {
  const etcd = await startEtcd();
  const h = await startApiServer(etcd, { mode: 'child' });
  const apiPid = h.child!.pid!;
  agent = new Agent({ keepAlive: true, maxSockets: 64, ca: h.caPem });
  // A range of 10,000 stored pods is about 10 MiB: over gRPC's default 4 MiB receive limit (the API server lifts it too).
  const e = new Etcd3({ hosts: [etcd.endpoint], grpcOptions: { 'grpc.max_receive_message_length': 1024 * 1024 * 1024 } });
  const rows: Row[] = [];
  const log = (s: string): void => console.log(s);
  try {
    log(`# kubelab API server benchmark — ${new Date().toISOString()} — node ${process.version}, ${QUICK ? 'quick' : 'full'} run, concurrency ${CONC}`);
    await ok(h, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', benchCrd());
    for (let tries = 0; (await call(h, 'GET', BENCHAPPS.base)).status !== 200; tries++) {
      if (tries > 100) throw new Error(`${CR_PLURAL} not served 10 s after its CRD was created`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const single = [CONFIGMAPS, DEPLOYMENTS, BENCHAPPS];
    const ratios: [string, string][] = [[CR_PLURAL, 'deployments'], [CR_PLURAL, 'configmaps'], ['configmaps', 'etcd']];
    // etcd's side of a single-object op works on copies of the configmaps (the floor), with CAS on the last revision.
    const etcdKey = (i: number): Buffer => Buffer.from(`/bench/configmaps/default/c${i % N}`);
    const etcdRev = new Map<number, string>();
    const casPut = async (i: number, value: object): Promise<void> => {
      const r = await e.kv.txn({ compare: [{ key: etcdKey(i), target: 'Mod', result: 'Equal', mod_revision: etcdRev.get(i % N) ?? '0' }], success: [{ request_put: { key: etcdKey(i), value: Buffer.from(JSON.stringify(value)) } }], failure: [] });
      if (!r.succeeded) throw new Error(`etcd CAS on c${i % N} failed`);
      etcdRev.set(i % N, r.header.revision);
    };
    const measure = async (op: string, api: (s: Subject, i: number) => Promise<unknown>, floor: (i: number) => Promise<unknown>): Promise<void> => {
      const subjects: Row['subjects'] = [];
      for (const s of single) subjects.push({ name: s.name, ...(await withCpu(apiPid, () => timed(N, CONC, (i) => api(s, i)))) });
      subjects.push({ name: 'etcd', t: await timed(N, CONC, floor) });
      rows.push({ op, subjects, ratios });
    };

    await measure('create', (s, i) => ok(h, 'POST', s.base, s.make(`c${i}`)), (i) => casPut(i, cm(`c${i}`)));
    await measure('get', (s, i) => ok(h, 'GET', `${s.base}/c${i % N}`), (i) => e.kv.range({ key: etcdKey(i) }));
    // update: PUT of the whole object without a resourceVersion (unconditional, as `kubectl replace` of a changed file)
    await measure('update', (s, i) => ok(h, 'PUT', `${s.base}/c${i % N}`, s.make(`c${i % N}`, `u${i}`)), (i) => casPut(i, cm(`c${i % N}`, `u${i}`)));
    // patch (merge patch: read-modify-write with compare-and-swap)
    await measure(
      'patch',
      (s, i) => ok(h, 'PATCH', `${s.base}/c${i % N}`, s.patch(i), 'application/merge-patch+json'),
      async (i) => {
        const cur = await e.kv.range({ key: etcdKey(i) });
        const o = JSON.parse(cur.kvs[0]!.value.toString());
        o.data.key = `v${i}`;
        etcdRev.set(i % N, cur.kvs[0]!.mod_revision);
        await casPut(i, o);
      },
    );

    // list with 1,000 and 10,000 objects: pods and custom objects, consistent (from etcd) and resourceVersion=0 (the
    // watch cache), in a namespace of their own (the objects above stay out of the lists)
    await ok(h, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: LISTS } });
    const podsPath = `/api/v1/namespaces/${LISTS}/pods`;
    const appsPath = `/apis/${CR_GROUP}/v1/namespaces/${LISTS}/${CR_PLURAL}`;
    let made = 0;
    for (const target of QUICK ? [1000] : [1000, 10000]) {
      const t0 = performance.now();
      await timed(target - made, 16, (i) => ok(h, 'POST', podsPath, pod(`p${made + i}`)));
      await timed(target - made, 16, (i) => ok(h, 'POST', appsPath, benchApp(`b${made + i}`)));
      await timed(target - made, 16, (i) => e.put(`/bench/pods/default/p${made + i}`).value(JSON.stringify(pod(`p${made + i}`))).exec());
      log(`(stored ${target} pods and ${target} ${CR_PLURAL} in ${((performance.now() - t0) / 1000).toFixed(1)} s through the API and etcd)`);
      made = target;
      const reps = target >= 10000 ? 10 : 40;
      for (const rv of ['', '0']) {
        const sizes: Record<string, number> = {};
        const list = async (name: string, path: string): Promise<Timing> => {
          const t = await timed(reps, 1, async () => {
            const text = await ok(h, 'GET', path + (rv ? `?resourceVersion=${rv}` : ''));
            sizes[name] = text.length / target;
          });
          return t;
        };
        const floor = (prefix: string): Promise<Timing> =>
          timed(reps, 1, async () => {
            const r = await e.kv.range({ key: Buffer.from(prefix), range_end: Buffer.from(prefix.slice(0, -1) + '0') });
            for (const kv of r.kvs) JSON.parse(kv.value.toString());
          });
        // The floor reads the very values the API server lists (its keys in etcd) and parses each, as a
        // client of etcd would; `etcd pod bodies` is the floor of the earlier runs: copies of the request
        // bodies (about a quarter of a stored pod's bytes: no defaults, uid, timestamps or status).
        const subjects: Row['subjects'] = [];
        subjects.push({ name: 'pods', ...(await withCpu(apiPid, () => list('pods', podsPath))) });
        subjects.push({ name: CR_PLURAL, ...(await withCpu(apiPid, () => list(CR_PLURAL, appsPath))) });
        subjects.push({ name: 'etcd pods', t: await floor(`/registry/pods/${LISTS}/`) });
        subjects.push({ name: `etcd ${CR_PLURAL}`, t: await floor(`/registry/${CR_GROUP}/${CR_PLURAL}/${LISTS}/`) });
        subjects.push({ name: 'etcd pod bodies', t: await floor('/bench/pods/') });
        rows.push({
          op: `list ${target}${rv === '0' ? ' rv=0 (cache)' : ''}`,
          subjects,
          ratios: [[CR_PLURAL, 'pods'], ['pods', 'etcd pods'], [CR_PLURAL, `etcd ${CR_PLURAL}`], ['pods', 'etcd pod bodies']],
          itemBytes: sizes,
        });
      }
    }
    const rss = rssKiB(h.child!.pid!);
    log(`API server RSS with ${made} pods and ${made} ${CR_PLURAL} stored: ${(rss / 1024).toFixed(0)} MiB`);

    // p99 at a paced 200 mutating requests/s
    const paced200 = await paced(200, QUICK ? 3 : 10, (i) => ok(h, 'PATCH', `${CONFIGMAPS.base}/c${i % N}`, { data: { paced: String(i) } }, 'application/merge-patch+json'));
    rows.push({ op: 'patch paced at 200/s', subjects: [{ name: 'configmaps', t: paced200 }], ratios: [] });

    // watch fan-out: one change to 100 watchers (API, built-in and custom kind) vs 100 etcd watchers
    const rounds = QUICK ? 5 : 20;
    const fanCm = await watchFanout(h, CONFIGMAPS, rounds);
    const fanCr = await watchFanout(h, BENCHAPPS, rounds);
    const fanEtcd = await etcdFanout(e, rounds);

    // delete (last: the objects above are gone after it)
    await measure('delete', (s, i) => ok(h, 'DELETE', `${s.base}/c${i}`), async (i) => {
      const r = await e.kv.txn({ compare: [{ key: etcdKey(i), target: 'Mod', result: 'Equal', mod_revision: etcdRev.get(i % N) ?? '0' }], success: [{ request_delete_range: { key: etcdKey(i) } }], failure: [] });
      if (!r.succeeded) throw new Error(`etcd CAS delete of c${i} failed`);
    });

    for (const r of rows) {
      r.subjects.forEach((s, k) => {
        const size = r.itemBytes?.[s.name];
        const cpu = s.cpuMs === undefined ? '' : `  API CPU ${s.cpuMs.toFixed(s.cpuMs < 10 ? 2 : 0)} ms/req`;
        log(`${(k === 0 ? r.op : '').padEnd(22)} ${s.name.padEnd(15)} ${fmt(s.t)}${cpu}${size ? `  ${size.toFixed(0)} B/item` : ''}`);
      });
      const rt = r.ratios.map(([a, b]) => ratioText(r, a, b)).filter((x) => x);
      if (rt.length > 0) log(`${''.padEnd(22)} ${rt.join('; ')}`);
    }
    const fanText = (f: { p50: number; p99: number }): string => `p50 ${f.p50.toFixed(2)} ms p99 ${f.p99.toFixed(2)} ms`;
    log(`watch fan-out to 100 watchers (time until the LAST watcher has the change): configmaps ${fanText(fanCm)}; ${CR_PLURAL} ${fanText(fanCr)} (${CR_PLURAL}/configmaps p50 ${(fanCr.p50 / fanCm.p50).toFixed(2)}x); etcd direct ${fanText(fanEtcd)}; etcd watches held by the API server for 100 API watchers: 1`);
  } finally {
    e.close();
    agent.destroy();
    await h.stop();
    await etcd.stop();
  }
}

/** 100 API watchers of one object (field selector on its name); each round patches it, time until the LAST watcher has it. */
async function watchFanout(h: ApiHandle, s: Subject, rounds: number): Promise<{ p50: number; p99: number }> {
  // Watch from the watched object's own creation: a resourceVersion the resource's watch cache has seen (an older
  // object's may have left its window, 410; a list's is etcd's, which the cache of a quiet resource may not reach).
  const fan = s.make('fan') as { metadata: Record<string, unknown> };
  const rv = JSON.parse(await ok(h, 'POST', s.base, { ...fan, metadata: { ...fan.metadata, annotations: { round: 'x' } } })).metadata.resourceVersion;
  const arrivals: number[][] = Array.from({ length: rounds }, () => []);
  const streams = await Promise.all(
    Array.from({ length: 100 }, () =>
      new Promise<{ destroy(): void }>((resolve) => {
        const req = request(
          { host: '127.0.0.1', port: h.port, path: `${s.base}?watch=1&resourceVersion=${rv}&fieldSelector=metadata.name%3Dfan`, agent: false, ca: h.caPem, headers: { Authorization: `Bearer ${h.adminToken}` } },
          (res) => {
            let buf = '';
            res.on('data', (d: Buffer) => {
              buf += d.toString();
              let i;
              while ((i = buf.indexOf('\n')) >= 0) {
                const line = buf.slice(0, i);
                buf = buf.slice(i + 1);
                const ev = JSON.parse(line);
                const round = Number(ev.object?.metadata?.annotations?.round);
                if (!Number.isNaN(round)) arrivals[round]!.push(performance.now());
              }
            });
            resolve({ destroy: () => req.destroy() });
          },
        );
        req.on('error', () => undefined);
        req.end();
      }),
    ),
  );
  await new Promise((r) => setTimeout(r, 500));
  const lat: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await ok(h, 'PATCH', `${s.base}/fan`, { metadata: { annotations: { round: String(r) } } }, 'application/merge-patch+json');
    const deadline = performance.now() + 5000;
    while (arrivals[r]!.length < 100 && performance.now() < deadline) await new Promise((res) => setTimeout(res, 1));
    if (arrivals[r]!.length < 100) throw new Error(`watch fan-out on ${s.name}: ${arrivals[r]!.length} of 100 watchers had round ${r} after 5 s`);
    lat.push(Math.max(...arrivals[r]!) - t0);
  }
  for (const st of streams) st.destroy();
  const sorted = lat.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** 100 etcd watchers on one key: the floor of the fan-out. */
async function etcdFanout(e: Etcd3, rounds: number): Promise<{ p50: number; p99: number }> {
  const got: number[][] = Array.from({ length: rounds }, () => []);
  const watchers = await Promise.all(
    Array.from({ length: 100 }, async () => {
      const w = await e.watch().key('/bench/fan').create();
      w.on('put', (kv) => {
        const round = Number(JSON.parse(kv.value.toString()).round);
        got[round]!.push(performance.now());
      });
      return w;
    }),
  );
  const lat: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await e.put('/bench/fan').value(JSON.stringify({ round: r }));
    const deadline = performance.now() + 5000;
    while (got[r]!.length < 100 && performance.now() < deadline) await new Promise((res) => setTimeout(res, 1));
    if (got[r]!.length < 100) throw new Error(`etcd watch fan-out: ${got[r]!.length} of 100 watchers had round ${r} after 5 s`);
    lat.push(Math.max(...got[r]!) - t0);
  }
  await Promise.all(watchers.map((w) => w.cancel()));
  const sorted = lat.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
