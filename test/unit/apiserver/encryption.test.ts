import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { RESOURCES } from '../../../api/resources.js';
import { encryptionResourceKey, identityTransformer, parseEncryptionConfig, parseGroupResource, TransformError } from '../../../control-plane/apiserver/encryption.js';

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

/** A config of entries (resources -> 'aes' | 'identity' | raw provider YAML list). */
function cfg(...entries: [string[], ('aes' | 'identity')[]][]): string {
  const lines = ['kind: EncryptionConfiguration', 'apiVersion: apiserver.config.k8s.io/v1', 'resources:'];
  for (const [resources, providers] of entries) {
    lines.push(`  - resources: ${JSON.stringify(resources)}`, '    providers:');
    for (const p of providers) lines.push(p === 'aes' ? aes : identity);
  }
  return lines.join('\n') + '\n';
}

const plain = Buffer.from('{"kind":"Secret"}');
/** Does the resource's rule encrypt what it writes? */
function encrypts(t: ReturnType<typeof parseEncryptionConfig>, resource: string): boolean {
  const tr = t.get(resource);
  return !!tr && tr.toStorage(plain).subarray(0, 8).toString() === 'k8s:enc:';
}

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
  it('reads fail as upstream\'s prefix transformers do', () => {
    const enc = parseEncryptionConfig(config(`${aes}\n${identity}`)).get('secrets')!;
    const other = parseEncryptionConfig(config(`      - aescbc:\n          keys:\n            - name: key2\n              secret: ${randomBytes(32).toString('base64')}\n${identity}`)).get('secrets')!;
    const aesOnly = parseEncryptionConfig(config(aes)).get('secrets')!;
    const stored = enc.toStorage(plain);
    expect(() => other.fromStorage(stored)).toThrow('no matching key was found for the provided AES transformer');
    expect(() => other.fromStorage(stored)).toThrow(TransformError);
    expect(() => aesOnly.fromStorage(plain)).toThrow('no matching prefix found');
    expect(() => parseEncryptionConfig(config(identity)).get('secrets')!.fromStorage(stored)).toThrow('identity transformer tried to read encrypted data');
    expect(() => identityTransformer.fromStorage(stored)).toThrow('identity transformer tried to read encrypted data');
    expect(identityTransformer.fromStorage(plain)).toEqual(plain);
  });
});

describe('resource names and wildcards (upstream transformerFromOverrides)', () => {
  it.each([
    ['secrets', { group: '', resource: 'secrets' }],
    ['deployments.apps', { group: 'apps', resource: 'deployments' }],
    ['leases.coordination.k8s.io', { group: 'coordination.k8s.io', resource: 'leases' }],
    ['*.', { group: '', resource: '*' }],
    ['*.*', { group: '*', resource: '*' }],
    ['*.apps', { group: 'apps', resource: '*' }],
  ])('parseGroupResource(%s)', (s, want) => {
    expect(parseGroupResource(s)).toEqual(want);
  });

  const all = RESOURCES.filter((r) => r.plural !== 'bindings').map(encryptionResourceKey);
  const cases: [string, string, string[], string[]][] = [
    ['*.* encrypts every resource', cfg([['*.*'], ['aes', 'identity']]), all, []],
    ['*. encrypts the core group only', cfg([['*.'], ['aes', 'identity']]), ['secrets', 'configmaps', 'pods', 'events'], ['deployments.apps', 'leases.coordination.k8s.io']],
    ['*.apps encrypts the apps group only', cfg([['*.apps'], ['aes', 'identity']]), ['deployments.apps', 'replicasets.apps'], ['secrets', 'leases.coordination.k8s.io']],
    ['an exact rule before a wildcard wins', cfg([['events'], ['identity']], [['*.'], ['aes', 'identity']]), ['secrets', 'configmaps'], ['events', 'deployments.apps']],
    ['an exact rule beats *.*', cfg([['secrets'], ['identity']], [['*.*'], ['aes', 'identity']]), ['configmaps', 'deployments.apps'], ['secrets']],
    ['secrets only', cfg([['secrets'], ['aes', 'identity']]), ['secrets'], ['configmaps', 'pods']],
  ];
  it.each(cases)('%s', (_n, text, yes, no) => {
    const t = parseEncryptionConfig(text);
    for (const r of yes) expect(encrypts(t, r), r).toBe(true);
    for (const r of no) expect(encrypts(t, r), r).toBe(false);
  });

  it('events.k8s.io Events use the core events rule (they are stored as core Events)', () => {
    const info = RESOURCES.find((r) => r.group === 'events.k8s.io')!;
    expect(encryptionResourceKey(info)).toBe('events');
    expect(encryptionResourceKey({ group: 'apps', plural: 'deployments' })).toBe('deployments.apps');
    expect(encrypts(parseEncryptionConfig(cfg([['events'], ['aes']])), encryptionResourceKey(info))).toBe(true);
  });
});

describe('the configuration is validated at start-up', () => {
  const err = (s: string) => `error while parsing file: ${s}`;
  const cases: [string, string, string][] = [
    ['a typo of secrets', cfg([['secret'], ['aes', 'identity']]), err('resources[0].resources[0]: Invalid value: "secret": not a resource this API server stores (did you mean "secrets"?): its data would not be encrypted')],
    ['an unknown resource', cfg([['widgets.example.com'], ['aes']]), err('resources[0].resources[0]: Invalid value: "widgets.example.com": not a resource this API server stores: its data would not be encrypted')],
    ['an unknown group wildcard', cfg([['*.nope'], ['aes']]), err('resources[0].resources[0]: Invalid value: "*.nope": no API group "nope" is served by this API server')],
    ['a bare *', cfg([['*'], ['aes']]), err('resources[0].resources[0]: Invalid value: "*": use \'*.\' to encrypt all the resources from core API group or *.* to encrypt all resources')],
    ['capital letters', cfg([['Secrets'], ['aes']]), err('resources[0].resources[0]: Invalid value: "Secrets": resource name should not contain capital letters')],
    ['events.k8s.io', cfg([['*.events.k8s.io'], ['aes']]), err('resources[0].resources[0]: Invalid value: "*.events.k8s.io": \'*.events.k8s.io\' objects are stored using the \'events\' API group in etcd. Use \'events\' instead in the config file')],
    ['extensions', cfg([['*.extensions'], ['aes']]), err('resources[0].resources[0]: Invalid value: "*.extensions": \'extensions\' group has been removed and cannot be used for encryption')],
    ['a resource across groups', cfg([['secrets.*'], ['aes']]), err('resources[0].resources[0]: Invalid value: "secrets.*": encrypting the same resource across groups is not supported')],
    ['a non-REST resource', cfg([['serviceipallocations'], ['aes']]), err('resources[0].resources[0]: Invalid value: "serviceipallocations": resources which do not have REST API/s cannot be encrypted')],
    ['a duplicate', cfg([['secrets', 'secrets'], ['aes']]), err('resources[0].resources: Invalid value: ["secrets","secrets"]: the same resource cannot be specified multiple times')],
    ['an overlap', cfg([['secrets', '*.'], ['aes']]), err('resources[0].resources: Invalid value: ["secrets","*."]: using overlapping resources such as \'secrets\' and \'*.\' in the same resource list is not allowed as they will be masked')],
    ['a rule masked by an earlier *.', cfg([['*.'], ['aes']], [['secrets'], ['identity']]), err('resource "secrets" is masked by earlier rule "*."')],
    ['a rule masked by an earlier *.*', cfg([['*.*'], ['aes']], [['*.apps'], ['identity']]), err('resource "*.apps" is masked by earlier rule "*.*"')],
    ['no providers', cfg([['secrets'], []]), err('resources[0].providers: Required value: at least one resources[0].providers is required')],
    ['no resources', 'kind: EncryptionConfiguration\nresources: []\n', err('resources: Required value: at least one resources is required')],
  ];
  it.each(cases)('%s', (_n, text, want) => {
    expect(() => parseEncryptionConfig(text)).toThrow(want);
  });
  it('rejects a wrong kind, bad keys and unsupported or ambiguous providers', () => {
    expect(() => parseEncryptionConfig('kind: Nope')).toThrow(/EncryptionConfiguration/);
    expect(() => parseEncryptionConfig(config(`      - aescbc:\n          keys:\n            - name: k\n              secret: ${Buffer.from('short').toString('base64')}`))).toThrow(
      'resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 5, expected one of [16 24 32]',
    );
    expect(() => parseEncryptionConfig(config(`      - aescbc:\n          keys:\n            - name: k\n              secret: "!!notbase64"`))).toThrow('secrets must be base64 encoded');
    expect(() => parseEncryptionConfig(config(`      - aescbc:\n          keys: []`))).toThrow('resources[0].providers[0].aescbc.keys: Required value: at least one keys is required');
    expect(() => parseEncryptionConfig(config(`      - {}`))).toThrow('provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity');
    expect(() => parseEncryptionConfig(config(`      - identity: {}\n        aescbc:\n          keys: []`))).toThrow('more than one provider specified in a single element, should split into different list elements');
    expect(() => parseEncryptionConfig(config(`      - secretbox:\n          keys: []`))).toThrow(/not supported by kubelab/);
  });
});
