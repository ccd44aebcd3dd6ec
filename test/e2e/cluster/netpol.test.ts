/**
 * NetworkPolicy enforced on the lab (issue 16): `scripts/lab up` runs every node's proxy with
 * `--network-policy`; real connections (busybox `timeout 3 wget -qO-` to a busybox httpd on 8080, as proxy.test.ts) between pods on the same node and on
 * different nodes show default deny, then allow by pod label, by namespace label and by ipBlock, each change
 * applied within seconds; and an egress default deny in a namespace with DNS (UDP/TCP 53) allowed: names
 * resolve through the cluster DNS Service, other connections fail. Deleting the policies opens everything
 * again and leaves no pod firewall chain behind. Peers are ipsets (KL-NP-*: the clients' addresses, the ipBlock
 * with its except `nomatch`) while the policies exist; none remain once they are deleted or the lab is down.
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLab, E2E_LAB_DIR, kubelabBin, Lab, leftovers, repo, show, waitFor, type Pod } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');

const pod = (ns: string, name: string, node: string, labels: string, image: string, command: string): string => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: {${labels}}}
spec:
  nodeSelector: {kubernetes.io/hostname: ${node}}
  containers:
    - {name: c, image: ${image}, command: [sh, -c, '${command}']}
`;
const SERVE = 'mkdir -p /www && echo netpol-ok > /www/index.html && exec httpd -f -p 8080 -h /www';
const SLEEP = 'exec sleep 3600';

const WORKLOADS = [
  'apiVersion: v1\nkind: Namespace\nmetadata: {name: np-a}\n',
  'apiVersion: v1\nkind: Namespace\nmetadata: {name: np-b, labels: {team: friends}}\n',
  pod('np-a', 'web', 'node01', 'app: web', 'busybox', SERVE),
  pod('np-a', 'same', 'node01', 'role: client', 'kubelab/dnsutils', SLEEP),
  pod('np-a', 'other', 'node02', 'role: client', 'kubelab/dnsutils', SLEEP),
  pod('np-a', 'plain', 'node02', 'tier: plain', 'kubelab/dnsutils', SLEEP),
  pod('np-b', 'friend', 'node02', 'tier: plain', 'kubelab/dnsutils', SLEEP),
].join('---\n');

const policy = (ns: string, name: string, spec: string): string =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n${spec}`;

describe('NetworkPolicy on the lab (containerd)', () => {
  let lab: Lab;
  let webIP = '';
  const ips: Record<string, string> = {};
  const clients = [['np-a', 'same'], ['np-a', 'other'], ['np-a', 'plain'], ['np-b', 'friend']] as const;

  /** One real HTTP connection from a client pod to the web pod: reached or not. */
  const reaches = async (ns: string, name: string, target = webIP): Promise<boolean> => {
    const r = await lab.kubectl(['exec', '-n', ns, name, '--', 'timeout', '3', 'wget', '-qO-', `http://${target}:8080/`], { timeoutMs: 20_000 });
    return r.code === 0 && r.stdout.includes('netpol-ok');
  };
  const reachability = async (): Promise<Record<string, boolean>> =>
    Object.fromEntries(await Promise.all(clients.map(async ([ns, n]) => [n, await reaches(ns, n)] as const)));
  /** Wait until every client's reachability is `want` (policies apply within a second; exec adds its own). */
  const expectReach = async (what: string, want: Record<string, boolean>): Promise<number> => {
    let last: Record<string, boolean> = {};
    try {
      const { ms } = await waitFor(what, 20_000, async () => {
        last = await reachability();
        return JSON.stringify(last) === JSON.stringify(want) || undefined;
      }, 200);
      return ms;
    } catch {
      expect(last, what).toEqual(want);
      return -1;
    }
  };

  beforeAll(async () => {
    await assertNoLab(E2E_LAB_DIR);
    lab = new Lab(E2E_LAB_DIR, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  it('scripts/lab up runs the proxies with --network-policy; the pods start on both nodes', async () => {
    const r = await lab.up('containerd');
    expect(r.code, show(r)).toBe(0);
    expect(readFileSync(join(E2E_LAB_DIR, 'config/hosts/node01/env/proxy.env'), 'utf8')).toContain('--network-policy');
    await lab.apply(WORKLOADS);
    await waitFor('the five pods running with IPs', 180_000, async () => {
      const all = [...(await lab.json<{ items: Pod[] }>('get', 'pods', '-A')).items].filter((p) => p.metadata.namespace.startsWith('np-'));
      return all.length === 5 && all.every((p) => p.status.phase === 'Running' && p.status.podIP) ? all : undefined;
    }).then(({ value }) => {
      for (const p of value) ips[p.metadata.name] = p.status.podIP!;
    });
    webIP = ips.web!;
    expect((await lab.json<Pod>('get', 'pod', '-n', 'np-a', 'web')).spec.nodeName).toBe('node01');
    await expectReach('no policy: everyone reaches web', { same: true, other: true, plain: true, friend: true });
  }, 600_000);

  it('default deny ingress in np-a: no one reaches web (same node, other node, other namespace)', async () => {
    await lab.apply(policy('np-a', 'default-deny-ingress', '  podSelector: {}\n  policyTypes: [Ingress]\n'));
    const ms = await expectReach('denied', { same: false, other: false, plain: false, friend: false });
    expect(ms).toBeGreaterThanOrEqual(0);
    const rules = await lab.exec('node01', ['iptables', '-S', 'KUBE-NWPLCY-FORWARD']);
    expect(rules.stdout).toContain(`-d ${webIP}/32`);
    expect(rules.stdout).toContain('np-a/web ingress');
  }, 120_000);

  it('allow by pod label: role=client on the same and on the other node, nobody else', async () => {
    await lab.apply(policy('np-a', 'allow-clients', '  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {role: client}}}]\n    ports: [{protocol: TCP, port: 8080}]\n'));
    await expectReach('clients allowed', { same: true, other: true, plain: false, friend: false });
    // The peers are an ipset of the clients' addresses, matched by one rule (not a rule per client).
    const sets = await lab.exec('node01', ['ipset', 'save']);
    const ours = sets.stdout.split('\n').filter((l) => /^create KL-NP-\S+ hash:ip /.test(l)).map((l) => l.split(' ')[1]!);
    expect(ours, sets.stdout).toHaveLength(1);
    expect(sets.stdout).toContain(`add ${ours[0]} ${ips.same}\n`);
    expect(sets.stdout).toContain(`add ${ours[0]} ${ips.other}\n`);
    expect((await lab.exec('node01', ['iptables-save', '-t', 'filter'])).stdout).toContain(`-m set --match-set ${ours[0]} src`);
  }, 120_000);

  it('allow by namespace label: team=friends', async () => {
    await lab.apply(policy('np-a', 'allow-friends', '  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: friends}}}]\n'));
    await expectReach('friends allowed', { same: true, other: true, plain: false, friend: true });
  }, 120_000);

  it('allow by ipBlock (with except): the pod range except the friend, so plain gets in and friend is out', async () => {
    await lab.kc('delete', 'networkpolicy', '-n', 'np-a', 'allow-clients', 'allow-friends');
    await lab.apply(policy('np-a', 'allow-block', `  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{ipBlock: {cidr: 10.244.0.0/16, except: [${ips.friend}/32]}}]\n`));
    await expectReach('ipBlock', { same: true, other: true, plain: true, friend: false });
    const sets = (await lab.exec('node01', ['ipset', 'save'])).stdout;
    expect(sets).toMatch(/^create KL-NP-\S+ hash:net /m);
    expect(sets).toMatch(new RegExp(`^add KL-NP-\\S+ ${ips.friend!.replaceAll('.', '\\.')} nomatch$`, 'm'));
  }, 120_000);

  it('egress default deny in np-b with DNS allowed: names resolve, connections fail', async () => {
    await lab.kc('delete', 'networkpolicy', '-n', 'np-a', '--all');
    await expectReach('open again', { same: true, other: true, plain: true, friend: true });
    await lab.apply(policy('np-b', 'deny-egress-but-dns', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]\n'));
    await expectReach('friend cut off', { same: true, other: true, plain: true, friend: false });
    const ns = await lab.kubectl(['exec', '-n', 'np-b', 'friend', '--', 'nslookup', 'kubernetes.default.svc.cluster.local'], { timeoutMs: 20_000 });
    expect(ns.code, show(ns)).toBe(0);
    expect(ns.stdout).toContain('10.96.0.1');
  }, 120_000);

  it('deleting the policies opens everything and leaves no pod firewall chain and no set', async () => {
    await lab.kc('delete', 'networkpolicy', '-n', 'np-b', '--all');
    await expectReach('all open', { same: true, other: true, plain: true, friend: true });
    for (const h of ['node01', 'node02'] as const) {
      const save = await lab.exec(h, ['iptables-save', '-t', 'filter']);
      expect(save.stdout).toContain(':KUBE-NWPLCY-FORWARD');
      expect(save.stdout).not.toContain('KUBE-POD-FW-');
      const sets = await lab.exec(h, ['ipset', 'list', '-n']);
      expect(sets.code, show(sets)).toBe(0);
      expect(sets.stdout).not.toContain('KL-NP-');
    }
  }, 120_000);

  it('scripts/lab down leaves nothing behind (the proxies took their chains away)', async () => {
    const r = await lab.down();
    expect(r.code, show(r)).toBe(0);
    expect(await leftovers(E2E_LAB_DIR)).toEqual([]);
  }, 180_000);
});
