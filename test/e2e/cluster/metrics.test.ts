/**
 * Resource metrics on the lab (issue 13), with the real kubectl: `scripts/lab up` installs metrics-server as
 * upstream's components.yaml does (scripts/lab.d/metrics-server.yaml: RBAC, Deployment on the kubelab/kubelab image,
 * Service, APIService v1beta1.metrics.k8s.io); it scrapes each kubelet's /metrics/resource with its ServiceAccount
 * token (the kubelets check it with a TokenReview and a SubjectAccessReview on nodes/metrics) and is served through
 * the API server's aggregation layer. `kubectl top nodes`, `kubectl top pods -A`, `kubectl top pod --containers`
 * show real cgroup figures: a pod spinning on a CPU limit of 200m shows about 200m.
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLab, E2E_LAB_DIR, kubelabBin, Lab, repo, show, sleep, waitFor } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');

const WORKLOADS = `
apiVersion: v1
kind: Pod
metadata: {name: burner, namespace: default, labels: {app: burner}}
spec:
  terminationGracePeriodSeconds: 0
  containers:
    - name: spin
      image: busybox
      command: [sh, -c, 'while :; do :; done']
      resources:
        requests: {cpu: 100m, memory: 16Mi}
        limits: {cpu: 200m, memory: 64Mi}
    - name: idle
      image: busybox
      command: [sleep, '3600']
`;

/** `kubectl top` rows as {name: [columns...]} (header dropped). */
function rows(out: string): Map<string, string[]> {
  const lines = out.trim().split('\n');
  return new Map(lines.slice(1).map((l) => l.trim().split(/\s+/)).map((f) => [f[0]!, f.slice(1)]));
}

/** `123m` / `1` cores in millicores. */
const milli = (v: string) => (v.endsWith('m') ? Number(v.slice(0, -1)) : Number(v) * 1000);

describe('resource metrics on the lab (containerd): metrics-server, kubectl top', () => {
  let lab: Lab;
  const labDir = E2E_LAB_DIR;

  beforeAll(async () => {
    await assertNoLab(labDir);
    lab = new Lab(labDir, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  it('scripts/lab up installs metrics-server: the Deployment is Available and the APIService too', async () => {
    const r = await lab.up('containerd');
    expect(r.code, show(r)).toBe(0);
    const dep = await lab.json<{ status: { availableReplicas?: number } }>('-n', 'kube-system', 'get', 'deployment', 'metrics-server');
    expect(dep.status.availableReplicas).toBe(1);
    await waitFor('APIService v1beta1.metrics.k8s.io Available', 60_000, async () => {
      const r2 = await lab.kubectl(['get', 'apiservice', 'v1beta1.metrics.k8s.io', '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}']);
      return r2.stdout.trim() === 'True';
    }, 1000);
    const api = await lab.kc('get', 'apiservice', 'v1beta1.metrics.k8s.io');
    expect(api).toMatch(/v1beta1\.metrics\.k8s\.io\s+kube-system\/metrics-server\s+True/);
  }, 600_000);

  it('kubectl top nodes: every node with CPU and memory', async () => {
    const { value: out } = await waitFor('kubectl top nodes', 90_000, async () => {
      const r = await lab.kubectl(['top', 'nodes']);
      return r.code === 0 && rows(r.stdout).size === 3 ? r.stdout : undefined;
    }, 2000);
    console.log(out);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+CPU\(cores\)\s+CPU(\(%\)|%)\s+MEMORY\(bytes\)\s+MEMORY(\(%\)|%)\s*$/);
    const t = rows(out);
    expect([...t.keys()].sort()).toEqual(['controlplane01', 'node01', 'node02']);
    for (const [, cols] of t) {
      expect(cols[0]).toMatch(/^\d+m?$/);
      expect(cols[2]).toMatch(/^\d+Mi$/);
    }
    const raw = JSON.parse(await lab.kc('get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes')) as { kind: string; items: { metadata: { name: string }; usage: { cpu: string; memory: string }; window: string }[] };
    expect(raw.kind).toBe('NodeMetricsList');
    expect(raw.items.map((i) => i.metadata.name).sort()).toEqual(['controlplane01', 'node01', 'node02']);
    expect(raw.items[0]!.window).toMatch(/^\d+(\.\d+)?s$/);
  }, 120_000);

  it('a CPU burner limited to 200m shows about 200m; --containers splits it; top pods -A lists the add-ons', async () => {
    await lab.apply(WORKLOADS);
    await lab.kc('wait', '--for=condition=Ready', 'pod/burner', '--timeout=120s');
    // two scrapes after the pod is running, then a rate over a full window of spinning
    const { value: out } = await waitFor('burner at about its 200m limit', 120_000, async () => {
      const r = await lab.kubectl(['top', 'pod', 'burner', '--containers']);
      if (r.code !== 0) return undefined;
      const spin = r.stdout.split('\n').find((l) => /^burner\s+spin\s/.test(l.trim()));
      if (!spin) return undefined;
      const cpu = milli(spin.trim().split(/\s+/)[2]!);
      return cpu >= 140 ? r.stdout : undefined;
    }, 3000);
    console.log(out);
    expect(out.split('\n')[0]).toMatch(/^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*$/);
    const lines = out.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    const spin = lines.find((f) => f[1] === 'spin')!;
    const idle = lines.find((f) => f[1] === 'idle')!;
    expect(milli(spin[2]!)).toBeGreaterThanOrEqual(140);
    expect(milli(spin[2]!)).toBeLessThanOrEqual(260);
    expect(milli(idle[2]!)).toBeLessThan(20);
    expect(idle[3]).toMatch(/^\d+Mi$/);

    const all = await lab.kc('top', 'pods', '-A');
    console.log(all);
    expect(all.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*$/);
    expect(all).toMatch(/^kube-system\s+coredns-\S+\s+\d+m\s+\d+Mi\s*$/m);
    expect(all).toMatch(/^kube-system\s+metrics-server-\S+\s+\d+m\s+\d+Mi\s*$/m);
    expect(all).toMatch(/^default\s+burner\s+\d+m\s+\d+Mi\s*$/m);

    const sel = await lab.kc('top', 'pods', '-l', 'app=burner');
    expect([...rows(sel).keys()]).toEqual(['burner']);
    const pm = JSON.parse(await lab.kc('get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/burner')) as { kind: string; containers: { name: string }[] };
    expect(pm.kind).toBe('PodMetrics');
    expect(pm.containers.map((c) => c.name)).toEqual(['idle', 'spin']);
    await lab.kc('delete', 'pod', 'burner', '--wait=false');
    await sleep(100);
  }, 300_000);
});
