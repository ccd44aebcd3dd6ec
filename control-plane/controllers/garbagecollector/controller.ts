/**
 * The garbage collector's adapter: an informer per resource that can have owners (every listable
 * resource of api/resources.ts but events), one key for the whole graph (changes collapse in the
 * queue), decideGC over the caches, then the writes. Before the writes, every owner the cache says
 * is gone of an object to delete is checked once with a live GET (upstream's isDangling); a delete
 * goes ahead only if all its owners are confirmed gone.
 */

import { KubeError } from '../../../api/errors.js';
import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { apiVersionOf, findResourceByKind, RESOURCES, type ResourceInfo } from '../../../api/resources.js';
import { ignoreNotFound, isNotFound, type ControllerContext } from '../util/context.js';
import type { KubeObject, OwnerReference } from '../util/types.js';
import { decideGC, kindKey, type GCAction, type GCObject } from './decide.js';

export const GARBAGE_COLLECTOR_CONTROLLER = 'garbage-collector-controller';
const GRAPH = '__graph__';

/** Resources the collector watches: listable and watchable, not events (as upstream's ignoredResources). */
export function gcResources(): ResourceInfo[] {
  // the preferred version of each resource, as upstream's discovery-driven graph (autoscaling/v1 HPAs are the v2 ones)
  return RESOURCES.filter((r) => r.definition.versionOf === undefined && r.verbs.includes('list') && r.verbs.includes('watch') && r.plural !== 'events');
}

export class GarbageCollector extends Controller {
  private readonly infs: { info: ResourceInfo; inf: Informer<KubeObject> }[] = [];

  constructor(private readonly ctx: ControllerContext) {
    super({ name: GARBAGE_COLLECTOR_CONTROLLER, workers: 1, logger: ctx.logger(GARBAGE_COLLECTOR_CONTROLLER) });
    for (const info of gcResources()) {
      const inf = ctx.informers.informerFor<KubeObject>(info);
      this.infs.push({ info, inf });
      this.useInformer(inf);
      const poke = () => this.queue.addAfter(GRAPH, 100); // bursts of changes collapse into one pass
      inf.on('add', poke);
      inf.on('update', (a, b) => {
        if (a === b) return poke(); // resync
        const ma = a.metadata;
        const mb = b.metadata;
        if (
          JSON.stringify(ma?.ownerReferences ?? []) !== JSON.stringify(mb?.ownerReferences ?? []) ||
          JSON.stringify(ma?.finalizers ?? []) !== JSON.stringify(mb?.finalizers ?? []) ||
          ma?.deletionTimestamp !== mb?.deletionTimestamp
        )
          poke();
      });
      inf.on('delete', poke);
    }
  }

  snapshot(): { objects: GCObject[]; knownKinds: Set<string> } {
    const objects: GCObject[] = [];
    const knownKinds = new Set<string>();
    for (const { info, inf } of this.infs) {
      knownKinds.add(kindKey(apiVersionOf(info), info.kind));
      for (const o of inf.store.list()) {
        const m = o.metadata ?? {};
        if (!m.uid || !m.name) continue;
        objects.push({
          resource: `${info.group}/${info.plural}`,
          apiVersion: apiVersionOf(info),
          kind: info.kind,
          namespace: m.namespace,
          name: m.name,
          uid: m.uid,
          ownerReferences: m.ownerReferences,
          finalizers: m.finalizers,
          deletionTimestamp: m.deletionTimestamp,
        });
      }
    }
    return { objects, knownKinds };
  }

  protected async sync(): Promise<void> {
    const actions = decideGC(this.snapshot());
    // Before any write: the owners the cache says are gone, each checked once with a live GET.
    const owners = await this.verifyOwners(actions);
    let failed: unknown;
    for (const a of actions) {
      try {
        if (a.type === 'delete' && !ownersConfirmedAbsent(a, owners)) continue;
        await this.apply(a);
      } catch (e) {
        failed ??= e;
        this.log.warn('garbage collector action failed', { action: a.type, object: `${a.obj.kind}/${a.obj.namespace ?? ''}/${a.obj.name}`, error: e as Error });
      }
    }
    if (failed) throw failed;
  }

  private infoOf(o: GCObject): ResourceInfo {
    const info = findResourceByKind(o.apiVersion, o.kind);
    if (!info) throw new KubeError('InternalError', `unknown kind ${o.apiVersion}/${o.kind}`);
    return info;
  }

  /** isDangling for every owner a delete action names: absent (404, or another uid under that name), present, or the error. */
  private async verifyOwners(actions: GCAction[]): Promise<Map<string, OwnerCheck>> {
    const out = new Map<string, OwnerCheck>();
    for (const a of actions) {
      if (a.type !== 'delete') continue;
      for (const ref of a.verifyAbsent) {
        const k = ownerCheckKey(a.obj, ref);
        if (!out.has(k)) out.set(k, await this.ownerAbsent(a.obj, ref).catch((e: unknown) => ({ error: e })));
      }
    }
    return out;
  }

  /** isDangling: the owner is really gone (404, or a different uid under that name). */
  private async ownerAbsent(dep: GCObject, ref: OwnerReference): Promise<boolean> {
    const info = findResourceByKind(ref.apiVersion, ref.kind);
    if (!info) return false;
    try {
      const o = await this.ctx.client.get<KubeObject>(info, info.namespaced ? dep.namespace : undefined, ref.name);
      return o.metadata?.uid !== ref.uid;
    } catch (e) {
      if (isNotFound(e)) return true;
      throw e;
    }
  }

  private async apply(a: GCAction): Promise<void> {
    const client = this.ctx.client;
    const info = this.infoOf(a.obj);
    const ns = info.namespaced ? a.obj.namespace : undefined;
    switch (a.type) {
      case 'delete': {
        this.log.info('deleting object', { object: `${a.obj.kind} ${a.obj.namespace ?? ''}/${a.obj.name}`, propagationPolicy: a.policy });
        await ignoreNotFound(() => client.delete(info, ns, a.obj.name, { propagationPolicy: a.policy, preconditions: { uid: a.obj.uid } }));
        return;
      }
      case 'patchOwnerReferences': {
        const refs = a.ownerReferences.length ? a.ownerReferences : null;
        await ignoreNotFound(() => client.patch(info, ns, a.obj.name, { metadata: { ownerReferences: refs, uid: a.obj.uid } }, 'merge'));
        return;
      }
      case 'removeFinalizer': {
        const cur = a.obj.finalizers ?? [];
        const next = cur.filter((f) => f !== a.finalizer);
        await ignoreNotFound(() =>
          client.patch(
            info,
            ns,
            a.obj.name,
            [
              { op: 'test', path: '/metadata/finalizers', value: cur },
              { op: 'replace', path: '/metadata/finalizers', value: next },
            ],
            'json',
          ),
        );
        return;
      }
    }
  }
}

/** An owner check: absent (true), present (false), or the error the GET answered. */
type OwnerCheck = boolean | { error: unknown };

function ownerCheckKey(dep: GCObject, ref: OwnerReference): string {
  return `${ref.apiVersion}/${ref.kind}/${dep.namespace ?? ''}/${ref.name}/${ref.uid}`;
}

/** A delete goes ahead only when every owner it names was confirmed absent; a failed check is its failure. */
function ownersConfirmedAbsent(a: Extract<GCAction, { type: 'delete' }>, owners: Map<string, OwnerCheck>): boolean {
  for (const ref of a.verifyAbsent) {
    const c = owners.get(ownerCheckKey(a.obj, ref));
    if (c === undefined || c === false) return false;
    if (c !== true) throw c.error;
  }
  return true;
}
