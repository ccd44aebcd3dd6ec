/**
 * Protobuf responses over a real etcd: `Accept: application/vnd.kubernetes.protobuf` answers the object, the
 * list, the Status of an error and the watch frames in Kubernetes protobuf for every kind with a protobuf
 * message; the real kubectl's typed clients (which ask for protobuf first) read them; a kind without a message
 * (as upstream's custom resources) answers JSON when the Accept header allows it and 406 when it asks for
 * protobuf only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpsRequest } from 'node:https';
import protobuf from 'protobufjs';
import { def, F, I32 } from '../../../api/types/base.js';
import { objectMetaField, typeMetaProps } from '../../../api/types/meta.js';
import { defineKind } from '../../../api/kinds/descriptor.js';
import { registerKind, unregisterKind } from '../../../api/kinds/registry.js';
import { decodeKubernetesProtobuf, kubernetesProtoRoot } from '../../../control-plane/apiserver/protobuf/decode.js';
import { responseMessage } from '../../../control-plane/apiserver/protobuf/encode.js';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl } from '../../support/apiserver.js';

const PB = 'application/vnd.kubernetes.protobuf';

const GadgetSchema = def('io.kubelab.throwaway.v1.Gadget', 'Gadget has no protobuf message, as a custom resource.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(def('io.kubelab.throwaway.v1.GadgetSpec', 'GadgetSpec.', { size: I32('Size.') }), 'Spec.'),
});
const gadgets = defineKind({ group: 'pb.kubelab.io', version: 'v1', kind: 'Gadget', plural: 'gadgets', namespaced: true, schema: GadgetSchema });

let s: ApiOverEtcd;
beforeAll(() => {
  registerKind(gadgets);
});
useApiServerOverEtcd((started) => (s = started));
afterAll(() => unregisterKind('pb.kubelab.io', 'gadgets'));

/** A GET answered as bytes. */
function getBytes(path: string, accept: string): Promise<{ status: number; contentType: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, s.h.url);
    const req = httpsRequest({ host: u.hostname, port: u.port, path: u.pathname + u.search, ca: s.h.caPem, headers: { Authorization: `Bearer ${s.h.adminToken}`, Accept: accept } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A response body's typeMeta and message (lists and Status have no request-side decoder). */
function decodeResponse(body: Buffer): { apiVersion: string; kind: string; message: Record<string, unknown> } {
  const unknown = kubernetesProtoRoot().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const env = unknown.toObject(unknown.decode(body.subarray(4))) as { typeMeta: { apiVersion: string; kind: string }; raw: Uint8Array };
  const type = responseMessage(env.typeMeta.apiVersion, env.typeMeta.kind)!;
  return { ...env.typeMeta, message: type.toObject(type.decode(env.raw), { longs: Number }) };
}

describe('protobuf responses', () => {
  beforeAll(async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pb1', labels: { a: 'b' } }, data: { k: 'v' }, binaryData: { bin: Buffer.from([0, 1, 255]).toString('base64') } };
    expect((await api(s.h, 'POST', '/api/v1/namespaces/default/configmaps', cm)).status).toBe(201);
  });

  it('an object: the whole protobuf body decodes to the JSON answer', async () => {
    const r = await getBytes('/api/v1/namespaces/default/configmaps/pb1', `${PB}, application/json`);
    expect(r.status).toBe(200);
    expect(r.contentType).toBe(PB);
    expect(r.body.subarray(0, 4).toString('latin1')).toBe('k8s\0');
    const json = (await api(s.h, 'GET', '/api/v1/namespaces/default/configmaps/pb1')).json();
    expect(decodeKubernetesProtobuf(r.body)).toEqual(json);
  });

  it('a list and an error Status', async () => {
    const list = await getBytes('/api/v1/namespaces/default/configmaps', PB);
    expect(list.contentType).toBe(PB);
    const d = decodeResponse(list.body);
    expect(d.kind).toBe('ConfigMapList');
    expect((d.message.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toContain('pb1');
    expect((d.message.metadata as { resourceVersion: string }).resourceVersion).toMatch(/^\d+$/);
    const missing = await getBytes('/api/v1/namespaces/default/configmaps/absent', PB);
    expect(missing.status).toBe(404);
    expect(missing.contentType).toBe(PB);
    const st = decodeResponse(missing.body);
    expect(st).toMatchObject({ apiVersion: 'v1', kind: 'Status', message: { status: 'Failure', reason: 'NotFound', code: 404, message: 'configmaps "absent" not found' } });
  });

  it("client-go's metadata client: a PartialObjectMetadataList in protobuf", async () => {
    const r = await getBytes('/api/v1/namespaces/default/configmaps', `${PB};as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json`);
    expect(r.contentType).toBe(PB);
    const d = decodeResponse(r.body);
    expect(d).toMatchObject({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadataList' });
    const items = d.message.items as { metadata: { name: string; labels?: Record<string, string> } }[];
    expect(items.find((i) => i.metadata.name === 'pb1')?.metadata.labels).toEqual({ a: 'b' });
  });

  it('watch frames: length-delimited WatchEvents holding whole protobuf bodies', async () => {
    const w = await getBytes('/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1', PB);
    expect(w.status).toBe(200);
    expect(w.contentType).toBe(`${PB};stream=watch`);
    const len = w.body.readUInt32BE(0);
    const t = responseMessage('v1', 'Status')!.parent!.get('WatchEvent') as protobuf.Type;
    const ev = t.toObject(t.decode(w.body.subarray(4, 4 + len))) as { type: string; object: { raw: Uint8Array } };
    expect(ev.type).toBe('ADDED');
    expect(decodeKubernetesProtobuf(Buffer.from(ev.object.raw))).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'pb1' }, data: { k: 'v' } });
  });

  it("the real kubectl's typed clients ask for protobuf first and read it", async () => {
    const r = await kubectl(s.h, ['create', 'deployment', 'pbweb', '--image=nginx', '--replicas=2', '-v=8']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('deployment.apps/pbweb created');
    // request and response headers as kubectl -v=8 logs them
    expect(r.stderr).toMatch(/round_trippers\.go:\d+\]\s+Accept: application\/vnd\.kubernetes\.protobuf,application\/json\n/);
    expect(r.stderr).toMatch(/round_trippers\.go:5\d\d\]\s+Content-Type: application\/vnd\.kubernetes\.protobuf\n/);
    for (const args of [
      ['create', 'namespace', 'pbns'],
      ['create', 'secret', 'generic', 'pbsecret', '--from-literal=a=b'],
      ['create', 'service', 'clusterip', 'pbsvc', '--tcp=80:8080'],
      ['create', 'serviceaccount', 'pbsa'],
      ['scale', 'deployment', 'pbweb', '--replicas=3'],
      ['rollout', 'history', 'deployment/pbweb'],
      ['describe', 'deployment', 'pbweb'],
      ['describe', 'namespace', 'pbns'],
      ['describe', 'service', 'pbsvc'],
    ]) {
      const k = await kubectl(s.h, args);
      expect(k.code, `${args.join(' ')}: ${k.stderr}`).toBe(0);
    }
    const d = JSON.parse((await kubectl(s.h, ['get', 'deployment', 'pbweb', '-o', 'json'])).stdout);
    expect(d.spec.replicas).toBe(3);
  });

  it('kubectl events --watch: a typed client watch reads the protobuf frames', async () => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'pbweb.1' },
      involvedObject: { kind: 'Deployment', name: 'pbweb', namespace: 'default', apiVersion: 'apps/v1' },
      reason: 'ProtobufSeen',
      message: 'read through protobuf frames',
      type: 'Normal',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      source: { component: 'test' },
    };
    expect((await api(s.h, 'POST', '/api/v1/namespaces/default/events', ev)).status).toBe(201);
    const watching = kubectl(s.h, ['events', '--watch', '-v=8'], { timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 2000));
    // this one can only reach kubectl through the watch
    const later = { ...ev, metadata: { name: 'pbweb.2' }, reason: 'ProtobufWatched', message: 'sent as a protobuf watch frame' };
    expect((await api(s.h, 'POST', '/api/v1/namespaces/default/events', later)).status).toBe(201);
    const w = await watching;
    expect(w.stdout).toContain('read through protobuf frames');
    expect(w.stdout).toContain('sent as a protobuf watch frame');
    expect(w.stderr).toMatch(/GET https:\/\/[^ ]+\/api\/v1\/namespaces\/default\/events\?[^ ]*watch=true/);
    expect(w.stderr).toMatch(/round_trippers\.go:5\d\d\]\s+Content-Type: application\/vnd\.kubernetes\.protobuf;stream=watch\n/);
  });

  it('a kind without a protobuf message: JSON when the Accept header allows it, 406 for protobuf only', async () => {
    const g = { apiVersion: 'pb.kubelab.io/v1', kind: 'Gadget', metadata: { name: 'g1' }, spec: { size: 1 } };
    expect((await api(s.h, 'POST', '/apis/pb.kubelab.io/v1/namespaces/default/gadgets', g)).status).toBe(201);
    const both = await getBytes('/apis/pb.kubelab.io/v1/namespaces/default/gadgets/g1', `${PB}, */*`);
    expect(both.status).toBe(200);
    expect(both.contentType).toBe('application/json');
    expect(JSON.parse(both.body.toString()).metadata.name).toBe('g1');
    const only = await getBytes('/apis/pb.kubelab.io/v1/namespaces/default/gadgets/g1', PB);
    expect(only.status).toBe(406);
    // the error itself is negotiated without the endpoint's restrictions: a protobuf Status, as upstream
    expect(only.contentType).toBe(PB);
    expect(decodeResponse(only.body)).toMatchObject({
      kind: 'Status',
      message: {
        reason: 'NotAcceptable',
        code: 406,
        message: 'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
      },
    });
  });
});
