/** TLS serving decisions shared by the API server and the kubelet (pure). */
import { describe, expect, it } from 'vitest';
import { looksLikeHttp, tlsSettings } from '../../../api/tls/serving.js';
import { isLongRunning } from '../../../control-plane/apiserver/request-info.js';

const TLS13 = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';

describe('--tls-min-version and --tls-cipher-suites', () => {
  it('default to TLS 1.2 and forward-secret AEAD suites only (no RSA key exchange)', () => {
    const t = tlsSettings(undefined, undefined);
    expect(t.minVersion).toBe('TLSv1.2');
    expect(t.ciphers).toBe(
      `${TLS13}:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305`,
    );
    for (const c of t.ciphers.split(':')) expect(c.startsWith('TLS_') || c.startsWith('ECDHE-'), c).toBe(true);
  });
  it.each([
    ['VersionTLS10', 'TLSv1'],
    ['VersionTLS11', 'TLSv1.1'],
    ['VersionTLS12', 'TLSv1.2'],
    ['VersionTLS13', 'TLSv1.3'],
    ['', 'TLSv1.2'],
  ])('%s -> %s', (name, want) => {
    expect(tlsSettings(name, []).minVersion).toBe(want);
  });
  it.each([
    [['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'], `${TLS13}:ECDHE-RSA-AES256-GCM-SHA384`],
    [['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'], `${TLS13}:ECDHE-RSA-CHACHA20-POLY1305`],
    [['TLS_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'], `${TLS13}:ECDHE-RSA-AES128-SHA`],
    [['TLS_RSA_WITH_AES_128_GCM_SHA256'], `${TLS13}:AES128-GCM-SHA256`],
  ])('%j -> %s', (suites, want) => {
    expect(tlsSettings('VersionTLS12', suites).ciphers).toBe(want);
  });
  it('unknown names are refused with upstream\'s words', () => {
    expect(() => tlsSettings('VersionTLS14', [])).toThrow('invalid argument "VersionTLS14" for "--tls-min-version" flag: unknown tls version "VersionTLS14"');
    expect(() => tlsSettings('TLSv1.2', [])).toThrow('unknown tls version "TLSv1.2"');
    expect(() => tlsSettings(undefined, ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'])).toThrow(
      "Cipher suite ECDHE-RSA-AES128-GCM-SHA256 not supported or doesn't exist",
    );
  });
});

describe('plain HTTP on the TLS port (Go\'s tlsRecordHeaderLooksLikeHTTP)', () => {
  it.each([
    ['GET / HTTP/1.1', true],
    ['GET /api HTTP/1.1', true],
    ['HEAD / HTTP/1.1', true],
    ['POST /api/v1', true],
    ['PUT /x', true],
    ['OPTIONS * HTTP/1.1', true],
    ['DELETE /x', false],
    ['\x16\x03\x01\x02\x00', false],
  ])('%j -> %s', (head, want) => {
    expect(looksLikeHttp(Buffer.from(head, 'latin1'))).toBe(want);
  });
});

describe('long-running requests are exempt from --request-timeout (upstream BasicLongRunningRequestCheck)', () => {
  it.each([
    ['GET', '/api/v1/pods', false],
    ['GET', '/api/v1/namespaces/default/pods/p', false],
    ['POST', '/api/v1/namespaces/default/pods', false],
    ['GET', '/apis/apps/v1/deployments?limit=5', false],
    ['GET', '/api/v1/pods?watch=true', true],
    ['GET', '/api/v1/pods?watch=1&resourceVersion=5', true],
    ['GET', '/api/v1/namespaces/default/pods/p/log?follow=true', true],
    ['GET', '/api/v1/namespaces/default/pods/p/log', true],
    ['POST', '/api/v1/namespaces/default/pods/p/exec?command=sh', true],
    ['POST', '/api/v1/namespaces/default/pods/p/attach', true],
    ['POST', '/api/v1/namespaces/default/pods/p/portforward', true],
    ['GET', '/api/v1/nodes/n1/proxy/metrics', true],
    ['GET', '/healthz', false],
    ['GET', '/api/v1/namespaces/%zz/pods', false],
  ])('%s %s -> %s', (method, url, want) => {
    expect(isLongRunning(method, url)).toBe(want);
  });
});
