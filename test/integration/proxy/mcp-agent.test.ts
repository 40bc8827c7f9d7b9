/**
 * An MCP agent (the SDK client) through a virtual server: filtered and renamed tool list, calls,
 * progress, cancellation reaching the upstream, upstream errors and structured content passed
 * through, logging notifications, the agent's token never forwarded, access lists, SSE fallback
 * on both sides.
 */
import { McpError, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { startEverything, type Everything } from '../../support/everything.ts';
import { EDGE_RPC_ERROR, startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ADMIN_TOKEN, agentToken, connectAgent, eventually, startTestProxy, type TestProxy } from './harness.ts';

let edge: EdgeServer;
let everythingSse: Everything;
let proxy: TestProxy;
let admin: AdminClient;
const EDGE = gatewayId('mcp', 'edge');
const LEGACY = gatewayId('mcp', 'legacy-sse');
const VS = serverId('mcp', 'curated');
const PRIVATE = serverId('mcp', 'private');
const ASKING = serverId('mcp', 'asking');

beforeAll(async () => {
  [edge, everythingSse, proxy] = await Promise.all([startEdgeServer({ askClient: true }), startEverything({ transport: 'sse' }), startTestProxy()]);
  admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
  await admin.putGateway(EDGE, { name: 'edge', namespace: 'mcp', url: edge.url, transport: 'STREAMABLEHTTP', auth_type: 'bearer', auth_token: 'upstream-secret' });
  await admin.putGateway(LEGACY, { name: 'legacy-sse', namespace: 'mcp', url: everythingSse.url, transport: 'SSE' });
  await admin.putServer(VS, {
    name: 'curated',
    namespace: 'mcp',
    tool_selectors: [
      { gateway_id: EDGE, exclude: ['whoami', 'ask_client'], rename: { echo: 'say' } },
      { gateway_id: LEGACY, include: ['get-sum'] },
    ],
  });
  await admin.putServer(PRIVATE, { name: 'private', namespace: 'mcp', tool_selectors: [{ gateway_id: EDGE, include: ['echo'] }], access: { users: ['alice'], groups: ['platform'] } });
  await eventually(async () => (await admin.getServer(VS))?.toolCount === 8, 20_000, 'both gateways discovered');
});
afterAll(async () => {
  await admin?.close();
  await proxy?.close();
  await edge?.close();
  await everythingSse?.kill();
});

describe('an agent through a virtual server', () => {
  it('lists the selected tools under their served names, with the upstream schemas', async () => {
    const client = await connectAgent(proxy.url, VS);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'edge-add',
      'edge-fail-rpc',
      'edge-fail-tool',
      'edge-log',
      'edge-progress',
      'edge-wait-for-cancel',
      'legacy-sse-get-sum',
      'say',
    ]);
    expect(tools.find((t) => t.name === 'edge-add')?.outputSchema).toEqual({ type: 'object', properties: { sum: { type: 'number' } }, required: ['sum'] });
    await client.close();
  });

  it('calls tools; structured content passes; the upstream sees the gateway credential, never the agent token', async () => {
    const client = await connectAgent(proxy.url, VS);
    expect(await client.callTool({ name: 'say', arguments: { text: 'hi' } })).toEqual({ content: [{ type: 'text', text: 'hi' }] });
    const added = await client.callTool({ name: 'edge-add', arguments: { a: 2, b: 3 } });
    expect(added).toEqual({ content: [{ type: 'text', text: '5' }], structuredContent: { sum: 5 } });
    expect(edge.authorizations.length).toBeGreaterThan(0);
    expect(new Set(edge.authorizations)).toEqual(new Set(['Bearer upstream-secret']));
    await client.close();
  });

  it('delivers the upstream progress to the agent under the agent’s own progress token', async () => {
    const client = await connectAgent(proxy.url, VS);
    const seen: { progress: number; total?: number; message?: string }[] = [];
    const result = await client.callTool({ name: 'edge-progress', arguments: { steps: 3 } }, undefined, { onprogress: (p) => seen.push(p) });
    expect(result.content).toEqual([{ type: 'text', text: 'done in 3 steps' }]);
    expect(seen).toEqual([
      { progress: 1, total: 3, message: 'step 1' },
      { progress: 2, total: 3, message: 'step 2' },
      { progress: 3, total: 3, message: 'step 3' },
    ]);
    await client.close();
  });

  it('relays logging notifications the upstream sent while answering a call', async () => {
    const client = await connectAgent(proxy.url, VS);
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, async (n) => void logs.push(n.params));
    await client.callTool({ name: 'edge-log', arguments: { text: 'from upstream' } });
    expect(logs).toEqual([{ level: 'info', logger: 'edge', data: 'from upstream' }]);
    await client.close();
  });

  it('cancels the upstream request when the agent cancels', async () => {
    const client = await connectAgent(proxy.url, VS);
    const abort = new AbortController();
    const before = edge.authorizations.length;
    const call = client.callTool({ name: 'edge-wait-for-cancel', arguments: { tag: 'cancel-me' } }, undefined, { signal: abort.signal });
    await eventually(() => edge.authorizations.length > before, 10_000, 'the upstream to receive the call');
    abort.abort('user pressed stop');
    await expect(call).rejects.toThrow();
    await eventually(() => edge.cancelled.includes('cancel-me'), 10_000, 'the upstream to observe the cancellation');
    const audit = await eventually(() => proxy.logs.find((l) => l.event === 'tool_call' && l.tool === 'edge-wait-for-cancel'), 10_000, 'audit line');
    expect(audit.outcome).toBe('cancelled');
    await client.close();
  });

  it('returns an upstream JSON-RPC error as the upstream sent it, and isError results unchanged', async () => {
    const client = await connectAgent(proxy.url, VS);
    const err = await client.callTool({ name: 'edge-fail-rpc', arguments: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(EDGE_RPC_ERROR.code);
    expect((err as McpError).message).toBe(`MCP error ${EDGE_RPC_ERROR.code}: ${EDGE_RPC_ERROR.message}`);
    expect((err as McpError).data).toEqual(EDGE_RPC_ERROR.data);
    expect(await client.callTool({ name: 'edge-fail-tool', arguments: {} })).toEqual({ content: [{ type: 'text', text: 'tool failed as asked' }], isError: true });
    await client.close();
  });

  it('answers an upstream’s elicitation at once when the agent did not declare it, instead of leaving the call hanging (relaying: client-requests.test.ts)', async () => {
    await admin.putServer(ASKING, { name: 'asking', namespace: 'mcp', tool_selectors: [{ gateway_id: EDGE, include: ['ask_client'] }] });
    const client = await connectAgent(proxy.url, ASKING);
    const result = await client.callTool({ name: 'edge-ask-client', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: expect.stringContaining('MCP error -32602: the agent did not declare form-mode elicitation') }]);
    await client.close();
  });

  it('answers an unknown tool with the spec’s -32602', async () => {
    const client = await connectAgent(proxy.url, VS);
    const err = await client.callTool({ name: 'edge-whoami', arguments: {} }).catch((e: unknown) => e);
    expect((err as McpError).code).toBe(-32602);
    expect((err as McpError).message).toContain('Unknown tool: edge-whoami');
    await client.close();
  });

  it('forwards to an SSE upstream', async () => {
    const client = await connectAgent(proxy.url, VS);
    expect(await client.callTool({ name: 'legacy-sse-get-sum', arguments: { a: 40, b: 2 } })).toMatchObject({ content: [{ type: 'text', text: expect.stringContaining('42') }] });
    await client.close();
  });

  it('serves older agents over the HTTP+SSE transport', async () => {
    const client = await connectAgent(proxy.url, VS, 'alice', 'sse');
    expect((await client.listTools()).tools).toHaveLength(8);
    expect(await client.callTool({ name: 'say', arguments: { text: 'over sse' } })).toEqual({ content: [{ type: 'text', text: 'over sse' }] });
    await client.close();
  });

  it('enforces the virtual server’s access list by user and group', async () => {
    await expect(connectAgent(proxy.url, PRIVATE, 'alice')).resolves.toBeDefined();
    await expect(connectAgent(proxy.url, PRIVATE, 'bob')).rejects.toMatchObject({ code: 403, message: expect.stringContaining('may not use virtual server private') });
    const platform = await fetch(`${proxy.url}/servers/${PRIVATE}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await agentToken('carol', ['platform'])}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }),
    });
    expect(platform.status).toBe(200);
    await platform.body?.cancel();
  });

  it('tells connected agents when the server’s tool list changes', async () => {
    const client = await connectAgent(proxy.url, VS);
    let changed = 0;
    const { ToolListChangedNotificationSchema } = await import('@modelcontextprotocol/sdk/types.js');
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => void changed++);
    await client.listTools();
    await admin.putServer(VS, { name: 'curated', namespace: 'mcp', tool_selectors: [{ gateway_id: EDGE, include: ['echo'] }] });
    await eventually(() => changed > 0, 10_000, 'tools/list_changed');
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['edge-echo']);
    await client.close();
  });

  it('exposes calls, errors, latency per tool, upstream health and sessions as Prometheus metrics', async () => {
    const client = await connectAgent(proxy.url, VS);
    await client.callTool({ name: 'edge-echo', arguments: { text: 'm' } });
    const text = await (await fetch(`${proxy.url}/metrics`)).text();
    expect(text).toMatch(/mcp_gitops_tool_calls_total\{server="curated",gateway="edge",tool="edge-echo",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/mcp_gitops_tool_call_errors_total\{server="curated",gateway="edge",tool="edge-fail-tool",code="tool_error"\} 1/);
    expect(text).toMatch(/mcp_gitops_tool_call_duration_seconds_bucket\{le="0.1",server="curated",gateway="edge",tool="edge-echo"\} [1-9]/);
    expect(text).toMatch(/mcp_gitops_upstream_up\{gateway="edge"\} 1/);
    expect(text).toMatch(/mcp_gitops_agent_sessions\{transport="streamable-http"\} [1-9]/);
    expect(text).not.toContain('upstream-secret');
    await client.close();
  });
});
