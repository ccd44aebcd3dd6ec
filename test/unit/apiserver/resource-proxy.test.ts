/** pods/proxy and services/proxy decisions (resource-proxy.ts): ids, allowed addresses, the pod's and the service's target. */
import { describe, expect, it } from 'vitest';
import {
  dialErrorMessage, invalidPortMessage, isGlobalUnicast, parseProxyId, podProxyLocation, proxiedPath,
  serviceProxyLocation, servicePortName, splitSchemeNamePort, targetUrl, type ProxyId,
} from '../../../control-plane/apiserver/resource-proxy.js';
import { KubeError } from '../../../api/errors.js';
import type { Endpoints, Pod, Relaxed, Service } from '../../../api/types/index.js';

function thrown(f: () => unknown): KubeError {
  try {
    f();
  } catch (e) {
    if (e instanceof KubeError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('splitSchemeNamePort (upstream utilnet.SplitSchemeNamePort)', () => {
  const cases: [string, ProxyId | undefined][] = [
    ['nginx', { scheme: '', name: 'nginx', port: '' }],
    ['nginx:80', { scheme: '', name: 'nginx', port: '80' }],
    ['nginx:http', { scheme: '', name: 'nginx', port: 'http' }],
    ['https:nginx:443', { scheme: 'https', name: 'nginx', port: '443' }],
    ['http:nginx:', { scheme: 'http', name: 'nginx', port: '' }],
    ['nginx:', { scheme: '', name: 'nginx', port: '' }],
    [':80', undefined],
    ['', undefined],
    ['ftp:nginx:21', undefined],
    ['a:b:c:d', undefined],
  ];
  for (const [id, want] of cases) it(JSON.stringify(id), () => expect(splitSchemeNamePort(id)).toEqual(want));

  it('an invalid id is upstream 400 naming the kind', () => {
    const e = thrown(() => parseProxyId('pod', 'a:b:c:d'));
    expect(e.httpStatus).toBe(400);
    expect(e.message).toBe('invalid pod request "a:b:c:d"');
    expect(thrown(() => parseProxyId('service', 'ftp:x:1')).message).toBe('invalid service request "ftp:x:1"');
  });
});

describe('isGlobalUnicast (Go net.IP.IsGlobalUnicast)', () => {
  const cases: [string, boolean][] = [
    ['10.244.1.5', true],
    ['192.168.56.21', true],
    ['8.8.8.8', true],
    ['2001:db8::1', true],
    ['127.0.0.1', false],
    ['127.9.9.9', false],
    ['0.0.0.0', false],
    ['169.254.169.254', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['ff02::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:10.0.0.1', true],
    ['', false],
    ['localhost', false],
    ['10.0.0.256', false],
  ];
  for (const [ip, want] of cases) it(`${JSON.stringify(ip)} -> ${want}`, () => expect(isGlobalUnicast(ip)).toBe(want));
});

const pod = (ip: string | undefined, ports: number[] = []): Relaxed<Pod> => ({
  metadata: { name: 'web', namespace: 'default' },
  spec: { containers: [{ name: 'side', image: 'x' }, { name: 'c', image: 'x', ports: ports.map((containerPort) => ({ containerPort })) }] },
  status: ip === undefined ? {} : { podIP: ip, podIPs: [{ ip }] },
});

describe('podProxyLocation (upstream pod ResourceLocation)', () => {
  it('the port given, http by default', () => {
    expect(podProxyLocation({ scheme: '', name: 'web', port: '8080' }, pod('10.244.1.5', [80]))).toEqual({ scheme: 'http', host: '10.244.1.5', port: '8080' });
  });
  it('no port: the first declared container port, searching the containers in order', () => {
    expect(podProxyLocation({ scheme: '', name: 'web', port: '' }, pod('10.244.1.5', [8443, 9000]))).toEqual({ scheme: 'http', host: '10.244.1.5', port: '8443' });
  });
  it('no port and none declared: the scheme default', () => {
    expect(podProxyLocation({ scheme: 'https', name: 'web', port: '' }, pod('10.244.1.5'))).toEqual({ scheme: 'https', host: '10.244.1.5', port: '' });
  });
  for (const ip of [undefined, '127.0.0.1', '169.254.169.254', '0.0.0.0', '::1', 'fe80::1']) {
    it(`pod IP ${ip ?? '(none)'}: 400 address not allowed`, () => {
      const e = thrown(() => podProxyLocation({ scheme: '', name: 'web', port: '80' }, pod(ip)));
      expect([e.httpStatus, e.message]).toEqual([400, 'address not allowed']);
    });
  }
});

const svc: Relaxed<Service> = { metadata: { name: 'nginx' }, spec: { ports: [{ name: 'web', port: 80 }, { name: 'metrics', port: 9090 }] } };

describe('servicePortName', () => {
  it('a number is the service port of that number, by its name', () => {
    expect(servicePortName({ scheme: '', name: 'nginx', port: '9090' }, svc)).toBe('metrics');
  });
  it('a name or nothing is taken as is', () => {
    expect(servicePortName({ scheme: '', name: 'nginx', port: 'web' }, undefined)).toBe('web');
    expect(servicePortName({ scheme: '', name: 'nginx', port: '' }, undefined)).toBe('');
  });
  it('an unknown number is 503 as upstream', () => {
    const e = thrown(() => servicePortName({ scheme: '', name: 'nginx', port: '81' }, svc));
    expect([e.httpStatus, e.reason, e.message]).toEqual([503, 'ServiceUnavailable', 'no service port 81 found for service "nginx"']);
  });
});

describe('serviceProxyLocation (upstream service ResourceLocation)', () => {
  const pods: Record<string, Relaxed<Pod>> = {
    a: pod('10.244.1.5'),
    b: pod('10.244.2.7'),
  };
  const podOf = (name: string) => pods[name];
  const addr = (ip: string, name: string, namespace = 'default') => ({ ip, targetRef: { kind: 'Pod', namespace, name } });
  const id: ProxyId = { scheme: '', name: 'nginx', port: '80' };
  const eps = (subsets: NonNullable<Relaxed<Endpoints>['subsets']>): Relaxed<Endpoints> => ({ metadata: { name: 'nginx' }, subsets });

  it('no subsets: 503 no endpoints available', () => {
    const e = thrown(() => serviceProxyLocation(id, 'web', eps([]), 'default', podOf));
    expect([e.httpStatus, e.message]).toEqual([503, 'no endpoints available for service "nginx"']);
  });
  it('picks a ready address of a subset with the port of that name, and its endpoint port', () => {
    const e = eps([
      { addresses: [addr('10.244.2.7', 'b')], ports: [{ name: 'other', port: 1 }] },
      { addresses: [addr('10.244.1.5', 'a')], notReadyAddresses: [addr('10.244.9.9', 'b')], ports: [{ name: 'web', port: 8080 }] },
    ]);
    expect(serviceProxyLocation(id, 'web', e, 'default', podOf, () => 0)).toEqual({ scheme: 'http', host: '10.244.1.5', port: '8080' });
    expect(serviceProxyLocation(id, 'web', e, 'default', podOf, () => 0.99)).toEqual({ scheme: 'http', host: '10.244.1.5', port: '8080' });
  });
  it('the random seed chooses among addresses', () => {
    const e = eps([{ addresses: [addr('10.244.1.5', 'a'), addr('10.244.2.7', 'b')], ports: [{ port: 80 }] }]);
    expect(serviceProxyLocation({ ...id, port: '' }, '', e, 'default', podOf, () => 0).host).toBe('10.244.1.5');
    expect(serviceProxyLocation({ ...id, port: '' }, '', e, 'default', podOf, () => 0.6).host).toBe('10.244.2.7');
  });
  it('only not-ready addresses: 503', () => {
    const e = eps([{ notReadyAddresses: [addr('10.244.1.5', 'a')], ports: [{ name: 'web', port: 80 }] }]);
    expect(thrown(() => serviceProxyLocation(id, 'web', e, 'default', podOf)).message).toBe('no endpoints available for service "nginx"');
  });
  it('skips addresses that are not the IP of the pod they name, of another namespace, or not global unicast', () => {
    const bad = eps([
      {
        addresses: [
          { ip: '10.244.1.5' }, // no targetRef
          addr('10.244.1.5', 'a', 'other'), // another namespace
          addr('10.244.3.3', 'a'), // not the pod's IP
          addr('10.244.1.5', 'missing'), // no such pod
          addr('127.0.0.1', 'a'), // loopback
        ],
        ports: [{ name: 'web', port: 80 }],
      },
    ]);
    expect(thrown(() => serviceProxyLocation(id, 'web', bad, 'default', podOf)).httpStatus).toBe(503);
    const loopbackPod = eps([{ addresses: [addr('127.0.0.1', 'lo')], ports: [{ name: 'web', port: 80 }] }]);
    expect(thrown(() => serviceProxyLocation(id, 'web', loopbackPod, 'default', () => pod('127.0.0.1'))).httpStatus).toBe(503);
  });
  it('the scheme given is kept', () => {
    const e = eps([{ addresses: [addr('10.244.1.5', 'a')], ports: [{ name: 'web', port: 8443 }] }]);
    expect(serviceProxyLocation({ ...id, scheme: 'https' }, 'web', e, 'default', podOf)).toEqual({ scheme: 'https', host: '10.244.1.5', port: '8443' });
  });
});

describe('paths, redirects and errors', () => {
  it('the path after /proxy, raw, with its trailing slash', () => {
    expect(proxiedPath('/api/v1/namespaces/default/pods/web:80/proxy', 7)).toEqual({ prefix: '/api/v1/namespaces/default/pods/web:80/proxy', rest: '' });
    expect(proxiedPath('/api/v1/namespaces/default/pods/web:80/proxy/', 7).rest).toBe('/');
    expect(proxiedPath('/api/v1/namespaces/default/services/nginx/proxy/a%20b/c/', 7).rest).toBe('/a%20b/c/');
  });
  it('the target URL: default ports by scheme, the query as sent', () => {
    expect(targetUrl({ scheme: 'http', host: '10.244.1.5', port: '' }, '/', '')).toEqual({ host: '10.244.1.5', port: 80, path: '/' });
    expect(targetUrl({ scheme: 'https', host: '10.244.1.5', port: '' }, '', 'a=1&b=%20')).toEqual({ host: '10.244.1.5', port: 443, path: '/?a=1&b=%20' });
    expect(targetUrl({ scheme: 'http', host: '10.244.1.5', port: '8080' }, '/x', '')).toEqual({ host: '10.244.1.5', port: 8080, path: '/x' });
  });
  it('a port that is no number or out of range cannot be dialled, in Go dialer words', () => {
    expect(invalidPortMessage({ scheme: 'http', host: '10.0.0.1', port: 'http' })).toBe('dial tcp: address tcp/http: unknown port');
    expect(invalidPortMessage({ scheme: 'http', host: '10.0.0.1', port: '70000' })).toBe('dial tcp: address 70000: invalid port');
    expect(invalidPortMessage({ scheme: 'http', host: '10.0.0.1', port: '80' })).toBeUndefined();
  });
  it('dial errors in Go words, as upstream wraps them', () => {
    const loc = { scheme: 'http' as const, host: '10.244.1.5', port: '81' };
    expect(dialErrorMessage({ code: 'ECONNREFUSED' }, loc)).toBe('error trying to reach service: dial tcp 10.244.1.5:81: connect: connection refused');
    expect(dialErrorMessage({ code: 'EHOSTUNREACH' }, { ...loc, port: '' })).toBe('error trying to reach service: dial tcp 10.244.1.5:80: connect: no route to host');
  });
});
