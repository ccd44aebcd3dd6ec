/**
 * `scripts/lab up` with namespace hosts against machine hosts (issue 17), in the same run: the wall time of a warm
 * `up` (the machine image, the container images and dist/ already made: what a student waits for after the first
 * time) and the memory of the three hosts idle, 20 s after `up`: the resident memory (VmRSS) of every process in
 * each host's network namespace (kubelab-<host>): the components for namespace hosts; systemd, journald, dbus and the
 * components for machine hosts. Pods have namespaces of their own: not counted. Each `up` is followed by `down`.
 *
 * Run (as root, under the host lock: it brings a lab up and down; nothing else may run a lab):
 *   npx tsc -p tsconfig.json && flock /work/helpers/host.lock node dist/bench/lab-up.js [--idle 20] [--lab DIR]
 *   (--lab: the lab directory, default /work/.lab-e2e-machines: its cache/ holds the machine image; a first run
 *   builds it and is not warm: run twice, or after the machines e2e test)
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run, show, sleep, HOSTS, type RunResult } from '../test/support/lab.js';
import { arg, numArg } from './lib/args.js';

const repo = resolve(import.meta.dirname, '../..');
const labScript = join(repo, 'scripts/lab');
const idleS = numArg('idle', 20);
const labDir = arg('lab', '/work/.lab-e2e-machines');

/** The inode of a network namespace file: processes whose /proc/<pid>/ns/net names it are in it. */
function netnsOf(file: string): string {
  return `net:[${statSync(file).ino}]`;
}

/** Sum of VmRSS (KiB) and count of processes per host network namespace. */
export function hostMemory(hosts: readonly string[]): Record<string, { kib: number; procs: number }> {
  const want = new Map(hosts.map((h) => [netnsOf(`/run/netns/kubelab-${h}`), h]));
  const out: Record<string, { kib: number; procs: number }> = Object.fromEntries(hosts.map((h) => [h, { kib: 0, procs: 0 }]));
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const host = want.get(readlinkSync(`/proc/${p}/ns/net`));
      if (!host) continue;
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      out[host]!.kib += Number(m?.[1] ?? 0);
      out[host]!.procs += 1;
    } catch {
      // exited meanwhile, or a kernel thread
    }
  }
  return out;
}

async function lab(args: string[], timeoutMs: number): Promise<RunResult> {
  return run(labScript, args, { env: { ...process.env, KUBELAB_LAB_DIR: labDir }, timeoutMs });
}

async function measure(kind: 'namespace' | 'machine'): Promise<string> {
  const t0 = performance.now();
  const up = await lab(['up', '--hosts', kind, '--skip-deps', '--skip-build'], 900_000);
  const wall = (performance.now() - t0) / 1000;
  try {
    if (up.code !== 0) throw new Error(show(up, `scripts/lab up --hosts ${kind}: `));
    const warm = kind === 'namespace' || /machine image cached/.test(up.stdout);
    await sleep(idleS * 1000);
    const mem = hostMemory(HOSTS);
    const total = Object.values(mem).reduce((a, m) => a + m.kib, 0);
    const per = HOSTS.map((h) => `${h} ${(mem[h]!.kib / 1024).toFixed(0)} MiB (${mem[h]!.procs} procs)`).join(', ');
    const steps = up.stdout.split('\n').filter((l) => /^\s{2}\S.*\s\d+\.\ds$/.test(l)).map((l) => l.trim()).join('; ');
    return `${kind.padEnd(9)} up ${wall.toFixed(1)} s${warm ? '' : ' (NOT warm: image built)'}; idle memory ${(total / 1024).toFixed(0)} MiB: ${per}\n           steps: ${steps}`;
  } finally {
    const down = await lab(['down'], 240_000);
    if (down.code !== 0) console.error(show(down, 'scripts/lab down: '));
  }
}

console.log(`# kubelab lab-up benchmark — ${new Date().toISOString()} — node ${process.version}, idle ${idleS} s, lab ${labDir}`);
for (const kind of ['namespace', 'machine'] as const) console.log(await measure(kind));
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
