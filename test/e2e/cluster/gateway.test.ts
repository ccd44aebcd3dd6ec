/**
 * The Gateway API on the lab (issue 16): `scripts/lab up` installs the Gateway API CRDs, the GatewayClass `nginx`
 * and the ingress controller serving it. A Gateway and an HTTPRoute in front of two nginx backends (each
 * answering its name and the x-env request header it received) through the controller's NodePort (30080) from a
 * node: an 80/20 traffic split measured over 200 requests (within 10 points), a header match, a
 * RequestHeaderModifier the backend sees, a redirect; the statuses (GatewayClass Accepted, Gateway Programmed
 * True with the node addresses, the route's parents[] Accepted and ResolvedRefs).
 *
 * One lab at a time on the machine: the file refuses to start when a lab is up and always runs `down`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLab, E2E_LAB_DIR, HOST_IP, kubelabBin, Lab, repo, show, tally, waitFor } from '../../support/lab.js';

const STATE = join(repo, '.test-state', 'cluster-e2e');
const NODE_PORT = 30080;
const URL = `http://${HOST_IP.node01}:${NODE_PORT}`;

const backend = (name: string): string => `
apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}-conf, namespace: gw}
data:
  default.conf: |
    server {
      listen 80;
      location / {
        default_type text/plain;
        return 200 "backend=${name} x-env=$http_x_env uri=$request_uri\\n";
      }
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: gw}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: nginx
        image: nginx
        volumeMounts: [{name: conf, mountPath: /etc/nginx/conf.d}]
      volumes: [{name: conf, configMap: {name: ${name}-conf}}]
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: gw}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 80, targetPort: 80}]
`;

const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: gw}
spec:
  gatewayClassName: nginx
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop, namespace: gw}
spec:
  parentRefs: [{name: web}]
  hostnames: [shop.lab]
  rules:
  - backendRefs: [{name: blue, port: 80, weight: 80}, {name: green, port: 80, weight: 20}]
  - matches: [{headers: [{name: x-canary, value: "yes"}]}]
    filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-env, value: lab}]}}]
    backendRefs: [{name: green, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /old}}]
    filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}, statusCode: 301}}]
`;

interface Cond {
  type: string;
  status: string;
  reason: string;
}

describe('Gateway API on the lab (ingress-nginx serving GatewayClass nginx)', () => {
  let lab: Lab;
  /** curl from node01 through the controller's NodePort on node01's address. */
  const curl = (args: string, timeoutMs = 60_000) => lab.sh('node01', `curl -s --max-time 5 -H 'Host: shop.lab' ${args}`, timeoutMs);

  beforeAll(async () => {
    await assertNoLab(E2E_LAB_DIR);
    lab = new Lab(E2E_LAB_DIR, await kubelabBin(STATE));
  }, 300_000);

  afterAll(async () => {
    if (lab) await lab.down();
  }, 180_000);

  it('scripts/lab up installs the CRDs, the GatewayClass nginx (Accepted by the controller) and the backends start', async () => {
    const r = await lab.up('containerd');
    expect(r.code, show(r)).toBe(0);
    const crds = await lab.kc('get', 'crd', '-o', 'name');
    for (const n of ['gatewayclasses', 'gateways', 'httproutes', 'referencegrants']) expect(crds).toContain(`${n}.gateway.networking.k8s.io`);
    await waitFor('GatewayClass nginx Accepted', 60_000, async () => (await lab.kc('get', 'gatewayclass', 'nginx', '-o', 'jsonpath={.status.conditions[?(@.type=="Accepted")].status}')).trim() === 'True' || undefined);
    expect(await lab.kc('get', 'gatewayclass')).toMatch(/^nginx\s+gateway\.kubelab\.io\/ingress-nginx\s+True\s+/m);
    await lab.apply(`apiVersion: v1\nkind: Namespace\nmetadata: {name: gw}\n---\n${backend('blue')}---\n${backend('green')}`);
    await lab.kc('-n', 'gw', 'wait', '--for=condition=Available', 'deployment/blue', 'deployment/green', '--timeout=180s');
  }, 600_000);

  it('a Gateway is Programmed with the node addresses; the HTTPRoute is Accepted with its references resolved', async () => {
    await lab.apply(GATEWAY);
    await waitFor('Gateway web Programmed', 60_000, async () => (await lab.kc('-n', 'gw', 'get', 'gateway', 'web', '-o', 'jsonpath={.status.conditions[?(@.type=="Programmed")].status}')).trim() === 'True' || undefined);
    const table = await lab.kc('-n', 'gw', 'get', 'gateway', 'web');
    expect(table.split('\n')[0]!.split(/\s{2,}/)).toEqual(['NAME', 'CLASS', 'ADDRESS', 'PROGRAMMED', 'AGE']);
    expect(table.split('\n')[1]).toMatch(/^web\s+nginx\s+\S*192\.168\.56\.\d+\S*\s+True\s+/);
    const gw = await lab.json<{ status: { listeners: { name: string; attachedRoutes: number; conditions: Cond[] }[] } }>('-n', 'gw', 'get', 'gateway', 'web');
    expect(gw.status.listeners[0]).toMatchObject({ name: 'http', attachedRoutes: 1 });
    const route = await lab.json<{ status: { parents: { controllerName: string; conditions: Cond[] }[] } }>('-n', 'gw', 'get', 'httproute', 'shop');
    expect(route.status.parents).toHaveLength(1);
    expect(route.status.parents[0]!.controllerName).toBe('gateway.kubelab.io/ingress-nginx');
    expect(route.status.parents[0]!.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'ResolvedRefs=True']);
  }, 120_000);

  it('the route splits traffic 80/20 between blue and green over 200 requests (within 10 points)', async () => {
    await waitFor('the route answers through the NodePort', 60_000, async () => (await curl(`${URL}/`)).stdout.startsWith('backend=') || undefined, 500);
    const r = await curl(`'${URL}/?[1-200]'`, 120_000); // curl's URL globbing: 200 requests
    expect(r.code, show(r)).toBe(0);
    const counts = tally(r.stdout.split('\n').filter((l) => l.startsWith('backend=')).map((l) => l.split(' ')[0]).join('\n'));
    const blue = counts.get('backend=blue') ?? 0;
    const green = counts.get('backend=green') ?? 0;
    expect(blue + green).toBe(200);
    expect(blue / 200).toBeGreaterThanOrEqual(0.7);
    expect(blue / 200).toBeLessThanOrEqual(0.9);
  }, 180_000);

  it('a header match goes to green, which sees the header the RequestHeaderModifier set', async () => {
    const r = await curl(`-H 'x-canary: yes' ${URL}/hello`);
    expect(r.stdout.trim()).toBe('backend=green x-env=lab uri=/hello');
    const plain = await curl(`${URL}/hello`);
    expect(plain.stdout).toMatch(/x-env= uri=\/hello/);
  }, 60_000);

  it('a RequestRedirect answers 301 with the prefix replaced', async () => {
    const r = await curl(`-o /dev/null -w '%{http_code} %{redirect_url}' '${URL}/old/page?x=1'`);
    expect(r.stdout.trim()).toBe('301 http://shop.lab/new/page?x=1');
  }, 60_000);
});
