/**
 * An upstream killed and restarted: its tools fail fast with an error naming the gateway and the
 * cause, other gateways' tools keep working, and the proxy recovers on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { startEverything, type Everything } from '../../support/everything.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ADMIN_TOKEN, connectAgent, eventually, startTestProxy, type TestProxy } from './harness.ts';

let everything: Everything;
let edge: EdgeServer;
let proxy: TestProxy;
let admin: AdminClient;
const EVERYTHING = gatewayId('mcp', 'everything');
const EDGE = gatewayId('mcp', 'edge');
const VS = serverId('mcp', 'both');

beforeAll(async () => {
  [everything, edge, proxy] = await Promise.all([startEverything(), startEdgeServer(), startTestProxy()]);
  admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
  await admin.putGateway(EVERYTHING, { name: 'everything', namespace: 'mcp', url: everything.url, transport: 'STREAMABLEHTTP', health_check_interval_seconds: 1 });
  await admin.putGateway(EDGE, { name: 'edge', namespace: 'mcp', url: edge.url, transport: 'STREAMABLEHTTP' });
  await admin.putServer(VS, { name: 'both', namespace: 'mcp', tool_selectors: [{ gateway_id: EVERYTHING, include: ['echo'] }, { gateway_id: EDGE, include: ['echo'] }] });
  await eventually(async () => (await admin.getServer(VS))?.toolCount === 2, 20_000, 'discovery');
});
afterAll(async () => {
  await admin?.close();
  await proxy?.close();
  await edge?.close();
  await everything?.kill();
});

describe('an upstream that dies and comes back', () => {
  it('fails its tools fast and clearly, keeps the others working, and recovers', async () => {
    const agent = await connectAgent(proxy.url, VS);
    expect(await agent.callTool({ name: 'everything-echo', arguments: { message: 'before' } })).toEqual({ content: [{ type: 'text', text: 'Echo: before' }] });

    await everything.kill();

    // The first call after the crash finds out (or the session's own stream did, a moment before:
    // then the probe already confirmed it); from then on calls fail without waiting on the network.
    const failed = await agent.callTool({ name: 'everything-echo', arguments: { message: 'during' } });
    expect(failed.isError).toBe(true);
    expect((failed.content as { text: string }[])[0]!.text).toMatch(/^gateway everything is unreachable: \S.* \((the proxy reconnects in the background|the proxy is checking the upstream)\)$/);
    const again = await agent.callTool({ name: 'everything-echo', arguments: { message: 'during' } });
    expect(again).toMatchObject({ isError: true, _meta: { 'dev.mcp-gitops/error': { code: 'ERR_UPSTREAM_UNREACHABLE' } } });

    // Other gateways are unaffected.
    expect(await agent.callTool({ name: 'edge-echo', arguments: { text: 'still here' } })).toEqual({ content: [{ type: 'text', text: 'still here' }] });

    // The admin API shows it, and keeps the registration.
    const down = await admin.getGateway(EVERYTHING);
    expect(down).toMatchObject({ reachable: false, lastError: expect.stringMatching(/\S/) });
    expect(down!.toolCount).toBeGreaterThan(0); // discovered tools are kept while it is down

    everything = await startEverything({ port: everything.port });
    const recovered = await eventually(async () => {
      const r = await agent.callTool({ name: 'everything-echo', arguments: { message: 'after' } });
      return r.isError ? undefined : r;
    }, 30_000, 'recovery');
    expect(recovered).toEqual({ content: [{ type: 'text', text: 'Echo: after' }] });
    expect(await admin.getGateway(EVERYTHING)).toMatchObject({ reachable: true, lastError: null });

    const outcomes = proxy.logs.filter((l) => l.event === 'tool_call' && l.tool === 'everything-echo').map((l) => l.outcome);
    expect(outcomes.slice(0, 3)).toEqual(['ok', 'unavailable', 'unavailable']);
    expect(outcomes.at(-1)).toBe('ok');
    await agent.close();
  });
});

describe('an upstream that dies while nobody calls it', () => {
  it('is marked unreachable within seconds, not at the next health check (30 s), over Streamable HTTP and SSE, and back after a restart', { timeout: 60_000 }, async () => {
    // Default health-check interval (30 s): only the session's own stream breaking can tell in time.
    let servers = await Promise.all([startEverything(), startEverything({ transport: 'sse' })]);
    const ids = [gatewayId('mcp', 'idle-http'), gatewayId('mcp', 'idle-sse')];
    await admin.putGateway(ids[0]!, { name: 'idle-http', namespace: 'mcp', url: servers[0]!.url, transport: 'STREAMABLEHTTP' });
    await admin.putGateway(ids[1]!, { name: 'idle-sse', namespace: 'mcp', url: servers[1]!.url, transport: 'SSE' });
    try {
      await eventually(async () => (await Promise.all(ids.map((id) => admin.getGateway(id)))).every((g) => g?.reachable), 20_000, 'both reachable');
      await Promise.all(servers.map((s) => s.kill()));
      const down = await eventually(async () => {
        const gws = await Promise.all(ids.map((id) => admin.getGateway(id)));
        return gws.every((g) => g && !g.reachable) ? gws : undefined;
      }, 10_000, 'both marked unreachable with nobody calling');
      for (const g of down) expect(g!.lastError).toMatch(/ECONNREFUSED|connection closed/i);
      expect((await admin.getState()).unreachable).toEqual(expect.arrayContaining(ids));

      servers = await Promise.all([startEverything({ port: servers[0]!.port }), startEverything({ transport: 'sse', port: servers[1]!.port })]);
      await eventually(async () => (await Promise.all(ids.map((id) => admin.getGateway(id)))).every((g) => g?.reachable && g.lastError === null), 10_000, 'both reachable again');
      expect((await admin.getState()).unreachable).toEqual([]);
    } finally {
      await Promise.all(ids.map((id) => admin.deleteGateway(id)));
      await Promise.all(servers.map((s) => s.kill()));
    }
  });
});
