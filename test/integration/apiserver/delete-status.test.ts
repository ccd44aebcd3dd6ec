/**
 * The status of a DELETE whose object stays (finalizers, graceful deletion): 200 with the object, as upstream's
 * delete handler answers; 202 only when the request asked for cascading with orphanDependents=false.
 */
import { describe, expect, it } from 'vitest';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

const path = (name: string): string => `/api/v1/namespaces/default/configmaps/${name}`;

async function heldConfigMap(name: string): Promise<void> {
  const r = await api(s.h, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, finalizers: ['example.com/hold'] } });
  expect(r.status, r.body).toBe(201);
}

describe('DELETE of an object that stays', () => {
  it.each([
    ['no options', undefined, 200],
    ['propagationPolicy Foreground', { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' }, 200],
    ['orphanDependents=true', { kind: 'DeleteOptions', apiVersion: 'v1', orphanDependents: true }, 200],
    ['orphanDependents=false', { kind: 'DeleteOptions', apiVersion: 'v1', orphanDependents: false }, 202],
  ])('%s: %i with the object, marked for deletion', async (name, body, want) => {
    const cm = `held-${name.replace(/[^a-z]/gi, '').toLowerCase()}`;
    await heldConfigMap(cm);
    const r = await api(s.h, 'DELETE', path(cm), body);
    expect(r.status, r.body).toBe(want);
    expect(r.json().metadata.deletionTimestamp).toBeTruthy();
    const release = await api(s.h, 'PATCH', path(cm), { metadata: { finalizers: null } }, { contentType: 'application/merge-patch+json' });
    expect(release.status, release.body).toBe(200);
    expect((await api(s.h, 'GET', path(cm))).status).toBe(404);
  });
});
