/** /openapi/v2 in gnostic's protobuf (openapi-protobuf.ts): what kubectl's client-side validation decodes. */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildOpenAPIV2 } from '../../../api/schema/openapi.js';
import { decodeOpenAPIV2, encodeOpenAPIV2, schemaMessage } from '../../../control-plane/apiserver/openapi-protobuf.js';
import { v2Format } from '../../../control-plane/apiserver/openapi-handler.js';

type Json = Record<string, any>;

describe('the v2 document as protobuf', () => {
  const doc = buildOpenAPIV2() as Json;
  const back = decodeOpenAPIV2(encodeOpenAPIV2(doc)) as Json;
  const def = (name: string): Json => back.definitions.additional_properties.find((d: Json) => d.name === name)?.value;

  it('keeps the swagger version, info and every definition by name', () => {
    expect(back.swagger).toBe('2.0');
    expect(back.info).toEqual({ title: doc.info.title, version: doc.info.version });
    expect(back.definitions.additional_properties.map((d: Json) => d.name).sort()).toEqual(Object.keys(doc.definitions).sort());
  });

  it('a definition: description, type, properties with $ref, and the group-version-kind extension as YAML', () => {
    const cm = def('io.k8s.api.core.v1.ConfigMap');
    expect(cm.description).toBe(doc.definitions['io.k8s.api.core.v1.ConfigMap'].description);
    expect(cm.type).toEqual({ value: ['object'] });
    const props = Object.fromEntries(cm.properties.additional_properties.map((p: Json) => [p.name, p.value]));
    expect(props.metadata._ref).toBe('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    expect(props.data.additional_properties.schema.type).toEqual({ value: ['string'] });
    const gvk = cm.vendor_extension.find((e: Json) => e.name === 'x-kubernetes-group-version-kind');
    expect(parse(gvk.value.yaml)).toEqual([{ group: '', kind: 'ConfigMap', version: 'v1' }]);
  });

  it('paths keep their operations ids and Kubernetes extensions', () => {
    const p = back.paths.path.find((x: Json) => x.name === '/api/v1/namespaces/{namespace}/configmaps');
    expect(p.value.get.operation_id).toBe(doc.paths['/api/v1/namespaces/{namespace}/configmaps'].get.operationId);
  });

  it('schema keywords map to their fields; free-form values are YAML', () => {
    expect(schemaMessage({ type: 'array', items: { type: 'integer', format: 'int32', minimum: 0, maximum: 10, exclusiveMaximum: true }, required: ['a'], enum: ['x', 'y'], default: { a: 1 }, additionalProperties: false, 'x-kubernetes-list-type': 'atomic' })).toEqual({
      type: { value: ['array'] },
      items: { schema: [{ type: { value: ['integer'] }, format: 'int32', minimum: 0, maximum: 10, exclusive_maximum: true }] },
      required: ['a'],
      enum: [{ yaml: 'x\n' }, { yaml: 'y\n' }],
      default: { yaml: 'a: 1\n' },
      additional_properties: { boolean: false },
      vendor_extension: [{ name: 'x-kubernetes-list-type', value: { yaml: 'atomic\n' } }],
    });
  });
});

describe('v2Format (the Accept header of /openapi/v2)', () => {
  const cases: [string, ReturnType<typeof v2Format>][] = [
    ['', 'json'],
    ['application/json', 'json'],
    ['*/*', 'json'],
    ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'protobuf'],
    ['application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'protobuf'],
    ['application/com.github.proto-openapi.spec.v2.v1.0+protobuf, application/json', 'protobuf'],
    ['application/json, application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'json'],
    ['text/html', undefined],
    ['application/yaml', undefined],
  ];
  for (const [accept, want] of cases) it(JSON.stringify(accept), () => expect(v2Format(accept)).toBe(want));
});
