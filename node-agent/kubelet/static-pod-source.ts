/**
 * The static pod source (I/O adapter of static-pods.ts): reads the manifests of staticPodPath at start,
 * again every --file-check-frequency (20 s) and soon after the directory changes (inotify through
 * fs.watch, when the directory exists), and tells the pod workers which static pod keys changed.
 * A broken manifest is logged with its file and the error (once per distinct error) and skipped;
 * directories and hidden files are ignored (upstream does not recurse).
 */
import { existsSync, readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../api/client/log.js';
import { collectStaticPods, diffStaticPods, isManifestFileName, keepSeen, parseStaticPodManifest, type ManifestResult } from './static-pods.js';
import type { Pod } from './types.js';

export interface StaticPodSourceOptions {
  dir: string;
  nodeName: string;
  checkFrequencyMs: number;
  log: Logger;
  /** Keys (`ns/name`) of static pods added, changed or removed. */
  onChange: (keys: string[]) => void;
  now?: () => number;
}

export class StaticPodSource {
  private pods = new Map<string, Pod>();
  private readonly reported = new Map<string, string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private watcher: FSWatcher | undefined;
  private debounce: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly o: StaticPodSourceOptions) {}

  get(key: string): Pod | undefined {
    return this.pods.get(key);
  }

  list(): Pod[] {
    return [...this.pods.values()];
  }

  /** Read the directory now; returns the keys that changed (and reports them through onChange). */
  readNow(): string[] {
    const seen = new Date((this.o.now ?? Date.now)()).toISOString();
    const results: { file: string; result: ManifestResult }[] = [];
    let names: string[] = [];
    if (existsSync(this.o.dir)) {
      try {
        names = readdirSync(this.o.dir);
      } catch (e) {
        this.o.log.warn('Unable to read config path', { path: this.o.dir, error: e as Error });
        return [];
      }
    }
    for (const name of names) {
      if (!isManifestFileName(name)) continue;
      const file = join(this.o.dir, name);
      try {
        if (!statSync(file).isFile()) continue;
        results.push({ file, result: parseStaticPodManifest(readFileSync(file, 'utf8'), file, this.o.nodeName, seen) });
      } catch (e) {
        results.push({ file, result: { error: `${file}: ${(e as Error).message}` } });
      }
    }
    const { pods, errors } = collectStaticPods(results);
    const current = new Set<string>();
    for (const { file, error } of errors) {
      current.add(file);
      if (this.reported.get(file) === error) continue;
      this.reported.set(file, error);
      this.o.log.error('Could not process manifest file', { path: file, error });
    }
    for (const f of [...this.reported.keys()]) if (!current.has(f)) this.reported.delete(f);
    const next = keepSeen(this.pods, pods);
    const d = diffStaticPods(this.pods, next);
    this.pods = next;
    const changed = [...d.add, ...d.update, ...d.remove];
    if (changed.length) {
      this.o.log.info('static pods changed', { add: d.add, update: d.update, remove: d.remove });
      this.o.onChange(changed);
    }
    return changed;
  }

  start(): void {
    this.readNow();
    if (this.o.checkFrequencyMs > 0) this.timer = setInterval(() => this.safeRead(), this.o.checkFrequencyMs);
    this.watchDir();
  }

  private safeRead(): void {
    try {
      this.readNow();
    } catch (e) {
      this.o.log.warn('static pod check failed', { path: this.o.dir, error: e as Error });
    }
    if (!this.watcher) this.watchDir();
  }

  private watchDir(): void {
    if (!existsSync(this.o.dir)) return;
    try {
      this.watcher = watch(this.o.dir, () => {
        if (this.debounce) return;
        this.debounce = setTimeout(() => {
          this.debounce = undefined;
          this.safeRead();
        }, 200);
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
