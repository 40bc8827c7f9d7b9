/**
 * The seed's curl flow, as written (same routes, same JSON shapes), against a proxy whose gateway
 * points at a real local upstream (server-everything).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEverything, type Everything } from '../../support/everything.ts';
import { agentToken, eventually, startTestProxy, type TestProxy } from './harness.ts';

let everything: Everything;
let proxy: TestProxy;

beforeAll(async () => {
  everything = await startEverything();
  proxy = await startTestProxy();
});
afterAll(async () => {
  await proxy?.close();
  await everything?.kill();
});

describe('the seed flow', () => {
  it('registers a gateway, lists its tools, creates a virtual server from tool ids, lists and invokes', async () => {
    // curl -X POST http://localhost:4444/gateways …
    const gw = await proxy.admin('/gateways', {
      body: {
        name: 'everything',
        url: everything.url,
        transport: 'STREAMABLEHTTP',
        description: 'A local MCP server standing in for Atlassian Rovo',
      },
    });
    expect(gw.status).toBe(200);
    expect(gw.body).toMatchObject({ name: 'everything', slug: 'everything', transport: 'STREAMABLEHTTP', authType: 'none' });

    // curl -s http://localhost:4444/tools | jq '.[] | {id, name}'
    const tools = await eventually(async () => {
      const r = await proxy.admin('/tools');
      return r.body.length > 0 ? (r.body as { id: string; name: string; gatewayId: string }[]) : undefined;
    }, 20_000, 'tool discovery');
    const echo = tools.find((t) => t.name === 'everything-echo');
    const sum = tools.find((t) => t.name === 'everything-get-sum');
    expect(echo?.gatewayId).toBe(gw.body.id);
    expect(sum).toBeDefined();

    // The gateway now reports what the proxy observes.
    const observed = await proxy.admin(`/gateways/${gw.body.id}`);
    expect(observed.body).toMatchObject({ reachable: true, lastError: null, toolCount: tools.length });

    // curl -X POST http://localhost:4444/servers -d '{"server": {…}}'
    const server = await proxy.admin('/servers', {
      body: { server: { name: 'admin-atlassian', description: 'Atlassian tools - Jira, Confluence, and Compass', associated_tools: [echo!.id, sum!.id], visibility: 'private' } },
    });
    expect(server.status).toBe(201);
    expect(server.body.associatedTools).toEqual(['everything-echo', 'everything-get-sum']);
    expect(server.body.associatedToolIds).toEqual([echo!.id, sum!.id]);

    // curl -X GET "http://localhost:4444/servers/{server_id}/tools"
    const serverTools = await proxy.admin(`/servers/${server.body.id}/tools`);
    expect(serverTools.status).toBe(200);
    expect(serverTools.body.map((t: { name: string }) => t.name)).toEqual(['everything-echo', 'everything-get-sum']);

    // curl -X POST "http://localhost:4444/tools/invoke" -d '{"server_id": "admin-atlassian", "tool_name": …}'
    const invoke = await fetch(`${proxy.url}/tools/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await agentToken('alice')}` },
      body: JSON.stringify({ server_id: 'admin-atlassian', tool_name: 'everything-echo', arguments: { message: 'project = PROJ' } }),
    });
    expect(invoke.status).toBe(200);
    expect(await invoke.json()).toEqual({ content: [{ type: 'text', text: 'Echo: project = PROJ' }] });

    // One audit line for the call: who, where, what, outcome, duration — not the argument values.
    const audit = proxy.logs.filter((l) => l.event === 'tool_call');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ user: 'alice', server: 'admin-atlassian', gateway: 'everything', tool: 'everything-echo', upstreamTool: 'echo', outcome: 'ok', transport: 'invoke' });
    expect(typeof audit[0]!.durationMs).toBe('number');
    expect(JSON.stringify(proxy.logs)).not.toContain('project = PROJ');
  });
});
