/**
 * The OCI runtime spec (config.json) for a container, generated in TypeScript the way containerd's
 * `oci.WithDefaultSpec` + CRI do: mount/uts/ipc/pid namespaces of its own, the pod's network namespace
 * by path, a cgroup under `/kubelab/<namespace>/<id>`, containerd's default capabilities, rlimits,
 * /proc /dev /sys mounts, masked and read-only paths, and the cgroup limits. Pure: no I/O.
 */
import type { ContainerSpec } from '../runtime.js';
import { type ImageConfig, mergeEnv, resolveArgv } from '../image.js';

export interface OciProcess {
  terminal: boolean;
  user: { uid: number; gid: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
  rlimits: { type: string; hard: number; soft: number }[];
  noNewPrivileges: boolean;
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly?: boolean };
  hostname: string;
  mounts: OciMount[];
  annotations?: Record<string, string>;
  linux: {
    namespaces: { type: string; path?: string }[];
    cgroupsPath: string;
    resources: {
      devices: { allow: boolean; access: string; type?: string; major?: number; minor?: number }[];
      memory?: { limit?: number };
      cpu?: { shares?: number; quota?: number; period?: number };
    };
    maskedPaths: string[];
    readonlyPaths: string[];
  };
}

/** containerd's default capability set (oci/spec.go). */
export const DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

export const MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi',
];

export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function defaultMounts(): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  ];
}

/** An image `User` of the form `uid[:gid]`; names are not resolved (0). */
export function parseImageUser(user: string | undefined): { uid: number; gid: number } {
  const [u, g] = (user ?? '').split(':');
  const uid = /^\d+$/.test(u ?? '') ? Number(u) : 0;
  const gid = /^\d+$/.test(g ?? '') ? Number(g) : uid === 0 ? 0 : uid;
  return { uid, gid };
}

export function cgroupsPath(namespace: string, id: string): string {
  return `/kubelab/${namespace}/${id}`;
}

export function buildSpec(input: {
  id: string;
  namespace: string;
  spec: ContainerSpec;
  image: ImageConfig;
}): OciSpec {
  const { id, namespace, spec, image } = input;
  const ic = image.config ?? {};
  const args = resolveArgv(ic, spec.command, spec.args);
  const imageUser = parseImageUser(ic.User);
  const user = spec.user ? { uid: spec.user.uid, gid: spec.user.gid ?? 0 } : imageUser;
  const hostname = spec.hostname ?? '';
  let env = mergeEnv(ic.Env, spec.env);
  if (!env.some((e) => e.startsWith('PATH='))) env = [DEFAULT_PATH, ...env];
  if (hostname && !env.some((e) => e.startsWith('HOSTNAME='))) env.push(`HOSTNAME=${hostname}`);
  if (spec.tty && !env.some((e) => e.startsWith('TERM='))) env.push('TERM=xterm');

  const mounts = defaultMounts();
  for (const m of spec.mounts ?? []) {
    mounts.push({
      destination: m.containerPath,
      type: 'bind',
      source: m.hostPath,
      options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw'],
    });
  }

  const r = spec.resources ?? {};
  const resources: OciSpec['linux']['resources'] = { devices: [{ allow: false, access: 'rwm' }] };
  if (r.memoryLimitBytes && r.memoryLimitBytes > 0) resources.memory = { limit: r.memoryLimitBytes };
  const cpu: { shares?: number; quota?: number; period?: number } = {};
  if (r.cpuShares && r.cpuShares > 0) cpu.shares = r.cpuShares;
  if (r.cpuQuota && r.cpuQuota > 0) {
    cpu.quota = r.cpuQuota;
    cpu.period = r.cpuPeriod && r.cpuPeriod > 0 ? r.cpuPeriod : 100_000;
  }
  if (Object.keys(cpu).length > 0) resources.cpu = cpu;

  const namespaces: { type: string; path?: string }[] = [
    { type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' },
    spec.netnsPath ? { type: 'network', path: spec.netnsPath } : { type: 'network' },
  ];

  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: spec.tty === true,
      user,
      args,
      env,
      cwd: spec.workingDir || ic.WorkingDir || '/',
      capabilities: { bounding: [...DEFAULT_CAPS], effective: [...DEFAULT_CAPS], permitted: [...DEFAULT_CAPS] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: false,
    },
    root: { path: 'rootfs' },
    hostname,
    mounts,
    linux: {
      namespaces,
      cgroupsPath: cgroupsPath(namespace, id),
      resources,
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
}

/** The process of an exec: the container's process with other args, env added, and a tty or not. */
export function execProcess(base: OciProcess, cmd: string[], tty: boolean, env?: { name: string; value: string }[]): OciProcess {
  let e = mergeEnv(base.env, env);
  if (tty && !e.some((x) => x.startsWith('TERM='))) e = [...e, 'TERM=xterm'];
  return { ...base, args: cmd, terminal: tty, env: e };
}
