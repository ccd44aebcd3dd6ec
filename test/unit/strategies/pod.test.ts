import { describe, expect, it } from 'vitest';
import { findResource } from '../../../api/resources.js';
import { strategyFor } from '../../../api/kinds/registry.js';
import { defaultPullPolicy } from '../../../api/strategies/defaults.js';
import { podQOSClass, POD_UPDATE_FORBIDDEN_MESSAGE } from '../../../api/strategies/pod.js';

const pods = strategyFor(findResource('', 'pods')!);

function newPod(spec: any = {}, meta: any = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', ...meta },
    spec: { containers: [{ name: 'c', image: 'nginx:1.25' }], ...spec },
  };
}

/** Defaults + create preparation, as the apiserver does before validating a create. */
function created(p: any): any {
  pods.applyDefaults(p);
  pods.prepareForCreate(p);
  return p;
}

function fields(errs: { field?: string; reason?: string }[]): string[] {
  return errs.map((e) => `${e.field} ${e.reason}`);
}

describe('pod defaulting', () => {
  it('fills upstream defaults for pod spec and containers', () => {
    const p = created(
      newPod({
        containers: [
          {
            name: 'c',
            image: 'nginx',
            ports: [{ containerPort: 80 }],
            resources: { limits: { cpu: '500m', memory: '128Mi' } },
            livenessProbe: { httpGet: { port: 80 } },
            env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          },
        ],
      }),
    );
    expect(p.spec).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      terminationGracePeriodSeconds: 30,
      securityContext: {},
      enableServiceLinks: true,
    });
    // serviceAccountName is the ServiceAccount admission plugin's (admission-serviceaccount.ts), not a default.
    expect(p.spec.serviceAccountName).toBeUndefined();
    // priority and preemptionPolicy are the Priority admission plugin's (admission-priority.ts), not defaults.
    expect(p.spec.priority).toBeUndefined();
    expect(p.spec.preemptionPolicy).toBeUndefined();
    const c = p.spec.containers[0];
    expect(c.imagePullPolicy).toBe('Always');
    expect(c.terminationMessagePath).toBe('/dev/termination-log');
    expect(c.terminationMessagePolicy).toBe('File');
    expect(c.ports[0].protocol).toBe('TCP');
    expect(c.resources.requests).toEqual({ cpu: '500m', memory: '128Mi' });
    expect(c.livenessProbe).toEqual({
      httpGet: { port: 80, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(c.env[0].valueFrom.fieldRef.apiVersion).toBe('v1');
    expect(p.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    expect(p.status).toEqual({ phase: 'Pending', qosClass: 'Guaranteed' });
    expect(pods.validate(p)).toEqual([]);
  });

  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    ['localhost:5000/nginx', 'Always'],
    ['localhost:5000/nginx:1.0', 'IfNotPresent'],
    ['nginx@sha256:abcd', 'IfNotPresent'],
  ])('imagePullPolicy for %s is %s', (image, want) => {
    expect(defaultPullPolicy(image)).toBe(want);
  });

  it('keeps given values and an existing toleration for the NoExecute taints', () => {
    const p = created(
      newPod({
        restartPolicy: 'Never',
        serviceAccountName: 'builder',
        terminationGracePeriodSeconds: 5,
        tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }],
      }),
    );
    expect(p.spec.restartPolicy).toBe('Never');
    expect(p.spec.serviceAccountName).toBe('builder');
    expect(p.spec.serviceAccount).toBe('builder');
    expect(p.spec.terminationGracePeriodSeconds).toBe(5);
    expect(p.spec.tolerations.map((t: any) => `${t.key}:${t.tolerationSeconds}`)).toEqual([
      'node.kubernetes.io/unreachable:10',
      'node.kubernetes.io/not-ready:300',
    ]);
  });

  it('admission: a match-all toleration suppresses the default tolerations', () => {
    const p = created(newPod({ tolerations: [{ operator: 'Exists' }] }));
    expect(p.spec.tolerations).toEqual([{ operator: 'Exists' }]);
    const q = created(newPod({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }] }));
    expect(q.spec.tolerations.map((t: any) => `${t.key}:${t.effect}`)).toEqual([
      'node.kubernetes.io/not-ready:NoSchedule',
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unreachable:NoExecute',
    ]);
  });

  it('a negative grace period becomes 1 on create', () => {
    expect(created(newPod({ terminationGracePeriodSeconds: -5 })).spec.terminationGracePeriodSeconds).toBe(1);
  });

  it('hostNetwork copies containerPort to hostPort; no source volume becomes emptyDir', () => {
    const p = created(
      newPod({
        hostNetwork: true,
        volumes: [{ name: 'v' }, { name: 's', secret: { secretName: 'x' } }],
        containers: [{ name: 'c', image: 'x:1', ports: [{ containerPort: 8080 }] }],
      }),
    );
    expect(p.spec.containers[0].ports[0].hostPort).toBe(8080);
    expect(p.spec.volumes[0].emptyDir).toEqual({});
    expect(p.spec.volumes[1].secret.defaultMode).toBe(420);
  });
});

describe('QoS class', () => {
  it.each([
    [[{}], 'BestEffort'],
    [[{ resources: { requests: { cpu: '100m' } } }], 'Burstable'],
    [[{ resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }], 'Guaranteed'],
    [[{ resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }], 'Burstable'],
    [[{ resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } } }, {}], 'Burstable'],
    [[{ resources: { limits: { cpu: '1' }, requests: { cpu: '1' } } }], 'Burstable'],
  ])('%j -> %s', (containers, want) => {
    expect(podQOSClass({ containers })).toBe(want);
  });
});

describe('pod validation', () => {
  const cases: [string, any, string[]][] = [
    ['no containers', { containers: [] }, ['spec.containers FieldValueRequired']],
    ['no image', { containers: [{ name: 'c' }] }, ['spec.containers[0].image FieldValueRequired']],
    ['bad container name', { containers: [{ name: 'C_1', image: 'x' }] }, ['spec.containers[0].name FieldValueInvalid']],
    [
      'duplicate container names',
      { containers: [{ name: 'c', image: 'x' }, { name: 'c', image: 'y' }] },
      ['spec.containers[1].name FieldValueDuplicate'],
    ],
    [
      'init container name clashing',
      { initContainers: [{ name: 'c', image: 'x' }], containers: [{ name: 'c', image: 'y' }] },
      ['spec.containers[0].name FieldValueDuplicate'],
    ],
    ['bad restartPolicy', { restartPolicy: 'Sometimes' }, ['spec.restartPolicy FieldValueNotSupported']],
    ['bad dnsPolicy', { dnsPolicy: 'Google' }, ['spec.dnsPolicy FieldValueNotSupported']],
    ['dnsPolicy None without config', { dnsPolicy: 'None' }, ['spec.dnsConfig FieldValueRequired']],
    ['dnsPolicy None without a nameserver', { dnsPolicy: 'None', dnsConfig: { searches: ['a.example'] } }, ['spec.dnsConfig.nameservers FieldValueRequired']],
    ['dnsPolicy None with a nameserver', { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'] } }, []],
    [
      'dnsConfig: 4 nameservers, a bad IP, a bad search, an unnamed option (a trailing dot is fine)',
      { dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '1.1.1.1\nnameserver 8.8.8.8'], searches: ['ok.example.', 'Bad_Domain'], options: [{ name: 'ndots', value: '2' }, { value: '1' }] } },
      ['spec.dnsConfig.nameservers FieldValueInvalid', 'spec.dnsConfig.nameservers[3] FieldValueInvalid', 'spec.dnsConfig.searches[1] FieldValueInvalid', 'spec.dnsConfig.options[1] FieldValueRequired'],
    ],
    ['dnsConfig: 33 search domains', { dnsConfig: { searches: Array.from({ length: 33 }, (_, i) => `d${i}.example`) } }, ['spec.dnsConfig.searches FieldValueInvalid']],
    ['dnsConfig: a search list over 2048 characters', { dnsConfig: { searches: Array.from({ length: 12 }, (_, i) => `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.d${i}`) } }, ['spec.dnsConfig.searches FieldValueInvalid']],
    [
      'hostAliases: an IP and host names',
      { hostAliases: [{ ip: '10.1.2.3', hostnames: ['ok.example', 'bad name\n1.2.3.4 evil'] }, { ip: 'nope', hostnames: ['x'] }] },
      ['spec.hostAliases[0].hostnames[1] FieldValueInvalid', 'spec.hostAliases[1].ip FieldValueInvalid'],
    ],
    ['bad pull policy', { containers: [{ name: 'c', image: 'x', imagePullPolicy: 'Maybe' }] }, ['spec.containers[0].imagePullPolicy FieldValueNotSupported']],
    [
      'bad ports',
      {
        containers: [
          {
            name: 'c',
            image: 'x',
            ports: [{ containerPort: 70000 }, { containerPort: 80, protocol: 'ICMP', name: 'web' }, { containerPort: 81, name: 'web' }],
          },
        ],
      },
      [
        'spec.containers[0].ports[0].containerPort FieldValueInvalid',
        'spec.containers[0].ports[1].protocol FieldValueNotSupported',
        'spec.containers[0].ports[2].name FieldValueDuplicate',
      ],
    ],
    [
      'env',
      { containers: [{ name: 'c', image: 'x', env: [{ name: '' }, { name: 'A=B' }, { name: 'X', value: 'v', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }] }] },
      [
        'spec.containers[0].env[0].name FieldValueRequired',
        'spec.containers[0].env[1].name FieldValueInvalid',
        'spec.containers[0].env[2].valueFrom FieldValueInvalid',
        'spec.containers[0].env[2].valueFrom.fieldRef.fieldPath FieldValueNotSupported',
      ],
    ],
    [
      'requests above limits',
      { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] },
      ['spec.containers[0].resources.requests FieldValueInvalid'],
    ],
    [
      'unknown resource name and bad quantity',
      { containers: [{ name: 'c', image: 'x', resources: { requests: { gpu: '1', memory: 'lots' } } }] },
      ['spec.containers[0].resources.requests[gpu] FieldValueInvalid', 'spec.containers[0].resources.requests[memory] FieldValueInvalid'],
    ],
    [
      'volume mounts',
      { volumes: [{ name: 'data', emptyDir: {} }, { name: 'data', emptyDir: {} }], containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'nope', mountPath: '/a' }, { name: 'data' }] }] },
      [
        'spec.volumes[1].name FieldValueDuplicate',
        'spec.containers[0].volumeMounts[0].name FieldValueNotFound',
        'spec.containers[0].volumeMounts[1].mountPath FieldValueRequired',
      ],
    ],
    [
      'probes',
      { containers: [{ name: 'c', image: 'x', livenessProbe: { successThreshold: 2, httpGet: { path: '/', port: 80 }, tcpSocket: { port: 80 } }, readinessProbe: {} }] },
      [
        'spec.containers[0].livenessProbe.tcpSocket FieldValueForbidden',
        'spec.containers[0].livenessProbe.successThreshold FieldValueInvalid',
        'spec.containers[0].readinessProbe FieldValueRequired',
      ],
    ],
    [
      'tolerations',
      {
        tolerations: [
          { operator: 'Equal', value: 'x' },
          { key: 'k', operator: 'Exists', value: 'v' },
          { key: 'k', operator: 'Is' },
          { key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 },
          { key: 'k', operator: 'Exists', effect: 'Sometimes' },
        ],
      },
      [
        'spec.tolerations[0].operator FieldValueInvalid',
        'spec.tolerations[1].operator FieldValueInvalid',
        'spec.tolerations[2].operator FieldValueNotSupported',
        'spec.tolerations[3].effect FieldValueInvalid',
        'spec.tolerations[4].effect FieldValueNotSupported',
      ],
    ],
    ['activeDeadlineSeconds 0', { activeDeadlineSeconds: 0 }, ['spec.activeDeadlineSeconds FieldValueInvalid']],
    ['nodeSelector', { nodeSelector: { 'bad key': 'v' } }, ['spec.nodeSelector FieldValueInvalid']],
    ['hostNetwork port mismatch', { hostNetwork: true, containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 81 }] }] }, ['spec.containers[0].ports[0].containerPort FieldValueInvalid']],
  ];
  it.each(cases)('%s', (_name, spec, want) => {
    const p = newPod(spec);
    pods.applyDefaults(p);
    expect(fields(pods.validate(p))).toEqual(want);
  });

  it('uses upstream messages', () => {
    const p = newPod({ restartPolicy: 'Sometimes', containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] });
    pods.applyDefaults(p);
    const msgs = pods.validate(p).map((e) => `${e.field}: ${e.message}`);
    expect(msgs).toEqual([
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]);
  });

  it('dnsConfig and hostAliases: upstream messages', () => {
    const p = newPod({ dnsPolicy: 'None', dnsConfig: { searches: ['a'] } });
    pods.applyDefaults(p);
    expect(pods.validate(p).map((e) => `${e.field}: ${e.message}`)).toEqual(['spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None']);
    const q = newPod({ dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'] }, hostAliases: [{ ip: '10.0.0.256', hostnames: ['a'] }] });
    pods.applyDefaults(q);
    expect(pods.validate(q).map((e) => `${e.field}: ${e.message}`)).toEqual([
      'spec.dnsConfig.nameservers: Invalid value: ["1.1.1.1","2.2.2.2","3.3.3.3","4.4.4.4"]: must not have more than 3 nameservers',
      'spec.hostAliases[0].ip: Invalid value: "10.0.0.256": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
  });

  it('bad pod name and missing namespace', () => {
    const p = newPod({}, { name: 'Web', namespace: undefined });
    pods.applyDefaults(p);
    expect(fields(pods.validate(p))).toEqual(['metadata.name FieldValueInvalid', 'metadata.namespace FieldValueRequired']);
  });
});

describe('pod update', () => {
  function stored(spec: any = {}): any {
    const p = created(newPod(spec));
    p.metadata.resourceVersion = '10';
    p.metadata.uid = 'u1';
    p.spec.nodeName = 'node01';
    p.status = { phase: 'Running', qosClass: 'BestEffort', podIP: '10.244.1.5' };
    return p;
  }
  function update(old: any, mutate: (p: any) => void): any {
    const p = JSON.parse(JSON.stringify(old));
    mutate(p);
    pods.applyDefaults(p);
    pods.prepareForUpdate(p, old);
    return p;
  }

  it('image, activeDeadlineSeconds (decrease) and added tolerations may change; status is kept', () => {
    const old = stored({ activeDeadlineSeconds: 100 });
    const p = update(old, (x) => {
      x.spec.containers[0].image = 'nginx:1.26';
      x.spec.activeDeadlineSeconds = 50;
      x.spec.tolerations.push({ key: 'k', operator: 'Exists' });
      x.status = { phase: 'Failed' };
    });
    expect(pods.validateUpdate(p, old)).toEqual([]);
    expect(p.status.phase).toBe('Running');
  });

  it('other spec changes are forbidden with the upstream message', () => {
    const old = stored();
    const p = update(old, (x) => {
      x.spec.containers[0].ports = [{ containerPort: 8080 }];
    });
    const errs = pods.validateUpdate(p, old);
    expect(errs).toHaveLength(1);
    expect(errs[0]!.field).toBe('spec');
    expect(errs[0]!.reason).toBe('FieldValueForbidden');
    expect(errs[0]!.message).toContain(`Forbidden: ${POD_UPDATE_FORBIDDEN_MESSAGE}`);
    expect(errs[0]!.message).toContain('containers[0].ports');
  });

  it.each([
    ['raising activeDeadlineSeconds', { activeDeadlineSeconds: 10 }, (x: any) => (x.spec.activeDeadlineSeconds = 20), 'must be less than or equal to previous value'],
    ['unsetting activeDeadlineSeconds', { activeDeadlineSeconds: 10 }, (x: any) => delete x.spec.activeDeadlineSeconds, 'must not update from a positive integer to nil value'],
    ['removing a toleration', {}, (x: any) => x.spec.tolerations.pop(), 'existing toleration can not be modified except its tolerationSeconds'],
    ['adding a container', {}, (x: any) => x.spec.containers.push({ name: 'd', image: 'x' }), 'pod updates may not add or remove containers'],
    ['emptying an image', {}, (x: any) => (x.spec.containers[0].image = ''), 'Required value'],
    ['changing the name', {}, (x: any) => (x.metadata.name = 'other'), 'field is immutable'],
  ])('%s is rejected', (_n, spec, mutate, msg) => {
    const old = stored(spec);
    const p = update(old, mutate);
    const errs = pods.validateUpdate(p, old);
    expect(errs.map((e) => e.message).join('\n')).toContain(msg);
  });

  it('status update keeps spec, checks IPs and node name', () => {
    const old = stored();
    const p = JSON.parse(JSON.stringify(old));
    p.spec.containers[0].image = 'changed';
    p.status = { phase: 'Running', qosClass: 'BestEffort', podIP: '10.244.1.6', conditions: [{ type: 'Ready', status: 'True' }] };
    pods.prepareForStatusUpdate(p, old);
    expect(p.spec.containers[0].image).toBe('nginx:1.25');
    expect(p.status.podIPs).toEqual([{ ip: '10.244.1.6' }]);
    expect(pods.validateStatusUpdate(p, old)).toEqual([]);

    const bad = JSON.parse(JSON.stringify(p));
    bad.status.podIPs = [{ ip: 'not-an-ip' }];
    bad.status.podIP = 'not-an-ip';
    bad.status.qosClass = 'Guaranteed';
    expect(fields(pods.validateStatusUpdate(bad, old))).toEqual(['status.qosClass FieldValueInvalid', 'status.podIPs[0].ip FieldValueInvalid']);
  });

  it('restartPolicy Never: a terminated container may not run again', () => {
    const old = stored({ restartPolicy: 'Never' });
    old.status.containerStatuses = [{ name: 'c', state: { terminated: { exitCode: 1 } } }];
    const p = JSON.parse(JSON.stringify(old));
    p.status.containerStatuses = [{ name: 'c', state: { running: {} } }];
    expect(fields(pods.validateStatusUpdate(p, old))).toEqual(['status.containerStatuses[0].state FieldValueForbidden']);
  });
});

describe('pod field selectors', () => {
  it('exposes upstream GetAttrs fields', () => {
    const p = created(newPod({ hostNetwork: true }));
    p.spec.nodeName = 'node01';
    p.status.podIPs = [{ ip: '10.244.1.2' }];
    const got = Object.fromEntries(Object.entries(pods.fieldSelectors).map(([k, f]) => [k, f(p)]));
    expect(got).toEqual({
      'metadata.name': 'web',
      'metadata.namespace': 'default',
      'spec.nodeName': 'node01',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': '',
      'spec.hostNetwork': 'true',
      'status.phase': 'Pending',
      'status.podIP': '10.244.1.2',
      'status.nominatedNodeName': '',
    });
  });
});

describe('ephemeral containers on create (ValidatePodCreate)', () => {
  it.each([
    ['none', undefined, []],
    ['an empty list', [], []],
    ['one', [{ name: 'debug', image: 'busybox' }], [{ reason: 'FieldValueForbidden', field: 'spec.ephemeralContainers', message: 'Forbidden: cannot be set on create' }]],
  ])('%s', (_name, eph, want) => {
    const p = created(newPod(eph === undefined ? {} : { ephemeralContainers: eph }));
    expect(pods.validate(p).filter((e) => e.field === 'spec.ephemeralContainers')).toEqual(want);
  });
});

describe('sidecar containers (init containers with restartPolicy Always) validation, as upstream', () => {
  const msgs = (p: any) => pods.validate(created(p)).map((e) => `${e.field}: ${e.message}`);
  const probe = { exec: { command: ['true'] } };
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a sidecar with probes and lifecycle is valid', { initContainers: [{ name: 's', image: 'busybox', restartPolicy: 'Always', readinessProbe: probe, livenessProbe: probe, startupProbe: probe, lifecycle: { preStop: { exec: { command: ['true'] } } } }] }, []],
    ['only Always is a container restartPolicy', { initContainers: [{ name: 's', image: 'busybox', restartPolicy: 'OnFailure' }] }, ['spec.initContainers[0].restartPolicy: Unsupported value: "OnFailure": supported values: "Always"']],
    ['an app container may not set restartPolicy', { containers: [{ name: 'c', image: 'nginx', restartPolicy: 'Always' }] }, ['spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers']],
    [
      'a regular init container may not have probes or lifecycle',
      { initContainers: [{ name: 'i', image: 'busybox', readinessProbe: probe, lifecycle: { postStart: { exec: { command: ['true'] } } } }] },
      ['spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always', 'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always'],
    ],
    ['a sidecar\'s liveness probe is validated as an app container\'s', { initContainers: [{ name: 's', image: 'busybox', restartPolicy: 'Always', livenessProbe: { ...probe, successThreshold: 2 } }] }, ['spec.initContainers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1']],
  ])('%s', (_n, spec, want) => {
    expect(msgs(newPod(spec))).toEqual(want);
  });
});
