/**
 * A real API server for tests, over a real etcd: in-process (fast, for most tests) or as a child
 * process of the built CLI (for SIGKILL/restart tests). Writes an admin kubeconfig for the real kubectl.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { startService, type Service } from './service.js';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readPublicKeys, readSigningKey } from '../../control-plane/apiserver/serviceaccount-keys.js';
import type { ServiceAccountTokenSettings } from '../../control-plane/apiserver/token-request.js';
import { TEST_ADMISSION_PLUGINS } from '../../control-plane/apiserver/in-process-client.js';
import { ApiServer, type ApiServerOptions } from '../../control-plane/apiserver/server.js';
import { Authenticator, type AuthenticatorOptions } from '../../control-plane/apiserver/authn.js';
import { ensureServingCerts } from '../../control-plane/apiserver/main.js';
import { parseEncryptionConfig } from '../../control-plane/apiserver/encryption.js';
import { EtcdBackend } from '../../control-plane/storage/etcd-backend.js';
import { buildKubeconfig } from '../../api/tls/kubeconfig.js';
import { freePort } from './net.js';
import type { EtcdHandle } from './etcd.js';
import { REPO } from './host.js';


export interface ApiHandle {
  url: string;
  port: number;
  dir: string;
  caPem: string;
  adminToken: string;
  kubeconfig: string;
  encryptionConfig: string;
  /** In-process server, when started that way. */
  server?: ApiServer;
  child?: ChildProcess;
  stop(): Promise<void>;
  /** SIGKILL the child process (child mode only). */
  kill(): void;
  /** SIGTERM the child process and wait until it has exited (child mode only): a graceful shutdown. */
  terminate(): Promise<void>;
  /** Start again on the same port, certs and etcd (child mode). */
  restart(): Promise<void>;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

export function writeEncryptionConfig(dir: string): string {
  const path = join(dir, 'encryption-config.yaml');
  const key = randomBytes(32).toString('base64');
  writeFileSync(
    path,
    `kind: EncryptionConfiguration
apiVersion: apiserver.config.k8s.io/v1
resources:
  - resources:
      - secrets
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: ${key}
      - identity: {}
`,
  );
  return path;
}

/** The issuer test servers sign ServiceAccount tokens as (kubeadm's default). */
export const TEST_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/**
 * A ServiceAccount signing key pair in `dir` (ECDSA P-256, as upstream accepts; fast to make): `sa.key` (0600)
 * and `sa.pub`, and the API server settings that use them (what --service-account-* would give).
 */
export function writeServiceAccountKeys(dir: string): { keyFile: string; pubFile: string; settings: ServiceAccountTokenSettings } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyFile = join(dir, 'sa.key');
  const pubFile = join(dir, 'sa.pub');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }));
  return { keyFile, pubFile, settings: { issuers: [TEST_SERVICE_ACCOUNT_ISSUER], signingKey: readSigningKey(keyFile), keys: readPublicKeys([pubFile]) } };
}

/**
 * A test API server. Its admission chain lacks ServiceAccount (as upstream's integration test servers: no
 * controller manager makes the `default` service accounts) unless `serviceAccountAdmission` is set.
 */
export async function startApiServer(
  etcd: EtcdHandle,
  opts: {
    mode?: 'inprocess' | 'child';
    extraTokens?: string[];
    anonymousAuth?: boolean;
    serviceAccountAdmission?: boolean;
    extra?: Partial<ApiServerOptions>;
    /** More authenticator options (a client CA of the test's own, the front proxy's requestheader configuration). */
    authn?: AuthenticatorOptions;
    /** More command-line flags (child mode). */
    args?: string[];
    /** The loopback address it binds, advertises and is reached at (default 127.0.0.1). */
    bindAddress?: string;
    /** Its secure port (default a free one): several servers on distinct addresses may share one. */
    port?: number;
  } = {},
): Promise<ApiHandle> {
  const mode = opts.mode ?? 'inprocess';
  const dir = mkdtempSync(join(tmpdir(), `kubelab-test-api-${process.pid}-`));
  const port = opts.port ?? (await freePort());
  const bindAddress = opts.bindAddress ?? '127.0.0.1';
  const adminToken = randomBytes(16).toString('hex');
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(
    tokenFile,
    [`${adminToken},admin,admin,"system:masters"`, `nodetoken-node01,system:node:node01,node01,"system:nodes"`, `usertoken,jane,jane,"developers"`, ...(opts.extraTokens ?? [])].join('\n') + '\n',
  );
  const encryptionConfig = writeEncryptionConfig(dir);
  const saKeys = writeServiceAccountKeys(dir);
  const certDir = join(dir, 'pki');
  const { caFile, certFile, keyFile } = ensureServingCerts(certDir, {
    ips: [...new Set(['127.0.0.1', bindAddress, '10.96.0.1'])],
    dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
  });
  const caPem = readFileSync(caFile, 'utf8');
  const url = `https://${bindAddress}:${port}`;
  const kubeconfig = join(dir, 'admin.conf');
  writeFileSync(kubeconfig, buildKubeconfig({ clusterName: 'kubelab', server: url, caPem, user: 'admin', token: adminToken }));

  let server: ApiServer | undefined;
  let child: ChildProcess | undefined;
  let backend: EtcdBackend | undefined;
  let svc: Service | undefined;

  const startOnce = async (): Promise<void> => {
    if (mode === 'inprocess') {
      backend = new EtcdBackend({ endpoints: [etcd.endpoint] });
      server = new ApiServer({
        backend,
        bindAddress,
        securePort: port,
        tlsCert: readFileSync(certFile),
        tlsKey: readFileSync(keyFile),
        clientCA: caPem,
        authenticator: Authenticator.fromTokenFile(tokenFile, { anonymous: opts.anonymousAuth ?? true, ...opts.authn }),
        serviceClusterIPRange: '10.96.0.0/16',
        serviceNodePortRange: '30000-32767',
        advertiseAddress: bindAddress,
        transformers: parseEncryptionConfig(readFileSync(encryptionConfig, 'utf8')),
        bookmarkIntervalMs: 2000,
        serviceAccountTokens: saKeys.settings,
        ...(opts.serviceAccountAdmission ? {} : { admissionPlugins: TEST_ADMISSION_PLUGINS }),
        ...opts.extra,
      });
      await server.start();
    } else {
      const cli = join(REPO, 'dist/cli/main.js');
      if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm run build; scripts/test does it)`);
      svc = await startService({
        name: 'apiserver',
        command: process.execPath,
        args: [
          cli, 'apiserver',
          `--etcd-servers=${etcd.endpoint}`,
          `--bind-address=${bindAddress}`,
          `--secure-port=${port}`,
          `--cert-dir=${certDir}`,
          `--tls-cert-file=${certFile}`,
          `--tls-private-key-file=${keyFile}`,
          `--client-ca-file=${caFile}`,
          `--token-auth-file=${tokenFile}`,
          `--encryption-provider-config=${encryptionConfig}`,
          `--service-account-issuer=${TEST_SERVICE_ACCOUNT_ISSUER}`,
          `--service-account-signing-key-file=${saKeys.keyFile}`,
          `--service-account-key-file=${saKeys.pubFile}`,
          ...(opts.anonymousAuth === false ? ['--anonymous-auth=false'] : []),
          ...(opts.serviceAccountAdmission ? [] : ['--disable-admission-plugins=ServiceAccount']),
          ...(opts.args ?? []),
        ],
        ready: async () => (await rawRequest(url, caPem, 'GET', '/readyz', undefined, { Authorization: `Bearer ${adminToken}` }, 2000)).status === 200,
        timeoutMs: 30_000,
      });
      child = svc.child;
    }
  };
  await startOnce();

  const handle: ApiHandle = {
    url,
    port,
    dir,
    caPem,
    adminToken,
    kubeconfig,
    encryptionConfig,
    get server() {
      return server;
    },
    get child() {
      return child;
    },
    async stop() {
      if (server) await server.stop();
      if (backend) await backend.close();
      await svc?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    kill() {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    async terminate() {
      await svc?.stop('SIGTERM', 20_000);
    },
    async restart() {
      await svc?.stop('SIGKILL');
      if (server) {
        await server.stop();
        await backend?.close();
      }
      await startOnce();
    },
  };
  return handle;
}

export interface ApiServerOnOptions {
  /** The address it binds and advertises (the host end of a node's veth, say). */
  bindAddress: string;
  /** Where the admin kubeconfig goes (the handle's `dir`). */
  dir: string;
  /** The admin kubeconfig's path (default `<dir>/admin.conf`). */
  kubeconfig?: string;
  caPem: string;
  /** Its serving certificate, signed by `caPem`. */
  cert: { certPem: string; keyPem: string };
  /** Bearer tokens (tokens.csv), `adminToken` among them. */
  tokenFile: string;
  adminToken: string;
  /** More server options (the kubelet proxy, say). */
  extra?: Partial<ApiServerOptions>;
}

/**
 * An in-process API server over `etcd` with the caller's address, PKI and tokens, on a free port;
 * the handle's stop() stops the server and closes its etcd backend.
 */
export async function startApiServerOn(etcd: EtcdHandle, o: ApiServerOnOptions): Promise<ApiHandle> {
  const port = await freePort();
  const backend = new EtcdBackend({ endpoints: [etcd.endpoint] });
  const server = new ApiServer({
    backend, bindAddress: o.bindAddress, securePort: port, tlsCert: o.cert.certPem, tlsKey: o.cert.keyPem, clientCA: o.caPem,
    authenticator: Authenticator.fromTokenFile(o.tokenFile), serviceClusterIPRange: '10.96.0.0/16', serviceNodePortRange: '30000-32767',
    advertiseAddress: o.bindAddress, serviceAccountTokens: writeServiceAccountKeys(o.dir).settings, admissionPlugins: TEST_ADMISSION_PLUGINS, ...o.extra,
  });
  const url = `https://${o.bindAddress}:${port}`;
  const kubeconfig = o.kubeconfig ?? join(o.dir, 'admin.conf');
  writeFileSync(kubeconfig, buildKubeconfig({ clusterName: 'kubelab', server: url, caPem: o.caPem, user: 'admin', token: o.adminToken }));
  await server.start();
  return {
    url, port, dir: o.dir, caPem: o.caPem, adminToken: o.adminToken, kubeconfig, encryptionConfig: '', server,
    async stop() {
      await server.stop();
      await backend.close();
    },
    kill: () => undefined,
    terminate: async () => undefined,
    restart: async () => undefined,
  };
}

/** One HTTPS request to the API server, answering status, headers and body. */
export function rawRequest(
  url: string,
  caPem: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<HttpResult> {
  return new Promise((resolvePromise, reject) => {
    const u = new URL(path, url);
    const req = httpsRequest(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method, ca: caPem, ...(process.env.KL_NOKA ? { agent: false } : {}), headers: { ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`request ${method} ${path} timed out`)));
    if (body) req.write(body);
    req.end();
  });
}

/** An authenticated request as admin (or with the given token; '' for none). */
export function api(h: ApiHandle, method: string, path: string, body?: unknown, opts: { token?: string; contentType?: string; headers?: Record<string, string> } = {}): Promise<HttpResult> {
  const token = opts.token ?? h.adminToken;
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = opts.contentType ?? 'application/json';
  const raw = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return rawRequest(h.url, h.caPem, method, path, raw, headers);
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const KUBECTL = '/usr/bin/kubectl';

/** The real kubectl against the test cluster (async: an in-process API server must keep answering). */
export function kubectl(h: ApiHandle, args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<KubectlResult> {
  return new Promise((resolvePromise) => {
    if (!existsSync(KUBECTL)) throw new Error(`kubectl is missing at ${KUBECTL}`);
    const c = spawn(KUBECTL, ['--kubeconfig', h.kubeconfig, ...args], {
      env: { ...process.env, KUBECONFIG: h.kubeconfig, HOME: h.dir, ...(opts.env ?? {}) },
    });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => c.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    if (opts.input !== undefined) c.stdin.end(opts.input);
    else c.stdin.end();
    c.on('close', (code) => {
      clearTimeout(t);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Run the real kubectl and return its stdout; a non-zero exit throws with its stderr and stdout. */
export async function kubectlOk(h: ApiHandle, args: string[], input?: string): Promise<string> {
  const r = await kubectl(h, args, input !== undefined ? { input } : {});
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}
