/**
 * Service create and update allocate cluster IPs and node ports before the write; a request that fails
 * part-way gives back everything it took (resource-hooks' allocate-or-release), so a later request can have them.
 */
import { describe, expect, it } from 'vitest';
import { InProcessClient } from '../../../control-plane/apiserver/in-process-client.js';
import { findResource } from '../../../api/resources.js';

const services = findResource('', 'services')!;

type Port = { name: string; port: number; nodePort?: number };
const nodePortService = (name: string, ports: Port[], clusterIP?: string) => ({
  metadata: { name },
  spec: { type: 'NodePort', selector: { app: name }, ...(clusterIP ? { clusterIP } : {}), ports },
});
type Svc = ReturnType<typeof nodePortService>;

describe('service allocation: a failed request releases what it took', () => {
  it('on create', async () => {
    const c = new InProcessClient();
    await c.create(services, 'default', nodePortService('a', [{ name: 'http', port: 80, nodePort: 30080 }]));
    // Takes 10.96.0.50 and 30081, then fails on 30080 (a's).
    await expect(
      c.create(services, 'default', nodePortService('b', [{ name: 'one', port: 80, nodePort: 30081 }, { name: 'two', port: 81, nodePort: 30080 }], '10.96.0.50')),
    ).rejects.toMatchObject({ reason: 'Invalid', httpStatus: 422 });
    const ok = await c.create<Svc>(services, 'default', nodePortService('c', [{ name: 'http', port: 80, nodePort: 30081 }], '10.96.0.50'));
    expect(ok.spec).toMatchObject({ clusterIP: '10.96.0.50', ports: [{ nodePort: 30081 }] });
  });

  it('on update', async () => {
    const c = new InProcessClient();
    await c.create(services, 'default', nodePortService('a', [{ name: 'http', port: 80, nodePort: 30080 }]));
    const b = await c.create<Svc>(services, 'default', nodePortService('b', [{ name: 'http', port: 80, nodePort: 30090 }]));
    // Takes 30082, then fails on 30080 (a's).
    b.spec.ports.push({ name: 'two', port: 81, nodePort: 30082 }, { name: 'three', port: 82, nodePort: 30080 });
    await expect(c.update(services, b)).rejects.toMatchObject({ reason: 'Invalid', httpStatus: 422 });
    const d = await c.create<Svc>(services, 'default', nodePortService('d', [{ name: 'http', port: 80, nodePort: 30082 }]));
    expect(d.spec.ports).toMatchObject([{ nodePort: 30082 }]);
    expect((await c.get<Svc>(services, 'default', 'b')).spec.ports).toMatchObject([{ nodePort: 30090 }]);
  });
});
