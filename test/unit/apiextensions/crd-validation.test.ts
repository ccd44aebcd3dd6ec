/** CustomResourceDefinition defaulting and validation (upstream's messages), and structural schema checks. */
import { describe, expect, it } from 'vitest';
import { defaultCRD, prepareCRDForCreate, prepareCRDForDelete, prepareCRDForUpdate, validateCRD, validateCRDUpdate, type CRD } from '../../../api/apiextensions/crd-validation.js';
import { validateOpenAPISchema } from '../../../api/apiextensions/structural-schema.js';
import type { JSONSchemaProps } from '../../../api/types/apiextensions.js';

function crd(over: (c: CRD) => void = () => undefined): CRD {
  const c: CRD = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } } }],
    },
  };
  over(c);
  defaultCRD(c);
  prepareCRDForCreate(c);
  return c;
}

const causes = (c: CRD): string[] => validateCRD(c).map((x) => `${x.field}: ${x.message}`);

describe('CRD defaulting and preparation', () => {
  it('fills singular, listKind, conversion None; create records the storage version and generation 1', () => {
    const c = crd();
    expect(c.spec!.names).toEqual({ plural: 'widgets', kind: 'Widget', singular: 'widget', listKind: 'WidgetList' });
    expect(c.spec!.conversion).toEqual({ strategy: 'None' });
    expect(c.status).toEqual({ storedVersions: ['v1'] });
    expect(c.metadata!.generation).toBe(1);
  });

  it('update keeps status, moves generation on a spec change only, and adds a new storage version to storedVersions', () => {
    const old = crd();
    old.status = { ...old.status, conditions: [{ type: 'Established', status: 'True' }] };
    const same = crd();
    prepareCRDForUpdate(same, old);
    expect(same.metadata!.generation).toBe(1);
    expect(same.status!.conditions).toEqual([{ type: 'Established', status: 'True' }]);
    const changed = crd((c) => {
      c.spec!.versions = [
        { name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
        { name: 'v2', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } },
      ];
    });
    prepareCRDForUpdate(changed, old);
    expect(changed.metadata!.generation).toBe(2);
    expect(changed.status!.storedVersions).toEqual(['v1', 'v2']);
  });
});

describe('prepareCRDForDelete', () => {
  it('adds the cleanup finalizer once and Terminating=True InstanceDeletionPending', () => {
    const c = crd((x) => (x.metadata!.finalizers = ['example.com/other']));
    prepareCRDForDelete(c, new Date('2024-01-01T00:00:00.123Z'));
    prepareCRDForDelete(c, new Date('2024-01-01T00:01:00Z'));
    expect(c.metadata!.finalizers).toEqual(['example.com/other', 'customresourcecleanup.apiextensions.k8s.io']);
    expect(c.status!.conditions).toEqual([
      { type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon', lastTransitionTime: '2024-01-01T00:00:00Z' },
    ]);
  });
});

describe('validateCRD', () => {
  it('accepts a good CRD', () => {
    expect(causes(crd())).toEqual([]);
  });

  it.each<[string, (c: CRD) => void, string[]]>([
    ['name must be <plural>.<group>', (c) => (c.metadata!.name = 'wrong.example.com'), ['metadata.name: Invalid value: "wrong.example.com": must be spec.names.plural+"."+spec.group']],
    ['group required', (c) => {
      c.spec!.group = '';
      c.metadata!.name = 'widgets.';
    }, ['metadata.name: Invalid value: "widgets.": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')', 'spec.group: Required value']],
    ['group with a dot', (c) => {
      c.spec!.group = 'example';
      c.metadata!.name = 'widgets.example';
    }, ['spec.group: Invalid value: "example": should be a domain with at least one dot']],
    ['scope', (c) => (c.spec!.scope = 'Global'), ['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']],
    ['scope required', (c) => (c.spec!.scope = ''), ['spec.scope: Required value']],
    ['schema required in v1', (c) => delete c.spec!.versions![0]!.schema, ['spec.versions[0].schema.openAPIV3Schema: Required value']],
    ['exactly one storage version', (c) => (c.spec!.versions![0]!.storage = false), ['spec.versions: Invalid value: ["v1"]: must have exactly one version marked as storage version', 'status.storedVersions: Invalid value: []string(nil): must have at least one stored version']],
    ['unique version names', (c) => c.spec!.versions!.push({ name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } }), ['spec.versions: Invalid value: ["v1","v1"]: must contain unique version names']],
    ['version name a DNS-1035 label', (c) => {
      c.spec!.versions![0]!.name = 'V1';
    }, [
      'spec.versions[0].name: Invalid value: "V1": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
    ]],
    ['plural lower case', (c) => {
      c.spec!.names!.plural = 'Widgets';
      c.metadata!.name = 'Widgets.example.com';
    }, [
      'metadata.name: Invalid value: "Widgets.example.com": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
      'spec.names.plural: Invalid value: "Widgets": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
    ]],
    ['kind may have mixed case but no dots (singular and listKind default from it)', (c) => (c.spec!.names!.kind = 'Wid.get'), [
      'spec.names.singular: Invalid value: "wid.get": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
      'spec.names.kind: Invalid value: "Wid.get": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
      'spec.names.listKind: Invalid value: "Wid.getList": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
    ]],
    ['kind and listKind differ', (c) => (c.spec!.names!.listKind = 'Widget'), ['spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same']],
    ['short names are labels', (c) => (c.spec!.names!.shortNames = ['w_1']), [
      'spec.names.shortNames[0]: Invalid value: "w_1": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
    ]],
    ['webhook conversion is not served', (c) => (c.spec!.conversion = { strategy: 'Webhook' }), ['spec.conversion.strategy: Unsupported value: "Webhook": supported values: "None"']],
    ['preserveUnknownFields may not be true', (c) => (c.spec!.preserveUnknownFields = true), ['spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead']],
    ['protected groups need API approval', (c) => {
      c.spec!.group = 'widgets.k8s.io';
      c.metadata!.name = 'widgets.widgets.k8s.io';
    }, ['metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111']],
    ['scale paths', (c) => (c.spec!.versions![0]!.subresources = { scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: '.spec.replicas', labelSelectorPath: '.metadata.labels' } }), [
      'spec.versions[0].subresources.scale.specReplicasPath: Invalid value: "spec.replicas": must be a simple json path starting with .',
      'spec.versions[0].subresources.scale.statusReplicasPath: Invalid value: ".spec.replicas": should be a json path under .status',
      'spec.versions[0].subresources.scale.labelSelectorPath: Invalid value: ".metadata.labels": should be a json path under either .spec or .status',
    ]],
    ['scale paths required', (c) => (c.spec!.versions![0]!.subresources = { scale: { specReplicasPath: '', statusReplicasPath: '' } }), [
      'spec.versions[0].subresources.scale.specReplicasPath: Required value',
      'spec.versions[0].subresources.scale.statusReplicasPath: Required value',
    ]],
    ['selectable fields', (c) => {
      c.spec!.versions![0]!.schema = { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { color: { type: 'string' }, obj: { type: 'object' } } } } } };
      c.spec!.versions![0]!.selectableFields = [{ jsonPath: '.spec.color' }, { jsonPath: '.spec.color' }, { jsonPath: '.spec.nope' }, { jsonPath: '.spec.obj' }, { jsonPath: '' }];
    }, [
      'spec.versions[0].selectableFields[1].jsonPath: Duplicate value: ".spec.color"',
      'spec.versions[0].selectableFields[2].jsonPath: Invalid value: ".spec.nope": is an invalid path: does not refer to a valid field',
      'spec.versions[0].selectableFields[3].jsonPath: Invalid value: ".spec.obj": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.',
      'spec.versions[0].selectableFields[4].jsonPath: Required value',
    ]],
    ['printer columns', (c) => (c.spec!.versions![0]!.additionalPrinterColumns = [{ name: 'X', type: 'text', jsonPath: '' }]), ['spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string', 'spec.versions[0].additionalPrinterColumns[0].JSONPath: Required value']],
  ])('%s', (_name, over, want) => {
    expect(causes(crd(over))).toEqual(want);
  });

  it('an approved protected group is accepted', () => {
    const c = crd((x) => {
      x.spec!.group = 'gateway.networking.k8s.io';
      x.metadata!.name = 'widgets.gateway.networking.k8s.io';
      x.metadata!.annotations = { 'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/2466' };
    });
    expect(causes(c)).toEqual([]);
  });

  it('update: group is immutable; scope and kind once Established', () => {
    const old = crd((c) => (c.metadata!.resourceVersion = '5'));
    old.status!.conditions = [{ type: 'Established', status: 'True' }];
    const next = crd((c) => {
      c.metadata!.resourceVersion = '5';
      c.spec!.scope = 'Cluster';
      c.spec!.names!.kind = 'Gadget';
    });
    expect(validateCRDUpdate(next, old).map((x) => `${x.field}: ${x.message}`)).toEqual(['spec.scope: Invalid value: "Cluster": field is immutable', 'spec.names.kind: Invalid value: "Gadget": field is immutable']);
  });
});

const P = 'spec.versions[0].schema.openAPIV3Schema';
const schemaCauses = (s: JSONSchemaProps, status = false): string[] => validateOpenAPISchema(s, P, status).map((x) => `${x.field}: ${x.message}`);

describe('structural schema checks', () => {
  it.each<[string, JSONSchemaProps, string[]]>([
    ['a structural schema', { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'string' }, l: { type: 'array', items: { type: 'integer' } } } } } }, []],
    ['type missing at the root', { properties: { spec: { type: 'object' } } }, [`${P}.type: Required value: must not be empty at the root`]],
    ['type missing on a field', { type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } }, [`${P}.properties[spec].type: Required value: must not be empty for specified object fields`]],
    ['type missing on items', { type: 'object', properties: { l: { type: 'array', items: {} } } }, [`${P}.properties[l].items.type: Required value: must not be empty for specified array items`]],
    ['array without items', { type: 'object', properties: { l: { type: 'array' } } }, [`${P}.properties[l].items: Required value: must be specified`]],
    ['root type not object', { type: 'string' }, [`${P}.type: Invalid value: "string": must be object at the root`]],
    ['unknown type', { type: 'object', properties: { a: { type: 'text' } } }, [`${P}.properties[a].type: Unsupported value: "text": supported values: "array", "boolean", "integer", "number", "object", "string"`]],
    ['additionalProperties at the root', { type: 'object', additionalProperties: { type: 'string' } }, [`${P}.additionalProperties: Forbidden: must not be used at the root`]],
    ['additionalProperties with properties', { type: 'object', properties: { m: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } } } }, [`${P}.properties[m].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`]],
    ['metadata may restrict name only', { type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } }, [`${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`]],
    ['metadata name restriction allowed', { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } } } }, []],
    ['type inside anyOf', { type: 'object', properties: { a: { type: 'string', anyOf: [{ type: 'string' }] } } }, [`${P}.properties[a].anyOf[0].type: Forbidden: must be empty to be structural`]],
    ['int-or-string with its anyOf pattern', { type: 'object', properties: { p: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } } }, []],
    ['preserve-unknown-fields false', { type: 'object', properties: { a: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false } } }, [`${P}.properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`]],
    ['embedded resource must be an object', { type: 'object', properties: { e: { type: 'string', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } } }, [`${P}.properties[e].type: Invalid value: "string": must be object if x-kubernetes-embedded-resource is true`]],
    ['embedded resource needs properties or preserve-unknown-fields', { type: 'object', properties: { e: { type: 'object', 'x-kubernetes-embedded-resource': true } } }, [`${P}.properties[e].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`]],
    ['$ref, patternProperties, uniqueItems', { type: 'object', properties: { a: { type: 'array', items: { type: 'string' }, uniqueItems: true }, b: { type: 'object', $ref: '#/x' }, c: { type: 'object', patternProperties: { '.*': { type: 'string' } } } } }, [
      `${P}.properties[a].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
      `${P}.properties[b].$ref: Forbidden: $ref is not supported`,
      `${P}.properties[c].patternProperties: Forbidden: patternProperties is not supported`,
    ]],
    ['a default that does not match its schema', { type: 'object', properties: { n: { type: 'integer', default: 'x' } } }, [`${P}.properties[n].default: Invalid value: "string": n in body must be of type integer: "string"`]],
    ['a CEL rule that compiles', { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.a > 1' }] } } }, []],
    ['a CEL rule naming an undefined field', { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.b > 1' }] } } }, [
      `${P}.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.b > 1", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:5: undefined field 'b'\n | self.b > 1\n | ....^`,
    ]],
    ['a CEL rule that is not a bool', { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.a + 1' }] } } }, [
      `${P}.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.a + 1", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: cel expression must evaluate to a bool`,
    ]],
    ['CEL rule fields: empty rule, message line breaks, reason, fieldPath', { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'integer' } }, 'x-kubernetes-validations': [
      { rule: ' ' },
      { rule: 'self.a > 1', message: 'a\nb' },
      { rule: 'self.a > 1', reason: 'FieldValueBad' },
      { rule: 'self.a > 1', fieldPath: '.nope' },
    ] } } }, [
      `${P}.properties[spec].x-kubernetes-validations[0].rule: Required value: rule is not specified`,
      `${P}.properties[spec].x-kubernetes-validations[1].message: Invalid value: "a\\nb": message must not contain line breaks`,
      `${P}.properties[spec].x-kubernetes-validations[2].reason: Unsupported value: "FieldValueBad": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`,
      `${P}.properties[spec].x-kubernetes-validations[3].fieldPath: Invalid value: ".nope": fieldPath must be a valid path`,
    ]],
    ['a messageExpression that is not a string; optionalOldSelf without oldSelf', { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.a > 1', messageExpression: 'self.a' }, { rule: 'self.a > 1', optionalOldSelf: true }] } } }, [
      `${P}.properties[spec].x-kubernetes-validations[0].messageExpression: Invalid value: apiextensions.ValidationRule{Rule:"self.a > 1", Message:"", MessageExpression:"self.a", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: must evaluate to a string`,
      `${P}.properties[spec].x-kubernetes-validations[1].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule`,
    ]],
    ['oldSelf inside a list that is not a map list', { type: 'object', properties: { l: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } } } }, [
      `${P}.properties[l].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within ${P}.properties[l]`,
    ]],
    ['list-type map needs keys', { type: 'object', properties: { l: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object', properties: { k: { type: 'string' } } } } } }, [`${P}.properties[l].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`]],
  ])('%s', (_name, s, want) => {
    expect(schemaCauses(s)).toEqual(want);
  });

  it('with the status subresource the root must be an object', () => {
    expect(schemaCauses({ type: 'string' }, true)).toContain(`${P}.type: Invalid value: "string": only "object" is allowed as the type at the root of the schema if the status subresource is enabled`);
  });
});
