/**
 * An MCP agent (the SDK client) reaching an upstream's prompts, resources, templates, completions
 * and subscriptions through a virtual server (server-everything, a real process): capabilities as
 * the selected upstreams declare them, instructions, renamed prompts mapped back, URIs unchanged,
 * the spec's errors for unknown names and cursors, pagination with opaque cursors, list changes and
 * resource updates reaching the agent, the access list, the audit line and metrics.
 */
import { PromptListChangedNotificationSchema, ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { startEverything, type Everything } from '../../support/everything.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ADMIN_TOKEN, agentToken, connectAgent, eventually, startTestProxy, type TestProxy } from './harness.ts';

let everything: Everything;
let edge: EdgeServer;
let proxy: TestProxy;
let admin: AdminClient;
const EVERYTHING = gatewayId('catalog', 'everything');
const EDGE = gatewayId('catalog', 'edge');
const FULL = serverId('catalog', 'full');
const TOOLS_ONLY = serverId('catalog', 'tools-only');
const PRIVATE = serverId('catalog', 'private');
const PAGE = 3;

const fullSpec = {
  name: 'full',
  namespace: 'catalog',
  description: 'Everything, curated.',
  tool_selectors: [{ gateway_id: EVERYTHING, include: ['echo', 'toggle-subscriber-updates'] }],
  prompt_selectors: [{ gateway_id: EVERYTHING, rename: { 'simple-prompt': 'hello' } }],
  resource_selectors: [{ gateway_id: EVERYTHING }],
};

beforeAll(async () => {
  [everything, edge, proxy] = await Promise.all([startEverything(), startEdgeServer(), startTestProxy({ listPageSize: PAGE })]);
  admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
  await admin.putGateway(EVERYTHING, { name: 'everything', namespace: 'catalog', url: everything.url, transport: 'STREAMABLEHTTP' });
  await admin.putGateway(EDGE, { name: 'edge', namespace: 'catalog', url: edge.url, transport: 'STREAMABLEHTTP' });
  await admin.putServer(FULL, fullSpec);
  await admin.putServer(TOOLS_ONLY, { name: 'tools-only', namespace: 'catalog', tool_selectors: [{ gateway_id: EDGE, include: ['echo'] }] });
  await admin.putServer(PRIVATE, { ...fullSpec, name: 'private', access: { users: ['alice'] } });
  await eventually(async () => {
    const s = await admin.getServer(FULL);
    return s && s.toolCount === 2 && s.promptCount > 0;
  }, 30_000, 'everything discovered');
}, 60_000);
afterAll(async () => {
  await admin?.close();
  await proxy?.close();
  await edge?.close();
  await everything?.kill();
});

describe('prompts, resources and completions through a virtual server', () => {
  it('declares what the selected upstreams declare, and only that', async () => {
    const full = await connectAgent(proxy.url, FULL);
    expect(full.getServerCapabilities()).toEqual({
      tools: { listChanged: true },
      logging: {},
      prompts: { listChanged: true },
      resources: { listChanged: true, subscribe: true },
      completions: {},
    });
    const toolsOnly = await connectAgent(proxy.url, TOOLS_ONLY);
    expect(toolsOnly.getServerCapabilities()).toEqual({ tools: { listChanged: true }, logging: {} });
    // Not declared → the spec's "method not found".
    await expect(toolsOnly.listPrompts()).rejects.toMatchObject({ code: -32601 });
    await expect(toolsOnly.readResource({ uri: 'demo://resource/dynamic/text/1' })).rejects.toMatchObject({ code: -32601 });
    await full.close();
    await toolsOnly.close();
  });

  it('sends the server description, then each selected upstream’s instructions under its gateway name', async () => {
    const full = await connectAgent(proxy.url, FULL);
    const instructions = full.getInstructions();
    expect(instructions).toMatch(/^Everything, curated\.\n\nGateway everything:\n# Everything Server/);
    const toolsOnly = await connectAgent(proxy.url, TOOLS_ONLY);
    expect(toolsOnly.getInstructions()).toBeUndefined();
    await full.close();
    await toolsOnly.close();
  });

  it('lists prompts under served names and gets a renamed prompt by its served name', async () => {
    const agent = await connectAgent(proxy.url, FULL);
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await agent.listPrompts(cursor ? { cursor } : {});
      expect(page.prompts.length).toBeLessThanOrEqual(PAGE);
      names.push(...page.prompts.map((p) => p.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(names).toContain('hello');
    expect(names).toContain('everything-completable-prompt');
    expect(names).not.toContain('simple-prompt');
    const got = await agent.getPrompt({ name: 'hello' });
    expect(got.messages[0]?.content).toMatchObject({ type: 'text' });
    await expect(agent.getPrompt({ name: 'simple-prompt' })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('Unknown prompt: simple-prompt') });
    await agent.close();
  });

  it('lists resources and templates page by page under their upstream URIs, and reads both kinds', async () => {
    const agent = await connectAgent(proxy.url, FULL);
    const uris: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await agent.listResources(cursor ? { cursor } : {});
      uris.push(...page.resources.map((r) => r.uri));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(uris).size).toBe(uris.length);
    expect(uris).toEqual([...uris].sort());
    expect(uris.filter((u) => u.startsWith('demo://resource/static/document/')).length).toBeGreaterThan(PAGE);
    const templates = (await agent.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
    expect(templates).toContain('demo://resource/dynamic/text/{resourceId}');

    const doc = uris.find((u) => u.startsWith('demo://resource/static/document/'))!;
    const listed = await agent.readResource({ uri: doc });
    expect(listed.contents[0]).toMatchObject({ uri: doc });
    const templated = await agent.readResource({ uri: 'demo://resource/dynamic/text/7' });
    expect(templated.contents[0]).toMatchObject({ uri: 'demo://resource/dynamic/text/7', text: expect.stringContaining('Resource 7') });
    await expect(agent.readResource({ uri: 'demo://nowhere' })).rejects.toMatchObject({ code: -32002, message: expect.stringContaining('demo://nowhere') });
    await agent.close();
  });

  it('answers a cursor it did not issue (forged, or for another list) with -32602', async () => {
    const agent = await connectAgent(proxy.url, FULL);
    const { nextCursor } = await agent.listResources();
    expect(nextCursor).toBeDefined();
    await expect(agent.listResources({ cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('cursor') });
    await expect(agent.listPrompts({ cursor: nextCursor! })).rejects.toMatchObject({ code: -32602 });
    await expect(agent.listTools({ cursor: nextCursor! })).rejects.toMatchObject({ code: -32602 });
    await agent.close();
  });

  it('routes completions of prompt arguments (renamed back) and of resource templates', async () => {
    const agent = await connectAgent(proxy.url, FULL);
    const dept = await agent.complete({ ref: { type: 'ref/prompt', name: 'everything-completable-prompt' }, argument: { name: 'department', value: 'Eng' } });
    expect(dept.completion.values).toEqual(['Engineering']);
    const member = await agent.complete({ ref: { type: 'ref/prompt', name: 'everything-completable-prompt' }, argument: { name: 'name', value: 'A' }, context: { arguments: { department: 'Engineering' } } });
    expect(member.completion.values).toEqual(['Alice']);
    const id = await agent.complete({ ref: { type: 'ref/resource', uri: 'demo://resource/dynamic/text/{resourceId}' }, argument: { name: 'resourceId', value: '12' } });
    expect(id.completion.values).toEqual(['12']);
    await expect(agent.complete({ ref: { type: 'ref/prompt', name: 'completable-prompt' }, argument: { name: 'department', value: '' } })).rejects.toMatchObject({ code: -32602 });
    await agent.close();
  });

  it('delivers resources/updated to the subscribed agent only, until it unsubscribes', async () => {
    const [subscribed, other] = [await connectAgent(proxy.url, FULL), await connectAgent(proxy.url, FULL)];
    const seen: Record<'subscribed' | 'other', string[]> = { subscribed: [], other: [] };
    subscribed.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void seen.subscribed.push(n.params.uri));
    other.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void seen.other.push(n.params.uri));
    const uri = 'demo://resource/dynamic/text/3';
    await subscribed.subscribeResource({ uri });
    // server-everything sends updates for its session's subscriptions once asked to (at once, then every 5 s).
    await subscribed.callTool({ name: 'everything-toggle-subscriber-updates', arguments: {} });
    await eventually(() => seen.subscribed.includes(uri), 15_000, 'resources/updated through the proxy');
    expect(seen.other).toEqual([]);
    await subscribed.unsubscribeResource({ uri });
    await subscribed.callTool({ name: 'everything-toggle-subscriber-updates', arguments: {} });
    await subscribed.close();
    await other.close();
  });

  it('tells agents when the server’s prompts or resources change', async () => {
    const agent = await connectAgent(proxy.url, FULL, 'alice', 'streamable-http', { listening: true });
    const changed = { prompts: 0, resources: 0 };
    agent.setNotificationHandler(PromptListChangedNotificationSchema, () => void changed.prompts++);
    agent.setNotificationHandler(ResourceListChangedNotificationSchema, () => void changed.resources++);
    await admin.putServer(FULL, { ...fullSpec, prompt_selectors: [{ gateway_id: EVERYTHING, include: ['args-prompt'] }], resource_selectors: [{ gateway_id: EVERYTHING, include: ['demo://resource/static/*'] }] });
    await eventually(() => changed.prompts > 0 && changed.resources > 0, 10_000, 'prompts and resources list_changed');
    expect((await agent.listPrompts()).prompts.map((p) => p.name)).toEqual(['everything-args-prompt']);
    await admin.putServer(FULL, fullSpec);
    await agent.close();
  });

  it('keeps the access list, audits each request and counts it in metrics', async () => {
    const bob = await connectAgent(proxy.url, PRIVATE, 'bob').catch((e: unknown) => e);
    expect(bob).toMatchObject({ code: 403 });
    const agent = await connectAgent(proxy.url, FULL);
    await agent.readResource({ uri: 'demo://resource/dynamic/text/9' });
    const audit = await eventually(() => proxy.logs.find((l) => l.event === 'mcp_request' && l.name === 'demo://resource/dynamic/text/9'), 5_000, 'audit line');
    expect(audit).toMatchObject({ method: 'resources/read', server: 'full', gateway: 'everything', user: 'alice', outcome: 'ok', transport: 'streamable-http' });
    const metrics = await (await fetch(`${proxy.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/mcp_gitops_requests_total\{server="full",gateway="everything",method="resources\/read",outcome="ok"\} [1-9]/);
    expect(metrics).not.toContain('demo://resource');
    await agent.close();
  });

  it('answers a call with a bad param naming it', async () => {
    const res = await fetch(`${proxy.url}/servers/${FULL}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await agentToken('alice')}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }),
    });
    const sid = res.headers.get('mcp-session-id')!;
    await res.body?.cancel();
    const read = await fetch(`${proxy.url}/servers/${FULL}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await agentToken('alice')}`, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'resources/read', params: {} }),
    });
    const text = await read.text();
    expect(text).toContain('"code":-32602');
    expect(text).toContain('uri: required');
  });
});
