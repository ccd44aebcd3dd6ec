import { describe, expect, it } from 'vitest';
import { formatHelp, parseDuration, parseFlags, type FlagSpec } from '../../../api/cli/flags.js';

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
    expect(() => parseFlags(specs, ['--n=x'])).toThrow(/invalid argument "x" for "--n"/);
  });

  it('help lists every flag with its default', () => {
    const h = formatHelp('kubelab x', 'X.', specs);
    expect(h).toContain('--leader-elect');
    expect(h).toContain('(default true)');
  });
});
