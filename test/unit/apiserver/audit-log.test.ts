/**
 * The audit log backend (audit-log.ts): lumberjack's backup names and cleanup as pure functions, the split of a
 * batch at the size limit, and the buffered file sink on a temporary directory: nothing lost on close, rotation
 * by size, backups beyond --audit-log-maxbackup removed. Also the event helpers of audit.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupName, backupsToRemove, backupTime, openAuditLog, splitForRotation } from '../../../control-plane/apiserver/audit-log.js';
import { microTime, sourceIPs, withoutManagedFields } from '../../../control-plane/apiserver/audit.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'kubelab-audit-'));
  dirs.push(d);
  return d;
}

describe('lumberjack naming', () => {
  it('backupName puts the UTC time between the name and its extension', () => {
    expect(backupName('/var/log/audit.log', new Date('2026-12-04T22:30:01.123Z'))).toBe('/var/log/audit-2026-12-04T22-30-01.123.log');
    expect(backupName('/var/log/audit', new Date('2026-12-04T22:30:01.000Z'))).toBe('/var/log/audit-2026-12-04T22-30-01.000');
  });
  it('backupTime reads it back, and nothing from other files', () => {
    expect(backupTime('/x/audit.log', 'audit-2026-12-04T22-30-01.123.log')?.toISOString()).toBe('2026-12-04T22:30:01.123Z');
    expect(backupTime('/x/audit.log', 'audit.log')).toBeUndefined();
    expect(backupTime('/x/audit.log', 'other-2026-12-04T22-30-01.123.log')).toBeUndefined();
    expect(backupTime('/x/audit.log', 'audit-notatime.log')).toBeUndefined();
  });
  const files = ['audit.log', 'audit-2026-12-01T00-00-00.000.log', 'audit-2026-12-03T00-00-00.000.log', 'audit-2026-12-04T00-00-00.000.log', 'unrelated.txt'];
  const now = new Date('2026-12-04T12:00:00Z');
  it.each([
    { maxBackups: 0, maxAge: 0, removed: [] },
    { maxBackups: 2, maxAge: 0, removed: ['audit-2026-12-01T00-00-00.000.log'] },
    { maxBackups: 1, maxAge: 0, removed: ['audit-2026-12-03T00-00-00.000.log', 'audit-2026-12-01T00-00-00.000.log'] },
    { maxBackups: 0, maxAge: 2, removed: ['audit-2026-12-01T00-00-00.000.log'] },
    { maxBackups: 3, maxAge: 1, removed: ['audit-2026-12-03T00-00-00.000.log', 'audit-2026-12-01T00-00-00.000.log'] },
  ])('maxbackup $maxBackups, maxage $maxAge', ({ maxBackups, maxAge, removed }) => {
    expect(backupsToRemove('/x/audit.log', files, now, maxBackups, maxAge)).toEqual(removed);
  });
  it('splitForRotation fills the current file, then starts new ones; a line is never split', () => {
    expect(splitForRotation(['aaaa\n', 'bbbb\n', 'cccc\n'], 0, 10)).toEqual([['aaaa\n', 'bbbb\n'], ['cccc\n']]);
    expect(splitForRotation(['aaaa\n'], 8, 10)).toEqual([[], ['aaaa\n']]);
    expect(splitForRotation(['a-line-longer-than-max\n', 'b\n'], 0, 10)).toEqual([['a-line-longer-than-max\n'], ['b\n']]);
    expect(splitForRotation([], 3, 10)).toEqual([[]]);
  });
});

describe('the file sink', () => {
  it('loses nothing on close, appends to an existing file, and makes it 0600', async () => {
    const d = tmp();
    const path = join(d, 'sub', 'audit.log');
    const s1 = openAuditLog({ path });
    for (let i = 0; i < 1000; i++) s1.write(`{"n":${i}}\n`);
    await s1.close();
    const s2 = openAuditLog({ path });
    s2.write('{"n":"again"}\n');
    await s2.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1001);
    expect(lines[999]).toBe('{"n":999}');
    expect(lines[1000]).toBe('{"n":"again"}');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('rotates at --audit-log-maxsize and keeps --audit-log-maxbackup backups', async () => {
    const d = tmp();
    const path = join(d, 'audit.log');
    let t = Date.parse('2026-12-04T22:00:00Z');
    const s = openAuditLog({ path, maxSizeMB: 1, maxBackups: 2, now: () => new Date((t += 1000)) });
    const line = 'x'.repeat(1023) + '\n'; // 1 KiB: 1024 lines a file
    for (let i = 0; i < 4 * 1024 + 10; i++) {
      s.write(line);
      if (i % 500 === 0) await s.flush();
    }
    await s.close();
    const files = readdirSync(d).sort();
    expect(files).toHaveLength(3); // the live file and two backups
    expect(files.filter((f) => /^audit-2026-12-04T22-00-0\d\.000\.log$/.test(f))).toHaveLength(2);
    for (const f of files) expect(statSync(join(d, f)).size).toBeLessThanOrEqual(1024 * 1024);
    expect(statSync(path).size).toBe(10 * 1024);
  });

  it('a path that cannot be written stops start-up with a clear message', () => {
    const d = tmp();
    writeFileSync(join(d, 'file'), '');
    expect(() => openAuditLog({ path: join(d, 'file', 'audit.log') })).toThrow(/failed to initialize audit log file .*file\/audit\.log/);
  });
});

describe('event helpers', () => {
  it('microTime has six fractional digits in UTC', () => {
    expect(microTime(Date.parse('2026-12-04T22:30:01.123Z') + 0.456)).toBe('2026-12-04T22:30:01.123456Z');
    expect(microTime(Date.parse('2026-12-04T22:30:01Z'))).toBe('2026-12-04T22:30:01.000000Z');
  });
  it('sourceIPs as utilnet.SourceIPs', () => {
    expect(sourceIPs({}, '::ffff:127.0.0.1')).toEqual(['127.0.0.1']);
    expect(sourceIPs({ 'x-forwarded-for': '10.0.0.1, bogus, 10.0.0.2' }, '127.0.0.1')).toEqual(['10.0.0.1', '10.0.0.2', '127.0.0.1']);
    expect(sourceIPs({ 'x-forwarded-for': '10.0.0.1', 'x-real-ip': '10.0.0.1' }, '10.0.0.1')).toEqual(['10.0.0.1']);
    expect(sourceIPs({ 'x-real-ip': '10.0.0.9' }, '127.0.0.1')).toEqual(['10.0.0.9', '127.0.0.1']);
  });
  it('withoutManagedFields drops them from an object, list items and Table rows, never changing its input', () => {
    const pod = { kind: 'Pod', metadata: { name: 'p', managedFields: [{ manager: 'kubectl' }] } };
    expect(withoutManagedFields(pod)).toEqual({ kind: 'Pod', metadata: { name: 'p' } });
    expect(pod.metadata.managedFields).toHaveLength(1);
    expect(withoutManagedFields({ kind: 'PodList', metadata: {}, items: [pod] })).toEqual({ kind: 'PodList', metadata: {}, items: [{ kind: 'Pod', metadata: { name: 'p' } }] });
    expect(withoutManagedFields({ kind: 'Table', rows: [{ cells: [], object: pod }] })).toEqual({ kind: 'Table', rows: [{ cells: [], object: { kind: 'Pod', metadata: { name: 'p' } } }] });
  });
});
