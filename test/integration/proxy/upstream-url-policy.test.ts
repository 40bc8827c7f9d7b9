/**
 * The SSRF guard on upstream URLs: with a policy set (in-cluster), a gateway whose URL resolves to
 * a loopback/private address is kept but not connected, says why, and its tools fail fast — until
 * the gateway itself allows private networks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { EDGE_TOOLS, startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ADMIN_TOKEN, eventually, startTestProxy, type TestProxy } from './harness.ts';

let edge: EdgeServer;
let proxy: TestProxy;
let admin: AdminClient;
const GW = gatewayId('mcp', 'internal');

beforeAll(async () => {
  [edge, proxy] = await Promise.all([startEdgeServer(), startTestProxy({ upstreamUrlPolicy: {} })]);
  admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
});
afterAll(async () => {
  await admin?.close();
  await proxy?.close();
  await edge?.close();
});

describe('upstream URL policy', () => {
  it('refuses a loopback upstream unless the gateway allows private networks', async () => {
    const body = { name: 'internal', namespace: 'mcp', url: edge.url, transport: 'STREAMABLEHTTP' as const };
    await admin.putGateway(GW, body);
    const refused = await eventually(async () => {
      const g = await admin.getGateway(GW);
      return g?.lastError ? g : undefined;
    }, 10_000, 'the refusal');
    expect(refused).toMatchObject({ reachable: false, toolCount: 0, lastError: expect.stringContaining('is refused: it resolves to a loopback address') });
    expect(edge.authorizations).toEqual([]);

    await admin.putGateway(GW, { ...body, allow_private_network: true });
    const allowed = await eventually(async () => {
      const g = await admin.getGateway(GW);
      return g?.reachable && g.toolCount > 0 ? g : undefined;
    }, 10_000, 'connection and discovery');
    expect(allowed).toMatchObject({ lastError: null, toolCount: EDGE_TOOLS.length });
  });
});
