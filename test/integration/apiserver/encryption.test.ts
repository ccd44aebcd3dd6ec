/**
 * Encryption at rest fails closed (issue 18): upstream's wildcards encrypt what they name, a typo in
 * the resource list stops the server at start-up, and a Secret that cannot be decrypted makes GET,
 * LIST (from etcd and from the watch cache) and WATCH answer 500 instead of leaving it out.
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { EtcdHandle } from '../../support/etcd.js';
import { useApiServerOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl, TEST_SERVICE_ACCOUNT_ISSUER, writeServiceAccountKeys, type ApiHandle } from '../../support/apiserver.js';
import { poll } from '../../support/net.js';
import type { EtcdBackend } from '../../../control-plane/storage/etcd-backend.js';
import { parseEncryptionConfig } from '../../../control-plane/apiserver/encryption.js';
import { runApiServer } from '../../../control-plane/apiserver/main.js';

let etcd: EtcdHandle;
let h: ApiHandle;
let backend: EtcdBackend;

useApiServerOverEtcd((s) => ({ etcd, h, backend } = s));

const NS = '/api/v1/namespaces/default';
const secret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { password: 'hunter2' } });
const foreignConfig = `kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aescbc:
          keys:
            - name: rotated-away
              secret: ${randomBytes(32).toString('base64')}
`;
const BAD_KEY = '/registry/secrets/default/undecryptable';
/** Wait (up to 10 s) until `check` holds. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  await poll(what, 10_000, check, 200);
}

/** Remove the foreign value whatever the test's outcome. */
async function removeBadKey(): Promise<void> {
  await backend.delete(BAD_KEY).catch(() => undefined);
}
const LIST_MESSAGE = `Internal error occurred: unable to transform key "${BAD_KEY}": no matching key was found for the provided AES transformer`;

describe('an undecryptable Secret', () => {
  afterEach(removeBadKey);
  it('makes GET, LIST and WATCH answer 500; nothing is silently dropped; deleting it from etcd heals', async () => {
    for (let i = 0; i < 5; i++) expect((await api(h, 'POST', `${NS}/secrets`, secret(`s${i}`))).status).toBe(201);
    const foreign = parseEncryptionConfig(foreignConfig).get('secrets')!;
    await backend.create(BAD_KEY, foreign.toStorage(Buffer.from(JSON.stringify({ ...secret('undecryptable'), metadata: { name: 'undecryptable', namespace: 'default' } }))));

    const get = await api(h, 'GET', `${NS}/secrets/undecryptable`);
    expect(get.status).toBe(500);
    expect(get.json()).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500, message: 'Internal error occurred: no matching key was found for the provided AES transformer' });

    // The watch cache learns of the new value from its etcd watch: give it a moment.
    await until('the watch cache to meet the undecryptable value', async () => (await api(h, 'GET', `${NS}/secrets?resourceVersion=0`)).status === 500);
    for (const q of ['', '?resourceVersion=0', '?limit=500']) {
      for (const path of [`${NS}/secrets${q}`, `/api/v1/secrets${q}`]) {
        const l = await api(h, 'GET', path);
        expect(l.status, path).toBe(500);
        expect(l.json(), path).toMatchObject({ reason: 'InternalError', code: 500, message: LIST_MESSAGE, details: { causes: [{ message: LIST_MESSAGE.replace('Internal error occurred: ', '') }] } });
      }
    }
    const w = await api(h, 'GET', `${NS}/secrets?watch=1&timeoutSeconds=2`);
    expect(w.status).toBe(500);
    expect(w.json().message).toBe(LIST_MESSAGE);

    const k = await kubectl(h, ['get', 'secrets', '-n', 'default']);
    expect(k.code).not.toBe(0);
    expect(k.stderr).toContain('Error from server (InternalError): Internal error occurred: unable to transform key');

    // Other resources are unaffected.
    expect((await api(h, 'GET', `${NS}/configmaps`)).status).toBe(200);

    await backend.delete(BAD_KEY);
    await until('the secrets to list again', async () => {
      const l = await api(h, 'GET', `${NS}/secrets?resourceVersion=0`);
      return l.status === 200 && l.json().items.length === 5;
    });
    const l = await api(h, 'GET', `${NS}/secrets`);
    expect(l.json().items.map((s: { metadata: { name: string } }) => s.metadata.name)).toEqual(['s0', 's1', 's2', 's3', 's4']);
  });

  it('a watcher open when an undecryptable value arrives ends with a 500 ERROR event', async () => {
    const foreign = parseEncryptionConfig(foreignConfig).get('secrets')!;
    await until('the secrets watch cache to be healthy', async () => (await api(h, 'GET', `${NS}/secrets?resourceVersion=0`)).status === 200);
    const watching = api(h, 'GET', `${NS}/secrets?watch=1&resourceVersion=0&timeoutSeconds=10`);
    await new Promise((r) => setTimeout(r, 300));
    await backend.create(BAD_KEY, foreign.toStorage(Buffer.from('{}')));
    const w = await watching;
    expect(w.status).toBe(200);
    const events = w.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.at(-1)).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 500, message: LIST_MESSAGE } });
    await backend.delete(BAD_KEY);
  });
});

describe('wildcards', () => {
  it('*.* encrypts every resource (configmaps, deployments.apps) and old secrets stay readable', async () => {
    const old = parseYaml(readFileSync(h.encryptionConfig, 'utf8'));
    const oldKey = old.resources[0].providers[0].aescbc.keys[0];
    writeFileSync(
      h.encryptionConfig,
      `kind: EncryptionConfiguration
apiVersion: apiserver.config.k8s.io/v1
resources:
  - resources: ["*.*"]
    providers:
      - aescbc:
          keys:
            - name: all
              secret: ${randomBytes(32).toString('base64')}
            - name: ${oldKey.name}
              secret: ${oldKey.secret}
      - identity: {}
`,
    );
    await h.restart();
    expect((await api(h, 'GET', `${NS}/secrets/s0`)).status).toBe(200);
    expect((await api(h, 'POST', `${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'plain-text-marker' } })).status).toBe(201);
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'plain-image-marker' }] } } } };
    expect((await api(h, 'POST', '/apis/apps/v1/namespaces/default/deployments', dep)).status).toBe(201);
    for (const key of ['/registry/configmaps/default/cm', '/registry/deployments/default/d']) {
      const kv = await backend.get(key);
      expect(kv!.value.subarray(0, 22).toString(), key).toBe('k8s:enc:aescbc:v1:all:');
      expect(kv!.value.toString('latin1')).not.toContain('marker');
    }
    expect((await api(h, 'GET', `${NS}/configmaps/cm`)).json().data).toEqual({ a: 'plain-text-marker' });
  });
});

describe('start-up', () => {
  it('a typo in the resource list stops the API server with a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelab-enc-'));
    try {
      const file = join(dir, 'enc.yaml');
      writeFileSync(file, `kind: EncryptionConfiguration\nresources:\n  - resources: [secret]\n    providers:\n      - aescbc:\n          keys:\n            - name: k\n              secret: ${randomBytes(32).toString('base64')}\n`);
      const sa = writeServiceAccountKeys(dir);
      await expect(
        runApiServer([
          '--etcd-servers=memory', `--cert-dir=${join(dir, 'pki')}`, '--secure-port=0', '--bind-address=127.0.0.1', `--encryption-provider-config=${file}`,
          `--service-account-issuer=${TEST_SERVICE_ACCOUNT_ISSUER}`, `--service-account-signing-key-file=${sa.keyFile}`, `--service-account-key-file=${sa.pubFile}`,
        ]),
      ).rejects.toThrow('error while parsing file: resources[0].resources[0]: Invalid value: "secret": not a resource this API server stores (did you mean "secrets"?)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
