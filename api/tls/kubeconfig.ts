/**
 * Kubeconfig files: build one (what `kubeadm kubeconfig` / the CKA's "hard way" produce) and load one
 * into the connection settings a KubeClient needs. Field names are upstream's (clientcmd v1).
 */

import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import YAML from 'yaml';
import { KubeError } from '../errors.js';

export interface BuildKubeconfigOptions {
  clusterName: string;
  server: string;
  caPem: string;
  /** The user entry's name (e.g. `admin`, `system:kube-scheduler`, `system:node:node01`). */
  user: string;
  token?: string;
  certPem?: string;
  keyPem?: string;
  /** Context name; default `<user>@<clusterName>`, as kubeadm names it. */
  contextName?: string;
  namespace?: string;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** A kubeconfig (YAML) embedding the CA and the user's token or client certificate. */
export function buildKubeconfig(o: BuildKubeconfigOptions): string {
  if (!o.token && !(o.certPem && o.keyPem)) {
    throw new KubeError('BadRequest', 'buildKubeconfig: give a token or both certPem and keyPem', { code: 'ERR_CONFIG' });
  }
  const contextName = o.contextName ?? `${o.user}@${o.clusterName}`;
  const user: Record<string, string> = {};
  if (o.certPem && o.keyPem) {
    user['client-certificate-data'] = b64(o.certPem);
    user['client-key-data'] = b64(o.keyPem);
  }
  if (o.token) user.token = o.token;
  const context: Record<string, string> = { cluster: o.clusterName, user: o.user };
  if (o.namespace) context.namespace = o.namespace;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: o.clusterName, cluster: { 'certificate-authority-data': b64(o.caPem), server: o.server } }],
    contexts: [{ name: contextName, context }],
    'current-context': contextName,
    preferences: {},
    users: [{ name: o.user, user }],
  };
  return YAML.stringify(doc);
}

/** The connection settings a kubeconfig context resolves to (PEM text, not base64). */
export interface LoadedKubeconfig {
  contextName: string;
  clusterName: string;
  userName: string;
  server: string;
  namespace?: string;
  caData?: string;
  certData?: string;
  keyData?: string;
  token?: string;
  insecureSkipTLSVerify?: boolean;
}

interface NamedEntry<T> {
  name: string;
  [key: string]: unknown;
  cluster?: T;
  context?: T;
  user?: T;
}

function configError(msg: string): KubeError {
  return new KubeError('BadRequest', msg, { code: 'ERR_CONFIG' });
}

function find<T>(list: unknown, name: string, what: 'cluster' | 'context' | 'user'): T {
  const arr = (Array.isArray(list) ? list : []) as NamedEntry<T>[];
  const hit = arr.find((e) => e && e.name === name);
  const val = hit?.[what];
  if (!hit || !val) {
    if (what === 'context') throw configError(`context was not found for specified context: ${name}`);
    throw configError(`${what} "${name}" not found in kubeconfig`);
  }
  return val as T;
}

/** Parse kubeconfig text; relative file paths resolve against `baseDir` (the kubeconfig's folder). */
export function parseKubeconfig(text: string, baseDir: string, context?: string): LoadedKubeconfig {
  let doc: Record<string, unknown>;
  try {
    doc = (YAML.parse(text) ?? {}) as Record<string, unknown>;
  } catch (e) {
    throw configError(`invalid kubeconfig: ${(e as Error).message}`);
  }
  const ctxName = context || (doc['current-context'] as string | undefined);
  if (!ctxName) throw configError('invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable');
  const ctx = find<Record<string, string>>(doc.contexts, ctxName, 'context');
  const cluster = find<Record<string, unknown>>(doc.clusters, ctx.cluster ?? '', 'cluster');
  const user = ctx.user ? find<Record<string, unknown>>(doc.users, ctx.user, 'user') : {};

  const path = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const fileOrData = (dataKey: string, fileKey: string, from: Record<string, unknown>): string | undefined => {
    const data = from[dataKey];
    if (typeof data === 'string' && data) return Buffer.from(data, 'base64').toString('utf8');
    const file = from[fileKey];
    if (typeof file === 'string' && file) {
      try {
        return readFileSync(path(file), 'utf8');
      } catch (e) {
        throw configError(`unable to read ${fileKey} ${path(file)}: ${(e as Error).message}`);
      }
    }
    return undefined;
  };

  const server = cluster.server;
  if (typeof server !== 'string' || !server) throw configError(`cluster "${ctx.cluster}" has no server`);
  const out: LoadedKubeconfig = { contextName: ctxName, clusterName: ctx.cluster!, userName: ctx.user ?? '', server };
  if (ctx.namespace) out.namespace = ctx.namespace;
  const ca = fileOrData('certificate-authority-data', 'certificate-authority', cluster);
  if (ca) out.caData = ca;
  if (cluster['insecure-skip-tls-verify'] === true) out.insecureSkipTLSVerify = true;
  const cert = fileOrData('client-certificate-data', 'client-certificate', user);
  const key = fileOrData('client-key-data', 'client-key', user);
  if (cert) out.certData = cert;
  if (key) out.keyData = key;
  if (typeof user.token === 'string' && user.token) out.token = user.token;
  else if (typeof user.tokenFile === 'string' && user.tokenFile) {
    try {
      out.token = readFileSync(path(user.tokenFile), 'utf8').trim();
    } catch (e) {
      throw configError(`unable to read tokenFile ${path(user.tokenFile)}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** Load a kubeconfig file and resolve one context (the current one by default). */
export function loadKubeconfig(file: string, context?: string): LoadedKubeconfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw configError(`unable to read kubeconfig ${file}: ${(e as Error).message}`);
  }
  return parseKubeconfig(text, dirname(resolve(file)), context);
}
