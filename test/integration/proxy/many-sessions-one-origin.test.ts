/**
 * Many upstream sessions to one origin: every per-user OAuth session to Atlassian (and every
 * gateway on one host) keeps its own standing stream open. The proxy must not cap connections per
 * origin below the number of sessions, or the sessions past the cap hang instead of connecting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ADMIN_TOKEN, connectAgent, eventually, startTestProxy, type TestProxy } from './harness.ts';

const GATEWAYS = 80;
let edge: EdgeServer;
let proxy: TestProxy;
let admin: AdminClient;

beforeAll(async () => {
  [edge, proxy] = await Promise.all([startEdgeServer(), startTestProxy()]);
  admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
});
afterAll(async () => {
  await admin?.close();
  await proxy?.close();
  await edge?.close();
});

describe('sessions to one upstream origin', () => {
  it(`connects ${GATEWAYS} gateways on one host, and each serves calls`, async () => {
    const ids = Array.from({ length: GATEWAYS }, (_, i) => gatewayId('mcp', `edge-${i}`));
    for (const [i, id] of ids.entries()) {
      await admin.putGateway(id, { name: `edge-${i}`, namespace: 'mcp', url: edge.url, transport: 'STREAMABLEHTTP' });
    }
    const reachable = async () => (await Promise.all(ids.map((id) => admin.getGateway(id)))).filter((g) => g?.reachable).length;
    await eventually(async () => (await reachable()) === GATEWAYS, 60_000, `all ${GATEWAYS} gateways reachable`);

    const vs = serverId('mcp', 'last');
    await admin.putServer(vs, { name: 'last', namespace: 'mcp', tool_selectors: [{ gateway_id: ids.at(-1)!, include: ['echo'] }] });
    await eventually(async () => (await admin.getServer(vs))?.toolCount === 1, 10_000, 'discovery');
    const agent = await connectAgent(proxy.url, vs);
    expect(await agent.callTool({ name: `edge-${GATEWAYS - 1}-echo`, arguments: { text: 'hi' } })).toEqual({ content: [{ type: 'text', text: 'hi' }] });
    await agent.close();
  }, 90_000);
});
