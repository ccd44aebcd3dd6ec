/**
 * networking.k8s.io/v1 Ingress and IngressClass as client-go sends them in protobuf: the rule's embedded
 * IngressRuleValue lands inline (`http` beside `host`), pointers (pathType, ingressClassName, a parameters scope)
 * are kept, and the structs Go always writes (spec, status.loadBalancer, backend, a service's name and port) appear.
 */
import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf, KUBERNETES_PROTOBUF_MAGIC, kubernetesProtoRoot } from '../../../control-plane/apiserver/protobuf/decode.js';

function body(kind: string, obj: Record<string, unknown>): Buffer {
  const root = kubernetesProtoRoot();
  const type = root.lookupType(`k8s.io.api.networking.v1.${kind}`);
  const err = type.verify(obj);
  if (err) throw new Error(`test object does not fit ${kind}: ${err}`);
  const raw = type.encode(type.fromObject(obj)).finish();
  const unknown = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const env = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion: 'networking.k8s.io/v1', kind }, raw })).finish();
  return Buffer.concat([KUBERNETES_PROTOBUF_MAGIC, env]);
}

describe('protobuf: Ingress and IngressClass', () => {
  it('an Ingress as kubectl create ingress sends it', () => {
    const got = decodeKubernetesProtobuf(body('Ingress', {
      metadata: { name: 'simple', namespace: 'default' },
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['foo.com'], secretName: 'my-cert' }],
        rules: [{ host: 'foo.com', ingressRuleValue: { http: { paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { number: 8080 } } } }] } } }],
        defaultBackend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static' } },
      },
      status: {},
    }));
    expect(got).toMatchObject({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' });
    expect(got.spec).toEqual({
      ingressClassName: 'nginx',
      defaultBackend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static' } },
      tls: [{ hosts: ['foo.com'], secretName: 'my-cert' }],
      rules: [{ host: 'foo.com', http: { paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { number: 8080 } } } }] } }],
    });
    expect(got.status).toEqual({ loadBalancer: {} });
  });

  it('a named service port; a status with ports', () => {
    const got = decodeKubernetesProtobuf(body('Ingress', {
      metadata: { name: 'a' },
      spec: { defaultBackend: { service: { name: 'svc', port: { name: 'http' } } } },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.1', ports: [{ port: 80, protocol: 'TCP' }] }] } },
    }));
    expect(got.spec).toEqual({ defaultBackend: { service: { name: 'svc', port: { name: 'http' } } } });
    expect(got.status).toEqual({ loadBalancer: { ingress: [{ ip: '10.0.0.1', ports: [{ port: 80, protocol: 'TCP' }] }] } });
  });

  it('an IngressClass with a parameters reference', () => {
    const got = decodeKubernetesProtobuf(body('IngressClass', {
      metadata: { name: 'external-lb' },
      spec: { controller: 'example.com/ingress-controller', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'lb', scope: 'Namespace', namespace: 'ops' } },
    }));
    expect(got.spec).toEqual({ controller: 'example.com/ingress-controller', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'lb', scope: 'Namespace', namespace: 'ops' } });
  });
});
