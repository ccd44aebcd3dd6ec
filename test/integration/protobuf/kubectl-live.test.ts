/**
 * The real kubectl (/usr/bin/kubectl v1.32) against a capture server on 127.0.0.1: the protobuf bodies it
 * POSTs decode to exactly the JSON it builds for `--dry-run=client -o json`, and to our saved fixtures
 * (which test/unit/protobuf/golden.test.ts checks without running kubectl).
 * With KUBELAB_WRITE_FIXTURES=1 it (re)writes test/unit/protobuf/fixtures/<name>.bin and <name>.json.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf, isKubernetesProtobuf } from '../../../control-plane/apiserver/protobuf/decode.js';
import { dryRunArgs, GOLDEN_COMMANDS, KubectlCaptureServer, type CapturedRequest } from '../../support/kubectl-capture.js';
import { DEBUG_NODE_POD, dropNulls, FIXTURES } from '../../support/kubectl-fixtures.js';

const WRITE = process.env.KUBELAB_WRITE_FIXTURES === '1';

function decodeAny(r: CapturedRequest): Record<string, any> {
  return isKubernetesProtobuf(r.contentType) ? decodeKubernetesProtobuf(r.body) : (JSON.parse(r.body.toString('utf8')) as Record<string, any>);
}

describe('real kubectl bodies', () => {
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'node-uid' }, spec: {}, status: {} };
  const server = new KubectlCaptureServer(decodeAny, { '/api/v1/nodes/n1': node });
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  for (const [name, args] of Object.entries(GOLDEN_COMMANDS)) {
    it(`kubectl ${args.join(' ')}`, async () => {
      const from = server.requests.length;
      const run = await server.kubectl(args);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const writes = server.writesSince(from);
      expect(writes).toHaveLength(1);
      const body = writes[0]!;

      const dry = await server.kubectl(dryRunArgs(args));
      expect(dry.code).toBe(0);
      const expected = JSON.parse(dry.stdout) as Record<string, unknown>;

      if (name === 'pod-run-p') {
        // kubectl run builds its Pod through the generic resource helper, which sends JSON, not protobuf.
        expect(body.contentType).toBe('application/json');
        expect(dropNulls(JSON.parse(body.body.toString('utf8')))).toEqual(dropNulls(expected));
        return;
      }
      expect(body.contentType).toBe('application/vnd.kubernetes.protobuf');
      const decoded = decodeKubernetesProtobuf(body.body);
      expect(decoded).toEqual(dropNulls(expected));

      const bin = join(FIXTURES, `${name}.bin`);
      const json = join(FIXTURES, `${name}.json`);
      if (WRITE) {
        writeFileSync(bin, body.body);
        writeFileSync(json, JSON.stringify(expected, null, 2) + '\n');
      }
      expect(existsSync(bin)).toBe(true);
      // kubectl is deterministic for these commands: the bytes are the saved fixture's.
      expect(body.body.equals(readFileSync(bin))).toBe(true);
    });
  }

  it('kubectl debug node/n1 --image=busybox --profile=legacy (a Pod with a volume, as protobuf)', async () => {
    const from = server.requests.length;
    const run = await server.kubectl(['debug', 'node/n1', '--image=busybox', '--profile=legacy']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Creating debugging pod node-debugger-n1-\w+ with container debugger on node n1\./);
    const writes = server.writesSince(from);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.contentType).toBe('application/vnd.kubernetes.protobuf');
    const decoded: Record<string, any> = decodeKubernetesProtobuf(writes[0]!.body);
    expect(decoded.metadata.name).toMatch(/^node-debugger-n1-\w{5}$/);
    expect({ ...decoded, metadata: {} }).toEqual(DEBUG_NODE_POD);
    const bin = join(FIXTURES, 'pod-debug-node.bin');
    if (WRITE) writeFileSync(bin, writes[0]!.body);
    expect(existsSync(bin)).toBe(true);
  });
});
