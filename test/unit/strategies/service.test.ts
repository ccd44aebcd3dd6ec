import { describe, expect, it } from 'vitest';
import { findResource } from '../../../api/resources.js';
import { strategyFor } from '../../../api/kinds/registry.js';

const services = strategyFor(findResource('', 'services')!);
const endpoints = strategyFor(findResource('', 'endpoints')!);
const slices = strategyFor(findResource('discovery.k8s.io', 'endpointslices')!);

function newService(spec: any = {}, name = 'web'): any {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...spec },
  };
}

function fields(errs: { field?: string; reason?: string }[]): string[] {
  return errs.map((e) => `${e.field} ${e.reason}`);
}

/** Defaults, create preparation, and the allocation the lead's registry does before validation. */
function created(s: any, ip = '10.96.0.10'): any {
  services.applyDefaults(s);
  services.prepareForCreate(s);
  if (s.spec.type !== 'ExternalName' && !s.spec.clusterIP) {
    s.spec.clusterIP = ip;
    s.spec.clusterIPs = [ip];
  }
  return s;
}

describe('service defaulting', () => {
  it('ClusterIP defaults', () => {
    const s = created(newService());
    expect(s.spec).toMatchObject({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    });
    expect(s.spec.externalTrafficPolicy).toBeUndefined();
    expect(s.status).toEqual({});
    expect(services.validate(s)).toEqual([]);
  });

  it('NodePort and LoadBalancer get externalTrafficPolicy Cluster', () => {
    const np = created(newService({ type: 'NodePort' }));
    expect(np.spec.externalTrafficPolicy).toBe('Cluster');
    const lb = created(newService({ type: 'LoadBalancer' }));
    expect(lb.spec.externalTrafficPolicy).toBe('Cluster');
    expect(lb.spec.allocateLoadBalancerNodePorts).toBe(true);
    expect(services.validate(np)).toEqual([]);
  });

  it('ClientIP affinity gets a 10800s timeout', () => {
    const s = created(newService({ sessionAffinity: 'ClientIP' }));
    expect(s.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
    expect(services.validate(s)).toEqual([]);
  });

  it('a singular clusterIP fills clusterIPs; ExternalName has no IP family fields', () => {
    const s = created(newService({ clusterIP: '10.96.0.50' }));
    expect(s.spec.clusterIPs).toEqual(['10.96.0.50']);
    const en = created(newService({ type: 'ExternalName', externalName: 'example.com', ports: [] }));
    expect(en.spec.ipFamilies).toBeUndefined();
    expect(en.spec.internalTrafficPolicy).toBeUndefined();
    expect(services.validate(en)).toEqual([]);
  });
});

describe('service validation', () => {
  const cases: [string, any, string[]][] = [
    ['no ports', { ports: [] }, ['spec.ports FieldValueRequired']],
    ['bad port', { ports: [{ port: 0 }] }, ['spec.ports[0].port FieldValueInvalid', 'spec.ports[0].targetPort FieldValueInvalid']],
    ['unnamed ports when several', { ports: [{ port: 80 }, { port: 443 }] }, ['spec.ports[0].name FieldValueRequired', 'spec.ports[1].name FieldValueRequired']],
    [
      'duplicate names and ports',
      { ports: [{ name: 'a', port: 80 }, { name: 'a', port: 80 }] },
      ['spec.ports[1].name FieldValueDuplicate', 'spec.ports[1] FieldValueDuplicate'],
    ],
    ['bad protocol', { ports: [{ port: 80, protocol: 'HTTP' }] }, ['spec.ports[0].protocol FieldValueNotSupported']],
    ['bad targetPort name', { ports: [{ port: 80, targetPort: 'HTTP_port' }] }, ['spec.ports[0].targetPort FieldValueInvalid']],
    ['bad type', { type: 'Internal' }, ['spec.type FieldValueNotSupported']],
    ['bad affinity', { sessionAffinity: 'Cookie' }, ['spec.sessionAffinity FieldValueNotSupported']],
    ['nodePort on ClusterIP', { ports: [{ port: 80, nodePort: 30080 }] }, ['spec.ports[0].nodePort FieldValueForbidden']],
    ['bad clusterIP', { clusterIP: '10.96.0.300' }, ['spec.clusterIPs[0] FieldValueInvalid']],
    ['headless NodePort', { type: 'NodePort', clusterIP: 'None' }, ['spec.clusterIPs[0] FieldValueInvalid']],
    ['ExternalName without a name', { type: 'ExternalName', ports: [] }, ['spec.externalName FieldValueRequired']],
    ['externalIPs loopback', { externalIPs: ['127.0.0.1'] }, ['spec.externalIPs[0] FieldValueInvalid']],
    ['selector labels', { selector: { 'a b': 'x' } }, ['spec.selector FieldValueInvalid']],
  ];
  it.each(cases)('%s', (_n, spec, want) => {
    expect(fields(services.validate(created(newService(spec))))).toEqual(want);
  });

  it('service names are DNS-1035 labels', () => {
    const errs = services.validate(created(newService({}, '1web')));
    expect(errs).toHaveLength(1);
    expect(errs[0]!.field).toBe('metadata.name');
    expect(errs[0]!.message).toContain('a DNS-1035 label must consist of lower case alphanumeric characters');
  });

  it('duplicate port message carries the upstream key', () => {
    const errs = services.validate(created(newService({ ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] })));
    expect(errs[0]!.message).toBe('Duplicate value: {"Name":"","Protocol":"TCP","AppProtocol":null,"Port":80,"TargetPort":0,"NodePort":0}');
  });
});

describe('service update', () => {
  function stored(spec: any = {}): any {
    const s = created(newService(spec));
    s.metadata.resourceVersion = '5';
    if (s.spec.type === 'NodePort') s.spec.ports[0].nodePort = 30080;
    s.status = { loadBalancer: {} };
    return s;
  }
  function update(old: any, mutate: (s: any) => void): any {
    const s = JSON.parse(JSON.stringify(old));
    mutate(s);
    services.applyDefaults(s);
    services.prepareForUpdate(s, old);
    return s;
  }

  it('an apply without clusterIP / nodePort keeps the allocated values', () => {
    const old = stored({ type: 'NodePort' });
    const s = update(old, (x) => {
      delete x.spec.clusterIP;
      delete x.spec.clusterIPs;
      delete x.spec.ports[0].nodePort;
      x.spec.selector = { app: 'web2' };
    });
    expect(s.spec.clusterIP).toBe('10.96.0.10');
    expect(s.spec.clusterIPs).toEqual(['10.96.0.10']);
    expect(s.spec.ports[0].nodePort).toBe(30080);
    expect(services.validateUpdate(s, old)).toEqual([]);
  });

  it('clusterIP may not change once set', () => {
    const old = stored();
    const s = update(old, (x) => {
      x.spec.clusterIP = '10.96.0.99';
    });
    expect(s.spec.clusterIPs).toEqual(['10.96.0.99']);
    expect(services.validateUpdate(s, old)).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: 'Invalid value: ["10.96.0.99"]: may not change once set' },
    ]);
  });

  it('NodePort -> ClusterIP drops nodePorts and externalTrafficPolicy', () => {
    const old = stored({ type: 'NodePort' });
    const s = update(old, (x) => {
      x.spec.type = 'ClusterIP';
    });
    expect(s.spec.ports[0].nodePort).toBeUndefined();
    expect(s.spec.externalTrafficPolicy).toBeUndefined();
    expect(services.validateUpdate(s, old)).toEqual([]);
  });

  it('ClusterIP -> ExternalName drops IP fields', () => {
    const old = stored();
    const s = update(old, (x) => {
      x.spec.type = 'ExternalName';
      x.spec.externalName = 'db.example.com';
    });
    expect(s.spec.clusterIP).toBeUndefined();
    expect(s.spec.clusterIPs).toBeUndefined();
    expect(s.spec.ipFamilies).toBeUndefined();
    expect(services.validateUpdate(s, old)).toEqual([]);
  });

  it('main update keeps status; status update keeps spec', () => {
    const old = stored({ type: 'LoadBalancer' });
    const s = update(old, (x) => {
      x.status = { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } };
    });
    expect(s.status).toEqual({ loadBalancer: {} });
    const st = JSON.parse(JSON.stringify(old));
    st.spec.type = 'ClusterIP';
    st.status = { loadBalancer: { ingress: [{ ip: 'bad' }] } };
    services.prepareForStatusUpdate(st, old);
    expect(st.spec.type).toBe('LoadBalancer');
    expect(fields(services.validateStatusUpdate(st, old))).toEqual(['status.loadBalancer.ingress[0].ip FieldValueInvalid']);
  });

  it('field selectors for services', () => {
    const s = stored();
    expect(services.fieldSelectors['spec.clusterIP']!(s)).toBe('10.96.0.10');
    expect(services.fieldSelectors['spec.type']!(s)).toBe('ClusterIP');
  });
});

describe('endpoints and endpoint slices', () => {
  it('endpoints: defaults protocol, validates addresses and ports', () => {
    const ep = {
      metadata: { name: 'web', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '10.244.1.2' }], ports: [{ port: 80 }] }],
    };
    endpoints.applyDefaults(ep);
    expect((ep.subsets[0]!.ports[0] as any).protocol).toBe('TCP');
    expect(endpoints.validate(ep)).toEqual([]);
    const bad = {
      metadata: { name: 'web', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '127.0.0.1' }, { ip: 'x' }], ports: [{ port: 80, protocol: 'TCP' }, { port: 0, protocol: 'TCP' }] }, { ports: [] }],
    };
    expect(fields(endpoints.validate(bad))).toEqual([
      'subsets[0].addresses[0].ip FieldValueInvalid',
      'subsets[0].addresses[1].ip FieldValueInvalid',
      'subsets[0].ports[0].name FieldValueRequired',
      'subsets[0].ports[1].name FieldValueRequired',
      'subsets[0].ports[1].port FieldValueInvalid',
      'subsets[1] FieldValueRequired',
    ]);
  });

  it('endpoint slices', () => {
    const es: any = {
      metadata: { name: 'web-abc', namespace: 'default' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.1.2'], conditions: { ready: true } }],
      ports: [{ port: 80 }],
    };
    slices.applyDefaults(es);
    expect(es.ports[0]).toEqual({ port: 80, protocol: 'TCP', name: '' });
    expect(slices.validate(es)).toEqual([]);
    const bad: any = { metadata: { name: 'x', namespace: 'default' }, addressType: 'IPv5', endpoints: [{ addresses: [] }], ports: [{ port: 80, protocol: 'TCP', name: '' }, { name: '', protocol: 'TCP' }] };
    expect(fields(slices.validate(bad))).toEqual([
      'addressType FieldValueNotSupported',
      'endpoints[0].addresses FieldValueRequired',
      'ports[1].name FieldValueDuplicate',
    ]);
    const v6: any = { metadata: { name: 'x', namespace: 'default' }, addressType: 'IPv4', endpoints: [{ addresses: ['2001:db8::1'] }] };
    expect(slices.validate(v6).map((e) => e.message)).toEqual(['Invalid value: "2001:db8::1": must be an IPv4 address']);
  });
});
