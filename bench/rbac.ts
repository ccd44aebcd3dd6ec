/**
 * The RBAC authorizer's cost (issue 14): get and create of ConfigMaps as an ordinary user (not system:masters, which
 * skips authorization) against an API server holding 1,000 Roles and 1,000 RoleBindings (plus its bootstrap policy),
 * with `--authorization-mode=Node,RBAC`, and the same run with `--authorization-mode=AlwaysAllow`. Goal: under 10%
 * added at p50. Each mode gets its own etcd and API server (in this process, as a child would add the same to
 * both); the modes alternate for `--rounds` (default 2). Run `npm run build` first.
 *
 * With `--audit`, the audit log's cost instead (issue 14): both runs use Node,RBAC, one with an audit policy that logs
 * every request at level Metadata to a file (`--audit-policy-file` + `--audit-log-path`), the other without auditing.
 *
 *   node dist/bench/rbac.js [--quick] [--rounds=N] [--audit]
 */
import { Agent, request } from 'node:https';
import { startEtcd } from '../test/support/etcd.js';
import { startApiServer, type ApiHandle } from '../test/support/apiserver.js';
import type { AuthorizationMode } from '../control-plane/apiserver/authz.js';
import { fmt, timed, type Timing } from './lib/stats.js';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Auditor } from '../control-plane/apiserver/audit.js';
import { openAuditLog } from '../control-plane/apiserver/audit-log.js';
import { parseAuditPolicy } from '../control-plane/apiserver/audit-policy.js';

const QUICK = process.argv.includes('--quick');
const AUDIT = process.argv.includes('--audit');
const METADATA_POLICY = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n';
const ROUNDS = Number(/--rounds=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 2);
const N = QUICK ? 300 : 2000;
const OBJECTS = 1000;
const CONC = 8;
const USER_TOKEN = 'bench-user-token';
const G = 'rbac.authorization.k8s.io';

function call(h: ApiHandle, agent: Agent, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const raw = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port: h.port, path, method, agent, ca: h.caPem, headers: { Authorization: `Bearer ${token}`, ...(raw ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(raw) } : {}) } },
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

async function ok(h: ApiHandle, agent: Agent, token: string, method: string, path: string, body?: unknown): Promise<void> {
  const r = await call(h, agent, token, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
}

/** CPU time of this process (API server and client both live here) per call of `fn`'s calls, in µs. */
async function cpuPer<T>(n: number, fn: () => Promise<T>): Promise<{ value: T; cpuUs: number }> {
  const before = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(before);
  return { value, cpuUs: (used.user + used.system) / n };
}

async function runMode(mode: AuthorizationMode[], audit = false): Promise<{ get: Timing; create: Timing; getCpuUs: number; createCpuUs: number; auditBytes?: number }> {
  const etcd = await startEtcd();
  const logDir = audit ? mkdtempSync(join(tmpdir(), 'kubelab-bench-audit-')) : undefined;
  const auditor = logDir ? new Auditor(parseAuditPolicy(METADATA_POLICY), openAuditLog({ path: join(logDir, 'audit.log') })) : undefined;
  const h = await startApiServer(etcd, { extraTokens: [`${USER_TOKEN},bench-user,bench-user,"bench-group"`], extra: { authorizationModes: mode, ...(auditor ? { auditor } : {}) } });
  const agent = new Agent({ keepAlive: true, maxSockets: 64, ca: h.caPem });
  try {
    const admin = (method: string, path: string, body?: unknown) => ok(h, agent, h.adminToken, method, path, body);
    await admin('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    // 1,000 Roles and RoleBindings for other users in the namespace the benchmark works in, and one for its user.
    await timed(OBJECTS, CONC, (i) =>
      admin('POST', `/apis/${G}/v1/namespaces/bench/roles`, { apiVersion: `${G}/v1`, kind: 'Role', metadata: { name: `r${i}` }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [`s${i}`] }] }),
    );
    await timed(OBJECTS, CONC, (i) =>
      admin('POST', `/apis/${G}/v1/namespaces/bench/rolebindings`, { apiVersion: `${G}/v1`, kind: 'RoleBinding', metadata: { name: `b${i}` }, roleRef: { apiGroup: G, kind: 'Role', name: `r${i}` }, subjects: [{ kind: 'User', apiGroup: G, name: `u${i}` }, { kind: 'Group', apiGroup: G, name: `g${i % 50}` }] }),
    );
    await admin('POST', `/apis/${G}/v1/namespaces/bench/roles`, { apiVersion: `${G}/v1`, kind: 'Role', metadata: { name: 'cm' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create'] }] });
    await admin('POST', `/apis/${G}/v1/namespaces/bench/rolebindings`, { apiVersion: `${G}/v1`, kind: 'RoleBinding', metadata: { name: 'cm' }, roleRef: { apiGroup: G, kind: 'Role', name: 'cm' }, subjects: [{ kind: 'Group', apiGroup: G, name: 'bench-group' }] });
    await new Promise((r) => setTimeout(r, 500)); // the caches have the binding
    const user = (method: string, path: string, body?: unknown) => ok(h, agent, USER_TOKEN, method, path, body);
    await user('POST', '/api/v1/namespaces/bench/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'target' }, data: { a: 'b' } });
    await timed(200, CONC, () => user('GET', '/api/v1/namespaces/bench/configmaps/target')); // warm up
    const g = await cpuPer(N, () => timed(N, CONC, () => user('GET', '/api/v1/namespaces/bench/configmaps/target')));
    const c = await cpuPer(N, () => timed(N, CONC, (i) => user('POST', '/api/v1/namespaces/bench/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` }, data: { a: 'b' } })));
    const r = { get: g.value, create: c.value, getCpuUs: g.cpuUs, createCpuUs: c.cpuUs };
    if (!auditor || !logDir) return r;
    await auditor.sink.flush();
    return { ...r, auditBytes: statSync(join(logDir, 'audit.log')).size };
  } finally {
    agent.destroy();
    await h.stop();
    await etcd.stop();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  }
}

async function mainAudit(): Promise<void> {
  console.log(`# kubelab audit log benchmark — ${new Date().toISOString()} — node ${process.version}, ${QUICK ? 'quick' : 'full'} run, ${ROUNDS} rounds, concurrency ${CONC}, Node,RBAC, audit level Metadata for every request vs no audit`);
  const p50 = { audit: { get: [] as number[], create: [] as number[] }, none: { get: [] as number[], create: [] as number[] } };
  const cpu = { audit: { get: [] as number[], create: [] as number[] }, none: { get: [] as number[], create: [] as number[] } };
  for (let round = 1; round <= ROUNDS; round++) {
    // the variant that runs first alternates too (the first run of a round pays for a colder process)
    const variants = [['Metadata', true], ['no audit', false]] as const;
    for (const [name, audit] of round % 2 === 1 ? variants : [...variants].reverse()) {
      const r = await runMode(['Node', 'RBAC'], audit);
      const key = audit ? 'audit' : 'none';
      p50[key].get.push(r.get.p50ms);
      p50[key].create.push(r.create.p50ms);
      cpu[key].get.push(r.getCpuUs);
      cpu[key].create.push(r.createCpuUs);
      console.log(`round ${round} ${name.padEnd(8)} get    ${fmt(r.get)}  cpu ${r.getCpuUs.toFixed(0)} µs/req`);
      console.log(`round ${round} ${name.padEnd(8)} create ${fmt(r.create)}  cpu ${r.createCpuUs.toFixed(0)} µs/req${r.auditBytes !== undefined ? `  (audit log ${(r.auditBytes / 1024 / 1024).toFixed(1)} MiB)` : ''}`);
    }
  }
  for (const op of ['get', 'create'] as const) {
    const a = med(p50.audit[op]);
    const b = med(p50.none[op]);
    console.log(`${op}: median of the rounds' p50, audit Metadata ${a.toFixed(2)} ms vs none ${b.toFixed(2)} ms: ${(((a - b) / b) * 100).toFixed(1)}% added`);
    const ca = med(cpu.audit[op]);
    const cb = med(cpu.none[op]);
    console.log(`${op}: median CPU per request (server and client), audit Metadata ${ca.toFixed(0)} µs vs none ${cb.toFixed(0)} µs: ${(((ca - cb) / cb) * 100).toFixed(1)}% added`);
  }
}

function med(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  console.log(`# kubelab RBAC authorizer benchmark — ${new Date().toISOString()} — node ${process.version}, ${QUICK ? 'quick' : 'full'} run, ${ROUNDS} rounds, concurrency ${CONC}, ${OBJECTS} Roles + ${OBJECTS} RoleBindings`);
  const p50 = { rbac: { get: [] as number[], create: [] as number[] }, allow: { get: [] as number[], create: [] as number[] } };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, mode] of [['Node,RBAC', ['Node', 'RBAC']], ['AlwaysAllow', ['AlwaysAllow']]] as const) {
      const r = await runMode([...mode]);
      const key = name === 'AlwaysAllow' ? 'allow' : 'rbac';
      p50[key].get.push(r.get.p50ms);
      p50[key].create.push(r.create.p50ms);
      console.log(`round ${round} ${name.padEnd(11)} get    ${fmt(r.get)}`);
      console.log(`round ${round} ${name.padEnd(11)} create ${fmt(r.create)}`);
    }
  }
  for (const op of ['get', 'create'] as const) {
    const a = med(p50.rbac[op]);
    const b = med(p50.allow[op]);
    console.log(`${op}: median of the rounds' p50, Node,RBAC ${a.toFixed(2)} ms vs AlwaysAllow ${b.toFixed(2)} ms: ${(((a - b) / b) * 100).toFixed(1)}% added`);
  }
}

(AUDIT ? mainAudit() : main()).then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
