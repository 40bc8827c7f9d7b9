// The whole path through the real proxy: the relay mounted on the agent listener and plugged in as
// the proxy's UpstreamCredentials; the SDK client as the agent; an OAuth-protected MCP upstream that
// checks every token with the real OAuth server (oidc-provider, refresh-token rotation on). The
// gateway uses the MCP authorization spec (RFC 9728 + dynamic client registration), as Rovo does.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { createConnectionsPage, type ConnectionsPage } from '../../../src/proxy/connections/index.ts';
import { createOAuthRelay, type OAuthRelay } from '../../../src/proxy/oauth/index.ts';
import { EncryptedTokenVault, FileRecordStore, Keyring } from '../../../src/vault/index.ts';
import { completeConsent, startOidcProvider, type RunningOidcProvider } from '../../support/oidc-provider.ts';
import { startProtectedUpstream, type ProtectedUpstream } from '../../support/protected-upstream.ts';
import { ADMIN_TOKEN, agentToken, connectAgent, eventually, startTestProxy, type TestProxy } from '../proxy/harness.ts';

const GW = gatewayId('mcp', 'rovo-like');
const VS = serverId('mcp', 'atlassian-tools');
let upstream: ProtectedUpstream;
let op: RunningOidcProvider;
let proxy: TestProxy;
let relay: OAuthRelay;
let vault: EncryptedTokenVault;
let page: ConnectionsPage;
let admin: AdminClient;
let dataDir: string;
const agents: Client[] = [];

type ToolResult = { isError?: boolean; content: Array<{ type: string; text: string }>; _meta?: Record<string, unknown> };

beforeAll(async () => {
  upstream = await startProtectedUpstream();
  op = await startOidcProvider({ resource: upstream.resource });
  upstream.trust(op.issuer, op.jwksUri);
  dataDir = await mkdtemp(join(tmpdir(), 'oauth-proxy-'));
  vault = new EncryptedTokenVault({ store: new FileRecordStore({ dataDir }), keyring: Keyring.generate() });
  relay = createOAuthRelay({ vault, relayKey: randomBytes(32), policy: { allowLoopback: true } });
  page = createConnectionsPage({ vault, relay, login: { dev: {} } });
  proxy = await startTestProxy({ credentials: relay.credentials, extraRoutes: [...relay.routes, ...page.routes] });
  relay.bind({ publicUrl: proxy.url, getGateway: (id) => proxy.getGateway(id), refreshGateway: (id, user) => proxy.refreshGateway(id, user), signIn: page.signIn });
  page.bind({ publicUrl: proxy.url, registrations: () => proxy.registrations() });
  admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
  await admin.putGateway(GW, { name: 'rovo-like', namespace: 'mcp', url: upstream.resource, transport: 'STREAMABLEHTTP', auth_type: 'oauth', oauth_config: { discovery: 'mcp', scopes: ['read'] } });
  await admin.putServer(VS, { name: 'atlassian-tools', namespace: 'mcp', tool_selectors: [{ gateway_id: GW }] });
});

afterAll(async () => {
  for (const a of agents) await a.close().catch(() => {});
  await admin?.close();
  await proxy?.close();
  await op?.stop();
  await upstream?.stop();
  await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
});

async function agent(sub: string): Promise<Client> {
  const client = await connectAgent(proxy.url, VS, sub);
  agents.push(client);
  return client;
}

describe('per-user OAuth through the proxy', () => {
  it('before anyone consents the gateway is registered, reports why it has no tools, and counts 0 users', async () => {
    const gw = await eventually(async () => {
      const g = await admin.getGateway(GW);
      return g?.lastError ? g : undefined;
    });
    expect(gw).toMatchObject({ toolCount: 0, authorizedUsers: 0 });
    expect(gw.lastError).toMatch(/authorized|consent/);
  });

  it('the first consent discovers the tools with that user’s token; the user’s call reaches the upstream with their own token', async () => {
    const { response } = await completeConsent(await relay.consentUrl(GW, 'alice'), 'alice', { signIn: page.devLoginUrl('alice') });
    expect(response!.status).toBe(200);
    await eventually(async () => ((await admin.getGateway(GW))?.toolCount ?? 0) > 0, 15_000, 'tools discovered after consent');

    const alice = await agent('alice');
    const tools = await alice.listTools();
    const whoami = tools.tools.find((t) => t.name.endsWith('whoami'));
    expect(whoami).toBeDefined();
    const result = (await alice.callTool({ name: whoami!.name, arguments: {} })) as ToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.content[0]!.text).toBe('alice');
    // The agent's own JWT never went upstream: every token the upstream accepted came from the OAuth server.
    const agentJwt = await agentToken('alice');
    expect(upstream.accepted.every((a) => a.token !== agentJwt)).toBe(true);
  });

  it('a user without consent gets a clear tool error with a consent link; after consenting, their call carries their own token', async () => {
    const bob = await agent('bob');
    const name = (await bob.listTools()).tools.find((t) => t.name.endsWith('whoami'))!.name;
    const first = (await bob.callTool({ name, arguments: {} })) as ToolResult;
    expect(first.isError).toBe(true);
    const link = /(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\/[0-9a-f]{32}\?ticket=[\w.-]+)/.exec(first.content[0]!.text)?.[1];
    expect(link, first.content[0]!.text).toBeDefined();
    expect(upstream.accepted.filter((a) => a.sub === 'bob')).toHaveLength(0); // never alice's token for bob

    const { response } = await completeConsent(link!, 'bob', { signIn: page.devLoginUrl('bob') });
    expect(response!.status).toBe(200);
    const second = (await bob.callTool({ name, arguments: {} })) as ToolResult;
    expect(second.content[0]!.text).toBe('bob');
    expect((await (await agent('alice')).callTool({ name, arguments: {} }) as ToolResult).content[0]!.text).toBe('alice');
    expect((await admin.getGateway(GW))?.authorizedUsers).toBe(2);
  });

  it('an expired token is refreshed (rotating refresh token) before the call goes upstream', async () => {
    const ref = { namespace: 'mcp', gatewayId: GW, user: 'alice' };
    const before = await vault.get(ref);
    await vault.put(ref, { ...before!.tokens, expiresAt: Date.now() - 1 });
    const refreshes = op.events.grants.refresh_token ?? 0;
    const alice = await agent('alice');
    const name = (await alice.listTools()).tools.find((t) => t.name.endsWith('whoami'))!.name;
    expect(((await alice.callTool({ name, arguments: {} })) as ToolResult).content[0]!.text).toBe('alice');
    expect(op.events.grants.refresh_token).toBe(refreshes + 1);
    const after = await vault.get(ref);
    expect(after!.tokens.refreshToken).not.toBe(before!.tokens.refreshToken);
    expect(upstream.accepted.at(-1)!.token).toBe(after!.tokens.accessToken);
    expect(op.events.errors.invalid_grant ?? 0).toBe(0);
  });

  it('no token or refresh token in the proxy’s logs, admin responses or metrics', async () => {
    const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
    expect(metrics).toContain('mcp_gitops');
    const text = JSON.stringify(proxy.logs) + JSON.stringify(await admin.getGateway(GW)) + JSON.stringify(await admin.listTools()) + metrics;
    expect(upstream.accepted.length).toBeGreaterThan(2);
    for (const a of upstream.accepted) expect(text).not.toContain(a.token);
    const { entries } = await vault.listByGateway('mcp', GW);
    for (const e of entries) expect(text).not.toContain(e.tokens.refreshToken!);
  });
});
