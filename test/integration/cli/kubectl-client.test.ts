/**
 * Client behaviours of the real kubectl v1.32 that lean on the API server (issue 11): `kubectl diff`
 * (server-side dry run; exit 1 with a diff, 0 without), `kubectl wait` (--for=jsonpath, --for=delete,
 * --for=condition on a Deployment and a CRD), `kubectl events` (--for, --types), `kubectl get --watch-only`,
 * `kubectl get --chunk-size` (limit/continue), `kubectl apply --prune` and `kubectl get --raw /metrics`.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { KUBECTL, kubectl, kubectlOk, api, type ApiHandle } from '../../support/apiserver.js';
import { useApiServerOverEtcd } from '../../support/api-fixture.js';
import { waitFor } from '../../support/net.js';

let h: ApiHandle;
useApiServerOverEtcd((s) => {
  h = s.h;
});

/** A long-running kubectl (wait, get --watch-only): its output so far, and a way to end it. */
function background(args: string[]): { out: () => string; done: Promise<number>; stop: () => void } {
  const c = spawn(KUBECTL, ['--kubeconfig', h.kubeconfig, ...args], { env: { ...process.env, HOME: h.dir } });
  let out = '';
  c.stdout.on('data', (d: Buffer) => (out += d.toString()));
  c.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<number>((r) => c.on('close', (code) => r(code ?? -1)));
  return { out: () => out, done, stop: () => (c.exitCode === null ? void c.kill('SIGTERM') : undefined) };
}

const cm = (name: string, data: Record<string, string>, labels: Record<string, string> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels }, data });

describe('kubectl diff', () => {
  it('exit 1 with a diff for a new object; 0 once applied; 1 with the changed line after an edit; nothing is written', async () => {
    const first = await kubectl(h, ['diff', '-f', '-'], { input: cm('diffme', { a: '1' }) });
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toMatch(/\+\s+a: "1"/);
    expect((await api(h, 'GET', '/api/v1/namespaces/default/configmaps/diffme')).status).toBe(404);
    await kubectlOk(h, ['apply', '-f', '-'], cm('diffme', { a: '1' }));
    const same = await kubectl(h, ['diff', '-f', '-'], { input: cm('diffme', { a: '1' }) });
    expect(same.code, same.stderr + same.stdout).toBe(0);
    expect(same.stdout).toBe('');
    const changed = await kubectl(h, ['diff', '-f', '-'], { input: cm('diffme', { a: '2' }) });
    expect(changed.code, changed.stderr).toBe(1);
    expect(changed.stdout).toMatch(/-\s+a: "1"/);
    expect(changed.stdout).toMatch(/\+\s+a: "2"/);
    expect((await api(h, 'GET', '/api/v1/namespaces/default/configmaps/diffme')).json().data).toEqual({ a: '1' });
    const ss = await kubectl(h, ['diff', '--server-side', '-f', '-'], { input: cm('diffme', { a: '3' }) });
    expect(ss.code, ss.stderr).toBe(1);
    expect(ss.stdout).toMatch(/\+\s+a: "3"/);
  });
});

describe('kubectl wait', () => {
  it("--for=jsonpath='{.status.phase}'=Running", async () => {
    await kubectlOk(h, ['run', 'waiter', '--image=busybox']);
    const w = background(['wait', '--for=jsonpath={.status.phase}=Running', 'pod/waiter', '--timeout=20s']);
    await new Promise((r) => setTimeout(r, 500));
    await kubectlOk(h, ['patch', 'pod', 'waiter', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running"}}']);
    expect(await w.done, w.out()).toBe(0);
    expect(w.out()).toContain('pod/waiter condition met');
  });

  it('--for=delete: ends when the object is gone; at once for an object that is already gone', async () => {
    await kubectlOk(h, ['create', 'configmap', 'doomed']);
    const w = background(['wait', '--for=delete', 'configmap/doomed', '--timeout=20s']);
    await new Promise((r) => setTimeout(r, 500));
    await kubectlOk(h, ['delete', 'configmap', 'doomed']);
    expect(await w.done, w.out()).toBe(0);
    expect(w.out()).toContain('configmap/doomed condition met');
    const gone = await kubectl(h, ['wait', '--for=delete', 'configmap/never-was', '--timeout=5s']);
    expect(gone.code, gone.stderr).toBe(0);
  });

  it('--for=condition=Available on a Deployment (status.conditions)', async () => {
    await kubectlOk(h, ['create', 'deployment', 'avail', '--image=nginx']);
    const w = background(['wait', '--for=condition=Available', 'deployment/avail', '--timeout=20s']);
    await new Promise((r) => setTimeout(r, 500));
    const cond = { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' };
    await kubectlOk(h, ['patch', 'deployment', 'avail', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { conditions: [cond] } })]);
    expect(await w.done, w.out()).toBe(0);
    expect(w.out()).toContain('deployment.apps/avail condition met');
    const notMet = await kubectl(h, ['wait', '--for=condition=Progressing', 'deployment/avail', '--timeout=1s']);
    expect(notMet.code).toBe(1);
    expect(notMet.stderr).toContain('timed out waiting for the condition on deployments/avail');
  });

  it('--for=condition=Established on a CustomResourceDefinition', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.waits.example.com' },
      spec: { group: 'waits.example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
    };
    await kubectlOk(h, ['apply', '-f', '-'], JSON.stringify(crd));
    const r = await kubectl(h, ['wait', '--for=condition=Established', 'crd/widgets.waits.example.com', '--timeout=20s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/widgets.waits.example.com condition met');
    await kubectlOk(h, ['delete', 'crd', 'widgets.waits.example.com']);
  });
});

describe('kubectl events', () => {
  const event = (name: string, type: string, reason: string, pod: string) => ({
    apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default' },
    involvedObject: { kind: 'Pod', namespace: 'default', name: pod, apiVersion: 'v1' },
    type, reason, message: `${reason} happened to ${pod}`, source: { component: 'test' },
    firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:00:01Z', count: 1,
  });

  it('lists events; --for pod/x only that object; --types=Warning only warnings', async () => {
    for (const e of [event('e1', 'Normal', 'Pulled', 'evpod'), event('e2', 'Warning', 'BackOff', 'evpod'), event('e3', 'Warning', 'Failed', 'other')]) {
      const r = await api(h, 'POST', '/api/v1/namespaces/default/events', e);
      expect(r.status, r.body).toBe(201);
    }
    const all = await kubectlOk(h, ['events']);
    expect(all).toMatch(/LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    for (const m of ['Pulled happened to evpod', 'BackOff happened to evpod', 'Failed happened to other']) expect(all).toContain(m);
    const forPod = await kubectlOk(h, ['events', '--for', 'pod/evpod']);
    expect(forPod).toContain('Pulled happened to evpod');
    expect(forPod).toContain('BackOff happened to evpod');
    expect(forPod).not.toContain('other');
    const warnings = await kubectlOk(h, ['events', '--types=Warning']);
    expect(warnings).toContain('BackOff happened to evpod');
    expect(warnings).toContain('Failed happened to other');
    expect(warnings).not.toContain('Pulled');
    const both = await kubectlOk(h, ['events', '--for', 'pod/evpod', '--types=Warning', '-o', 'json']);
    expect(JSON.parse(both).items.map((e: { metadata: { name: string } }) => e.metadata.name)).toEqual(['e2']);
  });
});

describe('kubectl get', () => {
  it('--watch-only prints only what changes after it starts', async () => {
    await kubectlOk(h, ['create', 'configmap', 'before-watch']);
    const w = background(['get', 'configmaps', '--watch-only', '-o', 'name']);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await kubectlOk(h, ['create', 'configmap', 'during-watch']);
      await waitFor(() => w.out().includes('configmap/during-watch'), 10_000, 'the watch to print during-watch');
      expect(w.out()).not.toContain('before-watch');
    } finally {
      w.stop();
    }
  });

  it('--chunk-size=2 pages with limit and continue, and lists every object once', async () => {
    await kubectlOk(h, ['create', 'namespace', 'chunks']);
    for (let i = 0; i < 7; i++) await kubectlOk(h, ['-n', 'chunks', 'create', 'configmap', `cm-${i}`]);
    const r = await kubectl(h, ['-n', 'chunks', 'get', 'configmaps', '--chunk-size=2', '-o', 'name', '-v=6']);
    expect(r.code, r.stderr).toBe(0);
    const names = r.stdout.trim().split('\n').filter((l) => l.startsWith('configmap/cm-'));
    expect(names).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `configmap/cm-${i}`));
    const requests = r.stderr.split('\n').filter((l) => l.includes('/namespaces/chunks/configmaps?'));
    expect(requests.length, r.stderr).toBeGreaterThanOrEqual(4);
    expect(requests.every((l) => l.includes('limit=2'))).toBe(true);
    expect(requests.filter((l) => l.includes('continue=')).length).toBe(requests.length - 1);
    const table = await kubectlOk(h, ['-n', 'chunks', 'get', 'configmaps', '--chunk-size=2']);
    expect(table.match(/^NAME\s+DATA\s+AGE$/gm)?.length).toBe(1);
    expect(table.match(/^cm-\d\s/gm)?.length).toBe(7);
  });

  it('--raw /metrics as system:masters', async () => {
    const out = await kubectlOk(h, ['get', '--raw', '/metrics']);
    expect(out).toContain('# TYPE apiserver_request_total counter');
  });
});

describe('kubectl apply of a kind: List', () => {
  const list = (items: unknown[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

  it("client-side validation reads /openapi/v2 in protobuf: upstream's errors for an unknown field and a wrong type, nothing applied", async () => {
    const bad = list([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'listed-bad', namespace: 'default' }, dta: { x: 'y' } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'listed-bad', namespace: 'default' }, spec: { replicas: 'two', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } },
    ]);
    const r = await kubectl(h, ['apply', '-f', '-'], { input: bad });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ValidationError(ConfigMap): unknown field "dta" in io.k8s.api.core.v1.ConfigMap');
    expect(r.stderr).toContain('ValidationError(Deployment.spec.replicas): invalid type for io.k8s.api.apps.v1.DeploymentSpec.replicas: got "string", expected "integer"');
    expect((await api(h, 'GET', '/api/v1/namespaces/default/configmaps/listed-bad')).status).toBe(404);
  });

  it('a valid List applies every item', async () => {
    const out = await kubectlOk(h, ['apply', '-f', '-'], list([cm('listed-1', { a: '1' }), cm('listed-2', { a: '2' })].map((j) => JSON.parse(j))));
    expect(out).toContain('configmap/listed-1 created');
    expect(out).toContain('configmap/listed-2 created');
  });
});

describe('kubectl apply --prune', () => {
  // Every kind of kubectl 1.32's default allowlist is served (ReplicationController the last): the default prunes
  // too (test/integration/apiserver/replicationcontroller.test.ts; ingress.test.ts prunes Ingresses).
  it('with --prune-allowlist: objects with the label that are no longer in the file are deleted', async () => {
    await kubectlOk(h, ['create', 'namespace', 'prune']);
    const two = [cm('keep', { a: '1' }, { app: 'pruned' }), cm('drop', { a: '1' }, { app: 'pruned' })].map((j) => JSON.parse(j));
    const list = (items: unknown[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
    for (const o of two) o.metadata.namespace = 'prune';
    await kubectlOk(h, ['apply', '-f', '-'], list(two));
    const r = await kubectl(h, ['-n', 'prune', 'apply', '--prune', '-l', 'app=pruned', '--prune-allowlist=core/v1/ConfigMap', '-f', '-'], { input: list([two[0]]) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('configmap/keep unchanged');
    expect(r.stdout).toContain('configmap/drop pruned');
    expect((await api(h, 'GET', '/api/v1/namespaces/prune/configmaps/drop')).status).toBe(404);
    expect((await api(h, 'GET', '/api/v1/namespaces/prune/configmaps/keep')).status).toBe(200);
  });
});
