/**
 * CRD validation rules (x-kubernetes-validations, CEL) over a real etcd with the real kubectl: a CRD with rules
 * is served, its objects failing a rule get a 422 with every failing rule's cause (nothing stored) on create,
 * update, patch and status writes, transition rules see the old object. Then the acceptance of issue 11: the
 * Gateway API v1.3.0 standard-channel CRDs, as upstream publishes them, apply with `kubectl apply -f` and become
 * Established, and their objects validate (schema and CEL), default and prune as on a real cluster.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl, kubectlOk } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

const ok = (args: string[], input?: string): Promise<string> => kubectlOk(s.h, args, input);

const GATEWAY_CRDS = join(import.meta.dirname, '../../fixtures/gateway-api/v1.3.0');

const WIDGET_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.cel.example.com
spec:
  group: cel.example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-validations:
        - rule: self.metadata.name != 'forbidden'
          message: this name is reserved
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: self.minReplicas <= self.replicas
              message: replicas must be at least minReplicas
            - rule: "!has(self.legacy)"
              reason: FieldValueForbidden
              fieldPath: .legacy
              message: legacy is gone
            - rule: self.size == oldSelf.size
              message: size is immutable
            properties:
              replicas: {type: integer}
              minReplicas: {type: integer, default: 1}
              size: {type: string}
              legacy: {type: string}
              name:
                type: string
                x-kubernetes-validations:
                - rule: self.lowerAscii() == self
                  messageExpression: "'name ' + self + ' must be lower case'"
          status:
            type: object
            properties:
              ready:
                type: integer
                x-kubernetes-validations:
                - rule: self >= 0
                  message: ready may not be negative
`;

const widget = (name: string, spec: string): string => `apiVersion: cel.example.com/v1\nkind: Widget\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

describe('CEL validation rules on a custom resource', () => {
  it('a CRD with rules is Established', async () => {
    expect(await ok(['apply', '-f', '-'], WIDGET_CRD)).toContain('customresourcedefinition.apiextensions.k8s.io/widgets.cel.example.com created');
    await ok(['wait', '--for=condition=Established', 'crd/widgets.cel.example.com', '--timeout=30s']);
  });

  it('an object passing its rules is stored; one failing them is a 422 with every failing rule, nothing stored', async () => {
    expect(await ok(['apply', '-f', '-'], widget('w1', '  replicas: 2\n  size: small\n  name: abc\n'))).toContain('widget.cel.example.com/w1 created');
    const r = await api(s.h, 'POST', '/apis/cel.example.com/v1/namespaces/default/widgets', {
      apiVersion: 'cel.example.com/v1', kind: 'Widget', metadata: { name: 'w2' },
      spec: { replicas: 1, minReplicas: 3, legacy: 'x', size: 'big', name: 'ABC' },
    });
    expect(r.status).toBe(422);
    const body = r.json();
    expect(body.reason).toBe('Invalid');
    expect(body.details.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "object": replicas must be at least minReplicas' },
      { reason: 'FieldValueForbidden', field: 'spec.legacy', message: 'Forbidden: legacy is gone' },
      { reason: 'FieldValueInvalid', field: 'spec.name', message: 'Invalid value: "string": name ABC must be lower case' },
    ]);
    expect(body.message).toBe('Widget.cel.example.com "w2" is invalid: [spec: Invalid value: "object": replicas must be at least minReplicas, spec.legacy: Forbidden: legacy is gone, spec.name: Invalid value: "string": name ABC must be lower case]');
    expect(await s.backend.get('/registry/cel.example.com/widgets/default/w2')).toBeNull();
  });

  it('a rule at the root names no field (upstream prints its nil path as <nil>)', async () => {
    const r = await kubectl(s.h, ['apply', '-f', '-'], { input: widget('forbidden', '  replicas: 2\n') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Widget "forbidden" is invalid: <nil>: Invalid value: "object": this name is reserved');
  });

  it('defaults are applied before the rules run', async () => {
    // minReplicas defaults to 1, so replicas 0 breaks the first rule
    const r = await kubectl(s.h, ['apply', '-f', '-'], { input: widget('w3', '  replicas: 0\n') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec: Invalid value: "object": replicas must be at least minReplicas');
  });

  it('a transition rule refuses an update (apply and patch) and leaves the stored object as it was', async () => {
    const r = await kubectl(s.h, ['apply', '-f', '-'], { input: widget('w1', '  replicas: 2\n  size: large\n  name: abc\n') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Widget "w1" is invalid: spec: Invalid value: "object": size is immutable');
    const p = await kubectl(s.h, ['patch', 'widget', 'w1', '--type=merge', '-p', '{"spec":{"size":"tiny"}}']);
    expect(p.code).not.toBe(0);
    expect(p.stderr).toContain('spec: Invalid value: "object": size is immutable');
    expect(JSON.parse(await ok(['get', 'widget', 'w1', '-o', 'json'])).spec.size).toBe('small');
    expect(await ok(['patch', 'widget', 'w1', '--type=merge', '-p', '{"spec":{"replicas":5}}'])).toContain('patched');
  });

  it('rules on status run on status writes', async () => {
    const cur = JSON.parse(await ok(['get', 'widget', 'w1', '-o', 'json']));
    const bad = await api(s.h, 'PUT', '/apis/cel.example.com/v1/namespaces/default/widgets/w1/status', { ...cur, status: { ready: -1 } });
    expect(bad.status).toBe(422);
    expect(bad.json().details.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'status.ready', message: 'Invalid value: "integer": ready may not be negative' }]);
    const good = await api(s.h, 'PUT', '/apis/cel.example.com/v1/namespaces/default/widgets/w1/status', { ...cur, status: { ready: 2 } });
    expect(good.status).toBe(200);
  });

  it('a value of the wrong type skips the rules with upstream\'s cause', async () => {
    const r = await api(s.h, 'POST', '/apis/cel.example.com/v1/namespaces/default/widgets', { apiVersion: 'cel.example.com/v1', kind: 'Widget', metadata: { name: 'w4' }, spec: { replicas: 'two' } });
    expect(r.status).toBe(422);
    expect(r.json().details.causes).toContainEqual({ reason: 'FieldValueInvalid', field: '<nil>', message: 'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation' });
  });
});

const GATEWAY_CLASS = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: lab
spec:
  controllerName: example.com/gateway-controller
`;

const GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  gatewayClassName: lab
  listeners:
  - name: http
    protocol: HTTP
    port: 80
    bogusField: pruned
`;

describe('the Gateway API v1.3.0 standard-channel CRDs (issue 11 acceptance)', () => {
  it('apply with kubectl apply -f and all become Established', async () => {
    const out = await ok(['apply', '-f', GATEWAY_CRDS]);
    for (const n of ['gatewayclasses', 'gateways', 'grpcroutes', 'httproutes', 'referencegrants']) {
      expect(out).toContain(`customresourcedefinition.apiextensions.k8s.io/${n}.gateway.networking.k8s.io created`);
    }
    await ok(['wait', '--for=condition=Established', '--timeout=60s', 'crd/gatewayclasses.gateway.networking.k8s.io', 'crd/gateways.gateway.networking.k8s.io', 'crd/grpcroutes.gateway.networking.k8s.io', 'crd/httproutes.gateway.networking.k8s.io', 'crd/referencegrants.gateway.networking.k8s.io']);
    // applying the same files again: kubectl sends the files' creationTimestamp: null and status stanza (so it
    // says "configured", as against a real cluster), and the server changes nothing of the specs
    expect(await ok(['apply', '-f', GATEWAY_CRDS])).toContain('httproutes.gateway.networking.k8s.io configured');
    const crd = JSON.parse(await ok(['get', 'crd', 'httproutes.gateway.networking.k8s.io', '-o', 'json']));
    expect(crd.metadata.generation).toBe(1);
    expect(crd.status.storedVersions).toEqual(['v1']);
  }, 90_000);

  it('a GatewayClass validates; its controllerName is immutable (a transition rule)', async () => {
    expect(await ok(['apply', '-f', '-'], GATEWAY_CLASS)).toContain('gatewayclass.gateway.networking.k8s.io/lab created');
    const r = await kubectl(s.h, ['apply', '-f', '-'], { input: GATEWAY_CLASS.replace('example.com/gateway-controller', 'example.com/other') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.controllerName: Invalid value: "string": Value is immutable');
  });

  it('a Gateway validates, its listener allowedRoutes defaulted, unknown fields pruned (refused by kubectl\'s strict validation)', async () => {
    const strict = await kubectl(s.h, ['apply', '-f', '-'], { input: GATEWAY });
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain('Gateway in version "v1" cannot be handled as a Gateway: strict decoding error: unknown field "spec.listeners[0].bogusField"');
    const r = await api(s.h, 'POST', '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways', {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw' },
      spec: { gatewayClassName: 'lab', listeners: [{ name: 'http', protocol: 'HTTP', port: 80, bogusField: 'pruned' }] },
    });
    expect(r.status).toBe(201);
    const gw = JSON.parse(await ok(['get', 'gateway', 'gw', '-o', 'json']));
    expect(gw.spec.listeners).toEqual([{ name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'Same' } } }]);
  });

  it('Gateway listener rules: hostname with TCP, tls with HTTP and duplicate names get their exact messages', async () => {
    const r = await api(s.h, 'POST', '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways', {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'bad' },
      spec: {
        gatewayClassName: 'lab',
        listeners: [
          { name: 'a', protocol: 'TCP', port: 9000, hostname: 'example.com' },
          { name: 'a', protocol: 'HTTP', port: 80, tls: { mode: 'Terminate', certificateRefs: [{ name: 'cert' }] } },
        ],
      },
    });
    expect(r.status).toBe(422);
    const causes = r.json().details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`);
    expect(causes).toEqual(expect.arrayContaining([
      "spec.listeners: Invalid value: \"array\": tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
      "spec.listeners: Invalid value: \"array\": hostname must not be specified for protocols ['TCP', 'UDP']",
      'spec.listeners: Invalid value: "array": Listener name must be unique within the Gateway',
    ]));
    expect(await s.backend.get('/registry/gateway.networking.k8s.io/gateways/default/bad')).toBeNull();
  });

  it('an HTTPRoute validates and its matches default to PathPrefix /', async () => {
    const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
  - name: gw
  hostnames: [www.example.com]
  rules:
  - backendRefs:
    - name: web
      port: 8080
`;
    expect(await ok(['apply', '-f', '-'], route)).toContain('httproute.gateway.networking.k8s.io/web created');
    const hr = JSON.parse(await ok(['get', 'httproute', 'web', '-o', 'json']));
    expect(hr.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }]);
    expect(hr.spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
    expect(hr.spec.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'web', port: 8080, weight: 1 }]);
  });

  it('HTTPRoute filter rules: a repeated filter and a redirect with backendRefs get their exact messages', async () => {
    const r = await api(s.h, 'POST', '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes', {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'bad' },
      spec: {
        rules: [{
          backendRefs: [{ name: 'web', port: 8080 }],
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x', value: '1' }] } },
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'y', value: '2' }] } },
            { type: 'RequestRedirect', requestRedirect: { statusCode: 301 } },
          ],
        }],
      },
    });
    expect(r.status).toBe(422);
    const causes = r.json().details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`);
    expect(causes).toEqual([
      'spec.rules[0]: Invalid value: "object": RequestRedirect filter must not be used together with backendRefs',
      'spec.rules[0].filters: Invalid value: "array": RequestHeaderModifier filter cannot be repeated',
    ]);
    // a path match that is not a valid path
    const p = await api(s.h, 'POST', '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes', {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'bad2' },
      spec: { rules: [{ matches: [{ path: { type: 'PathPrefix', value: 'no-slash' } }] }] },
    });
    expect(p.status).toBe(422);
    expect(p.json().details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`)).toContain('spec.rules[0].matches[0].path: Invalid value: "object": value must be an absolute path and start with \'/\' when type one of [\'Exact\', \'PathPrefix\']');
  });

  it('a GRPCRoute and a ReferenceGrant validate', async () => {
    const grpc = `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  name: grpc
spec:
  parentRefs:
  - name: gw
  rules:
  - matches:
    - method:
        service: com.example.Things
        method: Get
    backendRefs:
    - name: things
      port: 50051
`;
    expect(await ok(['apply', '-f', '-'], grpc)).toContain('grpcroute.gateway.networking.k8s.io/grpc created');
    const g = JSON.parse(await ok(['get', 'grpcroute', 'grpc', '-o', 'json']));
    expect(g.spec.rules[0].matches[0].method.type).toBe('Exact');
    const badGrpc = await api(s.h, 'POST', '/apis/gateway.networking.k8s.io/v1/namespaces/default/grpcroutes', {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', metadata: { name: 'bad' },
      spec: { rules: [{ matches: [{ method: { type: 'Exact' } }] }] },
    });
    expect(badGrpc.status).toBe(422);
    expect(badGrpc.body).toContain('One or both of \'service\' or \'method\' must be specified');
    const grant = `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: allow
spec:
  from:
  - group: gateway.networking.k8s.io
    kind: HTTPRoute
    namespace: other
  to:
  - group: ""
    kind: Service
`;
    expect(await ok(['apply', '-f', '-'], grant)).toContain('referencegrant.gateway.networking.k8s.io/allow created');
  });

  it('kubectl get gateways shows the printer columns; kubectl explain gateway.spec reads the schema', async () => {
    const out = await ok(['get', 'gateways']);
    expect(out.split('\n')[0]!.split(/\s{2,}/)).toEqual(['NAME', 'CLASS', 'ADDRESS', 'PROGRAMMED', 'AGE']);
    expect(out).toMatch(/^gw\s+lab\s+/m);
    const explain = await ok(['explain', 'gateway.spec']);
    expect(explain).toContain('GROUP:      gateway.networking.k8s.io');
    expect(explain).toMatch(/gatewayClassName\s+<string> -required-/);
    expect(explain).toMatch(/listeners\s+<\[\]Object> -required-/);
    expect(await ok(['get', 'gtw', '-o', 'name'])).toContain('gateway.gateway.networking.k8s.io/gw');
  });
});
