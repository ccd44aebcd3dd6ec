/**
 * Back up and restore etcd on the lab as the CKA task does it (issue 17), with the exact commands of the
 * README's walkthrough run through `scripts/lab exec controlplane01 -- ...`:
 *   ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt
 *     --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key snapshot save /opt/snapshot.db
 *   etcdutl snapshot restore /opt/snapshot.db --data-dir /var/lib/etcd-from-backup
 * then etcd's --data-dir edited in its flags file and `scripts/lab restart` of etcd and the control plane.
 * A namespace with a ConfigMap, saved, deleted, restored: both are back and the cluster still runs a pod.
 * The host's /etc/kubernetes, /opt and /var/lib are the lab's folders under <lab>/data/hosts/controlplane01
 * (a private mount namespace): nothing is written to the machine's /opt or /var/lib.
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLab, E2E_LAB_DIR, Lab, kubelabBin, leftovers, repo, show, waitFor } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');
const NS = 'backup-e2e';
const PKI = '/etc/kubernetes/pki/etcd';
const SAVE = ['env', 'ETCDCTL_API=3', 'etcdctl', '--endpoints=https://127.0.0.1:2379', `--cacert=${PKI}/ca.crt`,
  `--cert=${PKI}/server.crt`, `--key=${PKI}/server.key`, 'snapshot', 'save', '/opt/snapshot.db'];
const RESTORE = ['etcdutl', 'snapshot', 'restore', '/opt/snapshot.db', '--data-dir', '/var/lib/etcd-from-backup'];

describe('etcd snapshot save and restore on the lab (containerd)', () => {
  let lab: Lab;
  const cp = join(E2E_LAB_DIR, 'data/hosts/controlplane01');
  const machineHad = { snapshot: existsSync('/opt/snapshot.db'), restored: existsSync('/var/lib/etcd-from-backup') };

  beforeAll(async () => {
    await assertNoLab(E2E_LAB_DIR);
    lab = new Lab(E2E_LAB_DIR, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  const nsExists = async () => (await lab.kubectl(['get', 'namespace', NS])).code === 0;

  it('scripts/lab up; a namespace with a ConfigMap', async () => {
    const r = await lab.up('containerd');
    expect(r.code, show(r)).toBe(0);
    await lab.kc('create', 'namespace', NS);
    await lab.kc('-n', NS, 'create', 'configmap', 'keep', '--from-literal=color=blue');
  }, 450_000);

  it('snapshot save with the CKA command: kubeadm\'s certificate paths, /opt/snapshot.db in the host\'s own /opt', async () => {
    const ls = await lab.exec('controlplane01', ['ls', `${PKI}/ca.crt`, `${PKI}/server.crt`, `${PKI}/server.key`]);
    expect(ls.code, show(ls)).toBe(0);
    const r = await lab.exec('controlplane01', SAVE);
    expect(r.code, show(r)).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/Snapshot saved at \/opt\/snapshot\.db/);
    expect(existsSync(join(cp, 'opt/snapshot.db'))).toBe(true);
    expect(existsSync('/opt/snapshot.db')).toBe(machineHad.snapshot);
    const st = await lab.exec('controlplane01', ['etcdutl', 'snapshot', 'status', '/opt/snapshot.db', '-w', 'table']);
    expect(st.code, show(st)).toBe(0);
    expect(st.stdout).toMatch(/HASH.*REVISION.*TOTAL KEYS.*TOTAL SIZE/);
    // A worker has no etcd certificates and no snapshot: its /opt is its own.
    const w = await lab.exec('node01', ['ls', '/opt/snapshot.db']);
    expect(w.code).not.toBe(0);
  }, 60_000);

  it('the namespace is deleted after the snapshot', async () => {
    await lab.kc('delete', 'namespace', NS, '--wait=false');
    await waitFor(`namespace ${NS} gone`, 90_000, async () => !(await nsExists()), 500);
  }, 120_000);

  it('etcdutl snapshot restore into /var/lib/etcd-from-backup; etcd pointed at it and restarted; the control plane restarted', async () => {
    const r = await lab.exec('controlplane01', RESTORE);
    expect(r.code, show(r)).toBe(0);
    expect(existsSync(join(cp, 'var/lib/etcd-from-backup/member/snap/db'))).toBe(true);
    expect(existsSync('/var/lib/etcd-from-backup')).toBe(machineHad.restored);
    // A second restore into the same directory is refused (the data directory exists).
    const again = await lab.exec('controlplane01', RESTORE);
    expect(again.code).not.toBe(0);
    expect(`${again.stdout}${again.stderr}`).toMatch(/exists/);

    // What a student edits: etcd's flags file (on a kubeadm node, the etcd-data hostPath of etcd.yaml).
    const envFile = join(E2E_LAB_DIR, 'config/hosts/controlplane01/env/etcd.env');
    writeFileSync(envFile, readFileSync(envFile, 'utf8').replace(/--data-dir=\S+/, '--data-dir=/var/lib/etcd-from-backup'));
    const before = lab.pidOf('controlplane01', 'etcd');
    for (const c of ['etcd', 'apiserver', 'scheduler', 'controller-manager']) {
      const rr = await lab.lab(['restart', 'controlplane01', c], 120_000);
      expect(rr.code, show(rr)).toBe(0);
      expect(rr.stdout).toMatch(new RegExp(`done: restart ${c}`));
    }
    const after = lab.pidOf('controlplane01', 'etcd');
    expect(after).not.toBe(before);
    expect(readFileSync(`/proc/${after}/cmdline`, 'utf8').split('\0')).toContain('--data-dir=/var/lib/etcd-from-backup');
    const health = await lab.exec('controlplane01', ['etcdctl', 'endpoint', 'health']);
    expect(health.code, show(health)).toBe(0);
  }, 600_000);

  it('the namespace and its ConfigMap are back (kubectl get)', async () => {
    await waitFor(`namespace ${NS} back`, 30_000, nsExists, 500);
    expect(await lab.kc('get', 'namespace', NS, '-o', 'jsonpath={.status.phase}')).toBe('Active');
    expect(await lab.kc('-n', NS, 'get', 'configmap', 'keep', '-o', 'jsonpath={.data.color}')).toBe('blue');
  }, 60_000);

  it('the restored cluster schedules and runs a pod', async () => {
    await lab.kc('-n', NS, 'run', 'after-restore', '--image=nginx', '--restart=Never');
    const { value: node } = await waitFor('pod after-restore Running', 120_000, async () => {
      const r = await lab.kubectl(['-n', NS, 'get', 'pod', 'after-restore', '-o', 'jsonpath={.status.phase} {.spec.nodeName}']);
      const [phase, nodeName] = r.stdout.trim().split(' ');
      return phase === 'Running' && nodeName ? nodeName : undefined;
    }, 1000);
    expect(['node01', 'node02']).toContain(node);
  }, 150_000);

  it('down leaves nothing behind', async () => {
    const r = await lab.down();
    expect(r.code, show(r)).toBe(0);
    expect(await leftovers(E2E_LAB_DIR)).toEqual([]);
  }, 180_000);
});
