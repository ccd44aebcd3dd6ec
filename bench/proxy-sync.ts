/**
 * Proxy sync benchmark: ruleset generation and iptables-restore time at 1,000 / 5,000 / 10,000
 * Services x 3 endpoints, on the nf_tables and legacy backends, each inside a throwaway network
 * namespace; plus the partial sync of one endpoint change.
 *
 * Run (as root):
 *   cd /work/main && npx tsc -p tsconfig.json --outDir /tmp/kubelab-bench && node /tmp/kubelab-bench/bench/proxy-sync.js [sizes] [backends]
 *   e.g. node /tmp/kubelab-bench/bench/proxy-sync.js 1000,5000,10000 legacy,nft
 *        node /tmp/kubelab-bench/bench/proxy-sync.js 10000 nft quick     (one full restore only)
 */
import { performance } from 'node:perf_hooks';
import { RealIptables, type Backend } from '../node-agent/proxy/iptables.js';
import { buildRuleset, type RulesetInput } from '../node-agent/proxy/ruleset.js';
import { Proxier } from '../node-agent/proxy/proxier.js';
import { manyServices, slice } from '../test/support/proxy-fixtures.js';
import { netnsDel, netnsPurge } from '../test/support/host.js';
import { addNs, nsPrefix } from '../test/support/proxy-netns.js';

const NS = `kubelab-test-proxy-bench-${process.pid}`;
/** Third argument "quick": skip the second full restores (minutes each on nf_tables at 5,000+). */
const QUICK = process.argv[4] === 'quick';

function ms(t0: number): number {
  return performance.now() - t0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function fmt(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`;
}

interface Row {
  services: number;
  backend: Backend | '-';
  what: string;
  value: string;
}

function printRow(r: Row): void {
  console.log(`| ${r.services} | ${r.backend} | ${r.what} | ${r.value} |`);
}

async function benchSize(n: number, backends: Backend[], emit: (r: Row) => void): Promise<void> {
  const { services, slices } = manyServices(n, 3);
  const input: RulesetInput = { services, endpointSlices: slices, node: { name: 'node01' }, clusterCIDR: '10.244.0.0/16', partial: false };

  // Generation alone (median of 5).
  const gen: number[] = [];
  let text = '';
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    text = buildRuleset(input).text;
    gen.push(ms(t0));
  }
  const lines = text.split('\n').length;
  emit({ services: n, backend: '-', what: `full ruleset generation (${lines} lines)`, value: fmt(median(gen)) });

  for (const [bi, backend] of backends.entries()) {
    netnsDel(NS);
    addNs(NS);
    try {
      const ipt = new RealIptables({ backend, prefix: nsPrefix(NS) });
      // iptables-restore of the full text into an empty namespace.
      let t0 = performance.now();
      await ipt.restore(text);
      emit({ services: n, backend, what: 'iptables-restore, full, into empty tables', value: fmt(ms(t0)) });
      // The same again (a full resync over existing rules); skipped with "quick" (slow on nft).
      if (!QUICK) {
        t0 = performance.now();
        await ipt.restore(buildRuleset({ ...input, existingNatChains: [] }).text);
        emit({ services: n, backend, what: 'iptables-restore, full, over existing rules', value: fmt(ms(t0)) });
      }

      // Through the proxier: a full sync (jumps, save, build, restore), then partial syncs of one endpoint change.
      // A long sync period: the bench decides when syncs are full.
      const p = new Proxier({ iptables: ipt, nodeName: 'node01', clusterCIDR: '10.244.0.0/16', syncPeriodMs: 3_600_000 });
      for (const s of services) p.onServiceAdd(s);
      for (const s of slices) p.onEndpointSliceAdd(s);
      p.onServicesSynced();
      p.onEndpointSlicesSynced();
      p.forceFullSync();
      t0 = performance.now();
      const full = await p.syncProxyRules();
      if (!full.ok) throw full.error;
      emit({
        services: n,
        backend,
        what: `proxier first full sync (save + add jumps ${fmt(full.prepareMs!)}, build ${fmt(full.buildMs!)}, restore ${fmt(full.restoreMs!)})`,
        value: fmt(ms(t0)),
      });
      if (!QUICK) {
        // A periodic full resync: jumps already there.
        p.forceFullSync();
        t0 = performance.now();
        const again = await p.syncProxyRules();
        if (!again.ok) throw again.error;
        emit({
          services: n,
          backend,
          what: `proxier periodic full resync (save + check jumps ${fmt(again.prepareMs!)}, build ${fmt(again.buildMs!)}, restore ${fmt(again.restoreMs!)})`,
          value: fmt(ms(t0)),
        });
      }

      const partial: number[] = [];
      const builds: number[] = [];
      const restores: number[] = [];
      let written = 0;
      let restoreLines = 0;
      for (let round = 0; round < 5; round++) {
        const i = (round * 7919) % n;
        const old = slices[i];
        const eps = old.endpoints!.map((e) => e.addresses[0]);
        eps[0] = `10.${245 + bi}.${round}.${(i % 250) + 1}`;
        const next = slice('bench', `svc-${i}`, [{ name: 'http', port: 8080 }], eps);
        p.onEndpointSliceUpdate(old, next);
        slices[i] = next;
        t0 = performance.now();
        const r = await p.syncProxyRules();
        if (!r.ok) throw r.error;
        if (r.full) throw new Error('expected a partial sync');
        partial.push(ms(t0));
        builds.push(r.buildMs!);
        restores.push(r.restoreMs!);
        written = r.ruleset!.stats.natChainsWritten;
        restoreLines = r.ruleset!.stats.lines;
      }
      emit({
        services: n,
        backend,
        what: `proxier partial sync, one endpoint changed (median of 5: build ${fmt(median(builds))}, restore ${fmt(median(restores))}; ${written} chains, ${restoreLines} lines written)`,
        value: fmt(median(partial)),
      });
    } finally {
      netnsDel(NS);
    }
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root (network namespaces, iptables)');
  const sizes = (process.argv[2] ?? '1000,5000,10000').split(',').map(Number);
  const backends = (process.argv[3] ?? 'legacy,nft').split(',') as Backend[];
  netnsPurge('kubelab-test-proxy-bench-');
  const loadavg = async () => (await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`proxy-sync benchmark, ${new Date().toISOString()}, node ${process.version}, load average at start: ${await loadavg()}`);
  console.log('| services | backend | measure | time |');
  console.log('|---:|---|---|---:|');
  try {
    for (const n of sizes) {
      await benchSize(n, backends, printRow);
    }
  } finally {
    netnsDel(NS);
  }
  console.log(`load average at the end: ${await loadavg()}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
