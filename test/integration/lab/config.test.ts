/**
 * scripts/lab-config/generate: the one configuration the lab and the Vagrant VMs share.
 * Real openssl, kubectl and systemd-analyze; files in a temporary directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO as repo, sh } from '../../support/host.js';
import { need } from '../../support/deps.js';
import { kubeletConfig } from '../../../node-agent/kubelet/config.js';
import { parseAuditPolicy } from '../../../control-plane/apiserver/audit-policy.js';

const generate = join(repo, 'scripts/lab-config/generate');
const HOSTS = ['controlplane01', 'node01', 'node02'];
const IPS: Record<string, string> = { controlplane01: '192.168.56.11', node01: '192.168.56.21', node02: '192.168.56.22' };

function gen(out: string, ...extra: string[]): void {
  sh(generate, ['--out', out, '--kubelab-bin', join(repo, 'bin/kubelab'), ...extra]);
}
function subject(crt: string): string {
  return sh('openssl', ['x509', '-in', crt, '-noout', '-subject', '-nameopt', 'RFC2253']).trim();
}
function ext(crt: string, name: string): string {
  return sh('openssl', ['x509', '-in', crt, '-noout', '-ext', name]);
}
function envArgs(file: string): string[] {
  const m = /^KUBELAB_ARGS="(.*)"$/m.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`no KUBELAB_ARGS in ${file}`);
  return m[1]!.split(/\s+/);
}

let dir: string;
let lab: string;
let vm: string;

beforeAll(() => {
  need('openssl', 'systemd-analyze');
  dir = mkdtempSync(join(tmpdir(), 'kubelab-lab-config-'));
  lab = join(dir, 'lab');
  vm = join(dir, 'vm');
  gen(lab, '--mode', 'lab', '--state-dir', join(dir, 'data'), '--run-dir', join(dir, 'run'));
  gen(vm, '--mode', 'vm', '--root', '/etc/kubelab', '--runtime', 'docker', '--control-plane', 'static-pods');
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Does `crt` (a path under pki/) verify against the CA `ca` (a path under pki/)? */
function verifies(ca: string, crt: string): { ok: boolean; out: string } {
  const r = spawnSync('openssl', ['verify', '-CAfile', join(lab, 'pki', ca), join(lab, 'pki', crt)], { encoding: 'utf8' });
  return { ok: r.status === 0, out: r.stdout + r.stderr };
}
const ETCD_SIGNED = ['etcd/server.crt', 'etcd/peer.crt', 'etcd/healthcheck-client.crt', 'apiserver-etcd-client.crt'];
/** What the front proxy CA (kubeadm's front-proxy-ca) signs: only the aggregator's client certificate. */
const FRONT_PROXY_SIGNED = ['front-proxy-client.crt'];

describe('PKI', () => {
  it('every certificate verifies against its CA: the cluster CA, or etcd\'s own CA for etcd and its clients', () => {
    const crts = readdirSync(join(lab, 'pki')).filter((f) => f.endsWith('.crt') && f !== 'ca.crt' && f !== 'front-proxy-ca.crt');
    const etcd = readdirSync(join(lab, 'pki/etcd')).filter((f) => f.endsWith('.crt') && f !== 'ca.crt').map((f) => `etcd/${f}`);
    expect(crts.length).toBe(8 + 2 * HOSTS.length);
    expect(existsSync(join(lab, 'pki/front-proxy-ca.crt'))).toBe(true);
    expect([...etcd, ...crts.filter((c) => ETCD_SIGNED.includes(c))].sort()).toEqual([...ETCD_SIGNED].sort());
    for (const c of [...crts, ...etcd]) {
      const ca = ETCD_SIGNED.includes(c) ? 'etcd/ca.crt' : FRONT_PROXY_SIGNED.includes(c) ? 'front-proxy-ca.crt' : 'ca.crt';
      const r = verifies(ca, c);
      expect(r.ok, `${c} against ${ca}: ${r.out}`).toBe(true);
    }
  });

  it("etcd trusts only its own CA: no cluster-CA certificate (kubelet, kube-proxy, admin) verifies against it, and it is not the cluster CA", () => {
    expect(readFileSync(join(lab, 'pki/etcd/ca.crt'), 'utf8')).not.toBe(readFileSync(join(lab, 'pki/ca.crt'), 'utf8'));
    for (const c of ['kubelet-node01.crt', 'kubelet-node02.crt', 'kubelet-controlplane01.crt', 'kube-proxy.crt', 'admin.crt', 'apiserver.crt']) {
      const r = verifies('etcd/ca.crt', c);
      expect(r.ok, `${c} must NOT verify against etcd's CA: ${r.out}`).toBe(false);
    }
    for (const c of ETCD_SIGNED) expect(verifies('ca.crt', c).ok, `${c} must not verify against the cluster CA`).toBe(false);
    const etcdArgs = envArgs(join(lab, 'hosts/controlplane01/env/etcd.env'));
    expect(etcdArgs).toContain(`--trusted-ca-file=${lab}/pki/etcd/ca.crt`);
    expect(etcdArgs).toContain(`--peer-trusted-ca-file=${lab}/pki/etcd/ca.crt`);
    expect(etcdArgs).toContain('--client-cert-auth=true');
    expect(etcdArgs).toContain('--peer-client-cert-auth=true');
    const apiArgs = envArgs(join(lab, 'hosts/controlplane01/env/apiserver.env'));
    for (const f of [`--etcd-cafile=${lab}/pki/etcd/ca.crt`, `--etcd-certfile=${lab}/pki/apiserver-etcd-client.crt`, `--etcd-keyfile=${lab}/pki/apiserver-etcd-client.key`]) {
      expect(apiArgs).toContain(f);
    }
  });

  it("etcdctl on controlplane01 uses kubeadm's paths: etcd's CA and the healthcheck-client certificate", () => {
    const labProfile = readFileSync(join(lab, 'hosts/controlplane01/profile.sh'), 'utf8');
    expect(labProfile).toContain(`ETCDCTL_CACERT=${lab}/pki/etcd/ca.crt`);
    expect(labProfile).toContain(`ETCDCTL_CERT=${lab}/pki/etcd/healthcheck-client.crt`);
    expect(labProfile).toContain(`ETCDCTL_KEY=${lab}/pki/etcd/healthcheck-client.key`);
    const vmProfile = readFileSync(join(vm, 'hosts/controlplane01/profile.sh'), 'utf8');
    expect(vmProfile).toContain('ETCDCTL_CACERT=/etc/kubernetes/pki/etcd/ca.crt');
    expect(vmProfile).toContain('ETCDCTL_CERT=/etc/kubernetes/pki/etcd/healthcheck-client.crt');
  });

  it('modes whatever the umask or what was there: pki dirs 0700, keys 0600, certificates 0644', () => {
    const d = join(dir, 'modes');
    gen(d, '--mode', 'lab', '--state-dir', join(dir, 'data'), '--run-dir', join(dir, 'run'));
    // Loosened by hand (or made under another umask): the next run puts every mode back.
    sh('chmod', ['-R', 'a+rwX', join(d, 'pki'), join(d, 'kubeconfigs')]);
    sh('chmod', ['0666', join(d, 'tokens.csv'), join(d, 'encryption-config.yaml')]);
    gen(d, '--mode', 'lab', '--state-dir', join(dir, 'data'), '--run-dir', join(dir, 'run'));
    const mode = (p: string) => (statSync(join(d, p)).mode & 0o777).toString(8);
    expect(mode('pki')).toBe('700');
    expect(mode('pki/etcd')).toBe('700');
    expect(mode('kubeconfigs')).toBe('700');
    for (const f of readdirSync(join(d, 'pki'))) if (f.endsWith('.key')) expect(mode(`pki/${f}`), f).toBe('600');
    for (const f of readdirSync(join(d, 'pki/etcd'))) expect(mode(`pki/etcd/${f}`), f).toBe(f.endsWith('.key') ? '600' : '644');
    for (const f of readdirSync(join(d, 'pki'))) if (f.endsWith('.crt')) expect(mode(`pki/${f}`), f).toBe('644');
    for (const f of ['tokens.csv', 'encryption-config.yaml', 'kubeconfigs/admin.kubeconfig']) expect(mode(f), f).toBe('600');
  });

  it("the front proxy has a CA of its own (kubeadm's front-proxy-ca): front-proxy-client, a client certificate, is all it signs", () => {
    expect(readFileSync(join(lab, 'pki/front-proxy-ca.crt'), 'utf8')).not.toBe(readFileSync(join(lab, 'pki/ca.crt'), 'utf8'));
    expect(subject(join(lab, 'pki/front-proxy-ca.crt'))).toBe('subject=CN=front-proxy-ca');
    expect(subject(join(lab, 'pki/front-proxy-client.crt'))).toBe('subject=CN=front-proxy-client');
    expect(ext(join(lab, 'pki/front-proxy-client.crt'), 'extendedKeyUsage')).toContain('TLS Web Client Authentication');
    expect(verifies('ca.crt', 'front-proxy-client.crt').ok, 'the cluster CA must not vouch for the front proxy').toBe(false);
    for (const c of ['admin.crt', 'apiserver-kubelet-client.crt']) expect(verifies('front-proxy-ca.crt', c).ok, c).toBe(false);
    for (const k of ['front-proxy-ca.key', 'front-proxy-client.key']) expect((statSync(join(lab, 'pki', k)).mode & 0o777).toString(8), k).toBe('600');
  });

  it('every key matches its certificate', () => {
    for (const name of ['apiserver', 'admin', 'kubelet-node01', 'etcd/server', 'apiserver-etcd-client', 'front-proxy-ca', 'front-proxy-client']) {
      const a = sh('openssl', ['x509', '-in', join(lab, `pki/${name}.crt`), '-noout', '-pubkey']);
      const b = sh('openssl', ['pkey', '-in', join(lab, `pki/${name}.key`), '-pubout']);
      expect(a, name).toBe(b);
    }
  });

  it("the API server's serving certificate carries the SANs clients use", () => {
    const sans = ext(join(lab, 'pki/apiserver.crt'), 'subjectAltName');
    for (const s of ['IP Address:192.168.56.11', 'IP Address:10.96.0.1', 'IP Address:127.0.0.1', 'DNS:controlplane01', 'DNS:kubernetes',
      'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local']) {
      expect(sans).toContain(s);
    }
    expect(ext(join(lab, 'pki/apiserver.crt'), 'extendedKeyUsage')).toContain('TLS Web Server Authentication');
  });

  it('client certificates name users and groups as upstream does', () => {
    const cases: Array<[string, string]> = [
      ['admin', 'O=system:masters,CN=admin'],
      ['kube-scheduler', 'CN=system:kube-scheduler'],
      ['kube-controller-manager', 'CN=system:kube-controller-manager'],
      ['kube-proxy', 'O=system:node-proxier,CN=system:kube-proxy'],
      ['apiserver-kubelet-client', 'O=system:masters,CN=kube-apiserver-kubelet-client'],
      ...HOSTS.map((h): [string, string] => [`kubelet-${h}`, `O=system:nodes,CN=system:node:${h}`]),
    ];
    for (const [name, want] of cases) {
      expect(subject(join(lab, `pki/${name}.crt`)), name).toBe(`subject=${want}`);
      expect(ext(join(lab, `pki/${name}.crt`), 'extendedKeyUsage'), name).toContain('TLS Web Client Authentication');
    }
  });

  it("each kubelet's serving certificate names its host and private-network address", () => {
    for (const h of HOSTS) {
      const sans = ext(join(lab, `pki/kubelet-${h}-server.crt`), 'subjectAltName');
      expect(sans).toContain(`DNS:${h}`);
      expect(sans).toContain(`IP Address:${IPS[h]}`);
    }
  });

  it('etcd serves and peers on controlplane01 with server+client usage', () => {
    const sans = ext(join(lab, 'pki/etcd/server.crt'), 'subjectAltName');
    expect(sans).toContain('IP Address:192.168.56.11');
    expect(ext(join(lab, 'pki/etcd/peer.crt'), 'extendedKeyUsage')).toMatch(/Server Authentication.*Client Authentication/s);
    expect(subject(join(lab, 'pki/etcd/healthcheck-client.crt'))).toBe('subject=CN=kube-etcd-healthcheck-client');
    expect(subject(join(lab, 'pki/apiserver-etcd-client.crt'))).toBe('subject=CN=kube-apiserver-etcd-client');
  });

  it('a second run keeps the CA, keys and secrets and rewrites the rest', () => {
    const before = ['pki/ca.crt', 'pki/etcd/ca.crt', 'pki/admin.key', 'pki/etcd/server.key', 'tokens.csv', 'encryption-config.yaml'].map((f) => readFileSync(join(lab, f), 'utf8'));
    rmSync(join(lab, 'hosts/node01/env/kubelet.env'));
    gen(lab, '--mode', 'lab', '--state-dir', join(dir, 'data'), '--run-dir', join(dir, 'run'));
    const after = ['pki/ca.crt', 'pki/etcd/ca.crt', 'pki/admin.key', 'pki/etcd/server.key', 'tokens.csv', 'encryption-config.yaml'].map((f) => readFileSync(join(lab, f), 'utf8'));
    expect(after).toEqual(before);
    expect(existsSync(join(lab, 'hosts/node01/env/kubelet.env'))).toBe(true);
  });
});

describe('secrets at rest, tokens, kubeconfigs', () => {
  it('the EncryptionConfiguration encrypts secrets with a random 32-byte aescbc key', () => {
    const c = parse(readFileSync(join(lab, 'encryption-config.yaml'), 'utf8'));
    expect(c.kind).toBe('EncryptionConfiguration');
    expect(c.resources[0].resources).toEqual(['secrets']);
    const key = c.resources[0].providers[0].aescbc.keys[0];
    expect(key.name).toBe('key1');
    expect(Buffer.from(key.secret, 'base64').length).toBe(32);
    const other = parse(readFileSync(join(vm, 'encryption-config.yaml'), 'utf8'));
    expect(other.resources[0].providers[0].aescbc.keys[0].secret).not.toBe(key.secret);
  });

  it('the token file has an admin in system:masters and a token per node', () => {
    const lines = readFileSync(join(lab, 'tokens.csv'), 'utf8').trim().split('\n');
    expect(lines.length).toBe(4 + HOSTS.length);
    expect(lines[0]).toMatch(/^[0-9a-f]{32},admin,admin,"system:masters"$/);
    expect(lines.some((l) => l.includes(',system:node:node02,system:node:node02,"system:nodes"'))).toBe(true);
  });

  it('every kubeconfig parses (kubectl) and points at https://192.168.56.11:6443 with its own client certificate', () => {
    const files = readdirSync(join(lab, 'kubeconfigs'));
    expect(files.sort()).toEqual(
      ['admin', 'kube-controller-manager', 'kube-proxy', 'kube-scheduler', ...HOSTS.map((h) => `kubelet-${h}`)].map((n) => `${n}.kubeconfig`).sort(),
    );
    for (const f of files) {
      const server = sh('kubectl', ['config', 'view', '--kubeconfig', join(lab, 'kubeconfigs', f), '-o', 'jsonpath={.clusters[0].cluster.server}']);
      expect(server, f).toBe('https://192.168.56.11:6443');
      const kc = parse(readFileSync(join(lab, 'kubeconfigs', f), 'utf8'));
      const cert = Buffer.from(kc.users[0].user['client-certificate-data'], 'base64').toString();
      const sub = sh('openssl', ['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], { input: cert });
      expect(sub, f).toContain(`CN=${kc.users[0].name}`);
    }
  });
});

describe('flags and units', () => {
  it("the API server's flags name the TLS, token, encryption and kubelet-client files", () => {
    const args = envArgs(join(lab, 'hosts/controlplane01/env/apiserver.env'));
    for (const flag of ['--etcd-servers=https://192.168.56.11:2379', '--advertise-address=192.168.56.11', '--secure-port=6443',
      '--service-cluster-ip-range=10.96.0.0/16', '--service-node-port-range=30000-32767',
      `--encryption-provider-config=${lab}/encryption-config.yaml`, `--token-auth-file=${lab}/tokens.csv`, `--client-ca-file=${lab}/pki/ca.crt`,
      `--kubelet-client-certificate=${lab}/pki/apiserver-kubelet-client.crt`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local', `--service-account-key-file=${lab}/pki/sa.pub`,
      `--service-account-signing-key-file=${lab}/pki/sa.key`,
      // the aggregation layer, with kubeadm's values
      `--requestheader-client-ca-file=${lab}/pki/front-proxy-ca.crt`, '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User', '--requestheader-group-headers=X-Remote-Group', '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${lab}/pki/front-proxy-client.crt`, `--proxy-client-key-file=${lab}/pki/front-proxy-client.key`, '--enable-aggregator-routing=true']) {
      expect(args).toContain(flag);
    }
    for (const a of args) {
      const m = /=(\/.*\.(crt|key|csv|yaml))$/.exec(a);
      if (m) expect(existsSync(m[1]!), a).toBe(true);
    }
  });

  it('the API server audits with a valid audit.k8s.io/v1 policy, to a per-host log in the lab and kubeadm\'s path on a VM', () => {
    const policy = parseAuditPolicy(readFileSync(join(lab, 'audit-policy.yaml'), 'utf8'));
    expect(policy.omitStages).toEqual(['RequestReceived']);
    expect(policy.rules.at(-1)!.level).toBe('Metadata');
    const labArgs = envArgs(join(lab, 'hosts/controlplane01/env/apiserver.env'));
    expect(labArgs).toContain(`--audit-policy-file=${lab}/audit-policy.yaml`);
    expect(labArgs.find((a) => a.startsWith('--audit-log-path='))).toMatch(/\/hosts\/controlplane01\/log\/audit\/audit\.log$/);
    for (const f of ['--audit-log-maxage=7', '--audit-log-maxbackup=3', '--audit-log-maxsize=100']) expect(labArgs).toContain(f);
    const vmArgs = envArgs(join(vm, 'hosts/controlplane01/env/apiserver.env'));
    expect(vmArgs).toContain('--audit-policy-file=/etc/kubelab/audit-policy.yaml');
    // and each controller acts as its own ServiceAccount, as kubeadm runs kube-controller-manager
    expect(envArgs(join(lab, 'hosts/controlplane01/env/controller-manager.env'))).toContain('--use-service-account-credentials=true');
    expect(vmArgs).toContain('--audit-log-path=/var/log/kubernetes/audit/audit.log');
  });

  it("each kubelet gets its private-network address as --node-ip and a KubeletConfiguration file; controlplane01 is tainted NoSchedule", () => {
    for (const h of HOSTS) {
      const args = envArgs(join(lab, `hosts/${h}/env/kubelet.env`));
      expect(args).toContain(`--node-ip=${IPS[h]}`);
      expect(args).toContain(`--hostname-override=${h}`);
      expect(args).toContain(`--config=${lab}/hosts/${h}/kubelet/config.yaml`);
      // The kubelet's own decoder reads the generated file (strictly) with the unit's flags over it.
      const { config } = kubeletConfig(args);
      expect(config.taints).toEqual(h === 'controlplane01' ? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] : []);
      expect(config.staticPodPath).toBe(`${dir}/data/hosts/${h}/etc/kubernetes/manifests`);
      expect(config.tlsCertFile).toBe(`${lab}/pki/kubelet-${h}-server.crt`);
      expect(config.clientCAFile).toBe(`${lab}/pki/ca.crt`);
      expect(config.podLogsDir).toBe(`${dir}/data/hosts/${h}/log/pods`);
      expect(config.rootDir).toBe(`${dir}/data/hosts/${h}/kubelet`);
      expect(config.clusterDNS).toEqual(['10.96.0.10']);
      expect(config.clusterDomain).toBe('cluster.local');
      expect(config.port).toBe(10250);
    }
    const labNode = kubeletConfig(envArgs(join(lab, 'hosts/node01/env/kubelet.env'))).config;
    expect(labNode.runtimeEndpoint).toBe(`unix://${dir}/run/node01/containerd/containerd.sock`);
    const vmArgs = envArgs(join(vm, 'hosts/node01/env/kubelet.env'));
    expect(vmArgs).toContain('--config=/var/lib/kubelet/config.yaml');
    const vmFile = parse(readFileSync(join(vm, 'hosts/node01/kubelet/config.yaml'), 'utf8'));
    expect(vmFile).toMatchObject({ kind: 'KubeletConfiguration', staticPodPath: '/etc/kubernetes/manifests', containerRuntimeEndpoint: 'unix:///var/run/docker.sock' });
  });

  it('the node lifecycle is shortened for the lab', () => {
    const args = envArgs(join(lab, 'hosts/controlplane01/env/controller-manager.env'));
    expect(args).toContain('--node-monitor-grace-period=20s');
    expect(args).toContain('--cluster-cidr=10.244.0.0/16');
  });

  it('the scheduler and the controller manager serve /healthz on 127.0.0.1:10259 and :10257, as kubeadm runs them', () => {
    for (const [env, port] of [['scheduler', 10259], ['controller-manager', 10257]] as const) {
      for (const root of [lab, vm]) {
        const args = envArgs(join(root, `hosts/controlplane01/env/${env}.env`));
        expect(args).toContain('--bind-address=127.0.0.1');
        expect(args).toContain(`--secure-port=${port}`);
      }
    }
  });

  it("kubeadm's static pods of the scheduler and the controller manager carry its liveness and startup probes", () => {
    for (const [name, port] of [['kube-scheduler', 10259], ['kube-controller-manager', 10257]] as const) {
      const pod = parse(readFileSync(join(vm, `hosts/controlplane01/manifests/${name}.yaml`), 'utf8')) as {
        spec: { containers: { command: string[]; livenessProbe?: unknown; startupProbe?: unknown }[] };
      };
      const c = pod.spec.containers[0]!;
      expect(c.command).toContain(`--secure-port=${port}`);
      const httpGet = { host: '127.0.0.1', path: '/healthz', port, scheme: 'HTTPS' };
      expect(c.livenessProbe).toEqual({ failureThreshold: 8, httpGet, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 15 });
      expect(c.startupProbe).toEqual({ failureThreshold: 24, httpGet, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 15 });
    }
  });

  it('units run the binary with $KUBELAB_ARGS from their EnvironmentFile; VM units use VM paths', () => {
    const u = readFileSync(join(lab, 'hosts/controlplane01/units/kubelab-apiserver.service'), 'utf8');
    expect(u).toContain(`EnvironmentFile=${lab}/hosts/controlplane01/env/apiserver.env`);
    expect(u).toContain(`ExecStart=${repo}/bin/kubelab apiserver $KUBELAB_ARGS`);
    const v = readFileSync(join(vm, 'hosts/node02/units/kubelab-kubelet.service'), 'utf8');
    expect(v).toContain('EnvironmentFile=/etc/kubelab/hosts/node02/env/kubelet.env');
    expect(v).toContain('Requires=docker.service');
    expect(existsSync(join(vm, 'hosts/node02/units/kubelab-containerd.service'))).toBe(false);
  });

  it('scripts/lab runs exactly the command line of the unit (ExecStart with the flags file expanded)', () => {
    const unit = join(lab, 'hosts/controlplane01/units/kubelab-apiserver.service');
    const out = sh('bash', ['-c', `repo=${repo}; . ${repo}/scripts/lab.d/lib.sh; unit_argv "$1"`, 'x', unit]).trim().split('\n');
    expect(out.slice(0, 2)).toEqual([`${repo}/bin/kubelab`, 'apiserver']);
    expect(out.slice(2)).toEqual(envArgs(join(lab, 'hosts/controlplane01/env/apiserver.env')));
  });

  it('systemd-analyze verify accepts every generated unit', () => {
    for (const h of HOSTS) {
      const dirU = join(lab, `hosts/${h}/units`);
      const units = readdirSync(dirU).map((f) => join(dirU, f));
      expect(units.length).toBeGreaterThanOrEqual(4);
      const r = spawnSync('systemd-analyze', ['verify', ...units], { encoding: 'utf8' });
      expect(r.status, `${h}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stderr.trim(), h).toBe('');
    }
  });
});
