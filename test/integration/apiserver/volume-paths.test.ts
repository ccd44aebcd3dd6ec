/**
 * Volume item paths and modes are validated as upstream: a pod whose configMap item path climbs out of
 * the volume, or whose mode carries the setuid bit, is a 422 naming the fields, and nothing is stored.
 */
import { describe, expect, it } from 'vitest';
import type { EtcdHandle } from '../../support/etcd.js';
import { useApiServerOverEtcd } from '../../support/api-fixture.js';
import { api, type ApiHandle } from '../../support/apiserver.js';
import type { EtcdBackend } from '../../../control-plane/storage/etcd-backend.js';

let etcd: EtcdHandle;
let h: ApiHandle;
let backend: EtcdBackend;

useApiServerOverEtcd((s) => ({ etcd, h, backend } = s));

const pod = (name: string, volumes: unknown[]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'v', mountPath: '/v' }] }], volumes },
});

describe('volume item paths and modes', () => {
  it('a configMap item escaping the volume with mode 2541 is a 422 and is not stored', async () => {
    const body = pod('escape', [{ name: 'v', configMap: { name: 'cm', items: [{ key: 'k', path: '../../../../../tmp/x', mode: 2541 }] } }]);
    const r = await api(h, 'POST', '/api/v1/namespaces/default/pods', body);
    expect(r.status).toBe(422);
    const st = r.json();
    expect(st.reason).toBe('Invalid');
    expect(st.message).toBe(
      'Pod "escape" is invalid: [spec.volumes[0].configMap.items[0].path: Invalid value: "../../../../../tmp/x": must not contain \'..\', ' +
        'spec.volumes[0].configMap.items[0].mode: Invalid value: 2541: must be a number between 0 and 0777 (octal), both inclusive]',
    );
    expect(st.details.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.volumes[0].configMap.items[0].path', message: 'Invalid value: "../../../../../tmp/x": must not contain \'..\'' },
      { reason: 'FieldValueInvalid', field: 'spec.volumes[0].configMap.items[0].mode', message: 'Invalid value: 2541: must be a number between 0 and 0777 (octal), both inclusive' },
    ]);
    expect((await backend.list('/registry/pods/default/escape')).items).toEqual([]);
  });

  it.each([
    ['secret defaultMode', { name: 'v', secret: { secretName: 's', defaultMode: 0o4755 } }, 'spec.volumes[0].secret.defaultMode'],
    ['secret absolute item path', { name: 'v', secret: { secretName: 's', items: [{ key: 'k', path: '/etc/cron.d/x' }] } }, 'spec.volumes[0].secret.items[0].path'],
    ['downwardAPI path', { name: 'v', downwardAPI: { items: [{ path: 'a/../../x', fieldRef: { fieldPath: 'metadata.name' } }] } }, 'spec.volumes[0].downwardAPI.path'],
    ['projected secret item path', { name: 'v', projected: { sources: [{ secret: { name: 's', items: [{ key: 'k', path: '../x' }] } }] } }, 'spec.volumes[0].projected.sources[0].secret.items[0].path'],
    ['projected defaultMode', { name: 'v', projected: { defaultMode: 0o1777, sources: [] } }, 'spec.volumes[0].projected.defaultMode'],
  ])('%s: 422 naming %s', async (_n, volume, field) => {
    const r = await api(h, 'POST', '/api/v1/namespaces/default/pods', pod('p', [volume]));
    expect(r.status).toBe(422);
    expect(r.json().details.causes.map((c: { field: string }) => c.field)).toEqual([field]);
  });

  it('a Deployment template with an escaping path is a 422 too; a valid item is accepted', async () => {
    const dep = (path: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: path === 'ok' ? 'good' : 'bad' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: pod('x', [{ name: 'v', configMap: { name: 'cm', items: [{ key: 'k', path, mode: 0o400 }] } }]).spec },
      },
    });
    const bad = await api(h, 'POST', '/apis/apps/v1/namespaces/default/deployments', dep('../x'));
    expect(bad.status).toBe(422);
    expect(bad.json().details.causes[0].field).toBe('spec.template.spec.volumes[0].configMap.items[0].path');
    const good = await api(h, 'POST', '/apis/apps/v1/namespaces/default/deployments', dep('ok'));
    expect(good.status).toBe(201);
  });
});
