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

/**
 * The one polling loop of the tests and benchmarks: call `check` every intervalMs until it answers a
 * value other than undefined or false (a thrown error counts as "not yet"), once more at the deadline;
 * answers that value and the time it took, or fails naming what was awaited and the last error.
 */
export async function poll<T>(
  what: string,
  timeoutMs: number,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  intervalMs = 100,
): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return { value: v, ms: Date.now() - t0 };
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() - t0 >= timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${lastErr instanceof Error ? lastErr.message : String(lastErr)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Poll until `check` returns true, or fail naming what was awaited. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, intervalMs = 100): Promise<void> {
  await poll(what, timeoutMs, async () => (await check()) || undefined, intervalMs);
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
