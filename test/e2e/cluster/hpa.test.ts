/**
 * The HorizontalPodAutoscaler on the lab (issue 13), with real pods, the real kubectl and metrics-server: a Deployment
 * whose pods spin on the CPU (100m requested, 200m limit) is scaled up by an autoscaling/v2 HPA (cpu 50%, 1..3
 * replicas), then back down to 1 once the pods go idle (`kubectl set env MODE=idle` rolls them to a sleeping
 * command). The HPA has a short scale-down stabilization window (spec.behavior) so the test does not wait the
 * default 5 minutes. The controller manager runs the HPA controller with its defaults (15 s sync period) as its own
 * ServiceAccount (system:controller:horizontal-pod-autoscaler reads metrics.k8s.io through the aggregation layer).
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLab, E2E_LAB_DIR, kubelabBin, Lab, repo, show, waitFor } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');

const WORKLOADS = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: burn, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: burn}}
  template:
    metadata: {labels: {app: burn}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
        - name: spin
          image: busybox
          env: [{name: MODE, value: burn}]
          command: [sh, -c, 'if [ "$MODE" = burn ]; then while :; do :; done; else exec sleep 3600; fi']
          resources:
            requests: {cpu: 100m, memory: 16Mi}
            limits: {cpu: 200m, memory: 64Mi}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: burn, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: burn}
  minReplicas: 1
  maxReplicas: 3
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 15
      policies: [{type: Percent, value: 100, periodSeconds: 15}]
`;

describe('HorizontalPodAutoscaler on the lab (containerd): scale up under a CPU burner, back down when idle', () => {
  let lab: Lab;
  const labDir = E2E_LAB_DIR;

  beforeAll(async () => {
    await assertNoLab(labDir);
    lab = new Lab(labDir, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  const replicas = async () => Number((await lab.kc('get', 'deployment', 'burn', '-o', 'jsonpath={.spec.replicas}')).trim());
  const rescales = async () =>
    lab.kc('get', 'events', '--field-selector=involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=burn,reason=SuccessfulRescale', '-o', 'jsonpath={range .items[*]}{.source.component}: {.message}{"\\n"}{end}');

  it('scripts/lab up: the metrics API is Available', async () => {
    const r = await lab.up('containerd');
    expect(r.code, show(r)).toBe(0);
    await waitFor('APIService v1beta1.metrics.k8s.io Available', 120_000, async () => {
      const r2 = await lab.kubectl(['get', 'apiservice', 'v1beta1.metrics.k8s.io', '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}']);
      return r2.stdout.trim() === 'True';
    }, 1000);
  }, 600_000);

  it('the burner drives the Deployment to maxReplicas; kubectl get hpa shows the utilization', async () => {
    await lab.apply(WORKLOADS);
    const first = await lab.kc('get', 'hpa', 'burn');
    console.log(first);
    expect(first.split('\n')[0]).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/);
    expect(first.split('\n')[1]).toMatch(/^burn\s+Deployment\/burn\s+cpu: (<unknown>|\d+%)\/50%\s+1\s+3\s+\d\s+\S+$/);
    await waitFor('3 replicas', 300_000, async () => ((await replicas()) === 3 ? true : undefined), 3000);
    const { value: out } = await waitFor('the HPA status at 3 replicas with a CPU reading', 120_000, async () => {
      const o = await lab.kc('get', 'hpa', 'burn');
      return /^burn\s+Deployment\/burn\s+cpu: \d+%\/50%\s+1\s+3\s+3\s+/m.test(o) ? o : undefined;
    }, 3000);
    console.log(out);
    const util = Number(/cpu: (\d+)%/.exec(out)![1]);
    expect(util).toBeGreaterThan(50);
    const events = await rescales();
    console.log(events);
    expect(events).toMatch(/^horizontal-pod-autoscaler: New size: [23]; reason: cpu resource utilization \(percentage of request\) above target$/m);
    const described = await lab.kc('describe', 'hpa', 'burn');
    expect(described).toMatch(/AbleToScale\s+True/);
    expect(described).toMatch(/ScalingActive\s+True\s+ValidMetricFound/);
  }, 480_000);

  it('idle pods bring it back to minReplicas after the short stabilization window', async () => {
    await lab.kc('set', 'env', 'deployment/burn', 'MODE=idle');
    await waitFor('1 replica', 360_000, async () => ((await replicas()) === 1 ? true : undefined), 3000);
    const events = await rescales();
    console.log(events);
    expect(events).toMatch(/^horizontal-pod-autoscaler: New size: 1; reason: All metrics below target$/m);
    const { value: out } = await waitFor('the HPA at 1 replica', 120_000, async () => {
      const o = await lab.kc('get', 'hpa', 'burn');
      return /^burn\s+Deployment\/burn\s+cpu: \d+%\/50%\s+1\s+3\s+1\s+/m.test(o) ? o : undefined;
    }, 3000);
    console.log(out);
    expect(Number(/cpu: (\d+)%/.exec(out)![1])).toBeLessThan(50);
  }, 480_000);
});
