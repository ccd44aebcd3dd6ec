import { describe, expect, it } from 'vitest';
import { SyncLoop, planSync, statusDiffers } from '../../../../addons/ingress-nginx/controller.js';
import { preferredVersion, resourceFromDiscovery, splitResourceName, versionsInOrder } from '../../../../addons/ingress-nginx/discovery.js';
import { ENDPOINT_SLICES, INGRESSES, INGRESS_CLASSES, SERVICES, ingressSource } from '../../../../addons/ingress-nginx/ingress.js';
import { parseIngressNginxFlags, renderOptions } from '../../../../addons/ingress-nginx/main.js';
import type { ModelSource, StatusWrite } from '../../../../addons/ingress-nginx/source.js';
import { silentLogger } from '../../../../api/client/log.js';
import type { KubeObject } from '../../../../api/types/meta.js';
import { CTX, NGINX_CLASS, OPTS, backend, ingress, service, slice, snapshotOf } from './fixtures.js';

const WEB = ingress('default', 'web', { ingressClassName: 'nginx', rules: [{ host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] } }] });
const LB = { loadBalancer: { ingress: [{ ip: '10.0.0.11' }, { ip: '10.0.0.12' }] } };

function objects(ings: KubeObject[]): Record<string, KubeObject[]> {
  return { [INGRESSES]: ings, [INGRESS_CLASSES]: [NGINX_CLASS], [SERVICES]: [service('default', 'web', [{ port: 80, targetPort: 8080 }])], [ENDPOINT_SLICES]: [slice('default', 'web', [{ port: 8080 }], [{ ip: '10.1.0.5' }])] };
}

describe('planSync', () => {
  it('renders the merged model of every source and asks for the Ingress status', () => {
    const other: ModelSource = { name: 'other', resources: [], translate: () => ({ model: { upstreams: [{ name: 'x', endpoints: [] }], servers: [{ port: 80, hostname: 'a.example', routes: [{ path: '/x', pathType: 'Exact', precedence: 0, backends: [{ upstream: 'x', weight: 1 }], source: 'HTTPRoute default/x' }] }] }, statuses: [] }) };
    const plan = planSync([ingressSource, other], snapshotOf(objects([WEB])), CTX, OPTS);
    expect(plan.model.servers).toHaveLength(1);
    expect(plan.conf).toContain('location = /x {');
    expect(plan.conf).toContain('server 10.1.0.5:8080 max_fails=0;');
    expect(plan.statuses).toEqual([{ resource: INGRESSES, namespace: 'default', name: 'web', status: LB }]);
  });

  it('no status write when the stored status already says so', () => {
    const stored = { ...WEB, status: LB };
    expect(planSync([ingressSource], snapshotOf(objects([stored])), CTX, OPTS).statuses).toEqual([]);
    expect(statusDiffers(snapshotOf(objects([stored])), { resource: INGRESSES, namespace: 'default', name: 'web', status: { loadBalancer: { ingress: [{ ip: '10.0.0.99' }] } } })).toBe(true);
    expect(statusDiffers(snapshotOf(objects([])), { resource: INGRESSES, namespace: 'default', name: 'web', status: LB })).toBe(false);
  });
});

describe('SyncLoop', () => {
  function harness(fail = 0) {
    const objs = objects([WEB]);
    const applied: string[] = [];
    const writes: StatusWrite[] = [];
    let failures = fail;
    const loop = new SyncLoop({
      sources: [ingressSource], snapshot: snapshotOf(objs), ctx: CTX, render: OPTS, log: silentLogger, debounceMs: 5, retryMs: 5,
      nginx: { apply: async (conf) => { if (failures-- > 0) throw new Error('nginx -t failed'); applied.push(conf); } },
      writeStatus: async (w) => {
        writes.push(w);
        const i = objs[INGRESSES].findIndex((o) => o.metadata.name === w.name);
        objs[INGRESSES][i] = { ...objs[INGRESSES][i], status: w.status };
      },
    });
    return { objs, applied, writes, loop };
  }

  it('a burst of changes is one sync; the same conf is not applied twice; statuses written once', async () => {
    const h = harness();
    for (let i = 0; i < 5; i++) h.loop.trigger();
    await h.loop.idle();
    expect(h.loop.stats.syncs).toBe(1);
    expect(h.applied).toHaveLength(1);
    expect(h.writes).toHaveLength(1);
    h.loop.trigger();
    await h.loop.idle();
    expect(h.loop.stats.syncs).toBe(2);
    expect(h.applied).toHaveLength(1);
    expect(h.writes).toHaveLength(1);
    h.objs[INGRESSES].push(ingress('default', 'two', { ingressClassName: 'nginx', rules: [{ host: 'b.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] } }] }));
    h.loop.trigger();
    await h.loop.idle();
    expect(h.applied).toHaveLength(2);
    expect(h.applied[1]).toContain('server_name b.example;');
    expect(h.writes.map((w) => w.name)).toEqual(['web', 'two']);
    h.loop.stop();
  });

  it('a rejected configuration is retried with backoff and applied once nginx accepts it', async () => {
    const h = harness(2);
    h.loop.trigger();
    await new Promise((r) => setTimeout(r, 200));
    await h.loop.idle();
    expect(h.loop.stats.failures).toBe(2);
    expect(h.applied).toHaveLength(1);
    expect(h.writes).toHaveLength(1);
    h.loop.stop();
  });
});

describe('flags', () => {
  it('defaults as ingress-nginx: class nginx, controller k8s.io/ingress-nginx, ports 80/443', () => {
    const { cfg } = parseIngressNginxFlags([]);
    expect(cfg.ctx).toEqual({ controllerClass: 'k8s.io/ingress-nginx', ingressClass: 'nginx', watchWithoutClass: false, publishAddresses: [], httpPort: 80, httpsPort: 443 });
    expect(cfg.publishAddresses).toBeUndefined();
    expect(renderOptions(cfg).defaultCertificate).toBe('/tmp/ingress-nginx/ssl/default-fake-certificate.pem');
  });
  it('parses the flags', () => {
    const { cfg } = parseIngressNginxFlags(['--ingress-class=internal', '--watch-ingress-without-class', '--publish-status-address=1.2.3.4, 5.6.7.8', '--default-backend-service=ingress-nginx/dflt', '--http-port=8080', '--https-port=8443', '--configmap=ingress-nginx/ingress-nginx-controller']);
    expect(cfg.ctx).toMatchObject({ ingressClass: 'internal', watchWithoutClass: true, httpPort: 8080, httpsPort: 8443, defaultBackendService: 'ingress-nginx/dflt' });
    expect(cfg.publishAddresses).toEqual(['1.2.3.4', '5.6.7.8']);
  });
  it.each([
    [['--http-port=0'], '--http-port must be a port between 1 and 65535, not 0'],
    [['--http-port=443'], '--http-port and --https-port must differ'],
    [['--default-backend-service=nope'], '--default-backend-service must be namespace/name, not "nope"'],
    [['extra'], 'unexpected arguments: extra'],
  ])('%j -> %s', (argv, msg) => {
    expect(() => parseIngressNginxFlags(argv)).toThrow(msg);
  });
});

describe('discovery', () => {
  it('resource names as kubectl api-resources', () => {
    expect(splitResourceName('services')).toEqual({ plural: 'services', group: '' });
    expect(splitResourceName('httproutes.gateway.networking.k8s.io')).toEqual({ plural: 'httproutes', group: 'gateway.networking.k8s.io' });
  });
  it('a resource from an APIResourceList, with its subresources; preferredVersion', () => {
    const list = { resources: [{ name: 'httproutes', singularName: 'httproute', namespaced: true, kind: 'HTTPRoute', verbs: ['list', 'watch'] }, { name: 'httproutes/status', namespaced: true, kind: 'HTTPRoute', verbs: ['patch'] }] };
    expect(resourceFromDiscovery(list, 'gateway.networking.k8s.io', 'v1', 'httproutes')).toEqual({ group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute', plural: 'httproutes', singular: 'httproute', namespaced: true, shortNames: [], categories: [], subresources: ['status'], verbs: ['list', 'watch'], storageName: 'httproutes' });
    expect(resourceFromDiscovery(list, 'g', 'v1', 'gateways')).toBeUndefined();
    expect(resourceFromDiscovery(null, 'g', 'v1', 'gateways')).toBeUndefined();
    expect(preferredVersion({ preferredVersion: { groupVersion: 'g/v1', version: 'v1' } })).toBe('v1');
    expect(preferredVersion({})).toBeUndefined();
    // A resource served only in a version the group does not prefer (ReferenceGrant v1beta1) is still found.
    expect(versionsInOrder({ versions: [{ groupVersion: 'g/v1', version: 'v1' }, { groupVersion: 'g/v1beta1', version: 'v1beta1' }], preferredVersion: { version: 'v1' } })).toEqual(['v1', 'v1beta1']);
    expect(versionsInOrder({ versions: [{ version: 'v1beta1' }, { version: 'v2' }], preferredVersion: { version: 'v2' } })).toEqual(['v2', 'v1beta1']);
    expect(versionsInOrder({})).toEqual([]);
  });
});
