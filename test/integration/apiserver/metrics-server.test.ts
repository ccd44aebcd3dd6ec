/**
 * metrics-server against a real API server (over a real etcd) and two kubelet API servers on loopback (the real
 * KubeletServer with a fake runtime and fake cgroup files): the scraper authenticates to the kubelets with its
 * ServiceAccount token (TokenReview + SubjectAccessReview on nodes/metrics in the kubelet), the storage rates CPU
 * between two scrapes, and the HTTPS API answers metrics.k8s.io to a bearer token, a front proxy certificate with
 * X-Remote-User, and refuses anonymous and unbound users with upstream's Status.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as netConnect } from 'node:net';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, kubectl, kubectlOk, startApiServer, type ApiHandle } from '../../support/apiserver.js';
import { poll } from '../../support/net.js';
import { requestHeaderConfig } from '../../../control-plane/apiserver/requestheader.js';
import { createCA, createCertificate, type KeyPairPem } from '../../../api/tls/certs.js';
import { buildKubeconfig } from '../../../api/tls/kubeconfig.js';
import { KubeClient } from '../../../api/client/api-client.js';
import { consoleLogger } from '../../../api/client/log.js';
import { DelegatedAuth } from '../../../api/client/delegated-auth.js';
import { KubeletServer } from '../../../node-agent/kubelet/server.js';
import { StatsCollector } from '../../../node-agent/kubelet/stats-collector.js';
import { parseMetricsServerFlags, startMetricsServer, type RunningMetricsServer } from '../../../addons/metrics-server/main.js';
import { LABELS, type ContainerRuntime, type ContainerStatus } from '../../../node-agent/runtime/runtime.js';

const kubeletCA = createCA('kubelet-ca');
const frontProxyCA = createCA('front-proxy-ca');
const frontProxyClient = createCertificate({ ca: frontProxyCA, commonName: 'front-proxy-client', clientAuth: true });
let etcd: EtcdHandle | undefined;
const s = { h: undefined as unknown as ApiHandle };
const dir = mkdtempSync(join(tmpdir(), 'kubelab-metrics-server-'));

interface FakeNode {
  name: string;
  server: KubeletServer;
  calls: number;
}
const nodes: FakeNode[] = [];
let ms: RunningMetricsServer | undefined;
let msPort = 0;
let readerToken = '';
let nobodyToken = '';
let msToken = '';

/** cgroup and /proc files whose counters move on each read: 10 s later, +0.5 s CPU per container, +1 s node CPU. */
function fakeFiles(node: FakeNode, perPodMem: number): (path: string) => string | undefined {
  return (path) => {
    const n = node.calls;
    if (path === '/proc/stat') return `cpu  ${100 * n} 0 0 1000 0 0 0 0 0 0\nbtime 1700000000\n`;
    if (path === '/proc/meminfo') return 'MemTotal: 4096 kB\nMemFree: 1024 kB\nInactive(file): 1024 kB\n';
    if (path === '/proc/self/mountinfo') return '33 31 0:30 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n';
    const pid = /^\/proc\/(\d+)\/cgroup$/.exec(path);
    if (pid) return `3:cpuacct:/k/${pid[1]}\n2:memory:/k/${pid[1]}\n`;
    if (path.endsWith('/cpuacct.usage')) return String(n * 500_000_000);
    if (path.endsWith('/memory.usage_in_bytes')) return String(perPodMem + 4096);
    if (path.endsWith('/memory.stat')) return 'total_inactive_file 4096\n';
    return undefined;
  };
}

async function startFakeKubelet(name: string, pod: string, pid: number, client: KubeClient): Promise<FakeNode> {
  // the runtime as the stats see it: one running container of the pod, with a PID (only listContainers is used)
  const container: ContainerStatus = {
    id: `c-${pod}`, name: `k8s_app_${pod}`, image: 'busybox', imageId: 'sha256:x', state: 'running', createdAt: new Date(), startedAt: new Date(), pid,
    labels: { [LABELS.podUid]: `uid-${pod}`, [LABELS.podName]: pod, [LABELS.podNamespace]: 'default', [LABELS.containerName]: 'app' },
  };
  const rt = { listContainers: async () => [container] } as unknown as ContainerRuntime;
  const serving: KeyPairPem = createCertificate({ ca: kubeletCA, commonName: name, ipAddresses: ['127.0.0.1'], serverAuth: true });
  const node: FakeNode = { name, server: undefined as unknown as KubeletServer, calls: 0 };
  const base = Date.now(); // after the containers' start times
  const stats = new StatsCollector({
    runtime: rt,
    nodeName: name,
    pods: () => [],
    readFile: fakeFiles(node, pid * 1024 * 1024),
    now: () => new Date(base + ++node.calls * 10_000),
  });
  node.server = new KubeletServer({
    address: '127.0.0.1', port: 0, certPem: serving.certPem, keyPem: serving.keyPem, clientCAPem: kubeletCA.certPem,
    runtime: rt, pod: () => undefined, pods: () => [], log: consoleLogger('kubelet-test'), stats,
    delegation: { nodeName: name, reviews: new DelegatedAuth(client), tokenWebhook: true, authorizationMode: 'Webhook' },
  });
  await node.server.start();
  return node;
}

function https(port: number, path: string, o: { token?: string; cert?: KeyPairPem; headers?: Record<string, string>; ca?: string } = {}): Promise<{ status: number; body: string; json: () => any }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path, method: 'GET', rejectUnauthorized: !!o.ca, ...(o.ca ? { ca: o.ca } : {}),
      ...(o.cert ? { cert: o.cert.certPem, key: o.cert.keyPem } : {}),
      headers: { ...(o.token ? { Authorization: `Bearer ${o.token}` } : {}), ...(o.headers ?? {}) },
    }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const RBAC = `
apiVersion: v1
kind: ServiceAccount
metadata: {name: metrics-server, namespace: kube-system}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: reader, namespace: default}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: nobody, namespace: default}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:metrics-server"}
rules:
- {apiGroups: [""], resources: [nodes/metrics], verbs: [get]}
- {apiGroups: [""], resources: [pods, nodes], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:metrics-server"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:metrics-server"}
subjects: [{kind: ServiceAccount, name: metrics-server, namespace: kube-system}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "test-metrics-auth-delegator"}
rules:
- {apiGroups: [authentication.k8s.io], resources: [tokenreviews], verbs: [create]}
- {apiGroups: [authorization.k8s.io], resources: [subjectaccessreviews], verbs: [create]}
- {apiGroups: [""], resources: [configmaps], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "test-metrics-auth-delegator"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "test-metrics-auth-delegator"}
subjects: [{kind: ServiceAccount, name: metrics-server, namespace: kube-system}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:aggregated-metrics-reader"}
rules:
- {apiGroups: [metrics.k8s.io], resources: [pods, nodes], verbs: [get, list, watch]}
- {nonResourceURLs: ["/apis", "/apis/*"], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "test-metrics-reader"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:aggregated-metrics-reader"}
subjects: [{kind: ServiceAccount, name: reader, namespace: default}]
`;

beforeAll(async () => {
  etcd = await startEtcd();
  // an API server with the aggregation layer: its front proxy certificate and requestheader settings; every
  // address it dials for an APIService is the metrics server on loopback
  s.h = await startApiServer(etcd, {
    authn: {
      requestHeader: requestHeaderConfig({
        clientCAPem: frontProxyCA.certPem, allowedNames: ['front-proxy-client'], usernameHeaders: ['X-Remote-User'],
        groupHeaders: ['X-Remote-Group'], extraHeaderPrefixes: ['X-Remote-Extra-'],
      })!,
    },
    extra: {
      proxyDialer: () => netConnect({ host: '127.0.0.1', port: msPort }),
      aggregator: { proxyClientCertPem: frontProxyClient.certPem, proxyClientKeyPem: frontProxyClient.keyPem, enableAggregatorRouting: true, resyncMs: 1000, probeTimeoutMs: 2000 },
    },
  });
  await kubectlOk(s.h, ['apply', '-f', '-'], RBAC);
  const token = async (ns: string, sa: string) => (await kubectlOk(s.h, ['-n', ns, 'create', 'token', sa, '--duration=1h'])).trim();
  msToken = await token('kube-system', 'metrics-server');
  readerToken = await token('default', 'reader');
  nobodyToken = await token('default', 'nobody');
  // the kubelets ask the API server's reviews as their node would (system:nodes may create both)
  const nodeClient = new KubeClient({ server: s.h.url, caData: s.h.caPem, token: 'nodetoken-node01' });
  nodes.push(await startFakeKubelet('node01', 'web', 11, nodeClient), await startFakeKubelet('node02', 'db', 22, nodeClient));
  for (const n of nodes) {
    const port = n.server.address!.port;
    const r = await api(s.h, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name, labels: { tier: n.name === 'node01' ? 'a' : 'b' } } });
    expect(r.status, r.body).toBe(201);
    const st = await api(s.h, 'PATCH', `/api/v1/nodes/${n.name}/status`, { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: n.name }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } }, { contentType: 'application/merge-patch+json' });
    expect(st.status, st.body).toBe(200);
  }
  for (const [name, node] of [['web', 'node01'], ['db', 'node02']] as const) {
    const r = await api(s.h, 'POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } }, spec: { nodeName: node, containers: [{ name: 'app', image: 'busybox' }] } });
    expect(r.status, r.body).toBe(201);
    const st = await api(s.h, 'PATCH', `/api/v1/namespaces/default/pods/${name}/status`, { status: { phase: 'Running' } }, { contentType: 'application/merge-patch+json' });
    expect(st.status, st.body).toBe(200);
  }
  // the ConfigMap an aggregating API server keeps: here only the requestheader part the test needs
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extension-apiserver-authentication', namespace: 'kube-system' }, data: {
    'requestheader-client-ca-file': frontProxyCA.certPem,
    'requestheader-allowed-names': '["front-proxy-client"]',
    'requestheader-username-headers': '["X-Remote-User"]',
    'requestheader-group-headers': '["X-Remote-Group"]',
    'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
  } };
  const put = await api(s.h, 'PATCH', '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication', { data: cm.data }, { contentType: 'application/merge-patch+json' });
  if (put.status === 404) expect((await api(s.h, 'POST', '/api/v1/namespaces/kube-system/configmaps', cm)).status).toBe(201);
  else expect(put.status, put.body).toBe(200);

  const kubeconfig = join(dir, 'metrics-server.conf');
  writeFileSync(kubeconfig, buildKubeconfig({ clusterName: 'kubelab', server: s.h.url, caPem: s.h.caPem, user: 'metrics-server', token: msToken }));
  const caFile = join(dir, 'kubelet-ca.crt');
  writeFileSync(caFile, kubeletCA.certPem);
  const { cfg } = parseMetricsServerFlags([
    `--kubeconfig=${kubeconfig}`, '--bind-address=127.0.0.1', '--kubelet-use-node-status-port',
    '--kubelet-preferred-address-types=InternalIP', `--kubelet-certificate-authority=${caFile}`, '--metric-resolution=60s',
  ]);
  cfg.securePort = 0; // any free port (the flag itself must be 1-65535, as upstream)
  ms = await startMetricsServer(cfg);
  msPort = ms.server.address!.port;
}, 60_000);

afterAll(async () => {
  await ms?.stop();
  for (const n of nodes) await n.server.stop();
  await s.h?.stop();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('kubelet /metrics/resource behind delegated auth', () => {
  it('no credentials: 401; a token without nodes/metrics: 403 with upstream wording; the metrics-server SA: 200', async () => {
    const port = nodes[0]!.server.address!.port;
    expect((await https(port, '/metrics/resource')).status).toBe(401);
    const denied = await https(port, '/metrics/resource', { token: nobodyToken });
    expect(denied.status).toBe(403);
    expect(denied.body).toBe('Forbidden (user=system:serviceaccount:default:nobody, verb=get, resource=nodes, subresource=metrics)');
    const stats = await https(port, '/stats/summary', { token: nobodyToken });
    expect(stats.body).toContain('subresource=stats');
    expect((await https(port, '/metrics/resource', { token: 'not-a-token' })).status).toBe(401);
    const ok = await https(port, '/metrics/resource', { token: msToken });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/^container_cpu_usage_seconds_total\{container="app",namespace="default",pod="web"\} [\d.e+]+ \d+$/m);
  });
});

describe('metrics-server', () => {
  it('scrapes both kubelets, rates CPU over two points, serves NodeMetrics and PodMetrics', async () => {
    await ms!.tick();
    await ms!.tick();
    const r = await https(msPort, '/apis/metrics.k8s.io/v1beta1/nodes', { token: readerToken });
    expect(r.status, r.body).toBe(200);
    const list = r.json();
    expect(list.kind).toBe('NodeMetricsList');
    expect(list.items.map((i: any) => i.metadata.name)).toEqual(['node01', 'node02']);
    // /proc/stat +100 ticks (1 s) per 10 s read: 100m; memory: 4 MiB total - 1 MiB free - 1 MiB inactive file
    expect(list.items[0]).toMatchObject({ kind: 'NodeMetrics', apiVersion: 'metrics.k8s.io/v1beta1', window: '10s', usage: { cpu: '100m', memory: '2Mi' }, metadata: { labels: { tier: 'a' } } });
    const pods = (await https(msPort, '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', { token: readerToken })).json();
    expect(pods.items.map((i: any) => i.metadata.name)).toEqual(['db', 'web']);
    // 0.5 s per 10 s: 50m; working set = usage - inactive file = pid MiB
    expect(pods.items[1]).toMatchObject({ kind: 'PodMetrics', metadata: { name: 'web', namespace: 'default' }, window: '10s', containers: [{ name: 'app', usage: { cpu: '50m', memory: '11Mi' } }] });
    const sel = (await https(msPort, '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Ddb', { token: readerToken })).json();
    expect(sel.items.map((i: any) => i.metadata.name)).toEqual(['db']);
    const one = await https(msPort, '/apis/metrics.k8s.io/v1beta1/nodes/node02', { token: readerToken });
    expect(one.json()).toMatchObject({ metadata: { name: 'node02' }, usage: { cpu: '100m' } });
    const missing = await https(msPort, '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope', { token: readerToken });
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'pods "nope" not found' });
    expect((await https(msPort, '/readyz')).status).toBe(200);
  });

  it('discovery documents', async () => {
    const rl = (await https(msPort, '/apis/metrics.k8s.io/v1beta1', { token: readerToken })).json();
    expect(rl).toMatchObject({ kind: 'APIResourceList', groupVersion: 'metrics.k8s.io/v1beta1' });
    expect(rl.resources.map((x: any) => `${x.name}:${x.kind}:${x.namespaced}`)).toEqual(['nodes:NodeMetrics:false', 'pods:PodMetrics:true']);
    expect((await https(msPort, '/apis', { token: readerToken })).json()).toMatchObject({ kind: 'APIGroupList', groups: [{ name: 'metrics.k8s.io' }] });
  });

  it('a front proxy certificate speaks for X-Remote-User; anonymous and unbound users get 403 Status', async () => {
    const asReader = await https(msPort, '/apis/metrics.k8s.io/v1beta1/nodes', { cert: frontProxyClient, headers: { 'X-Remote-User': 'system:serviceaccount:default:reader', 'X-Remote-Group': 'system:serviceaccounts' } });
    expect(asReader.status, asReader.body).toBe(200);
    const asNobody = await https(msPort, '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', { cert: frontProxyClient, headers: { 'X-Remote-User': 'system:serviceaccount:default:nobody' } });
    expect(asNobody.status).toBe(403);
    expect(asNobody.json()).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403, message: 'pods.metrics.k8s.io is forbidden: User "system:serviceaccount:default:nobody" cannot list resource "pods" in API group "metrics.k8s.io" in the namespace "default"' });
    // the same headers without the front proxy certificate are ignored: anonymous
    const forged = await https(msPort, '/apis/metrics.k8s.io/v1beta1/nodes', { headers: { 'X-Remote-User': 'system:serviceaccount:default:reader' } });
    expect(forged.status).toBe(403);
    expect(forged.json().message).toBe('nodes.metrics.k8s.io is forbidden: User "system:anonymous" cannot list resource "nodes" in API group "metrics.k8s.io" at the cluster scope');
    expect((await https(msPort, '/apis/metrics.k8s.io/v1beta1/nodes', { token: 'bogus' })).status).toBe(401);
  });
});

describe('kubectl top through the aggregation layer (APIService v1beta1.metrics.k8s.io)', () => {
  it('the APIService becomes Available; kubectl top nodes / pods / --containers and get --raw answer from metrics-server', async () => {
    const objs = `
apiVersion: v1
kind: Service
metadata: {name: metrics-server, namespace: kube-system}
spec: {ports: [{name: https, port: 443, targetPort: 10250}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: metrics-server, namespace: kube-system}
subsets: [{addresses: [{ip: 10.244.1.20}], ports: [{name: https, port: 10250}]}]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io}
spec: {group: metrics.k8s.io, version: v1beta1, groupPriorityMinimum: 100, versionPriority: 100, insecureSkipTLSVerify: true, service: {name: metrics-server, namespace: kube-system}}
`;
    await kubectlOk(s.h, ['apply', '-f', '-'], objs);
    await poll('APIService Available', 30_000, async () => (await kubectl(s.h, ['get', 'apiservice', 'v1beta1.metrics.k8s.io', '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}'])).stdout.trim() === 'True');
    await ms!.tick();
    const nodesOut = await kubectlOk(s.h, ['top', 'nodes']);
    expect(nodesOut.split('\n')[0]).toMatch(/^NAME\s+CPU\(cores\)\s+CPU(\(%\)|%)\s+MEMORY\(bytes\)\s+MEMORY(\(%\)|%)/);
    expect(nodesOut).toMatch(/^node01\s+100m\s/m);
    expect(nodesOut).toMatch(/^node02\s+100m\s/m);
    const podsOut = await kubectlOk(s.h, ['top', 'pods', '-n', 'default']);
    expect(podsOut).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    expect(podsOut).toMatch(/^web\s+50m\s+11Mi\s*$/m);
    expect(podsOut).toMatch(/^db\s+50m\s+22Mi\s*$/m);
    const containersOut = await kubectlOk(s.h, ['top', 'pod', 'web', '--containers']);
    expect(containersOut).toMatch(/^web\s+app\s+50m\s+11Mi\s*$/m);
    const all = await kubectlOk(s.h, ['top', 'pods', '-A', '-l', 'app=db']);
    expect(all).toMatch(/^default\s+db\s+50m\s+22Mi\s*$/m);
    const raw = JSON.parse(await kubectlOk(s.h, ['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes'])) as { kind: string; items: unknown[] };
    expect(raw.kind).toBe('NodeMetricsList');
    expect(raw.items).toHaveLength(2);
    const table = await kubectlOk(s.h, ['get', 'pods.metrics.k8s.io', '-n', 'default']);
    expect(table).toMatch(/^NAME\s+CPU\s+MEMORY\s+WINDOW/);
    expect(table).toMatch(/^web\s+50m\s+11Mi\s+10s/m);
    // a user without the aggregated reader role: the API server's RBAC refuses before the proxy
    const denied = await kubectl(s.h, ['top', 'nodes', '--token', nobodyToken]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('nodes.metrics.k8s.io is forbidden: User "system:serviceaccount:default:nobody" cannot list resource "nodes" in API group "metrics.k8s.io" at the cluster scope');
  }, 60_000);
});
