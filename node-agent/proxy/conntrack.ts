/**
 * Deleting stale UDP conntrack entries (upstream's pkg/proxy/conntrack): without it, a UDP client
 * keeps sending to a removed endpoint as long as its flow stays in the conntrack table.
 */
import { spawn } from 'node:child_process';
import { KubeError } from '../../api/errors.js';
import type { ConntrackAction } from './ruleset.js';

export interface Conntrack {
  clear(action: ConntrackAction): Promise<void>;
}

/** The `conntrack` arguments of an action (as upstream's ClearEntriesFor*). */
export function conntrackArgs(a: ConntrackAction): string[] {
  switch (a.kind) {
    case 'service-ip':
      return ['-D', '--orig-dst', a.ip, '-p', a.protocol];
    case 'nat':
      return ['-D', '--orig-dst', a.origDst, '--dst-nat', a.dstNat, '-p', a.protocol];
    case 'port-nat':
      return ['-D', '-p', a.protocol, '--dport', String(a.port), '--dst-nat', a.dstNat];
  }
}

export class RealConntrack implements Conntrack {
  constructor(
    private readonly opts: { binary?: string; prefix?: readonly string[] } = {},
  ) {}

  clear(action: ConntrackAction): Promise<void> {
    const argv = [...(this.opts.prefix ?? []), this.opts.binary ?? 'conntrack', ...conntrackArgs(action)];
    return new Promise((resolve, reject) => {
      const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('error', (e) => reject(new KubeError('InternalError', `conntrack: ${e.message}`, { code: 'ERR_NETWORK', cause: e })));
      child.on('close', (code) => {
        // "0 flow entries have been deleted" exits 1: nothing to delete is fine.
        if (code === 0 || /0 flow entries/.test(err)) resolve();
        else reject(new KubeError('InternalError', `conntrack ${argv.slice(1).join(' ')}: ${err.trim()}`, { code: 'ERR_NETWORK' }));
      });
    });
  }
}

/** Records what would be deleted. */
export class FakeConntrack implements Conntrack {
  readonly cleared: ConntrackAction[] = [];
  async clear(action: ConntrackAction): Promise<void> {
    this.cleared.push(action);
  }
}
