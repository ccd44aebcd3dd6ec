/**
 * `kubelab coredns` against a real API server over etcd: Services, EndpointSlices and an ExternalName made through
 * the API, the Corefile from the ConfigMap kube-system/coredns, queries over UDP and TCP on loopback (dns-packet, dig,
 * nslookup), a ConfigMap edit applied without a restart (and a bad one logged with its line while the old keeps
 * serving), health/ready/metrics, and a fuzz of thousands of random and mutated packets.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCoredns } from '../../../addons/coredns/main.js';
import type { ClusterState } from '../../../addons/coredns/cluster-state.js';
import type { DnsServer } from '../../../addons/coredns/server.js';
import { useApiServerOverEtcd } from '../../support/api-fixture.js';
import { api, type ApiHandle } from '../../support/apiserver.js';
import { need } from '../../support/deps.js';
import { queryPacket, startUpstream, tcpQueries, udpQuery, udpRaw } from '../../support/dns.js';
import { freePort, poll } from '../../support/net.js';
import { prng } from '../../support/prng.js';

const run = promisify(execFile);

let h: ApiHandle;
useApiServerOverEtcd((s) => (h = s.h));

const ok = async (method: string, path: string, body?: unknown) => {
  const r = await api(h, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
  return r.json();
};

const svc = (name: string, spec: Record<string, unknown>) => ok('POST', '/api/v1/namespaces/prod/services', { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });
const slice = (name: string, service: string, endpoints: unknown[], ports: unknown[]) =>
  ok('POST', '/apis/discovery.k8s.io/v1/namespaces/prod/endpointslices', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints,
    ports,
  });

function corefile(o: { health: number; ready: number; metrics: number; upstream: number; extra?: string }): string {
  return `.:0 {
    errors
    log
    health 127.0.0.1:${o.health}
    ready 127.0.0.1:${o.ready}
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus 127.0.0.1:${o.metrics}
    forward . 127.0.0.1:${o.upstream}
    cache 30
    loop
    reload 2s
    loadbalance
${o.extra ?? ''}}
`;
}

describe('kubelab coredns on loopback', () => {
  const ac = new AbortController();
  const lines: string[] = [];
  let server: DnsServer;
  let clusterState: ClusterState;
  let port = 0;
  let ports: { health: number; ready: number; metrics: number; upstream: number };
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let running: Promise<void> | undefined;

  beforeAll(async () => {
    upstream = await startUpstream({ 'www.example.com': '192.0.2.10', 'loop-free.example': '192.0.2.11' });
    ports = { health: await freePort(), ready: await freePort(), metrics: await freePort(), upstream: upstream.port };
    await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
    await svc('web', { type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    await svc('db', { clusterIP: 'None', ports: [{ name: 'mysql', port: 3306, protocol: 'TCP' }] });
    await slice('db-1', 'db', [
      { addresses: ['10.244.1.5'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['10.244.2.6'], hostname: 'db-1', conditions: { ready: true } },
      { addresses: ['10.244.3.7'], hostname: 'db-2', conditions: { ready: false } },
    ], [{ name: 'mysql', port: 3306, protocol: 'TCP' }]);
    await svc('ext', { type: 'ExternalName', externalName: 'www.example.com' });
    // 60 ready endpoints: more than a 512-byte UDP answer holds.
    await svc('big', { clusterIP: 'None', ports: [{ name: 'p', port: 1, protocol: 'TCP' }] });
    await slice('big-1', 'big', Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.244.9.${i + 1}`], conditions: { ready: true } })), [{ name: 'p', port: 1, protocol: 'TCP' }]);
    await ok('POST', '/api/v1/namespaces/kube-system/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns' }, data: { Corefile: corefile(ports) } });
    const serving = new Promise<void>((resolve) => {
      running = runCoredns(['--kubeconfig', h.kubeconfig, '--bind-address', '127.0.0.1'], {
        signal: ac.signal,
        log: (l) => lines.push(l),
        onLoop: (m) => lines.push(m),
        onServing: (s, st) => {
          server = s;
          clusterState = st;
          port = s.port(0)!;
          resolve();
        },
      });
      running.catch((e: unknown) => lines.push(`run failed: ${String(e)}`));
    });
    await serving;
  });

  afterAll(async () => {
    ac.abort();
    await running?.catch(() => undefined);
    await upstream?.close();
  });

  const addrs = (p: dnsPacket.DecodedPacket) => (p.answers ?? []).map((a) => `${a.type} ${String((a as { data: unknown }).data)}`).sort();

  it('A for a ClusterIP Service, over UDP and TCP (several queries on one connection)', async () => {
    const web = await ok('GET', '/api/v1/namespaces/prod/services/web');
    const ip = web.spec.clusterIP as string;
    const u = await udpQuery(port, 'web.prod.svc.cluster.local', 'A');
    expect([u.rcode, u.flag_aa, addrs(u)]).toEqual(['NOERROR', true, [`A ${ip}`]]);
    expect((u.answers![0] as { ttl: number }).ttl).toBe(30);
    const [t1, t2, t3] = await tcpQueries(port, [queryPacket('web.prod.svc.cluster.local', 'A'), queryPacket('db.prod.svc.cluster.local', 'A'), queryPacket('nope.prod.svc.cluster.local', 'A')]);
    expect(addrs(t1!)).toEqual([`A ${ip}`]);
    expect(addrs(t2!)).toEqual(['A 10.244.1.5', 'A 10.244.2.6']);
    expect([t3!.rcode, t3!.authorities?.[0]?.type]).toEqual(['NXDOMAIN', 'SOA']);
    const ptr = await udpQuery(port, ip.split('.').reverse().join('.') + '.in-addr.arpa', 'PTR');
    expect(addrs(ptr)).toEqual(['PTR web.prod.svc.cluster.local']);
  });

  it('headless: ready endpoints, per-endpoint names, SRV with targets in Additional', async () => {
    expect(addrs(await udpQuery(port, 'db-1.db.prod.svc.cluster.local', 'A'))).toEqual(['A 10.244.2.6']);
    expect((await udpQuery(port, 'db-2.db.prod.svc.cluster.local', 'A')).rcode).toBe('NXDOMAIN');
    const srv = await udpQuery(port, '_mysql._tcp.db.prod.svc.cluster.local', 'SRV');
    expect((srv.answers ?? []).map((a) => (a as { data: { target: string; port: number } }).data).map((d) => `${d.port} ${d.target}`).sort()).toEqual(['3306 db-0.db.prod.svc.cluster.local', '3306 db-1.db.prod.svc.cluster.local']);
    expect((srv.additionals ?? []).filter((a) => a.type === 'A').length).toBe(2);
  });

  it('ExternalName: CNAME, and its target resolved through forward (the loopback upstream only)', async () => {
    const r = await udpQuery(port, 'ext.prod.svc.cluster.local', 'A');
    expect(addrs(r)).toEqual(['A 192.0.2.10', 'CNAME www.example.com']);
    expect(upstream.asked).toContain('A www.example.com');
  });

  it('TCP: answers in the order asked; a kept answer waits for an earlier one still being forwarded', async () => {
    const web = () => queryPacket('web.prod.svc.cluster.local', 'A');
    // Until the TCP answer for web is kept (a cache hit), then one forwarded name ahead of it on one connection.
    await tcpQueries(port, [web()]);
    await tcpQueries(port, [web()]);
    const got = await tcpQueries(port, [queryPacket('order-check.example', 'A'), web(), web()]);
    expect(got.map((p) => `${p.questions?.[0]?.name} ${p.rcode}`)).toEqual(['order-check.example NXDOMAIN', 'web.prod.svc.cluster.local NOERROR', 'web.prod.svc.cluster.local NOERROR']);
    expect(upstream.asked).toContain('A order-check.example');
  });

  it('UDP answers are truncated with TC at 512 bytes or the EDNS0 size; TCP carries all', async () => {
    const small = await udpRaw(port, queryPacket('big.prod.svc.cluster.local', 'A'));
    expect(small!.length).toBeLessThanOrEqual(512);
    expect(dnsPacket.decode(small!).flag_tc).toBe(true);
    const edns = await udpQuery(port, 'big.prod.svc.cluster.local', 'A', { udpSize: 4096 });
    expect([edns.flag_tc, edns.answers!.length]).toEqual([false, 60]);
    const [tcp] = await tcpQueries(port, [queryPacket('big.prod.svc.cluster.local', 'A')]);
    expect([tcp!.flag_tc, tcp!.answers!.length]).toEqual([false, 60]);
  });

  it('dig and nslookup read the answers', async () => {
    need('dig', 'nslookup');
    const a = await run('dig', ['@127.0.0.1', '-p', String(port), '+short', '+time=2', '+tries=1', 'db.prod.svc.cluster.local', 'A']);
    expect(a.stdout.trim().split('\n').sort()).toEqual(['10.244.1.5', '10.244.2.6']);
    const srv = await run('dig', ['@127.0.0.1', '-p', String(port), '+short', '+time=2', '+tries=1', '_http._tcp.web.prod.svc.cluster.local', 'SRV']);
    expect(srv.stdout.trim()).toBe('0 100 80 web.prod.svc.cluster.local.');
    const big = await run('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', '+noedns', 'big.prod.svc.cluster.local', 'A']);
    expect(big.stdout).toContain('Truncated, retrying in TCP mode');
    expect(big.stdout).toMatch(/ANSWER: 60,/);
    const ns = await run('nslookup', [`-port=${port}`, '-timeout=2', 'web.prod.svc.cluster.local', '127.0.0.1']);
    expect(ns.stdout).toMatch(/Name:\s+web\.prod\.svc\.cluster\.local/);
  });

  it('a new Service is resolvable within 1 s', async () => {
    const t0 = Date.now();
    const created = await svc('fresh', { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }] });
    // Asking before the watch event arrives would cache the NXDOMAIN for 30 s (cache 30, as CoreDNS): wait for the
    // server's own state, then ask once.
    await poll('fresh in the DNS server state', 1000, () => !!clusterState.service('prod', 'fresh'), 10);
    const value = await udpQuery(port, 'fresh.prod.svc.cluster.local', 'A');
    expect(addrs(value)).toEqual([`A ${created.spec.clusterIP}`]);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('health, ready and metrics (CoreDNS metric names)', async () => {
    const get = async (p: number, path: string) => {
      const r = await fetch(`http://127.0.0.1:${p}${path}`);
      return [r.status, await r.text()] as const;
    };
    expect(await get(ports.health, '/health')).toEqual([200, 'OK']);
    expect(await get(ports.ready, '/ready')).toEqual([200, 'OK']);
    const [st, m] = await get(ports.metrics, '/metrics');
    expect(st).toBe(200);
    expect(m).toMatch(/coredns_dns_requests_total\{server="dns:\/\/:0",zone="\.",view="",proto="udp",family="1",type="A"\} \d+/);
    expect(m).toMatch(/coredns_dns_responses_total\{server="dns:\/\/:0",zone="\.",view="",rcode="NXDOMAIN",plugin="kubernetes"\}/);
    expect(m).toContain('coredns_dns_request_duration_seconds_bucket');
    expect(m).toMatch(/coredns_cache_hits_total\{server="dns:\/\/:0",type="success"/);
    expect(m).toContain('coredns_plugin_enabled{server="dns://:0",zone=".",view="",name="kubernetes"} 1');
    expect(lines.some((l) => /^\[INFO\] 127\.0\.0\.1:\d+ - \d+ "A IN web\.prod\.svc\.cluster\.local\. udp \d+ false 512" NOERROR qr,aa,rd,ra \d+ [\d.]+s$/.test(l))).toBe(true);
  });

  it('bad packets get FORMERR / NOTIMP / REFUSED-class answers, never a crash; a fuzz of thousands', async () => {
    const good = queryPacket('web.prod.svc.cluster.local', 'A', { id: 777 });
    // Opcode STATUS (2): NOTIMP.
    const st = Buffer.from(good);
    st.writeUInt16BE((2 << 11) | 0x0100, 2);
    expect((dnsPacket.decode((await udpRaw(port, st))!) as { rcode?: string }).rcode).toBe('NOTIMP');
    // Two questions: FORMERR.
    const two = Buffer.from(good);
    two.writeUInt16BE(2, 4);
    expect((dnsPacket.decode((await udpRaw(port, two))!) as { rcode?: string }).rcode).toBe('FORMERR');
    // A header promising a question that is not there: FORMERR.
    expect((dnsPacket.decode((await udpRaw(port, good.subarray(0, 14)))!) as { rcode?: string }).rcode).toBe('FORMERR');
    // Class CH: NOTIMP.
    const ch = dnsPacket.encode({ type: 'query', id: 9, questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] });
    expect((dnsPacket.decode((await udpRaw(port, ch))!) as { rcode?: string }).rcode).toBe('NOTIMP');
    // AXFR: REFUSED.
    expect((await udpQuery(port, 'cluster.local', 'AXFR')).rcode).toBe('REFUSED');
    // A type nobody serves, in the zone: NODATA / NXDOMAIN as the name exists or not.
    expect((await udpQuery(port, 'web.prod.svc.cluster.local', 'UNKNOWN_65280')).rcode).toBe('NOERROR');

    const rnd = prng(12);
    const sane = new Set(['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED']);
    let answered = 0;
    const N = 4000;
    for (let i = 0; i < N; i++) {
      let pkt: Buffer;
      if (i % 2 === 0) {
        pkt = Buffer.alloc(Math.floor(rnd() * 600));
        for (let j = 0; j < pkt.length; j++) pkt[j] = Math.floor(rnd() * 256);
      } else {
        pkt = Buffer.from(good);
        const flips = 1 + Math.floor(rnd() * 6);
        for (let f = 0; f < flips; f++) pkt[Math.floor(rnd() * pkt.length)] = Math.floor(rnd() * 256);
        if (rnd() < 0.2) pkt = pkt.subarray(0, Math.floor(rnd() * pkt.length));
      }
      // In-process for speed (the same code path the sockets call); every 20th mutated query over the real UDP socket.
      const out = i % 20 === 1 ? await udpRaw(port, pkt, 150) : await server.handle(pkt, 'udp', 0, '127.0.0.1', 1);
      if (!out) continue;
      answered++;
      const d = dnsPacket.decode(out);
      expect(d.type).toBe('response');
      expect(sane.has((d as { rcode?: string }).rcode ?? '')).toBe(true);
      expect(out.length).toBeLessThanOrEqual(512);
    }
    expect(answered).toBeGreaterThan(N / 4);
    // Still serving.
    expect((await udpQuery(port, 'web.prod.svc.cluster.local', 'A')).rcode).toBe('NOERROR');
    expect(lines.filter((l) => l.includes('Recovered from panic'))).toEqual([]);
  });

  it('pods verified: a reload to `pods verified` starts the Pod informer; only a pod IP in its namespace answers', async () => {
    await ok('POST', '/api/v1/namespaces/prod/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const st = await api(h, 'PATCH', '/api/v1/namespaces/prod/pods/p1/status', { status: { podIP: '10.244.7.7', podIPs: [{ ip: '10.244.7.7' }] } }, { contentType: 'application/merge-patch+json' });
    expect(st.status).toBe(200);
    expect((await ok('GET', '/api/v1/namespaces/prod/pods/p1')).status?.podIP).toBe('10.244.7.7');
    const verified = corefile(ports).replace('pods insecure', 'pods verified');
    const r = await api(h, 'PATCH', '/api/v1/namespaces/kube-system/configmaps/coredns', { data: { Corefile: verified } }, { contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(200);
    await poll('pods verified applied', 10_000, async () => (await udpQuery(port, '10-244-9-9.prod.pod.cluster.local', 'A')).rcode === 'NXDOMAIN');
    // /ready waits for the Pod informer's first list; asking before could cache an NXDOMAIN for 30 s (cache 30).
    await poll('ready with the Pod informer synced', 10_000, async () => (await fetch(`http://127.0.0.1:${ports.ready}/ready`)).status === 200);
    const { value } = await poll('the pod IP answered', 10_000, async () => {
      const a = await udpQuery(port, '10-244-7-7.prod.pod.cluster.local', 'A');
      return a.answers?.length ? a : undefined;
    });
    expect(addrs(value)).toEqual(['A 10.244.7.7']);
    expect((await udpQuery(port, '10-244-7-7.default.pod.cluster.local', 'A')).rcode).toBe('NXDOMAIN');
  });

  it('a ConfigMap edit is applied without a restart; a bad one is logged with its line and the old config keeps serving', async () => {
    const api2 = async (name: string) => udpQuery(port, name, 'A');
    // Through `api` with a merge patch content type.
    const patch = async (text: string) => {
      const r = await api(h, 'PATCH', '/api/v1/namespaces/kube-system/configmaps/coredns', { data: { Corefile: text } }, { contentType: 'application/merge-patch+json' });
      if (r.status !== 200) throw new Error(`patch: ${r.status} ${r.body}`);
    };
    await patch(corefile({ ...ports, extra: '    hosts {\n       10.1.2.3 legacy.corp.example\n       fallthrough\n    }\n' }));
    const { value } = await poll('hosts entry served after the ConfigMap edit', 10_000, async () => {
      const r = await api2('legacy.corp.example');
      return r.rcode === 'NOERROR' && r.answers?.length ? r : undefined;
    });
    expect(addrs(value)).toEqual(['A 10.1.2.3']);
    expect(lines).toContain('[INFO] Reloading complete');

    // An unknown plugin on line 20: logged, the running configuration stays.
    await patch(corefile({ ...ports, extra: '    hosts {\n       10.1.2.3 legacy.corp.example\n    }\n    bogus\n' }));
    await poll('the failed reload logged', 10_000, () => lines.some((l) => l.includes('Restart failed')), 50);
    expect(lines.find((l) => l.includes('Restart failed'))).toBe("[ERROR] Restart failed: Corefile:20 - Error during parsing: Unknown directive 'bogus'");
    expect(addrs(await api2('legacy.corp.example'))).toEqual(['A 10.1.2.3']);
    expect(addrs(await api2('web.prod.svc.cluster.local')).length).toBe(1);

    // A Corefile serving cluster.local only: other zones are REFUSED.
    await patch(`cluster.local:0 {\n    kubernetes\n    reload 2s\n}\n`);
    await poll('REFUSED outside the served zones', 10_000, async () => (await udpQuery(port, 'www.example.com', 'A')).rcode === 'REFUSED');
    expect((await udpQuery(port, 'web.prod.svc.cluster.local', 'A')).rcode).toBe('NOERROR');
  });
});

describe('kubelab coredns --conf FILE', () => {
  it('serves the file and applies an edit at the reload interval, without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelab-coredns-conf-'));
    const file = join(dir, 'Corefile');
    const ac = new AbortController();
    const lines: string[] = [];
    let running: Promise<void> | undefined;
    try {
      writeFileSync(file, `. {\n    hosts {\n       10.9.9.1 one.example\n    }\n    reload 2s\n}\n`);
      const port = await new Promise<number>((resolve, reject) => {
        running = runCoredns(['--kubeconfig', h.kubeconfig, '--conf', file, '--dns-port', '0', '--bind-address', '127.0.0.1'], {
          signal: ac.signal,
          log: (l) => lines.push(l),
          onServing: (s) => resolve(s.port(0)!),
        });
        running.catch(reject);
      });
      expect(addrsOf(await udpQuery(port, 'one.example', 'A'))).toEqual(['A 10.9.9.1']);
      writeFileSync(file, `. {\n    hosts {\n       10.9.9.1 one.example\n       10.9.9.2 two.example\n    }\n    reload 2s\n}\n`);
      const { ms } = await poll('the edited file served', 8000, async () => (await udpQuery(port, 'two.example', 'A')).answers?.length ? true : undefined, 200);
      expect(ms).toBeLessThan(8000);
      expect(lines).toContain('[INFO] Reloading complete');
    } finally {
      ac.abort();
      await running?.catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kubelab coredns: kept answers follow the API', () => {
  it('an answer sent again and again from the fast path changes within 1 s of a Service create and delete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelab-coredns-kept-'));
    const file = join(dir, 'Corefile');
    const ac = new AbortController();
    let running: Promise<void> | undefined;
    try {
      await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kept' } });
      writeFileSync(file, `cluster.local {\n    kubernetes cluster.local\n}\n`);
      const port = await new Promise<number>((resolve, reject) => {
        running = runCoredns(['--kubeconfig', h.kubeconfig, '--conf', file, '--dns-port', '0', '--bind-address', '127.0.0.1'], {
          signal: ac.signal,
          log: () => undefined,
          onServing: (s) => resolve(s.port(0)!),
        });
        running.catch(reject);
      });
      const name = 'late.kept.svc.cluster.local';
      await poll('the namespace in the DNS server', 5000, async () => ((await udpQuery(port, name, 'A')).rcode === 'NXDOMAIN' ? true : undefined), 20);
      // Asked again with other IDs and letter cases: answered from the kept bytes, each echoing its own question.
      for (const n of [name, 'LATE.kept.svc.cluster.local', 'Late.Kept.Svc.Cluster.Local']) {
        const r = await udpQuery(port, n, 'A');
        expect([r.rcode, r.questions?.[0]?.name]).toEqual(['NXDOMAIN', n]);
      }
      const created = await ok('POST', '/api/v1/namespaces/kept/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'late' }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } });
      const up = await poll('the new Service answered', 1000, async () => ((await udpQuery(port, name, 'A')).answers?.length ? true : undefined), 5);
      expect(up.ms).toBeLessThan(1000);
      for (let i = 0; i < 3; i++) expect(addrsOf(await udpQuery(port, name, 'A'))).toEqual([`A ${created.spec.clusterIP}`]);
      await ok('DELETE', '/api/v1/namespaces/kept/services/late');
      const down = await poll('the deleted Service gone', 1000, async () => ((await udpQuery(port, name, 'A')).rcode === 'NXDOMAIN' ? true : undefined), 5);
      expect(down.ms).toBeLessThan(1000);
    } finally {
      ac.abort();
      await running?.catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function addrsOf(p: dnsPacket.DecodedPacket): string[] {
  return (p.answers ?? []).map((a) => `${a.type} ${String((a as { data: unknown }).data)}`).sort();
}
