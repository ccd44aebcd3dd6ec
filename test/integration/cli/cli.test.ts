/** The one CLI: every component's --help names its upstream flags; `kubelab kubeconfig` writes a usable kubeconfig. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO } from '../../support/host.js';
import { createCA } from '../../../api/tls/certs.js';

const BIN = join(REPO, 'bin/kubelab');

function run(args: string[]): { code: number; out: string; err: string } {
  if (!existsSync(join(REPO, 'dist/cli/main.js'))) throw new Error('dist/cli/main.js is missing: build first (scripts/test does it)');
  const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('kubelab CLI', () => {
  const cases: [string, string[]][] = [
    ['apiserver', ['--etcd-servers', '--secure-port', '--bind-address', '--cert-dir', '--tls-cert-file', '--client-ca-file', '--token-auth-file', '--service-cluster-ip-range', '--service-node-port-range', '--encryption-provider-config', '--service-account-issuer', '--service-account-key-file', '--service-account-signing-key-file', '--api-audiences', '--service-account-max-token-expiration']],
    ['scheduler', ['--kubeconfig', '--leader-elect']],
    ['controller-manager', ['--kubeconfig', '--cluster-cidr', '--node-monitor-grace-period', '--leader-elect']],
    ['kubelet', ['--kubeconfig', '--node-ip', '--container-runtime-endpoint']],
    ['proxy', ['--kubeconfig', '--hostname-override', '--cleanup']],
  ];
  for (const [cmd, flags] of cases) {
    it(`kubelab ${cmd} --help lists ${flags.length} upstream flags`, () => {
      const r = run([cmd, '--help']);
      expect(r.code, r.err).toBe(0);
      for (const f of flags) expect(r.out).toContain(f);
    });
  }

  it('lists the commands and rejects an unknown one', () => {
    expect(run(['--help']).out).toMatch(/apiserver[\s\S]*scheduler[\s\S]*controller-manager[\s\S]*kubelet[\s\S]*proxy/);
    const bad = run(['nope']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('unknown command "nope"');
  });

  it('the API server requires a service account issuer and signing key, as upstream', () => {
    const r = run(['apiserver', '--etcd-servers=memory']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('service-account-issuer is a required flag');
    const noKey = run(['apiserver', '--etcd-servers=memory', '--service-account-issuer=https://kubernetes.default.svc.cluster.local']);
    expect(noKey.code).toBe(1);
    expect(noKey.err).toContain('--service-account-signing-key-file and --service-account-issuer are required flags');
  });

  it('an unknown flag is an error naming it', () => {
    const r = run(['apiserver', '--no-such-flag=1']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('unknown flag: --no-such-flag');
  });

  it('kubeconfig picks the system:masters user of a token file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelab-test-cli-'));
    try {
      writeFileSync(join(dir, 'ca.crt'), createCA('test-ca').certPem);
      writeFileSync(join(dir, 'tokens.csv'), 'tok-node,system:node:n1,n1,"system:nodes"\ntok-admin,admin,admin,"system:masters"\n');
      const r = run(['kubeconfig', '--server', 'https://192.168.56.11:6443', '--certificate-authority', join(dir, 'ca.crt'), '--token-file', join(dir, 'tokens.csv')]);
      expect(r.code, r.err).toBe(0);
      const kc = parse(r.out);
      expect(kc.clusters[0].cluster.server).toBe('https://192.168.56.11:6443');
      expect(kc.users[0].user.token).toBe('tok-admin');
      expect(kc.users[0].name).toBe('admin');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
