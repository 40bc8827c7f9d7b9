/**
 * Every HTTP error of the MCP endpoint carries a JSON-RPC error body (as the SDK's own server
 * transport answers), keeps its headers (WWW-Authenticate, Allow, Retry-After), and names the
 * proxy's code in `error.data.code`. A Host that is not an allowed host is refused even without an
 * Origin (DNS rebinding), with the allowed hosts configurable.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverId } from '../../../src/api/ids.ts';
import { agentToken, startTestProxy, type TestProxy } from './harness.ts';

let proxy: TestProxy;
let pinned: TestProxy;
const VS = serverId('mcp', 'vs');
const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } };
const ACCEPT = 'application/json, text/event-stream';

beforeAll(async () => {
  proxy = await startTestProxy();
  pinned = await startTestProxy({ allowedHosts: ['mcp.example.com', '*.corp.example'] });
  for (const p of [proxy, pinned]) expect((await p.admin(`/servers/${VS}`, { method: 'PUT', body: { name: 'vs', namespace: 'mcp' } })).status).toBe(201);
});
afterAll(async () => {
  await proxy?.close();
  await pinned?.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { jsonrpc?: string; id?: unknown; error?: { code: number; message: string; data?: { code: string } } };
}

/** One raw HTTP request (node:http, so the Host header is ours to set, as a rebinding page's would be). */
function send(base: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'POST', headers: init.headers ?? {} }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: res.headers['content-type']?.startsWith('application/json') ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

async function authed(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return { 'content-type': 'application/json', accept: ACCEPT, authorization: `Bearer ${await agentToken('alice')}`, ...extra };
}

function expectJsonRpcError(a: Answer, status: number, rpc: number, code: string): void {
  expect(a.status).toBe(status);
  expect(a.headers['content-type']).toMatch(/^application\/json/);
  expect(a.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: rpc, message: expect.any(String), data: { code } } });
}

describe('MCP endpoint HTTP errors carry a JSON-RPC error body', () => {
  it('400 without a session id on GET, or a first message that is not initialize', async () => {
    expectJsonRpcError(await send(proxy.url, `/servers/${VS}/mcp`, { method: 'GET', headers: await authed({ accept: 'text/event-stream' }) }), 400, -32600, 'ERR_BAD_REQUEST');
    const notInit = await send(proxy.url, `/servers/${VS}/mcp`, { headers: await authed(), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
    expectJsonRpcError(notInit, 400, -32600, 'ERR_BAD_REQUEST');
    expectJsonRpcError(await send(proxy.url, `/servers/${VS}/mcp`, { headers: await authed(), body: '{"jsonrpc":' }), 400, -32700, 'ERR_BAD_JSON');
  });

  it('401 keeps its WWW-Authenticate challenge', async () => {
    const a = await send(proxy.url, `/servers/${VS}/mcp`, { headers: { 'content-type': 'application/json', accept: ACCEPT }, body: JSON.stringify(init) });
    expectJsonRpcError(a, 401, -32000, 'ERR_UNAUTHENTICATED');
    expect(a.headers['www-authenticate']).toMatch(/^Bearer realm="mcp-gitops"/);
    expect(a.body.error!.message).toContain('Authorization: Bearer');
  });

  it('403 for a foreign Origin, and for a user not on the access list', async () => {
    expectJsonRpcError(await send(proxy.url, `/servers/${VS}/mcp`, { headers: await authed({ origin: 'https://evil.example' }), body: JSON.stringify(init) }), 403, -32000, 'ERR_ORIGIN_NOT_ALLOWED');
    const closed = serverId('mcp', 'closed');
    await proxy.admin(`/servers/${closed}`, { method: 'PUT', body: { name: 'closed', namespace: 'mcp', access: { users: ['bob'] } } });
    expectJsonRpcError(await send(proxy.url, `/servers/${closed}/mcp`, { headers: await authed(), body: JSON.stringify(init) }), 403, -32003, 'ERR_FORBIDDEN');
  });

  it('404 for an unknown virtual server (-32000) and an unknown session (-32001, the SDK\'s "Session not found")', async () => {
    expectJsonRpcError(await send(proxy.url, `/servers/${'0'.repeat(32)}/mcp`, { headers: await authed(), body: JSON.stringify(init) }), 404, -32000, 'ERR_NOT_FOUND');
    const gone = await send(proxy.url, `/servers/${VS}/mcp`, { headers: await authed({ 'mcp-session-id': 'no-such-session' }), body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
    expectJsonRpcError(gone, 404, -32001, 'ERR_SESSION_NOT_FOUND');
    expect(gone.body.error!.message).toBe('Session not found');
  });

  it('405 names the allowed methods in Allow', async () => {
    const a = await send(proxy.url, `/servers/${VS}/mcp`, { method: 'PUT', headers: await authed(), body: '{}' });
    expectJsonRpcError(a, 405, -32000, 'ERR_METHOD_NOT_ALLOWED');
    expect(a.headers.allow).toBe('GET, POST, DELETE');
  });

  it('406 without the Accept types, 415 for a body that is not JSON (the SDK transport\'s own answers stay JSON-RPC too)', async () => {
    const noAccept = await send(proxy.url, `/servers/${VS}/mcp`, { headers: await authed({ accept: 'application/json' }), body: JSON.stringify(init) });
    expect(noAccept.status).toBe(406);
    expect(noAccept.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000, message: expect.stringContaining('Not Acceptable') } });
    expectJsonRpcError(await send(proxy.url, `/servers/${VS}/mcp`, { headers: await authed({ 'content-type': 'text/plain' }), body: JSON.stringify(init) }), 415, -32000, 'ERR_UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('Host validation (DNS rebinding), without any Origin', () => {
  it('refuses a Host that is not allowed, with no Origin at all; loopback names pass by default', async () => {
    const port = new URL(proxy.url).port;
    const rebound = await send(proxy.url, `/servers/${VS}/mcp`, { headers: await authed({ host: `attacker.example:${port}` }), body: JSON.stringify(init) });
    expectJsonRpcError(rebound, 403, -32000, 'ERR_HOST_NOT_ALLOWED');
    expect(rebound.body.error!.message).toContain('attacker.example');
    const invoke = await send(proxy.url, '/tools/invoke', { headers: await authed({ host: 'attacker.example' }), body: JSON.stringify({ server_id: 'vs', tool_name: 'x' }) });
    expect(invoke.status).toBe(403);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, 'LOCALHOST']) {
      const ok = await send(proxy.url, `/servers/${VS}/mcp`, { headers: await authed({ host }), body: JSON.stringify(init) });
      expect(ok.status, host).toBe(200);
    }
  });

  it('serves exactly the configured allowed hosts', async () => {
    const port = new URL(pinned.url).port;
    for (const host of ['mcp.example.com', `mcp.example.com:${port}`, 'team.corp.example']) {
      expect((await send(pinned.url, `/servers/${VS}/mcp`, { headers: await authed({ host }), body: JSON.stringify(init) })).status, host).toBe(200);
    }
    for (const host of [`localhost:${port}`, 'corp.example', 'mcp.example.com.evil.example']) {
      expectJsonRpcError(await send(pinned.url, `/servers/${VS}/mcp`, { headers: await authed({ host }), body: JSON.stringify(init) }), 403, -32000, 'ERR_HOST_NOT_ALLOWED');
    }
  });
});
