import type { Pod } from '../../../node-agent/kubelet/types.js';
import { describe, expect, it } from 'vitest';
import { Backoff, crashLoopMessage, formatGoDuration } from '../../../node-agent/kubelet/backoff.js';
import { kubeletConfig, parseTaint } from '../../../node-agent/kubelet/config.js';
import { buildEnv, expandVars } from '../../../node-agent/kubelet/env.js';
import { renderLogs, parseCriLine } from '../../../node-agent/kubelet/logs.js';
import { capacity, initialNode, nodeConditions, nodeLease, type NodeFacts } from '../../../node-agent/kubelet/node-status.js';
import { defaultPullPolicy, podUpdateNeedsSync, referencedSources, runtimeResources, statusEssentials } from '../../../node-agent/kubelet/pod-plan.js';
import { nextProbeAt, probePort, probeSettings, recordProbe, initialProbeState } from '../../../node-agent/kubelet/probes.js';
import { authorizedClient, execStatus, pickContainer } from '../../../node-agent/kubelet/server.js';
import { containerMounts, planVolumes, VolumeError } from '../../../node-agent/kubelet/volumes.js';
import { buildCniNetwork, netnsUids, pluginConfig, podIPFromResult, podNetnsName } from '../../../node-agent/network/cni.js';
import { cidrWithin, desiredRoutes, diffRoutes } from '../../../node-agent/network/routes.js';

const pod = (extra: Record<string, any> = {}) => ({
  metadata: { name: 'web', namespace: 'default', uid: '11111111-2222-3333-4444-555555555555', labels: { app: 'web' }, annotations: { a: 'b' } },
  spec: { nodeName: 'node01', containers: [{ name: 'c', image: 'nginx', resources: { limits: { memory: '64Mi', cpu: '500m' } } }], ...extra },
});

describe('flags', () => {
  it('takes the lab unit\'s flags and upstream defaults', () => {
    const { config } = kubeletConfig([
      '--kubeconfig=/k', '--hostname-override=Node01', '--node-ip=192.168.56.21', '--container-runtime-endpoint=unix:///run/c.sock',
      '--root-dir=/var/lib/kubelab/node01/kubelet', '--pod-logs-dir=/var/log/pods-node01', '--cgroup-root=/kubelab-node01',
      '--registry-mirror=docker.io=http://192.168.56.11:5000', '--insecure-registry=192.168.56.11:5000',
      '--register-with-taints=node-role.kubernetes.io/control-plane=:NoSchedule', '--cni-bin-dir=/usr/lib/cni',
    ]);
    expect(config.nodeName).toBe('node01');
    expect(config.mirrors).toEqual({ 'docker.io': ['http://192.168.56.11:5000'] });
    expect(config.insecureRegistries).toEqual(['192.168.56.11:5000']);
    expect(config.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    expect(config.cniDataDir).toBe('/var/lib/kubelab/node01/kubelet/cni/networks');
    expect(config.podLogsDir).toBe('/var/log/pods-node01');
    expect(config.port).toBe(10250);
    expect(config.maxPods).toBe(110);
    expect(config.nodeStatusUpdateFrequencyMs).toBe(10_000);
    expect(config.leaseDurationSeconds).toBe(40);
  });
  it.each([
    ['a=b:NoSchedule', { key: 'a', value: 'b', effect: 'NoSchedule' }],
    ['a:NoExecute', { key: 'a', effect: 'NoExecute' }],
  ])('parses taint %s', (t, want) => expect(parseTaint(t)).toEqual(want));
  it('rejects a bad taint and unknown flags', () => {
    expect(() => parseTaint('a=b')).toThrow(/invalid taint/);
    expect(() => kubeletConfig(['--nope'])).toThrow(/unknown flag/);
  });
});

describe('CrashLoopBackOff back-off', () => {
  it('restarts at once the first time, then waits 10 s doubling to 5 min', () => {
    const b = new Backoff(10_000, 300_000);
    expect(b.isInBackOffSince('k', 0, 0)).toBe(false);
    const delays = [b.next('k', 0)];
    for (let i = 0; i < 7; i++) delays.push(b.next('k', 1000 * i));
    expect(delays).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    expect(b.isInBackOffSince('k', 5000, 6000)).toBe(true);
    expect(b.remaining('k', 5000, 6000)).toBe(299_000);
  });
  it('forgets a key idle for twice the maximum', () => {
    const b = new Backoff(10_000, 300_000);
    b.next('k', 0);
    b.next('k', 0);
    expect(b.get('k', 600_001)).toBe(0);
  });
  it.each([[10_000, '10s'], [80_000, '1m20s'], [300_000, '5m0s']])('formats %d ms as %s', (ms, s) => expect(formatGoDuration(ms)).toBe(s));
  it('words the message as upstream', () => {
    expect(crashLoopMessage(20_000, 'c', { name: 'p', namespace: 'ns', uid: 'u' })).toBe('back-off 20s restarting failed container=c pod=p_ns(u)');
  });
});

describe('env', () => {
  const sources = {
    configMap: (n: string) => (n === 'cm' ? { data: { COLOR: 'blue', 'bad name': 'x' } } : undefined),
    secret: (n: string) => (n === 's' ? { data: { PASSWORD: Buffer.from('hunter2').toString('base64') } } : undefined),
  };
  const ctx = { podIP: '10.244.1.5', hostIP: '192.168.56.21', nodeName: 'node01' };
  it('builds envFrom, then env with $(VAR) expansion and valueFrom', () => {
    const c = {
      name: 'c',
      image: 'nginx',
      resources: { limits: { memory: '64Mi' } },
      envFrom: [{ configMapRef: { name: 'cm' } }, { prefix: 'S_', secretRef: { name: 's' } }],
      env: [
        { name: 'A', value: 'x-$(COLOR)-$(NOPE)-$$(COLOR)' },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'LBL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'K', valueFrom: { configMapKeyRef: { name: 'cm', key: 'COLOR' } } },
        { name: 'P', valueFrom: { secretKeyRef: { name: 's', key: 'PASSWORD' } } },
        { name: 'O', valueFrom: { configMapKeyRef: { name: 'missing', key: 'x', optional: true } } },
      ],
    };
    const env = Object.fromEntries(buildEnv(pod(), c, sources, ctx).map((e) => [e.name, e.value]));
    expect(env).toEqual({ COLOR: 'blue', S_PASSWORD: 'hunter2', A: 'x-blue-$(NOPE)-$(COLOR)', POD: 'web', IP: '10.244.1.5', LBL: 'web', MEM: '64', K: 'blue', P: 'hunter2' });
  });
  it.each([
    [{ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k' } } }] }, 'configmap "gone" not found'],
    [{ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }, "couldn't find key k in ConfigMap default/cm"],
    [{ envFrom: [{ secretRef: { name: 'gone' } }] }, 'secret "gone" not found'],
  ])('a missing source is a config error (%#)', (c, msg) => {
    expect(() => buildEnv(pod(), { name: 'c', image: 'nginx', ...c }, sources, ctx)).toThrow(msg);
  });
  it('expands like upstream', () => {
    expect(expandVars('$(A)$(B)$$', (n) => (n === 'A' ? '1' : undefined))).toBe('1$(B)$');
  });
});

describe('volumes', () => {
  const sources = { configMap: (n: string) => (n === 'cm' ? { data: { 'index.html': 'hi' } } : undefined), secret: () => undefined };
  const ctx = { nodeName: 'node01' };
  it('plans emptyDir, configMap, hostPath, downwardAPI and mounts them', () => {
    const p = pod({
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'html', configMap: { name: 'cm' } },
        { name: 'host', hostPath: { path: '/srv/x', type: 'DirectoryOrCreate' } },
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      ],
    });
    const plans = planVolumes(p, '/var/lib/kubelet/pods/u', sources, ctx);
    expect(plans.map((x) => [x.name, x.hostPath, x.files.map((f) => [f.path, f.content.toString()])])).toEqual([
      ['scratch', '/var/lib/kubelet/pods/u/volumes/kubernetes.io~empty-dir/scratch', []],
      ['html', '/var/lib/kubelet/pods/u/volumes/kubernetes.io~configmap/html', [['index.html', 'hi']]],
      ['host', '/srv/x', []],
      ['info', '/var/lib/kubelet/pods/u/volumes/kubernetes.io~downward-api/info', [['labels', 'app="web"']]],
    ]);
    const mounts = containerMounts({ volumeMounts: [{ name: 'html', mountPath: '/usr/share/nginx/html', readOnly: true }, { name: 'scratch', mountPath: '/d', subPath: 'sub' }] }, plans);
    expect(mounts).toEqual([
      { hostPath: '/var/lib/kubelet/pods/u/volumes/kubernetes.io~configmap/html', containerPath: '/usr/share/nginx/html', readOnly: true },
      { hostPath: '/var/lib/kubelet/pods/u/volumes/kubernetes.io~empty-dir/scratch/sub', containerPath: '/d', readOnly: false },
    ]);
  });
  it('a missing ConfigMap fails the mount with upstream\'s message; optional ones do not', () => {
    expect(() => planVolumes(pod({ volumes: [{ name: 'v', configMap: { name: 'nope' } }] }), '/d', sources, ctx)).toThrow(
      'MountVolume.SetUp failed for volume "v" : configmap "nope" not found',
    );
    expect(() => planVolumes(pod({ volumes: [{ name: 'v', configMap: { name: 'nope' } }] }), '/d', sources, ctx)).toThrow(VolumeError);
    expect(planVolumes(pod({ volumes: [{ name: 'v', configMap: { name: 'nope', optional: true } }] }), '/d', sources, ctx)[0]!.files).toEqual([]);
  });
  it('lists the ConfigMaps and Secrets a pod references', () => {
    const p = pod({ volumes: [{ name: 'v', configMap: { name: 'cm1' } }, { name: 's', secret: { secretName: 's1' } }] });
    p.spec.containers[0] = { ...p.spec.containers[0]!, envFrom: [{ configMapRef: { name: 'cm2' } }] } as never;
    const r = referencedSources(p);
    expect([...r.cms].sort()).toEqual(['cm1', 'cm2']);
    expect([...r.secrets]).toEqual(['s1']);
  });
});

describe('probes', () => {
  const s = probeSettings({ periodSeconds: 2, failureThreshold: 3, successThreshold: 1, initialDelaySeconds: 5 });
  it('flips after the thresholds', () => {
    let st = initialProbeState('liveness');
    const seen: boolean[] = [];
    for (const o of [false, false, true, false, false, false]) {
      st = recordProbe(st, o, s);
      seen.push(st.result);
    }
    expect(seen).toEqual([true, true, true, true, true, false]);
    let r = initialProbeState('readiness');
    expect(r.result).toBe(false);
    r = recordProbe(r, true, s);
    expect(r.result).toBe(true);
  });
  it.each([
    ['the defaults', {}, { initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1000 }],
    ['seconds as milliseconds', { initialDelaySeconds: 5, periodSeconds: 2, timeoutSeconds: 3 }, { initialDelayMs: 5000, periodMs: 2000, timeoutMs: 3000 }],
    // int32 seconds beyond what a timer holds: bounded, not a timer that fires after 1 ms (a probe every millisecond).
    ['int32 maxima', { initialDelaySeconds: 2 ** 31 - 1, periodSeconds: 2 ** 31 - 1, timeoutSeconds: 2 ** 31 - 1 }, { initialDelayMs: 2 ** 31 - 1, periodMs: 2 ** 31 - 1, timeoutMs: 2 ** 31 - 1 }],
  ])('timing: %s', (_name, spec, want) => {
    expect(probeSettings(spec)).toMatchObject(want);
  });
  it('schedules after the initial delay, then every period', () => {
    expect(nextProbeAt(1000, undefined, s)).toBe(6000);
    expect(nextProbeAt(1000, 6000, s)).toBe(8000);
  });
  it('resolves named ports', () => {
    expect(probePort('http', { ports: [{ name: 'http', containerPort: 8080 }] })).toBe(8080);
    expect(probePort(80, {})).toBe(80);
    expect(probePort('81', {})).toBe(81);
  });
});

describe('routes', () => {
  const node = (name: string, cidr?: string, ip?: string) => ({ metadata: { name }, spec: cidr ? { podCIDR: cidr } : {}, status: { addresses: ip ? [{ type: 'InternalIP', address: ip }] : [] } });
  it('wants one route per other node with a podCIDR and an InternalIP', () => {
    const nodes = [node('node01', '10.244.1.0/24', '192.168.56.21'), node('node02', '10.244.2.0/24', '192.168.56.22'), node('cp', '10.244.0.0/24', '192.168.56.11'), node('new')];
    expect(desiredRoutes(nodes, 'node01')).toEqual([
      { cidr: '10.244.0.0/24', via: '192.168.56.11' },
      { cidr: '10.244.2.0/24', via: '192.168.56.22' },
    ]);
  });
  it.each([
    ['adds missing', [], [{ cidr: '10.244.2.0/24', via: 'B' }], { replace: [{ cidr: '10.244.2.0/24', via: 'B' }], remove: [] }],
    ['replaces a changed gateway', [{ cidr: '10.244.2.0/24', via: 'A' }], [{ cidr: '10.244.2.0/24', via: 'B' }], { replace: [{ cidr: '10.244.2.0/24', via: 'B' }], remove: [] }],
    ['keeps a current one', [{ cidr: '10.244.2.0/24', via: 'B' }], [{ cidr: '10.244.2.0/24', via: 'B' }], { replace: [], remove: [] }],
    ['removes a gone node\'s route', [{ cidr: '10.244.3.0/24', via: 'C' }], [], { replace: [], remove: [{ cidr: '10.244.3.0/24', via: 'C' }] }],
    ['leaves routes outside the cluster CIDR', [{ cidr: '10.96.0.0/16', via: 'X' }], [], { replace: [], remove: [] }],
  ])('%s', (_n, cur, want, out) => expect(diffRoutes(cur, want, '10.244.0.0/16')).toEqual(out));
  it('checks CIDR containment', () => {
    expect(cidrWithin('10.244.3.0/24', '10.244.0.0/16')).toBe(true);
    expect(cidrWithin('10.245.0.0/24', '10.244.0.0/16')).toBe(false);
    expect(cidrWithin('10.0.0.0/8', '10.244.0.0/16')).toBe(false);
  });
});

describe('CNI', () => {
  it('builds bridge + host-local on the podCIDR with the node\'s own dataDir', () => {
    const net = buildCniNetwork('10.244.1.0/24', '/var/lib/kubelab/node01/cni');
    expect(net.plugins[0]).toMatchObject({ type: 'bridge', bridge: 'cni0', isGateway: true, ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.1.0/24' }]], dataDir: '/var/lib/kubelab/node01/cni' } });
    expect(pluginConfig(net, net.plugins[0]!, { ips: [] })).toMatchObject({ name: 'kubelab', cniVersion: '1.0.0', prevResult: { ips: [] } });
  });
  it('names netns per node and pod uid and finds them again', () => {
    const uid = '11111111-2222-3333-4444-555555555555';
    expect(podNetnsName('node01', uid)).toBe(`kubelab-node01-${uid}`);
    expect(netnsUids([`kubelab-node01-${uid}`, `kubelab-node02-${uid}`, 'kubelab-node01', 'other'], 'node01')).toEqual([uid]);
  });
  it('takes the IPv4 from a result', () => {
    expect(podIPFromResult({ ips: [{ address: 'fd00::2/64' }, { address: '10.244.1.2/24', gateway: '10.244.1.1' }] })).toBe('10.244.1.2');
  });
});

describe('node', () => {
  const facts: NodeFacts = { nodeName: 'node01', nodeIP: '192.168.56.21', cpuCount: 2, memoryBytes: 4 * 1024 ** 3, maxPods: 110, kernelVersion: '6.1.0', osImage: 'Debian GNU/Linux 12 (bookworm)', containerRuntimeVersion: 'containerd://1.6.20', machineID: 'm', bootID: 'b', port: 10250, labels: { zone: 'a' }, taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] };
  it('registers with addresses, capacity, nodeInfo, taints and labels', () => {
    const n = initialNode(facts, { runtimeReady: true, networkReady: true }, new Date(0));
    expect(n.status!.addresses).toEqual([{ type: 'InternalIP', address: '192.168.56.21' }, { type: 'Hostname', address: 'node01' }]);
    expect(capacity(facts)).toMatchObject({ cpu: '2', memory: '4194304Ki', pods: '110' });
    expect(n.status!.nodeInfo).toMatchObject({ containerRuntimeVersion: 'containerd://1.6.20', kubeletVersion: 'v1.32.0-kubelab', operatingSystem: 'linux', architecture: 'amd64' });
    expect(n.spec!.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    expect(n.metadata!.labels).toMatchObject({ 'kubernetes.io/hostname': 'node01', zone: 'a' });
    expect(n.status!.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10250 } });
  });
  it('is NotReady without a pod network and keeps transition times while unchanged', () => {
    const c1 = nodeConditions({ runtimeReady: true, networkReady: false }, undefined, new Date(1000));
    const ready1 = c1.find((c) => c.type === 'Ready')!;
    expect(ready1).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
    expect(ready1.message).toMatch(/NetworkPluginNotReady/);
    const c2 = nodeConditions({ runtimeReady: true, networkReady: true }, c1, new Date(5000));
    const c3 = nodeConditions({ runtimeReady: true, networkReady: true }, c2, new Date(9000));
    const r3 = c3.find((c) => c.type === 'Ready')!;
    expect(r3).toMatchObject({ status: 'True', reason: 'KubeletReady', lastTransitionTime: '1970-01-01T00:00:05Z', lastHeartbeatTime: '1970-01-01T00:00:09Z' });
    expect(c3.map((c) => c.type)).toEqual(['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']);
  });
  it('builds its Lease', () => {
    const l = nodeLease('node01', 'uid1', 40, new Date('2026-01-01T00:00:00.123Z'));
    expect(l.spec).toEqual({ holderIdentity: 'node01', leaseDurationSeconds: 40, renewTime: '2026-01-01T00:00:00.123000Z' });
    expect(l.metadata!.ownerReferences![0]).toMatchObject({ kind: 'Node', name: 'node01', uid: 'uid1' });
  });
});

describe('logs', () => {
  const file = [
    '2026-01-01T00:00:01.000000000Z stdout F one',
    '2026-01-01T00:00:02.000000000Z stderr P tw',
    '2026-01-01T00:00:02.500000000Z stderr F o',
    '2026-01-01T00:00:03.000000000Z stdout F three',
    '',
  ].join('\n');
  it.each([
    [{}, 'one\ntwo\nthree\n'],
    [{ tailLines: 1 }, 'three\n'],
    [{ tailLines: 0 }, ''],
    [{ timestamps: true, tailLines: 2 }, '2026-01-01T00:00:02.000000000Z two\n2026-01-01T00:00:03.000000000Z three\n'],
    [{ sinceTime: Date.parse('2026-01-01T00:00:02Z') }, 'two\nthree\n'],
    [{ limitBytes: 5 }, 'one\nt'],
  ])('renders %j', (opts, want) => expect(renderLogs(file, opts)).toBe(want));
  it('shows a trailing partial line as it is', () => {
    expect(renderLogs('2026-01-01T00:00:01Z stdout F a\n2026-01-01T00:00:02Z stdout P b', {})).toBe('a\nb');
  });
  it('parses a CRI line', () => {
    expect(parseCriLine('2026-01-01T00:00:01Z stdout F hello world')).toEqual({ time: '2026-01-01T00:00:01Z', stream: 'stdout', partial: false, text: 'hello world' });
    expect(parseCriLine('garbage')).toBeUndefined();
  });
});

describe('kubelet API helpers', () => {
  it.each([
    [{ CN: 'kube-apiserver-kubelet-client' }, true],
    [{ CN: 'admin', O: 'system:masters' }, true],
    [{ CN: 'system:node:node01', O: 'system:nodes' }, false],
    [undefined, false],
  ])('authorizes %j: %s', (subject, ok) => expect(authorizedClient(subject as never)).toBe(ok));
  it('reports exit codes as upstream\'s Status', () => {
    expect(execStatus(0)).toEqual({ metadata: {}, status: 'Success' });
    expect(execStatus(7)).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } });
  });
  it('picks the container', () => {
    expect(pickContainer(pod(), undefined)).toEqual({ name: 'c' });
    const two = pod();
    two.spec.containers.push({ name: 'd', image: 'x' } as never);
    expect(pickContainer(two, null).error).toBe('a container name must be specified for pod web, choose one of: [c d]');
    expect(pickContainer(two, 'zz').error).toMatch(/not valid/);
  });
});

describe('container settings', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    ['127.0.0.1:5000/nginx', 'Always'],
    ['127.0.0.1:5000/nginx:1', 'IfNotPresent'],
    ['nginx@sha256:abc', 'IfNotPresent'],
  ])('pull policy of %s is %s', (img, want) => expect(defaultPullPolicy(img)).toBe(want));
  it('turns resources into cgroup settings as upstream', () => {
    expect(runtimeResources({ resources: { requests: { cpu: '250m' }, limits: { cpu: '500m', memory: '64Mi' } } })).toEqual({ cpuShares: 256, cpuPeriod: 100000, cpuQuota: 50000, memoryLimitBytes: 67108864 });
    expect(runtimeResources({})).toEqual({ cpuShares: 2 });
  });
});

describe('which pod updates start a sync', () => {
  const running = { phase: 'Running', podIP: '10.244.1.5', conditions: [{ type: 'Ready', status: 'True' }] };
  const base = { ...pod(), status: running };
  const mine = statusEssentials(running);
  const cases: [string, Pod, string | undefined, boolean][] = [
    ['the status this kubelet wrote', { ...base, metadata: { ...base.metadata, resourceVersion: '9' } }, mine, false],
    ['a status someone else wrote (not Ready)', { ...base, status: { ...running, conditions: [{ type: 'Ready', status: 'False' }] } }, mine, true],
    ['a status before this kubelet wrote any', base, undefined, true],
    ['a new label', { ...base, metadata: { ...base.metadata, labels: { app: 'other' } } }, mine, true],
    ['a deletion', { ...base, metadata: { ...base.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }, mine, true],
    ['a spec change', { ...base, spec: { ...base.spec, activeDeadlineSeconds: 5 } }, mine, true],
  ];
  it.each(cases)('%s', (_what, next, written, want) => expect(podUpdateNeedsSync(base, next, written)).toBe(want));
  it('an informer resync (the same object) always does', () => expect(podUpdateNeedsSync(base, base, mine)).toBe(true));
});
