/**
 * Container logs in the CRI format (`<RFC3339Nano> <stdout|stderr> <P|F> <text>`), read back the way
 * `kubectl logs` wants them: tailLines, timestamps, sinceSeconds, limitBytes (pure), and followed
 * until the container stops (adapter).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { Writable } from 'node:stream';

export interface CriLine {
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: string;
}

export function parseCriLine(line: string): CriLine | undefined {
  const m = /^(\S+) (stdout|stderr) (P|F) ?(.*)$/.exec(line);
  if (!m) return undefined;
  return { time: m[1]!, stream: m[2] as 'stdout' | 'stderr', partial: m[3] === 'P', text: m[4] ?? '' };
}

export interface LogOptions {
  tailLines?: number;
  timestamps?: boolean;
  sinceTime?: number;
  limitBytes?: number;
}

/** Whole log lines (partials joined) as kubectl shows them (pure). */
export function renderLogs(content: string, opts: LogOptions): string {
  const out: string[] = [];
  let pending = '';
  let pendingTime = '';
  for (const raw of content.split('\n')) {
    if (!raw) continue;
    const l = parseCriLine(raw);
    if (!l) continue;
    if (!pending) pendingTime = l.time;
    pending += l.text;
    if (l.partial) continue;
    if (opts.sinceTime === undefined || Date.parse(pendingTime) >= opts.sinceTime) out.push((opts.timestamps ? `${pendingTime} ` : '') + pending + '\n');
    pending = '';
  }
  // A partial line at the end (no newline yet) is shown as it is, as upstream does.
  if (pending && (opts.sinceTime === undefined || Date.parse(pendingTime) >= opts.sinceTime)) out.push((opts.timestamps ? `${pendingTime} ` : '') + pending);
  let lines = opts.tailLines !== undefined && opts.tailLines >= 0 ? out.slice(Math.max(0, out.length - opts.tailLines)) : out;
  let text = lines.join('');
  if (opts.limitBytes !== undefined && opts.limitBytes >= 0) text = Buffer.from(text).subarray(0, opts.limitBytes).toString('utf8');
  lines = [];
  return text;
}

/** Write a log file's lines to `out`; with follow, keep going until `running()` turns false. */
export async function streamLogs(path: string, out: Writable, opts: LogOptions & { follow?: boolean; running: () => Promise<boolean>; aborted: () => boolean }): Promise<void> {
  const read = (start: number, end: number): Promise<string> =>
    new Promise((resolve, reject) => {
      if (end <= start) return resolve('');
      const chunks: Buffer[] = [];
      createReadStream(path, { start, end: end - 1 })
        .on('data', (c) => chunks.push(Buffer.from(c)))
        .on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
        .on('error', reject);
    });
  let offset = existsSync(path) ? statSync(path).size : 0;
  const first = await read(0, offset);
  const lastNl = first.lastIndexOf('\n');
  offset = lastNl + 1;
  out.write(renderLogs(first.slice(0, offset), opts));
  if (!opts.follow) return;
  const { tailLines: _t, limitBytes: _l, ...rest } = opts;
  for (;;) {
    if (opts.aborted()) return;
    const size = existsSync(path) ? statSync(path).size : 0;
    if (size > offset) {
      const chunk = await read(offset, size);
      const nl = chunk.lastIndexOf('\n');
      if (nl >= 0) {
        out.write(renderLogs(chunk.slice(0, nl + 1), rest));
        offset += Buffer.byteLength(chunk.slice(0, nl + 1));
      }
      continue;
    }
    if (!(await opts.running())) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
