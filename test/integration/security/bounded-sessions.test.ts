// Attacker test for issue 11 finding 4 (MEDIUM), agent sessions: the session table is global
// (maxSessions) and had no per-user cap, so one authenticated user could fill it and lock everyone
// else out (503 ERR_TOO_MANY_SESSIONS). The real proxy, real MCP initialize requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { heapAfterGc, MiB } from '../../support/heap.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { agentToken, connectAgent, eventually, startTestProxy, type TestProxy } from '../proxy/harness.ts';

let edge: EdgeServer;
let proxy: TestProxy;
const GW = gatewayId('team-a', 'edge');
const VS = serverId('team-a', 'tools');
const MAX_SESSIONS = 200;

beforeAll(async () => {
  edge = await startEdgeServer();
  proxy = await startTestProxy({ port: 0, adminPort: 0, maxSessions: MAX_SESSIONS });
  await proxy.admin(`/gateways/${GW}`, { method: 'PUT', body: { name: 'edge', namespace: 'team-a', url: edge.url, transport: 'STREAMABLEHTTP' } });
  await proxy.admin(`/servers/${VS}`, { method: 'PUT', body: { name: 'tools', namespace: 'team-a', naming: 'Plain', tool_selectors: [{ gateway_id: GW, include: ['echo'] }] } });
  await eventually(async () => (await proxy.admin(`/servers/${VS}`)).body?.toolCount === 1, 15_000, 'echo served');
});
afterAll(async () => {
  await proxy?.close();
  await edge?.close();
});

/** One raw `initialize` as `token`'s user; the HTTP status. Never sends DELETE (an agent that leaks). */
async function initialize(token: string): Promise<number> {
  const res = await fetch(`${proxy.url}/servers/${VS}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'leaky', version: '1' } } }),
  });
  await res.arrayBuffer();
  return res.status;
}

const openSessions = async () => Number(/mcp_gitops_agent_sessions\{transport="streamable-http"\} (\d+)/.exec(await (await fetch(`${proxy.adminUrl}/metrics`)).text())?.[1] ?? 0);

describe('attacker: one user opens sessions until the table is full', () => {
  it('mallory’s 2 × maxSessions initializes all succeed, she holds 100, alice still connects; heap after GC stays flat', async () => {
    const mallory = await agentToken('mallory');
    for (let i = 0; i < 100; i++) expect(await initialize(mallory)).toBe(200);
    const heapBefore = await heapAfterGc();
    const statuses = new Map<number, number>();
    for (let i = 0; i < 2 * MAX_SESSIONS; i++) {
      const status = await initialize(mallory);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    const heapGrowth = (await heapAfterGc()) - heapBefore;
    console.log(`sessions hammer: ${2 * MAX_SESSIONS} more initializes by one user → statuses ${JSON.stringify([...statuses])}, open sessions ${await openSessions()}, heap after GC ${(heapGrowth / MiB).toFixed(2)} MiB`);
    expect([...statuses]).toEqual([[200, 2 * MAX_SESSIONS]]);
    expect(await openSessions()).toBe(100);
    expect(heapGrowth).toBeLessThan(4 * MiB);

    const alice = await connectAgent(proxy.url, VS, 'alice');
    expect(await alice.callTool({ name: 'echo', arguments: { text: 'still here' } })).toMatchObject({ content: [{ text: 'still here' }] });
    await alice.close();
  }, 120_000);
});
