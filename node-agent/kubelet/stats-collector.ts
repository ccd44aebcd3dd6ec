/**
 * The adapter behind /stats/summary and /metrics/resource: reads the node's /proc/stat and /proc/meminfo and,
 * for every running container of the runtime (containerd or dockerd), the cgroup files of its first process
 * (`/proc/<pid>/cgroup` says where each runtime put it: containerd `/kubelab/<namespace>/<id>`, dockerd
 * `<--cgroup-parent>/<id>`), then lets stats.ts (pure) make the summary. It keeps the previous CPU reading of
 * each container and of the node for `usageNanoCores`.
 */
import { readFileSync } from 'node:fs';
import { KubeError } from '../../api/errors.js';
import { LABELS, type ContainerRuntime, type ContainerStatus } from '../runtime/runtime.js';
import type { Pod } from './types.js';
import {
  containerUsage, nanoCores, nodeMemory, parseMeminfo, parseProcCgroup, parseProcStat, podUsage,
  type CgroupTexts, type ContainerStats, type PodStats, type Summary,
} from './stats.js';

/** Mount points of the cgroup hierarchies, from /proc/self/mountinfo (pure). */
export function cgroupMounts(mountinfo: string): { v1: Map<string, { mount: string; root: string }>; v2?: { mount: string; root: string } } {
  const v1 = new Map<string, { mount: string; root: string }>();
  let v2: { mount: string; root: string } | undefined;
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const f = pre.split(' ');
    const [fstype, , superOpts] = post.split(' ');
    const root = f[3] ?? '/';
    const mount = f[4] ?? '';
    if (fstype === 'cgroup2') v2 ??= { mount, root };
    else if (fstype === 'cgroup') for (const c of (superOpts ?? '').split(',')) if (c === 'cpuacct' || c === 'memory' || c === 'cpu') v1.set(c, { mount, root });
  }
  return { v1, ...(v2 ? { v2 } : {}) };
}

function under(m: { mount: string; root: string }, path: string): string {
  const rel = m.root !== '/' && path.startsWith(m.root) ? path.slice(m.root.length) : path;
  return `${m.mount}${rel === '/' ? '' : rel}`;
}

/** The files of a process's cgroups (pure): v1 cpuacct/memory where those are mounted, else v2. */
export function cgroupFiles(procCgroup: string, mounts: ReturnType<typeof cgroupMounts>): { version: 1 | 2; cpu: string; memoryUsage: string; memoryStat: string } | undefined {
  const pc = parseProcCgroup(procCgroup);
  const acct = mounts.v1.get('cpuacct');
  const mem = mounts.v1.get('memory');
  const acctPath = pc.v1.get('cpuacct');
  const memPath = pc.v1.get('memory');
  if (acct && mem && acctPath !== undefined && memPath !== undefined) {
    return { version: 1, cpu: `${under(acct, acctPath)}/cpuacct.usage`, memoryUsage: `${under(mem, memPath)}/memory.usage_in_bytes`, memoryStat: `${under(mem, memPath)}/memory.stat` };
  }
  if (mounts.v2 && pc.v2 !== undefined) {
    const d = under(mounts.v2, pc.v2);
    return { version: 2, cpu: `${d}/cpu.stat`, memoryUsage: `${d}/memory.current`, memoryStat: `${d}/memory.stat` };
  }
  return undefined;
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

export interface StatsSources {
  runtime: Pick<ContainerRuntime, 'listContainers'>;
  nodeName: string;
  pods: () => Pod[];
  /** Tests point these elsewhere. */
  readFile?: (path: string) => string | undefined;
  now?: () => Date;
}

export class StatsCollector {
  private readonly prev = new Map<string, { ns: number; atMs: number }>();
  private readonly readFile: (path: string) => string | undefined;

  constructor(private readonly s: StatsSources) {
    this.readFile = s.readFile ?? read;
  }

  private rate(key: string, ns: number, atMs: number): number | undefined {
    const r = nanoCores(this.prev.get(key), { ns, atMs });
    this.prev.set(key, { ns, atMs });
    return r;
  }

  /** The Summary of the node now (throws when the node's own figures cannot be read). */
  async summary(): Promise<Summary> {
    const nowD = (this.s.now ?? (() => new Date()))();
    const time = nowD.toISOString();
    const atMs = nowD.getTime();
    const stat = this.readFile('/proc/stat');
    const meminfo = this.readFile('/proc/meminfo');
    if (stat === undefined || meminfo === undefined) throw new KubeError('InternalError', 'failed to get root cgroup stats: /proc/stat or /proc/meminfo cannot be read');
    const ps = parseProcStat(stat);
    const mounts = cgroupMounts(this.readFile('/proc/self/mountinfo') ?? '');

    const containers = (await this.s.runtime.listContainers()).filter((c) => c.state === 'running' && c.pid && c.labels[LABELS.containerName] && c.labels[LABELS.podUid]);
    const byPod = new Map<string, ContainerStatus[]>();
    for (const c of containers) {
      const uid = c.labels[LABELS.podUid]!;
      byPod.set(uid, [...(byPod.get(uid) ?? []), c]);
    }
    const podObjects = new Map(this.s.pods().map((p) => [p.metadata.uid, p]));
    const seen = new Set<string>();
    const pods: PodStats[] = [];
    for (const [uid, list] of byPod) {
      const cs: ContainerStats[] = [];
      for (const c of list.sort((a, b) => (a.labels[LABELS.containerName]! < b.labels[LABELS.containerName]! ? -1 : 1))) {
        seen.add(c.id);
        const files = cgroupFiles(this.readFile(`/proc/${c.pid}/cgroup`) ?? '', mounts);
        const texts: CgroupTexts | undefined = files && { version: files.version, cpu: this.readFile(files.cpu), memoryUsage: this.readFile(files.memoryUsage), memoryStat: this.readFile(files.memoryStat) };
        const usage = texts ? containerUsage(texts, time) : {};
        if (usage.cpu) {
          const r = this.rate(c.id, usage.cpu.usageCoreNanoSeconds, atMs);
          if (r !== undefined) usage.cpu.usageNanoCores = r;
        }
        cs.push({ name: c.labels[LABELS.containerName]!, startTime: (c.startedAt ?? c.createdAt).toISOString(), ...usage });
      }
      const pod = podObjects.get(uid);
      const start = pod?.status?.startTime ?? cs.map((c) => c.startTime).sort()[0]!;
      pods.push({
        podRef: { name: pod?.metadata.name ?? list[0]!.labels[LABELS.podName] ?? '', namespace: pod?.metadata.namespace ?? list[0]!.labels[LABELS.podNamespace] ?? '', uid },
        startTime: start,
        containers: cs,
        ...podUsage(cs, time),
      });
    }
    for (const k of this.prev.keys()) if (k !== '' && !seen.has(k)) this.prev.delete(k);
    pods.sort((a, b) => `${a.podRef.namespace}/${a.podRef.name}`.localeCompare(`${b.podRef.namespace}/${b.podRef.name}`));

    const nodeRate = this.rate('', ps.usageCoreNanoSeconds, atMs);
    return {
      node: {
        nodeName: this.s.nodeName,
        systemContainers: [],
        startTime: new Date((ps.bootTime ?? 0) * 1000).toISOString(),
        cpu: { time, usageCoreNanoSeconds: ps.usageCoreNanoSeconds, ...(nodeRate !== undefined ? { usageNanoCores: nodeRate } : {}) },
        memory: nodeMemory(parseMeminfo(meminfo), time),
      },
      pods,
    };
  }
}
