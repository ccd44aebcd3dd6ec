/**
 * The real scheduler and controller manager (child processes of the built CLI) run with their own
 * identities, system:kube-scheduler and system:kube-controller-manager, each from its own client certificate
 * (as scripts/lab-config/generate makes them: CN is the user, no system:masters), against an API server with
 * --authorization-mode=Node,RBAC; the controllers with --use-service-account-credentials, each as its own
 * ServiceAccount in kube-system bound only to its upstream system:controller:* role: every controller and the
 * scheduler still do their job, and neither logs a single 403. kube-proxy's certificate (system:kube-proxy in
 * system:node-proxier) reads what the proxy reads and nothing else. Pure API clients: no node, no container,
 * nothing on the host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { api, rawRequest, startApiServer, type ApiHandle } from '../../support/apiserver.js';
import { poll } from '../../support/net.js';
import { componentLogs, startComponent, stopAllComponents, type ComponentHandle } from '../../support/components.js';
import { buildKubeconfig } from '../../../api/tls/kubeconfig.js';
import { createCA, createCertificate, type KeyPairPem } from '../../../api/tls/certs.js';
import { kubectl } from '../../support/apiserver.js';

let etcd: EtcdHandle;
let h: ApiHandle;
let sched: ComponentHandle;
let cm: ComponentHandle;

/** The cluster CA that signs the components' client certificates (the API server's --client-ca-file). */
const clusterCA: KeyPairPem = createCA('KUBERNETES-CA', { organizations: ['Kubernetes'] });

/** A kubeconfig with a client certificate for `user` (CN) in `groups` (O), as the lab's generate makes them. */
function kubeconfigFor(user: string, groups: string[] = []): string {
  const path = join(h.dir, `${user.replace(/:/g, '-')}.conf`);
  const c = createCertificate({ ca: clusterCA, commonName: user, organizations: groups, clientAuth: true });
  writeFileSync(path, buildKubeconfig({ clusterName: 'kubelab', server: h.url, caPem: h.caPem, user, certPem: c.certPem, keyPem: c.keyPem }));
  return path;
}

beforeAll(async () => {
  etcd = await startEtcd();
  h = await startApiServer(etcd, { extra: { clientCA: clusterCA.certPem, authorizationModes: ['Node', 'RBAC'] } });
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'w1', labels: { 'kubernetes.io/hostname': 'w1' } },
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
    },
  };
  expect((await api(h, 'POST', '/api/v1/nodes', node)).status).toBe(201);
  sched = await startComponent('scheduler', kubeconfigFor('system:kube-scheduler'), ['--kube-api-qps=200', '--kube-api-burst=400']);
  // as kubeadm runs it: each controller as its own ServiceAccount with only its system:controller:* role
  cm = await startComponent('controller-manager', kubeconfigFor('system:kube-controller-manager'), [
    '--use-service-account-credentials',
    '--kube-api-qps=200',
    '--kube-api-burst=400',
    '--node-monitor-period=1s',
    '--node-monitor-grace-period=20s',
    '--node-startup-grace-period=20s',
    '--cluster-cidr=10.244.0.0/16',
    `--service-account-private-key-file=${join(h.dir, 'sa.key')}`,
  ]);
});
afterAll(async () => {
  await stopAllComponents();
  await h?.stop();
  await etcd?.stop();
});

async function get(path: string): Promise<any> {
  const r = await api(h, 'GET', path);
  return r.status === 200 ? r.json() : undefined;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  try {
    return (await poll(what, timeoutMs, async () => (await fn()) || undefined, 200)).value;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${componentLogs(sched, cm)}`);
  }
}

describe('the scheduler and controller manager under their own identities', () => {
  it('both take their leader Lease', async () => {
    for (const name of ['kube-scheduler', 'kube-controller-manager']) {
      await until(`the ${name} lease`, async () => (await get(`/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`))?.spec?.holderIdentity);
    }
  });

  it('node-ipam gives the node a pod CIDR', async () => {
    await until('a podCIDR on w1', async () => (await get('/api/v1/nodes/w1'))?.spec?.podCIDR);
  });

  it('a DaemonSet under system:controller:daemon-set-controller: its revision, a pod the scheduler binds to w1 (while w1 is Ready), its status', async () => {
    const labels = { app: 'agent' };
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'default' },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    expect((await api(h, 'POST', '/apis/apps/v1/namespaces/default/daemonsets', ds)).status).toBe(201);
    await until('a daemon pod bound to w1', async () => {
      const l = await get('/api/v1/namespaces/default/pods?labelSelector=app%3Dagent');
      return l?.items.length === 1 && l.items[0].spec.nodeName === 'w1';
    });
    await until('the ControllerRevision', async () => ((await get('/apis/apps/v1/namespaces/default/controllerrevisions'))?.items ?? []).some((r: any) => r.metadata.ownerReferences?.[0]?.name === 'agent'));
    await until('the DaemonSet status', async () => (await get('/apis/apps/v1/namespaces/default/daemonsets/agent'))?.status?.currentNumberScheduled === 1);
  });

  it('a Deployment becomes a ReplicaSet and pods the scheduler binds; Endpoints and EndpointSlices follow', async () => {
    const labels = { app: 'web' };
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] } } },
    };
    expect((await api(h, 'POST', '/apis/apps/v1/namespaces/default/deployments', dep)).status).toBe(201);
    expect((await api(h, 'POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: labels, ports: [{ port: 80 }] } })).status).toBe(201);
    const pods = await until('2 pods bound to w1', async () => {
      const l = await get('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
      return l?.items.length === 2 && l.items.every((p: any) => p.spec.nodeName === 'w1') ? l.items : undefined;
    });
    expect(pods.every((p: any) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet')).toBe(true);
    await until('the Scheduled events', async () => {
      const ev = await get('/api/v1/namespaces/default/events');
      return (ev?.items ?? []).filter((e: any) => e.reason === 'Scheduled').length >= 2;
    });
    await until('the deployment status', async () => (await get('/apis/apps/v1/namespaces/default/deployments/web'))?.status?.replicas === 2);
    // No kubelet gives the pods IPs, so the Endpoints hold no address yet; the controllers wrote them all the same.
    await until('Endpoints of web', async () => (await get('/api/v1/namespaces/default/endpoints/web')) !== undefined);
    await until('an EndpointSlice of web', async () => ((await get('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb'))?.items ?? []).length === 1);
  });

  it('the disruption controller computes a PodDisruptionBudget\'s status', async () => {
    const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } } };
    expect((await api(h, 'POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', pdb)).status).toBe(201);
    // No kubelet makes the pods Ready: expected 2 (the Deployment's scale), desired 1, none healthy.
    const st = await until('the PDB status', async () => (await get('/apis/policy/v1/namespaces/default/poddisruptionbudgets/web'))?.status?.observedGeneration === 1 && (await get('/apis/policy/v1/namespaces/default/poddisruptionbudgets/web')).status);
    expect(st).toMatchObject({ expectedPods: 2, desiredHealthy: 1, currentHealthy: 0, disruptionsAllowed: 0 });
  });

  it('a Job runs under the controller roles: pod created, finalizer removed, Complete, then deleted after its TTL', async () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once', namespace: 'default' },
      spec: { ttlSecondsAfterFinished: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    expect((await api(h, 'POST', '/apis/batch/v1/namespaces/default/jobs', job)).status).toBe(201);
    const pod = await until('the Job\'s pod', async () => (await get('/api/v1/namespaces/default/pods?labelSelector=batch.kubernetes.io%2Fjob-name%3Donce'))?.items?.[0]);
    expect(pod.metadata.finalizers).toContain('batch.kubernetes.io/job-tracking');
    await until('status.active 1', async () => (await get('/apis/batch/v1/namespaces/default/jobs/once'))?.status?.active === 1);
    // No kubelet here: play it, the pod succeeded.
    const t = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await until('the pod marked Succeeded', async () => {
      const fresh = await get(`/api/v1/namespaces/default/pods/${pod.metadata.name}`);
      const containerStatuses = [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, finishedAt: t } } }];
      const done = { ...fresh, status: { ...fresh.status, phase: 'Succeeded', containerStatuses } };
      return (await api(h, 'PUT', `/api/v1/namespaces/default/pods/${pod.metadata.name}/status`, done)).status === 200;
    });
    await until('the tracking finalizer removed', async () => ((await get(`/api/v1/namespaces/default/pods/${pod.metadata.name}`))?.metadata?.finalizers ?? []).length === 0);
    await until('the Job deleted by the ttl-after-finished controller', async () => (await api(h, 'GET', '/apis/batch/v1/namespaces/default/jobs/once')).status === 404);
    expect(componentLogs(cm)).not.toMatch(/forbidden/i);
  });

  it('the PV binder binds a claim; a deleted claim releases its volume and pvc-/pv-protection let both go', async () => {
    const pv = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'roles-pv' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: '/mnt/roles' } } };
    const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'roles-claim' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'manual', resources: { requests: { storage: '1Gi' } } } };
    expect((await api(h, 'POST', '/api/v1/persistentvolumes', pv)).status).toBe(201);
    expect((await api(h, 'POST', '/api/v1/namespaces/default/persistentvolumeclaims', pvc)).status).toBe(201);
    await until('the claim Bound', async () => (await get('/api/v1/namespaces/default/persistentvolumeclaims/roles-claim'))?.status?.phase === 'Bound');
    await until('the volume Bound', async () => (await get('/api/v1/persistentvolumes/roles-pv'))?.status?.phase === 'Bound');
    expect((await api(h, 'DELETE', '/api/v1/namespaces/default/persistentvolumeclaims/roles-claim')).status).toBe(200);
    await until('the claim gone', async () => (await api(h, 'GET', '/api/v1/namespaces/default/persistentvolumeclaims/roles-claim')).status === 404);
    await until('the volume Released', async () => (await get('/api/v1/persistentvolumes/roles-pv'))?.status?.phase === 'Released');
    expect((await api(h, 'DELETE', '/api/v1/persistentvolumes/roles-pv')).status).toBe(200);
    await until('the volume gone', async () => (await api(h, 'GET', '/api/v1/persistentvolumes/roles-pv')).status === 404);
  });

  it('the garbage collector deletes a deleted Deployment\'s ReplicaSet and pods', async () => {
    expect((await api(h, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/web?propagationPolicy=Background')).status).toBe(200);
    await until('the ReplicaSet gone', async () => (await get('/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dweb'))?.items.length === 0);
    // Bound to a node, the pods are deleted gracefully (no kubelet here confirms it).
    await until('the pods deleted', async () => (await get('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb'))?.items.every((p: any) => p.metadata.deletionTimestamp));
  });

  it('a new namespace gets its default ServiceAccount; a deleted one is emptied (custom objects too) and finalized', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'notes.roles.example.com' },
      spec: {
        group: 'roles.example.com',
        scope: 'Namespaced',
        names: { plural: 'notes', kind: 'Note' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { text: { type: 'string' } } } } }],
      },
    };
    expect((await api(h, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status).toBe(201);
    expect((await api(h, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tmp' } })).status).toBe(201);
    await until('the default ServiceAccount', async () => (await get('/api/v1/namespaces/tmp/serviceaccounts/default')) !== undefined);
    // root-ca-cert-publisher: the CA of the manager's kubeconfig in kube-root-ca.crt
    const rootCA = await until('kube-root-ca.crt', async () => get('/api/v1/namespaces/tmp/configmaps/kube-root-ca.crt'));
    expect(rootCA.data).toEqual({ 'ca.crt': h.caPem });
    // the legacy token controller fills a token Secret, and its token authenticates as the account
    const tokenSecret = { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'legacy', annotations: { 'kubernetes.io/service-account.name': 'default' } } };
    expect((await api(h, 'POST', '/api/v1/namespaces/tmp/secrets', tokenSecret)).status).toBe(201);
    const filled = await until('the legacy token', async () => (await get('/api/v1/namespaces/tmp/secrets/legacy'))?.data?.token);
    const review = await rawRequest(h.url, h.caPem, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }), {
      Authorization: `Bearer ${Buffer.from(filled as string, 'base64').toString()}`,
      'Content-Type': 'application/json',
    });
    expect(review.status, review.body).toBe(201);
    expect(review.json().status.userInfo.username).toBe('system:serviceaccount:tmp:default');
    expect((await api(h, 'POST', '/api/v1/namespaces/tmp/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })).status).toBe(201);
    await until('the Note kind served', async () => (await api(h, 'GET', '/apis/roles.example.com/v1/namespaces/tmp/notes')).status === 200);
    expect((await api(h, 'POST', '/apis/roles.example.com/v1/namespaces/tmp/notes', { apiVersion: 'roles.example.com/v1', kind: 'Note', metadata: { name: 'n' }, text: 'x' })).status).toBe(201);
    expect([200, 202]).toContain((await api(h, 'DELETE', '/api/v1/namespaces/tmp')).status);
    await until('the namespace gone', async () => (await api(h, 'GET', '/api/v1/namespaces/tmp')).status === 404);
    // the namespace controller found the CRD's kind (as upstream's discovery-driven deleter) and deleted its objects
    expect((await api(h, 'GET', '/apis/roles.example.com/v1/namespaces/tmp/notes/n')).status).toBe(404);
  });

  it('the node lifecycle controller marks a silent node Unknown and taints it', async () => {
    const n = await until('w1 Unknown and tainted', async () => {
      const node = await get('/api/v1/nodes/w1');
      const ready = node?.status?.conditions?.find((c: any) => c.type === 'Ready');
      return ready?.status === 'Unknown' && (node.spec.taints ?? []).some((t: any) => t.key === 'node.kubernetes.io/unreachable') ? node : undefined;
    }, 60_000);
    expect(n.spec.taints.map((t: any) => t.effect).sort()).toEqual(['NoExecute', 'NoSchedule']);
  });

  it('kube-proxy (system:kube-proxy in system:node-proxier, by certificate) reads services, endpoint slices, nodes, pods, namespaces and network policies, and nothing else', async () => {
    const conf = kubeconfigFor('system:kube-proxy', ['system:node-proxier']);
    const as = (args: string[]) => kubectl(h, ['--kubeconfig', conf, ...args]);
    expect((await as(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username} {.status.userInfo.groups}'])).stdout).toBe('system:kube-proxy ["system:node-proxier","system:authenticated"]');
    // and, for its network policy agent (system:kubelab:network-policy-agent), pods, namespaces and NetworkPolicies
    for (const args of [['get', 'services', '-A'], ['get', 'endpointslices', '-A'], ['get', 'nodes'], ['get', 'pods', '-A'], ['get', 'namespaces'], ['get', 'networkpolicies', '-A']]) {
      const r = await as(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const secrets = await as(['get', 'secrets', '-n', 'kube-system']);
    expect(secrets.code).not.toBe(0);
    expect(secrets.stderr).toContain('User "system:kube-proxy" cannot list resource "secrets" in API group "" in the namespace "kube-system"');
    const del = await as(['delete', 'node', 'w1', '--dry-run=server']);
    expect(del.stderr).toContain('User "system:kube-proxy" cannot delete resource "nodes" in API group "" at the cluster scope');
  });

  it('a certificate from another CA is no identity: 401', async () => {
    const other = createCA('not-the-cluster-ca');
    const path = join(h.dir, 'stranger.conf');
    const c = createCertificate({ ca: other, commonName: 'system:kube-scheduler', clientAuth: true });
    writeFileSync(path, buildKubeconfig({ clusterName: 'kubelab', server: h.url, caPem: h.caPem, user: 'stranger', certPem: c.certPem, keyPem: c.keyPem }));
    const r = await kubectl(h, ['--kubeconfig', path, 'get', 'pods']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)/);
  });

  it('neither component was refused anything', () => {
    const logs = componentLogs(sched, cm);
    expect(logs).not.toMatch(/forbidden/i);
    expect(sched.alive() && cm.alive()).toBe(true);
  });
});
