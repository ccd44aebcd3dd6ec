/**
 * The kubelet with real containerd, CNI (bridge + host-local + loopback), a real API server over real
 * etcd, and the real kubectl: registration, an nginx pod Running with an IP from the node's podCIDR,
 * `kubectl logs`, `kubectl exec` (output and exit code), restart adoption, graceful delete.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL, api, kubectl } from '../../support/apiserver.js';
import { waitFor } from '../../support/net.js';
import { request as httpsRequest } from 'node:https';
import { createCertificate } from '../../../api/tls/certs.js';
import { HOST_IP, NODE, NODE_IP, POD_CIDR, PREFIX, startCluster, type Cluster } from './cluster.js';

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

describe.each(['containerd', 'docker'] as const)('kubelet on %s', (runtime) => {
  beforeAll(async () => {
    c = await startCluster(runtime);
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
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(runtime === 'containerd' ? /^containerd:\/\/1\./ : /^docker:\/\/20\./);
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
    expect(cs.containerID).toMatch(new RegExp(`^${runtime}://[0-9a-f]{64}$`));
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

  it('kubectl exec -it gets a terminal (tty) and its exit code', async () => {
    // `script` gives kubectl a pseudo-terminal, as a user's shell would.
    const cmd = `${KUBECTL} --kubeconfig ${c.api.kubeconfig} exec -it web -- sh -c 'tty; stty size; exit 3'`;
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      const p = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, HOME: c.api.dir, COLUMNS: '100', LINES: '30' } });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (out += d.toString()));
      p.stdin.end();
      p.on('close', (code) => resolve({ code: code ?? -1, out }));
    });
    expect(r.out).toMatch(/\/dev\/pts\/\d+/);
    expect(r.code, r.out).toBe(3);
  });

  it.each([
    ['WebSocket-tunnelled SPDY (kubectl 1.32 default)', 'true'],
    ['plain SPDY/3.1 upgrade (the fallback)', 'false'],
  ])('kubectl port-forward reaches nginx through the kubelet: %s', async (_what, ws) => {
    const pf = spawn(KUBECTL, ['--kubeconfig', c.api.kubeconfig, 'port-forward', 'pod/web', ':80'], { env: { ...process.env, HOME: c.api.dir, KUBECTL_PORT_FORWARD_WEBSOCKETS: ws } });
    let out = '';
    pf.stdout.on('data', (d: Buffer) => (out += d.toString()));
    pf.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(() => /Forwarding from 127\.0\.0\.1:\d+/.test(out), 20_000, `port-forward to listen (${out})`);
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(out)![1]);
      for (let i = 0; i < 2; i++) {
        const body = await new Promise<string>((resolve, reject) => {
          request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
            let b = '';
            res.on('data', (d: Buffer) => (b += d.toString()));
            res.on('end', () => resolve(b));
          }).on('error', reject).end();
        });
        expect(body).toMatch(/nginx/i);
      }
    } finally {
      pf.kill('SIGKILL');
    }
  });

  it('the kubelet API refuses clients without the API server\'s certificate', async () => {
    const get = (opts: { cert?: string; key?: string }) =>
      new Promise<number>((resolve, reject) => {
        httpsRequest({ host: NODE_IP, port: 10250, path: '/containerLogs/default/web/nginx', ca: c.ca.certPem, ...opts, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject).end();
      });
    // The kubelet listens in the node's netns; the test reaches it over the veth from the host.
    expect(await get({})).toBe(401);
    const nodeCert = createCertificate({ ca: c.ca, commonName: `system:node:${NODE}`, organizations: ['system:nodes'], clientAuth: true });
    expect(await get({ cert: nodeCert.certPem, key: nodeCert.keyPem })).toBe(403);
  });

  it('keeps a route to every other node\'s podCIDR via its InternalIP', async () => {
    const other = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'test-kubelet-other' }, spec: { podCIDR: '10.213.2.0/24' } };
    expect((await api(c.api, 'POST', '/api/v1/nodes', other)).status).toBe(201);
    const st = await api(c.api, 'PATCH', '/api/v1/nodes/test-kubelet-other/status', { status: { addresses: [{ type: 'InternalIP', address: HOST_IP }] } }, { contentType: 'application/merge-patch+json' });
    expect(st.status).toBe(200);
    await waitFor(() => c.inNode(['ip', 'route', 'show', '10.213.2.0/24']).includes(`via ${HOST_IP}`), 15_000, 'the route to the other node');
    expect((await api(c.api, 'DELETE', '/api/v1/nodes/test-kubelet-other')).status).toBe(200);
    await waitFor(() => c.inNode(['ip', 'route', 'show', '10.213.2.0/24']).trim() === '', 15_000, 'the route to go');
  });

  it('a failing liveness probe restarts the container', async () => {
    const manifest = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'live', namespace: 'default' },
      spec: {
        nodeName: NODE, terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'touch /tmp/ok; exec sleep 3600'], livenessProbe: { exec: { command: ['cat', '/tmp/ok'] }, periodSeconds: 1, failureThreshold: 1 } }],
      },
    };
    expect((await api(c.api, 'POST', '/api/v1/namespaces/default/pods', manifest)).status).toBe(201);
    await waitFor(async () => (await pod('live'))?.status?.containerStatuses?.[0]?.state?.running, 60_000, 'pod live to run');
    await new Promise((r) => setTimeout(r, 1500));
    const rm = await kubectl(c.api, ['exec', 'live', '--', 'rm', '/tmp/ok']);
    expect(rm.code, rm.stderr).toBe(0);
    await waitFor(async () => (await pod('live'))?.status?.containerStatuses?.[0]?.restartCount >= 1, 30_000, 'a restart');
    const ev = (await api(c.api, 'GET', '/api/v1/namespaces/default/events')).json().items.map((e: any) => `${e.reason}: ${e.message}`);
    expect(ev.some((m: string) => m.startsWith('Unhealthy: Liveness probe failed'))).toBe(true);
    expect(ev).toContain('Killing: Container c failed liveness probe, will be restarted');
  });

  it('a container over its memory limit is OOMKilled', async () => {
    const manifest = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'oom', namespace: 'default' },
      spec: { nodeName: NODE, restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['tail', '/dev/zero'], resources: { limits: { memory: '16Mi' } } }] },
    };
    expect((await api(c.api, 'POST', '/api/v1/namespaces/default/pods', manifest)).status).toBe(201);
    await waitFor(async () => (await pod('oom'))?.status?.phase === 'Failed', 60_000, 'pod oom to fail');
    expect((await pod('oom')).status.containerStatuses[0].state.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
  });

  it('a volume naming a missing ConfigMap waits with an event and starts once it exists', async () => {
    const manifest = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cfg', namespace: 'default' },
      spec: { nodeName: NODE, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo "$(cat /cfg/greeting)"; exec sleep 3600'], volumeMounts: [{ name: 'v', mountPath: '/cfg' }] }], volumes: [{ name: 'v', configMap: { name: 'late' } }] },
    };
    expect((await api(c.api, 'POST', '/api/v1/namespaces/default/pods', manifest)).status).toBe(201);
    await waitFor(async () => (await api(c.api, 'GET', '/api/v1/namespaces/default/events')).json().items.some((e: any) => e.reason === 'FailedMount' && e.message.includes('configmap "late" not found')), 30_000, 'the FailedMount event');
    // The event and the status are two writes: the status may land a moment after the event.
    await waitFor(async () => (await pod('cfg'))?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ContainerCreating', 10_000, 'pod cfg to wait in ContainerCreating');
    expect((await pod('cfg')).status.phase).toBe('Pending');
    expect((await api(c.api, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' }, data: { greeting: 'hello-from-configmap' } })).status).toBe(201);
    await waitFor(async () => (await pod('cfg'))?.status?.phase === 'Running', 30_000, 'pod cfg to run');
    await waitFor(async () => (await kubectl(c.api, ['logs', 'cfg'])).stdout.includes('hello-from-configmap'), 10_000, 'the file in the log');
  });

  it('an image that does not exist: ErrImagePull, then ImagePullBackOff', async () => {
    const manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'noimg', namespace: 'default' }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'doesnotexist:1' }] } };
    expect((await api(c.api, 'POST', '/api/v1/namespaces/default/pods', manifest)).status).toBe(201);
    const seen = new Set<string>();
    await waitFor(async () => {
      const r = (await pod('noimg'))?.status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (r) seen.add(r);
      return seen.has('ErrImagePull') && seen.has('ImagePullBackOff');
    }, 40_000, 'ErrImagePull then ImagePullBackOff', 50).finally(async () => {
      if (process.env.KL_DEBUG) console.log((await api(c.api, 'GET', '/api/v1/namespaces/default/events')).json().items.filter((e: any) => e.involvedObject.name === 'noimg').map((e: any) => `${e.firstTimestamp} ${e.lastTimestamp} ${e.count} ${e.reason}: ${e.message}`).join('\n'), [...seen]);
    });
    expect((await pod('web')).status.phase).toBe('Running');
  });

  it('a command that does not exist: the runtime\'s error in the container status and an event', async () => {
    const manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nocmd', namespace: 'default' }, spec: { nodeName: NODE, restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['does-not-exist'] }] } };
    expect((await api(c.api, 'POST', '/api/v1/namespaces/default/pods', manifest)).status).toBe(201);
    await waitFor(async () => (await pod('nocmd'))?.status?.phase === 'Failed', 60_000, 'pod nocmd to fail');
    const t = (await pod('nocmd')).status.containerStatuses[0].state.terminated;
    expect(t.message).toMatch(/does-not-exist/);
    expect(t.exitCode).not.toBe(0);
    const ev = (await api(c.api, 'GET', '/api/v1/namespaces/default/events')).json().items;
    expect(ev.some((e: any) => e.involvedObject.name === 'nocmd' && e.reason === 'Failed' && /does-not-exist/.test(e.message))).toBe(true);
  });

  it('kubectl logs -f follows new lines', async () => {
    const ip = (await pod('web')).status.podIP;
    const f = spawn(KUBECTL, ['--kubeconfig', c.api.kubeconfig, 'logs', '-f', '--tail=0', 'web'], { env: { ...process.env, HOME: c.api.dir } });
    let out = '';
    f.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      // A request a second until one shows: --tail=0 shows only lines logged after the stream opened.
      await waitFor(() => {
        if (out.includes('/followed-path')) return true;
        c.inNode(['curl', '-s', '--max-time', '5', `http://${ip}/followed-path`]);
        return false;
      }, 20_000, 'the followed line', 1000);
    } finally {
      f.kill('SIGKILL');
    }
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
    // With Docker the CRI log is copied from dockerd's json log by a detached copier: allow it a moment.
    let prev = '';
    await waitFor(async () => (prev = (await kubectl(c.api, ['logs', 'crash', '--previous'])).stdout).includes('dying'), 10_000, `--previous logs (last: ${JSON.stringify(prev)})`);
    expect(prev).toContain('dying');
    // While it waits in CrashLoopBackOff, plain `kubectl logs` shows the last run too (as upstream).
    let cur = '';
    await waitFor(async () => (cur = (await kubectl(c.api, ['logs', 'crash'])).stdout).includes('dying'), 10_000, `logs (last: ${JSON.stringify(cur)})`);
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
