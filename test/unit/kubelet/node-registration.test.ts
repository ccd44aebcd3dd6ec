/**
 * The kubelet registers its Node in the background, retrying until the API server answers (upstream's
 * registerWithAPIServer: 100 ms doubling to 7 s), so it starts, and runs its static pods, before any API
 * server exists: the kubeadm layout, where the API server is one of those static pods.
 */
import { describe, expect, it } from 'vitest';
import { KubeError } from '../../../api/errors.js';
import type { ApiClient } from '../../../api/client/api-client.js';
import type { Logger } from '../../../api/client/log.js';
import { NodeHeartbeat, nextRegisterDelayMs, readFacts } from '../../../node-agent/kubelet/node-status.js';

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;

describe('nextRegisterDelayMs (upstream: 100 ms doubling, at most 7 s)', () => {
  it.each([
    [0, 100],
    [100, 200],
    [200, 400],
    [3200, 6400],
    [6400, 7000],
    [7000, 7000],
  ])('after %i ms: %i ms', (prev, want) => {
    expect(nextRegisterDelayMs(prev)).toBe(want);
  });
});

describe('NodeHeartbeat.registerUntilDone', () => {
  const facts = readFacts({ nodeName: 'controlplane01', nodeIP: '192.168.56.11', maxPods: 110, containerRuntimeVersion: 'containerd://1.6.20', port: 10250, labels: {}, taints: [] });

  /** An API client whose first `failures` calls fail as an absent API server does (connection refused). */
  function flakyClient(failures: number) {
    const calls: string[] = [];
    let left = failures;
    const down = () => {
      if (left-- > 0) throw new KubeError('ServiceUnavailable', 'connect ECONNREFUSED 192.168.56.11:6443');
    };
    const client = {
      create: async (_r: unknown, _ns: unknown, body: { metadata: { name: string } }) => {
        calls.push('create');
        down();
        return { ...body, metadata: { ...body.metadata, uid: 'u-1' } };
      },
      patch: async (_r: unknown, _ns: unknown, name: string) => {
        calls.push('patch');
        return { metadata: { name, uid: 'u-1' }, status: {} };
      },
      get: async () => {
        calls.push('get');
        return { metadata: { name: 'controlplane01', uid: 'u-1' } };
      },
    } as unknown as ApiClient;
    return { client, calls };
  }

  it('retries with growing waits until the API server answers, then holds the Node', async () => {
    const { client, calls } = flakyClient(3);
    const hb = new NodeHeartbeat(client, facts, () => ({ runtimeReady: true, networkReady: true }), quiet, 40);
    const waits: number[] = [];
    const node = await hb.registerUntilDone(new AbortController().signal, async (ms) => void waits.push(ms));
    expect(node?.metadata?.uid).toBe('u-1');
    expect(waits).toEqual([100, 200, 400]);
    expect(calls.filter((c) => c === 'create')).toHaveLength(4);
    expect(hb.current()?.metadata?.name).toBe('controlplane01');
  });

  it('stops (undefined, no Node) when aborted while the API server is still away', async () => {
    const { client } = flakyClient(1_000);
    const hb = new NodeHeartbeat(client, facts, () => ({ runtimeReady: true, networkReady: true }), quiet, 40);
    const abort = new AbortController();
    let tries = 0;
    const node = await hb.registerUntilDone(abort.signal, async () => {
      if (++tries === 5) abort.abort();
    });
    expect(node).toBeUndefined();
    expect(tries).toBe(5);
    expect(hb.current()).toBeUndefined();
  });
});
