/**
 * containerd's gRPC API over its unix socket, from the project's copy of containerd's .proto files
 * (proto/containerd). Every call carries the `containerd-namespace` metadata; calls may also carry a
 * lease (`containerd-lease`) so content and snapshots made during a pull are not collected mid-way.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { KubeError } from '../../../api/errors.js';

/** Walk up from this module to the checkout (works from the sources and from dist/). */
export function repoFile(rel: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const p = join(dir, rel);
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new KubeError('InternalError', `kubelab file ${rel} not found above ${fileURLToPath(import.meta.url)}`, { code: 'ERR_CONFIG' });
}

const API = 'github.com/containerd/containerd/api';
const SERVICES = {
  containers: ['services/containers/v1/containers.proto', 'containerd.services.containers.v1.Containers'],
  content: ['services/content/v1/content.proto', 'containerd.services.content.v1.Content'],
  diff: ['services/diff/v1/diff.proto', 'containerd.services.diff.v1.Diff'],
  events: ['services/events/v1/events.proto', 'containerd.services.events.v1.Events'],
  images: ['services/images/v1/images.proto', 'containerd.services.images.v1.Images'],
  leases: ['services/leases/v1/leases.proto', 'containerd.services.leases.v1.Leases'],
  namespaces: ['services/namespaces/v1/namespace.proto', 'containerd.services.namespaces.v1.Namespaces'],
  snapshots: ['services/snapshots/v1/snapshots.proto', 'containerd.services.snapshots.v1.Snapshots'],
  tasks: ['services/tasks/v1/tasks.proto', 'containerd.services.tasks.v1.Tasks'],
  version: ['services/version/v1/version.proto', 'containerd.services.version.v1.Version'],
} as const;
export type ServiceName = keyof typeof SERVICES;

type Msg = Record<string, unknown>;

let cachedDefinition: protoLoader.PackageDefinition | undefined;
let cachedEventsRoot: protobuf.Root | undefined;

function protoDir(): string {
  return repoFile('proto/containerd');
}

function definition(): protoLoader.PackageDefinition {
  cachedDefinition ??= protoLoader.loadSync(
    Object.values(SERVICES).map(([f]) => `${API}/${f}`),
    { includeDirs: [protoDir()], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true },
  );
  return cachedDefinition;
}

/** protobufjs Root for the event payloads (`containerd.events.TaskExit`, ...), decoded from Envelope Anys. */
export function eventsRoot(): protobuf.Root {
  if (!cachedEventsRoot) {
    const dir = protoDir();
    const root = new protobuf.Root();
    const bundled = dirname(createRequire(import.meta.url).resolve('protobufjs/package.json'));
    root.resolvePath = (_origin, target) => {
      for (const base of [dir, bundled]) {
        const p = join(base, target);
        if (existsSync(p)) return p;
      }
      return target;
    };
    root.loadSync(`${API}/events/task.proto`, { keepCase: true });
    cachedEventsRoot = root;
  }
  return cachedEventsRoot;
}

export interface CallOptions {
  lease?: string;
  /** Deadline in milliseconds from now. */
  timeoutMs?: number;
}

export class ContainerdClient {
  private readonly clients = new Map<ServiceName, grpc.Client>();
  private readonly channelCreds = grpc.credentials.createInsecure();

  constructor(
    /** `/run/containerd/containerd.sock` or `unix:///...` */
    readonly address: string,
    readonly namespace: string,
  ) {}

  private target(): string {
    return this.address.startsWith('unix:') ? this.address : `unix://${this.address}`;
  }

  client(service: ServiceName): grpc.Client {
    let c = this.clients.get(service);
    if (!c) {
      const Ctor = grpc.loadPackageDefinition(definition());
      const path = SERVICES[service][1].split('.');
      let node: unknown = Ctor;
      for (const p of path) node = (node as Record<string, unknown>)[p];
      const ServiceClient = node as grpc.ServiceClientConstructor;
      // One channel shared by every service client of this instance.
      const first = this.clients.values().next().value as grpc.Client | undefined;
      c = first
        ? new ServiceClient(this.target(), this.channelCreds, { channelOverride: first.getChannel() })
        : new ServiceClient(this.target(), this.channelCreds, { 'grpc.max_receive_message_length': 64 << 20 });
      this.clients.set(service, c);
    }
    return c;
  }

  metadata(opts: CallOptions = {}): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('containerd-namespace', this.namespace);
    if (opts.lease) md.set('containerd-lease', opts.lease);
    return md;
  }

  callOptions(opts: CallOptions = {}): grpc.CallOptions {
    return opts.timeoutMs ? { deadline: new Date(Date.now() + opts.timeoutMs) } : {};
  }

  /** A unary call; rejects with the gRPC error (its `code` kept). */
  call<T = Msg>(service: ServiceName, method: string, req: Msg, opts: CallOptions = {}): Promise<T> {
    const c = this.client(service) as unknown as Record<string, (r: Msg, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, res: T) => void) => void>;
    const fn = c[method];
    if (typeof fn !== 'function') return Promise.reject(new KubeError('InternalError', `containerd: no method ${service}.${method}`, { code: 'ERR_RUNTIME' }));
    return new Promise((resolve, reject) => {
      fn.call(c, req, this.metadata(opts), this.callOptions(opts), (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  /** A server-streaming call (Content.Read, Events.Subscribe). */
  serverStream(service: ServiceName, method: string, req: Msg, opts: CallOptions = {}): grpc.ClientReadableStream<Msg> {
    const c = this.client(service) as unknown as Record<string, (r: Msg, md: grpc.Metadata, o: grpc.CallOptions) => grpc.ClientReadableStream<Msg>>;
    return c[method].call(c, req, this.metadata(opts), this.callOptions(opts));
  }

  /** A bidi call (Content.Write). */
  duplex(service: ServiceName, method: string, opts: CallOptions = {}): grpc.ClientDuplexStream<Msg, Msg> {
    const c = this.client(service) as unknown as Record<string, (md: grpc.Metadata, o: grpc.CallOptions) => grpc.ClientDuplexStream<Msg, Msg>>;
    return c[method].call(c, this.metadata(opts), this.callOptions(opts));
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

export function grpcCode(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'number'
    ? (e as { code: number }).code
    : undefined;
}

export const isNotFound = (e: unknown) => grpcCode(e) === grpc.status.NOT_FOUND;
export const isAlreadyExists = (e: unknown) => grpcCode(e) === grpc.status.ALREADY_EXISTS;

/** containerd's error text without the gRPC prefix (`2 UNKNOWN: `). */
export function grpcMessage(e: unknown): string {
  if (e && typeof e === 'object' && 'details' in e && typeof (e as { details: unknown }).details === 'string') {
    return (e as { details: string }).details;
  }
  return e instanceof Error ? e.message : String(e);
}

export function timestampToDate(ts: unknown): Date | undefined {
  if (!ts || typeof ts !== 'object') return undefined;
  const { seconds, nanos } = ts as { seconds?: string | number; nanos?: number };
  const s = Number(seconds ?? 0);
  if (!s) return undefined; // zero time
  return new Date(s * 1000 + Math.floor((nanos ?? 0) / 1e6));
}

export function dateToTimestamp(d: Date): { seconds: string; nanos: number } {
  const ms = d.getTime();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

export const TYPE_URL = {
  spec: 'types.containerd.io/opencontainers/runtime-spec/1/Spec',
  process: 'types.containerd.io/opencontainers/runtime-spec/1/Process',
} as const;

export function jsonAny(typeUrl: string, value: unknown): { type_url: string; value: Buffer } {
  return { type_url: typeUrl, value: Buffer.from(JSON.stringify(value)) };
}
