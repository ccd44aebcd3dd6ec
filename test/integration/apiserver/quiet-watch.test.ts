/**
 * A watch from the resourceVersion of a fresh list, on a resource nobody wrote since other resources moved
 * etcd's revision on (`kubectl get configmaps -w` in a cluster whose leases renew): the watch cache learns
 * etcd's revision from progress notifications, so the watch starts at once instead of waiting 3 s for an
 * event of its own resource and answering 504 Too large resource version.
 */
import { describe, expect, it } from 'vitest';
import { api, type ApiHandle } from '../../support/apiserver.js';
import { useApiServerOverEtcd } from '../../support/api-fixture.js';

let h: ApiHandle;
useApiServerOverEtcd((s) => {
  h = s.h;
});

describe('a watch on a quiet resource from a list resourceVersion', () => {
  it('starts at once and sees the next change', async () => {
    expect((await api(h, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'quiet' } })).status).toBe(201);
    for (let i = 0; i < 3; i++) {
      expect((await api(h, 'POST', '/api/v1/namespaces/default/secrets', { metadata: { name: `busy-${i}` } })).status).toBe(201);
    }
    const list = await api(h, 'GET', '/api/v1/namespaces/default/configmaps');
    const rv = (list.json() as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const secrets = await api(h, 'GET', '/api/v1/namespaces/default/secrets/busy-2');
    // The list's revision is etcd's, past the configmaps' last event.
    expect(Number(rv)).toBeGreaterThanOrEqual(Number((secrets.json() as { metadata: { resourceVersion: string } }).metadata.resourceVersion));

    const started = Date.now();
    const w = await api(h, 'GET', `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&timeoutSeconds=1`);
    expect(w.status).toBe(200);
    expect(w.body).toBe('');
    expect(Date.now() - started).toBeLessThan(2500);

    const [watched] = await Promise.all([
      api(h, 'GET', `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&timeoutSeconds=2`),
      new Promise((r) => setTimeout(r, 300)).then(() => api(h, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'next' } })),
    ]);
    expect(watched.status).toBe(200);
    const events = watched.body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'next']]);
  });
});
