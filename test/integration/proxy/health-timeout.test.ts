/**
 * `spec.healthCheck.timeoutSeconds`: an upstream that accepts connections but stops answering is
 * marked unreachable once a health check outlasts the timeout, and recovers when it answers again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/proxy/admin/client.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ADMIN_TOKEN, eventually, startTestProxy, type TestProxy } from './harness.ts';

let edge: EdgeServer;
let proxy: TestProxy;
let admin: AdminClient;
const HUNG = gatewayId('mcp', 'hung');

beforeAll(async () => {
  [edge, proxy] = await Promise.all([startEdgeServer(), startTestProxy()]);
  admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
  await admin.putGateway(HUNG, { name: 'hung', namespace: 'mcp', url: edge.url, transport: 'STREAMABLEHTTP', health_check_interval_seconds: 1, health_check_timeout_seconds: 1 });
  await eventually(async () => (await admin.getGateway(HUNG))?.reachable, 10_000, 'first contact');
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

    edge.hung = false;
    // A reconnect attempt made while it hung waits out its own timeout first.
    await eventually(async () => (await admin.getGateway(HUNG))?.reachable, 30_000, 'recovery');
  });
});
