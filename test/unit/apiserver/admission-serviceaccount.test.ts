/** ServiceAccount admission (upstream plugin/pkg/admission/serviceaccount) and the root CA publisher's decision. */
import { describe, expect, it } from 'vitest';
import { runAdmissionChain, type AdmissionAttributes, type AdmissionState } from '../../../control-plane/apiserver/admission.js';
import { ADMISSION_PLUGINS } from '../../../control-plane/apiserver/admission-plugins.js';
import { mountServiceAccountToken, serviceAccount, shouldAutomount, tokenVolume } from '../../../control-plane/apiserver/admission-serviceaccount.js';
import type { ApiObject } from '../../../control-plane/apiserver/object-meta.js';
import { DESCRIPTION, DESCRIPTION_ANNOTATION, decideRootCA } from '../../../control-plane/controllers/rootcacertpublisher/decide.js';
import { KubeError } from '../../../api/errors.js';
import type { Pod, Relaxed } from '../../../api/types/index.js';

type P = Relaxed<Pod>;
const MOUNT = { name: 'kube-api-access-abcde', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };

const accounts: Record<string, ApiObject> = {
  default: { metadata: { name: 'default', namespace: 'default' } },
  quiet: { metadata: { name: 'quiet', namespace: 'default' }, automountServiceAccountToken: false } as ApiObject,
  puller: { metadata: { name: 'puller', namespace: 'default' }, imagePullSecrets: [{ name: 'regcred' }] } as ApiObject,
};
const state = (fromStorage = false): AdmissionState => ({
  node: () => undefined,
  pod: () => undefined,
  get: (_g, r, _ns, name) => (r === 'serviceaccounts' && !fromStorage ? accounts[name] : undefined),
  list: () => [],
  read: async (_g, r, _ns, name) => (r === 'serviceaccounts' && fromStorage ? accounts[name] : undefined),
  updateStatus: async (_g, _r, o) => o,
});
const pod = (spec: P['spec'] = {}, metadata: P['metadata'] = {}): ApiObject & P => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', ...metadata }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec },
});
const create = (object: ApiObject): AdmissionAttributes => ({
  operation: 'CREATE', group: '', resource: 'pods', subresource: '', namespace: 'default', name: 'p', object,
  user: { name: 'admin', groups: ['system:masters'] }, dryRun: false,
});

async function admit(p: ApiObject & P, s = state()): Promise<{ pod: P; error?: string }> {
  try {
    await runAdmissionChain([serviceAccount], create(p), s);
    return { pod: p };
  } catch (e) {
    if (e instanceof KubeError) return { pod: p, error: `${e.httpStatus} ${e.message}` };
    throw e;
  }
}

describe('mountServiceAccountToken (pure)', () => {
  it('adds upstream’s projected volume and a read-only mount in every container and init container', () => {
    const p: P = { spec: { initContainers: [{ name: 'i', image: 'x' }], containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'x', volumeMounts: [{ name: 'd', mountPath: '/d' }] }] } };
    mountServiceAccountToken(p, () => 'abcde');
    expect(p.spec?.volumes).toEqual([tokenVolume('kube-api-access-abcde')]);
    expect(tokenVolume('kube-api-access-abcde')).toEqual({
      name: 'kube-api-access-abcde',
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    });
    expect(p.spec?.initContainers?.[0]?.volumeMounts).toEqual([MOUNT]);
    expect(p.spec?.containers?.[0]?.volumeMounts).toEqual([MOUNT]);
    expect(p.spec?.containers?.[1]?.volumeMounts).toEqual([{ name: 'd', mountPath: '/d' }, MOUNT]);
  });

  it('a container with its own mount at the path keeps it; an existing kube-api-access-* volume is reused; nobody needing it adds nothing', () => {
    const own: P = { spec: { containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'mine', mountPath: MOUNT.mountPath }] }] } };
    mountServiceAccountToken(own, () => 'abcde');
    expect(own.spec?.volumes).toBeUndefined();
    expect(own.spec?.containers?.[0]?.volumeMounts).toEqual([{ name: 'mine', mountPath: MOUNT.mountPath }]);
    const reuse: P = { spec: { volumes: [{ name: 'kube-api-access-zzzzz', emptyDir: {} }], containers: [{ name: 'a', image: 'x' }] } };
    mountServiceAccountToken(reuse, () => 'abcde');
    expect(reuse.spec?.volumes).toEqual([{ name: 'kube-api-access-zzzzz', emptyDir: {} }]);
    expect(reuse.spec?.containers?.[0]?.volumeMounts).toEqual([{ ...MOUNT, name: 'kube-api-access-zzzzz' }]);
  });

  it.each([
    [undefined, undefined, true],
    [false, undefined, false],
    [undefined, false, false],
    [true, false, true],
    [false, true, false],
  ])('shouldAutomount(pod %s, sa %s) = %s', (podSetting, saSetting, want) => {
    expect(shouldAutomount({ ...(saSetting === undefined ? {} : { automountServiceAccountToken: saSetting }) }, { spec: { ...(podSetting === undefined ? {} : { automountServiceAccountToken: podSetting }) } })).toBe(want);
  });
});

describe('the ServiceAccount plugin', () => {
  it('defaults the service account to default and mounts the token volume', async () => {
    const r = await admit(pod());
    expect(r.error).toBeUndefined();
    expect(r.pod.spec?.serviceAccountName).toBe('default');
    expect(r.pod.spec?.serviceAccount).toBe('default');
    expect(r.pod.spec?.volumes?.[0]?.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(r.pod.spec?.containers?.[0]?.volumeMounts?.[0]?.mountPath).toBe(MOUNT.mountPath);
  });

  it('a missing service account is upstream’s 403 (also in validation)', async () => {
    expect((await admit(pod({ serviceAccountName: 'ghost' }))).error).toBe(
      '403 pods "p" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found',
    );
    expect(await serviceAccount.validate(create(pod({ serviceAccountName: 'ghost' })), state())).toBeInstanceOf(KubeError);
  });

  it('finds a service account in storage when the cache lacks it yet', async () => {
    expect((await admit(pod({ serviceAccountName: 'puller' }), state(true))).error).toBeUndefined();
  });

  it('automountServiceAccountToken false (service account or pod) mounts nothing; imagePullSecrets come from the service account', async () => {
    expect((await admit(pod({ serviceAccountName: 'quiet' }))).pod.spec?.volumes).toBeUndefined();
    expect((await admit(pod({ automountServiceAccountToken: false }))).pod.spec?.volumes).toBeUndefined();
    const r = await admit(pod({ serviceAccountName: 'puller' }));
    expect(r.pod.spec?.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    const own = await admit(pod({ serviceAccountName: 'puller', imagePullSecrets: [{ name: 'mine' }] }));
    expect(own.pod.spec?.imagePullSecrets).toEqual([{ name: 'mine' }]);
  });

  it('mirror pods are left alone, and may not reference a service account, secrets or a token projection', async () => {
    const mirror = (spec: P['spec'] = {}) => pod(spec, { annotations: { 'kubernetes.io/config.mirror': 'x' } });
    const plain = await admit(mirror());
    expect(plain.error).toBeUndefined();
    expect(plain.pod.spec?.serviceAccountName).toBeUndefined();
    expect(plain.pod.spec?.volumes).toBeUndefined();
    expect((await admit(mirror({ serviceAccountName: 'default' }))).error).toBe('403 pods "p" is forbidden: a mirror pod may not reference service accounts');
    expect((await admit(mirror({ imagePullSecrets: [{ name: 's' }] }))).error).toBe('403 pods "p" is forbidden: a mirror pod may not reference secrets');
    expect((await admit(mirror({ volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }] }))).error).toBe(
      '403 pods "p" is forbidden: a mirror pod may not use ServiceAccountToken volume projections',
    );
  });

  it('is in the default chain, after LimitRanger and before NodeRestriction, as upstream orders it', () => {
    const names = ADMISSION_PLUGINS.map((p) => p.name);
    expect(names.indexOf('ServiceAccount')).toBe(names.indexOf('LimitRanger') + 1);
    expect(names.indexOf('NodeRestriction')).toBe(names.indexOf('ServiceAccount') + 1);
  });
});

describe('root CA publisher (decideRootCA)', () => {
  const ns = { metadata: { name: 'team' } };
  const good = { metadata: { name: 'kube-root-ca.crt', namespace: 'team', annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data: { 'ca.crt': 'PEM' } };
  it.each([
    ['missing: created with the description', ns, undefined, 'create'],
    ['as it should be: nothing', ns, good, 'none'],
    ['other data: rewritten', ns, { ...good, data: { 'ca.crt': 'OLD' } }, 'update'],
    ['extra keys: rewritten', ns, { ...good, data: { 'ca.crt': 'PEM', x: 'y' } }, 'update'],
    ['annotation gone: rewritten', ns, { ...good, metadata: { name: 'kube-root-ca.crt', namespace: 'team' } }, 'update'],
    ['terminating namespace: nothing', { metadata: { name: 'team' }, status: { phase: 'Terminating' } }, undefined, 'none'],
    ['no namespace: nothing', undefined, undefined, 'none'],
  ] as const)('%s', (_what, n, cm, op) => {
    const a = decideRootCA(n, cm, 'PEM');
    expect(a.op).toBe(op);
    if (a.op !== 'none') {
      expect(a.body.data).toEqual({ 'ca.crt': 'PEM' });
      expect(a.body.metadata?.annotations?.[DESCRIPTION_ANNOTATION]).toBe(DESCRIPTION);
      expect(a.body.metadata?.name).toBe('kube-root-ca.crt');
    }
  });
});
