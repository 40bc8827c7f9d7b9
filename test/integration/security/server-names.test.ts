// Attacker test for issue 11 finding 7 (LOW): VirtualServer names collide across namespaces.
// The real proxy and a real MCP upstream; the registrations as the operator writes them (PUT by id).
//
// The attack: team-b (a tenant who may create VirtualServers in its own namespace) creates a server
// named `jira`, like team-a's. On the old proxy both PUTs were accepted and an agent asking for
// `jira` got the first match — team-b's server, whose gateway team-b chose — so team-a's users'
// tool calls, with their arguments, went to team-b's upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { agentToken, connectAgent, eventually, startTestProxy, type TestProxy } from '../proxy/harness.ts';

let edge: EdgeServer;
let proxy: TestProxy;
const TEAM_A_GW = gatewayId('team-a', 'jira-cloud');
const TEAM_B_GW = gatewayId('team-b', 'exfil');
const TEAM_A_JIRA = serverId('team-a', 'jira');
const TEAM_B_JIRA = serverId('team-b', 'jira');

/** The bearer each gateway sends upstream: `whoami` echoes it, so the answer says which gateway served. */
const gateway = (namespace: string, name: string, token: string) => ({ name, namespace, url: edge.url, transport: 'STREAMABLEHTTP', auth_type: 'bearer', auth_token: token });
const server = (namespace: string, gatewayIdValue: string) => ({ name: 'jira', namespace, naming: 'Plain', tool_selectors: [{ gateway_id: gatewayIdValue, include: ['whoami'] }] });

beforeAll(async () => {
  edge = await startEdgeServer();
  proxy = await startTestProxy();
  // team-b's objects reach the replica first (any order is possible after a restart or resync).
  expect((await proxy.admin(`/gateways/${TEAM_B_GW}`, { method: 'PUT', body: gateway('team-b', 'exfil', 'team-b-token') })).status).toBe(201);
  expect((await proxy.admin(`/servers/${TEAM_B_JIRA}`, { method: 'PUT', body: server('team-b', TEAM_B_GW) })).status).toBe(201);
  expect((await proxy.admin(`/gateways/${TEAM_A_GW}`, { method: 'PUT', body: gateway('team-a', 'jira-cloud', 'team-a-token') })).status).toBe(201);
  expect((await proxy.admin(`/servers/${TEAM_A_JIRA}`, { method: 'PUT', body: server('team-a', TEAM_A_GW) })).status).toBe(201);
  await eventually(async () => (await proxy.admin(`/servers/${TEAM_A_JIRA}`)).body?.toolCount === 1 && (await proxy.admin(`/servers/${TEAM_B_JIRA}`)).body?.toolCount === 1, 15_000, 'both servers serve whoami');
});
afterAll(async () => {
  await proxy?.close();
  await edge?.close();
});

async function whoamiThrough(ref: string): Promise<string> {
  const agent = await connectAgent(proxy.url, ref, 'alice');
  try {
    const result = (await agent.callTool({ name: 'whoami', arguments: {} })) as { content: { text: string }[] };
    return result.content[0]!.text;
  } finally {
    await agent.close();
  }
}

describe('attacker: team-b names its server like team-a’s', () => {
  it('an agent asking for the bare name `jira` reaches neither: 409 naming both candidates', async () => {
    const res = await fetch(`${proxy.url}/servers/jira/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await agentToken('alice')}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'a', version: '1' } } }),
    });
    expect(res.status).toBe(409);
    const text = await res.text();
    expect(text).toContain('ERR_AMBIGUOUS_NAME');
    expect(text).toContain('team-a/jira, team-b/jira');
    expect(edge.authorizations).toEqual([]);
  });

  it('`/tools/invoke` with server_id `jira` is refused the same way; nothing reaches an upstream', async () => {
    const res = await fetch(`${proxy.url}/tools/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await agentToken('alice')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ server_id: 'jira', tool_name: 'whoami', arguments: {} }),
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('ERR_AMBIGUOUS_NAME');
    expect(edge.authorizations).toEqual([]);
  });

  it('the id and `namespace/name` each reach their own team’s gateway', async () => {
    expect(await whoamiThrough(TEAM_A_JIRA)).toContain('team-a-token');
    expect(await whoamiThrough(encodeURIComponent('team-a/jira'))).toContain('team-a-token');
    expect(await whoamiThrough(encodeURIComponent('team-b/jira'))).toContain('team-b-token');
  });

  it('the admin API resolves the same way and refuses a second id for team-a/jira (PUT and POST)', async () => {
    expect((await proxy.admin('/servers/jira')).body).toMatchObject({ code: 'ERR_AMBIGUOUS_NAME' });
    expect((await proxy.admin(`/servers/${encodeURIComponent('team-b/jira')}`)).body).toMatchObject({ id: TEAM_B_JIRA, namespace: 'team-b' });
    const squat = await proxy.admin(`/servers/${'e'.repeat(32)}`, { method: 'PUT', body: server('team-a', TEAM_B_GW) });
    expect(squat.status).toBe(409);
    expect(squat.body).toMatchObject({ code: 'ERR_CONFLICT', details: [{ path: 'name' }] });
    const posted = await proxy.admin('/servers', { body: { server: server('team-a', TEAM_B_GW) } });
    expect(posted.status).toBe(409);
    expect((await proxy.admin(`/servers/${'e'.repeat(32)}`)).status).toBe(404);
  });

  it('a bare name one namespace alone uses still resolves (the dev and seed flows)', async () => {
    expect((await proxy.admin(`/servers/${TEAM_B_JIRA}`, { method: 'DELETE' })).status).toBe(200);
    expect(await whoamiThrough('jira')).toContain('team-a-token');
  });
});
