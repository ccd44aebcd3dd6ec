/**
 * `ContainerRuntime` over dockerd's API (dockerode on its unix socket).
 *
 * Pod network: Docker cannot put a container into a netns given by path, so (as dockershim did with
 * its pause container) each pod network gets a small sandbox container, `kubelab/pause`, made here
 * from the host's busybox-static: it starts with network mode `none`, then `nsenter --net=<pod netns>`
 * moves its process into the pod's namespace (bind-mounted in, CAP_SYS_ADMIN). App containers join it
 * with `--network container:<sandbox>`, which Docker resolves to `/proc/<sandbox pid>/ns/net`: the pod
 * netns. The hostname is the sandbox's (Docker refuses a hostname with `container:` networking).
 *
 * Logs: Docker writes its json-file log; a detached `cri-log-copier` (tail + jq) appends it to the
 * CRI-format file the kubelet asked for and exits with the container, surviving kubelet restarts.
 *
 * Mirrors: a pull of `nginx` with a mirror for docker.io pulls `<mirror>/library/nginx:latest` and tags
 * it `nginx:latest`; a plain-HTTP mirror must be 127.0.0.0/8 or in dockerd's `--insecure-registry`.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import Docker from 'dockerode';
import type {
  ContainerExit, ContainerRuntime, ContainerSpec, ContainerState, ContainerStatus, ExecOptions, ImageInfo,
  ListFilter, PullOptions, PullResult, RuntimeVersion,
} from '../runtime.js';
import { matchLabels, notFound, runtimeError } from '../runtime.js';
import { KubeError } from '../../../api/errors.js';
import { normalizeImage, normalizedName, parseImageRef, repoName, resolveArgv } from '../image.js';
import { repoFile } from '../containerd/client.js';

export interface DockerRuntimeOptions {
  /** dockerd's socket: `/var/run/docker.sock` (or `unix:///...`). */
  socketPath: string;
}

const L = {
  managed: 'io.kubelab.managed',
  name: 'io.kubelab.name',
  image: 'io.kubelab.image',
  logPath: 'io.kubelab.log-path',
  sandbox: 'io.kubelab.sandbox',
  sandboxNetns: 'io.kubelab.sandbox-netns',
  sandboxId: 'io.kubelab.sandbox-id',
} as const;

export const PAUSE_IMAGE = 'kubelab/pause:1';

const ZERO_TIME = '0001-01-01T00:00:00Z';

function statusCode(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && 'statusCode' in e ? Number((e as { statusCode: unknown }).statusCode) : undefined;
}

function dockerMessage(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'json' in e) {
    const j = (e as { json?: { message?: string } }).json;
    if (j?.message) return j.message;
  }
  if (typeof e === 'object' && e !== null && 'reason' in e && 'statusCode' in e && 'message' in e) {
    const m = String((e as { message: string }).message);
    const i = m.indexOf('{"message":');
    if (i >= 0) {
      try { return (JSON.parse(m.slice(i)) as { message: string }).message; } catch { /* not json */ }
    }
    return m;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Docker's container name rule: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`. */
export function dockerName(name: string): string {
  let s = name.replace(/[^a-zA-Z0-9_.-]/g, '_');
  if (!/^[a-zA-Z0-9]/.test(s)) s = `k${s}`;
  return s.length >= 2 ? s : `${s}_`;
}

/** A minimal ustar archive (directories and regular files), for `docker import`. */
export function tarArchive(entries: { path: string; mode: number; data?: Buffer }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const h = Buffer.alloc(512);
    const isDir = e.data === undefined;
    const size = e.data?.length ?? 0;
    h.write(e.path + (isDir && !e.path.endsWith('/') ? '/' : ''), 0, 100, 'utf8');
    h.write(e.mode.toString(8).padStart(7, '0') + '\0', 100, 8);
    h.write('0000000\0', 108, 8);
    h.write('0000000\0', 116, 8);
    h.write(size.toString(8).padStart(11, '0') + '\0', 124, 12);
    h.write(Math.floor(Date.now() / 1000).toString(8).padStart(11, '0') + '\0', 136, 12);
    h.write('        ', 148, 8);
    h.write(isDir ? '5' : '0', 156, 1);
    h.write('ustar\0', 257, 6);
    h.write('00', 263, 2);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
    blocks.push(h);
    if (e.data) {
      blocks.push(e.data);
      if (size % 512) blocks.push(Buffer.alloc(512 - (size % 512)));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** Docker's state -> ours, with CRI-like reasons. */
export function mapState(s: Docker.ContainerInspectInfo['State']): Pick<ContainerStatus, 'state' | 'exitCode' | 'reason' | 'message' | 'startedAt' | 'finishedAt'> {
  const date = (d: string | undefined) => (d && d !== ZERO_TIME ? new Date(d) : undefined);
  const out: Pick<ContainerStatus, 'state' | 'exitCode' | 'reason' | 'message' | 'startedAt' | 'finishedAt'> = {
    state: 'unknown',
    startedAt: date(s.StartedAt),
    finishedAt: date(s.FinishedAt),
  };
  let state: ContainerState;
  switch (s.Status) {
    case 'running': case 'paused': case 'restarting': state = 'running'; break;
    case 'exited': case 'dead': case 'removing': state = 'exited'; break;
    case 'created': state = s.Error ? 'exited' : 'created'; break;
    default: state = 'unknown';
  }
  out.state = state;
  if (state === 'exited') {
    out.exitCode = s.ExitCode;
    if (s.OOMKilled) out.reason = 'OOMKilled';
    else if (s.Error) { out.reason = 'ContainerCannotRun'; out.message = s.Error; }
    else out.reason = s.ExitCode === 0 ? 'Completed' : 'Error';
    if (!out.finishedAt && s.Error) out.finishedAt = new Date();
  }
  return out;
}

/** How long after a SIGKILL exit an OOM notice may still be on its way from dockerd. */
const OOM_NOTICE_MS = 1000;

export class DockerRuntime implements ContainerRuntime {
  readonly docker: Docker;
  private readonly listeners = new Set<(e: ContainerExit) => void>();
  private eventStream: NodeJS.ReadableStream | undefined;
  private closed = false;
  private pauseReady: Promise<void> | undefined;
  /** Containers an `oom` event was seen for (Docker's own OOMKilled flag can miss under concurrent exits). */
  private readonly oomSeen = new Set<string>();

  constructor(readonly opts: DockerRuntimeOptions) {
    this.docker = new Docker({ socketPath: opts.socketPath.replace(/^unix:\/\//, '') });
  }

  async version(): Promise<RuntimeVersion> {
    const v = await this.docker.version();
    return { name: 'docker', version: v.Version.replace(/[~+].*$/, ''), apiVersion: v.ApiVersion };
  }

  // ---------------------------------------------------------------- images

  private async pullOne(name: string, auth: PullOptions['auth']): Promise<void> {
    const authconfig = auth?.username !== undefined ? { username: auth.username, password: auth.password ?? '' }
      : auth?.token ? { identitytoken: auth.token } : undefined;
    const stream = (await this.docker.pull(name, authconfig ? { authconfig } : {})) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
        const failed = err ?? out?.find((o) => o.error);
        if (failed) reject(err ?? runtimeError(String((failed as { error?: string }).error)));
        else resolve();
      });
    });
  }

  /** Pulls run one at a time: each tags the mirror's image as the canonical name and drops the mirror tag,
   *  so two pulls of the same image at once (two pods starting together) would remove each other's tag. */
  private pullChain: Promise<unknown> = Promise.resolve();

  pullImage(ref: string, opts: PullOptions = {}): Promise<PullResult> {
    const run = this.pullChain.then(() => this.pullImageNow(ref, opts));
    this.pullChain = run.catch(() => undefined);
    return run;
  }

  private async pullImageNow(ref: string, opts: PullOptions): Promise<PullResult> {
    const r = parseImageRef(ref);
    const canonical = normalizedName(r);
    const suffix = r.digest ? `@${r.digest}` : `:${r.tag}`;
    const candidates = (opts.mirrors?.[r.domain] ?? []).map((m) => `${m.replace(/^https?:\/\//, '').replace(/\/+$/, '')}/${r.path}${suffix}`);
    if (candidates.length === 0 || opts.mirrorFallback !== false) candidates.push(canonical);
    const errors: string[] = [];
    let notFoundSeen = false;
    for (const cand of candidates) {
      try {
        await this.pullOne(cand, opts.auth);
      } catch (e) {
        const msg = dockerMessage(e);
        if (statusCode(e) === 404 || /not found|manifest unknown/i.test(msg)) notFoundSeen = true;
        errors.push(msg);
        continue;
      }
      if (cand !== canonical) {
        if (!r.digest) await this.docker.getImage(cand).tag({ repo: repoName(r), tag: r.tag });
      }
      const info = await this.docker.getImage(cand).inspect();
      if (cand !== canonical && !r.digest) await this.docker.getImage(cand).remove({ noprune: true }).catch(() => undefined);
      const digest = (info.RepoDigests ?? []).map((d) => d.slice(d.indexOf('@') + 1))[0] ?? r.digest ?? info.Id;
      return { imageRef: `${repoName(r)}@${digest}`, imageId: info.Id };
    }
    const message = `failed to pull image "${canonical}": ${errors.join('; ')}`;
    throw new KubeError(notFoundSeen ? 'NotFound' : 'InternalError', message, { code: 'ERR_RUNTIME' });
  }

  private toInfo(i: { Id: string; RepoTags?: string[] | null; RepoDigests?: string[] | null; Size: number }): ImageInfo {
    const norm = (n: string) => { try { return normalizeImage(n); } catch { return n; } };
    return {
      names: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>').map(norm),
      imageId: i.Id,
      repoDigests: (i.RepoDigests ?? []).filter((t) => !t.startsWith('<none>')).map(norm),
      size: i.Size,
    };
  }

  async imageStatus(ref: string): Promise<ImageInfo | undefined> {
    try {
      return this.toInfo(await this.docker.getImage(normalizeImage(ref)).inspect());
    } catch (e) {
      if (statusCode(e) === 404) return undefined;
      throw runtimeError(dockerMessage(e), e);
    }
  }

  async listImages(): Promise<ImageInfo[]> {
    return (await this.docker.listImages()).map((i) => this.toInfo(i));
  }

  async removeImage(ref: string): Promise<void> {
    try {
      await this.docker.getImage(normalizeImage(ref)).remove({ force: true });
    } catch (e) {
      if (statusCode(e) === 404) throw notFound('image', ref);
      throw runtimeError(dockerMessage(e), e);
    }
  }

  // ---------------------------------------------------------------- sandbox (pod network holder)

  /** `kubelab/pause:1`: the host's busybox-static, imported once. */
  private ensurePauseImage(): Promise<void> {
    this.pauseReady ??= (async () => {
      try {
        await this.docker.getImage(PAUSE_IMAGE).inspect();
        return;
      } catch (e) {
        if (statusCode(e) !== 404) throw e;
      }
      const busybox = '/bin/busybox';
      if (!statSync(busybox, { throwIfNoEntry: false })) throw runtimeError('the pause image needs /bin/busybox (apt-get install busybox-static)');
      const tar = tarArchive([
        { path: 'bin', mode: 0o755 },
        { path: 'bin/busybox', mode: 0o755, data: readFileSync(busybox) },
        { path: 'kubelab', mode: 0o755 },
        { path: 'kubelab/netns', mode: 0o644, data: Buffer.alloc(0) },
      ]);
      const [repo, tag] = PAUSE_IMAGE.split(':');
      const out = await this.docker.importImage(Readable.from([tar]) as unknown as NodeJS.ReadableStream, { repo, tag });
      await new Promise<void>((resolve, reject) => this.docker.modem.followProgress(out, (err: Error | null) => (err ? reject(err) : resolve())));
    })();
    this.pauseReady.catch(() => { this.pauseReady = undefined; });
    return this.pauseReady;
  }

  /** The running sandbox for a pod netns, made if needed. */
  private async ensureSandbox(netnsPath: string, spec: ContainerSpec): Promise<string> {
    const found = await this.docker.listContainers({ all: true, filters: { label: [`${L.sandboxNetns}=${netnsPath}`] } });
    for (const c of found) {
      if (c.State === 'running') return c.Id;
      await this.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    await this.ensurePauseImage();
    const hash = createHash('sha256').update(netnsPath).digest('hex').slice(0, 16);
    const labels: Record<string, string> = { [L.sandbox]: 'true', [L.sandboxNetns]: netnsPath };
    for (const k of ['io.kubernetes.pod.uid', 'io.kubernetes.pod.name', 'io.kubernetes.pod.namespace']) {
      if (spec.labels[k]) labels[k] = spec.labels[k];
    }
    const c = await this.docker.createContainer({
      name: `kubelab_sandbox_${hash}`,
      Image: PAUSE_IMAGE,
      Entrypoint: ['/bin/busybox', 'nsenter', '--net=/kubelab/netns', '/bin/busybox', 'sleep', '2147483647'],
      Hostname: spec.hostname || undefined,
      Labels: labels,
      HostConfig: {
        NetworkMode: 'none',
        CapAdd: ['SYS_ADMIN'],
        Binds: [`${netnsPath}:/kubelab/netns`],
        Memory: 16 << 20,
      },
    });
    await c.start();
    return c.id;
  }

  private async removeSandboxIfUnused(sandboxId: string): Promise<void> {
    const users = await this.docker.listContainers({ all: true, filters: { label: [`${L.sandboxId}=${sandboxId}`] } });
    if (users.length === 0) await this.docker.getContainer(sandboxId).remove({ force: true }).catch(() => undefined);
  }

  // ---------------------------------------------------------------- containers

  async createContainer(spec: ContainerSpec): Promise<string> {
    let image: Docker.ImageInspectInfo;
    try {
      image = await this.docker.getImage(normalizeImage(spec.image)).inspect();
    } catch (e) {
      if (statusCode(e) === 404) throw notFound('image', normalizeImage(spec.image));
      throw runtimeError(dockerMessage(e), e);
    }
    const argv = resolveArgv(image.Config as { Entrypoint?: string[]; Cmd?: string[] }, spec.command, spec.args);
    if (argv.length === 0) throw runtimeError('no command specified');
    const labels: Record<string, string> = { ...spec.labels, [L.managed]: 'true', [L.name]: spec.name, [L.image]: spec.image };
    if (spec.logPath) labels[L.logPath] = spec.logPath;
    const r = spec.resources ?? {};
    const hostConfig: Docker.HostConfig = {
      Binds: (spec.mounts ?? []).map((m) => `${m.hostPath}:${m.containerPath}:${m.readOnly ? 'ro' : 'rw'}`),
      NetworkMode: 'none',
      LogConfig: { Type: 'json-file', Config: {} },
    };
    if (r.memoryLimitBytes && r.memoryLimitBytes > 0) hostConfig.Memory = r.memoryLimitBytes;
    if (r.cpuShares && r.cpuShares > 0) hostConfig.CpuShares = r.cpuShares;
    if (r.cpuQuota && r.cpuQuota > 0) {
      hostConfig.CpuQuota = r.cpuQuota;
      hostConfig.CpuPeriod = r.cpuPeriod && r.cpuPeriod > 0 ? r.cpuPeriod : 100_000;
    }
    let hostname: string | undefined = spec.hostname || undefined;
    if (spec.netnsPath) {
      const sandbox = await this.ensureSandbox(spec.netnsPath, spec);
      hostConfig.NetworkMode = `container:${sandbox}`;
      labels[L.sandboxId] = sandbox;
      hostname = undefined;
    }
    try {
      const c = await this.docker.createContainer({
        name: dockerName(spec.name),
        Image: normalizeImage(spec.image),
        Entrypoint: argv,
        Cmd: [],
        Env: (spec.env ?? []).map((e) => `${e.name}=${e.value}`),
        WorkingDir: spec.workingDir || undefined,
        User: spec.user ? (spec.user.gid !== undefined ? `${spec.user.uid}:${spec.user.gid}` : String(spec.user.uid)) : undefined,
        Hostname: hostname,
        Labels: labels,
        Tty: spec.tty === true,
        OpenStdin: spec.stdin === true,
        AttachStdin: false,
        HostConfig: hostConfig,
      });
      return c.id;
    } catch (e) {
      if (labels[L.sandboxId]) await this.removeSandboxIfUnused(labels[L.sandboxId]);
      throw runtimeError(`failed to create docker container: ${dockerMessage(e)}`, e);
    }
  }

  async startContainer(id: string): Promise<void> {
    const c = this.docker.getContainer(id);
    try {
      await this.ensureEvents();
      await c.start();
    } catch (e) {
      if (statusCode(e) === 404) throw notFound('container', id);
      if (statusCode(e) === 304) return;
      throw runtimeError(`failed to start docker container "${id}": ${dockerMessage(e)}`, e);
    }
    const info = await c.inspect();
    const logPath = info.Config.Labels?.[L.logPath];
    if (logPath && info.LogPath) {
      const copier = spawn(repoFile('node-agent/runtime/docker/cri-log-copier'), [info.LogPath, String(info.State.Running ? info.State.Pid : 0), logPath], {
        detached: true, stdio: 'ignore',
      });
      copier.on('error', () => undefined);
      copier.unref();
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.floor(timeoutSeconds)) });
    } catch (e) {
      const code = statusCode(e);
      if (code === 304) return;
      if (code === 404) throw notFound('container', id);
      throw runtimeError(dockerMessage(e), e);
    }
  }

  async removeContainer(id: string): Promise<void> {
    let sandbox: string | undefined;
    try {
      const info = await this.docker.getContainer(id).inspect();
      sandbox = info.Config.Labels?.[L.sandboxId];
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (e) {
      if (statusCode(e) !== 404) throw runtimeError(dockerMessage(e), e);
    }
    if (sandbox) await this.removeSandboxIfUnused(sandbox);
  }

  /**
   * Inspect a container; one SIGKILLed (137) moments ago and not (yet) marked OOMKilled is inspected
   * again once its OOM notice had time to arrive. dockerd handles containerd's `/tasks/exit` and
   * `/tasks/oom` events independently, so the exit can be visible before the OOM flag; reporting
   * `Error` then would stick to a pod that ends with that container.
   */
  private async settledInspect(id: string): Promise<Docker.ContainerInspectInfo> {
    const info = await this.docker.getContainer(id).inspect();
    const s = info.State;
    if (s.Status !== 'exited' || s.ExitCode !== 137 || s.OOMKilled || this.oomSeen.has(info.Id)) return info;
    const wait = Date.parse(s.FinishedAt) + OOM_NOTICE_MS - Date.now();
    if (!(wait > 0)) return info;
    await new Promise((r) => setTimeout(r, Math.min(wait, OOM_NOTICE_MS)));
    return this.docker.getContainer(id).inspect();
  }

  private toStatus(info: Docker.ContainerInspectInfo): ContainerStatus {
    const state = this.oomSeen.has(info.Id) ? { ...info.State, OOMKilled: true } : info.State;
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(info.Config.Labels ?? {})) if (!k.startsWith('io.kubelab.')) labels[k] = v;
    return {
      id: info.Id,
      name: info.Config.Labels?.[L.name] ?? info.Name.replace(/^\//, ''),
      labels,
      image: info.Config.Labels?.[L.image] ?? info.Config.Image,
      imageId: info.Image,
      createdAt: new Date(info.Created),
      logPath: info.Config.Labels?.[L.logPath],
      ...mapState(state),
      ...(state.Running && state.Pid > 0 ? { pid: state.Pid } : {}),
    };
  }

  async listContainers(filter?: ListFilter): Promise<ContainerStatus[]> {
    const label = [`${L.managed}=true`, ...Object.entries(filter?.labels ?? {}).map(([k, v]) => `${k}=${v}`)];
    const list = await this.docker.listContainers({ all: true, filters: { label } });
    const out: ContainerStatus[] = [];
    for (const c of list) {
      try {
        const st = this.toStatus(await this.settledInspect(c.Id));
        if (matchLabels(st.labels, filter?.labels)) out.push(st);
      } catch (e) {
        if (statusCode(e) !== 404) throw e;
      }
    }
    return out;
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    try {
      return this.toStatus(await this.settledInspect(id));
    } catch (e) {
      if (statusCode(e) === 404) throw notFound('container', id);
      throw runtimeError(dockerMessage(e), e);
    }
  }

  async exec(id: string, cmd: string[], opts: ExecOptions = {}): Promise<number> {
    const tty = opts.tty === true;
    let exec: Docker.Exec;
    try {
      exec = await this.docker.getContainer(id).exec({
        Cmd: cmd, AttachStdin: !!opts.stdin, AttachStdout: true, AttachStderr: true, Tty: tty,
        Env: (opts.env ?? []).map((e) => `${e.name}=${e.value}`),
      });
    } catch (e) {
      if (statusCode(e) === 404) throw notFound('container', id);
      throw runtimeError(dockerMessage(e), e);
    }
    const stream = (await exec.start({ hijack: true, stdin: !!opts.stdin, Tty: tty })) as unknown as NodeJS.ReadWriteStream & { destroy(): void; end(): void };
    const stdout = opts.stdout ?? new PassThrough().resume();
    const stderr = opts.stderr ?? new PassThrough().resume();
    const done = new Promise<void>((resolve) => {
      stream.on('end', () => resolve());
      stream.on('close', () => resolve());
      stream.on('error', () => resolve());
    });
    if (tty) stream.on('data', (d: Buffer) => stdout.write(d));
    else {
      // demuxStream pipes; keep the caller's streams open after the exec ends.
      const o = new PassThrough(); const e = new PassThrough();
      o.on('data', (d: Buffer) => stdout.write(d));
      e.on('data', (d: Buffer) => stderr.write(d));
      this.docker.modem.demuxStream(stream, o, e);
    }
    if (opts.stdin) {
      opts.stdin.on('data', (d: Buffer) => stream.write(d));
      opts.stdin.on('end', () => stream.end());
    }
    if (tty && opts.resize) {
      const resize = (s: { width: number; height: number }) => void exec.resize({ h: s.height, w: s.width }).catch(() => undefined);
      if (typeof opts.resize === 'function') opts.resize(resize);
      else void (async () => { for await (const s of opts.resize as AsyncIterable<{ width: number; height: number }>) resize(s); })().catch(() => undefined);
    }
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutSeconds && opts.timeoutSeconds > 0) timer = setTimeout(() => stream.destroy(), opts.timeoutSeconds * 1000);
    await done.finally(() => clearTimeout(timer));
    for (let i = 0; i < 100; i++) {
      const info = await exec.inspect();
      if (!info.Running && info.ExitCode !== null) {
        if (info.ExitCode === 126 || info.ExitCode === 127) {
          // Docker prints the OCI error on the stream; keep the exit code like `docker exec`.
        }
        return info.ExitCode;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw runtimeError(`exec in "${id}" did not report an exit code`);
  }

  // ---------------------------------------------------------------- exits

  private eventsReady: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;

  /** Watch `die` and `oom` events (once; reconnects). Resolves when the stream is open. */
  private ensureEvents(): Promise<void> {
    this.eventsReady ??= this.watchEvents().catch(() => { this.eventsReady = undefined; });
    return this.eventsReady;
  }

  private async watchEvents(): Promise<void> {
    if (this.closed) return;
    const stream = await this.docker.getEvents({ filters: { type: ['container'], event: ['die', 'oom'] } });
    this.eventStream = stream;
    let buf = '';
    stream.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let ev: { id?: string; Action?: string; Actor?: { Attributes?: Record<string, string> }; timeNano?: number };
        try { ev = JSON.parse(line) as typeof ev; } catch { continue; }
        const attrs = ev.Actor?.Attributes ?? {};
        if (!ev.id || attrs[L.managed] !== 'true') continue;
        if (ev.Action === 'oom') {
          this.oomSeen.add(ev.id);
          continue;
        }
        const id = ev.id;
        void this.settledInspect(ev.id).then((info) => {
          const exit: ContainerExit = {
            id: info.Id,
            exitCode: info.State.ExitCode,
            finishedAt: new Date(info.State.FinishedAt),
            oomKilled: info.State.OOMKilled || this.oomSeen.has(id),
          };
          for (const l of this.listeners) { try { l(exit); } catch { /* listener */ } }
        }).catch(() => undefined);
      }
    });
    const again = () => {
      if (this.eventStream !== stream) return;
      this.eventStream = undefined;
      this.eventsReady = undefined;
      if (!this.closed) this.reconnectTimer = setTimeout(() => void this.ensureEvents(), 500);
    };
    stream.on('end', again);
    stream.on('error', again);
  }

  subscribeExits(cb: (exit: ContainerExit) => void): () => void {
    this.listeners.add(cb);
    void this.ensureEvents();
    return () => this.listeners.delete(cb);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const s = this.eventStream as unknown as { destroy?: () => void } | undefined;
    this.eventStream = undefined;
    s?.destroy?.();
  }
}
