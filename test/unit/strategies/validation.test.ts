import { describe, expect, it } from 'vitest';
import {
  diffPaths,
  fieldErr,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameIsDNSSubdomain,
  parseQuantity,
  semanticEqual,
  validateAnnotations,
  validateCIDR,
  validateIP,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateResourceQuantityValue,
  selectorMatches,
  canonicalQuantity,
} from '../../../api/strategies/validation.js';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe('string validators', () => {
  it.each([
    ['example.com', []],
    ['a', []],
    ['Example', [SUBDOMAIN_MSG]],
    ['-a', [SUBDOMAIN_MSG]],
    ['a'.repeat(254), ['must be no more than 253 characters']],
  ])('isDNS1123Subdomain(%j)', (v, want) => {
    expect(isDNS1123Subdomain(v)).toEqual(want);
  });

  // upstream's RegexError joins examples with "', " + " or ", hence the double space.
  it('isDNS1123Label: dots get their own message, bad chars the regex message', () => {
    expect(isDNS1123Label('my-name')).toEqual([]);
    expect(isDNS1123Label('a.b')).toEqual(['must not contain dots']);
    expect(isDNS1123Label('A_b')[0]).toContain('a lowercase RFC 1123 label must consist of');
    expect(isDNS1123Label('A_b')[0]).toContain("(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    expect(isDNS1123Label('x'.repeat(64))).toEqual(['must be no more than 63 characters']);
    void LABEL_MSG;
  });

  it('isDNS1035Label rejects a leading digit', () => {
    expect(isDNS1035Label('my-svc')).toEqual([]);
    expect(isDNS1035Label('1svc')[0]).toBe(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    );
  });

  it.each([
    ['app', 0],
    ['example.com/app', 0],
    ['app_x.y-z', 0],
    ['/app', 1],
    ['a/b/c', 1],
    ['-app', 1],
    ['Example.com/app', 1],
    ['x'.repeat(64), 1],
  ])('isQualifiedName(%j) has %d errors', (v, n) => {
    expect(isQualifiedName(v)).toHaveLength(n);
  });

  it('qualified name messages carry the part', () => {
    expect(isQualifiedName('/app')).toEqual(['prefix part must be non-empty']);
    expect(isQualifiedName('a/b/c')[0]).toMatch(/^a qualified name must consist of alphanumeric characters/);
    expect(isQualifiedName('-x')[0]).toMatch(/^name part must consist of alphanumeric characters/);
  });

  it('label values', () => {
    expect(isValidLabelValue('')).toEqual([]);
    expect(isValidLabelValue('v1.2_x')).toEqual([]);
    expect(isValidLabelValue('bad value')[0]).toMatch(/^a valid label must be an empty string or consist of/);
    expect(isValidLabelValue('x'.repeat(64))[0]).toBe('must be no more than 63 characters');
  });

  it('ports and port names', () => {
    expect(isValidPortNum(1)).toEqual([]);
    expect(isValidPortNum(65535)).toEqual([]);
    expect(isValidPortNum(0)).toEqual(['must be between 1 and 65535, inclusive']);
    expect(isValidPortNum(70000)).toEqual(['must be between 1 and 65535, inclusive']);
    expect(isValidPortName('http')).toEqual([]);
    expect(isValidPortName('8080')).toEqual(['must contain at least one letter (a-z)']);
    expect(isValidPortName('a--b')).toEqual(['must not contain consecutive hyphens']);
    expect(isValidPortName('-ab')).toEqual(['must not begin or end with a hyphen']);
    expect(isValidPortName('a-very-long-port-name')).toEqual(['must be no more than 15 characters']);
    expect(isValidPortName('HTTP')).toContain('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  });

  it('env var names: strict and relaxed', () => {
    expect(isEnvVarName('MY_VAR')).toEqual([]);
    expect(isEnvVarName('1VAR')).toHaveLength(1);
    expect(isEnvVarName('..x')).toEqual(["must not start with '..'"]);
    expect(isRelaxedEnvVarName('1VAR')).toEqual([]);
    expect(isRelaxedEnvVarName('A=B')).toEqual([
      "a valid environment variable name must consist only of printable ASCII characters other than '='",
    ]);
    expect(isRelaxedEnvVarName('')).toEqual(['environment variable name must be non-empty']);
  });

  it('config keys', () => {
    expect(isConfigMapKey('app.properties')).toEqual([]);
    expect(isConfigMapKey('a/b')[0]).toMatch(/^a valid config key must consist of alphanumeric characters, '-', '_' or '.'/);
    expect(isConfigMapKey('..')).toContain("must not be '..'");
  });
});

describe('IPs, CIDRs, quantities', () => {
  it.each([
    ['10.0.0.1', 0],
    ['2001:db8::1', 0],
    ['::1', 0],
    ['10.0.0', 1],
    ['300.1.1.1', 1],
    ['010.0.0.1', 1],
    ['hello', 1],
  ])('validateIP(%j)', (ip, n) => {
    expect(validateIP('f', ip)).toHaveLength(n);
  });

  it('IP error message', () => {
    expect(validateIP('spec.clusterIPs[0]', 'x')[0]).toEqual({
      reason: 'FieldValueInvalid',
      field: 'spec.clusterIPs[0]',
      message: 'Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    });
  });

  it('CIDRs', () => {
    expect(validateCIDR('f', '10.244.1.0/24')).toEqual([]);
    expect(validateCIDR('f', '10.244.1.1/24')[0]!.message).toContain('must not have bits set beyond the prefix length');
    expect(validateCIDR('f', '10.244.1.0')[0]!.message).toContain('must be a valid CIDR value');
  });

  it.each([
    ['100m', 0.1],
    ['1', 1],
    ['1.5', 1.5],
    ['128Mi', 128 * 1024 * 1024],
    ['1G', 1e9],
    ['1e3', 1000],
    [2, 2],
  ])('parseQuantity(%j) = %d', (q, v) => {
    expect(parseQuantity(q)).toBeCloseTo(v);
  });

  it('bad and negative quantities', () => {
    expect(parseQuantity('1 Gi')).toBeUndefined();
    expect(parseQuantity('abc')).toBeUndefined();
    expect(validateResourceQuantityValue('f', 'abc')[0]!.message).toContain("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    expect(validateResourceQuantityValue('f', '-1')[0]!.message).toBe('Invalid value: "-1": must be greater than or equal to 0');
  });
});

describe('field errors', () => {
  it('format bodies as upstream ErrorBody', () => {
    expect(fieldErr.required('spec.containers').message).toBe('Required value');
    expect(fieldErr.required('metadata.name', 'name or generateName is required').message).toBe(
      'Required value: name or generateName is required',
    );
    expect(fieldErr.invalid('x', 5, 'bad').message).toBe('Invalid value: 5: bad');
    expect(fieldErr.invalid('x', { a: 'b' }, 'bad').message).toBe('Invalid value: {"a":"b"}: bad');
    expect(fieldErr.notSupported('x', 'Sometimes', ['Always', 'Never']).message).toBe(
      'Unsupported value: "Sometimes": supported values: "Always", "Never"',
    );
    expect(fieldErr.duplicate('x', 'web').message).toBe('Duplicate value: "web"');
    expect(fieldErr.forbidden('x', 'nope').message).toBe('Forbidden: nope');
    expect(fieldErr.tooLong('x', 262144)).toEqual({
      reason: 'FieldValueTooLong',
      field: 'x',
      message: 'Too long: may not be more than 262144 bytes',
    });
  });
});

describe('object metadata', () => {
  it('requires name and namespace for namespaced kinds', () => {
    const errs = validateObjectMeta({}, true, nameIsDNSSubdomain);
    expect(errs).toEqual([
      { reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' },
      { reason: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' },
    ]);
  });

  it('forbids a namespace on cluster-scoped kinds', () => {
    const errs = validateObjectMeta({ name: 'n1', namespace: 'x' }, false, nameIsDNSSubdomain);
    expect(errs).toEqual([{ reason: 'FieldValueForbidden', field: 'metadata.namespace', message: 'Forbidden: not allowed on this type' }]);
  });

  it('checks the name with the given rule', () => {
    const errs = validateObjectMeta({ name: 'Bad_Name', namespace: 'default' }, true, nameIsDNSSubdomain);
    expect(errs).toHaveLength(1);
    expect(errs[0]!.field).toBe('metadata.name');
    expect(errs[0]!.message).toBe(`Invalid value: "Bad_Name": ${SUBDOMAIN_MSG}`);
  });

  it('accepts a generateName with a trailing dash', () => {
    expect(validateObjectMeta({ generateName: 'web-', name: 'web-abcde', namespace: 'default' }, true, nameIsDNSSubdomain)).toEqual([]);
    const errs = validateObjectMeta({ generateName: 'Web-', name: 'web-abcde', namespace: 'default' }, true, nameIsDNSSubdomain);
    expect(errs[0]!.field).toBe('metadata.generateName');
  });

  it('validates labels, annotations (256KiB total) and owner references', () => {
    const errs = validateObjectMeta(
      {
        name: 'a',
        namespace: 'default',
        labels: { 'bad key!': 'ok', ok: 'bad value' },
        annotations: { big: 'x'.repeat(256 * 1024) },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r1', uid: 'u1', controller: true },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r2', uid: 'u2', controller: true },
          { kind: 'X' },
        ],
        finalizers: ['custom'],
      },
      true,
      nameIsDNSSubdomain,
    );
    const fields = errs.map((e) => `${e.field} ${e.reason}`);
    expect(fields).toEqual([
      'metadata.labels FieldValueInvalid',
      'metadata.labels FieldValueInvalid',
      'metadata.annotations FieldValueTooLong',
      'metadata.ownerReferences FieldValueInvalid',
      'metadata.ownerReferences[2].apiVersion FieldValueRequired',
      'metadata.ownerReferences[2].name FieldValueRequired',
      'metadata.ownerReferences[2].uid FieldValueRequired',
      'metadata.finalizers FieldValueInvalid',
    ]);
    expect(errs.find((e) => e.field === 'metadata.finalizers')!.message).toBe(
      'Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    );
  });

  it('annotation size exactly at the limit is fine', () => {
    expect(validateAnnotations({ a: 'x'.repeat(256 * 1024 - 1) }, 'metadata.annotations')).toEqual([]);
  });

  it('update: name immutable, resourceVersion required, no new finalizers while deleting', () => {
    const old = { name: 'a', namespace: 'd', uid: 'u', resourceVersion: '5', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['a/b'] };
    const errs = validateObjectMetaUpdate({ ...old, name: 'b', resourceVersion: '', finalizers: ['a/b', 'c/d'] }, old);
    expect(errs.map((e) => e.field)).toEqual(['metadata.finalizers', 'metadata.resourceVersion', 'metadata.name']);
    expect(errs[2]!.message).toBe('Invalid value: "b": field is immutable');
    expect(errs[0]!.message).toContain('no new finalizers can be added if the object is being deleted');
  });
});

describe('label selectors', () => {
  it('validates operators and values', () => {
    const errs = validateLabelSelector(
      {
        matchExpressions: [
          { key: 'a', operator: 'In', values: [] },
          { key: 'b', operator: 'Exists', values: ['x'] },
          { key: 'c', operator: 'Like' },
        ],
      },
      'spec.selector',
    );
    expect(errs.map((e) => `${e.field}: ${e.message}`)).toEqual([
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'spec.selector.matchExpressions[2].operator: Invalid value: "Like": not a valid selector operator',
    ]);
  });

  it.each([
    [{ matchLabels: { app: 'web' } }, { app: 'web', x: 'y' }, true],
    [{ matchLabels: { app: 'web' } }, { app: 'db' }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }, { tier: 'b' }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }, { tier: 'a' }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, {}, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, {}, true],
  ])('selectorMatches(%j, %j) = %s', (sel, labels, want) => {
    expect(selectorMatches(sel, labels as Record<string, string>)).toBe(want);
  });
});

describe('semantic equality', () => {
  it('treats absent and empty alike', () => {
    expect(semanticEqual({ a: [], b: {} }, {})).toBe(true);
    expect(semanticEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(semanticEqual({ cpu: '1' }, { cpu: 1 })).toBe(true);
    expect(diffPaths({ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } })).toEqual(['a.c']);
  });
});

describe('canonical quantities', () => {
  it.each([
    ['0.5', '500m'],
    ['1000m', '1'],
    ['1', '1'],
    [2, '2'],
    ['2000', '2k'],
    ['1500', '1500'],
    ['1.5', '1500m'],
    ['128Mi', '128Mi'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['1.5Gi', '1536Mi'],
    ['512', '512'],
    ['0.5Ki', '512'],
    ['1e3', '1e3'],
    ['1000e3', '1e6'],
    ['0.1n', '1n'],
    ['0', '0'],
    ['100M', '100M'],
    ['-1', '-1'],
  ])('%j -> %s', (q, want) => {
    expect(canonicalQuantity(q)).toBe(want);
  });
  it('rejects junk', () => {
    expect(canonicalQuantity('1 Gi')).toBeUndefined();
    expect(canonicalQuantity('lots')).toBeUndefined();
  });
});
