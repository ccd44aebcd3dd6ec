/**
 * Test helper: a tiny HTTPS API server on 127.0.0.1 that answers just enough discovery for the real kubectl,
 * records every request body kubectl sends, and answers writes with 201 and a JSON echo. Used to capture the
 * protobuf bodies kubectl's typed clients POST (our golden fixtures) and the JSON kubectl builds for
 * `--dry-run=client -o json`. kubectl runs as an async child process while the server runs in this process,
 * so only integration tests use this (the unit tier starts no external program).
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCA, createCertificate } from '../../api/tls/certs.js';
import { buildKubeconfig } from '../../api/tls/kubeconfig.js';
import { BLOB } from './kubectl-fixtures.js';

export const KUBECTL = '/usr/bin/kubectl';

export interface CapturedRequest {
  method: string;
  path: string;
  contentType: string;
  body: Buffer;
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function res(name: string, kind: string, namespaced: boolean, shortNames: string[] = []) {
  return { name, singularName: kind.toLowerCase(), namespaced, kind, verbs: VERBS, ...(shortNames.length ? { shortNames } : {}) };
}

/** The discovery documents kubectl reads (legacy, non-aggregated form). Pure. */
export function discoveryDocument(path: string, serverAddress: string): object | undefined {
  switch (path) {
    case '/api':
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
      };
    case '/apis':
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: ['apps', 'policy'].map((name) => ({
          name,
          versions: [{ groupVersion: `${name}/v1`, version: 'v1' }],
          preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' },
        })),
      };
    case '/api/v1':
      return {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          res('namespaces', 'Namespace', false, ['ns']),
          res('pods', 'Pod', true, ['po']),
          res('services', 'Service', true, ['svc']),
          res('secrets', 'Secret', true),
          res('configmaps', 'ConfigMap', true, ['cm']),
          res('serviceaccounts', 'ServiceAccount', true, ['sa']),
          res('nodes', 'Node', false, ['no']),
          { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
        ],
      };
    case '/apis/apps/v1':
      return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'apps/v1', resources: [res('deployments', 'Deployment', true, ['deploy'])] };
    case '/apis/policy/v1':
      return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'policy/v1', resources: [res('poddisruptionbudgets', 'PodDisruptionBudget', true, ['pdb'])] };
    case '/version':
      return { major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' };
    default:
      return undefined;
  }
}

export class KubectlCaptureServer {
  readonly requests: CapturedRequest[] = [];
  private server: Server | undefined;
  private dir = '';
  kubeconfigPath = '';

  /**
   * @param echo turns a POST/PUT body into the JSON object answered with 201.
   * @param objects what GET (and PATCH) of a path answers with, beside discovery; anything else is 404.
   */
  constructor(
    private readonly echo: (req: CapturedRequest) => object,
    readonly objects: Record<string, object> = {},
  ) {}

  async start(): Promise<void> {
    const ca = createCA('capture-ca');
    const cert = createCertificate({ ca, commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], serverAuth: true });
    const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, resp) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = (req.url ?? '/').split('?')[0]!;
        const captured: CapturedRequest = {
          method: req.method ?? 'GET',
          path,
          contentType: String(req.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks),
        };
        this.requests.push(captured);
        const send = (code: number, obj: object) => {
          resp.writeHead(code, { 'Content-Type': 'application/json' });
          resp.end(JSON.stringify(obj));
        };
        if (captured.method === 'GET' || captured.method === 'PATCH') {
          const doc = captured.method === 'GET' ? discoveryDocument(path, `127.0.0.1:${(server.address() as AddressInfo).port}`) : undefined;
          if (doc) return send(200, doc);
          const obj = this.objects[path];
          if (obj) return send(200, obj);
          return send(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });
        }
        try {
          send(201, this.echo(captured));
        } catch (e) {
          send(400, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'BadRequest', code: 400, message: String((e as Error).message) });
        }
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    this.dir = mkdtempSync(join(tmpdir(), 'kubelab-capture-'));
    this.kubeconfigPath = join(this.dir, 'kubeconfig');
    writeFileSync(join(this.dir, 'blob.bin'), BLOB);
    writeFileSync(
      this.kubeconfigPath,
      buildKubeconfig({ clusterName: 'capture', server: `https://127.0.0.1:${port}`, caPem: ca.certPem, user: 'admin', token: 'capture-token', namespace: 'default' }),
    );
  }

  /** Run kubectl against this server (async child process; the server keeps answering meanwhile). */
  kubectl(args: string[], timeoutMs = 30_000): Promise<KubectlResult> {
    const full = ['--kubeconfig', this.kubeconfigPath, '--cache-dir', join(this.dir, 'cache'), ...args.map((a) => a.replaceAll('{dir}', this.dir))];
    return new Promise((ok, fail) => {
      const child = spawn(KUBECTL, full, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: this.dir } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        fail(e);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        ok({ code, stdout, stderr });
      });
    });
  }

  /** The bodies of the writes (POST/PUT) recorded since `from`. */
  writesSince(from: number): CapturedRequest[] {
    return this.requests.slice(from).filter((r) => r.method === 'POST' || r.method === 'PUT');
  }

  async stop(): Promise<void> {
    if (this.server) await new Promise<void>((ok) => this.server!.close(() => ok()));
    this.server = undefined;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The kubectl commands whose bodies are our golden fixtures: fixture name -> kubectl args. */
export const GOLDEN_COMMANDS: Record<string, string[]> = {
  'deployment-nginx': ['create', 'deployment', 'nginx', '--image=nginx', '--replicas=3', '--port=80'],
  'namespace-x': ['create', 'namespace', 'x'],
  'secret-generic-s': ['create', 'secret', 'generic', 's', '--from-literal=a=b'],
  'configmap-c': ['create', 'configmap', 'c', '--from-literal=k=v'],
  'service-nodeport-web': ['create', 'service', 'nodeport', 'web', '--tcp=80:8080'],
  'serviceaccount-sa1': ['create', 'serviceaccount', 'sa1'],
  'pod-run-p': ['run', 'p', '--image=busybox', '--env=A=B', '--labels=app=p', '--', 'sleep', '10'],
  'deployment-zero-two-images': ['create', 'deployment', 'multi', '--image=nginx', '--image=redis:7', '--replicas=0'],
  'service-clusterip-headless': ['create', 'service', 'clusterip', 'headless', '--clusterip=None', '--tcp=5678:8080'],
  'service-externalname-ext': ['create', 'service', 'externalname', 'ext', '--external-name=example.com'],
  'secret-docker-registry-reg': ['create', 'secret', 'docker-registry', 'reg', '--docker-server=registry.lab:5000', '--docker-username=u', '--docker-password=p', '--docker-email=e@x'],
  'configmap-binary': ['create', 'configmap', 'bin', '--from-file={dir}/blob.bin', '--from-literal=text=hello'],
};

/** The same command with `--dry-run=client -o json` (flags before the `--` of `kubectl run`). */
export function dryRunArgs(args: string[]): string[] {
  const i = args.indexOf('--');
  const extra = ['--dry-run=client', '-o', 'json'];
  return i < 0 ? [...args, ...extra] : [...args.slice(0, i), ...extra, ...args.slice(i)];
}
