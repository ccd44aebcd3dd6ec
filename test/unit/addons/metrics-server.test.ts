import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeResourceMetrics, parseSampleLine, type MetricsPoint, type NodeBatch } from '../../../addons/metrics-server/decode.js';
import { MetricsStorage, nextPrev, resourceUsage } from '../../../addons/metrics-server/storage.js';
import { goDuration, requestAttributes, route, serve, usageList, wantsTable, type ObjectRef } from '../../../addons/metrics-server/api.js';
import { authenticate, authenticationConfig, userFromHeaders } from '../../../addons/metrics-server/authn.js';
import { hostPort, kubeletPort, nodeAddress } from '../../../addons/metrics-server/scraper.js';
import { parseMetricsServerFlags } from '../../../addons/metrics-server/main.js';
import { resourceMetricsText, type Summary } from '../../../node-agent/kubelet/stats.js';
import { accessReviewSpec, bearerToken } from '../../../api/client/delegated-auth.js';
import { createCA, createCertificate } from '../../../api/tls/certs.js';

const pt = (ts: number, cpuS: number, mem: number, start = 0): MetricsPoint => ({ timestampMs: ts * 1000, cumulativeCpuNs: cpuS * 1e9, memoryBytes: mem, startTimeMs: start * 1000 });

describe('decode /metrics/resource', () => {
  it('reads what the kubelet writes (round trip through resourceMetricsText)', () => {
    const T = '2026-12-05T01:00:00.000Z';
    const s: Summary = {
      node: { nodeName: 'n', systemContainers: [], startTime: T, cpu: { time: T, usageCoreNanoSeconds: 12_345_000_000 }, memory: { time: T, usageBytes: 9, workingSetBytes: 123456789 } },
      pods: [{ podRef: { name: 'web', namespace: 'default', uid: 'u' }, startTime: T, containers: [
        { name: 'a', startTime: '2026-12-05T00:00:00.000Z', cpu: { time: T, usageCoreNanoSeconds: 500_000_000 }, memory: { time: T, usageBytes: 1, workingSetBytes: 2048 } },
        { name: 'nomem', startTime: T, cpu: { time: T, usageCoreNanoSeconds: 1 } },
      ] }],
    };
    const b = decodeResourceMetrics(resourceMetricsText(s));
    const ts = Date.parse(T);
    expect(b.node).toEqual({ timestampMs: ts, cumulativeCpuNs: 12_345_000_000, memoryBytes: 123456789, startTimeMs: 0 });
    expect([...b.pods.keys()]).toEqual(['default/web']);
    expect([...b.pods.get('default/web')!.entries()]).toEqual([['a', { timestampMs: ts, cumulativeCpuNs: 500_000_000, memoryBytes: 2048, startTimeMs: Date.parse('2026-12-05T00:00:00.000Z') }]]);
  });

  it.each([
    ['x 1', { name: 'x', labels: {}, value: 1 }],
    ['x{a="b\\"c",d="e"} 1.5e+06 1700000000000', { name: 'x', labels: { a: 'b"c', d: 'e' }, value: 1.5e6, timestampMs: 1700000000000 }],
    ['x{a="}"} NaN', { name: 'x', labels: { a: '}' }, value: NaN }],
    ['not a line', undefined],
  ])('sample line %s', (line, want) => {
    expect(parseSampleLine(line)).toEqual(want);
  });

  it('samples without a timestamp are not points', () => {
    expect(decodeResourceMetrics('node_cpu_usage_seconds_total 5\nnode_memory_working_set_bytes 10\n').node).toBeUndefined();
  });
});

describe('storage (CPU rate from two points)', () => {
  it.each([
    ['one core for 10 s', pt(20, 15, 100), pt(10, 5, 50), { timestampMs: 20000, windowMs: 10000, cpuNanoCores: 1e9, memoryBytes: 100 }],
    ['a quarter core over 15 s', pt(25, 3.75, 7), pt(10, 0, 7), { timestampMs: 25000, windowMs: 15000, cpuNanoCores: 250_000_000, memoryBytes: 7 }],
    ['counter went back', pt(20, 1, 1), pt(10, 5, 1), 'unexpected decrease in cumulative CPU usage value'],
    ['start time went back', pt(20, 6, 1, 5), pt(10, 5, 1, 8), 'unexpected decrease in startTime of node/container'],
  ])('resourceUsage: %s', (_n, last, prev, want) => {
    expect(resourceUsage(last, prev)).toEqual(want);
  });

  it.each([
    ['nothing stored', pt(10, 1, 1), undefined, undefined, undefined],
    ['newer than last: last becomes prev', pt(20, 2, 1), pt(10, 1, 1), undefined, pt(10, 1, 1)],
    ['same timestamp again: keep prev', pt(10, 1, 1), pt(10, 1, 1), pt(5, 0, 1), pt(5, 0, 1)],
    ['older than prev: drop', pt(4, 1, 1), pt(10, 1, 1), pt(5, 0, 1), undefined],
  ])('nextPrev: %s', (_n, p, last, prev, want) => {
    expect(nextPrev(p, last, prev)).toEqual(want);
  });

  const batch = (node: MetricsPoint | undefined, pods: Record<string, Record<string, MetricsPoint>>): NodeBatch => ({
    ...(node ? { node } : {}),
    pods: new Map(Object.entries(pods).map(([k, v]) => [k, new Map(Object.entries(v))])),
  });

  it('a node has usage after its second point; a missing node loses its points', () => {
    const s = new MetricsStorage(15_000);
    s.store(new Map([['n1', batch(pt(10, 5, 100), {})]]));
    expect(s.nodeUsage('n1')).toBeUndefined();
    expect(s.ready()).toBe(false);
    s.store(new Map([['n1', batch(pt(25, 20, 200), {})]]));
    expect(s.nodeUsage('n1')).toEqual({ timestampMs: 25000, windowMs: 15000, cpuNanoCores: 1e9, memoryBytes: 200 });
    expect(s.ready()).toBe(true);
    s.store(new Map());
    expect(s.nodeUsage('n1')).toBeUndefined();
  });

  it('pods: containers sorted, those without two points left out; a fresh container gets a zero point at its start', () => {
    const s = new MetricsStorage(15_000);
    s.store(new Map([['n1', batch(undefined, { 'default/web': { b: pt(10, 1, 10, 1), a: pt(10, 1, 20, 1) } })]]));
    expect(s.podUsage('default', 'web')).toBeUndefined();
    s.store(new Map([['n1', batch(undefined, { 'default/web': { b: pt(20, 2, 11, 1), a: pt(20, 6, 21, 1) } })]]));
    expect(s.podUsage('default', 'web')).toEqual([
      { name: 'a', timestampMs: 20000, windowMs: 10000, cpuNanoCores: 500_000_000, memoryBytes: 21 },
      { name: 'b', timestampMs: 20000, windowMs: 10000, cpuNanoCores: 100_000_000, memoryBytes: 11 },
    ]);
    // started 12 s before its first point (>= 10 s, < one resolution): usage at once, from its start
    s.store(new Map([['n1', batch(undefined, { 'default/new': { c: pt(112, 6, 5, 100) } })]]));
    expect(s.podUsage('default', 'new')).toEqual([{ name: 'c', timestampMs: 112000, windowMs: 12000, cpuNanoCores: 500_000_000, memoryBytes: 5 }]);
    // started 3 s before: too fresh
    s.store(new Map([['n1', batch(undefined, { 'default/new2': { c: pt(103, 1, 5, 100) } })]]));
    expect(s.podUsage('default', 'new2')).toBeUndefined();
  });

  it('a restarted container does not rate against its old point', () => {
    const s = new MetricsStorage(15_000);
    s.store(new Map([['n1', batch(undefined, { 'd/p': { c: pt(10, 50, 1, 0) } })]]));
    s.store(new Map([['n1', batch(undefined, { 'd/p': { c: pt(30, 60, 1, 25) } })]]));
    expect(s.podUsage('d', 'p')).toBeUndefined();
  });
});

describe('metrics.k8s.io API', () => {
  it.each([
    [15000, '15s'], [15011, '15.011s'], [60000, '1m0s'], [90500, '1m30.5s'], [500, '500ms'], [0, '0s'], [3_600_000, '1h0m0s'],
  ])('goDuration(%s) = %s', (ms, want) => {
    expect(goDuration(ms)).toBe(want);
  });

  it.each([
    [{ cpuNanoCores: 5_000_000, memoryBytes: 2048 }, { cpu: '5m', memory: '2Ki' }],
    [{ cpuNanoCores: 1_234_567, memoryBytes: 2049 }, { cpu: '1234567n', memory: '2049' }],
    [{ cpuNanoCores: 0, memoryBytes: 0 }, { cpu: '0', memory: '0' }],
    [{ cpuNanoCores: 2e9, memoryBytes: 64 * 1024 * 1024 }, { cpu: '2', memory: '64Mi' }],
  ])('usageList %j', (u, want) => {
    expect(usageList(u)).toEqual(want);
  });

  it.each([
    ['GET', '/apis/metrics.k8s.io/v1beta1/nodes', '', { verb: 'list', group: 'metrics.k8s.io', version: 'v1beta1', resource: 'nodes' }],
    ['GET', '/apis/metrics.k8s.io/v1beta1/nodes/node01', '', { verb: 'get', group: 'metrics.k8s.io', version: 'v1beta1', resource: 'nodes', name: 'node01' }],
    ['GET', '/apis/metrics.k8s.io/v1beta1/pods', '', { verb: 'list', group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods' }],
    ['GET', '/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods', 'watch=true', { verb: 'watch', group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods', namespace: 'kube-system' }],
    ['GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web', '', { verb: 'get', group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods', namespace: 'default', name: 'web' }],
    ['GET', '/apis/metrics.k8s.io/v1beta1', '', { verb: 'get', path: '/apis/metrics.k8s.io/v1beta1' }],
    ['GET', '/readyz', '', undefined],
  ])('%s %s?%s authorizes %j', (m, path, q, want) => {
    expect(requestAttributes(m, path, new URLSearchParams(q))).toEqual(want);
  });

  it('routes', () => {
    expect(route('/apis/metrics.k8s.io/v1beta1/namespaces/x/pods/y/z')).toEqual({ kind: 'notFound' });
    expect(route('/apis/metrics.k8s.io/v1beta1/nodes/')).toEqual({ kind: 'nodes' });
    expect(route('/apis/metrics.k8s.io')).toMatchObject({ kind: 'discovery', body: { kind: 'APIGroup', name: 'metrics.k8s.io', preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1' } } });
  });

  const storage = new MetricsStorage(15_000);
  const b = (cpu: number): NodeBatch => ({ node: pt(cpu, cpu, 1024), pods: new Map([['default/web', new Map([['nginx', pt(cpu, cpu / 10, 4096)]])], ['kube-system/dns', new Map([['coredns', pt(cpu, cpu / 100, 8192)]])]]) });
  storage.store(new Map([['node01', b(10)]]));
  storage.store(new Map([['node01', b(20)]]));
  const nodes: ObjectRef[] = [{ metadata: { name: 'node01', labels: { role: 'worker' } } }, { metadata: { name: 'node02' } }];
  const pods: ObjectRef[] = [
    { metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } }, status: { phase: 'Running' } },
    { metadata: { name: 'dns', namespace: 'kube-system', labels: { app: 'dns' } }, status: { phase: 'Running' } },
    { metadata: { name: 'pending', namespace: 'default' }, status: { phase: 'Pending' } },
  ];
  const now = new Date('2026-12-05T02:00:00.000Z');
  const st = { storage, nodes: () => nodes, pods: () => pods, now: () => now };
  const get = (path: string, q = '') => serve({ method: 'GET', path, query: new URLSearchParams(q) }, st);

  it('NodeMetrics list and get', () => {
    expect(get('/apis/metrics.k8s.io/v1beta1/nodes')).toEqual({
      code: 200,
      body: { kind: 'NodeMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items: [{
        kind: 'NodeMetrics', apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: { name: 'node01', creationTimestamp: '2026-12-05T02:00:00Z', labels: { role: 'worker' } },
        timestamp: '1970-01-01T00:00:20Z', window: '10s', usage: { cpu: '1', memory: '1Ki' },
      }] },
    });
    expect((get('/apis/metrics.k8s.io/v1beta1/nodes', 'labelSelector=role%3Dnone').body as { items: unknown[] }).items).toEqual([]);
    expect(get('/apis/metrics.k8s.io/v1beta1/nodes/node02')).toMatchObject({ code: 404, body: { reason: 'NotFound', message: 'nodemetrics.metrics.k8s.io "node02" not found' } });
    expect(get('/apis/metrics.k8s.io/v1beta1/nodes/nodeX')).toMatchObject({ code: 404, body: { message: 'nodes "nodeX" not found' } });
  });

  it('PodMetrics: all namespaces, one namespace, label selector, get; pending pods left out', () => {
    const all = get('/apis/metrics.k8s.io/v1beta1/pods').body as { items: { metadata: { namespace: string; name: string }; containers: unknown[] }[] };
    expect(all.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual(['default/web', 'kube-system/dns']);
    expect(all.items[0]!.containers).toEqual([{ name: 'nginx', usage: { cpu: '100m', memory: '4Ki' } }]);
    const ns = get('/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods').body as { items: unknown[] };
    expect(ns.items).toHaveLength(1);
    const sel = get('/apis/metrics.k8s.io/v1beta1/pods', 'labelSelector=app%20in%20(web)').body as { items: unknown[] };
    expect(sel.items).toHaveLength(1);
    const fs = get('/apis/metrics.k8s.io/v1beta1/pods', 'fieldSelector=metadata.namespace%3Dkube-system').body as { items: unknown[] };
    expect(fs.items).toHaveLength(1);
    expect(get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web')).toMatchObject({ code: 200, body: { kind: 'PodMetrics', window: '10s', containers: [{ name: 'nginx' }] } });
    expect(get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/pending')).toMatchObject({ code: 404, body: { message: 'podmetrics.metrics.k8s.io "default/pending" not found' } });
    expect(get('/apis/metrics.k8s.io/v1beta1/pods', 'labelSelector=%3D%3D')).toMatchObject({ code: 400, body: { reason: 'BadRequest' } });
  });

  it.each([
    ['application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json', true],
    ['application/json', false],
    ['application/json;as=Table;v=v2;g=meta.k8s.io', false],
    [undefined, false],
  ])('wantsTable(%s) = %s', (accept, want) => {
    expect(wantsTable(accept)).toBe(want);
  });

  it('kubectl get asks for a Table: Name, CPU, Memory, Window (a pod sums its containers)', () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
    const nodesTable = serve({ method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/nodes', query: new URLSearchParams(), accept }, st).body as { kind: string; columnDefinitions: { name: string }[]; rows: { cells: unknown[]; object: { kind: string; metadata: { name: string } } }[] };
    expect(nodesTable.kind).toBe('Table');
    expect(nodesTable.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'CPU', 'Memory', 'Window']);
    expect(nodesTable.rows).toEqual([{ cells: ['node01', '1', '1Ki', '10s'], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: expect.objectContaining({ name: 'node01' }) } }]);
    const s2 = new MetricsStorage(15_000);
    const two = (t: number): NodeBatch => ({ pods: new Map([['default/web', new Map([['a', pt(t, t / 10, 2048)], ['b', pt(t, t / 20, 1024)]])]]) });
    s2.store(new Map([['n', two(10)]]));
    s2.store(new Map([['n', two(20)]]));
    const podTable = serve({ method: 'GET', path: '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', query: new URLSearchParams(), accept }, { ...st, storage: s2 }).body as { rows: { cells: unknown[] }[] };
    expect(podTable.rows.map((r) => r.cells)).toEqual([['web', '150m', '3Ki', '10s']]);
  });

  it('no writes, no watch', () => {
    expect(serve({ method: 'POST', path: '/apis/metrics.k8s.io/v1beta1/nodes', query: new URLSearchParams() }, st).code).toBe(405);
    expect(get('/apis/metrics.k8s.io/v1beta1/pods', 'watch=true').code).toBe(405);
  });
});

describe('authentication as an extension API server', () => {
  const front = createCA('front-proxy-ca');
  const cluster = createCA('kubernetes');
  const proxyClient = createCertificate({ ca: front, commonName: 'front-proxy-client', clientAuth: true });
  const otherProxy = createCertificate({ ca: front, commonName: 'someone-else', clientAuth: true });
  const admin = createCertificate({ ca: cluster, commonName: 'admin', organizations: ['system:masters'], clientAuth: true });
  const stranger = createCertificate({ ca: createCA('other'), commonName: 'x', clientAuth: true });
  const cfg = authenticationConfig({
    'client-ca-file': cluster.certPem,
    'requestheader-client-ca-file': front.certPem,
    'requestheader-allowed-names': '["front-proxy-client"]',
    'requestheader-username-headers': '["X-Remote-User"]',
    'requestheader-group-headers': '["X-Remote-Group"]',
    'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
  });
  const headers = { 'x-remote-user': 'jane', 'x-remote-group': ['devs', 'system:authenticated'], 'x-remote-extra-scopes%2fa': 'x' };
  const run = (cert: string | undefined, h: Record<string, string | string[]>, bearer?: string) =>
    authenticate({ ...(cert ? { cert: new X509Certificate(cert) } : {}), headers: h, nowMs: Date.now(), tokenReview: async (t) => (t === 'good' ? { username: 'system:serviceaccount:kube-system:hpa', groups: ['system:serviceaccounts'] } : undefined), ...(bearer ? { bearer } : {}) }, cfg);

  it('parses the ConfigMap (JSON lists)', () => {
    expect(cfg).toMatchObject({ allowedNames: ['front-proxy-client'], usernameHeaders: ['X-Remote-User'], groupHeaders: ['X-Remote-Group'], extraHeaderPrefixes: ['X-Remote-Extra-'] });
    expect(authenticationConfig({ 'requestheader-allowed-names': 'not json' }).allowedNames).toEqual([]);
  });

  it('front proxy certificate + headers -> the user of the headers', async () => {
    expect(await run(proxyClient.certPem, headers)).toEqual({ user: { username: 'jane', groups: ['devs', 'system:authenticated'], extra: { 'scopes/a': ['x'] } } });
  });
  it('a requestheader certificate with a CN not allowed is refused', async () => {
    expect(await run(otherProxy.certPem, headers)).toEqual({ error: 'x509: subject with cn=someone-else is not in the allowed list' });
  });
  it('headers without the front proxy certificate are not believed', async () => {
    expect(await run(admin.certPem, headers)).toEqual({ user: { username: 'admin', groups: ['system:masters', 'system:authenticated'] } });
    expect(await run(undefined, headers)).toEqual({ user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } });
    expect(await run(stranger.certPem, headers)).toEqual({ user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } });
  });
  it('bearer tokens go through the TokenReview', async () => {
    expect(await run(undefined, {}, 'good')).toEqual({ user: { username: 'system:serviceaccount:kube-system:hpa', groups: ['system:serviceaccounts'] } });
    expect(await run(undefined, {}, 'bad')).toEqual({ error: 'invalid bearer token' });
  });
  it('userFromHeaders: no user header, no user', () => {
    expect(userFromHeaders({ 'x-remote-group': 'g' }, cfg)).toBeUndefined();
  });
});

describe('delegated auth pieces', () => {
  it.each([
    ['Bearer abc', 'abc'], ['bearer  abc ', 'abc'], ['Basic abc', undefined], [undefined, undefined], ['Bearer', undefined],
  ])('bearerToken(%s)', (h, want) => {
    expect(bearerToken(h)).toBe(want);
  });
  it('SubjectAccessReview spec: resource and non-resource', () => {
    expect(accessReviewSpec({ username: 'u', groups: ['g'], uid: '1', extra: { k: ['v'] } }, { verb: 'get', group: '', version: 'v1', resource: 'nodes', subresource: 'metrics', name: 'node01' })).toEqual({
      user: 'u', groups: ['g'], uid: '1', extra: { k: ['v'] }, resourceAttributes: { verb: 'get', group: '', version: 'v1', resource: 'nodes', subresource: 'metrics', name: 'node01' },
    });
    expect(accessReviewSpec({ username: 'u', groups: [] }, { verb: 'get', path: '/apis' })).toEqual({ user: 'u', groups: [], nonResourceAttributes: { path: '/apis', verb: 'get' } });
  });
});

describe('scraper addressing and flags', () => {
  const node = { metadata: { name: 'node01' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.56.21' }, { type: 'Hostname', address: 'node01' }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } } };
  it.each([
    [['Hostname', 'InternalIP'], 'node01'],
    [['InternalIP', 'Hostname'], '192.168.56.21'],
    [['ExternalIP'], undefined],
  ])('nodeAddress %j', (types, want) => {
    expect(nodeAddress(node, types)).toBe(want);
  });
  it('port and host', () => {
    expect(kubeletPort(node, true, 1)).toBe(10250);
    expect(kubeletPort(node, false, 1)).toBe(1);
    expect(kubeletPort({ metadata: { name: 'x' } }, true, 1)).toBe(1);
    expect(hostPort('::1', 5)).toBe('[::1]:5');
  });
  it('flags: defaults and upstream refusals', () => {
    expect(parseMetricsServerFlags([]).cfg).toMatchObject({ metricResolutionMs: 15000, kubeletPort: 10250, securePort: 10250, preferredAddressTypes: ['Hostname', 'InternalDNS', 'InternalIP', 'ExternalDNS', 'ExternalIP'], kubeletInsecureTLS: false });
    expect(() => parseMetricsServerFlags(['--metric-resolution=5s'])).toThrow('metric-resolution should be a time duration at least 10s, but value 5s provided');
    expect(() => parseMetricsServerFlags(['--kubelet-preferred-address-types=Foo'])).toThrow('unknown address type "Foo"');
    expect(() => parseMetricsServerFlags(['--kubelet-insecure-tls', '--kubelet-certificate-authority=/x'])).toThrow('cannot use both');
    expect(parseMetricsServerFlags(['--kubelet-preferred-address-types=InternalIP,Hostname', '--metric-resolution=10s']).cfg).toMatchObject({ preferredAddressTypes: ['InternalIP', 'Hostname'], metricResolutionMs: 10000 });
  });
});
