/**
 * A tool call whose upstream goes silent does not hang the agent: past the deadline it fails with
 * a clear error naming the gateway, and the upstream is told to stop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ADMIN_TOKEN, connectAgent, eventually, startTestProxy, type TestProxy } from './harness.ts';

let edge: EdgeServer;
let proxy: TestProxy;
const GW = gatewayId('mcp', 'silent');
const VS = serverId('mcp', 'silent');

beforeAll(async () => {
  [edge, proxy] = await Promise.all([startEdgeServer(), startTestProxy({ upstreamCallTimeoutMs: 300 })]);
  const admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
  await admin.putGateway(GW, { name: 'silent', namespace: 'mcp', url: edge.url, transport: 'STREAMABLEHTTP' });
  await admin.putServer(VS, { name: 'silent', namespace: 'mcp', tool_selectors: [{ gateway_id: GW, include: ['wait_for_cancel', 'echo'] }] });
  await eventually(async () => (await admin.getServer(VS))?.toolCount === 2, 10_000, 'discovery');
  await admin.close();
});
afterAll(async () => {
  await proxy?.close();
  await edge?.close();
});

describe('upstream call deadline', () => {
  it('fails a silent call with ERR_UPSTREAM_TIMEOUT, cancels it upstream, and keeps the gateway usable', async () => {
    const agent = await connectAgent(proxy.url, VS);
    const result = await agent.callTool({ name: 'silent-wait-for-cancel', arguments: { tag: 'deadline' } });
    expect(result).toMatchObject({ isError: true, _meta: { 'dev.mcp-gitops/error': { code: 'ERR_UPSTREAM_TIMEOUT' } } });
    expect((result.content as { text: string }[])[0]!.text).toMatch(/^gateway silent: no answer to tools\/call within 300 ms$/);
    await eventually(() => edge.cancelled.includes('deadline'), 10_000, 'the upstream to be told');
    expect(await agent.callTool({ name: 'silent-echo', arguments: { text: 'still fine' } })).toEqual({ content: [{ type: 'text', text: 'still fine' }] });
    await agent.close();
  });
});
