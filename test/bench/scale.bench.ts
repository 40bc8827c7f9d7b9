/**
 * The scale benchmark (a script, not a test): `npm run bench:scale`. Every goal of issue 14 items 2–4
 * measured in one go, the baseline beside each figure, one table printed and written to
 * test-output/bench-scale.md (+ .json). Method and the latest table: docs/performance.md.
 *
 * "before" is the proxy of the baseline commit (BENCH_BASELINE, default e6d0454), extracted from git
 * and run in the same bench run as "after" (this checkout), alternating with it.
 *
 * Env: BENCH_ONLY=hop,pinned,sessions,registrations,catalog,tokens (default all);
 * BENCH_QUICK=1 (short runs, smaller counts: a smoke test of the bench itself);
 * BENCH_SESSIONS (10000), BENCH_USERS (10000), BENCH_ROUNDS (5), BENCH_ROUND_SECONDS (1).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, type ChildServer } from '../support/upstreams/child.ts';
import { extractBaseline } from './scale/baseline.ts';
import { measureCatalog, type CatalogResult } from './scale/catalog.ts';
import { measureHop, pin, registerEcho, type HopOptions, type HopResult } from './scale/hop.ts';
import { startProxyChild, type ProxyChild } from './scale/proxy-child.ts';
import { measureRegistrationCosts, measureThousand, type RegistrationCosts, type ThousandServers } from './scale/registrations.ts';
import { IDLE_MS, measureIdleSessions, type SessionMemory } from './scale/sessions.ts';
import { KiB, machineLoad, MiB } from './scale/stats.ts';
import { renderTable, type Row } from './scale/table.ts';
import { measureTokens, type TokenResult } from './scale/tokens.ts';

const ROOT = join(fileURLToPath(import.meta.url), '../../..');
const QUICK = process.env.BENCH_QUICK === '1';
const ONLY = new Set((process.env.BENCH_ONLY ?? 'hop,pinned,sessions,registrations,catalog,tokens').split(','));
const BASELINE = process.env.BENCH_BASELINE ?? 'e6d0454';
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? (QUICK ? 500 : 10_000));
const USERS = Number(process.env.BENCH_USERS ?? (QUICK ? 300 : 10_000));
const HOP: HopOptions = {
  latencyCalls: QUICK ? 300 : 2000,
  rounds: Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 5)),
  roundSeconds: Number(process.env.BENCH_ROUND_SECONDS ?? (QUICK ? 0.3 : 1)),
  concurrencies: [16, 32],
};

const log = (m: string) => process.stderr.write(`[bench:scale] ${m}\n`);

interface Results {
  hop: HopResult[];
  sessions: SessionMemory[];
  costs: RegistrationCosts[];
  thousand: ThousandServers[];
  catalog: CatalogResult[];
  tokens?: TokenResult;
  loads: string[];
}

/** A fresh before/after pair of proxies for one section (so no section's memory leaks into another's). */
async function pair(baselineRoot: string): Promise<ProxyChild[]> {
  return [await startProxyChild('before', baselineRoot), await startProxyChild('after', ROOT)];
}

async function main(): Promise<void> {
  const baselineRoot = extractBaseline(ROOT, BASELINE);
  const results: Results = { hop: [], sessions: [], costs: [], thousand: [], catalog: [], loads: [machineLoad()] };
  const children: ChildServer[] = [];
  const stopAll = async (ps: ProxyChild[]) => Promise.all(ps.map((p) => p.stop()));
  try {
    if (ONLY.has('hop') || ONLY.has('pinned')) {
      const edge = await startChild([join(ROOT, 'test/support/upstreams/edge-server.ts')]);
      children.push(edge);
      const upstreamUrl = `http://127.0.0.1:${edge.port}/mcp`;
      const proxies = await pair(baselineRoot);
      const targets = await Promise.all(proxies.map(async (proxy) => ({ proxy, url: await registerEcho(proxy, upstreamUrl) })));
      if (ONLY.has('hop')) {
        for (const g of ['raw', 'sdk'] as const) {
          log(`hop: ${g} client, unpinned`);
          results.hop.push(await measureHop(g, upstreamUrl, targets, HOP, false));
        }
      }
      if (ONLY.has('pinned')) {
        pin(proxies.map((p) => p.pid), '0');
        pin([edge.child.pid!, process.pid], '1');
        try {
          for (const g of ['raw', 'sdk'] as const) {
            log(`hop: ${g} client, proxy on CPU 0, upstream and load generator on CPU 1`);
            results.hop.push(await measureHop(g, upstreamUrl, targets, HOP, true));
          }
        } finally {
          pin([...proxies.map((p) => p.pid), edge.child.pid!, process.pid], '0,1');
        }
      }
      results.loads.push(machineLoad());
      await stopAll(proxies);
    }

    const many = await startChild([join(ROOT, 'test/bench/scale/many-tools-upstream.ts')]);
    children.push(many);
    const manyUrl = `http://127.0.0.1:${many.port}`;

    if (ONLY.has('sessions')) {
      for (const proxy of await pair(baselineRoot)) {
        log(`sessions: ${SESSIONS} idle sessions on ${proxy.label}`);
        const url = await registerTools(proxy, manyUrl);
        results.sessions.push(await measureIdleSessions(proxy, url, SESSIONS));
        await proxy.stop();
      }
      results.loads.push(machineLoad());
    }

    if (ONLY.has('registrations')) {
      for (const label of ['before', 'after']) {
        const root = label === 'before' ? baselineRoot : ROOT;
        log(`registrations: heap per gateway and per tool on ${label}`);
        let proxy = await startProxyChild(label, root);
        results.costs.push(await measureRegistrationCosts(proxy, manyUrl, QUICK ? 50 : 200));
        await proxy.stop();
        log(`registrations: 1,000 virtual servers over 1,000 gateways on ${label}`);
        proxy = await startProxyChild(label, root);
        results.thousand.push(await measureThousand(proxy, manyUrl, QUICK ? 100 : 1000));
        await proxy.stop();
      }
      results.loads.push(machineLoad());
    }

    if (ONLY.has('catalog')) {
      for (const proxy of await pair(baselineRoot)) {
        log(`catalog: 50 gateways × 100 tools on ${proxy.label}`);
        results.catalog.push(await measureCatalog(proxy, manyUrl, QUICK ? 40 : 200));
        await proxy.stop();
      }
      results.loads.push(machineLoad());
    }

    if (ONLY.has('tokens')) {
      log(`tokens: ${USERS} users × 3 gateways against a real kube-apiserver`);
      results.tokens = await measureTokens(USERS, 3, log);
      results.loads.push(machineLoad());
    }
  } finally {
    await Promise.all(children.map((c) => c.kill()));
  }

  const table = renderTable(rows(results), results.loads, { baseline: BASELINE, sessions: SESSIONS, users: USERS, hop: HOP });
  console.log(`\n${table}`);
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  writeFileSync(join(ROOT, 'test-output/bench-scale.md'), table);
  writeFileSync(join(ROOT, 'test-output/bench-scale.json'), JSON.stringify(results, null, 2));
  log('written to test-output/bench-scale.md and .json');
  process.exit(0);
}

/** A one-gateway, one-server setup (10 tools) for the session runs; resolves the server's MCP URL. */
async function registerTools(proxy: ProxyChild, manyUrl: string): Promise<string> {
  const { addGateways, addServers, serverId } = await import('./scale/registrations.ts');
  await addGateways(proxy, manyUrl, 0, 1, 10);
  await addServers(proxy, 0, 1, () => [0]);
  return `${proxy.url}/servers/${serverId(0)}/mcp`;
}

const ms = (x: number) => `${x.toFixed(2)} ms`;
const plusMs = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)} ms`;
const ratio = (x: number) => `${x.toFixed(2)}×`;
const kib = (x: number) => `${(x / KiB).toFixed(1)} KiB`;
const mib = (x: number) => `${(x / MiB).toFixed(0)} MiB`;

function rows(r: Results): Row[] {
  const out: Row[] = [];
  for (const h of r.hop) {
    const direct = h.targets.find((t) => t.label === 'direct')!;
    const by = (label: string) => h.targets.find((t) => t.label === label);
    const where = `${h.generator === 'raw' ? 'lean client' : 'SDK client'}${h.pinned ? ', proxy pinned to CPU 0' : ''}`;
    const b = by('before');
    const a = by('after')!;
    out.push({ section: 'hop', what: `p50 added at c=1 (${where}; direct ${ms(direct.p50)})`, goal: '≤ +0.30 ms', before: b ? plusMs(b.p50 - direct.p50) : '', after: plusMs(a.p50 - direct.p50), met: a.p50 - direct.p50 <= 0.3 });
    for (const c of Object.keys(direct.throughput).map(Number)) {
      const rate = (t: { throughput: Record<number, number> }) => t.throughput[c]! / direct.throughput[c]!;
      out.push({ section: 'hop', what: `throughput vs direct at c=${c} (${where}; direct ${direct.throughput[c]!.toFixed(0)}/s)`, goal: '≥ 0.90×', before: b ? ratio(rate(b)) : '', after: ratio(rate(a)), met: rate(a) >= 0.9 });
    }
    out.push({ section: 'hop', what: `proxy CPU per call (${where})`, goal: 'lower', before: b?.cpuPerCallUs ? `${b.cpuPerCallUs.toFixed(0)} µs` : '', after: `${a.cpuPerCallUs!.toFixed(0)} µs`, met: b?.cpuPerCallUs === undefined ? undefined : a.cpuPerCallUs! < b.cpuPerCallUs });
  }
  const s = (label: string) => r.sessions.find((x) => x.label === label);
  if (s('after')) {
    const a = s('after')!;
    const b = s('before');
    out.push({ section: 'memory', what: `heap per agent session right after initialize (${a.sessions} sessions)`, goal: 'report', before: b?.heapPerSessionFresh ? kib(b.heapPerSessionFresh) : '', after: kib(a.heapPerSessionFresh) });
    out.push({ section: 'memory', what: `heap per idle agent session (${a.sessions} sessions, initialized, ${IDLE_MS / 1000} s without a request)`, goal: '≤ 12 KiB', before: b ? kib(b.heapPerSession) : '', after: kib(a.heapPerSession), met: a.heapPerSession <= 12 * KiB });
    out.push({ section: 'memory', what: `heap per idle agent session, its GET stream open`, goal: '≤ 12 KiB', before: b ? kib(b.heapPerSessionWithStream) : '', after: kib(a.heapPerSessionWithStream), met: a.heapPerSessionWithStream <= 12 * KiB });
  }
  const c = (label: string) => r.costs.find((x) => x.label === label);
  if (c('after')) {
    out.push({ section: 'memory', what: 'heap per gateway registration (no tools)', goal: 'report', before: c('before') ? kib(c('before')!.heapPerGateway) : '', after: kib(c('after')!.heapPerGateway) });
    out.push({ section: 'memory', what: 'heap per discovered tool', goal: 'report', before: c('before') ? kib(c('before')!.heapPerTool) : '', after: kib(c('after')!.heapPerTool) });
  }
  const t = (label: string) => r.thousand.find((x) => x.label === label);
  if (t('after')) {
    const a = t('after')!;
    const b = t('before');
    out.push({ section: 'memory', what: `replica RSS, ${a.gateways} servers over ${a.gateways} gateways (${a.tools} tools; empty: ${mib(a.rssEmpty)})`, goal: '< 256 MiB', before: b ? mib(b.rss) : '', after: mib(a.rss), met: a.rss < 256 * MiB });
    out.push({ section: 'memory', what: '  of which heap used', goal: 'report', before: b ? mib(b.heapUsed) : '', after: mib(a.heapUsed) });
    const young = (t: ThousandServers) => (t.memory?.spaces?.new_space?.size === undefined ? '' : ` (young generation ${mib(t.memory.spaces.new_space.size)})`);
    out.push({ section: 'memory', what: '  V8 heap reserved', goal: 'report', before: b?.memory ? `${mib(b.memory.heapTotal)}${young(b)}` : '', after: `${mib(a.memory.heapTotal)}${young(a)}` });
    out.push({ section: 'memory', what: '  external memory (buffers, native objects); open fds', goal: 'report', before: b?.memory ? `${mib(b.memory.external)}; ${b.memory.fds}` : '', after: `${mib(a.memory.external)}; ${a.memory.fds}` });
    out.push({ section: 'memory', what: 'heap per virtual server registration (resolved)', goal: 'report', before: b ? kib(b.heapPerServer) : '', after: kib(a.heapPerServer) });
    out.push({ section: 'catalog', what: `proxy CPU per change to one gateway (${a.gateways} servers registered)`, goal: 'only dependents', before: b ? `${(b.cpuPerGatewayChangeUs / 1000).toFixed(2)} ms` : '', after: `${(a.cpuPerGatewayChangeUs / 1000).toFixed(2)} ms` });
  }
  if (r.tokens) {
    const k = r.tokens;
    out.push({ section: 'memory', what: `token vault RSS growth, ${k.tokens} stored tokens all looked up (empty: ${mib(k.rssEmpty)})`, goal: '≤ 30 MiB', before: '', after: mib(k.rssGrowth), met: k.rssGrowth <= 30 * MiB });
    out.push({ section: 'memory', what: 'warm token lookup p50 (read cache)', goal: '≤ 1 ms', before: '', after: ms(k.warmP50Ms), met: k.warmP50Ms <= 1 });
    out.push({ section: 'memory', what: 'token lookup p50 reaching the kube-apiserver (one Secret GET)', goal: 'report', before: '', after: ms(k.apiServerP50Ms) });
    out.push({ section: 'memory', what: `  V8 heap reserved growth (young generation ${mib(k.youngGeneration)}); read cache ${k.cached.entries} entries ≈ ${mib(k.cached.bytes)}`, goal: 'report', before: '', after: mib(k.heapTotalGrowth) });
    out.push({ section: 'memory', what: `  keeper pass over one gateway's ${k.keeperPass.records} users (paged): time; RSS growth over empty after it`, goal: 'report', before: '', after: `${k.keeperPass.seconds.toFixed(1)} s; ${mib(k.keeperPass.rssGrowth)}` });
  }
  const g = (label: string) => r.catalog.find((x) => x.label === label);
  if (g('after')) {
    const a = g('after')!;
    const b = g('before');
    for (const n of Object.keys(a.listP50).map(Number)) {
      out.push({ section: 'catalog', what: `tools/list p50, one request, server over ${n} gateways × 100 tools`, goal: n === 50 ? '≤ 2 ms' : 'flat', before: b ? ms(b.listP50[n]!) : '', after: ms(a.listP50[n]!), ...(n === 50 ? { met: a.listP50[n]! <= 2 } : {}) });
    }
    for (const n of Object.keys(a.wholeListP50).map(Number)) {
      out.push({ section: 'catalog', what: `whole tools/list p50 (every page), ${n} gateways × 100 tools${n === 50 ? ` (${a.pages} pages after, ${b?.pages ?? '?'} before)` : ''}`, goal: 'report', before: b ? ms(b.wholeListP50[n]!) : '', after: ms(a.wholeListP50[n]!) });
    }
    out.push({ section: 'catalog', what: 'tools/list p50 (50 gateways) right after a change to a gateway it does not use', goal: '≈ unchanged', before: b ? ms(b.listAfterUnrelatedChangeP50) : '', after: ms(a.listAfterUnrelatedChangeP50) });
  }
  return out;
}

await main();
