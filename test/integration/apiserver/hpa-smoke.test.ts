import { describe, expect, it } from 'vitest';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { kubectl, kubectlOk } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((x) => (s = x));

describe('smoke', () => {
  it('works', async () => {
    await kubectlOk(s.h, ['create', 'deployment', 'web', '--image=nginx']);
    console.log(await kubectl(s.h, ['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=5', '-v=6']));
    console.log(await kubectl(s.h, ['get', 'hpa']));
    console.log(await kubectl(s.h, ['get', 'hpa.v2.autoscaling', 'web', '-o', 'yaml']));
    console.log(await kubectl(s.h, ['get', '--raw', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web']));
    console.log(await kubectl(s.h, ['get', 'hpa.v1.autoscaling', 'web', '-o', 'yaml', '-v=6']));
    await kubectlOk(s.h, ['apply', '-f', '-'], JSON.stringify({apiVersion:'autoscaling/v2',kind:'HorizontalPodAutoscaler',metadata:{name:'b'},spec:{scaleTargetRef:{apiVersion:'apps/v1',kind:'Deployment',name:'web'},maxReplicas:3,metrics:[{type:'Resource',resource:{name:'memory',target:{type:'AverageValue',averageValue:'100Mi'}}}],behavior:{scaleDown:{stabilizationWindowSeconds:5}}}}));
    console.log(await kubectl(s.h, ['get', '--raw', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/b']));
    console.log(await kubectl(s.h, ['get', 'hpa']));
    console.log(await kubectl(s.h, ['create', '-f', '-'], {input: JSON.stringify({apiVersion:'autoscaling/v2',kind:'HorizontalPodAutoscaler',metadata:{name:'bad'},spec:{scaleTargetRef:{kind:'Deployment',name:''},minReplicas:3,maxReplicas:2,metrics:[{type:'Resource',resource:{name:'cpu',target:{type:'Utilization'}}}],behavior:{scaleDown:{policies:[]}}}})}));
    console.log(await kubectl(s.h, ['explain', 'hpa.spec.behavior']));
    console.log(await kubectl(s.h, ['api-resources', '--api-group=autoscaling']));
    const kv = await s.backend.get('/registry/horizontalpodautoscalers/default/web');
    console.log(kv?.value.toString());
    expect(1).toBe(1);
  }, 60000);
});
