/**
 * The aggregation layer's pure decisions: APIService validation (upstream's messages), the printer's cells,
 * endpoint resolution, the Available condition before and after the probe, the headers an extension server gets,
 * and the requestheader authenticator's reading of headers and certificates.
 */
import { describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import {
  apiServiceAvailableCell,
  apiServiceServiceCell,
  defaultAPIService,
  validateAPIService,
  validateAPIServiceStatusUpdate,
  withAPIServiceCondition,
  type APIServiceObject,
} from '../../../api/strategies/apiregistration.js';
import {
  aggregatedRequestHeaders,
  availabilityPrecheck,
  groupVersionOfPath,
  localAPIService,
  probeCondition,
  resolveCluster,
  resolveEndpoint,
} from '../../../control-plane/apiserver/aggregator.js';
import { authProxyHeaders, commonNameOf, subjectAllowed, userFromRequestHeaders, verifyClientCertificate } from '../../../control-plane/apiserver/requestheader.js';
import { extensionAuthenticationData } from '../../../control-plane/apiserver/extension-auth-configmap.js';
import { createCA, createCertificate } from '../../../api/tls/certs.js';

function svc(spec: Record<string, unknown> = {}): APIServiceObject {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: 'v1beta1.metrics.k8s.io' },
    spec: { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, service: { namespace: 'kube-system', name: 'metrics-server', port: 443 }, insecureSkipTLSVerify: true, ...spec },
  } as APIServiceObject;
}
const messages = (s: APIServiceObject): string[] => validateAPIService(s).map((c) => `${c.field}: ${c.message}`);

describe('APIService validation (kube-aggregator ValidateAPIService)', () => {
  const table: Array<[string, APIServiceObject, string[]]> = [
    ['a valid remote APIService', svc(), []],
    ['a valid local one', { ...svc({ service: undefined, insecureSkipTLSVerify: undefined }) }, []],
    ['the name must be <version>.<group>', { ...svc(), metadata: { name: 'metrics' } }, ['metadata.name: Invalid value: "metrics": must be `spec.version+"."+spec.group`: "v1beta1.metrics.k8s.io"']],
    ['a name with a slash is a bad path segment first', { ...svc(), metadata: { name: 'a/b' } }, ['metadata.name: Invalid value: "a/b": may not contain \'/\'']],
    ['only v1 may have no group', { ...svc({ group: '', version: 'v2' }), metadata: { name: 'v2.' } }, ['spec.group: Required value: only v1 may have an empty group and it better be legacy kube']],
    ['groupPriorityMinimum in 1..20000', svc({ groupPriorityMinimum: 20001 }), ['spec.groupPriorityMinimum: Invalid value: 20001: must be positive and less than 20000']],
    ['versionPriority in 1..1000', svc({ versionPriority: 0 }), ['spec.versionPriority: Invalid value: 0: must be positive and less than 1000']],
    ['a local APIService has no caBundle', svc({ service: undefined, insecureSkipTLSVerify: undefined, caBundle: Buffer.from('abcd').toString('base64') }), ['spec.caBundle: Invalid value: "4 bytes": local APIServices may not have a caBundle']],
    ['nor insecureSkipTLSVerify', svc({ service: undefined }), ['spec.insecureSkipTLSVerify: Invalid value: true: local APIServices may not have insecureSkipTLSVerify']],
    ['a service needs its namespace and name', svc({ service: { port: 443 } }), ['spec.service.namespace: Required value', 'spec.service.name: Required value']],
    ['and a valid port', svc({ service: { namespace: 'a', name: 'b', port: 70000 } }), ['spec.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive']],
    ['caBundle and insecureSkipTLSVerify together', svc({ caBundle: Buffer.from('x').toString('base64') }), ['spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present']],
  ];
  for (const [name, obj, want] of table) it(name, () => expect(messages(obj)).toEqual(want));

  it('defaults the service port to 443', () => {
    const s = svc({ service: { namespace: 'a', name: 'b' } });
    defaultAPIService(s);
    expect(s.spec?.service?.port).toBe(443);
  });

  it('a status condition must be True, False or Unknown', () => {
    const next = { ...svc(), status: { conditions: [{ type: 'Available', status: 'Maybe' }] } } as APIServiceObject;
    expect(validateAPIServiceStatusUpdate(next, svc()).filter((c) => c.field?.startsWith('status')).map((c) => `${c.field}: ${c.message}`)).toEqual([
      'status.conditions[0].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
    ]);
  });
});

describe('the APIService printer', () => {
  const withCond = (c: Record<string, string> | undefined): APIServiceObject => ({ ...svc(), status: c ? { conditions: [{ type: 'Available', ...c } as never] } : {} });
  it.each([
    [undefined, 'Unknown'],
    [{ status: 'True', reason: 'Passed' }, 'True'],
    [{ status: 'False', reason: 'MissingEndpoints' }, 'False (MissingEndpoints)'],
    [{ status: 'False' }, 'False'],
  ])('AVAILABLE of %j is %s', (c, want) => expect(apiServiceAvailableCell(withCond(c))).toBe(want));
  it('SERVICE is Local or namespace/name', () => {
    expect(apiServiceServiceCell(svc())).toBe('kube-system/metrics-server');
    expect(apiServiceServiceCell(svc({ service: undefined }))).toBe('Local');
  });
  it('a condition keeps its lastTransitionTime while its status stays', () => {
    const once = withAPIServiceCondition([], { type: 'Available', status: 'False', reason: 'A', message: 'a' }, 't1');
    const again = withAPIServiceCondition(once, { type: 'Available', status: 'False', reason: 'B', message: 'b' }, 't2');
    expect(again).toEqual([{ type: 'Available', status: 'False', reason: 'B', message: 'b', lastTransitionTime: 't1' }]);
    expect(withAPIServiceCondition(again, { type: 'Available', status: 'True', reason: 'Passed', message: 'm' }, 't3')[0]!.lastTransitionTime).toBe('t3');
  });
});

const service = (type = 'ClusterIP', ports = [{ port: 443, name: 'https' }]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'metrics-server', namespace: 'kube-system' }, spec: { type, clusterIP: '10.96.0.50', ports } });
const endpoints = (subsets: unknown[]) => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'metrics-server', namespace: 'kube-system' }, subsets }) as never;

describe('where an APIService is reached', () => {
  it('a ready address of the subset with the Service port\'s name (aggregator routing)', () => {
    const eps = endpoints([{ addresses: [{ ip: '10.244.1.5' }], ports: [{ name: 'https', port: 10250 }] }]);
    expect(resolveEndpoint(service() as never, eps, 'metrics-server', 443)).toEqual({ host: '10.244.1.5', port: 10250 });
  });
  it.each([
    ['no Service', undefined, undefined, 'service "metrics-server" not found'],
    ['no such Service port', service() as never, undefined, 'no service port 8443 found for service "metrics-server"'],
    ['no endpoints', service() as never, endpoints([]), 'no endpoints available for service "metrics-server"'],
    ['no address with that port name', service() as never, endpoints([{ addresses: [{ ip: '10.244.1.5' }], ports: [{ name: 'other', port: 1 }] }]), 'no endpoints available for service "metrics-server"'],
  ])('%s', (_n, s, e, error) => {
    const port = _n === 'no such Service port' ? 8443 : 443;
    expect(resolveEndpoint(s, e, 'metrics-server', port)).toEqual({ error });
  });
  it('without aggregator routing: the ClusterIP and the Service port', () => {
    expect(resolveCluster(service() as never, 'metrics-server', 443)).toEqual({ host: '10.96.0.50', port: 443 });
    expect(resolveCluster({ ...service(), spec: { ...service().spec, clusterIP: 'None' } } as never, 'metrics-server', 443)).toEqual({ error: 'cannot route to service with ClusterIP "None"' });
  });
});

describe('the Available condition', () => {
  const cond = (s: APIServiceObject, sv: unknown, e: unknown) => availabilityPrecheck(s, sv as never, e as never);
  it.each([
    ['no Service', undefined, undefined, 'ServiceNotFound', 'service/metrics-server in "kube-system" is not present'],
    ['no such port', service('ClusterIP', [{ port: 8443, name: '' }]), undefined, 'ServicePortError', 'service/metrics-server in "kube-system" is not listening on port 443'],
    ['no Endpoints', service(), undefined, 'EndpointsNotFound', 'cannot find endpoints for service/metrics-server in "kube-system"'],
    ['no ready address', service(), endpoints([{ notReadyAddresses: [{ ip: '10.244.1.5' }], ports: [{ name: 'https', port: 10250 }] }]), 'MissingEndpoints', 'endpoints for service/metrics-server in "kube-system" have no addresses with port name "https"'],
  ])('%s: False %s', (_n, sv, e, reason, message) => {
    expect(cond(svc(), sv, e)).toEqual({ condition: { type: 'Available', status: 'False', reason, message } });
  });
  it('a ready endpoint: the discovery probe decides', () => {
    expect(cond(svc(), service(), endpoints([{ addresses: [{ ip: '10.244.1.5' }], ports: [{ name: 'https', port: 10250 }] }]))).toEqual({ probe: true });
  });
  it('a Local APIService is always available', () => {
    expect(cond(svc({ service: undefined }), undefined, undefined)).toEqual({ condition: { type: 'Available', status: 'True', reason: 'Local', message: 'Local APIServices are always available' } });
  });
  it('one probe of five passing is enough; all failing is FailedDiscoveryCheck with the last error', () => {
    expect(probeCondition(['a', undefined, 'b'])).toMatchObject({ status: 'True', reason: 'Passed', message: 'all checks passed' });
    expect(probeCondition(['a', 'b'])).toEqual({ type: 'Available', status: 'False', reason: 'FailedDiscoveryCheck', message: 'b' });
  });
});

describe('what an extension server is sent', () => {
  it('the user as X-Remote-*, never the caller\'s Authorization, impersonation or X-Remote headers, nor hop-by-hop ones', () => {
    const h = aggregatedRequestHeaders(
      { authorization: 'Bearer secret', 'impersonate-user': 'x', 'x-remote-user': 'mallory', 'x-remote-group': 'evil', connection: 'keep-alive, x-drop', 'x-drop': '1', accept: 'application/json', host: 'api:6443' },
      { name: 'jane', groups: ['dev', 'system:authenticated'], extra: { 'example.com/scope': ['a', 'b'] } },
    );
    expect(h).toEqual({
      accept: 'application/json',
      'X-Remote-User': 'jane',
      'X-Remote-Group': ['dev', 'system:authenticated'],
      'X-Remote-Extra-example.com%2Fscope': ['a', 'b'],
    });
  });
  it('extra keys escaped as client-go does (only unreserved characters stay)', () => {
    expect(authProxyHeaders({ name: 'u', groups: [], extra: { "a b!'": ['v'] } })).toEqual([['X-Remote-User', 'u'], ['X-Remote-Extra-a%20b%21%27', 'v']]);
  });
  it('paths of a group version', () => {
    expect(groupVersionOfPath('/apis/metrics.k8s.io/v1beta1/nodes')).toEqual({ group: 'metrics.k8s.io', version: 'v1beta1' });
    expect(groupVersionOfPath('/apis/metrics.k8s.io')).toBeUndefined();
    expect(groupVersionOfPath('/api/v1/pods')).toBeUndefined();
  });
  it('autoregister: built-in group versions with upstream\'s priorities, others (CRDs) with 1000/100', () => {
    expect(localAPIService('apps', 'v1').spec).toEqual({ group: 'apps', version: 'v1', groupPriorityMinimum: 17800, versionPriority: 15 });
    expect(localAPIService('', 'v1').metadata?.name).toBe('v1.');
    expect(localAPIService('stable.example.com', 'v1')).toMatchObject({ metadata: { labels: { 'kube-aggregator.kubernetes.io/automanaged': 'true' } }, spec: { groupPriorityMinimum: 1000, versionPriority: 100 } });
  });
});

describe('the requestheader authenticator', () => {
  const cfg = { usernameHeaders: ['X-Remote-User'], groupHeaders: ['X-Remote-Group'], extraHeaderPrefixes: ['X-Remote-Extra-'] };
  it('the first non-empty username header, every group value, extras by lower-cased unescaped key', () => {
    expect(userFromRequestHeaders({ 'x-remote-user': ['', 'bob'], 'x-remote-group': ['a', '', 'b,c'], 'x-remote-extra-example.com%2fscope': ['s'] }, cfg)).toEqual({
      name: 'bob',
      groups: ['a', 'b,c'],
      extra: { 'example.com/scope': ['s'] },
    });
  });
  it('no username: not this authenticator\'s request', () => {
    expect(userFromRequestHeaders({ 'x-remote-group': ['a'] }, cfg)).toBeUndefined();
  });
  it('an empty allowed-names list allows every name; otherwise upstream\'s error', () => {
    expect(subjectAllowed('x', [])).toBeUndefined();
    expect(subjectAllowed('x', ['front-proxy-client'])).toBe('x509: subject with cn=x is not in the allowed list');
  });
  it('a certificate verifies only against the CA that signed it, for client auth', () => {
    const ca = createCA('fp');
    const other = createCA('other');
    const client = new X509Certificate(createCertificate({ ca, commonName: 'front-proxy-client', clientAuth: true }).certPem);
    const server = new X509Certificate(createCertificate({ ca, commonName: 'srv', serverAuth: true }).certPem);
    const cas = [new X509Certificate(ca.certPem)];
    expect(commonNameOf(client)).toBe('front-proxy-client');
    expect(verifyClientCertificate(client, cas, new Date())).toBeUndefined();
    expect(verifyClientCertificate(client, [new X509Certificate(other.certPem)], new Date())).toBe('x509: certificate signed by unknown authority');
    expect(verifyClientCertificate(server, cas, new Date())).toBe('x509: certificate specifies an incompatible key usage');
    expect(verifyClientCertificate(client, cas, new Date(Date.now() + 400 * 86_400_000))).toBe('x509: certificate has expired or is not yet valid');
  });
  it('the ConfigMap data: PEMs and JSON lists', () => {
    const data = extensionAuthenticationData('CLIENT', { clientCAPem: 'FP', clientCAs: [], allowedNames: ['front-proxy-client'], ...cfg });
    expect(data).toEqual({
      'client-ca-file': 'CLIENT',
      'requestheader-client-ca-file': 'FP',
      'requestheader-allowed-names': '["front-proxy-client"]',
      'requestheader-username-headers': '["X-Remote-User"]',
      'requestheader-group-headers': '["X-Remote-Group"]',
      'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
    });
    expect(extensionAuthenticationData(undefined, undefined)).toEqual({});
  });
});
