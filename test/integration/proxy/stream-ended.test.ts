/**
 * An upstream that ends one call's SSE stream before answering, with no event id to resume from,
 * fails that call only: the agent gets a clear error naming the gateway, and the gateway stays up
 * for everyone (the next call, by anyone, works; the admin API still reports it reachable).
 * The resumable case (an id and `retry`, then GET + Last-Event-ID) is in test/integration/upstreams/.
 *
 * Likewise one call whose connection is reset by something in between while the upstream stays up:
 * the gateway is only *suspect*, the proxy's probe finds the upstream answering, and nobody else is
 * affected (docs/proxy.md, "Upstream health"). Before, the reset marked it down for every user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ADMIN_TOKEN, connectAgent, eventually, startTestProxy, type TestProxy } from './harness.ts';

let edge: EdgeServer;
let proxy: TestProxy;
let admin: AdminClient;
const GW = gatewayId('mcp', 'edge');
const VS = serverId('mcp', 'dropping');

beforeAll(async () => {
  [edge, proxy] = await Promise.all([startEdgeServer({ dropStream: true, resetConnection: true }), startTestProxy()]);
  admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
  await admin.putGateway(GW, { name: 'edge', namespace: 'mcp', url: edge.url, transport: 'STREAMABLEHTTP' });
  await admin.putServer(VS, { name: 'dropping', namespace: 'mcp', tool_selectors: [{ gateway_id: GW, include: ['drop_stream', 'reset_connection', 'echo'], rename: { drop_stream: 'drop_stream', reset_connection: 'reset_connection', echo: 'echo' } }] });
  await eventually(async () => (await admin.getServer(VS))?.toolCount === 3, 20_000, 'discovery');
});
afterAll(async () => {
  await admin?.close();
  await proxy?.close();
  await edge?.close();
});

describe("one call's stream ending unanswered, or its connection reset", () => {
  it('fails that call only, with an error that says so; the gateway stays up', async () => {
    const alice = await connectAgent(proxy.url, VS, 'alice');
    const bob = await connectAgent(proxy.url, VS, 'bob');
    const dropped = await alice.callTool({ name: 'drop_stream', arguments: {} });
    expect(dropped.isError).toBe(true);
    expect(JSON.stringify(dropped.content)).toContain('gateway edge: the upstream ended the tools/call stream before answering, without an event id to resume from');
    // Not "unreachable": other calls, by the same agent and by another, go through at once.
    expect(await alice.callTool({ name: 'echo', arguments: { text: 'still here' } })).toMatchObject({ content: [{ type: 'text', text: 'still here' }] });
    expect(await bob.callTool({ name: 'echo', arguments: { text: 'me too' } })).toMatchObject({ content: [{ type: 'text', text: 'me too' }] });
    expect((await admin.getGateway(GW))?.reachable).toBe(true);
    await alice.close();
    await bob.close();
  });

  it('a call whose connection is reset fails that call only; the gateway is suspect, probed, and stays up for everyone', async () => {
    const alice = await connectAgent(proxy.url, VS, 'alice');
    const bob = await connectAgent(proxy.url, VS, 'bob');
    const reset = await alice.callTool({ name: 'reset_connection', arguments: {} });
    expect(reset).toMatchObject({ isError: true, _meta: { 'dev.mcp-gitops/error': { code: 'ERR_UPSTREAM_UNREACHABLE' } } });
    expect((reset.content as { text: string }[])[0]!.text).toMatch(/^gateway edge is unreachable: \S.* \(the proxy is checking the upstream\)$/);
    // Right away, before any reconnect could have happened: the others' calls go through.
    expect(await bob.callTool({ name: 'echo', arguments: { text: 'me too' } })).toMatchObject({ content: [{ type: 'text', text: 'me too' }] });
    expect(await alice.callTool({ name: 'echo', arguments: { text: 'still here' } })).toMatchObject({ content: [{ type: 'text', text: 'still here' }] });
    expect(await admin.getGateway(GW)).toMatchObject({ reachable: true, lastError: null });
    expect((await admin.getState()).unreachable).toEqual([]);
    await alice.close();
    await bob.close();
  });
});
