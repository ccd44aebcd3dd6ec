/**
 * Resource usage of the node, its pods and their containers, as the kubelet's /stats/summary
 * (k8s.io/kubelet/pkg/apis/stats/v1alpha1 Summary) and /metrics/resource (pkg/kubelet/metrics/collectors/
 * resource_metrics.go) serve it. Pure: the cgroup and /proc file texts are arguments; `stats-collector.ts`
 * reads them.
 *
 * - container CPU: cgroup v1 `cpuacct.usage` (ns), or v2 `cpu.stat` usage_usec (x1000);
 * - container memory working set: usage minus inactive file pages (v1 `memory.usage_in_bytes` - `total_inactive_file`,
 *   v2 `memory.current` - `inactive_file`), never below 0, as cAdvisor's;
 * - node CPU: /proc/stat's `cpu` line (user+nice+system+irq+softirq+steal, in USER_HZ ticks);
 *   node memory: /proc/meminfo (usage = MemTotal - MemFree, working set = usage - Inactive(file));
 * - pod figures: the sum of its containers'; usageNanoCores: the rate between this read and the previous one.
 */

/** USER_HZ on Linux: /proc/stat counts CPU time in 1/100 s. */
export const USER_HZ = 100;

export interface CpuStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes: number;
  workingSetBytes: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

export interface ContainerStats {
  name: string;
  startTime: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerStats[];
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface NodeStats {
  nodeName: string;
  systemContainers: ContainerStats[];
  startTime: string;
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface Summary {
  node: NodeStats;
  pods: PodStats[];
}

/** `key value` lines (memory.stat, cpu.stat) as numbers (pure). */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

/** /proc/meminfo (`MemTotal:  16384 kB`) in bytes (pure). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]) * (line.trim().endsWith('kB') ? 1024 : 1));
  }
  return out;
}

/** The node's cumulative CPU time in ns and its boot time (epoch s) from /proc/stat (pure). */
export function parseProcStat(text: string, hz = USER_HZ): { usageCoreNanoSeconds: number; bootTime?: number } {
  let usage = 0;
  let bootTime: number | undefined;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'cpu') {
      // user nice system idle iowait irq softirq steal guest guest_nice: guest time is already in user/nice
      const n = f.slice(1).map(Number);
      usage = [0, 1, 2, 5, 6, 7].reduce((s, i) => s + (Number.isFinite(n[i]) ? n[i]! : 0), 0);
    } else if (f[0] === 'btime') bootTime = Number(f[1]);
  }
  return { usageCoreNanoSeconds: Math.round((usage * 1e9) / hz), ...(bootTime !== undefined ? { bootTime } : {}) };
}

/** Node memory from /proc/meminfo (pure), as cAdvisor's root container: working set = usage - inactive file. */
export function nodeMemory(meminfo: Map<string, number>, time: string): MemoryStats {
  const total = meminfo.get('MemTotal') ?? 0;
  const usage = Math.max(0, total - (meminfo.get('MemFree') ?? 0));
  const workingSet = Math.max(0, usage - (meminfo.get('Inactive(file)') ?? 0));
  return { time, availableBytes: Math.max(0, total - workingSet), usageBytes: usage, workingSetBytes: workingSet };
}

/** Where a process's cgroups are, from /proc/<pid>/cgroup (pure): v1 controller paths and the v2 path. */
export function parseProcCgroup(text: string): { v1: Map<string, string>; v2?: string } {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') v2 = m[3]!;
    else for (const c of m[2]!.split(',')) if (c) v1.set(c, m[3]!);
  }
  return { v1, ...(v2 !== undefined ? { v2 } : {}) };
}

/** The texts of one container's cgroup files (undefined: the file could not be read). */
export interface CgroupTexts {
  version: 1 | 2;
  /** v1 cpuacct.usage, or v2 cpu.stat. */
  cpu?: string;
  /** v1 memory.usage_in_bytes, or v2 memory.current. */
  memoryUsage?: string;
  memoryStat?: string;
}

/** A container's CPU and memory from its cgroup files (pure). */
export function containerUsage(t: CgroupTexts, time: string): { cpu?: CpuStats; memory?: MemoryStats } {
  const out: { cpu?: CpuStats; memory?: MemoryStats } = {};
  if (t.cpu !== undefined) {
    const ns = t.version === 1 ? Number(t.cpu.trim()) : (parseKeyValues(t.cpu).get('usage_usec') ?? NaN) * 1000;
    if (Number.isFinite(ns)) out.cpu = { time, usageCoreNanoSeconds: ns };
  }
  if (t.memoryUsage !== undefined) {
    const usage = Number(t.memoryUsage.trim());
    if (Number.isFinite(usage)) {
      const stat = parseKeyValues(t.memoryStat ?? '');
      const v1 = t.version === 1;
      const inactive = (v1 ? stat.get('total_inactive_file') : stat.get('inactive_file')) ?? 0;
      const rss = v1 ? stat.get('total_rss') : stat.get('anon');
      const faults = v1 ? stat.get('total_pgfault') : stat.get('pgfault');
      const major = v1 ? stat.get('total_pgmajfault') : stat.get('pgmajfault');
      out.memory = {
        time,
        usageBytes: usage,
        workingSetBytes: Math.max(0, usage - inactive),
        ...(rss !== undefined ? { rssBytes: rss } : {}),
        ...(faults !== undefined ? { pageFaults: faults } : {}),
        ...(major !== undefined ? { majorPageFaults: major } : {}),
      };
    }
  }
  return out;
}

/** A CPU rate in nanocores between two cumulative readings (pure); undefined without a usable earlier one. */
export function nanoCores(prev: { ns: number; atMs: number } | undefined, cur: { ns: number; atMs: number }): number | undefined {
  if (!prev || cur.atMs <= prev.atMs || cur.ns < prev.ns) return undefined;
  return Math.round(((cur.ns - prev.ns) * 1000) / (cur.atMs - prev.atMs));
}

/** The sum of containers' figures for their pod (pure); undefined when none has any. */
export function podUsage(containers: ContainerStats[], time: string): { cpu?: CpuStats; memory?: MemoryStats } {
  const cpus = containers.map((c) => c.cpu).filter((c): c is CpuStats => !!c);
  const mems = containers.map((c) => c.memory).filter((m): m is MemoryStats => !!m);
  const out: { cpu?: CpuStats; memory?: MemoryStats } = {};
  if (cpus.length) {
    const rated = cpus.every((c) => c.usageNanoCores !== undefined);
    out.cpu = { time, usageCoreNanoSeconds: cpus.reduce((s, c) => s + c.usageCoreNanoSeconds, 0), ...(rated ? { usageNanoCores: cpus.reduce((s, c) => s + c.usageNanoCores!, 0) } : {}) };
  }
  if (mems.length) out.memory = { time, usageBytes: mems.reduce((s, m) => s + m.usageBytes, 0), workingSetBytes: mems.reduce((s, m) => s + m.workingSetBytes, 0) };
  return out;
}

/** A float as Go's strconv.FormatFloat(f, 'g', -1, 64) writes it (Prometheus' text format) (pure). */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  // shortest 'g': %e when the exponent is below -4 or at least 6
  if (exp >= -4 && exp < 6) return String(v);
  return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

const ms = (iso: string) => Date.parse(iso);

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: { labels: [string, string][]; value: number; tsMs?: number }[];
}

/**
 * /metrics/resource (pure), as resource_metrics.go collects it from the summary: metric families sorted by
 * name, labels sorted, a timestamp (ms) on each sample (container_start_time_seconds: the start time itself),
 * `resource_scrape_error` / `scrape_error` 0 (1 when the summary could not be made: `summary` undefined).
 */
export function resourceMetricsText(summary: Summary | undefined): string {
  const fams: Family[] = [];
  const fam = (name: string, help: string, type: Family['type'], stability = 'STABLE'): Family => {
    const f: Family = { name, help: `[${stability}] ${help}`, type, samples: [] };
    fams.push(f);
    return f;
  };
  const cCpu = fam('container_cpu_usage_seconds_total', 'Cumulative cpu time consumed by the container in core-seconds', 'counter');
  const cMem = fam('container_memory_working_set_bytes', 'Current working set of the container in bytes', 'gauge');
  const cStart = fam('container_start_time_seconds', 'Start time of the container since unix epoch in seconds', 'gauge');
  const nCpu = fam('node_cpu_usage_seconds_total', 'Cumulative cpu time consumed by the node in core-seconds', 'counter');
  const nMem = fam('node_memory_working_set_bytes', 'Current working set of the node in bytes', 'gauge');
  const pCpu = fam('pod_cpu_usage_seconds_total', 'Cumulative cpu time consumed by the pod in core-seconds', 'counter');
  const pMem = fam('pod_memory_working_set_bytes', 'Current working set of the pod in bytes', 'gauge');
  const rErr = fam('resource_scrape_error', '1 if there was an error while getting container metrics, 0 otherwise', 'gauge');
  const sErr = fam('scrape_error', '1 if there was an error while getting container metrics, 0 otherwise', 'gauge', 'ALPHA');
  rErr.samples.push({ labels: [], value: summary ? 0 : 1 });
  sErr.samples.push({ labels: [], value: summary ? 0 : 1 });
  if (summary) {
    const n = summary.node;
    nCpu.samples.push({ labels: [], value: n.cpu.usageCoreNanoSeconds / 1e9, tsMs: ms(n.cpu.time) });
    nMem.samples.push({ labels: [], value: n.memory.workingSetBytes, tsMs: ms(n.memory.time) });
    for (const p of summary.pods) {
      const pl: [string, string][] = [['namespace', p.podRef.namespace], ['pod', p.podRef.name]];
      if (p.cpu) pCpu.samples.push({ labels: pl, value: p.cpu.usageCoreNanoSeconds / 1e9, tsMs: ms(p.cpu.time) });
      if (p.memory) pMem.samples.push({ labels: pl, value: p.memory.workingSetBytes, tsMs: ms(p.memory.time) });
      for (const c of p.containers) {
        const cl: [string, string][] = [['container', c.name], ...pl];
        if (c.cpu) cCpu.samples.push({ labels: cl, value: c.cpu.usageCoreNanoSeconds / 1e9, tsMs: ms(c.cpu.time) });
        if (c.memory) cMem.samples.push({ labels: cl, value: c.memory.workingSetBytes, tsMs: ms(c.memory.time) });
        cStart.samples.push({ labels: cl, value: ms(c.startTime) / 1000, tsMs: ms(c.startTime) });
      }
    }
  }
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  let out = '';
  for (const f of fams) {
    out += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) {
      const labels = s.labels.length ? `{${s.labels.map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}` : '';
      out += `${f.name}${labels} ${goFloat(s.value)}${s.tsMs !== undefined && Number.isFinite(s.tsMs) ? ` ${s.tsMs}` : ''}\n`;
    }
  }
  return out;
}

/** The kubelet's authorization attributes of a request (pure), as pkg/kubelet/server/auth.go GetRequestAttributes. */
export function kubeletRequestAttributes(method: string, path: string, nodeName: string): { verb: string; group: string; version: string; resource: string; subresource: string; name: string } {
  const verbs: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
  const under = (p: string) => path === p || path.startsWith(`${p}/`);
  let subresource = 'proxy';
  if (under('/stats')) subresource = 'stats';
  else if (under('/metrics')) subresource = 'metrics';
  else if (under('/logs')) subresource = 'log';
  else if (under('/spec')) subresource = 'spec';
  else if (under('/checkpoint')) subresource = 'checkpoint';
  return { verb: verbs[method.toUpperCase()] ?? '', group: '', version: 'v1', resource: 'nodes', subresource, name: nodeName };
}
