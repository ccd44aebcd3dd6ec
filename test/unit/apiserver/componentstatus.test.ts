import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  componentStatusOf,
  etcdProbe,
  getComponentStatus,
  httpGetErrorMessage,
  httpGetProbe,
  httpProbeResult,
  listComponentStatuses,
  type ComponentServer,
} from '../../../control-plane/apiserver/componentstatus.js';
import { componentStatusCells } from '../../../api/strategies/printers.js';
import { KubeError } from '../../../api/errors.js';

describe('componentStatusOf (upstream getComponentStatus)', () => {
  it.each([
    [{ result: 'Success', data: 'ok' }, 'True', 'ok', ''],
    [{ result: 'Failure', data: 'HTTP probe failed with statuscode: 500' }, 'False', 'HTTP probe failed with statuscode: 500', ''],
    [{ result: 'Failure', data: '', error: 'context deadline exceeded' }, 'False', '', 'context deadline exceeded'],
    [{ result: 'Unknown', data: '', error: 'bad url' }, 'Unknown', '', 'bad url'],
  ] as const)('%j -> %s', (r, status, message, error) => {
    expect(componentStatusOf('scheduler', r)).toEqual({ kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'scheduler' }, conditions: [{ type: 'Healthy', status, message, error }] });
  });
});

describe('printer (upstream printComponentStatus)', () => {
  it.each([
    [{ metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok', error: '' }] }, ['etcd-0', 'Healthy', 'ok', '']],
    [{ metadata: { name: 'scheduler' }, conditions: [{ type: 'Healthy', status: 'False', message: 'refused', error: '' }] }, ['scheduler', 'Unhealthy', 'refused', '']],
    [{ metadata: { name: 'x' }, conditions: [{ type: 'Healthy', status: 'Unknown', message: '', error: 'e' }] }, ['x', 'Unhealthy', '', 'e']],
    [{ metadata: { name: 'y' }, conditions: [] }, ['y', 'Unknown', '', '']],
  ])('%j', (cs, cells) => {
    expect(componentStatusCells(cs)).toEqual(cells);
  });
});

describe('probes', () => {
  it.each([
    [200, 'ok', { result: 'Success', data: 'ok' }],
    [302, '', { result: 'Success', data: '' }],
    [403, '{}', { result: 'Failure', data: 'HTTP probe failed with statuscode: 403' }],
    [500, 'x', { result: 'Failure', data: 'HTTP probe failed with statuscode: 500' }],
  ])('HTTP %i', (code, body, want) => {
    expect(httpProbeResult(code, body)).toEqual(want);
  });

  it("a refused connection in Go's words", () => {
    expect(httpGetErrorMessage('https://127.0.0.1:10259/healthz', { code: 'ECONNREFUSED' })).toBe('Get "https://127.0.0.1:10259/healthz": dial tcp 127.0.0.1:10259: connect: connection refused');
  });

  it('probes a real server, and a closed port', async () => {
    const srv = createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 500).end('ok'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    try {
      expect(await httpGetProbe(`http://127.0.0.1:${port}/healthz`)).toEqual({ result: 'Success', data: 'ok' });
      expect(await httpGetProbe(`http://127.0.0.1:${port}/other`)).toEqual({ result: 'Failure', data: 'HTTP probe failed with statuscode: 500' });
    } finally {
      await new Promise((r) => srv.close(r));
    }
    expect(await httpGetProbe(`http://127.0.0.1:${port}/healthz`)).toEqual({ result: 'Failure', data: `Get "http://127.0.0.1:${port}/healthz": dial tcp 127.0.0.1:${port}: connect: connection refused` });
  });

  it('etcd: ok, or the error', async () => {
    expect(await etcdProbe(async () => 5)).toEqual({ result: 'Success', data: 'ok' });
    expect(await etcdProbe(async () => { throw new Error('etcd down'); })).toEqual({ result: 'Failure', data: '', error: 'etcd down' });
    expect(await etcdProbe(() => new Promise(() => undefined), 10)).toEqual({ result: 'Failure', data: '', error: 'context deadline exceeded' });
  });
});

describe('list and get', () => {
  const servers: ComponentServer[] = [
    { name: 'scheduler', check: async () => ({ result: 'Success', data: 'ok' }) },
    { name: 'etcd-0', check: async () => ({ result: 'Failure', data: '', error: 'down' }) },
  ];
  it('lists every server in order', async () => {
    expect((await listComponentStatuses(servers)).map((c) => [c.metadata.name, c.conditions?.[0]?.status])).toEqual([['scheduler', 'True'], ['etcd-0', 'False']]);
  });
  it('gets one; an unknown name is an internal error, as upstream', async () => {
    expect((await getComponentStatus(servers, 'etcd-0')).conditions?.[0]?.error).toBe('down');
    const e = await getComponentStatus(servers, 'nope').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KubeError);
    expect((e as KubeError).toStatus()).toMatchObject({ code: 500, reason: 'InternalError', message: 'Internal error occurred: Component not found: nope' });
  });
});
