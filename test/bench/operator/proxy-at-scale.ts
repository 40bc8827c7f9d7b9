/**
 * One proxy replica as the operator drives it at scale, without the operator: `n` gateways (the
 * operator's own bodies, `desiredGateway`) and `n` virtual servers (`desiredServer`, one per gateway,
 * tools `echo` and `add`) PUT 16 at a time (the operator's default concurrency), `GET /v1/state`
 * timed every 5 s meanwhile (the operator's poll), then the replica watched at rest for one
 * health-check interval. So a change to the proxy's admin or upstream path can be measured at
 * 10,000 gateways in minutes, side by side with a baseline (operator-proxy.bench.ts).
 */
import type { McpGateway } from '../../../src/api/mcp-gateway.ts';
import type { VirtualServer } from '../../../src/api/virtual-server.ts';
import { desiredGateway, desiredServer } from '../../../src/reconcile/desired.ts';
import type { ProxyChild } from '../scale/proxy-child.ts';
import { percentile, sleep } from '../scale/stats.ts';
import { NS, pool } from './objects.ts';
import { cpuMsOf, fdsOf, rssOf, sampleState, timeState } from './proxy-probe.ts';

export interface ProxyAtScale {
  gatewaysPutS: number;
  serversPutS: number;
  /** From the first PUT until every gateway listed its tools. */
  discoveredS: number;
  /** Proxy CPU from the first PUT until discovered, s. */
  busyCpuS: number;
  /** `GET /v1/state` durations while PUTs and discovery ran (NaN = failed). */
  stateBusy: number[];
  /** Share of one core at rest (health checks only). */
  restCpu: number;
  stateRest: number[];
  rss: number;
  heapUsed: number;
}

/** The three most frequent `lastError`s with their counts (what keeps gateways from being discovered). */
function topErrors(list: { lastError: string | null }[]): string {
  const counts = new Map<string, number>();
  for (const g of list) if (g.lastError) counts.set(g.lastError.slice(0, 120), (counts.get(g.lastError.slice(0, 120)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([e, k]) => `${k}× ${e}`).join('; ') || 'none';
}

const gatewayBody = (i: number, url: string) => desiredGateway({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'McpGateway', metadata: { name: `gw-${i}`, namespace: NS }, spec: { url, transport: 'StreamableHTTP', allowPrivateNetwork: true } } as unknown as McpGateway, () => undefined);
const serverBody = (i: number) => desiredServer({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'VirtualServer', metadata: { name: `vs-${i}`, namespace: NS }, spec: { tools: [{ gateway: `gw-${i}`, include: ['echo', 'add'] }] } } as unknown as VirtualServer);

export async function driveProxy(proxy: ProxyChild, n: number, urlFor: (i: number) => string, restMs: number, log: (m: string) => void): Promise<ProxyAtScale> {
  const indexes = Array.from({ length: n }, (_, i) => i);
  const cpu0 = cpuMsOf(proxy.pid);
  const t0 = performance.now();
  const polls = sampleState(proxy);
  await pool(indexes, 16, async (i) => {
    const d = gatewayBody(i, urlFor(i));
    await proxy.admin('PUT', `/v1/gateways/${d.id}`, d.body);
  });
  const tGateways = performance.now();
  log(`${proxy.label}: ${n} gateways PUT in ${((tGateways - t0) / 1000).toFixed(1)} s, ${fdsOf(proxy.pid)} fds`);
  await pool(indexes, 16, async (i) => {
    const d = serverBody(i);
    await proxy.admin('PUT', `/v1/servers/${d.id}`, d.body);
  });
  const tServers = performance.now();
  log(`${proxy.label}: ${n} servers PUT in ${((tServers - tGateways) / 1000).toFixed(1)} s`);
  for (;;) {
    const list = (await proxy.admin('GET', '/v1/gateways')) as { toolCount: number; reachable: boolean; lastError: string | null }[];
    const done = list.filter((g) => g.toolCount > 0).length;
    if (done === n) break;
    log(`${proxy.label}: ${done}/${n} discovered, ${list.filter((g) => g.reachable).length} reachable after ${((performance.now() - t0) / 1000).toFixed(0)} s, RSS ${(rssOf(proxy.pid) / 2 ** 20).toFixed(0)} MiB, ${fdsOf(proxy.pid)} fds; errors: ${topErrors(list)}`);
    if (performance.now() - t0 > 1_800_000) throw new Error(`${proxy.label}: not discovered in 30 min`);
    await sleep(5_000);
  }
  const discoveredS = (performance.now() - t0) / 1000;
  const busyCpuS = (cpuMsOf(proxy.pid) - cpu0) / 1000;
  const stateBusy = await polls.stop();
  const restCpu0 = cpuMsOf(proxy.pid);
  const restStart = performance.now();
  await sleep(restMs);
  const restCpu = (cpuMsOf(proxy.pid) - restCpu0) / (performance.now() - restStart);
  const stateRest: number[] = [];
  for (let i = 0; i < 20; i++) stateRest.push((await timeState(proxy)).ms);
  const rss = rssOf(proxy.pid);
  const { heapUsed } = await proxy.ask('heap');
  log(`${proxy.label}: discovered in ${discoveredS.toFixed(1)} s; at rest CPU ${(restCpu * 100).toFixed(1)} %, /state p50 ${percentile(stateRest, 50).toFixed(0)} ms`);
  return { gatewaysPutS: (tGateways - t0) / 1000, serversPutS: (tServers - tGateways) / 1000, discoveredS, busyCpuS, stateBusy, restCpu, stateRest, rss, heapUsed };
}
