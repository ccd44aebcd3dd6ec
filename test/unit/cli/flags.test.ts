import { describe, expect, it } from 'vitest';
import { formatDuration, formatHelp, parseDuration, parseFlags, type FlagSpec } from '../../../api/cli/flags.js';

describe('the shared flag parser', () => {
  it.each([
    ['40s', 40_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['2h', 7_200_000],
    ['250us', 0.25],
    ['0', 0],
    ['2', 2000],
  ])('duration %s', (s, ms) => expect(parseDuration(s)).toBe(ms));

  it.each(['', '1x', 'x1s', 's', '1s x'])('rejects the duration %j', (s) => expect(() => parseDuration(s)).toThrow(/invalid duration/));

  const specs: FlagSpec[] = [
    { name: 'kubeconfig', type: 'string', help: 'k' },
    { name: 'leader-elect', type: 'bool', default: true, help: 'l' },
    { name: 'period', type: 'duration', default: '5s', help: 'p' },
    { name: 'n', type: 'int', default: 1, help: 'n' },
  ];

  it('parses both forms, booleans, durations and defaults', () => {
    const r = parseFlags(specs, ['--kubeconfig', '/k', '--leader-elect=false', '--period=1m', 'rest']);
    expect(r.values).toMatchObject({ kubeconfig: '/k', 'leader-elect': false, period: 60_000, n: 1 });
    expect(r.rest).toEqual(['rest']);
    expect(parseFlags(specs, ['-h']).help).toBe(true);
  });

  it('names an unknown flag, a missing argument and a bad integer', () => {
    expect(() => parseFlags(specs, ['--nope'])).toThrow('unknown flag: --nope');
    expect(() => parseFlags(specs, ['--kubeconfig'])).toThrow('flag needs an argument: --kubeconfig');
    expect(() => parseFlags(specs, ['--n=x'])).toThrow('invalid argument "x" for "--n" flag: strconv.ParseInt: parsing "x": invalid syntax');
    expect(() => parseFlags(specs, ['--n='])).toThrow(/invalid argument "" for "--n"/);
    expect(() => parseFlags(specs, ['--n', '1.5'])).toThrow(/invalid syntax/);
    expect(parseFlags(specs, ['--n', '-3']).values.n).toBe(-3);
  });

  it('words bad booleans and durations as pflag does', () => {
    expect(() => parseFlags(specs, ['--leader-elect=yes'])).toThrow('invalid argument "yes" for "--leader-elect" flag: strconv.ParseBool: parsing "yes": invalid syntax');
    expect(() => parseFlags(specs, ['--period=abc'])).toThrow('invalid argument "abc" for "--period" flag: time: invalid duration "abc"');
    expect(parseFlags(specs, ['--leader-elect=F']).values['leader-elect']).toBe(false);
    expect(parseFlags(specs, ['--leader-elect=T']).values['leader-elect']).toBe(true);
  });

  it('takes -h, --help and --help=false', () => {
    expect(parseFlags(specs, ['--help']).help).toBe(true);
    expect(parseFlags(specs, ['--help=false']).help).toBe(false);
    expect(() => parseFlags(specs, ['--help=maybe'])).toThrow(/strconv.ParseBool/);
  });

  it('a list flag: the first use replaces the default, later ones append; the default is not shared', () => {
    const list: FlagSpec[] = [{ name: 'c', type: 'strings', default: ['*'], help: 'c' }];
    expect(parseFlags(list, []).values.c).toEqual(['*']);
    expect(parseFlags(list, ['--c=a, b', '--c', 'd']).values.c).toEqual(['a', 'b', 'd']);
    (parseFlags(list, []).values.c as string[]).push('x');
    expect(parseFlags(list, []).values.c).toEqual(['*']);
  });

  it('noArgs rejects positional arguments with upstream wording, unless help is asked for', () => {
    expect(() => parseFlags(specs, ['--n=2', 'a', 'b'], { noArgs: 'kubelab x' })).toThrow('"kubelab x" does not take any arguments, got ["a" "b"]');
    expect(() => parseFlags(specs, ['--', '--n'], { noArgs: 'kubelab x' })).toThrow(/does not take any arguments/);
    expect(parseFlags(specs, ['-h', 'a'], { noArgs: 'kubelab x' }).help).toBe(true);
    expect(parseFlags(specs, [''], { noArgs: 'kubelab x' }).rest).toEqual(['']);
  });

  it.each([
    [15_000, '15s'],
    [90_000, '1m30s'],
    [300_000, '5m0s'],
    [43_200_000, '12h0m0s'],
    [1500, '1.5s'],
    [500, '500ms'],
    [0.25, '250µs'],
    [0, '0s'],
  ])('formats %d ms as %s', (ms, s) => expect(formatDuration(ms)).toBe(s));

  it('help lists every flag with its default', () => {
    const h = formatHelp('kubelab x', 'X.', specs);
    expect(h).toContain('--leader-elect');
    expect(h).toContain('(default true)');
    expect(h).toContain('p (default 5s)');
    expect(h).toContain('      --kubeconfig string');
    expect(h).toContain('  -h, --help');
  });

  it('help leaves out zero defaults and quotes strings, as pflag does', () => {
    const h = formatHelp('kubelab x', 'X.', [
      { name: 'off', type: 'bool', default: false, help: 'o' },
      { name: 'zero', type: 'int', default: 0, help: 'z' },
      { name: 'never', type: 'duration', default: '0s', help: 'd' },
      { name: 'name', type: 'string', default: 'kube-system', help: 's' },
      { name: 'list', type: 'strings', default: ['a', 'b'], help: 'l' },
    ]);
    expect(h).not.toContain('(default false)');
    expect(h).not.toContain('(default 0');
    expect(h).toContain('s (default "kube-system")');
    expect(h).toContain('l (default [a,b])');
  });
});
