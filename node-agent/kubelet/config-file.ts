/**
 * The kubelet's configuration file (`--config`, upstream's kubelet.config.k8s.io/v1beta1
 * KubeletConfiguration), decoded strictly into the flag values it stands for (pure).
 *
 * Every field kubelab honours maps onto the flag of the same option; `kubeletConfig` (config.ts) lays
 * the file's values over the flags' defaults and the flags given on the command line over both, as
 * upstream's kubelet does (flags win over the file). Fields upstream has and kubelab does not act on
 * (authorization, evictionHard, serializeImagePulls, ...) are type-checked and kept in `accepted`.
 * Unknown fields and wrongly typed values are an error naming the field: upstream's strict decoding
 * wording (`strict decoding error: unknown field "x"`), and Go's JSON decoder's for a wrong type.
 */
import { parse as parseYaml } from 'yaml';
import { FlagError, parseDuration, type FlagValues } from '../../api/cli/flags.js';
import { isPlainObject } from '../../api/values.js';

export const KUBELET_CONFIG_API_VERSION = 'kubelet.config.k8s.io/v1beta1';
export const KUBELET_CONFIG_KIND = 'KubeletConfiguration';

/** A field's Go type in upstream's KubeletConfiguration (what the decoder checks). */
type FieldType = 'string' | 'int32' | 'bool' | 'duration' | '[]string' | 'map[string]string' | 'taints' | 'object';

interface FieldSpec {
  type: FieldType;
  /** The flag this field sets (kubelab's flag name); none: accepted and type-checked only. */
  flag?: string;
  /** Nested fields of an `object` (authentication, authorization). */
  fields?: Record<string, FieldSpec>;
}

const obj = (fields: Record<string, FieldSpec>): FieldSpec => ({ type: 'object', fields });

/** The fields of KubeletConfiguration kubelab reads (upstream's json names), and their flags. */
export const KUBELET_CONFIG_FIELDS: Record<string, FieldSpec> = {
  apiVersion: { type: 'string' },
  kind: { type: 'string' },
  staticPodPath: { type: 'string', flag: 'pod-manifest-path' },
  fileCheckFrequency: { type: 'duration', flag: 'file-check-frequency' },
  syncFrequency: { type: 'duration', flag: 'sync-frequency' },
  nodeStatusUpdateFrequency: { type: 'duration', flag: 'node-status-update-frequency' },
  nodeStatusReportFrequency: { type: 'duration' },
  nodeLeaseDurationSeconds: { type: 'int32', flag: 'node-lease-duration-seconds' },
  address: { type: 'string', flag: 'address' },
  port: { type: 'int32', flag: 'port' },
  readOnlyPort: { type: 'int32', flag: 'read-only-port' },
  healthzPort: { type: 'int32' },
  healthzBindAddress: { type: 'string' },
  tlsCertFile: { type: 'string', flag: 'tls-cert-file' },
  tlsPrivateKeyFile: { type: 'string', flag: 'tls-private-key-file' },
  tlsMinVersion: { type: 'string', flag: 'tls-min-version' },
  tlsCipherSuites: { type: '[]string', flag: 'tls-cipher-suites' },
  rotateCertificates: { type: 'bool' },
  serverTLSBootstrap: { type: 'bool' },
  authentication: obj({
    x509: obj({ clientCAFile: { type: 'string', flag: 'client-ca-file' } }),
    webhook: obj({ enabled: { type: 'bool', flag: 'authentication-token-webhook' }, cacheTTL: { type: 'duration' } }),
    anonymous: obj({ enabled: { type: 'bool', flag: 'anonymous-auth' } }),
  }),
  authorization: obj({
    mode: { type: 'string', flag: 'authorization-mode' },
    webhook: obj({ cacheAuthorizedTTL: { type: 'duration' }, cacheUnauthorizedTTL: { type: 'duration' } }),
  }),
  clusterDNS: { type: '[]string', flag: 'cluster-dns' },
  clusterDomain: { type: 'string', flag: 'cluster-domain' },
  resolvConf: { type: 'string', flag: 'resolv-conf' },
  evictionHard: { type: 'map[string]string', flag: 'eviction-hard' },
  evictionSoft: { type: 'map[string]string' },
  evictionPressureTransitionPeriod: { type: 'duration' },
  podCIDR: { type: 'string', flag: 'pod-cidr' },
  maxPods: { type: 'int32', flag: 'max-pods' },
  serializeImagePulls: { type: 'bool', flag: 'serialize-image-pulls' },
  cgroupDriver: { type: 'string', flag: 'cgroup-driver' },
  cgroupRoot: { type: 'string', flag: 'cgroup-root' },
  containerRuntimeEndpoint: { type: 'string', flag: 'container-runtime-endpoint' },
  podLogsDir: { type: 'string', flag: 'pod-logs-dir' },
  registerNode: { type: 'bool' },
  registerWithTaints: { type: 'taints', flag: 'register-with-taints' },
  runtimeRequestTimeout: { type: 'duration' },
  hairpinMode: { type: 'string' },
  failSwapOn: { type: 'bool' },
  streamingConnectionIdleTimeout: { type: 'duration' },
  imageMinimumGCAge: { type: 'duration' },
  imageGCHighThresholdPercent: { type: 'int32' },
  imageGCLowThresholdPercent: { type: 'int32' },
  volumeStatsAggPeriod: { type: 'duration' },
  shutdownGracePeriod: { type: 'duration' },
  shutdownGracePeriodCriticalPods: { type: 'duration' },
  logging: { type: 'object' },
  featureGates: { type: 'object' },
};

/** Go's name of a field type in json.UnmarshalTypeError. */
const GO_TYPE: Record<FieldType, string> = {
  string: 'string', int32: 'int32', bool: 'bool', duration: 'v1.Duration', '[]string': '[]string',
  'map[string]string': 'map[string]string', taints: '[]v1.Taint', object: 'struct',
};

const jsonKind = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? 'number' : 'string';

export class ConfigFileError extends FlagError {
  constructor(path: string, message: string) {
    super(`failed to load kubelet config file, path: ${path}, error: ${message}`);
    this.name = 'ConfigFileError';
  }
}

export interface DecodedKubeletConfig {
  /** Flag values the file sets (flag name -> value in parseFlags' representation). */
  values: FlagValues;
  /** Fields accepted without a flag (kept for the record: kubelab does not act on them). */
  accepted: string[];
}

/**
 * Decode a KubeletConfiguration file (YAML or JSON). Throws a ConfigFileError naming the field on an
 * unknown field, a wrong type, a bad duration, or a wrong apiVersion/kind.
 */
export function decodeKubeletConfigFile(text: string, path: string): DecodedKubeletConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigFileError(path, `failed to decode: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isPlainObject(doc)) throw new ConfigFileError(path, `failed to decode: json: cannot unmarshal ${jsonKind(doc)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  const apiVersion = doc.apiVersion;
  const kind = doc.kind;
  if (kind === undefined || kind === '') throw new ConfigFileError(path, `failed to decode: Object 'Kind' is missing in '${oneLine(text)}'`);
  if (apiVersion !== KUBELET_CONFIG_API_VERSION || kind !== KUBELET_CONFIG_KIND) {
    throw new ConfigFileError(path, `failed to decode: no kind "${String(kind)}" is registered for version "${String(apiVersion ?? '')}" in scheme "pkg/kubelet/apis/config/scheme/scheme.go:30"`);
  }
  const values: FlagValues = {};
  const accepted: string[] = [];
  const unknown: string[] = [];
  walk(doc, KUBELET_CONFIG_FIELDS, '', { values, accepted, unknown, path });
  if (unknown.length) throw new ConfigFileError(path, `failed to decode: strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`);
  return { values, accepted };
}

function oneLine(text: string): string {
  return text.trim().replace(/\s+/g, ' ').slice(0, 80);
}

interface WalkState {
  values: FlagValues;
  accepted: string[];
  unknown: string[];
  path: string;
}

function walk(o: Record<string, unknown>, fields: Record<string, FieldSpec>, prefix: string, st: WalkState): void {
  for (const [name, value] of Object.entries(o)) {
    const at = prefix + name;
    const spec = fields[name];
    if (!spec) {
      st.unknown.push(at);
      continue;
    }
    if (value === null) continue; // JSON null leaves a Go field at its zero value: nothing to set
    if (spec.type === 'object') {
      if (!isPlainObject(value)) throw typeError(st.path, at, value, spec.type);
      if (spec.fields) walk(value, spec.fields, `${at}.`, st);
      else st.accepted.push(at);
      continue;
    }
    const v = decodeValue(st.path, at, value, spec.type);
    if (spec.flag) st.values[spec.flag] = v;
    else if (prefix === '' && (name === 'apiVersion' || name === 'kind')) continue;
    else st.accepted.push(at);
  }
}

function typeError(path: string, field: string, value: unknown, type: FieldType): ConfigFileError {
  return new ConfigFileError(path, `failed to decode: json: cannot unmarshal ${jsonKind(value)} into Go struct field KubeletConfiguration.${field} of type ${GO_TYPE[type]}`);
}

/** One field's value in the representation parseFlags gives the same flag. */
function decodeValue(path: string, field: string, value: unknown, type: FieldType): FlagValues[string] {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw typeError(path, field, value, type);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw typeError(path, field, value, type);
      return value;
    case 'int32':
      if (typeof value !== 'number') throw typeError(path, field, value, type);
      if (!Number.isInteger(value) || value < -2147483648 || value > 2147483647) {
        throw new ConfigFileError(path, `failed to decode: json: cannot unmarshal number ${value} into Go struct field KubeletConfiguration.${field} of type int32`);
      }
      return value;
    case 'duration':
      if (typeof value !== 'string') throw typeError(path, field, value, type);
      try {
        return parseDuration(value);
      } catch (e) {
        throw new ConfigFileError(path, `failed to decode: ${(e as Error).message} (field ${field})`);
      }
    case '[]string':
      if (!Array.isArray(value) || value.some((s) => typeof s !== 'string')) throw typeError(path, field, value, type);
      return value as string[];
    case 'map[string]string':
      if (!isPlainObject(value) || Object.values(value).some((s) => typeof s !== 'string')) throw typeError(path, field, value, type);
      return Object.entries(value).map(([k, v]) => `${k}<${String(v)}`);
    case 'taints': {
      if (!Array.isArray(value)) throw typeError(path, field, value, type);
      return value.map((t, i) => {
        if (!isPlainObject(t) || typeof t.key !== 'string' || typeof t.effect !== 'string' || (t.value !== undefined && typeof t.value !== 'string')) {
          throw new ConfigFileError(path, `failed to decode: invalid taint at ${field}[${i}]: want {key, value, effect}`);
        }
        return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
      });
    }
    default:
      throw typeError(path, field, value, type);
  }
}
