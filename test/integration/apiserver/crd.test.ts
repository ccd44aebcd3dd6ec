/**
 * CustomResourceDefinitions (issue 11, stage 1), over a real etcd with the real kubectl: a CRD applied is
 * Established and its kind served live (discovery, explain, get by plural / short name / kind), custom
 * objects are pruned, defaulted and validated against the CRD's schema (422 with every cause, nothing
 * stored), a bad CRD is a 422 with upstream's causes, and deleting the CRD stops serving its kind.
 */
import { describe, expect, it } from 'vitest';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl, kubectlOk } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

const ok = (args: string[], input?: string): Promise<string> => kubectlOk(s.h, args, input);

const CRONTAB_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
    schema:
      openAPIV3Schema:
        description: CronTab runs a command on a schedule.
        type: object
        properties:
          spec:
            description: What the crontab runs and when.
            type: object
            required: [cronSpec]
            properties:
              cronSpec:
                description: The schedule, in cron format.
                type: string
                pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'
              image:
                type: string
                maxLength: 40
              replicas:
                type: integer
                minimum: 1
                maximum: 10
                default: 1
              mode:
                type: string
                enum: [fast, slow]
              port:
                x-kubernetes-int-or-string: true
              extra:
                type: object
                x-kubernetes-preserve-unknown-fields: true
              template:
                type: object
                x-kubernetes-embedded-resource: true
                x-kubernetes-preserve-unknown-fields: true
          status:
            type: object
            properties:
              phase:
                type: string
`;

const crontab = (name: string, spec: string): string =>
  `apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

async function waitEstablished(name: string): Promise<void> {
  await ok(['wait', '--for=condition=Established', `crd/${name}`, '--timeout=30s']);
}

describe('a CustomResourceDefinition', () => {
  it('is created and becomes Established with NamesAccepted, its names accepted as upstream', async () => {
    expect(await ok(['apply', '-f', '-'], CRONTAB_CRD)).toContain('customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created');
    await waitEstablished('crontabs.stable.example.com');
    const crd = JSON.parse(await ok(['get', 'crd', 'crontabs.stable.example.com', '-o', 'json']));
    expect(crd.metadata.generation).toBe(1);
    expect(crd.spec.names.listKind).toBe('CronTabList');
    expect(crd.spec.conversion).toEqual({ strategy: 'None' });
    expect(crd.status.storedVersions).toEqual(['v1']);
    expect(crd.status.acceptedNames).toEqual({ plural: 'crontabs', singular: 'crontab', shortNames: ['ct'], kind: 'CronTab', listKind: 'CronTabList' });
    const byType = Object.fromEntries(crd.status.conditions.map((c: { type: string }) => [c.type, c]));
    expect(byType.NamesAccepted).toMatchObject({ status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
    expect(byType.Established).toMatchObject({ status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' });
    const stored = await s.backend.get('/registry/apiextensions.k8s.io/customresourcedefinitions/crontabs.stable.example.com');
    expect(stored).not.toBeNull();
  });

  it('is listed by kubectl get crd with NAME and CREATED AT', async () => {
    const out = await ok(['get', 'crds']);
    expect(out.split('\n')[0]!.split(/\s{2,}/)).toEqual(['NAME', 'CREATED AT']);
    expect(out).toContain('crontabs.stable.example.com');
  });

  it('serves its kind live: discovery, explain, and kubectl get by plural, short name and kind', async () => {
    const res = await ok(['api-resources', '--api-group', 'stable.example.com', '--no-headers']);
    expect(res.trim().split(/\s+/)).toEqual(['crontabs', 'ct', 'stable.example.com/v1', 'true', 'CronTab']);
    const explain = await ok(['explain', 'crontabs.spec']);
    expect(explain).toContain('What the crontab runs and when.');
    expect(explain).toMatch(/cronSpec\s+<string> -required-/);
    expect(explain).toContain('The schedule, in cron format.');
    const doc = await api(s.h, 'GET', '/openapi/v3/apis/stable.example.com/v1');
    expect(doc.status).toBe(200);
    const def = doc.json().components.schemas['com.example.stable.v1.CronTab'];
    expect(def['x-kubernetes-group-version-kind']).toEqual([{ group: 'stable.example.com', kind: 'CronTab', version: 'v1' }]);
    expect(def.properties.spec.properties.port['x-kubernetes-int-or-string']).toBe(true);
    expect(doc.body).not.toContain('x-kubelab');
    // no strategic merge patch for custom resources (upstream): kubectl apply sends a JSON merge patch
    const patchOp = doc.json().paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}'].patch;
    expect(Object.keys(patchOp.requestBody.content).sort()).toEqual(['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']);
    expect(await ok(['apply', '-f', '-'], crontab('c1', '  cronSpec: "* * * * */5"\n  image: my-image\n'))).toContain('crontab.stable.example.com/c1 created');
    for (const name of ['crontabs', 'ct', 'CronTab', 'crontab.stable.example.com']) {
      const out = await ok(['get', name]);
      expect(out.split('\n')[0]!.split(/\s+/)).toEqual(['NAME', 'AGE']);
      expect(out).toMatch(/^c1\s+\d+s/m);
    }
  });

  it('defaults, prunes unknown fields (kept under x-kubernetes-preserve-unknown-fields) and keeps int-or-string and embedded objects', async () => {
    const r = await api(s.h, 'POST', '/apis/stable.example.com/v1/namespaces/default/crontabs', {
      apiVersion: 'stable.example.com/v1',
      kind: 'CronTab',
      metadata: { name: 'c2' },
      spec: {
        cronSpec: '*/5 * * * *',
        port: 'http',
        unknown: 'dropped',
        extra: { anything: { goes: [1, 2] } },
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', bogus: 1 }, spec: { x: 1 } },
      },
      status: { phase: 'ignored on create' },
      topLevelUnknown: true,
    });
    expect(r.status).toBe(201);
    expect(r.headers.warning).toContain('unknown field \\"spec.unknown\\"');
    const body = r.json();
    expect(body.spec).toEqual({
      cronSpec: '*/5 * * * *',
      port: 'http',
      replicas: 1,
      extra: { anything: { goes: [1, 2] } },
      template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', bogus: 1 }, spec: { x: 1 } },
    });
    expect(body.status).toBeUndefined();
    expect(body.topLevelUnknown).toBeUndefined();
    expect(body.metadata.generation).toBe(1);
    const stored = await s.backend.get('/registry/stable.example.com/crontabs/default/c2');
    expect(JSON.parse(Buffer.from(stored!.value).toString()).spec.replicas).toBe(1);
  });

  it('under fieldValidation=Strict (kubectl) an unknown field is a 400 strict decoding error', async () => {
    const r = await kubectl(s.h, ['apply', '-f', '-'], { input: crontab('c3', '  cronSpec: "* * * * *"\n  bogus: 1\n') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('strict decoding error: unknown field "spec.bogus"');
    expect(await s.backend.get('/registry/stable.example.com/crontabs/default/c3')).toBeNull();
  });

  it('refuses an object failing its schema with 422 and every cause, storing nothing', async () => {
    const r = await api(s.h, 'POST', '/apis/stable.example.com/v1/namespaces/default/crontabs', {
      apiVersion: 'stable.example.com/v1',
      kind: 'CronTab',
      metadata: { name: 'bad' },
      spec: { image: 'x'.repeat(41), replicas: 11, mode: 'medium', port: true, cronSpec: 5 },
    });
    expect(r.status).toBe(422);
    const st = r.json();
    expect(st.reason).toBe('Invalid');
    expect(st.details).toMatchObject({ name: 'bad', group: 'stable.example.com', kind: 'CronTab' });
    const causes = st.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`);
    expect(causes).toEqual(
      expect.arrayContaining([
        'spec.cronSpec: Invalid value: "integer": spec.cronSpec in body must be of type string: "integer"',
        'spec.image: Too long: may not be more than 40 bytes',
        'spec.mode: Unsupported value: "medium": supported values: "fast", "slow"',
        'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
        'spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10',
      ]),
    );
    expect(causes).toHaveLength(5);
    expect(st.message).toContain('CronTab.stable.example.com "bad" is invalid: [');
    const missing = await kubectl(s.h, ['apply', '-f', '-'], { input: crontab('bad2', '  cronSpec: "not a cron"\n') });
    expect(missing.stderr).toContain(`spec.cronSpec: Invalid value: "not a cron": spec.cronSpec in body should match`);
    const required = await api(s.h, 'POST', '/apis/stable.example.com/v1/namespaces/default/crontabs', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'bad3' }, spec: {} });
    expect(required.status).toBe(422);
    expect(required.json().details.causes).toEqual([{ reason: 'FieldValueRequired', field: 'spec.cronSpec', message: 'Required value' }]);
    for (const n of ['bad', 'bad2', 'bad3']) expect(await s.backend.get(`/registry/stable.example.com/crontabs/default/${n}`)).toBeNull();
  });

  it('moves generation on a spec change, and the status subresource alone writes status', async () => {
    await ok(['apply', '-f', '-'], crontab('c1', '  cronSpec: "* * * * */5"\n  image: other-image\n'));
    const c1 = JSON.parse(await ok(['get', 'ct', 'c1', '-o', 'json']));
    expect(c1.metadata.generation).toBe(2);
    const st = await api(s.h, 'PATCH', '/apis/stable.example.com/v1/namespaces/default/crontabs/c1/status', { status: { phase: 'Running' } }, { contentType: 'application/merge-patch+json' });
    expect(st.status).toBe(200);
    expect(st.json().status).toEqual({ phase: 'Running' });
    expect(st.json().metadata.generation).toBe(2);
  });

  it('takes JSON and merge patches, and refuses a strategic merge patch with 415 as upstream', async () => {
    const smp = await api(s.h, 'PATCH', '/apis/stable.example.com/v1/namespaces/default/crontabs/c1', { spec: { image: 'x' } }, { contentType: 'application/strategic-merge-patch+json' });
    expect(smp.status).toBe(415);
    expect(smp.json().message).toBe('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
    expect(await ok(['patch', 'ct', 'c1', '--type=merge', '-p', '{"spec":{"image":"merged"}}'])).toContain('crontab.stable.example.com/c1 patched');
    expect(await ok(['patch', 'ct', 'c1', '--type=json', '-p', '[{"op":"replace","path":"/spec/image","value":"jsonpatched"}]'])).toContain('patched');
    expect(JSON.parse(await ok(['get', 'ct', 'c1', '-o', 'json'])).spec.image).toBe('jsonpatched');
  });

  it('a bad CRD is a 422 with every cause and is not stored', async () => {
    const r = await api(s.h, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.wrong.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Somewhere',
        names: { plural: 'Widgets', kind: 'widget', listKind: 'widget' },
        versions: [
          { name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { properties: { size: { type: 'integer' } } } } } } },
          { name: 'v2', served: true, storage: false },
        ],
      },
    });
    expect(r.status).toBe(422);
    const causes = r.json().details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`);
    expect(causes).toEqual(
      expect.arrayContaining([
        'metadata.name: Invalid value: "widgets.wrong.example.com": must be spec.names.plural+"."+spec.group',
        'spec.scope: Unsupported value: "Somewhere": supported values: "Cluster", "Namespaced"',
        'spec.versions[1].schema.openAPIV3Schema: Required value',
        'spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
        'spec.names.plural: Invalid value: "Widgets": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
        'spec.names.listKind: Invalid value: "widget": kind and listKind may not be the same',
      ]),
    );
    expect(causes.some((c: string) => c.startsWith('spec.versions: Invalid value: ') && c.endsWith('must have exactly one version marked as storage version'))).toBe(true);
    expect(await s.backend.get('/registry/apiextensions.k8s.io/customresourcedefinitions/widgets.wrong.example.com')).toBeNull();
  });

  it('a CRD whose CEL rule does not compile is refused with the compiler cause, nothing stored', async () => {
    const withCel = CRONTAB_CRD.replace('crontabs.stable.example.com', 'celtabs.stable.example.com')
      .replace('plural: crontabs', 'plural: celtabs').replace('singular: crontab', 'singular: celtab').replace('kind: CronTab', 'kind: CelTab').replace('shortNames: [ct]', 'shortNames: [cel]')
      .replace("            required: [cronSpec]\n", "            required: [cronSpec]\n            x-kubernetes-validations:\n            - rule: self.replicaz < 5\n");
    const r = await kubectl(s.h, ['apply', '-f', '-'], { input: withCel });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.replicaz < 5", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:5: undefined field \'replicaz\'');
    expect(await s.backend.get('/registry/apiextensions.k8s.io/customresourcedefinitions/celtabs.stable.example.com')).toBeNull();
  });

  it('a second CRD claiming a taken name has NamesAccepted False and is not Established', async () => {
    const clash = CRONTAB_CRD.replace('crontabs.stable.example.com', 'cronjobs.stable.example.com').replace('plural: crontabs', 'plural: cronjobs').replace('singular: crontab', 'singular: cronjob').replace('kind: CronTab', 'kind: CronJob');
    await ok(['apply', '-f', '-'], clash);
    let crd: { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } } = {};
    for (let i = 0; i < 50; i++) {
      crd = JSON.parse(await ok(['get', 'crd', 'cronjobs.stable.example.com', '-o', 'json']));
      if (crd.status?.conditions?.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const byType = Object.fromEntries((crd.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(byType.NamesAccepted).toMatchObject({ status: 'False', reason: 'ShortNamesConflict', message: '"ct" is already in use' });
    expect(byType.Established).toMatchObject({ status: 'False', reason: 'NotAccepted' });
    await ok(['delete', 'crd', 'cronjobs.stable.example.com']);
  });

  it('deleted, its kind leaves discovery and its URLs answer 404', async () => {
    await ok(['delete', 'crd', 'crontabs.stable.example.com']);
    for (let i = 0; i < 50; i++) {
      const r = await api(s.h, 'GET', '/apis/stable.example.com/v1/namespaces/default/crontabs');
      if (r.status === 404) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect((await api(s.h, 'GET', '/apis/stable.example.com/v1/namespaces/default/crontabs')).status).toBe(404);
    expect((await api(s.h, 'GET', '/apis/stable.example.com')).status).toBe(404);
  });
});
