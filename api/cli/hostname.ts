/**
 * The node name a node agent runs as (upstream's nodeutil.GetHostname, shared by the kubelet and
 * kube-proxy): `--hostname-override` when set, else the machine's host name; trimmed and lower-cased.
 */
import { hostname } from 'node:os';
import { FlagError } from './flags.js';

/** `override` empty or absent means the host name; a name that trims to nothing is refused (`empty hostname is invalid`). */
export function nodeHostname(override: string | undefined, osHostname: () => string = hostname): string {
  const name = (override || osHostname()).trim();
  if (name === '') throw new FlagError('empty hostname is invalid');
  return name.toLowerCase();
}
