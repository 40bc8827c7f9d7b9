/**
 * Differential test: the same requests sent to an upstream directly and through a virtual server
 * that selects all of it give the same results, apart from the naming policy (tools and prompts are
 * served as `<gateway>-<name>`, `Prefixed`; resource URIs are never renamed) and the proxy's own
 * pages (lists are compared whole, every page read).
 *
 * The upstream is server-everything, a real process offering every server feature of MCP
 * 2025-11-25. Both clients declare what the proxy declares upstream (elicitation, sampling, roots)
 * and answer alike. Covered, one `it` each: initialize (capabilities, instructions), tools/list,
 * tools/call (plain, structured, annotated, image, isError, progress, cancellation, an elicitation
 * and a sampling request relayed during the call), prompts/list, prompts/get, resources/list,
 * resources/templates/list, resources/read (listed, templated, blob), completion/complete (prompt
 * argument with context, template variable), resources/subscribe + notifications/resources/updated
 * + resources/unsubscribe, notifications/resources/list_changed after the upstream's own list
 * changed. Names the server does not serve never reach the upstream: the proxy answers them as the
 * spec says (the one difference found, asserted as such).
 *
 * A second upstream, the Python `mcp` 2.x server of hack/upstreams/ (SSE answers), adds what
 * server-everything never sends: `notifications/prompts/list_changed` after the upstream's own
 * prompts changed; its tools, prompt, resources and completions are compared the same way.
 * The matrix is in docs/proxy.md ("Feature matrix").
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId, slugify } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { startEverything, type Everything } from '../../support/everything.ts';
import { startForeignUpstream, type ForeignUpstream } from '../../support/upstreams/foreign.ts';
import { ADMIN_TOKEN, agentToken, eventually, startTestProxy, type TestProxy } from './harness.ts';

const GATEWAY = 'everything';
const GW = gatewayId('differential', GATEWAY);
const VS = serverId('differential', 'all');
/** Small pages, so that the proxy's pagination is part of what is compared. */
const PAGE = 4;

let everything: Everything;
let proxy: TestProxy;
let admin: AdminClient;
const sides = {} as Record<'direct' | 'proxy', Client>;

/** The name the proxy serves an upstream tool or prompt under (`Prefixed`). */
const served = (name: string) => `${GATEWAY}-${slugify(name)}`;

/** A client declaring what the proxy declares upstream, answering relayed requests the same way on both sides. */
async function agent(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const c = new Client({ name: 'differential', version: '1.0.0' }, { capabilities: { elicitation: { form: {}, url: {} }, sampling: {}, roots: {} } });
  c.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { color: 'blue', number: 7, pets: 'dogs' } }));
  c.setRequestHandler(CreateMessageRequestSchema, async (req) => ({ model: 'test-model', role: 'assistant', content: { type: 'text', text: `echo: ${JSON.stringify(req.params.messages[0]?.content)}` } }));
  c.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///tmp/differential', name: 'differential' }] }));
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return c;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Every page of a list. */
async function all<T>(list: (cursor: string | undefined) => Promise<{ nextCursor?: string | undefined } & Record<string, unknown>>, field: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    items.push(...(page[field] as T[]));
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** server-everything writes the time into dynamic resources and some texts: equal apart from it. */
const untimed = (v: unknown) => JSON.parse(JSON.stringify(v).replace(/\d{1,2}:\d{2}:\d{2}( ?[AP]M)?/g, '<time>').replace(/created at [^"\\]+/g, 'created at <time>'));

/** The same requests on both sides. */
async function both<T>(request: (c: Client, side: 'direct' | 'proxy') => Promise<T>): Promise<{ direct: T; proxy: T }> {
  return { direct: await request(sides.direct, 'direct'), proxy: await request(sides.proxy, 'proxy') };
}

/** A JSON-RPC error's code, or the result when there was none. */
const codeOf = (p: Promise<unknown>) => p.then((r) => ({ result: r }), (e: { code?: unknown }) => ({ code: e.code }));

beforeAll(async () => {
  [everything, proxy] = await Promise.all([startEverything(), startTestProxy({ listPageSize: PAGE })]);
  admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
  await admin.putGateway(GW, { name: GATEWAY, namespace: 'differential', url: everything.url, transport: 'STREAMABLEHTTP' });
  await admin.putServer(VS, { name: 'all', namespace: 'differential', tool_selectors: [{ gateway_id: GW }], prompt_selectors: [{ gateway_id: GW }], resource_selectors: [{ gateway_id: GW }] });
  // server-everything registers some tools only after `initialize` (by the client's capabilities).
  await eventually(async () => (await admin.getServer(VS))?.associatedTools.includes(served('trigger-sampling-request')), 30_000, 'discovery through the proxy');
  sides.direct = await agent(everything.url);
  sides.proxy = await agent(`${proxy.url}/servers/${VS}/mcp`, { authorization: `Bearer ${await agentToken('alice')}` });
  await eventually(async () => (await sides.direct.listTools()).tools.some((t) => t.name === 'trigger-sampling-request'), 10_000, 'conditional tools direct');
}, 60_000);
afterAll(async () => {
  for (const c of Object.values(sides)) await c?.close().catch(() => {});
  await admin?.close();
  await proxy?.close();
  await everything?.kill();
});

describe('the same requests, directly and through a virtual server (server-everything)', () => {
  it('initialize: the same server capabilities (the proxy’s own tasks aside); the upstream’s instructions, labelled', () => {
    const direct = sides.direct.getServerCapabilities()!;
    const proxied = sides.proxy.getServerCapabilities()!;
    const { tasks: _tasks, ...served } = direct;
    expect(Object.keys(proxied).sort()).toEqual(Object.keys(served).sort());
    expect(proxied.resources?.subscribe).toBe(direct.resources?.subscribe);
    expect(sides.proxy.getInstructions()).toBe(`Gateway ${GATEWAY}:\n${sides.direct.getInstructions()!.trim()}`);
  });

  it('tools/list: every tool, schemas and annotations verbatim, under served names', async () => {
    const { direct, proxy } = await both((c) => all<{ name: string }>((cursor) => c.listTools(cursor ? { cursor } : {}), 'tools'));
    expect(proxy).toEqual(direct.map((t) => ({ ...t, name: served(t.name) })).sort(byName));
  });

  it('tools/call: text, structured content, annotations, images and isError results verbatim', async () => {
    const calls: [string, Record<string, unknown>][] = [
      ['echo', { message: 'differential' }],
      ['get-sum', { a: 40, b: 2 }],
      ['get-structured-content', { location: 'Chicago' }],
      ['get-annotated-message', { messageType: 'success', includeImage: true }],
      ['get-tiny-image', {}],
      ['get-sum', { a: 'not a number' }],
    ];
    for (const [name, args] of calls) {
      const { direct, proxy } = await both((c, side) => codeOf(c.callTool({ name: side === 'direct' ? name : served(name), arguments: args })));
      expect(proxy, name).toEqual(direct);
    }
  });

  it('tools/call with progress: the same notifications under the caller’s token, then the same result', async () => {
    const { direct, proxy } = await both(async (c, side) => {
      const progress: Progress[] = [];
      const result = await c.callTool({ name: side === 'direct' ? 'trigger-long-running-operation' : served('trigger-long-running-operation'), arguments: { duration: 0.3, steps: 3 } }, undefined, { onprogress: (p) => progress.push(p) });
      return { result, progress };
    });
    expect(proxy).toEqual(direct);
    expect(direct.progress).toHaveLength(3);
  });

  it('tools/call cancelled: rejected on both sides, the session usable afterwards', async () => {
    const { direct, proxy } = await both(async (c, side) => {
      const ac = new AbortController();
      const call = c.callTool({ name: side === 'direct' ? 'trigger-long-running-operation' : served('trigger-long-running-operation'), arguments: { duration: 30, steps: 3 } }, undefined, { signal: ac.signal });
      setTimeout(() => ac.abort('stop'), 200);
      const outcome = await call.then(() => 'answered', () => 'rejected');
      const after = await c.callTool({ name: side === 'direct' ? 'echo' : served('echo'), arguments: { message: 'after' } });
      return { outcome, after };
    });
    expect(proxy).toEqual(direct);
    expect(direct.outcome).toBe('rejected');
  });

  it('tools/call relaying the upstream’s elicitation and sampling requests to the caller', async () => {
    for (const [name, args] of [['trigger-elicitation-request', {}], ['trigger-sampling-request', { prompt: 'differential', maxTokens: 10 }]] as const) {
      const { direct, proxy } = await both((c, side) => c.callTool({ name: side === 'direct' ? name : served(name), arguments: args }));
      expect(proxy, name).toEqual(direct);
    }
  });

  it('prompts/list and prompts/get: every prompt, arguments verbatim, the same messages', async () => {
    const { direct, proxy } = await both((c) => all<{ name: string }>((cursor) => c.listPrompts(cursor ? { cursor } : {}), 'prompts'));
    expect(proxy).toEqual(direct.map((p) => ({ ...p, name: served(p.name) })).sort(byName));
    const gets: [string, Record<string, string>][] = [
      ['simple-prompt', {}],
      ['args-prompt', { city: 'Lisbon', state: 'Lisboa' }],
      ['completable-prompt', { department: 'Engineering', name: 'Alice' }],
      ['resource-prompt', { resourceType: 'Text', resourceId: '3' }],
    ];
    for (const [name, args] of gets) {
      const got = await both((c, side) => c.getPrompt({ name: side === 'direct' ? name : served(name), arguments: args }));
      expect(untimed(got.proxy), name).toEqual(untimed(got.direct));
    }
  });

  it('resources/list, resources/templates/list: every entry verbatim, URIs unchanged', async () => {
    const resources = await both((c) => all<{ uri: string }>((cursor) => c.listResources(cursor ? { cursor } : {}), 'resources'));
    expect(resources.proxy).toEqual([...resources.direct].sort((a, b) => (a.uri < b.uri ? -1 : 1)));
    const templates = await both((c) => all<{ uriTemplate: string }>((cursor) => c.listResourceTemplates(cursor ? { cursor } : {}), 'resourceTemplates'));
    expect(templates.proxy).toEqual([...templates.direct].sort((a, b) => (a.uriTemplate < b.uriTemplate ? -1 : 1)));
  });

  it('resources/read: a listed resource, a templated text and a templated blob', async () => {
    const listed = (await sides.direct.listResources()).resources[0]!.uri;
    for (const uri of [listed, 'demo://resource/dynamic/text/5', 'demo://resource/dynamic/blob/6']) {
      const { direct, proxy } = await both(async (c) => (await c.readResource({ uri })).contents.map((b) => ('blob' in b ? { ...b, blob: Buffer.from(String(b.blob), 'base64').toString() } : b)));
      expect(untimed(proxy), uri).toEqual(untimed(direct));
    }
  });

  it('completion/complete: a prompt argument (with context) and a template variable', async () => {
    const requests = [
      (name: (n: string) => string) => ({ ref: { type: 'ref/prompt' as const, name: name('completable-prompt') }, argument: { name: 'department', value: 'S' } }),
      (name: (n: string) => string) => ({ ref: { type: 'ref/prompt' as const, name: name('completable-prompt') }, argument: { name: 'name', value: '' }, context: { arguments: { department: 'Sales' } } }),
      () => ({ ref: { type: 'ref/resource' as const, uri: 'demo://resource/dynamic/text/{resourceId}' }, argument: { name: 'resourceId', value: '4' } }),
    ];
    for (const request of requests) {
      const { direct, proxy } = await both((c, side) => c.complete(request(side === 'direct' ? (n) => n : served)));
      expect(proxy).toEqual(direct);
    }
  });

  it('resources/subscribe: the same resources/updated notification, and none after unsubscribe', async () => {
    const uri = 'demo://resource/dynamic/text/8';
    const { direct, proxy } = await both(async (c, side) => {
      const updated: unknown[] = [];
      c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params));
      const subscribed = await c.subscribeResource({ uri });
      // server-everything sends its session's subscriptions an update at once when asked, then every 5 s.
      await c.callTool({ name: side === 'direct' ? 'toggle-subscriber-updates' : served('toggle-subscriber-updates'), arguments: {} });
      await eventually(() => updated.length > 0, 10_000, `resources/updated (${side})`);
      const unsubscribed = await c.unsubscribeResource({ uri });
      await c.callTool({ name: side === 'direct' ? 'toggle-subscriber-updates' : served('toggle-subscriber-updates'), arguments: {} });
      return { subscribed, first: updated[0], unsubscribed };
    });
    expect(proxy).toEqual(direct);
    expect(direct.first).toEqual({ uri });
  });

  it('notifications/resources/list_changed when the upstream’s resources change, then the new resource listed and read alike', async () => {
    const data = `data:text/plain;base64,${Buffer.from('differential gzip input').toString('base64')}`;
    const { direct, proxy } = await both(async (c, side) => {
      let changed = 0;
      c.setNotificationHandler(ResourceListChangedNotificationSchema, () => void changed++);
      const made = await c.callTool({ name: side === 'direct' ? 'gzip-file-as-resource' : served('gzip-file-as-resource'), arguments: { name: 'differential.txt.gz', data, outputType: 'resourceLink' } });
      await eventually(() => changed > 0, 10_000, `resources/list_changed (${side})`);
      const uri = 'demo://resource/session/differential.txt.gz';
      await eventually(async () => (await all<{ uri: string }>((cursor) => c.listResources(cursor ? { cursor } : {}), 'resources')).some((r) => r.uri === uri), 10_000, `the new resource listed (${side})`);
      return { made, read: await c.readResource({ uri }) };
    });
    expect(proxy).toEqual(direct);
  });

  it('names the server does not serve: answered by the proxy as MCP 2025-11-25 says, which here differs from the upstream’s own', async () => {
    const unknown = await both(async (c) => ({
      prompt: await codeOf(c.getPrompt({ name: 'no-such-prompt' })),
      resource: await codeOf(c.readResource({ uri: 'demo://no/such/resource' })),
      tool: await codeOf(c.callTool({ name: 'no-such-tool', arguments: {} })),
    }));
    expect(unknown.proxy).toEqual({ prompt: { code: -32602 }, resource: { code: -32002 }, tool: { code: -32602 } });
    // server-everything (its SDK's McpServer): the same for a prompt; -32602 for a resource (the spec: -32002
    // "Resource not found"); an isError result for a tool (the spec: -32602 "Unknown tool").
    expect(unknown.direct.prompt).toEqual(unknown.proxy.prompt);
    expect(unknown.direct.resource).toEqual({ code: -32602 });
    expect(unknown.direct.tool).toMatchObject({ result: { isError: true } });
  });
});

describe('the same requests, directly and through a virtual server (Python mcp 2.x)', () => {
  const PY = gatewayId('differential', 'python');
  const PY_VS = serverId('differential', 'python-all');
  const named = (name: string) => `python-${slugify(name)}`;
  let python: ForeignUpstream;
  const py = {} as Record<'direct' | 'proxy', Client>;
  const pyBoth = async <T>(request: (c: Client, name: (n: string) => string) => Promise<T>) => ({ direct: await request(py.direct, (n) => n), proxy: await request(py.proxy, named) });

  beforeAll(async () => {
    python = await startForeignUpstream('python-mcp2', 'sse');
    await admin.putGateway(PY, { name: 'python', namespace: 'differential', url: python.url, transport: 'STREAMABLEHTTP' });
    await admin.putServer(PY_VS, { name: 'python-all', namespace: 'differential', tool_selectors: [{ gateway_id: PY }], prompt_selectors: [{ gateway_id: PY }], resource_selectors: [{ gateway_id: PY }] });
    await eventually(async () => ((await admin.getServer(PY_VS))?.promptCount ?? 0) > 0, 30_000, 'python discovered through the proxy');
    py.direct = await agent(python.url);
    py.proxy = await agent(`${proxy.url}/servers/${PY_VS}/mcp`, { authorization: `Bearer ${await agentToken('alice')}` });
  }, 60_000);
  afterAll(async () => {
    for (const c of Object.values(py)) await c?.close().catch(() => {});
    await python?.kill();
  });

  it('initialize, tools/list, prompts/list, resources and templates: the same, under served names', async () => {
    // The proxy declares logging itself (it serves logging/setLevel); the rest is the upstream's.
    expect(Object.keys(py.proxy.getServerCapabilities()!).sort()).toEqual([...new Set([...Object.keys(py.direct.getServerCapabilities()!), 'logging'])].sort());
    expect(py.proxy.getInstructions()).toBe(`Gateway python:\n${py.direct.getInstructions()}`);
    const tools = await pyBoth((c) => all<{ name: string }>((cursor) => c.listTools(cursor ? { cursor } : {}), 'tools'));
    expect(tools.proxy).toEqual(tools.direct.map((t) => ({ ...t, name: named(t.name) })).sort(byName));
    const prompts = await pyBoth((c) => all<{ name: string }>((cursor) => c.listPrompts(cursor ? { cursor } : {}), 'prompts'));
    expect(prompts.proxy).toEqual(prompts.direct.map((p) => ({ ...p, name: named(p.name) })).sort(byName));
    const listed = await pyBoth(async (c) => ({ resources: (await c.listResources()).resources, templates: (await c.listResourceTemplates()).resourceTemplates }));
    expect(listed.proxy).toEqual(listed.direct);
  });

  it('prompts/get, resources/read, completion/complete, tools/call: the same results', async () => {
    const { direct, proxy } = await pyBoth(async (c, name) => ({
      prompt: await c.getPrompt({ name: name('greet'), arguments: { name: 'Ada' } }),
      static: await c.readResource({ uri: 'test://static' }),
      item: await c.readResource({ uri: 'test://items/42' }),
      promptArg: await c.complete({ ref: { type: 'ref/prompt', name: name('greet') }, argument: { name: 'name', value: 'G' } }),
      templateVar: await c.complete({ ref: { type: 'ref/resource', uri: 'test://items/{id}' }, argument: { name: 'id', value: '4' } }),
      call: await c.callTool({ name: name('add'), arguments: { a: 1, b: 2 } }),
    }));
    expect(proxy).toEqual(direct);
  });

  it('notifications/prompts/list_changed when the upstream’s prompts change; the new prompt listed and got alike', async () => {
    for (const [side, prompt] of [['direct', 'added_direct'], ['proxy', 'added_proxy']] as const) {
      const c = py[side];
      const name = side === 'direct' ? (n: string) => n : named;
      let changed = 0;
      c.setNotificationHandler(PromptListChangedNotificationSchema, () => void changed++);
      expect(await c.callTool({ name: name('add_prompt'), arguments: { name: prompt } })).toMatchObject({ content: [{ type: 'text', text: `added ${prompt}` }] });
      await eventually(() => changed > 0, 10_000, `prompts/list_changed (${side})`);
      await eventually(async () => (await c.listPrompts()).prompts.some((p) => p.name === name(prompt)), 10_000, `${prompt} listed (${side})`);
    }
    const after = await pyBoth(async (c, name) => ({ prompts: (await c.listPrompts()).prompts, got: await c.getPrompt({ name: name('added_proxy') }) }));
    expect(after.proxy).toEqual({ prompts: after.direct.prompts.map((p) => ({ ...p, name: named(p.name) })).sort(byName), got: after.direct.got });
  });
});
