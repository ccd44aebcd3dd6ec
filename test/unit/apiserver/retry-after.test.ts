/**
 * Error Statuses that name a retry period also answer `Retry-After` (upstream's ErrorNegotiated): client-go waits and
 * retries by itself on one. The eviction's budget refusal names none, so kubectl drain sees it and retries on its own.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendError } from '../../../control-plane/apiserver/http-util.js';
import { budgetBeingProcessed, checkAndDecrement } from '../../../control-plane/apiserver/eviction.js';
import { KubeError } from '../../../api/errors.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function answer(err: unknown): Promise<Response> {
  server = createServer((req, res) => sendError(res, err, req));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return fetch(`http://127.0.0.1:${port}/`);
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new KubeError('InternalError', 'nothing thrown');
}

describe('Retry-After on error Statuses', () => {
  it('a PDB still being processed: 429 with Retry-After: 10', async () => {
    const r = await answer(budgetBeingProcessed('web'));
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('10');
    expect(((await r.json()) as { details?: unknown }).details).toEqual({ retryAfterSeconds: 10, causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }] });
  });

  it('a budget with no disruption left: 429 without Retry-After', async () => {
    const pdb = { metadata: { name: 'web', generation: 1 }, status: { observedGeneration: 1, disruptionsAllowed: 0, desiredHealthy: 2, currentHealthy: 2 } };
    const r = await answer(thrown(() => checkAndDecrement(pdb, 'p', new Date())));
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBeNull();
  });
});
