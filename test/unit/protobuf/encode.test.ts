/**
 * Protobuf responses (encode.ts): what is encoded decodes back to the same JSON (decode.ts was checked field by
 * field against upstream and against bodies the real kubectl sent), for every captured kubectl body, for stored
 * objects of every served kind, lists, Status, PartialObjectMetadata and watch frames; an object holding a field
 * the schema does not know is not encodable (never silently cut).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { decodeKubernetesProtobuf, kubernetesProtoRoot, KUBERNETES_PROTOBUF_MAGIC } from '../../../control-plane/apiserver/protobuf/decode.js';
import { encodeKubernetesProtobuf, encodeWatchFrame, parseGoDuration, parseKubeTime, responseMessage } from '../../../control-plane/apiserver/protobuf/encode.js';
import { RESOURCES, apiVersionOf } from '../../../api/resources.js';
import { dropNulls, FIXTURES } from '../../support/kubectl-fixtures.js';
import type { JsonObject } from '../../../api/values.js';
import { TokenRequestSchema } from '../../../api/types/tokenrequest.js';

/** Decode any response body (decode.ts knows only request kinds: lists, Status ... are read here with their message). */
function decodeAny(body: Buffer): { typeMeta: { apiVersion: string; kind: string }; message: Record<string, unknown> } {
  expect(body.subarray(0, 4).equals(KUBERNETES_PROTOBUF_MAGIC)).toBe(true);
  const unknown = kubernetesProtoRoot().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const env = unknown.toObject(unknown.decode(body.subarray(4)), { defaults: false }) as { typeMeta: { apiVersion: string; kind: string }; raw: Uint8Array };
  const type = responseMessage(env.typeMeta.apiVersion, env.typeMeta.kind)!;
  return { typeMeta: env.typeMeta, message: type.toObject(type.decode(env.raw), { longs: Number, bytes: String }) };
}

const stored = (o: JsonObject): JsonObject => ({
  ...o,
  metadata: {
    ...(o.metadata as JsonObject),
    uid: '6f1c1d2e-1111-2222-3333-444455556666',
    resourceVersion: '1234',
    creationTimestamp: '2026-12-04T17:00:00Z',
    managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2026-12-04T17:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } } }],
  },
});

describe('encodeKubernetesProtobuf: what the real kubectl sent, encoded back, decodes to the same object', () => {
  const names = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  for (const name of names) {
    it(name, () => {
      const obj = dropNulls(JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'))) as JsonObject;
      const body = encodeKubernetesProtobuf(obj);
      expect(body).toBeDefined();
      expect(decodeKubernetesProtobuf(body!)).toEqual(obj);
      // and with what the server adds
      expect(decodeKubernetesProtobuf(encodeKubernetesProtobuf(stored(obj))!)).toEqual(stored(obj));
    });
  }
});

describe('objects as the server stores them', () => {
  const pod: JsonObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true, blockOwnerDeletion: true }] },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'nginx',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: { limits: { cpu: '500m', memory: '128Mi' } },
          livenessProbe: { httpGet: { path: '/', port: 80, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
          readinessProbe: { tcpSocket: { port: 'http' } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'Always',
        },
      ],
      volumes: [{ name: 'v', configMap: { name: 'cm', defaultMode: 420 } }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      securityContext: {},
      schedulerName: 'default-scheduler',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      nodeName: 'node01',
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-12-04T17:00:01Z' }],
      podIP: '10.244.1.5',
      podIPs: [{ ip: '10.244.1.5' }],
      startTime: '2026-12-04T17:00:00Z',
      qosClass: 'Burstable',
      containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'nginx', imageID: '', started: true, state: { running: { startedAt: '2026-12-04T17:00:01Z' } }, lastState: {} }],
    },
  };

  it('a TokenRequest (kubectl create token asks and sends protobuf): spec pointers, status token and expiry', () => {
    const tr: JsonObject = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: 'default', namespace: 'default', creationTimestamp: '2026-12-04T17:00:00Z' },
      spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'u1' } },
      status: { token: 'eyJ.x.y', expirationTimestamp: '2026-12-04T18:00:00Z' },
    };
    expect(decodeKubernetesProtobuf(encodeKubernetesProtobuf(tr)!)).toEqual(tr);
  });

  it('a Pod with probes (inline handlers), quantities, int-or-strings, times and a zero priority pointer', () => {
    const back = decodeKubernetesProtobuf(encodeKubernetesProtobuf(stored(pod))!);
    expect(back).toEqual(dropNulls(stored(pod)));
  });

  it('a DaemonSet (int-or-string budgets, the always-written status counters) and a ControllerRevision (RawExtension data)', () => {
    const ds: JsonObject = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'kube-system', annotations: { 'deprecated.daemonset.template.generation': '2' } },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:1', resources: {} }], tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } },
        revisionHistoryLimit: 0,
      },
      status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 3, numberReady: 0, observedGeneration: 2, collisionCount: 0 },
    };
    expect(decodeKubernetesProtobuf(encodeKubernetesProtobuf(stored(ds))!)).toEqual(stored(ds));
    const cr: JsonObject = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { name: 'agent-5d4f8b9c7', namespace: 'kube-system' },
      data: { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'agent' } } } } },
      revision: 3,
    };
    expect(decodeKubernetesProtobuf(encodeKubernetesProtobuf(stored(cr))!)).toEqual(stored(cr));
  });

  /**
   * Built-in kinds served as JSON and YAML only, as upstream serves custom resources: proto/k8s has no
   * apiextensions messages yet, so a protobuf-only Accept on CRDs is a 406 (negotiation.ts), never a cut object.
   */
  const WITHOUT_PROTOBUF = new Set(['apiextensions.k8s.io/customresourcedefinitions']);

  it('every served kind has a message, and its list too', () => {
    for (const r of RESOURCES) {
      if (r.definition.stored === false) continue;
      if (WITHOUT_PROTOBUF.has(`${r.group}/${r.plural}`)) {
        expect(r.definition.protobufMessage, r.kind).toBeUndefined();
        continue;
      }
      expect(responseMessage(apiVersionOf(r), r.kind), r.kind).toBeDefined();
      expect(responseMessage(apiVersionOf(r), `${r.kind}List`)?.name, r.kind).toBe(`${r.kind}List`);
    }
  });

  it('a list: metadata and items, item kinds not repeated (as upstream)', () => {
    const list = { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '99', continue: 'abc' }, items: [stored({ ...pod, apiVersion: undefined, kind: undefined } as unknown as JsonObject)] };
    const d = decodeAny(encodeKubernetesProtobuf(JSON.parse(JSON.stringify(list)))!);
    expect(d.typeMeta).toEqual({ apiVersion: 'v1', kind: 'PodList' });
    expect(d.message.metadata).toEqual({ resourceVersion: '99', continue: 'abc' });
    const items = d.message.items as { metadata: { name: string } }[];
    expect(items.map((i) => i.metadata.name)).toEqual(['web']);
  });

  it('a Status and PartialObjectMetadata', () => {
    const st = decodeAny(encodeKubernetesProtobuf({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'pods' }, code: 404 })!);
    expect(st.message).toEqual({ metadata: {}, status: 'Failure', message: 'pods "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'pods' }, code: 404 });
    const pm = decodeAny(encodeKubernetesProtobuf({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'x', labels: { a: 'b' } } })!);
    expect(pm.message).toEqual({ metadata: { name: 'x', labels: { a: 'b' } } });
  });

  it('a field the schema does not hold, or a value of the wrong type, is not encodable', () => {
    expect(encodeKubernetesProtobuf({ ...pod, spec: { ...(pod.spec as JsonObject), futureField: true } })).toBeUndefined();
    expect(encodeKubernetesProtobuf({ ...pod, metadata: { name: 5 } })).toBeUndefined();
    expect(encodeKubernetesProtobuf({ ...pod, metadata: { name: 'x', creationTimestamp: 'yesterday' } })).toBeUndefined();
    expect(encodeKubernetesProtobuf({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: {} })).toBeUndefined();
  });

  it('watch frames: a 4-byte big-endian length, then a WatchEvent whose object is a whole protobuf body', () => {
    const frame = encodeWatchFrame('ADDED', stored(pod))!;
    const len = frame.readUInt32BE(0);
    expect(len).toBe(frame.length - 4);
    const t = responseMessage('v1', 'Status')!.parent!.get('WatchEvent') as protobuf.Type;
    const ev = t.toObject(t.decode(frame.subarray(4))) as { type: string; object: { raw: Uint8Array } };
    expect(ev.type).toBe('ADDED');
    expect(decodeKubernetesProtobuf(Buffer.from(ev.object.raw))).toEqual(dropNulls(stored(pod)));
  });
});

describe('time and duration parsing (the inverse of formatKubeTime and formatGoDuration)', () => {
  it.each([
    ['2026-12-04T17:00:00Z', { seconds: 1796403600, nanos: 0 }],
    ['2026-12-04T17:00:00.123456Z', { seconds: 1796403600, nanos: 123456000 }],
    ['2026-12-04T19:00:00+02:00', { seconds: 1796403600, nanos: 0 }],
  ])('%s', (s, want) => {
    expect(parseKubeTime(s)).toEqual(want);
  });
  it.each([
    ['0s', 0],
    ['1h2m3.5s', 3723.5e9],
    ['500ms', 5e8],
    ['-1.5s', -1.5e9],
    ['1µs', 1000],
  ])('%s', (s, want) => {
    expect(parseGoDuration(s)).toBe(want);
  });
  it('not a duration', () => {
    expect(parseGoDuration('5 minutes')).toBeUndefined();
  });
});

/** JSON paths of the served schema that the kind's message cannot hold (a protobuf response would have to refuse them). */
function schemaGaps(schema: unknown, type: protobuf.Type, path: string, seen = new Set<string>()): string[] {
  const s = schema as { properties?: Record<string, unknown>; type?: string; $id?: string };
  if (!s || s.type !== 'object' || !s.properties) return [];
  const key = `${s.$id ?? path}->${type.fullName}`;
  if (seen.has(key)) return [];
  seen.add(key);
  const fields = new Map<string, protobuf.Field>();
  const collect = (t: protobuf.Type): void => {
    for (const f of t.fieldsArray) {
      f.resolve();
      if (f.options?.['(kubelab.inline)'] === true && f.resolvedType instanceof protobuf.Type) collect(f.resolvedType);
      else fields.set(f.name, f);
    }
  };
  collect(type);
  const gaps: string[] = [];
  for (const [name, sub] of Object.entries(s.properties)) {
    if (path === '' && (name === 'apiVersion' || name === 'kind')) continue;
    const f = fields.get(name);
    if (!f) {
      gaps.push(`${path}.${name}`);
      continue;
    }
    if (!(f.resolvedType instanceof protobuf.Type)) continue;
    const special = ['Time', 'MicroTime', 'Duration', 'FieldsV1', 'RawExtension', 'IntOrString', 'Quantity'].includes(f.resolvedType.name);
    if (special) continue;
    const child = sub as { type?: string; items?: unknown; additionalProperties?: unknown };
    const target = child.type === 'array' ? child.items : f.map ? child.additionalProperties : child;
    gaps.push(...schemaGaps(target, f.resolvedType, `${path}.${name}`, seen));
  }
  return gaps;
}

describe('the messages hold every field the served schemas have', () => {
  for (const r of RESOURCES) {
    if (r.definition.stored === false || !r.definition.protobufMessage) continue;
    it(`${apiVersionOf(r)} ${r.kind}`, () => {
      expect(schemaGaps(r.definition.schema, responseMessage(apiVersionOf(r), r.kind)!, '')).toEqual([]);
    });
  }
});

it('the TokenRequest message holds every field of its served schema (a subresource body, not a kind of its own)', () => {
  expect(schemaGaps(TokenRequestSchema, responseMessage('authentication.k8s.io/v1', 'TokenRequest')!, '')).toEqual([]);
  expect(schemaGaps(TokenRequestSchema, responseMessage('autoscaling/v1', 'Scale')!, '')).toContain('.spec.audiences');
});

it('schemaGaps finds a field the message lacks, also nested in lists and maps', () => {
  const pod = responseMessage('v1', 'Pod')!;
  const obj = (properties: Record<string, unknown>) => ({ type: 'object', properties });
  const schema = obj({
    metadata: obj({ name: { type: 'string' }, extra: { type: 'string' } }),
    spec: obj({ containers: { type: 'array', items: obj({ name: { type: 'string' }, nope: { type: 'string' } }) } }),
  });
  expect(schemaGaps(schema, pod, '')).toEqual(['.metadata.extra', '.spec.containers.nope']);
});
