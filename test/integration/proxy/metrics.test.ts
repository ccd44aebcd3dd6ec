/** /metrics and /healthz over HTTP on loopback. */
import { afterAll, describe, expect, it } from 'vitest';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProxyHealth, ProxyMetrics, parseBindAddress, serveHealthz, serveMetrics } from '../../../node-agent/proxy/metrics.js';

const servers: http.Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

describe('proxy metrics and healthz servers', () => {
  it('serves Prometheus text on /metrics and health JSON on /healthz', async () => {
    const metrics = new ProxyMetrics();
    const health = new ProxyHealth(1000);
    metrics.syncProxyRules.observe(0.02);
    metrics.networkProgramming.observe(0.7);
    const m = await serveMetrics('127.0.0.1:0', metrics, health);
    const h = await serveHealthz('127.0.0.1:0', health);
    servers.push(m, h);
    const mport = (m.address() as AddressInfo).port;
    const hport = (h.address() as AddressInfo).port;

    const res = await fetch(`http://127.0.0.1:${mport}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('# TYPE kubeproxy_sync_proxy_rules_duration_seconds histogram');
    expect(text).toContain('kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="0.032"} 1');
    expect(text).toContain('kubeproxy_network_programming_duration_seconds_bucket{le="1"} 1');
    expect((await fetch(`http://127.0.0.1:${mport}/nope`)).status).toBe(404);

    const ok = await fetch(`http://127.0.0.1:${hport}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ nodeEligible: true });
    health.queued(Date.now() - 5000);
    expect((await fetch(`http://127.0.0.1:${hport}/healthz`)).status).toBe(503);
    health.updated();
    expect((await fetch(`http://127.0.0.1:${hport}/healthz`)).status).toBe(200);
  });

  it('parses bind addresses', () => {
    expect(parseBindAddress('127.0.0.1:10249')).toEqual({ host: '127.0.0.1', port: 10249 });
    expect(parseBindAddress('0.0.0.0:10256')).toEqual({ host: '0.0.0.0', port: 10256 });
    expect(parseBindAddress('[::1]:10249')).toEqual({ host: '::1', port: 10249 });
  });
});
