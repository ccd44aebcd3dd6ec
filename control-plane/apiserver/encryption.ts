/**
 * Encryption at rest, as upstream's EncryptionConfiguration (apiserver.config.k8s.io/v1):
 * the first provider encrypts writes; reads try every provider by prefix, as upstream's prefix
 * transformers do (a value no provider can read is an error, never silently passed through).
 * aescbc values are `k8s:enc:aescbc:v1:<keyname>:` + 16-byte IV + AES-CBC(PKCS#7) ciphertext.
 *
 * Resources are named as upstream: `secrets`, `deployments.apps`, and the wildcards `*.` (every
 * resource of the core group), `*.<group>` (e.g. `*.apps`) and `*.*` (every resource). A resource
 * resolves to its exact rule, else its group's wildcard, else `*.*`. The file is validated as
 * upstream's ValidateEncryptionConfiguration, and (kubelab) a name that is not a resource this
 * server stores, such as the typo `secret`, is refused at start-up instead of leaving data in plain text.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { KubeError, type StatusCause } from '../../api/errors.js';
import { RESOURCES, findResource, type ResourceInfo } from '../../api/resources.js';
import { fieldErr, index } from '../../api/strategies/validation.js';
import { valueAt } from '../../api/values.js';

export interface Transformer {
  /** Bytes to store. */
  toStorage(plain: Buffer): Buffer;
  /** Bytes read back; throws a TransformError when no provider can read them. */
  fromStorage(stored: Buffer): Buffer;
}

/** A stored value no configured provider can read (upstream's transformer errors). */
export class TransformError extends KubeError {
  constructor(message: string, cause?: unknown) {
    super('InternalError', message, { code: 'ERR_INTERNAL', cause });
    this.name = 'TransformError';
  }
}

const ENCRYPTED_PREFIX = Buffer.from('k8s:enc:');
const AESCBC_PREFIX = 'k8s:enc:aescbc:v1:';

/** upstream's identity.NewEncryptCheckTransformer: plain text in and out; encrypted data is an error. */
export const identityTransformer: Transformer = {
  toStorage: (b) => b,
  fromStorage: (b) => {
    if (b.subarray(0, ENCRYPTED_PREFIX.length).equals(ENCRYPTED_PREFIX)) throw new TransformError('identity transformer tried to read encrypted data');
    return b;
  },
};

interface AesKey {
  name: string;
  key: Buffer;
}

/** One provider of a resource's list, in order. */
type Provider = { kind: 'identity' } | { kind: 'aescbc'; keys: AesKey[] };

function aesKeyPrefix(name: string): Buffer {
  return Buffer.from(`${AESCBC_PREFIX}${name}:`);
}

function startsWith(b: Buffer, prefix: Buffer): boolean {
  return b.length >= prefix.length && b.subarray(0, prefix.length).equals(prefix);
}

/** upstream's prefixTransformers over a resource's providers: the first one writes. */
export class ProviderChainTransformer implements Transformer {
  constructor(private readonly providers: Provider[]) {}

  toStorage(plain: Buffer): Buffer {
    const first = this.providers[0];
    if (!first || first.kind === 'identity') return plain;
    const k = first.keys[0]!;
    const iv = randomBytes(16);
    const c = createCipheriv(`aes-${k.key.length * 8}-cbc`, k.key, iv);
    return Buffer.concat([aesKeyPrefix(k.name), iv, c.update(plain), c.final()]);
  }

  fromStorage(stored: Buffer): Buffer {
    const errs: string[] = [];
    for (const p of this.providers) {
      if (p.kind === 'identity') {
        // An empty prefix matches everything; its error only counts when nothing else reads the value.
        try {
          return identityTransformer.fromStorage(stored);
        } catch (e) {
          errs.push((e as Error).message);
          continue;
        }
      }
      if (!startsWith(stored, Buffer.from(AESCBC_PREFIX))) continue;
      // The first aescbc provider owns the prefix: its keys decide (upstream returns its result or error).
      for (const k of p.keys) {
        const prefix = aesKeyPrefix(k.name);
        if (!startsWith(stored, prefix)) continue;
        if (stored.length < prefix.length + 16) throw new TransformError('the stored data was shorter than the required size');
        try {
          const d = createDecipheriv(`aes-${k.key.length * 8}-cbc`, k.key, stored.subarray(prefix.length, prefix.length + 16));
          return Buffer.concat([d.update(stored.subarray(prefix.length + 16)), d.final()]);
        } catch (e) {
          throw new TransformError(`invalid PKCS7 data (${(e as Error).message})`, e);
        }
      }
      throw new TransformError('no matching key was found for the provided AES transformer');
    }
    throw new TransformError(errs.length ? errs.join(', ') : 'no matching prefix found');
  }
}

// ---------------------------------------------------------------------------------------------
// Resource names (schema.ParseGroupResource) and resolution
// ---------------------------------------------------------------------------------------------

interface GroupResource {
  group: string;
  resource: string;
}

/** schema.ParseGroupResource: `a.b.c` is resource `a` in group `b.c`; no dot is the core group. */
export function parseGroupResource(s: string): GroupResource {
  const i = s.indexOf('.');
  return i < 0 ? { group: '', resource: s } : { group: s.slice(i + 1), resource: s.slice(0, i) };
}

/** grYAMLString: how upstream names a rule in its masking error. */
function grString(gr: GroupResource): string {
  if (gr.group === '' && gr.resource === '*') return '*.';
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

const grKey = (gr: GroupResource): string => `${gr.resource}/${gr.group}`;

/**
 * The key the API server looks a resource's transformer up by: `plural` or `plural.group`.
 * events.k8s.io Events are stored as core Events (upstream's reason for refusing `*.events.k8s.io`),
 * so they share the core `events` rule.
 */
export function encryptionResourceKey(info: Pick<ResourceInfo, 'group' | 'plural'>): string {
  const storedAs = findResource(info.group, info.plural)?.definition.storageResource;
  if (storedAs) return storedAs;
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}

/** The transformer of each resource, resolved as upstream's transformerFromOverrides. */
export class ResourceTransformers {
  constructor(private readonly rules: Map<string, Transformer>) {}

  /** `key` is `plural` or `plural.group` (see encryptionResourceKey). Undefined: no rule, plain text. */
  get(key: string): Transformer | undefined {
    const gr = parseGroupResource(key);
    return (
      this.rules.get(grKey(gr)) ?? this.rules.get(grKey({ group: gr.group, resource: '*' })) ?? this.rules.get(grKey({ group: '*', resource: '*' }))
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Validation (upstream's ValidateEncryptionConfiguration, plus kubelab's unknown-resource check)
// ---------------------------------------------------------------------------------------------

const ERR = {
  atLeastOne: (what: string) => `at least one ${what} is required`,
  moreThanOneElement: 'more than one provider specified in a single element, should split into different list elements',
  noProvider: 'provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity',
  keyLen: (got: number) => `secret is not of the expected length, got ${got}, expected one of [16 24 32]`,
  mandatory: (f: string, of: string) => `${f} is a mandatory field for a ${of}`,
  base64: 'secrets must be base64 encoded',
  eventsGroup: "'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file",
  extensionsGroup: "'extensions' group has been removed and cannot be used for encryption",
  starResource: "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources",
  overlap: "using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked",
  nonREST: 'resources which do not have REST API/s cannot be encrypted',
  capital: 'resource name should not contain capital letters',
  acrossGroup: 'encrypting the same resource across groups is not supported',
  duplicate: 'the same resource cannot be specified multiple times',
};

const PROVIDER_KINDS = ['kms', 'aesgcm', 'aescbc', 'secretbox', 'identity'];

/** What this server stores, as `{group, plural}` (bindings are not stored). */
export function storedResources(): { group: string; plural: string }[] {
  return RESOURCES.filter((r) => r.definition.stored !== false && r.definition.versionOf === undefined).map((r) => ({ group: r.group, plural: r.plural }));
}

function validateResourceOverlap(resources: string[], field: string): StatusCause[] {
  if (resources.length < 2) return [];
  const rs = resources.map(parseGroupResource);
  let overlap = false;
  let duplicate = false;
  rs.forEach((r1, i) =>
    rs.forEach((r2, j) => {
      if (i === j) return;
      if (r1.group === r2.group && r1.resource === r2.resource) {
        duplicate = true;
        return;
      }
      if (r1.group === '*' && r1.resource === '*') overlap = true;
      else if (r1.group === r2.group && (r1.resource === '*' || r2.resource === '*')) overlap = true;
    }),
  );
  const errs: StatusCause[] = [];
  if (duplicate) errs.push(fieldErr.invalid(field, resources, ERR.duplicate));
  if (overlap) errs.push(fieldErr.invalid(field, resources, ERR.overlap));
  return errs;
}

function validateResourceName(res: string, field: string, known: { group: string; plural: string }[]): StatusCause[] {
  if (res.toLowerCase() !== res) return [fieldErr.invalid(field, res, ERR.capital)];
  if (res === '*') return [fieldErr.invalid(field, res, ERR.starResource)];
  if (['apiserveripinfo', 'serviceipallocations', 'servicenodeportallocations'].includes(res)) return [fieldErr.invalid(field, res, ERR.nonREST)];
  const gr = parseGroupResource(res);
  if (gr.group === 'events.k8s.io') return [fieldErr.invalid(field, res, ERR.eventsGroup)];
  if (gr.group === 'extensions') return [fieldErr.invalid(field, res, ERR.extensionsGroup)];
  if (gr.group === '*' && gr.resource !== '*') return [fieldErr.invalid(field, res, ERR.acrossGroup)];
  // kubelab: a name that matches nothing this server stores would silently leave data in plain text.
  if (gr.group === '*') return [];
  if (gr.resource === '*') {
    if (gr.group === '' || known.some((k) => k.group === gr.group)) return [];
    return [fieldErr.invalid(field, res, `no API group "${gr.group}" is served by this API server`)];
  }
  if (known.some((k) => k.group === gr.group && k.plural === gr.resource)) return [];
  const guess = known.find((k) => k.group === gr.group && (k.plural === `${gr.resource}s` || k.plural === `${gr.resource}es` || k.plural.replace(/s$/, '') === gr.resource.replace(/s$/, '')));
  const hint = guess ? ` (did you mean "${encryptionResourceKey(guess)}"?)` : '';
  return [fieldErr.invalid(field, res, `not a resource this API server stores${hint}: its data would not be encrypted`)];
}

interface RawKey {
  name?: unknown;
  secret?: unknown;
}

function validateKeys(keys: unknown, field: string): { errs: StatusCause[]; keys: AesKey[] } {
  if (!Array.isArray(keys) || keys.length === 0) return { errs: [fieldErr.required(field, ERR.atLeastOne('keys'))], keys: [] };
  const errs: StatusCause[] = [];
  const out: AesKey[] = [];
  (keys as RawKey[]).forEach((k, i) => {
    const p = index(field, i);
    const name = typeof k?.name === 'string' ? k.name : '';
    const secret = typeof k?.secret === 'string' ? k.secret : '';
    if (!name) errs.push(fieldErr.required(`${p}.name`, ERR.mandatory('name', 'key')));
    if (!secret) {
      errs.push(fieldErr.required(`${p}.secret`, ERR.mandatory('secret', 'key')));
      return;
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(secret) || secret.length % 4 !== 0) {
      errs.push(fieldErr.invalid(`${p}.secret`, 'REDACTED', ERR.base64));
      return;
    }
    const key = Buffer.from(secret, 'base64');
    if (![16, 24, 32].includes(key.length)) errs.push(fieldErr.invalid(`${p}.secret`, 'REDACTED', ERR.keyLen(key.length)));
    else out.push({ name, key });
  });
  return { errs, keys: out };
}

function configError(message: string): KubeError {
  return new KubeError('BadRequest', message, { code: 'ERR_CONFIG' });
}

function aggregate(errs: StatusCause[]): string {
  const parts = errs.map((e) => `${e.field}: ${e.message}`);
  return parts.length === 1 ? parts[0]! : `[${parts.join(', ')}]`;
}

interface RawConfig {
  kind?: unknown;
  resources?: { resources?: unknown; providers?: unknown }[];
}

/**
 * Parse and validate an EncryptionConfiguration. `known` is what the server stores (default: every
 * resource of api/resources.ts). Throws a KubeError (ERR_CONFIG) naming every problem.
 */
export function parseEncryptionConfig(text: string, known: { group: string; plural: string }[] = storedResources()): ResourceTransformers {
  let doc: RawConfig;
  try {
    doc = parseYaml(text) as RawConfig;
  } catch (e) {
    throw configError(`error while parsing file: ${(e as Error).message}`);
  }
  if (doc?.kind !== 'EncryptionConfiguration') {
    throw configError(`error while parsing file: kind must be EncryptionConfiguration, got ${String(doc?.kind)}`);
  }
  const entries = Array.isArray(doc.resources) ? doc.resources : [];
  const errs: StatusCause[] = [];
  if (entries.length === 0) errs.push(fieldErr.required('resources', ERR.atLeastOne('resources')));
  const parsed: { resources: string[]; providers: Provider[] }[] = [];
  entries.forEach((entry, i) => {
    const r = `resources[${i}].resources`;
    const p = `resources[${i}].providers`;
    const resources = Array.isArray(entry?.resources) ? entry.resources.map((x) => String(x)) : [];
    if (resources.length === 0) errs.push(fieldErr.required(r, ERR.atLeastOne(r)));
    errs.push(...validateResourceOverlap(resources, r));
    resources.forEach((res, j) => errs.push(...validateResourceName(res, index(r, j), known)));
    const providersRaw: unknown[] = Array.isArray(entry?.providers) ? entry.providers : [];
    if (providersRaw.length === 0) errs.push(fieldErr.required(p, ERR.atLeastOne(p)));
    const providers: Provider[] = [];
    providersRaw.forEach((prov, j) => {
      const path = index(p, j);
      const kinds = PROVIDER_KINDS.filter((k) => valueAt(prov, k) !== undefined && valueAt(prov, k) !== null);
      if (kinds.length === 0) return void errs.push(fieldErr.invalid(path, prov, ERR.noProvider));
      if (kinds.length > 1) return void errs.push(fieldErr.invalid(path, prov, ERR.moreThanOneElement));
      const kind = kinds[0]!;
      if (kind === 'identity') providers.push({ kind: 'identity' });
      else if (kind === 'aescbc') {
        const v = validateKeys(valueAt(prov, 'aescbc', 'keys'), `${path}.aescbc.keys`);
        errs.push(...v.errs);
        providers.push({ kind: 'aescbc', keys: v.keys });
      } else {
        errs.push(fieldErr.invalid(`${path}.${kind}`, kind, 'provider not supported by kubelab (aescbc and identity are)'));
      }
    });
    parsed.push({ resources, providers });
  });
  if (errs.length) throw configError(`error while parsing file: ${aggregate(errs)}`);

  // upstream's getTransformerOverridesAndKMSPluginHealthzCheckers: a rule after a wildcard of its
  // group (or after *.*) would never apply, so it is refused; exact names named again add providers.
  const providersOf = new Map<string, { gr: GroupResource; providers: Provider[] }>();
  for (const e of parsed) {
    for (const res of e.resources) {
      const gr = parseGroupResource(res);
      for (const mask of [{ group: gr.group, resource: '*' }, { group: '*', resource: '*' }]) {
        if (providersOf.has(grKey(mask))) throw configError(`error while parsing file: resource "${grString(gr)}" is masked by earlier rule "${grString(mask)}"`);
      }
      const cur = providersOf.get(grKey(gr)) ?? { gr, providers: [] };
      cur.providers.push(...e.providers);
      providersOf.set(grKey(gr), cur);
    }
  }
  const rules = new Map<string, Transformer>();
  for (const [k, v] of providersOf) rules.set(k, new ProviderChainTransformer(v.providers));
  return new ResourceTransformers(rules);
}

export function loadEncryptionConfig(path: string, known?: { group: string; plural: string }[]): ResourceTransformers {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw configError(`error while parsing file: ${(e as Error).message}`);
  }
  return parseEncryptionConfig(text, known);
}
