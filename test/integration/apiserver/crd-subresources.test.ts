/**
 * CustomResourceDefinitions, stage 2, over a real etcd with the real kubectl: additionalPrinterColumns
 * (types, priority -> -o wide), categories (`kubectl get all`), the status subresource (main updates ignore
 * status, /status ignores the rest, generation on spec changes) and the scale subresource (`kubectl scale`).
 */
import { describe, expect, it } from 'vitest';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl, kubectlOk } from '../../support/apiserver.js';

let s: ApiOverEtcd;
useApiServerOverEtcd((started) => (s = started));

const ok = (args: string[], input?: string): Promise<string> => kubectlOk(s.h, args, input);

const CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: databases.db.example.com
spec:
  group: db.example.com
  scope: Namespaced
  names:
    plural: databases
    kind: Database
    shortNames: [dbs]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .status.selector
    selectableFields:
    - jsonPath: .spec.engine
    additionalPrinterColumns:
    - name: Engine
      type: string
      jsonPath: .spec.engine
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Ready
      type: string
      jsonPath: .status.conditions[?(@.type=="Ready")].status
    - name: Backup
      type: boolean
      priority: 1
      jsonPath: .spec.backup
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              engine: {type: string}
              replicas: {type: integer, minimum: 0, maximum: 5}
              backup: {type: boolean}
          status:
            type: object
            properties:
              replicas: {type: integer}
              selector: {type: string}
              conditions:
                type: array
                items:
                  type: object
                  properties:
                    type: {type: string}
                    status: {type: string}
`;

const db = (name: string, replicas: number, extra = ''): string =>
  `apiVersion: db.example.com/v1\nkind: Database\nmetadata:\n  name: ${name}\nspec:\n  engine: postgres\n  replicas: ${replicas}\n  backup: true\n${extra}`;

describe('a CRD with printer columns, categories, status and scale', () => {
  it('is established and its objects print their columns, the priority-1 ones with -o wide', async () => {
    await ok(['apply', '-f', '-'], CRD);
    await ok(['wait', '--for=condition=Established', 'crd/databases.db.example.com', '--timeout=30s']);
    await ok(['apply', '-f', '-'], db('d1', 2));
    const st = await api(s.h, 'PATCH', '/apis/db.example.com/v1/namespaces/default/databases/d1/status', { status: { replicas: 1, selector: 'app=d1', conditions: [{ type: 'Ready', status: 'True' }] } }, { contentType: 'application/merge-patch+json' });
    expect(st.status).toBe(200);
    const plain = await ok(['get', 'databases']);
    expect(plain.split('\n')[0]!.split(/\s+/)).toEqual(['NAME', 'ENGINE', 'REPLICAS', 'READY', 'AGE']);
    expect(plain).toMatch(/^d1\s+postgres\s+2\s+True\s+\d+s$/m);
    const wide = await ok(['get', 'dbs', '-o', 'wide']);
    expect(wide.split('\n')[0]!.split(/\s+/)).toEqual(['NAME', 'ENGINE', 'REPLICAS', 'READY', 'BACKUP', 'AGE']);
    expect(wide).toMatch(/^d1\s+postgres\s+2\s+True\s+true\s+\d+s$/m);
    const table = await api(s.h, 'GET', '/apis/db.example.com/v1/namespaces/default/databases', undefined, { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    expect(table.json().columnDefinitions.map((c: { name: string; type: string; priority: number }) => `${c.name}:${c.type}:${c.priority}`)).toEqual([
      'Name:string:0', 'Engine:string:0', 'Replicas:integer:0', 'Ready:string:0', 'Backup:boolean:1', 'Age:date:0',
    ]);
  });

  it('is selected by its selectableFields (field selectors)', async () => {
    await ok(['apply', '-f', '-'], db('d2', 1).replace('postgres', 'mysql'));
    expect((await ok(['get', 'databases', '--field-selector', 'spec.engine=mysql', '-o', 'name'])).trim()).toBe('database.db.example.com/d2');
    expect((await ok(['get', 'databases', '--field-selector', 'spec.engine!=mysql', '-o', 'name'])).trim()).toBe('database.db.example.com/d1');
    const r = await api(s.h, 'GET', '/apis/db.example.com/v1/namespaces/default/databases?fieldSelector=spec.replicas%3D1');
    expect(r.status).toBe(400);
    expect(r.json().message).toBe('field label not supported: spec.replicas');
    await ok(['delete', 'database', 'd2']);
  });

  it('is listed by kubectl get all (category all)', async () => {
    const out = await ok(['get', 'all']);
    expect(out).toContain('database.db.example.com/d1');
  });

  it('main updates ignore status; status updates ignore everything else; generation moves on spec changes only', async () => {
    const before = JSON.parse(await ok(['get', 'database', 'd1', '-o', 'json']));
    expect(before.metadata.generation).toBe(1);
    const put = await api(s.h, 'PUT', '/apis/db.example.com/v1/namespaces/default/databases/d1', { ...before, spec: { ...before.spec, engine: 'mysql' }, status: { replicas: 9 } });
    expect(put.status).toBe(200);
    expect(put.json().spec.engine).toBe('mysql');
    expect(put.json().status.replicas).toBe(1);
    expect(put.json().metadata.generation).toBe(2);
    const cur = put.json();
    const status = await api(s.h, 'PUT', '/apis/db.example.com/v1/namespaces/default/databases/d1/status', {
      ...cur,
      metadata: { ...cur.metadata, labels: { ignored: 'yes' } },
      spec: { ...cur.spec, engine: 'ignored' },
      status: { ...cur.status, replicas: 2 },
    });
    expect(status.status).toBe(200);
    expect(status.json().spec.engine).toBe('mysql');
    expect(status.json().metadata.labels).toBeUndefined();
    expect(status.json().status.replicas).toBe(2);
    expect(status.json().metadata.generation).toBe(2);
  });

  it('serves scale by its paths: kubectl scale writes spec.replicas, the Scale reads status and selector', async () => {
    const scale = await api(s.h, 'GET', '/apis/db.example.com/v1/namespaces/default/databases/d1/scale');
    expect(scale.status).toBe(200);
    expect(scale.json()).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 }, status: { replicas: 2, selector: 'app=d1' } });
    expect(await ok(['scale', 'database', 'd1', '--replicas=4'])).toContain('database.db.example.com/d1 scaled');
    const after = JSON.parse(await ok(['get', 'database', 'd1', '-o', 'json']));
    expect(after.spec.replicas).toBe(4);
    expect(after.metadata.generation).toBe(3);
    // the object's own schema still holds: maximum 5
    const r = await kubectl(s.h, ['scale', 'database', 'd1', '--replicas=6']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.replicas: Invalid value: 6: spec.replicas in body should be less than or equal to 5');
    expect(JSON.parse(await ok(['get', 'database', 'd1', '-o', 'json'])).spec.replicas).toBe(4);
  });

  it('a CRD with a bad column or scale path is refused with upstream causes', async () => {
    const bad = CRD.replace('databases.db.example.com', 'caches.db.example.com').replace('plural: databases', 'plural: caches').replace('kind: Database', 'kind: Cache').replace('shortNames: [dbs]', 'shortNames: [ch]')
      .replace('specReplicasPath: .spec.replicas', 'specReplicasPath: .status.replicas').replace('type: string\n      jsonPath: .spec.engine', 'type: string\n      jsonPath: spec.engine').replace('type: integer\n      jsonPath: .spec.replicas', 'type: int\n      jsonPath: .spec.replicas');
    const r = await kubectl(s.h, ['apply', '-f', '-'], { input: bad });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec');
    expect(r.stderr).toContain('spec.versions[0].additionalPrinterColumns[0].JSONPath: Invalid value: "spec.engine": must be a simple json path starting with .');
    expect(r.stderr).toContain('spec.versions[0].additionalPrinterColumns[1].type: Invalid value: "int": must be one of boolean,date,integer,number,string');
  });
});
