/**
 * Round trips: messages built and encoded with protobufjs against our proto/k8s schema, wrapped in the
 * `k8s\0` + runtime.Unknown envelope, decode to the JSON Go's encoding/json would write.
 */

import { describe, expect, it } from 'vitest';
import { KubeError } from '../../../api/errors.js';
import {
  decodeKubernetesProtobuf,
  formatGoDuration,
  formatKubeTime,
  isKubernetesProtobuf,
  KUBERNETES_PROTOBUF_MAGIC,
  kubernetesProtoRoot,
  protobufMessageName,
  supportedProtobufKinds,
} from '../../../control-plane/apiserver/protobuf/decode.js';

/** Decoded JSON as the assertions read it. */
type Obj = Record<string, any>;

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0) / 1000; // 2026-11-27T10:00:00Z

/** The body client-go would send: magic + Unknown{typeMeta, raw = encode(message)}. */
function body(apiVersion: string, kind: string, message: string, obj: Record<string, unknown>, envelope: Record<string, unknown> = {}): Buffer {
  const root = kubernetesProtoRoot();
  const type = root.lookupType(message);
  const err = type.verify(obj);
  if (err) throw new Error(`test object does not fit ${message}: ${err}`);
  const raw = type.encode(type.fromObject(obj)).finish();
  const unknown = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const env = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw, ...envelope })).finish();
  return Buffer.concat([KUBERNETES_PROTOBUF_MAGIC, env]);
}

function thrown(f: () => unknown): KubeError {
  try {
    f();
  } catch (e) {
    if (e instanceof KubeError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('isKubernetesProtobuf', () => {
  it.each([
    ['application/vnd.kubernetes.protobuf', true],
    ['application/vnd.kubernetes.protobuf; charset=utf-8', true],
    ['Application/VND.Kubernetes.Protobuf', true],
    ['application/vnd.kubernetes.protobuf;stream=watch', false],
    ['application/json', false],
    ['application/vnd.kubernetes.protobuf+json', false],
    ['', false],
    [undefined, false],
  ])('%s -> %s', (ct, want) => {
    expect(isKubernetesProtobuf(ct)).toBe(want);
  });
});

describe('kinds', () => {
  it.each([
    ['v1', 'Pod', 'k8s.io.api.core.v1.Pod'],
    ['apps/v1', 'Deployment', 'k8s.io.api.apps.v1.Deployment'],
    ['apps/v1', 'StatefulSet', 'k8s.io.api.apps.v1.StatefulSet'],
    ['policy/v1', 'Eviction', 'k8s.io.api.policy.v1.Eviction'],
    ['autoscaling/v1', 'Scale', 'k8s.io.api.autoscaling.v1.Scale'],
    ['coordination.k8s.io/v1', 'Lease', 'k8s.io.api.coordination.v1.Lease'],
    ['discovery.k8s.io/v1', 'EndpointSlice', 'k8s.io.api.discovery.v1.EndpointSlice'],
    ['events.k8s.io/v1', 'Event', 'k8s.io.api.events.v1.Event'],
    ['apps/v1', 'DeleteOptions', 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions'],
    ['meta.k8s.io/v1', 'DeleteOptions', 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions'],
    ['batch/v1', 'Job', 'k8s.io.api.batch.v1.Job'],
    ['batch/v1', 'CronJob', 'k8s.io.api.batch.v1.CronJob'],
    ['apps/v1', 'DaemonSet', 'k8s.io.api.apps.v1.DaemonSet'],
    ['apps/v1', 'ControllerRevision', 'k8s.io.api.apps.v1.ControllerRevision'],
    ['apps/v1', 'Widget', undefined],
    ['apps/v1', 'Pod', undefined],
  ])('%s %s -> %s', (apiVersion, kind, want) => {
    expect(protobufMessageName(apiVersion, kind)).toBe(want);
  });

  it('every supported kind has its message in the schema', () => {
    const root = kubernetesProtoRoot();
    for (const { apiVersion, kind } of supportedProtobufKinds()) {
      expect(root.lookupType(protobufMessageName(apiVersion, kind)!).name).toBe(kind);
    }
  });

  it('an unsupported kind is a 400 naming the kind', () => {
    const root = kubernetesProtoRoot();
    const unknown = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
    const env = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion: 'apps/v1', kind: 'Widget' }, raw: Buffer.from([0x0a, 0x00]) })).finish();
    const e = thrown(() => decodeKubernetesProtobuf(Buffer.concat([KUBERNETES_PROTOBUF_MAGIC, env])));
    expect(e.reason).toBe('BadRequest');
    expect(e.httpStatus).toBe(400);
    expect(e.message).toBe('no kind "Widget" is registered for version "apps/v1"');
  });
});

describe('envelope errors', () => {
  it('rejects a body without the magic', () => {
    const e = thrown(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"Pod"}')));
    expect(e.reason).toBe('BadRequest');
    expect(e.message).toContain('expected prefix [107 56 115 0]');
  });
  it('rejects truncated protobuf', () => {
    const good = body('v1', 'Namespace', 'k8s.io.api.core.v1.Namespace', { metadata: { name: 'averyveryverylongname' } });
    const e = thrown(() => decodeKubernetesProtobuf(good.subarray(0, good.length - 5)));
    expect(e.reason).toBe('BadRequest');
  });
  it('rejects a compressed inner object', () => {
    const b = body('v1', 'Namespace', 'k8s.io.api.core.v1.Namespace', { metadata: { name: 'x' } }, { contentEncoding: 'gzip' });
    expect(thrown(() => decodeKubernetesProtobuf(b)).message).toContain('content encoding "gzip"');
  });
  it('rejects a body without kind', () => {
    const b = body('', '', 'k8s.io.api.core.v1.Namespace', {});
    expect(thrown(() => decodeKubernetesProtobuf(b)).message).toContain("'Kind' is missing");
  });
});

describe('apps/v1 StatefulSet', () => {
  const sts = {
    metadata: { name: 'db', namespace: 'prod' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'db' } },
      serviceName: 'db',
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
      ordinals: { start: 2 },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: { string: '1Gi' } } } } }],
    },
    status: { replicas: 0, currentRevision: 'db-abc', collisionCount: 0 },
  };
  const json: Obj = decodeKubernetesProtobuf(body('apps/v1', 'StatefulSet', 'k8s.io.api.apps.v1.StatefulSet', sts));

  it('decodes the spec, keeping a zero partition (a pointer) and the claim templates', () => {
    expect(json.spec).toMatchObject({
      replicas: 3,
      serviceName: 'db',
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
      ordinals: { start: 2 },
    });
    expect((json.spec as Obj).volumeClaimTemplates).toEqual([
      { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }, status: {} },
    ]);
  });

  it('status: replicas and availableReplicas always, collisionCount kept at zero', () => {
    expect(json.status).toEqual({ replicas: 0, availableReplicas: 0, currentRevision: 'db-abc', collisionCount: 0 });
  });
});

describe('apps/v1 Deployment', () => {
  const dep = {
    metadata: {
      name: 'web',
      namespace: 'prod',
      generateName: '',
      uid: 'u-1',
      resourceVersion: '42',
      generation: 7,
      creationTimestamp: { seconds: T0 },
      deletionGracePeriodSeconds: 0,
      labels: { app: 'web' },
      annotations: { 'a/b': 'c' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Thing', name: 'o', uid: 'ou', controller: true, blockOwnerDeletion: false }],
      finalizers: ['f1'],
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: { seconds: T0 + 61 },
          fieldsType: 'FieldsV1',
          fieldsV1: { Raw: Buffer.from('{"f:spec":{"f:replicas":{}}}') },
        },
      ],
    },
    spec: {
      replicas: 0,
      minReadySeconds: 0,
      paused: false,
      selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 0, intVal: 0 }, maxSurge: { type: 1, strVal: '25%' } } },
      revisionHistoryLimit: 10,
      template: {
        metadata: { labels: { app: 'web' }, creationTimestamp: {} },
        spec: {
          containers: [
            {
              name: 'c',
              image: 'nginx',
              args: ['-g', 'daemon off;'],
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              resources: { limits: { cpu: { string: '500m' }, memory: { string: '128Mi' } }, requests: { cpu: { string: '100m' } } },
              readinessProbe: { handler: { httpGet: { path: '/', port: { type: 1, strVal: 'http' } } }, periodSeconds: 5 },
              livenessProbe: { handler: { tcpSocket: { port: { type: 0, intVal: 80 } } } },
              env: [{ name: 'A', value: '' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              securityContext: { privileged: false, runAsUser: 0 },
            },
          ],
          terminationGracePeriodSeconds: 30,
          automountServiceAccountToken: false,
          volumes: [
            { name: 'cache', volumeSource: { emptyDir: { medium: '', sizeLimit: { string: '1Gi' } } } },
            { name: 'cfg', volumeSource: { configMap: { localObjectReference: { name: 'cm' }, defaultMode: 420, items: [{ key: 'k', path: 'p' }] } } },
          ],
          ephemeralContainers: [{ ephemeralContainerCommon: { name: 'dbg', image: 'busybox' }, targetContainerName: 'c' }],
          tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule', tolerationSeconds: 0 }],
        },
      },
    },
    status: { observedGeneration: 3, replicas: 0, collisionCount: 0, conditions: [{ type: 'Available', status: 'True', lastUpdateTime: { seconds: T0 } }] },
  };

  const json: Obj = decodeKubernetesProtobuf(body('apps/v1', 'Deployment', 'k8s.io.api.apps.v1.Deployment', dep));

  it('sets apiVersion and kind from the envelope', () => {
    expect(json.apiVersion).toBe('apps/v1');
    expect(json.kind).toBe('Deployment');
  });

  it('metadata: times as RFC 3339, int64 as numbers, empty strings dropped, pointers kept at zero', () => {
    expect(json.metadata).toEqual({
      name: 'web',
      namespace: 'prod',
      uid: 'u-1',
      resourceVersion: '42',
      generation: 7,
      creationTimestamp: '2026-11-27T10:00:00Z',
      deletionGracePeriodSeconds: 0,
      labels: { app: 'web' },
      annotations: { 'a/b': 'c' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Thing', name: 'o', uid: 'ou', controller: true, blockOwnerDeletion: false }],
      finalizers: ['f1'],
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: '2026-11-27T10:01:01Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:replicas': {} } },
        },
      ],
    });
  });

  it('spec: replicas 0 kept (a Go pointer), omitempty zeros dropped, IntOrString as number or string', () => {
    expect(json.spec.replicas).toBe(0);
    expect(json.spec).not.toHaveProperty('minReadySeconds');
    expect(json.spec).not.toHaveProperty('paused');
    expect(json.spec.revisionHistoryLimit).toBe(10);
    expect(json.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } });
    expect(json.spec.selector.matchExpressions).toEqual([{ key: 'tier', operator: 'In', values: ['a', 'b'] }]);
  });

  it('pod template: quantities as strings, probe handler and volume sources inlined, zero template time dropped', () => {
    const t = json.spec.template;
    expect(t.metadata).toEqual({ labels: { app: 'web' } });
    const c = t.spec.containers[0];
    expect(c.resources).toEqual({ limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } });
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/', port: 'http' }, periodSeconds: 5 });
    expect(c.livenessProbe).toEqual({ tcpSocket: { port: 80 } });
    expect(c.env).toEqual([{ name: 'A' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
    expect(c.securityContext).toEqual({ privileged: false, runAsUser: 0 });
    expect(c.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
    expect(t.spec.volumes).toEqual([
      { name: 'cache', emptyDir: { sizeLimit: '1Gi' } },
      { name: 'cfg', configMap: { name: 'cm', defaultMode: 420, items: [{ key: 'k', path: 'p' }] } },
    ]);
    expect(t.spec.ephemeralContainers).toEqual([{ name: 'dbg', image: 'busybox', resources: {}, targetContainerName: 'c' }]);
    expect(t.spec.tolerations).toEqual([{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule', tolerationSeconds: 0 }]);
    expect(t.spec.terminationGracePeriodSeconds).toBe(30);
    expect(t.spec.automountServiceAccountToken).toBe(false);
  });

  it('status: omitempty counters dropped, pointer counters kept', () => {
    expect(json.status).toEqual({
      observedGeneration: 3,
      collisionCount: 0,
      conditions: [{ type: 'Available', status: 'True', lastUpdateTime: '2026-11-27T10:00:00Z' }],
    });
  });
});

describe('core/v1', () => {
  it('Secret and ConfigMap bytes become base64', () => {
    const s = decodeKubernetesProtobuf(
      body('v1', 'Secret', 'k8s.io.api.core.v1.Secret', {
        metadata: { name: 's' },
        data: { bin: Buffer.from([0, 255, 1]), empty: Buffer.alloc(0) },
        stringData: { x: 'y' },
        type: 'Opaque',
        immutable: false,
      }),
    );
    expect(s).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { bin: 'AP8B', empty: '' }, stringData: { x: 'y' }, type: 'Opaque', immutable: false });
    const cm = decodeKubernetesProtobuf(
      body('v1', 'ConfigMap', 'k8s.io.api.core.v1.ConfigMap', { metadata: { name: 'c' }, data: { k: 'v' }, binaryData: { b: Buffer.from('hi') } }),
    );
    expect(cm).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'v' }, binaryData: { b: 'aGk=' } });
  });

  it('fields without omitempty appear with their zero value, absent structs as {} (as Go writes them)', () => {
    const svc = decodeKubernetesProtobuf(body('v1', 'Service', 'k8s.io.api.core.v1.Service', { spec: { ports: [{ name: 'http' }] } }));
    expect(svc).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {},
      spec: { ports: [{ name: 'http', port: 0, targetPort: 0 }] },
      status: { loadBalancer: {} },
    });
  });

  it('Node: quantities, addresses, taints with time', () => {
    const n: Obj = decodeKubernetesProtobuf(
      body('v1', 'Node', 'k8s.io.api.core.v1.Node', {
        metadata: { name: 'node01' },
        spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], unschedulable: true, taints: [{ key: 'k', effect: 'NoExecute', timeAdded: { seconds: T0 } }] },
        status: {
          capacity: { cpu: { string: '2' }, pods: { string: '110' } },
          addresses: [{ type: 'InternalIP', address: '192.168.56.21' }],
          conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: { seconds: T0 }, lastTransitionTime: {} }],
          daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
          nodeInfo: { kubeletVersion: 'v1.32.0', architecture: 'amd64' },
        },
      }),
    );
    expect(n.spec).toEqual({ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], unschedulable: true, taints: [{ key: 'k', effect: 'NoExecute', timeAdded: '2026-11-27T10:00:00Z' }] });
    expect(n.status.capacity).toEqual({ cpu: '2', pods: '110' });
    expect(n.status.conditions).toEqual([{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-11-27T10:00:00Z' }]);
    expect(n.status.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10250 } });
    expect(n.status.nodeInfo).toMatchObject({ kubeletVersion: 'v1.32.0', architecture: 'amd64', machineID: '', bootID: '' });
  });

  it('Binding and Event', () => {
    const b = decodeKubernetesProtobuf(
      body('v1', 'Binding', 'k8s.io.api.core.v1.Binding', { metadata: { name: 'p', namespace: 'default' }, target: { kind: 'Node', name: 'node01' } }),
    );
    expect(b).toEqual({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p', namespace: 'default' }, target: { kind: 'Node', name: 'node01' } });
    const e = decodeKubernetesProtobuf(
      body('v1', 'Event', 'k8s.io.api.core.v1.Event', {
        metadata: { name: 'p.1' },
        involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
        reason: 'Scheduled',
        message: 'ok',
        source: { component: 'default-scheduler' },
        firstTimestamp: { seconds: T0 },
        count: 1,
        type: 'Normal',
        eventTime: { seconds: T0, nanos: 123456789 },
      }),
    );
    expect(e).toMatchObject({
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
      source: { component: 'default-scheduler' },
      firstTimestamp: '2026-11-27T10:00:00Z',
      count: 1,
      eventTime: '2026-11-27T10:00:00.123456Z',
    });
    expect(e).not.toHaveProperty('lastTimestamp');
  });
});

describe('other groups', () => {
  it('coordination.k8s.io/v1 Lease: MicroTime with microseconds, pointer fields', () => {
    const l = decodeKubernetesProtobuf(
      body('coordination.k8s.io/v1', 'Lease', 'k8s.io.api.coordination.v1.Lease', {
        metadata: { name: 'node01', namespace: 'kube-node-lease' },
        spec: { holderIdentity: 'node01', leaseDurationSeconds: 40, renewTime: { seconds: T0, nanos: 5_000 }, leaseTransitions: 0 },
      }),
    );
    expect(l.spec).toEqual({ holderIdentity: 'node01', leaseDurationSeconds: 40, renewTime: '2026-11-27T10:00:00.000005Z', leaseTransitions: 0 });
  });

  it('policy/v1 Eviction with DeleteOptions', () => {
    const ev = decodeKubernetesProtobuf(
      body('policy/v1', 'Eviction', 'k8s.io.api.policy.v1.Eviction', {
        metadata: { name: 'p', namespace: 'default' },
        deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'u' }, dryRun: ['All'] },
      }),
    );
    expect(ev).toEqual({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'p', namespace: 'default' },
      deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'u' }, dryRun: ['All'] },
    });
  });

  it('DeleteOptions in a group version', () => {
    const d = decodeKubernetesProtobuf(
      body('apps/v1', 'DeleteOptions', 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions', { propagationPolicy: 'Foreground', orphanDependents: false }),
    );
    expect(d).toEqual({ apiVersion: 'apps/v1', kind: 'DeleteOptions', propagationPolicy: 'Foreground', orphanDependents: false });
  });

  it('autoscaling/v1 Scale: spec.replicas is omitempty in Go, so 0 is dropped as JSON would', () => {
    const s = decodeKubernetesProtobuf(body('autoscaling/v1', 'Scale', 'k8s.io.api.autoscaling.v1.Scale', { metadata: { name: 'web' }, spec: { replicas: 0 }, status: { replicas: 2, selector: 'app=web' } }));
    expect(s).toEqual({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: {}, status: { replicas: 2, selector: 'app=web' } });
  });

  it('discovery.k8s.io/v1 EndpointSlice', () => {
    const s = decodeKubernetesProtobuf(
      body('discovery.k8s.io/v1', 'EndpointSlice', 'k8s.io.api.discovery.v1.EndpointSlice', {
        metadata: { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: false, serving: true }, nodeName: 'node01', targetRef: { kind: 'Pod', name: 'p' } }],
        ports: [{ name: '', port: 80, protocol: 'TCP' }],
      }),
    );
    expect(s).toEqual({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: false, serving: true }, nodeName: 'node01', targetRef: { kind: 'Pod', name: 'p' } }],
      ports: [{ name: '', port: 80, protocol: 'TCP' }],
    });
  });

  it('events.k8s.io/v1 Event: eventTime is a MicroTime, zero deprecated times dropped', () => {
    const e = decodeKubernetesProtobuf(
      body('events.k8s.io/v1', 'Event', 'k8s.io.api.events.v1.Event', {
        metadata: { name: 'e' },
        eventTime: { seconds: T0, nanos: 1_000_000 },
        reportingController: 'kubelab.io/scheduler',
        reportingInstance: 'sched-1',
        action: 'Binding',
        reason: 'Scheduled',
        regarding: { kind: 'Pod', name: 'p' },
        type: 'Normal',
        deprecatedFirstTimestamp: {},
      }),
    );
    expect(e).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e' },
      eventTime: '2026-11-27T10:00:00.001000Z',
      reportingController: 'kubelab.io/scheduler',
      reportingInstance: 'sched-1',
      action: 'Binding',
      reason: 'Scheduled',
      regarding: { kind: 'Pod', name: 'p' },
      type: 'Normal',
      deprecatedSource: {},
    });
  });
});

describe('formatting helpers', () => {
  it.each([
    [T0, 0, false, '2026-11-27T10:00:00Z'],
    [T0, 999_999_999, false, '2026-11-27T10:00:00Z'],
    [T0, 999_999_999, true, '2026-11-27T10:00:00.999999Z'],
    [0, 1000, true, '1970-01-01T00:00:00.000001Z'],
    [-62135596800, 0, false, '0001-01-01T00:00:00Z'],
  ])('formatKubeTime(%d, %d, micro=%s) = %s', (s, n, micro, want) => {
    expect(formatKubeTime(s, n, micro)).toBe(want);
  });

  it.each([
    [0, '0s'],
    [1, '1ns'],
    [1500, '1.5µs'],
    [2_000_000, '2ms'],
    [1.5e9, '1.5s'],
    [90e9, '1m30s'],
    [3600e9, '1h0m0s'],
    [3723.5e9, '1h2m3.5s'],
    [-5e9, '-5s'],
  ])('formatGoDuration(%d) = %s', (ns, want) => {
    expect(formatGoDuration(ns)).toBe(want);
  });
});

describe('LimitRange and ResourceQuota bodies (upstream numbers)', () => {
  it('a ResourceQuota with hard, scopes and a scope selector', () => {
    const q = decodeKubernetesProtobuf(body('v1', 'ResourceQuota', 'k8s.io.api.core.v1.ResourceQuota', {
      metadata: { name: 'q' },
      spec: {
        hard: { pods: { string: '2' }, 'requests.cpu': { string: '1' } },
        scopes: ['NotTerminating'],
        scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] },
      },
      status: {},
    }));
    expect(q).toEqual({
      apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' },
      spec: { hard: { pods: '2', 'requests.cpu': '1' }, scopes: ['NotTerminating'], scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } },
      status: {},
    });
  });

  it('a LimitRange with every list of an item', () => {
    const lr = decodeKubernetesProtobuf(body('v1', 'LimitRange', 'k8s.io.api.core.v1.LimitRange', {
      metadata: { name: 'l' },
      spec: { limits: [{ type: 'Container', max: { cpu: { string: '1' } }, min: { cpu: { string: '100m' } }, default: { cpu: { string: '500m' } }, defaultRequest: { cpu: { string: '200m' } }, maxLimitRequestRatio: { cpu: { string: '4' } } }] },
    }));
    expect(lr).toEqual({
      apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l' },
      spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { cpu: '100m' }, default: { cpu: '500m' }, defaultRequest: { cpu: '200m' }, maxLimitRequestRatio: { cpu: '4' } }] },
    });
  });
});
