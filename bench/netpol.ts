/**
 * NetworkPolicy benchmark (issue 16): 1,000 NetworkPolicies over 1,000 pods.
 *
 *  1. Sync cost: the pure ruleset build (node-agent/netpol/ruleset.ts), a full sync through the real
 *     `NetpolAgent`, ipset restore and iptables-restore into a network namespace the bench makes (its sets go
 *     with the namespace), a periodic full resync over
 *     the installed rules, and partial syncs (one policy changed, one pod added).
 *  2. Per-connection cost: TCP connect + first byte between two "pods" (network namespaces) routed through the
 *     "node" namespace that holds the rules, with no policies (our FORWARD jump absent) and with the 1,000
 *     policies installed (jump present; the destination is selected by several policies, the source by
 *     several for egress), measured in alternating rounds in one run so the machine's load hits both alike.
 *
 * The cluster: 10 namespaces (labels team t0..t2), 100 pods each (labels app app-0..19, tier
 * frontend/backend/db; a named container port "http" 8080), 100 policies each: policy j selects app-(j%20),
 * ingress from the namespace's frontends on the named port or 8080 (every policy), from app-(j+1) pods of
 * namespaces team t(j%3) (j%5=0), from 172.16.0.0/12 except 172.16.1.0/24 on 443 (j%10=3); for odd j also
 * egress to the namespace's frontends on 8080, to app-(j+2) on 5432, to 10.0.0.0/8 except 10.244.0.0/16 (j%10=9),
 * and an IPv6 block (j%25=7: ignored on this IPv4 node). `--local N` pods of the 1,000 are on the benchmarked
 * node (100: a full node at the default max-pods 110; 1,000: one node with every pod, the worst case).
 *
 * Topology: netns klbench-np-node (ip_forward on, the agent's chains) with two veths to klbench-np-src
 * (10.244.0.2/24, a frontend of ns-1) and klbench-np-dst (10.244.1.2/24, app-0 frontend of ns-1). Nothing on the
 * host is touched: the veths are created inside the namespaces. Leftovers of a killed run (klbench-np-*) are
 * deleted first; everything is deleted at the end, also on failure and on SIGINT/SIGTERM.
 *
 * Run (as root, under the host lock when other engineers share the machine):
 *   npx tsc -p tsconfig.json && node dist/bench/netpol.js [--local 100,1000] [--samples 500] [--rounds 4]
 *     [--backend auto|legacy|nft] [--pure]   (--pure: only the pure build, no root needed)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Namespace, NetworkPolicy, Pod, Relaxed } from '../api/types/index.js';
import { RealIptables, type Backend } from '../node-agent/proxy/iptables.js';
import { NetpolAgent, netpolChainsIn } from '../node-agent/netpol/agent.js';
import { namespaceView, podView } from '../node-agent/netpol/model.js';
import { FORWARD_JUMP, NETPOL_FORWARD_CHAIN, POD_CHAIN_PREFIX, POLICY_CHAIN_PREFIX, buildNetpolRuleset, type NetpolInput } from '../node-agent/netpol/ruleset.js';
import { traceNetpol } from '../node-agent/netpol/tracer.js';
import { type Ipsets, RealIpset, parseIpsetSave } from '../node-agent/netpol/ipset.js';
import { netnsDel, netnsPurge, sh } from '../test/support/host.js';
import { percentile } from './lib/stats.js';
import { arg, numArg } from './lib/args.js';

const PREFIX = 'klbench-np-';
const NODE_NS = `${PREFIX}node`;
const SRC_NS = `${PREFIX}src`;
const DST_NS = `${PREFIX}dst`;
const NODE = 'bench-node';
const SRC_IP = '10.244.0.2';
const DST_IP = '10.244.1.2';
const NAMESPACES = 10;
const APPS = 20;
const TIERS = ['frontend', 'backend', 'db'] as const;

const PODS = numArg('pods', 1000);
const POLICIES = numArg('policies', 1000);
const LOCALS = arg('local', '100,1000').split(',').map(Number);
const SAMPLES = numArg('samples', 500);
const ROUNDS = numArg('rounds', 4);
const BACKEND = arg('backend', 'auto') as Backend;
const PURE = process.argv.includes('--pure');

const f = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const us = (ms: number): string => `${(ms * 1000).toFixed(0)} µs`;
const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
const row = (...cells: (string | number)[]): void => console.log(`| ${cells.join(' | ')} |`);

// ---- the cluster -------------------------------------------------------------------------------------

/** Pod i: namespace ns-(i%10); m = floor(i/10) gives its app (m%20) and tier (m%3). Pods 31 and 1 are the src and dst. */
const SRC_POD = 31; // ns-1, m=3: app-3, frontend
const DST_POD = 1; // ns-1, m=0: app-0, frontend
function podIP(i: number): string {
  if (i === SRC_POD) return SRC_IP;
  if (i === DST_POD) return DST_IP;
  return `10.244.${2 + Math.floor(i / 250)}.${(i % 250) + 2}`;
}

function makePod(i: number, local: number, ns?: string, name?: string): Relaxed<Pod> {
  const m = Math.floor(i / 10);
  // The first `local` pods (and always src and dst) are on the benchmarked node.
  const onNode = i < local || i === SRC_POD || i === DST_POD;
  return {
    metadata: { namespace: ns ?? `ns-${i % NAMESPACES}`, name: name ?? `pod-${i}`, labels: { app: `app-${m % APPS}`, tier: TIERS[m % 3]! } },
    spec: { nodeName: onNode ? NODE : `node-${1 + (i % 9)}`, containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] },
    status: { phase: 'Running', podIP: podIP(i) },
  } as Relaxed<Pod>;
}

function makeNamespace(k: number): Relaxed<Namespace> {
  return { metadata: { name: `ns-${k}`, labels: { 'kubernetes.io/metadata.name': `ns-${k}`, team: `t${k % 3}` } } } as Relaxed<Namespace>;
}

function makePolicy(n: number, variant = 0): Relaxed<NetworkPolicy> {
  const k = n % NAMESPACES;
  const j = Math.floor(n / NAMESPACES);
  const ingress: unknown[] = [{ from: [{ podSelector: { matchLabels: { tier: 'frontend' } } }], ports: [{ protocol: 'TCP', port: j % 4 === 0 ? 'http' : 8080 + variant }] }];
  if (j % 5 === 0) ingress.push({ from: [{ namespaceSelector: { matchLabels: { team: `t${j % 3}` } }, podSelector: { matchLabels: { app: `app-${(j + 1) % APPS}` } } }] });
  if (j % 10 === 3) ingress.push({ from: [{ ipBlock: { cidr: '172.16.0.0/12', except: ['172.16.1.0/24'] } }], ports: [{ protocol: 'TCP', port: 443 }] });
  if (j % 25 === 7) ingress.push({ from: [{ ipBlock: { cidr: '2001:db8::/64', except: ['2001:db8::/96'] } }] });
  const egress: unknown[] = [];
  if (j % 2 === 1) {
    egress.push({ to: [{ podSelector: { matchLabels: { tier: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 8080 }] });
    egress.push({ to: [{ podSelector: { matchLabels: { app: `app-${(j + 2) % APPS}` } } }], ports: [{ protocol: 'TCP', port: 5432 }] });
    if (j % 10 === 9) egress.push({ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.244.0.0/16'] } }] });
  }
  return {
    metadata: { namespace: `ns-${k}`, name: `np-${j}` },
    spec: { podSelector: { matchLabels: { app: `app-${j % APPS}` } }, policyTypes: egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'], ingress, ...(egress.length > 0 ? { egress } : {}) },
  } as Relaxed<NetworkPolicy>;
}

interface Cluster {
  pods: Relaxed<Pod>[];
  namespaces: Relaxed<Namespace>[];
  policies: Relaxed<NetworkPolicy>[];
}

function cluster(local: number): Cluster {
  return {
    pods: Array.from({ length: PODS }, (_, i) => makePod(i, local)),
    namespaces: Array.from({ length: NAMESPACES }, (_, k) => makeNamespace(k)),
    policies: Array.from({ length: POLICIES }, (_, n) => makePolicy(n)),
  };
}

function pureInput(c: Cluster): NetpolInput {
  return { nodeName: NODE, pods: c.pods.map(podView), namespaces: c.namespaces.map(namespaceView), policies: c.policies };
}

/** What a NEW connection src -> dst:8080 meets: the tracer's verdict, the chains entered and the rules in them. */
function connectionPath(text: string, sets: Ipsets): string {
  const t = traceNetpol(text, { source: SRC_IP, destination: DST_IP, port: 8080, protocol: 'tcp', state: 'NEW' }, sets);
  const denied = traceNetpol(text, { source: SRC_IP, destination: DST_IP, port: 8081, protocol: 'tcp', state: 'NEW' }, sets);
  const rules = new Map<string, number>();
  for (const l of text.split('\n')) {
    const m = /^-A (\S+) /.exec(l);
    if (m) rules.set(m[1]!, (rules.get(m[1]!) ?? 0) + 1);
  }
  const scanned = t.path.reduce((s, c) => s + (rules.get(c) ?? 0), 0);
  if (t.verdict !== 'ACCEPT' || denied.verdict !== 'REJECT') throw new Error(`bench cluster wrong: 8080 ${t.verdict}, 8081 ${denied.verdict}`);
  return `${t.verdict} through ${t.path.length} chains holding ${scanned} rules (8081: ${denied.verdict})`;
}

// ---- sync cost ---------------------------------------------------------------------------------------

function benchPure(local: number): { text: string; sets: Ipsets } {
  const c = cluster(local);
  const input = pureInput(c);
  const times: number[] = [];
  let r = buildNetpolRuleset(input);
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    r = buildNetpolRuleset(input);
    times.push(performance.now() - t0);
  }
  const lines = r.text.split('\n').length;
  const members = [...r.state.sets.values()].reduce((n, s) => n + s.entries.length, 0);
  row(local, 'pure ruleset build, full (median of 5)', `${r.ruleCount} rules in ${r.state.chains.size} chains, ${lines} lines, ${(r.text.length / 1e6).toFixed(1)} MB; ${r.state.sets.size} sets, ${members} members, ${(r.ipsetText.length / 1e6).toFixed(1)} MB of ipset restore; ${r.isolatedPods} isolated pods`, f(median(times)));
  // What is left per peer: policy-chain rules naming one address (-s/-d <pod>/32) versus set matches.
  let perPeer = 0;
  let setRules = 0;
  let podJumps = 0;
  for (const [chain, rules] of r.state.chains) {
    for (const rule of rules) {
      if (chain.startsWith(POLICY_CHAIN_PREFIX) && chain !== NETPOL_FORWARD_CHAIN && / (-s|-d) [0-9.]+\/32 .*MARK/.test(` ${rule}`)) perPeer++;
      if (rule.includes('--match-set')) setRules++;
      if (chain === NETPOL_FORWARD_CHAIN && rule.includes(POD_CHAIN_PREFIX)) podJumps++;
    }
  }
  row(local, 'rule mix', `${setRules} set-match rules; ${perPeer} policy-chain rules naming a /32; ${podJumps} per-pod jumps in ${NETPOL_FORWARD_CHAIN}; ${r.ruleCount - setRules - podJumps} others`, '-');
  // Partial builds: one policy changed (the port of a rule), one pod added.
  const changed = { ...input, policies: c.policies.map((p, n) => (n === 10 ? makePolicy(n, 1) : p)), previous: r.state, partial: true };
  let t0 = performance.now();
  const pc = buildNetpolRuleset(changed);
  row(local, 'pure ruleset build, partial: one policy changed', `${pc.written.length} chains, ${pc.text.split('\n').length} lines; ${pc.setsWritten.length} sets`, f(performance.now() - t0));
  const added = { ...input, pods: [...input.pods, podView(makePod(DST_POD, local, 'ns-1', 'pod-new'))], previous: r.state, partial: true };
  t0 = performance.now();
  const pa = buildNetpolRuleset(added);
  row(local, 'pure ruleset build, partial: one pod added', `${pa.written.length} chains, ${pa.text.split('\n').length} lines; ${pa.setsWritten.length} sets`, f(performance.now() - t0));
  const peer = { ...input, pods: [...input.pods, podView(remotePeer())], previous: r.state, partial: true };
  t0 = performance.now();
  const pp = buildNetpolRuleset(peer);
  row(local, 'pure ruleset build, partial: one remote peer pod added', `${pp.written.length} chains, ${pp.text.split('\n').length} lines; ${pp.setsWritten.length} sets`, f(performance.now() - t0));
  return { text: r.text, sets: r.state.sets };
}

/** A frontend of ns-1 on another node with an address of its own: a peer of ns-1's policies, selected by none here. */
function remotePeer(): Relaxed<Pod> {
  const p = makePod(SRC_POD, 0, 'ns-1', 'pod-peer');
  return { ...p, spec: { ...p.spec, nodeName: 'node-9' }, status: { ...p.status, podIP: '10.244.9.9' } } as Relaxed<Pod>;
}

function inNs(ns: string, args: string[]): void {
  sh('ip', ['netns', 'exec', ns, ...args]);
}

/** The three namespaces and two veth pairs, made inside the namespaces (none on the host). */
function topology(): void {
  for (const ns of [NODE_NS, SRC_NS, DST_NS]) {
    sh('ip', ['netns', 'add', ns]);
    inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
  }
  inNs(NODE_NS, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  for (const [ns, ifname, nodeIP, podIP_] of [[SRC_NS, 'vsrc', '10.244.0.1', SRC_IP], [DST_NS, 'vdst', '10.244.1.1', DST_IP]] as const) {
    sh('ip', ['-n', NODE_NS, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    inNs(NODE_NS, ['ip', 'addr', 'add', `${nodeIP}/24`, 'dev', ifname]);
    inNs(NODE_NS, ['ip', 'link', 'set', ifname, 'up']);
    inNs(ns, ['ip', 'addr', 'add', `${podIP_}/24`, 'dev', 'eth0']);
    inNs(ns, ['ip', 'link', 'set', 'eth0', 'up']);
    inNs(ns, ['ip', 'route', 'add', 'default', 'via', nodeIP]);
  }
}

function clearLeftovers(): void {
  netnsPurge(PREFIX);
}

const SERVER = `
const net = require('node:net');
for (const port of [8080, 8081]) net.createServer((s) => { s.on('error', () => {}); s.end('x'); }).listen(port, '${DST_IP}', () => { if (port === 8081) console.log('ready'); });
`;

/** `n` sequential connections src -> dst:port, each timed from connect() to the first byte (ms); refused ones counted. */
const CLIENT = `
const net = require('node:net');
const [n, port] = process.argv.slice(-2).map(Number);
const out = []; let refused = 0;
(async () => {
  for (let i = 0; i < n; i++) {
    await new Promise((done) => {
      const t0 = process.hrtime.bigint();
      const s = net.connect({ host: '${DST_IP}', port });
      s.once('data', () => { out.push(Number(process.hrtime.bigint() - t0) / 1e6); s.destroy(); done(); });
      s.once('error', () => { refused++; s.destroy(); done(); });
    });
  }
  console.log(JSON.stringify({ out, refused }));
})();
`;

function runClient(n: number, port: number): Promise<{ out: number[]; refused: number }> {
  return new Promise((resolve, reject) => {
    const c = track(spawn('ip', ['netns', 'exec', SRC_NS, process.execPath, '-e', CLIENT, String(n), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] }));
    let buf = '';
    c.stdout.on('data', (b: Buffer) => (buf += b.toString()));
    c.on('error', reject);
    c.on('close', (code) => {
      if (code !== 0) return reject(new Error(`client exit ${code}`));
      try {
        resolve(JSON.parse(buf) as { out: number[]; refused: number });
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

/** Children alive now (the server, a client): killed by PID on every exit path, before the namespaces go. */
const children = new Set<ChildProcess>();
function track<T extends ChildProcess>(c: T): T {
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}

function startServer(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const s = track(spawn('ip', ['netns', 'exec', DST_NS, process.execPath, '-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] }));
    s.on('error', reject);
    s.stdout.once('data', () => resolve(s));
    setTimeout(() => reject(new Error('server did not start')), 10_000).unref();
  });
}

async function benchReal(local: number, built: { text: string; sets: Ipsets }): Promise<void> {
  const c = cluster(local);
  const ipt = new RealIptables({ backend: BACKEND, prefix: ['nsenter', `--net=/run/netns/${NODE_NS}`] });
  const ipset = new RealIpset({ prefix: ['nsenter', `--net=/run/netns/${NODE_NS}`] });
  const agent = new NetpolAgent({ iptables: ipt, ipset, nodeName: NODE, syncPeriodMs: 3_600_000 });
  for (const n of c.namespaces) agent.onNamespace(n);
  for (const p of c.pods) agent.onPod(p);
  for (const np of c.policies) agent.onPolicy(np);
  agent.onSynced();

  // Full sync into empty tables: save, our chain and FORWARD jump, build, ipset restore, one iptables-restore.
  let t0 = performance.now();
  await agent.sync();
  const first = agent.lastSync;
  if (!first?.full || agent.syncs !== 1) throw new Error('the first sync failed (see above)');
  row(local, `agent full sync into empty tables (${first.rules} rules, ${first.sets} sets)`, `${first.written} chains, ${first.setsWritten} sets written`, f(performance.now() - t0));

  // A periodic full resync: save and list, build with what the kernel has, fill every set and restore every chain again.
  t0 = performance.now();
  const save = await ipt.save('filter');
  const names = await ipset.listNames();
  const saveMs = performance.now() - t0;
  const t1 = performance.now();
  const r = buildNetpolRuleset({ ...pureInput(c), existing: netpolChainsIn(save), existingSets: names });
  const buildMs = performance.now() - t1;
  const t2 = performance.now();
  await ipset.restore(r.ipsetText);
  const ipsetMs = performance.now() - t2;
  const t3 = performance.now();
  await ipt.restore(r.text);
  const restoreMs = performance.now() - t3;
  row(local, 'full resync over the installed rules', `save + ipset list ${f(saveMs)}, build ${f(buildMs)}, ipset restore ${f(ipsetMs)}, iptables-restore ${f(restoreMs)}`, f(performance.now() - t0));

  // Partial syncs through the agent.
  const partial = async (what: string, change: () => void): Promise<void> => {
    change();
    const s = performance.now();
    await agent.sync();
    const ls = agent.lastSync!;
    if (ls.full) throw new Error('expected a partial sync');
    row(local, `agent partial sync: ${what}`, `${ls.written} chains, ${ls.setsWritten} sets written`, f(performance.now() - s));
  };
  await partial('one policy changed', () => agent.onPolicy(makePolicy(10, 1)));
  await partial('one pod added (local, selected, a peer of many)', () => agent.onPod(makePod(DST_POD, local, 'ns-1', 'pod-new')));
  await partial('one pod deleted', () => agent.onPodDelete(makePod(DST_POD, local, 'ns-1', 'pod-new')));
  await partial('one remote peer pod added (set members only)', () => agent.onPod(remotePeer()));
  await partial('the remote peer pod deleted', () => agent.onPodDelete(remotePeer()));
  await partial('the policy changed back', () => agent.onPolicy(makePolicy(10)));
  const installed = await ipt.save('filter');
  const installedSets = parseIpsetSave(await ipset.save());
  console.log(`\n(${local} local pods) src -> dst:8080 in the installed rules: ${connectionPath(installed, installedSets)}; in the built text: ${connectionPath(built.text, built.sets)}\n`);

  // Per-connection cost: alternate rounds without and with our FORWARD jump (the rules stay installed).
  const server = await startServer();
  try {
    const off: number[] = [];
    const on: number[] = [];
    await runClient(50, 8080); // warm up (ARP, conntrack, node's JIT)
    // Which variant runs first alternates per round (a round's first client pays for a colder machine).
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of round % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
        if (variant === 'off') await ipt.deleteRule('filter', 'FORWARD', FORWARD_JUMP);
        else await ipt.ensureRule('prepend', 'filter', 'FORWARD', FORWARD_JUMP);
        (variant === 'off' ? off : on).push(...(await runClient(SAMPLES, 8080)).out);
      }
    }
    await ipt.ensureRule('prepend', 'filter', 'FORWARD', FORWARD_JUMP);
    // The policies do hold: a port no policy allows is refused (REJECT), quickly.
    const denied = await runClient(20, 8081);
    if (denied.refused !== 20) throw new Error(`dst:8081 should be refused by the policies, ${denied.refused}/20 were`);
    const stats = (xs: number[]): string => {
      const s = [...xs].sort((a, b) => a - b);
      return `p50 ${us(percentile(s, 50))}, p90 ${us(percentile(s, 90))}, p99 ${us(percentile(s, 99))} (n=${s.length})`;
    };
    row(local, 'connect + first byte, no policies (jump absent)', stats(off), us(median(off)));
    row(local, `connect + first byte, ${POLICIES} policies installed, dst selected`, stats(on), us(median(on)));
    row(local, 'check: dst:8081 (no policy allows it)', `${denied.refused}/20 refused`, '-');
  } finally {
    server.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  console.log(`netpol benchmark: ${POLICIES} policies over ${PODS} pods in ${NAMESPACES} namespaces; ${new Date().toISOString()}, node ${process.version}, backend ${BACKEND}, load average ${load()}`);
  console.log('| local pods | measure | detail | time |');
  console.log('|---:|---|---|---:|');
  const texts = new Map<number, { text: string; sets: Ipsets }>();
  for (const local of LOCALS) texts.set(local, benchPure(local));
  if (PURE) return;
  if (process.getuid?.() !== 0) throw new Error('run as root (network namespaces, iptables), or pass --pure');
  const cleanup = (): void => {
    for (const c of children) c.kill('SIGKILL');
    for (const ns of [NODE_NS, SRC_NS, DST_NS]) netnsDel(ns);
    clearLeftovers();
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { cleanup(); process.exit(130); });
  clearLeftovers();
  try {
    for (const local of LOCALS) {
      topology();
      try {
        await benchReal(local, texts.get(local)!);
      } finally {
        for (const ns of [NODE_NS, SRC_NS, DST_NS]) netnsDel(ns);
      }
    }
  } finally {
    cleanup();
  }
  console.log(`load average at the end: ${load()}`);
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
