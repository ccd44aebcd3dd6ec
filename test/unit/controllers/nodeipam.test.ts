import { describe, expect, it } from 'vitest';
import { CidrSet, decideNodeCIDRs, parseCIDR } from '../../../control-plane/controllers/nodeipam/cidr.js';
import type { Node } from '../../../control-plane/controllers/util/types.js';

const node = (name: string, podCIDR?: string): Node => ({ metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} });

describe('CidrSet', () => {
  it('hands out /24s of 10.244.0.0/16 in order, never twice, and reuses a released one', () => {
    const s = new CidrSet('10.244.0.0/16', 24);
    expect(s.count).toBe(256);
    expect(s.allocateNext()).toBe('10.244.0.0/24');
    expect(s.allocateNext()).toBe('10.244.1.0/24');
    s.occupy('10.244.2.0/24');
    expect(s.allocateNext()).toBe('10.244.3.0/24');
    s.release('10.244.1.0/24');
    expect(s.isUsed('10.244.1.0/24')).toBe(false);
    // round robin: continues after the last given, wraps to the freed one later
    for (let i = 4; i < 256; i++) s.allocateNext();
    expect(s.allocateNext()).toBe('10.244.1.0/24');
    expect(() => s.allocateNext()).toThrow(/no remaining CIDRs/);
  });

  it('rejects subnets outside the range or with another mask', () => {
    const s = new CidrSet('10.244.0.0/16', 24);
    expect(() => s.occupy('10.245.0.0/24')).toThrow();
    expect(() => s.occupy('10.244.0.0/25')).toThrow();
    expect(parseCIDR('10.244.7.9/16')).toEqual({ base: parseCIDR('10.244.0.0/16').base, bits: 16 });
  });
});

describe('decideNodeCIDRs', () => {
  it('rebuilds from existing nodes before allocating (nothing given twice)', () => {
    const s = new CidrSet('10.244.0.0/16', 24);
    const known = new Map<string, string>();
    const { actions } = decideNodeCIDRs(s, [node('node02'), node('controlplane01', '10.244.0.0/24'), node('node01', '10.244.1.0/24')], known);
    expect(actions).toEqual([{ node: 'node02', podCIDR: '10.244.2.0/24' }]);
  });

  it('frees the subnet of a node that went away; repeats a pending allocation instead of allocating again', () => {
    const s = new CidrSet('10.244.0.0/16', 24);
    const known = new Map<string, string>();
    decideNodeCIDRs(s, [node('a'), node('b')], known);
    expect([...known]).toEqual([
      ['a', '10.244.0.0/24'],
      ['b', '10.244.1.0/24'],
    ]);
    // the write for b has not shown yet: same subnet again
    const again = decideNodeCIDRs(s, [node('a', '10.244.0.0/24'), node('b')], known);
    expect(again.actions).toEqual([{ node: 'b', podCIDR: '10.244.1.0/24' }]);
    // a is deleted
    decideNodeCIDRs(s, [node('b', '10.244.1.0/24')], known);
    expect(s.isUsed('10.244.0.0/24')).toBe(false);
    expect(known.has('a')).toBe(false);
  });

  it('reports a node claiming another node’s subnet and an exhausted range', () => {
    const s = new CidrSet('10.244.0.0/23', 24);
    const known = new Map<string, string>();
    const r = decideNodeCIDRs(s, [node('a', '10.244.0.0/24'), node('b', '10.244.0.0/24'), node('c'), node('d')], known);
    expect(r.conflicts).toHaveLength(1);
    expect(r.actions).toEqual([
      { node: 'c', podCIDR: '10.244.1.0/24' },
      { node: 'd', error: expect.stringMatching(/no remaining CIDRs/) },
    ]);
  });
});
