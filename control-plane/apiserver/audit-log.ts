/**
 * The audit log backend (`--audit-log-path`, `-` for stdout): one JSON line per event, written by a buffer that
 * never makes a request wait for the disk: `write` appends to memory, and everything gathered is written in one
 * append at most `FLUSH_INTERVAL_MS` later (at once past `FLUSH_BYTES`), as upstream's batching buffer does with
 * its own limits. `close` writes what is left, so a clean stop loses nothing.
 * Rotation as lumberjack (which kube-apiserver uses): a file that would grow past `--audit-log-maxsize`
 * megabytes (100 when 0) is renamed `<name>-<UTC time 2006-01-02T15-04-05.000><ext>` and a new one started;
 * backups beyond `--audit-log-maxbackup` (newest kept) or older than `--audit-log-maxage` days are removed
 * (0: keep). The pure parts (`backupName`, `backupsToRemove`, `splitForRotation`) are exported for tests.
 */
import { closeSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { KubeError } from '../../api/errors.js';

const MEGABYTE = 1024 * 1024;
/** How long an event may wait in memory before it is written. */
export const FLUSH_INTERVAL_MS = 10;
/** A buffer this large is written at once. */
export const FLUSH_BYTES = 256 * 1024;
/** lumberjack's defaultMaxSize, used when MaxSize is 0. */
export const DEFAULT_MAX_SIZE_MB = 100;

export interface AuditSink {
  /** One event, already encoded as a JSON line (with its newline). */
  write(line: string): void;
  /** Wait until everything written so far is on disk. */
  flush(): Promise<void>;
  /** Flush, then close the file. */
  close(): Promise<void>;
}

export interface AuditLogOptions {
  path: string;
  /** --audit-log-maxage: days to keep backups (0: no limit). */
  maxAgeDays?: number;
  /** --audit-log-maxbackup: backups to keep (0: no limit). */
  maxBackups?: number;
  /** --audit-log-maxsize: megabytes before rotating (0: lumberjack's 100). */
  maxSizeMB?: number;
  /** The clock, for tests. */
  now?: () => Date;
  /** Where a failed write is reported (the event is dropped, as upstream's log backend does). */
  onError?: (e: Error) => void;
}

/** lumberjack's backupName: `<dir>/<name without ext>-<UTC 2006-01-02T15-04-05.000><ext>`. */
export function backupName(path: string, t: Date): string {
  const ext = extname(path);
  const prefix = basename(path, ext);
  const stamp = t.toISOString().replace(/Z$/, '').replace(/:/g, '-');
  return join(dirname(path), `${prefix}-${stamp}${ext}`);
}

/** The time in a backup's name, or undefined when `file` is no backup of `path`. */
export function backupTime(path: string, file: string): Date | undefined {
  const ext = extname(path);
  const prefix = basename(path, ext) + '-';
  if (!file.startsWith(prefix) || !file.endsWith(ext)) return undefined;
  const stamp = file.slice(prefix.length, file.length - ext.length);
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})$/.exec(stamp);
  if (!m) return undefined;
  const t = new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`);
  return Number.isNaN(t.getTime()) ? undefined : t;
}

/** lumberjack's millRunOnce: the backups to remove (newest first beyond maxBackups, then those older than maxAge). */
export function backupsToRemove(path: string, files: readonly string[], now: Date, maxBackups: number, maxAgeDays: number): string[] {
  const backups = files
    .map((f) => ({ f, t: backupTime(path, f) }))
    .filter((b): b is { f: string; t: Date } => b.t !== undefined)
    .sort((a, b) => b.t.getTime() - a.t.getTime());
  const remove = new Set<string>();
  if (maxBackups > 0) for (const b of backups.slice(maxBackups)) remove.add(b.f);
  if (maxAgeDays > 0) {
    const cutoff = now.getTime() - maxAgeDays * 24 * 3600 * 1000;
    for (const b of backups) if (b.t.getTime() < cutoff) remove.add(b.f);
  }
  return backups.filter((b) => remove.has(b.f)).map((b) => b.f);
}

/**
 * Cut a batch of lines into the pieces each file gets: the first piece fills the current file up to `max`
 * bytes, every later piece starts a new file. A line is never split; a line longer than `max` gets a file
 * of its own (lumberjack refuses such a write; an audit event is never dropped for its size here).
 */
export function splitForRotation(lines: readonly string[], currentSize: number, max: number): string[][] {
  const pieces: string[][] = [[]];
  let size = currentSize;
  for (const line of lines) {
    const n = Buffer.byteLength(line);
    const cur = pieces[pieces.length - 1]!;
    if (size + n > max && (cur.length > 0 || size > 0)) {
      pieces.push([line]);
      size = n;
    } else {
      cur.push(line);
      size += n;
    }
  }
  return pieces;
}

/** `-`: stdout, no rotation. */
class StdoutSink implements AuditSink {
  write(line: string): void {
    process.stdout.write(line);
  }
  async flush(): Promise<void> {
    if (process.stdout.writableLength === 0) return;
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  }
  async close(): Promise<void> {
    await this.flush();
  }
}

class FileSink implements AuditSink {
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private handle: FileHandle | undefined;
  private size: number;
  private closed = false;
  private readonly maxBytes: number;

  constructor(
    private readonly opts: AuditLogOptions,
    initialSize: number,
  ) {
    this.size = initialSize;
    this.maxBytes = (opts.maxSizeMB && opts.maxSizeMB > 0 ? opts.maxSizeMB : DEFAULT_MAX_SIZE_MB) * MEGABYTE;
  }

  write(line: string): void {
    if (this.closed) return;
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= FLUSH_BYTES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (lines.length > 0) this.flushing = this.flushing.then(() => this.writeLines(lines)).catch((e: unknown) => this.opts.onError?.(e as Error));
    return this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  private async writeLines(lines: string[]): Promise<void> {
    const pieces = splitForRotation(lines, this.size, this.maxBytes);
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) await this.rotate();
      const text = pieces[i]!.join('');
      if (text === '') continue;
      this.handle ??= await open(this.opts.path, 'a', 0o600);
      await this.handle.appendFile(text);
      this.size += Buffer.byteLength(text);
    }
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    const now = (this.opts.now ?? (() => new Date()))();
    await rename(this.opts.path, backupName(this.opts.path, now));
    this.size = 0;
    const maxBackups = this.opts.maxBackups ?? 0;
    const maxAge = this.opts.maxAgeDays ?? 0;
    if (maxBackups > 0 || maxAge > 0) {
      const dir = dirname(this.opts.path);
      const files = await readdir(dir);
      for (const f of backupsToRemove(this.opts.path, files, now, maxBackups, maxAge)) await rm(join(dir, f), { force: true });
    }
  }
}

/**
 * The sink of `--audit-log-path`. The file (and its directory) is made at start-up, 0600, so a path that
 * cannot be written stops the server then, not at the first request.
 */
export function openAuditLog(opts: AuditLogOptions): AuditSink {
  if (opts.path === '-') return new StdoutSink();
  let size: number;
  try {
    mkdirSync(dirname(opts.path), { recursive: true, mode: 0o755 });
    const fd = openSync(opts.path, 'a', 0o600);
    size = fstatSync(fd).size;
    closeSync(fd);
  } catch (e) {
    throw new KubeError('BadRequest', `failed to initialize audit log file ${opts.path}: ${(e as Error).message}`, { code: 'ERR_CONFIG' });
  }
  return new FileSink(opts, size);
}
