/**
 * nginx as the controller's child (as ingress-nginx runs it): `nginx -c <conf> -g 'daemon off;'`, the conf checked with
 * `nginx -t` before it replaces the running one, then SIGHUP (nginx's reload: new workers, old ones drain). nginx
 * exiting on its own ends the controller (the kubelet restarts the pod), as ingress-nginx does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../api/client/log.js';
import type { NginxApplier } from './controller.js';

export interface NginxProcessOptions {
  binary: string;
  confPath: string;
  log: Logger;
  /** Called when nginx exits without being asked to. */
  onExit: (code: number | null, signal: string | null) => void;
}

function run(binary: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d: Buffer) => (output += d.toString()));
    p.stderr.on('data', (d: Buffer) => (output += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, output }));
  });
}

export class NginxProcess implements NginxApplier {
  private child: ChildProcess | undefined;
  private stopping = false;

  constructor(private readonly o: NginxProcessOptions) {}

  running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async apply(conf: string, files: Map<string, string>): Promise<void> {
    for (const [path, content] of files) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(`${path}.tmp`, content, { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
    }
    mkdirSync(dirname(this.o.confPath), { recursive: true });
    const candidate = `${this.o.confPath}.new`;
    writeFileSync(candidate, conf);
    const test = await run(this.o.binary, ['-t', '-q', '-c', candidate, '-e', 'stderr']);
    if (test.code !== 0) throw new Error(`nginx -t rejected the generated configuration: ${test.output.trim()}`);
    renameSync(candidate, this.o.confPath);
    if (!this.running()) this.start();
    else this.child?.kill('SIGHUP');
  }

  private start(): void {
    const child = spawn(this.o.binary, ['-c', this.o.confPath, '-e', 'stderr', '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'inherit'] });
    this.child = child;
    this.o.log.info('nginx started', { pid: child.pid ?? 0 });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (!this.stopping) this.o.onExit(code, signal);
    });
  }

  /** SIGQUIT (graceful shutdown), then SIGTERM after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || !this.running()) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGQUIT');
    const t = setTimeout(() => child.kill('SIGTERM'), graceMs);
    await exited;
    clearTimeout(t);
  }
}
