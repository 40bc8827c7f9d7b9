/**
 * Big catalogs: `tools/list` (one agent session, the lean client) on virtual servers over 1, 10, 25
 * and 50 gateways × 100 tools, p50 over alternating batches — of one request (the first page when
 * the proxy paginates) and of the whole list (every page, following `nextCursor`); then the first
 * page again right after a change to a gateway the server does not use (a change should cost only
 * what depends on it).
 */
import { Pool } from 'undici';
import { agentToken } from './hop.ts';
import type { ProxyChild } from './proxy-child.ts';
import { RawMcpSession } from './raw-client.ts';
import { addGateways, addServers, gatewayId, serverId } from './registrations.ts';
import { percentile } from './stats.ts';

export const CATALOG_SIZES = [1, 10, 25, 50];

export interface CatalogResult {
  label: string;
  /** One tools/list request (the first page), p50 (ms) by number of gateways behind the server. */
  listP50: Record<number, number>;
  /** The whole list (every page), p50 (ms) by number of gateways; pages of the 50-gateway list. */
  wholeListP50: Record<number, number>;
  pages: number;
  /** tools/list p50 (ms) on the 50-gateway server, each list right after a change to an unrelated gateway. */
  listAfterUnrelatedChangeP50: number;
}

export async function measureCatalog(proxy: ProxyChild, upstream: string, calls = 200): Promise<CatalogResult> {
  const tools = 100;
  const max = Math.max(...CATALOG_SIZES);
  await addGateways(proxy, upstream, 0, max + 1, tools); // gateway `max` is the unrelated one
  await addServers(proxy, 0, CATALOG_SIZES.length, (k) => Array.from({ length: CATALOG_SIZES[k]! }, (_, g) => g));
  const auth = { authorization: `Bearer ${await agentToken('catalog')}` };
  const pool = new Pool(proxy.url, { connections: 2 });
  const sessions = await Promise.all(CATALOG_SIZES.map((_, k) => RawMcpSession.open(pool, `${proxy.url}/servers/${serverId(k)}/mcp`, auth)));
  let pages = 0;
  for (const [k, s] of sessions.entries()) {
    const all = await wholeList(s);
    if (all.tools !== CATALOG_SIZES[k]! * tools) throw new Error(`${proxy.label}: server over ${CATALOG_SIZES[k]} gateways lists ${all.tools} tools`);
    pages = all.pages;
  }
  const samples = CATALOG_SIZES.map(() => [] as number[]);
  const whole = CATALOG_SIZES.map(() => [] as number[]);
  for (let done = 0; done < calls; done += 20) {
    for (const [k, s] of sessions.entries()) {
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        await s.request('tools/list', {});
        samples[k]!.push(performance.now() - t);
      }
      const t = performance.now();
      await wholeList(s);
      whole[k]!.push(performance.now() - t);
    }
  }
  const afterChange: number[] = [];
  const big = sessions[sessions.length - 1]!;
  for (let i = 0; i < 30; i++) {
    await proxy.admin('PUT', `/gateways/${gatewayId(max)}`, { name: `gw-${max}`, url: `${upstream}/g/${max}/t/${tools}/mcp`, transport: 'STREAMABLEHTTP', description: `change ${i}` });
    const t = performance.now();
    await big.request('tools/list', {});
    afterChange.push(performance.now() - t);
  }
  await pool.close();
  return {
    label: proxy.label,
    listP50: Object.fromEntries(CATALOG_SIZES.map((n, k) => [n, percentile(samples[k]!, 50)])),
    wholeListP50: Object.fromEntries(CATALOG_SIZES.map((n, k) => [n, percentile(whole[k]!, 50)])),
    pages,
    listAfterUnrelatedChangeP50: percentile(afterChange, 50),
  };
}

/** Lists every page of `tools/list`; the number of tools and of pages. */
async function wholeList(s: RawMcpSession): Promise<{ tools: number; pages: number }> {
  let cursor: string | undefined;
  let tools = 0;
  let pages = 0;
  do {
    const text = await s.request('tools/list', cursor === undefined ? {} : { cursor });
    const json = text.startsWith('{') ? text : text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
    const result = (JSON.parse(json) as { result: { tools: unknown[]; nextCursor?: string } }).result;
    tools += result.tools.length;
    pages++;
    cursor = result.nextCursor;
  } while (cursor !== undefined);
  return { tools, pages };
}
