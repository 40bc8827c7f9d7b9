/**
 * Sealed agent session ids (docs/proxy.md, "Sessions any replica serves"), across two proxies in
 * one process that share a session key: a session started on one is served by the other with no
 * new initialize — through the SDK path (tools/list, with the client's capabilities restored) and
 * the fast path (tools/call) — and only for the user and server it is bound to.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../../../src/contract/client.ts';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ADMIN_TOKEN, agentToken, eventually, startTestProxy, type TestProxy } from './harness.ts';

const EDGE = gatewayId('mcp', 'edge');
const VS = serverId('mcp', 'shared');
const OTHER = serverId('mcp', 'other');
const key = randomBytes(32);
let edge: EdgeServer;
let a: TestProxy;
let b: TestProxy;
let stranger: TestProxy;

async function register(p: TestProxy): Promise<void> {
  const admin = new AdminClient({ baseUrl: p.adminUrl, token: ADMIN_TOKEN });
  await admin.putGateway(EDGE, { name: 'edge', namespace: 'mcp', url: edge.url, transport: 'STREAMABLEHTTP' });
  await admin.putServer(VS, { name: 'shared', namespace: 'mcp', tool_selectors: [{ gateway_id: EDGE, include: ['echo', 'ask_client'], rename: { ask_client: 'ask' } }] });
  await admin.putServer(OTHER, { name: 'other', namespace: 'mcp', tool_selectors: [{ gateway_id: EDGE, include: ['echo'] }] });
  await eventually(async () => (await admin.getServer(VS))?.toolCount === 2, 20_000, 'edge discovered');
}

beforeAll(async () => {
  edge = await startEdgeServer({ askClient: true });
  [a, b, stranger] = await Promise.all([startTestProxy({ sessionKeys: [key] }), startTestProxy({ sessionKeys: [randomBytes(32), key] }), startTestProxy({ sessionKeys: [randomBytes(32)] })]);
  await Promise.all([register(a), register(b), register(stranger)]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), stranger?.close()]);
  await edge?.close();
});

async function post(base: string, server: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}/servers/${server}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

async function initialize(base: string, user: string, capabilities: Record<string, unknown> = {}): Promise<string> {
  const auth = { authorization: `Bearer ${await agentToken(user)}` };
  const res = await fetch(`${base}/servers/${VS}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities, clientInfo: { name: 'sealed-test', version: '1' } } }) });
  expect(res.status).toBe(200);
  await res.text();
  return res.headers.get('mcp-session-id')!;
}

describe('sealed agent session ids', () => {
  it('a session started on one proxy carries on at another holding the key, with no new initialize', async () => {
    const sid = await initialize(a.url, 'alice');
    const auth = { authorization: `Bearer ${await agentToken('alice')}`, 'mcp-session-id': sid };
    const list = await post(b.url, VS, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, auth);
    expect(list.status).toBe(200);
    expect(list.text).toContain('edge-echo');
    const call = await post(b.url, VS, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'edge-echo', arguments: { text: 'hello from a' } } }, auth);
    expect(call.status).toBe(200);
    expect(call.text).toContain('hello from a');
  });

  it('the client capabilities declared at initialize hold on the other proxy (an elicitation is relayed, not refused)', async () => {
    const sid = await initialize(a.url, 'alice', { elicitation: {} });
    const res = await fetch(`${b.url}/servers/${VS}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await agentToken('alice')}`, 'mcp-session-id': sid },
      body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'ask', arguments: { kind: 'form', tag: 'restored' } } }),
    });
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('elicitation/create')) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    expect(seen).toContain('elicitation/create');
    await reader.cancel();
  });

  it('is 404 for another user, another server, a proxy without the key, or a tampered id', async () => {
    const sid = await initialize(a.url, 'alice');
    const list = { jsonrpc: '2.0', id: 5, method: 'tools/list' };
    expect((await post(b.url, VS, list, { authorization: `Bearer ${await agentToken('mallory')}`, 'mcp-session-id': sid })).status).toBe(404);
    expect((await post(b.url, OTHER, list, { authorization: `Bearer ${await agentToken('alice')}`, 'mcp-session-id': sid })).status).toBe(404);
    expect((await post(stranger.url, VS, list, { authorization: `Bearer ${await agentToken('alice')}`, 'mcp-session-id': sid })).status).toBe(404);
    const tampered = sid.slice(0, 30) + (sid[30] === 'A' ? 'B' : 'A') + sid.slice(31);
    expect((await post(b.url, VS, list, { authorization: `Bearer ${await agentToken('alice')}`, 'mcp-session-id': tampered })).status).toBe(404);
    expect((await post(b.url, VS, list, { 'mcp-session-id': sid })).status).toBe(401);
  });

  it('does not name the user or server in clear', async () => {
    const sid = await initialize(a.url, 'alice-in-clear');
    expect(sid).not.toContain('alice');
    expect(Buffer.from(sid, 'base64url').toString('latin1')).not.toContain('alice');
    expect(sid).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
