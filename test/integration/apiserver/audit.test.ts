/**
 * Audit logging end to end (audit.ts, audit-policy.ts, audit-log.ts): an API server over a real etcd with an
 * audit policy and a log file; requests by the real kubectl and by HTTPS, then the JSON lines checked as
 * upstream writes them: the stages, the Audit-Id header, user and impersonated user, objectRef, responseStatus,
 * the authorizer's annotations, request and response objects by level, failed authentication, and nothing lost
 * on a clean stop. A bad policy file stops start-up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, kubectlOk, startApiServer, type ApiHandle } from '../../support/apiserver.js';
import { Auditor } from '../../../control-plane/apiserver/audit.js';
import { openAuditLog } from '../../../control-plane/apiserver/audit-log.js';
import { parseAuditPolicy } from '../../../control-plane/apiserver/audit-policy.js';
import { runApiServer } from '../../../control-plane/apiserver/main.js';

const POLICY = `
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    nonResourceURLs: ["/healthz*", "/livez*", "/readyz*"]
  - level: RequestResponse
    resources: [{group: "", resources: ["configmaps"]}]
    omitManagedFields: true
  - level: Request
    verbs: ["create"]
    resources: [{group: "", resources: ["secrets"]}]
  - level: Metadata
    userGroups: ["developers"]
    omitStages: ["RequestReceived"]
  - level: Metadata
`;

let etcd: EtcdHandle;
let h: ApiHandle;
let auditor: Auditor;
let stopped = false;
const dir = mkdtempSync(join(tmpdir(), 'kubelab-audit-it-'));
const logPath = join(dir, 'log', 'audit.log');

interface Line {
  [k: string]: any;
}

async function lines(): Promise<Line[]> {
  await auditor.sink.flush();
  return readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

/** The events of one request, once its last stage is written (the response's close may follow the client's read). */
async function eventsOf(auditID: string, last = 'ResponseComplete'): Promise<Line[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const evs = (await lines()).filter((l) => l.auditID === auditID);
    if (evs.some((e) => e.stage === last) || Date.now() > deadline) return evs;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

beforeAll(async () => {
  etcd = await startEtcd();
  auditor = new Auditor(parseAuditPolicy(POLICY), openAuditLog({ path: logPath }));
  h = await startApiServer(etcd, { extra: { auditor } });
});
afterAll(async () => {
  if (!stopped) await h?.stop();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('audit events', () => {
  it('a get: Audit-Id echoed, RequestReceived then ResponseComplete at Metadata', async () => {
    const r = await api(h, 'GET', '/api/v1/namespaces/default', undefined, { headers: { 'Audit-ID': 'audit-get-1', 'User-Agent': 'audit-test/1.0' } });
    expect(r.status).toBe(200);
    expect(r.headers['audit-id']).toBe('audit-get-1');
    const evs = await eventsOf('audit-get-1');
    expect(evs.map((e) => e.stage)).toEqual(['RequestReceived', 'ResponseComplete']);
    const done = evs[1]!;
    expect(done).toMatchObject({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      requestURI: '/api/v1/namespaces/default',
      verb: 'get',
      user: { username: 'admin', groups: expect.arrayContaining(['system:masters', 'system:authenticated']) },
      sourceIPs: ['127.0.0.1'],
      userAgent: 'audit-test/1.0',
      objectRef: { resource: 'namespaces', name: 'default', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 200 },
      annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
    });
    expect(Object.keys(done)).toEqual(['kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'sourceIPs', 'userAgent', 'objectRef', 'responseStatus', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations']);
    expect(done.requestObject).toBeUndefined();
    expect(done.responseObject).toBeUndefined();
    expect(done.requestReceivedTimestamp).toMatch(MICRO_TIME);
    expect(evs[0]!.stageTimestamp).toBe(evs[0]!.requestReceivedTimestamp);
    expect(done.requestReceivedTimestamp).toBe(evs[0]!.requestReceivedTimestamp);
    expect(done.stageTimestamp >= done.requestReceivedTimestamp).toBe(true);
  });

  it('every answer carries an Audit-Id, a new UUID when the client sends none', async () => {
    const r = await api(h, 'GET', '/healthz');
    expect(r.headers['audit-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // level None: nothing written
    await new Promise((r) => setTimeout(r, 50));
    expect((await lines()).filter((l) => l.auditID === r.headers['audit-id'])).toEqual([]);
  });

  it('a create at RequestResponse logs the request and the answer, without managedFields', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'audited' }, data: { a: 'b' } };
    const r = await api(h, 'POST', '/api/v1/namespaces/default/configmaps', cm, { headers: { 'Audit-ID': 'audit-create-cm' } });
    expect(r.status).toBe(201);
    const evs = await eventsOf('audit-create-cm');
    const done = evs.find((e) => e.stage === 'ResponseComplete')!;
    expect(done).toMatchObject({
      level: 'RequestResponse',
      verb: 'create',
      objectRef: { resource: 'configmaps', namespace: 'default', name: 'audited', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 201 },
      requestObject: cm,
      responseObject: { kind: 'ConfigMap', metadata: { name: 'audited', namespace: 'default' }, data: { a: 'b' } },
    });
    expect(r.json().metadata.managedFields).toBeDefined();
    expect(done.responseObject.metadata.managedFields).toBeUndefined();
  });

  it('a create at Request logs the request, not the answer', async () => {
    const s = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'audited' }, stringData: { k: 'v' } };
    expect((await api(h, 'POST', '/api/v1/namespaces/default/secrets', s, { headers: { 'Audit-ID': 'audit-create-secret' } })).status).toBe(201);
    const done = (await eventsOf('audit-create-secret')).find((e) => e.stage === 'ResponseComplete')!;
    expect(done.level).toBe('Request');
    expect(done.requestObject).toEqual(s);
    expect(done.responseObject).toBeUndefined();
    expect(done.objectRef.name).toBe('audited');
  });

  it('a watch writes ResponseStarted when it starts answering, then ResponseComplete', async () => {
    const r = await api(h, 'GET', '/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=1', undefined, { headers: { 'Audit-ID': 'audit-watch' } });
    expect(r.status).toBe(200);
    const evs = await eventsOf('audit-watch');
    expect(evs.map((e) => e.stage)).toEqual(['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
    expect(evs[1]).toMatchObject({ verb: 'watch', responseStatus: { code: 200 }, objectRef: { resource: 'pods', namespace: 'default' } });
  });

  it('a denied request: forbid, the reason, and the 403 Status', async () => {
    const r = await api(h, 'GET', '/api/v1/namespaces/default/secrets', undefined, { token: 'usertoken', headers: { 'Audit-ID': 'audit-denied' } });
    expect(r.status).toBe(403);
    const evs = await eventsOf('audit-denied');
    // jane is in developers: that rule omits RequestReceived
    expect(evs.map((e) => e.stage)).toEqual(['ResponseComplete']);
    expect(evs[0]).toMatchObject({
      level: 'Metadata',
      verb: 'list',
      user: { username: 'jane', groups: ['developers', 'system:authenticated'] },
      responseStatus: {
        metadata: {},
        status: 'Failure',
        reason: 'Forbidden',
        message: 'secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "default"',
        details: { kind: 'secrets' },
        code: 403,
      },
      annotations: { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' },
    });
  });

  it('impersonation: user is who authenticated, impersonatedUser whom it acts as', async () => {
    const r = await api(h, 'GET', '/api/v1/namespaces/default/pods', undefined, { headers: { 'Audit-ID': 'audit-as', 'Impersonate-User': 'bob', 'Impersonate-Group': 'devs' } });
    expect(r.status).toBe(403);
    const done = (await eventsOf('audit-as')).find((e) => e.stage === 'ResponseComplete')!;
    expect(done.user.username).toBe('admin');
    expect(done.impersonatedUser).toEqual({ username: 'bob', groups: ['devs', 'system:authenticated'] });
    expect(done.annotations['authorization.k8s.io/decision']).toBe('forbid');
  });

  it('failed authentication: one ResponseStarted event with the 401 and what was attempted', async () => {
    const r = await api(h, 'GET', '/api/v1/namespaces', undefined, { token: 'not-a-token', headers: { 'Audit-ID': 'audit-401' } });
    expect(r.status).toBe(401);
    expect(r.headers['audit-id']).toBe('audit-401');
    const evs = await eventsOf('audit-401', 'ResponseStarted');
    expect(evs).toHaveLength(1);
    expect(evs[0]).toMatchObject({ stage: 'ResponseStarted', verb: 'list', user: {}, responseStatus: { metadata: {}, message: 'Authentication failed, attempted: bearer', code: 401 } });
    expect(evs[0]!.annotations).toBeUndefined();
  });

  it('an upgrade request (exec) that is refused is audited with its error', async () => {
    const r = await api(h, 'GET', '/api/v1/namespaces/default/pods/nope/exec?command=ls&stdout=true', undefined, {
      headers: { 'Audit-ID': 'audit-exec', Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.headers['audit-id']).toBe('audit-exec');
    const evs = await eventsOf('audit-exec');
    expect(evs.map((e) => e.stage)).toEqual(['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
    expect(evs[2]).toMatchObject({ objectRef: { resource: 'pods', name: 'nope', subresource: 'exec' }, responseStatus: { code: r.status, status: 'Failure' } });
  });

  it('the real kubectl: its user agent and a list with its query in requestURI', async () => {
    await kubectlOk(h, ['get', 'configmaps', '-n', 'default']);
    const list = (await lines()).filter((l) => l.verb === 'list' && l.objectRef?.resource === 'configmaps' && l.stage === 'ResponseComplete' && String(l.userAgent).startsWith('kubectl/'));
    expect(list.length).toBeGreaterThan(0);
    expect(list.at(-1)!.requestURI).toMatch(/^\/api\/v1\/namespaces\/default\/configmaps\?limit=500$/);
    // RequestResponse for configmaps: kubectl asked for a Table, and the Table is what is logged
    expect(list.at(-1)!.responseObject.kind).toBe('Table');
  });

  it('a clean stop loses no event', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `audit-burst-${i}`);
    await Promise.all(ids.map((id) => api(h, 'GET', '/api/v1/namespaces/default/configmaps/audited', undefined, { headers: { 'Audit-ID': id } })));
    stopped = true;
    await h.stop();
    const text = readFileSync(logPath, 'utf8');
    const complete = new Set(
      text
        .split('\n')
        .filter((l) => l.includes('"stage":"ResponseComplete"'))
        .map((l) => (JSON.parse(l) as Line).auditID),
    );
    for (const id of ids) expect(complete.has(id)).toBe(true);
  });
});

describe('start-up with a bad policy file', () => {
  it.each([
    { name: 'no rules', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\n', message: 'loading audit policy file: loaded illegal policy with 0 rules: from file ' },
    { name: 'a bad level', text: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n', message: 'rules[0].level: Unsupported value: "Everything"' },
  ])('$name stops the server with a clear message', async ({ text, message }) => {
    const f = join(dir, 'bad-policy.yaml');
    writeFileSync(f, text);
    await expect(runApiServer(['--etcd-servers', 'memory', '--audit-policy-file', f, '--audit-log-path', join(dir, 'never.log'), '--secure-port', '0'])).rejects.toThrow(message);
  });
  it('a missing file and a negative --audit-log-maxage are refused too', async () => {
    await expect(runApiServer(['--etcd-servers', 'memory', '--audit-policy-file', join(dir, 'nope.yaml'), '--audit-log-path', '-'])).rejects.toThrow(/loading audit policy file: failed to read file path ".*nope\.yaml"/);
    await expect(runApiServer(['--etcd-servers', 'memory', '--audit-log-maxage=-1'])).rejects.toThrow("--audit-log-maxage -1 can't be a negative number");
    await expect(runApiServer(['--etcd-servers', 'memory', '--audit-log-format', 'xml'])).rejects.toThrow('invalid audit log format xml, allowed formats are "legacy,json"');
  });
});
