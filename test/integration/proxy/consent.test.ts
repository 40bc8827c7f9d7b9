/**
 * The credentials seam as the OAuth relay uses it: per-user upstream sessions, and a user without
 * consent gets the consent link — as an `isError` result, or as an MCP URL elicitation (-32042)
 * when the agent declared support for it. The provider here is a small implementation of
 * `UpstreamCredentials` of our own (the real relay is tested in test/integration/oauth).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UrlElicitationRequiredError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { ConsentRequiredError, staticCredentials, type UpstreamCredentials } from '../../../src/proxy/upstream/credentials.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ADMIN_TOKEN, agentToken, connectAgent, eventually, startTestProxy, type TestProxy } from './harness.ts';

const GW = gatewayId('mcp', 'per-user');
const VS = serverId('mcp', 'per-user');
const CONSENT = 'http://127.0.0.1:1/oauth/authorize/per-user?ticket=t';

/** alice and bob have tokens; everyone else must consent first. */
const tokens: Record<string, string> = { alice: 'token-of-alice', bob: 'token-of-bob' };
const perUser: UpstreamCredentials = {
  async headersFor(gateway, user) {
    if (gateway.spec.auth_type !== 'oauth') return staticCredentials.headersFor(gateway, user);
    const token = user ? tokens[user.user] : tokens.alice; // discovery runs with a consented user's token
    if (!token) throw new ConsentRequiredError({ gatewayId: gateway.id, consentUrl: CONSENT });
    return { authorization: `Bearer ${token}` };
  },
};

let edge: EdgeServer;
let proxy: TestProxy;
let admin: AdminClient;

beforeAll(async () => {
  [edge, proxy] = await Promise.all([startEdgeServer(), startTestProxy({ credentials: perUser })]);
  admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
  await admin.putGateway(GW, { name: 'per-user', namespace: 'mcp', url: edge.url, transport: 'STREAMABLEHTTP', auth_type: 'oauth', oauth_config: { grant_type: 'authorization_code', issuer: 'https://auth.example.com', client_id: 'cid' } });
  await admin.putServer(VS, { name: 'per-user', namespace: 'mcp', tool_selectors: [{ gateway_id: GW, include: ['whoami'] }] });
});
afterAll(async () => {
  await admin?.close();
  await proxy?.close();
  await edge?.close();
});

describe('per-user upstream credentials', () => {
  it('waits for a first consent before discovering, then calls upstream as each user', async () => {
    expect(await admin.getGateway(GW)).toMatchObject({ toolCount: 0, lastError: expect.stringContaining('no user has authorized') });
    await proxy.refreshGateway(GW, { user: 'alice', groups: [] });
    await eventually(async () => (await admin.getServer(VS))?.toolCount === 1, 10_000, 'discovery after consent');

    const alice = await connectAgent(proxy.url, VS, 'alice');
    const bob = await connectAgent(proxy.url, VS, 'bob');
    expect(await alice.callTool({ name: 'per-user-whoami', arguments: {} })).toEqual({ content: [{ type: 'text', text: 'Bearer token-of-alice' }] });
    expect(await bob.callTool({ name: 'per-user-whoami', arguments: {} })).toEqual({ content: [{ type: 'text', text: 'Bearer token-of-bob' }] });
    expect(await alice.callTool({ name: 'per-user-whoami', arguments: {} })).toEqual({ content: [{ type: 'text', text: 'Bearer token-of-alice' }] });
    await alice.close();
    await bob.close();
  });

  it('gives a user without consent the consent link as a clear tool error', async () => {
    const carol = await connectAgent(proxy.url, VS, 'carol');
    const result = await carol.callTool({ name: 'per-user-whoami', arguments: {} });
    expect(result).toMatchObject({ isError: true, _meta: { 'dev.mcp-gitops/error': { code: 'ERR_CONSENT_REQUIRED', consentUrl: CONSENT } } });
    expect((result.content as { text: string }[])[0]!.text).toContain(CONSENT);
    await carol.close();
  });

  it('asks agents that support URL elicitation with a -32042 carrying the link', async () => {
    const client = new Client({ name: 'modern-agent', version: '1' }, { capabilities: { elicitation: { url: {} } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/servers/${VS}/mcp`), { requestInit: { headers: { authorization: `Bearer ${await agentToken('dave')}` } } }));
    const err = await client.callTool({ name: 'per-user-whoami', arguments: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UrlElicitationRequiredError);
    expect((err as UrlElicitationRequiredError).elicitations).toEqual([{ mode: 'url', elicitationId: expect.any(String), url: CONSENT, message: expect.stringContaining('per-user') }]);
    await client.close();
  });
});
