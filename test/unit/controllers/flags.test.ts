import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../api/cli/flags.js';
import { enabledControllers, parseFlags, usage } from '../../../control-plane/controllers/flags.js';

describe('controller manager flags', () => {
  it('has upstream defaults (and kubelab’s for the pod CIDR)', () => {
    const o = parseFlags([]);
    expect(o).toMatchObject({
      leaderElect: true,
      leaderElectResourceName: 'kube-controller-manager',
      leaderElectResourceNamespace: 'kube-system',
      clusterCIDR: '10.244.0.0/16',
      nodeCIDRMaskSize: 24,
      allocateNodeCIDRs: true,
      nodeMonitorPeriodMs: 5000,
      nodeMonitorGracePeriodMs: 50_000,
      nodeStartupGracePeriodMs: 60_000,
      terminatedPodGCThreshold: 12500,
      controllers: ['*'],
    });
  });

  it('parses --a=b, --a b, booleans and durations', () => {
    const o = parseFlags(['--kubeconfig', '/k', '--leader-elect=false', '--node-monitor-grace-period=20s', '--cluster-cidr=10.200.0.0/16', '--controllers=*,-podgc']);
    expect(o.kubeconfig).toBe('/k');
    expect(o.leaderElect).toBe(false);
    expect(o.nodeMonitorGracePeriodMs).toBe(20_000);
    expect(o.clusterCIDR).toBe('10.200.0.0/16');
    expect(o.controllers).toEqual(['*', '-podgc']);
    expect(() => parseFlags(['--pod-eviction-timeout=5m'])).toThrow(/unknown flag/);
    expect(() => parseFlags(['--node-monitor-period=abc'])).toThrow(/invalid argument/);
    expect(() => parseFlags(['extra'])).toThrow('"kubelab controller-manager" does not take any arguments, got ["extra"]');
  });

  it('--controllers given twice adds to the list (pflag string slices); help by -h or --help', () => {
    expect(parseFlags(['--controllers=*', '--controllers', '-podgc']).controllers).toEqual(['*', '-podgc']);
    expect(parseFlags([]).help).toBe(false);
    expect(parseFlags(['-h']).help).toBe(true);
    expect(parseFlags(['--help']).help).toBe(true);
  });

  it.each([
    ['40s', 40_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['2h', 7_200_000],
    ['0', 0],
  ])('duration %s', (s, ms) => expect(parseDuration(s)).toBe(ms));

  it('--controllers: * all, -name off, name on, old aliases', () => {
    expect(enabledControllers(['*']).size).toBe(13);
    const s = enabledControllers(['*', '-podgc', '-garbage-collector-controller']);
    expect(s.has('pod-garbage-collector-controller')).toBe(false);
    expect(s.has('garbage-collector-controller')).toBe(false);
    expect(s.has('replicaset-controller')).toBe(true);
    expect([...enabledControllers(['deployment', 'replicaset'])]).toEqual(['replicaset-controller', 'deployment-controller']);
    expect(() => enabledControllers(['nope'])).toThrow(/not in the list/);
  });

  it('prints help', () => {
    const h = usage();
    expect(h).toContain('--node-monitor-grace-period duration');
    expect(h).toContain('(default 50s)');
    expect(h).toContain('(default [*])');
    expect(h).toContain('pod-garbage-collector-controller');
    expect(h).toContain('help for controller-manager');
  });
});
