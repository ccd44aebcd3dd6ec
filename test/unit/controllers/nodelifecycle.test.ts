import { describe, expect, it } from 'vitest';
import {
  decideEvictions,
  desiredTaints,
  nodeHealth,
  planNodeLifecycle,
  podsToMarkNotReady,
  taintsChanged,
  toleratesTaint,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
} from '../../../control-plane/controllers/nodelifecycle/decide.js';
import type { Lease, Node, Pod, Taint } from '../../../control-plane/controllers/util/types.js';

const T0 = Date.parse('2026-01-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const OPTS = { gracePeriodMs: 50_000, startupGracePeriodMs: 60_000 };

function node(ready: 'True' | 'False' | 'Unknown' | undefined, taints: Taint[] = [], heartbeat = iso(T0)): Node {
  const conditions = ready
    ? [
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: heartbeat, lastTransitionTime: iso(T0 - 1e6) },
        { type: 'Ready', status: ready, reason: 'KubeletReady', lastHeartbeatTime: heartbeat, lastTransitionTime: iso(T0 - 1e6) },
      ]
    : [];
  return { metadata: { name: 'node01', creationTimestamp: iso(T0 - 1e6) }, spec: { taints }, status: { conditions } };
}
const lease = (renew: number): Lease => ({ metadata: { name: 'node01', namespace: 'kube-node-lease' }, spec: { renewTime: iso(renew) } });

describe('nodeHealth', () => {
  it('a node that keeps renewing its Lease stays as it is', () => {
    const n = node('True');
    let r = nodeHealth(n, lease(T0), undefined, T0, OPTS);
    for (let t = 10_000; t <= 120_000; t += 10_000) {
      r = nodeHealth(n, lease(T0 + t), r.health, T0 + t, OPTS);
      expect(r.conditions).toBeUndefined();
    }
  });

  it('after the grace period without renewal every monitored condition becomes Unknown', () => {
    const n = node('True');
    const r0 = nodeHealth(n, lease(T0), undefined, T0, OPTS);
    expect(nodeHealth(n, lease(T0), r0.health, T0 + 50_000, OPTS).conditions).toBeUndefined();
    const r = nodeHealth(n, lease(T0), r0.health, T0 + 50_001, OPTS);
    const byType = Object.fromEntries(r.conditions!.map((c) => [c.type, c]));
    expect(byType.Ready).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(byType.MemoryPressure).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown' });
    expect(byType.DiskPressure).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
    expect(byType.PIDPressure).toMatchObject({ status: 'Unknown' });
    expect(r.ready?.status).toBe('Unknown');
  });

  it('a status heartbeat counts as much as a Lease renewal', () => {
    const r0 = nodeHealth(node('True', [], iso(T0)), undefined, undefined, T0, OPTS);
    const r1 = nodeHealth(node('True', [], iso(T0 + 40_000)), undefined, r0.health, T0 + 40_000, OPTS);
    expect(nodeHealth(node('True', [], iso(T0 + 40_000)), undefined, r1.health, T0 + 80_000, OPTS).conditions).toBeUndefined();
  });

  it('a node that never posted status gets the startup grace period from its creation', () => {
    const n = node(undefined);
    n.metadata!.creationTimestamp = iso(T0);
    expect(nodeHealth(n, undefined, undefined, T0 + 59_000, OPTS).conditions).toBeUndefined();
    const r = nodeHealth(n, undefined, undefined, T0 + 61_000, OPTS);
    expect(r.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated' });
  });
});

describe('desiredTaints', () => {
  const cases: { name: string; ready: 'True' | 'False' | 'Unknown'; taints: Taint[]; want: string[] }[] = [
    { name: 'Unknown: unreachable NoSchedule + NoExecute', ready: 'Unknown', taints: [], want: [`${TAINT_UNREACHABLE}:NoSchedule`, `${TAINT_UNREACHABLE}:NoExecute`] },
    { name: 'False: not-ready NoSchedule + NoExecute', ready: 'False', taints: [], want: [`${TAINT_NOT_READY}:NoSchedule`, `${TAINT_NOT_READY}:NoExecute`] },
    {
      name: 'False after Unknown: swaps the taints',
      ready: 'False',
      taints: [
        { key: TAINT_UNREACHABLE, effect: 'NoSchedule' },
        { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: iso(T0) },
      ],
      want: [`${TAINT_NOT_READY}:NoSchedule`, `${TAINT_NOT_READY}:NoExecute`],
    },
    {
      name: 'Ready again: the controller’s taints go, others stay',
      ready: 'True',
      taints: [
        { key: TAINT_UNREACHABLE, effect: 'NoSchedule' },
        { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: iso(T0) },
        { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
      ],
      want: ['node-role.kubernetes.io/control-plane:NoSchedule'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const n = node(c.ready, c.taints);
      const got = desiredTaints(n, undefined, T0 + 5000);
      expect(got.map((t) => `${t.key}:${t.effect}`)).toEqual(c.want);
      const ne = got.find((t) => t.effect === 'NoExecute');
      if (ne) expect(ne.timeAdded).toBe(iso(T0 + 5000));
    });
  }

  it('keeps timeAdded of a NoExecute taint that stays', () => {
    const t = { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: iso(T0) };
    const got = desiredTaints(node('Unknown', [{ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }, t]), undefined, T0 + 99_000);
    expect(got.find((x) => x.effect === 'NoExecute')?.timeAdded).toBe(iso(T0));
    expect(taintsChanged(node('Unknown', [{ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }, t]).spec?.taints, got)).toBe(false);
  });

  it('mirrors pressure conditions and unschedulable as NoSchedule taints', () => {
    const n = node('True');
    n.status!.conditions![0]!.status = 'True'; // MemoryPressure
    n.spec!.unschedulable = true;
    expect(desiredTaints(n, undefined, T0).map((t) => t.key)).toEqual(['node.kubernetes.io/memory-pressure', 'node.kubernetes.io/unschedulable']);
  });
});

describe('taint-based eviction', () => {
  const unreachable = (secondsAgo: number): Taint => ({ key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: iso(T0 - secondsAgo * 1000) });
  const p = (name: string, tolerations: Pod['spec'] extends infer S ? (S extends { tolerations?: infer T } ? T : never) : never): Pod => ({
    metadata: { name, namespace: 'default' },
    spec: { nodeName: 'node01', tolerations },
    status: { phase: 'Running' },
  });
  const defaultTols = (s: number) => [
    { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: s },
    { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: s },
  ];

  it.each([
    ['no toleration: evicted at once', [], 0, true],
    ['default 300 s, tainted 10 s ago: stays', defaultTols(300), 10, false],
    ['default 300 s, tainted 301 s ago: evicted', defaultTols(300), 301, true],
    ['lab 30 s, tainted 31 s ago: evicted', defaultTols(30), 31, true],
    ['tolerates forever', [{ operator: 'Exists' }], 10_000, false],
    ['tolerationSeconds 0: evicted', defaultTols(0), 0, true],
  ] as const)('%s', (_n, tols, ago, evicted) => {
    const n = node('Unknown', [unreachable(ago)]);
    const d = decideEvictions(n, [p('a', tols as never)], T0);
    expect(d.evict.length === 1).toBe(evicted);
  });

  it('tells when to look again', () => {
    const d = decideEvictions(node('Unknown', [unreachable(10)]), [p('a', defaultTols(300) as never), p('b', defaultTols(60) as never)], T0);
    expect(d.evict).toEqual([]);
    expect(d.nextAt).toBe(T0 + 50_000);
  });

  it('no NoExecute taints: nothing to do', () => {
    expect(decideEvictions(node('True'), [p('a', [])], T0)).toEqual({ evict: [] });
  });

  it('toleration matching', () => {
    const taint = { key: 'k', value: 'v', effect: 'NoExecute' };
    expect(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'k', operator: 'Equal', value: 'x' }, taint)).toBe(false);
    expect(toleratesTaint({ key: 'k', operator: 'Exists', effect: 'NoSchedule' }, taint)).toBe(false);
    expect(toleratesTaint({ operator: 'Exists' }, taint)).toBe(true);
  });

  it('marks pods not ready on a node that is not ready', () => {
    const ready: Pod = { metadata: { name: 'r' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    const notReady: Pod = { metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } };
    expect(podsToMarkNotReady([ready, notReady]).map((x) => x.metadata?.name)).toEqual(['r']);
  });
});

describe('planNodeLifecycle: one pass decided before any write', () => {
  const readyPod = (name: string, ready: boolean): Pod => ({
    metadata: { name, namespace: 'default' },
    spec: { nodeName: 'node01' },
    status: { conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: iso(T0 - 1e6) }] },
  });
  const pods = [readyPod('a', true), readyPod('b', false)];
  const silentFor = (ms: number) => {
    const n = node('True');
    const r0 = nodeHealth(n, lease(T0), undefined, T0, OPTS);
    return planNodeLifecycle(n, lease(T0), r0.health, pods, T0 + ms, OPTS);
  };

  it('a healthy node: nothing to write', () => {
    const p = silentFor(10_000);
    expect(p).toMatchObject({ notReadyEvent: false, markNotReady: [] });
    expect(p.conditions).toBeUndefined();
    expect(p.taints).toBeUndefined();
  });

  it('a silent node: Unknown conditions, NodeNotReady, unreachable taints, its Ready pods marked not Ready', () => {
    const p = silentFor(50_001);
    expect(p.conditions?.find((c) => c.type === 'Ready')?.status).toBe('Unknown');
    expect(p.notReadyEvent).toBe(true);
    expect(p.taints).toEqual([
      { key: TAINT_UNREACHABLE, effect: 'NoSchedule' },
      { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: iso(T0 + 50_001) },
    ]);
    expect(p.markNotReady.map((m) => m.pod.metadata?.name)).toEqual(['a']);
    expect(p.markNotReady[0]!.conditions).toEqual([
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'False', lastTransitionTime: iso(T0 + 50_001) },
    ]);
    expect(pods[0]!.status?.conditions?.[1]?.status).toBe('True'); // cached pods untouched
  });

  it('a node already NotReady and tainted: no event, no taint change, pods still marked', () => {
    const n = node('False', [
      { key: TAINT_NOT_READY, effect: 'NoSchedule' },
      { key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: iso(T0 - 1000) },
    ]);
    const p = planNodeLifecycle(n, lease(T0), undefined, pods, T0, OPTS);
    expect(p.conditions).toBeUndefined();
    expect(p.notReadyEvent).toBe(false);
    expect(p.taints).toBeUndefined();
    expect(p.markNotReady.map((m) => m.pod.metadata?.name)).toEqual(['a']);
  });

  it('a node back to Ready: its not-ready taints go', () => {
    const n = node('True', [{ key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: iso(T0 - 1000) }, { key: 'dedicated', value: 'x', effect: 'NoSchedule' }]);
    const p = planNodeLifecycle(n, lease(T0), undefined, pods, T0, OPTS);
    expect(p.taints).toEqual([{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }]);
    expect(p.markNotReady).toEqual([]);
  });
});
