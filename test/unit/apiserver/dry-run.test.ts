/** dryRun's pure parts: the option's values (upstream's ValidateDryRun), an eviction's dryRun (propagateDryRun), the dry-run allocators. */
import { describe, expect, it } from 'vitest';
import { dryRunOf, dryRunOption } from '../../../control-plane/apiserver/query-params.js';
import { evictionDeleteOptions } from '../../../control-plane/apiserver/server.js';
import { dryRunOps } from '../../../control-plane/apiserver/resource-hooks.js';
import { NodePortAllocator, ServiceIPAllocator } from '../../../control-plane/apiserver/range-allocator.js';
import { MemoryBackend } from '../../../control-plane/storage/memory-backend.js';

describe('dryRunOption', () => {
  it.each([
    [[], false],
    [['All'], true],
    [['All', 'All'], true],
  ])('%j -> %s', (values, want) => {
    expect(dryRunOption(values, 'CreateOptions')).toBe(want);
  });

  it.each([
    [['foo'], 'UpdateOptions', 'UpdateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"foo"}: supported values: "All"'],
    [['All', ''], 'DeleteOptions', 'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"All", ""}: supported values: "All"'],
  ] as const)('%j is a 422 on %s', (values, kind, message) => {
    expect(() => dryRunOption(values, kind)).toThrow(expect.objectContaining({ httpStatus: 422, reason: 'Invalid', message }));
  });

  it('by verb: only the verbs that write have one', () => {
    const q = new URLSearchParams('dryRun=All');
    expect(['create', 'update', 'patch', 'delete', 'deletecollection'].map((v) => dryRunOf(v, q))).toEqual([true, true, true, true, true]);
    expect(['get', 'list', 'watch'].map((v) => dryRunOf(v, q))).toEqual([false, false, false]);
    expect(() => dryRunOf('patch', new URLSearchParams('dryRun=x'))).toThrow(/PatchOptions/);
  });
});

describe('evictionDeleteOptions (propagateDryRun)', () => {
  it('the query fills an empty body dryRun; the body alone counts; both must match', () => {
    expect(evictionDeleteOptions(undefined, ['All'])).toEqual({ dryRun: ['All'] });
    expect(evictionDeleteOptions({ gracePeriodSeconds: 5 }, [])).toEqual({ gracePeriodSeconds: 5 });
    expect(evictionDeleteOptions({ dryRun: ['All'] }, [])).toEqual({ dryRun: ['All'] });
    expect(evictionDeleteOptions({ dryRun: ['All'] }, ['All'])).toEqual({ dryRun: ['All'] });
    expect(() => evictionDeleteOptions({ dryRun: ['x'] }, ['All'])).toThrow('Non-matching dry-run options in request and content: [All] and [x]');
  });
});

describe('dryRunOps (upstream dry-run allocators)', () => {
  it('ClusterIP: the network address, a requested one only checked to be in range; NodePorts from 32769, held ones refused', async () => {
    const backend = new MemoryBackend();
    const ips = new ServiceIPAllocator(backend, '10.96.0.0/16');
    const ports = new NodePortAllocator(backend, 30000, 32767);
    await ips.allocate('10.96.0.20');
    await ports.allocate(30080);
    const before = (await backend.list('/registry/ranges/')).items.map((kv) => kv.modRevision);
    const ops = dryRunOps(ips, ports);
    expect(await ops.allocateNextIP()).toBe('10.96.0.0');
    await expect(ops.allocateIP('10.96.0.20')).resolves.toBeUndefined(); // not looked up, as upstream
    await expect(ops.allocateIP('10.97.0.1')).rejects.toThrow('the provided IP (10.97.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/16');
    expect(await ops.allocateNextPort()).toBe(32769);
    expect(await ops.allocateNextPort()).toBe(32770);
    await expect(ops.allocatePort(30080)).rejects.toThrow(/already allocated/);
    await ops.allocatePort(30500);
    await expect(ops.allocatePort(30500)).rejects.toThrow(/already allocated/);
    expect(await ops.allocateNextPort()).toBe(32771);
    expect((await backend.list('/registry/ranges/')).items.map((kv) => kv.modRevision)).toEqual(before);
    // A fresh operation starts again.
    expect(await dryRunOps(ips, ports).allocateNextPort()).toBe(32769);
  });
});
