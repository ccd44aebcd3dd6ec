/**
 * One behaviour suite every `ContainerRuntime` must pass (containerd.test.ts and docker.test.ts run
 * it against a real containerd and a real dockerd, pulling from the lab registry as docker.io mirror).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerExit, ContainerRuntime, ContainerSpec, PullOptions } from '../../../node-agent/runtime/runtime.js';
import { LABELS } from '../../../node-agent/runtime/runtime.js';
import { parseCriLogLine } from '../../../node-agent/runtime/image.js';
import { netnsAdd, netnsDel, netnsPurge } from '../../support/host.js';
import { waitFor } from '../../support/runtime-services.js';
import { StatsCollector } from '../../../node-agent/kubelet/stats-collector.js';
import { resourceMetricsText } from '../../../node-agent/kubelet/stats.js';

export interface SuiteEnv {
  runtime: ContainerRuntime;
  /** A second client of the same runtime and node (a restarted kubelet). */
  reconnect(): ContainerRuntime;
  pull: PullOptions;
}

export interface SuiteTarget {
  name: 'containerd' | 'docker';
  setup(): Promise<SuiteEnv>;
  teardown(): Promise<void>;
  /** Runtime-specific tests, run inside the suite (services up). */
  extra?: (env: () => SuiteEnv) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let buf = '';
  stream.on('data', (d: Buffer) => { buf += d.toString('utf8'); });
  return { stream, text: () => buf };
}

export function runtimeSuite(target: SuiteTarget): void {
  describe(`ContainerRuntime: ${target.name}`, () => {
    let env: SuiteEnv;
    let rt: ContainerRuntime;
    const exits: ContainerExit[] = [];
    const netnsPrefix = `kubelab-rt-${target.name}-`;
    const netns = `${netnsPrefix}${process.pid}`;
    let logDir: string;
    const run = randomBytes(3).toString('hex');
    let n = 0;

    const spec = (over: Partial<ContainerSpec> & { image?: string }): ContainerSpec => {
      n++;
      const pod = over.labels?.[LABELS.podUid] ?? `uid-${run}-${n}`;
      return {
        name: `k8s_c${n}_pod${n}_default_${run}_0`,
        image: 'busybox',
        ...over,
        labels: {
          [LABELS.podUid]: pod,
          [LABELS.podName]: `pod${n}`,
          [LABELS.podNamespace]: 'default',
          [LABELS.containerName]: `c${n}`,
          [LABELS.restartCount]: '0',
          ...(over.labels ?? {}),
        },
      };
    };

    const runIt = async (s: ContainerSpec) => {
      const id = await rt.createContainer(s);
      await rt.startContainer(id);
      return id;
    };

    const waitExited = async (id: string, ms = 20_000) => {
      await waitFor(`container ${id.slice(0, 12)} to exit`, async () => (await rt.containerStatus(id)).state === 'exited', ms);
      return rt.containerStatus(id);
    };

    const readLog = (path: string) =>
      existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];

    beforeAll(async () => {
      netnsPurge(netnsPrefix);
      env = await target.setup();
      rt = env.runtime;
      rt.subscribeExits((e) => exits.push(e));
      // Every test may rely on these two being on the node (the pull test checks pulling itself).
      await rt.pullImage('nginx', env.pull);
      await rt.pullImage('busybox', env.pull);
      logDir = mkdtempSync(join(tmpdir(), `kubelab-rt-logs-${target.name}-`));
    }, 180_000);

    afterAll(async () => {
      try {
        if (rt) for (const c of await rt.listContainers()) await rt.removeContainer(c.id).catch(() => undefined);
        await rt?.close();
      } finally {
        netnsDel(netns);
        if (logDir) rmSync(logDir, { recursive: true, force: true });
        await target.teardown();
      }
    }, 180_000);

    it('reports its name and version', async () => {
      const v = await rt.version();
      expect(v.name).toBe(target.name);
      expect(v.version).toMatch(/^\d+\.\d+\.\d+$/);
    });

    it('pulls nginx and busybox through the registry mirrored for docker.io', async () => {
      const nginx = await rt.pullImage('nginx', env.pull);
      expect(nginx.imageRef).toMatch(/^docker\.io\/library\/nginx@sha256:[a-f0-9]{64}$/);
      expect(nginx.imageId).toMatch(/^sha256:[a-f0-9]{64}$/);
      const again = await rt.pullImage('nginx:latest', env.pull);
      expect(again.imageId).toBe(nginx.imageId);
      const v122 = await rt.pullImage('docker.io/library/nginx:1.22', env.pull);
      expect(v122.imageId).toBe(nginx.imageId);
      await rt.pullImage('busybox', env.pull);

      const st = await rt.imageStatus('nginx');
      expect(st?.imageId).toBe(nginx.imageId);
      expect(st?.names).toContain('docker.io/library/nginx:latest');
      expect(await rt.imageStatus('docker.io/library/nosuchimage:latest')).toBeUndefined();
      const all = await rt.listImages();
      expect(all.some((i) => i.names.includes('docker.io/library/busybox:latest'))).toBe(true);
    });

    it('concurrent pulls of one image (two pods starting together) all succeed', async () => {
      const results = await Promise.all([rt.pullImage('nginx', env.pull), rt.pullImage('nginx', env.pull), rt.pullImage('nginx:latest', env.pull)]);
      expect(new Set(results.map((r) => r.imageId)).size).toBe(1);
      expect((await rt.imageStatus('nginx'))?.imageId).toBe(results[0]!.imageId);
    });

    it('fails to pull an image that does not exist with a not-found error', async () => {
      await expect(rt.pullImage('doesnotexist', env.pull)).rejects.toThrow(/not found/i);
    });

    it('creates, starts and lists containers by labels; exec returns exit codes and output', async () => {
      const s = spec({ image: 'nginx', hostname: 'web-0' });
      const id = await runIt(s);
      const listed = await rt.listContainers({ labels: { [LABELS.podUid]: s.labels[LABELS.podUid] } });
      expect(listed.map((c) => c.id)).toEqual([id]);
      expect(listed[0].state).toBe('running');
      expect(listed[0].labels[LABELS.containerName]).toBe(s.labels[LABELS.containerName]);
      expect(listed[0].startedAt).toBeInstanceOf(Date);
      expect(listed[0].imageId).toMatch(/^sha256:/);
      expect(await rt.listContainers({ labels: { [LABELS.podUid]: 'nobody' } })).toEqual([]);

      const out = collect();
      const err = collect();
      expect(await rt.exec(id, ['nginx', '-v'], { stdout: out.stream, stderr: err.stream })).toBe(0);
      expect(err.text()).toContain('nginx version: nginx/1.22');
      expect(await rt.exec(id, ['sh', '-c', 'exit 7'])).toBe(7);
      const host = collect();
      await rt.exec(id, ['hostname'], { stdout: host.stream });
      expect(host.text().trim()).toBe('web-0');

      const input = new PassThrough();
      const echoed = collect();
      const p = rt.exec(id, ['cat'], { stdin: input, stdout: echoed.stream });
      input.end('through stdin\n');
      expect(await p).toBe(0);
      expect(echoed.text()).toBe('through stdin\n');
    });

    it('execs with a tty, resized by the caller', async () => {
      const id = await runIt(spec({ command: ['sleep', '300'] }));
      async function* sizes() {
        yield { width: 100, height: 40 };
      }
      const out = collect();
      const code = await rt.exec(id, ['sh', '-c', 'sleep 0.5; tty; stty size; exit 2'], { tty: true, stdout: out.stream, resize: sizes() });
      expect(code).toBe(2);
      expect(out.text()).toMatch(/\/dev\/pts\/\d+/);
      expect(out.text()).toContain('40 100');
    });

    it('writes CRI-format logs with both streams to the log path', async () => {
      const logPath = join(logDir, 'default_logs_uid', 'c', '0.log');
      const id = await runIt(spec({ command: ['sh', '-c', 'echo out-1; echo err-1 >&2; echo out-2'], logPath }));
      const st = await waitExited(id);
      expect(st.exitCode).toBe(0);
      expect(st.reason).toBe('Completed');
      await waitFor('log lines', () => readLog(logPath).length >= 3, 10_000);
      const entries = readLog(logPath).map((l) => parseCriLogLine(l));
      expect(entries.every((e) => e !== undefined)).toBe(true);
      expect(entries.map((e) => `${e!.stream}:${e!.text}`).sort()).toEqual(['stderr:err-1', 'stdout:out-1', 'stdout:out-2']);
      expect(entries.every((e) => !e!.partial)).toBe(true);
      expect(readLog(logPath)[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (stdout|stderr) F /);
    });

    it('reports the exit code of a failing command and tells subscribers', async () => {
      const id = await runIt(spec({ command: ['sh', '-c', 'exit 3'] }));
      const st = await waitExited(id);
      expect(st.exitCode).toBe(3);
      expect(st.reason).toBe('Error');
      expect(st.finishedAt!.getTime()).toBeGreaterThanOrEqual(st.startedAt!.getTime() - 1000);
      await waitFor('exit event', () => exits.some((e) => e.id === id), 10_000);
      expect(exits.find((e) => e.id === id)?.exitCode).toBe(3);
    });

    it('gives the runtime error for a command that does not exist', async () => {
      const id = await rt.createContainer(spec({ command: ['/no/such/binary'] }));
      await expect(rt.startContainer(id)).rejects.toThrow(/no such file or directory|executable file not found/);
      const st = await rt.containerStatus(id);
      expect(st.state).toBe('exited');
      expect(st.exitCode).not.toBe(0);
      expect(st.reason).toMatch(/StartError|ContainerCannotRun/);
      expect(st.message).toMatch(/\/no\/such\/binary/);
    });

    it('stops with the stop signal first, then SIGKILL after the grace period', async () => {
      const logPath = join(logDir, 'default_stop_uid', 'c', '0.log');
      const polite = await runIt(spec({
        command: ['sh', '-c', 'trap "echo got-TERM; exit 4" TERM; echo ready; while :; do sleep 0.1; done'], logPath,
      }));
      await waitFor('ready', () => readLog(logPath).some((l) => l.endsWith(' ready')), 10_000);
      let t = Date.now();
      await rt.stopContainer(polite, 10);
      expect(Date.now() - t).toBeLessThan(5000);
      const st = await rt.containerStatus(polite);
      expect(st.state).toBe('exited');
      expect(st.exitCode).toBe(4);
      await waitFor('TERM logged', () => readLog(logPath).some((l) => l.endsWith('stdout F got-TERM')), 5000);

      const stubborn = await runIt(spec({ command: ['sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done'] }));
      await sleep(300);
      t = Date.now();
      await rt.stopContainer(stubborn, 2);
      const took = Date.now() - t;
      expect(took).toBeGreaterThanOrEqual(1800);
      expect(took).toBeLessThan(10_000);
      const st2 = await rt.containerStatus(stubborn);
      expect(st2.state).toBe('exited');
      expect(st2.exitCode).toBe(137);
      await rt.stopContainer(stubborn, 2); // idempotent
    });

    it('reports OOMKilled for a container over its memory limit', async () => {
      const id = await runIt(spec({
        // dd's 64 MiB buffer; after a moment, as a real workload would (the runtime watches OOM from start).
        command: ['sh', '-c', 'sleep 0.3; exec dd if=/dev/zero of=/dev/null bs=64M count=1'],
        resources: { memoryLimitBytes: 16 * 1024 * 1024 },
      }));
      const st = await waitExited(id);
      await waitFor('OOMKilled', async () => (await rt.containerStatus(id)).reason === 'OOMKilled', 5000);
      expect((await rt.containerStatus(id)).exitCode).toBe(137);
      expect(st.state).toBe('exited');
      await waitFor('oom exit event', () => exits.some((e) => e.id === id && e.oomKilled), 5000);
    });

    it('applies cgroup limits, user, env, workingDir and bind mounts', async () => {
      const hostDir = mkdtempSync(join(tmpdir(), 'kubelab-rt-mount-'));
      try {
        writeFileSync(join(hostDir, 'file.txt'), 'from-the-host', { mode: 0o644 });
        chmodSync(hostDir, 0o777); // writable for uid 1234 were it not mounted read-only
        const id = await runIt(spec({
          command: ['sleep', '300'],
          resources: { memoryLimitBytes: 64 * 1024 * 1024, cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000 },
          user: { uid: 1234, gid: 5678 },
          env: [{ name: 'GREETING', value: 'hello world' }],
          workingDir: '/tmp',
          mounts: [{ hostPath: hostDir, containerPath: '/data', readOnly: true }],
        }));
        const out = collect();
        const code = await rt.exec(id, ['sh', '-c', [
          'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us',
          'id -u; id -g; echo "$GREETING"; pwd; cat /data/file.txt; echo',
          'touch /data/x 2>/dev/null && echo writable || echo read-only',
        ].join('; ')], { stdout: out.stream });
        expect(code).toBe(0);
        expect(out.text().trim()).toBe([
          String(64 * 1024 * 1024), '512', '50000', '1234', '5678', 'hello world', '/tmp', 'from-the-host', 'read-only',
        ].join('\n'));
      } finally {
        rmSync(hostDir, { recursive: true, force: true });
      }
    });

    it('joins the pod network namespace given by path', async () => {
      const path = netnsAdd(netns);
      execFileSync('ip', ['-n', netns, 'link', 'add', 'kltest0', 'type', 'veth', 'peer', 'name', 'kltest1']);
      const inode = execFileSync('stat', ['-L', '-c', '%i', path], { encoding: 'utf8' }).trim();
      const uid = `uid-${run}-net`;
      const a = await runIt(spec({ command: ['sleep', '300'], netnsPath: path, hostname: 'pod-net', labels: { [LABELS.podUid]: uid } }));
      const b = await runIt(spec({ command: ['sleep', '300'], netnsPath: path, hostname: 'pod-net', labels: { [LABELS.podUid]: uid } }));
      for (const id of [a, b]) {
        const out = collect();
        expect(await rt.exec(id, ['sh', '-c', 'readlink /proc/self/ns/net; ip link; hostname'], { stdout: out.stream })).toBe(0);
        expect(out.text()).toContain(`net:[${inode}]`);
        expect(out.text()).toContain('kltest0');
        expect(out.text().trim().endsWith('pod-net')).toBe(true);
      }
      for (const id of [a, b]) await rt.removeContainer(id);

      // nginx in the pod netns serves its default page; the request shows in its CRI log (stdout).
      execFileSync('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
      const logPath = join(logDir, 'default_web_uid', 'nginx', '0.log');
      const web = await runIt(spec({ image: 'nginx', netnsPath: path, hostname: 'web', logPath }));
      let page = '';
      await waitFor('nginx to answer', () => {
        page = execFileSync('nsenter', [`--net=${path}`, 'timeout', '3', 'busybox', 'wget', '-qO-', 'http://127.0.0.1/'], { encoding: 'utf8' });
        return page.includes('Welcome to nginx!');
      }, 10_000, 100);
      await waitFor('access log line', () => readLog(logPath).some((l) => / stdout F 127\.0\.0\.1 - - \[.*\] "GET \/ HTTP\/1\.1" 200 /.test(l)), 5000);
      await rt.removeContainer(web);
    });

    it('reports the PID of a running container; the kubelet\'s stats read its real cgroups (a busy loop uses CPU)', async () => {
      const busy = spec({ command: ['sh', '-c', 'while :; do :; done'], resources: { memoryLimitBytes: 64 << 20 } });
      const id = await runIt(busy);
      try {
        const st = await rt.containerStatus(id);
        expect(st.state).toBe('running');
        expect(st.pid).toBeGreaterThan(0);
        expect(readFileSync(`/proc/${st.pid}/cgroup`, 'utf8')).toMatch(id.slice(0, 12));
        const stats = new StatsCollector({ runtime: rt, nodeName: 'node-under-test', pods: () => [] });
        await stats.summary();
        await sleep(1500);
        const summary = await stats.summary();
        const pod = summary.pods.find((p) => p.podRef.uid === busy.labels[LABELS.podUid]);
        expect(pod, JSON.stringify(summary.pods.map((p) => p.podRef))).toBeDefined();
        const c = pod!.containers[0]!;
        expect(c.name).toBe(busy.labels[LABELS.containerName]);
        // a shell spinning on one core: well over a fifth of a core between the two reads, at most the machine
        expect(c.cpu!.usageNanoCores).toBeGreaterThan(200_000_000);
        expect(c.cpu!.usageCoreNanoSeconds).toBeGreaterThan(200_000_000);
        expect(c.memory!.workingSetBytes).toBeGreaterThan(0);
        expect(c.memory!.workingSetBytes).toBeLessThan(64 << 20);
        expect(summary.node.cpu.usageNanoCores).toBeGreaterThan(0);
        expect(summary.node.memory.workingSetBytes).toBeGreaterThan(0);
        expect(resourceMetricsText(summary)).toContain(`container_cpu_usage_seconds_total{container="${c.name}",namespace="default",pod="${pod!.podRef.name}"}`);
      } finally {
        await rt.removeContainer(id);
      }
    });

    it('is found again by a new client (a restarted kubelet), unchanged', async () => {
      const s = spec({ command: ['sleep', '300'] });
      const id = await runIt(s);
      const before = await rt.containerStatus(id);
      const again = env.reconnect();
      try {
        const found = await again.listContainers({ labels: { [LABELS.podUid]: s.labels[LABELS.podUid] } });
        expect(found).toHaveLength(1);
        expect(found[0].id).toBe(id);
        expect(found[0].state).toBe('running');
        expect(found[0].startedAt?.getTime()).toBe(before.startedAt?.getTime());
        expect(await again.exec(id, ['true'])).toBe(0);
      } finally {
        await again.close();
      }
    });

    it('removes containers (idempotent) and reports unknown ids as NotFound', async () => {
      const s = spec({ command: ['sleep', '300'] });
      const id = await runIt(s);
      await rt.removeContainer(id);
      await rt.removeContainer(id);
      await expect(rt.containerStatus(id)).rejects.toMatchObject({ reason: 'NotFound' });
      expect(await rt.listContainers({ labels: { [LABELS.podUid]: s.labels[LABELS.podUid] } })).toEqual([]);
      mkdirSync(logDir, { recursive: true });
    });

    it('removes an image', async () => {
      expect(await rt.imageStatus('busybox')).toBeDefined();
      await rt.removeImage('busybox');
      expect(await rt.imageStatus('busybox')).toBeUndefined();
      await expect(rt.removeImage('busybox')).rejects.toMatchObject({ reason: 'NotFound' });
      await rt.pullImage('busybox', env.pull); // for the tests that follow
    });

    target.extra?.(() => env);
  });
}
