import { describe, expect, it } from 'vitest';
import {
  containerUsage, goFloat, kubeletRequestAttributes, nanoCores, nodeMemory, parseMeminfo, parseProcCgroup, parseProcStat,
  podUsage, resourceMetricsText, type Summary,
} from '../../../node-agent/kubelet/stats.js';
import { cgroupFiles, cgroupMounts, StatsCollector } from '../../../node-agent/kubelet/stats-collector.js';
import { FakeRuntime } from './fake-runtime.js';

const T = '2026-12-05T01:00:00.000Z';

describe('cgroup and /proc parsing', () => {
  it.each([
    ['v1 cpuacct.usage in ns', { version: 1 as const, cpu: '2500000000\n' }, 2_500_000_000],
    ['v2 cpu.stat usage_usec x1000', { version: 2 as const, cpu: 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n' }, 1_500_000],
  ])('%s', (_n, texts, ns) => {
    expect(containerUsage(texts, T).cpu).toEqual({ time: T, usageCoreNanoSeconds: ns });
  });

  it.each([
    ['v1: usage - total_inactive_file', 1, '10000', 'cache 5\ntotal_inactive_file 3000\ntotal_rss 6000\ntotal_pgfault 7\ntotal_pgmajfault 1\n', { usageBytes: 10000, workingSetBytes: 7000, rssBytes: 6000, pageFaults: 7, majorPageFaults: 1 }],
    ['v2: current - inactive_file', 2, '8192', 'anon 4096\ninactive_file 1024\npgfault 3\npgmajfault 0\n', { usageBytes: 8192, workingSetBytes: 7168, rssBytes: 4096, pageFaults: 3, majorPageFaults: 0 }],
    ['never below zero', 2, '100', 'inactive_file 500\n', { usageBytes: 100, workingSetBytes: 0 }],
  ])('memory %s', (_n, version, usage, stat, want) => {
    expect(containerUsage({ version: version as 1 | 2, memoryUsage: usage, memoryStat: stat }, T).memory).toEqual({ time: T, ...want });
  });

  it('an unreadable file gives no figure', () => {
    expect(containerUsage({ version: 2 }, T)).toEqual({});
    expect(containerUsage({ version: 2, cpu: 'user_usec 5\n' }, T)).toEqual({});
  });

  it('/proc/stat: non-idle ticks (guest is inside user) and btime', () => {
    const text = 'cpu  100 20 30 4000 50 6 7 8 99 99\ncpu0 1 2 3 4 5 6 7 8 0 0\nbtime 1700000000\n';
    expect(parseProcStat(text)).toEqual({ usageCoreNanoSeconds: (100 + 20 + 30 + 6 + 7 + 8) * 10_000_000, bootTime: 1700000000 });
  });

  it('/proc/meminfo -> node memory as cAdvisor root', () => {
    const mi = parseMeminfo('MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    500 kB\nInactive(file):  100 kB\nHugePages_Total:       0\n');
    expect(mi.get('HugePages_Total')).toBe(0);
    expect(nodeMemory(mi, T)).toEqual({ time: T, usageBytes: 800 * 1024, workingSetBytes: 700 * 1024, availableBytes: 300 * 1024 });
  });

  it('/proc/<pid>/cgroup: v1 controllers (comma lists) and the v2 path', () => {
    const pc = parseProcCgroup('12:cpu,cpuacct:/kubelab/ns/abc\n4:memory:/kubelab/ns/abc\n1:name=systemd:/\n0::/x\n');
    expect(pc.v1.get('cpuacct')).toBe('/kubelab/ns/abc');
    expect(pc.v1.get('memory')).toBe('/kubelab/ns/abc');
    expect(pc.v2).toBe('/x');
  });

  const hybrid = [
    '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
    '33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
    '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
    '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  ].join('\n');
  const unified = '30 23 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate';
  it.each([
    ['hybrid host, containerd path', hybrid, '5:cpuacct:/kubelab/kubelab-node01/c1\n4:memory:/kubelab/kubelab-node01/c1\n0::/', {
      version: 1, cpu: '/sys/fs/cgroup/cpuacct/kubelab/kubelab-node01/c1/cpuacct.usage',
      memoryUsage: '/sys/fs/cgroup/memory/kubelab/kubelab-node01/c1/memory.usage_in_bytes', memoryStat: '/sys/fs/cgroup/memory/kubelab/kubelab-node01/c1/memory.stat',
    }],
    ['unified host, dockerd cgroup parent', unified, '0::/kubelab-node01-docker/d1', {
      version: 2, cpu: '/sys/fs/cgroup/kubelab-node01-docker/d1/cpu.stat', memoryUsage: '/sys/fs/cgroup/kubelab-node01-docker/d1/memory.current', memoryStat: '/sys/fs/cgroup/kubelab-node01-docker/d1/memory.stat',
    }],
    ['no cgroup lines', unified, '', undefined],
  ])('cgroupFiles: %s', (_n, mountinfo, proc, want) => {
    expect(cgroupFiles(proc, cgroupMounts(mountinfo))).toEqual(want);
  });
});

describe('rates and sums', () => {
  it.each([
    ['no earlier point', undefined, { ns: 5e9, atMs: 1000 }, undefined],
    ['half a core over 2 s', { ns: 1e9, atMs: 1000 }, { ns: 2e9, atMs: 3000 }, 500_000_000],
    ['counter went back (restart)', { ns: 5e9, atMs: 1000 }, { ns: 1e9, atMs: 2000 }, undefined],
    ['same instant', { ns: 1e9, atMs: 1000 }, { ns: 2e9, atMs: 1000 }, undefined],
  ])('nanoCores: %s', (_n, prev, cur, want) => {
    expect(nanoCores(prev, cur)).toBe(want);
  });

  it('pod = sum of containers; no usageNanoCores unless every container has one', () => {
    const c = (cpu: number, rate: number | undefined, mem: number) => ({ name: 'c', startTime: T, cpu: { time: T, usageCoreNanoSeconds: cpu, ...(rate !== undefined ? { usageNanoCores: rate } : {}) }, memory: { time: T, usageBytes: mem, workingSetBytes: mem } });
    expect(podUsage([c(1, 10, 100), c(2, 20, 200)], T)).toEqual({ cpu: { time: T, usageCoreNanoSeconds: 3, usageNanoCores: 30 }, memory: { time: T, usageBytes: 300, workingSetBytes: 300 } });
    expect(podUsage([c(1, 10, 100), c(2, undefined, 200)], T).cpu).toEqual({ time: T, usageCoreNanoSeconds: 3 });
    expect(podUsage([], T)).toEqual({});
  });
});

describe('/metrics/resource text', () => {
  it.each([
    [0, '0'], [1, '1'], [123456, '123456'], [1234567, '1.234567e+06'], [1e6, '1e+06'], [0.5, '0.5'], [0.00001, '1e-05'], [12.345678, '12.345678'], [1.7e9, '1.7e+09'],
  ])('goFloat(%s) = %s (Go strconv g -1)', (v, want) => {
    expect(goFloat(v)).toBe(want);
  });

  const summary: Summary = {
    node: { nodeName: 'node01', systemContainers: [], startTime: T, cpu: { time: T, usageCoreNanoSeconds: 2_500_000_000 }, memory: { time: T, usageBytes: 2e6, workingSetBytes: 1e6 } },
    pods: [{
      podRef: { name: 'web', namespace: 'default', uid: 'u1' }, startTime: T,
      containers: [{ name: 'nginx', startTime: '2026-12-05T00:59:00.000Z', cpu: { time: T, usageCoreNanoSeconds: 500_000_000 }, memory: { time: T, usageBytes: 4096, workingSetBytes: 2048 } }],
      cpu: { time: T, usageCoreNanoSeconds: 500_000_000 }, memory: { time: T, usageBytes: 4096, workingSetBytes: 2048 },
    }],
  };
  it('families as upstream, sorted labels, ms timestamps', () => {
    const text = resourceMetricsText(summary);
    const ts = Date.parse(T);
    expect(text).toContain('# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds\n# TYPE container_cpu_usage_seconds_total counter\n');
    expect(text).toContain(`container_cpu_usage_seconds_total{container="nginx",namespace="default",pod="web"} 0.5 ${ts}\n`);
    expect(text).toContain(`container_memory_working_set_bytes{container="nginx",namespace="default",pod="web"} 2048 ${ts}\n`);
    const start = Date.parse('2026-12-05T00:59:00.000Z');
    expect(text).toContain(`container_start_time_seconds{container="nginx",namespace="default",pod="web"} ${goFloat(start / 1000)} ${start}\n`);
    expect(text).toContain(`node_cpu_usage_seconds_total 2.5 ${ts}\n`);
    expect(text).toContain(`node_memory_working_set_bytes 1e+06 ${ts}\n`);
    expect(text).toContain(`pod_cpu_usage_seconds_total{namespace="default",pod="web"} 0.5 ${ts}\n`);
    expect(text).toContain(`pod_memory_working_set_bytes{namespace="default",pod="web"} 2048 ${ts}\n`);
    expect(text).toContain('# TYPE resource_scrape_error gauge\nresource_scrape_error 0\n');
    expect(text).toContain('# HELP scrape_error [ALPHA] 1 if there was an error');
    const names = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(names).toEqual([...names].sort());
  });
  it('a failed summary: only the scrape errors, at 1', () => {
    const text = resourceMetricsText(undefined);
    expect(text).toContain('resource_scrape_error 1\n');
    expect(text).not.toMatch(/^node_cpu/m);
  });
  it('label values are escaped', () => {
    const s: Summary = { ...summary, pods: [{ ...summary.pods[0]!, podRef: { name: 'a"b', namespace: 'n\\s', uid: 'u' } }] };
    expect(resourceMetricsText(s)).toContain('pod_memory_working_set_bytes{namespace="n\\\\s",pod="a\\"b"}');
  });
});

describe('kubelet authorization attributes (auth.go GetRequestAttributes)', () => {
  it.each([
    ['GET', '/stats/summary', 'get', 'stats'],
    ['GET', '/stats', 'get', 'stats'],
    ['GET', '/metrics/resource', 'get', 'metrics'],
    ['GET', '/metrics', 'get', 'metrics'],
    ['GET', '/metricsfoo', 'get', 'proxy'],
    ['GET', '/logs/syslog', 'get', 'log'],
    ['GET', '/spec', 'get', 'spec'],
    ['POST', '/checkpoint/ns/p/c', 'create', 'checkpoint'],
    ['GET', '/containerLogs/ns/p/c', 'get', 'proxy'],
    ['POST', '/exec/ns/p/c', 'create', 'proxy'],
    ['GET', '/pods', 'get', 'proxy'],
  ])('%s %s -> %s nodes/%s', (method, path, verb, sub) => {
    expect(kubeletRequestAttributes(method, path, 'node01')).toEqual({ verb, group: '', version: 'v1', resource: 'nodes', subresource: sub, name: 'node01' });
  });
});

describe('StatsCollector over fake files', () => {
  it('reads each running container through its pid and rates CPU between reads', async () => {
    const rt = new FakeRuntime();
    const files = new Map<string, string>([
      ['/proc/stat', 'cpu  100 0 100 800 0 0 0 0 0 0\nbtime 1700000000\n'],
      ['/proc/meminfo', 'MemTotal: 1000 kB\nMemFree: 500 kB\nInactive(file): 100 kB\n'],
      ['/proc/self/mountinfo', '33 31 0:30 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n'],
      ['/proc/42/cgroup', '3:cpuacct:/k/c1\n2:memory:/k/c1\n'],
      ['/sys/fs/cgroup/cpuacct/k/c1/cpuacct.usage', '1000000000'],
      ['/sys/fs/cgroup/memory/k/c1/memory.usage_in_bytes', '5000'],
      ['/sys/fs/cgroup/memory/k/c1/memory.stat', 'total_inactive_file 1000\n'],
    ]);
    await rt.pullImage('busybox');
    const id = await rt.createContainer({ name: 'k8s_app_p', image: 'busybox', labels: { 'io.kubernetes.pod.uid': 'u1', 'io.kubernetes.pod.name': 'p', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.container.name': 'app' } });
    await rt.startContainer(id);
    const real = rt.listContainers.bind(rt);
    rt.listContainers = async (f) => (await real(f)).map((c) => ({ ...c, pid: 42 }));
    let now = Date.parse(T);
    const col = new StatsCollector({ runtime: rt, nodeName: 'node01', pods: () => [], readFile: (p) => files.get(p), now: () => new Date(now) });
    const first = await col.summary();
    expect(first.node).toMatchObject({ nodeName: 'node01', startTime: new Date(1700000000 * 1000).toISOString(), cpu: { usageCoreNanoSeconds: 2e9 }, memory: { workingSetBytes: 400 * 1024 } });
    expect(first.node.cpu.usageNanoCores).toBeUndefined();
    expect(first.pods).toHaveLength(1);
    expect(first.pods[0]).toMatchObject({ podRef: { name: 'p', namespace: 'default', uid: 'u1' }, containers: [{ name: 'app', cpu: { usageCoreNanoSeconds: 1e9 }, memory: { usageBytes: 5000, workingSetBytes: 4000 } }] });
    now += 10_000;
    files.set('/sys/fs/cgroup/cpuacct/k/c1/cpuacct.usage', '3000000000');
    files.set('/proc/stat', 'cpu  200 0 200 1600 0 0 0 0 0 0\nbtime 1700000000\n');
    const second = await col.summary();
    expect(second.pods[0]!.containers[0]!.cpu!.usageNanoCores).toBe(200_000_000);
    expect(second.pods[0]!.cpu!.usageNanoCores).toBe(200_000_000);
    expect(second.node.cpu.usageNanoCores).toBe(200_000_000);
  });
});
