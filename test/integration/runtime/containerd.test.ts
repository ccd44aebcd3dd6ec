/**
 * The runtime suite against a real containerd (own root/state/socket, CRI plugin disabled), started
 * here and stopped by PID; images come from the lab registry as docker.io mirror.
 */
import { expect, it } from 'vitest';
import { ContainerdRuntime } from '../../../node-agent/runtime/containerd/runtime.js';
import { LABELS } from '../../../node-agent/runtime/runtime.js';
import { type Containerd, type Registry, startContainerd, startRegistry } from '../../support/runtime-services.js';
import { runtimeSuite } from './runtime-suite.js';

const PREFIX = 'kubelab-test-';
let registry: Registry | undefined;
let containerd: Containerd | undefined;

runtimeSuite({
  name: 'containerd',
  async setup() {
    registry = await startRegistry();
    containerd = await startContainerd();
    await containerd.purge(PREFIX); // leftovers of a killed run
    const address = containerd.address;
    const namespace = `${PREFIX}node01`;
    return {
      runtime: new ContainerdRuntime({ address, namespace }),
      reconnect: () => new ContainerdRuntime({ address, namespace }),
      // mirrorFallback off: a test never reaches a registry off this machine
      pull: { mirrors: { 'docker.io': [registry.mirror] }, mirrorFallback: false },
    };
  },
  async teardown() {
    try {
      await containerd?.stop(PREFIX);
    } finally {
      await registry?.stop();
    }
  },
  extra: () => {
    it('keeps two nodes on one containerd apart (a namespace each)', async () => {
    const address = containerd!.address;
    const a = new ContainerdRuntime({ address, namespace: `${PREFIX}node-a` });
    const b = new ContainerdRuntime({ address, namespace: `${PREFIX}node-b` });
    try {
      const pull = { mirrors: { 'docker.io': [registry!.mirror] }, mirrorFallback: false };
      await a.pullImage('busybox', pull);
      await b.pullImage('busybox', pull);
      const labels = { [LABELS.podUid]: 'same-pod-uid' };
      const ida = await a.createContainer({ name: 'same-name', image: 'busybox', labels, command: ['sleep', '60'] });
      const idb = await b.createContainer({ name: 'same-name', image: 'busybox', labels, command: ['sleep', '60'] });
      await a.startContainer(ida);
      await b.startContainer(idb);
      expect((await a.listContainers({ labels })).map((c) => c.id)).toEqual([ida]);
      expect((await b.listContainers({ labels })).map((c) => c.id)).toEqual([idb]);
      await a.removeContainer(ida);
      expect((await b.containerStatus(idb)).state).toBe('running');
      await b.removeContainer(idb);
    } finally {
      await a.close();
      await b.close();
    }
    });
  },
});
