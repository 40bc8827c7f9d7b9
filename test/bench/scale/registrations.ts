/**
 * Registration memory: what gateways, their discovered tools and virtual servers cost a replica.
 *
 * - `measureRegistrationCosts`: heap per gateway registration (200 gateways offering no tools) and
 *   per discovered tool (20 more offering 500 each: their heap less 20 registrations, per tool), in
 *   a fresh proxy. Few gateways with many tools, so the per-gateway figure's noise stays small.
 * - `measureThousand`: 1,000 gateways × `tools` tools and 1,000 virtual servers (one per gateway,
 *   every tool), resolved; the replica's RSS and heap against half its 512Mi limit, heap per server
 *   registration, and the proxy CPU one change to one gateway costs with all of that registered.
 */
import type { Memory, ProxyChild } from './proxy-child.ts';
import { sleep } from './stats.ts';

export const gatewayId = (k: number): string => `a${k.toString(16).padStart(31, '0')}`;
export const serverId = (k: number): string => `b${k.toString(16).padStart(31, '0')}`;

/** PUTs gateways `from`..`to`-1 (each offering `tools` tools) and waits until all are discovered. */
export async function addGateways(proxy: ProxyChild, upstream: string, from: number, to: number, tools: number): Promise<void> {
  let next = from;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < to) {
      const k = next++;
      await proxy.admin('PUT', `/gateways/${gatewayId(k)}`, { name: `gw-${k}`, url: `${upstream}/g/${k}/t/${tools}/mcp`, transport: 'STREAMABLEHTTP' });
    }
  }));
  const wanted = new Set(Array.from({ length: to - from }, (_, i) => gatewayId(from + i)));
  for (let i = 0; i < 1200; i++) {
    const list = (await proxy.admin('GET', '/gateways')) as Array<{ id: string; reachable: boolean; toolCount: number }>;
    const ready = list.filter((g) => wanted.has(g.id) && g.reachable && g.toolCount === tools).length;
    if (ready === wanted.size) return;
    await sleep(250);
  }
  throw new Error(`${proxy.label}: gateways ${from}..${to - 1} not all discovered`);
}

export async function addServers(proxy: ProxyChild, from: number, to: number, gatewaysOf: (k: number) => number[]): Promise<void> {
  let next = from;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < to) {
      const k = next++;
      await proxy.admin('PUT', `/servers/${serverId(k)}`, { name: `vs-${k}`, tool_selectors: gatewaysOf(k).map((g) => ({ gateway_id: gatewayId(g) })) });
    }
  }));
}

export interface RegistrationCosts {
  label: string;
  heapPerGateway: number;
  heapPerTool: number;
}

export async function measureRegistrationCosts(proxy: ProxyChild, upstream: string, n = 200, tools = 500): Promise<RegistrationCosts> {
  const h0 = await proxy.ask('heap');
  await addGateways(proxy, upstream, 0, n, 0);
  const h1 = await proxy.ask('heap');
  const m = Math.max(1, Math.round(n / 10));
  await addGateways(proxy, upstream, n, n + m, tools);
  const h2 = await proxy.ask('heap');
  const perGateway = (h1.heapUsed - h0.heapUsed) / n;
  return { label: proxy.label, heapPerGateway: perGateway, heapPerTool: (h2.heapUsed - h1.heapUsed - perGateway * m) / (m * tools) };
}

export interface ThousandServers {
  label: string;
  gateways: number;
  tools: number;
  rssEmpty: number;
  rss: number;
  heapUsed: number;
  /** Where the RSS is, everything registered: the V8 heap as reserved, external memory (incl. buffers), open fds. */
  memory: Memory;
  memoryEmpty: Memory;
  heapPerServer: number;
  /** Proxy CPU (µs) to take in one change to one gateway, with everything above registered. */
  cpuPerGatewayChangeUs: number;
}

export async function measureThousand(proxy: ProxyChild, upstream: string, n = 1000, tools = 10): Promise<ThousandServers> {
  const h0 = await proxy.ask('heap');
  await addGateways(proxy, upstream, 0, n, tools);
  const h1 = await proxy.ask('heap');
  await addServers(proxy, 0, n, (k) => [k]);
  await proxy.admin('GET', '/servers'); // resolves every server once
  const h2 = await proxy.ask('heap');
  const changes = 20;
  const c0 = await proxy.ask('cpu');
  for (let i = 0; i < changes; i++) {
    await proxy.admin('PUT', `/gateways/${gatewayId(7)}`, { name: 'gw-7', url: `${upstream}/g/7/t/${tools}/mcp`, transport: 'STREAMABLEHTTP', description: `change ${i}` });
  }
  await sleep(200);
  const c1 = await proxy.ask('cpu');
  return {
    label: proxy.label,
    gateways: n,
    tools: n * tools,
    rssEmpty: h0.rss,
    rss: h2.rss,
    heapUsed: h2.heapUsed,
    memory: h2,
    memoryEmpty: h0,
    heapPerServer: (h2.heapUsed - h1.heapUsed) / n,
    cpuPerGatewayChangeUs: (c1.cpuMicros - c0.cpuMicros) / changes,
  };
}
