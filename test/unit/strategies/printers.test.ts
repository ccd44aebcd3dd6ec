import { describe, expect, it } from 'vitest';
import { findResource } from '../../../api/resources.js';
import { strategyFor } from '../../../api/kinds/registry.js';
import {
  formatEndpoints,
  formatLabelSelector,
  humanDuration,
  labelSelectorString,
  podStatusSummary,
  translateTimestampSince,
} from '../../../api/strategies/printers.js';

const NOW = new Date('2024-06-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

const columns = (group: string, plural: string) =>
  strategyFor(findResource(group, plural)!).tableColumns.map((c) => (c.priority ? `(${c.name})` : c.name));
const cells = (group: string, plural: string, obj: any) => strategyFor(findResource(group, plural)!).tableCells(obj, NOW);

describe('HumanDuration', () => {
  it.each([
    [-5 * S, '<invalid>'],
    [-1 * S, '0s'],
    [0, '0s'],
    [5 * S, '5s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [3 * M + 20 * S, '3m20s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 5 * M, '3h5m'],
    [8 * H + 5 * M, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [2 * D + 3 * H, '2d3h'],
    [8 * D, '8d'],
    [400 * D, '400d'],
    [2 * 365 * D, '2y'],
    [2 * 365 * D + 30 * D, '2y30d'],
    [9 * 365 * D, '9y'],
  ])('%d ms -> %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });

  it('missing timestamps are <unknown>', () => {
    expect(translateTimestampSince(undefined, NOW)).toBe('<unknown>');
    expect(translateTimestampSince(ago(65 * S), NOW)).toBe('65s');
  });
});

describe('column sets (priority columns in parentheses)', () => {
  it.each([
    ['', 'pods', ['Name', 'Ready', 'Status', 'Restarts', 'Age', '(IP)', '(Node)', '(Nominated Node)', '(Readiness Gates)']],
    ['apps', 'deployments', ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', '(Containers)', '(Images)', '(Selector)']],
    ['apps', 'replicasets', ['Name', 'Desired', 'Current', 'Ready', 'Age', '(Containers)', '(Images)', '(Selector)']],
    ['', 'services', ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', '(Selector)']],
    ['', 'endpoints', ['Name', 'Endpoints', 'Age']],
    ['', 'nodes', ['Name', 'Status', 'Roles', 'Age', 'Version', '(Internal-IP)', '(External-IP)', '(OS-Image)', '(Kernel-Version)', '(Container-Runtime)']],
    ['', 'namespaces', ['Name', 'Status', 'Age']],
    ['', 'configmaps', ['Name', 'Data', 'Age']],
    ['', 'secrets', ['Name', 'Type', 'Data', 'Age']],
    ['', 'events', ['Last Seen', 'Type', 'Reason', 'Object', '(Subobject)', '(Source)', 'Message', '(First Seen)', '(Count)', '(Name)']],
    ['events.k8s.io', 'events', ['Last Seen', 'Type', 'Reason', 'Object', '(Subobject)', '(Source)', 'Message', '(First Seen)', '(Count)', '(Name)']],
    ['', 'serviceaccounts', ['Name', 'Secrets', 'Age']],
    ['coordination.k8s.io', 'leases', ['Name', 'Holder', 'Age']],
    ['discovery.k8s.io', 'endpointslices', ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']],
  ])('%s/%s', (group, plural, want) => {
    expect(columns(group, plural)).toEqual(want);
  });

  it('name columns carry format "name"', () => {
    const pod = strategyFor(findResource('', 'pods')!).tableColumns;
    expect(pod[0]).toMatchObject({ name: 'Name', type: 'string', format: 'name', priority: 0 });
    expect(pod[3]!.type).toBe('string');
  });
});

describe('pod STATUS / READY / RESTARTS', () => {
  const base = (status: any, spec: any = {}, meta: any = {}) => ({
    metadata: { name: 'p', creationTimestamp: ago(5 * M), ...meta },
    spec: { containers: [{ name: 'c', image: 'x' }], ...spec },
    status,
  });
  it.each([
    ['pending, unscheduled', base({ phase: 'Pending' }), 'Pending', '0/1', '0'],
    ['creating', base({ phase: 'Pending', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] }), 'ContainerCreating', '0/1', '0'],
    ['running and ready', base({ phase: 'Running', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: { running: {} } }] }), 'Running', '1/1', '0'],
    [
      'crash loop with last restart',
      base({
        phase: 'Running',
        containerStatuses: [
          {
            name: 'c',
            ready: false,
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(30 * S) } },
          },
        ],
      }),
      'CrashLoopBackOff',
      '0/1',
      '4 (30s ago)',
    ],
    ['completed', base({ phase: 'Succeeded', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }), 'Completed', '0/1', '0'],
    ['exit code without reason', base({ phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 137 } } }] }), 'ExitCode:137', '0/1', '0'],
    ['signal', base({ phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0, signal: 9 } } }] }), 'Signal:9', '0/1', '0'],
    [
      'init running',
      base(
        { phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { running: {} } }], containerStatuses: [{ name: 'c', state: { waiting: { reason: 'PodInitializing' } } }] },
        { initContainers: [{ name: 'i', image: 'x' }] },
      ),
      'Init:0/1',
      '0/1',
      '0',
    ],
    [
      'init failing',
      base({ phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 2 }] }, { initContainers: [{ name: 'i', image: 'x' }] }),
      'Init:CrashLoopBackOff',
      '0/1',
      '2',
    ],
    [
      'init exit code',
      base({ phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { terminated: { exitCode: 3 } } }] }, { initContainers: [{ name: 'i', image: 'x' }] }),
      'Init:ExitCode:3',
      '0/1',
      '0',
    ],
    [
      'terminating',
      base({ phase: 'Running', containerStatuses: [{ name: 'c', ready: true, state: { running: {} } }] }, {}, { deletionTimestamp: ago(1 * S) }),
      'Terminating',
      '1/1',
      '0',
    ],
    ['node lost', base({ phase: 'Running', reason: 'NodeLost' }, {}, { deletionTimestamp: ago(1 * S) }), 'Unknown', '0/1', '0'],
    ['evicted', base({ phase: 'Failed', reason: 'Evicted' }), 'Evicted', '0/1', '0'],
    ['scheduling gated', base({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }), 'SchedulingGated', '0/1', '0'],
    [
      'completed but one still running and ready',
      base(
        {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True' }],
          containerStatuses: [
            { name: 'a', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
            { name: 'b', ready: true, state: { running: {} } },
          ],
        },
        { containers: [{ name: 'a' }, { name: 'b' }] },
      ),
      'Running',
      '1/2',
      '0',
    ],
    [
      'sidecar counts as a container',
      base(
        {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [{ name: 's', started: true, ready: true, state: { running: {} } }],
          containerStatuses: [{ name: 'c', ready: true, state: { running: {} } }],
        },
        { initContainers: [{ name: 's', image: 'x', restartPolicy: 'Always' }] },
      ),
      'Running',
      '2/2',
      '0',
    ],
  ])('%s', (_n, pod, status, ready, restarts) => {
    expect(podStatusSummary(pod, NOW)).toEqual({ status, ready, restarts });
  });

  it('full pod row, wide columns included', () => {
    const pod = base({ phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }], containerStatuses: [{ name: 'c', ready: true, state: { running: {} } }] }, {
      nodeName: 'node01',
      readinessGates: [{ conditionType: 'example.com/ok' }],
    });
    expect(cells('', 'pods', pod)).toEqual(['p', '1/1', 'Running', '0', '5m', '10.244.1.5', 'node01', '<none>', '0/1']);
    expect(cells('', 'pods', base({ phase: 'Pending' }))).toEqual(['p', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>']);
  });
});

describe('rows', () => {
  it('deployment', () => {
    const d = {
      metadata: { name: 'web', creationTimestamp: ago(3 * D + 2 * H) },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] },
        template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'side', image: 'busybox' }] } },
      },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    expect(cells('apps', 'deployments', d)).toEqual(['web', '2/3', 3, 2, '3d2h', 'nginx,side', 'nginx:1.25,busybox', 'app=web,tier in (be,fe)']);
  });

  it('replicaset', () => {
    const rs = {
      metadata: { name: 'web-abc', creationTimestamp: ago(10 * S) },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': 'abc' } }, template: { spec: { containers: [{ name: 'n', image: 'nginx' }] } } },
      status: { replicas: 3, readyReplicas: 1 },
    };
    expect(cells('apps', 'replicasets', rs)).toEqual(['web-abc', 3, 3, 1, '10s', 'n', 'nginx', 'app=web,pod-template-hash=abc']);
  });

  it('label selector formatting', () => {
    expect(formatLabelSelector({})).toBe('<none>');
    expect(labelSelectorString(undefined)).toBe('');
    expect(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'DoesNotExist' }] })).toBe('a,!b');
    expect(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bad' }] })).toBe('<error>');
  });

  it.each([
    [{ type: 'ClusterIP', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'web' } }, {}, ['ClusterIP', '10.96.0.10', '<none>', '80/TCP', 'app=web']],
    [{ type: 'NodePort', clusterIPs: ['10.96.0.11'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] }, {}, ['NodePort', '10.96.0.11', '<none>', '80:30080/TCP,53/UDP', '<none>']],
    [{ type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] }, {}, ['LoadBalancer', '10.96.0.12', '<pending>', '80:31000/TCP', '<none>']],
    [{ type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], ports: [] }, { loadBalancer: { ingress: [{ ip: '192.168.56.200' }] } }, ['LoadBalancer', '10.96.0.12', '192.168.56.200', '<none>', '<none>']],
    [{ type: 'ExternalName', externalName: 'db.example.com' }, {}, ['ExternalName', '<none>', 'db.example.com', '<none>', '<none>']],
    [{ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80, protocol: 'TCP' }], externalIPs: ['1.2.3.4'] }, {}, ['ClusterIP', 'None', '1.2.3.4', '80/TCP', '<none>']],
  ])('service %j', (spec, status, want) => {
    const row = cells('', 'services', { metadata: { name: 's', creationTimestamp: ago(1 * H) }, spec, status });
    expect(row).toEqual(['s', want[0], want[1], want[2], want[3], '60m', want[4]]);
  });

  it('endpoints', () => {
    const ep = (subsets: any) => ({ metadata: { name: 'e' }, subsets });
    expect(formatEndpoints(ep(undefined))).toBe('<none>');
    expect(formatEndpoints(ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }] }]))).toBe('10.0.0.1:80,10.0.0.2:80');
    expect(
      formatEndpoints(ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }, { ip: 'fd00::1' }], ports: [{ port: 80 }] }])),
    ).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...');
    expect(formatEndpoints(ep([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 443 }] }]))).toBe('[fd00::1]:443');
    expect(formatEndpoints(ep([{ addresses: [{ ip: '10.0.0.9' }] }]))).toBe('10.0.0.9');
    expect(cells('', 'endpoints', { metadata: { name: 'e' }, subsets: [] })).toEqual(['e', '<none>', '<unknown>']);
  });

  it('endpoint slices', () => {
    const es = {
      metadata: { name: 'web-x', creationTimestamp: ago(2 * M) },
      addressType: 'IPv4',
      ports: [{ port: 80 }, { name: 'metrics' }, {}],
      endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2', '10.0.0.3', '10.0.0.4'] }],
    };
    expect(cells('discovery.k8s.io', 'endpointslices', es)).toEqual(['web-x', 'IPv4', '80,metrics,*', '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...', '2m']);
    expect(cells('discovery.k8s.io', 'endpointslices', { metadata: { name: 'e' }, addressType: 'IPv4' })).toEqual(['e', 'IPv4', '<unset>', '<unset>', '<unknown>']);
  });

  it('nodes', () => {
    const n = {
      metadata: { name: 'controlplane01', creationTimestamp: ago(2 * D), labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'master' } },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '192.168.56.11' }, { type: 'Hostname', address: 'controlplane01' }],
        nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.6.20' },
      },
    };
    expect(cells('', 'nodes', n)).toEqual([
      'controlplane01',
      'Ready,SchedulingDisabled',
      'control-plane,master',
      '2d',
      'v1.32.0',
      '192.168.56.11',
      '<none>',
      'Debian GNU/Linux 12 (bookworm)',
      '6.1.0',
      'containerd://1.6.20',
    ]);
    expect(cells('', 'nodes', { metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }).slice(0, 3)).toEqual(['n', 'NotReady', '<none>']);
    expect(cells('', 'nodes', { metadata: { name: 'n' } })[1]).toBe('Unknown');
  });

  it('namespaces, configmaps, secrets, serviceaccounts, leases', () => {
    const meta = { name: 'x', creationTimestamp: ago(45 * S) };
    expect(cells('', 'namespaces', { metadata: meta, status: { phase: 'Active' } })).toEqual(['x', 'Active', '45s']);
    expect(cells('', 'configmaps', { metadata: meta, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } })).toEqual(['x', 3, '45s']);
    expect(cells('', 'secrets', { metadata: meta, type: 'Opaque', data: { a: 'AA==' } })).toEqual(['x', 'Opaque', 1, '45s']);
    expect(cells('', 'serviceaccounts', { metadata: meta })).toEqual(['x', 0, '45s']);
    expect(cells('coordination.k8s.io', 'leases', { metadata: meta, spec: { holderIdentity: 'node01' } })).toEqual(['x', 'node01', '45s']);
  });

  it('core/v1 events', () => {
    const ev = {
      metadata: { name: 'web.17a' },
      involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{nginx}' },
      reason: 'Pulled',
      message: '  Successfully pulled image  ',
      type: 'Normal',
      source: { component: 'kubelet', host: 'node01' },
      firstTimestamp: ago(10 * M),
      lastTimestamp: ago(2 * M),
      count: 4,
    };
    expect(cells('', 'events', ev)).toEqual(['2m', 'Normal', 'Pulled', 'pod/web', 'spec.containers{nginx}', 'kubelet, node01', 'Successfully pulled image', '10m', 4, 'web.17a']);
  });

  it('events.k8s.io/v1 events with a series', () => {
    const ev = {
      apiVersion: 'events.k8s.io/v1',
      metadata: { name: 'web.1' },
      regarding: { kind: 'Deployment', name: 'web' },
      reason: 'ScalingReplicaSet',
      note: 'Scaled up',
      type: 'Normal',
      eventTime: ago(5 * M),
      reportingController: 'deployment-controller',
      series: { count: 3, lastObservedTime: ago(30 * S) },
    };
    expect(cells('events.k8s.io', 'events', ev)).toEqual(['30s', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller', 'Scaled up', '5m', 3, 'web.1']);
    const single = { ...ev, series: undefined };
    expect(cells('events.k8s.io', 'events', single).slice(0, 1)).toEqual(['5m']);
    expect(cells('events.k8s.io', 'events', single)[8]).toBe(1);
  });
});
