import { describe, expect, it } from 'vitest';
import { Controller, createController } from '../../../api/client/controller.js';
import { InProcessApi } from '../../support/in-process-api.js';
import { Informer, splitKey } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { ItemExponentialFailureRateLimiter } from '../../../api/client/workqueue.js';
import { findResource } from '../../../api/resources.js';

const pods = findResource('', 'pods')!;
const cms = findResource('', 'configmaps')!;
const POD_SPEC = { containers: [{ name: 'c', image: 'nginx' }] };

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Keeps a ConfigMap `<pod>-info` per pod: a tiny level-triggered controller. */
class PodInfoController extends Controller {
  readonly synced: string[] = [];
  failNext = 0;
  concurrent = 0;
  maxConcurrentSameKey = 0;
  private readonly inFlight = new Set<string>();
  constructor(
    private readonly client: InProcessApi,
    readonly podInformer: Informer<any>,
  ) {
    super({ name: 'podinfo', workers: 4, logger: silentLogger, rateLimiter: new ItemExponentialFailureRateLimiter(1, 20) });
    this.watchInformer(podInformer);
  }
  protected async sync(key: string): Promise<void> {
    if (this.inFlight.has(key)) this.maxConcurrentSameKey = 2;
    this.inFlight.add(key);
    try {
      await new Promise((r) => setTimeout(r, 2));
      this.synced.push(key);
      if (this.failNext > 0) {
        this.failNext--;
        throw new Error('transient');
      }
      const { namespace, name } = splitKey(key);
      const pod = this.podInformer.store.get(key);
      const cmName = `${name}-info`;
      const existing = this.client.peek(cms, namespace, cmName);
      if (!pod) {
        if (existing) await this.client.delete(cms, namespace, cmName);
        return;
      }
      if (!existing) await this.client.create(cms, namespace, { metadata: { name: cmName }, data: { node: pod.spec.nodeName ?? '' } });
    } finally {
      this.inFlight.delete(key);
    }
  }
}

describe('Controller', () => {
  it('waits for sync, reconciles, retries failures with backoff, and stops on abort', async () => {
    const c = new InProcessApi();
    await c.seed(pods, { metadata: { name: 'a', namespace: 'default' }, spec: POD_SPEC });
    const inf = new Informer<any>({ client: c, resource: pods, logger: silentLogger });
    const ctl = new PodInfoController(c, inf);
    ctl.failNext = 2;
    const ac = new AbortController();
    const done = ctl.run(ac.signal);
    await waitFor(() => c.peek(cms, 'default', 'a-info') !== undefined);
    expect(ctl.synced.filter((k) => k === 'default/a').length).toBe(3); // 2 failures + success
    expect(ctl.queue.numRequeues('default/a')).toBe(0); // forgotten after success
    // burst of changes of one key: never synced concurrently
    for (let i = 0; i < 20; i++) await c.patch(pods, 'default', 'a', { metadata: { labels: { i: String(i) } } }, 'merge');
    await c.create(pods, 'default', { metadata: { name: 'b' }, spec: POD_SPEC });
    await waitFor(() => c.peek(cms, 'default', 'b-info') !== undefined);
    await c.delete(pods, 'default', 'a');
    await waitFor(() => c.peek(cms, 'default', 'a-info') === undefined);
    expect(ctl.maxConcurrentSameKey).toBe(0);
    ac.abort();
    await done;
    expect(ctl.queue.isShuttingDown()).toBe(true);
    await inf.stop();
  });

  it('maxRetries drops a key that keeps failing', async () => {
    const c = new InProcessApi();
    await c.seed(pods, { metadata: { name: 'a', namespace: 'default' }, spec: POD_SPEC });
    const inf = new Informer<any>({ client: c, resource: pods, logger: silentLogger });
    let calls = 0;
    const ctl = createController({
      name: 'always-fails',
      informers: [inf],
      logger: silentLogger,
      maxRetries: 3,
      rateLimiter: new ItemExponentialFailureRateLimiter(1, 5),
      sync: async () => {
        calls++;
        throw new Error('nope');
      },
    });
    const ac = new AbortController();
    const done = ctl.run(ac.signal);
    await waitFor(() => calls === 4);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(4); // first try + 3 retries
    ac.abort();
    await done;
    await inf.stop();
  });

  it('run() returns without starting workers when aborted before sync', async () => {
    const c = new InProcessApi();
    c.injectError({ verb: 'list' }, new (await import('../../../api/errors.js')).KubeError('Forbidden', 'no'), 1000);
    const inf = new Informer<any>({ client: c, resource: pods, logger: silentLogger, backoffInitialMs: 5 });
    let calls = 0;
    const ctl = createController({ name: 'x', informers: [inf], logger: silentLogger, sync: async () => void calls++ });
    const ac = new AbortController();
    const done = ctl.run(ac.signal);
    setTimeout(() => ac.abort(), 20);
    await done;
    expect(calls).toBe(0);
    await inf.stop();
  });

  it('waitForSync: false starts the workers while an informer cannot list yet (the kubelet\'s static pods before any API server)', async () => {
    const c = new InProcessApi();
    // The API server is not there: every list fails for now.
    c.injectError({ verb: 'list' }, new (await import('../../../api/errors.js')).KubeError('ServiceUnavailable', 'connect ECONNREFUSED'), 1000);
    const inf = new Informer<any>({ client: c, resource: pods, logger: silentLogger, backoffInitialMs: 5 });
    const synced: string[] = [];
    const waiting = createController({ name: 'waits', informers: [inf], logger: silentLogger, sync: async (k) => void synced.push(`waits:${k}`) });
    const eager = createController({ name: 'eager', informers: [inf], logger: silentLogger, waitForSync: false, sync: async (k) => void synced.push(`eager:${k}`) });
    const ac = new AbortController();
    const runs = [waiting.run(ac.signal), eager.run(ac.signal)];
    waiting.enqueue('kube-system/kube-apiserver-controlplane01');
    eager.enqueue('kube-system/kube-apiserver-controlplane01');
    await waitFor(() => synced.length > 0);
    await new Promise((r) => setTimeout(r, 30));
    expect(synced).toEqual(['eager:kube-system/kube-apiserver-controlplane01']);
    ac.abort();
    await Promise.all(runs);
    await inf.stop();
  });
});
