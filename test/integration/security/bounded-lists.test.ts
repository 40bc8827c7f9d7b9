// Attacker test for issue 11 finding 4 (MEDIUM), upstream list pagination: the proxy followed
// `nextCursor` with no limit on pages or items, so an upstream (a gateway author's choice) that
// pages forever or floods held the proxy's discovery loop and grew its memory without end.
// The real proxy; the upstream is a hostile MCP server speaking plain JSON-RPC over HTTP.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId } from '../../../src/api/ids.ts';
import { MAX_LIST_ITEMS, MAX_LIST_PAGES } from '../../../src/proxy/upstream/session.ts';
import { heapAfterGc, MiB } from '../../support/heap.ts';
import { eventually, startTestProxy, type TestProxy } from '../proxy/harness.ts';

/** `endless`: one tool per page and always a `nextCursor`. `flood`: pages of 5,000 tools, forever. */
async function hostileUpstream(mode: 'endless' | 'flood'): Promise<{ url: string; listCalls: () => number; close(): Promise<void> }> {
  let calls = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const msg = JSON.parse(raw) as { id?: number; method: string; params?: { cursor?: string } };
      if (msg.id === undefined) return void res.writeHead(202).end();
      const answer = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
      if (msg.method === 'initialize') return answer({ protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'hostile', version: '1' } });
      if (msg.method === 'tools/list') {
        calls++;
        const n = Number(msg.params?.cursor ?? 0);
        const size = mode === 'endless' ? 1 : 5_000;
        const tools = Array.from({ length: size }, (_, i) => ({ name: `t${n * size + i}`, description: 'x'.repeat(100), inputSchema: { type: 'object' } }));
        return answer({ tools, nextCursor: String(n + 1) });
      }
      return answer({});
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    listCalls: () => calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('attacker: an upstream that pages forever or floods its tool list', () => {
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await startTestProxy();
  });
  afterAll(async () => {
    await proxy?.close();
  });

  for (const mode of ['endless', 'flood'] as const) {
    it(`${mode}: discovery stops at the limit with ERR_UPSTREAM_LIST_TOO_LONG in lastError; no tools kept; heap after GC flat`, async () => {
      const upstream = await hostileUpstream(mode);
      try {
        const heapBefore = await heapAfterGc();
        const id = gatewayId('team-b', mode);
        await proxy.admin(`/gateways/${id}`, { method: 'PUT', body: { name: mode, namespace: 'team-b', url: upstream.url, transport: 'STREAMABLEHTTP' } });
        const gw = await eventually(async () => {
          const g = (await proxy.admin(`/gateways/${id}`)).body as { lastError: string | null; toolCount: number };
          return g.lastError?.includes('ERR_UPSTREAM_LIST_TOO_LONG') ? g : undefined;
        }, 60_000, `${mode} gateway refused`);
        const calls = upstream.listCalls();
        await proxy.admin(`/gateways/${id}`, { method: 'DELETE' });
        const heapGrowth = (await heapAfterGc()) - heapBefore;
        console.log(`list hammer (${mode}): ${calls} tools/list pages requested, lastError "${gw.lastError}", heap after GC ${(heapGrowth / MiB).toFixed(2)} MiB`);
        expect(gw.lastError).toContain(mode === 'endless' ? `more than ${MAX_LIST_PAGES} pages` : `more than ${MAX_LIST_ITEMS} items`);
        expect(gw.toolCount).toBe(0);
        expect(calls).toBeLessThanOrEqual(mode === 'endless' ? MAX_LIST_PAGES : 3);
        expect(heapGrowth).toBeLessThan(8 * MiB);
      } finally {
        await upstream.close();
      }
    }, 90_000);
  }
});
