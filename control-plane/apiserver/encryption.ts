/**
 * Encryption at rest, as upstream's EncryptionConfiguration (apiserver.config.k8s.io/v1):
 * the first provider encrypts writes; reads try every provider by prefix.
 * aescbc values are `k8s:enc:aescbc:v1:<keyname>:` + 16-byte IV + AES-CBC(PKCS#7) ciphertext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { KubeError } from '../../api/errors.js';

export interface Transformer {
  /** Bytes to store. */
  toStorage(plain: Buffer): Buffer;
  /** Bytes read back; identity values pass through. */
  fromStorage(stored: Buffer): Buffer;
}

export const identityTransformer: Transformer = {
  toStorage: (b) => b,
  fromStorage: (b) => b,
};

interface AesKey {
  name: string;
  key: Buffer;
}

function aescbcPrefix(name: string): Buffer {
  return Buffer.from(`k8s:enc:aescbc:v1:${name}:`);
}

export class ProviderChainTransformer implements Transformer {
  constructor(
    private readonly writeWith: 'identity' | AesKey,
    private readonly aesKeys: AesKey[],
  ) {}

  toStorage(plain: Buffer): Buffer {
    if (this.writeWith === 'identity') return plain;
    const iv = randomBytes(16);
    const c = createCipheriv(`aes-${this.writeWith.key.length * 8}-cbc`, this.writeWith.key, iv);
    return Buffer.concat([aescbcPrefix(this.writeWith.name), iv, c.update(plain), c.final()]);
  }

  fromStorage(stored: Buffer): Buffer {
    if (!stored.subarray(0, 8).equals(Buffer.from('k8s:enc:'))) return stored;
    for (const k of this.aesKeys) {
      const prefix = aescbcPrefix(k.name);
      if (stored.subarray(0, prefix.length).equals(prefix)) {
        const iv = stored.subarray(prefix.length, prefix.length + 16);
        const d = createDecipheriv(`aes-${k.key.length * 8}-cbc`, k.key, iv);
        return Buffer.concat([d.update(stored.subarray(prefix.length + 16)), d.final()]);
      }
    }
    throw new KubeError('InternalError', 'no matching key was found for the provided AES transformer', {
      code: 'ERR_CONFIG',
    });
  }
}

/** Parse an EncryptionConfiguration; returns a transformer per resource ("secrets", "configmaps.", ...). */
export function parseEncryptionConfig(text: string): Map<string, Transformer> {
  const doc = parseYaml(text) as {
    kind?: string;
    resources?: { resources?: string[]; providers?: Record<string, { keys?: { name: string; secret: string }[] }>[] }[];
  };
  if (doc?.kind !== 'EncryptionConfiguration') {
    throw new KubeError('BadRequest', `encryption provider config: kind must be EncryptionConfiguration, got ${doc?.kind}`, {
      code: 'ERR_CONFIG',
    });
  }
  const out = new Map<string, Transformer>();
  for (const entry of doc.resources ?? []) {
    const aesKeys: AesKey[] = [];
    let writeWith: 'identity' | AesKey | undefined;
    for (const p of entry.providers ?? []) {
      if ('identity' in p) {
        writeWith ??= 'identity';
      } else if ('aescbc' in p) {
        for (const k of p.aescbc?.keys ?? []) {
          const key = Buffer.from(k.secret, 'base64');
          if (![16, 24, 32].includes(key.length)) {
            throw new KubeError('BadRequest', `encryption provider config: aescbc key ${k.name} must be 16, 24 or 32 bytes`, {
              code: 'ERR_CONFIG',
            });
          }
          const ak = { name: k.name, key };
          aesKeys.push(ak);
          writeWith ??= ak;
        }
      } else {
        throw new KubeError('BadRequest', `encryption provider config: unsupported provider ${Object.keys(p).join(',')}`, {
          code: 'ERR_CONFIG',
        });
      }
    }
    const t = new ProviderChainTransformer(writeWith ?? 'identity', aesKeys);
    for (const r of entry.resources ?? []) out.set(r.replace(/\.$/, ''), t);
  }
  return out;
}

export function loadEncryptionConfig(path: string): Map<string, Transformer> {
  return parseEncryptionConfig(readFileSync(path, 'utf8'));
}
