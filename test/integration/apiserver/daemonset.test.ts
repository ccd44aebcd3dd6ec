/**
 * apps/v1 DaemonSets end to end over a real etcd with the real kubectl: the DaemonSet controller and the real
 * scheduler run in this process on the API server's client (daemon pods carry a `metadata.name` node affinity and
 * the default scheduler places them), and a small fake kubelet reports bound pods Running and Ready and confirms
 * deletions. Checked: one pod per untainted node, the control plane with a toleration, kubectl get/describe columns,
 * ControllerRevisions, `kubectl rollout status|history|undo` across a RollingUpdate, a new node, a failed pod
 * replaced, and upstream's validation messages.
 */
import { setMaxListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type ApiClient } from '../../../api/client/api-client.js';
import { InformerFactory } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import { DaemonSetController } from '../../../control-plane/controllers/daemonset/controller.js';
import { R, newControllerContext } from '../../../control-plane/controllers/util/context.js';
import type { ControllerRevision, DaemonSet, Node, Pod } from '../../../control-plane/controllers/util/types.js';
import { Scheduler } from '../../../control-plane/scheduler/scheduler.js';
import { computeHash } from '../../../control-plane/controllers/history/history.js';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { kubectl, kubectlOk } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((x) => (s = x));

let client: ApiClient;
const abort = new AbortController();
let running: Promise<unknown> | undefined;
let sched: Scheduler | undefined;

const stamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function nodeBody(name: string, taints?: Node['spec'] extends infer S ? S extends { taints?: infer T } ? T : never : never): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: taints ? { taints } : {},
    status: {
      capacity: { pods: '110', cpu: '4', memory: '8Gi' },
      allocatable: { pods: '110', cpu: '4', memory: '8Gi' },
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: stamp(), lastTransitionTime: stamp(), reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  };
}

/** The fake kubelet: a bound pod becomes Running + Ready (unless a test failed it); a deleting pod is confirmed gone. */
function fakeKubelet(informers: InformerFactory): void {
  const pods = informers.informerFor<Pod>(R.pods);
  const handle = async (p: Pod) => {
    const ns = p.metadata?.namespace ?? '';
    const name = p.metadata?.name ?? '';
    try {
      if (p.metadata?.deletionTimestamp) {
        await client.delete(R.pods, ns, name, { gracePeriodSeconds: 0 }).catch(() => undefined);
        return;
      }
      if (!p.spec?.nodeName || p.status?.phase === 'Running' || p.status?.phase === 'Failed') return;
      const fresh = await client.get<Pod>(R.pods, ns, name);
      const t = stamp();
      await client.updateStatus(R.pods, {
        ...fresh,
        status: {
          ...fresh.status,
          phase: 'Running',
          startTime: t,
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: t },
            { type: 'Ready', status: 'True', lastTransitionTime: t },
          ],
        },
      });
    } catch {
      // the pod changed meanwhile: its next event tries again
    }
  };
  pods.on('add', (p) => void handle(p));
  pods.on('update', (_o, p) => void handle(p));
}

beforeAll(async () => {
  client = KubeClient.fromKubeconfig(s.h.kubeconfig, undefined, { logger: silentLogger });
  for (const n of [
    nodeBody('controlplane01', [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]),
    nodeBody('node01'),
    nodeBody('node02'),
  ]) {
    await client.create(R.nodes, undefined, n);
  }
  const informers = new InformerFactory(client, { logger: silentLogger });
  const ctx = newControllerContext(client, informers, { logger: () => silentLogger });
  setMaxListeners(50, abort.signal);
  fakeKubelet(informers);
  const ds = new DaemonSetController(ctx);
  sched = new Scheduler({ client, logger: silentLogger, initialBackoffMs: 100, maxBackoffMs: 1000 });
  informers.start();
  await sched.startInformers(abort.signal);
  running = Promise.all([ds.run(abort.signal), sched.run(abort.signal)]);
  await informers.waitForSync();
}, 60_000);

afterAll(async () => {
  abort.abort();
  await running;
  await sched?.stop();
});

const NS = 'default';
const dsYaml = (name: string, image: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'agent', image }], ...extra } },
    },
  });

async function podsOf(name: string): Promise<Pod[]> {
  return (await client.list<Pod>(R.pods, NS, { labelSelector: `app=${name}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
}

async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a DaemonSet over the nodes', () => {
  it('runs one pod on every worker (not the tainted control plane); kubectl get, rollout status, the first revision', async () => {
    await kubectlOk(s.h, ['apply', '-f', '-'], dsYaml('agent', 'busybox:1'));
    const out = await kubectlOk(s.h, ['rollout', 'status', 'ds/agent', '--timeout=60s']);
    expect(out).toContain('daemon set "agent" successfully rolled out');
    const pods = await podsOf('agent');
    expect(pods.map((p) => p.spec?.nodeName).sort()).toEqual(['node01', 'node02']);
    const p = pods[0]!;
    expect(p.metadata?.labels).toMatchObject({ app: 'agent', 'pod-template-generation': '1' });
    expect(p.metadata?.labels?.['controller-revision-hash']).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec?.nodeName] }] },
    ]);
    expect(p.spec?.tolerations?.map((t) => `${t.key}:${t.effect}`)).toEqual(expect.arrayContaining(['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unschedulable:NoSchedule']));

    const ds = await client.get<DaemonSet>(R.daemonSets, NS, 'agent');
    expect(ds.spec?.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(ds.spec?.revisionHistoryLimit).toBe(10);
    expect(ds.metadata?.annotations?.['deprecated.daemonset.template.generation']).toBe('1');
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 2, numberAvailable: 2, updatedNumberScheduled: 2, numberMisscheduled: 0, observedGeneration: 1 });

    const table = await kubectlOk(s.h, ['get', 'ds', 'agent']);
    expect(table).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE/);
    expect(table).toMatch(/agent\s+2\s+2\s+2\s+2\s+2\s+<none>\s+\d+s/);
    const revs = await kubectlOk(s.h, ['get', 'controllerrevisions']);
    expect(revs).toMatch(/^NAME\s+CONTROLLER\s+REVISION\s+AGE/);
    expect(revs).toMatch(new RegExp(`agent-${p.metadata?.labels?.['controller-revision-hash']}\\s+daemonset.apps/agent\\s+1\\s+`));
    const events = await kubectlOk(s.h, ['get', 'events', '--field-selector', 'involvedObject.name=agent', '-o', 'custom-columns=R:.reason', '--no-headers']);
    expect(events.split('\n').filter((l) => l === 'SuccessfulCreate')).toHaveLength(2);
  }, 90_000);

  it('with a control-plane toleration it runs on every node, controlplane01 included', async () => {
    await kubectlOk(s.h, ['apply', '-f', '-'], dsYaml('everywhere', 'busybox:1', { tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] }));
    await kubectlOk(s.h, ['rollout', 'status', 'ds/everywhere', '--timeout=60s']);
    expect((await podsOf('everywhere')).map((p) => p.spec?.nodeName).sort()).toEqual(['controlplane01', 'node01', 'node02']);
  }, 90_000);

  it('rolls to a new image one node at a time; rollout history and undo work with the real kubectl', async () => {
    await kubectlOk(s.h, ['set', 'image', 'ds/agent', 'agent=busybox:2']);
    const status = await kubectlOk(s.h, ['rollout', 'status', 'ds/agent', '--timeout=60s']);
    expect(status).toContain('daemon set "agent" successfully rolled out');
    let pods = await podsOf('agent');
    expect(pods.map((p) => [p.spec?.nodeName, p.spec?.containers?.[0]?.image, p.metadata?.labels?.['pod-template-generation']]).sort()).toEqual([
      ['node01', 'busybox:2', '2'],
      ['node02', 'busybox:2', '2'],
    ]);
    const history = await kubectlOk(s.h, ['rollout', 'history', 'ds/agent']);
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const rev1 = await kubectlOk(s.h, ['rollout', 'history', 'ds/agent', '--revision=1']);
    expect(rev1).toContain('busybox:1');

    const undo = await kubectlOk(s.h, ['rollout', 'undo', 'ds/agent']);
    expect(undo).toContain('daemonset.apps/agent rolled back');
    await kubectlOk(s.h, ['rollout', 'status', 'ds/agent', '--timeout=60s']);
    pods = await podsOf('agent');
    expect(pods.map((p) => p.spec?.containers?.[0]?.image)).toEqual(['busybox:1', 'busybox:1']);
    // The old revision moved forward to 3; revision 2 stays as history.
    const after = await kubectlOk(s.h, ['rollout', 'history', 'ds/agent']);
    expect(after).toMatch(/REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/);
    const revisions = (await client.list<ControllerRevision>(R.controllerRevisions, NS)).items.filter((r) => r.metadata?.ownerReferences?.[0]?.name === 'agent');
    expect(revisions.map((r) => r.revision).sort()).toEqual([2, 3]);
    // Undo to the current revision changes nothing. (kubectl compares the revision's raw data bytes with Go's
    // encoding of the template to say "skipped rollback"; kubelab's JSON differs in bytes, so kubectl patches, a no-op.)
    const gen = (await client.get<DaemonSet>(R.daemonSets, NS, 'agent')).metadata?.generation;
    await kubectlOk(s.h, ['rollout', 'undo', 'ds/agent', '--to-revision=3']);
    const same = await client.get<DaemonSet>(R.daemonSets, NS, 'agent');
    expect([same.metadata?.generation, same.spec?.template?.spec?.containers?.[0]?.image]).toEqual([gen, 'busybox:1']);
  }, 120_000);

  it('a new node gets a pod; a failed pod is replaced', async () => {
    await client.create(R.nodes, undefined, nodeBody('node03'));
    await until('a pod on node03', async () => (await podsOf('agent')).some((p) => p.spec?.nodeName === 'node03' && p.status?.phase === 'Running'));
    const victim = (await podsOf('agent')).find((p) => p.spec?.nodeName === 'node01')!;
    await client.updateStatus(R.pods, { ...victim, status: { ...victim.status, phase: 'Failed', conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: stamp() }] } });
    await until('the failed pod replaced', async () => {
      const on1 = (await podsOf('agent')).filter((p) => p.spec?.nodeName === 'node01');
      return on1.length === 1 && on1[0]!.metadata?.uid !== victim.metadata?.uid && on1[0]!.status?.phase === 'Running';
    });
    const events = await kubectlOk(s.h, ['get', 'events', '--field-selector', 'involvedObject.name=agent,reason=FailedDaemonPod', '-o', 'custom-columns=M:.message', '--no-headers']);
    expect(events).toContain(`Found failed daemon pod default/${victim.metadata?.name} on node node01, will try to kill it`);
    await until('status over 3 nodes', async () => {
      const ds = await client.get<DaemonSet>(R.daemonSets, NS, 'agent');
      return ds.status?.desiredNumberScheduled === 3 && ds.status?.numberAvailable === 3;
    });
  }, 90_000);

  it('a nodeSelector: a node labelled to match gets a pod, and loses it when the label goes', async () => {
    await kubectlOk(s.h, ['apply', '-f', '-'], dsYaml('edge', 'busybox:1', { nodeSelector: { role: 'edge' } }));
    await kubectlOk(s.h, ['label', 'node', 'node02', 'role=edge']);
    await until('a pod on node02', async () => (await podsOf('edge')).map((p) => p.spec?.nodeName).join() === 'node02');
    expect(await kubectlOk(s.h, ['get', 'ds', 'edge', '--no-headers'])).toMatch(/edge\s+1\s+1\s+\d\s+1\s+\d\s+role=edge/);
    await kubectlOk(s.h, ['label', 'node', 'node02', 'role-']);
    await until('the pod gone', async () => (await podsOf('edge')).length === 0);
  }, 60_000);

  it('OnDelete: a new template changes nothing until a pod is deleted', async () => {
    await kubectlOk(s.h, ['apply', '-f', '-'], JSON.stringify({ ...JSON.parse(dsYaml('ondelete', 'busybox:1')), spec: { ...JSON.parse(dsYaml('ondelete', 'busybox:1')).spec, updateStrategy: { type: 'OnDelete' } } }));
    await until('three ondelete pods', async () => (await podsOf('ondelete')).filter((p) => p.status?.phase === 'Running').length === 3);
    await kubectlOk(s.h, ['set', 'image', 'ds/ondelete', 'agent=busybox:2']);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await podsOf('ondelete')).map((p) => p.spec?.containers?.[0]?.image)).toEqual(['busybox:1', 'busybox:1', 'busybox:1']);
    const one = (await podsOf('ondelete'))[0]!;
    await kubectlOk(s.h, ['delete', 'pod', one.metadata!.name!]);
    await until('the replacement on the new template', async () => {
      const images = (await podsOf('ondelete')).map((p) => p.spec?.containers?.[0]?.image).sort();
      return images.length === 3 && images.filter((i) => i === 'busybox:2').length === 1;
    });
  }, 90_000);
});

describe('a revision name taken by other data', () => {
  it('bumps status.collisionCount and names the revision with the new hash, as upstream\'s snapshot', async () => {
    const body = JSON.parse(dsYaml('collide', 'busybox:1')) as DaemonSet;
    // The template as the API server stores it (defaults applied): a dry run answers it.
    const dry = await client.create<DaemonSet>(R.daemonSets, NS, body, { dryRun: true });
    const taken = `collide-${computeHash(dry.spec?.template)}`;
    await client.create<ControllerRevision>(R.controllerRevisions, NS, {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { name: taken, labels: { app: 'someone-else' } },
      data: { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'someone-else' } } } } },
      revision: 1,
    });
    await client.create(R.daemonSets, NS, body);
    const ds = await until('collisionCount 1 and the pods', async () => {
      const d = await client.get<DaemonSet>(R.daemonSets, NS, 'collide');
      return d.status?.collisionCount === 1 && d.status?.numberAvailable === 3 ? d : undefined;
    });
    const want = `collide-${computeHash(ds.spec?.template, 1)}`;
    expect(want).not.toBe(taken);
    const revs = (await client.list<ControllerRevision>(R.controllerRevisions, NS)).items.filter((r) => r.metadata?.ownerReferences?.[0]?.name === 'collide');
    expect(revs.map((r) => r.metadata?.name)).toEqual([want]);
    expect((await podsOf('collide')).every((p) => p.metadata?.labels?.['controller-revision-hash'] === want.slice('collide-'.length))).toBe(true);
    // the stranger's revision is left alone
    expect((await client.get<ControllerRevision>(R.controllerRevisions, NS, taken)).metadata?.ownerReferences ?? []).toEqual([]);
  }, 60_000);
});

describe('kubectl explain, describe, rollout restart', () => {
  it('explain ds shows the schema with upstream\'s field docs', async () => {
    const out = await kubectlOk(s.h, ['explain', 'ds.spec.updateStrategy.rollingUpdate']);
    expect(out).toContain('KIND:       DaemonSet');
    expect(out).toContain('maxSurge');
    expect(out).toContain('maxUnavailable');
    expect(await kubectlOk(s.h, ['explain', 'controllerrevision'])).toContain('revision');
  });

  it('describe ds prints the pods status and events', async () => {
    const out = await kubectlOk(s.h, ['describe', 'ds', 'agent']);
    expect(out).toMatch(/Desired Number of Nodes Scheduled: 3/);
    expect(out).toMatch(/Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed/);
    expect(out).toContain('SuccessfulCreate');
  });

  it('rollout restart replaces every pod', async () => {
    const before = new Set((await podsOf('agent')).map((p) => p.metadata?.uid));
    await kubectlOk(s.h, ['rollout', 'restart', 'ds/agent']);
    await kubectlOk(s.h, ['rollout', 'status', 'ds/agent', '--timeout=60s']);
    const after = await podsOf('agent');
    expect(after).toHaveLength(3);
    expect(after.some((p) => before.has(p.metadata?.uid))).toBe(false);
  }, 90_000);
});

describe('validation, as upstream', () => {
  it.each([
    [{ selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'y' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } }, 'spec.template.metadata.labels: Invalid value: {"app":"y"}: `selector` does not match template `labels`'],
    [{ selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } }, 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    [
      { selector: { matchLabels: { app: 'x' } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
      'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
    ],
  ])('%j', async (spec, message) => {
    const r = await kubectl(s.h, ['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'bad' }, spec }) });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The DaemonSet "bad" is invalid');
    expect(r.stderr).toContain(message);
  });

  it('the selector is immutable and a revision\'s data cannot change', async () => {
    const r = await kubectl(s.h, ['patch', 'ds', 'agent', '--type=merge', '-p', JSON.stringify({ spec: { selector: { matchLabels: { app: 'agent', x: 'y' } }, template: { metadata: { labels: { app: 'agent', x: 'y' } } } } })]);
    expect(r.stderr).toContain('spec.selector: Invalid value');
    expect(r.stderr).toContain('field is immutable');
    const rev = (await client.list<ControllerRevision>(R.controllerRevisions, NS)).items[0]!;
    const p = await kubectl(s.h, ['patch', 'controllerrevision', rev.metadata!.name!, '--type=merge', '-p', '{"data":{"spec":{"template":{"metadata":{"labels":{"z":"1"}}}}}}']);
    expect(p.stderr).toContain('data: Invalid value');
    expect(p.stderr).toContain('field is immutable');
  });
});
