/**
 * Requests an upstream sends to its client during a tool call — elicitation (form and URL),
 * sampling, roots — relayed to the agent that made the call, and the agent's answer back to the
 * upstream. Agents are SDK clients (Streamable HTTP: the proxy's fast path; HTTP+SSE: the SDK
 * path); upstreams are our edge server (`ask_client`) and server-everything. Also: agents without
 * the capability, requests outside any call, two agents on one shared upstream session, the outer
 * call cancelled while the agent is being asked, and `logging/setLevel`.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema, LoggingMessageNotificationSchema, McpError, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { startEverything, type Everything } from '../../support/everything.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ADMIN_TOKEN, agentToken, eventually, startTestProxy, type TestProxy } from './harness.ts';

let edge: EdgeServer;
let everything: Everything;
let proxy: TestProxy;
let admin: AdminClient;
const EDGE = gatewayId('mcp', 'edge');
const EVERYTHING = gatewayId('mcp', 'everything');
const VS = serverId('mcp', 'asking');

beforeAll(async () => {
  [edge, everything, proxy] = await Promise.all([startEdgeServer({ askClient: true }), startEverything(), startTestProxy()]);
  admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
  await admin.putGateway(EDGE, { name: 'edge', namespace: 'mcp', url: edge.url, transport: 'STREAMABLEHTTP', auth_type: 'bearer', auth_token: 'upstream-secret' });
  await admin.putGateway(EVERYTHING, { name: 'everything', namespace: 'mcp', url: everything.url, transport: 'STREAMABLEHTTP' });
  await admin.putServer(VS, {
    name: 'asking',
    namespace: 'mcp',
    tool_selectors: [
      { gateway_id: EDGE, include: ['ask_client', 'log'], rename: { ask_client: 'ask', log: 'log' } },
      { gateway_id: EVERYTHING, include: ['trigger-elicitation-request', 'trigger-sampling-request'], rename: { 'trigger-elicitation-request': 'elicit', 'trigger-sampling-request': 'sample' } },
    ],
  });
  await eventually(async () => (await admin.getServer(VS))?.toolCount === 4, 20_000, 'both gateways discovered (everything lists its elicitation and sampling tools only to clients that declare them)');
});
afterAll(async () => {
  await admin?.close();
  await proxy?.close();
  await edge?.close();
  await everything?.kill();
});

/** An SDK client as `sub`, declaring `capabilities`. */
async function agent(sub: string, capabilities: ClientCapabilities, transport: 'streamable-http' | 'sse' = 'streamable-http'): Promise<Client> {
  const headers = { authorization: `Bearer ${await agentToken(sub)}` };
  const client = new Client({ name: 'test-agent', version: '1.0.0' }, { capabilities });
  const t =
    transport === 'sse'
      ? new SSEClientTransport(new URL(`${proxy.url}/servers/${VS}/sse`), { requestInit: { headers }, eventSourceInit: { fetch: (u, i) => fetch(u, { ...i, headers: { ...(i?.headers as Record<string, string>), ...headers } }) } })
      : new StreamableHTTPClientTransport(new URL(`${proxy.url}/servers/${VS}/mcp`), { requestInit: { headers } });
  await client.connect(t);
  return client;
}

const text = (result: unknown) => ((result as { content: { text: string }[] }).content[0]?.text ?? '');

describe('an upstream asking its client during a tool call', () => {
  it('relays a form elicitation to the calling agent; its answer reaches the upstream and shapes the result', async () => {
    const client = await agent('alice', { elicitation: {} });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req.params.message);
      return { action: 'accept', content: { answer: 'yes from alice' } };
    });
    const result = await client.callTool({ name: 'ask', arguments: { kind: 'form', tag: 'one' } });
    expect(asked).toEqual(['ok? (one)']);
    expect(JSON.parse(text(result).replace(/^answered: /, ''))).toEqual({ action: 'accept', content: { answer: 'yes from alice' } });
    await client.close();
  });

  it('relays URL elicitation, sampling and roots to an agent that declared them', async () => {
    const client = await agent('alice', { elicitation: { url: {} }, sampling: {}, roots: {} });
    client.setRequestHandler(ElicitRequestSchema, async (req) => ({ action: req.params.mode === 'url' && req.params.url.includes('tag=u1') ? 'accept' : 'decline' }));
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({ model: 'agent-model', role: 'assistant', content: { type: 'text', text: `sampled: ${(req.params.messages[0]!.content as { text: string }).text}` } }));
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///work/alice', name: 'alice' }] }));
    expect(text(await client.callTool({ name: 'ask', arguments: { kind: 'url', tag: 'u1' } }))).toBe('answered: {"action":"accept"}');
    expect(text(await client.callTool({ name: 'ask', arguments: { kind: 'sample', tag: 's1' } }))).toContain('sampled: say s1');
    expect(text(await client.callTool({ name: 'ask', arguments: { kind: 'roots' } }))).toContain('file:///work/alice');
    await client.close();
  });

  it('works with server-everything’s own elicitation and sampling tools', async () => {
    const client = await agent('alice', { elicitation: {}, sampling: {} });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Alice Example', check: true } }));
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({ model: 'agent-model', role: 'assistant', content: { type: 'text', text: 'the agent’s completion' } }));
    expect(JSON.stringify(await client.callTool({ name: 'elicit', arguments: {} }))).toContain('Alice Example');
    expect(text(await client.callTool({ name: 'sample', arguments: { prompt: 'hello', maxTokens: 5 } }))).toContain('the agent’s completion');
    await client.close();
  });

  it('relays to agents on the HTTP+SSE transport too', async () => {
    const client = await agent('alice', { elicitation: {} }, 'sse');
    client.setRequestHandler(ElicitRequestSchema, async (req) => ({ action: 'accept', content: { answer: `sse saw ${req.params.message}` } }));
    expect(text(await client.callTool({ name: 'ask', arguments: { tag: 'sse' } }))).toContain('sse saw ok? (sse)');
    await client.close();
  });

  it('answers the upstream with the spec’s error when the agent did not declare the capability; the call still completes', async () => {
    const plain = await agent('bob', {});
    expect(text(await plain.callTool({ name: 'ask', arguments: { kind: 'form' } }))).toMatch(/^client refused: MCP error -32602: .*did not declare form-mode elicitation/);
    expect(text(await plain.callTool({ name: 'ask', arguments: { kind: 'sample' } }))).toMatch(/^client refused: MCP error -32601: .*did not declare the sampling capability/);
    expect(text(await plain.callTool({ name: 'ask', arguments: { kind: 'roots' } }))).toMatch(/^client refused: MCP error -32601: .*roots/);
    expect(text(await plain.callTool({ name: 'ask', arguments: { kind: 'ping' } }))).toBe('answered: {}'); // ping: the proxy answers itself
    await plain.close();

    const formOnly = await agent('bob', { elicitation: {} });
    formOnly.setRequestHandler(ElicitRequestSchema, async () => {
      throw new Error('a form-only agent must not be asked for a URL elicitation');
    });
    expect(text(await formOnly.callTool({ name: 'ask', arguments: { kind: 'url', tag: 'x' } }))).toMatch(/^client refused: MCP error -32602: .*url-mode elicitation/);
    await formOnly.close();
  });

  it('passes the agent’s own JSON-RPC error back to the upstream', async () => {
    const client = await agent('alice', { sampling: {} });
    client.setRequestHandler(CreateMessageRequestSchema, async () => {
      throw new McpError(-1, 'User rejected sampling request');
    });
    // Code and message as the agent sent them (the SDK client itself puts "MCP error -1: " into the wire message).
    expect(text(await client.callTool({ name: 'ask', arguments: { kind: 'sample' } }))).toMatch(/^client refused: MCP error -1: (MCP error -1: )?User rejected sampling request$/);
    await client.close();
  });

  it('gives two agents calling at once through one shared upstream session each only their own elicitation', async () => {
    const [alice, carol] = await Promise.all([agent('alice', { elicitation: {} }), agent('carol', { elicitation: {} })]);
    // Neither answers until both have been asked: both calls are in flight on the one upstream session.
    let release!: () => void;
    const bothAsked = new Promise<void>((r) => (release = r));
    const asked: Record<string, string[]> = { alice: [], carol: [] };
    for (const [name, client] of [['alice', alice], ['carol', carol]] as const) {
      client.setRequestHandler(ElicitRequestSchema, async (req) => {
        asked[name]!.push(req.params.message);
        if (asked.alice!.length + asked.carol!.length === 2) release();
        await bothAsked;
        return { action: 'accept', content: { answer: `from ${name}` } };
      });
    }
    const [a, c] = await Promise.all([alice.callTool({ name: 'ask', arguments: { tag: 'alice' } }), carol.callTool({ name: 'ask', arguments: { tag: 'carol' } })]);
    expect(asked).toEqual({ alice: ['ok? (alice)'], carol: ['ok? (carol)'] });
    expect(text(a)).toContain('from alice');
    expect(text(c)).toContain('from carol');
    await Promise.all([alice.close(), carol.close()]);
  });

  it('withdraws the request from the agent when the agent cancels the call, and keeps serving', async () => {
    const client = await agent('alice', { elicitation: {} });
    const call = new AbortController();
    let withdrawn!: (reason: unknown) => void;
    const wasWithdrawn = new Promise((r) => (withdrawn = r));
    client.setRequestHandler(ElicitRequestSchema, async (_req, extra) => {
      extra.signal.addEventListener('abort', () => withdrawn(extra.signal.reason));
      call.abort('the user gave up');
      return new Promise(() => {}); // a person who never answers
    });
    await expect(client.callTool({ name: 'ask', arguments: { tag: 'cancel' } }, undefined, { signal: call.signal })).rejects.toBeDefined();
    await expect(wasWithdrawn).resolves.toBeTypeOf('string');
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' }));
    expect(text(await client.callTool({ name: 'ask', arguments: { tag: 'after' } }))).toBe('answered: {"action":"decline"}');
    await client.close();
  });

  it('withdraws the request from the agent when the upstream cancels it', async () => {
    const client = await agent('alice', { elicitation: {} });
    let withdrawn!: (reason: unknown) => void;
    const wasWithdrawn = new Promise((r) => (withdrawn = r));
    client.setRequestHandler(ElicitRequestSchema, async (_req, extra) => {
      extra.signal.addEventListener('abort', () => withdrawn(extra.signal.reason));
      return new Promise(() => {});
    });
    expect(text(await client.callTool({ name: 'ask', arguments: { tag: 'w', withdraw: true } }))).toMatch(/^client refused: .*changed its mind/);
    await expect(wasWithdrawn).resolves.toBe('the upstream changed its mind'); // the upstream's cancellation, not the call's end
    await client.close();
  });

  it('refuses a request the upstream sends outside any call (its GET stream): no agent can be named for it', async () => {
    const client = await agent('alice', { elicitation: {} });
    client.setRequestHandler(ElicitRequestSchema, async () => {
      throw new Error('an unattributed request must not reach an agent');
    });
    expect(text(await client.callTool({ name: 'ask', arguments: { detached: true } }))).toMatch(/^client refused: MCP error -32600: .*related to no call/);
    await client.close();
  });
});

describe('logging/setLevel', () => {
  it('filters the upstream’s log lines relayed to this agent only, and names a wrong level', async () => {
    const [quiet, chatty] = await Promise.all([agent('alice', {}), agent('carol', {})]);
    const heard: Record<string, string[]> = { quiet: [], chatty: [] };
    quiet.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void heard.quiet!.push(String(n.params.data)));
    chatty.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void heard.chatty!.push(String(n.params.data)));
    await quiet.setLoggingLevel('warning');
    await chatty.setLoggingLevel('debug');
    await quiet.callTool({ name: 'log', arguments: { text: 'info to quiet' } });
    await chatty.callTool({ name: 'log', arguments: { text: 'info to chatty' } });
    expect(heard).toEqual({ quiet: [], chatty: ['info to chatty'] });

    await quiet.setLoggingLevel('info');
    await quiet.callTool({ name: 'log', arguments: { text: 'now heard' } });
    expect(heard.quiet).toEqual(['now heard']);

    const err = await quiet.request({ method: 'logging/setLevel', params: { level: 'loud' as never } }, (await import('@modelcontextprotocol/sdk/types.js')).EmptyResultSchema).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: -32602, message: expect.stringContaining('level: must be one of debug') });
    await Promise.all([quiet.close(), chatty.close()]);
  });
});
