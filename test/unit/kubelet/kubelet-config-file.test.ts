/**
 * The KubeletConfiguration file (`--config`): strict decoding into flag values, the file over the
 * defaults, explicit flags over the file, validation naming the field.
 */
import { describe, expect, it } from 'vitest';
import { decodeKubeletConfigFile } from '../../../node-agent/kubelet/config-file.js';
import { kubeletConfig } from '../../../node-agent/kubelet/config.js';

const HEAD = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n';

const FULL = `${HEAD}
staticPodPath: /etc/kubernetes/manifests
fileCheckFrequency: 5s
syncFrequency: 30s
nodeStatusUpdateFrequency: 4s
address: 192.168.56.21
port: 10250
readOnlyPort: 0
tlsCertFile: /pki/kubelet.crt
tlsPrivateKeyFile: /pki/kubelet.key
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
    cacheTTL: 2m
  x509:
    clientCAFile: /pki/ca.crt
authorization:
  mode: Webhook
  webhook:
    cacheAuthorizedTTL: 5m
clusterDNS: [10.96.0.10]
clusterDomain: cluster.local
evictionHard:
  memory.available: 100Mi
podCIDR: 10.244.9.0/24
maxPods: 50
serializeImagePulls: false
cgroupDriver: systemd
containerRuntimeEndpoint: unix:///run/c.sock
registerWithTaints:
- key: node-role.kubernetes.io/control-plane
  effect: NoSchedule
logging:
  format: text
`;

const files = (m: Record<string, string>) => (p: string) => {
  const t = m[p];
  if (t === undefined) throw new Error(`open ${p}: no such file or directory`);
  return t;
};

describe('KubeletConfiguration file', () => {
  it('maps every field onto its flag', () => {
    const { config } = kubeletConfig(['--config=/c.yaml', '--hostname-override=node01'], files({ '/c.yaml': FULL }));
    expect(config).toMatchObject({
      configFile: '/c.yaml',
      staticPodPath: '/etc/kubernetes/manifests',
      fileCheckFrequencyMs: 5000,
      syncFrequencyMs: 30_000,
      nodeStatusUpdateFrequencyMs: 4000,
      address: '192.168.56.21',
      port: 10250,
      readOnlyPort: 0,
      tlsCertFile: '/pki/kubelet.crt',
      tlsKeyFile: '/pki/kubelet.key',
      clientCAFile: '/pki/ca.crt',
      anonymousAuth: false,
      authorizationMode: 'Webhook',
      clusterDNS: ['10.96.0.10'],
      clusterDomain: 'cluster.local',
      evictionHard: ['memory.available<100Mi'],
      podCIDR: '10.244.9.0/24',
      maxPods: 50,
      serializeImagePulls: false,
      cgroupDriver: 'systemd',
      runtimeEndpoint: 'unix:///run/c.sock',
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    });
  });

  it('keeps upstream defaults for what the file leaves out (no static pods unless staticPodPath is set)', () => {
    const { config } = kubeletConfig(['--config=/c.yaml'], files({ '/c.yaml': HEAD }));
    expect(config.staticPodPath).toBeUndefined();
    expect(config.fileCheckFrequencyMs).toBe(20_000);
    expect(config.syncFrequencyMs).toBe(60_000);
    expect(config.port).toBe(10250);
    expect(config.maxPods).toBe(110);
  });

  it('flags given on the command line override the file; unset flags do not', () => {
    const { config } = kubeletConfig(['--config=/c.yaml', '--max-pods=7', '--pod-manifest-path=/m', '--cluster-dns=10.96.0.53', '--sync-frequency=2m'], files({ '/c.yaml': FULL }));
    expect(config.maxPods).toBe(7);
    expect(config.staticPodPath).toBe('/m');
    expect(config.clusterDNS).toEqual(['10.96.0.53']);
    expect(config.syncFrequencyMs).toBe(120_000);
    // not given as flags: the file's
    expect(config.cgroupDriver).toBe('systemd');
    expect(config.fileCheckFrequencyMs).toBe(5000);
  });

  it('without --config, the flags alone (as before)', () => {
    const { config } = kubeletConfig(['--pod-manifest-path=/m', '--file-check-frequency=1s']);
    expect(config.staticPodPath).toBe('/m');
    expect(config.fileCheckFrequencyMs).toBe(1000);
    expect(config.configFile).toBeUndefined();
  });

  it.each([
    ['an unknown field', `${HEAD}staticPodPaht: /x\n`, 'failed to load kubelet config file, path: /c.yaml, error: failed to decode: strict decoding error: unknown field "staticPodPaht"'],
    ['two unknown fields, nested', `${HEAD}authentication:\n  x509:\n    clientCA: /x\nfoo: 1\n`, 'strict decoding error: unknown field "authentication.x509.clientCA", unknown field "foo"'],
    ['a string for an int', `${HEAD}maxPods: many\n`, 'json: cannot unmarshal string into Go struct field KubeletConfiguration.maxPods of type int32'],
    ['a number for a string', `${HEAD}staticPodPath: 3\n`, 'json: cannot unmarshal number into Go struct field KubeletConfiguration.staticPodPath of type string'],
    ['a list of non-strings', `${HEAD}clusterDNS: [{a: 1}]\n`, 'Go struct field KubeletConfiguration.clusterDNS of type []string'],
    ['a bad duration', `${HEAD}fileCheckFrequency: soon\n`, 'time: invalid duration "soon" (field fileCheckFrequency)'],
    ['a string for a bool', `${HEAD}authentication:\n  anonymous:\n    enabled: "no"\n`, 'Go struct field KubeletConfiguration.authentication.anonymous.enabled of type bool'],
    ['no kind', 'apiVersion: kubelet.config.k8s.io/v1beta1\nport: 1\n', "Object 'Kind' is missing"],
    ['another kind', 'apiVersion: v1\nkind: Pod\n', 'no kind "Pod" is registered for version "v1"'],
    ['broken YAML', `${HEAD}port: [1\n`, 'failed to decode:'],
  ])('%s is a start-up error naming it', (_n, text, message) => {
    expect(() => kubeletConfig(['--config=/c.yaml'], files({ '/c.yaml': text }))).toThrow(message);
  });

  it('a missing file is an error naming the path', () => {
    expect(() => kubeletConfig(['--config=/nope.yaml'], files({}))).toThrow('failed to load kubelet config file, path: /nope.yaml, error: failed to read kubelet config file "/nope.yaml", error: open /nope.yaml: no such file or directory');
  });

  it.each([
    [`${HEAD}port: 70000\n`, 'invalid configuration: port (--port) 70000 must be between 1 and 65535, inclusive'],
    [`${HEAD}maxPods: -1\n`, 'invalid configuration: maxPods (--max-pods) -1 must not be a negative number'],
    [`${HEAD}cgroupDriver: nope\n`, 'invalid configuration: cgroupDriver (--cgroup-driver) "nope": must be cgroupfs or systemd'],
    [`${HEAD}authorization:\n  mode: RBAC\n`, 'authorization.mode (--authorization-mode) "RBAC": must be AlwaysAllow or Webhook'],
    [`${HEAD}readOnlyPort: 10255\n`, 'readOnlyPort (--read-only-port) 10255: kubelab serves no read-only port'],
  ])('validation: %s', (text, message) => {
    expect(() => kubeletConfig(['--config=/c.yaml'], files({ '/c.yaml': text }))).toThrow(message);
  });

  it('JSON works as well as YAML; null fields keep their defaults', () => {
    const d = decodeKubeletConfigFile(JSON.stringify({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', maxPods: 3, clusterDomain: null }), '/c.json');
    expect(d.values).toEqual({ 'max-pods': 3 });
  });
});
