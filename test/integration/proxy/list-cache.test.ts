/**
 * `tools/list` served from the cached pages (list-pages.ts, list-fast-path.ts), against a real
 * proxy and a real MCP upstream process: an agent reads the whole list page by page, the answer is
 * a plain JSON response built once per catalog state (the same bytes for every user of the
 * server), and after a gateway changes what it offers, or is removed, the next listing shows the
 * change — the cache never serves a list the catalog no longer holds, and only the servers that
 * read the changed gateway change.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { startChild, type ChildServer } from '../../support/upstreams/child.ts';
import { ADMIN_TOKEN, agentToken, connectAgent, eventually, startTestProxy, type TestProxy } from './harness.ts';

const MANY_TOOLS = join(fileURLToPath(import.meta.url), '../../../bench/scale/many-tools-upstream.ts');
const A = gatewayId('lists', 'a');
const B = gatewayId('lists', 'b');
const BOTH = serverId('lists', 'both');
const ONLY_B = serverId('lists', 'only-b');

let upstream: ChildServer;
let proxy: TestProxy;
let admin: AdminClient;
const offering = (k: number, n: number) => `http://127.0.0.1:${upstream.port}/g/${k}/t/${n}/mcp`;

beforeAll(async () => {
  [upstream, proxy] = await Promise.all([startChild([MANY_TOOLS]), startTestProxy({ listPageSize: 3 })]);
  admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
  await admin.putGateway(A, { name: 'a', namespace: 'lists', url: offering(0, 5), transport: 'STREAMABLEHTTP' });
  await admin.putGateway(B, { name: 'b', namespace: 'lists', url: offering(1, 4), transport: 'STREAMABLEHTTP' });
  await admin.putServer(BOTH, { name: 'both', namespace: 'lists', tool_selectors: [{ gateway_id: A }, { gateway_id: B }], naming: 'Plain' });
  await admin.putServer(ONLY_B, { name: 'only-b', namespace: 'lists', tool_selectors: [{ gateway_id: B }], naming: 'Plain' });
  await eventually(async () => (await admin.getServer(BOTH))?.toolCount === 9, 30_000, 'both gateways discovered');
}, 60_000);
afterAll(async () => {
  await admin?.close();
  await proxy?.close();
  await upstream?.kill();
});

/** A raw agent session: `tools/list` as an HTTP exchange, so the response's shape shows. */
async function rawSession(server: string, user: string) {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await agentToken(user)}` };
  const url = `${proxy.url}/servers/${server}/mcp`;
  const init = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }) });
  await init.body?.cancel();
  const session = { ...headers, 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
  return async (id: number | string, params?: Record<string, unknown>) => {
    const res = await fetch(url, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list', ...(params ? { params } : {}) }) });
    return { contentType: res.headers.get('content-type'), text: await res.text() };
  };
}

/** Every tool name of a server, following `nextCursor` with the SDK client. */
async function allNames(server: string, user = 'alice'): Promise<string[]> {
  const agent = await connectAgent(proxy.url, server, user);
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await agent.listTools(cursor === undefined ? {} : { cursor });
    expect(page.tools.length).toBeLessThanOrEqual(3);
    names.push(...page.tools.map((t) => t.name));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  await agent.close();
  return names;
}

const toolsOf = (k: number, n: number) => Array.from({ length: n }, (_, i) => `g${k}_tool${i}`);

describe('tools/list from cached pages', () => {
  it('answers one JSON response per page, the same page for every user of the server, echoing each request id', async () => {
    const alice = await rawSession(BOTH, 'alice');
    const bob = await rawSession(BOTH, 'bob');
    const first = await alice(7);
    expect(first.contentType).toBe('application/json');
    const body = JSON.parse(first.text) as { id: number; result: { tools: Array<{ name: string; inputSchema: unknown }>; nextCursor?: string } };
    expect(body.id).toBe(7);
    expect(body.result.tools.map((t) => t.name)).toEqual(['g0_tool0', 'g0_tool1', 'g0_tool2']);
    expect(body.result.tools[0]!.inputSchema).toMatchObject({ type: 'object', required: ['key'] });
    const again = await bob('req-8');
    expect(JSON.parse(again.text)).toEqual({ ...body, id: 'req-8' });
    // A cursor one session was given continues in another session of the same server.
    const next = JSON.parse((await bob(9, { cursor: body.result.nextCursor })).text) as typeof body;
    expect(next.result.tools.map((t) => t.name)).toEqual(['g0_tool3', 'g0_tool4', 'g1_tool0']);
  });

  it('still answers a forged cursor with -32602', async () => {
    const alice = await rawSession(BOTH, 'alice');
    expect((await alice(1, { cursor: 'not-a-cursor' })).text).toContain('"code":-32602');
  });

  it('lists what a gateway offers after it changes, and leaves servers that do not read it as they were', async () => {
    expect(await allNames(BOTH)).toEqual([...toolsOf(0, 5), ...toolsOf(1, 4)]);
    const onlyB = await rawSession(ONLY_B, 'alice');
    const beforeB = (await onlyB(1)).text;
    const alice = await rawSession(BOTH, 'alice');
    const oldCursor = (JSON.parse((await alice(1)).text) as { result: { nextCursor: string } }).result.nextCursor;

    await admin.putGateway(A, { name: 'a', namespace: 'lists', url: offering(0, 7), transport: 'STREAMABLEHTTP' });
    await eventually(async () => (await admin.getServer(BOTH))?.toolCount === 11, 30_000, 'gateway a rediscovered');
    expect(await allNames(BOTH, 'bob')).toEqual([...toolsOf(0, 7), ...toolsOf(1, 4)]);
    // A cursor issued before the change goes on after the last tool it had seen.
    const resumed = JSON.parse((await alice(2, { cursor: oldCursor })).text) as { result: { tools: Array<{ name: string }> } };
    expect(resumed.result.tools.map((t) => t.name)).toEqual(['g0_tool3', 'g0_tool4', 'g0_tool5']);
    expect((await onlyB(2)).text).toBe(beforeB.replace('"id":1', '"id":2'));

    await admin.deleteGateway(B);
    await eventually(async () => (await admin.getServer(BOTH))?.toolCount === 7, 30_000, 'gateway b removed');
    expect(await allNames(BOTH)).toEqual(toolsOf(0, 7));
    expect(JSON.parse((await onlyB(3)).text)).toMatchObject({ id: 3, result: { tools: [] } });
  });
});
