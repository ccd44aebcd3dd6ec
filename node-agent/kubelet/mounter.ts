/**
 * The host's mount table and the `mount` / `umount` commands (adapter of volumes.ts's Mounter): the kubelet
 * runs as root in the host's mount namespace (the lab changes only its network namespace), so a tmpfs it
 * mounts under the pod directory is what the runtime bind-mounts into the containers.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { KubeError } from '../../api/errors.js';
import { parseMountInfo, type Mounter } from './volumes.js';

function run(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new KubeError('InternalError', `${cmd} ${args.join(' ')}: ${err.stderr?.toString().trim() || err.message}`, { code: 'ERR_VOLUME' });
  }
}

export const systemMounter: Mounter = {
  mountInfo: () => parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8')),
  mountTmpfs: (dir, args) => run('mount', ['-t', 'tmpfs', ...args, 'tmpfs', dir]),
  unmount: (dir) => run('umount', [dir]),
};
