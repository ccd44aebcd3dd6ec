import { describe, expect, it } from 'vitest';
import {
  POD_TEMPLATE_GENERATION_LABEL,
  REASON_FAILED_DAEMON_POD,
  backoffKey,
  daemonPodFor,
  daemonPodTolerations,
  daemonSetStatus,
  daemonSetStatusChanged,
  desiredNodeCounts,
  nextBackoff,
  nodeShouldRunDaemonPod,
  planDaemonSet,
  planManage,
  planRollingUpdate,
  targetNodeName,
  type DaemonSetState,
} from '../../../control-plane/controllers/daemonset/decide.js';
import { nodeChangeMatters } from '../../../control-plane/controllers/daemonset/controller.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../../../control-plane/controllers/history/history.js';
import type { DaemonSet, Node, Pod, Taint } from '../../../control-plane/controllers/util/types.js';

const NOW = Date.parse('2026-01-01T01:00:00Z');
const HASH = 'newhash';

function ds(mut: (d: DaemonSet) => void = () => undefined): DaemonSet {
  const d: DaemonSet = {
    metadata: { name: 'agent', namespace: 'kube-system', uid: 'ds-uid', generation: 1, annotations: { 'deprecated.daemonset.template.generation': '2' } },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:2' }], restartPolicy: 'Always' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    },
    status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 },
  };
  mut(d);
  return d;
}

function node(name: string, opts: { labels?: Record<string, string>; taints?: Taint[] } = {}): Node {
  return { metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } }, spec: { taints: opts.taints } };
}

const CP_TAINT: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

let seq = 0;
function pod(nodeName: string, opts: { hash?: string; ready?: boolean; phase?: string; created?: string; deleting?: boolean; scheduled?: boolean; name?: string } = {}): Pod {
  const name = opts.name ?? `agent-${nodeName}-${seq++}`;
  return {
    metadata: {
      name,
      namespace: 'kube-system',
      uid: `uid-${name}`,
      creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z',
      labels: { app: 'agent', [CONTROLLER_REVISION_HASH_LABEL]: opts.hash ?? HASH },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-uid', controller: true }],
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:59:00Z' } : {}),
    },
    spec: {
      containers: [{ name: 'a', image: 'agent' }],
      ...(opts.scheduled === false
        ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] } } } }
        : { nodeName }),
    },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    },
  };
}

const state = (d: DaemonSet, nodes: Node[], pods: Pod[], extra: Partial<DaemonSetState> = {}): DaemonSetState => ({ ds: d, nodes, pods, hash: HASH, now: NOW, ...extra });
const names = (ps: Pod[]) => ps.map((p) => p.metadata?.name);

describe('nodeShouldRunDaemonPod (taints, tolerations, selectors)', () => {
  const tolerateCP = (d: DaemonSet) => (d.spec!.template!.spec!.tolerations = [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }]);
  it.each<[string, Node, (d: DaemonSet) => void, boolean, boolean]>([
    ['a plain node', node('n1'), () => undefined, true, true],
    ['the control plane (NoSchedule) without a toleration: no new pod, a running one stays', node('cp', { taints: [CP_TAINT] }), () => undefined, false, true],
    ['the control plane with a toleration', node('cp', { taints: [CP_TAINT] }), tolerateCP, true, true],
    ['an untolerated NoExecute taint', node('n1', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }] }), () => undefined, false, false],
    ['a PreferNoSchedule taint does not count', node('n1', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }), () => undefined, true, true],
    ['not-ready NoExecute is tolerated by every daemon pod', node('n1', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] }), () => undefined, true, true],
    ['unreachable NoExecute too', node('n1', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }), () => undefined, true, true],
    ['unschedulable NoSchedule too', node('n1', { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }), () => undefined, true, true],
    ['disk/memory/pid pressure too', node('n1', { taints: ['disk', 'memory', 'pid'].map((k) => ({ key: `node.kubernetes.io/${k}-pressure`, effect: 'NoSchedule' })) }), () => undefined, true, true],
    ['network-unavailable only for hostNetwork pods', node('n1', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] }), () => undefined, false, true],
    ['network-unavailable with hostNetwork', node('n1', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] }), (d) => (d.spec!.template!.spec!.hostNetwork = true), true, true],
    ['a nodeSelector that matches', node('n1', { labels: { disk: 'ssd' } }), (d) => (d.spec!.template!.spec!.nodeSelector = { disk: 'ssd' }), true, true],
    ['a nodeSelector that does not', node('n1'), (d) => (d.spec!.template!.spec!.nodeSelector = { disk: 'ssd' }), false, false],
    [
      'required node affinity NotIn',
      node('n1', { labels: { zone: 'a' } }),
      (d) => (d.spec!.template!.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }] } } }),
      false,
      false,
    ],
    ['template nodeName of another node', node('n1'), (d) => (d.spec!.template!.spec!.nodeName = 'n2'), false, false],
  ])('%s', (_n, n, mut, shouldRun, shouldContinueRunning) => {
    expect(nodeShouldRunDaemonPod(n, ds(mut))).toEqual({ shouldRun, shouldContinueRunning });
  });

  it('the default tolerations are added once and a user toleration of the same kind is replaced', () => {
    const t = daemonPodTolerations({ containers: [], tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }] });
    expect(t.filter((x) => x.key === 'node.kubernetes.io/not-ready')).toEqual([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }]);
    expect(t.map((x) => x.key)).toEqual([
      'node.kubernetes.io/not-ready',
      'node.kubernetes.io/unreachable',
      'node.kubernetes.io/disk-pressure',
      'node.kubernetes.io/memory-pressure',
      'node.kubernetes.io/pid-pressure',
      'node.kubernetes.io/unschedulable',
    ]);
  });
});

describe('the daemon pod of a node', () => {
  it('is the template with the hash and generation labels, the tolerations and a metadata.name node affinity', () => {
    const d = ds((x) => (x.spec!.template!.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } }));
    const p = daemonPodFor(d, 'node01', 'h1');
    expect(p.metadata?.generateName).toBe('agent-');
    expect(p.metadata?.labels).toEqual({ app: 'agent', [POD_TEMPLATE_GENERATION_LABEL]: '2', [CONTROLLER_REVISION_HASH_LABEL]: 'h1' });
    expect(p.metadata?.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-uid', controller: true, blockOwnerDeletion: true }]);
    expect(p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual({
      nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node01'] }] }],
    });
    expect(p.spec?.nodeName).toBeUndefined();
    expect(p.spec?.tolerations).toHaveLength(6);
    expect(targetNodeName(p)).toBe('node01');
    // the DaemonSet's own template is untouched
    expect(d.spec?.template?.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchExpressions).toHaveLength(1);
  });
});

describe('the manage loop', () => {
  it('creates on every node that should run one and has none; a tainted control plane is skipped', () => {
    const nodes = [node('cp', { taints: [CP_TAINT] }), node('n1'), node('n2'), node('n3')];
    const plan = planManage(state(ds(), nodes, [pod('n2')]));
    expect(plan.createOn).toEqual(['n1', 'n3']);
    expect(plan.deletePods).toEqual([]);
  });

  it('with a toleration every node, the control plane included', () => {
    const d = ds((x) => (x.spec!.template!.spec!.tolerations = [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }]));
    expect(planManage(state(d, [node('cp', { taints: [CP_TAINT] }), node('n1')], [])).createOn).toEqual(['cp', 'n1']);
  });

  it('deletes pods of nodes that no longer match, keeps those under a NoSchedule taint, and unscheduled pods of vanished nodes', () => {
    const d = ds((x) => (x.spec!.template!.spec!.nodeSelector = { role: 'edge' }));
    const keep = pod('tainted');
    const off = pod('n1');
    const ghost = pod('gone', { scheduled: false });
    const goneScheduled = pod('gone2');
    const nodes = [node('n1'), node('tainted', { labels: { role: 'edge' }, taints: [{ key: 'k', effect: 'NoSchedule' }] })];
    const plan = planManage(state(d, nodes, [keep, off, ghost, goneScheduled]));
    expect(names(plan.deletePods)).toEqual([off.metadata?.name, ghost.metadata?.name]);
    expect(plan.createOn).toEqual([]);
  });

  it('a failed pod is deleted with a FailedDaemonPod warning, then backs off', () => {
    const d = ds();
    const failed = pod('n1', { phase: 'Failed' });
    const first = planManage(state(d, [node('n1')], [failed]));
    expect(names(first.deletePods)).toEqual([failed.metadata?.name]);
    expect(first.events).toEqual([
      { type: 'Warning', reason: REASON_FAILED_DAEMON_POD, message: `Found failed daemon pod kube-system/${failed.metadata?.name} on node n1, will try to kill it` },
    ]);
    const entry = first.backoff.get(backoffKey(d, 'n1'))!;
    expect(entry).toEqual({ lastUpdate: NOW, durationMs: 1000 });
    const again = planManage(state(d, [node('n1')], [failed], { now: NOW + 400, backoff: first.backoff }));
    expect(again.deletePods).toEqual([]);
    expect(again.requeueAfterMs).toBe(600);
    const later = planManage(state(d, [node('n1')], [failed], { now: NOW + 1500, backoff: first.backoff }));
    expect(later.deletePods).toHaveLength(1);
    expect(later.backoff.get(backoffKey(d, 'n1'))).toEqual({ lastUpdate: NOW + 1500, durationMs: 2000 });
  });

  it('backoff doubles to 15 minutes and starts over once expired', () => {
    let e = nextBackoff(undefined, 0);
    for (let i = 0; i < 20; i++) e = nextBackoff(e, e.lastUpdate + 1);
    expect(e.durationMs).toBe(15 * 60 * 1000);
    expect(nextBackoff(e, e.lastUpdate + 31 * 60 * 1000).durationMs).toBe(1000);
  });

  it('a succeeded pod is deleted; extra pods (no surge) all but the oldest', () => {
    const done = pod('n1', { phase: 'Succeeded' });
    const oldest = pod('n2', { created: '2025-12-31T00:00:00Z' });
    const extra = pod('n2');
    const deleting = pod('n2', { deleting: true });
    const plan = planManage(state(ds(), [node('n1'), node('n2')], [done, oldest, extra, deleting]));
    expect(names(plan.deletePods)).toEqual([done.metadata?.name, extra.metadata?.name]);
    expect(plan.events.map((e) => e.reason)).toEqual(['SucceededDaemonPod']);
  });

  it('with surge, an old ready pod stays beside an unavailable new one and goes once the new one is available', () => {
    const d = ds((x) => (x.spec!.updateStrategy!.rollingUpdate = { maxUnavailable: 0, maxSurge: 1 }));
    const old = pod('n1', { hash: 'oldhash', created: '2025-12-31T00:00:00Z' });
    const fresh = pod('n1', { ready: false });
    expect(planManage(state(d, [node('n1')], [old, fresh])).deletePods).toEqual([]);
    const ready = pod('n1');
    expect(names(planManage(state(d, [node('n1')], [old, ready])).deletePods)).toEqual([old.metadata?.name]);
  });

  it('at most 250 creates a sync (burstReplicas)', () => {
    const nodes = Array.from({ length: 300 }, (_, i) => node(`n${i}`));
    expect(planManage(state(ds(), nodes, [])).createOn).toHaveLength(250);
  });
});

describe('the rolling update', () => {
  const nodes = [node('n1'), node('n2'), node('n3'), node('n4')];
  it.each<[string, Partial<{ maxUnavailable: number | string; maxSurge: number | string }>, () => Pod[], number, number]>([
    ['maxUnavailable 1, all old and available: one at a time', { maxUnavailable: 1, maxSurge: 0 }, () => nodes.map((n) => pod(n.metadata!.name!, { hash: 'old' })), 0, 1],
    ['maxUnavailable 2', { maxUnavailable: 2, maxSurge: 0 }, () => nodes.map((n) => pod(n.metadata!.name!, { hash: 'old' })), 0, 2],
    ['maxUnavailable 50%', { maxUnavailable: '50%', maxSurge: 0 }, () => nodes.map((n) => pod(n.metadata!.name!, { hash: 'old' })), 0, 2],
    [
      'a new pod not yet available uses the budget',
      { maxUnavailable: 1, maxSurge: 0 },
      () => [pod('n1', { ready: false }), pod('n2', { hash: 'old' }), pod('n3', { hash: 'old' }), pod('n4', { hash: 'old' })],
      0,
      0,
    ],
    [
      'an unavailable old pod is always replaced (outside the budget)',
      { maxUnavailable: 1, maxSurge: 0 },
      () => [pod('n1', { hash: 'old', ready: false }), pod('n2', { hash: 'old' }), pod('n3', { hash: 'old' }), pod('n4', { hash: 'old' })],
      0,
      1,
    ],
    ['a node without a pod counts as unavailable', { maxUnavailable: 1, maxSurge: 0 }, () => [pod('n2', { hash: 'old' }), pod('n3', { hash: 'old' }), pod('n4', { hash: 'old' })], 0, 0],
    ['all updated: nothing to do', { maxUnavailable: 1, maxSurge: 0 }, () => nodes.map((n) => pod(n.metadata!.name!)), 0, 0],
    ['maxSurge 1: one new pod beside an old one', { maxUnavailable: 0, maxSurge: 1 }, () => nodes.map((n) => pod(n.metadata!.name!, { hash: 'old' })), 1, 0],
    ['maxSurge 50%', { maxUnavailable: 0, maxSurge: '50%' }, () => nodes.map((n) => pod(n.metadata!.name!, { hash: 'old' })), 2, 0],
    [
      'maxSurge: the new pod available, the old one goes and the next node surges',
      { maxUnavailable: 0, maxSurge: 1 },
      () => [pod('n1', { hash: 'old' }), pod('n1'), pod('n2', { hash: 'old' }), pod('n3', { hash: 'old' }), pod('n4', { hash: 'old' })],
      1,
      1,
    ],
    [
      'maxSurge: a new pod still starting holds the surge budget',
      { maxUnavailable: 0, maxSurge: 1 },
      () => [pod('n1', { hash: 'old' }), pod('n1', { ready: false }), pod('n2', { hash: 'old' }), pod('n3', { hash: 'old' }), pod('n4', { hash: 'old' })],
      0,
      0,
    ],
  ])('%s', (_n, ru, pods, creates, deletes) => {
    const d = ds((x) => (x.spec!.updateStrategy!.rollingUpdate = ru));
    const plan = planRollingUpdate(state(d, nodes, pods()));
    expect([plan.createOn.length, plan.deletePods.length]).toEqual([creates, deletes]);
  });

  it('the template generation label also marks a pod updated', () => {
    const p = pod('n1', { hash: 'old' });
    p.metadata!.labels![POD_TEMPLATE_GENERATION_LABEL] = '2';
    expect(planRollingUpdate(state(ds(), [node('n1')], [p])).deletePods).toEqual([]);
  });

  it('both budgets 0 behave as maxUnavailable 1', () => {
    const d = ds((x) => (x.spec!.updateStrategy!.rollingUpdate = { maxUnavailable: 0, maxSurge: 0 }));
    expect(desiredNodeCounts(d, nodes)).toEqual({ maxSurge: 0, maxUnavailable: 1, desired: 4 });
  });

  it('planDaemonSet: the manage loop first; the rolling update only when it has nothing to do, never for OnDelete', () => {
    const old = nodes.slice(1).map((n) => pod(n.metadata!.name!, { hash: 'old' }));
    expect(planDaemonSet(state(ds(), nodes, old))).toMatchObject({ phase: 'manage', createOn: ['n1'] });
    const all = nodes.map((n) => pod(n.metadata!.name!, { hash: 'old' }));
    expect(planDaemonSet(state(ds(), nodes, all))).toMatchObject({ phase: 'rollingUpdate' });
    expect(planDaemonSet(state(ds(), nodes, all)).deletePods).toHaveLength(1);
    const onDelete = ds((x) => (x.spec!.updateStrategy = { type: 'OnDelete' }));
    expect(planDaemonSet(state(onDelete, nodes, all))).toMatchObject({ phase: 'manage', createOn: [], deletePods: [] });
  });
});

describe('status', () => {
  it('counts desired, current, ready, available, updated, misscheduled and unavailable', () => {
    const d = ds((x) => (x.metadata!.generation = 3));
    const nodes = [node('cp', { taints: [CP_TAINT] }), node('n1'), node('n2'), node('n3')];
    const pods = [pod('cp'), pod('n1'), pod('n2', { hash: 'old' }), pod('n2', { hash: 'old', created: '2026-01-01T00:30:00Z' })];
    pods[2]!.status!.conditions![0]!.status = 'False';
    const st = daemonSetStatus(state(d, nodes, pods), true);
    expect(st).toMatchObject({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 2,
      numberMisscheduled: 1,
      numberReady: 1,
      numberAvailable: 1,
      updatedNumberScheduled: 1,
      numberUnavailable: 2,
      observedGeneration: 3,
    });
    expect(daemonSetStatus(state(d, nodes, pods), false).observedGeneration).toBeUndefined();
    expect(daemonSetStatusChanged(d, st)).toBe(true);
    expect(daemonSetStatusChanged({ ...d, status: st }, st)).toBe(false);
  });

  it('minReadySeconds: ready but not yet available', () => {
    const d = ds((x) => (x.spec!.minReadySeconds = 7200));
    const st = daemonSetStatus(state(d, [node('n1')], [pod('n1')]), true);
    expect([st.numberReady, st.numberAvailable]).toEqual([1, 0]);
  });
});

describe('node updates that matter', () => {
  const base = (): Node => ({ metadata: { name: 'n', labels: { a: '1' } }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:00Z' }] } });
  it.each<[string, (n: Node) => void, boolean]>([
    ['a heartbeat', (n) => (n.status!.conditions![0]!.lastHeartbeatTime = '2026-01-01T00:00:10Z'), false],
    ['a label', (n) => (n.metadata!.labels = { a: '2' }), true],
    ['a taint', (n) => (n.spec!.taints = [CP_TAINT]), true],
    ['Ready goes False', (n) => (n.status!.conditions![0]!.status = 'False'), true],
    ['cordoned', (n) => (n.spec!.unschedulable = true), true],
  ])('%s: %s', (_n, mut, want) => {
    const b = base();
    mut(b);
    expect(nodeChangeMatters(base(), b)).toBe(want);
  });
});
