/**
 * core/v1 ReplicationController driven by the real kubectl: create from YAML (upstream's defaults: selector and
 * labels from the template, replicas 1), `get rc` (NAME DESIRED CURRENT READY AGE; -o wide CONTAINERS IMAGES
 * SELECTOR), `scale rc` (autoscaling/v1 Scale with the map selector as a string), `describe rc`, the 422s with
 * upstream's messages, `kubectl apply --prune` with kubectl's default allowlist (it names ReplicationController),
 * and the replicationcontroller controller (the ReplicaSet controller's adapter) creating, adopting and deleting pods,
 * which the garbage collector deletes with their RC.
 */
import { setMaxListeners } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../api/client/api-client.js';
import { InformerFactory } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { findResource } from '../../../api/resources.js';
import type { Pod, ReplicationController } from '../../../api/types/index.js';
import type { Relaxed } from '../../../api/types/views.js';
import { buildControllers, parseFlags } from '../../../control-plane/controllers/main.js';
import { newControllerContext } from '../../../control-plane/controllers/util/context.js';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl, kubectlOk } from '../../support/apiserver.js';
import { poll } from '../../support/net.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

const dir = mkdtempSync(join(tmpdir(), 'kubelab-rc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RC_YAML = `apiVersion: v1
kind: ReplicationController
metadata:
  name: web
spec:
  template:
    metadata:
      labels:
        app: web
        tier: fe
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
`;

const rows = async (args: string[]) => (await kubectlOk(s.h, args)).trim().split('\n').map((l) => l.trim().split(/\s{2,}/));

describe('kubectl and ReplicationControllers', () => {
  it('kubectl create -f: served as core/v1 with upstream defaults (selector, labels from the template; replicas 1)', async () => {
    expect(await kubectlOk(s.h, ['create', '-f', '-'], RC_YAML)).toContain('replicationcontroller/web created');
    const rc = JSON.parse(await kubectlOk(s.h, ['get', 'rc', 'web', '-o', 'json'])) as Relaxed<ReplicationController>;
    expect(rc.apiVersion).toBe('v1');
    expect(rc.spec?.selector).toEqual({ app: 'web', tier: 'fe' });
    expect(rc.metadata?.labels).toEqual({ app: 'web', tier: 'fe' });
    expect(rc.spec?.replicas).toBe(1);
    expect(rc.spec?.template?.spec?.restartPolicy).toBe('Always');
    expect(rc.metadata?.generation).toBe(1);
  });

  it('kubectl get rc: NAME DESIRED CURRENT READY AGE; -o wide adds CONTAINERS IMAGES SELECTOR', async () => {
    const t = await rows(['get', 'rc']);
    expect(t[0]).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    expect(t[1]!.slice(0, 4)).toEqual(['web', '1', '0', '0']);
    const w = await rows(['get', 'replicationcontrollers', '-o', 'wide']);
    expect(w[0]).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(w[1]!.slice(5)).toEqual(['nginx', 'nginx:1.27', 'app=web,tier=fe']);
    expect(await kubectlOk(s.h, ['api-resources', '--api-group='])).toMatch(/replicationcontrollers\s+rc\s+v1\s+true\s+ReplicationController/);
    expect(await kubectlOk(s.h, ['explain', 'rc.spec.selector'])).toMatch(/selector\s+<map\[string\]string>/);
  });

  it('kubectl scale rc/web --replicas=3 through the autoscaling/v1 Scale (the map selector as a string)', async () => {
    expect(await kubectlOk(s.h, ['scale', 'rc/web', '--replicas=3'])).toContain('replicationcontroller/web scaled');
    expect((await rows(['get', 'rc', 'web']))[1]!.slice(0, 2)).toEqual(['web', '3']);
    const scale = await api(s.h, 'GET', '/api/v1/namespaces/default/replicationcontrollers/web/scale');
    expect(scale.status).toBe(200);
    expect(scale.json()).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 3 }, status: { replicas: 0, selector: 'app=web,tier=fe' } });
    const rc = JSON.parse(await kubectlOk(s.h, ['get', 'rc', 'web', '-o', 'json'])) as Relaxed<ReplicationController>;
    expect(rc.metadata?.generation).toBe(2);
  });

  it('kubectl describe rc', async () => {
    const out = await kubectlOk(s.h, ['describe', 'rc', 'web']);
    expect(out).toMatch(/Name:\s+web/);
    expect(out).toMatch(/Selector:\s+app=web,tier=fe/);
    expect(out).toMatch(/Replicas:\s+0 current \/ 3 desired/);
    expect(out).toMatch(/Image:\s+nginx:1\.27/);
  });

  it.each([
    ['a selector that does not match the template', { selector: { app: 'other' } }, 'spec.template.metadata.labels: Invalid value: {"app":"web","tier":"fe"}: `selector` does not match template `labels`'],
    ['negative replicas', { replicas: -1 }, 'spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    ['restartPolicy Never', { template: { metadata: { labels: { app: 'web' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } }, 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
  ])('422 for %s', async (_n, spec, message) => {
    const base = { template: { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } };
    const r = await kubectl(s.h, ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'bad' }, spec: { ...base, ...spec } }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ReplicationController "bad" is invalid');
    expect(r.stderr).toContain(message);
  });

  it("kubectl apply --prune -l app=x -f dir/ with kubectl's default allowlist prunes a ConfigMap and a Deployment no longer in dir", async () => {
    const d = join(dir, 'manifests');
    mkdirSync(d);
    const labels = { app: 'x' };
    const files: Record<string, unknown> = {
      'cm.json': { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x-config', namespace: 'default', labels }, data: { a: '1' } },
      'deploy.json': {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x-deploy', namespace: 'default', labels },
        spec: { replicas: 0, selector: { matchLabels: { run: 'x-deploy' } }, template: { metadata: { labels: { run: 'x-deploy' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
      },
      'rc.json': {
        apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'x-rc', namespace: 'default', labels },
        spec: { replicas: 0, selector: { run: 'x-rc' }, template: { metadata: { labels: { run: 'x-rc' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
      },
    };
    for (const [f, o] of Object.entries(files)) writeFileSync(join(d, f), JSON.stringify(o));
    const first = await kubectlOk(s.h, ['apply', '--prune', '-l', 'app=x', '-f', d + '/']);
    expect(first).toContain('replicationcontroller/x-rc created');
    unlinkSync(join(d, 'cm.json'));
    unlinkSync(join(d, 'deploy.json'));
    const r = await kubectl(s.h, ['apply', '--prune', '-l', 'app=x', '-f', d + '/']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('replicationcontroller/x-rc unchanged');
    expect(r.stdout).toContain('configmap/x-config pruned');
    expect(r.stdout).toContain('deployment.apps/x-deploy pruned');
    expect((await api(s.h, 'GET', '/api/v1/namespaces/default/configmaps/x-config')).status).toBe(404);
    expect((await api(s.h, 'GET', '/apis/apps/v1/namespaces/default/deployments/x-deploy')).status).toBe(404);
    // And an RC that leaves the directory is pruned in turn.
    unlinkSync(join(d, 'rc.json'));
    writeFileSync(join(d, 'cm.json'), JSON.stringify(files['cm.json']));
    expect(await kubectlOk(s.h, ['apply', '--prune', '-l', 'app=x', '-f', d + '/'])).toContain('replicationcontroller/x-rc pruned');
  });
});

describe('the replicationcontroller controller', () => {
  const PODS = findResource('', 'pods')!;
  const RCS = findResource('', 'replicationcontrollers')!;
  const NS = 'rcctl';
  const stop = new AbortController();
  setMaxListeners(100, stop.signal);
  let client: KubeClient;
  let informers: InformerFactory | undefined;
  let running: Promise<unknown> | undefined;

  beforeAll(async () => {
    client = KubeClient.fromKubeconfig(s.h.kubeconfig, undefined, { qps: 200, burst: 400 });
    await kubectlOk(s.h, ['create', 'namespace', NS]);
    informers = new InformerFactory(client, { resyncPeriodMs: 60_000 });
    const ctx = newControllerContext(client, informers, { logger: () => silentLogger });
    const controllers = buildControllers(ctx, parseFlags(['--controllers=replicationcontroller,garbagecollector']));
    expect(controllers.map((c) => c.name)).toEqual(['replicationcontroller-controller', 'garbage-collector-controller']);
    informers.start();
    running = Promise.all(controllers.map((c) => c.run(stop.signal)));
  }, 60_000);

  afterAll(async () => {
    stop.abort();
    await running;
    await informers?.stop();
  });

  /** The live (not terminating) pods with the label, by name. */
  const livePods = async (): Promise<Relaxed<Pod>[]> =>
    (await client.list<Relaxed<Pod>>(PODS, NS, { labelSelector: 'app=ctl' })).items.filter((p) => !p.metadata?.deletionTimestamp);

  it('creates pods owned by the RC, adopts a matching orphan, writes status and deletes pods on scale-down', async () => {
    const orphan = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', labels: { app: 'ctl' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    await kubectlOk(s.h, ['-n', NS, 'create', '-f', '-'], JSON.stringify(orphan));
    const rc = {
      apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'ctl' },
      spec: { replicas: 3, selector: { app: 'ctl' }, template: { metadata: { labels: { app: 'ctl' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    };
    await kubectlOk(s.h, ['-n', NS, 'create', '-f', '-'], JSON.stringify(rc));
    const live = await client.get<Relaxed<ReplicationController>>(RCS, NS, 'ctl');

    const { value: pods } = await poll('3 pods of the RC', 20_000, async () => {
      const ps = await livePods();
      return ps.length === 3 && ps.every((p) => p.metadata?.ownerReferences?.length) ? ps : undefined;
    });
    for (const p of pods) {
      expect(p.metadata?.ownerReferences).toEqual([
        { apiVersion: 'v1', kind: 'ReplicationController', name: 'ctl', uid: live.metadata?.uid, controller: true, blockOwnerDeletion: true },
      ]);
    }
    expect(pods.map((p) => p.metadata?.name)).toContain('orphan');
    expect(pods.filter((p) => p.metadata?.name !== 'orphan').every((p) => p.metadata?.name?.startsWith('ctl-'))).toBe(true);

    await poll('status.replicas 3', 20_000, async () => {
      const st = (await client.get<Relaxed<ReplicationController>>(RCS, NS, 'ctl')).status;
      return st?.replicas === 3 && st.fullyLabeledReplicas === 3 && st.observedGeneration === 1 ? st : undefined;
    });
    const events = await kubectlOk(s.h, ['-n', NS, 'get', 'events', '--field-selector=involvedObject.kind=ReplicationController', '-o', 'json']);
    expect(events).toContain('SuccessfulCreate');

    expect(await kubectlOk(s.h, ['-n', NS, 'scale', 'rc/ctl', '--replicas=1'])).toContain('replicationcontroller/ctl scaled');
    await poll('1 live pod', 20_000, async () => ((await livePods()).length === 1 ? true : undefined));
    await poll('status.replicas 1', 20_000, async () => {
      const st = (await client.get<Relaxed<ReplicationController>>(RCS, NS, 'ctl')).status;
      return st?.replicas === 1 && st.observedGeneration === 2 ? st : undefined;
    });
    expect((await rows(['-n', NS, 'get', 'rc', 'ctl']))[1]!.slice(0, 3)).toEqual(['ctl', '1', '1']);

    // kubectl delete rc (background propagation): the garbage collector deletes the pods it controlled.
    expect(await kubectlOk(s.h, ['-n', NS, 'delete', 'rc', 'ctl'])).toContain('replicationcontroller "ctl" deleted');
    await poll('the RC pods deleted by the garbage collector', 30_000, async () => ((await livePods()).length === 0 ? true : undefined));
  }, 90_000);
});
