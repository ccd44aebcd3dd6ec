/**
 * Fuzz: thousands of random and mutated requests. No 5xx, no crash, every error is a Status,
 * and the server keeps answering. Seeded, so a failure is reproducible (KUBELAB_FUZZ_SEED).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { startApiServer, api, type ApiHandle } from '../../support/apiserver.js';
import { prng } from '../../support/prng.js';

let etcd: EtcdHandle;
let h: ApiHandle;

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd);
});
afterAll(async () => {
  await h?.stop();
  await etcd?.stop();
});


const SEED = Number(process.env.KUBELAB_FUZZ_SEED ?? 20261127);
const N = Number(process.env.KUBELAB_FUZZ_REQUESTS ?? 3000);

const SEEDS: { path: string; body: any }[] = [
  { path: '/api/v1/namespaces/default/pods', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: 'B' }], resources: { requests: { cpu: '100m', memory: '64Mi' } } }], tolerations: [{ key: 'k', operator: 'Exists' }] } } },
  { path: '/apis/apps/v1/namespaces/default/deployments', body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 2, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } } },
  { path: '/api/v1/namespaces/default/services', body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'NodePort', selector: { a: 'b' }, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }] } } },
  { path: '/api/v1/namespaces/default/configmaps', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { x: 'y' } }, data: { k: 'v' } } },
  { path: '/api/v1/nodes', body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } } },
  { path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { holderIdentity: 'n', leaseDurationSeconds: 40 } } },
];

const WEIRD: unknown[] = [null, true, false, 0, -1, 1.5, 2 ** 53, '', 'x'.repeat(300), '💥', '../..', [], {}, [1, 'a'], { $patch: 'delete' }, 'Always', '10.96.0.1', 99999, '-', 'a b'];

function mutate(v: any, r: () => number, depth = 0): any {
  if (r() < 0.1 || depth > 6) return WEIRD[Math.floor(r() * WEIRD.length)];
  if (Array.isArray(v)) {
    const out = v.map((x) => (r() < 0.3 ? mutate(x, r, depth + 1) : x));
    if (r() < 0.2) out.push(mutate(v[0] ?? {}, r, depth + 1));
    if (r() < 0.1) out.length = 0;
    return out;
  }
  if (v && typeof v === 'object') {
    const out: any = {};
    for (const [k, x] of Object.entries(v)) {
      const roll = r();
      if (roll < 0.08) continue;
      out[roll < 0.12 ? k + 'x' : k] = roll < 0.4 ? mutate(x, r, depth + 1) : x;
    }
    if (r() < 0.1) out[`f${Math.floor(r() * 10)}`] = WEIRD[Math.floor(r() * WEIRD.length)];
    return out;
  }
  return r() < 0.5 ? WEIRD[Math.floor(r() * WEIRD.length)] : v;
}

const PATCH_TYPES = ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml', 'text/plain'];
const QUERIES = ['', '?labelSelector=a%3Db', '?labelSelector=a+in+(', '?fieldSelector=spec.nodeName%3Dx', '?fieldSelector=bogus%3D1', '?limit=-5', '?limit=2&continue=garbage', '?resourceVersion=abc', '?resourceVersion=1&resourceVersionMatch=Exact', '?fieldValidation=Strict', '?fieldValidation=Nope', '?dryRun=All', '?watch=1&timeoutSeconds=1&resourceVersion=1', '?watch=1&timeoutSeconds=1&sendInitialEvents=true', '?gracePeriodSeconds=x', '?propagationPolicy=Sideways'];

describe('fuzz', () => {
  it(`${N} random and mutated requests: no 5xx, always a Status on errors`, async () => {
    const r = prng(SEED);
    const failures: string[] = [];
    const statusCount = new Map<number, number>();
    for (let i = 0; i < N; i++) {
      const seed = SEEDS[Math.floor(r() * SEEDS.length)]!;
      const roll = r();
      let method = 'POST';
      let path = seed.path;
      let body: string | undefined;
      let contentType = 'application/json';
      const name = (seed.body.metadata.name as string) + Math.floor(r() * 5);
      if (roll < 0.45) {
        const b = mutate(structuredClone(seed.body), r);
        if (b && typeof b === 'object' && !Array.isArray(b) && r() < 0.7) b.metadata = { ...(typeof b.metadata === 'object' && b.metadata ? b.metadata : {}), name };
        body = JSON.stringify(b);
        if (r() < 0.1) body = body.slice(0, Math.floor(r() * body.length));
      } else if (roll < 0.65) {
        method = r() < 0.5 ? 'PATCH' : 'PUT';
        path = `${seed.path}/${name}`;
        contentType = method === 'PATCH' ? PATCH_TYPES[Math.floor(r() * PATCH_TYPES.length)]! : 'application/json';
        const m = mutate(contentType === 'application/json-patch+json' ? [{ op: 'replace', path: '/metadata/labels', value: { a: 'c' } }] : { metadata: { labels: { z: 'q' } }, spec: seed.body.spec }, r);
        body = JSON.stringify(m);
      } else if (roll < 0.85) {
        method = 'GET';
        path = (r() < 0.5 ? seed.path : `${seed.path}/${name}`) + QUERIES[Math.floor(r() * QUERIES.length)]!;
      } else if (roll < 0.95) {
        method = 'DELETE';
        path = `${seed.path}/${name}` + QUERIES[Math.floor(r() * QUERIES.length)]!;
        if (r() < 0.3) body = JSON.stringify(mutate({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground', preconditions: { uid: 'x' } }, r));
      } else {
        const junk = ['/api/v1/namespaces/default/pods/%2e%2e/x', '/apis/apps/v9/deployments', '/api/v1/namespaces//pods', '/apis/../api', '/api/v1/nodes/n0/status', '/api/v1/namespaces/default/pods/p0/binding', '/api/v1/namespaces/default/pods/p1/eviction', '/apis/apps/v1/namespaces/default/deployments/d0/scale', '/api/v1/namespaces/kube-system/finalize', '/openapi/v3/apis/nope/v1', '/api/v1/namespaces/default/services/s1/status'];
        path = junk[Math.floor(r() * junk.length)]!;
        method = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'][Math.floor(r() * 6)]!;
        body = method === 'GET' ? undefined : JSON.stringify(mutate({ kind: 'Binding', apiVersion: 'v1', metadata: { name: 'p0' }, target: { name: 'n' }, spec: { replicas: 3 } }, r));
      }
      let res;
      try {
        res = await api(h, method, path, body, { contentType });
      } catch (e) {
        failures.push(`#${i} ${method} ${path} ${contentType} -> ${(e as Error).message} body=${(body ?? '').slice(0, 300)}`);
        continue;
      }
      statusCount.set(res.status, (statusCount.get(res.status) ?? 0) + 1);
      if (res.status >= 500) failures.push(`#${i} ${method} ${path} ${contentType} -> ${res.status} ${res.body.slice(0, 300)} body=${(body ?? '').slice(0, 300)}`);
      else if (res.status >= 400) {
        let st: any;
        try {
          st = JSON.parse(res.body);
        } catch {
          failures.push(`#${i} ${method} ${path} -> ${res.status} non-JSON error body ${res.body.slice(0, 200)} ${JSON.stringify(res.headers)} reqbody=${JSON.stringify(body)}`);
          continue;
        }
        if (st.kind !== 'Status' || st.code !== res.status || typeof st.message !== 'string') failures.push(`#${i} ${method} ${path} -> ${res.status} not a Status: ${res.body.slice(0, 200)}`);
      }
    }
    console.log('fuzz status codes:', Object.fromEntries([...statusCount.entries()].sort()));
    expect(failures.slice(0, 10)).toEqual([]);
    const ready = await api(h, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    // Many requests must have been accepted too, or the fuzzer only tested the front door.
    expect((statusCount.get(200) ?? 0) + (statusCount.get(201) ?? 0)).toBeGreaterThan(N / 20);
  }, 240_000);
});
