/**
 * Ingress on the lab (issue 16), with the real kubectl and curl from the lab's hosts: `scripts/lab up` installs
 * ingress-nginx (scripts/lab.d/ingress-nginx.yaml: `kubelab ingress-nginx` with nginx as its child, IngressClass
 * nginx as the lab's default, NodePorts 30080/30443). Two hosts by Host header through a node's IP:30080, a
 * rewrite-target with capture groups, TLS terminated with a Secret made by openssl (curl --cacert through 30443
 * sees our certificate), `kubectl create ingress`, status.loadBalancer with the controller's node address, the
 * defaultBackend, an edit served within seconds.
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLab, E2E_LAB_DIR, HOST_IP, kubelabBin, Lab, repo, show, waitFor } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');

/** A busybox httpd answering `<name>` at / and `hello from <name>` at /hello.txt. */
function backend(name: string): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
        - name: httpd
          image: busybox
          command: [sh, -c, 'mkdir -p /www && echo ${name} > /www/index.html && echo hello from ${name} > /www/hello.txt && exec httpd -f -p 8080 -h /www']
          ports: [{containerPort: 8080, name: web}]
          readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: default}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 80, targetPort: web}]
`;
}

const HOSTS_INGRESS = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: hosts, namespace: default}
spec:
  ingressClassName: nginx
  rules:
    - host: a.lab
      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web-a, port: {number: 80}}}}]}
    - host: b.lab
      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web-b, port: {name: http}}}}]}
`;

const NODE = HOST_IP.node01;

describe('Ingress on the lab (containerd): ingress-nginx through NodePorts 30080/30443', () => {
  let lab: Lab;
  const labDir = E2E_LAB_DIR;
  const certDir = join(labDir, 'ingress-test-certs');

  beforeAll(async () => {
    await assertNoLab(labDir);
    lab = new Lab(labDir, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  const diagnose = async (): Promise<void> => {
    for (const args of [
      ['-n', 'ingress-nginx', 'get', 'pods,svc,endpointslices', '-o', 'wide'],
      ['-n', 'ingress-nginx', 'describe', 'pods'],
      ['-n', 'ingress-nginx', 'logs', '-l', 'app.kubernetes.io/component=controller', '--tail=80'],
      ['get', 'ingress,pods,svc', '-o', 'wide'],
    ]) {
      const r = await lab.kubectl(args).catch((e: unknown) => ({ code: -1, stdout: '', stderr: String(e) }));
      console.log(`$ kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`);
    }
  };

  /** curl from node02 (the request crosses to node01's IP), answering `code body`. */
  const curl = async (args: string): Promise<string> => {
    const r = await lab.sh('node02', `curl -sS -m 5 -w ' %{http_code}' ${args}`);
    return `${r.stdout}${r.stderr}`.trim();
  };

  it('scripts/lab up installs ingress-nginx: the controller is Available, IngressClass nginx is the default', async () => {
    const r = await lab.up('containerd');
    if (r.code !== 0) await diagnose();
    expect(r.code, show(r)).toBe(0);
    const dep = await lab.json<{ status: { availableReplicas?: number } }>('-n', 'ingress-nginx', 'get', 'deployment', 'ingress-nginx-controller');
    expect(dep.status.availableReplicas).toBe(1);
    expect(await lab.kc('get', 'ingressclass', 'nginx', '-o', 'jsonpath={.spec.controller} {.metadata.annotations.ingressclass\\.kubernetes\\.io/is-default-class}')).toBe('k8s.io/ingress-nginx true');
    await lab.apply(backend('web-a') + '---' + backend('web-b'));
    await lab.kc('wait', '--for=condition=Available', 'deployment/web-a', 'deployment/web-b', '--timeout=120s');
  }, 600_000);

  it('two hosts by Host header (and --resolve) through a node IP:30080', async () => {
    await lab.apply(HOSTS_INGRESS);
    try {
      await waitFor('a.lab served', 30_000, async () => (await curl(`-H 'Host: a.lab' http://${NODE}:30080/`)).startsWith('web-a'));
    } catch (e) {
      await diagnose();
      throw e;
    }
    expect(await curl(`-H 'Host: a.lab' http://${NODE}:30080/`)).toBe('web-a\n 200');
    expect(await curl(`--resolve b.lab:30080:${NODE} http://b.lab:30080/`)).toBe('web-b\n 200');
    expect(await curl(`-H 'Host: nobody.lab' http://${NODE}:30080/`)).toMatch(/ 404$/);
  }, 120_000);

  it('status.loadBalancer shows the controller\'s node address', async () => {
    const { value } = await waitFor('status.loadBalancer', 30_000, async () => (await lab.kc('get', 'ingress', 'hosts', '-o', 'jsonpath={.status.loadBalancer.ingress[*].ip}')).trim() || undefined);
    const pod = (await lab.pods('ingress-nginx', 'app.kubernetes.io/component=controller'))[0];
    const nodeIp = HOST_IP[pod.spec.nodeName as keyof typeof HOST_IP];
    expect(value).toBe(nodeIp);
    expect(await lab.kc('get', 'ingress', 'hosts')).toMatch(new RegExp(`hosts\\s+nginx\\s+a\\.lab,b\\.lab\\s+${nodeIp.replace(/\./g, '\\.')}\\s+80\\s+`));
    expect(await lab.kc('get', 'events', '--field-selector=involvedObject.name=hosts', '-o', 'jsonpath={range .items[*]}{.reason}/{.message}{"\\n"}{end}')).toContain('Sync/Scheduled for sync');
  }, 60_000);

  it('rewrite-target /$2 with /something(/|$)(.*), made by kubectl create ingress', async () => {
    await lab.kc('create', 'ingress', 'rewrite', '--rule=rw.lab/something(/|$)(.*)=web-a:80', '--annotation', 'nginx.ingress.kubernetes.io/rewrite-target=/$2');
    await waitFor('rewrite served', 20_000, async () => (await curl(`-H 'Host: rw.lab' http://${NODE}:30080/something/hello.txt`)) === 'hello from web-a\n 200');
    expect(await curl(`-H 'Host: rw.lab' http://${NODE}:30080/something`)).toBe('web-a\n 200');
  }, 60_000);

  it('kubectl create ingress without a class (the default class) routes to a working backend', async () => {
    await lab.kc('create', 'ingress', 'quick', '--rule=quick.lab/=web-b:80');
    expect((await lab.kc('get', 'ingress', 'quick', '-o', 'jsonpath={.spec.ingressClassName}')).trim()).toBe('nginx');
    await waitFor('quick served', 20_000, async () => (await curl(`-H 'Host: quick.lab' http://${NODE}:30080/`)) === 'web-b\n 200');
  }, 60_000);

  it('TLS termination with a Secret made by openssl: curl --cacert through 30443 sees our certificate; http gets 308', async () => {
    rmSync(certDir, { recursive: true, force: true });
    mkdirSync(certDir, { recursive: true });
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=secure.lab', '-addext', 'subjectAltName=DNS:secure.lab',
      '-keyout', join(certDir, 'tls.key'), '-out', join(certDir, 'tls.crt')], { stdio: 'ignore' });
    await lab.kc('create', 'secret', 'tls', 'secure-tls', `--cert=${join(certDir, 'tls.crt')}`, `--key=${join(certDir, 'tls.key')}`);
    await lab.kc('create', 'ingress', 'secure', '--rule=secure.lab/=web-a:80,tls=secure-tls');
    await waitFor('https served', 30_000, async () => (await curl(`--cacert ${join(certDir, 'tls.crt')} --resolve secure.lab:30443:${NODE} https://secure.lab:30443/`)) === 'web-a\n 200');
    const served = await lab.sh('node02', `echo | openssl s_client -connect ${NODE}:30443 -servername secure.lab 2>/dev/null | openssl x509 -noout -fingerprint -sha256`);
    const ours = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', join(certDir, 'tls.crt')], { encoding: 'utf8' });
    expect(served.stdout.trim()).toBe(ours.trim());
    const plain = await lab.sh('node02', `curl -sS -m 5 -o /dev/null -w '%{http_code} %{redirect_url}' -H 'Host: secure.lab' 'http://${NODE}:30080/?q=1'`);
    expect(plain.stdout).toBe('308 https://secure.lab/?q=1');
    expect(readFileSync(join(certDir, 'tls.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
  }, 90_000);

  it('defaultBackend answers hosts no rule names', async () => {
    await lab.kc('create', 'ingress', 'fallback', '--default-backend=web-b:80');
    await waitFor('default backend', 20_000, async () => (await curl(`-H 'Host: unknown.lab' http://${NODE}:30080/`)) === 'web-b\n 200');
  }, 60_000);

  it('an edit is served within seconds', async () => {
    const t0 = Date.now();
    await lab.kc('patch', 'ingress', 'hosts', '--type=json', '-p', '[{"op":"replace","path":"/spec/rules/0/http/paths/0/backend/service/name","value":"web-b"}]');
    const { ms } = await waitFor('edit served', 10_000, async () => (await curl(`-H 'Host: a.lab' http://${NODE}:30080/`)) === 'web-b\n 200', 100);
    expect(Date.now() - t0).toBeLessThan(10_000);
    console.log(`edit served after ${ms} ms`);
  }, 60_000);
});
