/** hosts, rewrite, cache and the wire rules (accept, truncation), each as a pure function. */
import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { DnsCache } from '../../../addons/coredns/cache.js';
import { loadCorefile } from '../../../addons/coredns/config.js';
import { hostsTable, resolveHosts } from '../../../addons/coredns/hosts.js';
import { addressFromReverse, compressIPv6, reverseName } from '../../../addons/coredns/names.js';
import { buildResponse, checkHeader, ednsReject, rejectPacket, udpLimit } from '../../../addons/coredns/packet.js';
import { a, isReply, reply, soa } from '../../../addons/coredns/records.js';
import { reverseAnswers, rewriteName } from '../../../addons/coredns/rewrite.js';
import { fmt } from './fixtures.js';

describe('names', () => {
  it('reverse names both ways, IPv6 compressed', () => {
    expect(reverseName('10.96.0.1')).toBe('1.0.96.10.in-addr.arpa.');
    expect(addressFromReverse('1.0.96.10.in-addr.arpa.')).toBe('10.96.0.1');
    expect(addressFromReverse('300.0.96.10.in-addr.arpa.')).toBeUndefined();
    expect(addressFromReverse('0.96.10.in-addr.arpa.')).toBeUndefined();
    expect(addressFromReverse(reverseName('fd00::10'))).toBe('fd00::10');
    expect(compressIPv6('fd00:0:0:0:0:0:0:10')).toBe('fd00::10');
  });
});

describe('hosts plugin', () => {
  const [cfg] = loadCorefile('. {\n hosts /etc/hosts.test {\n  10.0.0.5 db.example.org db\n  fd00::5 db.example.org\n  ttl 60\n }\n}\n');
  const file = '127.0.0.1 localhost\n# c\n10.0.0.9 files.example.org # trailing\n';
  const t = hostsTable(cfg!.hosts!, file);
  const ask = (name: string, type: string, c = cfg!.hosts!) => resolveHosts(c, t, { name, type });

  it('inline entries and the file answer A, AAAA and PTR', () => {
    const r = ask('db.example.org.', 'A');
    expect(isReply(r) && r.answers.map(fmt)).toEqual(['db.example.org. 60 A 10.0.0.5']);
    const r6 = ask('db.example.org.', 'AAAA');
    expect(isReply(r6) && r6.answers.map(fmt)).toEqual(['db.example.org. 60 AAAA fd00::5']);
    const f = ask('files.example.org.', 'A');
    expect(isReply(f) && f.answers.map(fmt)).toEqual(['files.example.org. 60 A 10.0.0.9']);
    const p = ask('5.0.0.10.in-addr.arpa.', 'PTR');
    expect(isReply(p) && p.answers.map(fmt)).toEqual(['5.0.0.10.in-addr.arpa. 60 PTR db.example.org.', '5.0.0.10.in-addr.arpa. 60 PTR db.']);
  });
  it('a known name without that type is NODATA; an unknown one SERVFAIL, or the next plugin with fallthrough', () => {
    const mx = ask('db.example.org.', 'MX');
    expect(isReply(mx) && [mx.rcode, mx.answers.length]).toEqual(['NOERROR', 0]);
    const nx = ask('nope.example.org.', 'A');
    expect(isReply(nx) && nx.rcode).toBe('SERVFAIL');
    expect(isReply(ask('nope.example.org.', 'A', { ...cfg!.hosts!, fallthrough: [] }))).toBe(false);
    expect(isReply(ask('9.9.9.9.in-addr.arpa.', 'PTR'))).toBe(false);
  });
});

describe('rewrite plugin', () => {
  const [cfg] = loadCorefile(
    '. {\n rewrite name exact foo.example.com web.prod.svc.cluster.local\n rewrite name prefix old- new-\n rewrite name suffix .corp .svc.cluster.local\n rewrite name substring .legacy. .prod.\n rewrite name regex (.*)\\.dbs\\.example\\.$ {1}.db.prod.svc.cluster.local answer name (.*)\\.db\\.prod\\.svc\\.cluster\\.local\\.$ {1}.dbs.example\n}\n',
  );
  const table: [string, string][] = [
    ['foo.example.com.', 'web.prod.svc.cluster.local.'],
    ['old-web.prod.svc.cluster.local.', 'new-web.prod.svc.cluster.local.'],
    ['web.prod.corp.', 'web.prod.svc.cluster.local.'],
    ['web.legacy.svc.cluster.local.', 'web.prod.svc.cluster.local.'],
    ['db-0.dbs.example.', 'db-0.db.prod.svc.cluster.local.'],
    ['other.example.com.', 'other.example.com.'],
  ];
  for (const [from, to] of table) it(`${from} -> ${to}`, () => expect(rewriteName(cfg!.rewrite, from).name).toBe(to));

  it('answers are renamed back to the question the client asked', () => {
    const rw = rewriteName(cfg!.rewrite, 'foo.example.com.');
    expect(reverseAnswers([a('web.prod.svc.cluster.local.', '10.96.0.20', 5)], 'foo.example.com.', rw.name, rw.applied).map(fmt)).toEqual(['foo.example.com. 5 A 10.96.0.20']);
    const rx = rewriteName(cfg!.rewrite, 'db-0.dbs.example.');
    expect(reverseAnswers([a('db-0.db.prod.svc.cluster.local.', '10.244.1.5', 5)], 'db-0.dbs.example.', rx.name, rx.applied).map(fmt)).toEqual(['db-0.dbs.example. 5 A 10.244.1.5']);
  });
});

describe('cache plugin', () => {
  const [cfg] = loadCorefile('. {\n cache 30\n}\n');
  it('keeps answers for min(TTL, cap) and counts the time down; denials by their SOA', () => {
    let now = 1_000_000;
    const c = new DnsCache(cfg!.cache!, () => now);
    const q = { name: 'web.prod.svc.cluster.local.', type: 'A' };
    c.put(q, reply('kubernetes', 'NOERROR', [a(q.name, '10.96.0.20', 300)]));
    now += 10_000;
    expect(c.get(q)!.reply.answers.map(fmt)).toEqual(['web.prod.svc.cluster.local. 20 A 10.96.0.20']);
    now += 20_000;
    expect(c.get(q)).toBeUndefined();
    const nx = { name: 'nope.prod.svc.cluster.local.', type: 'A' };
    c.put(nx, reply('kubernetes', 'NXDOMAIN', [], { authorities: [soa('cluster.local.', 5, 1)] }));
    expect(c.get(nx)?.kind).toBe('denial');
    now += 5_000;
    expect(c.get(nx)).toBeUndefined();
    c.put(q, reply('forward', 'SERVFAIL'));
    expect(c.get(q)).toBeUndefined();
  });

  it('a hit carries the seconds left on every record, as CoreDNS item.toMsg (a TTL 0 answer is kept 5 s and says so)', () => {
    let now = 2_000_000;
    const c = new DnsCache(cfg!.cache!, () => now);
    const q = { name: 'web.prod.svc.cluster.local.', type: 'SRV' };
    c.put(q, reply('kubernetes', 'NOERROR', [a('web.prod.svc.cluster.local.', '10.96.0.20', 0)], { additionals: [a('x.prod.svc.cluster.local.', '10.244.1.1', 300)] }));
    now += 2_000;
    const hit = c.get(q)!;
    expect([...hit.reply.answers, ...hit.reply.additionals].map(fmt)).toEqual(['web.prod.svc.cluster.local. 3 A 10.96.0.20', 'x.prod.svc.cluster.local. 3 A 10.244.1.1']);
    expect(hit.left(now + 1_000)).toBe(2);
    expect(hit.expires).toBe(2_005_000);
  });
});

describe('wire rules', () => {
  const query = (over: Partial<dnsPacket.Packet> = {}, opt?: number) =>
    dnsPacket.encode({
      type: 'query',
      id: 4242,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name: 'db.prod.svc.cluster.local', type: 'A', class: 'IN' }],
      ...(opt ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: opt, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] } : {}),
      ...over,
    });

  it('accepts queries; drops responses and runts; NOTIMP for other opcodes; FORMERR for bad counts', () => {
    expect(checkHeader(query())).toEqual({ action: 'accept' });
    expect(checkHeader(Buffer.alloc(5))).toEqual({ action: 'drop' });
    expect(checkHeader(query({ type: 'response' }))).toEqual({ action: 'drop' });
    expect(checkHeader(query({ flags: 2 << 11 }))).toEqual({ action: 'reject', rcode: 'NOTIMP' });
    expect(checkHeader(query({ questions: [] }))).toEqual({ action: 'reject', rcode: 'FORMERR' });
    const r = dnsPacket.decode(rejectPacket(query({ flags: (2 << 11) | dnsPacket.RECURSION_DESIRED }), 'NOTIMP'));
    expect([r.id, r.type, (r as { rcode?: string }).rcode, r.flag_rd]).toEqual([4242, 'response', 'NOTIMP', true]);
  });

  it('EDNS0: a version other than 0 is BADVERS (extended rcode 16), two OPT records FORMERR', () => {
    const v1 = dnsPacket.encode({
      type: 'query',
      id: 5,
      questions: [{ name: 'a.example', type: 'A', class: 'IN' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 1, flags: 0, flag_do: false, options: [] }],
    });
    const out = dnsPacket.decode(ednsReject(dnsPacket.decode(v1))!);
    const opt = out.additionals!.find((r) => r.type === 'OPT') as { extendedRcode: number; ednsVersion: number };
    expect([out.id, (out as { rcode?: string }).rcode, opt.extendedRcode, opt.ednsVersion]).toEqual([5, 'NOERROR', 1, 0]);
    const two = dnsPacket.decode(query({}, 1232));
    two.additionals = [...two.additionals!, ...two.additionals!];
    expect((dnsPacket.decode(ednsReject(two)!) as { rcode?: string }).rcode).toBe('FORMERR');
    expect(ednsReject(dnsPacket.decode(query({}, 1232)))).toBeUndefined();
  });

  it('a UDP answer larger than 512 bytes (or the EDNS0 size) is cut with TC set; TCP is not', () => {
    const many = Array.from({ length: 60 }, (_, i) => a('db.prod.svc.cluster.local.', `10.244.0.${i}`, 5));
    const r = reply('kubernetes', 'NOERROR', many, { authorities: [soa('cluster.local.', 5, 1)] });
    const q = dnsPacket.decode(query());
    expect(udpLimit(q)).toBe(512);
    const udp = buildResponse(q, r, udpLimit(q));
    expect(udp.length).toBeLessThanOrEqual(512);
    const d = dnsPacket.decode(udp);
    expect(d.flag_tc).toBe(true);
    expect(d.answers!.length).toBeGreaterThan(10);
    expect(d.answers!.length).toBeLessThan(60);
    const q4k = dnsPacket.decode(query({}, 4096));
    const big = dnsPacket.decode(buildResponse(q4k, r, udpLimit(q4k)));
    expect([big.flag_tc, big.answers!.length]).toEqual([false, 60]);
    const tcp = dnsPacket.decode(buildResponse(q, r, 65535));
    expect([tcp.flag_tc, tcp.answers!.length, tcp.id, tcp.flag_aa, tcp.flag_rd, tcp.flag_ra]).toEqual([false, 60, 4242, true, true, true]);
  });
});

describe('servable question names', () => {
  it('names that would not encode back to the same wire name are refused (found by the fuzz)', async () => {
    const { servableName } = await import('../../../addons/coredns/server.js');
    expect(servableName('web.prod.svc.cluster.local')).toBe(true);
    expect(servableName('.')).toBe(true);
    expect(servableName('\u00ff'.repeat(30))).toBe(false);
    expect(servableName('a'.repeat(64) + '.example')).toBe(false);
    expect(servableName('a b.example')).toBe(false);
    expect(servableName(42)).toBe(false);
  });
});
