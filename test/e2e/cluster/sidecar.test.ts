/**
 * Native sidecar containers (KEP-753, issue 13) on the one-machine lab: init containers with
 * `restartPolicy: Always`, run by the real kubelets on containerd, driven by the real kubectl. (The same behaviour on
 * Docker, with real containers, is test/integration/kubelet/sidecars.test.ts: a second lab here cost CI two minutes.)
 *
 * - a logging sidecar starts before the app (the app finds the file the sidecar wrote, or it would crash), keeps
 *   running beside it and ships the app's log (`kubectl logs -c logshipper`); READY shows 2/2; its status is in
 *   initContainerStatuses with started / ready.
 * - a sidecar that exits is restarted (restartCount grows) while the app keeps running and the pod stays Running.
 * - a Job whose pod has a sidecar completes: once the app container finished, the kubelet stops the sidecar and the
 *   pod is Succeeded from the app alone.
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLab, E2E_LAB_DIR, Lab, kubelabBin, leftovers, repo, show, waitFor } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');
const NS = 'sidecars';

interface ContainerStatusView {
  name: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: { running?: { startedAt?: string }; terminated?: { exitCode?: number; reason?: string; startedAt?: string }; waiting?: { reason?: string } };
  lastState?: { terminated?: { exitCode?: number } };
}
interface PodView {
  metadata: { name: string };
  status: { phase?: string; conditions?: { type: string; status: string; reason?: string }[]; initContainerStatuses?: ContainerStatusView[]; containerStatuses?: ContainerStatusView[] };
}

const loggingPod = `apiVersion: v1
kind: Pod
metadata: {name: logging, namespace: ${NS}}
spec:
  terminationGracePeriodSeconds: 5
  volumes: [{name: shared, emptyDir: {}}]
  initContainers:
  - name: logshipper
    image: busybox
    restartPolicy: Always
    command: [sh, -c, 'echo sidecar up > /shared/sidecar-was-here; touch /shared/app.log; exec tail -F /shared/app.log']
    volumeMounts: [{name: shared, mountPath: /shared}]
  containers:
  - name: app
    image: busybox
    command: [sh, -c, 'test -f /shared/sidecar-was-here || exit 3; i=0; while true; do i=$((i+1)); echo "app line $i" >> /shared/app.log; sleep 1; done']
    volumeMounts: [{name: shared, mountPath: /shared}]
`;

const flakyPod = `apiVersion: v1
kind: Pod
metadata: {name: flaky, namespace: ${NS}}
spec:
  terminationGracePeriodSeconds: 2
  initContainers:
  - name: flaky
    image: busybox
    restartPolicy: Always
    command: [sh, -c, 'echo flaky started; sleep 2; exit 1']
  containers:
  - name: app
    image: busybox
    command: [sleep, '3600']
`;

const job = `apiVersion: batch/v1
kind: Job
metadata: {name: with-sidecar, namespace: ${NS}}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 5
      initContainers:
      - name: proxy
        image: busybox
        restartPolicy: Always
        command: [sh, -c, 'trap "exit 0" TERM; while true; do sleep 1; done']
      containers:
      - name: work
        image: busybox
        command: [sh, -c, 'echo working; sleep 2; echo done']
`;

describe.each(['containerd'] as const)('native sidecar containers on the lab (%s)', (runtime) => {
  let lab: Lab;

  beforeAll(async () => {
    await assertNoLab(E2E_LAB_DIR);
    lab = new Lab(E2E_LAB_DIR, await kubelabBin(STATE));
  }, 300_000);


  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  const pod = (name: string) => lab.json<PodView>('-n', NS, 'get', 'pod', name);

  it('scripts/lab up', async () => {
    const r = await lab.up(runtime);
    expect(r.code, show(r)).toBe(0);
    await lab.kc('create', 'namespace', NS);
  }, 450_000);

  it('a logging sidecar starts before the app, keeps running beside it and ships its log (kubectl logs -c)', async () => {
    await lab.apply(loggingPod);
    const { value: p, ms } = await waitFor('pod logging Running and Ready', 90_000, async () => {
      const x = await pod('logging');
      return x.status.phase === 'Running' && x.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? x : undefined;
    });
    console.log(`[sidecar] logging pod Ready after ${ms} ms`);
    const sidecar = p.status.initContainerStatuses?.[0];
    expect(sidecar).toMatchObject({ name: 'logshipper', started: true, ready: true, restartCount: 0, state: { running: {} } });
    // The app found the sidecar's file at its first start: it never crashed.
    expect(p.status.containerStatuses?.[0]).toMatchObject({ name: 'app', ready: true, restartCount: 0 });
    expect(Date.parse(sidecar!.state!.running!.startedAt!)).toBeLessThanOrEqual(Date.parse(p.status.containerStatuses![0]!.state!.running!.startedAt!));
    expect(p.status.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
    // kubectl counts the sidecar in READY.
    expect(await lab.kc('-n', NS, 'get', 'pod', 'logging')).toMatch(/logging\s+2\/2\s+Running\s+0/);
    await waitFor('the sidecar ships the app log', 30_000, async () => {
      const r = await lab.kubectl(['-n', NS, 'logs', 'logging', '-c', 'logshipper']);
      return r.code === 0 && /app line 3/.test(r.stdout) ? r.stdout : undefined;
    });
  }, 150_000);

  it('a sidecar that exits is restarted (whatever the pod\'s restartPolicy) while the app keeps running', async () => {
    await lab.apply(flakyPod);
    const { value: p } = await waitFor('sidecar flaky restarted twice', 120_000, async () => {
      const x = await pod('flaky');
      return (x.status.initContainerStatuses?.[0]?.restartCount ?? 0) >= 2 ? x : undefined;
    });
    expect(p.status.phase).toBe('Running');
    expect(p.status.containerStatuses?.[0]).toMatchObject({ name: 'app', restartCount: 0, state: { running: {} } });
    expect(p.status.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
    const prev = await lab.kubectl(['-n', NS, 'logs', 'flaky', '-c', 'flaky', '--previous']);
    expect(prev.stdout, show(prev)).toContain('flaky started');
  }, 150_000);

  it('a Job whose pod has a sidecar completes: the sidecar is stopped once the app finished, the pod Succeeded', async () => {
    await lab.apply(job);
    const w = await lab.kubectl(['-n', NS, 'wait', '--for=condition=complete', 'job/with-sidecar', '--timeout=120s'], { timeoutMs: 130_000 });
    expect(w.code, show(w)).toBe(0);
    const pods = await lab.json<{ items: PodView[] }>('-n', NS, 'get', 'pods', '-l', 'job-name=with-sidecar');
    expect(pods.items).toHaveLength(1);
    const p = pods.items[0]!;
    expect(p.status.phase).toBe('Succeeded');
    expect(p.status.containerStatuses?.[0]).toMatchObject({ name: 'work', state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    // The sidecar was stopped by the kubelet (SIGTERM: its trap exits 0), never restarted.
    expect(p.status.initContainerStatuses?.[0]).toMatchObject({ name: 'proxy', restartCount: 0, state: { terminated: {} } });
    const logs = await lab.kubectl(['-n', NS, 'logs', p.metadata.name, '-c', 'work']);
    expect(logs.stdout, show(logs)).toContain('done');
  }, 180_000);

  it('deleting a pod with a sidecar stops it within its grace period', async () => {
    const t0 = Date.now();
    const d = await lab.kubectl(['-n', NS, 'delete', 'pod', 'logging', '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 });
    expect(d.code, show(d)).toBe(0);
    // tail and the shell loop ignore nothing: SIGTERM ends them; well inside the 5 s grace (plus the API's round trips).
    expect(Date.now() - t0).toBeLessThan(20_000);
  }, 90_000);

  it('scripts/lab down leaves nothing', async () => {
    const r = await lab.down();
    expect(r.code, show(r)).toBe(0);
    expect(await leftovers(E2E_LAB_DIR)).toEqual([]);
  }, 180_000);
});
