/**
 * The cluster DNS add-on's manifest (scripts/lab.d/coredns.yaml) against a real API server over etcd, with the real
 * kubectl: every object is accepted as written (kubectl apply, twice: idempotent), and the credentials the lab gives
 * the server (the user name of the coredns ServiceAccount: system:serviceaccount:kube-system:coredns) may read
 * exactly what `kubelab coredns` reads through its informers, and nothing else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../api/client/api-client.js';
import { InformerFactory } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { findResource } from '../../../api/resources.js';
import type { ConfigMap } from '../../../api/types/core.js';
import type { Relaxed } from '../../../api/types/views.js';
import { kubectl, kubectlOk, startApiServer, type ApiHandle } from '../../support/apiserver.js';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { REPO } from '../../support/host.js';

const MANIFEST = join(REPO, 'scripts/lab.d/coredns.yaml');
const TOKEN = 'coredns-sa-user-token';

let etcd: EtcdHandle | undefined;
let h: ApiHandle;

beforeAll(async () => {
  etcd = await startEtcd();
  // The user and groups of the lab's coredns client certificate (scripts/lab-config/generate), as a token.
  h = await startApiServer(etcd, { extraTokens: [`${TOKEN},system:serviceaccount:kube-system:coredns,coredns,"system:serviceaccounts,system:serviceaccounts:kube-system"`] });
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await etcd?.stop();
});

/** kubectl as the add-on's user. */
const asCoredns = (args: string[]) => kubectl(h, ['--token', TOKEN, ...args]);

describe('scripts/lab.d/coredns.yaml on the API server', () => {
  it('kubectl apply creates every object; a second apply changes nothing', async () => {
    const out = await kubectlOk(h, ['apply', '-f', MANIFEST]);
    for (const o of [
      'serviceaccount/coredns created',
      'clusterrole.rbac.authorization.k8s.io/system:coredns created',
      'clusterrolebinding.rbac.authorization.k8s.io/system:coredns created',
      'role.rbac.authorization.k8s.io/coredns-config created',
      'rolebinding.rbac.authorization.k8s.io/coredns-config created',
      'configmap/coredns created',
      'deployment.apps/coredns created',
      'service/kube-dns created',
    ]) {
      expect(out).toContain(o);
    }
    const again = await kubectlOk(h, ['apply', '-f', MANIFEST]);
    expect(again.trim().split('\n').every((l) => l.endsWith(' unchanged')), again).toBe(true);
    expect((await kubectlOk(h, ['-n', 'kube-system', 'get', 'service', 'kube-dns', '-o', 'jsonpath={.spec.clusterIP}'])).trim()).toBe('10.96.0.10');
  });

  it("the add-on's user lists and watches what the kubernetes plugin reads (the informers sync)", async () => {
    const client = new KubeClient({ server: h.url, caData: h.caPem, token: TOKEN });
    const factory = new InformerFactory(client, { logger: silentLogger });
    const stop = new AbortController();
    try {
      const informers = [
        factory.informerFor(findResource('', 'services')!),
        factory.informerFor(findResource('discovery.k8s.io', 'endpointslices')!),
        factory.informerFor(findResource('', 'namespaces')!),
        factory.informerFor(findResource('', 'pods')!),
        // Its own Corefile, watched by name (the Role's resourceNames through fieldSelector metadata.name).
        factory.informerFor<Relaxed<ConfigMap>>(findResource('', 'configmaps')!, { namespace: 'kube-system', fieldSelector: 'metadata.name=coredns' }),
      ];
      factory.start();
      await Promise.race([
        Promise.all(informers.map((i) => i.waitForSync(stop.signal))),
        new Promise((_, reject) => setTimeout(() => reject(new Error('the informers did not sync in 15 s (forbidden?)')), 15_000)),
      ]);
      const cms = informers[4]!.store.list() as Relaxed<ConfigMap>[];
      expect(cms.map((c) => c.metadata?.name)).toEqual(['coredns']);
    } finally {
      stop.abort();
      await factory.stop();
    }
  }, 30_000);

  it('and nothing else: other ConfigMaps, Secrets, writes are forbidden', async () => {
    for (const args of [
      ['-n', 'kube-system', 'get', 'configmaps'],
      ['-n', 'kube-system', 'get', 'secrets'],
      ['-n', 'kube-system', 'delete', 'service', 'kube-dns', '--dry-run=server'],
      ['-n', 'kube-system', 'patch', 'configmap', 'coredns', '-p', '{"data":{"x":"y"}}'],
    ]) {
      const r = await asCoredns(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(/Forbidden|forbidden/);
    }
    expect((await asCoredns(['-n', 'kube-system', 'get', 'configmap', 'coredns', '-o', 'name'])).stdout.trim()).toBe('configmap/coredns');
  });
});
