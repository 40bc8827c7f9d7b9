/**
 * Benchmark (a script, not a test): `tools/call` through the proxy versus directly to the same
 * upstream, in one run on this machine.
 *
 *   node test/bench/proxy.bench.ts            # or: npm run bench
 *   BENCH_SECONDS=10 BENCH_SESSIONS=1000 node test/bench/proxy.bench.ts
 *
 * Processes: the upstream (our edge MCP server, Streamable HTTP, SSE responses) and the proxy (agent
 * auth on, audit log on) each run as their own child process; the agents (SDK clients) run here.
 * Measures: p50/p99 latency at concurrency 1, throughput at concurrency 32 (32 agent sessions; the
 * proxy multiplexes them onto its one upstream session), proxy heap per idle agent session.
 * Direct and proxied runs alternate (latency in batches of 100, throughput in rounds whose median
 * is reported), so load from other work on a shared machine hits both alike.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SignJWT } from 'jose';

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const SECRET = 'bench-agent-secret-0123456789abcdef0123456789';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LATENCY_CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IDLE_SESSIONS = Number(process.env.BENCH_SESSIONS ?? 500);
const CONCURRENCY = 32;

function startChild(args: string[], execArgv: string[] = []): Promise<{ child: ChildProcess; first: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const child = fork(args[0]!, args.slice(1), { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /LISTENING (\d+)/.exec(err);
      if (m) resolve({ child, first: { port: Number(m[1]) } });
    });
    child.once('message', (m) => resolve({ child, first: m as Record<string, unknown> }));
    child.once('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
  });
}

function ask(child: ChildProcess, msg: string): Promise<Record<string, number>> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as Record<string, number>));
    child.send(msg);
  });
}

async function client(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const c = new Client({ name: 'bench', version: '1' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return c;
}

const call = (c: Client, i: number) => c.callTool({ name: 'echo', arguments: { text: `hello ${i}` } });

/** Sequential calls, alternating direct and proxy batches so that load from elsewhere hits both alike. */
async function latencies(direct: Client, proxy: Client): Promise<[Stats, Stats]> {
  for (let i = 0; i < 300; i++) {
    await call(direct, i);
    await call(proxy, i);
  }
  const d: number[] = [];
  const p: number[] = [];
  const batch = 100;
  for (let done = 0; done < LATENCY_CALLS; done += batch) {
    for (const [c, into] of [[direct, d], [proxy, p]] as const) {
      for (let i = 0; i < batch; i++) {
        const t = performance.now();
        await call(c, i);
        into.push(performance.now() - t);
      }
    }
  }
  return [stats(d), stats(p)];
}

interface Stats {
  p50: number;
  p99: number;
  mean: number;
}

function stats(samples: number[]): Stats {
  samples.sort((a, b) => a - b);
  const pct = (q: number) => samples[Math.min(samples.length - 1, Math.floor((q / 100) * samples.length))]!;
  return { p50: pct(50), p99: pct(99), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

/** Calls per second with every client calling in a loop for `seconds`. */
async function throughput(clients: Client[], seconds: number): Promise<number> {
  let done = 0;
  const until = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    clients.map(async (c, k) => {
      for (let i = 0; performance.now() < until; i++) {
        await call(c, k * 1e6 + i);
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

/** Median of `ROUNDS` alternating direct/proxy runs (order flipped each round). */
async function throughputs(direct: Client[], proxy: Client[]): Promise<[number, number]> {
  await throughput(direct, 0.5);
  await throughput(proxy, 0.5);
  const d: number[] = [];
  const p: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const first = r % 2 === 0;
    if (first) d.push(await throughput(direct, SECONDS / ROUNDS));
    p.push(await throughput(proxy, SECONDS / ROUNDS));
    if (!first) d.push(await throughput(direct, SECONDS / ROUNDS));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return [median(d), median(p)];
}

async function main(): Promise<void> {
  const here = fileURLToPath(import.meta.url);
  const edgePath = fileURLToPath(new URL('../support/upstreams/edge-server.ts', import.meta.url));
  const upstream = await startChild([edgePath]);
  const upstreamUrl = `http://127.0.0.1:${upstream.first.port}/mcp`;
  const proxyProc = await startChild([here, '--serve-proxy'], ['--expose-gc', ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROF] : [])]);
  const proxyUrl = proxyProc.first.url as string;

  const auth = (h: Record<string, string>) => fetch(`${proxyUrl}${h.path}`, { method: h.method ?? 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: h.body ?? null });
  const gw = 'a'.repeat(32);
  const vs = 'b'.repeat(32);
  await auth({ path: `/gateways/${gw}`, body: JSON.stringify({ name: 'edge', url: upstreamUrl, transport: 'STREAMABLEHTTP' }) });
  await auth({ path: `/servers/${vs}`, body: JSON.stringify({ name: 'bench', tool_selectors: [{ gateway_id: gw, include: ['echo'], rename: { echo: 'echo' } }] }) });
  for (let i = 0; i < 200; i++) {
    const s = (await (await fetch(`${proxyUrl}/servers/${vs}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { toolCount: number };
    if (s.toolCount === 1) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('bench').setIssuer('mcp-gitops').setAudience('mcp-gitops').setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
  const agentHeaders = { authorization: `Bearer ${token}` };
  const viaUrl = `${proxyUrl}/servers/${vs}/mcp`;

  const direct1 = await client(upstreamUrl);
  const proxy1 = await client(viaUrl, agentHeaders);
  const [dLat, pLat] = await latencies(direct1, proxy1);

  const directN = await Promise.all(Array.from({ length: CONCURRENCY }, () => client(upstreamUrl)));
  const proxyN = await Promise.all(Array.from({ length: CONCURRENCY }, () => client(viaUrl, agentHeaders)));
  const [dTput, pTput] = await throughputs(directN, proxyN);
  // Proxy CPU per call: its own process time over a proxied run.
  const cpu0 = await ask(proxyProc.child, 'cpu');
  let proxiedCalls = 0;
  {
    const until = performance.now() + Number(process.env.BENCH_CPU_MS ?? 3000);
    await Promise.all(proxyN.map(async (c, k) => {
      for (let i = 0; performance.now() < until; i++) {
        await call(c, k * 1e6 + i);
        proxiedCalls++;
      }
    }));
  }
  const cpu1 = await ask(proxyProc.child, 'cpu');
  const proxyCpuPerCall = (cpu1.cpuMicros! - cpu0.cpuMicros!) / proxiedCalls;
  await Promise.all([...directN, ...proxyN, direct1, proxy1].map((c) => c.close()));

  const before = await ask(proxyProc.child, 'heap');
  const idle: Client[] = [];
  for (let i = 0; i < IDLE_SESSIONS; i++) idle.push(await client(viaUrl, agentHeaders));
  await new Promise((r) => setTimeout(r, 500));
  const after = await ask(proxyProc.child, 'heap');
  const perSession = (after.heapUsed! - before.heapUsed!) / IDLE_SESSIONS;
  const rssPerSession = (after.rss! - before.rss!) / IDLE_SESSIONS;
  await Promise.all(idle.map((c) => c.close()));

  const f = (n: number, d = 3) => n.toFixed(d);
  const rows = [
    ['', 'direct', 'via proxy', 'proxy − direct', 'ratio'],
    ['p50 latency, c=1 (ms)', f(dLat.p50), f(pLat.p50), f(pLat.p50 - dLat.p50), f(pLat.p50 / dLat.p50, 2) + 'x'],
    ['p99 latency, c=1 (ms)', f(dLat.p99), f(pLat.p99), f(pLat.p99 - dLat.p99), f(pLat.p99 / dLat.p99, 2) + 'x'],
    ['mean latency, c=1 (ms)', f(dLat.mean), f(pLat.mean), f(pLat.mean - dLat.mean), f(pLat.mean / dLat.mean, 2) + 'x'],
    [`throughput, c=${CONCURRENCY} (calls/s)`, f(dTput, 0), f(pTput, 0), '', f(pTput / dTput, 2) + 'x'],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`\ntools/call "echo" — Node ${process.version}, ${(await import('node:os')).cpus().length} CPUs, ${LATENCY_CALLS} sequential calls each (alternating batches), ${SECONDS}s at c=${CONCURRENCY} each (median of ${ROUNDS} alternating rounds)\n`);
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  console.log(`\nproxy CPU per proxied call at c=${CONCURRENCY}: ${f(proxyCpuPerCall / 1000)} ms (user+system of the proxy process)`);
  console.log(`proxy heap per idle agent session: ${f(perSession / 1024, 1)} KiB (rss ${f(rssPerSession / 1024, 1)} KiB; ${IDLE_SESSIONS} SDK-client sessions, each with its GET stream open)`);
  console.log(`goals (issue 14): added p50 ≤ 0.3 ms → ${pLat.p50 - dLat.p50 <= 0.3 ? 'met' : 'missed'}; throughput ≥ 0.9x direct → ${pTput / dTput >= 0.9 ? 'met' : 'missed'} (load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' / ')})\n`);

  proxyProc.child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, process.env.BENCH_PROF ? 2000 : 0));
  upstream.child.kill();
  process.exit(0);
}

async function serveProxy(): Promise<void> {
  const { startProxy } = await import('../../src/proxy/start.ts');
  const { pino } = await import('pino');
  const { createWriteStream } = await import('node:fs');
  const proxy = await startProxy({ port: 0, adminToken: ADMIN_TOKEN, agentAuth: { hs256Secret: SECRET }, logger: pino({ level: process.env.BENCH_LOG ?? 'info' }, process.env.BENCH_LOG_DEST === 'fs' ? createWriteStream('/dev/null') : pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 })), maxSessions: 100_000 });
  process.on('message', (m) => {
    if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send!({ cpuMicros: u.user + u.system });
    }
    if (m === 'heap') {
      globalThis.gc?.();
      globalThis.gc?.();
      process.send!({ heapUsed: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss });
    }
  });
  process.on('SIGINT', () => process.exit(0));
  process.send!({ url: proxy.url });
}


if (process.argv[2] === '--serve-proxy') await serveProxy();
else await main();
