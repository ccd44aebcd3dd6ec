/**
 * A fake ContainerRuntime for the kubelet's unit tests: a real in-memory implementation of the
 * interface (containers with states, exits, images), no mocking library.
 */
import type { ContainerExit, ContainerRuntime, ContainerSpec, ContainerStatus, ImageInfo, ListFilter, PullResult, RuntimeVersion } from '../../../node-agent/runtime/runtime.js';
import { matchLabels, notFound } from '../../../node-agent/runtime/runtime.js';

export class FakeRuntime implements ContainerRuntime {
  readonly containers = new Map<string, ContainerStatus & { spec: ContainerSpec }>();
  readonly images = new Set<string>();
  readonly calls: string[] = [];
  /** Images whose pull fails. */
  readonly badImages = new Set<string>();
  /** Commands whose start fails. */
  startError?: string;
  private seq = 0;
  private readonly subs = new Set<(e: ContainerExit) => void>();
  now = () => new Date();

  async version(): Promise<RuntimeVersion> {
    return { name: 'containerd', version: '1.6.20' };
  }
  async pullImage(ref: string): Promise<PullResult> {
    this.calls.push(`pull ${ref}`);
    if (this.badImages.has(ref)) throw new Error(`failed to resolve reference "docker.io/library/${ref}:latest": not found`);
    this.images.add(ref);
    return { imageRef: `docker.io/library/${ref}@sha256:${'a'.repeat(64)}`, imageId: `sha256:${'b'.repeat(64)}` };
  }
  async imageStatus(ref: string): Promise<ImageInfo | undefined> {
    return this.images.has(ref) ? { names: [ref], imageId: `sha256:${'b'.repeat(64)}`, repoDigests: [`docker.io/library/${ref}@sha256:${'a'.repeat(64)}`], size: 1000 } : undefined;
  }
  async listImages(): Promise<ImageInfo[]> {
    return [];
  }
  async removeImage(): Promise<void> {}
  async createContainer(spec: ContainerSpec): Promise<string> {
    const id = (++this.seq).toString(16).padStart(64, '0');
    this.calls.push(`create ${spec.labels['io.kubernetes.container.name']} ${spec.labels['io.kubernetes.container.restartCount']}`);
    this.containers.set(id, { id, name: spec.name, labels: { ...spec.labels }, image: spec.image, imageId: 'sha256:b', state: 'created', createdAt: this.now(), spec, logPath: spec.logPath });
    return id;
  }
  async startContainer(id: string): Promise<void> {
    const c = this.get(id);
    this.calls.push(`start ${c.labels['io.kubernetes.container.name']}`);
    if (this.startError) {
      Object.assign(c, { state: 'exited', exitCode: 128, reason: 'StartError', message: this.startError, finishedAt: this.now() });
      throw new Error(this.startError);
    }
    Object.assign(c, { state: 'running', startedAt: this.now() });
  }
  /** Test helper: a container's process exits. */
  exit(id: string, exitCode: number, oomKilled = false): void {
    const c = this.get(id);
    Object.assign(c, { state: 'exited', exitCode, finishedAt: this.now(), reason: oomKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error' });
    for (const s of this.subs) s({ id, exitCode, finishedAt: this.now(), oomKilled });
  }
  async stopContainer(id: string): Promise<void> {
    this.calls.push(`stop ${id.slice(-4)}`);
    const c = this.containers.get(id);
    if (c && c.state === 'running') this.exit(id, 137);
  }
  async removeContainer(id: string): Promise<void> {
    this.calls.push(`remove ${id.slice(-4)}`);
    this.containers.delete(id);
  }
  async listContainers(filter?: ListFilter): Promise<ContainerStatus[]> {
    return [...this.containers.values()].filter((c) => matchLabels(c.labels, filter?.labels)).map((c) => ({ ...c }));
  }
  async containerStatus(id: string): Promise<ContainerStatus> {
    return { ...this.get(id) };
  }
  async exec(): Promise<number> {
    return 0;
  }
  subscribeExits(cb: (exit: ContainerExit) => void): () => void {
    this.subs.add(cb);
    return () => this.subs.delete(cb);
  }
  async close(): Promise<void> {}
  private get(id: string) {
    const c = this.containers.get(id);
    if (!c) throw notFound('container', id);
    return c;
  }
}
