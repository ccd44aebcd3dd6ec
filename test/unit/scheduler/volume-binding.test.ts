import { describe, expect, it } from 'vitest';
import {
  ERR_REASON_BIND_CONFLICT, ERR_REASON_NODE_CONFLICT, ERR_REASON_PV_NOT_EXIST, ERR_UNBOUND_IMMEDIATE,
  VolumeBinding, bindingsDone, findPodVolumes, volumeBindingPreFilter, withSelectedNode,
} from '../../../control-plane/scheduler/plugins/volume-binding.js';
import { CycleState, type VolumeLister, newSnapshot, nodeInfoOf } from '../../../control-plane/scheduler/framework.js';
import { schedulePod } from '../../../control-plane/scheduler/algorithm.js';
import { defaultProfile } from '../../../control-plane/scheduler/profile.js';
import type { SchedPV, SchedPVC, SchedPod, SchedStorageClass } from '../../../control-plane/scheduler/types.js';
import { makeNode, makePod } from './fixtures.js';

const HOST = 'kubernetes.io/hostname';

function pvc(name: string, o: { cls?: string; volumeName?: string; size?: string; deleting?: boolean } = {}): SchedPVC {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } }, storageClassName: o.cls ?? 'local', ...(o.volumeName ? { volumeName: o.volumeName } : {}) },
  };
}

function pv(name: string, o: { node?: string; size?: string; cls?: string; claim?: string; phase?: string } = {}): SchedPV {
  return {
    metadata: { name },
    spec: {
      capacity: { storage: o.size ?? '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: o.cls ?? 'local',
      hostPath: { path: `/data/${name}` },
      ...(o.node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOST, operator: 'In', values: [o.node] }] }] } } } : {}),
      ...(o.claim ? { claimRef: { namespace: 'default', name: o.claim, uid: `uid-${o.claim}` } } : {}),
    },
    status: { phase: o.phase ?? (o.claim ? 'Bound' : 'Available') },
  };
}

const classes: Record<string, SchedStorageClass> = {
  local: { metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' },
  'local-path': { metadata: { name: 'local-path' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' },
  zoned: {
    metadata: { name: 'zoned' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer',
    allowedTopologies: [{ matchLabelExpressions: [{ key: HOST, values: ['n2'] }] }],
  },
  immediate: { metadata: { name: 'immediate' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'Immediate' },
};

function lister(claims: SchedPVC[], volumes: SchedPV[]): VolumeLister {
  return {
    claim: (ns, name) => claims.find((c) => c.metadata?.namespace === ns && c.metadata?.name === name),
    volume: (name) => volumes.find((v) => v.metadata?.name === name),
    volumes: () => volumes,
    storageClass: (name) => classes[name],
  };
}

function podWith(...claims: string[]): SchedPod {
  const p = makePod('p');
  p.spec.volumes = claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } }));
  return p;
}

describe('volumeBindingPreFilter', () => {
  const cases: { name: string; claims: SchedPVC[]; pod: SchedPod; code: string; reasons?: string[]; toBind?: number; bound?: number }[] = [
    { name: 'no claims: Skip', claims: [], pod: makePod('p'), code: 'Skip' },
    { name: 'missing claim', claims: [], pod: podWith('data'), code: 'UnschedulableAndUnresolvable', reasons: ['persistentvolumeclaim "data" not found'] },
    { name: 'claim being deleted', claims: [pvc('data', { deleting: true })], pod: podWith('data'), code: 'UnschedulableAndUnresolvable', reasons: ['persistentvolumeclaim "data" is being deleted'] },
    { name: 'unbound immediate claim', claims: [pvc('data', { cls: 'immediate' })], pod: podWith('data'), code: 'UnschedulableAndUnresolvable', reasons: [ERR_UNBOUND_IMMEDIATE] },
    { name: 'bound and WaitForFirstConsumer claims', claims: [pvc('a', { volumeName: 'pv-a' }), pvc('b')], pod: podWith('a', 'b'), code: 'Success', bound: 1, toBind: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = volumeBindingPreFilter(c.pod, lister(c.claims, []));
      expect(r.status.code).toBe(c.code);
      if (c.reasons) expect(r.status.reasons).toEqual(c.reasons);
      if (c.toBind !== undefined) expect(r.claims?.toBind.length).toBe(c.toBind);
      if (c.bound !== undefined) expect(r.claims?.bound.length).toBe(c.bound);
    });
  }
});

describe('findPodVolumes', () => {
  const n1 = makeNode('n1');
  const cases: { name: string; claims: SchedPVC[]; volumes: SchedPV[]; assumed?: [string, string][]; reasons: string[]; static?: string[]; provision?: string[] }[] = [
    { name: 'bound volume on this node', claims: [pvc('a', { volumeName: 'pv1' })], volumes: [pv('pv1', { node: 'n1', claim: 'a' })], reasons: [] },
    { name: 'bound volume on another node', claims: [pvc('a', { volumeName: 'pv1' })], volumes: [pv('pv1', { node: 'n2', claim: 'a' })], reasons: [ERR_REASON_NODE_CONFLICT] },
    { name: 'bound to a missing volume', claims: [pvc('a', { volumeName: 'gone' })], volumes: [], reasons: [ERR_REASON_PV_NOT_EXIST] },
    { name: 'a local volume on this node is chosen', claims: [pvc('a')], volumes: [pv('pv2', { node: 'n2' }), pv('pv1', { node: 'n1' })], reasons: [], static: ['pv1'] },
    { name: 'smallest fitting volume wins', claims: [pvc('a')], volumes: [pv('big', { size: '10Gi' }), pv('small', { size: '2Gi' }), pv('tiny', { size: '500Mi' })], reasons: [], static: ['small'] },
    { name: 'only volumes on other nodes, no provisioner', claims: [pvc('a')], volumes: [pv('pv2', { node: 'n2' })], reasons: [ERR_REASON_BIND_CONFLICT] },
    { name: 'a volume assumed for another claim is not offered', claims: [pvc('a')], volumes: [pv('pv1', { node: 'n1' })], assumed: [['pv1', 'default/other']], reasons: [ERR_REASON_BIND_CONFLICT] },
    { name: 'a volume assumed for this claim is', claims: [pvc('a')], volumes: [pv('pv1', { node: 'n1' })], assumed: [['pv1', 'default/a']], reasons: [], static: ['pv1'] },
    { name: 'two claims never get the same volume', claims: [pvc('a'), pvc('b')], volumes: [pv('pv1', { node: 'n1' })], reasons: [ERR_REASON_BIND_CONFLICT], static: ['pv1'] },
    { name: 'no volume: a class with a provisioner provisions', claims: [pvc('a', { cls: 'local-path' })], volumes: [], reasons: [], provision: ['a'] },
    { name: 'allowedTopologies exclude the node', claims: [pvc('a', { cls: 'zoned' })], volumes: [], reasons: [ERR_REASON_BIND_CONFLICT] },
    { name: 'both reasons at once', claims: [pvc('a', { volumeName: 'pv1' }), pvc('b')], volumes: [pv('pv1', { node: 'n2', claim: 'a' })], reasons: [ERR_REASON_NODE_CONFLICT, ERR_REASON_BIND_CONFLICT] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const l = lister(c.claims, c.volumes);
      const bound = c.claims.filter((x) => x.spec?.volumeName);
      const toBind = c.claims.filter((x) => !x.spec?.volumeName);
      const r = findPodVolumes({ bound, toBind }, n1, l, new Map(c.assumed ?? []));
      expect(r.reasons).toEqual(c.reasons);
      expect(r.podVolumes.staticBindings.map((b) => b.pv.metadata?.name)).toEqual(c.static ?? []);
      expect(r.podVolumes.dynamicProvisions.map((p) => p.metadata?.name)).toEqual(c.provision ?? []);
    });
  }
});

describe('bindingsDone', () => {
  const n1 = makeNode('n1');
  const done = (c: SchedPVC | undefined, v?: SchedPV) => bindingsDone([{ pvc: c, pv: (n) => (v?.metadata?.name === n ? v : undefined) }], n1);
  it('waits for the volume name and bind-completed', () => {
    expect(done(pvc('a'))).toBe(false);
    expect(done(pvc('a', { volumeName: 'pv1' }), pv('pv1', { node: 'n1' }))).toBe(false);
  });
  it('done once the controller completed the binding on a fitting volume', () => {
    const c = pvc('a', { volumeName: 'pv1' });
    c.metadata!.annotations = { 'pv.kubernetes.io/bind-completed': 'yes' };
    expect(done(c, pv('pv1', { node: 'n1' }))).toBe(true);
    expect(done(c, pv('pv1', { node: 'n2' }))).toMatch(/node affinity doesn't match node "n1"/);
  });
  it('gives up when the claim is gone', () => {
    expect(typeof done(undefined)).toBe('string');
  });
  it('withSelectedNode sets the annotation and keeps the others', () => {
    const c = pvc('a');
    c.metadata!.annotations = { x: 'y' };
    expect(withSelectedNode(c, 'n1').metadata?.annotations).toEqual({ x: 'y', 'volume.kubernetes.io/selected-node': 'n1' });
    expect(c.metadata?.annotations).toEqual({ x: 'y' });
  });
});

describe('VolumeBinding in the default profile', () => {
  const nodes = [makeNode('n1'), makeNode('n2')];
  const snap = (claims: SchedPVC[], volumes: SchedPV[]) => newSnapshot(nodes.map((n) => nodeInfoOf(n)), { volumes: lister(claims, volumes) });

  it('places the pod on the node of its local volume', () => {
    const profile = defaultProfile({ preemption: false });
    for (let i = 0; i < 5; i++) {
      const r = schedulePod(podWith('a'), snap([pvc('a')], [pv('pv2', { node: 'n2' })]), profile, { random: () => 0 });
      expect('nodeName' in r && r.nodeName).toBe('n2');
    }
  });

  it('fits nowhere: upstream FailedScheduling message', () => {
    const profile = defaultProfile({ preemption: false });
    const r = schedulePod(podWith('a'), snap([pvc('a', { volumeName: 'pv1' })], [pv('pv1', { node: 'gone', claim: 'a' })]), profile);
    expect('unschedulable' in r && r.message).toBe('0/2 nodes are available: 2 node(s) had volume node affinity conflict.');
  });

  it('a missing claim fails in PreFilter', () => {
    const r = schedulePod(podWith('nope'), snap([], []), defaultProfile({ preemption: false }));
    expect('unschedulable' in r && r.message).toBe('0/2 nodes are available: persistentvolumeclaim "nope" not found.');
  });

  it('Reserve assumes the chosen volume so the next pod does not get it; Unreserve releases it', () => {
    const vb = defaultProfile().reserve![0] as VolumeBinding;
    const profile = defaultProfile({ preemption: false });
    profile.reserve = [vb];
    profile.preFilter = profile.preFilter.map((p) => (p.name === vb.name ? vb : p));
    profile.filter = profile.filter.map((p) => (p.name === vb.name ? vb : p));
    const s = snap([pvc('a'), pvc('b')], [pv('pv1', { node: 'n1' })]);
    const state = new CycleState();
    const r = schedulePod(podWith('a'), s, profile, { state });
    expect('nodeName' in r && r.nodeName).toBe('n1');
    vb.reserve(state, podWith('a'), 'n1');
    expect(vb.assumed.get('pv1')).toBe('default/a');
    const r2 = schedulePod(podWith('b'), s, profile);
    expect('unschedulable' in r2 && r2.message).toBe("0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind.");
    vb.unreserve(state, podWith('a'), 'n1');
    expect(vb.assumed.size).toBe(0);
  });

  it('PreBind with every claim already bound needs no binder', async () => {
    const vb = new VolumeBinding();
    const state = new CycleState();
    const s = snap([pvc('a', { volumeName: 'pv1' })], [pv('pv1', { node: 'n1', claim: 'a' })]);
    vb.preFilter(state, podWith('a'), s);
    expect(vb.filter(state, podWith('a'), s.get('n1')!).code).toBe('Success');
    expect((await vb.preBind(state, podWith('a'), 'n1')).code).toBe('Success');
  });

  it('PreBind without a binder is an error, not a crash', async () => {
    const vb = new VolumeBinding();
    const state = new CycleState();
    const s = snap([pvc('a')], [pv('pv1', { node: 'n1' })]);
    vb.preFilter(state, podWith('a'), s);
    vb.filter(state, podWith('a'), s.get('n1')!);
    expect((await vb.preBind(state, podWith('a'), 'n1')).code).toBe('Error');
  });

  it('PreBind writes claimRef for a static binding and selected-node for a provision, then waits for the binding', async () => {
    const claims = [pvc('a'), pvc('b', { cls: 'local-path' })];
    const volumes = [pv('pv1', { node: 'n1' })];
    const written: string[] = [];
    let polls = 0;
    const vb = new VolumeBinding({
      pollIntervalMs: 1,
      binder: {
        updateVolume: async (v) => void written.push(`pv ${v.metadata?.name} -> ${v.spec?.claimRef?.name} ${v.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller']}`),
        updateClaim: async (c) => void written.push(`pvc ${c.metadata?.name} @ ${c.metadata?.annotations?.['volume.kubernetes.io/selected-node']}`),
        getClaim: async (_ns, name) => {
          polls++;
          const c = structuredClone(claims.find((x) => x.metadata?.name === name)!);
          if (polls > 2) {
            c.spec!.volumeName = name === 'a' ? 'pv1' : 'pvc-b';
            c.metadata!.annotations = { 'pv.kubernetes.io/bind-completed': 'yes' };
          }
          return c;
        },
        getVolume: async (name) => (name === 'pv1' ? volumes[0] : pv(name, { node: 'n1', cls: 'local-path' })),
      },
    });
    const state = new CycleState();
    const s = snap(claims, volumes);
    expect(vb.preFilter(state, podWith('a', 'b'), s).status.code).toBe('Success');
    expect(vb.filter(state, podWith('a', 'b'), s.get('n1')!).code).toBe('Success');
    vb.reserve(state, podWith('a', 'b'), 'n1');
    const st = await vb.preBind(state, podWith('a', 'b'), 'n1');
    expect(st.code).toBe('Success');
    expect(written).toEqual(['pv pv1 -> a yes', 'pvc b @ n1']);
    expect(vb.assumed.size).toBe(0);
  });

  it('PreBind times out with an error status', async () => {
    const vb = new VolumeBinding({
      pollIntervalMs: 1, bindTimeoutMs: 5,
      binder: { updateVolume: async () => {}, updateClaim: async () => {}, getClaim: async () => pvc('a'), getVolume: async () => undefined },
    });
    const state = new CycleState();
    const s = snap([pvc('a', { cls: 'local-path' })], []);
    vb.preFilter(state, podWith('a'), s);
    vb.filter(state, podWith('a'), s.get('n1')!);
    const st = await vb.preBind(state, podWith('a'), 'n1');
    expect(st).toMatchObject({ code: 'Error', reasons: ['binding volumes: timed out waiting for the condition'] });
  });
});
