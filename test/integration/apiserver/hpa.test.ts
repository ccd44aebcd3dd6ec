/**
 * HorizontalPodAutoscalers end to end on a real API server over etcd, the real kubectl and the real controllers
 * (replicaset, deployment, horizontal-pod-autoscaler) in this process. Hollow nodes play the kubelets (bound pods turn
 * Running and Ready) and a tiny binder plays the scheduler. The resource metrics API is a table of per-pod CPU usages
 * given to the controller as its PodMetricsSource (the aggregation layer and metrics-server are the lab e2e's).
 *
 *   kubectl autoscale deployment web --cpu-percent=50 --min=1 --max=5 ──► kubectl get hpa: cpu: <unknown>/50%
 *   every pod at 100% of its 100m request ──► 1 -> 2 -> 4 -> 5 (the 2x-or-4 scale-up limit, then maxReplicas)
 *   every pod at 10%  ──► 5 -> 1 after the (2 s) downscale stabilization window, SuccessfulRescale events
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setMaxListeners } from 'node:events';
import { KubeClient } from '../../../api/client/api-client.js';
import { InformerFactory } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { findResource } from '../../../api/resources.js';
import { findResourceVersion } from '../../../api/kinds/registry.js';
import { labelSelectorMatches, parseToLabelSelector } from '../../../api/labels.js';
import { buildControllers, parseFlags } from '../../../control-plane/controllers/main.js';
import { newControllerContext } from '../../../control-plane/controllers/util/context.js';
import { HorizontalPodAutoscalerController } from '../../../control-plane/controllers/podautoscaler/controller.js';
import type { PodMetricsItem } from '../../../control-plane/controllers/podautoscaler/decide.js';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { kubectl, kubectlOk } from '../../support/apiserver.js';
import { HollowNodes } from '../../support/hollow-nodes.js';
import { poll } from '../../support/net.js';

const PODS = findResource('', 'pods')!;
const NODES = findResource('', 'nodes')!;
const DEPLOYMENTS = findResource('apps', 'deployments')!;
const HPAS = findResource('autoscaling', 'horizontalpodautoscalers')!;
const HPAS_V1 = findResourceVersion('autoscaling', 'v1', 'horizontalpodautoscalers')!;

let s: ApiOverEtcd;
useApiServerOverEtcd((x) => (s = x));

let client: KubeClient;
let nodes: HollowNodes | undefined;
const stop = new AbortController();
setMaxListeners(100, stop.signal);
let running: Promise<unknown> | undefined;
let informers: InformerFactory | undefined;
let binder: ReturnType<typeof setInterval> | undefined;

/** The fake resource metrics API: every pod's CPU usage in millicores (pods not listed report no metrics). */
let cpuMilli = 0;
const metricsAsked: string[] = [];
const fakeMetrics = {
  async list(namespace: string, labelSelector: string): Promise<PodMetricsItem[]> {
    metricsAsked.push(`${namespace} ${labelSelector}`);
    const sel = parseToLabelSelector(labelSelector);
    const pods = (await client.list<any>(PODS, namespace)).items.filter((p) => labelSelectorMatches(sel, p.metadata.labels ?? {}) && p.status?.phase === 'Running');
    return pods.map((p) => ({
      metadata: { name: p.metadata.name, namespace },
      timestamp: new Date().toISOString(),
      window: '1s',
      containers: p.spec.containers.map((c: any) => ({ name: c.name, usage: { cpu: `${cpuMilli}m`, memory: '10Mi' } })),
    }));
  },
};

async function bindPending(): Promise<void> {
  for (const p of (await client.list<any>(PODS, 'default')).items) {
    if (p.spec?.nodeName || p.metadata?.deletionTimestamp) continue;
    await client.bind('default', p.metadata.name, 'n1', p.metadata.uid).catch(() => undefined);
  }
}

beforeAll(async () => {
  client = KubeClient.fromKubeconfig(s.h.kubeconfig, undefined, { qps: 200, burst: 400 });
  nodes = new HollowNodes({ kubeconfig: s.h.kubeconfig, leaseRenewMs: 500 });
  await nodes.start([{ name: 'n1', cpu: '64', memory: '64Gi' }]);
  await client.patch(NODES, undefined, 'n1', { spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } }, 'merge');
  informers = new InformerFactory(client, { resyncPeriodMs: 60_000 });
  const ctx = newControllerContext(client, informers, { logger: () => silentLogger });
  const controllers = buildControllers(ctx, parseFlags(['--controllers=replicaset-controller,deployment-controller']));
  // The HPA controller as the table builds it, but with the fake metrics and short periods (the flags' defaults are 15 s and 5 m).
  const hpa = new HorizontalPodAutoscalerController(ctx, { syncPeriodMs: 400, downscaleStabilizationMs: 2_000, metrics: fakeMetrics });
  informers.start();
  running = Promise.all([...controllers, hpa].map((c) => c.run(stop.signal)));
  binder = setInterval(() => void bindPending().catch(() => undefined), 200);
}, 60_000);

afterAll(async () => {
  if (binder) clearInterval(binder);
  stop.abort();
  await running;
  await informers?.stop();
  await nodes?.stop();
});

const hpa = async (name: string) => client.get<any>(HPAS, 'default', name);
const replicas = async () => (await client.get<any>(DEPLOYMENTS, 'default', 'web')).spec.replicas as number;
const condition = (h: any, type: string) => (h.status?.conditions ?? []).find((c: any) => c.type === type);

describe('HorizontalPodAutoscaler', () => {
  it('kubectl autoscale creates an autoscaling/v1 HPA stored as v2; kubectl get hpa prints upstream columns', async () => {
    await kubectlOk(s.h, ['create', 'deployment', 'web', '--image=nginx']);
    await kubectlOk(s.h, ['set', 'resources', 'deployment', 'web', '--requests=cpu=100m']);
    const r = await kubectl(s.h, ['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=5', '-v=6']);
    expect(r.stdout).toBe('horizontalpodautoscaler.autoscaling/web autoscaled\n');
    // kubectl 1.32 sends autoscaling/v1
    expect(r.stderr).toMatch(/POST https:\/\/\S+\/apis\/autoscaling\/v1\/namespaces\/default\/horizontalpodautoscalers\?fieldManager=kubectl-autoscale 201 Created/);
    const out = await kubectlOk(s.h, ['get', 'hpa']);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/);
    expect(out.split('\n')[1]).toMatch(/^web\s+Deployment\/web\s+cpu: <unknown>\/50%\s+1\s+5\s+[01]\s+\S+$/);
    // etcd holds autoscaling/v2 under upstream's key
    const kv = await s.backend.get('/registry/horizontalpodautoscalers/default/web');
    const stored = JSON.parse(kv!.value.toString());
    expect(stored.apiVersion).toBe('autoscaling/v2');
    expect(stored.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    });
    expect(stored.metadata.annotations ?? {}).toEqual({});
  }, 60_000);

  it('scales up under load: 100% of the request against a 50% target, limited to 2x (or 4) per step and to maxReplicas', async () => {
    cpuMilli = 100;
    const seen = new Set<number>();
    await poll('5 replicas', 60_000, async () => {
      const n = await replicas();
      seen.add(n);
      return n === 5 ? true : undefined;
    });
    expect([...seen].every((n) => [1, 2, 4, 5].includes(n))).toBe(true);
    const { value: h } = await poll('the HPA status at 5 replicas', 30_000, async () => {
      const x = await hpa('web');
      return x.status?.currentReplicas === 5 && x.status?.currentMetrics?.[0]?.resource ? x : undefined;
    });
    expect(h.status.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 100, averageValue: '100m' } } }]);
    expect(h.status.desiredReplicas).toBe(5);
    expect(condition(h, 'AbleToScale')).toMatchObject({ status: 'True' });
    expect(condition(h, 'ScalingActive')).toMatchObject({
      status: 'True',
      reason: 'ValidMetricFound',
      message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
    });
    expect(condition(h, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' });
    expect(h.status.lastScaleTime).toEqual(expect.any(String));
    const out = await kubectlOk(s.h, ['get', 'hpa', 'web']);
    expect(out.split('\n')[1]).toMatch(/^web\s+Deployment\/web\s+cpu: 100%\/50%\s+1\s+5\s+5\s+\S+$/);
    // the metrics were asked for the target's selector
    expect(metricsAsked).toContain('default app=web');
    // autoscaling/v1 sees the CPU utilization, and the rest of the status in upstream's annotations
    const v1 = await client.get<any>(HPAS_V1, 'default', 'web');
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toEqual({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
    expect(v1.status).toMatchObject({ currentReplicas: 5, desiredReplicas: 5, currentCPUUtilizationPercentage: 100 });
    expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/current-metrics'])).toEqual([
      { type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 100, currentAverageValue: '100m' } },
    ]);
    expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/conditions']).map((c: any) => c.type)).toEqual(['AbleToScale', 'ScalingActive', 'ScalingLimited']);
    const events = await kubectlOk(s.h, ['get', 'events', '--field-selector=involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale', '-o', 'jsonpath={range .items[*]}{.source.component} {.message}{"\\n"}{end}']);
    expect(events).toContain('horizontal-pod-autoscaler New size: 2; reason: cpu resource utilization (percentage of request) above target\n');
    expect(events).toContain('horizontal-pod-autoscaler New size: 5; reason: cpu resource utilization (percentage of request) above target\n');
  }, 120_000);

  it('scales back down once usage falls, after the downscale stabilization window', async () => {
    cpuMilli = 10;
    await poll('1 replica', 60_000, async () => ((await replicas()) === 1 ? true : undefined));
    const { value: h } = await poll('the HPA at 10%', 30_000, async () => {
      const x = await hpa('web');
      return x.status?.currentReplicas === 1 && x.status?.currentMetrics?.[0]?.resource?.current?.averageUtilization === 10 ? x : undefined;
    });
    expect(h.status.desiredReplicas).toBe(1);
    const out = await kubectlOk(s.h, ['get', 'hpa', 'web']);
    expect(out.split('\n')[1]).toMatch(/^web\s+Deployment\/web\s+cpu: 10%\/50%\s+1\s+5\s+1\s+\S+$/);
    const events = await kubectlOk(s.h, ['get', 'events', '--field-selector=reason=SuccessfulRescale', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
    expect(events).toContain('New size: 1; reason: All metrics below target\n');
  }, 120_000);

  it('an HPA whose target does not exist says so in AbleToScale and a FailedGetScale event', async () => {
    await kubectlOk(s.h, ['create', '-f', '-'], JSON.stringify({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'ghost' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nope' }, maxReplicas: 3 },
    }));
    const { value: h } = await poll('FailedGetScale', 30_000, async () => {
      const x = await hpa('ghost');
      return condition(x, 'AbleToScale') ? x : undefined;
    });
    expect(condition(h, 'AbleToScale')).toMatchObject({
      status: 'False',
      reason: 'FailedGetScale',
      message: 'the HPA controller was unable to get the target\'s current scale: deployments.apps "nope" not found',
    });
    // defaulted as upstream: minReplicas 1 and an 80% CPU metric
    expect(h.spec.minReplicas).toBe(1);
    expect(h.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    const events = await kubectlOk(s.h, ['get', 'events', '--field-selector=involvedObject.name=ghost', '-o', 'jsonpath={range .items[*]}{.type} {.reason} {.message}{"\\n"}{end}']);
    expect(events).toContain('Warning FailedGetScale deployments.apps "nope" not found\n');
  }, 60_000);

  it('pods without a CPU request: ScalingActive False/FailedGetResourceMetric with upstream\'s message', async () => {
    await kubectlOk(s.h, ['create', 'deployment', 'norequests', '--image=nginx']);
    await kubectlOk(s.h, ['autoscale', 'deployment', 'norequests', '--cpu-percent=50', '--max=3']);
    // first "did not receive metrics for targeted pods (pods might be unready)": a fresh pod's first metric window
    // after it turned Ready is not counted; then the missing request
    const { value: h } = await poll('ScalingActive False/missing request', 60_000, async () => {
      const x = await hpa('norequests');
      return condition(x, 'ScalingActive')?.status === 'False' && /missing request/.test(condition(x, 'ScalingActive').message) ? x : undefined;
    });
    const pod = (await client.list<any>(PODS, 'default', { labelSelector: 'app=norequests' })).items[0].metadata.name;
    expect(condition(h, 'ScalingActive')).toMatchObject({
      reason: 'FailedGetResourceMetric',
      message: `the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container nginx of Pod ${pod}`,
    });
    // the status keeps one (empty) entry per metric, as upstream's
    expect(h.status.currentMetrics).toEqual([{ type: '' }]);
    expect((await kubectlOk(s.h, ['get', 'hpa', 'norequests'])).split('\n')[1]).toMatch(/^norequests\s+Deployment\/norequests\s+cpu: <unknown>\/50%\s+1\s+3\s+1\s+/);
  }, 90_000);

  it('refuses bad input with upstream\'s messages (422), through both versions', async () => {
    const bad = await kubectl(s.h, ['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'bad' },
        spec: {
          scaleTargetRef: { kind: 'Deployment', name: '' },
          minReplicas: 3,
          maxReplicas: 2,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }],
          behavior: { scaleDown: { policies: [], stabilizationWindowSeconds: 4000 }, scaleUp: { selectPolicy: 'Fastest', policies: [{ type: 'Pods', value: 0, periodSeconds: 2000 }] } },
        },
      }),
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toBe(
      'The HorizontalPodAutoscaler "bad" is invalid: \n' +
        '* spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`\n' +
        '* spec.scaleTargetRef.name: Required value\n' +
        '* spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization\n' +
        '* spec.behavior.scaleUp.selectPolicy: Unsupported value: "Fastest": supported values: "Disabled", "Max", "Min"\n' +
        '* spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero\n' +
        '* spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 2000: must be less than or equal to 1800\n' +
        '* spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600\n' +
        '* spec.behavior.scaleDown.policies: Required value: must specify at least one Policy\n',
    );
    const v1 = await kubectl(s.h, ['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'autoscaling/v1',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'bad1' },
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 0, targetCPUUtilizationPercentage: -5 },
      }),
    });
    expect(v1.stderr).toBe(
      'The HorizontalPodAutoscaler "bad1" is invalid: \n' +
        '* spec.maxReplicas: Invalid value: 0: must be greater than 0\n' +
        '* spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`\n' +
        '* spec.metrics[0].resource.target.averageUtilization: Invalid value: -5: must be greater than 0\n',
    );
  }, 60_000);

  it('spec.behavior round-trips through autoscaling/v1 in upstream\'s annotation, and kubectl explain knows the fields', async () => {
    await kubectlOk(s.h, ['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'mem' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        maxReplicas: 3,
        metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 5 } },
      },
    }));
    const v1 = await client.get<any>(HPAS_V1, 'default', 'mem');
    expect(v1.spec.targetCPUUtilizationPercentage).toBeUndefined();
    expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'])).toEqual([{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } }]);
    expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior'])).toEqual({
      ScaleUp: { StabilizationWindowSeconds: 0, SelectPolicy: 'Max', Policies: [{ Type: 'Pods', Value: 4, PeriodSeconds: 15 }, { Type: 'Percent', Value: 100, PeriodSeconds: 15 }] },
      ScaleDown: { StabilizationWindowSeconds: 5, SelectPolicy: 'Max', Policies: [{ Type: 'Percent', Value: 100, PeriodSeconds: 15 }] },
    });
    // a v1 update (maxReplicas 4) keeps what only v2 can say
    await client.update(HPAS_V1, { ...v1, spec: { ...v1.spec, maxReplicas: 4 } });
    const v2 = await hpa('mem');
    expect(v2.metadata.annotations?.['autoscaling.alpha.kubernetes.io/behavior']).toBeUndefined();
    expect(v2.spec.maxReplicas).toBe(4);
    expect(v2.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }]);
    expect(v2.spec.behavior.scaleDown).toEqual({ stabilizationWindowSeconds: 5, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
    const explained = await kubectlOk(s.h, ['explain', 'hpa.spec.behavior.scaleDown.stabilizationWindowSeconds']);
    expect(explained).toContain('VERSION:    v2');
    expect(explained).toContain('stabilizationWindowSeconds is the number of seconds for which past');
    const resources = await kubectlOk(s.h, ['api-resources', '--api-group=autoscaling']);
    expect(resources).toMatch(/^horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler$/m);
  }, 60_000);
});
