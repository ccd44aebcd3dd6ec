/**
 * API server benchmark (issue 2): create, get, list (1,000 and 10,000 objects), patch and watch fan-out
 * to 100 watchers, through the API server and, side by side, the same operations directly on etcd with
 * the etcd3 client (the floor). Also p99 at a paced 200 mutating requests/s and the API server's RSS with
 * 10,000 pods stored. Starts its own etcd and API server (built CLI): run `npm run build` first.
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

function cm(name: string): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { app: 'bench' } }, data: { key: 'value', n: name } };
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

interface Row {
  op: string;
  api: Timing;
  etcd?: Timing;
}

async function main(): Promise<void> {
  const etcd = await startEtcd();
  const h = await startApiServer(etcd, { mode: 'child' });
  agent = new Agent({ keepAlive: true, maxSockets: 64, ca: h.caPem });
  const e = new Etcd3({ hosts: [etcd.endpoint] });
  const rows: Row[] = [];
  const out: string[] = [];
  const log = (s: string): void => {
    out.push(s);
    console.log(s);
  };
  try {
    log(`# kubelab API server benchmark — ${new Date().toISOString()} — node ${process.version}, ${QUICK ? 'quick' : 'full'} run, concurrency ${CONC}`);
    const base = '/api/v1/namespaces/default/configmaps';

    // create
    const apiCreate = await timed(N, CONC, (i) => ok(h, 'POST', base, cm(`c${i}`)));
    const etcdCreate = await timed(N, CONC, async (i) => {
      const k = Buffer.from(`/bench/configmaps/default/c${i}`);
      await e.kv.txn({ compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }], success: [{ request_put: { key: k, value: Buffer.from(JSON.stringify(cm(`c${i}`))) } }], failure: [] });
    });
    rows.push({ op: 'create', api: apiCreate, etcd: etcdCreate });

    // get
    const apiGet = await timed(N, CONC, (i) => ok(h, 'GET', `${base}/c${i % N}`));
    const etcdGet = await timed(N, CONC, (i) => e.kv.range({ key: Buffer.from(`/bench/configmaps/default/c${i % N}`) }));
    rows.push({ op: 'get', api: apiGet, etcd: etcdGet });

    // patch (merge patch: read-modify-write with compare-and-swap)
    const apiPatch = await timed(N, CONC, (i) => ok(h, 'PATCH', `${base}/c${i % N}`, { data: { key: `v${i}` } }, 'application/merge-patch+json'));
    const etcdPatch = await timed(N, CONC, async (i) => {
      const k = Buffer.from(`/bench/configmaps/default/c${i % N}`);
      const cur = await e.kv.range({ key: k });
      const kv = cur.kvs[0]!;
      const o = JSON.parse(kv.value.toString());
      o.data.key = `v${i}`;
      await e.kv.txn({ compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: kv.mod_revision }], success: [{ request_put: { key: k, value: Buffer.from(JSON.stringify(o)) } }], failure: [] });
    });
    rows.push({ op: 'patch', api: apiPatch, etcd: etcdPatch });

    // list with 1,000 and 10,000 objects (pods)
    const podsPath = '/api/v1/namespaces/default/pods';
    let made = 0;
    for (const target of QUICK ? [1000] : [1000, 10000]) {
      const t0 = performance.now();
      await timed(target - made, 16, (i) => ok(h, 'POST', podsPath, pod(`p${made + i}`)));
      await timed(target - made, 16, (i) => e.put(`/bench/pods/default/p${made + i}`).value(JSON.stringify(pod(`p${made + i}`))).exec());
      log(`(stored ${target} pods in ${((performance.now() - t0) / 1000).toFixed(1)} s through the API and etcd)`);
      made = target;
      const reps = target >= 10000 ? 10 : 40;
      const apiList = await timed(reps, 1, () => ok(h, 'GET', podsPath));
      const etcdList = await timed(reps, 1, async () => {
        const r = await e.kv.range({ key: Buffer.from('/bench/pods/'), range_end: Buffer.from('/bench/pods0') });
        for (const kv of r.kvs) JSON.parse(kv.value.toString());
      });
      rows.push({ op: `list ${target} pods`, api: apiList, etcd: etcdList });
    }
    const rss = rssKiB(h.child!.pid!);
    log(`API server RSS with ${made} pods stored: ${(rss / 1024).toFixed(0)} MiB`);

    // p99 at a paced 200 mutating requests/s
    const paced200 = await paced(200, QUICK ? 3 : 10, (i) => ok(h, 'PATCH', `${base}/c${i % N}`, { data: { paced: String(i) } }, 'application/merge-patch+json'));
    rows.push({ op: 'patch paced at 200/s', api: paced200 });

    // watch fan-out: one change to 100 watchers (API) vs 100 etcd watchers
    const fan = await watchFanout(h, e, QUICK ? 5 : 20);
    for (const r of rows) {
      log(`${r.op.padEnd(22)} api  ${fmt(r.api)}`);
      if (r.etcd) log(`${''.padEnd(22)} etcd ${fmt(r.etcd)}   api/etcd p50 ${(r.api.p50ms / r.etcd.p50ms).toFixed(2)}x p99 ${(r.api.p99ms / r.etcd.p99ms).toFixed(2)}x`);
    }
    log(`watch fan-out to 100 watchers (time until the LAST watcher has the change): api p50 ${fan.api.p50.toFixed(2)} ms p99 ${fan.api.p99.toFixed(2)} ms; etcd direct p50 ${fan.etcd.p50.toFixed(2)} ms p99 ${fan.etcd.p99.toFixed(2)} ms; etcd watches held by the API server for 100 API watchers: ${fan.etcdWatches}`);
  } finally {
    e.close();
    agent.destroy();
    await h.stop();
    await etcd.stop();
  }
}

async function watchFanout(h: ApiHandle, e: Etcd3, rounds: number): Promise<{ api: { p50: number; p99: number }; etcd: { p50: number; p99: number }; etcdWatches: number }> {
  const base = '/api/v1/namespaces/default/configmaps';
  const rv = JSON.parse(await ok(h, 'GET', `${base}/c0`)).metadata.resourceVersion;
  const arrivals: number[][] = Array.from({ length: rounds }, () => []);
  const streams = await Promise.all(
    Array.from({ length: 100 }, () =>
      new Promise<{ destroy(): void }>((resolve) => {
        const req = request(
          { host: '127.0.0.1', port: h.port, path: `${base}?watch=1&resourceVersion=${rv}&fieldSelector=metadata.name%3Dfan`, agent: false, ca: h.caPem, headers: { Authorization: `Bearer ${h.adminToken}` } },
          (res) => {
            let buf = '';
            res.on('data', (d: Buffer) => {
              buf += d.toString();
              let i;
              while ((i = buf.indexOf('\n')) >= 0) {
                const line = buf.slice(0, i);
                buf = buf.slice(i + 1);
                const ev = JSON.parse(line);
                const round = Number(ev.object?.data?.round);
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
  await ok(h, 'POST', base, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fan' }, data: { round: 'x' } });
  await new Promise((r) => setTimeout(r, 500));
  const apiLat: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await ok(h, 'PATCH', `${base}/fan`, { data: { round: String(r) } }, 'application/merge-patch+json');
    const deadline = performance.now() + 5000;
    while (arrivals[r]!.length < 100 && performance.now() < deadline) await new Promise((res) => setTimeout(res, 1));
    apiLat.push(Math.max(...arrivals[r]!) - t0);
  }
  for (const s of streams) s.destroy();

  // etcd: 100 watchers on one key.
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
  const etcdLat: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await e.put('/bench/fan').value(JSON.stringify({ round: r }));
    const deadline = performance.now() + 5000;
    while (got[r]!.length < 100 && performance.now() < deadline) await new Promise((res) => setTimeout(res, 1));
    etcdLat.push(Math.max(...got[r]!) - t0);
  }
  await Promise.all(watchers.map((w) => w.cancel()));
  const s1 = apiLat.sort((a, b) => a - b);
  const s2 = etcdLat.sort((a, b) => a - b);
  return { api: { p50: percentile(s1, 50), p99: percentile(s1, 99) }, etcd: { p50: percentile(s2, 50), p99: percentile(s2, 99) }, etcdWatches: 1 };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
