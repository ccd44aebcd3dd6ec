/**
 * The ipset pieces: membership (hash:ip equal members; hash:net the most specific entry, `nomatch` excluding),
 * the restore inputs (create, fill a temporary set, swap, destroy), the save parser, and the in-memory fake's
 * restore semantics (swap keeps names, a referenced set cannot be destroyed).
 */
import { describe, expect, it } from 'vitest';
import { FakeIpset, RealIpset, buildIpsetDestroy, buildIpsetRestore, ipsetHas, parseIpsetSave, tempSetName, type IpsetSpec } from '../../../node-agent/netpol/ipset.js';

describe('ipsetHas', () => {
  const net: IpsetSpec = { type: 'hash:net', entries: ['10.0.0.0/8', '10.1.0.0/16 nomatch', '10.1.2.0/24', '0.0.0.0/1'] };
  const cases: Array<[string, IpsetSpec, string, boolean]> = [
    ['hash:ip member', { type: 'hash:ip', entries: ['10.244.1.2'] }, '10.244.1.2', true],
    ['hash:ip non-member', { type: 'hash:ip', entries: ['10.244.1.2'] }, '10.244.1.3', false],
    ['hash:ip empty', { type: 'hash:ip', entries: [] }, '10.244.1.3', false],
    ['hash:net in the /8', net, '10.2.0.1', true],
    ['hash:net nomatch /16 beats the /8', net, '10.1.9.9', false],
    ['hash:net the /24 beats the nomatch /16', net, '10.1.2.3', true],
    ['hash:net a /1 half', net, '100.0.0.1', true],
    ['hash:net outside', net, '200.0.0.1', false],
    ['hash:net a bare address is a /32', { type: 'hash:net', entries: ['10.0.0.0/8', '10.9.9.9 nomatch'] }, '10.9.9.9', false],
  ];
  for (const [name, spec, ip, want] of cases) it(name, () => expect(ipsetHas(spec, ip)).toBe(want));
});

describe('restore inputs', () => {
  it('fills a temporary set and swaps it in; destroys by name', () => {
    expect(buildIpsetRestore([['KL-NP-A', { type: 'hash:net', entries: ['10.0.0.0/8', '10.1.0.0/16 nomatch'] }]])).toBe(
      'create KL-NP-A hash:net family inet\ncreate KL-NP-A-TMP hash:net family inet\nflush KL-NP-A-TMP\nadd KL-NP-A-TMP 10.0.0.0/8\nadd KL-NP-A-TMP 10.1.0.0/16 nomatch\nswap KL-NP-A-TMP KL-NP-A\ndestroy KL-NP-A-TMP\n',
    );
    expect(buildIpsetRestore([])).toBe('');
    expect(buildIpsetDestroy(['KL-NP-A', 'KL-NP-B'])).toBe('destroy KL-NP-A\ndestroy KL-NP-B\n');
    expect(buildIpsetDestroy([])).toBe('');
  });
  it('refuses a name whose temporary set would pass 31 characters', () => {
    expect(tempSetName('KL-NP-ABCDEFGHIJKLMNOP')).toBe('KL-NP-ABCDEFGHIJKLMNOP-TMP');
    expect(() => tempSetName('KL-NP-ABCDEFGHIJKLMNOPQRSTUVWXYZ')).toThrow(/too long/);
  });
  it('parses ipset save output (the kernel adds parameters; members sorted)', () => {
    const save = 'create KL-NP-A hash:ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xd703cfb8\nadd KL-NP-A 10.0.0.2\nadd KL-NP-A 10.0.0.1\ncreate N hash:net family inet hashsize 1024 maxelem 65536\nadd N 10.1.0.0/16 nomatch\n';
    expect(parseIpsetSave(save)).toEqual(new Map([['KL-NP-A', { type: 'hash:ip', entries: ['10.0.0.1', '10.0.0.2'] }], ['N', { type: 'hash:net', entries: ['10.1.0.0/16 nomatch'] }]]));
  });
});

describe('FakeIpset', () => {
  it('applies a fill and swap: the set has the new members, the temporary set is gone', async () => {
    const f = new FakeIpset();
    await f.restore(buildIpsetRestore([['KL-NP-A', { type: 'hash:ip', entries: ['10.0.0.1'] }]]));
    await f.restore(buildIpsetRestore([['KL-NP-A', { type: 'hash:ip', entries: ['10.0.0.2', '10.0.0.3'] }]]));
    expect(parseIpsetSave(await f.save())).toEqual(new Map([['KL-NP-A', { type: 'hash:ip', entries: ['10.0.0.2', '10.0.0.3'] }]]));
  });
  it('fails as the binary does: a missing set, a type clash, a set in use', async () => {
    const f = new FakeIpset(async () => '-A X -m set --match-set KL-NP-A src -j MARK --set-xmark 0x10000/0x10000\n');
    await expect(f.restore('add KL-NP-A 10.0.0.1\n')).rejects.toThrow(/line 1: The set with the given name does not exist/);
    await f.restore('create KL-NP-A hash:ip family inet\n');
    await expect(f.restore('create KL-NP-A hash:net family inet\n')).rejects.toThrow(/already exists/);
    await expect(f.restore('destroy KL-NP-A\n')).rejects.toThrow(/in use by a kernel component/);
    await f.restore('destroy KL-NP-NONE\n'); // -exist
  });
});

describe('RealIpset', () => {
  it('without the ipset binary lists no sets (cleanup works on a host without the package) but fails a restore', async () => {
    const r = new RealIpset({ bin: 'kubelab-no-such-ipset' });
    expect(await r.listNames()).toEqual([]);
    await expect(r.restore('create KL-NP-A hash:ip family inet\n')).rejects.toThrow(/ipset restore failed/);
  });
});
