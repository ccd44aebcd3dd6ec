/**
 * The real kubectl (v1.32) against a small loopback HTTP server that serves discovery and our
 * OpenAPI documents: `kubectl explain` reads the v3 documents, `kubectl create` decides from them
 * that the server validates fields itself (sends fieldValidation=Strict), and `kubectl apply`
 * computes a strategic merge patch from our patch metadata.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOpenAPIV3, buildOpenAPIV3Index } from '../../../api/schema/openapi.js';
import { RESOURCES, type ResourceInfo } from '../../../api/resources.js';

const KUBECTL = '/usr/bin/kubectl';

interface Recorded {
  method: string;
  url: string;
  contentType: string;
  body: string;
}

function apiResourceList(group: string, version: string) {
  const rs = RESOURCES.filter((r) => r.group === group && r.version === version);
  const resources: Record<string, unknown>[] = [];
  for (const r of rs) {
    resources.push({ name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs, shortNames: r.shortNames, categories: r.categories });
    for (const s of r.subresources) resources.push({ name: `${r.plural}/${s}`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

const existing: Record<string, unknown> = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'default',
    uid: 'u1',
    resourceVersion: '5',
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
        spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'nginx:1' }, { name: 'b', image: 'busybox' }] } } },
      }),
    },
  },
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'nginx:1' }, { name: 'b', image: 'busybox' }] } } },
};

const svcSpec = { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 'https' }] };
const existingService: Record<string, unknown> = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'web', namespace: 'default', uid: 'u3', resourceVersion: '7',
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: svcSpec }) },
  },
  spec: { ...svcSpec, clusterIP: '10.96.0.20', type: 'ClusterIP' },
};

const stored: Record<string, Record<string, unknown>> = {
  '/apis/apps/v1/namespaces/default/deployments/web': existing,
  '/api/v1/namespaces/default/services/web': existingService,
};

describe('kubectl 1.32 with our OpenAPI documents', () => {
  let server: Server;
  let port = 0;
  let dir = '';
  const seen: Recorded[] = [];

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (code: number, obj: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    const p = url.pathname;
    seen.push({ method: req.method ?? '', url: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), body });
    if (p === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }] });
    if (p === '/apis') {
      const groups = [...new Set(RESOURCES.filter((r: ResourceInfo) => r.group).map((r) => `${r.group}/${r.version}`))].map((gv) => {
        const [g, v] = gv.split('/');
        return { name: g, versions: [{ groupVersion: gv, version: v }], preferredVersion: { groupVersion: gv, version: v } };
      });
      return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
    }
    if (p === '/api/v1') return send(200, apiResourceList('', 'v1'));
    const m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
    if (m) return send(200, apiResourceList(m[1], m[2]));
    if (p === '/openapi/v3') return send(200, buildOpenAPIV3Index());
    if (p.startsWith('/openapi/v3/')) {
      const doc = buildOpenAPIV3(p.slice('/openapi/v3/'.length));
      return doc ? send(200, doc) : send(404, {});
    }
    if (p === '/openapi/v2') return send(404, { kind: 'Status', status: 'Failure', code: 404 });
    if (p === '/api/v1/namespaces/default/pods' && req.method === 'POST') {
      const obj = JSON.parse(body);
      obj.metadata.uid = 'u2';
      obj.metadata.resourceVersion = '1';
      return send(201, obj);
    }
    const obj = stored[p];
    if (obj && (req.method === 'GET' || req.method === 'PATCH')) return send(200, obj);
    return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
  }

  function kubectl(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(KUBECTL, ['--server', `http://127.0.0.1:${port}`, '--cache-dir', join(dir, 'cache'), ...args], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: join(dir, 'none') },
        timeout: 30_000,
      }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelab-openapi-'));
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => handle(req, res, body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('has kubectl', () => {
    expect(existsSync(KUBECTL)).toBe(true);
  });

  it('kubectl explain pod.spec.containers shows our descriptions and field types', async () => {
    const r = await kubectl(['explain', 'pod.spec.containers']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('KIND:       Pod');
    expect(r.stdout).toContain('VERSION:    v1');
    expect(r.stdout).toContain('FIELD: containers <[]Container>');
    expect(r.stdout).toMatch(/image\s+<string>/);
    expect(r.stdout).toMatch(/ports\s+<\[\]ContainerPort>/);
    expect(r.stdout).toMatch(/name\s+<string> -required-/);
    expect(r.stdout).toMatch(/resources\s+<ResourceRequirements>/);
  });

  it('kubectl explain deployment.spec.strategy.rollingUpdate.maxSurge', async () => {
    const r = await kubectl(['explain', 'deployment.spec.strategy.rollingUpdate.maxSurge']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('GROUP:      apps');
    expect(r.stdout).toContain('FIELD: maxSurge <IntOrString>');
  });

  it('kubectl explain shows enums', async () => {
    const r = await kubectl(['explain', 'pod.spec.containers.imagePullPolicy']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('FIELD: imagePullPolicy <string>');
    expect(r.stdout).toMatch(/ENUM:\s+Always\s+IfNotPresent\s+Never/);
  });

  it('kubectl explain works for every served kind', async () => {
    for (const res of ['namespaces', 'pods', 'services', 'endpoints', 'nodes', 'configmaps', 'secrets', 'serviceaccounts', 'limitranges', 'resourcequotas', 'deployments', 'replicasets', 'leases', 'endpointslices', 'events', 'events --api-version=events.k8s.io/v1']) {
      const r = await kubectl(['explain', ...res.split(' ')]);
      expect(r.stderr, res).toBe('');
      expect(r.stdout, res).toMatch(/metadata\s+<ObjectMeta>/);
    }
  });

  it('kubectl explain --recursive walks the whole Pod', async () => {
    const r = await kubectl(['explain', 'pods', '--recursive']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nodeAffinity\s+<NodeAffinity>/);
    expect(r.stdout).toMatch(/limits\s+<map\[string\]Quantity>/);
  });

  it('kubectl explain of an unknown field fails like upstream', async () => {
    const r = await kubectl(['explain', 'pod.spec.nosuchfield']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('field "nosuchfield" does not exist');
  });

  it('kubectl create -f (default validation) asks the server to validate: fieldValidation=Strict', async () => {
    const f = join(dir, 'pod.yaml');
    writeFileSync(f, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: default\nspec:\n  containers:\n  - name: c\n    image: nginx\n');
    seen.length = 0;
    const r = await kubectl(['create', '-f', f]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const post = seen.find((s) => s.method === 'POST');
    expect(post?.url).toContain('fieldValidation=Strict');
  });

  it('kubectl apply computes a strategic merge patch from our metadata (containers merged by name)', async () => {
    const f = join(dir, 'deploy.yaml');
    writeFileSync(f, [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', '  namespace: default', 'spec:',
      '  selector:', '    matchLabels:', '      app: web', '  template:', '    metadata:', '      labels:', '        app: web',
      '    spec:', '      containers:', '      - name: a', '        image: nginx:2', '      - name: b', '        image: busybox', '',
    ].join('\n'));
    seen.length = 0;
    const r = await kubectl(['apply', '-f', f]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // the patch came from our v3 document: kubectl never fell back to /openapi/v2 or its built-in structs
    expect(seen.some((s) => s.url.startsWith('/openapi/v3/apis/apps/v1?hash='))).toBe(true);
    expect(seen.some((s) => s.url.startsWith('/openapi/v2'))).toBe(false);
    const patch = seen.find((s) => s.method === 'PATCH');
    expect(patch?.contentType).toBe('application/strategic-merge-patch+json');
    expect(patch?.url).toContain('fieldValidation=Strict');
    const body = JSON.parse(patch!.body);
    // SMP for a merge-keyed list: only the changed element, identified by name, plus the order directive
    expect(body.spec.template.spec.containers).toEqual([{ image: 'nginx:2', name: 'a' }]);
    expect(body.spec.template.spec['$setElementOrder/containers']).toEqual([{ name: 'a' }, { name: 'b' }]);
  });

  it('kubectl apply of a Service merges ports by port number', async () => {
    const f = join(dir, 'svc.yaml');
    writeFileSync(f, [
      'apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', '  namespace: default', 'spec:', '  selector:', '    app: web', '  ports:',
      '  - name: http', '    port: 80', '    targetPort: 9090', '  - name: https', '    port: 443', '    targetPort: https', '',
    ].join('\n'));
    seen.length = 0;
    const r = await kubectl(['apply', '-f', f]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(seen.some((s) => s.url.startsWith('/openapi/v2'))).toBe(false);
    const patch = seen.find((s) => s.method === 'PATCH');
    expect(patch?.contentType).toBe('application/strategic-merge-patch+json');
    const body = JSON.parse(patch!.body);
    expect(body.spec.ports).toEqual([{ port: 80, targetPort: 9090 }]);
    expect(body.spec['$setElementOrder/ports']).toEqual([{ port: 80 }, { port: 443 }]);
  });
});
