/**
 * resolveImage over registries served on loopback by this test: a failure at one endpoint (an error
 * status, a digest mismatch, a 404) moves on to the next mirror; a final answer (authentication required)
 * stops at once; what surfaces is a KubeError with the runtime's code.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeError } from '../../../api/errors.js';
import { resolveImage } from '../../../node-agent/runtime/distribution.js';
import { sha256 } from '../../../node-agent/runtime/image.js';

const CONFIG = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['nginx'] }, rootfs: { type: 'layers', diff_ids: [] } }));
const MANIFEST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(CONFIG), size: CONFIG.length },
    layers: [],
  }),
);

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A registry that serves the image above. */
const good: Handler = (req, res) => {
  if (req.url === '/v2/library/web/manifests/1') {
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': sha256(MANIFEST) });
    res.end(MANIFEST);
  } else if (req.url === `/v2/library/web/blobs/${sha256(CONFIG)}`) {
    res.writeHead(200).end(CONFIG);
  } else {
    res.writeHead(404).end();
  }
};

const servers: Server[] = [];
const hits = new Map<string, number>();

async function registry(name: string, handler: Handler): Promise<string> {
  const s = createServer((req, res) => {
    hits.set(name, (hits.get(name) ?? 0) + 1);
    handler(req, res);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const pull = (...mirrors: string[]) => resolveImage('web:1', { mirrors: { 'docker.io': mirrors }, mirrorFallback: false });

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  hits.clear();
});

describe('resolveImage across mirrors', () => {
  it('moves on from a mirror that answers 500 to the next one', async () => {
    const broken = await registry('broken', (_req, res) => res.writeHead(500, 'Internal Server Error').end('boom'));
    const ok = await registry('ok', good);
    const r = await pull(broken, ok);
    expect(r.endpoint).toBe(ok);
    expect(r.manifest.config.digest).toBe(sha256(CONFIG));
    expect(hits.get('broken')).toBe(1);
  });

  it('moves on from a mirror whose manifest does not match its digest', async () => {
    const lying = await registry('lying', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': sha256('other') });
      res.end(MANIFEST);
    });
    const ok = await registry('ok', good);
    expect((await pull(lying, ok)).endpoint).toBe(ok);
  });

  it('when every endpoint fails: one KubeError (ERR_RUNTIME) naming each endpoint and its error', async () => {
    const broken = await registry('broken', (_req, res) => res.writeHead(500, 'Internal Server Error').end('boom'));
    const err = await pull(broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect(err).toMatchObject({ reason: 'InternalError', code: 'ERR_RUNTIME' });
    expect((err as Error).message).toBe(
      `failed to resolve reference "docker.io/library/web:1": ${broken}: unexpected status from GET request to ${broken}/v2/library/web/manifests/1: 500 Internal Server Error boom`,
    );
  });

  it('not found anywhere: a NotFound KubeError', async () => {
    const a = await registry('a', (_req, res) => res.writeHead(404).end());
    const b = await registry('b', (_req, res) => res.writeHead(404).end());
    await expect(pull(a, b)).rejects.toMatchObject({
      reason: 'NotFound',
      code: 'ERR_RUNTIME',
      message: 'failed to resolve reference "docker.io/library/web:1": docker.io/library/web:1: not found',
    });
    expect([hits.get('a'), hits.get('b')]).toEqual([1, 1]);
  });

  it('a registry that wants Basic credentials none were given for stops the resolution: the next mirror is not asked', async () => {
    const locked = await registry('locked', (_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end());
    const ok = await registry('ok', good);
    await expect(pull(locked, ok)).rejects.toMatchObject({ reason: 'Unauthorized', message: `${locked}: authentication required` });
    expect(hits.get('ok')).toBeUndefined();
  });
});
