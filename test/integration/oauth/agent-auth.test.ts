// Incoming agent authentication with an OIDC issuer: JWT access tokens from a real OAuth server
// (oidc-provider) verified with its JWKS, audience checked; RFC 9728 metadata and the
// WWW-Authenticate challenge that lets an MCP client find the authorization server.
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverId } from '../../../src/api/ids.ts';
import { bearerChallenge, createOidcAgentVerifier, protectedResourceRoutes } from '../../../src/proxy/agent-auth/index.ts';
import { startOidcProvider, type RunningOidcProvider } from '../../support/oidc-provider.ts';
import { ADMIN_TOKEN, startTestProxy, type TestProxy } from '../proxy/harness.ts';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const AUDIENCE = 'urn:mcp-gitops:agents';
const VS = serverId('mcp', 'agents-only');
let op: RunningOidcProvider;
let proxy: TestProxy;
let publicUrl = '';

async function agentTokenFromProvider(clientId: string, resource = AUDIENCE): Promise<string> {
  const res = await fetch(`${op.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: `${clientId}-secret-0123456789`, resource, scope: 'read' }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  op = await startOidcProvider({
    resource: AUDIENCE,
    clients: ['agent-app', 'other-app'].map((id) => ({ client_id: id, client_secret: `${id}-secret-0123456789`, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] })),
  });
  proxy = await startTestProxy({
    agentAuth: { verify: createOidcAgentVerifier({ issuer: op.issuer, audience: AUDIENCE }) },
    wwwAuthenticate: bearerChallenge(() => publicUrl),
    extraRoutes: protectedResourceRoutes({ publicUrl: () => publicUrl, authorizationServers: [op.issuer], scopes: ['read'] }),
  });
  publicUrl = proxy.url;
  await proxy.admin(`/servers/${VS}`, { method: 'PUT', body: { name: 'agents-only', namespace: 'mcp', tool_selectors: [], access: { users: ['agent-app'] } } });
});
afterAll(async () => {
  await proxy?.close();
  await op?.stop();
});

async function post(token?: string): Promise<Response> {
  return fetch(`${proxy.url}/servers/${VS}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
  });
}

describe('agent authentication with an OIDC issuer (JWKS)', () => {
  it('401 without a token names the RFC 9728 metadata, which names the authorization server', async () => {
    const res = await post();
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate')!;
    const url = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(url).toBe(`${proxy.url}/.well-known/oauth-protected-resource/servers/${VS}/mcp`);
    const meta = (await (await fetch(url!)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ resource: `${proxy.url}/servers/${VS}/mcp`, authorization_servers: [op.issuer] });
    expect(((await (await fetch(`${proxy.url}/.well-known/oauth-protected-resource`)).json()) as { resource: string }).resource).toBe(proxy.url);
  });

  it('a JWT from the issuer with the right audience is accepted; the MCP SDK client connects as that user', async () => {
    const token = await agentTokenFromProvider('agent-app');
    const client = new Client({ name: 'agent', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/servers/${VS}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    expect((await client.listTools()).tools).toEqual([]);
    await client.close();
  });

  it('VirtualServer access is enforced on the verified identity', async () => {
    const res = await post(await agentTokenFromProvider('other-app'));
    expect(res.status).toBe(403);
  });

  it('refuses a wrong audience, a foreign key, an HS256 token and the admin token', async () => {
    for (const token of [
      await agentTokenFromProvider('agent-app', 'urn:wrong').catch(() => 'x.y.z'),
      await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k' }).setIssuer(op.issuer).setAudience(AUDIENCE).setSubject('agent-app').setExpirationTime('5m').sign((await generateKeyPair('ES256')).privateKey),
      await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(op.issuer).setAudience(AUDIENCE).setSubject('agent-app').setExpirationTime('5m').sign(new TextEncoder().encode('a-guessed-secret-that-is-long-enough-000')),
    ]) {
      const res = await post(token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    expect((await post(ADMIN_TOKEN)).status).toBe(401);
  });
});
