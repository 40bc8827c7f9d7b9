/**
 * The admin API under bad input and crossed credentials: 4xx naming the problem, never a 5xx, a
 * crash or a lost registration; the state digest and readiness; the typed client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { AdminApiError, AdminClient } from '../../../src/contract/client.ts';
import { specHash, stateDigest } from '../../../src/contract/digest.ts';
import { EDGE_TOOLS, startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ADMIN_TOKEN, agentToken, startTestProxy, type TestProxy } from './harness.ts';

let edge: EdgeServer;
let proxy: TestProxy;
let admin: AdminClient;
const GW = gatewayId('mcp', 'edge');
const VS = serverId('mcp', 'vs');
const gatewayBody = { name: 'edge', namespace: 'mcp', url: '', transport: 'STREAMABLEHTTP' as const, auth_type: 'bearer' as const, auth_token: 'very-secret-upstream-token' };

beforeAll(async () => {
  edge = await startEdgeServer();
  gatewayBody.url = edge.url;
  proxy = await startTestProxy({ requireSync: true });
  admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
});
afterAll(async () => {
  await admin?.close();
  await proxy?.close();
  await edge?.close();
});

describe('admin API: idempotent replace, digest and readiness', () => {
  it('creates with 201, replaces with 200, and reports a digest the caller can compute itself', async () => {
    const first = await fetch(`${proxy.adminUrl}/v1/gateways/${GW}`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(gatewayBody) });
    expect(first.status).toBe(201);
    const again = await admin.putGateway(GW, gatewayBody);
    expect(again.specHash).toBe(specHash(gatewayBody));
    const server = await admin.putServer(VS, { name: 'vs', namespace: 'mcp', tool_selectors: [{ gateway_id: GW, include: ['echo', 'nope*'] }] });
    expect(server.endpoint).toBe(`/servers/${VS}/mcp`);

    const state = await admin.getState();
    const expected = stateDigest([
      { kind: 'gateway', id: GW, specHash: specHash(gatewayBody) },
      { kind: 'server', id: VS, specHash: specHash({ name: 'vs', namespace: 'mcp', tool_selectors: [{ gateway_id: GW, include: ['echo', 'nope*'] }] }) },
    ]);
    expect(state).toMatchObject({ digest: expected, gateways: { [GW]: specHash(gatewayBody) }, ready: false });
  });

  it('stays not ready until the control plane confirms its digest', async () => {
    expect((await fetch(`${proxy.url}/ready`)).status).toBe(503);
    expect(await admin.markSynced('0'.repeat(64))).toEqual({ synced: false, digest: (await admin.getState()).digest });
    expect((await fetch(`${proxy.url}/ready`)).status).toBe(503);
    expect((await admin.markSynced((await admin.getState()).digest)).synced).toBe(true);
    expect((await fetch(`${proxy.url}/ready`)).status).toBe(200);
    expect((await fetch(`${proxy.url}/health`)).status).toBe(200);
  });

  it('never shows secrets in responses', async () => {
    const all = await proxy.admin('/gateways');
    expect(all.text).not.toContain('very-secret-upstream-token');
    const oauth = await proxy.admin('/gateways', {
      body: { name: 'rovo', url: 'https://mcp.atlassian.com/v1/mcp', transport: 'STREAMABLEHTTP', auth_type: 'oauth', oauth_config: { grant_type: 'authorization_code', issuer: 'https://auth.atlassian.com', client_id: 'cid', client_secret: 'the-client-secret' } },
    });
    expect(oauth.status).toBe(200);
    expect(oauth.body.oauthConfig).toMatchObject({ client_id: 'cid', client_secret: '*****' });
    expect(oauth.text).not.toContain('the-client-secret');
    expect(JSON.stringify(proxy.logs)).not.toContain('the-client-secret');
    expect(JSON.stringify(proxy.logs)).not.toContain('very-secret-upstream-token');
    expect(await admin.deleteGateway(oauth.body.id)).toBe(true);
  });

  it('treats DELETE of an absent registration as done in the client, 404 on the wire', async () => {
    const missing = 'f'.repeat(32);
    expect((await proxy.admin(`/gateways/${missing}`, { method: 'DELETE' })).status).toBe(404);
    expect(await admin.deleteGateway(missing)).toBe(false);
    expect(await admin.getGateway(missing)).toBeUndefined();
  });

  it('refuses a second POST of the same gateway name with 409', async () => {
    const body = { name: 'twice', url: edge.url, transport: 'STREAMABLEHTTP' };
    expect((await proxy.admin('/gateways', { body })).status).toBe(200);
    const second = await proxy.admin('/gateways', { body });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'ERR_CONFLICT', message: expect.stringContaining('Gateway name already exists') });
    expect(await admin.deleteGateway(gatewayId('default', 'twice'))).toBe(true);
  });
});

describe('admin API: deleting and refreshing', () => {
  it('re-lists tools on demand, and deleting a gateway removes its tools from every server', async () => {
    const gw = gatewayId('mcp', 'short-lived');
    const vs = serverId('mcp', 'short-lived');
    await admin.putGateway(gw, { ...gatewayBody, name: 'short-lived' });
    const refreshed = await admin.refreshGateway(gw);
    expect(refreshed).toMatchObject({ reachable: true, toolCount: EDGE_TOOLS.length });
    expect((await admin.listTools(gw)).map((t) => t.name)).toContain('short-lived-echo');
    expect((await admin.putServer(vs, { name: 'short-lived', namespace: 'mcp', tool_selectors: [{ gateway_id: gw, include: ['echo'] }] })).associatedTools).toEqual(['short-lived-echo']);

    expect(await admin.deleteGateway(gw)).toBe(true);
    const orphan = await admin.getServer(vs);
    expect(orphan).toMatchObject({ toolCount: 0, unmatched: [`tool_selectors[0]: gateway ${gw} is not registered`] });
    expect(await admin.listTools(gw)).toEqual([]);
    expect(await admin.deleteServer(vs)).toBe(true);
  });
});

describe('admin API: bad input', () => {
  const cases: [string, string, string, unknown, number, string, string?][] = [
    ['malformed JSON', 'PUT', `/gateways/${GW}`, '{"name": ', 400, 'ERR_BAD_JSON'],
    ['missing body', 'PUT', `/gateways/${GW}`, undefined, 422, 'ERR_VALIDATION'],
    ['a bad name and a non-http URL', 'PUT', `/gateways/${GW}`, { ...gatewayBody, name: 'bad/name', url: 'ftp://x' }, 422, 'ERR_VALIDATION', 'name'],
    ['bearer without a token', 'PUT', `/gateways/${GW}`, { ...gatewayBody, auth_token: undefined }, 422, 'ERR_VALIDATION', 'auth_token'],
    ['oauth without oauth_config', 'PUT', `/gateways/${GW}`, { ...gatewayBody, auth_type: 'oauth' }, 422, 'ERR_VALIDATION', 'oauth_config'],
    ['client_credentials without token_url', 'PUT', `/gateways/${GW}`, { ...gatewayBody, auth_type: 'oauth', oauth_config: { grant_type: 'client_credentials', client_id: 'x' } }, 422, 'ERR_VALIDATION', 'oauth_config.token_url'],
    ['an unknown transport', 'PUT', `/gateways/${GW}`, { ...gatewayBody, transport: 'WEBSOCKET' }, 422, 'ERR_VALIDATION', 'transport'],
    ['a body id that differs from the path', 'PUT', `/gateways/${GW}`, { ...gatewayBody, id: 'a'.repeat(32) }, 422, 'ERR_VALIDATION', 'id'],
    ['a path id that is not an id', 'PUT', '/gateways/not-an-id', gatewayBody, 422, 'ERR_VALIDATION', 'id'],
    ['a JSON array', 'PUT', `/gateways/${GW}`, [1, 2], 422, 'ERR_VALIDATION'],
    ['a bad selector', 'PUT', `/servers/${VS}`, { name: 'vs', tool_selectors: [{ gateway_id: 'x', rename: { a: 'has space' } }] }, 422, 'ERR_VALIDATION', 'tool_selectors.0.gateway_id'],
    ['an unknown naming policy', 'PUT', `/servers/${VS}`, { name: 'vs', naming: 'Fancy' }, 422, 'ERR_VALIDATION', 'naming'],
    ['POST /servers without the server wrapper', 'POST', '/servers', { name: 'flat' }, 422, 'ERR_VALIDATION', 'server'],
    ['POST /servers with an unknown tool id', 'POST', '/servers', { server: { name: 'x', associated_tools: ['b'.repeat(32)] } }, 422, 'ERR_VALIDATION', 'server.associated_tools'],
    ['a synced digest that is not a digest', 'POST', '/state/synced', { digest: 'abc' }, 422, 'ERR_VALIDATION', 'digest'],
    ['an unknown route', 'GET', '/gateways/x/y/z', undefined, 405, 'ERR_METHOD_NOT_ALLOWED'],
  ];

  it.each(cases)('%s → 4xx naming the problem, and the stored registration is intact', async (_name, method, path, body, status, code, field) => {
    const before = await admin.getState();
    const withUrl = body && typeof body === 'object' && (body as { url?: string }).url === '' ? { ...body, url: edge.url } : body;
    const r = await proxy.admin(path, { method, body: withUrl as never });
    expect(r.status).toBe(status);
    expect(r.body.code).toBe(code);
    expect(r.body.message).toEqual(expect.any(String));
    if (field) expect(r.body.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(await admin.getState()).toEqual(before);
    expect((await admin.getGateway(GW))?.specHash).toBe(specHash(gatewayBody));
  });

  it('survives a few hundred generated wrong bodies with 4xx, keeping the registration', async () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const junk = (depth = 0): unknown => {
      const r = rnd();
      if (r < 0.15) return null;
      if (r < 0.3) return Math.floor(rnd() * 1e6) - 5e5;
      if (r < 0.45) return ['', 'x', 'SSE', 'oauth', 'http://h', '*', 'a'.repeat(300)][Math.floor(rnd() * 7)];
      if (r < 0.55) return rnd() < 0.5;
      if (r < 0.75 && depth < 3) return Array.from({ length: Math.floor(rnd() * 3) }, () => junk(depth + 1));
      if (depth < 3) {
        const keys = ['name', 'url', 'transport', 'auth_type', 'auth_token', 'auth_headers', 'oauth_config', 'grant_type', 'token_url', 'id', 'tool_selectors', 'gateway_id', 'include', 'rename', 'access', 'users', 'naming', 'associated_tools', 'server'];
        return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 5) }, () => [keys[Math.floor(rnd() * keys.length)]!, junk(depth + 1)]));
      }
      return 'leaf';
    };
    const before = await admin.getState();
    for (let i = 0; i < 300; i++) {
      const [method, path] = ([['PUT', `/gateways/${GW}`], ['PUT', `/servers/${VS}`], ['POST', '/gateways'], ['POST', '/servers'], ['POST', '/state/synced']] as const)[i % 5]!;
      const r = await proxy.admin(path, { method, body: JSON.stringify(junk()) });
      expect(r.status, `${method} ${path} → ${r.text}`).toBeLessThan(500);
      if (r.status >= 400) expect(r.body.code, r.text).toMatch(/^ERR_/);
      if (r.status < 300) {
        // A generated body that happens to be valid: put the original back.
        await admin.putGateway(GW, gatewayBody);
        await admin.putServer(VS, { name: 'vs', namespace: 'mcp', tool_selectors: [{ gateway_id: GW, include: ['echo', 'nope*'] }] });
        for (const g of await admin.listGateways()) if (g.id !== GW) await admin.deleteGateway(g.id);
        for (const s2 of await admin.listServers()) if (s2.id !== VS) await admin.deleteServer(s2.id);
      }
    }
    expect((await admin.getState()).digest).toBe(before.digest);
  });

  it('answers malformed paths with 4xx, never 5xx', async () => {
    for (const path of ['/gateways/%E0%A4%A', '/servers/%/tools', '/v1/gateways/%zz', '/state/%']) {
      const r = await proxy.admin(path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
    }
    const agent = await fetch(`${proxy.url}/servers/%E0%A4%A/mcp`, { method: 'POST', headers: { authorization: `Bearer ${await agentToken('alice')}`, 'content-type': 'application/json' }, body: '{}' });
    expect(agent.status).toBe(400);
  });

  it('answers a non-JSON content type with 415', async () => {
    const r = await proxy.admin(`/gateways/${GW}`, { method: 'PUT', body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.status).toBe(415);
  });

  it('client errors carry status, code and the field', async () => {
    const err = await admin.putGateway(GW, { ...gatewayBody, url: 'not a url' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminApiError);
    expect(err).toMatchObject({ status: 422, code: 'ERR_VALIDATION', details: [{ path: 'url', message: expect.any(String) }] });
  });
});

describe('credentials are not interchangeable', () => {
  it('refuses admin routes without the admin token, and with an agent token', async () => {
    expect((await proxy.admin('/gateways', { token: null })).status).toBe(401);
    const withAgent = await proxy.admin('/gateways', { token: await agentToken('alice') });
    expect(withAgent.status).toBe(401);
    expect(withAgent.body.code).toBe('ERR_UNAUTHENTICATED');
  });

  it('refuses agent routes with the admin token, and answers 401 with a Bearer challenge', async () => {
    for (const token of [ADMIN_TOKEN, undefined, 'not-a-jwt']) {
      const r = await fetch(`${proxy.url}/servers/${VS}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }),
      });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
    }
    // /tools/invoke is the one agent route that takes the admin token (acting as the admin identity, as the seed calls it): past auth, the body is checked.
    const invoke = await fetch(`${proxy.url}/tools/invoke`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body: '{}' });
    expect(invoke.status).toBe(422);
  });
});

describe('MCP endpoint protocol guards', () => {
  const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } } };

  it('answers an unknown session id with 404', async () => {
    const r = await fetch(`${proxy.url}/servers/${VS}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await agentToken('alice')}`, 'mcp-session-id': 'no-such-session' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(r.status).toBe(404);
  });

  it('ends a session on DELETE; its id is unknown afterwards', async () => {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await agentToken('alice')}` };
    const opened = await fetch(`${proxy.url}/servers/${VS}/mcp`, { method: 'POST', headers, body: JSON.stringify(init) });
    const sid = opened.headers.get('mcp-session-id')!;
    await opened.body?.cancel();
    expect((await fetch(`${proxy.url}/servers/${VS}/mcp`, { method: 'DELETE', headers: { ...headers, 'mcp-session-id': sid } })).status).toBe(200);
    const after = await fetch(`${proxy.url}/servers/${VS}/mcp`, { method: 'POST', headers: { ...headers, 'mcp-session-id': sid }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
    expect(after.status).toBe(404);
  });

  it('does not let another user use a session', async () => {
    const opened = await fetch(`${proxy.url}/servers/${VS}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await agentToken('alice')}` },
      body: JSON.stringify(init),
    });
    const sid = opened.headers.get('mcp-session-id')!;
    await opened.body?.cancel();
    const r = await fetch(`${proxy.url}/servers/${VS}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await agentToken('mallory')}`, 'mcp-session-id': sid },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(r.status).toBe(404);
  });

  it('rejects a foreign Origin with 403 and accepts a local one', async () => {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await agentToken('alice')}` };
    const evil = await fetch(`${proxy.url}/servers/${VS}/mcp`, { method: 'POST', headers: { ...headers, origin: 'https://evil.example' }, body: JSON.stringify(init) });
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as { error: { data: { code: string } } }).error.data.code).toBe('ERR_ORIGIN_NOT_ALLOWED');
    const local = await fetch(`${proxy.url}/servers/${VS}/mcp`, { method: 'POST', headers: { ...headers, origin: 'http://localhost:6274' }, body: JSON.stringify(init) });
    expect(local.status).toBe(200);
    await local.body?.cancel();
  });

  it('answers an unknown virtual server with 404', async () => {
    const r = await fetch(`${proxy.url}/servers/${'0'.repeat(32)}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await agentToken('alice')}` },
      body: JSON.stringify(init),
    });
    expect(r.status).toBe(404);
  });
});
