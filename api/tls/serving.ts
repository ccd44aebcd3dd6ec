/**
 * How kubelab's HTTPS servers (the API server, the kubelet) serve TLS, as upstream's Go servers do:
 * `--tls-min-version` (VersionTLS10..VersionTLS13, default VersionTLS12) and `--tls-cipher-suites`
 * (IANA names, as Go's crypto/tls spells them), defaulting to forward-secret AEAD suites only (no RSA
 * key exchange); TLS 1.3 always offers its three suites (Go does not let them be configured); a
 * 32 s limit on reading request headers (upstream's ReadHeaderTimeout); and a client speaking plain
 * HTTP to the TLS port gets Go's `400 Bad Request` "Client sent an HTTP request to an HTTPS server.".
 */
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Server as HttpsServer } from 'node:https';
import type { SecureVersion } from 'node:tls';
import type { FlagSpec } from '../cli/flags.js';
import { FlagError } from '../cli/flags.js';

/** upstream's cliflag versions map. */
export const TLS_VERSIONS: Readonly<Record<string, SecureVersion>> = {
  VersionTLS10: 'TLSv1',
  VersionTLS11: 'TLSv1.1',
  VersionTLS12: 'TLSv1.2',
  VersionTLS13: 'TLSv1.3',
};
export const DEFAULT_TLS_MIN_VERSION = 'VersionTLS12';

/** TLS 1.3's suites: always on, as in Go (listing them in --tls-cipher-suites is accepted). */
export const TLS13_SUITES: Readonly<Record<string, string>> = {
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
};

/** Go's tls.CipherSuites() (secure) for TLS 1.0-1.2, IANA name -> OpenSSL name. */
export const SECURE_SUITES: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  // upstream keeps the legacy names too
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
};

/** Go's tls.InsecureCipherSuites(): accepted when named, as upstream does (OpenSSL may still refuse some). */
export const INSECURE_SUITES: Readonly<Record<string, string>> = {
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_RSA_WITH_RC4_128_SHA: 'RC4-SHA',
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: 'ECDHE-RSA-RC4-SHA',
  TLS_ECDHE_ECDSA_WITH_RC4_128_SHA: 'ECDHE-ECDSA-RC4-SHA',
};

/** The default TLS 1.2 suites: forward secret (ECDHE) and AEAD only. */
export const DEFAULT_CIPHER_SUITES: readonly string[] = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
];

/** upstream's ReadHeaderTimeout ("just shy of requestTimeoutUpperBound"). */
export const READ_HEADER_TIMEOUT_MS = 32_000;

/** What Go's http.Server writes to a client that speaks plain HTTP to a TLS port. */
export const PLAIN_HTTP_RESPONSE = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';

const sorted = (o: Readonly<Record<string, string>>) => Object.keys(o).sort().join(', ');

/** The flags, with upstream's names and help. */
export const TLS_SERVING_FLAGS: FlagSpec[] = [
  { name: 'tls-min-version', type: 'string', default: DEFAULT_TLS_MIN_VERSION, help: 'Minimum TLS version supported. Possible values: VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13' },
  {
    name: 'tls-cipher-suites',
    type: 'strings',
    default: [],
    help: `Comma-separated list of cipher suites for the server. If omitted, forward-secret AEAD suites are used (${DEFAULT_CIPHER_SUITES.join(', ')}). Preferred values: ${sorted({ ...SECURE_SUITES, ...TLS13_SUITES })}. Insecure values: ${sorted(INSECURE_SUITES)}.`,
  },
];

export interface TlsSettings {
  minVersion: SecureVersion;
  /** An OpenSSL cipher string: TLS 1.3 suites, then the TLS 1.2 ones. */
  ciphers: string;
}

/**
 * The TLS settings for `--tls-min-version` and `--tls-cipher-suites` (pure). Unknown names are
 * errors with upstream's wording (cliflag.TLSVersion / cliflag.TLSCipherSuites).
 */
export function tlsSettings(minVersion: string | undefined, cipherSuites: readonly string[] | undefined): TlsSettings {
  const v = minVersion || DEFAULT_TLS_MIN_VERSION;
  const min = TLS_VERSIONS[v];
  if (!min) throw new FlagError(`invalid argument ${JSON.stringify(v)} for "--tls-min-version" flag: unknown tls version ${JSON.stringify(v)}`);
  const names = cipherSuites?.length ? cipherSuites : DEFAULT_CIPHER_SUITES;
  const tls12: string[] = [];
  for (const n of names) {
    if (n in TLS13_SUITES) continue;
    const o = SECURE_SUITES[n] ?? INSECURE_SUITES[n];
    if (!o) throw new FlagError(`invalid argument ${JSON.stringify(names.join(','))} for "--tls-cipher-suites" flag: Cipher suite ${n} not supported or doesn't exist`);
    if (!tls12.includes(o)) tls12.push(o);
  }
  return { minVersion: min, ciphers: [...Object.values(TLS13_SUITES), ...tls12].join(':') };
}

/** Go's tlsRecordHeaderLooksLikeHTTP: the first five bytes of a plain HTTP request. */
export function looksLikeHttp(head: Buffer): boolean {
  return ['GET /', 'HEAD ', 'POST ', 'PUT /', 'OPTIO'].includes(head.subarray(0, 5).toString('latin1'));
}

/**
 * Accepts TCP connections for an https.Server: a connection whose first bytes are plain HTTP gets
 * PLAIN_HTTP_RESPONSE and is closed; any other is handed, unread, to the TLS server. A client that
 * sends nothing is dropped after READ_HEADER_TIMEOUT_MS.
 */
export class SecureListener {
  private readonly tcp: NetServer;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly https: HttpsServer,
    private readonly firstBytesTimeoutMs = READ_HEADER_TIMEOUT_MS,
  ) {
    this.tcp = createNetServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const drop = (): void => {
      socket.destroy();
    };
    socket.on('error', drop);
    socket.setTimeout(this.firstBytesTimeoutMs, drop);
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.setTimeout(0);
      socket.off('error', drop);
      if (looksLikeHttp(chunk)) {
        socket.on('error', () => undefined);
        socket.end(PLAIN_HTTP_RESPONSE);
        return;
      }
      // Back into the (paused) stream: the TLS socket reads what is buffered before the handle.
      socket.unshift(chunk);
      this.https.emit('connection', socket);
    });
    socket.resume();
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(port, host, () => {
        this.tcp.off('error', reject);
        // The https.Server never listens itself; its 'listening' starts Node's connection tracking
        // (headersTimeout checks, closeAllConnections).
        this.https.emit('listening');
        resolve();
      });
    });
  }

  address(): AddressInfo {
    return this.tcp.address() as AddressInfo;
  }

  /** Stop accepting and end every connection (TLS, watches and upgraded ones included). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.tcp.close(() => resolve());
      this.https.closeAllConnections();
      this.https.close(() => undefined); // stops its connection checks (it was never listening: the error is expected)
      for (const s of this.sockets) s.destroy();
    });
  }
}
