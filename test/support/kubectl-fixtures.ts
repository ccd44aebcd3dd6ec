/**
 * The kubectl protobuf fixtures, shared by the unit golden test (test/unit/protobuf/golden.test.ts, which
 * reads them) and the integration test that captures them from the real kubectl
 * (test/integration/protobuf/kubectl-live.test.ts): their folder, the file the commands read, and the
 * semantic comparison of two JSON objects. Pure: no process is started from here.
 */

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/unit/protobuf/fixtures: `<name>.bin` (the body kubectl sent) and `<name>.json` (its --dry-run=client JSON). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'unit', 'protobuf', 'fixtures');

/** A file the golden commands read (`{dir}` is the capture server's temporary folder): every byte value once. */
export const BLOB = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/**
 * The JSON with every `null` removed (Go writes a zero metav1.Time as `null`; the protobuf form simply has no
 * value, and an absent field means the same to the API server). Pure.
 */
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = dropNulls(x);
    return out;
  }
  return v;
}

/** What `kubectl debug node/n1 --image=busybox --profile=legacy` builds (kubectl's node debug pod); name is random. */
export const DEBUG_NODE_POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {},
  spec: {
    volumes: [{ name: 'host-root', hostPath: { path: '/' } }],
    containers: [
      {
        name: 'debugger',
        image: 'busybox',
        resources: {},
        volumeMounts: [{ name: 'host-root', mountPath: '/host' }],
        terminationMessagePolicy: 'File',
      },
    ],
    restartPolicy: 'Never',
    nodeName: 'n1',
    hostNetwork: true,
    hostPID: true,
    hostIPC: true,
    tolerations: [{ operator: 'Exists' }],
  },
  status: {},
};
