/**
 * Adding a kind is one descriptor (issue 10): a throwaway kind, defined here and nowhere else, registered
 * before the API server starts, is served, discovered, explained, printed, selected and stored, driven
 * by the real kubectl over a real etcd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Static } from '@sinclair/typebox';
import { def, F, I32, S } from '../../../api/types/base.js';
import { objectMetaField, typeMetaProps } from '../../../api/types/meta.js';
import type { Relaxed } from '../../../api/types/views.js';
import { defineKind } from '../../../api/kinds/descriptor.js';
import { findResource, registerKind, unregisterKind } from '../../../api/kinds/registry.js';
import { useApiServerOverEtcd, type ApiOverEtcd } from '../../support/api-fixture.js';
import { api, kubectl, kubectlOk } from '../../support/apiserver.js';

const WidgetSpecSchema = def('io.kubelab.throwaway.v1alpha1.WidgetSpec', 'WidgetSpec is what a Widget should be.', {
  size: I32('How many parts the widget has. Must be at least 1.'),
  color: S('The widget colour, as paint names it.'),
});
const WidgetSchema = def('io.kubelab.throwaway.v1alpha1.Widget', 'Widget is a kind that exists only in this test.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(WidgetSpecSchema, 'Spec is the desired widget.'),
});
type Widget = Relaxed<Static<typeof WidgetSchema>>;

const widgets = defineKind<Widget>({
  group: 'throwaway.kubelab.io',
  version: 'v1alpha1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
  shortNames: ['wdg'],
  schema: WidgetSchema,
  strategy: {
    applyDefaults(w) {
      const spec = (w.spec ??= {});
      spec.color ??= 'grey';
    },
    validate(w) {
      const size = w.spec?.size;
      if (typeof size === 'number' && size >= 1) return [];
      return [{ reason: 'FieldValueInvalid', field: 'spec.size', message: `Invalid value: ${size ?? 0}: must be at least 1` }];
    },
  },
  fieldSelectors: { 'spec.color': (w) => w.spec?.color ?? '' },
  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the widget.', priority: 0 },
      { name: 'Size', type: 'integer', format: '', description: 'How many parts.', priority: 0 },
      { name: 'Color', type: 'string', format: '', description: 'The colour.', priority: 1 },
    ],
    cells: (w) => [w.metadata?.name ?? '', w.spec?.size ?? 0, w.spec?.color ?? ''],
  },
});

let s: ApiOverEtcd;
beforeAll(() => {
  registerKind(widgets);
});
useApiServerOverEtcd((started) => (s = started));
afterAll(() => unregisterKind('throwaway.kubelab.io', 'widgets'));

const ok = (args: string[], input?: string): Promise<string> => kubectlOk(s.h, args, input);

const widgetYaml = (name: string, size: number, color?: string): string =>
  `apiVersion: throwaway.kubelab.io/v1alpha1\nkind: Widget\nmetadata:\n  name: ${name}\nspec:\n  size: ${size}\n${color ? `  color: ${color}\n` : ''}`;

describe('a kind added through its descriptor alone', () => {
  it('is registered once: a second registration of the same resource is refused', () => {
    expect(findResource('throwaway.kubelab.io', 'widgets')?.kind).toBe('Widget');
    expect(() => registerKind(widgets)).toThrow(/already registered/);
  });

  it('is discovered: kubectl api-resources lists it with its short name and scope', async () => {
    const out = await ok(['api-resources', '--api-group', 'throwaway.kubelab.io', '--no-headers']);
    expect(out.trim().split(/\s+/)).toEqual(['widgets', 'wdg', 'throwaway.kubelab.io/v1alpha1', 'true', 'Widget']);
  });

  it('is explained: kubectl explain reads its schema from OpenAPI', async () => {
    const out = await ok(['explain', 'widgets.spec']);
    expect(out).toContain('WidgetSpec is what a Widget should be.');
    expect(out).toMatch(/size\s+<integer>/);
    expect(out).toContain('How many parts the widget has. Must be at least 1.');
  });

  it('is served and stored: apply creates it, defaults run, etcd holds it under /registry/widgets', async () => {
    expect(await ok(['apply', '-f', '-'], widgetYaml('w1', 3))).toContain('widget.throwaway.kubelab.io/w1 created');
    await ok(['apply', '-f', '-'], widgetYaml('w2', 5, 'blue'));
    const got = JSON.parse(await ok(['get', 'widget', 'w1', '-o', 'json']));
    expect(got.spec).toEqual({ size: 3, color: 'grey' });
    const stored = await s.backend.get('/registry/widgets/default/w1');
    expect(stored).not.toBeNull();
    expect(JSON.parse(Buffer.from(stored!.value).toString()).spec).toEqual({ size: 3, color: 'grey' });
  });

  it('is validated by its own hook: a bad object is a 422 naming the field, and nothing is stored', async () => {
    const r = await kubectl(s.h, ['apply', '-f', '-'], { input: widgetYaml('bad', 0) });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Widget "bad" is invalid: spec.size: Invalid value: 0: must be at least 1');
    const raw = await api(s.h, 'POST', '/apis/throwaway.kubelab.io/v1alpha1/namespaces/default/widgets', {
      apiVersion: 'throwaway.kubelab.io/v1alpha1',
      kind: 'Widget',
      metadata: { name: 'bad' },
      spec: { size: 0 },
    });
    expect(raw.status).toBe(422);
    expect(raw.json()).toMatchObject({
      reason: 'Invalid',
      message: 'Widget.throwaway.kubelab.io "bad" is invalid: spec.size: Invalid value: 0: must be at least 1',
      details: { name: 'bad', group: 'throwaway.kubelab.io', kind: 'Widget', causes: [{ reason: 'FieldValueInvalid', field: 'spec.size' }] },
    });
    expect(await s.backend.get('/registry/widgets/default/bad')).toBeNull();
  });

  it('is printed with its own Table columns, the wide one with -o wide', async () => {
    const plain = await ok(['get', 'wdg']);
    expect(plain.split('\n')[0]!.split(/\s+/)).toEqual(['NAME', 'SIZE']);
    expect(plain).toMatch(/w1\s+3/);
    const wide = await ok(['get', 'widgets', '-o', 'wide']);
    expect(wide.split('\n')[0]!.split(/\s+/)).toEqual(['NAME', 'SIZE', 'COLOR']);
    expect(wide).toMatch(/w2\s+5\s+blue/);
  });

  it('is selected by its own field selector', async () => {
    const out = await ok(['get', 'widgets', '--field-selector', 'spec.color=blue', '-o', 'name']);
    expect(out.trim()).toBe('widget.throwaway.kubelab.io/w2');
    const r = await api(s.h, 'GET', '/apis/throwaway.kubelab.io/v1alpha1/namespaces/default/widgets?fieldSelector=spec.size%3D3');
    expect(r.status).toBe(400);
    expect(r.json().message).toBe('field label not supported: spec.size');
  });
});
