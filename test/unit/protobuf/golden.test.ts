/**
 * Golden tests: request bodies captured from the real kubectl v1.32 (fixtures/*.bin, see test/integration/protobuf/kubectl-live.test.ts)
 * decode to the JSON the same kubectl command builds with `--dry-run=client -o json` (fixtures/*.json).
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf } from '../../../control-plane/apiserver/protobuf/decode.js';
import { BLOB, DEBUG_NODE_POD, dropNulls, FIXTURES } from '../../support/kubectl-fixtures.js';

/** Decoded JSON as the assertions read it. */
type Obj = Record<string, any>;

const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

describe('kubectl protobuf fixtures', () => {
  it('has the captured commands', () => {
    expect(names).toEqual([
      'configmap-binary',
      'configmap-c',
      'deployment-nginx',
      'deployment-zero-two-images',
      'namespace-x',
      'secret-docker-registry-reg',
      'secret-generic-s',
      'service-clusterip-headless',
      'service-externalname-ext',
      'service-nodeport-web',
      'serviceaccount-sa1',
    ]);
  });

  for (const name of names) {
    it(`${name}.bin decodes to kubectl's JSON`, () => {
      const bin = readFileSync(join(FIXTURES, `${name}.bin`));
      const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as unknown;
      expect(decodeKubernetesProtobuf(bin)).toEqual(dropNulls(expected));
    });
  }

  it('deployment: replicas, container port, template labels, empty structs as {}', () => {
    const d: Obj = decodeKubernetesProtobuf(readFileSync(join(FIXTURES, 'deployment-nginx.bin')));
    expect(d.apiVersion).toBe('apps/v1');
    expect(d.kind).toBe('Deployment');
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 80 }]);
    expect(d.spec.template.metadata).toEqual({ labels: { app: 'nginx' } });
    expect(d.spec.strategy).toEqual({});
    expect(d.metadata).not.toHaveProperty('generateName'); // empty strings on the wire are dropped (omitempty)
  });

  it('secret data is base64 in JSON', () => {
    const s: Obj = decodeKubernetesProtobuf(readFileSync(join(FIXTURES, 'secret-generic-s.bin')));
    expect(s.data).toEqual({ a: Buffer.from('b').toString('base64') });
  });

  it('service: IntOrString targetPort is a number, protocol a plain string', () => {
    const s: Obj = decodeKubernetesProtobuf(readFileSync(join(FIXTURES, 'service-nodeport-web.bin')));
    expect(s.spec.ports).toEqual([{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }]);
    expect(s.spec.type).toBe('NodePort');
  });

  it('replicas: 0 survives (a Go pointer), both containers are there', () => {
    const d: Obj = decodeKubernetesProtobuf(readFileSync(join(FIXTURES, 'deployment-zero-two-images.bin')));
    expect(d.spec.replicas).toBe(0);
    expect(d.spec.template.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`)).toEqual(['nginx=nginx', 'redis=redis:7']);
  });

  it('configmap binaryData: every byte value round-trips through base64', () => {
    const c: Obj = decodeKubernetesProtobuf(readFileSync(join(FIXTURES, 'configmap-binary.bin')));
    expect(Buffer.from(c.binaryData['blob.bin'], 'base64')).toEqual(BLOB);
    expect(c.data).toEqual({ text: 'hello' });
  });

  it('kubectl debug node pod: the volume source is inlined, host namespaces and toleration kept', () => {
    const p: Obj = decodeKubernetesProtobuf(readFileSync(join(FIXTURES, 'pod-debug-node.bin')));
    expect(p.metadata.name).toMatch(/^node-debugger-n1-\w{5}$/);
    expect({ ...p, metadata: {} }).toEqual(DEBUG_NODE_POD);
  });
});
