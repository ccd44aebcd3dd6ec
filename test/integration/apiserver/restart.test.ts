/**
 * Kill the API server with SIGKILL while clients write, start it again: every acknowledged write is
 * there, watchers resume from their resourceVersion, and no ClusterIP or NodePort is handed out twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { startApiServer, api, type ApiHandle } from '../../support/apiserver.js';
import { waitFor } from '../../support/net.js';

let etcd: EtcdHandle;
let h: ApiHandle;

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd, { mode: 'child' });
});
afterAll(async () => {
  await h?.stop();
  await etcd?.stop();
});

function svc(name: string, type: 'ClusterIP' | 'NodePort'): object {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type, selector: { app: name }, ports: [{ port: 80 }] } };
}

describe('API server restart', () => {
  it('keeps every acknowledged write and never hands out an address twice', async () => {
    const acked = new Set<string>();
    let stop = false;
    const writer = async (id: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const name = `w${id}-${i}`;
        const body = id % 2 === 0 ? svc(name, i % 2 ? 'NodePort' : 'ClusterIP') : { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } };
        const path = id % 2 === 0 ? '/api/v1/namespaces/default/services' : '/api/v1/namespaces/default/configmaps';
        try {
          const r = await api(h, 'POST', path, body);
          if (r.status === 201) acked.add(`${path}/${name}`);
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await waitFor(() => acked.size >= 40, 20_000, '40 acknowledged writes');
    h.kill();
    await new Promise((r) => setTimeout(r, 300));
    await h.restart();
    const before = acked.size;
    await waitFor(() => acked.size >= before + 40, 20_000, '40 more acknowledged writes after the restart');
    stop = true;
    await Promise.all(writers);

    for (const path of acked) {
      const r = await api(h, 'GET', path);
      expect(r.status, path).toBe(200);
    }
    const list = (await api(h, 'GET', '/api/v1/services')).json();
    const ips = list.items.map((s: any) => s.spec.clusterIP);
    expect(new Set(ips).size).toBe(ips.length);
    const ports = list.items.flatMap((s: any) => s.spec.ports.map((p: any) => p.nodePort).filter(Boolean));
    expect(ports.length).toBeGreaterThan(0);
    expect(new Set(ports).size).toBe(ports.length);
  }, 90_000);

  it('a watcher resumes from its resourceVersion after a restart', async () => {
    const created = (await api(h, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'resume' }, data: { v: '0' } })).json();
    const rv = created.metadata.resourceVersion;
    h.kill();
    await h.restart();
    // A change made after the restart, then a watch from the old resourceVersion sees it.
    await api(h, 'PUT', '/api/v1/namespaces/default/configmaps/resume', { ...created, metadata: { ...created.metadata, resourceVersion: undefined }, data: { v: '1' } });
    const r = await api(h, 'GET', `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&timeoutSeconds=1&fieldSelector=metadata.name%3Dresume`);
    const events = r.body.trim().split('\n').map((l) => JSON.parse(l));
    // Either the watch resumes (MODIFIED), or it is older than the restarted cache: 410, and a relist has the change.
    if (events[0].type === 'ERROR') {
      expect(events[0].object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
      const relist = (await api(h, 'GET', '/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dresume')).json();
      expect(relist.items[0].data.v).toBe('1');
    } else {
      expect(events.map((e) => e.type)).toEqual(['MODIFIED']);
      expect(events[0].object.data.v).toBe('1');
    }
  }, 60_000);

  it('a watch from a compacted resourceVersion gets 410 Expired and a relist works', async () => {
    const r0 = (await api(h, 'GET', '/api/v1/namespaces/default/configmaps')).json().metadata.resourceVersion;
    for (let i = 0; i < 3; i++) await api(h, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` } });
    const { EtcdBackend } = await import('../../../control-plane/storage/etcd-backend.js');
    const b = new EtcdBackend({ endpoints: [etcd.endpoint] });
    await b.compact(await b.currentRevision());
    await b.close();
    h.kill();
    await h.restart();
    const r = await api(h, 'GET', `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${r0}&timeoutSeconds=1`);
    const first = JSON.parse(r.body.trim().split('\n')[0]!);
    expect(first.type).toBe('ERROR');
    expect(first.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    const relist = await api(h, 'GET', '/api/v1/namespaces/default/configmaps');
    expect(relist.status).toBe(200);
    expect(relist.json().items.length).toBeGreaterThan(3);
  }, 60_000);
});
