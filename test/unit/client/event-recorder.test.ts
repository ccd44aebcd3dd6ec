import { describe, expect, it } from 'vitest';
import { EventRecorder } from '../../../api/client/event-recorder.js';
import { InProcessApi } from '../../support/in-process-api.js';
import { silentLogger } from '../../../api/client/log.js';
import { KubeError } from '../../../api/errors.js';
import { findResource } from '../../../api/resources.js';

const events = findResource('', 'events')!;
const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default', uid: 'uid-1', resourceVersion: '42' },
};
const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node01', uid: 'uid-n' } };

function setup(extra: Partial<ConstructorParameters<typeof EventRecorder>[1]> = {}) {
  const c = new InProcessApi();
  let now = Date.UTC(2026, 10, 27, 10, 0, 0);
  const rec = new EventRecorder(c, { component: 'default-scheduler', host: 'controlplane01', logger: silentLogger, now: () => now, ...extra });
  return { c, rec, advance: (ms: number) => (now += ms) };
}

describe('EventRecorder', () => {
  it('creates a core/v1 Event with the upstream fields', async () => {
    const { c, rec } = setup();
    rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned default/web-1 to node01');
    await rec.flush();
    const [ev] = c.objects(events, 'default');
    expect(ev.metadata.name).toMatch(/^web-1\.[0-9a-f]+$/);
    expect(ev).toMatchObject({
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'uid-1', apiVersion: 'v1', resourceVersion: '42' },
      reason: 'Scheduled',
      type: 'Normal',
      count: 1,
      source: { component: 'default-scheduler', host: 'controlplane01' },
      firstTimestamp: '2026-11-27T10:00:00Z',
      lastTimestamp: '2026-11-27T10:00:00Z',
      reportingComponent: 'default-scheduler',
      reportingInstance: 'controlplane01',
    });
  });

  it('counts a repeat within 10 minutes (PATCH), starts a new event after', async () => {
    const { c, rec, advance } = setup();
    rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    advance(60_000);
    rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    advance(60_000);
    rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    await rec.flush();
    let list = c.objects(events, 'default');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ count: 3, firstTimestamp: '2026-11-27T10:00:00Z', lastTimestamp: '2026-11-27T10:02:00Z' });
    expect(c.actionsFor('patch', 'events')).toHaveLength(2);
    // a different message is a different event
    rec.event(pod, 'Warning', 'FailedScheduling', '0/4 nodes are available');
    // past the window: a new event
    advance(11 * 60_000);
    rec.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    await rec.flush();
    list = c.objects(events, 'default');
    expect(list).toHaveLength(3);
    expect(rec.stats).toMatchObject({ created: 3, patched: 2 });
  });

  it('events of cluster-scoped objects go to the default namespace', async () => {
    const { c, rec } = setup({ component: 'node-controller' });
    rec.event(node, 'Normal', 'NodeNotReady', 'Node node01 status is now: NodeNotReady');
    await rec.flush();
    expect(c.objects(events, 'default')[0].involvedObject).toEqual({ kind: 'Node', name: 'node01', uid: 'uid-n', apiVersion: 'v1' });
  });

  it('never throws: API failures and bad objects are dropped', async () => {
    const { c, rec } = setup();
    c.injectError({ verb: 'create', resource: 'events' }, new KubeError('Forbidden', 'nope'));
    expect(() => rec.event(pod, 'Normal', 'X', 'y')).not.toThrow();
    expect(() => rec.event(undefined, 'Normal', 'X', 'y')).not.toThrow();
    expect(() => rec.event({ metadata: {} }, 'Normal', 'X', 'y')).not.toThrow();
    await rec.flush();
    expect(rec.stats.failed).toBe(1);
    expect(rec.stats.dropped).toBe(2);
    expect(c.objects(events)).toHaveLength(0);
  });

  it('recreates a counted event that was removed (NotFound on PATCH)', async () => {
    const { c, rec } = setup();
    rec.event(pod, 'Normal', 'Pulled', 'pulled');
    await rec.flush();
    const name = c.objects(events)[0].metadata.name;
    await c.delete(events, 'default', name);
    rec.event(pod, 'Normal', 'Pulled', 'pulled');
    await rec.flush();
    const list = c.objects(events);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ metadata: { name }, count: 2 });
  });

  it('spam filter and bounded queue', async () => {
    const { c, rec } = setup({ spamBurst: 3, maxPending: 100 });
    for (let i = 0; i < 10; i++) rec.event(pod, 'Normal', `R${i}`, 'm');
    await rec.flush();
    expect(c.objects(events)).toHaveLength(3);
    expect(rec.stats.dropped).toBe(7);
    const small = setup({ maxPending: 2 });
    for (let i = 0; i < 5; i++) small.rec.event({ ...pod, metadata: { ...pod.metadata, name: `p${i}` } }, 'Normal', 'R', 'm');
    await small.rec.flush();
    expect(small.c.objects(events)).toHaveLength(2);
  });
});
