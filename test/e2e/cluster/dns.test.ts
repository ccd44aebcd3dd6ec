/**
 * Cluster DNS on the lab (issue 12), with real pods and the real kubectl: `scripts/lab up` installs the add-on as
 * kubeadm's addon phase does (ServiceAccount, ClusterRole system:coredns + binding, Corefile ConfigMap, Deployment
 * coredns with 2 replicas from the lab's kubelab/kubelab image, Service kube-dns 10.96.0.10), the kubelets point
 * pods at it, and from a client pod (kubelab/dnsutils: BIND's nslookup and dig over busybox):
 * `nslookup kubernetes.default`, `wget http://web`, `wget http://web.other-ns`, a StatefulSet-style record
 * (`db-0.db`: hostname + subdomain + headless Service), SRV, ExternalName, PTR; a `hosts` entry added to the
 * Corefile answers within 30 s without restarting any pod; a deleted coredns pod does not interrupt resolution.
 * The add-on talks to the API in-cluster with its ServiceAccount token (no credentials Secret), and so does a
 * client pod (issue 14): it reads /var/run/secrets/kubernetes.io/serviceaccount, lists pods through
 * https://kubernetes.default.svc with its token (403 with upstream's message, then 200 once a Role and
 * RoleBinding allow it); `kubectl create token` authenticates as the ServiceAccount; automountServiceAccountToken:
 * false gives no token directory.
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down`.
 * Needs root, etcd, containerd, runc, CNI plugins, iptables, kubectl, bind9-dnsutils (see scripts/README.md).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKubeconfig } from '../../../api/tls/kubeconfig.js';
import { assertNoLab, E2E_LAB_DIR, kubelabBin, Lab, leftovers, repo, show, sleep, waitFor, type Pod } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');
const DNS_IP = '10.96.0.10';

const WORKLOADS = `
apiVersion: v1
kind: Namespace
metadata: {name: other-ns}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: nginx, image: nginx, ports: [{containerPort: 80, name: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 80, protocol: TCP}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: other-ns}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: nginx, image: nginx, ports: [{containerPort: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: other-ns}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: sql, port: 5432, protocol: TCP}]
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: default, labels: {app: db}}
spec:
  hostname: db-0
  subdomain: db
  containers:
    - {name: db, image: busybox, command: [sh, -c, "exec httpd -f -p 5432"], ports: [{containerPort: 5432, name: sql}]}
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: default}
spec:
  type: ExternalName
  externalName: web.other-ns.svc.cluster.local
---
apiVersion: v1
kind: Pod
metadata: {name: dnsutils, namespace: default}
spec:
  containers:
    - {name: dnsutils, image: kubelab/dnsutils, command: [sleep, "3600"]}
`;

/** Pods that call the API in-cluster (issue 14): the lab's kubelab image has node and busybox. */
const SA_NS = 'sa-e2e';
const IN_CLUSTER = `
apiVersion: v1
kind: Namespace
metadata: {name: ${SA_NS}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: reader, namespace: ${SA_NS}}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ${SA_NS}}
spec:
  serviceAccountName: reader
  containers:
    - {name: client, image: kubelab/kubelab:0.1.0, command: [sleep, "3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: notoken, namespace: ${SA_NS}}
spec:
  serviceAccountName: reader
  automountServiceAccountToken: false
  containers:
    - {name: client, image: kubelab/kubelab:0.1.0, command: [sleep, "3600"]}
`;

/** In the client pod: GET its namespace's pods at https://kubernetes.default.svc as client-go in a pod does. */
const LIST_PODS = `
const fs = require('fs'), https = require('https');
const d = '/var/run/secrets/kubernetes.io/serviceaccount';
const ns = fs.readFileSync(d + '/namespace', 'utf8');
const token = fs.readFileSync(d + '/token', 'utf8');
const req = https.get({ host: 'kubernetes.default.svc', path: '/api/v1/namespaces/' + ns + '/pods', ca: fs.readFileSync(d + '/ca.crt'),
  headers: { Authorization: 'Bearer ' + token }, timeout: 10000 }, (res) => {
  let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, body: JSON.parse(b) })));
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', (e) => { console.log(JSON.stringify({ error: e.message })); process.exitCode = 1; });
`;
interface ListAnswer { status?: number; error?: string; body?: { kind: string; reason?: string; message?: string; items?: Pod[] } }

const running = (p: Pod) => !p.metadata.deletionTimestamp && p.status.phase === 'Running';
const ready = (p: Pod) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** The A/AAAA addresses in BIND nslookup's answer section (after "Name:"), not the server's. */
function answers(nslookup: string): string[] {
  const body = nslookup.split(/\n\s*\n/).slice(1).join('\n');
  return [...body.matchAll(/^Address:\s*([0-9a-f.:]+)\s*$/gm)].map((m) => m[1]!);
}

describe('cluster DNS on the lab (containerd)', () => {
  let lab: Lab;
  const labDir = E2E_LAB_DIR;
  /** A command in the dnsutils pod (its /etc/resolv.conf is the kubelet's). */
  const inPod = (argv: string[], timeoutMs = 30_000) => lab.kubectl(['exec', 'dnsutils', '--', ...argv], { timeoutMs });

  beforeAll(async () => {
    await assertNoLab(labDir);
    lab = new Lab(labDir, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  it('scripts/lab up installs cluster DNS as kubeadm does: objects, 2 ready replicas, kube-dns at 10.96.0.10', async () => {
    const r = await lab.up('containerd');
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('done: add-ons (cluster DNS, local-path storage)');
    expect(r.stdout).toMatch(/nslookup kubernetes\.default\.svc\.cluster\.local 10\.96\.0\.10 -> 10\.96\.0\.1/);
    console.log(r.stdout.slice(r.stdout.indexOf('Step times:')).split('\n\n')[0]);

    const svc = await lab.json<{ spec: { clusterIP: string; ports: { name: string; port: number; protocol: string }[] } }>('-n', 'kube-system', 'get', 'service', 'kube-dns');
    expect(svc.spec.clusterIP).toBe(DNS_IP);
    expect(svc.spec.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`)).toEqual(['dns:53/UDP', 'dns-tcp:53/TCP', 'metrics:9153/TCP']);
    await lab.kc('-n', 'kube-system', 'get', 'serviceaccount', 'coredns');
    await lab.kc('get', 'clusterrole', 'system:coredns');
    await lab.kc('get', 'clusterrolebinding', 'system:coredns');
    const corefile = await lab.kc('-n', 'kube-system', 'get', 'configmap', 'coredns', '-o', 'jsonpath={.data.Corefile}');
    expect(corefile).toContain('kubernetes cluster.local in-addr.arpa ip6.arpa');
    expect(corefile).not.toContain('forward');
    // The add-on's credentials: what the coredns ServiceAccount's user may do, and may not.
    const as = (...args: string[]) => lab.kubectl([...args, '--as=system:serviceaccount:kube-system:coredns']);
    const slices = await as('get', 'endpointslices', '-A', '-o', 'name');
    expect(slices.code, show(slices)).toBe(0);
    const secrets = await as('-n', 'kube-system', 'get', 'secrets');
    expect(secrets.code).not.toBe(0);
    expect(secrets.stderr).toContain('Forbidden');

    // `up` waits for the Deployment to be Available (1 of 2 with maxUnavailable 1, as kubeadm); both get Ready.
    await waitFor('2 ready coredns pods', 60_000, async () => (await lab.pods('kube-system', 'k8s-app=kube-dns')).filter((p) => running(p) && ready(p)).length === 2 || undefined);
    const spec = await lab.kc('-n', 'kube-system', 'get', 'deployment', 'coredns', '-o',
      'jsonpath={.spec.template.spec.priorityClassName} {.spec.template.spec.serviceAccountName} {.spec.template.spec.containers[0].image}');
    expect(spec).toBe('system-cluster-critical coredns kubelab/kubelab:0.1.0');
    // As CoreDNS: in-cluster with its ServiceAccount token (the admission's kube-api-access-* volume), no kubeconfig.
    const [dnsPod] = await lab.json<{ items: { spec: { containers: { args: string[] }[]; volumes?: { name: string }[] } }[] }>('-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-dns').then((l) => l.items);
    expect(dnsPod!.spec.containers[0]!.args).toEqual(['coredns']);
    expect(dnsPod!.spec.volumes?.map((v) => v.name)).toEqual([expect.stringMatching(/^kube-api-access-[a-z0-9]{5}$/)]);
    expect((await lab.kubectl(['-n', 'kube-system', 'get', 'secret', 'coredns-kubeconfig'])).code).not.toBe(0);
    // Served from every host through the proxies' UDP and TCP rules.
    for (const h of ['controlplane01', 'node01', 'node02'] as const) {
      const q = await lab.exec(h, ['dig', `@${DNS_IP}`, '+short', 'kubernetes.default.svc.cluster.local']);
      expect(q.stdout.trim(), show(q)).toBe('10.96.0.1');
    }
    const tcp = await lab.exec('node01', ['dig', `@${DNS_IP}`, '+tcp', '+short', 'kube-dns.kube-system.svc.cluster.local']);
    expect(tcp.stdout.trim(), show(tcp)).toBe(DNS_IP);
  }, 600_000);

  it('workloads: web in default and other-ns, a headless db with db-0, an ExternalName, a dnsutils client', async () => {
    await lab.apply(WORKLOADS);
    for (const ns of ['default', 'other-ns']) await lab.kc('-n', ns, 'wait', '--for=condition=Available', 'deployment/web', '--timeout=120s');
    await lab.kc('wait', '--for=condition=Ready', 'pod/db-0', 'pod/dnsutils', '--timeout=120s');
  }, 180_000);

  it("the pod's resolv.conf names kube-dns with the cluster search path", async () => {
    const r = await inPod(['cat', '/etc/resolv.conf']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/m);
    expect(r.stdout).toMatch(/^nameserver 10\.96\.0\.10$/m);
    expect(r.stdout).toMatch(/^options ndots:5$/m);
  });

  it('nslookup kubernetes.default answers the kubernetes Service', async () => {
    const r = await inPod(['nslookup', 'kubernetes.default']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('Name:\tkubernetes.default.svc.cluster.local');
    expect(answers(r.stdout)).toEqual(['10.96.0.1']);
  });

  it('wget http://web and http://web.other-ns reach nginx by Service name', async () => {
    for (const url of ['http://web', 'http://web.other-ns', 'http://web.other-ns.svc.cluster.local']) {
      const r = await inPod(['timeout', '10', 'wget', '-qO-', url]);
      expect(r.code, show(r, `${url}: `)).toBe(0);
      expect(r.stdout).toContain('Welcome to nginx!');
    }
  });

  it('a StatefulSet-style record: db-0.db is the pod with hostname db-0 and subdomain db; db lists it', async () => {
    const ip = (await lab.kc('get', 'pod', 'db-0', '-o', 'jsonpath={.status.podIP}')).trim();
    const r = await waitFor('db-0.db to resolve', 20_000, async () => {
      const q = await inPod(['nslookup', 'db-0.db']);
      return q.code === 0 && answers(q.stdout).includes(ip) ? q : undefined;
    });
    expect(r.value.stdout).toContain('db-0.db.default.svc.cluster.local');
    const headless = await inPod(['dig', '+short', '+search', 'db']);
    expect(headless.stdout.trim()).toBe(ip);
  });

  it('SRV records of named ports: _http._tcp.web and _sql._tcp.db', async () => {
    const web = await inPod(['dig', '+short', 'SRV', '_http._tcp.web.default.svc.cluster.local']);
    expect(web.stdout.trim(), show(web)).toBe('0 100 80 web.default.svc.cluster.local.');
    const ns = await inPod(['nslookup', '-type=srv', '_sql._tcp.db.default.svc.cluster.local']);
    expect(ns.stdout, show(ns)).toMatch(/service = 0 100 5432 db-0\.db\.default\.svc\.cluster\.local/);
  });

  it('ExternalName answers a CNAME to its target, and the target is resolved', async () => {
    const cip = (await lab.kc('-n', 'other-ns', 'get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}')).trim();
    const r = await inPod(['dig', '+search', '+noall', '+answer', 'ext']);
    expect(r.stdout, show(r)).toMatch(/^ext\.default\.svc\.cluster\.local\.\s+\d+\s+IN\s+CNAME\s+web\.other-ns\.svc\.cluster\.local\.$/m);
    expect(r.stdout).toMatch(new RegExp(`^web\\.other-ns\\.svc\\.cluster\\.local\\.\\s+\\d+\\s+IN\\s+A\\s+${cip.replace(/\./g, '\\.')}$`, 'm'));
  });

  it('PTR: a Service IP resolves back to its name', async () => {
    const r = await inPod(['dig', '+short', '-x', '10.96.0.1']);
    expect(r.stdout.trim(), show(r)).toBe('kubernetes.default.svc.cluster.local.');
  });

  it('an edited Corefile (a hosts entry) answers within 30 s, without restarting any pod', async () => {
    const before = await lab.pods('kube-system', 'k8s-app=kube-dns');
    const corefile = await lab.kc('-n', 'kube-system', 'get', 'configmap', 'coredns', '-o', 'jsonpath={.data.Corefile}');
    const edited = corefile.replace(/^(\s*)ready$/m, '$1ready\n$1hosts {\n$1   10.1.2.3 legacy.lab.internal\n$1   fallthrough\n$1}');
    expect(edited).not.toBe(corefile);
    const patch = JSON.stringify({ data: { Corefile: edited } });
    await lab.kc('-n', 'kube-system', 'patch', 'configmap', 'coredns', '--type=merge', '-p', patch);
    const t0 = Date.now();
    // Both replicas must answer: query each pod directly.
    for (const p of before) {
      await waitFor(`${p.metadata.name} to answer legacy.lab.internal`, 30_000 - (Date.now() - t0), async () => {
        const q = await inPod(['dig', `@${p.status.podIP}`, '+short', '+time=1', '+tries=1', 'legacy.lab.internal']);
        return q.stdout.trim() === '10.1.2.3' || undefined;
      });
    }
    const r = await inPod(['nslookup', 'legacy.lab.internal']);
    expect(answers(r.stdout), show(r)).toEqual(['10.1.2.3']);
    console.log(`hosts entry served by both replicas ${Date.now() - t0} ms after the ConfigMap edit`);
    // Cluster names still resolve (fallthrough), and no pod was restarted or replaced.
    expect(answers((await inPod(['nslookup', 'kubernetes.default'])).stdout)).toEqual(['10.96.0.1']);
    const after = await lab.json<{ items: (Pod & { status: { containerStatuses?: { restartCount: number }[] } })[] }>('-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-dns');
    expect(after.items.map((p) => p.metadata.uid).sort()).toEqual(before.map((p) => p.metadata.uid).sort());
    expect(after.items.flatMap((p) => p.status.containerStatuses?.map((c) => c.restartCount) ?? [])).toEqual([0, 0]);
    const dnsutils = await lab.kc('get', 'pod', 'dnsutils', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}');
    expect(dnsutils.trim()).toBe('0');
  }, 60_000);

  it('coredns serves its metrics on :9153', async () => {
    const [p] = await lab.pods('kube-system', 'k8s-app=kube-dns');
    const r = await lab.exec('node01', ['curl', '-s', '--max-time', '5', `http://${p!.status.podIP}:9153/metrics`]);
    expect(r.stdout, show(r)).toMatch(/^coredns_dns_requests_total\{/m);
  });

  it('deleting a coredns pod: names keep resolving through the other replica, and the Deployment replaces it', async () => {
    const [victim] = await lab.pods('kube-system', 'k8s-app=kube-dns');
    // 40 lookups over ~10 s while the pod terminates (lameduck 5 s) and its endpoint leaves the proxies' rules.
    // BIND's nslookup by its path: busybox's sh runs its own applet for a bare `nslookup` (no search path).
    const loop = 'f=0; for i in $(seq 40); do /usr/bin/nslookup -timeout=2 web >/dev/null 2>&1 || f=$((f+1)); sleep 0.25; done; echo failures=$f';
    const first = await inPod(['sh', '-c', loop.replace('40', '1')]);
    expect(first.stdout.trim(), show(first)).toBe('failures=0');
    const del = lab.kubectl(['-n', 'kube-system', 'delete', 'pod', victim!.metadata.name, '--wait=false']);
    const r = await inPod(['sh', '-c', loop], 120_000);
    expect((await del).code).toBe(0);
    expect(r.stdout.trim(), show(r)).toBe('failures=0');
    await waitFor('2 ready coredns pods again', 90_000, async () => {
      const pods = await lab.pods('kube-system', 'k8s-app=kube-dns');
      return pods.filter((p) => running(p) && ready(p) && p.metadata.uid !== victim!.metadata.uid).length === 2 || undefined;
    });
    await sleep(1500); // the proxies take the new endpoint within their minimum sync period
    expect(answers((await inPod(['nslookup', 'web.other-ns'])).stdout)).toHaveLength(1);
  }, 150_000);

  it('a pod reads its namespace, token and ca.crt, and the service-link variables', async () => {
    await lab.apply(IN_CLUSTER);
    await lab.kc('-n', SA_NS, 'wait', '--for=condition=Ready', 'pod/client', 'pod/notoken', '--timeout=120s');
    const inClient = (script: string) => lab.kubectl(['-n', SA_NS, 'exec', 'client', '--', 'sh', '-c', script], { timeoutMs: 30_000 });
    const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
    const ns = await inClient(`cat ${dir}/namespace`);
    expect(ns.stdout, show(ns)).toBe(SA_NS);
    const ca = await inClient(`cat ${dir}/ca.crt`);
    expect(ca.stdout).toBe(await lab.kc('-n', SA_NS, 'get', 'configmap', 'kube-root-ca.crt', '-o', 'jsonpath={.data.ca\\.crt}'));
    const token = (await inClient(`cat ${dir}/token`)).stdout;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; aud: string[]; 'kubernetes.io': { pod: { name: string } } };
    expect(claims.sub).toBe(`system:serviceaccount:${SA_NS}:reader`);
    expect(claims['kubernetes.io'].pod.name).toBe('client');
    const env = await inClient('echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT $KUBERNETES_PORT');
    expect(env.stdout.trim(), show(env)).toBe('10.96.0.1:443 tcp://10.96.0.1:443');
  }, 180_000);

  it('the pod lists pods through https://kubernetes.default.svc: 403 for its ServiceAccount, 200 once a Role and RoleBinding allow it', async () => {
    const list = async (): Promise<ListAnswer> => {
      const r = await lab.kubectl(['-n', SA_NS, 'exec', 'client', '--', 'node', '-e', LIST_PODS], { timeoutMs: 30_000 });
      expect(r.stdout, show(r)).toMatch(/^\{/);
      return JSON.parse(r.stdout) as ListAnswer;
    };
    const denied = await list();
    expect(denied.status, JSON.stringify(denied)).toBe(403);
    expect(denied.body).toMatchObject({
      kind: 'Status',
      reason: 'Forbidden',
      message: `pods is forbidden: User "system:serviceaccount:${SA_NS}:reader" cannot list resource "pods" in API group "" in the namespace "${SA_NS}"`,
    });
    await lab.kc('-n', SA_NS, 'create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods');
    await lab.kc('-n', SA_NS, 'create', 'rolebinding', 'reader-pods', '--role=pod-reader', `--serviceaccount=${SA_NS}:reader`);
    const allowed = await waitFor('the RoleBinding to take effect', 20_000, async () => {
      const a = await list();
      return a.status === 200 ? a : undefined;
    });
    expect(allowed.value.body?.kind).toBe('PodList');
    expect(allowed.value.body?.items?.map((p) => p.metadata.name).sort()).toEqual(['client', 'notoken']);
  }, 60_000);

  it('kubectl create token: kubectl auth whoami with that token says the ServiceAccount', async () => {
    const token = (await lab.kc('-n', SA_NS, 'create', 'token', 'reader', '--duration=10m')).trim();
    // A kubeconfig with the token alone: the lab's admin kubeconfig carries a client certificate, which would win.
    const server = await lab.kc('config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.server}');
    const caData = await lab.kc('config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}');
    const dir = mkdtempSync(join(tmpdir(), 'kubelab-e2e-token-'));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, buildKubeconfig({ clusterName: 'lab', server, caPem: Buffer.from(caData, 'base64').toString('utf8'), user: 'reader', token }), { mode: 0o600 });
      const who = await lab.kubectl(['--kubeconfig', kubeconfig, 'auth', 'whoami']);
      expect(who.code, show(who)).toBe(0);
      expect(who.stdout).toMatch(new RegExp(`^Username\\s+system:serviceaccount:${SA_NS}:reader$`, 'm'));
      expect(who.stdout).toMatch(new RegExp(`^Groups\\s+\\[system:serviceaccounts system:serviceaccounts:${SA_NS} system:authenticated\\]$`, 'm'));
      const pods = await lab.kubectl(['--kubeconfig', kubeconfig, '-n', SA_NS, 'get', 'pods', '-o', 'name']);
      expect(pods.stdout.split('\n').filter(Boolean).sort(), show(pods)).toEqual(['pod/client', 'pod/notoken']);
      const other = await lab.kubectl(['--kubeconfig', kubeconfig, '-n', 'default', 'get', 'pods']);
      expect(other.stderr).toContain(`User "system:serviceaccount:${SA_NS}:reader" cannot list resource "pods" in API group "" in the namespace "default"`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('automountServiceAccountToken: false: no token directory, and an in-cluster client says why', async () => {
    const vols = await lab.kc('-n', SA_NS, 'get', 'pod', 'notoken', '-o', 'jsonpath={.spec.volumes}');
    expect(vols).not.toContain('kube-api-access-');
    const ls = await lab.kubectl(['-n', SA_NS, 'exec', 'notoken', '--', 'ls', '/var/run/secrets/kubernetes.io/serviceaccount']);
    expect(ls.code).not.toBe(0);
    expect(ls.stderr + ls.stdout).toContain('No such file or directory');
    // `kubelab coredns` without --kubeconfig is an in-cluster client (api/client/in-cluster.ts).
    const noToken = await lab.kubectl(['-n', SA_NS, 'exec', 'notoken', '--', 'kubelab', 'coredns']);
    expect(noToken.code).not.toBe(0);
    expect(noToken.stderr + noToken.stdout).toContain('open /var/run/secrets/kubernetes.io/serviceaccount/token: no such file or directory');
    const noEnv = await lab.kubectl(['-n', SA_NS, 'exec', 'notoken', '--', 'env', '-u', 'KUBERNETES_SERVICE_HOST', 'kubelab', 'coredns']);
    expect(noEnv.code).not.toBe(0);
    expect(noEnv.stderr + noEnv.stdout).toContain('unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined');
  }, 60_000);

  it('scripts/lab down leaves nothing behind', async () => {
    const r = await lab.down();
    expect(r.code, show(r)).toBe(0);
    expect(await leftovers(labDir)).toEqual([]);
  }, 180_000);
});
