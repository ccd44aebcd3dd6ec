/** The cgroup freezer, for freezing a lab machine as a hung VM (test/support/lab.ts Lab.freeze). Pure: no I/O. */

/**
 * The freezer of the cgroup NAME (a child of a hierarchy's root), from /proc/mounts: the v1 freezer hierarchy
 * (`freezer.state` FROZEN / THAWED) when mounted, else cgroup v2 (`cgroup.freeze` 1 / 0, `cgroup.events` frozen 1).
 */
export function freezerOf(mounts: string, name: string): { file: string; freeze: string; thaw: string; state: string; isFrozen: (s: string) => boolean } | undefined {
  const rows = mounts.split('\n').map((l) => l.split(' ')).filter((r) => r.length >= 4);
  const v1 = rows.find((r) => r[2] === 'cgroup' && r[3]!.split(',').includes('freezer'));
  if (v1) {
    const file = `${v1[1]}/${name}/freezer.state`;
    return { file, freeze: 'FROZEN', thaw: 'THAWED', state: file, isFrozen: (s) => s.trim() === 'FROZEN' };
  }
  const v2 = rows.find((r) => r[2] === 'cgroup2');
  if (!v2) return undefined;
  const dir = `${v2[1]}/${name}`;
  return { file: `${dir}/cgroup.freeze`, freeze: '1', thaw: '0', state: `${dir}/cgroup.events`, isFrozen: (s) => /^frozen 1$/m.test(s) };
}
