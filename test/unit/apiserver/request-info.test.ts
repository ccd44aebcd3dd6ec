import { describe, expect, it } from 'vitest';
import { decodePathSegment, malformedPathEscape, parseRequestInfo } from '../../../control-plane/apiserver/request-info.js';

describe('parseRequestInfo', () => {
  const cases: [string, string, string, Partial<ReturnType<typeof parseRequestInfo>>][] = [
    ['GET', '/api/v1/namespaces/default/pods', '', { verb: 'list', resource: 'pods', namespace: 'default', name: '', isResourceRequest: true }],
    ['GET', '/api/v1/namespaces/default/pods', 'watch=1', { verb: 'watch', resource: 'pods' }],
    ['GET', '/api/v1/namespaces/default/pods/p1', '', { verb: 'get', name: 'p1' }],
    ['GET', '/api/v1/namespaces/default/pods/p1/log', '', { verb: 'get', name: 'p1', subresource: 'log' }],
    ['POST', '/api/v1/namespaces/default/pods/p1/binding', '', { verb: 'create', subresource: 'binding' }],
    ['DELETE', '/api/v1/namespaces/default/pods', '', { verb: 'deletecollection' }],
    ['PATCH', '/apis/apps/v1/namespaces/ns1/deployments/web/scale', '', { verb: 'patch', group: 'apps', version: 'v1', namespace: 'ns1', resource: 'deployments', name: 'web', subresource: 'scale' }],
    ['GET', '/api/v1/namespaces', '', { verb: 'list', resource: 'namespaces', namespace: '', name: '' }],
    ['GET', '/api/v1/namespaces/kube-system', '', { verb: 'get', resource: 'namespaces', name: 'kube-system', namespace: '' }],
    ['PUT', '/api/v1/namespaces/x/finalize', '', { verb: 'update', resource: 'namespaces', name: 'x', subresource: 'finalize' }],
    ['GET', '/api/v1/pods', '', { verb: 'list', resource: 'pods', namespace: '' }],
    ['GET', '/api/v1/nodes/n1/status', '', { verb: 'get', resource: 'nodes', name: 'n1', subresource: 'status' }],
    ['GET', '/api/v1', '', { isResourceRequest: false, version: 'v1' }],
    // the group's discovery document (/apis/<group>) names its group (it was answered 404 before)
    ['GET', '/apis/apps', '', { isResourceRequest: false, apiPrefix: 'apis', group: 'apps', version: '' }],
    ['GET', '/apis/apps/v1', '', { isResourceRequest: false, group: 'apps', version: 'v1' }],
    ['GET', '/healthz', '', { isResourceRequest: false, verb: 'get' }],
  ];
  for (const [method, path, q, want] of cases) {
    it(`${method} ${path}${q ? '?' + q : ''}`, () => {
      expect(parseRequestInfo(method, path, new URLSearchParams(q))).toMatchObject(want);
    });
  }
});

describe('malformedPathEscape: what Go\'s url.ParseRequestURI refuses before any handler', () => {
  it.each([
    ['/api/v1/namespaces/default/pods', undefined],
    ['/api/v1/namespaces/%64efault/pods', undefined],
    ['/api/v1/namespaces/%zz/pods', '%zz'],
    ['/api/v1/namespaces/default/pods/%', '%'],
    ['/api/v1/namespaces/x%4/pods', '%4/'],
    ['/api/v1/pods?labelSelector=%zz', undefined],
    ['/api/v1/pods%g0?x=1', '%g0'],
  ])('%s', (target, want) => {
    expect(malformedPathEscape(target)).toBe(want);
  });
});

describe('decodePathSegment: never throws', () => {
  it.each([
    ['plain', 'plain'],
    ['a%2Fb', 'a/b'],
    ['%E2%9C%93', '\u2713'],
    ['%ff', '\ufffd'],
    ['x%ffy%41', 'x\ufffdyA'],
  ])('%s', (seg, want) => {
    expect(decodePathSegment(seg)).toBe(want);
  });

  it('a path with a non-UTF-8 escape parses into a name', () => {
    expect(parseRequestInfo('GET', '/api/v1/namespaces/default/pods/%ff', new URLSearchParams()).name).toBe('\ufffd');
  });
});
