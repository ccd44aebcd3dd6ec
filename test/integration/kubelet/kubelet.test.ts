/**
 * The kubelet with real containerd, CNI (bridge + host-local + loopback), a real API server over real
 * etcd, and the real kubectl: registration, an nginx pod Running with an IP from the node's podCIDR,
 * `kubectl logs`, `kubectl exec` (output and exit code), restart adoption, graceful delete.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, kubectl } from '../../support/apiserver.js';
import { waitFor } from '../../support/net.js';
import { NODE, NODE_IP, POD_CIDR, PREFIX, startCluster, type Cluster } from './cluster.js';

let c: Cluster;

async function pod(name: string): Promise<any> {
  const r = await api(c.api, 'GET', `/api/v1/namespaces/default/pods/${name}`);
  return r.status === 200 ? r.json() : undefined;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, len] = cidr.split('/');
  const n = (s: string) => s.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const mask = (~0 << (32 - Number(len))) >>> 0;
  return ((n(ip) & mask) >>> 0) === ((n(base!) & mask) >>> 0);
}

describe('kubelet on containerd', () => {
  beforeAll(async () => {
    c = await startCluster();
    await c.startKubelet();
  }, 300_000);

  afterAll(async () => {
    if (process.env.KL_DEBUG) console.log(c?.kubeletLog().slice(-20000));
    await c?.stop();
  }, 120_000);

  it('registers its Node with InternalIP, capacity, nodeInfo and a Lease, and turns Ready once it has a podCIDR', async () => {
    await waitFor(async () => (await api(c.api, 'GET', `/api/v1/nodes/${NODE}`)).status === 200, 20_000, 'the node');
    const node = (await api(c.api, 'GET', `/api/v1/nodes/${NODE}`)).json();
    expect(node.status.addresses).toContainEqual({ type: 'InternalIP', address: NODE_IP });
    expect(node.status.capacity.pods).toBe('110');
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\/1\./);
    expect(node.status.nodeInfo.kubeletVersion).toBe('v1.32.0-kubelab');
    expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBe(10250);
    const r = await api(c.api, 'PATCH', `/api/v1/nodes/${NODE}`, { spec: { podCIDR: POD_CIDR, podCIDRs: [POD_CIDR] } }, { contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(200);
    await waitFor(async () => {
      const n = (await api(c.api, 'GET', `/api/v1/nodes/${NODE}`)).json();
      return n.status.conditions.find((x: any) => x.type === 'Ready')?.status === 'True';
    }, 30_000, 'the node to be Ready');
    await waitFor(async () => (await api(c.api, 'GET', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`)).status === 200, 20_000, 'the lease');
    const lease = (await api(c.api, 'GET', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`)).json();
    expect(lease.spec.holderIdentity).toBe(NODE);
  });

  it('runs an nginx pod: Running, Ready, pod IP from the podCIDR, containerd:// container ID', async () => {
    const manifest = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: { nodeName: NODE, containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 1 } }] },
    };
    expect((await api(c.api, 'POST', '/api/v1/namespaces/default/pods', manifest)).status).toBe(201);
    await waitFor(async () => {
      const p = await pod('web');
      return p?.status?.phase === 'Running' && p.status.conditions?.find((x: any) => x.type === 'Ready')?.status === 'True';
    }, 90_000, 'pod web to be Running and Ready');
    const p = await pod('web');
    expect(inCidr(p.status.podIP, POD_CIDR)).toBe(true);
    expect(p.status.podIPs).toEqual([{ ip: p.status.podIP }]);
    expect(p.status.hostIP).toBe(NODE_IP);
    const cs = p.status.containerStatuses[0];
    expect(cs.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(cs.state.running.startedAt).toBeTruthy();
    expect(cs.ready).toBe(true);
    expect(cs.restartCount).toBe(0);
    expect(cs.imageID).toMatch(/@sha256:/);
    expect(existsSync(`/run/netns/${PREFIX}n1-${p.metadata.uid}`)).toBe(true);
    // nginx answers on the pod IP from the node
    const page = c.inNode(['curl', '-s', '--max-time', '5', `http://${p.status.podIP}/`]);
    expect(page).toMatch(/nginx/i);
  });

  it('kubectl logs shows the request; kubectl exec prints and returns exit codes', async () => {
    await waitFor(async () => (await kubectl(c.api, ['logs', 'web'])).stdout.includes('GET / HTTP/1.1'), 20_000, 'the access log line');
    const tail = await kubectl(c.api, ['logs', 'web', '--tail=1']);
    expect(tail.code).toBe(0);
    expect(tail.stdout.trim().split('\n')).toHaveLength(1);
    const v = await kubectl(c.api, ['exec', 'web', '--', 'nginx', '-v']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout + v.stderr).toMatch(/nginx version/);
    const seven = await kubectl(c.api, ['exec', 'web', '--', 'sh', '-c', 'exit 7']);
    expect(seven.code).toBe(7);
    const echo = await kubectl(c.api, ['exec', '-i', 'web', '--', 'cat'], { input: 'hello from stdin\n' });
    expect(echo.code, echo.stderr).toBe(0);
    expect(echo.stdout).toBe('hello from stdin\n');
  });

  it('a restarted kubelet adopts the running container (same ID and start time)', async () => {
    const before = (await pod('web')).status.containerStatuses[0];
    await c.killKubelet();
    await c.startKubelet();
    await new Promise((r) => setTimeout(r, 4000));
    const after = (await pod('web')).status.containerStatuses[0];
    expect(after.containerID).toBe(before.containerID);
    expect(after.state.running.startedAt).toBe(before.state.running.startedAt);
    expect(after.restartCount).toBe(0);
  });

  it('a container that exits 1 reaches CrashLoopBackOff with its exit code in lastState', async () => {
    const manifest = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'crash', namespace: 'default' },
      spec: { nodeName: NODE, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo dying; exit 1'] }] },
    };
    expect((await api(c.api, 'POST', '/api/v1/namespaces/default/pods', manifest)).status).toBe(201);
    await waitFor(async () => (await pod('crash'))?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff', 60_000, 'CrashLoopBackOff');
    const cs = (await pod('crash')).status.containerStatuses[0];
    expect(cs.lastState.terminated.exitCode).toBe(1);
    expect(cs.restartCount).toBeGreaterThanOrEqual(1);
    expect(cs.state.waiting.message).toMatch(/^back-off \d+s restarting failed container=c pod=crash_default/);
    const prev = await kubectl(c.api, ['logs', 'crash', '--previous']);
    expect(prev.stdout).toContain('dying');
  });

  it('kubectl delete pod stops the containers, removes the pod network and the pod object', async () => {
    const p = await pod('web');
    const t0 = Date.now();
    const r = await kubectl(c.api, ['delete', 'pod', 'web', '--timeout=60s']);
    expect(r.code, r.stderr).toBe(0);
    expect(await pod('web')).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(30_000);
    await waitFor(() => !existsSync(`/run/netns/${PREFIX}n1-${p.metadata.uid}`), 10_000, 'the pod netns to go');
  });
});
