import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../../control-plane/storage/memory-backend.js';
import { NodePortAllocator, ServiceIPAllocator, parseCidr } from '../../../control-plane/apiserver/range-allocator.js';

describe('service address allocation', () => {
  it('the first address is the kubernetes Service one and is never handed out dynamically', async () => {
    const a = new ServiceIPAllocator(new MemoryBackend(), '10.96.0.0/16');
    expect(a.firstIP).toBe('10.96.0.1');
    const got = new Set<string>();
    for (let i = 0; i < 200; i++) got.add(await a.allocateNext());
    expect(got.size).toBe(200);
    expect(got.has('10.96.0.1')).toBe(false);
    expect([...got].every((ip) => ip.startsWith('10.96.'))).toBe(true);
  });
  it('concurrent allocations never collide (compare-and-swap)', async () => {
    const b = new MemoryBackend();
    const a1 = new ServiceIPAllocator(b, '10.96.0.0/28');
    const a2 = new ServiceIPAllocator(b, '10.96.0.0/28');
    const ips = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a1 : a2).allocateNext()));
    expect(new Set(ips).size).toBe(12);
    await expect(a1.allocateNext()).rejects.toThrow(/range is full/);
  });
  it('a requested address is honoured once, refused when taken or outside the range', async () => {
    const a = new ServiceIPAllocator(new MemoryBackend(), '10.96.0.0/16');
    await a.allocate('10.96.5.5');
    await expect(a.allocate('10.96.5.5')).rejects.toThrow(/already allocated/);
    await expect(a.allocate('10.97.0.1')).rejects.toThrow(/not in the valid range/);
    await a.release('10.96.5.5');
    await a.allocate('10.96.5.5');
  });
  it('NodePorts come from the range and repair rebuilds the map', async () => {
    const b = new MemoryBackend();
    const p = new NodePortAllocator(b, 30000, 30002);
    const got = [await p.allocateNext(), await p.allocateNext(), await p.allocateNext()].sort();
    expect(got).toEqual([30000, 30001, 30002]);
    await expect(p.allocateNext()).rejects.toThrow(/range is full/);
    await p.alloc.repair([1]);
    await expect(p.allocate(30001)).rejects.toThrow(/already allocated/);
    await p.allocate(30000);
    await expect(p.allocate(40000)).rejects.toThrow(/valid range/);
  });
  it('parses CIDRs', () => {
    expect(parseCidr('10.96.0.0/16')).toMatchObject({ bits: 16, size: 65536 });
    expect(() => parseCidr('10.96.0.0/40')).toThrow(/invalid CIDR/);
  });
});
