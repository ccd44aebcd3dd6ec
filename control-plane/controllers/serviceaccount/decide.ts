/**
 * The ServiceAccount controller (pkg/controller/serviceaccount): every active namespace has the
 * `default` ServiceAccount.
 */

import type { Namespace, ServiceAccount } from '../util/types.js';

export const DEFAULT_SERVICE_ACCOUNTS = ['default'];

/** The namespaces (names) that miss a default ServiceAccount and can take one. */
export function decideServiceAccounts(namespaces: Namespace[], accounts: ServiceAccount[]): { namespace: string; name: string }[] {
  const have = new Set(accounts.filter((a) => !a.metadata?.deletionTimestamp).map((a) => `${a.metadata?.namespace}/${a.metadata?.name}`));
  const out: { namespace: string; name: string }[] = [];
  for (const ns of namespaces) {
    const name = ns.metadata?.name;
    if (!name || ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') continue;
    for (const sa of DEFAULT_SERVICE_ACCOUNTS) if (!have.has(`${name}/${sa}`)) out.push({ namespace: name, name: sa });
  }
  return out;
}

export function serviceAccountBody(namespace: string, name: string): ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
}
