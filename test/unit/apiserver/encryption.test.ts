import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { parseEncryptionConfig } from '../../../control-plane/apiserver/encryption.js';

const key = randomBytes(32).toString('base64');
const config = (first: string) => `kind: EncryptionConfiguration
apiVersion: apiserver.config.k8s.io/v1
resources:
  - resources: [secrets]
    providers:
${first}
`;
const aes = `      - aescbc:\n          keys:\n            - name: key1\n              secret: ${key}`;
const identity = `      - identity: {}`;

describe('encryption at rest', () => {
  it('aescbc writes the upstream prefix and reads back', () => {
    const t = parseEncryptionConfig(config(`${aes}\n${identity}`)).get('secrets')!;
    const stored = t.toStorage(Buffer.from('{"data":"hunter2"}'));
    expect(stored.subarray(0, 23).toString()).toBe('k8s:enc:aescbc:v1:key1:');
    expect(stored.includes(Buffer.from('hunter2'))).toBe(false);
    expect(t.fromStorage(stored).toString()).toBe('{"data":"hunter2"}');
  });
  it('identity-stored values stay readable after encryption is turned on', () => {
    const t = parseEncryptionConfig(config(`${aes}\n${identity}`)).get('secrets')!;
    expect(t.fromStorage(Buffer.from('{"plain":true}')).toString()).toBe('{"plain":true}');
  });
  it('identity first writes plain text but still decrypts aescbc values', () => {
    const enc = parseEncryptionConfig(config(`${aes}\n${identity}`)).get('secrets')!;
    const dec = parseEncryptionConfig(config(`${identity}\n${aes}`)).get('secrets')!;
    expect(dec.toStorage(Buffer.from('x')).toString()).toBe('x');
    expect(dec.fromStorage(enc.toStorage(Buffer.from('secret'))).toString()).toBe('secret');
  });
  it('rejects a wrong kind and a bad key length', () => {
    expect(() => parseEncryptionConfig('kind: Nope')).toThrow(/EncryptionConfiguration/);
    expect(() => parseEncryptionConfig(config(`      - aescbc:\n          keys:\n            - name: k\n              secret: ${Buffer.from('short').toString('base64')}`))).toThrow(/16, 24 or 32 bytes/);
  });
});
