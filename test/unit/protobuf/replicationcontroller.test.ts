/**
 * core/v1 ReplicationController as client-go sends it in protobuf: replicas is a pointer (an explicit 0 is kept),
 * the selector a string map, the template a pointer, and status.replicas is always written (no omitempty in Go).
 */
import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf, KUBERNETES_PROTOBUF_MAGIC, kubernetesProtoRoot } from '../../../control-plane/apiserver/protobuf/decode.js';

function body(obj: Record<string, unknown>): Buffer {
  const root = kubernetesProtoRoot();
  const type = root.lookupType('k8s.io.api.core.v1.ReplicationController');
  const err = type.verify(obj);
  if (err) throw new Error(`test object does not fit ReplicationController: ${err}`);
  const raw = type.encode(type.fromObject(obj)).finish();
  const unknown = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const env = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion: 'v1', kind: 'ReplicationController' }, raw })).finish();
  return Buffer.concat([KUBERNETES_PROTOBUF_MAGIC, env]);
}

describe('protobuf: ReplicationController', () => {
  it('replicas 0, a map selector, the template; status.replicas written though zero', () => {
    const got = decodeKubernetesProtobuf(body({
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 0, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
      status: {},
    }));
    expect(got).toMatchObject({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'web', namespace: 'default' } });
    expect(got.spec).toMatchObject({
      replicas: 0,
      selector: { app: 'web' },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    });
    expect(got.status).toEqual({ replicas: 0 });
  });

  it('no replicas and no template stay absent (pointers), so the defaults apply', () => {
    const got = decodeKubernetesProtobuf(body({ metadata: { name: 'x' }, spec: { selector: { a: 'b' } } }));
    expect(got.spec).toEqual({ selector: { a: 'b' } });
  });
});
