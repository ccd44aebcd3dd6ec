/**
 * Pod DNS and names with a real kubelet, a real runtime and the real kubectl: the /etc/resolv.conf,
 * /etc/hosts and `hostname` a real container sees, for dnsPolicy ClusterFirst (with subdomain, dnsConfig
 * and setHostnameAsFQDN), None, and a hostNetwork pod (the node's network, IP and name; Default DNS).
 * The kubelet runs with --cluster-dns=10.96.0.10 --cluster-domain=cluster.local and a --resolv-conf of
 * the test's own, so the expected files do not depend on the machine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, kubectl } from '../../support/apiserver.js';
import { waitFor } from '../../support/net.js';
import { NODE, NODE_IP, POD_CIDR, startCluster, type Cluster } from './cluster.js';

let c: Cluster;
let dir: string;

const HOST_RESOLV = 'nameserver 10.213.0.53\nsearch lab.example\noptions timeout:2\n';
const LOCAL = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';

async function getPod(name: string): Promise<any> {
  const r = await api(c.api, 'GET', `/api/v1/namespaces/default/pods/${name}`);
  return r.status === 200 ? r.json() : undefined;
}

async function runPod(name: string, spec: Record<string, unknown>): Promise<any> {
  const manifest = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }], ...spec },
  };
  const r = await api(c.api, 'POST', '/api/v1/namespaces/default/pods', manifest);
  expect(r.status, r.body).toBe(201);
  await waitFor(async () => (await getPod(name))?.status?.phase === 'Running', 90_000, `pod ${name} to run`);
  return getPod(name);
}

async function exec(name: string, cmd: string[]): Promise<string> {
  const r = await kubectl(c.api, ['exec', name, '--', ...cmd]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe.each(['containerd', 'docker'] as const)('pod DNS and names on %s', (runtime) => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelab-test-kubelet-dns-'));
    writeFileSync(join(dir, 'resolv.conf'), HOST_RESOLV);
    c = await startCluster(runtime, { kubeletArgs: ['--cluster-dns=10.96.0.10', '--cluster-domain=cluster.local', `--resolv-conf=${join(dir, 'resolv.conf')}`] });
    await c.startKubelet();
    await waitFor(async () => (await api(c.api, 'GET', `/api/v1/nodes/${NODE}`)).status === 200, 20_000, 'the node');
    const r = await api(c.api, 'PATCH', `/api/v1/nodes/${NODE}`, { spec: { podCIDR: POD_CIDR, podCIDRs: [POD_CIDR] } }, { contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(200);
  }, 300_000);

  afterAll(async () => {
    if (process.env.KL_DEBUG) console.log(c?.kubeletLog().slice(-20000));
    await c?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('ClusterFirst: resolv.conf with the cluster DNS and search path, /etc/hosts with the FQDN, hostname from spec.hostname', async () => {
    const p = await runPod('db-0', {
      hostname: 'db-0', subdomain: 'db',
      hostAliases: [{ ip: '10.1.2.3', hostnames: ['api.example', 'api'] }],
      dnsConfig: { searches: ['extra.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
    });
    expect(await exec('db-0', ['cat', '/etc/resolv.conf'])).toBe(
      'search default.svc.cluster.local svc.cluster.local cluster.local lab.example extra.example\nnameserver 10.96.0.10\noptions ndots:2 edns0\n',
    );
    expect(await exec('db-0', ['cat', '/etc/hosts'])).toBe(
      `# Kubernetes-managed hosts file.\n${LOCAL}${p.status.podIP}\tdb-0.db.default.svc.cluster.local\tdb-0\n\n# Entries added by HostAliases.\n10.1.2.3\tapi.example\tapi\n`,
    );
    expect(await exec('db-0', ['hostname'])).toBe('db-0\n');
    expect(await exec('db-0', ['cat', '/etc/hostname'])).toBe('db-0\n');
  });

  it('setHostnameAsFQDN: the kernel hostname is the FQDN', async () => {
    await runPod('fqdn', { hostname: 'fq', subdomain: 'sub', setHostnameAsFQDN: true });
    expect(await exec('fqdn', ['hostname'])).toBe('fq.sub.default.svc.cluster.local\n');
  });

  it('dnsPolicy None: dnsConfig only', async () => {
    await runPod('none', { dnsPolicy: 'None', dnsConfig: { nameservers: ['10.213.0.99'], searches: ['only.example'] } });
    expect(await exec('none', ['cat', '/etc/resolv.conf'])).toBe('search only.example\nnameserver 10.213.0.99\n');
  });

  it('hostNetwork: the node\'s network namespace, IP and name, the node\'s hosts file, ClusterFirst falls back to Default', async () => {
    const p = await runPod('hostnet', { hostNetwork: true });
    expect(p.status.podIP).toBe(NODE_IP);
    expect(p.status.podIPs).toEqual([{ ip: NODE_IP }]);
    // the node's interface (the veth peer with the node's IP) is in the container
    expect(await exec('hostnet', ['ip', '-4', 'addr'])).toContain(`inet ${NODE_IP}/`);
    expect(await exec('hostnet', ['hostname'])).toBe(`${NODE}\n`);
    expect(await exec('hostnet', ['cat', '/etc/hosts'])).toMatch(/^# Kubernetes-managed hosts file \(host network\)\.\n/);
    expect(await exec('hostnet', ['cat', '/etc/resolv.conf'])).toBe('search lab.example\nnameserver 10.213.0.53\noptions timeout:2\n');
    // the node reaches a server in the pod on the node's own address
    const started = await kubectl(c.api, ['exec', 'hostnet', '--', 'sh', '-c', 'mkdir -p /www && echo hello-hostnet > /www/index.html && (httpd -p 18080 -h /www &) ; sleep 0.3']);
    expect(started.code, started.stderr).toBe(0);
    expect(c.inNode(['curl', '-s', '--max-time', '5', `http://${NODE_IP}:18080/index.html`])).toBe('hello-hostnet\n');
  });

  it('deleting a hostNetwork pod leaves the node\'s network alone', async () => {
    const r = await kubectl(c.api, ['delete', 'pod', 'hostnet', '--timeout=60s']);
    expect(r.code, r.stderr).toBe(0);
    expect(c.inNode(['ip', '-4', 'addr'])).toContain(`inet ${NODE_IP}/`);
  });
});
