/**
 * Running without agent authentication happens only when asked for, and says so loudly.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ADMIN_TOKEN, eventually, startTestProxy, type TestProxy } from './harness.ts';

let edge: EdgeServer;
let proxy: TestProxy;

beforeAll(async () => {
  [edge, proxy] = await Promise.all([startEdgeServer(), startTestProxy({ agentAuth: { insecureNoAuth: true } })]);
  const admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
  await admin.putGateway(gatewayId('dev', 'edge'), { name: 'edge', namespace: 'dev', url: edge.url, transport: 'STREAMABLEHTTP' });
  await admin.putServer(serverId('dev', 'open'), { name: 'open', namespace: 'dev', tool_selectors: [{ gateway_id: gatewayId('dev', 'edge'), include: ['echo'] }] });
  await eventually(async () => (await admin.getServer(serverId('dev', 'open')))?.toolCount === 1, 10_000, 'discovery');
  await admin.close();
});
afterAll(async () => {
  await proxy?.close();
  await edge?.close();
});

describe('insecureNoAuth', () => {
  it('warns at start, serves agents without a token as "anonymous", and still guards the admin API', async () => {
    expect(proxy.logs.find((l) => l.level === 40 && String(l.msg).includes('AGENT AUTHENTICATION IS DISABLED'))).toBeDefined();
    const client = new Client({ name: 'no-token', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/servers/open/mcp`)));
    expect(await client.callTool({ name: 'edge-echo', arguments: { text: 'open' } })).toEqual({ content: [{ type: 'text', text: 'open' }] });
    await client.close();
    expect(proxy.logs.find((l) => l.event === 'tool_call')).toMatchObject({ user: 'anonymous', outcome: 'ok' });
    expect((await proxy.admin('/gateways', { token: null })).status).toBe(401);
  });
});
