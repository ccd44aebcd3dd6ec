/**
 * Native sidecar containers (KEP-753) with a real kubelet and a real runtime (containerd, then Docker): the order
 * in which a pod's containers stop when it is deleted (app containers first, then the sidecars in reverse order),
 * each container recording its SIGTERM into a hostPath file, and a restartPolicy Never pod whose app finished:
 * its sidecar is stopped by the kubelet and the pod turns Succeeded.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../support/apiserver.js';
import { waitFor } from '../../support/net.js';
import { NODE, POD_CIDR, startCluster, type Cluster } from './cluster.js';

let c: Cluster;
let dir: string;

async function getPod(name: string): Promise<any> {
  const r = await api(c.api, 'GET', `/api/v1/namespaces/default/pods/${name}`);
  return r.status === 200 ? r.json() : undefined;
}

/** A container that appends its name to /out/order on SIGTERM and exits. */
const recorder = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  image: 'busybox',
  command: ['sh', '-c', `trap 'echo ${name} >> /out/order; exit 0' TERM; while true; do sleep 0.2; done`],
  volumeMounts: [{ name: 'out', mountPath: '/out' }],
  ...extra,
});

describe.each(['containerd', 'docker'] as const)('sidecar containers on %s', (runtime) => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelab-test-kubelet-sidecars-'));
    c = await startCluster(runtime);
    await c.startKubelet();
    await waitFor(async () => (await api(c.api, 'GET', `/api/v1/nodes/${NODE}`)).status === 200, 20_000, 'the node');
    const r = await api(c.api, 'PATCH', `/api/v1/nodes/${NODE}`, { spec: { podCIDR: POD_CIDR, podCIDRs: [POD_CIDR] } }, { contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(200);
  }, 300_000);

  afterAll(async () => {
    if (process.env.KL_DEBUG) console.log(c?.kubeletLog().slice(-20000));
    await c?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('a deleted pod stops its app containers first, then its sidecars in reverse order, within the grace period', async () => {
    const out = join(dir, `order-${runtime}`);
    const manifest = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ordered', namespace: 'default' },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 20,
        volumes: [{ name: 'out', hostPath: { path: out, type: 'DirectoryOrCreate' } }],
        initContainers: [recorder('first', { restartPolicy: 'Always' }), recorder('second', { restartPolicy: 'Always' })],
        containers: [recorder('app')],
      },
    };
    const r = await api(c.api, 'POST', '/api/v1/namespaces/default/pods', manifest);
    expect(r.status, r.body).toBe(201);
    await waitFor(async () => (await getPod('ordered'))?.status?.conditions?.find((x: any) => x.type === 'Ready')?.status === 'True', 90_000, 'pod ordered Ready');
    const p = await getPod('ordered');
    expect(p.status.initContainerStatuses.map((s: any) => [s.name, s.started, s.ready])).toEqual([['first', true, true], ['second', true, true]]);
    const t0 = Date.now();
    const d = await api(c.api, 'DELETE', '/api/v1/namespaces/default/pods/ordered');
    expect(d.status).toBe(200);
    await waitFor(async () => (await getPod('ordered')) === undefined, 60_000, 'pod ordered gone');
    expect(readFileSync(join(out, 'order'), 'utf8')).toBe('app\nsecond\nfirst\n');
    expect(Date.now() - t0).toBeLessThan(20_000);
  }, 180_000);

  it('a restartPolicy Never pod whose app finished: the kubelet stops the sidecar, the pod is Succeeded', async () => {
    const manifest = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'once', namespace: 'default' },
      spec: {
        nodeName: NODE,
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 10,
        volumes: [{ name: 'out', hostPath: { path: join(dir, `once-${runtime}`), type: 'DirectoryOrCreate' } }],
        initContainers: [recorder('helper', { restartPolicy: 'Always' })],
        containers: [{ name: 'work', image: 'busybox', command: ['sh', '-c', 'sleep 1; echo done'] }],
      },
    };
    const r = await api(c.api, 'POST', '/api/v1/namespaces/default/pods', manifest);
    expect(r.status, r.body).toBe(201);
    await waitFor(async () => (await getPod('once'))?.status?.phase === 'Succeeded', 90_000, 'pod once Succeeded');
    const p = await getPod('once');
    expect(p.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(p.status.initContainerStatuses[0]).toMatchObject({ name: 'helper', restartCount: 0, ready: false, started: false, state: { terminated: { exitCode: 0 } } });
    expect(readFileSync(join(dir, `once-${runtime}`, 'order'), 'utf8')).toBe('helper\n');
    expect(p.status.conditions.find((x: any) => x.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    await api(c.api, 'DELETE', '/api/v1/namespaces/default/pods/once');
    await waitFor(async () => (await getPod('once')) === undefined, 60_000, 'pod once gone');
  }, 180_000);
});
