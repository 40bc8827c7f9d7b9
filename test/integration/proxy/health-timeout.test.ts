/**
 * `spec.healthCheck.timeoutSeconds`: an upstream that accepts connections but stops answering is
 * marked unreachable once a health check outlasts the timeout, and recovers when it answers again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ADMIN_TOKEN, connectAgent, eventually, startTestProxy, type TestProxy } from './harness.ts';

let edge: EdgeServer;
let proxy: TestProxy;
let admin: AdminClient;
const HUNG = gatewayId('mcp', 'hung');
const VS = serverId('mcp', 'hung-tools');

beforeAll(async () => {
  [edge, proxy] = await Promise.all([startEdgeServer(), startTestProxy()]);
  admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
  await admin.putGateway(HUNG, { name: 'hung', namespace: 'mcp', url: edge.url, transport: 'STREAMABLEHTTP', health_check_interval_seconds: 1, health_check_timeout_seconds: 1 });
  await admin.putServer(VS, { name: 'hung-tools', namespace: 'mcp', tool_selectors: [{ gateway_id: HUNG, include: ['echo'] }] });
  await eventually(async () => (await admin.getServer(VS))?.toolCount === 1, 10_000, 'first contact');
});
afterAll(async () => {
  await admin?.close();
  await proxy?.close();
  await edge?.close();
});

describe('health check timeout', () => {
  it('marks a hung upstream unreachable, naming the health check, and recovers', { timeout: 60_000 }, async () => {
    edge.hung = true;
    const down = await eventually(async () => {
      const g = await admin.getGateway(HUNG);
      return g && !g.reachable ? g : undefined;
    }, 10_000, 'the hung upstream marked unreachable');
    expect(down.lastError).toMatch(/no answer to a health check within 1000 ms/);

    // While it hangs (and the proxy's reconnect attempts hang with it), its tools fail fast with a
    // clear error instead of waiting: the agent's own 3 s request timeout would fire otherwise.
    const agent = await connectAgent(proxy.url, VS);
    for (let i = 0; i < 3; i++) {
      const r = await agent.callTool({ name: 'hung-echo', arguments: { text: 'x' } }, undefined, { timeout: 3000 });
      expect(r).toMatchObject({ isError: true });
      expect((r.content as { text: string }[])[0]!.text).toMatch(/gateway hung is unreachable/);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    await agent.close();

    edge.hung = false;
    // A reconnect attempt made while it hung waits out its own timeout first.
    await eventually(async () => (await admin.getGateway(HUNG))?.reachable, 30_000, 'recovery');
  });
});
