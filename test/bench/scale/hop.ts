/**
 * Hop cost: `tools/call echo` directly to the upstream and through each proxy (baseline and
 * current), with two load generators — the lean raw client and the MCP SDK client — at c=1
 * (latency) and c=16 / c=32 (throughput). Runs alternate target by target (latency in batches of
 * 100, throughput in rounds whose order rotates), and medians are reported, so load from other work
 * on the machine hits every target alike. Proxy CPU per call comes from the proxy process's own
 * user+system time over its throughput rounds.
 *
 * `pinned`: the proxies on CPU 0, the upstream and the load generator (this process) on CPU 1, so
 * the proxied ratio is not bounded by three busy processes sharing two cores.
 */
import { execFileSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SignJWT } from 'jose';
import { Pool } from 'undici';
import { AGENT_SECRET, type ProxyChild } from './proxy-child.ts';
import { RawMcpSession } from './raw-client.ts';
import { median, percentile, sleep } from './stats.ts';

export interface HopOptions {
  latencyCalls: number;
  rounds: number;
  roundSeconds: number;
  concurrencies: number[];
}

/** Per target: p50/p99 at c=1, calls/s per concurrency, proxy CPU µs per call (proxies only). */
export interface HopResult {
  generator: 'raw' | 'sdk';
  pinned: boolean;
  targets: Array<{ label: string; p50: number; p99: number; throughput: Record<number, number>; cpuPerCallUs?: number }>;
}

interface Caller {
  call(i: number): Promise<unknown>;
  close(): Promise<void>;
}

interface Target {
  label: string;
  proxy?: ProxyChild;
  one: Caller;
  many: Caller[];
}

export async function agentToken(user = 'bench'): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(user).setIssuer('mcp-gitops').setAudience('mcp-gitops').setExpirationTime('2h').sign(new TextEncoder().encode(AGENT_SECRET));
}

/** Registers the edge upstream's `echo` as virtual server `b…b` on `proxy`; resolves its MCP URL. */
export async function registerEcho(proxy: ProxyChild, upstreamUrl: string): Promise<string> {
  const gw = 'a'.repeat(32);
  const vs = 'b'.repeat(32);
  await proxy.admin('PUT', `/gateways/${gw}`, { name: 'edge', url: upstreamUrl, transport: 'STREAMABLEHTTP' });
  await proxy.admin('PUT', `/servers/${vs}`, { name: 'bench', tool_selectors: [{ gateway_id: gw, include: ['echo'], rename: { echo: 'echo' } }] });
  for (let i = 0; i < 400; i++) {
    const s = (await proxy.admin('GET', `/servers/${vs}`)) as { toolCount: number };
    if (s.toolCount === 1) return `${proxy.url}/servers/${vs}/mcp`;
    await sleep(50);
  }
  throw new Error(`${proxy.label}: echo never discovered`);
}

async function rawCallers(url: string, auth: Record<string, string>, n: number): Promise<{ one: Caller; many: Caller[] }> {
  const pool = new Pool(new URL(url).origin, { connections: n + 1, pipelining: 1 });
  const open = async (): Promise<Caller> => {
    const s = await RawMcpSession.open(pool, url, auth);
    return { call: (i) => s.callTool('echo', { text: `hello ${i}` }), close: async () => {} };
  };
  const one = await open();
  const many = await Promise.all(Array.from({ length: n }, open));
  many[0]!.close = () => pool.close();
  return { one, many };
}

async function sdkCallers(url: string, auth: Record<string, string>, n: number): Promise<{ one: Caller; many: Caller[] }> {
  const open = async (): Promise<Caller> => {
    const c = new Client({ name: 'scale-bench', version: '1' });
    await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: auth } }));
    return { call: (i) => c.callTool({ name: 'echo', arguments: { text: `hello ${i}` } }), close: () => c.close() };
  };
  const one = await open();
  const many: Caller[] = [];
  for (let i = 0; i < n; i++) many.push(await open());
  return { one, many };
}

async function throughput(callers: Caller[], seconds: number): Promise<number> {
  let done = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  await Promise.all(callers.map(async (c, k) => {
    for (let i = 0; performance.now() < until; i++) {
      await c.call(k * 1e6 + i);
      done++;
    }
  }));
  return done / ((performance.now() - start) / 1000);
}

/** Moves `pids` (all their threads) onto `cpus` ("0", "1", "0,1"). */
export function pin(pids: number[], cpus: string): void {
  for (const pid of pids) execFileSync('taskset', ['-a', '-pc', cpus, String(pid)], { stdio: 'ignore' });
}

export async function measureHop(generator: 'raw' | 'sdk', upstreamUrl: string, proxies: Array<{ proxy: ProxyChild; url: string }>, o: HopOptions, pinned: boolean): Promise<HopResult> {
  const auth = { authorization: `Bearer ${await agentToken()}` };
  const maxC = Math.max(...o.concurrencies);
  const make = generator === 'raw' ? rawCallers : sdkCallers;
  const targets: Target[] = [{ label: 'direct', ...(await make(upstreamUrl, {}, maxC)) }];
  for (const p of proxies) targets.push({ label: p.proxy.label, proxy: p.proxy, ...(await make(p.url, auth, maxC)) });

  // Warm-up, then latency in alternating batches.
  for (let i = 0; i < 200; i++) for (const t of targets) await t.one.call(i);
  const lat = targets.map(() => [] as number[]);
  for (let done = 0; done < o.latencyCalls; done += 100) {
    for (const [k, t] of targets.entries()) {
      for (let i = 0; i < 100; i++) {
        const s = performance.now();
        await t.one.call(i);
        lat[k]!.push(performance.now() - s);
      }
    }
  }

  const tput = targets.map(() => ({}) as Record<number, number[]>);
  const cpu = targets.map(() => ({ micros: 0, calls: 0 }));
  for (const c of o.concurrencies) {
    for (const t of targets) await throughput(t.many.slice(0, c), 0.3);
    for (let r = 0; r < o.rounds; r++) {
      // Rotate the order each round so no target always runs first (or right after another).
      for (let j = 0; j < targets.length; j++) {
        const k = (j + r) % targets.length;
        const t = targets[k]!;
        const before = t.proxy ? await t.proxy.ask('cpu') : undefined;
        const rate = await throughput(t.many.slice(0, c), o.roundSeconds);
        if (t.proxy && before) {
          const after = await t.proxy.ask('cpu');
          cpu[k]!.micros += after.cpuMicros - before.cpuMicros;
          cpu[k]!.calls += rate * o.roundSeconds;
        }
        (tput[k]![c] ??= []).push(rate);
      }
    }
  }
  for (const t of targets) await Promise.all([t.one, ...t.many].map((c) => c.close().catch(() => {})));
  return {
    generator,
    pinned,
    targets: targets.map((t, k) => ({
      label: t.label,
      p50: percentile(lat[k]!, 50),
      p99: percentile(lat[k]!, 99),
      throughput: Object.fromEntries(o.concurrencies.map((c) => [c, median(tput[k]![c]!)])),
      ...(t.proxy ? { cpuPerCallUs: cpu[k]!.micros / cpu[k]!.calls } : {}),
    })),
  };
}
