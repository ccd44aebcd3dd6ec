/**
 * scripts/lab-config/generate --hosts scripts/lab-config/hosts-ha: kubeadm's stacked-etcd HA topology
 * (three control planes, each an etcd member + API server + scheduler + controller manager; two workers;
 * a load balancer running haproxy). Real openssl, kubectl, haproxy and systemd-analyze; temporary files.
 * The default topology's output is pinned by config.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO as repo, sh } from '../../support/host.js';
import { need } from '../../support/deps.js';

const generate = join(repo, 'scripts/lab-config/generate');
const HA = join(repo, 'scripts/lab-config/hosts-ha');
const CPS = ['controlplane01', 'controlplane02', 'controlplane03'];
const WORKERS = ['node01', 'node02'];
const IPS: Record<string, string> = {
  controlplane01: '192.168.56.11', controlplane02: '192.168.56.12', controlplane03: '192.168.56.13',
  node01: '192.168.56.21', node02: '192.168.56.22', loadbalancer: '192.168.56.30',
};
const LB_URL = 'https://192.168.56.30:6443';

let dir: string;
let lab: string;
let vm: string;

function envArgs(file: string): string[] {
  const m = /^KUBELAB_ARGS="(.*)"$/m.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`no KUBELAB_ARGS in ${file}`);
  return m[1]!.split(/\s+/);
}
const flag = (args: string[], name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const ext = (crt: string, name: string) => sh('openssl', ['x509', '-in', crt, '-noout', '-ext', name]);

beforeAll(() => {
  need('openssl', 'systemd-analyze', 'haproxy');
  dir = mkdtempSync(join(tmpdir(), 'kubelab-lab-config-ha-'));
  lab = join(dir, 'lab');
  vm = join(dir, 'vm');
  sh(generate, ['--out', lab, '--hosts', HA, '--kubelab-bin', join(repo, 'bin/kubelab'), '--mode', 'lab',
    '--state-dir', join(dir, 'data'), '--run-dir', join(dir, 'run')]);
  sh(generate, ['--out', vm, '--hosts', HA, '--kubelab-bin', join(repo, 'bin/kubelab'), '--mode', 'vm', '--root', '/etc/kubelab']);
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the HA topology file', () => {
  it('names three control planes, two workers and a load balancer at 192.168.56.30', () => {
    const rows = readFileSync(HA, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.trim().split(/\s+/));
    expect(rows.map(([h, ip, role]) => `${h} ${ip} ${role}`)).toEqual([
      ...CPS.map((h) => `${h} ${IPS[h]} controlplane`), ...WORKERS.map((h) => `${h} ${IPS[h]} worker`), 'loadbalancer 192.168.56.30 loadbalancer',
    ]);
  });

  it('generate refuses several control planes without a load balancer, and an unknown role', () => {
    const t = join(dir, 'bad-hosts');
    for (const [text, msg] of [
      ['a 192.168.56.11 controlplane\nb 192.168.56.12 controlplane\n', /several control planes need a loadbalancer/],
      ['a 192.168.56.11 controlplane\nb 192.168.56.12 master\n', /unknown role 'master'/],
    ] as const) {
      sh('sh', ['-c', `printf '%s' "$1" >"$2"`, 'x', text, t]);
      const r = spawnSync(generate, ['--out', join(dir, 'bad'), '--hosts', t], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});

describe('etcd: three members, each with its own certificates', () => {
  it('server and peer certificates per member, with its address, signed by etcd\'s CA', () => {
    const etcd = readdirSync(join(lab, 'pki/etcd')).filter((f) => f.endsWith('.crt')).sort();
    expect(etcd).toEqual(['ca.crt', 'healthcheck-client.crt', ...CPS.map((h) => `peer-${h}.crt`), ...CPS.map((h) => `server-${h}.crt`)].sort());
    for (const h of CPS) {
      for (const kind of ['server', 'peer']) {
        const crt = join(lab, `pki/etcd/${kind}-${h}.crt`);
        const v = spawnSync('openssl', ['verify', '-CAfile', join(lab, 'pki/etcd/ca.crt'), crt], { encoding: 'utf8' });
        expect(v.status, v.stdout + v.stderr).toBe(0);
        const sans = ext(crt, 'subjectAltName');
        expect(sans).toContain(`IP Address:${IPS[h]}`);
        expect(sans).toContain(`DNS:${h}`);
        for (const other of CPS.filter((o) => o !== h)) expect(sans).not.toContain(`IP Address:${IPS[other]}`);
        expect(ext(crt, 'extendedKeyUsage')).toMatch(/Server Authentication.*Client Authentication/s);
      }
    }
  });

  it('each member: its name, its addresses and certificates, an --initial-cluster of 3, a data dir of its own in the lab', () => {
    const initial = CPS.map((h) => `${h}=https://${IPS[h]}:2380`).join(',');
    const dataDirs = new Set<string>();
    for (const h of CPS) {
      const a = envArgs(join(lab, `hosts/${h}/env/etcd.env`));
      expect(flag(a, 'name')).toBe(h);
      expect(flag(a, 'initial-cluster')).toBe(initial);
      expect(flag(a, 'initial-cluster-state')).toBe('new');
      expect(flag(a, 'listen-peer-urls')).toBe(`https://${IPS[h]}:2380`);
      expect(flag(a, 'advertise-client-urls')).toBe(`https://${IPS[h]}:2379`);
      expect(flag(a, 'cert-file')).toBe(join(lab, `pki/etcd/server-${h}.crt`));
      expect(flag(a, 'peer-cert-file')).toBe(join(lab, `pki/etcd/peer-${h}.crt`));
      dataDirs.add(flag(a, 'data-dir')!);
      // On a VM each member has its own disk: the usual path.
      expect(flag(envArgs(join(vm, `hosts/${h}/env/etcd.env`)), 'data-dir')).toBe('/var/lib/kubelab/etcd');
    }
    expect(dataDirs.size).toBe(3);
  });
});

describe('API servers behind the load balancer', () => {
  it('every API server lists all three etcd members and advertises its own address', () => {
    for (const h of CPS) {
      const a = envArgs(join(lab, `hosts/${h}/env/apiserver.env`));
      expect(flag(a, 'etcd-servers')).toBe(CPS.map((c) => `https://${IPS[c]}:2379`).join(','));
      expect(flag(a, 'advertise-address')).toBe(IPS[h]);
    }
  });

  it('the serving certificate names the load balancer and every control plane', () => {
    const sans = ext(join(lab, 'pki/apiserver.crt'), 'subjectAltName');
    for (const h of [...CPS, 'loadbalancer']) {
      expect(sans).toContain(`IP Address:${IPS[h]}`);
      expect(sans).toContain(`DNS:${h}`);
    }
    for (const s of ['IP Address:10.96.0.1', 'IP Address:127.0.0.1', 'DNS:kubernetes.default.svc.cluster.local']) expect(sans).toContain(s);
  });

  it('every kubeconfig (admin, kubelets, proxy, scheduler, controller manager) dials the load balancer', () => {
    const files = readdirSync(join(lab, 'kubeconfigs')).sort();
    expect(files).toEqual(['admin', 'kube-controller-manager', 'kube-proxy', 'kube-scheduler', ...[...CPS, ...WORKERS].map((h) => `kubelet-${h}`)]
      .map((n) => `${n}.kubeconfig`).sort());
    for (const f of files) {
      const server = sh('kubectl', ['config', 'view', '--kubeconfig', join(lab, 'kubeconfigs', f), '-o', 'jsonpath={.clusters[0].cluster.server}']);
      expect(server, f).toBe(LB_URL);
    }
    const env = readFileSync(join(lab, 'cluster.env'), 'utf8');
    expect(env).toContain(`KUBELAB_API=${LB_URL}\n`);
    expect(env).toContain(`KUBELAB_CONTROLPLANES="${CPS.join(' ')}"\n`);
    expect(env).toContain('KUBELAB_LOADBALANCER=loadbalancer\n');
    // The load balancer is no node: no kubelet identity, no token.
    expect(existsSync(join(lab, 'pki/kubelet-loadbalancer.crt'))).toBe(false);
    expect(readFileSync(join(lab, 'tokens.csv'), 'utf8')).not.toContain('loadbalancer');
  });

  it('schedulers and controller managers run on every control plane with --leader-elect=true; every control plane is tainted', () => {
    for (const h of CPS) {
      expect(flag(envArgs(join(lab, `hosts/${h}/env/scheduler.env`)), 'leader-elect')).toBe('true');
      expect(flag(envArgs(join(lab, `hosts/${h}/env/controller-manager.env`)), 'leader-elect')).toBe('true');
      const k = parse(readFileSync(join(lab, `hosts/${h}/kubelet/config.yaml`), 'utf8'));
      expect(k.registerWithTaints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    }
    for (const h of WORKERS) {
      expect(existsSync(join(lab, `hosts/${h}/env/scheduler.env`))).toBe(false);
      expect(parse(readFileSync(join(lab, `hosts/${h}/kubelet/config.yaml`), 'utf8')).registerWithTaints).toBeUndefined();
    }
  });
});

describe('the load balancer host', () => {
  it('has haproxy only: TCP on 192.168.56.30:6443, round robin over the three API servers, HTTPS GET /readyz checks', () => {
    expect(readdirSync(join(lab, 'hosts/loadbalancer/units'))).toEqual(['kubelab-haproxy.service']);
    expect(readdirSync(join(lab, 'hosts/loadbalancer/env'))).toEqual(['haproxy.env']);
    const cfg = readFileSync(join(lab, 'hosts/loadbalancer/haproxy.cfg'), 'utf8');
    expect(cfg).toMatch(/frontend apiserver\n\s+bind 192\.168\.56\.30:6443\n\s+mode tcp/);
    expect(cfg).toMatch(/http-check connect ssl\n\s+http-check send meth GET uri \/readyz\n\s+http-check expect status 200/);
    expect(cfg).toMatch(/balance roundrobin/);
    for (const h of CPS) expect(cfg).toContain(`server ${h} ${IPS[h]}:6443 check verify none`);
    expect(cfg).not.toMatch(/^\s*daemon\b/m);
    const r = spawnSync('haproxy', ['-c', '-f', join(lab, 'hosts/loadbalancer/haproxy.cfg')], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const unit = readFileSync(join(lab, 'hosts/loadbalancer/units/kubelab-haproxy.service'), 'utf8');
    expect(unit).toContain('ExecStart=/usr/sbin/haproxy $KUBELAB_ARGS');
    expect(envArgs(join(lab, 'hosts/loadbalancer/env/haproxy.env'))).toEqual(['-Ws', '-f', join(lab, 'hosts/loadbalancer/haproxy.cfg')]);
  });

  it('systemd-analyze verify accepts every unit of every host (haproxy\'s included)', () => {
    for (const h of [...CPS, ...WORKERS, 'loadbalancer']) {
      const d = join(lab, `hosts/${h}/units`);
      const r = spawnSync('systemd-analyze', ['verify', ...readdirSync(d).map((f) => join(d, f))], { encoding: 'utf8' });
      expect(r.status, `${h}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stderr.trim(), h).toBe('');
    }
  });
});

describe('scripts/lab knows every topology\'s names', () => {
  const lib = (script: string) => sh('bash', ['-c', `repo=${repo}; KUBELAB_LAB_DIR=${join(dir, 'nolab')}; . ${repo}/scripts/lab.d/lib.sh; ${script}`]).trim();

  it('without a record it reads the default topology; clearing and leftovers look for the HA hosts\' names too', () => {
    expect(lib('echo "${HOSTS[*]}|${CPS[*]}|${NODES[*]}|$LB|$API_ADDR"')).toBe('controlplane01 node01 node02|controlplane01|controlplane01 node01 node02||192.168.56.11');
    expect(lib('echo "${KNOWN_HOSTS[*]}"').split(' ').sort()).toEqual([...CPS, ...WORKERS, 'loadbalancer'].sort());
    expect(lib('for h in "${KNOWN_HOSTS[@]}"; do veth_of "$h"; done').split('\n').sort())
      .toEqual(['kl-cp01', 'kl-cp02', 'kl-cp03', 'kl-loadbalancer', 'kl-node01', 'kl-node02']);
  });

  it('the HA topology: three control planes, five nodes, the API at the load balancer', () => {
    expect(lib('load_topology "$HA_HOSTS_FILE"; echo "${CPS[*]}|${NODES[*]}|$LB|$API_ADDR|$CP"'))
      .toBe(`${CPS.join(' ')}|${[...CPS, ...WORKERS].join(' ')}|loadbalancer|192.168.56.30|controlplane01`);
  });
});
