/**
 * The API server's CRD controller (upstream's apiextensions-apiserver naming + establishing controllers and
 * its CRD handler, in one): it watches the server's own CustomResourceDefinition store and, for each CRD,
 * serves the kind it defines (registry + a store, so routes, discovery and OpenAPI follow at once), then
 * writes the CRD's status: acceptedNames and the NamesAccepted / Established conditions. A CRD that is
 * deleted, or whose served kind changes, is taken away (or replaced) the same way.
 *
 * Work is keyed by CRD name and done one at a time (a name queued twice is synced once); the decisions are
 * pure functions (api/apiextensions/crd-status.ts, custom-resource-kind.ts), this file is the adapter.
 */
import { isKubeError, KubeError } from '../../api/errors.js';
import { RESOURCES } from '../../api/resources.js';
import { registerKind, unregisterKind, type RegisteredKind } from '../../api/kinds/registry.js';
import { DEFINITIONS, DEF } from '../../api/types/base.js';
import { customResourceKinds } from '../../api/apiextensions/custom-resource-kind.js';
import { decideNames, establishedCondition, setCondition, takenNames, type Names } from '../../api/apiextensions/crd-status.js';
import { CRD_CLEANUP_FINALIZER, type CRD } from '../../api/apiextensions/crd-validation.js';
import type { KubeObject } from '../../api/types/index.js';
import { clone, isPlainObject } from '../../api/values.js';
import type { Logger } from '../../api/client/log.js';
import type { Store } from './store.js';
import { nowRfc3339 } from './object-meta.js';

/** What the controller needs of the API server: stores made and dropped at run time. */
export interface CrdHost {
  addStore(kind: RegisteredKind): Store | undefined;
  removeStore(group: string, plural: string): void;
  store(group: string, plural: string): Store;
}

interface Served {
  group: string;
  plural: string;
  /** The OpenAPI definitions of its versions' schemas. */
  definitions: string[];
  /** The CRD spec the kind was made from: another one means the kind is made anew. */
  fingerprint: string;
}

/** A CRD as stored: a read-only object of the CRD store, seen through its Relaxed view. */
function asCRD(o: KubeObject): CRD {
  return o as unknown as CRD;
}

export class CrdController {
  private readonly served = new Map<string, Served>();
  private readonly pending = new Set<string>();
  /** Kinds (group/plural) whose CRD is being deleted: creates are refused while its objects go. */
  private readonly terminating = new Set<string>();
  private running: Promise<void> | undefined;
  private stopObserving: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly crds: Store,
    private readonly host: CrdHost,
    private readonly log?: Logger,
  ) {}

  /** Start watching; resolves once every stored CRD has been synced (served before the server says ready). */
  async start(): Promise<void> {
    await this.crds.cache.ready();
    this.stopObserving = this.crds.cache.observe({
      reset: (objects) => {
        for (const o of objects) this.enqueue(o.obj.metadata.name ?? '');
        for (const name of this.served.keys()) this.enqueue(name);
      },
      event: (ev) => {
        const crd = asCRD(ev.obj);
        this.enqueue(ev.obj.metadata.name ?? '');
        // A deleted CRD frees its names: the CRDs of its group that were refused some may take them now.
        if (ev.type === 'DELETED') {
          for (const o of this.crds.cache.list()) if (asCRD(o.obj).spec?.group === crd.spec?.group) this.enqueue(o.obj.metadata.name ?? '');
        }
      },
    });
    await this.idle();
  }

  /** Stop watching and stop serving the kinds this controller registered (the registry is the process's). */
  stop(): void {
    this.stopped = true;
    this.stopObserving?.();
    for (const name of [...this.served.keys()]) this.unserve(name);
  }

  /** Resolves when no work is queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private enqueue(name: string): void {
    if (!name || this.stopped) return;
    this.pending.add(name);
    if (!this.running) {
      this.running = this.drain().finally(() => {
        this.running = undefined;
      });
    }
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0 && !this.stopped) {
      const name = this.pending.values().next().value as string;
      this.pending.delete(name);
      try {
        await this.sync(name);
      } catch (e) {
        this.log?.warn?.(`customresourcedefinition ${name}: ${(e as Error).message}`);
        // retried on the CRD's next change, or now if it is still there, after a pause
        if (!this.stopped) setTimeout(() => this.enqueue(name), 1000).unref();
      }
    }
  }

  /** Serve (or stop serving) one CRD's kind and write its status. */
  async sync(name: string): Promise<void> {
    const stored = this.crds.cache.peek(this.crds.key(undefined, name));
    if (!stored) {
      this.unserve(name);
      return;
    }
    const crd = clone(asCRD(stored));
    if (stored.metadata.deletionTimestamp) {
      // Being deleted: its kind stays served (list, get, delete) until the CRD is gone.
      if ((stored.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) await this.finalize(name, crd);
      return;
    }
    const group = crd.spec?.group ?? '';
    const others = this.crds.cache.list().map((o) => asCRD(o.obj));
    const decision = decideNames(crd, takenNames(group, name, others, this.builtinNames(group, name)));
    let namesAccepted = decision.namesAccepted;
    let served = false;
    if (namesAccepted.status === 'True') {
      const fingerprint = JSON.stringify(crd.spec);
      const cur = this.served.get(name);
      if (cur && cur.fingerprint === fingerprint) served = true;
      else {
        this.unserve(name);
        const names = { ...crd.spec!.names, ...decision.acceptedNames } as NonNullable<CRD['spec']>['names'];
        const defs = customResourceKinds({ ...crd, spec: { ...crd.spec!, names } });
        if (defs.length > 0) {
          try {
            const definitions: string[] = [];
            const kinds: RegisteredKind[] = [];
            try {
              for (const def of defs) {
                kinds.push(registerKind(def));
                // A custom kind's schema is an object made from the CRD (never a definition name).
                if (typeof def.schema === 'string') continue;
                const definition = String((def.schema as unknown as Record<string, unknown>)[DEF]);
                // A list definition left from an earlier schema of this kind would still hold the old items.
                DEFINITIONS.delete(listDefinition(definition));
                DEFINITIONS.set(definition, def.schema);
                definitions.push(definition);
              }
            } catch (e) {
              if (kinds.length > 0) unregisterKind(kinds[0]!.group, kinds[0]!.plural);
              forgetDefinitions(definitions);
              throw e;
            }
            const primary = kinds[0]!;
            this.served.set(name, { group: primary.group, plural: primary.plural, definitions, fingerprint });
            for (const kind of kinds) {
              const store = this.host.addStore(kind);
              if (store) {
                this.refuseCreatesWhileTerminating(store);
                await store.cache.ready();
              }
            }
            served = true;
          } catch (e) {
            if (!isKubeError(e, 'AlreadyExists')) throw e;
            namesAccepted = { type: 'NamesAccepted', status: 'False', reason: 'PluralConflict', message: `${JSON.stringify(defs[0]!.plural)} is already in use` };
          }
        }
      }
    } else {
      // Names now refused: a served kind keeps being served under the names it had (upstream keeps the accepted names).
      served = this.served.has(name);
    }
    const now = nowRfc3339();
    const established = establishedCondition(crd, namesAccepted, served);
    const conditions = setCondition(setCondition(crd.status?.conditions, namesAccepted, now), established, now);
    const acceptedNames = namesAccepted.status === 'True' || served ? decision.acceptedNames : crd.status?.acceptedNames ?? ({ plural: '', kind: '' } as Names);
    if (JSON.stringify(acceptedNames) === JSON.stringify(crd.status?.acceptedNames) && sameConditions(conditions, crd.status?.conditions)) return;
    await this.crds.systemUpdate(undefined, name, (cur) => {
      if (cur.metadata.uid !== crd.metadata?.uid) return cur; // replaced meanwhile: its own event syncs it
      const status = isPlainObject(cur.status) ? cur.status : {};
      return { ...cur, status: { ...status, acceptedNames, conditions } };
    });
  }

  /** A CR store's creates answer 405 while its CRD is terminating (upstream's crdHandler). */
  private refuseCreatesWhileTerminating(store: Store): void {
    const key = `${store.info.group}/${store.info.plural}`;
    const next = store.hooks.admitCreate;
    store.hooks.admitCreate = async (obj) => {
      if (this.terminating.has(key)) {
        throw new KubeError('MethodNotAllowed', 'create not allowed while custom resource definition is terminating', {
          httpStatus: 405,
          details: { group: store.info.group, kind: store.info.plural },
        });
      }
      if (next) await next(obj);
    };
  }

  /**
   * upstream's CRD finalizer: Terminating InstanceDeletionInProgress, every object deleted (their own
   * finalizers honoured), then InstanceDeletionCompleted and the cleanup finalizer removed, which deletes the
   * CRD; while objects remain it looks again a second later. A CRD never served has nothing to delete.
   */
  private async finalize(name: string, crd: CRD): Promise<void> {
    const served = this.served.get(name);
    if (!served) {
      await this.setTerminating(name, crd, { status: 'False', reason: 'NeverEstablished', message: 'resource was never established' });
      await this.removeCleanupFinalizer(name, crd);
      return;
    }
    const key = `${served.group}/${served.plural}`;
    this.terminating.add(key);
    await this.setTerminating(name, crd, { status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' });
    const store = this.host.store(served.group, served.plural);
    const all = await store.list({ matches: () => true });
    const failures: string[] = [];
    for (const o of all.items) {
      try {
        await store.delete(o.metadata.namespace, o.metadata.name ?? '', {});
      } catch (e) {
        if (!isKubeError(e, 'NotFound')) failures.push((e as Error).message);
      }
    }
    if (failures.length > 0) {
      await this.setTerminating(name, crd, { status: 'True', reason: 'InstanceDeletionFailed', message: `could not issue all deletes: ${failures.join(', ')}` });
      this.retryLater(name);
      return;
    }
    if ((await store.list({ matches: () => true })).items.length > 0) {
      this.retryLater(name); // objects held by their own finalizers
      return;
    }
    await this.setTerminating(name, crd, { status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' });
    await this.removeCleanupFinalizer(name, crd);
  }

  private retryLater(name: string): void {
    if (!this.stopped) setTimeout(() => this.enqueue(name), 1000).unref();
  }

  private async setTerminating(name: string, crd: CRD, c: { status: string; reason: string; message: string }): Promise<void> {
    await this.crds.systemUpdate(undefined, name, (cur) => {
      if (cur.metadata.uid !== crd.metadata?.uid) return cur;
      const current = asCRD(cur);
      const conditions = setCondition(current.status?.conditions, { type: 'Terminating', ...c }, nowRfc3339());
      return { ...cur, status: { ...(isPlainObject(cur.status) ? cur.status : {}), conditions } };
    });
  }

  /** The last finalizer gone, the store deletes the CRD; its DELETED event then stops serving the kind. */
  private async removeCleanupFinalizer(name: string, crd: CRD): Promise<void> {
    try {
      await this.crds.guaranteedUpdate(undefined, name, (cur) => {
        if (cur.metadata.uid !== crd.metadata?.uid) return cur;
        return { ...cur, metadata: { ...cur.metadata, finalizers: (cur.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER) } };
      });
    } catch (e) {
      if (!isKubeError(e, 'NotFound')) throw e;
    }
  }

  /** Names served by kinds this controller did not make (built-in kinds of the group, other CRDs' kinds are in their status). */
  private builtinNames(group: string, self: string): Names[] {
    const mine = new Set([...this.served.entries()].filter(([n]) => n !== self).map(([, s]) => `${s.group}/${s.plural}`));
    const selfServed = this.served.get(self);
    return RESOURCES.filter((r) => r.group === group && !mine.has(`${r.group}/${r.plural}`) && !(selfServed && selfServed.plural === r.plural))
      .map((r) => ({ plural: r.plural, singular: r.singular, shortNames: r.shortNames, kind: r.kind, listKind: `${r.kind}List` }));
  }

  private unserve(name: string): void {
    const s = this.served.get(name);
    if (!s) return;
    this.served.delete(name);
    this.terminating.delete(`${s.group}/${s.plural}`);
    this.host.removeStore(s.group, s.plural);
    unregisterKind(s.group, s.plural);
    forgetDefinitions(s.definitions);
  }
}

/** The `<Kind>List` definition the kind registry makes from a kind's definition when a list schema is first asked for. */
function listDefinition(definition: string): string {
  return `${definition}List`;
}

/**
 * Drop a custom kind's definitions and the list definitions made from them: a list left behind would name
 * an item definition that is gone (the OpenAPI documents could no longer be built).
 */
function forgetDefinitions(definitions: readonly string[]): void {
  for (const d of definitions) {
    DEFINITIONS.delete(d);
    DEFINITIONS.delete(listDefinition(d));
  }
}

/** Conditions equal but for lastTransitionTime of unchanged ones (setCondition keeps those). */
function sameConditions(a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}
