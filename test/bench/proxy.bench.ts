/**
 * Benchmark (a script, not a test): `tools/call` directly to an upstream, through this checkout's
 * proxy, and through a baseline commit's proxy, all in one run on this machine.
 *
 *   node test/bench/proxy.bench.ts            # or: npm run bench
 *   BENCH_BASELINE=<commit|none> BENCH_SECONDS=10 node test/bench/proxy.bench.ts
 *
 * Processes: the upstream (our edge MCP server, Streamable HTTP, SSE responses) and each proxy
 * (agent auth on, audit log on; `scale/proxy-child.ts`) run as their own child processes; the agents
 * (SDK clients) run here. The baseline (default e6d0454, the proxy before issues 10, 11 and 14
 * changed its hot path; bench:scale uses the same) is extracted from git and run with this
 * checkout's node_modules, so a regression shows as a difference within one run, whatever else loads the machine.
 * Measures: p50/p99 latency at concurrency 1, throughput at concurrency 32 (32 agent sessions; each
 * proxy multiplexes them onto its one upstream session), proxy CPU per call. Heap per idle agent
 * session is `npm run bench:scale`'s (10,000 sessions: a few hundred drown in GC noise). Targets alternate (latency in batches of 100, throughput in rounds whose order
 * rotates, medians reported), so load from other work hits every target alike.
 * `BENCH_PROF=<dir>` runs this checkout's proxy under `node --cpu-prof` (profile-summary.ts reads it).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startChild } from '../support/upstreams/child.ts';
import { extractBaseline } from './scale/baseline.ts';
import { agentToken, registerEcho } from './scale/hop.ts';
import { startProxyChild, type ProxyChild } from './scale/proxy-child.ts';
import { machineLoad, median, percentile, sleep } from './scale/stats.ts';

const ROOT = join(fileURLToPath(import.meta.url), '../../..');
const BASELINE = process.env.BENCH_BASELINE ?? 'e6d0454';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LATENCY_CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = 32;

interface Target {
  label: string;
  url: string;
  headers: Record<string, string>;
  proxy?: ProxyChild;
  one?: Client;
  many?: Client[];
  latencies: number[];
  rates: number[];
  cpuPerCallMs?: number;
}

async function client(url: string, headers: Record<string, string>): Promise<Client> {
  const c = new Client({ name: 'bench', version: '1' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return c;
}

const call = (c: Client, i: number) => c.callTool({ name: 'echo', arguments: { text: `hello ${i}` } });

/** Calls per second with every client calling in a loop for `seconds`. */
async function throughput(clients: Client[], seconds: number): Promise<number> {
  let done = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  await Promise.all(clients.map(async (c, k) => {
    for (let i = 0; performance.now() < until; i++) {
      await call(c, k * 1e6 + i);
      done++;
    }
  }));
  return done / ((performance.now() - start) / 1000);
}

/** Sequential calls in alternating batches of 100, target by target. */
async function measureLatency(targets: Target[]): Promise<void> {
  for (let i = 0; i < 300; i++) for (const t of targets) await call(t.one!, i);
  for (let done = 0; done < LATENCY_CALLS; done += 100) {
    for (const t of targets) {
      for (let i = 0; i < 100; i++) {
        const s = performance.now();
        await call(t.one!, i);
        t.latencies.push(performance.now() - s);
      }
    }
  }
}

/**
 * `ROUNDS` rounds per target, the order rotating each round. A proxy's CPU per call is its own
 * user+system time over its rounds, so it alternates with the other targets too.
 */
async function measureThroughput(targets: Target[]): Promise<void> {
  for (const t of targets) await throughput(t.many!, 0.5);
  const cpu = new Map<Target, { micros: number; calls: number }>();
  for (let r = 0; r < ROUNDS; r++) {
    for (let j = 0; j < targets.length; j++) {
      const t = targets[(j + r) % targets.length]!;
      const before = t.proxy ? await t.proxy.ask('cpu') : undefined;
      const seconds = SECONDS / ROUNDS;
      const rate = await throughput(t.many!, seconds);
      t.rates.push(rate);
      if (t.proxy && before) {
        const after = await t.proxy.ask('cpu');
        const c = cpu.get(t) ?? { micros: 0, calls: 0 };
        c.micros += after.cpuMicros - before.cpuMicros;
        c.calls += rate * seconds;
        cpu.set(t, c);
      }
    }
  }
  for (const [t, c] of cpu) t.cpuPerCallMs = c.micros / 1000 / c.calls;
}

function print(targets: Target[]): void {
  const [direct, ...proxies] = targets;
  const f = (n: number | undefined, d = 3) => (n === undefined ? '' : n.toFixed(d));
  const signed = (n: number) => `${n >= 0 ? '+' : ''}${f(n)}`;
  const p50 = (t: Target) => percentile(t.latencies, 50);
  const p99 = (t: Target) => percentile(t.latencies, 99);
  const rate = (t: Target) => median(t.rates);
  const head = ['', direct!.label, ...proxies.flatMap((p) => [p.label, `${p.label} − direct`])];
  const rows = [
    head,
    ['p50 latency, c=1 (ms)', f(p50(direct!)), ...proxies.flatMap((p) => [f(p50(p)), signed(p50(p) - p50(direct!))])],
    ['p99 latency, c=1 (ms)', f(p99(direct!)), ...proxies.flatMap((p) => [f(p99(p)), signed(p99(p) - p99(direct!))])],
    [`throughput, c=${CONCURRENCY} (calls/s)`, f(rate(direct!), 0), ...proxies.flatMap((p) => [f(rate(p), 0), `${f(rate(p) / rate(direct!), 2)}x`])],
    [`proxy CPU per call at c=${CONCURRENCY} (ms)`, '', ...proxies.flatMap((p) => [f(p.cpuPerCallMs), ''])],
  ];
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`\ntools/call "echo" — Node ${process.version}; ${LATENCY_CALLS} sequential calls per target (alternating batches), ${SECONDS} s at c=${CONCURRENCY} per target (median of ${ROUNDS} rotating rounds); ${machineLoad()}\n`);
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  const now = proxies[0]!;
  const added = p50(now) - p50(direct!);
  const ratio = rate(now) / rate(direct!);
  console.log(`\ngoals (issue 14): added p50 ≤ 0.3 ms → ${added <= 0.3 ? 'met' : 'missed'}; throughput ≥ 0.9x direct → ${ratio >= 0.9 ? 'met' : 'missed'}`);
  const base = proxies[1];
  if (base) {
    const d = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(0)} %`;
    console.log(`now vs ${base.label}: added p50 ${f(added)} vs ${f(p50(base) - p50(direct!))} ms, throughput ratio ${f(ratio, 2)} vs ${f(rate(base) / rate(direct!), 2)}, CPU per call ${d(now.cpuPerCallMs!, base.cpuPerCallMs!)}\n`);
  }
}

async function main(): Promise<void> {
  const upstream = await startChild([join(ROOT, 'test/support/upstreams/edge-server.ts')]);
  const upstreamUrl = `http://127.0.0.1:${upstream.port}/mcp`;
  const prof = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  const proxies = [await startProxyChild('now', ROOT, prof)];
  if (BASELINE !== 'none') proxies.push(await startProxyChild(`baseline ${BASELINE.slice(0, 7)}`, extractBaseline(ROOT, BASELINE)));
  const auth = { authorization: `Bearer ${await agentToken()}` };
  const targets: Target[] = [{ label: 'direct', url: upstreamUrl, headers: {}, latencies: [], rates: [] }];
  for (const proxy of proxies) targets.push({ label: proxy.label, url: await registerEcho(proxy, upstreamUrl), headers: auth, proxy, latencies: [], rates: [] });
  try {
    for (const t of targets) {
      t.one = await client(t.url, t.headers);
      t.many = await Promise.all(Array.from({ length: CONCURRENCY }, () => client(t.url, t.headers)));
    }
    await measureLatency(targets);
    await measureThroughput(targets);
    for (const t of targets) await Promise.all([t.one!, ...t.many!].map((c) => c.close()));
    print(targets);
  } finally {
    // SIGINT first: a graceful exit lets --cpu-prof write the profile.
    for (const p of proxies) process.kill(p.pid, 'SIGINT');
    await sleep(prof.length ? 2000 : 100);
    await Promise.all(proxies.map((p) => p.stop()));
    upstream.child.kill();
  }
  process.exit(0);
}

await main();
