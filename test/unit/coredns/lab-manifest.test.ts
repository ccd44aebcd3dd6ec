/**
 * scripts/lab.d/coredns.yaml, the cluster DNS add-on `scripts/lab up` and the Vagrant provisioning apply: the objects
 * kubeadm's addon phase makes (names, labels, RBAC, Deployment, Service at 10.96.0.10), and a default Corefile that
 * this server loads and that sends nothing off the machine.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadCorefile } from '../../../addons/coredns/config.js';

const REPO = resolve(import.meta.dirname, '../../..');

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: unknown;
}
const docs = parseAllDocuments(readFileSync(join(REPO, 'scripts/lab.d/coredns.yaml'), 'utf8')).map((d) => d.toJS() as Obj);
const find = (kind: string, name: string): Obj => {
  const o = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in coredns.yaml`);
  return o;
};
// The parts of the objects the assertions read (the YAML is data; these views only narrow it for the test).
interface DeploymentView {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        serviceAccountName: string;
        priorityClassName: string;
        dnsPolicy: string;
        tolerations: { key: string; operator?: string; effect?: string }[];
        containers: {
          image: string;
          args: string[];
          ports: { name: string; containerPort: number; protocol: string }[];
          readinessProbe: { httpGet: { path: string; port: number } };
          livenessProbe: { httpGet: { path: string; port: number } };
        }[];
        volumes?: { name: string; secret?: { secretName: string } }[];
        automountServiceAccountToken?: boolean;
      };
    };
  };
}

describe('scripts/lab.d/coredns.yaml (kubeadm addon phase objects)', () => {
  it('the ServiceAccount, and system:coredns may list/watch what the kubernetes plugin reads, bound to it', () => {
    expect(find('ServiceAccount', 'coredns').metadata.namespace).toBe('kube-system');
    const role = find('ClusterRole', 'system:coredns') as Obj & { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    ]);
    const binding = find('ClusterRoleBinding', 'system:coredns') as Obj & { roleRef: { name: string }; subjects: unknown[] };
    expect(binding.roleRef.name).toBe('system:coredns');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }]);
    // Its own ConfigMap only (it watches kube-system/coredns by name), nothing else in kube-system.
    const cm = find('Role', 'coredns-config') as Obj & { rules: { resources: string[]; resourceNames: string[] }[] };
    expect(cm.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['coredns'], verbs: ['get', 'list', 'watch'] }]);
  });

  it("the Corefile is kubeadm's default without forward: it loads, and nothing leaves the machine", () => {
    const text = (find('ConfigMap', 'coredns') as Obj & { data: { Corefile: string } }).data.Corefile;
    const [block, ...more] = loadCorefile(text);
    expect(more).toEqual([]);
    expect(block!.zones).toEqual(['.']);
    expect(block!.port).toBe(53);
    expect(block!.plugins).toEqual(['errors', 'health', 'ready', 'kubernetes', 'prometheus', 'cache', 'loop', 'reload', 'loadbalance']);
    expect(block!.health).toEqual({ address: ':8080', lameduckMs: 5000 });
    expect(block!.ready).toEqual({ address: ':8181' });
    expect(block!.prometheus).toEqual({ address: ':9153' });
    expect(block!.kubernetes).toMatchObject({ zones: ['cluster.local.', 'in-addr.arpa.', 'ip6.arpa.'], pods: 'insecure', ttl: 30 });
    expect(block!.cache?.successCap).toBe(30);
    expect(block!.forward).toBeUndefined();
    expect(text).not.toMatch(/forward|\/etc\/resolv\.conf/);
  });

  it('Deployment coredns: 2 replicas labelled k8s-app=kube-dns, the ServiceAccount, probes on ready and health', () => {
    const d = find('Deployment', 'coredns') as Obj & DeploymentView;
    expect(d.metadata.namespace).toBe('kube-system');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector.matchLabels).toEqual({ 'k8s-app': 'kube-dns' });
    const pod = d.spec.template.spec;
    expect(d.spec.template.metadata.labels).toEqual({ 'k8s-app': 'kube-dns' });
    expect(pod.serviceAccountName).toBe('coredns');
    expect(pod.priorityClassName).toBe('system-cluster-critical');
    expect(pod.dnsPolicy).toBe('Default');
    expect(pod.tolerations).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
    expect(pod.tolerations).toContainEqual({ key: 'CriticalAddonsOnly', operator: 'Exists' });
    const [c] = pod.containers;
    expect(c!.image).toBe('kubelab/kubelab:0.1.0');
    expect(c!.image.endsWith(`:${(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version}`)).toBe(true);
    expect(c!.args[0]).toBe('coredns');
    expect(c!.ports.map((p) => `${p.name}:${p.containerPort}/${p.protocol}`)).toEqual(['dns:53/UDP', 'dns-tcp:53/TCP', 'metrics:9153/TCP']);
    expect(c!.readinessProbe.httpGet).toMatchObject({ path: '/ready', port: 8181 });
    expect(c!.livenessProbe.httpGet).toMatchObject({ path: '/health', port: 8080 });
    // As CoreDNS: no kubeconfig, no credentials Secret; the server uses its ServiceAccount token in-cluster
    // (the ServiceAccount admission mounts kube-api-access-*, so the pod must not opt out of it).
    expect(c!.args).toEqual(['coredns']);
    expect(pod.volumes ?? []).toEqual([]);
    expect(pod.automountServiceAccountToken).not.toBe(false);
    expect(readFileSync(join(REPO, 'scripts/lab.d/addons'), 'utf8')).not.toContain('create secret');
    expect(readFileSync(join(REPO, 'scripts/lab-config/generate'), 'utf8')).not.toContain('coredns.kubeconfig');
  });

  it('Service kube-dns at 10.96.0.10: 53/UDP dns, 53/TCP dns-tcp, 9153/TCP metrics, selecting the pods', () => {
    const s = find('Service', 'kube-dns') as Obj & { spec: { clusterIP: string; selector: Record<string, string>; ports: { name: string; port: number; protocol: string }[] } };
    expect(s.metadata.namespace).toBe('kube-system');
    expect(s.spec.clusterIP).toBe('10.96.0.10');
    expect(s.spec.selector).toEqual({ 'k8s-app': 'kube-dns' });
    expect(s.spec.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`)).toEqual(['dns:53/UDP', 'dns-tcp:53/TCP', 'metrics:9153/TCP']);
    expect(s.metadata.labels).toMatchObject({ 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' });
  });

  it("the kubelets' clusterDNS is the Service's address", () => {
    const gen = readFileSync(join(REPO, 'scripts/lab-config/generate'), 'utf8');
    expect(gen).toMatch(/clusterDNS:\n- 10\.96\.0\.10\nclusterDomain: cluster\.local/);
  });
});
