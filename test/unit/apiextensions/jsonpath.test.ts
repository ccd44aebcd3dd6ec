/** Printer-column JSONPath (client-go's subset), cells as upstream's table convertor, and scale by paths. */
import { describe, expect, it } from 'vitest';
import { columnCell, evaluateJSONPath, goPrint, parseJSONPath } from '../../../api/apiextensions/jsonpath.js';
import { printerColumns, scaleByPaths } from '../../../api/apiextensions/custom-resource-kind.js';

const OBJ = {
  metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'web' }, creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: { replicas: 3, ratio: 1.5, on: true, tags: ['a', 'b'], nested: { k: 'v', n: 1 } },
  status: { conditions: [{ type: 'Ready', status: 'True', n: 2 }, { type: 'Synced', status: 'False', n: 5 }] },
};

describe('JSONPath', () => {
  it.each<[string, unknown[]]>([
    ['.spec.replicas', [3]],
    ['{.spec.replicas}', [3]],
    ['$.spec.replicas', [3]],
    ['.spec.missing', []],
    ['.spec.tags[0]', ['a']],
    ['.spec.tags[-1]', ['b']],
    ['.spec.tags[5]', []],
    ['.spec.tags[*]', ['a', 'b']],
    ['.spec.nested.*', ['v', 1]],
    [".metadata.labels['app.kubernetes.io/name']", ['web']],
    ['.metadata.labels.app\\.kubernetes\\.io/name', ['web']],
    ['.status.conditions[?(@.type=="Ready")].status', ['True']],
    [".status.conditions[?(@.type!='Ready')].type", ['Synced']],
    ['.status.conditions[?(@.n > 3)].type', ['Synced']],
    ['.status.conditions[?(@.n <= 2)].type', ['Ready']],
    ['.status.conditions[?(@.missing)].type', []],
    ['.status.conditions[*].type', ['Ready', 'Synced']],
  ])('%s', (path, want) => {
    expect(evaluateJSONPath(parseJSONPath(path), OBJ)).toEqual(want);
  });

  it.each(['spec..x', '.spec[', '.spec[abc]', '.spec[?(foo)]'])('refuses %s', (path) => {
    expect(() => parseJSONPath(path)).toThrow(/unrecognized column definition/);
  });
});

describe('cells (cellForJSONValue)', () => {
  const now = new Date('2024-01-01T00:03:00Z');
  it.each<[string, unknown[], unknown]>([
    ['string', ['s'], 's'],
    ['string', [3], '3'],
    ['string', [{ b: 1, a: [1, 'x'] }], 'map[a:[1 x] b:1]'],
    ['string', [true], 'true'],
    ['string', [], null],
    ['integer', [3.7], 3],
    ['integer', ['3'], null],
    ['number', [1.5], 1.5],
    ['boolean', [false], false],
    ['boolean', ['true'], null],
    ['date', ['2024-01-01T00:00:00Z'], '3m'],
    ['date', ['yesterday'], '<invalid>'],
    ['date', [5], null],
  ])('%s %j', (type, values, want) => {
    expect(columnCell(type, values, now)).toEqual(want);
  });

  it('Go prints floats as %v', () => {
    expect(goPrint(1e21)).toBe('1e+21');
    expect(goPrint(0.5)).toBe('0.5');
    expect(goPrint(null)).toBe('<nil>');
  });
});

describe('printerColumns', () => {
  const now = new Date('2024-01-01T00:00:30Z');
  it('Name, then the listed columns; none listed: Age', () => {
    const none = printerColumns({ name: 'v1', served: true, storage: true });
    expect(none.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['Name:string', 'Age:date']);
    expect(none.cells(OBJ, now)).toEqual(['x', '30s']);
    const some = printerColumns({
      name: 'v1',
      served: true,
      storage: true,
      additionalPrinterColumns: [
        { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
        { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', priority: 1, description: 'Is it ready' },
        { name: 'Broken', type: 'string', jsonPath: '.spec[' },
      ],
    });
    expect(some.columns.map((c) => `${c.name}:${c.priority}:${c.description}`)).toEqual([
      `Name:0:${some.columns[0]!.description}`,
      'Replicas:0:Custom resource definition column (in JSONPath format): .spec.replicas',
      'Ready:1:Is it ready',
      'Broken:0:Custom resource definition column (in JSONPath format): .spec[',
    ]);
    expect(some.cells(OBJ, now)).toEqual(['x', 3, 'True', null]);
  });
});

describe('scaleByPaths', () => {
  it('reads replicas and selector at their paths (0 and "" when missing) and writes spec replicas, making the path', () => {
    const s = scaleByPaths('.spec.replicas', '.status.ready', '.status.selector');
    const o: Record<string, unknown> = { spec: { replicas: 2 }, status: { ready: 1, selector: 'a=b' } };
    expect([s.specReplicas(o), s.statusReplicas(o), s.selector(o)]).toEqual([2, 1, 'a=b']);
    expect([s.specReplicas({}), s.statusReplicas({}), s.selector({})]).toEqual([0, 0, '']);
    const deep = scaleByPaths('.spec.scaling.count', '.status.count', '');
    const d: Record<string, unknown> = {};
    deep.setSpecReplicas(d, 4);
    expect(d).toEqual({ spec: { scaling: { count: 4 } } });
  });
});
