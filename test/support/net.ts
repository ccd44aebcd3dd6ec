import { connect, createServer } from 'node:net';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Poll until `check` returns true, or fail naming what was awaited. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (e) {
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`);
}

/** A TCP forwarder listening on `host`:<a free port>, piping each connection to `target` (host:port). */
export async function startTcpForwarder(target: string, host: string): Promise<{ port: number; close(): Promise<void> }> {
  const [toHost, toPort] = target.split(':');
  const server = createServer((s) => {
    const up = connect(Number(toPort), toHost);
    s.pipe(up).pipe(s);
    s.on('error', () => up.destroy());
    up.on('error', () => s.destroy());
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, host, () => r()));
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
}
