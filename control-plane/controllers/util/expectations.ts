/**
 * Controller expectations (pkg/controller/controller_utils.go, ControllerExpectations and
 * UIDTrackingControllerExpectations): after a controller asks for N creations or deletions it
 * waits until its informer has seen them before it trusts the cache again, so a stale cache never
 * makes it create (or delete) twice. Expectations expire after 5 minutes, as upstream, so a lost
 * watch event cannot wedge a controller. Pure in-memory state with an injected clock.
 */

import type { Informer } from '../../../api/client/informer.js';
import { objectKey } from '../../../api/keys.js';
import type { Pod } from './types.js';

export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  /** Pod keys we deleted and wait to see go (deletions are tracked by key, as upstream). */
  deleting: Set<string>;
  timestamp: number;
}

export class ControllerExpectations {
  private readonly store = new Map<string, Expectation>();
  constructor(private readonly now: () => number = Date.now) {}

  /** True when the controller may act on its cache: no record, all observed, or expired. */
  satisfied(key: string): boolean {
    const e = this.store.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.now() - e.timestamp > EXPECTATIONS_TIMEOUT_MS;
  }

  expectCreations(key: string, n: number): void {
    this.store.set(key, { add: n, del: 0, deleting: new Set(), timestamp: this.now() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.store.set(key, { add: 0, del: podKeys.length, deleting: new Set(podKeys), timestamp: this.now() });
  }

  /** The informer saw one of our pods appear (or a create failed and will not appear). */
  creationObserved(key: string): void {
    const e = this.store.get(key);
    if (e) e.add--;
  }

  /** The informer saw a pod go; counts only pods we deleted ourselves (when podKey is given). */
  deletionObserved(key: string, podKey?: string): void {
    const e = this.store.get(key);
    if (!e) return;
    if (podKey !== undefined) {
      if (!e.deleting.has(podKey)) return;
      e.deleting.delete(podKey);
    }
    e.del--;
  }

  delete(key: string): void {
    this.store.delete(key);
  }

  /** For tests and debugging. */
  get(key: string): { add: number; del: number } | undefined {
    const e = this.store.get(key);
    return e && { add: e.add, del: e.del };
  }
}

/**
 * Lowers an owner's expectations as its pod informer sees the pods it asked for (upstream's addPod /
 * updatePod / deletePod expectation bookkeeping, shared by the ReplicaSet, DaemonSet and Job controllers):
 * an added pod is an observed creation (or deletion, when it arrives already terminating), a pod newly
 * marked for deletion or gone is an observed deletion. `ownerKey` names the owner's key, if any.
 */
export function observePodExpectations(informer: Informer<Pod>, expectations: ControllerExpectations, ownerKey: (p: Pod) => string | undefined): void {
  informer.on('add', (p) => {
    const k = ownerKey(p);
    if (!k) return;
    if (p.metadata?.deletionTimestamp) expectations.deletionObserved(k, objectKey(p));
    else expectations.creationObserved(k);
  });
  informer.on('update', (oldP, newP) => {
    if (newP.metadata?.deletionTimestamp && !oldP.metadata?.deletionTimestamp) {
      const k = ownerKey(newP);
      if (k) expectations.deletionObserved(k, objectKey(newP));
    }
  });
  informer.on('delete', (p) => {
    const k = ownerKey(p);
    if (k) expectations.deletionObserved(k, objectKey(p));
  });
}
