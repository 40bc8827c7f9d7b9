// Atlassian's documented OAuth 2.0 (3LO) wire behaviour, recorded with nock (Atlassian is not
// reachable from tests): the seed's gateway body as written, authorize parameters
// (audience=api.atlassian.com, prompt=consent), the token response, rotating refresh tokens, and the
// 403 invalid_grant Atlassian answers for a refresh token that is no longer valid.
// Sources: developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps,
//          developer.atlassian.com/cloud/oauth/getting-started/refresh-tokens
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectionsPage, type ConnectionsPage } from '../../../src/proxy/connections/index.ts';
import { createOAuthRelay, type OAuthRelay } from '../../../src/proxy/oauth/index.ts';
import { ConsentRequiredError } from '../../../src/proxy/upstream/credentials.ts';
import { EncryptedTokenVault, FileRecordStore, Keyring } from '../../../src/vault/index.ts';
import { completeConsent } from '../../support/oidc-provider.ts';
import { registration } from './harness.ts';

const CLIENT_SECRET = `atl-secret-${randomBytes(8).toString('hex')}`;
const seedBody = {
  name: 'atlassian-rovo',
  url: 'https://mcp.atlassian.com/v1/mcp',
  transport: 'STREAMABLEHTTP',
  description: 'Atlassian Rovo MCP Server (Jira + Confluence + Compass)',
  auth_type: 'oauth',
  oauth_config: {
    grant_type: 'authorization_code',
    issuer: 'https://auth.atlassian.com',
    authorization_url: 'https://auth.atlassian.com/authorize?audience=api.atlassian.com',
    token_url: 'https://auth.atlassian.com/oauth/token',
    redirect_uri: 'https://mcf.example.com/oauth/callback',
    scopes: ['read:jira-work', 'write:jira-work', 'read:jira-user', 'offline_access'],
    client_id: 'atl-client-id',
    client_secret: CLIENT_SECRET,
  },
};

let server: Server;
let base: string;
let dataDir: string;
let relay: OAuthRelay;
let page: ConnectionsPage;
let vault: EncryptedTokenVault;
const gw = registration(seedBody.name, seedBody, 'mcp');
const user = { user: 'alice@example.com', groups: [] };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'atl-'));
  vault = new EncryptedTokenVault({ store: new FileRecordStore({ dataDir }), keyring: Keyring.generate() });
  // Public addresses for Atlassian's hosts (no DNS here); loopback only for our own relay server.
  relay = createOAuthRelay({ vault, relayKey: randomBytes(32), policy: { allowedHosts: ['*.atlassian.com', 'auth.atlassian.com'], resolve: async () => ['104.192.142.18'] } });
  page = createConnectionsPage({ vault, relay, login: { dev: {} } });
  const routes = [...relay.routes, ...page.routes];
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = routes.find((r) => r.method === req.method && url.pathname.startsWith(r.pathPrefix));
    if (!route) return void res.writeHead(404).end();
    await route.handler(req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  relay.bind({ publicUrl: base, getGateway: (id) => (id === gw.id ? gw : undefined), signIn: page.signIn });
  page.bind({ publicUrl: base, registrations: () => ({ gateways: [gw], servers: [] }) });
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
});

afterAll(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
});

function expireStored() {
  const ref = { namespace: 'mcp', gatewayId: gw.id, user: user.user };
  return vault.get(ref).then((e) => vault.put(ref, { ...e!.tokens, expiresAt: Date.now() - 1 }));
}

describe('Atlassian OAuth 2.0 (3LO), recorded', () => {
  let state = '';
  let challenge = '';
  let browser = '';

  it('authorize URL: audience=api.atlassian.com once, prompt=consent, scopes, PKCE S256, the configured redirect_uri', async () => {
    const link = (await relay.credentials.headersFor(gw, user).catch((e: ConsentRequiredError) => e)) as ConsentRequiredError;
    expect(link).toBeInstanceOf(ConsentRequiredError);
    // The user signs in, sees which account and gateway, presses Continue: the browser leaves for Atlassian.
    const { url: location, cookie } = await completeConsent(link.consentUrl, user.user, { signIn: page.devLoginUrl(user.user), stopAt: 'https://auth.atlassian.com/' });
    browser = cookie;
    expect(`${location.origin}${location.pathname}`).toBe('https://auth.atlassian.com/authorize');
    const p = location.searchParams;
    expect(p.getAll('audience')).toEqual(['api.atlassian.com']);
    expect(p.get('prompt')).toBe('consent');
    expect(p.get('client_id')).toBe('atl-client-id');
    expect(p.get('response_type')).toBe('code');
    expect(p.get('scope')).toBe('read:jira-work write:jira-work read:jira-user offline_access');
    expect(p.get('redirect_uri')).toBe('https://mcf.example.com/oauth/callback');
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.has('resource')).toBe(false); // the classic 3LO server rejects RFC 8707 resource
    expect(location.href).not.toContain(CLIENT_SECRET);
    state = p.get('state')!;
    challenge = p.get('code_challenge')!;
    expect(state.length).toBeGreaterThan(20);
    expect(challenge.length).toBe(43);
  });

  it('callback: the code exchange carries client credentials in the body and the PKCE verifier; tokens are stored', async () => {
    const scope = nock('https://auth.atlassian.com')
      .post('/oauth/token', (body: Record<string, string>) =>
        body.grant_type === 'authorization_code' && body.code === 'atl-code-1' && body.redirect_uri === 'https://mcf.example.com/oauth/callback' &&
        body.client_id === 'atl-client-id' && body.client_secret === CLIENT_SECRET && typeof body.code_verifier === 'string' && body.code_verifier.length >= 43)
      .reply(200, { access_token: 'atl-at-1', refresh_token: 'atl-rt-1', expires_in: 3600, scope: 'read:jira-work write:jira-work read:jira-user offline_access', token_type: 'Bearer' });
    // Atlassian redirects to the configured public callback; the proxy serves it at /oauth/callback.
    const res = await fetch(`${base}/oauth/callback?code=atl-code-1&state=${state}`, { headers: { cookie: browser } });
    expect(res.status).toBe(200);
    expect(scope.isDone()).toBe(true);
    expect(await relay.credentials.headersFor(gw, user)).toEqual({ authorization: 'Bearer atl-at-1' });
    const stored = await vault.get({ namespace: 'mcp', gatewayId: gw.id, user: user.user });
    expect(stored?.tokens).toMatchObject({ refreshToken: 'atl-rt-1', tokenType: 'bearer', scopes: ['read:jira-work', 'write:jira-work', 'read:jira-user', 'offline_access'] });
  });

  it('refresh: presents the stored refresh token once and keeps the rotated one Atlassian returns', async () => {
    await expireStored();
    const scope = nock('https://auth.atlassian.com')
      .post('/oauth/token', (body: Record<string, string>) => body.grant_type === 'refresh_token' && body.refresh_token === 'atl-rt-1' && body.client_secret === CLIENT_SECRET)
      .once()
      .reply(200, { access_token: 'atl-at-2', refresh_token: 'atl-rt-2', expires_in: 3600, scope: 'read:jira-work offline_access', token_type: 'Bearer' });
    const results = await Promise.all([1, 2, 3].map(() => relay.credentials.headersFor(gw, user)));
    expect(results.every((r) => r.authorization === 'Bearer atl-at-2')).toBe(true);
    expect(scope.isDone()).toBe(true);
    expect((await vault.get({ namespace: 'mcp', gatewayId: gw.id, user: user.user }))?.tokens.refreshToken).toBe('atl-rt-2');
  });

  it('a disabled refresh token: 403 invalid_grant → reconnect needed, with a new consent link', async () => {
    await expireStored();
    nock('https://auth.atlassian.com')
      .post('/oauth/token', (body: Record<string, string>) => body.refresh_token === 'atl-rt-2')
      .reply(403, { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' });
    const error = await relay.credentials.headersFor(gw, user).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsentRequiredError);
    expect((error as Error).message).toContain('needs to be renewed');
    expect((error as Error).message).not.toMatch(/atl-(rt|at)-/);
    expect(await relay.authorizedUsers(gw)).toBe(0);
  });
});
