/**
 * The distribution client against the lab registry behind a token-auth front (Docker Hub's flow:
 * 401 + WWW-Authenticate: Bearer realm,service,scope -> GET realm with Basic credentials -> token).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveImage } from '../../../node-agent/runtime/distribution.js';
import { detectRuntime, namespaceForNode } from '../../../node-agent/runtime/index.js';
import { type Registry, freePort, startRegistry } from '../../support/runtime-services.js';

describe('distribution client', () => {
  let registry: Registry;
  let front: Server;
  let frontAddr = '';
  const tokenRequests: string[] = [];

  beforeAll(async () => {
    registry = await startRegistry();
    const port = await freePort();
    frontAddr = `127.0.0.1:${port}`;
    front = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://${frontAddr}`);
      if (url.pathname === '/token') {
        tokenRequests.push(`${url.searchParams.get('service')} ${url.searchParams.get('scope')} ${req.headers.authorization ?? ''}`);
        if (req.headers.authorization !== `Basic ${Buffer.from('alice:secret').toString('base64')}`) {
          res.writeHead(401).end('{"details":"incorrect username or password"}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t0k3n"}');
        return;
      }
      if (req.headers.authorization !== 'Bearer t0k3n') {
        res.writeHead(401, {
          'www-authenticate': `Bearer realm="http://${frontAddr}/token",service="lab.registry",scope="repository:library/busybox:pull"`,
        }).end();
        return;
      }
      // Authorized: proxy to the real registry.
      fetch(`${registry.mirror}${req.url}`, { headers: { accept: req.headers.accept ?? '*/*' } }).then(async (up) => {
        const headers: Record<string, string> = {};
        for (const h of ['content-type', 'docker-content-digest']) { const v = up.headers.get(h); if (v) headers[h] = v; }
        res.writeHead(up.status, headers).end(Buffer.from(await up.arrayBuffer()));
      }, () => res.writeHead(502).end());
    });
    await new Promise<void>((r) => front.listen(port, '127.0.0.1', () => r()));
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => front?.close(r));
    await registry?.stop();
  });

  it('follows the Bearer token flow with credentials and resolves the linux/amd64 manifest of an index', async () => {
    const r = await resolveImage(`${frontAddr}/library/busybox:latest`, {
      insecureRegistries: [frontAddr], auth: { username: 'alice', password: 'secret' },
    });
    expect(tokenRequests.at(-1)).toBe(`lab.registry repository:library/busybox:pull Basic ${Buffer.from('alice:secret').toString('base64')}`);
    expect(r.target.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(r.manifestDesc.platform).toEqual({ architecture: 'amd64', os: 'linux' });
    expect(r.config.rootfs.diff_ids.length).toBeGreaterThan(0);
    expect(r.config.config?.Cmd).toEqual(['sh']);
    let bytes = 0;
    for await (const chunk of await r.fetchBlob(r.manifest.layers[0])) bytes += chunk.byteLength;
    expect(bytes).toBe(r.manifest.layers[0].size);
  });

  it('fails with the registry\'s answer on bad credentials', async () => {
    await expect(resolveImage(`${frontAddr}/library/busybox:latest`, {
      insecureRegistries: [frontAddr], auth: { username: 'alice', password: 'wrong' },
    })).rejects.toThrow(/token.*401/);
  });

  it('skips a dead mirror and uses the next one', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await resolveImage('busybox', { mirrors: { 'docker.io': [dead, registry.mirror] }, mirrorFallback: false });
    expect(r.endpoint).toBe(registry.mirror);
    expect(r.name).toBe('docker.io/library/busybox:latest');
  });

  it('tells a registry socket from a non-Docker socket', async () => {
    expect(await detectRuntime('unix:///nonexistent.sock')).toBe('containerd');
    expect(namespaceForNode('Node01')).toBe('kubelab-node01');
  });
});
