/**
 * v1 LimitRange and the LimitRanger admission plugin, driven by the real kubectl, with the cases of upstream's
 * docs (tasks/administer-cluster/manage-resources: memory-default-namespace, cpu-default-namespace,
 * memory-constraint-namespace, cpu-constraint-namespace) and their exact messages.
 */
import { describe, expect, it } from 'vitest';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl, kubectlOk } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

const pod = (name: string, ns: string, resources?: Record<string, Record<string, string>>): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers: [{ name: `${name}-ctr`, image: 'nginx', ...(resources ? { resources } : {}) }] } });

async function createNs(ns: string): Promise<void> {
  await kubectlOk(s.h, ['create', 'namespace', ns]);
}

async function podResources(ns: string, name: string): Promise<{ resources: unknown; annotations: Record<string, string> | undefined }> {
  const p = JSON.parse(await kubectlOk(s.h, ['get', 'pod', name, '-n', ns, '-o', 'json']));
  return { resources: p.spec.containers[0].resources, annotations: p.metadata.annotations };
}

async function refused(ns: string, manifest: string): Promise<string> {
  const r = await kubectl(s.h, ['create', '-n', ns, '-f', '-'], { input: manifest });
  expect(r.code).toBe(1);
  return r.stderr.trim();
}

describe('LimitRange defaults (memory-default-namespace, cpu-default-namespace)', () => {
  it('gives a pod without resources the default request and limit, and says so in an annotation', async () => {
    await createNs('default-mem-example');
    await kubectlOk(s.h, ['apply', '-n', 'default-mem-example', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'mem-limit-range' },
      spec: { limits: [{ default: { memory: '512Mi' }, defaultRequest: { memory: '256Mi' }, type: 'Container' }] },
    }));
    await kubectlOk(s.h, ['create', '-f', '-'], pod('default-mem-demo', 'default-mem-example'));
    const p = await podResources('default-mem-example', 'default-mem-demo');
    expect(p.resources).toEqual({ limits: { memory: '512Mi' }, requests: { memory: '256Mi' } });
    expect(p.annotations?.['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: memory request for container default-mem-demo-ctr; memory limit for container default-mem-demo-ctr');
  });

  it('a limit without a request: the request is the limit (defaulting), not the default request', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], pod('default-mem-demo-2', 'default-mem-example', { limits: { memory: '1Gi' } }));
    expect((await podResources('default-mem-example', 'default-mem-demo-2')).resources).toEqual({ limits: { memory: '1Gi' }, requests: { memory: '1Gi' } });
  });

  it('a request without a limit: the limit is the default', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], pod('default-mem-demo-3', 'default-mem-example', { requests: { memory: '128Mi' } }));
    expect((await podResources('default-mem-example', 'default-mem-demo-3')).resources).toEqual({ limits: { memory: '512Mi' }, requests: { memory: '128Mi' } });
  });

  it('kubectl get limits lists it; a dry-run pod gets the defaults too', async () => {
    expect(await kubectlOk(s.h, ['get', 'limits', '-n', 'default-mem-example'])).toMatch(/^NAME\s+CREATED AT\nmem-limit-range\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    const out = JSON.parse(await kubectlOk(s.h, ['create', '--dry-run=server', '-o', 'json', '-f', '-'], pod('dry', 'default-mem-example')));
    expect(out.spec.containers[0].resources).toEqual({ limits: { memory: '512Mi' }, requests: { memory: '256Mi' } });
  });
});

describe('LimitRange min and max (memory-constraint-namespace, cpu-constraint-namespace)', () => {
  it('a min/max LimitRange is defaulted: default = max, defaultRequest = default', async () => {
    await createNs('constraints-mem-example');
    await kubectlOk(s.h, ['apply', '-n', 'constraints-mem-example', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'mem-min-max-demo-lr' },
      spec: { limits: [{ max: { memory: '1Gi' }, min: { memory: '500Mi' }, type: 'Container' }] },
    }));
    const lr = JSON.parse(await kubectlOk(s.h, ['get', 'limitrange', 'mem-min-max-demo-lr', '-n', 'constraints-mem-example', '-o', 'json']));
    expect(lr.spec.limits).toEqual([{ default: { memory: '1Gi' }, defaultRequest: { memory: '1Gi' }, max: { memory: '1Gi' }, min: { memory: '500Mi' }, type: 'Container' }]);
    await kubectlOk(s.h, ['create', '-f', '-'], pod('constraints-mem-demo', 'constraints-mem-example', { limits: { memory: '800Mi' }, requests: { memory: '600Mi' } }));
    expect(await kubectlOk(s.h, ['describe', 'limits', 'mem-min-max-demo-lr', '-n', 'constraints-mem-example']))
      .toMatch(/Name:\s+mem-min-max-demo-lr\nNamespace:\s+constraints-mem-example\nType\s+Resource\s+Min\s+Max\s+Default Request\s+Default Limit\s+Max Limit\/Request Ratio\n[- ]+\nContainer\s+memory\s+500Mi\s+1Gi\s+1Gi\s+1Gi\s+-\s*\n/);
  });

  it('refuses a container over the max or under the min with upstream\'s messages (403)', async () => {
    expect(await refused('constraints-mem-example', pod('constraints-mem-demo-2', 'constraints-mem-example', { limits: { memory: '1.5Gi' }, requests: { memory: '800Mi' } })))
      .toBe('Error from server (Forbidden): error when creating "STDIN": pods "constraints-mem-demo-2" is forbidden: maximum memory usage per Container is 1Gi, but limit is 1536Mi');
    expect(await refused('constraints-mem-example', pod('constraints-mem-demo-3', 'constraints-mem-example', { limits: { memory: '800Mi' }, requests: { memory: '100Mi' } })))
      .toBe('Error from server (Forbidden): error when creating "STDIN": pods "constraints-mem-demo-3" is forbidden: minimum memory usage per Container is 500Mi, but request is 100Mi');
    const r = await api(s.h, 'POST', '/api/v1/namespaces/constraints-mem-example/pods', JSON.parse(pod('x', 'constraints-mem-example', { limits: { memory: '2Gi' } })));
    expect(r.status).toBe(403);
    expect(r.json()).toMatchObject({ reason: 'Forbidden', details: { name: 'x', kind: 'pods' } });
    expect((await api(s.h, 'GET', '/api/v1/namespaces/constraints-mem-example/pods/x')).status).toBe(404);
  });

  it('cpu: over max, under min, and the limit/request ratio', async () => {
    await createNs('constraints-cpu-example');
    await kubectlOk(s.h, ['apply', '-n', 'constraints-cpu-example', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'cpu-min-max-demo-lr' },
      spec: { limits: [{ max: { cpu: '800m' }, min: { cpu: '200m' }, maxLimitRequestRatio: { cpu: '2' }, type: 'Container' }] },
    }));
    expect(await refused('constraints-cpu-example', pod('constraints-cpu-demo-2', 'constraints-cpu-example', { limits: { cpu: '1.5' }, requests: { cpu: '800m' } })))
      .toBe('Error from server (Forbidden): error when creating "STDIN": pods "constraints-cpu-demo-2" is forbidden: maximum cpu usage per Container is 800m, but limit is 1500m');
    expect(await refused('constraints-cpu-example', pod('constraints-cpu-demo-3', 'constraints-cpu-example', { limits: { cpu: '800m' }, requests: { cpu: '100m' } })))
      .toBe('Error from server (Forbidden): error when creating "STDIN": pods "constraints-cpu-demo-3" is forbidden: [minimum cpu usage per Container is 200m, but request is 100m, cpu max limit to request ratio per Container is 2, but provided ratio is 8.000000]');
    expect(await refused('constraints-cpu-example', pod('ratio', 'constraints-cpu-example', { limits: { cpu: '800m' }, requests: { cpu: '200m' } })))
      .toBe('Error from server (Forbidden): error when creating "STDIN": pods "ratio" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000');
    await kubectlOk(s.h, ['create', '-f', '-'], pod('constraints-cpu-demo', 'constraints-cpu-example', { limits: { cpu: '800m' }, requests: { cpu: '500m' } }));
  });

  it('a Pod item bounds the pod\'s total', async () => {
    await createNs('pod-max');
    await kubectlOk(s.h, ['apply', '-n', 'pod-max', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'pod-max' }, spec: { limits: [{ type: 'Pod', max: { memory: '1Gi' } }] },
    }));
    const two = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'two', namespace: 'pod-max' }, spec: { containers: [
      { name: 'a', image: 'nginx', resources: { limits: { memory: '800Mi' } } }, { name: 'b', image: 'nginx', resources: { limits: { memory: '800Mi' } } },
    ] } });
    expect(await refused('pod-max', two)).toBe('Error from server (Forbidden): error when creating "STDIN": pods "two" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1600Mi');
  });
});

describe('LimitRange validation', () => {
  it('422 with every cause, nothing stored', async () => {
    const r = await api(s.h, 'POST', '/api/v1/namespaces/default/limitranges', {
      apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'bad' },
      spec: { limits: [
        { type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } },
        { type: 'Pod', default: { cpu: '1' } },
        { type: 'Container' },
        { type: 'Nope' },
      ] },
    });
    expect(r.status).toBe(422);
    const causes = r.json().details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`);
    expect(causes).toEqual(expect.arrayContaining([
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
      "spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod'",
      'spec.limits[2].type: Duplicate value: "Container"',
      'spec.limits[3].type: Invalid value: "Nope": must be a standard limit type or fully qualified',
    ]));
    expect((await api(s.h, 'GET', '/api/v1/namespaces/default/limitranges/bad')).status).toBe(404);
  });
});
