/** Static checks of the lab's shell scripts and the Vagrantfile: what CI can check without VMs. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { need } from '../../support/deps.js';

const repo = resolve(import.meta.dirname, '../../..');

/** Every shell script under these folders: a bash/sh shebang, a `.sh` name or a `shell=bash` directive. */
function shellScripts(): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!['node_modules', '.generated', '.vagrant'].includes(e.name)) walk(p);
        continue;
      }
      if (!e.isFile() || statSync(p).size > 1_000_000) continue;
      const head = readFileSync(p, 'utf8').slice(0, 200);
      if (/^#!.*\b(ba)?sh\b/.test(head) || e.name.endsWith('.sh') || head.startsWith('# shellcheck shell=')) found.push(p);
    }
  };
  for (const d of ['scripts', 'vagrant', 'bin', '.ci']) walk(join(repo, d));
  return found.sort();
}

describe('lab scripts', () => {
  it('finds the lab scripts', () => {
    const rel = shellScripts().map((p) => relative(repo, p));
    for (const s of ['scripts/lab', 'scripts/lab.d/lib.sh', 'scripts/lab.d/net.sh', 'scripts/lab-config/generate',
      'vagrant/provision/install.sh', 'vagrant/provision/demo.sh']) {
      expect(rel).toContain(s);
    }
  });

  it('shellcheck passes on every shell script', () => {
    need('shellcheck');
    const scripts = shellScripts();
    const r = spawnSync('shellcheck', ['-x', '-f', 'gcc', ...scripts], { cwd: repo, encoding: 'utf8' });
    expect(r.stdout + r.stderr, 'shellcheck findings').toBe('');
    expect(r.status).toBe(0);
  });

  it('vagrant validate accepts the Vagrantfile (providers ignored: no hypervisor needed)', () => {
    need('vagrant');
    const r = spawnSync('vagrant', ['validate', '--ignore-provider'], {
      cwd: join(repo, 'vagrant'), encoding: 'utf8', env: { ...process.env, VAGRANT_CHECKPOINT_DISABLE: '1' },
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Vagrantfile validated successfully');
  });

  it('the Vagrantfile and the lab read one topology file', () => {
    const vf = readFileSync(join(repo, 'vagrant/Vagrantfile'), 'utf8');
    expect(vf).toContain("scripts/lab-config/hosts");
    expect(vf).toContain("scripts/lab-config/generate");
    const hosts = readFileSync(join(repo, 'scripts/lab-config/hosts'), 'utf8');
    expect(hosts).toMatch(/^controlplane01\s+192\.168\.56\.11\s+controlplane$/m);
    expect(hosts).toMatch(/^node01\s+192\.168\.56\.21\s+worker$/m);
    expect(hosts).toMatch(/^node02\s+192\.168\.56\.22\s+worker$/m);
  });
});
