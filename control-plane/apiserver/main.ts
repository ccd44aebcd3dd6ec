/** `kubelab apiserver`: flags (upstream's names), certificates, storage, then serve. */
import { KubeError } from '../../api/errors.js';
import { parseAuthorizationModes } from './authz.js';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { bool, formatHelp, parseFlags, str, num, strs, text, type FlagSpec, type FlagValues } from '../../api/cli/flags.js';
import { TLS_SERVING_FLAGS, tlsSettings } from '../../api/tls/serving.js';
import { createCA, createCertificate } from '../../api/tls/certs.js';
import { consoleLogger } from '../../api/client/log.js';
import { EtcdBackend } from '../storage/etcd-backend.js';
import { Authenticator } from './authn.js';
import { requestHeaderConfig } from './requestheader.js';
import { loadEncryptionConfig } from './encryption.js';
import { ApiServer } from './server.js';
import { Auditor } from './audit.js';
import { openAuditLog } from './audit-log.js';
import { auditPolicyFileError, parseAuditPolicy, type AuditPolicy } from './audit-policy.js';
import { ServiceIPAllocator, parseCidr } from './range-allocator.js';
import { MemoryBackend } from '../storage/memory-backend.js';
import { createKubeletProxy, createKubeletUpgradeProxy } from './kubelet-proxy.js';
import { defaultTolerationSeconds } from '../../api/strategies/defaults.js';
import { readPublicKeys, readSigningKey } from './serviceaccount-keys.js';
import type { ServiceAccountTokenSettings } from './token-request.js';
import { ADMISSION_PLUGINS } from './admission-plugins.js';
import { ENDPOINT_RECONCILER_TYPES, type EndpointReconcilerType } from './endpoint-reconciler.js';
import { DEFAULT_CONTROLLER_MANAGER_HEALTHZ, DEFAULT_SCHEDULER_HEALTHZ } from './componentstatus.js';

export const APISERVER_FLAGS: FlagSpec[] = [
  { name: 'etcd-servers', type: 'strings', default: ['http://127.0.0.1:2379'], help: 'List of etcd servers to connect with (scheme://ip:port), comma separated. "memory" uses an in-process store (tests only).' },
  { name: 'etcd-cafile', type: 'string', help: 'SSL Certificate Authority file used to secure etcd communication.' },
  { name: 'etcd-certfile', type: 'string', help: 'SSL certification file used to secure etcd communication.' },
  { name: 'etcd-keyfile', type: 'string', help: 'SSL key file used to secure etcd communication.' },
  { name: 'bind-address', type: 'string', default: '0.0.0.0', help: 'The IP address on which to listen for the --secure-port port.' },
  { name: 'secure-port', type: 'int', default: 6443, help: 'The port on which to serve HTTPS with authentication and authorization.' },
  { name: 'advertise-address', type: 'string', help: 'The IP address on which to advertise the apiserver to members of the cluster (the kubernetes Service endpoints). Defaults to --bind-address, or 127.0.0.1 when that is 0.0.0.0.' },
  { name: 'endpoint-reconciler-type', type: 'string', default: 'lease', help: 'Use an endpoint reconciler (master-count, lease, none) master-count is deprecated, and will be removed in a future version.' },
  { name: 'apiserver-count', type: 'int', default: 1, help: 'The number of apiservers running in the cluster, must be a positive number. (In use when --endpoint-reconciler-type=master-count is enabled.)' },
  { name: 'cert-dir', type: 'string', default: '/var/run/kubernetes', help: 'The directory where generated TLS certs are kept (ignored if --tls-cert-file and --tls-private-key-file are given).' },
  { name: 'tls-cert-file', type: 'string', help: 'File containing the default x509 Certificate for HTTPS.' },
  { name: 'tls-private-key-file', type: 'string', help: 'File containing the default x509 private key matching --tls-cert-file.' },
  ...TLS_SERVING_FLAGS,
  { name: 'tls-sans', type: 'strings', default: [], help: 'Extra subject alternative names (IPs or DNS names) for a generated serving certificate (kubelab).' },
  { name: 'client-ca-file', type: 'string', help: 'Any request presenting a client certificate signed by one of the authorities in the client-ca-file is authenticated with an identity corresponding to the CommonName of the client certificate.' },
  { name: 'requestheader-client-ca-file', type: 'string', help: 'Root certificate bundle to use to verify client certificates on incoming requests before trusting usernames in headers specified by --requestheader-username-headers. WARNING: generally do not depend on authorization being already done for incoming requests.' },
  { name: 'requestheader-allowed-names', type: 'strings', default: [], help: 'List of client certificate common names to allow to provide usernames in headers specified by --requestheader-username-headers. If empty, any client certificate validated by the authorities in --requestheader-client-ca-file is allowed.' },
  { name: 'requestheader-username-headers', type: 'strings', default: [], help: 'List of request headers to inspect for usernames. X-Remote-User is common.' },
  { name: 'requestheader-group-headers', type: 'strings', default: [], help: 'List of request headers to inspect for groups. X-Remote-Group is suggested.' },
  { name: 'requestheader-extra-headers-prefix', type: 'strings', default: [], help: 'List of request header prefixes to inspect. X-Remote-Extra- is suggested.' },
  { name: 'proxy-client-cert-file', type: 'string', help: "Client certificate used to prove the identity of the aggregator or kube-apiserver when it must call out during a request. This includes proxying requests to a user api-server and calling out to webhook admission plugins. It is expected that this cert includes a signature from the CA in the --requestheader-client-ca-file flag. That CA is published in the 'extension-apiserver-authentication' configmap in the kube-system namespace. Components receiving calls from kube-aggregator should use that CA to perform their half of the mutual TLS verification." },
  { name: 'proxy-client-key-file', type: 'string', help: 'Private key for the client certificate used to prove the identity of the aggregator or kube-apiserver when it must call out during a request. This includes proxying requests to a user api-server and calling out to webhook admission plugins.' },
  { name: 'enable-aggregator-routing', type: 'bool', default: false, help: 'Turns on aggregator routing requests to endpoints IP rather than cluster IP.' },
  { name: 'anonymous-auth', type: 'bool', default: true, help: 'Enables anonymous requests to the secure port of the API server. Requests that are not rejected by another authentication method are treated as anonymous requests. Anonymous requests have a username of system:anonymous, and a group name of system:unauthenticated.' },
  { name: 'authorization-mode', type: 'strings', default: ['Node', 'RBAC'], help: 'Ordered list of plug-ins to do authorization on secure port. Defaults to Node,RBAC. Comma-delimited list of: AlwaysAllow,AlwaysDeny,Node,RBAC.' },
  { name: 'token-auth-file', type: 'string', help: 'If set, the file that will be used to secure the secure port of the API server via token authentication (CSV: token,user,uid,"group1,group2").' },
  { name: 'service-account-issuer', type: 'strings', default: [], help: 'Identifier of the service account token issuer. The issuer will assert this identifier in "iss" claim of issued tokens. This value is a string or URI. If this option is not a valid URI per the OpenID Discovery 1.0 spec, the ServiceAccountIssuerDiscovery feature will remain disabled, even if the feature gate is set to true. It is highly recommended that this value comply with the OpenID spec. When this flag is specified multiple times, the first is used to generate tokens and all are used to determine which issuers are accepted.' },
  { name: 'service-account-key-file', type: 'strings', default: [], help: 'File containing PEM-encoded x509 RSA or ECDSA private or public keys, used to verify ServiceAccount tokens. The specified file can contain multiple keys, and the flag can be specified multiple times with different files. If unspecified, --service-account-signing-key-file is used.' },
  { name: 'service-account-signing-key-file', type: 'string', help: 'Path to the file that contains the current private key of the service account token issuer. The issuer will sign issued ID tokens with this private key.' },
  { name: 'api-audiences', type: 'strings', default: [], help: 'Identifiers of the API. The service account token authenticator will validate that tokens used against the API are bound to at least one of these audiences. If the --service-account-issuer flag is configured and this flag is not, this field defaults to a single element list containing the issuer URL.' },
  { name: 'service-account-max-token-expiration', type: 'duration', default: '0s', help: 'The maximum validity duration of a token created by the service account token issuer. If an otherwise valid TokenRequest with a validity duration larger than this value is requested, a token will be issued with a validity duration of this value.' },
  { name: 'service-account-extend-token-expiration', type: 'bool', default: true, help: 'Turns on projected service account expiration extension during token generation, which helps safe transition from legacy token to bound service account token feature. If this flag is enabled, admission injected tokens would be extended up to 1 year to prevent unexpected failure during transition, ignoring value of service-account-max-token-expiration.' },
  { name: 'service-account-jwks-uri', type: 'string', help: 'Overrides the URI for the JSON Web Key Set in the discovery doc served at /.well-known/openid-configuration. This flag is useful if the discovery docand key set are served to relying parties from a URL other than the API server\'s external (as auto-detected or overridden with external-hostname).' },
  { name: 'disable-admission-plugins', type: 'strings', default: [], help: 'admission plugins that should be disabled although they are in the default enabled plugins list (NamespaceLifecycle, LimitRanger, ServiceAccount, NodeRestriction, Priority, DefaultStorageClass, StorageObjectInUseProtection, PersistentVolumeClaimResize, ResourceQuota). Comma-delimited list of admission plugins.' },
  { name: 'service-cluster-ip-range', type: 'string', default: '10.96.0.0/16', help: 'A CIDR notation IP range from which to assign service cluster IPs.' },
  { name: 'service-node-port-range', type: 'string', default: '30000-32767', help: 'A port range to reserve for services with NodePort visibility.' },
  { name: 'encryption-provider-config', type: 'string', help: 'The file containing configuration for encryption providers to be used for storing secrets in etcd.' },
  { name: 'default-not-ready-toleration-seconds', type: 'int', default: 300, help: 'Indicates the tolerationSeconds of the toleration for notReady:NoExecute that is added by default to every pod that does not already have such a toleration.' },
  { name: 'default-unreachable-toleration-seconds', type: 'int', default: 300, help: 'Indicates the tolerationSeconds of the toleration for unreachable:NoExecute that is added by default to every pod that does not already have such a toleration.' },
  { name: 'min-request-timeout', type: 'int', default: 1800, help: 'The minimum number of seconds a watch handler stays open (randomised up to twice that).' },
  { name: 'request-timeout', type: 'duration', default: '1m0s', help: 'An optional field indicating the duration a handler must keep a request open before timing it out. This is the default request timeout for requests but may be overridden by flags such as --min-request-timeout for specific types of requests.' },
  { name: 'kubelet-client-certificate', type: 'string', help: 'Path to a client cert file for TLS to kubelets.' },
  { name: 'kubelet-client-key', type: 'string', help: 'Path to a client key file for TLS to kubelets.' },
  { name: 'kubelet-certificate-authority', type: 'string', help: 'Path to a cert file for the certificate authority of kubelets.' },
  { name: 'audit-policy-file', type: 'string', help: 'Path to the file that defines the audit policy configuration.' },
  { name: 'audit-log-path', type: 'string', help: "If set, all requests coming to the apiserver will be logged to this file.  '-' means standard out." },
  { name: 'audit-log-maxage', type: 'int', default: 0, help: 'The maximum number of days to retain old audit log files based on the timestamp encoded in their filename.' },
  { name: 'audit-log-maxbackup', type: 'int', default: 0, help: "The maximum number of old audit log files to retain. Setting a value of 0 will mean there's no restriction on the number of files." },
  { name: 'audit-log-maxsize', type: 'int', default: 0, help: 'The maximum size in megabytes of the audit log file before it gets rotated.' },
  { name: 'audit-log-format', type: 'string', default: 'json', help: 'Format of saved audits. "json" indicates structured json format (kubelab writes only json). Known formats are legacy,json.' },
  { name: 'audit-log-mode', type: 'string', default: 'blocking', help: 'Strategy for sending audit events. Known modes are batch,blocking,blocking-strict (kubelab: all three write through one buffer, flushed on every turn of the event loop and on stop).' },
  { name: 'kubeconfig', type: 'string', help: 'Unused by the apiserver (accepted for symmetry with the other components).' },
  { name: 'v', type: 'int', default: 0, help: 'Log level verbosity.' },
  // kubelab's own (no upstream flag): upstream's ComponentStatus probes fixed addresses; tests start components elsewhere.
  { name: 'componentstatus-scheduler-url', type: 'string', default: DEFAULT_SCHEDULER_HEALTHZ, help: "kubelab only: the scheduler's health URL that ComponentStatus probes (upstream's is fixed)." },
  { name: 'componentstatus-controller-manager-url', type: 'string', default: DEFAULT_CONTROLLER_MANAGER_HEALTHZ, help: "kubelab only: the controller manager's health URL that ComponentStatus probes (upstream's is fixed)." },
];

/**
 * The self-signed serving certificate of `--cert-dir` (upstream's MaybeDefaultWithSelfSignedCerts):
 * made once by a throw-away CA whose private key is never written (only its certificate, `ca.crt`,
 * for clients to trust; `apiserver.crt` carries the chain as upstream's does); later starts reuse
 * them. The directory is 0700 (also when it already exists), keys 0600 and certificates 0644
 * whatever the umask. A `ca.key` an older kubelab left next to the serving key is removed.
 */
export function ensureServingCerts(certDir: string, sans: { ips: string[]; dns: string[] }): { certFile: string; keyFile: string; caFile: string } {
  mkdirSync(certDir, { recursive: true, mode: 0o700 });
  chmodSync(certDir, 0o700);
  const caFile = join(certDir, 'ca.crt');
  const certFile = join(certDir, 'apiserver.crt');
  const keyFile = join(certDir, 'apiserver.key');
  const staleCaKey = join(certDir, 'ca.key');
  if (!existsSync(certFile) || !existsSync(keyFile) || !existsSync(caFile)) {
    const ca = createCA(`kubelab-ca-${Math.floor(Date.now() / 1000)}`);
    const c = createCertificate({ ca, commonName: 'kube-apiserver', dnsNames: sans.dns, ipAddresses: sans.ips, serverAuth: true });
    writePrivate(keyFile, c.keyPem);
    writePublic(certFile, c.certPem + ca.certPem);
    writePublic(caFile, ca.certPem);
  }
  rmSync(staleCaKey, { force: true });
  chmodSync(keyFile, 0o600);
  chmodSync(certFile, 0o644);
  chmodSync(caFile, 0o644);
  return { certFile, keyFile, caFile };
}

/** A key file: created 0600 (never readable by others, not even briefly), then chmod'ed whatever the umask. */
function writePrivate(path: string, pem: string): void {
  rmSync(path, { force: true });
  writeFileSync(path, pem, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function writePublic(path: string, pem: string): void {
  writeFileSync(path, pem);
  chmodSync(path, 0o644);
}

/**
 * The audit flags as upstream's AuditOptions: validated first (`--audit-log-maxage -1 can't be a negative number`,
 * `invalid audit log format x, allowed formats are "legacy,json"`), then the policy file loaded (a bad one stops
 * the server: `loading audit policy file: ...: from file <path>`) and the log opened. Auditing needs both a
 * policy and a log path; either alone audits nothing (upstream warns about a log path without a policy).
 */
export function auditFromFlags(v: FlagValues, log: { warn?: (m: string) => void }): Auditor | undefined {
  const errs: string[] = [];
  const format = str(v, 'audit-log-format') ?? 'json';
  if (!['legacy', 'json'].includes(format)) errs.push(`invalid audit log format ${format}, allowed formats are "legacy,json"`);
  else if (format !== 'json') errs.push(`audit log format ${format} is not supported by kubelab, use json`);
  const mode = str(v, 'audit-log-mode') ?? 'blocking';
  if (!['batch', 'blocking', 'blocking-strict'].includes(mode)) errs.push(`invalid audit log mode ${mode}, allowed modes are "batch,blocking,blocking-strict"`);
  for (const f of ['audit-log-maxage', 'audit-log-maxbackup', 'audit-log-maxsize']) {
    if (num(v, f) < 0) errs.push(`--${f} ${num(v, f)} can't be a negative number`);
  }
  if (errs.length) throw new KubeError('BadRequest', errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`, { code: 'ERR_CONFIG' });
  const policyFile = str(v, 'audit-policy-file');
  const path = str(v, 'audit-log-path');
  let policy: AuditPolicy | undefined;
  if (policyFile) {
    let text: string;
    try {
      text = readFileSync(policyFile, 'utf8');
    } catch (e) {
      throw new KubeError('BadRequest', `loading audit policy file: failed to read file path ${JSON.stringify(policyFile)}: ${(e as Error).message}`, { code: 'ERR_CONFIG' });
    }
    try {
      policy = parseAuditPolicy(text);
    } catch (e) {
      throw auditPolicyFileError(policyFile, e);
    }
  }
  if (!path) return undefined;
  if (!policy) {
    log.warn?.('No audit policy file provided, no events will be recorded for log backend');
    return undefined;
  }
  const sink = openAuditLog({
    path,
    maxAgeDays: num(v, 'audit-log-maxage'),
    maxBackups: num(v, 'audit-log-maxbackup'),
    maxSizeMB: num(v, 'audit-log-maxsize'),
    onError: (e) => log.warn?.(`audit log ${path}: ${e.message}`),
  });
  return new Auditor(policy, sink);
}

/**
 * The --service-account-* flags, checked as upstream's ServiceAccountAuthenticationOptions.Validate: an issuer
 * and a signing key are required (`service-account-issuer is a required flag`, `--service-account-signing-key-file
 * and --service-account-issuer are required flags`); the key files default to the signing key file; the maximum
 * expiration lies between 1 hour and 2^32 seconds.
 */
export function serviceAccountTokenSettings(v: FlagValues): ServiceAccountTokenSettings {
  const issuers = strs(v, 'service-account-issuer');
  const signingFile = str(v, 'service-account-signing-key-file');
  const config = (m: string) => new KubeError('BadRequest', m, { code: 'ERR_CONFIG' });
  if (issuers.length === 0) throw config('service-account-issuer is a required flag');
  if (!signingFile) throw config('--service-account-signing-key-file and --service-account-issuer are required flags');
  for (const i of issuers) if (i.includes(':') && !/^[a-z][a-z0-9+.-]*:\/\/./i.test(i)) throw config(`service-account-issuer "${i}" contained a ':' but was not a valid URL`);
  const maxMs = num(v, 'service-account-max-token-expiration');
  if (maxMs !== 0 && (maxMs < 3600_000 || maxMs > 2 ** 32 * 1000)) throw config('the service-account-max-token-expiration must be between 1 hour and 2^32 seconds');
  const keyFiles = strs(v, 'service-account-key-file');
  const jwksURI = str(v, 'service-account-jwks-uri');
  return {
    issuers,
    signingKey: readSigningKey(signingFile),
    keys: readPublicKeys(keyFiles.length ? keyFiles : [signingFile]),
    apiAudiences: strs(v, 'api-audiences'),
    maxExpirationSeconds: Math.floor(maxMs / 1000),
    extendExpiration: bool(v, 'service-account-extend-token-expiration'),
    ...(jwksURI ? { jwksURI } : {}),
  };
}

export async function runApiServer(argv: string[]): Promise<void> {
  const { values: v, help } = parseFlags(APISERVER_FLAGS, argv);
  if (help) {
    process.stdout.write(formatHelp('kubelab apiserver', 'The Kubernetes API server validates and configures data for the api objects (pods, services, deployments, ...), stored in etcd.', APISERVER_FLAGS));
    return;
  }
  const log = consoleLogger('apiserver');
  defaultTolerationSeconds.notReady = num(v, 'default-not-ready-toleration-seconds');
  defaultTolerationSeconds.unreachable = num(v, 'default-unreachable-toleration-seconds');
  const bind = str(v, 'bind-address')!;
  const advertise = str(v, 'advertise-address') ?? (bind === '0.0.0.0' ? '127.0.0.1' : bind);
  const serviceRange = str(v, 'service-cluster-ip-range')!;
  parseCidr(serviceRange);
  const firstIP = new ServiceIPAllocator(new MemoryBackend(), serviceRange).firstIP;
  const tlsMinVersion = str(v, 'tls-min-version');
  const tlsCipherSuites = strs(v, 'tls-cipher-suites');
  tlsSettings(tlsMinVersion, tlsCipherSuites); // a bad name stops here, before anything is made
  const authz = parseAuthorizationModes(strs(v, 'authorization-mode'));
  if (authz.errors.length) throw new KubeError('BadRequest', `invalid --authorization-mode: ${authz.errors.join(', ')}`, { code: 'ERR_CONFIG' });
  const auditor = auditFromFlags(v, log);
  const serviceAccountTokens = serviceAccountTokenSettings(v);
  const disabled = strs(v, 'disable-admission-plugins');
  const unknownPlugins = disabled.filter((n) => n !== 'NamespaceLifecycle' && !ADMISSION_PLUGINS.some((p) => p.name === n));
  if (unknownPlugins.length) throw new KubeError('BadRequest', `admission-control plugin "${unknownPlugins[0]}" is unknown`, { code: 'ERR_CONFIG' });
  const reconcilerType = str(v, 'endpoint-reconciler-type')!;
  if (!(ENDPOINT_RECONCILER_TYPES as readonly string[]).includes(reconcilerType)) throw new KubeError('BadRequest', `Reconciler not implemented: ${reconcilerType}`, { code: 'ERR_CONFIG' });
  const apiserverCount = num(v, 'apiserver-count');
  if (apiserverCount <= 0) throw new KubeError('BadRequest', `--apiserver-count should be a positive number, but value '${apiserverCount}' provided`, { code: 'ERR_CONFIG' });
  const encryption = str(v, 'encryption-provider-config');
  const transformers = encryption ? loadEncryptionConfig(encryption) : undefined;

  let certFile = str(v, 'tls-cert-file');
  let keyFile = str(v, 'tls-private-key-file');
  if (!certFile || !keyFile) {
    const extra = strs(v, 'tls-sans');
    const ips = [...new Set(['127.0.0.1', firstIP, advertise, ...(bind !== '0.0.0.0' ? [bind] : []), ...extra.filter((s) => isIP(s))])];
    const dns = [...new Set(['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', hostname(), ...extra.filter((s) => !isIP(s))])];
    const made = ensureServingCerts(str(v, 'cert-dir')!, { ips, dns });
    certFile = made.certFile;
    keyFile = made.keyFile;
  }
  const endpoints = strs(v, 'etcd-servers');
  const backend =
    endpoints[0] === 'memory'
      ? new MemoryBackend()
      : new EtcdBackend({
          endpoints,
          ...(str(v, 'etcd-cafile') ? { caFile: str(v, 'etcd-cafile')! } : {}),
          ...(str(v, 'etcd-certfile') ? { certFile: str(v, 'etcd-certfile')! } : {}),
          ...(str(v, 'etcd-keyfile') ? { keyFile: str(v, 'etcd-keyfile')! } : {}),
        });
  const clientCA = str(v, 'client-ca-file');
  const requestHeaderCA = str(v, 'requestheader-client-ca-file');
  const requestHeader = requestHeaderConfig({
    clientCAPem: requestHeaderCA ? readFileSync(requestHeaderCA, 'utf8') : undefined,
    allowedNames: strs(v, 'requestheader-allowed-names'),
    usernameHeaders: strs(v, 'requestheader-username-headers'),
    groupHeaders: strs(v, 'requestheader-group-headers'),
    extraHeaderPrefixes: strs(v, 'requestheader-extra-headers-prefix'),
  });
  const proxyCert = str(v, 'proxy-client-cert-file');
  const proxyKey = str(v, 'proxy-client-key-file');
  if (!!proxyCert !== !!proxyKey) throw new KubeError('BadRequest', 'proxy-client-cert-file and proxy-client-key-file must be specified together', { code: 'ERR_CONFIG' });
  const kubeletCert = str(v, 'kubelet-client-certificate');
  const kubeletKey = str(v, 'kubelet-client-key');
  const kubeletCA = str(v, 'kubelet-certificate-authority');
  const kubeletClient = {
    ...(kubeletCert ? { certPem: readFileSync(kubeletCert, 'utf8') } : {}),
    ...(kubeletKey ? { keyPem: readFileSync(kubeletKey, 'utf8') } : {}),
    ...(kubeletCA ? { caPem: readFileSync(kubeletCA, 'utf8') } : {}),
  };
  const server = new ApiServer({
    backend,
    bindAddress: bind,
    securePort: num(v, 'secure-port'),
    tlsCert: readFileSync(certFile),
    tlsKey: readFileSync(keyFile),
    ...(clientCA ? { clientCA: readFileSync(clientCA) } : {}),
    authenticator: Authenticator.fromTokenFile(str(v, 'token-auth-file'), {
      anonymous: bool(v, 'anonymous-auth'),
      ...(clientCA ? { clientCAPem: readFileSync(clientCA, 'utf8') } : {}),
      ...(requestHeader ? { requestHeader } : {}),
    }),
    aggregator: {
      enableAggregatorRouting: bool(v, 'enable-aggregator-routing'),
      ...(proxyCert && proxyKey ? { proxyClientCertPem: readFileSync(proxyCert, 'utf8'), proxyClientKeyPem: readFileSync(proxyKey, 'utf8') } : {}),
    },
    serviceClusterIPRange: serviceRange,
    serviceNodePortRange: str(v, 'service-node-port-range')!,
    advertiseAddress: advertise,
    endpointReconcilerType: reconcilerType as EndpointReconcilerType,
    apiserverCount,
    authorizationModes: authz.modes,
    serviceAccountTokens,
    admissionPlugins: ADMISSION_PLUGINS.filter((p) => !disabled.includes(p.name)),
    ...(transformers ? { transformers } : {}),
    minRequestTimeoutSeconds: num(v, 'min-request-timeout'),
    requestTimeoutMs: num(v, 'request-timeout'),
    ...(tlsMinVersion ? { tlsMinVersion } : {}),
    tlsCipherSuites,
    log,
    kubeletProxy: createKubeletProxy(kubeletClient),
    kubeletUpgrade: createKubeletUpgradeProxy(kubeletClient),
    componentStatus: { schedulerHealthz: text(v, 'componentstatus-scheduler-url'), controllerManagerHealthz: text(v, 'componentstatus-controller-manager-url') },
    ...(auditor ? { auditor } : {}),
  });
  await server.start();
  log.info(`serving securely on ${bind}:${num(v, 'secure-port')} (advertise ${advertise}), etcd ${endpoints.join(',')}`);
  const stop = async (): Promise<void> => {
    log.info('shutting down');
    await server.stop().catch(() => undefined);
    await backend.close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}
