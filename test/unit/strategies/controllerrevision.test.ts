import { describe, expect, it } from 'vitest';
import { validateControllerRevision, validateControllerRevisionUpdate } from '../../../api/strategies/controllerrevision.js';
import { controllerRevisionCells, controllerRevisionColumns } from '../../../api/strategies/printers.js';
import type { ControllerRevision, Relaxed } from '../../../api/types/index.js';

const cr = (extra: Partial<Relaxed<ControllerRevision>> = {}): Relaxed<ControllerRevision> => ({
  metadata: { name: 'ds-abc', namespace: 'default' },
  data: { spec: { template: { $patch: 'replace' } } },
  revision: 1,
  ...extra,
});

describe('ControllerRevision validation (ValidateControllerRevisionCreate/Update)', () => {
  it.each([
    ['valid', cr(), []],
    ['no data', cr({ data: undefined }), [['data', 'Required value: data is mandatory']]],
    ['negative revision', cr({ revision: -1 }), [['revision', 'Invalid value: -1: must be greater than or equal to 0']]],
    ['bad name', cr({ metadata: { name: 'Bad_Name', namespace: 'default' } }), [['metadata.name', expect.stringContaining('a lowercase RFC 1123 subdomain')]]],
  ])('%s', (_n, obj, want) => {
    expect(validateControllerRevision(obj).map((c) => [c.field, c.message])).toEqual(want);
  });

  it('data is immutable, the revision number is not', () => {
    const old = cr({ metadata: { name: 'ds-abc', namespace: 'default', resourceVersion: '1' } });
    const moved = { ...old, revision: 5 };
    expect(validateControllerRevisionUpdate(moved, old)).toEqual([]);
    const changed = { ...old, data: { spec: { template: { metadata: { labels: { a: 'b' } } } } } };
    expect(validateControllerRevisionUpdate(changed, old).map((c) => [c.field, c.message])).toEqual([['data', expect.stringContaining('field is immutable')]]);
  });
});

describe('ControllerRevision printer', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  it('has NAME CONTROLLER REVISION AGE', () => {
    expect(controllerRevisionColumns.map((c) => c.name)).toEqual(['Name', 'Controller', 'Revision', 'Age']);
  });
  it.each([
    [[{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'fluentd', uid: 'u', controller: true }], 'daemonset.apps/fluentd'],
    [[{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u', controller: true }], 'pod/p'],
    [[{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'x', uid: 'u' }], '<none>'],
    [undefined, '<none>'],
  ])('controller of %j is %s', (refs, want) => {
    const obj = cr({ metadata: { name: 'ds-abc', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z', ownerReferences: refs } });
    expect(controllerRevisionCells(obj, now)).toEqual(['ds-abc', want, 1, '10m']);
  });
});
