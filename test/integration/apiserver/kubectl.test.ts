/**
 * Acceptance for the API server (issue 2): a fresh etcd + API server driven by the real kubectl v1.32.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { startApiServer, kubectl, api, type ApiHandle } from '../../support/apiserver.js';
import { REPO } from '../../support/host.js';
import { waitFor } from '../../support/net.js';

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

async function ok(args: string[], input?: string, env?: Record<string, string>): Promise<string> {
  const r = await kubectl(h, args, { ...(input !== undefined ? { input } : {}), ...(env ? { env } : {}) });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function json(args: string[]): Promise<any> {
  return JSON.parse(await ok([...args, '-o', 'json']));
}

describe('kubectl against kubelab', () => {
  it('apply creates a Deployment and a Service; a second apply merges a port and an env var', async () => {
    await ok(['apply', '-f', join(REPO, 'test/fixtures/web-v1.yaml')]);
    const d1 = await json(['get', 'deployment', 'web']);
    expect(d1.spec.template.spec.containers[0].env).toEqual([{ name: 'MODE', value: 'blue' }]);
    expect(d1.metadata.generation).toBe(1);
    const svc = await json(['get', 'svc', 'web']);
    expect(svc.spec.clusterIP).toMatch(/^10\.96\./);

    const out = await ok(['apply', '-f', join(REPO, 'test/fixtures/web-v2.yaml')]);
    expect(out).toContain('deployment.apps/web configured');
    const d2 = await json(['get', 'deployment', 'web']);
    const c = d2.spec.template.spec.containers[0];
    expect(c.ports.map((p: any) => p.containerPort)).toEqual([80, 443]);
    expect(c.env).toEqual([
      { name: 'MODE', value: 'blue' },
      { name: 'COLOR', value: 'green' },
    ]);
    expect(d2.metadata.generation).toBe(2);
    const svc2 = await json(['get', 'svc', 'web']);
    expect(svc2.spec.ports.map((p: any) => p.port)).toEqual([80, 443]);
    expect(svc2.spec.clusterIP).toBe(svc.spec.clusterIP);
  });

  it('get -o wide prints upstream columns for every resource', async () => {
    await api(h, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1' }, data: { a: 'b' } });
    await api(h, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node01' } });
    const out = await ok(['get', 'pods,deploy,rs,svc,ep,nodes,ns,cm,secrets,events', '-o', 'wide', '-A']);
    expect(out).toMatch(/NAMESPACE\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/);
    expect(out).toMatch(/NAMESPACE\s+NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+SELECTOR/);
    expect(out).toMatch(/NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME/);
    expect(out).toMatch(/deployment\.apps\/web\s+0\/2/);
    expect(out).toMatch(/service\/kubernetes\s+ClusterIP\s+10\.96\.0\.1/);
    expect(out).toMatch(/namespace\/kube-node-lease\s+Active/);
    expect(out).toMatch(/configmap\/cm1\s+1/);
    const pods = await kubectl(h, ['get', 'pods', '-A', '-o', 'wide']);
    expect(pods.code).toBe(0);
    expect(pods.stderr).toMatch(/No resources found/);
  });

  it('-o yaml, -o json and -o jsonpath', async () => {
    expect(await ok(['get', 'deploy', 'web', '-o', 'yaml'])).toMatch(/kind: Deployment\n/);
    expect((await json(['get', 'svc', 'kubernetes'])).spec.clusterIP).toBe('10.96.0.1');
    expect(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.strategy.rollingUpdate.maxSurge}'])).toBe('25%');
  });

  it('describe shows the object', async () => {
    const out = await ok(['describe', 'deployment', 'web']);
    expect(out).toMatch(/Name:\s+web/);
    expect(out).toMatch(/Replicas:\s+2 desired/);
    expect(out).toMatch(/COLOR:\s+green/);
  });

  it('scale, label, annotate', async () => {
    await ok(['scale', 'deployment', 'web', '--replicas=5']);
    expect((await json(['get', 'deploy', 'web'])).spec.replicas).toBe(5);
    await ok(['label', 'deployment', 'web', 'tier=frontend']);
    await ok(['annotate', 'deployment', 'web', 'owner=team-a']);
    const d = await json(['get', 'deploy', 'web']);
    expect(d.metadata.labels.tier).toBe('frontend');
    expect(d.metadata.annotations.owner).toBe('team-a');
    expect(await ok(['get', 'deploy', '-l', 'tier=frontend', '-o', 'name'])).toBe('deployment.apps/web\n');
    expect(await ok(['get', 'deploy', '-l', 'tier notin (frontend)', '-o', 'name'])).toBe('');
  });

  it('edit with KUBE_EDITOR', async () => {
    const editor = join(h.dir, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/^  replicas: .*/  replicas: 3/" "$1"\n');
    chmodSync(editor, 0o755);
    await ok(['edit', 'deployment', 'web'], undefined, { KUBE_EDITOR: editor, EDITOR: editor });
    expect((await json(['get', 'deploy', 'web'])).spec.replicas).toBe(3);
  });

  it('patch: strategic, merge and json', async () => {
    await ok(['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.23"}]}}}}']);
    let d = await json(['get', 'deploy', 'web']);
    expect(d.spec.template.spec.containers[0].image).toBe('nginx:1.23');
    expect(d.spec.template.spec.containers[0].env).toHaveLength(2);
    await ok(['patch', 'deployment', 'web', '--type', 'merge', '-p', '{"metadata":{"labels":{"tier":null,"track":"stable"}}}']);
    d = await json(['get', 'deploy', 'web']);
    expect(d.metadata.labels).toEqual({ app: 'web', track: 'stable' });
    await ok(['patch', 'deployment', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":4}]']);
    expect((await json(['get', 'deploy', 'web'])).spec.replicas).toBe(4);
  });

  it('get -w sees a change', async () => {
    const child = spawn('/usr/bin/kubectl', ['--kubeconfig', h.kubeconfig, 'get', 'configmap', 'cm1', '-w', '-o', 'jsonpath={.data.a}{"\\n"}'], {
      env: { ...process.env, HOME: h.dir },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(() => out.includes('b\n'), 15_000, 'the initial state');
      await ok(['patch', 'configmap', 'cm1', '--type', 'merge', '-p', '{"data":{"a":"changed"}}']);
      await waitFor(() => out.includes('changed\n'), 15_000, 'the change on the watch');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('delete --cascade=foreground and --cascade=orphan leave the finalizers', async () => {
    await api(h, 'POST', '/apis/apps/v1/namespaces/default/replicasets', rs('fg'));
    await api(h, 'POST', '/apis/apps/v1/namespaces/default/replicasets', rs('or'));
    await ok(['delete', 'rs', 'fg', '--cascade=foreground', '--wait=false']);
    await ok(['delete', 'rs', 'or', '--cascade=orphan', '--wait=false']);
    const fg = await json(['get', 'rs', 'fg']);
    expect(fg.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(fg.metadata.deletionTimestamp).toBeTruthy();
    const or = await json(['get', 'rs', 'or']);
    expect(or.metadata.finalizers).toEqual(['orphan']);
    // Removing the finalizer completes the deletion.
    await ok(['patch', 'rs', 'fg', '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}']);
    const r = await kubectl(h, ['get', 'rs', 'fg']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('NotFound');
  });

  it('create secret generic is encrypted at rest in etcd', async () => {
    await ok(['create', 'secret', 'generic', 's1', '--from-literal=password=hunter2']);
    const raw = await etcdctlGet('/registry/secrets/default/s1');
    expect(raw.startsWith('k8s:enc:aescbc:v1:key1:')).toBe(true);
    expect(raw).not.toContain('hunter2');
    const s = await json(['get', 'secret', 's1']);
    expect(Buffer.from(s.data.password, 'base64').toString()).toBe('hunter2');
    // A ConfigMap is stored as plain JSON, readable with etcdctl.
    expect(await etcdctlGet('/registry/configmaps/default/cm1')).toContain('"kind":"ConfigMap"');
  });

  it('create namespace and delete namespace (Terminating until finalized)', async () => {
    await ok(['create', 'namespace', 'team-x']);
    expect((await json(['get', 'ns', 'team-x'])).status.phase).toBe('Active');
    await ok(['delete', 'namespace', 'team-x', '--wait=false']);
    const ns = await json(['get', 'ns', 'team-x']);
    expect(ns.status.phase).toBe('Terminating');
    const r = await api(h, 'POST', '/api/v1/namespaces/team-x/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' } });
    expect(r.status).toBe(403);
    // The namespace controller's last step: finalize.
    const fin = await api(h, 'PUT', '/api/v1/namespaces/team-x/finalize', { ...ns, spec: { finalizers: [] } });
    expect(fin.status).toBe(200);
    expect((await kubectl(h, ['get', 'ns', 'team-x'])).stderr).toContain('NotFound');
  });

  it('explain, api-resources, auth whoami', async () => {
    expect(await ok(['explain', 'pod.spec.containers'])).toMatch(/FIELD:\s+containers <\[\]Container>/);
    const res = await ok(['api-resources']);
    for (const line of [/^pods\s+po\s+v1\s+true\s+Pod$/m, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m, /^services\s+svc\s+v1\s+true\s+Service$/m, /^endpointslices\s+discovery\.k8s\.io\/v1\s+true\s+EndpointSlice$/m, /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m]) {
      expect(res).toMatch(line);
    }
    expect(await ok(['auth', 'whoami'])).toMatch(/Username\s+admin/);
  });

  it('events are listed and describe shows them', async () => {
    const d = await json(['get', 'deploy', 'web']);
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.1', namespace: 'default' },
      involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'default', uid: d.metadata.uid },
      reason: 'ScalingReplicaSet',
      message: 'Scaled up replica set web-abc to 2',
      type: 'Normal',
      count: 1,
      source: { component: 'deployment-controller' },
      firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    expect((await api(h, 'POST', '/api/v1/namespaces/default/events', ev)).status).toBe(201);
    expect(await ok(['get', 'events'])).toMatch(/Normal\s+ScalingReplicaSet\s+deployment\/web\s+Scaled up replica set web-abc to 2/);
    expect(await ok(['describe', 'deployment', 'web'])).toMatch(/ScalingReplicaSet/);
  });
});

function rs(name: string): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: { replicas: 0, selector: { matchLabels: { rs: name } }, template: { metadata: { labels: { rs: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  };
}

function etcdctlGet(key: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn('etcdctl', ['--endpoints', etcd.endpoint, 'get', key, '--print-value-only'], { env: { ...process.env, ETCDCTL_API: '3' } });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`etcdctl get ${key}: ${err}`))));
  });
}
