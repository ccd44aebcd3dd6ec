/**
 * `kubelab controller-manager --use-service-account-credentials` (the built CLI, a child process) with its own client
 * certificate (system:kube-controller-manager, no system:masters) against an API server with Node,RBAC and an audit
 * log: the manager makes each controller's ServiceAccount in kube-system and gets it a token by TokenRequest; the
 * controllers then act as those accounts, bound to their system:controller:* roles, which the audit log shows
 * (the ReplicaSet of a Deployment created by deployment-controller, its pods by replicaset-controller). No 403.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, startApiServer, type ApiHandle } from '../../support/apiserver.js';
import { poll } from '../../support/net.js';
import { componentLogs, startComponent, stopAllComponents, type ComponentHandle } from '../../support/components.js';
import { buildKubeconfig } from '../../../api/tls/kubeconfig.js';
import { createCA, createCertificate } from '../../../api/tls/certs.js';
import { Auditor } from '../../../control-plane/apiserver/audit.js';
import { openAuditLog } from '../../../control-plane/apiserver/audit-log.js';
import { parseAuditPolicy } from '../../../control-plane/apiserver/audit-policy.js';

let etcd: EtcdHandle;
let h: ApiHandle;
let cm: ComponentHandle;
let auditor: Auditor;
const dir = mkdtempSync(join(tmpdir(), 'kubelab-kcm-sa-'));
const logPath = join(dir, 'audit.log');
const clusterCA = createCA('KUBERNETES-CA');

beforeAll(async () => {
  etcd = await startEtcd();
  auditor = new Auditor(parseAuditPolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  verbs: ["create"]\n'), openAuditLog({ path: logPath }));
  h = await startApiServer(etcd, { extra: { clientCA: clusterCA.certPem, authorizationModes: ['Node', 'RBAC'], auditor } });
  const c = createCertificate({ ca: clusterCA, commonName: 'system:kube-controller-manager', clientAuth: true });
  const conf = join(h.dir, 'kcm.conf');
  writeFileSync(conf, buildKubeconfig({ clusterName: 'kubelab', server: h.url, caPem: h.caPem, user: 'system:kube-controller-manager', certPem: c.certPem, keyPem: c.keyPem }));
  cm = await startComponent('controller-manager', conf, ['--use-service-account-credentials', '--kube-api-qps=200', '--kube-api-burst=400', '--cluster-cidr=10.244.0.0/16']);
});
afterAll(async () => {
  await stopAllComponents();
  await h?.stop();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  try {
    return (await poll(what, timeoutMs, async () => (await fn()) || undefined, 200)).value;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${componentLogs(cm)}`);
  }
}

interface Line {
  [k: string]: any;
}

async function creates(): Promise<Line[]> {
  await auditor.sink.flush();
  return readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line)
    .filter((l) => l.stage === 'ResponseComplete' && l.verb === 'create');
}

describe('controllers with their own ServiceAccount credentials', () => {
  it('each controller gets its ServiceAccount in kube-system and a token from TokenRequest', async () => {
    for (const sa of ['replicaset-controller', 'deployment-controller', 'namespace-controller', 'generic-garbage-collector']) {
      await until(`serviceaccount ${sa}`, async () => (await api(h, 'GET', `/api/v1/namespaces/kube-system/serviceaccounts/${sa}`)).status === 200);
    }
    const tokens = await until('token requests', async () => {
      const t = (await creates()).filter((l) => l.objectRef?.subresource === 'token' && l.user.username === 'system:kube-controller-manager');
      return t.length >= 10 ? t : undefined;
    });
    expect(tokens.every((t) => t.responseStatus.code === 201)).toBe(true);
  });

  it('a Deployment: its ReplicaSet made as deployment-controller, its pods as replicaset-controller', async () => {
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    expect((await api(h, 'POST', '/apis/apps/v1/namespaces/default/deployments', d)).status).toBe(201);
    await until('two pods', async () => ((await api(h, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).json().items.length === 2 ? true : undefined));
    const lines = await until('the creates in the audit log', async () => {
      const l = await creates();
      return l.filter((x) => x.objectRef?.resource === 'pods' && x.objectRef?.namespace === 'default').length >= 2 ? l : undefined;
    });
    const rs = lines.find((l) => l.objectRef?.resource === 'replicasets' && l.objectRef?.namespace === 'default');
    expect(rs?.user.username).toBe('system:serviceaccount:kube-system:deployment-controller');
    expect(rs?.user.groups).toEqual(expect.arrayContaining(['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated']));
    expect(rs?.userAgent).toMatch(/\/system:serviceaccount:kube-system:deployment-controller$/);
    expect(rs?.annotations['authorization.k8s.io/reason']).toContain('ServiceAccount "deployment-controller/kube-system"');
    const pods = lines.filter((l) => l.objectRef?.resource === 'pods' && l.objectRef?.namespace === 'default');
    for (const p of pods) expect(p.user.username).toBe('system:serviceaccount:kube-system:replicaset-controller');
  });

  it('nothing was refused', () => {
    expect(componentLogs(cm)).not.toMatch(/forbidden/i);
    expect(cm.alive()).toBe(true);
  });
});
