/**
 * The schemas end to end: the real kubectl against kubelab's API server (real etcd), where
 * explain, server-side field validation and strategic-merge apply all come from api/types.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { startApiServer, kubectl, type ApiHandle } from '../../support/apiserver.js';

function deployYaml(name: string, image: string, extra = ''): string {
  return [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: ${name}`, '  namespace: default', 'spec:', '  replicas: 1',
    '  selector:', '    matchLabels:', `      app: ${name}`, '  template:', '    metadata:', '      labels:', `        app: ${name}`,
    '    spec:', '      containers:', '      - name: a', `        image: ${image}`, extra, '      - name: b', '        image: busybox', '',
  ].filter((l) => l !== '').join('\n') + '\n';
}

describe('kubectl against the API server: schema-driven behaviour', () => {
  let etcd: EtcdHandle;
  let h: ApiHandle;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelab-schema-e2e-'));
    etcd = await startEtcd();
    h = await startApiServer(etcd);
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, text: string): string {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  }

  it('kubectl explain pod.spec.containers', async () => {
    const r = await kubectl(h, ['explain', 'pod.spec.containers']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('FIELD: containers <[]Container>');
    expect(r.stdout).toMatch(/livenessProbe\s+<Probe>/);
  });

  it('kubectl create -f rejects an unknown field (server-side Strict validation)', async () => {
    const f = file('bad.yaml', deployYaml('bad', 'nginx', '        foo: bar'));
    const r = await kubectl(h, ['create', '-f', f]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('strict decoding error: unknown field "spec.template.spec.containers[0].foo"');
  });

  it('kubectl create -f --validate=warn keeps going and warns', async () => {
    const f = file('warn.yaml', deployYaml('warned', 'nginx', '        foo: bar'));
    const r = await kubectl(h, ['create', '--validate=warn', '-f', f]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('unknown field "spec.template.spec.containers[0].foo"');
  });

  it('a wrongly typed field is a 400 naming the field', async () => {
    const f = file('typed.yaml', deployYaml('typed', 'nginx').replace('replicas: 1', 'replicas: "3"'));
    const r = await kubectl(h, ['create', '-f', f]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.replicas in body must be of type integer: "string"');
  });

  it('kubectl apply twice merges containers by name', async () => {
    const f1 = file('web1.yaml', deployYaml('web', 'nginx:1'));
    const r1 = await kubectl(h, ['apply', '-f', f1]);
    expect(r1.code, r1.stderr).toBe(0);
    const f2 = file('web2.yaml', deployYaml('web', 'nginx:2'));
    const r2 = await kubectl(h, ['apply', '-f', f2]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toBe('');
    const g = await kubectl(h, ['get', 'deploy', 'web', '-o', 'jsonpath={range .spec.template.spec.containers[*]}{.name}={.image} {end}']);
    expect(g.stdout.trim()).toBe('a=nginx:2 b=busybox');
  });
});
