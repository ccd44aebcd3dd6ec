import { it } from 'vitest';
import { toFieldSet, compare } from '../../../api/managedfields/typed.js';
import { FieldSet } from '../../../api/managedfields/fieldset.js';
import { kindSchema } from '../../../api/managedfields/kind-schema.js';
it('perf', () => {
  for (const n of [10000, 50000]) {
    const data: Record<string, string> = {};
    for (let i = 0; i < n; i++) data['k' + i] = 'v' + i;
    const s = kindSchema('v1', 'ConfigMap');
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', uid: 'u' }, data };
    let t = performance.now(); const fs = toFieldSet(obj, s); const a = performance.now() - t;
    t = performance.now(); const j = fs.toFieldsV1(); const b = performance.now() - t;
    t = performance.now(); const back = FieldSet.fromFieldsV1(j); const c = performance.now() - t;
    t = performance.now(); compare(obj, { ...obj, data: { ...data, k0: 'x' } }, s); const d = performance.now() - t;
    t = performance.now(); back.difference(fs); back.union(fs); back.intersection(fs); const e = performance.now() - t;
    console.log(n, 'toFieldSet', a.toFixed(1), 'toV1', b.toFixed(1), 'fromV1', c.toFixed(1), 'compare', d.toFixed(1), 'setops', e.toFixed(1));
  }
});
