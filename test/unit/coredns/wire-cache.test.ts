/**
 * The fast path (wire-cache.ts, responder.ts): an answer kept as bytes is sent again byte for byte but for the ID and
 * the question's letter case, only while it is what the full path would answer; every other packet takes the full
 * path. The Responder is driven directly (no sockets), with the cache plugin's clock injected.
 */
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../../../addons/coredns/cluster-state.js';
import { loadCorefile } from '../../../addons/coredns/config.js';
import { DnsMetrics } from '../../../addons/coredns/metrics.js';
import { Responder } from '../../../addons/coredns/responder.js';
import { BoundedMap, setTtls, patchAnswer, ttlOffsets, wireName, wireQuestion } from '../../../addons/coredns/wire-cache.js';
import { queryPacket } from '../../support/dns.js';
import { prng } from '../../support/prng.js';
import { cluster, fmt } from './fixtures.js';

const BARE = `cluster.local:53 in-addr.arpa:53 {\n  kubernetes cluster.local in-addr.arpa ip6.arpa {\n    pods insecure\n  }\n}\n`;
const KUBEADM = `cluster.local:53 in-addr.arpa:53 {\n  kubernetes cluster.local in-addr.arpa ip6.arpa {\n    pods insecure\n    ttl 30\n  }\n  cache 30\n  loadbalance\n}\n`;

function setup(corefile: string, o: { state?: ClusterState; now?: () => number; log?: string[]; wireCapacity?: number } = {}) {
  const state = o.state ?? cluster();
  const metrics = new DnsMetrics();
  const deps = {
    state,
    metrics,
    now: o.now,
    log: (l: string) => o.log?.push(l),
    readFile: () => undefined,
    nsAddresses: () => ['10.96.0.10'],
    onLoop: () => undefined,
    wireCapacity: o.wireCapacity,
  };
  const responder = new Responder(loadCorefile(corefile), deps);
  /** A Responder of the same configuration and state that has kept nothing: what the full path answers. */
  const fresh = () => new Responder(loadCorefile(corefile), deps);
  return { state, metrics, responder, fresh };
}

/** Ask and say which path answered: `fast` (a Buffer at once) or `full` (a promise). */
async function ask(r: Responder, pkt: Buffer, proto: 'udp' | 'tcp' = 'udp'): Promise<{ path: 'fast' | 'full'; out: Buffer | undefined }> {
  const res = r.respond(pkt, proto, 53, '10.244.1.9', 40000);
  if (Buffer.isBuffer(res)) return { path: 'fast', out: res };
  return { path: 'full', out: await res };
}

const decode = (b: Buffer | undefined): DecodedPacket & { rcode?: string } => dnsPacket.decode(b!);
const withId = (b: Buffer, id: number) => {
  const c = Buffer.from(b);
  c.writeUInt16BE(id, 0);
  return c;
};

describe('wireQuestion: the key of a plain query', () => {
  const base = queryPacket('web.prod.svc.cluster.local', 'A', { id: 1 });
  const keyOf = (b: Buffer) => wireQuestion(b)?.key;

  it('ignores the ID and the name case; everything else in the packet is part of the key', () => {
    expect(keyOf(base)).toBeDefined();
    expect(keyOf(queryPacket('web.prod.svc.cluster.local', 'A', { id: 2 }))).toBe(keyOf(base));
    expect(keyOf(queryPacket('WeB.PROD.svc.Cluster.Local', 'A', { id: 3 }))).toBe(keyOf(base));
    const others = [
      queryPacket('web.prod.svc.cluster.local', 'AAAA', { id: 1 }),
      queryPacket('web.prod.svc.cluster.local', 'A', { id: 1, rd: false }),
      queryPacket('web.prod.svc.cluster.local', 'A', { id: 1, udpSize: 1232 }),
      queryPacket('web.prod.svc.cluster.local', 'A', { id: 1, udpSize: 4096 }),
      queryPacket('db.prod.svc.cluster.local', 'A', { id: 1 }),
      dnsPacket.encode({ type: 'query', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 'web.prod.svc.cluster.local', type: 'A', class: 'IN' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: dnsPacket.DNSSEC_OK, flag_do: true, options: [] }] }),
      dnsPacket.encode({ type: 'query', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 'web.prod.svc.cluster.local', type: 'A', class: 'CH' }] }),
    ];
    const keys = new Set([keyOf(base), ...others.map(keyOf)]);
    expect(keys.size).toBe(others.length + 1);
  });

  it('the question name as written, for the log line', () => {
    const q = queryPacket('WeB.Prod.svc.cluster.local', 'A');
    expect(wireName(q, wireQuestion(q)!.nameEnd)).toBe('WeB.Prod.svc.cluster.local.');
    const root = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: '.', type: 'NS', class: 'IN' }] });
    expect(wireName(root, wireQuestion(root)!.nameEnd)).toBe('.');
  });

  const mutate = (f: (b: Buffer) => void) => {
    const b = Buffer.from(base);
    f(b);
    return b;
  };
  const notPlain: [string, Buffer][] = [
    ['a response (QR)', mutate((b) => (b[2]! |= 0x80))],
    ['opcode NOTIFY', mutate((b) => (b[2]! |= 4 << 3))],
    ['two questions', mutate((b) => b.writeUInt16BE(2, 4))],
    ['no question', mutate((b) => b.writeUInt16BE(0, 4))],
    ['an answer record', mutate((b) => b.writeUInt16BE(1, 6))],
    ['an authority record', mutate((b) => b.writeUInt16BE(1, 8))],
    ['two additional records', mutate((b) => b.writeUInt16BE(2, 10))],
    ['a compression pointer', mutate((b) => (b[12] = 0xc0))],
    ['a label length past the end', mutate((b) => (b[12] = 63))],
    ['a non-ASCII byte', mutate((b) => (b[13] = 0xe9))],
    ['a dot inside a label', mutate((b) => (b[14] = 0x2e))],
    ['a space', mutate((b) => (b[14] = 0x20))],
    ['no type and class', base.subarray(0, base.length - 4)],
    ['a runt', base.subarray(0, 11)],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [what, pkt] of notPlain) it(`${what}: no key (the full path decides)`, () => expect(wireQuestion(pkt)).toBeUndefined());
});

describe('patchAnswer and BoundedMap', () => {
  it('copies the ID and the question name bytes, nothing else', () => {
    const asked = queryPacket('WEB.prod.svc.cluster.local', 'A', { id: 0xbeef });
    const kept = dnsPacket.encode({ type: 'response', id: 7, flags: 0x8180, questions: [{ name: 'web.prod.svc.cluster.local', type: 'A', class: 'IN' }], answers: [{ type: 'A', name: 'web.prod.svc.cluster.local', ttl: 5, data: '10.96.0.20' }] });
    const out = patchAnswer(kept, asked, wireQuestion(asked)!.nameEnd);
    const d = dnsPacket.decode(out);
    expect(d.id).toBe(0xbeef);
    expect(d.questions?.[0]?.name).toBe('WEB.prod.svc.cluster.local');
    expect(d.answers?.[0]?.name).toBe('web.prod.svc.cluster.local');
    expect(out.subarray(2, 12)).toEqual(kept.subarray(2, 12));
    expect(out.subarray(wireQuestion(asked)!.nameEnd)).toEqual(kept.subarray(wireQuestion(asked)!.nameEnd));
  });

  it('ttlOffsets finds every TTL but the OPT record\'s; setTtls sets them to the seconds left', () => {
    const msg = dnsPacket.encode({
      type: 'response',
      id: 1,
      flags: 0x8180,
      questions: [{ name: 'db.prod.svc.cluster.local', type: 'SRV', class: 'IN' }],
      answers: [
        { type: 'SRV', name: 'db.prod.svc.cluster.local', ttl: 30, data: { priority: 0, weight: 50, port: 3306, target: 'db-0.db.prod.svc.cluster.local' } },
        { type: 'SRV', name: 'db.prod.svc.cluster.local', ttl: 7, data: { priority: 0, weight: 50, port: 3306, target: 'db-1.db.prod.svc.cluster.local' } },
      ],
      authorities: [{ type: 'SOA', name: 'cluster.local', ttl: 30, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 } }],
      additionals: [
        { type: 'A', name: 'db-0.db.prod.svc.cluster.local', ttl: 30, data: '10.244.1.5' },
        { type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: dnsPacket.DNSSEC_OK, flag_do: true, options: [] },
      ],
    });
    const offs = ttlOffsets(msg)!;
    expect(offs).toHaveLength(4);
    setTtls(msg, offs, 12);
    const d = dnsPacket.decode(msg);
    const ttls = (rs: dnsPacket.Answer[] | undefined) => (rs ?? []).map((r) => (r.type === 'OPT' ? `OPT do=${r.flag_do}` : r.ttl));
    expect([ttls(d.answers), ttls(d.authorities), ttls(d.additionals)]).toEqual([[12, 12], [12], [12, 'OPT do=true']]);
    expect((d.authorities![0] as { data: { minimum: number } }).data.minimum).toBe(30);
    expect(ttlOffsets(msg.subarray(0, msg.length - 1))).toBeUndefined();
    expect(ttlOffsets(Buffer.concat([msg, Buffer.from([0])]))).toBeUndefined();
  });

  it('BoundedMap drops the oldest entry when full', () => {
    const m = new BoundedMap<number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.set('c', 3);
    expect([m.get('a'), m.get('b'), m.get('c'), m.size]).toEqual([undefined, 2, 3, 2]);
  });
});

describe('Responder: kept answers', () => {
  it('a kept answer is byte-identical to the full path answer but for the ID', async () => {
    const { responder, fresh } = setup(BARE);
    const names: [string, string][] = [
      ['web.prod.svc.cluster.local', 'A'],
      ['db.prod.svc.cluster.local', 'A'],
      ['_mysql._tcp.db.prod.svc.cluster.local', 'SRV'],
      ['nope.prod.svc.cluster.local', 'A'],
      ['web.prod.svc.cluster.local', 'AAAA'],
      ['20.0.96.10.in-addr.arpa', 'PTR'],
      ['cluster.local', 'SOA'],
    ];
    for (const [name, type] of names) {
      const first = await ask(responder, queryPacket(name, type, { id: 100 }));
      expect(first.path).toBe('full');
      const second = await ask(responder, queryPacket(name, type, { id: 200 }));
      expect(second.path, `${type} ${name}`).toBe('fast');
      expect(second.out!.readUInt16BE(0)).toBe(200);
      expect(withId(second.out!, 100)).toEqual(first.out);
      const full = await ask(fresh(), queryPacket(name, type, { id: 200 }));
      expect(second.out).toEqual(full.out);
    }
  });

  it('echoes the question as the client wrote it (0x20), answers as the full path does', async () => {
    const { responder, fresh } = setup(BARE);
    await ask(responder, queryPacket('web.prod.svc.cluster.local', 'A', { id: 1 }));
    const mixed = queryPacket('wEb.PrOd.SvC.cluster.LOCAL', 'A', { id: 2 });
    const got = await ask(responder, mixed);
    expect(got.path).toBe('fast');
    expect(decode(got.out).questions?.[0]?.name).toBe('wEb.PrOd.SvC.cluster.LOCAL');
    expect(decode(got.out).answers?.map(fmt)).toEqual(['web.prod.svc.cluster.local. 5 A 10.96.0.20']);
    expect(got.out).toEqual((await ask(fresh(), mixed)).out);
  });

  it('any change of the cluster state invalidates what was kept', async () => {
    const { responder, state } = setup(BARE);
    const q = () => queryPacket('web.prod.svc.cluster.local', 'A');
    await ask(responder, q());
    expect((await ask(responder, q())).path).toBe('fast');
    state.upsertService({ metadata: { namespace: 'prod', name: 'web' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.99', clusterIPs: ['10.96.0.99'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    const after = await ask(responder, q());
    expect(after.path).toBe('full');
    expect(decode(after.out).answers?.map(fmt)).toEqual(['web.prod.svc.cluster.local. 5 A 10.96.0.99']);
    expect((await ask(responder, q())).path).toBe('fast');
    state.deleteService('prod', 'web');
    const gone = await ask(responder, q());
    expect([gone.path, decode(gone.out).rcode]).toEqual(['full', 'NXDOMAIN']);
    // A namespace or pod change counts too (NXDOMAIN vs NODATA, pod records).
    await ask(responder, queryPacket('new.svc.cluster.local', 'A'));
    expect((await ask(responder, queryPacket('new.svc.cluster.local', 'A'))).path).toBe('fast');
    state.upsertNamespace('new');
    const ns = await ask(responder, queryPacket('new.svc.cluster.local', 'A'));
    expect([ns.path, decode(ns.out).rcode]).toEqual(['full', 'NOERROR']);
  });

  it('UDP sizes: 512 bytes or the EDNS0 size with TC, TCP whole; each kept apart', async () => {
    const { responder, state } = setup(BARE);
    state.upsertService({ metadata: { namespace: 'prod', name: 'big' }, spec: { type: 'ClusterIP', clusterIP: 'None', ports: [{ name: 'x', port: 1, protocol: 'TCP' }] } });
    state.upsertSlice({
      metadata: { namespace: 'prod', name: 'big-1', labels: { 'kubernetes.io/service-name': 'big' } },
      addressType: 'IPv4',
      endpoints: Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.244.9.${i + 1}`], conditions: { ready: true } })),
      ports: [{ name: 'x', port: 1, protocol: 'TCP' }],
    });
    const name = 'big.prod.svc.cluster.local';
    const cases: [string, Buffer, 'udp' | 'tcp', number, boolean][] = [
      ['no EDNS', queryPacket(name, 'A'), 'udp', 512, true],
      ['EDNS 600', queryPacket(name, 'A', { udpSize: 600 }), 'udp', 600, true],
      ['EDNS 4096', queryPacket(name, 'A', { udpSize: 4096 }), 'udp', 4096, false],
      ['TCP', queryPacket(name, 'A'), 'tcp', 65535, false],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [what, pkt, proto, limit, tc] of cases) {
        const r = await ask(responder, withId(pkt, 1000 + round), proto);
        expect(r.path, what).toBe(round === 0 ? 'full' : 'fast');
        expect(r.out!.length, what).toBeLessThanOrEqual(limit);
        expect(!!(decode(r.out).flags! & dnsPacket.TRUNCATED_RESPONSE), what).toBe(tc);
        if (!tc) expect(decode(r.out).answers?.length, what).toBe(60);
      }
    }
  });

  it('malformed or unusual packets still get the full path: FORMERR, NOTIMP, BADVERS, dropped', async () => {
    const { responder } = setup(BARE);
    const good = queryPacket('web.prod.svc.cluster.local', 'A');
    await ask(responder, good);
    expect((await ask(responder, good)).path).toBe('fast');
    const rcodeOf = (b: Buffer | undefined) => (b ? b.readUInt16BE(2) & 0xf : 'dropped');
    const bad = (f: (b: Buffer) => void) => {
      const b = Buffer.from(good);
      f(b);
      return b;
    };
    const twoOpt = dnsPacket.encode({ type: 'query', id: 9, questions: [{ name: 'web.prod.svc.cluster.local', type: 'A', class: 'IN' }], additionals: [0, 1].map(() => ({ type: 'OPT' as const, name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] })) });
    const ednsV1 = dnsPacket.encode({ type: 'query', id: 9, questions: [{ name: 'web.prod.svc.cluster.local', type: 'A', class: 'IN' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 1, flags: 0, flag_do: false, options: [] }] });
    const table: [string, Buffer, number | 'dropped'][] = [
      ['label length past the end', bad((b) => (b[12] = 63)), 1],
      ['two questions', bad((b) => b.writeUInt16BE(2, 4)), 1],
      ['a response', bad((b) => (b[2]! |= 0x80)), 'dropped'],
      ['opcode STATUS', bad((b) => (b[2]! |= 2 << 3)), 4],
      ['two OPT records', twoOpt, 1],
      ['EDNS version 1 (BADVERS: 0 in the header)', ednsV1, 0],
      ['class CH', dnsPacket.encode({ type: 'query', id: 9, questions: [{ name: 'web.prod.svc.cluster.local', type: 'A', class: 'CH' }] }), 4],
      ['truncated question', good.subarray(0, good.length - 3), 1],
    ];
    for (const [what, pkt, rcode] of table) {
      for (let i = 0; i < 2; i++) {
        const r = await ask(responder, pkt);
        expect(r.path, what).toBe('full');
        expect(rcodeOf(r.out), what).toBe(rcode);
      }
    }
  });

  it('the cache plugin: TTLs count down per second as CoreDNS does; hits counted on the fast path too', async () => {
    let now = 5_000_000;
    const { responder, metrics } = setup(KUBEADM, { now: () => now });
    const q = () => queryPacket('web.prod.svc.cluster.local', 'A');
    const ttl = (r: { out: Buffer | undefined }) => (decode(r.out).answers?.[0] as { ttl?: number } | undefined)?.ttl;
    const miss = await ask(responder, q());
    expect([miss.path, ttl(miss)]).toEqual(['full', 30]);
    const hit = await ask(responder, q());
    expect([hit.path, ttl(hit)]).toEqual(['full', 30]);
    now += 999;
    const fast = await ask(responder, q());
    expect([fast.path, ttl(fast)]).toEqual(['fast', 30]);
    now += 1;
    // A second later: the kept bytes with every TTL counted down, as the cache plugin's own answer.
    const older = await ask(responder, q());
    expect([older.path, ttl(older)]).toEqual(['fast', 29]);
    now += 10_000;
    expect([(await ask(responder, q())).path, ttl(await ask(responder, q()))]).toEqual(['fast', 19]);
    now -= 10_000;
    now += 500;
    expect([(await ask(responder, q())).path, ttl(await ask(responder, q()))]).toEqual(['fast', 29]);
    now += 28_500;
    const expired = await ask(responder, q());
    expect([expired.path, ttl(expired)]).toEqual(['full', 30]);
    const ck = 'dns://:53|cluster.local.,in-addr.arpa.';
    expect(metrics.cacheRequests.value(ck)).toBe(9);
    expect(metrics.cacheHits.value(`${ck}|success`)).toBe(7);
    expect(metrics.cacheMisses.value(ck)).toBe(2);
    const responses = (plugin: string) => metrics.responses.value(`53|cluster.local.|NOERROR|${plugin}`);
    expect([responses('cache'), responses('kubernetes')]).toEqual([7, 2]);
  });

  it('loadbalance shuffles: answers with several addresses are never kept', async () => {
    const { responder } = setup(KUBEADM);
    const q = () => queryPacket('db.prod.svc.cluster.local', 'A');
    for (let i = 0; i < 4; i++) expect((await ask(responder, q())).path).toBe('full');
    // One address: nothing to shuffle, kept once the cache has it.
    await ask(responder, queryPacket('web.prod.svc.cluster.local', 'A'));
    await ask(responder, queryPacket('web.prod.svc.cluster.local', 'A'));
    expect((await ask(responder, queryPacket('web.prod.svc.cluster.local', 'A'))).path).toBe('fast');
  });

  it('an ExternalName (its target resolved again) is never kept', async () => {
    const { responder } = setup(BARE);
    for (let i = 0; i < 3; i++) expect((await ask(responder, queryPacket('ext.prod.svc.cluster.local', 'A'))).path).toBe('full');
  });

  it('metrics and the log see every query, on both paths', async () => {
    const log: string[] = [];
    const { responder, metrics } = setup(BARE.replace('{\n', '{\n  log\n'), { log });
    for (let i = 0; i < 3; i++) await ask(responder, queryPacket(i === 2 ? 'Web.prod.svc.cluster.local' : 'web.prod.svc.cluster.local', 'A', { id: 10 + i }));
    expect(metrics.requests.value('53|cluster.local.|udp|1|A')).toBe(3);
    expect(metrics.responses.value('53|cluster.local.|NOERROR|kubernetes')).toBe(3);
    expect(log).toHaveLength(3);
    const shape = (l: string) => l.replace(/ [\d.]+s$/, ' Ds');
    expect(shape(log[1]!)).toBe('[INFO] 10.244.1.9:40000 - 11 "A IN web.prod.svc.cluster.local. udp 44 false 512" NOERROR qr,aa,rd,ra 86 Ds');
    expect(shape(log[2]!)).toBe('[INFO] 10.244.1.9:40000 - 12 "A IN Web.prod.svc.cluster.local. udp 44 false 512" NOERROR qr,aa,rd,ra 86 Ds');
    expect(shape(log[0]!)).toBe(shape(log[1]!).replace(' 11 ', ' 10 '));
  });

  it('fuzz: the same answers, byte for byte, as a twin that keeps nothing (mutated and re-cased queries, a clock that moves)', async () => {
    let now = 9_000_000;
    const state = cluster();
    const { responder } = setup(KUBEADM.replace('loadbalance', 'log'), { state, now: () => now });
    const twin = setup(KUBEADM.replace('loadbalance', 'log'), { state, now: () => now, wireCapacity: 0 }).responder;
    const seeds: Buffer[] = [
      queryPacket('web.prod.svc.cluster.local', 'A'),
      queryPacket('db-0.db.prod.svc.cluster.local', 'A', { udpSize: 1232 }),
      queryPacket('_http._tcp.web.prod.svc.cluster.local', 'SRV'),
      queryPacket('nope.prod.svc.cluster.local', 'AAAA', { rd: false }),
    ];
    const rnd = prng(20261204);
    let fast = 0;
    for (let i = 0; i < 3000; i++) {
      now += Math.floor(rnd() * 30); // about 45 s in all: TTL seconds and cache expiry crossed
      if (i === 1500) state.upsertNamespace('late');
      let pkt = Buffer.from(seeds[i % seeds.length]!);
      if (rnd() < 0.5) {
        // Flip the case of some name letters: the same key.
        for (let j = 13; j < pkt.length - 4; j++) if (rnd() < 0.3 && /[a-z]/i.test(String.fromCharCode(pkt[j]!))) pkt[j]! ^= 0x20;
      } else if (rnd() < 0.5) {
        const flips = 1 + Math.floor(rnd() * 3);
        for (let f = 0; f < flips; f++) pkt[Math.floor(rnd() * pkt.length)] = Math.floor(rnd() * 256);
        if (rnd() < 0.2) pkt = pkt.subarray(0, Math.floor(rnd() * pkt.length));
      }
      const got = await ask(responder, pkt);
      const want = await ask(twin, pkt);
      expect(want.path).toBe('full');
      if (got.path === 'fast') fast++;
      expect(got.out, `packet ${pkt.toString('hex')}`).toEqual(want.out);
    }
    expect(fast).toBeGreaterThan(1000);
  });
});
