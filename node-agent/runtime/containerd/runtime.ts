/**
 * `ContainerRuntime` over containerd's own gRPC API (no CRI plugin): containers + tasks with an OCI
 * spec made in TypeScript, images pulled by hand (./images.ts), logs written in the CRI format by a
 * `binary://` logger the shim runs (./cri-logger), exits and OOMs from the Events service.
 *
 * One containerd namespace per node (`kubelab-<node>`), random 64-hex ids: two nodes sharing one
 * containerd (or the runc state dir of two containerds) never collide.
 */
import { randomBytes } from 'node:crypto';
import { constants as FS, mkdirSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import type {
  ContainerExit, ContainerRuntime, ContainerSpec, ContainerStatus, ExecOptions, ImageInfo, ListFilter,
  PullOptions, PullResult, RuntimeVersion,
} from '../runtime.js';
import { matchLabels, notFound, runtimeError } from '../runtime.js';
import { normalizeImage, signalNumber } from '../image.js';
import {
  ContainerdClient, TYPE_URL, eventsRoot, grpcCode, grpcMessage, isAlreadyExists, isNotFound, jsonAny, repoFile,
  timestampToDate,
} from './client.js';
import * as images from './images.js';
import { SNAPSHOTTER, withLease } from './images.js';
import { buildSpec, cgroupsPath, execProcess, type OciSpec } from './spec.js';
import { K, START_ERROR_EXIT_CODE, type TaskStatus, type TaskView, deriveStatus } from './status.js';

export interface ContainerdRuntimeOptions {
  /** containerd's socket: `/run/containerd/containerd.sock` (or `unix:///...`). */
  address: string;
  /** containerd namespace, one per node: `kubelab-node01`. */
  namespace: string;
  /** Shim runtime (default `io.containerd.runc.v2`). */
  shim?: string;
  /** Where exec FIFOs live (default `/run/kubelab/<namespace>/exec`). */
  stateDir?: string;
}

interface PbContainer {
  id: string;
  labels: Record<string, string>;
  image: string;
  spec?: { type_url: string; value: Buffer } | null;
  created_at?: unknown;
}

interface PbProcess { id: string; pid: number; status: TaskStatus; exit_status: number; exited_at?: unknown }

/** OOM kills counted by a container's memory cgroup (v1 `memory.oom_control`, v2 `memory.events`); 0 if unknown. */
export function oomKillsInCgroup(path: string): number {
  for (const file of [`/sys/fs/cgroup/memory${path}/memory.oom_control`, `/sys/fs/cgroup${path}/memory.events`]) {
    try {
      const m = /^oom_kill (\d+)$/m.exec(readFileSync(file, 'utf8'));
      if (m) return Number(m[1]);
    } catch { /* not this hierarchy */ }
  }
  return 0;
}

/** containerd's filter syntax for "all these labels": one filter, conditions joined by commas (AND). */
export function labelFilters(labels: Record<string, string> | undefined): string[] {
  const quote = (t: string) => `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const conds = Object.entries(labels ?? {}).map(([k, v]) => `labels.${quote(k)}==${quote(v)}`);
  return conds.length ? [conds.join(',')] : [];
}

const taskView = (p: PbProcess): TaskView => ({ status: p.status, exitStatus: p.exit_status, exitedAt: timestampToDate(p.exited_at), pid: p.pid });

export class ContainerdRuntime implements ContainerRuntime {
  readonly client: ContainerdClient;
  private readonly shim: string;
  private readonly stateDir: string;
  private readonly listeners = new Set<(e: ContainerExit) => void>();
  private readonly finalizing = new Map<string, Promise<Record<string, string> | undefined>>();
  private events: grpc.ClientReadableStream<Record<string, unknown>> | undefined;
  private eventChain: Promise<void> = Promise.resolve();
  private closed = false;
  private resubscribeTimer: NodeJS.Timeout | undefined;

  constructor(readonly opts: ContainerdRuntimeOptions) {
    this.client = new ContainerdClient(opts.address, opts.namespace);
    this.shim = opts.shim ?? 'io.containerd.runc.v2';
    this.stateDir = opts.stateDir ?? `/run/kubelab/${opts.namespace}/exec`;
    this.subscribe();
  }

  get namespace(): string {
    return this.opts.namespace;
  }

  // ---------------------------------------------------------------- events

  private subscribe(): void {
    if (this.closed) return;
    const ns = this.opts.namespace;
    const stream = this.client.serverStream('events', 'Subscribe', {
      filters: [`topic=="/tasks/exit",namespace=="${ns}"`, `topic=="/tasks/oom",namespace=="${ns}"`],
    });
    this.events = stream;
    const root = eventsRoot();
    stream.on('data', (env: { topic: string; event?: { type_url: string; value: Buffer } }) => {
      if (!env.event) return;
      const typeName = env.event.type_url.replace(/^.*\//, '');
      let msg: Record<string, unknown>;
      try {
        msg = root.lookupType(typeName).toObject(root.lookupType(typeName).decode(env.event.value), { longs: String }) as Record<string, unknown>;
      } catch {
        return;
      }
      this.eventChain = this.eventChain.then(() => this.onEvent(env.topic, msg)).catch(() => undefined);
    });
    const again = () => {
      if (this.closed || this.events !== stream) return;
      this.events = undefined;
      this.resubscribeTimer = setTimeout(() => {
        this.subscribe();
        void this.reconcileStopped().catch(() => undefined);
      }, 500);
    };
    stream.on('error', again);
    stream.on('end', again);
  }

  private async onEvent(topic: string, e: Record<string, unknown>): Promise<void> {
    const containerId = String(e.container_id ?? '');
    if (topic === '/tasks/oom') {
      await this.setLabels(containerId, { [K.oomKilled]: 'true' }).catch(() => undefined);
    } else if (topic === '/tasks/exit' && e.id === containerId) {
      await this.finalize(containerId, Number(e.exit_status ?? 0), timestampToDate(e.exited_at) ?? new Date());
    }
  }

  /** Exits missed while not subscribed (e.g. a kubelet restart): record them and delete the tasks. */
  private async reconcileStopped(): Promise<void> {
    const { tasks } = await this.client.call<{ tasks: PbProcess[] }>('tasks', 'List', { filter: '' });
    for (const t of tasks) {
      if (t.status === 'STOPPED') await this.finalizeTask(t.id, t);
    }
  }

  /** finalize() with the exit of a stopped task as containerd reports it. */
  private finalizeTask(id: string, t: Pick<PbProcess, 'exit_status' | 'exited_at'>): Promise<Record<string, string> | undefined> {
    return this.finalize(id, t.exit_status, timestampToDate(t.exited_at) ?? new Date());
  }

  /**
   * Record an init process's exit in the container's labels, delete its task, tell subscribers (once).
   * Answers the container's labels with the exit recorded (undefined when the container is gone).
   */
  private finalize(id: string, exitCode: number, finishedAt: Date): Promise<Record<string, string> | undefined> {
    const running = this.finalizing.get(id);
    if (running) return running;
    const p = (async () => {
      let labels: Record<string, string>;
      try {
        labels = (await this.getContainer(id)).labels;
      } catch {
        return undefined;
      }
      const first = labels[K.exitCode] === undefined && labels[K.startError] === undefined;
      if (first) {
        const update: Record<string, string> = { [K.exitCode]: String(exitCode), [K.finishedAt]: finishedAt.toISOString() };
        // The shim's OOM event can miss a process killed right after start: the cgroup (still there
        // until the task is deleted) counts OOM kills too.
        if (labels[K.oomKilled] !== 'true' && oomKillsInCgroup(cgroupsPath(this.opts.namespace, id)) > 0) {
          update[K.oomKilled] = 'true';
          labels[K.oomKilled] = 'true';
        }
        if (await this.setLabels(id, update).then(() => true, () => false)) Object.assign(labels, update);
      }
      await this.client.call('tasks', 'Delete', { container_id: id }).catch(() => undefined);
      if (first) {
        const exit: ContainerExit = { id, exitCode, finishedAt, oomKilled: labels[K.oomKilled] === 'true' };
        for (const l of this.listeners) {
          try { l(exit); } catch { /* a listener's problem */ }
        }
      }
      return labels;
    })().finally(() => this.finalizing.delete(id));
    this.finalizing.set(id, p);
    return p;
  }

  subscribeExits(cb: (exit: ContainerExit) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  // ---------------------------------------------------------------- version, images

  async version(): Promise<RuntimeVersion> {
    const v = await this.client.call<{ version: string }>('version', 'Version', {});
    return { name: 'containerd', version: v.version.replace(/[~+].*$/, '').replace(/^v/, ''), apiVersion: 'v1' };
  }

  pullImage(ref: string, opts?: PullOptions): Promise<PullResult> {
    return images.pullImage(this.client, ref, opts);
  }

  imageStatus(ref: string): Promise<ImageInfo | undefined> {
    return images.imageStatus(this.client, ref);
  }

  listImages(): Promise<ImageInfo[]> {
    return images.listImages(this.client);
  }

  removeImage(ref: string): Promise<void> {
    return images.removeImage(this.client, ref);
  }

  // ---------------------------------------------------------------- containers

  private async getContainer(id: string): Promise<PbContainer> {
    try {
      return (await this.client.call<{ container: PbContainer }>('containers', 'Get', { id })).container;
    } catch (e) {
      if (isNotFound(e)) throw notFound('container', id);
      throw e;
    }
  }

  private async setLabels(id: string, labels: Record<string, string>): Promise<void> {
    await this.client.call('containers', 'Update', {
      container: { id, labels },
      update_mask: { paths: Object.keys(labels).map((k) => `labels.${k}`) },
    });
  }

  private async getTask(id: string): Promise<PbProcess | undefined> {
    try {
      return (await this.client.call<{ process: PbProcess }>('tasks', 'Get', { container_id: id })).process;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const image = await images.getImage(this.client, spec.image);
    if (!image) throw notFound('image', normalizeImage(spec.image));
    const id = randomBytes(32).toString('hex');
    const oci = buildSpec({ id, namespace: this.opts.namespace, spec, image: image.config });
    const labels: Record<string, string> = {
      ...spec.labels,
      [K.name]: spec.name,
      [K.image]: spec.image,
      [K.imageId]: image.configDigest,
      [K.createdAt]: new Date().toISOString(),
      [K.stopSignal]: String(signalNumber(image.config.config?.StopSignal)),
      [K.tty]: spec.tty ? 'true' : 'false',
    };
    if (spec.logPath) labels[K.logPath] = spec.logPath;
    try {
      await withLease(this.client, async (lease) => {
        await this.client.call('snapshots', 'Prepare', { snapshotter: SNAPSHOTTER, key: id, parent: image.topChainId }, { lease });
        await this.client.call('containers', 'Create', {
          container: {
            id, labels, image: image.name,
            runtime: { name: this.shim },
            spec: jsonAny(TYPE_URL.spec, oci),
            snapshotter: SNAPSHOTTER,
            snapshot_key: id,
          },
        }, { lease });
      });
    } catch (e) {
      await this.client.call('snapshots', 'Remove', { snapshotter: SNAPSHOTTER, key: id }).catch(() => undefined);
      throw runtimeError(`failed to create containerd container: ${grpcMessage(e)}`, e);
    }
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = await this.getContainer(id);
    if (c.labels[K.exitCode] !== undefined || c.labels[K.startError] !== undefined) {
      throw runtimeError(`container "${id}" has already run: create a new one`);
    }
    const { mounts } = await this.client.call<{ mounts: unknown[] }>('snapshots', 'Mounts', { snapshotter: SNAPSHOTTER, key: id });
    const logPath = c.labels[K.logPath];
    const stdio = logPath ? `binary://${repoFile('node-agent/runtime/containerd/cri-logger')}?log=${encodeURIComponent(logPath)}` : '';
    const startedAt = new Date();
    const fail = async (e: unknown) => {
      await this.client.call('tasks', 'Delete', { container_id: id }).catch(() => undefined);
      const message = grpcMessage(e);
      await this.setLabels(id, {
        [K.startError]: message,
        [K.exitCode]: String(START_ERROR_EXIT_CODE),
        [K.finishedAt]: new Date().toISOString(),
      }).catch(() => undefined);
      return runtimeError(`failed to start containerd task "${id}": ${message}`, e);
    };
    try {
      await this.client.call('tasks', 'Create', {
        container_id: id, rootfs: mounts, stdin: '', stdout: stdio, stderr: stdio, terminal: c.labels[K.tty] === 'true',
      });
    } catch (e) {
      if (isAlreadyExists(e)) throw runtimeError(`container "${id}" is already started`, e);
      throw await fail(e);
    }
    try {
      await this.client.call('tasks', 'Start', { container_id: id });
    } catch (e) {
      throw await fail(e);
    }
    await this.setLabels(id, { [K.startedAt]: startedAt.toISOString() });
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = await this.getContainer(id);
    let task = await this.getTask(id);
    if (!task) return;
    if (task.status === 'RUNNING' || task.status === 'PAUSED') {
      const signal = Number(c.labels[K.stopSignal] ?? 15);
      if (timeoutSeconds > 0) {
        await this.kill(id, signal, false);
        task = await this.waitTask(id, timeoutSeconds * 1000);
      }
      if (!task || task.status !== 'STOPPED') {
        await this.kill(id, 9, true);
        task = await this.waitTask(id, 30_000);
      }
    }
    if (task && task.status !== 'RUNNING') {
      await this.finalizeTask(id, task);
    }
  }

  private async kill(id: string, signal: number, all: boolean): Promise<void> {
    try {
      await this.client.call('tasks', 'Kill', { container_id: id, exec_id: '', signal, all });
    } catch (e) {
      if (!isNotFound(e) && !/process already finished|not running/.test(grpcMessage(e))) throw e;
    }
  }

  /** Wait for the init process to exit, up to `ms`; returns the task view (STOPPED) or what is left. */
  private async waitTask(id: string, ms: number): Promise<PbProcess | undefined> {
    try {
      const r = await this.client.call<{ exit_status: number; exited_at: unknown }>('tasks', 'Wait', { container_id: id }, { timeoutMs: ms });
      return { id, pid: 0, status: 'STOPPED', exit_status: r.exit_status, exited_at: r.exited_at };
    } catch (e) {
      // The deadline shows as DEADLINE_EXCEEDED, or as containerd's UNKNOWN "context deadline exceeded".
      if (grpcCode(e) === grpc.status.DEADLINE_EXCEEDED || /deadline exceeded/.test(grpcMessage(e))) return this.getTask(id);
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async removeContainer(id: string): Promise<void> {
    let task = await this.getTask(id);
    if (task && task.status !== 'STOPPED') {
      await this.kill(id, 9, true);
      task = (await this.waitTask(id, 30_000).catch(() => undefined)) ?? task;
    }
    // Delete the task through finalize (shared with the exit event handler, so one Delete runs);
    // a Delete racing a shim that is exiting answers "ttrpc: closed": check and retry.
    for (let i = 0; task && i < 20; i++) {
      if (task.status === 'STOPPED') await this.finalizeTask(id, task);
      else await this.client.call('tasks', 'Delete', { container_id: id }).catch(() => undefined);
      task = await this.getTask(id).catch(() => task);
      if (task) await new Promise((r) => setTimeout(r, 100));
    }
    if (task) throw runtimeError(`failed to delete the task of container "${id}"`);
    await this.client.call('containers', 'Delete', { id }).catch((e) => { if (!isNotFound(e)) throw e; });
    await this.client.call('snapshots', 'Remove', { snapshotter: SNAPSHOTTER, key: id }).catch((e) => { if (!isNotFound(e)) throw e; });
  }

  async listContainers(filter?: ListFilter): Promise<ContainerStatus[]> {
    const [{ containers }, { tasks }] = await Promise.all([
      // Filtered by containerd: each container carries its whole OCI spec, so listing every container
      // of the node for one pod's sync costs O(pods) per sync (a resync of all pods, O(pods²)).
      this.client.call<{ containers: PbContainer[] }>('containers', 'List', { filters: labelFilters(filter?.labels) }),
      this.client.call<{ tasks: PbProcess[] }>('tasks', 'List', { filter: '' }),
    ]);
    const byId = new Map(tasks.map((t) => [t.id, t]));
    const out: ContainerStatus[] = [];
    for (let c of containers) {
      if (!matchLabels(c.labels, filter?.labels)) continue;
      const t = byId.get(c.id);
      if (t?.status === 'STOPPED') c = await this.finalized(c, t);
      out.push(deriveStatus(c.id, c.labels, timestampToDate(c.created_at) ?? new Date(0), t ? taskView(t) : undefined));
    }
    return out;
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    let c = await this.getContainer(id);
    const t = await this.getTask(id);
    if (t?.status === 'STOPPED') c = await this.finalized(c, t);
    return deriveStatus(id, c.labels, timestampToDate(c.created_at) ?? new Date(0), t ? taskView(t) : undefined);
  }

  /**
   * A stopped task whose exit is not yet recorded: record it first (exit code, and whether the cgroup
   * counted an OOM kill), then answer from the recorded labels. Answering from the bare task would say
   * `Error` for an OOM-killed container whose exit event is still on its way, and a pod that ends with
   * it would keep that reason.
   */
  private async finalized(c: PbContainer, t: PbProcess): Promise<PbContainer> {
    if (c.labels[K.exitCode] !== undefined || c.labels[K.startError] !== undefined) return c;
    const labels = await this.finalizeTask(c.id, t);
    return labels ? { ...c, labels } : c;
  }

  // ---------------------------------------------------------------- exec

  async exec(id: string, cmd: string[], opts: ExecOptions = {}): Promise<number> {
    const c = await this.getContainer(id);
    const task = await this.getTask(id);
    if (!task || task.status !== 'RUNNING') throw runtimeError(`container "${id}" is not running`);
    if (!c.spec) throw runtimeError(`container "${id}" has no spec`);
    const spec = JSON.parse(Buffer.from(c.spec.value).toString('utf8')) as OciSpec;
    const tty = opts.tty === true;
    const execId = `exec-${randomBytes(8).toString('hex')}`;
    const dir = join(this.stateDir, execId);
    mkdirSync(dir, { recursive: true, mode: 0o700 });

    const fifos = { stdin: opts.stdin ? join(dir, 'stdin') : '', stdout: join(dir, 'stdout'), stderr: tty ? '' : join(dir, 'stderr') };
    const toClose: number[] = [];
    const sockets: Socket[] = [];
    const drained: Promise<void>[] = [];
    let stdinSock: Socket | undefined;
    try {
      for (const p of [fifos.stdin, fifos.stdout, fifos.stderr]) if (p) execFileSync('mkfifo', ['-m', '600', p]);
      // Readers first (the shim opens its write ends on Start), plus our own writer "anchor" so a
      // reader does not see EOF before the shim opened its end; the anchor closes after Start.
      const reader = (path: string, sink: Writable | undefined) => {
        const fd = openSync(path, FS.O_RDONLY | FS.O_NONBLOCK);
        toClose.push(openSync(path, FS.O_WRONLY | FS.O_NONBLOCK));
        const s = new Socket({ fd, readable: true, writable: false });
        sockets.push(s);
        drained.push(new Promise<void>((resolve) => { s.on('close', () => resolve()); s.on('error', () => resolve()); }));
        s.on('data', (chunk: Buffer) => sink?.write(chunk));
      };
      reader(fifos.stdout, opts.stdout);
      if (fifos.stderr) reader(fifos.stderr, opts.stderr);
      if (fifos.stdin) {
        const fd = openSync(fifos.stdin, FS.O_RDWR | FS.O_NONBLOCK);
        stdinSock = new Socket({ fd, readable: false, writable: true });
        stdinSock.on('error', () => undefined);
        sockets.push(stdinSock);
      }

      const proc = execProcess(spec.process, cmd, tty, opts.env);
      await this.client.call('tasks', 'Exec', {
        container_id: id, exec_id: execId, terminal: tty,
        stdin: fifos.stdin, stdout: fifos.stdout, stderr: fifos.stderr,
        spec: jsonAny(TYPE_URL.process, proc),
      });
      const waited = this.client.call<{ exit_status: number }>('tasks', 'Wait', { container_id: id, exec_id: execId });
      waited.catch(() => undefined);
      try {
        await this.client.call('tasks', 'Start', { container_id: id, exec_id: execId });
      } catch (e) {
        await this.client.call('tasks', 'DeleteProcess', { container_id: id, exec_id: execId }).catch(() => undefined);
        throw runtimeError(grpcMessage(e), e);
      }
      for (const fd of toClose.splice(0)) closeSync(fd);

      if (opts.stdin && stdinSock) {
        const sock = stdinSock;
        opts.stdin.on('data', (chunk: Buffer) => sock.write(chunk));
        opts.stdin.on('end', () => {
          sock.end();
          void this.client.call('tasks', 'CloseIO', { container_id: id, exec_id: execId, stdin: true }).catch(() => undefined);
        });
      }
      const resize = (size: { width: number; height: number }) => {
        void this.client.call('tasks', 'ResizePty', { container_id: id, exec_id: execId, width: size.width, height: size.height }).catch(() => undefined);
      };
      if (tty && opts.resize) {
        if (typeof opts.resize === 'function') opts.resize(resize);
        else void (async () => { for await (const s of opts.resize as AsyncIterable<{ width: number; height: number }>) resize(s); })().catch(() => undefined);
      }
      let timer: NodeJS.Timeout | undefined;
      if (opts.timeoutSeconds && opts.timeoutSeconds > 0) {
        timer = setTimeout(() => {
          void this.client.call('tasks', 'Kill', { container_id: id, exec_id: execId, signal: 9, all: false }).catch(() => undefined);
        }, opts.timeoutSeconds * 1000);
      }
      const res = await waited.finally(() => clearTimeout(timer));
      await this.client.call('tasks', 'DeleteProcess', { container_id: id, exec_id: execId }).catch(() => undefined);
      // The shim closes its ends once it copied everything: wait for EOF (bounded).
      await Promise.race([Promise.all(drained), new Promise((r) => setTimeout(r, 2000))]);
      return res.exit_status;
    } finally {
      for (const fd of toClose) { try { closeSync(fd); } catch { /* closed */ } }
      for (const s of sockets) s.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.resubscribeTimer);
    this.events?.cancel();
    this.events = undefined;
    await this.eventChain;
    this.client.close();
  }
}
