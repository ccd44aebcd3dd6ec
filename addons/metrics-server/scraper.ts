/**
 * metrics-server's pkg/scraper: every --metric-resolution, GET https://<address>:<port>/metrics/resource of every
 * node's kubelet at once (the address of the first --kubelet-preferred-address-types the node has; the port from
 * status.daemonEndpoints with --kubelet-use-node-status-port, else --kubelet-port), each with a timeout of 90% of
 * the resolution, authenticated as the component (bearer token or client certificate), then one store of the batch.
 */
import { request } from 'node:https';
import { KubeError } from '../../api/errors.js';
import { decodeResourceMetrics, type NodeBatch } from './decode.js';

export const DEFAULT_ADDRESS_TYPES = ['Hostname', 'InternalDNS', 'InternalIP', 'ExternalDNS', 'ExternalIP'];

export interface NodeRef {
  metadata: { name: string };
  status?: { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

/** The node's address to scrape (pure), as pkg/utils NodeAddressResolver: the first preferred type present. */
export function nodeAddress(node: NodeRef, preferred: readonly string[]): string | undefined {
  for (const t of preferred) {
    const a = node.status?.addresses?.find((x) => x.type === t && x.address);
    if (a) return a.address;
  }
  return undefined;
}

/** The kubelet's port (pure). */
export function kubeletPort(node: NodeRef, useNodeStatusPort: boolean, defaultPort: number): number {
  const p = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  return useNodeStatusPort && p ? p : defaultPort;
}

/** An IPv6 address in brackets for a URL (pure). */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export interface KubeletClientOptions {
  port: number;
  useNodeStatusPort: boolean;
  preferredAddressTypes: readonly string[];
  insecureTLS: boolean;
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  token?: () => string | undefined;
  timeoutMs: number;
}

/** GET /metrics/resource of one node's kubelet. */
export function scrapeNode(node: NodeRef, o: KubeletClientOptions): Promise<NodeBatch> {
  const addr = nodeAddress(node, o.preferredAddressTypes);
  if (!addr) return Promise.reject(new KubeError('ServiceUnavailable', `unable to fetch metrics from node ${node.metadata.name}: node had no addresses that matched types [${o.preferredAddressTypes.join(' ')}]`));
  const port = kubeletPort(node, o.useNodeStatusPort, o.port);
  const token = o.token?.();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: addr,
        port,
        path: '/metrics/resource',
        method: 'GET',
        headers: { Accept: 'text/plain', 'User-Agent': 'metrics-server/v0.7.2 (kubelab)', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        rejectUnauthorized: !o.insecureTLS,
        ...(o.caPem && !o.insecureTLS ? { ca: o.caPem } : {}),
        ...(o.certPem && o.keyPem ? { cert: o.certPem, key: o.keyPem } : {}),
        timeout: o.timeoutMs,
        servername: /^[\d.]+$|:/.test(addr) ? undefined : addr,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new KubeError('ServiceUnavailable', `request failed, status: "${res.statusCode} ${res.statusMessage ?? ''}"`));
          else resolve(decodeResourceMetrics(body));
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new KubeError('ServiceUnavailable', `context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)));
    req.on('error', (e) => reject(new KubeError('ServiceUnavailable', `Get "https://${hostPort(addr, port)}/metrics/resource": ${e.message}`)));
    req.end();
  });
}

/** One scrape of every node: the batches of those that answered, and the errors of the others. */
export async function scrapeAll(nodes: NodeRef[], o: KubeletClientOptions): Promise<{ batches: Map<string, NodeBatch>; errors: Map<string, string> }> {
  const batches = new Map<string, NodeBatch>();
  const errors = new Map<string, string>();
  await Promise.all(
    nodes.map(async (n) => {
      try {
        batches.set(n.metadata.name, await scrapeNode(n, o));
      } catch (e) {
        errors.set(n.metadata.name, (e as Error).message);
      }
    }),
  );
  return { batches, errors };
}
