/**
 * Control-plane components (scheduler, controller manager) as child processes of the built CLI
 * (`node dist/cli/main.js <component> ...`), so tests can SIGKILL them by PID. Every component
 * started here is remembered; `stopAllComponents()` (call it in afterAll) ends them, and a process
 * exit hook SIGKILLs any left behind.
 *
 * The CLI is `$KUBELAB_CLI` when set (a private build), else `<repo>/dist/cli/main.js`.
 * Children log at info level (KUBELAB_LOG_LEVEL=info); the identity a component wins a leader
 * Lease with ("successfully acquired lease") is picked from its log.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './host.js';
import { startService } from './service.js';

export type ComponentKind = 'scheduler' | 'controller-manager';

export interface ComponentHandle {
  kind: ComponentKind;
  pid: number;
  child: ChildProcess;
  /** Identities this process acquired a leader Lease with (from its log). */
  identities: string[];
  /** The last ~200 KB of stdout + stderr. */
  log(): string;
  alive(): boolean;
  /** Send a signal and wait for the exit (SIGKILL by default). */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<ComponentHandle>();
let hooked = false;

/**
 * The log line each component writes once it works against the API server (their health endpoints are off
 * here, --secure-port=0, unless a test asks for a port): the scheduler when its informers have synced, the controller manager when it starts its
 * controllers or, with leader election, when it has seen who leads.
 */
const RUNNING: Record<ComponentKind, RegExp> = {
  scheduler: /"informer caches synced"/,
  'controller-manager': /"(starting controllers|new leader elected|successfully acquired lease)"/,
};

export function kubelabCli(): string {
  const cli = process.env.KUBELAB_CLI ?? join(REPO, 'dist/cli/main.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm run build; scripts/test does it)`);
  return cli;
}

/** Start a component (test/support/service.ts) and wait until its log says it runs. */
export async function startComponent(kind: ComponentKind, kubeconfig: string, args: string[] = []): Promise<ComponentHandle> {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const c of running) if (c.alive()) c.child.kill('SIGKILL');
    });
  }
  let partial = '';
  let runs = false;
  const identities: string[] = [];
  const onOutput = (text: string) => {
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (RUNNING[kind].test(line)) runs = true;
      if (!line.includes('successfully acquired lease')) continue;
      try {
        const rec = JSON.parse(line) as { identity?: string };
        if (rec.identity) identities.push(rec.identity);
      } catch {
        /* not JSON */
      }
    }
  };
  const svc = await startService({
    name: kind,
    command: process.execPath,
    // Many tests run components at once: no fixed --secure-port (10259/10257) unless a test asks for one.
    args: [kubelabCli(), kind, '--kubeconfig', kubeconfig, ...(args.some((a) => a.startsWith('--secure-port')) ? [] : ['--secure-port=0']), ...args],
    // At least info: the lines RUNNING and the identities are read from are info records.
    env: { ...process.env, KUBELAB_LOG_LEVEL: process.env.KUBELAB_LOG_LEVEL === 'debug' ? 'debug' : 'info' },
    onOutput,
    ready: () => runs,
    timeoutMs: 30_000,
  });
  const h: ComponentHandle = {
    kind,
    pid: svc.pid,
    child: svc.child,
    identities,
    log: svc.log,
    alive: svc.alive,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      await svc.stop(signal);
      running.delete(h);
    },
  };
  running.add(h);
  return h;
}

/** SIGTERM every component still running (SIGKILL after 5 s). */
export async function stopAllComponents(): Promise<void> {
  await Promise.all([...running].map((c) => c.kill('SIGTERM')));
}

/** A failure message with the tail of each component's log, for a waitFor that timed out. */
export function componentLogs(...cs: ComponentHandle[]): string {
  return cs.map((c) => `--- ${c.kind} pid ${c.pid} (${c.alive() ? 'running' : `exited ${c.child.exitCode ?? c.child.signalCode}`}):\n${c.log().slice(-3000)}`).join('\n');
}
