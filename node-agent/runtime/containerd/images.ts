/**
 * Images in containerd, by hand: blobs written through the Content service (under a lease, with the
 * `containerd.io/gc.ref.*` labels containerd's own pull sets so GC keeps what an image needs), layers
 * unpacked with the Diff service into a chain of committed snapshots (named by chain id), then the
 * image record in the Images service. Reading goes the other way: image record -> target -> (index ->)
 * manifest -> config.
 */
import { randomBytes } from 'node:crypto';
import type { ImageInfo, PullOptions, PullResult } from '../runtime.js';
import { notFound, runtimeError } from '../runtime.js';
import { type Descriptor, type ImageConfig, type Index, type Manifest, chainIds, isIndex, normalizedName, parseImageRef, repoName, selectPlatform } from '../image.js';
import { resolveImage } from '../distribution.js';
import { type ContainerdClient, grpcMessage, isAlreadyExists, isNotFound } from './client.js';

export const SNAPSHOTTER = 'overlayfs';

interface PbDescriptor { media_type: string; digest: string; size: string | number; annotations?: Record<string, string> }
interface PbImage { name: string; labels: Record<string, string>; target: PbDescriptor; created_at?: unknown }

const toPb = (d: Descriptor): PbDescriptor => ({ media_type: d.mediaType, digest: d.digest, size: String(d.size) });

/** Everything a container needs from a local image. */
export interface LocalImage {
  name: string;
  target: Descriptor;
  manifestDigest: string;
  manifest: Manifest;
  configDigest: string;
  config: ImageConfig;
  /** Chain id of the top layer: the parent snapshot of a container's rootfs. */
  topChainId: string;
  size: number;
}

export async function withLease<T>(c: ContainerdClient, fn: (lease: string) => Promise<T>): Promise<T> {
  const id = `kubelab-${randomBytes(8).toString('hex')}`;
  await c.call('leases', 'Create', {
    id,
    labels: { 'containerd.io/gc.expire': new Date(Date.now() + 3_600_000).toISOString() },
  });
  try {
    return await fn(id);
  } finally {
    await c.call('leases', 'Delete', { id, sync: false }).catch(() => undefined);
  }
}

async function contentExists(c: ContainerdClient, digest: string): Promise<boolean> {
  try {
    await c.call('content', 'Info', { digest });
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/**
 * Content that is there now may be garbage-collected a moment later (e.g. just after an image was
 * deleted): add it to our lease first, then check it is still there.
 */
async function leasedContentExists(c: ContainerdClient, digest: string, lease: string): Promise<boolean> {
  await c.call('leases', 'AddResource', { id: lease, resource: { id: digest, type: 'content' } });
  return contentExists(c, digest);
}

/** Write a blob through Content.Write (STAT, WRITE..., COMMIT), unless it is there; then set labels. */
export async function writeContent(
  c: ContainerdClient,
  desc: Descriptor,
  data: AsyncIterable<Uint8Array> | Buffer,
  labels: Record<string, string>,
  lease: string,
): Promise<void> {
  if (await leasedContentExists(c, desc.digest, lease)) {
    if (Object.keys(labels).length > 0) {
      await c.call('content', 'Update', {
        info: { digest: desc.digest, labels },
        update_mask: { paths: Object.keys(labels).map((k) => `labels.${k}`) },
      }, { lease });
    }
    return;
  }
  const ref = `kubelab-${desc.digest}-${randomBytes(4).toString('hex')}`;
  const call = c.duplex('content', 'Write', { lease });
  const responses = call[Symbol.asyncIterator]() as AsyncIterator<Record<string, unknown>>;
  const roundTrip = async (req: Record<string, unknown>) => {
    call.write(req);
    const r = await responses.next();
    if (r.done) throw runtimeError(`content write of ${desc.digest}: stream closed`);
    return r.value;
  };
  try {
    await roundTrip({ action: 'STAT', ref, total: String(desc.size), expected: desc.digest });
    let offset = 0;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    const flush = async () => {
      if (pendingLen === 0) return;
      const chunk = Buffer.concat(pending, pendingLen);
      pending = [];
      pendingLen = 0;
      await roundTrip({ action: 'WRITE', ref, offset: String(offset), data: chunk });
      offset += chunk.length;
    };
    const source: AsyncIterable<Uint8Array> = Buffer.isBuffer(data) ? [data] as unknown as AsyncIterable<Uint8Array> : data;
    for await (const piece of source) {
      pending.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
      pendingLen += piece.byteLength;
      if (pendingLen >= 1 << 20) await flush();
    }
    await flush();
    try {
      await roundTrip({ action: 'COMMIT', ref, offset: String(offset), total: String(desc.size), expected: desc.digest, labels });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  } finally {
    call.end();
  }
}

export async function readContent(c: ContainerdClient, digest: string): Promise<Buffer> {
  const stream = c.serverStream('content', 'Read', { digest, offset: '0', size: '0' });
  const parts: Buffer[] = [];
  for await (const msg of stream as AsyncIterable<{ data: Buffer }>) parts.push(msg.data);
  return Buffer.concat(parts);
}

async function snapshotExists(c: ContainerdClient, key: string): Promise<boolean> {
  try {
    await c.call('snapshots', 'Stat', { snapshotter: SNAPSHOTTER, key });
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/** Apply each layer on its parent into committed snapshots named by chain id (containerd's unpacker). */
export async function unpackLayers(c: ContainerdClient, layers: Descriptor[], diffIds: string[], lease: string): Promise<string> {
  if (layers.length !== diffIds.length) throw runtimeError(`image has ${layers.length} layers but ${diffIds.length} diff ids`);
  const chains = chainIds(diffIds);
  for (let i = 0; i < layers.length; i++) {
    const chain = chains[i];
    await c.call('leases', 'AddResource', { id: lease, resource: { id: chain, type: `snapshots/${SNAPSHOTTER}` } });
    if (await snapshotExists(c, chain)) continue;
    const key = `extract-${randomBytes(6).toString('hex')} ${chain}`;
    const prep = await c.call<{ mounts: unknown[] }>('snapshots', 'Prepare', {
      snapshotter: SNAPSHOTTER, key, parent: i === 0 ? '' : chains[i - 1],
    }, { lease });
    try {
      const res = await c.call<{ applied: PbDescriptor }>('diff', 'Apply', { diff: toPb(layers[i]), mounts: prep.mounts }, { lease });
      if (res.applied.digest !== diffIds[i]) {
        throw runtimeError(`layer ${layers[i].digest}: unpacked to ${res.applied.digest}, expected diff id ${diffIds[i]}`);
      }
      try {
        await c.call('snapshots', 'Commit', { snapshotter: SNAPSHOTTER, name: chain, key }, { lease });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        await c.call('snapshots', 'Remove', { snapshotter: SNAPSHOTTER, key }).catch(() => undefined);
      }
    } catch (e) {
      await c.call('snapshots', 'Remove', { snapshotter: SNAPSHOTTER, key }).catch(() => undefined);
      throw e;
    }
  }
  return chains[chains.length - 1];
}

async function putImage(c: ContainerdClient, name: string, target: Descriptor, lease: string): Promise<void> {
  const image = { name, labels: {}, target: toPb(target) };
  try {
    await c.call('images', 'Create', { image }, { lease });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    await c.call('images', 'Update', { image }, { lease });
  }
}

/** Pull per the distribution spec into containerd's content store, unpack, and record the image. */
export async function pullImage(c: ContainerdClient, ref: string, opts: PullOptions = {}): Promise<PullResult> {
  const r = await resolveImage(ref, opts);
  const diffIds = r.config.rootfs?.diff_ids ?? [];
  const chains = chainIds(diffIds);
  try {
    return await withLease(c, async (lease) => {
      // Layers first (children before the blobs whose labels point at them).
      const queue = [...r.manifest.layers];
      const worker = async () => {
        for (let l = queue.shift(); l; l = queue.shift()) {
          await writeContent(c, l, await r.fetchBlob(l), {}, lease);
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      await writeContent(c, r.manifest.config, r.configBytes,
        chains.length ? { [`containerd.io/gc.ref.snapshot.${SNAPSHOTTER}`]: chains[chains.length - 1] } : {}, lease);
      const mLabels: Record<string, string> = { 'containerd.io/gc.ref.content.config': r.manifest.config.digest };
      r.manifest.layers.forEach((l, i) => { mLabels[`containerd.io/gc.ref.content.l.${i}`] = l.digest; });
      await writeContent(c, r.manifestDesc, r.manifestBytes, mLabels, lease);
      if (r.target.digest !== r.manifestDesc.digest) {
        await writeContent(c, r.target, r.targetBytes, { 'containerd.io/gc.ref.content.m.0': r.manifestDesc.digest }, lease);
      }
      await unpackLayers(c, r.manifest.layers, diffIds, lease);
      const repo = repoName(r.ref);
      await putImage(c, r.name, r.target, lease);
      if (!r.ref.digest) await putImage(c, `${repo}@${r.target.digest}`, r.target, lease);
      return { imageRef: `${repo}@${r.target.digest}`, imageId: r.manifest.config.digest };
    });
  } catch (e) {
    if (e instanceof Error && e.name === 'KubeError') throw e;
    throw runtimeError(`failed to pull and unpack image "${r.name}": ${grpcMessage(e)}`, e);
  }
}

/** The local image for a reference, or undefined. */
export async function getImage(c: ContainerdClient, ref: string): Promise<LocalImage | undefined> {
  const name = normalizedName(parseImageRef(ref));
  let img: PbImage;
  try {
    img = (await c.call<{ image: PbImage }>('images', 'Get', { name })).image;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  return loadImage(c, img);
}

async function loadImage(c: ContainerdClient, img: PbImage): Promise<LocalImage> {
  const target: Descriptor = { mediaType: img.target.media_type, digest: img.target.digest, size: Number(img.target.size) };
  let manifestDigest = target.digest;
  let bytes = await readContent(c, target.digest);
  let json = JSON.parse(bytes.toString('utf8')) as Partial<Manifest & Index>;
  let size = bytes.length;
  if (isIndex(target.mediaType) || Array.isArray(json.manifests)) {
    const picked = selectPlatform(json as Index);
    if (!picked) throw runtimeError(`image ${img.name}: no linux/amd64 manifest`);
    manifestDigest = picked.digest;
    bytes = await readContent(c, picked.digest);
    json = JSON.parse(bytes.toString('utf8')) as Partial<Manifest & Index>;
    size += bytes.length;
  }
  const manifest = json as Manifest;
  const config = JSON.parse((await readContent(c, manifest.config.digest)).toString('utf8')) as ImageConfig;
  const chains = chainIds(config.rootfs?.diff_ids ?? []);
  size += manifest.config.size + manifest.layers.reduce((s, l) => s + l.size, 0);
  return {
    name: img.name, target, manifestDigest, manifest, configDigest: manifest.config.digest, config,
    topChainId: chains[chains.length - 1] ?? '', size,
  };
}

/** Images grouped by config digest (one ImageInfo per image id, with every name and repo digest). */
export async function listImages(c: ContainerdClient): Promise<ImageInfo[]> {
  const { images } = await c.call<{ images: PbImage[] }>('images', 'List', { filters: [] });
  const byId = new Map<string, ImageInfo>();
  for (const img of images) {
    let local: LocalImage;
    try {
      local = await loadImage(c, img);
    } catch {
      continue; // content gone or not for this platform
    }
    const info = byId.get(local.configDigest) ?? { names: [], imageId: local.configDigest, repoDigests: [], size: local.size };
    if (img.name.includes('@')) info.repoDigests.push(img.name);
    else info.names.push(img.name);
    byId.set(local.configDigest, info);
  }
  return [...byId.values()];
}

export async function imageStatus(c: ContainerdClient, ref: string): Promise<ImageInfo | undefined> {
  const local = await getImage(c, ref);
  if (!local) return undefined;
  return (await listImages(c)).find((i) => i.imageId === local.configDigest);
}

export async function removeImage(c: ContainerdClient, ref: string): Promise<void> {
  const local = await getImage(c, ref);
  if (!local) throw notFound('image', ref);
  const { images } = await c.call<{ images: PbImage[] }>('images', 'List', { filters: [] });
  for (const img of images) {
    if (img.target.digest === local.target.digest) {
      await c.call('images', 'Delete', { name: img.name, sync: false }).catch((e) => { if (!isNotFound(e)) throw e; });
    }
  }
}
