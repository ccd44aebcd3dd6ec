/**
 * The strategic merge patch with the real schema metadata (api/schema/patch-meta.ts), as the API
 * server wires it: the kubectl apply bodies must merge the same way as with a hand-written table.
 */
import { describe, expect, it } from 'vitest';
import { applyStrategicMergePatch } from '../../../api/patch/strategic-merge-patch.js';
import { patchMetaResolver } from '../../../api/schema/patch-meta.js';
import { LIVE_V1, PATCH_V2_BODY, PATCH_V3_BODY } from './fixtures/kubectl-apply.js';

type Obj = Record<string, any>;

describe('strategic merge patch with the Deployment schema', () => {
  const meta = patchMetaResolver('apps/v1', 'Deployment');

  it('kubectl apply v2 then v3', () => {
    const v2 = applyStrategicMergePatch(LIVE_V1, JSON.parse(PATCH_V2_BODY), meta) as Obj;
    expect(v2.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }]);
    expect(v2.spec.template.spec.containers[0].env).toEqual([{ name: 'MODE', value: 'production' }]);

    const v3 = applyStrategicMergePatch(v2, JSON.parse(PATCH_V3_BODY), meta) as Obj;
    expect(v3.spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(['sidecar', 'nginx']);
    expect(v3.spec.template.spec.containers[1].ports).toEqual([{ containerPort: 8080 }, { containerPort: 443 }]);
    expect(v3.metadata.labels).toBeUndefined();
  });

  it('tolerations are replaced, the strategy honours $retainKeys', () => {
    const out = applyStrategicMergePatch(
      LIVE_V1,
      {
        spec: {
          strategy: { $retainKeys: ['type'], type: 'Recreate' },
          template: { spec: { tolerations: [{ key: 'k', operator: 'Exists' }] } },
        },
      },
      meta,
    ) as Obj;
    expect(out.spec.strategy).toEqual({ type: 'Recreate' });
    expect(out.spec.template.spec.tolerations).toEqual([{ key: 'k', operator: 'Exists' }]);
  });
});
