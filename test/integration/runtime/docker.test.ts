/**
 * The runtime suite against a real dockerd (own data-root, exec-root, pidfile, socket; no bridge, no
 * iptables), started here and stopped by PID; images come from the lab registry as docker.io mirror.
 */
import { DockerRuntime } from '../../../node-agent/runtime/docker/runtime.js';
import { type Dockerd, type Registry, startDockerd, startRegistry } from '../../support/runtime-services.js';
import { runtimeSuite } from './runtime-suite.js';

let registry: Registry | undefined;
let dockerd: Dockerd | undefined;

runtimeSuite({
  name: 'docker',
  async setup() {
    registry = await startRegistry();
    dockerd = await startDockerd();
    const socketPath = dockerd.socketPath;
    return {
      runtime: new DockerRuntime({ socketPath }),
      reconnect: () => new DockerRuntime({ socketPath }),
      // mirrorFallback off: a test never reaches a registry off this machine
      pull: { mirrors: { 'docker.io': [registry.mirror] }, mirrorFallback: false },
    };
  },
  async teardown() {
    try {
      await dockerd?.stop();
    } finally {
      await registry?.stop();
    }
  },
});
